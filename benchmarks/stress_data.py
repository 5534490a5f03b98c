"""The stress data set: 50,000 tasks, 250,000 follow-ups and their whole history, for the benchmarks.

`seed_stress_tasks(today)` writes it deterministically for a given seed: rows are built in chunks as plain dicts
(no ORM objects, no per-row queries, explicit primary keys for the rows others point to) and written with Core
executemany inserts, or with COPY on PostgreSQL, where psycopg's executemany is several times slower. It does not
commit. Its users: benchmarks/bench.py, bench_tasks.py and bench_scoring.py, and `flask demo --scale stress`
(app/cli.py), which adds it to the demo data.

Why here and not in app/: it is benchmark data, not something the system does, and it borrows only the demo's
texts (app.demo.tasks). `flask demo --scale stress` imports it as `benchmarks.stress_data`, which works wherever
the app itself is importable: the app is not an installed distribution but the package `app` at the root of
this checkout, so that root is on sys.path whenever `app` is (`flask` puts it there for FLASK_APP=app, and so do
pytest's `pythonpath`, scripts/run_dev.py and the benchmarks), and benchmarks/ beside it comes along. The
`__init__.py` of benchmarks/ makes it a regular package, so no namespace package of the same name elsewhere on
sys.path can shadow it. A copy of the app that leaves benchmarks/ out (nothing documented does) still runs and
still has `flask demo`; only `--scale stress` then refuses with a message naming the missing directory.
"""

import queue
import random
import threading
import time
from bisect import bisect_left
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from itertools import accumulate
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app.auth.models import Role, User
from app.demo.tasks import CANCEL_REASONS, PROGRESS, RETURN_NOTES, SUMMARIES, URGE_NOTES
from app.extensions import db
from app.org.models import Plan, Unit, UnitKind, plan_lead_units
from app.tasks.models import (
    CompletionRequest,
    EventKind,
    ExtensionRequest,
    FollowUp,
    RequestStatus,
    Task,
    TaskEvent,
    TaskParty,
    TaskPriority,
    TaskSource,
    Urge,
)

STRESS_REF = "压测数据"  # the source_ref of every stress task

# --- the stress data ----------------------------------------------------------------------------------------

STRESS_STEMS = [
    "推进{u}重点产业项目建设", "{u}亿元以上招商项目签约落地", "{u}专精特新企业培育", "{u}拟上市企业辅导",
    "{u}园区亩均税收提升", "{u}新增规模工业企业入库", "{u}新增市场主体目标", "{u}惠企政策兑现",
    "{u}高新技术企业申报", "{u}重大项目用地报批", "{u}项目前期手续办理", "{u}产业链补链项目对接",
    "{u}营商环境问题整改", "{u}高层次人才引进", "{u}政银企对接", "{u}争取中央预算内投资项目",
    "{u}低效闲置用地盘活", "{u}企业诉求办理", "{u}标准厂房招商", "{u}重点企业用工保障",
]
DURATIONS = (7, 10, 15, 20, 30, 30, 45, 60, 60, 90, 120)


def _weight(unit):
    heavy = {"市工信局": 8, "市发改委": 5, "市商务局": 4, "市科技局": 4, "湘潭县人民政府": 3,
             "湘潭高新区管委会": 3, "湘潭经开区管委会": 3}
    if unit.name in heavy:
        return heavy[unit.name]
    return 2 if unit.group.value in ("county", "park1", "park2", "promotion") else 1


STRESS_MODELS = (Task, FollowUp, TaskParty, TaskEvent, CompletionRequest, ExtensionRequest, Urge)  # insert order


