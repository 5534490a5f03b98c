"""Time each SQL statement of the ledger's cockpit and lists on a built benchmark database (the ledger stress set
that bench.py lays down), to see where a page's time goes.

    .venv/bin/python benchmarks/measure_ledger.py --url sqlite:////tmp/qbs-bench/bench.sqlite3
    .venv/bin/python benchmarks/measure_ledger.py --url postgresql://postgres@127.0.0.1:5432/qbs_bench --explain

For each page (/ledger/cockpit, /ledger/enterprises, /ledger/projects, signed in as `admin`): the median page time
over --runs runs after 2 warm-ups, and each statement's median time, slowest first (its first line), with
--explain the plan of the slowest ones. The cockpit is computed on every run (as after a write to the ledger) unless
--kept. Statement times are the driver's execute: on PostgreSQL the whole statement, on SQLite only up to its first
row (a grouped scan steps on in fetchall), so on SQLite compare the page's time. It reads only; build the data set
with bench.py first.
"""

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

PAGES = ("/ledger/cockpit", "/ledger/enterprises", "/ledger/projects")


class StatementTimer:
    """Each statement's wall time, by its SQL text, while installed."""

    def __init__(self, engine):
        self.engine, self.times, self.params = engine, defaultdict(list), {}

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("started", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.times[statement].append((time.perf_counter() - conn.info["started"].pop()) * 1000)
        self.params[statement] = parameters

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the benchmark database")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--explain", type=int, default=0, metavar="N", help="plans of the N slowest statements")
    parser.add_argument("--top", type=int, default=8, help="statements shown per page")
    parser.add_argument("--kept", action="store_true",
                        help="let the cockpit reuse what it computed (default: computed on every run, as after a "
                             "write to the ledger)")
    args = parser.parse_args(argv)

    import app.ledger.cockpit as cockpit_module
    from app import create_app
    from app.auth.models import User
    from app.auth.services import open_session
    from app.extensions import db
    from config import DevelopmentConfig

    app = create_app(DevelopmentConfig, {"SQLALCHEMY_DATABASE_URI": args.url, "WTF_CSRF_ENABLED": False,
                                         "SERVER_NAME": None})
    with app.app_context():
        engine = db.engine
        account = db.session.scalar(sa.select(User).where(User.username == "admin"))
        _, user_id = open_session(account)
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = user_id, True

    for path in args.pages.split(","):
        for _ in range(2):
            assert client.get(path).status_code == 200, path
        totals, counts = [], []
        with StatementTimer(engine) as timer:
            for _ in range(args.runs):
                if not args.kept:
                    cockpit_module._computed.clear()  # as after a write to a table the cockpit reads
                before = sum(len(v) for v in timer.times.values())
                started = time.perf_counter()
                response = client.get(path)
                totals.append((time.perf_counter() - started) * 1000)
                counts.append(sum(len(v) for v in timer.times.values()) - before)
                assert response.status_code == 200, path
        sql_ms = sum(statistics.median(v) * len(v) / args.runs for v in timer.times.values())
        print(f"\n{path}: median {statistics.median(totals):.1f} ms, statements {statistics.median(counts):.0f}, "
              f"SQL {sql_ms:.1f} ms")
        ranked = sorted(timer.times.items(), key=lambda kv: -statistics.median(kv[1]))
        for statement, times in ranked[:args.top]:
            first = " ".join(statement.split())[:150]
            print(f"  {statistics.median(times):7.2f} ms ×{len(times) // args.runs}  {first}")
        for statement, _times in ranked[:args.explain]:
            prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
            with engine.connect() as conn:
                plan = conn.exec_driver_sql(prefix + statement, timer.params[statement]).all()
            print("\n  " + " ".join(statement.split())[:400])
            for row in plan:
                print("    " + " | ".join(str(c) for c in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
