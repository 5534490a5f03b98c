"""Working hours hold only e-mail and group robots: an in-app notification created on a Saturday evening is
visible at once, the e-mail of the same reminder waits for Monday 08:30, and the office's queue says when it will
go (issue 16, section 5). A real SMTP server on the loopback (tests/reminders/test_channels.py's `mailbox`)."""

from datetime import datetime

import sqlalchemy as sa

from app.core.calendar import load_calendar
from app.core.clock import get_clock
from app.extensions import db
from app.reminders import jobs, outbox
from app.reminders.models import Channel, ChannelPreference, Notification, OutboxMessage, OutboxStatus
from app.reminders.rules import load_settings, next_window_start
from tests.factories import account
from tests.reminders.test_channels import mailbox, reminders_for  # noqa: F401 (a fixture)

SATURDAY_EVENING = datetime(2026, 12, 5, 20, 0)  # local time; Monday 2026-12-07 is a working day


def row(channel):
    return db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.channel == channel))


def test_a_saturday_evening_notification_is_visible_at_once_and_its_email_waits_for_monday(
        clock, mailbox, client, login_as):  # noqa: F811
    clock.set(SATURDAY_EVENING)
    gxj = account("gxj")
    db.session.add(ChannelPreference(user_id=gxj.id, channel=Channel.email, address="gxj@example.gov.cn"))
    db.session.flush()
    jobs.enqueue(reminders_for(gxj, 1), clock.now())
    assert outbox.deliver(clock.now())["sent"] == 1
    [note] = db.session.scalars(sa.select(Notification).where(Notification.user_id == gxj.id)).all()
    assert note.title == "提醒标题0" and row(Channel.in_app).status is OutboxStatus.sent
    mail = row(Channel.email)
    assert (mail.status, mail.attempts) == (OutboxStatus.pending, 0) and mailbox.messages == []

    # the notification centre shows it at once
    login_as("gxj")
    assert "提醒标题0" in client.get("/reminders/").get_data(as_text=True)

    # the office's queue says when the e-mail will go
    login_as("admin")
    page = client.get("/reminders/office").get_data(as_text=True)
    assert "非工作时间，将于 12-07 08:30 发送" in page
    assert page.count("非工作时间，将于") == 1  # the in-app row was sent, not held

    # Sunday, Monday before the window: still waiting; Monday 08:30: sent
    for local in (datetime(2026, 12, 6, 10, 0), datetime(2026, 12, 7, 8, 29)):
        clock.set(local)
        assert outbox.deliver(clock.now())["claimed"] == 0, local
    clock.set(datetime(2026, 12, 7, 8, 30))
    assert outbox.deliver(clock.now())["sent"] == 1
    assert row(Channel.email).status is OutboxStatus.sent
    [(recipients, message)] = mailbox.messages
    assert recipients == ["gxj@example.gov.cn"] and message["Subject"] == "提醒标题0"
    assert "非工作时间" not in client.get("/reminders/office").get_data(as_text=True)


def test_the_window_opens_today_before_it_starts_and_on_the_next_working_day_after_it(clock):
    cal, settings, tz = load_calendar(), load_settings(), get_clock().tz

    def at(*args):
        return datetime(*args, tzinfo=tz)

    assert next_window_start(at(2026, 12, 7, 7, 0), cal, settings) == at(2026, 12, 7, 8, 30)
    assert next_window_start(at(2026, 12, 7, 10, 0), cal, settings) == at(2026, 12, 7, 10, 0)  # inside
    assert next_window_start(at(2026, 12, 4, 18, 0), cal, settings) == at(2026, 12, 7, 8, 30)  # Friday evening
    assert next_window_start(at(2026, 9, 30, 18, 0), cal, settings) == at(2026, 10, 8, 8, 30)  # National Day
    assert next_window_start(at(2026, 10, 9, 18, 0), cal, settings) == at(2026, 10, 10, 8, 30)  # 调休 Saturday
    every_day = dict(settings, working_days_only=False)
    assert next_window_start(at(2026, 12, 5, 20, 0), cal, every_day) == at(2026, 12, 6, 8, 30)


def test_a_pending_row_whose_time_is_inside_the_window_is_not_called_held(clock):
    clock.set(datetime(2026, 12, 7, 9, 0))
    gxj = account("gxj")
    db.session.add(ChannelPreference(user_id=gxj.id, channel=Channel.email, address="gxj@example.gov.cn"))
    db.session.flush()
    jobs.enqueue(reminders_for(gxj, 1), clock.now())
    cal, settings = load_calendar(), load_settings()
    assert outbox.held_until(row(Channel.email), clock.now(), cal, settings) is None
    assert outbox.held_until(row(Channel.in_app), clock.now(), cal, settings) is None
    clock.set(datetime(2026, 12, 7, 18, 0))
    assert outbox.held_until(row(Channel.email), clock.now(), cal, settings) == datetime(
        2026, 12, 8, 8, 30, tzinfo=get_clock().tz)
    assert outbox.held_until(row(Channel.in_app), clock.now(), cal, settings) is None
