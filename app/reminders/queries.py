"""Reads for the reminder pages: the notification centre, the unread count in the navigation, the outbox list,
the upcoming reminders grouped by rule, channel preferences and the scheduler's status. Each list is loaded in
a fixed number of queries, whatever its length."""

import ast
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.core.jobs import registered_jobs
from app.core.periods import Xun
from app.core.sql import select_rows
from app.extensions import db
from app.org.models import Unit
from app.reminders import jobs
from app.reminders.models import (
    Channel,
    ChannelPreference,
    Notification,
    OutboxMessage,
    OutboxStatus,
    SchedulerStatus,
)
from app.reminders.registry import reminder_rules

log = logging.getLogger(__name__)


def rule_labels():
    """{rule code: Chinese name} of every registered rule (app.reminders.recheck and the packages that register
    their own, e.g. meetings), in the order the office page lists them."""
    return {code: rule.label for code, rule in reminder_rules().items()}


def describe_result(text, words):
    """A job's last result as the office reads it: "{'due': 4, 'created': 2}" (as the scheduler records a job's
    result dict) → "到期提醒 4，新加入发送队列 2"; any other text (a failure, in Chinese) as it is."""
    if not text or not text.startswith("{"):
        return text or ""
    try:
        result = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return "运行完成"
    if not isinstance(result, dict):
        return "运行完成"
    parts = [f"{words[key]} {value}" for key, value in result.items() if key in words]
    return "，".join(parts) if parts else "运行完成"


def occasion_label(occasion):
    """Which occurrence of a reminder, in words: "before-3" → 到期前 3 个工作日, "due@2026-03-20" → 到期当天（新时限
    2026-03-20）, "2026-03-2" → 2026年3月中旬, an ISO date as it is."""
    occasion = occasion or ""
    stage, _, deadline = occasion.partition("@")
    suffix = f"（新时限 {deadline}）" if deadline else ""
    if stage.startswith("before-"):
        return f"到期前 {stage.removeprefix('before-')} 个工作日{suffix}"
    words = {"due": "到期当天", "escalate": "逾期督办", "ended": "季度已结束", "deadline": "录入截止前"}
    if stage in words:
        return words[stage] + suffix
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", occasion):
        return occasion
    xun = Xun.parse(occasion)
    return xun.label if xun is not None else "—"


# The scheduler writes a heartbeat every 10 seconds; one older than this means it has probably stopped.
HEARTBEAT_STALE_AFTER = timedelta(minutes=1)


def rule_label(rule):
    return rule_labels().get(rule) or "其他提醒"


# --- the notification centre ----------------------------------------------------------------------------

@cache
def _unread_statement():
    # built once: every page's navigation asks (see app.tasks.queries on per-request statements)
    return sa.select(sa.func.count()).select_from(Notification) \
        .where(Notification.user_id == sa.bindparam("user_id"), Notification.read_at.is_(None))


UNREAD_FIGURE = "unread_notifications"


def unread_subquery(user_id_column):
    """The unread notifications of the user `user_id_column` names, as a scalar subquery: read with the session row
    of every signed-in request (app.auth.services.register_session_figure)."""
    return sa.select(sa.func.count()).select_from(Notification) \
        .where(Notification.user_id == user_id_column, Notification.read_at.is_(None)).scalar_subquery()


def unread_count(user_id):
    """The user's unread notifications: read with the signed-in user's session at the start of the request, unless
    marked read since (app.reminders.services), or else counted now."""
    if current_user and getattr(current_user, "id", None) == user_id:
        known = getattr(current_user, "session_figures", {}).get(UNREAD_FIGURE)
        if known is not None:
            return known
    return select_rows(_unread_statement(), {"user_id": user_id}).scalar()


def unread_count_for_nav():
    """The signed-in user's unread notifications for the navigation bell (None when signed out). A database failure
    must not break the page that reports it (the 503 page renders the navigation too)."""
    if not current_user.is_authenticated:
        return None
    try:
        return unread_count(current_user.id)
    except sa.exc.SQLAlchemyError:
        log.warning("could not count unread notifications", exc_info=True)
        db.session.rollback()
        return None


def notifications_query(user_id):
    """A user's notifications, unread first, newest first."""
    return (sa.select(Notification).where(Notification.user_id == user_id)
            .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc()))


# --- channels -------------------------------------------------------------------------------------------

def channels_of(*, user_id=None, unit_id=None):
    """{Channel: ChannelPreference} of one user or one unit."""
    owner = ChannelPreference.user_id == user_id if user_id else ChannelPreference.unit_id == unit_id
    return {p.channel: p for p in db.session.scalars(sa.select(ChannelPreference).where(owner))}


