"""The outbox's delivery worker: claim due rows with a lease, send one digest per recipient and channel,
mark them sent; retry temporary failures with backoff; stop permanent ones and show them to the office.

Claiming is one UPDATE ... WHERE id IN (SELECT ... [FOR UPDATE SKIP LOCKED]) that stamps the rows with a
fresh claim token, so concurrent workers (processes or hosts) never claim the same row. Marking sent is
conditional on still holding that token; for the in-app channel the notifications are written in the same
transaction, so an in-app reminder is delivered exactly once. A worker that dies between claim and mark
leaves rows whose lease expires; the next worker claims and sends them again (at least once, externally).

Before anything is sent, each claimed row is checked again (app.reminders.recheck): a row whose occasion no longer
holds (the task was approved as 办结 meanwhile ...) is closed as obsolete with its reason, conditional on the claim
token like marking sent, so a row is either sent or closed, once.

No transaction is open while a channel talks to the network: the claim commits; the rows are read, rechecked and
the obsolete ones closed in one short transaction that commits before the first send; each group is marked in a
transaction of its own after its send returned. (On SQLite a transaction outside a request begins with
BEGIN IMMEDIATE and holds the write lock until it ends: a webhook that answers slowly inside one would stop every
writer of the site; tests/reminders/test_delivery_recheck.py proves it does not.)
"""

import logging
import os
import socket
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.core.audit import record_change
from app.core.calendar import load_calendar
from app.core.clock import get_clock, utcnow
from app.core.errors import ServiceError
from app.extensions import db
from app.reminders import recheck
from app.reminders.channels import PermanentFailure, Target, TemporaryFailure, channel_for
from app.reminders.models import Channel, ChannelPreference, Notification, OutboxMessage, OutboxStatus
from app.reminders.rules import load_settings, next_window_start, within_sending_window

log = logging.getLogger(__name__)

BACKOFF_MINUTES = (1, 5, 15, 60, 180, 720)
# Channels delivered at any hour: a notification inside the app disturbs nobody. The others wait for the window.
HELD_NEVER = (Channel.in_app,)
# The states from which the office may retry or cancel a message (the office page shows the buttons by these).
RETRYABLE = (OutboxStatus.failed, OutboxStatus.pending, OutboxStatus.cancelled)
CANCELLABLE = (OutboxStatus.failed, OutboxStatus.pending)


