#!/usr/bin/env bash
# Load test: gunicorn (2 workers by default) on loopback against PostgreSQL database qbs_load (rebuilt with
# `flask demo`), locust headless for 60 s (benchmarks/load/locustfile.py); prints requests per second, p50/p95/p99
# and the error count, and stops gunicorn. Not part of `make test`. Three scenarios:
#   mixed  (default) 100 simulated users of mixed traffic: inbox, task pages, follow-ups, dispatch lists, overview,
#          results; each waits 0.5–2 s between requests
#   pages  30 users each asking for the inbox or the dispatch list 5 times a second (LOAD_USER_RATE): 150 requests
#          a second offered, the speed issue's target rate; the run shows whether it holds (p95, errors) and the
#          rate once every user runs. (150 users once a second offer the same load, but locust's own event loop
#          then adds hundreds of milliseconds to every answer on these shared cores: LOAD_USERS=150 LOAD_USER_RATE=1.)
#   open   the same pages at LOAD_RATE requests a second (default 150) from benchmarks/load/openloop.py, an
#          open-loop generator of plain threads without locust: the cross-check of the `pages` numbers
#
#   bash benchmarks/load/run.sh                       # defaults below
#   LOAD_SCENARIO=pages bash benchmarks/load/run.sh   # the inbox and dispatch pages at 150 requests a second
#   LOAD_SCENARIO=open LOAD_RATE=170 bash benchmarks/load/run.sh
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
  mixed) CLASSES="UnitStaff ViceMayor Office"; DEFAULT_USERS=100; DEFAULT_SPAWN=20 ;;
  pages) CLASSES="InboxReader DispatchReader"; DEFAULT_USERS=30; DEFAULT_SPAWN=30
         export LOAD_USER_RATE="${LOAD_USER_RATE:-5}" ;;
  open) CLASSES=""; DEFAULT_USERS=0; DEFAULT_SPAWN=0 ;;
  *) echo "LOAD_SCENARIO 只能是 mixed、pages 或 open" >&2; exit 2 ;;
esac
USERS="${LOAD_USERS:-$DEFAULT_USERS}"
SECONDS_TO_RUN="${LOAD_SECONDS:-60}"
SPAWN_RATE="${LOAD_SPAWN_RATE:-$DEFAULT_SPAWN}"
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

# What the machine's CPUs did during the run: busy (user + system), idle, and stolen by the hypervisor for other
# guests. On a shared virtual machine a run with much steal is slower for reasons outside the app: compare runs by it.
cpu_sample() { head -n 1 /proc/stat; }
cpu_report() {
  $BIN/python - "$1" "$(cpu_sample)" <<'PY'
import sys
before, after = ([int(v) for v in line.split()[1:9]] for line in sys.argv[1:3])
d = [b - a for a, b in zip(before, after)]
total = sum(d) or 1
busy = d[0] + d[1] + d[2] + d[5] + d[6]
print(f"CPUs during the run: busy {busy / total:.0%}, idle {(d[3] + d[4]) / total:.0%}, "
      f"stolen by the hypervisor {d[7] / total:.0%}")
PY
}
if [ "$SCENARIO" != mixed ]; then
  $BIN/python benchmarks/load/openloop.py --port "$PORT" --calibrate
fi
CPU_BEFORE="$(cpu_sample)"

if [ "$SCENARIO" = open ]; then
  RATE="${LOAD_RATE:-150}"
  echo "== open loop: $RATE requests/s, ${SECONDS_TO_RUN}s (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  set +e
  $BIN/python benchmarks/load/openloop.py --port "$PORT" --rate "$RATE" --seconds "$SECONDS_TO_RUN"
  OPEN_STATUS=$?
  set -e
  cpu_report "$CPU_BEFORE"
  stop_gunicorn
  trap - EXIT
  exit "$OPEN_STATUS"
fi

echo "== locust ($SCENARIO): $USERS users, ${SECONDS_TO_RUN}s (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
set +e
# shellcheck disable=SC2086  # the user classes are words
$BIN/locust -f benchmarks/load/locustfile.py $CLASSES --headless -u "$USERS" -r "$SPAWN_RATE" -t "${SECONDS_TO_RUN}s" \
  --host "http://127.0.0.1:$PORT" --csv "$OUT/locust" --only-summary --stop-timeout 10 >"$OUT/locust.log" 2>&1
LOCUST_STATUS=$?
set -e
cpu_report "$CPU_BEFORE"
stop_gunicorn
trap - EXIT

$BIN/python - "$OUT/locust_stats.csv" "$OUT/locust_failures.csv" "$USERS" "$SECONDS_TO_RUN" <<'EOF'
import csv
import sys

stats, failures, users, seconds = sys.argv[1:5]
# The rate once every simulated user runs and has signed in (the 60 s include the ramp and the sign-ins).
history = [r for r in csv.DictReader(open(stats.replace("_stats.csv", "_stats_history.csv"), encoding="utf-8"))
           if r["Name"] == "Aggregated" and r["User Count"] == users]
steady = None
if len(history) > 6:
    first, last = history[5], history[-1]
    span = int(last["Timestamp"]) - int(first["Timestamp"])
    if span > 0:
        steady = (int(last["Total Request Count"]) - int(first["Total Request Count"])) / span
rows = list(csv.DictReader(open(stats, encoding="utf-8")))
print(f"\n{'request':44} {'count':>7} {'errors':>6} {'p50':>7} {'p95':>7} {'p99':>7}  (ms)")
for row in rows:
    print(f"{row['Type'] + ' ' + row['Name']:44} {row['Request Count']:>7} {row['Failure Count']:>6} "
          f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7}")
total = next(r for r in rows if r["Name"] == "Aggregated")
print(f"\n{users} users, {seconds} s: {float(total['Requests/s']):.1f} requests/s; "
      f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms; "
      f"{total['Request Count']} requests, errors: {total['Failure Count']}")
if steady is not None:
    print(f"once all {users} users run (from 5 s after the last one started to the end): {steady:.1f} requests/s")
for row in csv.DictReader(open(failures, encoding="utf-8")):
    print(f"  error ×{row['Occurrences']}: {row['Method']} {row['Name']}: {row['Error']}")
for row in csv.DictReader(open(failures.replace("_failures", "_exceptions"), encoding="utf-8")):
    print(f"  exception in the locustfile ×{row['Count']}: {row['Message']}")
EOF
if [ "$LOCUST_STATUS" -ne 0 ]; then
  echo "locust exited with $LOCUST_STATUS (errors, or see $OUT/locust.log)" >&2
  exit 1
fi
