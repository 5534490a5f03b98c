"""A reminder is checked again when it is delivered: an outbox row whose occasion no longer holds (the task was
approved as 办结, the quarter was finalized, the meeting record was logged, the request was decided) is closed as
obsolete with a reason, never sent; a row that still holds is delivered. The real scan and delivery jobs, an
injected clock, the test's transaction (the worker's commits are savepoints).

And: the delivery worker holds no transaction while it talks to a channel, so a slow webhook never blocks a writer
(a scratch database of its own, committed, as the scheduler's worker sees it)."""

import sqlite3
import tempfile
import threading
import time
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.core.clock import FrozenClock
from app.extensions import db
from app.reminders import jobs, outbox
from app.reminders.channels import CHANNELS
from app.reminders.models import Channel, ChannelPreference, Notification, OutboxMessage, OutboxStatus
from app.scoring.year_rules import ensure_year_rules
from app.tasks import services as task_services
from app.tasks.models import ExtensionRequest
from tests.factories import account, unit
from tests.scratch import build_database, drop_database, scratch_app, scratch_url

D = date.fromisoformat


def assign(title, due, lead="市工信局", on=D("2026-03-02")):
    return task_services.assign_task(account("admin"), title=title, lead_unit=unit(lead), due_on=due, today=on)


def approve_completed(task, clock):
    gxj = account("gxj")
    task_services.accept_task(gxj, task)
    task_services.request_completion(gxj, task, clock.local_now().date(), "已按要求完成", clock.local_now().date())
    task_services.approve_completion(account("admin"), task)


def rows_of(rule, subject_id=None):
    query = sa.select(OutboxMessage).where(OutboxMessage.rule == rule).order_by(OutboxMessage.id)
    if subject_id is not None:
        query = query.where(OutboxMessage.subject_id == str(subject_id))
    return db.session.scalars(query).all()


def notified(rule, subject_id):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .join(OutboxMessage, OutboxMessage.id == Notification.outbox_id)
                             .where(OutboxMessage.rule == rule, OutboxMessage.subject_id == str(subject_id)))


def test_a_due_soon_reminder_for_a_task_approved_as_completed_is_closed_as_obsolete_not_sent(clock):
    clock.set(datetime(2026, 3, 12, 9, 0))  # Thursday: one working day before Friday 13 March
    done = assign("已办结的事项", D("2026-03-13"))
    still_open = assign("仍在办理的事项", D("2026-03-13"))
    jobs.scan(clock.now())
    assert {r.occasion for r in rows_of("task_due", done.id)} == {"before-1"}
    assert "还有 1 个工作日到期" in rows_of("task_due", done.id)[0].title

    approve_completed(done, clock)
    counts = outbox.deliver(clock.now())

    assert notified("task_due", done.id) == 0
    assert [(r.status, r.obsolete_reason, r.sent_at) for r in rows_of("task_due", done.id)] == [
        (OutboxStatus.obsolete, "事项已办结", None)]
    assert notified("task_due", still_open.id) == 1  # the one whose reason holds is delivered
    assert [r.status for r in rows_of("task_due", still_open.id)] == [OutboxStatus.sent]
    assert counts["obsolete"] == 1 and counts["sent"] == counts["claimed"] - 1
    assert outbox.deliver(clock.now() + timedelta(minutes=5))["claimed"] == 0  # closed for good


def test_a_reminder_for_a_deadline_that_was_extended_or_has_passed_is_obsolete(clock):
    clock.set(datetime(2026, 3, 12, 9, 0))
    extended = assign("延期的事项", D("2026-03-13"))
    jobs.scan(clock.now())
    gxj, admin = account("gxj"), account("admin")
    task_services.request_extension(gxj, extended, D("2026-03-31"), "企业申报窗口调整", clock.local_now().date())
    task_services.decide_extension(admin, extended, approve=True)
    outbox.deliver(clock.now())
    assert [(r.status, r.obsolete_reason) for r in rows_of("task_due", extended.id)] == [
        (OutboxStatus.obsolete, "完成时限已调整为 2026-03-31")]

    # "今天到期" enqueued in the evening of the due day and delivered the next morning would be false
    clock.set(datetime(2026, 3, 16, 19, 0))  # Monday evening, outside the sending window
    due_today = assign("当天到期的事项", D("2026-03-16"))
    jobs.scan(clock.now())
    clock.set(datetime(2026, 3, 17, 9, 0))
    outbox.deliver(clock.now())
    assert [(r.occasion, r.status, r.obsolete_reason) for r in rows_of("task_due", due_today.id)] == [
        ("due", OutboxStatus.obsolete, "提醒时点已过（现为：已逾期）")]
    assert notified("task_due", due_today.id) == 0


def test_a_quarter_entry_reminder_after_the_quarter_was_finalized_is_obsolete(clock):
    from tests.scoring.test_services import approve, fill_quarter

    clock.set(datetime(2026, 4, 2, 9, 0))  # the first quarter has ended; nothing is entered yet
    jobs.scan(clock.now())
    waiting = rows_of("scoring_entry")
    assert waiting and all("请录入2026年第1季度考评得分" in r.title for r in waiting)

    fill_quarter(2026, 1)
    ensure_year_rules(account("admin"), 2026)
    approve(account("admin"), 2026, 1, D("2026-04-02"))  # its 考评意见, then the 审定 dated 2026-04-02
    outbox.deliver(clock.now())

    assert {(r.status, r.obsolete_reason) for r in rows_of("scoring_entry")} == {
        (OutboxStatus.obsolete, "2026年第1季度考评已审定")}
    assert notified("scoring_entry", "2026-1") == 0


