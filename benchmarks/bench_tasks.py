"""Time the task pages on a database of 50,000 tasks.

Builds the database (a fresh SQLite file under /tmp/qbs-bench/ by default, or PostgreSQL with --pg URL), runs
the migrations, loads the organisation, the demo accounts and the stress data, then requests each page through
the Flask test client, signed in as the right user, and prints the median and 95th percentile of the server
time, the SQL statements per request, and the time of the bare SQL that fetches the same rows.

    .venv/bin/python benchmarks/bench_tasks.py                 # fresh SQLite file
    .venv/bin/python benchmarks/bench_tasks.py --reuse         # keep the database of the previous run
    .venv/bin/python benchmarks/bench_tasks.py --pg postgresql://postgres@127.0.0.1:5432/qbs_bench

Without --reuse the PostgreSQL database's public schema is dropped and rebuilt: point --pg at a scratch database.
"""

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

DEFAULT_SQLITE = "/tmp/qbs-bench/bench.sqlite3"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL database to use (its schema is rebuilt)")
    parser.add_argument("--sqlite", metavar="PATH", default=DEFAULT_SQLITE, help="SQLite file (default %(default)s)")
    parser.add_argument("--reuse", action="store_true", help="keep the existing database and its data")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (default %(default)s)")
    parser.add_argument("--tasks", type=int, default=50_000, help="stress tasks (default %(default)s)")
    return parser.parse_args(argv)


def database_url(args):
    if args.pg:
        url = args.pg
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url
    return f"sqlite:///{args.sqlite}"


