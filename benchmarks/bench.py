"""The one benchmark table: every measured page and job, on SQLite and on PostgreSQL, side by side.

`make bench` runs this. For each database it makes sure the stress data set is there (50,000 tasks, 250,000
follow-ups and their history, the manual scoring entries of last year's four quarters, a staff account per
unit), building it only when it is missing or of another DATA_VERSION, then times each item of ITEMS and prints
one table: median and 95th percentile of the server time, SQL statements per request, and the time of the bare
SQL that fetches the same rows (plain Core selects, no ORM, no template) with the ratio page / bare.

    .venv/bin/python benchmarks/bench.py                         # SQLite file and PostgreSQL qbs_bench
    .venv/bin/python benchmarks/bench.py --no-pg                 # SQLite only
    .venv/bin/python benchmarks/bench.py --rebuild --markdown    # fresh data sets; README table at the end
    .venv/bin/python benchmarks/bench.py --only inbox,dispatch   # some rows only
    .venv/bin/python benchmarks/bench.py --only excel --no-sqlite --profile 10   # and where their time went

A PostgreSQL server that does not answer is skipped with a message. Building a data set DROPS the `public`
schema of the --pg database (and deletes the --sqlite file): point them at scratch databases only.
bench_tasks.py, bench_scoring.py and bench_reminders.py measure their areas in more detail. Under the table: the
start-up of a fresh process (startup.py). The measured app is frozen out of the garbage collector once loaded, as
each gunicorn worker does (gunicorn.conf.py).
"""

import argparse
import gc
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402

DEFAULT_SQLITE = "/tmp/qbs-bench/bench.sqlite3"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/qbs_bench"
# Bump when what the data set holds changes (a new kind of row, another seed): older data sets are rebuilt.
DATA_VERSION = 1
MARKER = "bench_dataset"  # one-row table in the benchmark database: which data set it holds


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", metavar="PATH", default=DEFAULT_SQLITE, help="SQLite file (default %(default)s)")
    parser.add_argument("--pg", metavar="URL", default=DEFAULT_PG, help="PostgreSQL database (default %(default)s)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--rebuild", action="store_true", help="build the data sets again even when present")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per item at most (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first (default %(default)s)")
    parser.add_argument("--budget", type=float, default=8.0,
                        help="seconds of timed runs per item; slow items get fewer runs, never under 5 "
                             "(default %(default)s)")
    parser.add_argument("--tasks", type=int, default=50_000, help="stress tasks (default %(default)s)")
    parser.add_argument("--only", help="comma-separated item keys: " + ", ".join(i.key for i in ITEMS))
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown for the README")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up line (benchmarks/startup.py)")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="after timing each item, run it N more times under cProfile and print where the time "
                             "went (the 30 functions of most own time, then of most time with callees)")
    return parser.parse_args(argv)


# --- the data set -------------------------------------------------------------------------------------------

