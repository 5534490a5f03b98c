#!/usr/bin/env bash
# Load test: gunicorn (2 workers by default) on loopback against PostgreSQL database qbs_load (rebuilt with
# `flask demo`), locust headless for 60 s (benchmarks/load/locustfile.py); prints requests per second, p50/p95/p99
# and the error count, and stops gunicorn. Not part of `make test`. Two scenarios:
#   mixed  (default) 100 simulated users of mixed traffic: inbox, task pages, follow-ups, dispatch lists, overview,
#          results; each waits 0.5–2 s between requests
#   pages  150 users each asking for the inbox or the dispatch list once a second: 150 requests a second offered,
#          the issue's target rate; the run shows whether it holds (p95, errors)
#
#   bash benchmarks/load/run.sh                       # defaults below
#   LOAD_SCENARIO=pages bash benchmarks/load/run.sh   # the inbox and dispatch pages at 150 requests a second
#   LOAD_WORKERS=4 bash benchmarks/load/run.sh
#   LOAD_USERS=50 LOAD_SECONDS=30 bash benchmarks/load/run.sh
#   LOAD_DB=postgresql://postgres@127.0.0.1:5432/other_scratch_db bash benchmarks/load/run.sh
#   LOAD_KEEP_DB=1 bash benchmarks/load/run.sh        # reuse qbs_load as it is (no rebuild)
#
# The database is emptied (its public schema dropped) unless LOAD_KEEP_DB=1: point LOAD_DB at a scratch database.
# Exit status: 0 when the run had no errors, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin
DB="${LOAD_DB:-postgresql://postgres@127.0.0.1:5432/qbs_load}"
PORT="${LOAD_PORT:-8765}"
SCENARIO="${LOAD_SCENARIO:-mixed}"
WORKERS="${LOAD_WORKERS:-2}"
case "$SCENARIO" in
  mixed) CLASSES="UnitStaff ViceMayor Office"; DEFAULT_USERS=100 ;;
  pages) CLASSES="InboxReader DispatchReader"; DEFAULT_USERS=150 ;;
  *) echo "LOAD_SCENARIO 只能是 mixed 或 pages" >&2; exit 2 ;;
esac
USERS="${LOAD_USERS:-$DEFAULT_USERS}"
SECONDS_TO_RUN="${LOAD_SECONDS:-60}"
SPAWN_RATE="${LOAD_SPAWN_RATE:-20}"
OUT="${LOAD_OUT:-benchmarks/results/load}"
mkdir -p "$OUT"

for tool in gunicorn locust flask; do
  [ -x "$BIN/$tool" ] || { echo "缺少 $BIN/$tool：请先运行 make test（或 pip install -r requirements-dev.txt）" >&2; exit 2; }
done

export APP_ENV=production FLASK_APP=app DATABASE_URL="$DB"
export SECRET_KEY="${SECRET_KEY:-load-test-$(date +%s)-$RANDOM}"
export SESSION_COOKIE_SECURE=0  # plain HTTP on loopback; production behind TLS keeps it on
# The demo accounts sign in with the published demo password, which production makes them change before any
# other page (every page would answer with the account page): the load test reads the pages themselves.
export DEMO_PASSWORD_FORCES_CHANGE=0
export INSTANCE_PATH="${INSTANCE_PATH:-/tmp/qbs-load-instance}"

echo "== database $DB"
$BIN/python scripts/ensure_pg.py "$DB"
if [ "${LOAD_KEEP_DB:-0}" != "1" ]; then
  $BIN/python - "$DB" <<'EOF'
import sys
import psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
    conn.execute("CREATE SCHEMA public")
EOF
  $BIN/flask db upgrade >"$OUT/setup.log" 2>&1
  $BIN/flask demo >>"$OUT/setup.log" 2>&1
  tail -n 4 "$OUT/setup.log"
fi

echo "== gunicorn -w $WORKERS on 127.0.0.1:$PORT"
$BIN/gunicorn -w "$WORKERS" -b "127.0.0.1:$PORT" --access-logfile /dev/null --error-logfile "$OUT/gunicorn.log" \
  --pid "$OUT/gunicorn.pid" 'app:create_app()' &
GUNICORN=$!
stop_gunicorn() { kill "$GUNICORN" 2>/dev/null && wait "$GUNICORN" 2>/dev/null || true; }
trap stop_gunicorn EXIT
for _ in $(seq 1 60); do
  if $BIN/python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/auth/login', timeout=2)" \
      2>/dev/null; then break; fi
  kill -0 "$GUNICORN" 2>/dev/null || { echo "gunicorn 未能启动，见 $OUT/gunicorn.log" >&2; exit 2; }
  sleep 1
done

echo "== locust ($SCENARIO): $USERS users, ${SECONDS_TO_RUN}s (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
set +e
# shellcheck disable=SC2086  # the user classes are words
$BIN/locust -f benchmarks/load/locustfile.py $CLASSES --headless -u "$USERS" -r "$SPAWN_RATE" -t "${SECONDS_TO_RUN}s" \
  --host "http://127.0.0.1:$PORT" --csv "$OUT/locust" --only-summary --stop-timeout 10 >"$OUT/locust.log" 2>&1
LOCUST_STATUS=$?
set -e
stop_gunicorn
trap - EXIT

$BIN/python - "$OUT/locust_stats.csv" "$OUT/locust_failures.csv" "$USERS" "$SECONDS_TO_RUN" <<'EOF'
import csv
import sys

stats, failures, users, seconds = sys.argv[1:5]
rows = list(csv.DictReader(open(stats, encoding="utf-8")))
print(f"\n{'request':44} {'count':>7} {'errors':>6} {'p50':>7} {'p95':>7} {'p99':>7}  (ms)")
for row in rows:
    print(f"{row['Type'] + ' ' + row['Name']:44} {row['Request Count']:>7} {row['Failure Count']:>6} "
          f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7}")
total = next(r for r in rows if r["Name"] == "Aggregated")
print(f"\n{users} users, {seconds} s: {float(total['Requests/s']):.1f} requests/s; "
      f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms; "
      f"{total['Request Count']} requests, errors: {total['Failure Count']}")
for row in csv.DictReader(open(failures, encoding="utf-8")):
    print(f"  error ×{row['Occurrences']}: {row['Method']} {row['Name']}: {row['Error']}")
for row in csv.DictReader(open(failures.replace("_failures", "_exceptions"), encoding="utf-8")):
    print(f"  exception in the locustfile ×{row['Count']}: {row['Message']}")
EOF
if [ "$LOCUST_STATUS" -ne 0 ]; then
  echo "locust exited with $LOCUST_STATUS (errors, or see $OUT/locust.log)" >&2
  exit 1
fi