def unit_channel_rows():
    """Active units with their group-robot preferences: [(unit, {Channel: ChannelPreference})], two queries."""
    units = db.session.scalars(sa.select(Unit).where(Unit.is_active).order_by(Unit.sort_order, Unit.id)).all()
    prefs = defaultdict(dict)
    for pref in db.session.scalars(sa.select(ChannelPreference).where(ChannelPreference.unit_id.is_not(None))):
        prefs[pref.unit_id][pref.channel] = pref
    return [(unit, prefs.get(unit.id, {})) for unit in units]


# --- the outbox -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutboxFilter:
    status: OutboxStatus | None = None
    channel: Channel | None = None
    rule: str | None = None

    def clauses(self):
        clauses = []
        if self.status:
            clauses.append(OutboxMessage.status == self.status)
        if self.channel:
            clauses.append(OutboxMessage.channel == self.channel)
        if self.rule:
            clauses.append(OutboxMessage.rule == self.rule)
        return clauses


def outbox_query(outbox_filter: OutboxFilter):
    """Outbox rows, newest first, with their recipient user or unit loaded in the same query."""
    return (sa.select(OutboxMessage).where(*outbox_filter.clauses())
            .options(joinedload(OutboxMessage.user), joinedload(OutboxMessage.unit))
            .order_by(OutboxMessage.id.desc()))


def status_counts():
    """{OutboxStatus: count} over the whole outbox (zero included)."""
    counts = dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                     .group_by(OutboxMessage.status)).all())
    return {status: counts.get(status, 0) for status in OutboxStatus}


def outbox_rules():
    """The rules to filter by: the known ones and any other present in the outbox, as (code, label)."""
    present = set(db.session.scalars(sa.select(OutboxMessage.rule).distinct()))
    labels = rule_labels()
    codes = list(labels) + sorted(present - set(labels))
    return [(code, rule_label(code)) for code in codes]


# --- upcoming reminders ---------------------------------------------------------------------------------

UPCOMING_SHOWN = 50  # rows shown per rule on the office page; the count covers them all


@dataclass
class UpcomingGroup:
    rule: str
    label: str
    rows: list = field(default_factory=list)  # [(Reminder, recipient display name)]

    @property
    def shown(self):
        return self.rows[:UPCOMING_SHOWN]

    @property
    def hidden(self):
        return max(len(self.rows) - UPCOMING_SHOWN, 0)


def upcoming(now: datetime):
    """What a scan would enqueue now (jobs.preview, nothing written), grouped by rule in the order of
    rule_labels(), with the recipients' names loaded in one query."""
    reminders = jobs.preview(now)
    names = {}
    if reminders:
        names = dict(db.session.execute(sa.select(User.id, User.display_name)
                                        .where(User.id.in_(sorted({r.user_id for r in reminders})))).all())
    groups = {}
    for reminder in reminders:
        group = groups.setdefault(reminder.rule, UpcomingGroup(reminder.rule, rule_label(reminder.rule)))
        group.rows.append((reminder, names.get(reminder.user_id, f"用户 {reminder.user_id}")))
    order = {code: i for i, code in enumerate(rule_labels())}
    return sorted(groups.values(), key=lambda g: (order.get(g.rule, len(order)), g.rule))


# --- the scheduler --------------------------------------------------------------------------------------

@dataclass
class SchedulerView:
    lock: SchedulerStatus | None
    jobs: list  # [(SchedulerStatus, label, its last result in words)]
    is_stale: bool
    heartbeat_age: timedelta | None


def scheduler_view(now: datetime):
    """The lock row (holder, heartbeat) and each job's last run; stale when the heartbeat is missing or older
    than HEARTBEAT_STALE_AFTER."""
    rows = db.session.scalars(sa.select(SchedulerStatus).order_by(SchedulerStatus.name)).all()
    lock = next((r for r in rows if r.name == "lock"), None)
    registered = {job.name: job for job in registered_jobs(current_app)}
    jobs = []
    for row in rows:
        if row.name != "lock":
            job = registered.get(row.name)
            label, words = (job.label or "其他任务", job.result_labels) if job else ("其他任务", {})
            jobs.append((row, label, describe_result(row.last_result, words)))
    age = now - lock.heartbeat_at if lock is not None and lock.heartbeat_at is not None else None
    return SchedulerView(lock, jobs, age is None or age > HEARTBEAT_STALE_AFTER, age)
