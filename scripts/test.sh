#!/usr/bin/env bash
# The README's test command (`make test`) runs this: lint and the import layers, then the suite on SQLite, then
# on PostgreSQL.
# PostgreSQL: TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/qbs_test). In CI (CI=true) the
# PostgreSQL run is mandatory; elsewhere it is skipped, with a clear message, when no server answers.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL="${TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/qbs_test}"
WORKERS="${PYTEST_WORKERS:-2}"  # pytest-xdist workers; each gets its own database

echo "== ruff check"
$BIN/ruff check .

echo "== import layers (lint-imports; the contracts are in pyproject.toml)"
$BIN/lint-imports --no-cache

CHROMIUM="${E2E_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ] && [ "${CI:-}" != "true" ]; then
  echo "!! Browser journeys (tests/e2e) will be SKIPPED: no Chromium at $CHROMIUM (apt-get install -y chromium)."
fi

echo "== test suite on SQLite"
env -u TEST_DATABASE_URL $BIN/pytest -n "$WORKERS" "$@"

echo "== test suite on PostgreSQL ($PG_URL)"
if $BIN/python scripts/ensure_pg.py "$PG_URL"; then
  TEST_DATABASE_URL="$PG_URL" $BIN/pytest -n "$WORKERS" "$@"
else
  if [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL is required in CI but is not reachable at $PG_URL" >&2
    exit 1
  fi
  echo "!! PostgreSQL run SKIPPED: no server answers at $PG_URL (set TEST_PG_URL, or start PostgreSQL)."
fi