def _marker(engine):
    """(version, tasks, built_on) of the data set in this database, or None."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(MARKER):
            return None
        return conn.execute(sa.text(f"SELECT version, tasks, built_on FROM {MARKER}")).first()


def prepare(app, args, say):
    """Reuse the data set when it is there and of DATA_VERSION; otherwise build it from an empty database."""
    import bench_reminders
    import bench_tasks
    from flask_migrate import upgrade

    from app.core.clock import today
    from app.demo.org import seed_demo_org
    from app.demo.scoring import enter_demo_year
    from app.extensions import db
    from app.org.seed import seed_organisation
    from benchmarks.stress_data import seed_stress_tasks

    with app.app_context():
        engine = db.engine
        marker = None if args.rebuild else _marker(engine)
        if marker is not None and marker.version == DATA_VERSION and marker.tasks == args.tasks:
            upgrade()  # migrations added since the build (indexes) apply to the kept data
            say(f"  data set of {marker.built_on} reused (version {marker.version}, {marker.tasks} tasks)")
            return
        say("  building the data set" + (f" (found version {marker.version}, {marker.tasks} tasks)" if marker else ""))
        bench_tasks.reset_database(engine)
        started = time.perf_counter()
        upgrade()
        seed_organisation()
        seed_demo_org()
        db.session.commit()
        day = today()
        seed_stress_tasks(day, tasks=args.tasks, echo=None)
        db.session.commit()
        say(f"  stress tasks: {time.perf_counter() - started:.0f} s")
        enter_demo_year(day.year - 1, day)
        db.session.commit()
        db.session.remove()
    bench_reminders.ensure_unit_staff(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            # What autovacuum does to a live database: statistics, and the visibility map that lets the
            # covering indexes answer without reading the table. Not in a transaction.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM (ANALYZE)")
        with engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE TABLE {MARKER} (version INTEGER, tasks INTEGER, built_on VARCHAR(10))")
            conn.execute(sa.text(f"INSERT INTO {MARKER} VALUES (:v, :t, :d)"),
                         {"v": DATA_VERSION, "t": args.tasks, "d": day.isoformat()})
    say(f"  data set built in {time.perf_counter() - started:.0f} s")


# --- what is measured ---------------------------------------------------------------------------------------

@dataclass
class Item:
    """One row of the table. `path(ctx)` → URL requested as `user` through the test client, or `call(ctx)` →
    a function timed in an app context (rolled back after each run); `bare(ctx)` runs the plain SQL that
    fetches the same rows. `pending`: not measurable yet, printed instead of figures."""

    key: str
    label: str
    user: str | None = None
    path: object = None
    call: object = None
    bare: object = None
    pending: str | None = None
    api: bool = False  # a JSON API request: `user` signs in with a bearer token instead of the session cookie
    conditional: bool = False  # sent with If-None-Match of a first answer's ETag; expects 304


@dataclass
class Result:
    median: float | None = None
    p95: float | None = None
    cpu: float | None = None  # median CPU ms of this process: less disturbed by a busy machine than wall time
    statements: int | None = None
    bare: float | None = None
    runs: int = 0
    note: str = ""

    @property
    def ratio(self):
        return self.median / self.bare if self.median is not None and self.bare else None


class Context:
    """What the items need to know about the data set (found in it, the same on both databases)."""

    def __init__(self, app):
        import bench_tasks

        from app.extensions import db
        from app.tasks.models import OPEN_STATES, Task

        self.tasks = bench_tasks.Targets(app)
        self.year = self.tasks.today.year - 1
        self.quarter = 4
        with app.app_context():
            self.open_tasks = db.session.scalar(sa.select(sa.func.count()).select_from(Task)
                                                .where(Task.state.in_(OPEN_STATES)))
            db.session.remove()

    def label(self, item):
        t = self.tasks
        return {
            "inbox": f"inbox of {t.unit.short_name} ({t.inbox_size} open, page of 50)",
            "dispatch": f"dispatch list of 杨晓军, {t.xun.label} (page of 60)",
            "overview": "overview light=red&group=promotion&q=项目",
            "detail": f"task detail ({t.detail_follow_ups} follow-ups)",
            "monthly": f"monthly analysis {_month(self)}, live",
            "quarter": f"quarterly results {self.year} Q{self.quarter}, live",
            "year": f"annual results {self.year}, 4 quarters live",
            "scan": f"reminder scan ({self.open_tasks} open tasks)",
            "excel": f"Excel export of the dispatch list, {t.xun.label}",
            "api_tasks": f"API tasks of {t.unit.short_name}: open, due in 60 days, page of 100",
            "api_dispatch": f"API dispatch list of 杨晓军, {t.xun.label}, page of 100",
            "api_dispatch_fu": "API dispatch page of 100 with include=follow_ups",
            "api_304": "API tasks (as api_tasks) with If-None-Match → 304",
        }.get(item.key, item.label)


def _bare_quarter(ctx):
    """The entries of the quarter and the facts of the tasks due in it, as compute_quarter reads them."""
    from app.extensions import db
    from app.scoring.engine import quarter_dates
    from app.scoring.models import ScoreEntry
    from app.tasks.models import Task, TaskParty, TaskState

    start, end = quarter_dates(ctx.year, ctx.quarter)
    entries = db.session.execute(sa.select(*ScoreEntry.__table__.c).where(
        ScoreEntry.year == ctx.year, ScoreEntry.quarter == ctx.quarter)).all()
    facts = db.session.execute(sa.select(TaskParty.unit_id, Task.id, Task.priority, Task.due_on, Task.completed_on)
                               .join(Task, Task.id == TaskParty.task_id)
                               .where(Task.due_on.between(start, end), Task.state != TaskState.cancelled)).all()
    return len(entries) + len(facts)


def _bare_year(ctx):
    """The year's entries and the tasks of the year counted by lead unit, quarter, priority and outcome in one
    GROUP BY: what the annual page reads (it computes open quarters from aggregates, not from a row per task)."""
    from app.extensions import db
    from app.scoring.models import ScoreEntry
    from app.tasks.models import Task, TaskState

    entries = db.session.execute(sa.select(*ScoreEntry.__table__.c).where(ScoreEntry.year == ctx.year)).all()
    bounds = [datetime(ctx.year, m, d).date() for m, d in ((3, 31), (6, 30), (9, 30))]
    quarter = sa.case(*((Task.due_on <= day, q) for q, day in enumerate(bounds, start=1)), else_=4)
    late = sa.case((Task.completed_on.is_(None), 0), (Task.completed_on <= Task.due_on, 1), else_=2)
    counts = db.session.execute(
        sa.select(Task.lead_unit_id, quarter, Task.priority, late, sa.func.count())
        .where(Task.due_on.between(datetime(ctx.year, 1, 1).date(), datetime(ctx.year, 12, 31).date()),
               Task.state != TaskState.cancelled)
        .group_by(Task.lead_unit_id, quarter, Task.priority, late)).all()
    return len(entries) + len(counts)


def _bare_scan(ctx):
    """The open tasks with their parties and the staff who would be reminded: what the scan reads."""
    from app.auth.models import Role, User
    from app.extensions import db
    from app.tasks.models import OPEN_STATES, Task, TaskParty

    tasks = db.session.execute(sa.select(*Task.__table__.c).where(Task.state.in_(OPEN_STATES))).all()
    parties = db.session.execute(sa.select(*TaskParty.__table__.c).join(Task, Task.id == TaskParty.task_id)
                                 .where(Task.state.in_(OPEN_STATES))).all()
    users = db.session.execute(sa.select(User.id, User.unit_id).where(User.role == Role.staff)).all()
    return len(tasks) + len(parties) + len(users)


def _scan(ctx):
    from app.reminders import jobs

    return jobs.scan(ctx.now)


def _bare(name):
    def run(ctx):
        import bench_tasks

        return getattr(bench_tasks, name)(ctx.tasks)

    return run


def _month(ctx):
    return ctx.tasks.today.strftime("%Y-%m")


def _bare_monthly(ctx):
    """The rows the month's analysis aggregates: the tasks assigned, completed, or open and due by the month's end,
    with their lead unit and plan (the analysis groups them in SQL; this fetches them plainly)."""
    from app.extensions import db
    from app.tasks.models import OPEN_STATES, Task

    today = ctx.tasks.today
    start = today.replace(day=1)
    rows = db.session.execute(sa.select(Task.id, Task.lead_unit_id, Task.plan_id, Task.state, Task.assigned_on,
                                        Task.due_on, Task.completed_on)
                              .where(sa.or_(Task.assigned_on.between(start, today),
                                            Task.completed_on.between(start, today),
                                            sa.and_(Task.state.in_(OPEN_STATES), Task.due_on < today)))).all()
    return len(rows)


def _dispatch_query(ctx):
    t = ctx.tasks
    return f"person={t.leader_person_id}&xun={t.xun.code}"


def _api_tasks_window(ctx):
    """The due window of the `api_tasks` row: the 60 days from today."""
    from datetime import timedelta

    return ctx.tasks.today, ctx.tasks.today + timedelta(days=60)


def _api_tasks_path(ctx):
    start, end = _api_tasks_window(ctx)
    return f"/api/v1/tasks?unit_id={ctx.tasks.unit.id}&state=open&due_from={start}&due_to={end}&per_page=100"


def _api_dispatch_path(ctx, include=""):
    t = ctx.tasks
    return f"/api/v1/dispatch?person_id={t.leader_person_id}&xun={t.xun.code}&per_page=100{include}"


def _bare_api_tasks(ctx):
    """The unit's open tasks due in the window, first 100, with the lead unit's name: what a compact row shows."""
    from app.extensions import db
    from app.org.models import Unit
    from app.tasks.models import OPEN_STATES, Task, TaskParty

    start, end = _api_tasks_window(ctx)
    rows = db.session.execute(
        sa.select(Task.id, Task.title, Task.state, Task.due_on, Task.completed_on, Task.updated_at, Unit.name)
        .join(Unit, Unit.id == Task.lead_unit_id)
        .where(Task.id.in_(sa.select(TaskParty.task_id).where(TaskParty.unit_id == ctx.tasks.unit.id)),
               Task.state.in_(OPEN_STATES), Task.due_on.between(start, end))
        .order_by(Task.due_on, Task.id).limit(100)).all()
    return len(rows)


def _bare_api_dispatch(ctx):
    """The first 100 rows of the dispatch list: its tasks in due order (the page's filter), 100 of them."""
    from app.extensions import db
    from app.org.models import PortfolioItem
    from app.tasks.models import OPEN_STATES, Task, TaskState

    t = ctx.tasks
    xun, on = t.xun, min(t.today, t.xun.end)
    unit_ids = sa.select(PortfolioItem.unit_id).where(PortfolioItem.person_id == t.leader_person_id,
                                                       PortfolioItem.current_on(on))
    rows = db.session.execute(sa.select(*Task.__table__.c).where(
        Task.lead_unit_id.in_(unit_ids), Task.assigned_on <= xun.end,
        sa.or_(Task.state.in_(OPEN_STATES), Task.due_on.between(xun.start, xun.end),
               Task.completed_on.between(xun.start, xun.end)),
        Task.state != TaskState.cancelled).order_by(Task.due_on, Task.id).limit(100)).all()
    return len(rows)


ITEMS = [
    Item("inbox", "inbox", user="@staff", path=lambda ctx: "/tasks/inbox", bare=_bare("bare_inbox")),
    Item("dispatch", "dispatch list", user="fushizhang", path=lambda ctx: f"/tasks/dispatch?{_dispatch_query(ctx)}",
         bare=_bare("bare_dispatch")),
    Item("overview", "filtered overview", user="admin", path=lambda ctx: "/tasks/?light=red&group=promotion&q=项目",
         bare=_bare("bare_overview")),
    Item("detail", "task detail", user="admin", path=lambda ctx: f"/tasks/{ctx.tasks.detail_task_id}",
         bare=_bare("bare_detail")),
    # ---- SLOT: the monthly analysis page of app/meetings (being written). To fill it in, replace `pending`
    # with user=..., path=lambda ctx: "/meetings/...", bare=<plain selects of the rows the page shows>.
    Item("monthly", "monthly analysis", user="admin", path=lambda ctx: f"/meetings/analysis?month={_month(ctx)}",
         bare=_bare_monthly),
    Item("quarter", "quarterly results", user="admin", path=lambda ctx: f"/scoring/{ctx.year}/q{ctx.quarter}",
         bare=_bare_quarter),
    Item("year", "annual results", user="admin", path=lambda ctx: f"/scoring/{ctx.year}", bare=_bare_year),
    Item("scan", "reminder scan", call=_scan, bare=_bare_scan),
    Item("excel", "Excel export of a dispatch list", user="fushizhang",
         path=lambda ctx: f"/tasks/dispatch.xlsx?{_dispatch_query(ctx)}", bare=_bare("bare_dispatch")),
    Item("api_tasks", "API: a unit's open tasks due in 60 days", user="admin", api=True, path=_api_tasks_path,
         bare=_bare_api_tasks),
    Item("api_dispatch", "API: dispatch list, first page of 100", user="fushizhang", api=True,
         path=_api_dispatch_path, bare=_bare_api_dispatch),
    Item("api_dispatch_fu", "API: dispatch list with follow-ups", user="fushizhang", api=True,
         path=lambda ctx: _api_dispatch_path(ctx, "&include=follow_ups"), bare=_bare_api_dispatch),
    Item("api_304", "API: conditional request answered 304", user="admin", api=True, conditional=True,
         path=_api_tasks_path),
]

import bench_ledger  # noqa: E402  (the ledger's rows and their data set: bench_ledger.py)

ITEMS += bench_ledger.items(Item)

import bench_criteria  # noqa: E402  (the 考评细则 rows and their year: bench_criteria.py)

ITEMS += bench_criteria.items(Item)


# --- measuring ----------------------------------------------------------------------------------------------

def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Counter:
    """SQL statements sent to the engine while installed."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _before(self, *args):
        self.count += 1

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._before)


def timed(run, args):
    """Median and p95 ms, median CPU ms and median statements of `run()` → (seconds, statements); fewer runs
    when slow."""
    for _ in range(args.warmup):
        run()
    times, cpu, counts = [], [], []
    while len(times) < args.runs and (len(times) < 5 or sum(times) < args.budget * 1000):
        started_cpu = time.process_time()
        seconds, statements = run()
        cpu.append((time.process_time() - started_cpu) * 1000)
        times.append(seconds * 1000)
        counts.append(statements)
    return (statistics.median(times), percentile(times, 95), statistics.median(cpu), int(statistics.median(counts)),
            len(times))


def measure(app, engine, ctx, item, args):
    from app.auth.models import User
    from app.auth.services import create_token, open_session
    from app.extensions import db

    if item.pending:
        return Result(note=item.pending)
    if item.path:
        username = ctx.tasks.staff if item.user == "@staff" else item.user
        client, headers, expected = app.test_client(), {}, 200
        with app.app_context():
            account = db.session.scalar(sa.select(User).where(User.username == username))
            if item.api:
                _, secret = create_token(account, account, "benchmark")  # the bearer token a client sends
                headers["Authorization"] = f"Bearer {secret}"
            else:
                _, user_id = open_session(account)  # the server session a sign-in opens
            db.session.commit()
            db.session.remove()
        if not item.api:
            with client.session_transaction() as session:
                session["_user_id"] = user_id
                session["_fresh"] = True
        url, status = item.path(ctx), [None]
        if item.conditional:
            first = client.get(url, headers=headers)
            if first.status_code != 200 or not first.headers.get("ETag"):
                return Result(note=f"GET {url} answered {first.status_code} without an ETag")
            headers["If-None-Match"], expected = first.headers["ETag"], 304

        def run():
            with Counter(engine) as counter:
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                seconds = time.perf_counter() - started
            status[0] = response.status_code
            if response.status_code != expected:
                raise PageError(f"GET {url} answered {response.status_code}")
            return seconds, counter.count
    else:
        def run():
            with app.app_context():
                with Counter(engine) as counter:
                    started = time.perf_counter()
                    item.call(ctx)
                    seconds = time.perf_counter() - started
                db.session.rollback()  # every run does the same work
                db.session.remove()
            return seconds, counter.count
    try:
        median, p95, cpu, statements, runs = timed(run, args)
    except PageError as error:
        return Result(note=str(error))
    if args.profile:
        profile(item, run, args.profile)
    bare = None
    if item.bare:
        def run_bare():
            with app.app_context():
                started = time.perf_counter()
                item.bare(ctx)
                seconds = time.perf_counter() - started
                db.session.rollback()
                db.session.remove()
            return seconds, 0
        bare = timed(run_bare, args)[0]
    return Result(median, p95, cpu, statements, bare, runs)


class PageError(Exception):
    pass


def profile(item, run, times):
    """`run()` `times` times under cProfile; prints the functions of most own time and of most cumulative time."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(times):
        run()
    profiler.disable()
    print(f"\n--- profile of {item.key}, {times} runs ---")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(30)


# --- the table ----------------------------------------------------------------------------------------------

def _ms(value):
    if value is None:
        return "—"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _cells(result):
    if result is None:
        return ["skipped"] + [""] * 5
    if result.median is None:
        return ["—", "", "", "", "", f"({result.note})"]
    ratio = result.ratio
    return [_ms(result.median), _ms(result.p95), _ms(result.cpu), str(result.statements), _ms(result.bare),
            f"{ratio:.1f}×" if ratio is not None else "—"]


def print_table(rows, databases):
    """rows: [(label, {database name: Result | None})]; one group of five columns per database."""
    names = list(databases)
    columns = ("median ms", "p95", "cpu", "SQL", "bare ms", "÷bare")
    header = ["what"] + [h for _ in names for h in columns]
    body = [[label] + [c for n in names for c in _cells(results.get(n))] for label, results in rows]
    widths = [max(_width(r[i]) for r in [header] + body) for i in range(len(header))]
    group = len(columns)
    spans = [sum(widths[1 + g * group:1 + (g + 1) * group]) + 2 * (group - 1) for g in range(len(names))]
    print(" " * widths[0] + "".join("  " + _centre(n, w) for n, w in zip(names, spans, strict=True)))
    for r in [header] + body:
        print("  ".join(_pad(c, w, left=(i == 0)) for i, (c, w) in enumerate(zip(r, widths, strict=True))))


def _centre(text, width):
    text = f" {text} "
    left = (width - _width(text)) // 2
    return "─" * left + text + "─" * (width - _width(text) - left)


def print_markdown(rows, databases):
    names = list(databases)
    print("| what | " + " | ".join(f"{n} median / p95 (cpu) ms | SQL | bare ms (÷)" for n in names) + " |")
    print("|---|" + "---|---|---|" * len(names))
    for label, results in rows:
        cells = []
        for n in names:
            r = results.get(n)
            if r is None or r.median is None:
                cells += ["— " + (f"({r.note})" if r is not None else "(skipped)"), "", ""]
            else:
                ratio = f" ({r.ratio:.1f}×)" if r.ratio is not None else ""
                cells += [f"{_ms(r.median)} / {_ms(r.p95)} ({_ms(r.cpu)})", str(r.statements),
                          f"{_ms(r.bare)}{ratio}"]
        print(f"| {label} | " + " | ".join(cells) + " |")


def _width(text):
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text, width, left):
    gap = " " * (width - _width(text))
    return text + gap if left else gap + text


