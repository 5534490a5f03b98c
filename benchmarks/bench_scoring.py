"""Time the annual results (year_report) and one quarter (compute_quarter) on a database of 50,000 tasks.

Builds the database like bench_tasks.py (a fresh SQLite file under /tmp/qbs-bench-scoring/ by default, or
PostgreSQL with --pg URL): migrations, the organisation, the demo accounts and the stress tasks, then every
manual entry of the four quarters of last year (app.demo.scoring.enter_demo_year, through enter_scores) —
so year_report computes all four quarters live from the tasks, the worst case. It then times, in an app
context with a fresh session per run (as a request would have):

* year_report(year) with the four quarters open (computed live from entries and task facts);
* compute_quarter(year, 2) for one quarter;
* year_report(year) once the four quarters are finalized (their snapshots; rolled back afterwards).

For each it prints the median and 95th percentile in milliseconds and the SQL statements per run.

    .venv/bin/python benchmarks/bench_scoring.py                 # fresh SQLite file
    .venv/bin/python benchmarks/bench_scoring.py --reuse         # keep the database of the previous run
    .venv/bin/python benchmarks/bench_scoring.py --pg postgresql://postgres@127.0.0.1:5432/qbs_bench_scoring

Without --reuse the PostgreSQL database's public schema is dropped and rebuilt: point --pg at a scratch database.
"""

import argparse
import math
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from bench_tasks import database_url, reset_database  # noqa: E402  (one copy of the database set-up)