def reset_database(engine):
    """An empty database for the migrations (the same as tests/conftest.py does)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    else:
        path = engine.url.database
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            if path and os.path.exists(path + suffix):
                os.remove(path + suffix)


def build(app, args):
    """Migrate and seed; returns the seconds seed_stress_tasks took (None when it had nothing to do)."""
    from flask_migrate import upgrade

    from app.core.clock import today
    from app.demo.org import seed_demo_org
    from app.extensions import db
    from app.org.seed import seed_organisation
    from benchmarks.stress_data import seed_stress_tasks

    with app.app_context():
        if not args.reuse:
            reset_database(db.engine)
        upgrade()
        seed_organisation()
        seed_demo_org()
        db.session.commit()
        started = time.perf_counter()
        result = seed_stress_tasks(today(), tasks=args.tasks)
        db.session.commit()
        seconds = time.perf_counter() - started
        db.session.remove()
    return None if result.get("skipped") else seconds


class Targets:
    """Who asks for which page: found in the seeded data."""

    def __init__(self, app):
        from app.auth.models import Role, User
        from app.auth.passwords import DEMO_PASSWORD
        from app.auth.services import create_user
        from app.core.clock import today
        from app.core.periods import Xun
        from app.extensions import db
        from app.org.models import Unit
        from app.tasks.models import OPEN_STATES, FollowUp, Task, TaskParty

        with app.app_context():
            self.today = today()
            count = sa.func.count().label("n")
            unit_id, self.inbox_size = db.session.execute(
                sa.select(TaskParty.unit_id, count).join(Task, Task.id == TaskParty.task_id)
                .where(Task.state.in_(OPEN_STATES)).group_by(TaskParty.unit_id).order_by(count.desc()).limit(1)).one()
            self.unit = db.session.get(Unit, unit_id)
            staff = db.session.scalar(sa.select(User).where(User.unit_id == unit_id, User.role == Role.staff)
                                      .order_by(User.id).limit(1))
            if staff is None:
                staff = create_user(None, f"u{unit_id}", f"{self.unit.short_name}联络员", DEMO_PASSWORD, Role.staff,
                                    self.unit)
                db.session.commit()
            self.staff = staff.username
            leader = db.session.scalar(sa.select(User).where(User.username == "fushizhang"))
            self.leader_person_id = leader.person_id
            self.xun = Xun.of(self.today)
            self.detail_task_id, self.detail_follow_ups = db.session.execute(
                sa.select(FollowUp.task_id, count).group_by(FollowUp.task_id).order_by(count.desc(), FollowUp.task_id)
                .limit(1)).one()
            self.task_count = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
            self.follow_up_count = db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp))
            db.session.remove()

    def pages(self):
        """(label, username, url, bare SQL function)"""
        return [
            (f"inbox ({self.unit.short_name}, {self.inbox_size} open)", self.staff, "/tasks/inbox", bare_inbox),
            (f"dispatch (fushizhang, {self.xun.code})", "fushizhang",
             f"/tasks/dispatch?person={self.leader_person_id}&xun={self.xun.code}", bare_dispatch),
            ("overview (red, promotion, q=项目)", "admin", "/tasks/?light=red&group=promotion&q=项目", bare_overview),
            (f"detail (task {self.detail_task_id}, {self.detail_follow_ups} follow-ups)", "admin",
             f"/tasks/{self.detail_task_id}", bare_detail),
        ]


# --- bare SQL: the same rows as each page, plain Core selects, no eager loading, no rendering ---------------

def _page(where, order):
    from flask import current_app

    from app.extensions import db
    from app.tasks.models import Task

    total = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(*where))
    rows = db.session.execute(sa.select(*Task.__table__.c).where(*where).order_by(*order)
                              .limit(current_app.config["PAGE_SIZE"])).all()
    return total, len(rows)


def bare_inbox(targets):
    from app.tasks.models import Task
    from app.tasks.queries import inbox_filter

    return _page(inbox_filter(targets.unit.id), (Task.due_on, Task.id))


def bare_dispatch(targets):
    from app.extensions import db
    from app.org.models import PortfolioItem
    from app.tasks.models import OPEN_STATES, Task, TaskState

    xun, on = targets.xun, min(targets.today, targets.xun.end)
    unit_ids = sa.select(PortfolioItem.unit_id).where(PortfolioItem.person_id == targets.leader_person_id,
                                                       PortfolioItem.current_on(on))
    rows = db.session.execute(sa.select(*Task.__table__.c).where(
        Task.lead_unit_id.in_(unit_ids), Task.assigned_on <= xun.end,
        sa.or_(Task.state.in_(OPEN_STATES), Task.due_on.between(xun.start, xun.end),
               Task.completed_on.between(xun.start, xun.end)),
        Task.state != TaskState.cancelled).order_by(Task.due_on, Task.id)).all()
    return len(rows), len(rows)


def bare_overview(targets):
    from app.org.models import UnitGroup
    from app.tasks.models import Light, Task
    from app.tasks.queries import TaskFilter, light_window

    task_filter = TaskFilter(light=Light.red, group=UnitGroup.promotion, text="项目")
    return _page(task_filter.clauses(light_window(targets.today)), (Task.due_on, Task.id))


def bare_detail(targets):
    from app.extensions import db
    from app.tasks.models import FollowUp, Task, TaskEvent, TaskParty

    task_id = targets.detail_task_id
    db.session.execute(sa.select(*Task.__table__.c).where(Task.id == task_id)).one()
    db.session.execute(sa.select(*TaskParty.__table__.c).where(TaskParty.task_id == task_id)).all()
    follow_ups = db.session.execute(sa.select(*FollowUp.__table__.c).where(FollowUp.task_id == task_id)).all()
    db.session.execute(sa.select(*TaskEvent.__table__.c).where(TaskEvent.task_id == task_id)).all()
    return len(follow_ups), len(follow_ups)


# --- measuring ----------------------------------------------------------------------------------------------

def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def measure_page(app, engine, username, url, runs, warmup):
    """Median and p95 milliseconds, median statements per request, and the last status code."""
    from app.auth.models import User
    from app.auth.services import open_session
    from app.extensions import db

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        _, user_id = open_session(user)  # the server session a sign-in opens
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    statements = [0]

    def count(conn, cursor, statement, parameters, context, executemany):
        statements[0] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    times, counts, status = [], [], None
    try:
        for i in range(warmup + runs):
            statements[0] = 0
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
            status = response.status_code
            if status != 200:
                break
            if i >= warmup:
                times.append(elapsed * 1000)
                counts.append(statements[0])
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    if not times:
        return None, None, None, status
    return statistics.median(times), percentile(times, 95), int(statistics.median(counts)), status


def measure_bare(app, fn, targets, runs, warmup):
    from app.extensions import db

    times, result = [], None
    with app.app_context():
        for i in range(warmup + runs):
            started = time.perf_counter()
            result = fn(targets)
            elapsed = time.perf_counter() - started
            db.session.rollback()
            if i >= warmup:
                times.append(elapsed * 1000)
        db.session.remove()
    return statistics.median(times), result


def main(argv=None):
    args = parse_args(argv)
    from app import create_app
    from config import DevelopmentConfig

    url = database_url(args)
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    app = create_app(DevelopmentConfig, {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                                         "SERVER_NAME": None})
    print(f"database: {url}{' (reused)' if args.reuse else ''}")
    seed_seconds = build(app, args)
    targets = Targets(app)
    with app.app_context():
        from app.extensions import db

        engine = db.engine
    print(f"tasks: {targets.task_count}, follow-ups: {targets.follow_up_count}, today: {targets.today}")
    print("seed_stress_tasks: " + (f"{seed_seconds:.1f} s" if seed_seconds is not None else "skipped (data present)"))
    print(f"{args.runs} timed requests per page after {args.warmup} warm-ups\n")

    header = f"{'status':>6} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'bare SQL ms':>12} {'page/bare':>10} " \
             f"{'rows':>12}  page"
    print(header)
    print("-" * len(header))
    missing = []
    for label, username, page_url, bare in targets.pages():
        median, p95, queries, status = measure_page(app, engine, username, page_url, args.runs, args.warmup)
        bare_ms, (total, fetched) = measure_bare(app, bare, targets, args.runs, args.warmup)
        rows = f"{fetched}/{total}"
        if median is None:
            missing.append((label, page_url, status))
            print(f"{status:>6} {'—':>10} {'—':>8} {'—':>8} {bare_ms:>12.1f} {'—':>10} {rows:>12}  {label}")
            continue
        ratio = median / bare_ms if bare_ms else float("inf")
        print(f"{status:>6} {median:>10.1f} {p95:>8.1f} {queries:>8} {bare_ms:>12.1f} {ratio:>9.1f}x {rows:>12}  "
              f"{label}")
    print("\nrows: rows the bare SQL fetched / rows matching (a page of PAGE_SIZE for the paginated lists)")
    for label, page_url, status in missing:
        print(f"!! {label}: GET {page_url} answered {status}; not timed")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