def machine():
    cpus = os.cpu_count()
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        memory = None
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    parts = [platform.platform(terse=True), f"{cpus} CPU", f"{memory:.0f} GiB" if memory else None,
             f"Python {platform.python_version()}", f"load average {load:.2f}" if load is not None else None]
    return ", ".join(p for p in parts if p)


# --- main ---------------------------------------------------------------------------------------------------

def pg_reachable(url):
    """None when the server answers (the database created if missing), else the reason."""
    from urllib.parse import urlsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    name = parts.path.lstrip("/")
    try:
        with psycopg.connect(parts._replace(path="/postgres").geturl(), connect_timeout=3, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def run_database(name, url, args, items):
    import bench_reminders

    from app import create_app
    from app.core.clock import get_clock
    from app.extensions import db
    from config import DevelopmentConfig

    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    app = create_app(DevelopmentConfig, {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                                         "SERVER_NAME": None})
    print(f"{name}: {url}", flush=True)
    prepare(app, args, lambda text: print(text, flush=True))
    bench_ledger.ensure_ledger(app, lambda text: print(text, flush=True), items)
    bench_criteria.ensure_criteria(app, lambda text: print(text, flush=True), items)
    ctx = Context(app)
    with app.app_context():
        engine = db.engine
        ctx.now = get_clock().now()
        version = db.session.scalar(sa.text("SELECT version()" if engine.dialect.name == "postgresql"
                                            else "SELECT 'SQLite ' || sqlite_version()"))
        db.session.remove()
    bench_reminders.clear_outbox(app)
    gc.collect()
    gc.freeze()  # as each gunicorn worker does once the app is loaded (gunicorn.conf.py)
    results = {}
    for item in items:
        results[item.key] = measure(app, engine, ctx, item, args)
        r = results[item.key]
        print(f"  {item.key:<9} " + " ".join(c for c in _cells(r) if c), flush=True)
    return results, ctx, version.split(",")[0]


def main(argv=None):
    args = parse_args(argv)
    import bench_tasks

    items = ITEMS
    if args.only:
        keys = {k.strip() for k in args.only.split(",")}
        unknown = keys - {i.key for i in ITEMS}
        if unknown:
            print(f"unknown items: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        items = [i for i in ITEMS if i.key in keys]
    started = datetime.now(UTC)
    databases, ctx, skipped, sqlite_version = {}, None, [], None
    if not args.no_sqlite:
        databases["SQLite"], ctx, sqlite_version = run_database("SQLite", f"sqlite:///{args.sqlite}", args, items)
    pg_version = None
    if not args.no_pg:
        reason = pg_reachable(args.pg)
        if reason is None:
            pg_url = bench_tasks.database_url(argparse.Namespace(pg=args.pg, sqlite=None))
            databases["PostgreSQL"], pg_ctx, pg_version = run_database("PostgreSQL", pg_url, args, items)
            ctx = ctx or pg_ctx
        else:
            skipped.append(f"PostgreSQL at {args.pg} skipped: it does not answer ({reason}).")
    if ctx is None:
        print("\n".join(skipped) or "nothing measured")
        return 1
    rows = [(ctx.label(item), {n: r.get(item.key) for n, r in databases.items()}) for item in items]
    print(f"\n{started:%Y-%m-%d %H:%M} UTC · {machine()}")
    print(" · ".join(v for v in (sqlite_version, pg_version) if v))
    print(f"server time of each request (test client, signed in) or job; at most {args.runs} timed runs after "
          f"{args.warmup} warm-ups, fewer for slow items (≥ 5, about {args.budget:.0f} s each); cpu: median CPU "
          f"ms of this process (SQLite runs in it, PostgreSQL's server does not); SQL: statements per request; "
          f"bare: the plain SQL fetching the same rows; ÷bare: median / bare\n")
    print_table(rows, databases)
    if not args.no_startup:
        import startup

        print("\n" + startup.summary(startup.measure()))
    for line in skipped:
        print(line)
    if args.markdown:
        print()
        print_markdown(rows, databases)
    failed = [r.note for results in databases.values() for r in results.values()
              if r.median is None and r.note and not r.note.startswith("待")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
