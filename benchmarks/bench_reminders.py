"""Time one reminder scan (`app.reminders.jobs.scan`) on a database of 50,000 tasks.

Builds the stress database the way bench_tasks.py does (a fresh SQLite file under /tmp/qbs-bench-reminders/ by
default, or PostgreSQL with --pg URL): migrations, the organisation, the demo accounts and
`benchmarks/stress_data.py` (seed_stress_tasks). Then it runs the scan at --now (default: now) and prints, for each
run, the wall-clock seconds, the SQL statements it issued, the reminders due and the outbox rows created:

- "first scan": nothing enqueued yet, so every due reminder is inserted (rolled back after each run, so every
  run does the same work);
- "repeat scan": the same scan again once the first one's rows are committed, the scheduler's steady state
  every few minutes (everything is present already, nothing is created).

    .venv/bin/python benchmarks/bench_reminders.py
    .venv/bin/python benchmarks/bench_reminders.py --reuse --now 2026-03-10T09:00
    .venv/bin/python benchmarks/bench_reminders.py --pg postgresql://postgres@127.0.0.1:5432/qbs_bench

Without --reuse the PostgreSQL database's public schema is dropped and rebuilt: point --pg at a scratch database.
The target: under 2 s per scan, with a number of statements that does not grow with the number of tasks.
"""

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402

DEFAULT_SQLITE = "/tmp/qbs-bench-reminders/bench.sqlite3"
TARGET_SECONDS = 2.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL database to use (its schema is rebuilt)")
    parser.add_argument("--sqlite", metavar="PATH", default=DEFAULT_SQLITE, help="SQLite file (default %(default)s)")
    parser.add_argument("--reuse", action="store_true", help="keep the existing database and its data")
    parser.add_argument("--runs", type=int, default=3, help="timed scans of each kind (default %(default)s)")
    parser.add_argument("--tasks", type=int, default=50_000, help="stress tasks (default %(default)s)")
    parser.add_argument("--now", help="scan at this local time, e.g. 2026-03-10T09:00 (default: now)")
    return parser.parse_args(argv)


class Counter:
    """Counts the SQL statements sent to the engine while installed."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1

    def __enter__(self):
        self.count = 0
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._before)


def timed_scan(app, now, commit):
    """(seconds, statements, result) of one scan in a fresh session; committed or rolled back."""
    from app.extensions import db
    from app.reminders import jobs

    with app.app_context():
        with Counter(db.engine) as counter:
            started = time.perf_counter()
            result = jobs.scan(now)
            (db.session.commit if commit else db.session.rollback)()
            seconds = time.perf_counter() - started
        db.session.remove()
    return seconds, counter.count, result


def ensure_unit_staff(app):
    """One staff account for every unit that has none, as in real use (the demo accounts cover five units), so
    that every open task has a recipient. Their password hash is unusable: they never sign in."""
    from app.auth.models import Role, User
    from app.extensions import db
    from app.org.models import Unit

    with app.app_context():
        staffed = set(db.session.scalars(sa.select(User.unit_id).where(User.role == Role.staff)))
        units = db.session.execute(sa.select(Unit.id, Unit.short_name).where(Unit.is_active.is_(True))).all()
        for unit_id, short_name in units:
            if unit_id not in staffed:
                db.session.add(User(username=f"bench{unit_id}", display_name=f"{short_name}联络员（压测）"[:50],
                                    password_hash="!", role=Role.staff, unit_id=unit_id))
        db.session.commit()
        count = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role == Role.staff))
        db.session.remove()
    return count


def clear_outbox(app):
    from app.extensions import db
    from app.reminders.models import Notification, OutboxMessage

    with app.app_context():
        db.session.execute(sa.delete(Notification))
        db.session.execute(sa.delete(OutboxMessage))
        db.session.commit()
        db.session.remove()


def report(label, runs):
    seconds = [s for s, _, _ in runs]
    statements = sorted({n for _, n, _ in runs})
    result = runs[-1][2]
    verdict = "ok" if statistics.median(seconds) < TARGET_SECONDS else f"SLOWER THAN {TARGET_SECONDS:.0f} s"
    print(f"{label:<12} median {statistics.median(seconds):6.2f} s  max {max(seconds):6.2f} s  "
          f"statements {'/'.join(map(str, statements)):>7}  due {result['due']:>6}  created {result['created']:>6}"
          f"  {verdict}")
    return statistics.median(seconds) < TARGET_SECONDS


def main(argv=None):
    args = parse_args(argv)
    import bench_tasks

    from app import create_app
    from app.core.clock import FrozenClock
    from app.extensions import db
    from app.tasks.models import OPEN_STATES, Task
    from config import DevelopmentConfig

    url = bench_tasks.database_url(args)
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    app = create_app(DevelopmentConfig, {"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None})
    print(f"database: {url}{' (reused)' if args.reuse else ''}")
    seed_seconds = bench_tasks.build(app, args)
    print("seed_stress_tasks: " + (f"{seed_seconds:.1f} s" if seed_seconds is not None else "skipped (data present)"))
    staff = ensure_unit_staff(app)
    if args.now:
        app.extensions["clock"] = FrozenClock(datetime.fromisoformat(args.now), tz=app.config["TIMEZONE"])
    now = app.extensions["clock"].now()
    with app.app_context():
        tasks = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
        open_tasks = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(Task.state.in_(OPEN_STATES)))
        db.session.remove()
    local = now.astimezone(app.extensions["clock"].tz)
    print(f"tasks: {tasks} ({open_tasks} open), staff accounts: {staff}; scanning at {local:%Y-%m-%d %H:%M} local, "
          f"{args.runs} runs each\n")

    clear_outbox(app)
    timed_scan(app, now, commit=False)  # warm-up: imports, the calendar tables, the database's caches
    first = [timed_scan(app, now, commit=False) for _ in range(args.runs)]
    timed_scan(app, now, commit=True)
    repeat = [timed_scan(app, now, commit=True) for _ in range(args.runs)]
    clear_outbox(app)
    ok = report("first scan", first) & report("repeat scan", repeat)
    print("\nstatements: SQL statements per scan; they do not grow with the tasks (the outbox rows go in one "
          "INSERT ... SELECT FROM unnest on PostgreSQL, in multi-row INSERTs of about 2,000 rows on SQLite)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
