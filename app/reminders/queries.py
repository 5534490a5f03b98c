"""Reads for the reminder pages: the notification centre, the unread count in the navigation, the outbox list,
the upcoming reminders grouped by rule, channel preferences and the scheduler's status. Each list is loaded in
a fixed number of queries, whatever its length."""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.extensions import db
from app.org.models import Unit
from app.reminders import recheck, reminder_rules  # noqa: F401  (recheck registers this package's rules)
from app.reminders.models import (
    Channel,
    ChannelPreference,
    Notification,
    OutboxMessage,
    OutboxStatus,
    SchedulerStatus,
)

log = logging.getLogger(__name__)


def rule_labels():
    """{rule code: Chinese name} of every registered rule (app.reminders.recheck and the packages that register
    their own, e.g. meetings), in the order the office page lists them."""
    return {code: rule.label for code, rule in reminder_rules().items()}


JOB_LABELS = {
    "reminders.scan": "扫描到期提醒",
    "reminders.deliver": "发送提醒",
}

# The scheduler writes a heartbeat every 10 seconds; one older than this means it has probably stopped.
HEARTBEAT_STALE_AFTER = timedelta(minutes=1)


def rule_label(rule):
    return rule_labels().get(rule) or "其他提醒"


# --- the notification centre ----------------------------------------------------------------------------

def unread_count(user_id):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id == user_id, Notification.read_at.is_(None)))


def unread_count_for_nav():
    """The signed-in user's unread notifications for the navigation bell (one query; None when signed out).
    A database failure must not break the page that reports it (the 503 page renders the navigation too)."""
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
    from app.reminders import jobs

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
    jobs: list  # [(SchedulerStatus, label)]
    is_stale: bool
    heartbeat_age: timedelta | None


def scheduler_view(now: datetime):
    """The lock row (holder, heartbeat) and each job's last run; stale when the heartbeat is missing or older
    than HEARTBEAT_STALE_AFTER."""
    rows = db.session.scalars(sa.select(SchedulerStatus).order_by(SchedulerStatus.name)).all()
    lock = next((r for r in rows if r.name == "lock"), None)
    jobs = [(r, JOB_LABELS.get(r.name, r.name)) for r in rows if r.name != "lock"]
    age = now - lock.heartbeat_at if lock is not None and lock.heartbeat_at is not None else None
    return SchedulerView(lock, jobs, age is None or age > HEARTBEAT_STALE_AFTER, age)
