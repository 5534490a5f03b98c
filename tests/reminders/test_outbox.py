"""The outbox worker (`app.reminders.outbox`): claims with a lease, in-app delivery exactly once, backoff, the
lease taken over by another worker, errors that must not block other recipients, and the office's retry/cancel.
In the test's transaction (the worker's commits are savepoints), with a frozen clock."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.errors import ServiceError
from app.extensions import db
from app.reminders import jobs, outbox
from app.reminders.channels import CHANNELS
from app.reminders.models import Channel, ChannelPreference, Notification, OutboxMessage, OutboxStatus
from app.reminders.rules import load_settings
from tests.factories import account

LEASE = 120


def enqueue(clock, count=3, username="gxj", rule="task_due"):
    user = account(username)
    reminders = [jobs.Reminder(rule, "task", str(700 + n), "due", user.id, f"标题{n}", f"正文{n}", f"/tasks/{700 + n}")
                 for n in range(count)]
    jobs.enqueue(reminders, clock.now())
    return user


def rows(**where):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return db.session.scalars(query).all()


def notifications():
    return db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()


def test_the_default_lease_and_attempts_are_settings():
    assert load_settings()["lease_seconds"] == LEASE and load_settings()["max_attempts"] == 6


def test_a_claim_takes_due_rows_with_a_lease_and_a_second_claim_gets_none_of_them(clock):
    enqueue(clock, 3)
    now = clock.now()
    token = outbox.claim(now, LEASE, limit=2)
    claimed = rows(leased_by=token)
    assert [(r.status, r.attempts, r.lease_until) for r in claimed] == [
        (OutboxStatus.sending, 1, now + timedelta(seconds=LEASE))] * 2
    other = outbox.claim(now, LEASE)
    assert len(rows(leased_by=other)) == 1  # only the row left over
    assert not rows(leased_by=outbox.claim(now + timedelta(seconds=LEASE - 1), LEASE))  # leases still running


def test_a_row_whose_time_has_not_come_is_not_claimed(clock):
    enqueue(clock, 1)
    row = rows()[0]
    row.next_attempt_at = clock.now() + timedelta(minutes=5)
    db.session.flush()
    assert not rows(leased_by=outbox.claim(clock.now(), LEASE))
    assert rows(leased_by=outbox.claim(clock.now() + timedelta(minutes=5), LEASE)) == [row]


def test_in_app_delivery_writes_one_notification_per_row_and_marks_it_sent(clock):
    user = enqueue(clock, 2)
    assert outbox.deliver(clock.now()) == {"claimed": 2, "sent": 2, "retried": 0, "failed": 0, "obsolete": 0}
    assert [(n.user_id, n.title, n.link, n.read_at) for n in notifications()] == [
        (user.id, "标题0", "/tasks/700", None), (user.id, "标题1", "/tasks/701", None)]
    assert {(r.status, r.sent_at, r.lease_until) for r in rows()} == {(OutboxStatus.sent, clock.now(), None)}
    assert outbox.deliver(clock.now() + timedelta(hours=1))["claimed"] == 0
    assert len(notifications()) == 2


def test_a_worker_whose_lease_expired_cannot_deliver_what_another_worker_took_over(clock):
    enqueue(clock, 2)
    now = clock.now()
    slow = outbox.claim(now, LEASE)  # this worker stalls past its lease...
    stalled = db.session.execute(sa.select(OutboxMessage.id, OutboxMessage.user_id, OutboxMessage.title,
                                           OutboxMessage.body, OutboxMessage.link)
                                 .where(OutboxMessage.leased_by == slow)).all()
    later = now + timedelta(seconds=LEASE + 1)
    assert outbox.deliver(later)["sent"] == 2  # ...another takes the rows over and delivers them
    with pytest.raises(outbox.TemporaryFailure, match="租约已过期"):
        outbox._deliver_in_app(stalled, slow, later)  # the first one wakes up: nothing is written twice
    db.session.rollback()
    assert len(notifications()) == 2
    assert {(r.status, r.attempts) for r in rows()} == {(OutboxStatus.sent, 2)}


def test_an_unexpected_error_in_one_channel_does_not_block_the_others(clock, monkeypatch):
    gxj = account("gxj")
    db.session.add(ChannelPreference(user_id=gxj.id, channel=Channel.wecom, address="KEY"))
    db.session.flush()
    enqueue(clock, 1)
    enqueue(clock, 1, username="fgw")

    def bug(target, title, markdown):
        raise ValueError("意外的错误")

    monkeypatch.setattr(CHANNELS["wecom"], "send", bug)
    assert outbox.deliver(clock.now()) == {"claimed": 3, "sent": 2, "retried": 1, "failed": 0, "obsolete": 0}
    [robot] = rows(channel=Channel.wecom)
    assert (robot.status, robot.last_error, robot.next_attempt_at) == (
        OutboxStatus.pending, "内部错误：意外的错误", clock.now() + timedelta(minutes=5))
    assert len(notifications()) == 2


def test_temporary_failures_back_off_then_fail(clock, monkeypatch):
    gxj = account("gxj")
    db.session.add(ChannelPreference(user_id=gxj.id, channel=Channel.email, address="gxj@example.gov.cn"))
    db.session.flush()
    enqueue(clock, 1)

    def busy(target, title, markdown):
        raise outbox.TemporaryFailure("邮件发送失败：服务器忙")

    monkeypatch.setattr(CHANNELS["email"], "send", busy)
    at = clock.now()
    waits = []
    for attempt in range(1, 7):
        counts = outbox.deliver(at)
        [mail] = rows(channel=Channel.email)
        assert mail.attempts == attempt
        if attempt < 6:
            assert counts["retried"] == 1 and mail.status is OutboxStatus.pending
            waits.append(round((mail.next_attempt_at - at).total_seconds() / 60))
            at = mail.next_attempt_at
    assert waits == list(outbox.BACKOFF_MINUTES[:5])
    assert (mail.status, mail.last_error) == (OutboxStatus.failed, "邮件发送失败：服务器忙")


def test_the_office_retries_a_failed_message_and_cancels_a_pending_one(clock):
    enqueue(clock, 2)
    first, second = rows()
    first.status, first.attempts = OutboxStatus.failed, 6
    db.session.flush()
    admin = account("admin")
    outbox.retry(admin, first)
    assert (first.status, first.attempts, first.next_attempt_at) == (OutboxStatus.pending, 0, clock.now())
    outbox.cancel(admin, second)
    assert second.status is OutboxStatus.cancelled
    assert outbox.deliver(clock.now())["sent"] == 1  # the cancelled one is never sent
    with pytest.raises(ServiceError, match="无需重试"):
        outbox.retry(admin, first)  # sent now
    with pytest.raises(ServiceError, match="不能取消"):
        outbox.cancel(admin, first)