def test_a_quarter_entry_reminder_still_holds_while_the_unit_has_cells_to_enter(clock):
    clock.set(datetime(2026, 4, 2, 9, 0))
    jobs.scan(clock.now())
    waiting = rows_of("scoring_entry")
    outbox.deliver(clock.now())
    assert {r.status for r in rows_of("scoring_entry")} == {OutboxStatus.sent}
    assert notified("scoring_entry", "2026-1") == len(waiting)


def test_a_pending_request_reminder_after_the_decision_is_obsolete(clock):
    clock.set(datetime(2026, 3, 10, 9, 0))
    task = assign("等待审核延期的事项", D("2026-03-31"))
    task_services.request_extension(account("gxj"), task, D("2026-04-30"), "需要更多时间", clock.local_now().date())
    request = db.session.scalar(sa.select(ExtensionRequest).where(ExtensionRequest.task_id == task.id))
    clock.set(datetime(2026, 3, 13, 9, 0))  # three working days later: the deciders are reminded
    jobs.scan(clock.now())
    assert rows_of("extension_pending")
    task_services.decide_extension(account("admin"), task, approve=False, note="不同意")
    outbox.deliver(clock.now())
    assert {(r.status, r.obsolete_reason) for r in rows_of("extension_pending")} == {
        (OutboxStatus.obsolete, "申请已处理")}
    assert notified("extension_pending", request.id) == 0


def test_the_recheck_costs_the_same_number_of_statements_for_one_row_or_many(clock, count_queries):
    clock.set(datetime(2026, 3, 12, 9, 0))
    jobs.scan(clock.now())
    outbox.deliver(clock.now())  # whatever else is due now is out of the way: the batches below are the tasks'

    def deliver_after_completing(count):
        tasks = [assign(f"批量事项{count}-{n}", D("2026-03-13")) for n in range(count)]
        jobs.scan(clock.now())
        for task in tasks:
            approve_completed(task, clock)
        with count_queries() as counter:
            counts = outbox.deliver(clock.now())
        assert counts["obsolete"] == counts["claimed"] >= count
        return counter.count

    assert deliver_after_completing(1) == deliver_after_completing(6)


def test_the_office_queue_shows_an_obsolete_row_with_its_reason(client, login_as, clock):
    clock.set(datetime(2026, 3, 12, 9, 0))
    task = assign("办结后作废的提醒", D("2026-03-13"))
    jobs.scan(clock.now())
    approve_completed(task, clock)
    outbox.deliver(clock.now())
    login_as("admin")
    html = client.get("/reminders/office?status=obsolete").text
    assert "已作废：事项已办结" in html
    assert f"/reminders/outbox/{rows_of('task_due', task.id)[0].id}/retry" not in html  # nothing to retry


# --- no transaction is open while a channel sends ---------------------------------------------------------------

@pytest.fixture
def committed_app():
    """A committed scratch database (seeded) and its app: the worker's commits are real commits here."""
    directory = tempfile.mkdtemp(prefix="qbs-recheck-")
    url = scratch_url("recheck", directory)
    build_database(url)
    app = scratch_app(url)
    yield app, url
    with app.app_context():
        db.engine.dispose()
    drop_database(url)


def concurrent_write(url, timeout=0.5):
    """Another process's writer: one short transaction on the outbox, giving up after `timeout` seconds of waiting
    for a lock. Returns the seconds it took."""
    started = time.monotonic()
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=timeout, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("UPDATE reminder_outbox SET last_error = 'writer' WHERE channel = 'wecom'")
            connection.execute("COMMIT")
        finally:
            connection.close()
    else:
        import psycopg

        with psycopg.connect(sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
                             ) as connection:
            connection.execute(f"SET lock_timeout = '{int(timeout * 1000)}ms'")
            connection.execute("UPDATE reminder_outbox SET last_error = 'writer' WHERE channel = 'wecom'")
            connection.commit()
    return time.monotonic() - started


@pytest.mark.no_db_transaction
def test_a_slow_channel_does_not_block_a_concurrent_writer(committed_app, monkeypatch):
    app, url = committed_app
    with app.app_context():
        app.extensions["clock"] = FrozenClock(datetime(2026, 3, 12, 9, 0), tz=app.config["TIMEZONE"])
        gxj = db.session.scalar(sa.select(User).where(User.username == "gxj"))
        db.session.add(ChannelPreference(user_id=gxj.id, channel=Channel.wecom, address="key-1"))
        db.session.commit()
        now = app.extensions["clock"].now()
        jobs.enqueue([jobs.Reminder("policy_rates", "year", "2026", "due", gxj.id, "标题", "正文")], now)
        # only the robot's row is due: nothing else is delivered (and committed) before the slow send
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.channel == Channel.in_app)
                           .values(status=OutboxStatus.cancelled))
        db.session.commit()

        seen = {}

        class SlowRobot:
            """Stands in for a webhook that answers after a while; meanwhile another writer must get through."""

            def send(self, target, title, markdown):
                seen["in_transaction"] = db.session().in_transaction()
                def write():
                    try:
                        seen["writer"] = concurrent_write(url)
                    except Exception as error:  # reported below
                        seen["writer"] = error

                writer = threading.Thread(target=write)
                writer.start()
                writer.join(10)
                time.sleep(0.2)  # the rest of a slow answer

        monkeypatch.setitem(CHANNELS, "wecom", SlowRobot())
        try:
            counts = outbox.deliver(now)
        finally:
            db.session.remove()
        assert counts["sent"] == 1
        assert seen["in_transaction"] is False
        # the writer got through at once (waiting for the worker's lock, it would have failed after 0.5 s)
        assert isinstance(seen["writer"], float) and seen["writer"] < 0.5, seen["writer"]
        assert db.session.scalar(sa.select(OutboxMessage.status).where(OutboxMessage.channel == Channel.wecom)
                                 ) is OutboxStatus.sent
        db.session.remove()