def _ids_from(table):
    return (db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1


def _bare(table):
    """The table without column types: rows arrive in the driver's own form, so SQLAlchemy processes nothing
    per value (that processing cost more than SQLite's own work)."""
    return sa.table(table.name, *(sa.column(c.name) for c in table.columns))


def _insert(table, rows, batch_size):
    """Core inserts, one executemany per batch."""
    for start in range(0, len(rows), batch_size):
        db.session.execute(sa.insert(table), rows[start:start + batch_size])


def _copy(driver_connection, table, rows):
    """PostgreSQL: COPY through the session's own connection (same transaction). psycopg runs an executemany
    as one pipelined statement per row, and SQLAlchemy's multi-row VALUES batches make it re-parse every long
    statement; both took several times longer than the two-minute budget for the full data set."""
    from psycopg import sql

    if not rows:
        return
    columns = list(rows[0])  # every row has the same keys; absent ids come from the sequence
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


class _CopyWriter:
    """PostgreSQL: COPY the chunks in a background thread on the session's connection, so that the server
    loads chunk n while Python builds chunk n + 1 (otherwise each waits for the other). The main thread
    does not touch the session until `close()` has joined the thread; at most two chunks wait in the queue."""

    def __init__(self, tables):
        self.tables = tables
        self.connection = db.session.connection().connection.driver_connection
        self.queue = queue.Queue(maxsize=2)
        self.error = None
        self.thread = threading.Thread(target=self._run, name="stress-copy", daemon=True)
        self.thread.start()

    def _run(self):
        while (rows := self.queue.get()) is not None:
            if self.error is not None:
                continue  # keep draining so that put() never blocks forever
            try:
                for model in STRESS_MODELS:
                    _copy(self.connection, self.tables[model], rows[model])
            except BaseException as error:  # re-raised in the main thread by close()
                self.error = error

    def put(self, rows):
        if self.error is not None:
            raise self.error
        self.queue.put(rows)

    def close(self):
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


@contextmanager
def _bulk_session(say):
    """Settings for the load, undone afterwards.

    SQLite: a page cache big enough for the indexes being filled (the default 2 MB spills to disk).
    PostgreSQL, when the role is a superuser: no per-row foreign-key triggers during the load
    (`session_replication_role = replica`, what pg_restore --disable-triggers does). They cost the server two
    thirds of its work here, and the rows are consistent by construction: the same generator runs in the
    tests on SQLite, which checks every foreign key. Scoped to the transaction and reset right after.
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql("PRAGMA cache_size=-262144")
        try:
            yield
        finally:
            connection.exec_driver_sql(f"PRAGMA cache_size={int(previous)}")
        return
    replica = connection.dialect.name == "postgresql" and connection.exec_driver_sql(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar()
    if replica:
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        say("  （PostgreSQL 超级用户：载入期间跳过逐行外键触发器检查）")
    try:
        yield
    finally:
        if replica:
            connection.exec_driver_sql("SET LOCAL session_replication_role = origin")


def seed_stress_tasks(today: date, tasks=50_000, follow_ups_per_task=5, seed=20260310, batch_size=5_000,
                      echo=print):
    """`tasks` tasks over the 59 assessed units, the past two years and the coming months, with
    `follow_ups_per_task` follow-ups each on average and their history. Skips when `tasks` tasks exist already.

    Returns counts and the elapsed seconds. Bulk Core inserts in batches; ids of tasks and follow-ups are given
    explicitly (and PostgreSQL's sequences moved past them) so that parties can point at their last follow-up.
    """
    started = time.perf_counter()
    say = echo or (lambda *_: None)
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
    counts = Counter()
    if existing >= tasks:
        say(f"已有 {existing} 条交办事项，跳过压测数据。")
        return {"skipped": True, "seconds": 0.0}
    dialect = db.session.get_bind().dialect.name
    gen = _StressGenerator(today, seed, follow_ups_per_task, sqlite=dialect == "sqlite")
    tables = {m: _bare(m.__table__) for m in STRESS_MODELS}
    next_task, next_follow_up = _ids_from(Task.__table__), _ids_from(FollowUp.__table__)
    chunk = max(1, batch_size)
    with _bulk_session(say):
        writer = _CopyWriter(tables) if dialect == "postgresql" else None
        try:
            for first in range(0, tasks, chunk):
                rows = gen.chunk(next_task, next_follow_up, min(chunk, tasks - first))
                next_task += len(rows[Task])
                next_follow_up += len(rows[FollowUp])
                if writer is not None:
                    writer.put(rows)
                else:
                    for model in STRESS_MODELS:
                        _insert(tables[model], rows[model], batch_size)
                for model in STRESS_MODELS:
                    counts[model.__tablename__] += len(rows[model])
                say(f"  压测数据：{first + len(rows[Task])}/{tasks} 事项，{counts['follow_ups']} 条反馈，"
                    f"{counts['task_events']} 条记录，{time.perf_counter() - started:.1f} 秒")
        finally:
            if writer is not None:
                writer.close()  # waits for the last COPY, before the triggers come back
    if dialect == "postgresql":
        for table in ("tasks", "follow_ups"):
            db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        # Fresh statistics, or the planner guesses from empty tables until autovacuum comes round. Not on
        # SQLite: with sqlite_stat1 it picks worse plans for the inbox and the dispatch list (measured).
        for model in STRESS_MODELS:
            db.session.execute(sa.text(f"ANALYZE {model.__tablename__}"))
    db.session.flush()
    seconds = time.perf_counter() - started
    say(f"压测数据完成：{dict(counts)}，用时 {seconds:.1f} 秒")
    return dict(counts, seconds=seconds)


class _StressGenerator:
    """Rows for a chunk of stress tasks; one random stream so the whole data set depends only on the seed.

    Values are in the driver's form: enum values as strings; on SQLite dates and UTC datetimes as the ISO
    strings SQLAlchemy itself stores there, elsewhere `date` and aware `datetime` objects."""

    def __init__(self, today, seed, follow_ups_per_task, sqlite=False):
        self.today = today
        self.rng = random.Random(seed)
        self.per_task = follow_ups_per_task
        self.sqlite = sqlite
        self.day = date.isoformat if sqlite else (lambda d: d)
        tz = ZoneInfo(current_app.config["TIMEZONE"])
        self.now = current_app.extensions["clock"].now()
        self.latest = self._stamp(self.now - timedelta(minutes=1))
        # midnight, local time, of each day as a UTC datetime: one conversion per day, not per row
        self._midnights = {}
        self._tz = tz
        units = db.session.scalars(sa.select(Unit).where(Unit.group.is_not(None))
                                   .order_by(Unit.sort_order, Unit.id)).all()
        self.units = [(u.id, u.short_name) for u in units]
        self.unit_cum = list(accumulate(_weight(u) for u in units))
        self.plan_ids = db.session.scalars(sa.select(Plan.id).order_by(Plan.sort_order, Plan.id)).all()
        self.plan_leads = {}
        for plan_id, unit_id in db.session.execute(sa.select(plan_lead_units.c.plan_id, plan_lead_units.c.unit_id)
                                                   .order_by(plan_lead_units.c.plan_id, plan_lead_units.c.position)):
            self.plan_leads.setdefault(plan_id, []).append(unit_id)
        self.plan_names = dict(db.session.execute(sa.select(Plan.id, Plan.name)).all())
        office = db.session.scalar(sa.select(Unit.id).where(Unit.kind == UnitKind.office))
        admin = db.session.scalar(sa.select(User.id).where(User.role == Role.admin).order_by(User.id).limit(1))
        self.office_id, self.admin_id = office, admin
        self.staff = {}
        for user_id, unit_id in db.session.execute(sa.select(User.id, User.unit_id).where(
                User.role == Role.staff, User.unit_id.is_not(None)).order_by(User.id)):
            self.staff.setdefault(unit_id, user_id)
        self.texts = [t for texts in PROGRESS.values() for t in texts]

    def _stamp(self, moment):
        moment = moment.astimezone(UTC)
        return moment.replace(tzinfo=None).isoformat(" ", "microseconds") if self.sqlite else moment

    def at(self, day, minutes):
        """The moment `minutes` after local midnight of `day`, in the driver's form, never later than now."""
        stamps = self._midnights.get(day)
        if stamps is None:
            midnight = datetime.combine(day, clock_time(0, 0), tzinfo=self._tz)
            stamps = self._midnights[day] = {}
            stamps["midnight"] = midnight
        moment = stamps.get(minutes)
        if moment is None:
            moment = stamps[minutes] = self._stamp(stamps["midnight"] + timedelta(minutes=minutes))
        return moment if moment <= self.latest else self.latest

    def pick_unit(self):
        x = self.rng.random() * self.unit_cum[-1]
        return self.units[bisect_left(self.unit_cum, x)]

    def chunk(self, first_task_id, first_follow_up_id, n):
        rng = self.rng
        rows = {m: [] for m in (Task, FollowUp, TaskParty, TaskEvent, CompletionRequest, ExtensionRequest, Urge)}
        plans = [self._plan_task(first_task_id + i) for i in range(n)]
        # Follow-ups: exactly n × per_task in the chunk, at least one per eligible task, more for longer tasks.
        eligible = [p for p in plans if p["window"] is not None]
        total = n * self.per_task
        if eligible and total:
            base = 1 if total >= len(eligible) else 0
            for p in eligible:
                p["n"] = base
            extra = total - base * len(eligible)
            cum = list(accumulate((p["window"][1] - p["window"][0]).days + 1 for p in eligible))
            for index, k in Counter(rng.choices(range(len(eligible)), cum_weights=cum, k=extra)).items():
                eligible[index]["n"] += k
        next_fu = first_follow_up_id
        for p in plans:
            next_fu = self._rows(p, rows, next_fu)
        return rows

    def _plan_task(self, task_id):
        rng, today = self.rng, self.today
        r = rng.random
        assigned = today - timedelta(days=int(730 * r()))
        original_due = assigned + timedelta(days=rng.choice(DURATIONS))
        due = original_due
        extension = None
        if r() < 0.07:
            extension = "approved"
            due = original_due + timedelta(days=rng.randint(10, 60))
        closable = assigned <= today - timedelta(days=3)
        y = r()
        if due < today and closable:
            # the office chases overdue work: the longer overdue, the likelier it is closed by now
            overdue = (today - due).days
            still_open = 0.35 if overdue <= 15 else 0.12 if overdue <= 60 else 0.04 if overdue <= 180 else 0.01
            state = "open" if y < still_open else "cancelled" if y < still_open + 0.05 else "completed"
        elif closable:
            state = "completed" if y < 0.15 else "cancelled" if y < 0.18 else "open"
        else:
            state = "open"
        if state == "open":
            z = r()
            if ((today - assigned).days <= 3 and z < 0.5) or z < 0.03:
                state = "assigned"
            elif z < 0.08:
                state = "accepted"
            elif z < 0.16 and closable:
                state = "completion_requested"
            else:
                state = "in_progress"
        lead_id, lead_name = self.pick_unit()
        plan_id = None
        if r() < 0.75:
            plan_id = self.plan_ids[rng.randrange(len(self.plan_ids))]
            if r() < 0.4:
                lead_id = rng.choice(self.plan_leads[plan_id])
                lead_name = next(name for uid, name in self.units if uid == lead_id)
        co = []
        for _ in range(rng.choice((0, 0, 0, 0, 1, 1, 1, 2, 2, 3))):
            unit_id = self.pick_unit()[0]
            if unit_id != lead_id and unit_id not in co:
                co.append(unit_id)
        accepted = min(assigned + timedelta(days=rng.randint(0, 3)), today) if state != "assigned" else None
        p = dict(id=task_id, assigned=assigned, original_due=original_due, due=due, extension=extension,
                 state=state, lead=lead_id, lead_name=lead_name, plan=plan_id, co=co, accepted=accepted,
                 window=None, n=0, done=None, request=None, approve=None, returned=None, cancel=None)
        if state == "completed":
            late = r() < 0.25 and due + timedelta(days=1) < today
            if late:
                done = min(due + timedelta(days=rng.randint(1, 30)), today - timedelta(days=1))
            else:
                latest = min(due, today - timedelta(days=1))
                done = accepted + timedelta(days=rng.randint(0, max(0, (latest - accepted).days)))
            done = max(done, accepted)
            p["done"] = done
            p["request"] = min(done + timedelta(days=rng.randint(0, 2)), today)
            p["approve"] = min(p["request"] + timedelta(days=rng.randint(0, 3)), today)
            if r() < 0.04 and (done - accepted).days >= 4:
                first = accepted + timedelta(days=rng.randint(1, (done - accepted).days - 3))
                p["returned"] = (first, first + timedelta(days=1))
            p["window"] = (accepted, p["request"])
        elif state == "completion_requested":
            request = max(accepted, today - timedelta(days=rng.randint(0, 5)))
            p["request"] = request
            p["done"] = max(accepted, request - timedelta(days=rng.randint(0, 1)))
            p["window"] = (accepted, request)
        elif state == "cancelled":
            latest = min(today, due + timedelta(days=30))
            p["cancel"] = assigned + timedelta(days=rng.randint(1, max(1, (latest - assigned).days)))
            p["cancel"] = min(p["cancel"], today)
            if accepted is not None and accepted < p["cancel"]:
                p["window"] = (accepted, p["cancel"] - timedelta(days=1))
            else:
                p["accepted"] = None
        elif state == "in_progress":
            p["window"] = (accepted, today)
        if extension:
            end = min(original_due, (p["request"] or p["cancel"] or today) - timedelta(days=1))
            if p["returned"]:
                end = min(end, p["returned"][0] - timedelta(days=1))
            if end < (accepted or assigned):
                p["extension"], p["due"] = None, original_due
            else:
                start = accepted or assigned
                ask = start + timedelta(days=rng.randint(0, (end - start).days))
                p["extension"] = (ask, min(ask + timedelta(days=rng.randint(0, 3)), end + timedelta(days=1)))
        p["pending_extension"] = None
        if state in ("assigned", "accepted", "in_progress") and r() < 0.03:
            ask = max(accepted or assigned, today - timedelta(days=rng.randint(0, 4)))
            p["pending_extension"] = (ask, max(p["due"], today) + timedelta(days=rng.randint(7, 45)))
        urges = []
        if state in ("assigned", "accepted", "in_progress", "completion_requested") and p["due"] < today \
                and r() < 0.5:
            urges = sorted(p["due"] + timedelta(days=rng.randint(1, max(1, (today - p["due"]).days)))
                           for _ in range(rng.randint(1, 3)))
        p["urges"] = [min(u, today) for u in urges]
        if state in ("in_progress", "completion_requested") and p["window"][1] < p["window"][0]:
            p["window"] = (p["window"][0], p["window"][0])
        return p

    def _rows(self, p, rows, next_fu):
        """Append the rows of one planned task (its history in time order) to `rows`; return the next
        follow-up id."""
        rng, at, day_value = self.rng, self.at, self.day
        admin, tid, lead = self.admin_id, p["id"], p["lead"]
        events = rows[TaskEvent]
        first_event = len(events)
        state = p["state"]
        lead_author = self.staff.get(lead)

        def event(kind, day, minutes, from_state=None, to_state=None, note=None, unit=None, actor=admin):
            moment = at(day, minutes)
            events.append({"task_id": tid, "kind": kind.value, "actor_id": actor, "unit_id": unit,
                           "from_state": from_state, "to_state": to_state, "note": note, "at": moment})
            return moment

        def request_row(model, **values):
            rows[model].append(dict({"decided_by_id": None, "decided_at": None, "decision_note": None}, **values))

        created = event(EventKind.assigned, p["assigned"], 540,
                        note=f"牵头单位：{p['lead_name']}；完成时限：{p['original_due'].isoformat()}")
        last = created
        if p["accepted"] is not None:
            last = event(EventKind.accepted, p["accepted"], 600, "assigned", "accepted", unit=lead, actor=lead_author)
        current = "accepted" if p["accepted"] is not None else "assigned"
        if p["extension"]:
            ask, decided = p["extension"]
            asked_at = event(EventKind.extension_requested, ask, 900, unit=lead, actor=lead_author,
                             note=f"申请延期至 {p['due'].isoformat()}：项目审批进度影响")
            decided_at = event(EventKind.extension_approved, decided, 960,
                               note=f"时限由 {p['original_due']} 延至 {p['due']}")
            request_row(ExtensionRequest, task_id=tid, requested_due_on=day_value(p["due"]),
                        previous_due_on=day_value(p["original_due"]), reason="项目审批进度影响",
                        status=RequestStatus.approved.value, requested_by_id=lead_author, requested_at=asked_at,
                        decided_by_id=admin, decided_at=decided_at, decision_note="同意延期")
            last = max(last, decided_at)

        # follow-ups, in time order; the first lead report starts the work (accepted → in progress)
        parties = {lead: (None, None)} | {u: (None, None) for u in p["co"]}
        if p["n"]:
            first, end = p["window"]
            span = (end - first).days
            days = sorted(first + timedelta(days=rng.randint(0, span)) for _ in range(p["n"]))
            if p["returned"]:  # no report while the request is pending, and the first one before it
                low, high = p["returned"]
                days = sorted(low - timedelta(days=1) if low <= d <= high else d for d in days)
                days[0] = min(days[0], low - timedelta(days=1))
            co = p["co"]
            follow_ups, texts = rows[FollowUp], self.texts
            count = len(days)
            for k, day in enumerate(days):
                unit = co[rng.randrange(len(co))] if co and k and rng.random() < 0.3 else lead
                percent = min(100, 10 + 90 * (k + 1) // (count + 1))
                text = texts[rng.randrange(len(texts))]
                moment = at(day, 660 + 3 * k)
                reported_on = day_value(day)
                author = self.staff.get(unit)
                follow_ups.append({"id": next_fu, "task_id": tid, "unit_id": unit, "author_id": author,
                                   "text": text, "percent": percent, "reported_on": reported_on,
                                   "created_at": moment})
                parties[unit] = (next_fu, reported_on)
                from_state = to_state = None
                if unit == lead and current == "accepted":
                    from_state, to_state, current = "accepted", "in_progress", "in_progress"
                events.append({"task_id": tid, "kind": EventKind.follow_up.value, "actor_id": author, "unit_id": unit,
                               "from_state": from_state, "to_state": to_state, "note": f"{percent}%：{text}",
                               "at": moment})
                next_fu += 1
            last = max(last, moment)
        if p["returned"]:
            low, high = p["returned"]
            asked_at = event(EventKind.completion_requested, low, 1020, current, "completion_requested",
                             unit=lead, actor=lead_author, note=f"完成日期：{low.isoformat()}；已基本完成")
            decided_at = event(EventKind.returned, high, 1050, "completion_requested", "in_progress",
                               note=RETURN_NOTES[0])
            request_row(CompletionRequest, task_id=tid, completed_on=day_value(low), summary="已基本完成",
                        status=RequestStatus.returned.value, requested_by_id=lead_author, requested_at=asked_at,
                        decided_by_id=admin, decided_at=decided_at, decision_note=RETURN_NOTES[0])
            current = "in_progress"
        for level, day in enumerate(p["urges"], start=1):
            level = min(level, 3)
            moment = event(EventKind.urged, day, 990, note=f"{Urge.LEVELS[level]}：{URGE_NOTES[level]}")
            rows[Urge].append({"task_id": tid, "level": level, "note": URGE_NOTES[level], "by_id": admin,
                               "created_at": moment})
            last = max(last, moment)
        if p["pending_extension"]:
            ask, new_due = p["pending_extension"]
            moment = event(EventKind.extension_requested, ask, 905, unit=lead, actor=lead_author,
                           note=f"申请延期至 {new_due.isoformat()}：企业申报窗口调整")
            request_row(ExtensionRequest, task_id=tid, requested_due_on=day_value(new_due),
                        previous_due_on=day_value(p["due"]), reason="企业申报窗口调整",
                        status=RequestStatus.pending.value, requested_by_id=lead_author, requested_at=moment)
            last = max(last, moment)
        if state in ("completed", "completion_requested"):
            done, request = p["done"], p["request"]
            summary = SUMMARIES[tid % len(SUMMARIES)]
            asked_at = event(EventKind.completion_requested, request, 1080, current, "completion_requested",
                             unit=lead, actor=lead_author, note=f"完成日期：{done.isoformat()}；{summary}")
            last = max(last, asked_at)
            if state == "completed":
                decided_at = event(EventKind.completed, p["approve"], 1110, "completion_requested", "completed",
                                   note=f"办结日期：{done.isoformat()}；同意办结")
                request_row(CompletionRequest, task_id=tid, completed_on=day_value(done), summary=summary,
                            status=RequestStatus.approved.value, requested_by_id=lead_author, requested_at=asked_at,
                            decided_by_id=admin, decided_at=decided_at, decision_note="同意办结")
                last = max(last, decided_at)
            else:
                request_row(CompletionRequest, task_id=tid, completed_on=day_value(done), summary=summary,
                            status=RequestStatus.pending.value, requested_by_id=lead_author, requested_at=asked_at)
        elif state == "cancelled":
            last = max(last, event(EventKind.cancelled, p["cancel"], 1140, current, "cancelled",
                                   note=CANCEL_REASONS[tid % len(CANCEL_REASONS)]))

        if state in ("completed", "cancelled", "completion_requested", "assigned"):
            final_state = state
        else:
            final_state = current  # accepted, or in progress once the lead unit has reported
        plan_name = self.plan_names.get(p["plan"])
        stem = STRESS_STEMS[tid % len(STRESS_STEMS)]
        source = TaskSource.plan if p["plan"] else TaskSource.meeting if tid % 3 else TaskSource.instruction
        rows[Task].append({
            "id": tid, "title": stem.format(u=p["lead_name"]) + f"（{tid}号）",
            "content": f"按照{plan_name or '千百十工程'}要求推进，完成时限{p['due'].isoformat()}。",
            "source": source.value, "plan_id": p["plan"], "source_ref": STRESS_REF, "lead_unit_id": lead,
            "priority": (TaskPriority.key if tid % 4 == 0 else TaskPriority.normal).value,
            "assigned_on": day_value(p["assigned"]), "original_due_on": day_value(p["original_due"]),
            "due_on": day_value(p["due"]), "assigner_unit_id": self.office_id, "assigner_id": admin,
            "state": final_state, "completed_on": day_value(p["done"]) if state == "completed" else None,
            "urge_count": len(p["urges"]), "last_urged_at": at(p["urges"][-1], 990) if p["urges"] else None,
            "meeting_ref_id": None, "version": len(events) - first_event, "created_at": created,
            "updated_at": last})
        rows[TaskParty].extend(
            {"task_id": tid, "unit_id": unit, "is_lead": unit == lead, "last_follow_up_id": fu,
             "last_reported_on": reported_on}
            for unit, (fu, reported_on) in parties.items())
        return next_fu