DEFAULT_SQLITE = "/tmp/qbs-bench-scoring/bench.sqlite3"
TARGET_MS = 300


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL database to use (its schema is rebuilt)")
    parser.add_argument("--sqlite", metavar="PATH", default=DEFAULT_SQLITE, help="SQLite file (default %(default)s)")
    parser.add_argument("--reuse", action="store_true", help="keep the existing database and its data")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per measurement (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first (default %(default)s)")
    parser.add_argument("--tasks", type=int, default=50_000, help="stress tasks (default %(default)s)")
    return parser.parse_args(argv)


def build(app, args, year):
    """Migrate and seed; returns {step: seconds} of the steps that had something to do."""
    from flask_migrate import upgrade

    from app.core.clock import today
    from app.demo.org import seed_demo_org
    from app.demo.scoring import enter_demo_year
    from app.extensions import db
    from app.org.seed import seed_organisation
    from app.scoring.models import ScoreEntry
    from benchmarks.stress_data import seed_stress_tasks

    seconds = {}
    with app.app_context():
        if not args.reuse:
            reset_database(db.engine)
        upgrade()
        seed_organisation()
        seed_demo_org()
        db.session.commit()
        started = time.perf_counter()
        result = seed_stress_tasks(today(), tasks=args.tasks, echo=None)
        db.session.commit()
        if not result.get("skipped"):
            seconds["seed_stress_tasks"] = time.perf_counter() - started
        if db.session.scalar(sa.select(ScoreEntry.id).where(ScoreEntry.year == year).limit(1)) is None:
            started = time.perf_counter()
            enter_demo_year(year, today())
            db.session.commit()
            seconds["enter_demo_year"] = time.perf_counter() - started
        db.session.remove()
    return seconds


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Timing:
    median: float  # wall-clock milliseconds
    p95: float
    cpu: float  # median CPU milliseconds of this process (SQLite runs in it; PostgreSQL's server does not)
    queries: int  # median SQL statements per run
    result: object = None

    def line(self, label):
        return f"{self.median:>10.1f} {self.p95:>8.1f} {self.cpu:>8.1f} {self.queries:>8}  {label}"


def measure(engine, fn, runs, warmup, fresh):
    """Time `fn()`; `fresh()` runs untimed before each call (a new session, as a request would have)."""
    statements = [0]

    def count(conn, cursor, statement, parameters, context, executemany):
        statements[0] += 1

    times, cpu, counts, result = [], [], [], None
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for i in range(warmup + runs):
            fresh()
            statements[0] = 0
            started, started_cpu = time.perf_counter(), time.process_time()
            result = fn()
            elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
            if i >= warmup:
                times.append(elapsed * 1000)
                cpu.append(elapsed_cpu * 1000)
                counts.append(statements[0])
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return Timing(statistics.median(times), percentile(times, 95), statistics.median(cpu),
                  int(statistics.median(counts)), result)


def main(argv=None):
    args = parse_args(argv)
    from app import create_app
    from config import DevelopmentConfig

    url = database_url(args)
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    app = create_app(DevelopmentConfig, {"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None})
    print(f"database: {url}{' (reused)' if args.reuse else ''}")

    from sqlalchemy.orm import scoped_session, sessionmaker

    from app.auth.models import Role, User
    from app.core.clock import today
    from app.demo.scoring import evaluation_date
    from app.extensions import db
    from app.scoring.approvals import set_opinion
    from app.scoring.models import ScoreEntry
    from app.scoring.reports import compute_quarter, year_quarter_reports, year_report
    from app.scoring.services import finalize_quarter
    from app.tasks.models import Task, TaskState

    with app.app_context():
        day = today()
    year = day.year - 1
    for step, seconds in build(app, args, year).items():
        print(f"{step}: {seconds:.1f} s")

    with app.app_context():
        engine = db.engine
        tasks = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
        in_year = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(
            Task.due_on.between(date(year, 1, 1), date(year, 12, 31)), Task.state != TaskState.cancelled))
        entries = db.session.scalar(sa.select(sa.func.count()).select_from(ScoreEntry).where(ScoreEntry.year == year))
        print(f"tasks: {tasks}, due in {year} and not cancelled: {in_year}, "
              f"entries of {year}: {entries}, today: {day}")
        print(f"{args.runs} timed runs after {args.warmup} warm-ups, a fresh session each\n")

        header = f"{'median ms':>10} {'p95 ms':>8} {'cpu ms':>8} {'queries':>8}  measurement"
        print(header)
        print("-" * (len(header) + 50))
        evaluated_on = evaluation_date(year, 2, day)
        fresh = db.session.remove
        live = measure(engine, lambda: year_report(year, day), args.runs, args.warmup, fresh)
        print(live.line(f"year_report({year}), 4 quarters open (live, aggregates)"))
        slow_runs = max(3, args.runs // 4)  # the per-task path, for comparison: fewer runs
        pages = measure(engine, lambda: year_report(
            year, day, quarters=year_quarter_reports(year, day)), slow_runs, 1, fresh)
        print(pages.line(f"year_report({year}) given year_quarter_reports (every task explained, as the year "
                         f"page does; {slow_runs} runs)"))
        quarter = measure(engine, lambda: compute_quarter(year, 2, evaluated_on), args.runs, args.warmup,
                          fresh)
        print(quarter.line(f"compute_quarter({year}, 2) on {evaluated_on} (every task explained)"))
        same = live.result == pages.result

        # the same annual results once the quarters are finalized (snapshots): in a transaction rolled back
        # afterwards, so the sessions between runs are not removed (that would roll the finalization back)
        db.session.remove()
        connection = engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
                                    scopefunc=lambda: 0)
        try:
            admin = db.session.scalar(sa.select(User).where(User.role == Role.admin).order_by(User.id).limit(1))
            for q in (1, 2, 3, 4):
                on = evaluation_date(year, q, day)
                set_opinion(admin, year, q, "基准测试：建议审定。", on)
                finalize_quarter(admin, year, q, on, approved_on=on, doc_number=f"潭千百十〔{year}〕{q}号")
            db.session.flush()
            frozen = measure(engine, lambda: year_report(year, day), args.runs, args.warmup,
                             db.session.expunge_all)
            print(frozen.line(f"year_report({year}), 4 quarters finalized (snapshots)"))
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()

    print(f"\nwall: median and 95th percentile; cpu: median CPU time of this process. The aggregate path and the "
          f"per-task path give {'identical' if same else 'DIFFERENT'} annual results.")
    verdict = "meets" if live.median < TARGET_MS else "misses"
    print(f"year_report, 4 quarters live: median {live.median:.1f} ms (cpu {live.cpu:.1f} ms) {verdict} the "
          f"{TARGET_MS} ms target, {live.queries} queries per run (constant: no query per unit or task).")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
