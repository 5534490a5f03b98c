"""Scheduler jobs. Each asks the database what is due *now* (an injected clock), enqueues what has not been
enqueued yet (insert-if-absent on the outbox's unique key), and commits once — so running a job twice, or
after two days of downtime, does no harm: each reminder occasion is enqueued once, and after downtime only
the current occasion of a reminder is enqueued (not one per missed tick).

Occasions:
- a task due soon: the latest stage reached ("before-3", "before-1", "due"), so a scan that missed the
  3-day mark but runs at the 1-day mark sends one reminder, for the 1-day mark;
- a task overdue: the latest working day (one reminder per working day, none for weekends);
- periodic duties (scoring entry, annual results, 考评细则, policy rates): the period.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.auth.models import Role, User
from app.core.calendar import load_calendar
from app.core.clock import get_clock
from app.core.periods import Xun
from app.extensions import db
from app.org.models import PortfolioItem, Unit
from app.reminders.models import Channel, ChannelPreference, OutboxMessage
from app.reminders.registry import reminder_scans
from app.reminders.rules import load_settings
from app.tasks.models import (
    OPEN_STATES,
    CompletionRequest,
    EventKind,
    ExtensionRequest,
    RequestStatus,
    Task,
    TaskEvent,
    TaskParty,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminder:
    """One reminder to one recipient (a user), before channels are chosen."""

    rule: str
    subject_type: str
    subject_id: str
    occasion: str
    user_id: int
    title: str
    body: str
    link: str | None = None
    unit_id: int | None = None  # the unit the reminder is about, for the unit's group robot


# --- recipients -----------------------------------------------------------------------------------------

class Recipients:
    """Who receives what, loaded in three queries for the whole scan."""

    def __init__(self, on: date):
        users = db.session.execute(sa.select(User.id, User.role, User.unit_id, User.person_id)
                                   .where(User.is_active_account.is_(True))).all()
        self.staff_by_unit = defaultdict(list)
        self.admins = []
        self.users_by_person = defaultdict(list)
        for user_id, role, unit_id, person_id in users:
            if role is Role.staff and unit_id:
                self.staff_by_unit[unit_id].append(user_id)
            if role is Role.admin:
                self.admins.append(user_id)
            if role is Role.leader and person_id:
                self.users_by_person[person_id].append(user_id)
        self.leader_of_unit = dict(db.session.execute(
            sa.select(PortfolioItem.unit_id, PortfolioItem.person_id).where(PortfolioItem.current_on(on))).all())
        self.unit_names = dict(db.session.execute(sa.select(Unit.id, Unit.short_name)).all())

    def staff(self, unit_id):
        return self.staff_by_unit.get(unit_id, [])

    def vice_mayor_users(self, unit_id):
        person = self.leader_of_unit.get(unit_id)
        return self.users_by_person.get(person, []) if person else []


# --- what is due ----------------------------------------------------------------------------------------

def task_stage(task_due: date, today: date, cal, settings):
    """The reminder stage a task has reached today, or None."""
    if task_due < today:
        return None
    if task_due == today:
        return "due" if settings["task_due_day"] else None
    reached = [n for n in settings["task_days_before"] if cal.workdays_before(task_due, n) <= today]
    return f"before-{min(reached)}" if reached else None


def due_task_reminders(today: date, cal, settings, recipients):
    """Deadline, overdue and escalation reminders for open tasks (one query for the tasks)."""
    horizon = cal.add_workdays(today, max(settings["task_days_before"] or [0]) + 1)
    rows = db.session.execute(
        sa.select(Task.id, Task.title, Task.due_on, Task.original_due_on, Task.lead_unit_id, Task.assigner_id)
        .where(Task.state.in_(OPEN_STATES), Task.due_on <= horizon)).all()
    last_workday = today if cal.is_workday(today) else cal.previous_workday(today)
    reminders = []
    for task_id, title, due_on, original_due_on, lead_unit_id, assigner_id in rows:
        link = f"/tasks/{task_id}"
        unit = recipients.unit_names.get(lead_unit_id, "")
        if due_on >= today:
            stage = task_stage(due_on, today, cal, settings)
            if stage is None:
                continue
            left = "今天到期" if stage == "due" else f"还有 {stage.split('-')[1]} 个工作日到期"
            # An approved extension makes a new deadline whose stages are new occasions: the old deadline's
            # "before-1" must not silence the new one's.
            occasion = stage if original_due_on in (None, due_on) else f"{stage}@{due_on.isoformat()}"
            for user_id in recipients.staff(lead_unit_id):
                reminders.append(Reminder("task_due", "task", str(task_id), occasion, user_id,
                                          f"交办事项{left}：{title[:60]}",
                                          f"**{title}**\n\n牵头单位：{unit}；完成时限：{due_on.isoformat()}（{left}）。"
                                          "请抓紧办理并及时反馈进展。", link, lead_unit_id))
            continue
        if not settings["task_overdue_daily"]:
            continue
        overdue = cal.workdays_overdue(due_on, today)
        if overdue == 0:
            continue  # past the due date, but no working day since (a scan on the holiday after it)
        occasion = last_workday.isoformat()
        for user_id in recipients.staff(lead_unit_id):
            reminders.append(Reminder("task_overdue", "task", str(task_id), occasion, user_id,
                                      f"交办事项已逾期 {overdue} 个工作日：{title[:60]}",
                                      f"**{title}**\n\n牵头单位：{unit}；完成时限：{due_on.isoformat()}，"
                                      f"已逾期 {overdue} 个工作日（红灯）。请尽快办结或申请延期。", link, lead_unit_id))
        if overdue >= settings["escalate_after_workdays"]:
            escalate_to = set(recipients.admins) | set(recipients.vice_mayor_users(lead_unit_id))
            if assigner_id:
                escalate_to.add(assigner_id)
            for user_id in escalate_to:
                reminders.append(Reminder("task_escalation", "task", str(task_id), occasion, user_id,
                                          f"逾期督办：{unit}“{title[:40]}”已逾期 {overdue} 个工作日",
                                          f"**{title}**\n\n牵头单位：{unit}；完成时限：{due_on.isoformat()}，"
                                          f"已逾期 {overdue} 个工作日，请督促办理。", link))
    return reminders


def follow_up_reminders(today: date, cal, settings, recipients):
    """Units whose open tasks have had no follow-up since the current 旬 began, shortly before the next 旬."""
    next_xun = Xun.of(today).next()
    remind_from = cal.workdays_before(next_xun.start, settings["follow_up_workdays_before_xun"])
    if today < remind_from:
        return []
    since = Xun.of(today).start
    rows = db.session.execute(
        sa.select(TaskParty.unit_id, sa.func.count())
        .join(Task, Task.id == TaskParty.task_id)
        .where(TaskParty.is_lead.is_(True), Task.state.in_(OPEN_STATES), Task.assigned_on < since,
               sa.or_(TaskParty.last_reported_on.is_(None), TaskParty.last_reported_on < since))
        .group_by(TaskParty.unit_id)).all()
    reminders = []
    for unit_id, count in rows:
        unit = recipients.unit_names.get(unit_id, "")
        for user_id in recipients.staff(unit_id):
            reminders.append(Reminder("follow_up_stale", "unit", str(unit_id), next_xun.code, user_id,
                                      f"{unit}{count} 项事项本旬未反馈进展，请在{next_xun.label}调度前反馈",
                                      f"本单位牵头的 {count} 项在办事项自 {since.isoformat()} 以来没有进展反馈，"
                                      f"请在{next_xun.label}旬调度（{next_xun.start.isoformat()}）前补充反馈。",
                                      "/tasks/inbox", unit_id))
    return reminders


def pending_request_reminders(today: date, cal, settings, recipients):
    """Extension and completion requests waiting for a decision for N working days or more."""
    threshold = cal.workdays_before(today, settings["pending_request_workdays"])
    # requested before the local midnight that ends the threshold day (`now` is UTC: its midnight is 08:00 here)
    cutoff = datetime.combine(threshold + timedelta(days=1), datetime.min.time(), tzinfo=get_clock().tz)
    reminders = []
    occasion = (today if cal.is_workday(today) else cal.previous_workday(today)).isoformat()
    for model, rule, label in ((ExtensionRequest, "extension_pending", "延期申请"),
                               (CompletionRequest, "completion_pending", "办结申请")):
        rows = db.session.execute(
            sa.select(model.id, model.task_id, Task.title, Task.assigner_id, Task.lead_unit_id)
            .join(Task, Task.id == model.task_id)
            .where(model.status == RequestStatus.pending, model.requested_at < cutoff)).all()
        for request_id, task_id, title, assigner_id, lead_unit_id in rows:
            deciders = set(recipients.admins)
            if assigner_id:
                deciders.add(assigner_id)
            unit = recipients.unit_names.get(lead_unit_id, "")  # the lead unit asks (the same title may recur)
            for user_id in deciders:
                reminders.append(Reminder(rule, label, str(request_id), occasion, user_id,
                                          f"{unit}的{label}待审核：{title[:60]}",
                                          f"**{title}** 的{label}（{unit}提出）已等待 "
                                          f"{settings['pending_request_workdays']} 个工作日以上，请及时审核。",
                                          f"/tasks/{task_id}"))
    return reminders


EDIT_NOTICE_DAYS = 3  # an edit older than this is not announced any more (e.g. after a long downtime)


def task_edit_notices(today: date, cal, settings, recipients):
    """修改事项: the staff of the lead and co-units of a task the office edited after assigning it (app.tasks.services.
    edit_task writes the 修改 event), one notice per edit (the occasion is the event's id), while the task is open and
    for edits of the last few days. Two queries, whatever the number of edits."""
    since = datetime.combine(today - timedelta(days=EDIT_NOTICE_DAYS), datetime.min.time(), tzinfo=get_clock().tz)
    events = db.session.execute(
        sa.select(TaskEvent.id, TaskEvent.task_id, TaskEvent.note, Task.title)
        .join(Task, Task.id == TaskEvent.task_id)
        .where(TaskEvent.kind == EventKind.edited, TaskEvent.at >= since, Task.state.in_(OPEN_STATES))).all()
    if not events:
        return []
    parties = defaultdict(list)
    for task_id, unit_id in db.session.execute(sa.select(TaskParty.task_id, TaskParty.unit_id).where(
            TaskParty.task_id.in_({e.task_id for e in events}))).all():
        parties[task_id].append(unit_id)
    reminders = []
    for event_id, task_id, note, title in events:
        for unit_id in parties[task_id]:
            for user_id in recipients.staff(unit_id):
                reminders.append(Reminder("task_edited", "task", str(task_id), f"edit-{event_id}", user_id,
                                          f"交办事项已修改：{title[:60]}",
                                          f"千百十办修改了 **{title}**：{note or '见事项页面'}。请按修改后的要求办理。",
                                          f"/tasks/{task_id}", unit_id))
    return reminders


# --- enqueueing -----------------------------------------------------------------------------------------

def _insert(dialect):
    return pg_insert if dialect == "postgresql" else sqlite_insert


def outbox_rows(reminders, now: datetime):
    """The outbox rows for the reminders, as [(reminder, row)]: in-app always, plus the recipient's own
    e-mail/robot channels and the unit's group robot (one query for the channel preferences)."""
    if not reminders:
        return []
    prefs = db.session.execute(sa.select(ChannelPreference.user_id, ChannelPreference.unit_id,
                                         ChannelPreference.channel)
                               .where(ChannelPreference.is_enabled.is_(True))).all()
    user_channels, unit_channels = defaultdict(list), defaultdict(list)
    for user_id, unit_id, channel in prefs:
        (user_channels[user_id] if user_id else unit_channels[unit_id]).append(channel)
    rows = []
    seen_unit = set()
    for r in reminders:
        base = {"rule": r.rule, "subject_type": r.subject_type, "subject_id": r.subject_id, "occasion": r.occasion,
                "title": r.title[:200], "body": r.body, "link": r.link, "next_attempt_at": now, "created_at": now,
                "status": "pending", "attempts": 0}
        for channel in [Channel.in_app, *user_channels.get(r.user_id, [])]:
            rows.append((r, dict(base, recipient_key=f"user:{r.user_id}", user_id=r.user_id, unit_id=None,
                                 channel=channel.value)))
        if r.unit_id and r.unit_id in unit_channels and r.rule in ("task_due", "task_overdue", "follow_up_stale"):
            key = (r.rule, r.subject_id, r.occasion, r.unit_id)
            if key not in seen_unit:
                seen_unit.add(key)
                for channel in unit_channels[r.unit_id]:
                    rows.append((r, dict(base, recipient_key=f"unit:{r.unit_id}:{channel.value}", user_id=None,
                                         unit_id=r.unit_id, channel=channel.value)))
    return rows


def enqueue(reminders, now: datetime):
    """Insert-if-absent one outbox row per reminder and channel (see `outbox_rows`). Returns the number of
    rows newly created."""
    rows = [row for _, row in outbox_rows(reminders, now)]
    if not rows:
        return 0
    key = ("rule", "subject_type", "subject_id", "recipient_key", "occasion", "channel")
    # In key order, so that concurrent scans on PostgreSQL meet each other's rows in the same order and wait
    # for one another instead of deadlocking. RETURNING counts the rows created.
    rows.sort(key=lambda row: tuple(row[name] for name in key))
    if db.engine.dialect.name == "postgresql":
        return _insert_unnest(rows, key)
    # One executemany of a statement compiled once, sent as multi-row INSERTs ("insertmanyvalues"): a VALUES
    # clause of thousands of rows built as one statement took seconds just to compile.
    t = OutboxMessage.__table__
    stmt = _insert(db.engine.dialect.name)(t).on_conflict_do_nothing(index_elements=key).returning(t.c.id)
    return len(db.session.execute(stmt, rows).all())


_PG_ARRAYS = {"user_id": "integer[]", "unit_id": "integer[]", "attempts": "integer[]",
              "next_attempt_at": "timestamptz[]", "created_at": "timestamptz[]"}  # the others are text


def _insert_unnest(rows, key):
    """PostgreSQL: one INSERT ... SELECT FROM unnest(one array per column), however many rows: several times
    faster than multi-row VALUES with thousands of parameters, and one statement."""
    names = list(rows[0])
    arrays = ", ".join(f"CAST(:{name} AS {_PG_ARRAYS.get(name, 'text[]')})" for name in names)
    statement = sa.text(f"INSERT INTO {OutboxMessage.__tablename__} ({', '.join(names)}) SELECT * FROM unnest({arrays})"
                        f" ON CONFLICT ({', '.join(key)}) DO NOTHING RETURNING id")
    return len(db.session.execute(statement, {name: [row[name] for row in rows] for name in names}).all())


def due_reminders(now: datetime):
    """Every reminder due at `now`, enqueued already or not, from every registered scan (app.reminders.registry):
    the one code path of `scan` and `preview`."""
    tz = get_clock().tz
    today = now.astimezone(tz).date()
    cal = load_calendar()
    settings = load_settings()
    recipients = Recipients(today)
    reminders = []
    for scan_for in reminder_scans():
        reminders += scan_for(today, cal, settings, recipients)
    return reminders


def preview(now: datetime):
    """What a scan at `now` would enqueue, without writing anything: the due reminders that would add at
    least one outbox row (compared on the outbox's unique key, in one query for the keys present)."""
    reminders = due_reminders(now)
    rows = outbox_rows(reminders, now)
    if not rows:
        return []
    key_columns = ("rule", "subject_type", "subject_id", "recipient_key", "occasion", "channel")
    t = OutboxMessage.__table__
    present = {tuple(getattr(v, "value", v) for v in row) for row in db.session.execute(
        sa.select(*(t.c[name] for name in key_columns))
        .where(t.c.rule.in_(sorted({row["rule"] for _, row in rows})),
               t.c.occasion.in_(sorted({row["occasion"] for _, row in rows}))))}
    new = {id(r) for r, row in rows if tuple(row[name] for name in key_columns) not in present}
    return [r for r in reminders if id(r) in new]


def scan(now: datetime):
    """One scan: everything due up to `now` that has not been enqueued yet. The caller commits."""
    if db.engine.dialect.name == "sqlite":
        # Take SQLite's write lock before reading: a transaction that has read cannot wait for it later (had
        # another scanner written meanwhile, SQLite would refuse the insert at once, "database is locked"),
        # so scans on SQLite run one after the other. PostgreSQL's ON CONFLICT DO NOTHING needs no such thing.
        db.session.execute(sa.text("DELETE FROM reminder_outbox WHERE 0"))  # locks, deletes nothing
    reminders = due_reminders(now)
    created = enqueue(reminders, now)
    log.info("scan at %s: %d reminders due, %d newly enqueued", now.isoformat(), len(reminders), created)
    return {"due": len(reminders), "created": created}
