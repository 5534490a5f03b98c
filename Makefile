# The two commands a newcomer needs:  make run   and   make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench web scheduler clean-db

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.deps-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.deps

## run: install, migrate the embedded SQLite database, load the organisation and demo data, serve on :5000
run: $(VENV)/.deps
	$(BIN)/python -m compileall -q app config.py  # bytecode once, even where PYTHONDONTWRITEBYTECODE is set
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	$(BIN)/python scripts/run_dev.py --host $(HOST) --port $(PORT)

## test: install the test tools and run the whole suite on SQLite, then on PostgreSQL when reachable
test: $(VENV)/.deps-dev
	bash scripts/test.sh

lint: $(VENV)/.deps-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

## bench: one table of the pages and jobs on 50,000 tasks, SQLite (/tmp/qbs-bench/bench.sqlite3) beside PostgreSQL
## (BENCH_PG, skipped with a message when it does not answer); each data set is built once and then reused.
## BENCH_ARGS="--rebuild", "--no-pg", "--only inbox,dispatch", "--markdown" (see benchmarks/README.md)
BENCH_PG ?= postgresql://postgres@127.0.0.1:5432/qbs_bench
bench: $(VENV)/.deps-dev
	$(BIN)/python benchmarks/bench.py --pg $(BENCH_PG) $(BENCH_ARGS)

clean-db:
	rm -f instance/qbs.sqlite3 instance/qbs.sqlite3-wal instance/qbs.sqlite3-shm