def worker_name():
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(now: datetime, lease_seconds: int, limit: int = 500, channels=None):
    """Claim up to `limit` due rows (pending and due, or sending with an expired lease) of `channels` (None:
    every channel); commit; return the claim token. The claim is its own short transaction so other workers see
    it at once.

    It starts a transaction of its own (committing the caller's) because on SQLite a transaction that has read
    cannot wait for the write lock: if another worker wrote meanwhile, SQLite refuses the UPDATE at once
    ("database is locked") instead of waiting for its turn."""
    db.session.commit()
    token = f"{worker_name()}:{uuid.uuid4().hex[:12]}"
    t = OutboxMessage.__table__
    due = sa.select(t.c.id).where(sa.or_(
        sa.and_(t.c.status == OutboxStatus.pending.value, t.c.next_attempt_at <= now),
        sa.and_(t.c.status == OutboxStatus.sending.value, t.c.lease_until < now),
    ))
    if channels is not None:
        due = due.where(t.c.channel.in_([c.value for c in channels]))
    due = due.order_by(t.c.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    db.session.execute(t.update().where(t.c.id.in_(due.scalar_subquery()))
                       .values(status=OutboxStatus.sending.value, leased_by=token,
                               lease_until=now + timedelta(seconds=lease_seconds), attempts=t.c.attempts + 1))
    db.session.commit()
    return token


def _targets(rows):
    """{(user_id|None, unit_id|None, channel): Target} for the external channels of the claimed rows."""
    user_ids = {r.user_id for r in rows if r.user_id}
    unit_ids = {r.unit_id for r in rows if r.unit_id}
    prefs = db.session.scalars(sa.select(ChannelPreference).where(sa.or_(
        ChannelPreference.user_id.in_(user_ids or [0]), ChannelPreference.unit_id.in_(unit_ids or [0])))).all()
    return {(p.user_id, p.unit_id, p.channel): Target(p.address, p.secret) for p in prefs if p.is_enabled}


def digest(rows):
    """One message for several reminders: the first title, then a line per reminder."""
    if len(rows) == 1:
        return rows[0].title, rows[0].body
    title = f"您有 {len(rows)} 条督办提醒"
    lines = [f"{i}. {r.title}" for i, r in enumerate(rows, 1)]
    return title, "\n".join(lines) + "\n\n请登录千百十工程督考系统查看详情。"


def deliver(now: datetime, limit: int = 500):
    """One delivery run. Returns counts {claimed, sent, retried, failed, obsolete}. Outside the sending window
    (working hours on working days) only in-app notifications go: e-mail and group robots wait for it (the
    office's queue says until when: `held_until`)."""
    settings = load_settings()
    counts = {"claimed": 0, "sent": 0, "retried": 0, "failed": 0, "obsolete": 0}
    in_window = within_sending_window(now.astimezone(get_clock().tz), load_calendar(), settings)
    token = claim(now, settings["lease_seconds"], limit, channels=None if in_window else HELD_NEVER)
    m = OutboxMessage
    # Plain rows, not ORM objects: nothing is loaded lazily later, so each group's transaction below begins
    # with its own UPDATE (see claim() on SQLite), and no transaction stays open while a webhook is called.
    rows = db.session.execute(sa.select(m.id, m.recipient_key, m.channel, m.user_id, m.unit_id, m.title, m.body,
                                        m.link, m.attempts, m.rule, m.subject_type, m.subject_id, m.occasion)
                              .where(m.leased_by == token, m.status == OutboxStatus.sending).order_by(m.id)).all()
    counts["claimed"] = len(rows)
    if not rows:
        return counts
    obsolete = recheck.obsolete_rows(rows, now)
    if obsolete:
        _mark_obsolete(obsolete, token)
        counts["obsolete"] = len(obsolete)
        rows = [row for row in rows if row.id not in obsolete]
        if not rows:
            db.session.commit()
            return counts
    groups = defaultdict(list)
    for row in rows:
        groups[(row.recipient_key, row.channel)].append(row)
    targets = _targets(rows)
    db.session.commit()  # end the reading transaction
    for (recipient_key, channel), group in groups.items():
        ids = [r.id for r in group]
        try:
            if channel is Channel.in_app:
                _deliver_in_app(group, token, now)
            else:
                target = targets.get((group[0].user_id, group[0].unit_id, channel))
                if target is None:
                    raise PermanentFailure("收件人已关闭或删除该渠道")
                title, body = digest(group)
                channel_for(channel.value).send(target, title, body)
                _mark_sent(ids, token, now)
            db.session.commit()
            counts["sent"] += len(ids)
        except TemporaryFailure as error:
            db.session.rollback()
            attempts = max(r.attempts for r in group)
            if attempts >= settings["max_attempts"]:
                _mark(ids, token, OutboxStatus.failed, str(error), now)
                counts["failed"] += len(ids)
            else:
                delay = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
                _mark(ids, token, OutboxStatus.pending, str(error), now + timedelta(minutes=delay))
                counts["retried"] += len(ids)
            db.session.commit()
        except PermanentFailure as error:
            db.session.rollback()
            _mark(ids, token, OutboxStatus.failed, str(error), now)
            db.session.commit()
            counts["failed"] += len(ids)
        except Exception as error:  # a bug or a database error must not block the other recipients
            log.exception("delivery to %s failed", recipient_key)
            db.session.rollback()
            _mark(ids, token, OutboxStatus.pending, f"内部错误：{error}", now + timedelta(minutes=5))
            db.session.commit()
            counts["retried"] += len(ids)
    return counts


def _deliver_in_app(group, token, now):
    """Write the notifications and mark the rows sent in one transaction, only while holding the claim."""
    ids = [r.id for r in group]
    updated = _mark_sent(ids, token, now)
    if updated != len(ids):
        # The lease expired and another worker took (some of) these rows: leave them to it.
        raise TemporaryFailure("发送租约已过期，由其他进程继续发送")
    db.session.execute(sa.insert(Notification.__table__), [
        {"user_id": r.user_id, "outbox_id": r.id, "title": r.title, "body": r.body, "link": r.link,
         "created_at": now} for r in group])


def _mark_sent(ids, token, now):
    t = OutboxMessage.__table__
    result = db.session.execute(t.update().where(t.c.id.in_(ids), t.c.leased_by == token,
                                                 t.c.status == OutboxStatus.sending.value)
                                .values(status=OutboxStatus.sent.value, sent_at=now, lease_until=None,
                                        last_error=None))
    return result.rowcount


def _mark_obsolete(reasons, token):
    """Close the rows {id: reason} as obsolete, only while holding the claim (one statement, however many)."""
    t = OutboxMessage.__table__
    db.session.execute(t.update().where(t.c.id == sa.bindparam("row_id"), t.c.leased_by == token,
                                        t.c.status == OutboxStatus.sending.value)
                       .values(status=OutboxStatus.obsolete.value, obsolete_reason=sa.bindparam("reason"),
                               lease_until=None, last_error=None),
                       [{"row_id": row_id, "reason": reason[:200]} for row_id, reason in reasons.items()])


def _mark(ids, token, status, error, next_attempt_at):
    t = OutboxMessage.__table__
    db.session.execute(t.update().where(t.c.id.in_(ids), t.c.leased_by == token,
                                        t.c.status == OutboxStatus.sending.value)
                       .values(status=status.value, last_error=error[:2000], next_attempt_at=next_attempt_at,
                               lease_until=None))


def held_until(message, now, calendar, settings):
    """When a waiting e-mail or robot message will go because of the sending window: the local datetime the
    window next opens at or after its next attempt, or None when it is not held (in-app, not waiting, or its
    time falls inside the window)."""
    if message.channel in HELD_NEVER or message.status not in (OutboxStatus.pending, OutboxStatus.sending):
        return None
    tz = get_clock().tz
    at = max(message.next_attempt_at, now).astimezone(tz)
    if within_sending_window(at, calendar, settings):
        return None
    return next_window_start(at, calendar, settings)


def retry(actor, message):
    """The office retries a failed (or pending) message now."""
    if message.status not in RETRYABLE:
        raise ServiceError(f"该提醒当前为“{message.status.label}”，无需重试。", status=409, code="bad_state")
    before = {"status": message.status.value}
    message.status, message.next_attempt_at, message.attempts = OutboxStatus.pending, utcnow(), 0
    db.session.flush()
    record_change(actor, "outbox.retry", message, before, {"status": "pending"})


def cancel(actor, message):
    if message.status not in CANCELLABLE:
        raise ServiceError(f"该提醒当前为“{message.status.label}”，不能取消。", status=409, code="bad_state")
    before = {"status": message.status.value}
    message.status = OutboxStatus.cancelled
    db.session.flush()
    record_change(actor, "outbox.cancel", message, before, {"status": "cancelled"})
