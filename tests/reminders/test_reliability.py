"""The reminders' reliability requirements, each a test, on the real database (SQLite or PostgreSQL, whichever the
suite runs on) and, where it matters, with real processes:

- several scanners and delivery workers at once (separate processes): every due reminder is delivered exactly
  once to the in-app channel, never twice;
- a delivery worker killed between claim and mark: the reminder is delivered after the lease expires;
- two days of downtime: one catch-up per reminder, none missed;
- a holiday week (National Day 2026 and its 调休 Saturday): "3 working days before" lands on the right date;
- a webhook that answers errors or times out: retried, then failed visibly; nothing else blocked;
- a hypothesis state machine (create/complete/extend tasks, advance the clock, crash and restart workers) checks
  that each reminder occasion is delivered in-app at most once, and exactly once once it is due.

Tests that need processes work on a scratch database of their own (a temp file for SQLite; for PostgreSQL a
database named after the test database with "_rel" appended, copied per test from a template built once), because
other processes cannot see the test's rolled-back transaction.
"""

import re
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from app.auth.models import User
from app.extensions import db
from app.reminders import jobs, outbox
from app.reminders.models import Channel, ChannelPreference, Notification, OutboxMessage, OutboxStatus, ReminderSetting
from app.reminders.rules import SETTINGS_CODE, load_settings, within_sending_window
from app.tasks import services
from app.tasks.models import Task, TaskState
from tests.factories import account, unit
from tests.scratch import (
    NOW,
    PROCESS_TIMEOUT,
    scratch_copy,
    template_database_fixture,
)

D = date.fromisoformat
LEAD_UNITS = {"gxj": "市工信局", "fgw": "市发改委", "kjj": "市科技局", "xtx": "湘潭县人民政府",
              "gxq": "湘潭高新区管委会"}  # the demo staff accounts and their units


template_database = template_database_fixture("rel")


@pytest.fixture
def scratch(template_database, tmp_path):
    with scratch_copy(template_database, "rel_copy", tmp_path) as box:
        yield box


# --- building tasks ---------------------------------------------------------------------------------------------

def assign(title, lead_unit_name, due_on, assigned_on=D("2026-02-10")):
    return services.assign_task(account("admin"), title=title, lead_unit=unit(lead_unit_name), due_on=due_on,
                                today=assigned_on)


def captured_reminders(now, monkeypatch):
    """The reminders a scan at `now` finds due (enqueued or not), captured where the scan would enqueue them."""
    found = []
    with monkeypatch.context() as patch:
        patch.setattr(jobs, "enqueue", lambda reminders, at: found.extend(reminders) or 0)
        jobs.scan(now)
    return found


def key_of(reminder):
    return (reminder.rule, reminder.subject_type, reminder.subject_id, reminder.occasion, reminder.user_id)


def delivered_in_app():
    """Counter of (rule, subject_type, subject_id, occasion, user_id) over the notifications written."""
    t = OutboxMessage.__table__
    rows = db.session.execute(sa.select(t.c.rule, t.c.subject_type, t.c.subject_id, t.c.occasion,
                                        Notification.user_id)
                              .join(Notification, Notification.outbox_id == t.c.id)).all()
    return Counter(tuple(row) for row in rows)


def in_app_rows():
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == Channel.in_app)).all()


# --- 1. concurrent scanners and delivery workers ------------------------------------------------------------

# A delivery worker as the scheduler would run it: `flask reminders deliver` again and again (small batches, so
# that the workers compete for rows), until the scanners are done and nothing is left to claim.
DELIVERY_WORKER = r"""
import os, sys, time, traceback
from app import create_app

done_flag, now, deadline = sys.argv[1], sys.argv[2], time.monotonic() + float(sys.argv[3])
runner = create_app().test_cli_runner()
while time.monotonic() < deadline:
    result = runner.invoke(args=["reminders", "deliver", "--now", now, "--limit", "5"])
    if result.exit_code:
        print(result.output)
        if result.exception is not None:
            traceback.print_exception(result.exception)
        sys.exit(2)
    print(result.output.strip(), flush=True)
    if "领取 0 条" in result.output:
        if os.path.exists(done_flag):
            sys.exit(0)
        time.sleep(0.25)  # idle: leave the processors to the scanners
print("deadline reached")
sys.exit(3)
"""


@pytest.mark.no_db_transaction
def test_concurrent_scanners_and_delivery_workers_deliver_every_due_reminder_exactly_once_in_app(scratch,
                                                                                                   monkeypatch):
    with scratch.context("2026-02-10T09:00"):
        for username, unit_name in LEAD_UNITS.items():
            for due in ("2026-02-27", "2026-03-05", "2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12",
                        "2026-03-13", "2026-03-20"):
                assign(f"{username} 事项 {due}", unit_name, D(due))
        db.session.commit()
    done = scratch.directory / "scanners-done"
    with scratch.processes() as procs:
        workers = [procs.python(f"deliver{i}", DELIVERY_WORKER, str(done), NOW, str(PROCESS_TIMEOUT - 20))
                   for i in range(3)]
        scanners = [procs.flask(f"scan{i}", "reminders", "scan", "--now", NOW) for i in range(3)]
        for scanner in scanners:
            assert procs.wait(scanner) == 0, procs.output(scanner)
        done.touch()
        for worker in workers:
            assert procs.wait(worker) == 0, procs.output(worker)
        outputs = [procs.output(p) for p in scanners + workers]
    created = sum(int(n) for text in outputs for n in re.findall(r"新加入发送队列 (\d+) 条", text))
    sent = sum(int(n) for text in outputs for n in re.findall(r"成功 (\d+) 条", text))
    with scratch.context():
        due = captured_reminders(scratch.app.extensions["clock"].now(), monkeypatch)
        rows = in_app_rows()
        delivered = delivered_in_app()
        notifications = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
    expected = Counter(key_of(r) for r in due)
    assert len(expected) > 50 and max(expected.values()) == 1
    assert delivered == expected  # every due reminder exactly once, nothing else
    assert notifications == len(rows) == created == sent  # the scanners created each row once, sent once
    assert {r.status for r in rows} == {OutboxStatus.sent}
    assert all(r.lease_until is None for r in rows)  # no row is left claimed


# --- 2. a worker killed between claim and mark ----------------------------------------------------------------

CRASHING_WORKER = r"""
import os, sys
from datetime import datetime
from app import create_app
from app.core.clock import FrozenClock
from app.reminders import outbox
from app.reminders.rules import load_settings

app = create_app()
with app.app_context():
    clock = app.extensions["clock"] = FrozenClock(datetime.fromisoformat(sys.argv[1]), tz=app.config["TIMEZONE"])
    print(outbox.claim(clock.now(), load_settings()["lease_seconds"]), flush=True)
    os._exit(1)  # dies holding the claim: nothing marked, nothing cleaned up
"""


@pytest.mark.no_db_transaction
def test_a_worker_killed_between_claim_and_mark_is_delivered_after_the_lease_expires(scratch):
    with scratch.context():
        task = assign("租约测试", "市工信局", D("2026-03-10"))
        db.session.commit()
        now = scratch.app.extensions["clock"].now()
        jobs.scan(now)
        db.session.commit()
        lease = load_settings()["lease_seconds"]
        ids = {r.id for r in in_app_rows()}  # the task's reminder and whatever else is due (e.g. scoring)
        assert any(r.subject_id == str(task.id) for r in in_app_rows())
    with scratch.processes() as procs:
        crashed = procs.python("crash", CRASHING_WORKER, NOW)
        assert procs.wait(crashed) == 1
        token = procs.output(crashed).strip().splitlines()[-1]
        assert token.endswith(tuple("0123456789abcdef")) and f":{crashed.pid}:" in token
        with scratch.context():
            rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.in_(ids))).all()
            assert {(r.status, r.leased_by, r.lease_until) for r in rows} == {
                (OutboxStatus.sending, token, now + timedelta(seconds=lease))}
            # before the lease expires, no other worker touches the rows
            assert outbox.deliver(now + timedelta(seconds=lease - 1)) == {"claimed": 0, "sent": 0, "retried": 0,
                                                                          "failed": 0, "obsolete": 0}
            db.session.commit()
            assert not delivered_in_app()
        after = (datetime.fromisoformat(NOW) + timedelta(seconds=lease + 1)).isoformat()
        code, output = procs.run("deliver", "reminders", "deliver", "--now", after)
        assert code == 0, output
        assert f"成功 {len(ids)} 条" in output
    with scratch.context():
        rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.in_(ids))).all()
        assert {(r.status, r.attempts, r.lease_until) for r in rows} == {(OutboxStatus.sent, 2, None)}
        assert set(delivered_in_app().values()) == {1}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == len(ids)


# --- 3. two days of downtime ----------------------------------------------------------------------------------

def task_rows(task, channel=Channel.in_app):
    """(rule, occasion, username) of the task's outbox rows, sorted."""
    rows = db.session.execute(sa.select(OutboxMessage.rule, OutboxMessage.occasion, User.username)
                              .join(User, User.id == OutboxMessage.user_id)
                              .where(OutboxMessage.subject_type == "task", OutboxMessage.subject_id == str(task.id),
                                     OutboxMessage.channel == channel)).all()
    return sorted(tuple(row) for row in rows)


def scan_and_deliver(clock, at):
    clock.set(at)
    created = jobs.scan(clock.now())["created"]
    outbox.deliver(clock.now())
    return created


def test_after_two_days_of_downtime_each_reminder_is_caught_up_once_and_none_is_missed(clock):
    clock.set(datetime(2026, 3, 2, 9, 0))
    overdue = assign("停机期间逾期的事项", "市工信局", D("2026-03-06"), assigned_on=D("2026-03-02"))  # a Friday
    scan_and_deliver(clock, datetime(2026, 3, 10, 9, 0))  # day D, a Tuesday
    clock.set(datetime(2026, 3, 10, 16, 0))
    # assigned after the day's scan, due in 3 working days: its "3 working days before" is today, but the
    # scanner is down from now until D+2
    late = assign("停机期间到期前提醒的事项", "市工信局", D("2026-03-13"), assigned_on=D("2026-03-10"))
    scan_and_deliver(clock, datetime(2026, 3, 12, 9, 0))  # D+2: no scan ran on D+1
    assert scan_and_deliver(clock, datetime(2026, 3, 12, 14, 0)) == 0  # the next scan of the day adds nothing

    assert task_rows(overdue) == [
        ("task_escalation", "2026-03-12", "admin"),  # 4 working days overdue on D+2 (2 on D: no escalation)
        ("task_escalation", "2026-03-12", "fushizhang2"),  # the vice mayor in charge of 市工信局
        ("task_overdue", "2026-03-10", "gxj"),
        ("task_overdue", "2026-03-12", "gxj"),  # one for the day of the catch-up, none for D+1
    ]
    assert task_rows(late) == [("task_due", "before-1", "gxj")]  # the stage reached, not the missed one
    delivered = delivered_in_app()
    assert all(delivered[(rule, "task", str(task.id), occasion, account(username).id)] == 1
               for task in (overdue, late) for rule, occasion, username in task_rows(task))
    assert set(delivered.values()) == {1}


# --- 4. a holiday week ------------------------------------------------------------------------------------------

def test_in_the_national_day_week_three_working_days_before_lands_on_the_right_date(clock):
    from app.core.calendar import load_calendar

    calendar = load_calendar()
    # the library's 2026 arrangement: 1-7 October off, Saturday 10 October worked (调休)
    assert [calendar.is_workday(D("2026-09-28") + timedelta(days=n)) for n in range(14)] == [
        True, True, True, False, False, False, False, False, False, False, True, True, True, False]
    assert calendar.workdays_before(D("2026-10-09"), 3) == D("2026-09-29")
    clock.set(datetime(2026, 9, 21, 9, 0))
    after = assign("国庆节后到期的事项", "市工信局", D("2026-10-09"), assigned_on=D("2026-09-21"))
    before = assign("国庆节前到期的事项", "市工信局", D("2026-09-30"), assigned_on=D("2026-09-21"))

    seen = {after.id: set(), before.id: set()}

    def new_rows(day):
        """The rows the day's scan added for the two tasks: {task: {(rule, occasion)}} (gxj's only)."""
        clock.set(datetime.combine(day, datetime.min.time()).replace(hour=9))
        jobs.scan(clock.now())
        added = {}
        for task in (after, before):
            rows = {(rule, occasion) for rule, occasion, username in task_rows(task) if username == "gxj"}
            added[task.id], seen[task.id] = rows - seen[task.id], rows
        return added[after.id], added[before.id]

    assert new_rows(D("2026-09-28")) == (set(), {("task_due", "before-3")})  # not 3 working days before 10-09
    assert new_rows(D("2026-09-29")) == ({("task_due", "before-3")},  # 09-29, 09-30, 10-08 | 10-09
                                         {("task_due", "before-1")})
    assert new_rows(D("2026-09-30")) == (set(), {("task_due", "due")})
    for holiday in range(1, 8):  # nothing on the holidays: no working day has passed since 09-30
        assert new_rows(date(2026, 10, holiday)) == (set(), set()), holiday
    assert new_rows(D("2026-10-08")) == ({("task_due", "before-1")}, {("task_overdue", "2026-10-08")})
    assert new_rows(D("2026-10-09")) == ({("task_due", "due")}, {("task_overdue", "2026-10-09")})
    assert new_rows(D("2026-10-10")) == ({("task_overdue", "2026-10-10")}, {("task_overdue", "2026-10-10")})
    assert new_rows(D("2026-10-11")) == (set(), set())  # Sunday: the 调休 Saturday's reminder stands
    # the one that is 3 working days overdue on the 调休 Saturday is escalated then, once
    assert [r for r in task_rows(before) if r[0] == "task_escalation"] == [
        ("task_escalation", "2026-10-10", "admin"), ("task_escalation", "2026-10-10", "fushizhang2")]


# --- 5. webhooks that fail -------------------------------------------------------------------------------------

def test_a_failing_or_slow_webhook_is_retried_then_failed_visibly_and_blocks_nothing(app, clock, monkeypatch):
    from tests.reminders.test_channels import Webhook

    robots = {"gxj": "BUSY", "fgw": "HTTP500", "kjj": "SLOW", "xtx": "BADKEY", "gxq": "FINE"}
    db.session.add(ReminderSetting(code=SETTINGS_CODE, value={"max_attempts": 3}))
    for username, key in robots.items():
        db.session.add(ChannelPreference(user_id=account(username).id, channel=Channel.wecom, address=key))
    db.session.flush()
    now = clock.now()
    jobs.enqueue([jobs.Reminder("task_due", "task", "900", "due", account(username).id, f"{username} 的提醒",
                                "正文") for username in robots], now)
    with Webhook() as server:
        monkeypatch.setitem(app.config, "WECOM_BASE_URL", server.url)
        monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT_SECONDS", 0.5)
        server.replies.update({"BUSY": ("json", {"errcode": 45009, "errmsg": "api freq out of limit"}),
                               "HTTP500": ("status", 500), "SLOW": ("sleep", 5),
                               "BADKEY": ("json", {"errcode": 93000, "errmsg": "invalid webhook url"})})

        def wecom(username):
            return db.session.scalar(sa.select(OutboxMessage).where(
                OutboxMessage.channel == Channel.wecom, OutboxMessage.user_id == account(username).id))

        started = datetime.now()
        counts = outbox.deliver(now)
        assert (datetime.now() - started).total_seconds() < 4.5  # the slow robot was given up after 0.5 s
        # in the same run: every in-app reminder and the healthy robot are sent, the bad key fails at once
        assert counts == {"claimed": 10, "sent": 6, "retried": 3, "failed": 1, "obsolete": 0}
        assert len(delivered_in_app()) == 5
        assert wecom("gxq").status is OutboxStatus.sent
        assert (wecom("xtx").status, wecom("xtx").last_error) == (OutboxStatus.failed,
                                                                 "企业微信返回错误 93000：invalid webhook url")
        errors = {"gxj": "企业微信返回错误 45009", "fgw": "服务器返回 HTTP 500", "kjj": "网络错误"}
        backoff = outbox.BACKOFF_MINUTES
        at = now
        for attempt in (1, 2):
            for username, error in errors.items():
                row = wecom(username)
                assert (row.status, row.attempts, row.lease_until) == (OutboxStatus.pending, attempt, None)
                assert row.next_attempt_at == at + timedelta(minutes=backoff[attempt - 1]) > at
                assert row.last_error.startswith(error)
            # not before its time...
            assert outbox.deliver(at + timedelta(minutes=backoff[attempt - 1], seconds=-1))["claimed"] == 0
            at += timedelta(minutes=backoff[attempt - 1])
            # ...then again
            counts = outbox.deliver(at)
            assert counts["claimed"] == 3
        # the third attempt was the last
        assert counts == {"claimed": 3, "sent": 0, "retried": 0, "failed": 3, "obsolete": 0}
        for username, error in errors.items():
            row = wecom(username)
            assert (row.status, row.attempts) == (OutboxStatus.failed, 3)
            assert row.last_error.startswith(error) and re.search("[\u4e00-\u9fff]", row.last_error)
        assert outbox.deliver(at + timedelta(days=1))["claimed"] == 0  # failed rows stay failed, for the office
        assert Counter(r["name"] for r in server.requests) == {"BUSY": 3, "HTTP500": 3, "SLOW": 3, "BADKEY": 1,
                                                               "FINE": 1}


# --- 6. a state machine ---------------------------------------------------------------------------------------

def expected_task_occasion(due, original_due, today, calendar, settings):
    """The oracle: which occasion of its deadline reminders an open task has reached on `today`, written out
    from the rules page's wording ("3 and 1 working days before, on the due day, then every working day")."""
    if due > today:
        reached = [n for n in settings["task_days_before"] if calendar.workdays_before(due, n) <= today]
        if not reached:
            return None
        stage = f"before-{min(reached)}"
        return ("task_due", stage if due == original_due else f"{stage}@{due.isoformat()}")
    if due == today:
        return ("task_due", "due" if due == original_due else f"due@{due.isoformat()}")
    if calendar.workdays_between(due, today) == 0:
        return None  # past the due date on a holiday, no working day since
    last_workday = today if calendar.is_workday(today) else calendar.previous_workday(today)
    return ("task_overdue", last_workday.isoformat())


class ReminderMachine(RuleBasedStateMachine):
    """Tasks are assigned, completed and extended, time moves on, scans and delivery workers run, and workers
    crash after claiming (their rows are delivered by another worker once the lease expires). Each example runs in
    a savepoint of the test's transaction, rolled back at its end."""

    def __init__(self, clock):
        super().__init__()
        db.session.remove()
        self.savepoint = db.session.get_bind().begin_nested()
        self.clock = clock
        self.local = datetime(2026, 3, 9, 9, 0)  # a Monday morning
        clock.set(self.local)
        from app.core.calendar import load_calendar

        self.calendar = load_calendar()
        self.settings = load_settings()
        self.gxj_id = account("gxj").id
        self.tasks = {}  # id -> {"due", "original_due", "closed_at"}
        self.scanned_occasions = set()  # (task id, rule, occasion) a scan found due for an open task

    def teardown(self):
        db.session.remove()
        self.savepoint.rollback()

    @property
    def today(self):
        return self.local.date()

    def open_tasks(self):
        return sorted(task_id for task_id, t in self.tasks.items() if t["closed_at"] is None)

    # -- the world

    @initialize(workdays=st.lists(st.integers(0, 5), min_size=1, max_size=3))
    def assign_first_tasks(self, workdays):
        for n in workdays:
            self.assign_task(n)

    @precondition(lambda self: len(self.tasks) < 5)
    @rule(workdays=st.integers(0, 5))
    def assign_task(self, workdays):
        due = self.calendar.add_workdays(self.today, workdays)
        task = assign(f"状态机事项 {len(self.tasks) + 1}", "市工信局", due, assigned_on=self.today)
        self.tasks[task.id] = {"due": due, "original_due": due, "closed_at": None}

    @precondition(lambda self: self.open_tasks())
    @rule(pick=st.integers(0, 3))
    def complete_task(self, pick):
        task_id = self.open_tasks()[pick % len(self.open_tasks())]
        task, gxj = db.session.get(Task, task_id), account("gxj")
        if task.state is TaskState.assigned:
            services.accept_task(gxj, task)
        services.request_completion(gxj, task, self.today, "已完成", self.today)
        services.approve_completion(account("admin"), task)
        self.tasks[task_id]["closed_at"] = self.clock.now()

    @precondition(lambda self: self.open_tasks())
    @rule(pick=st.integers(0, 3), days=st.integers(1, 4))
    def extend_task(self, pick, days):
        task_id = self.open_tasks()[pick % len(self.open_tasks())]
        task = db.session.get(Task, task_id)
        new_due = max(task.due_on, self.today) + timedelta(days=days)
        services.request_extension(account("gxj"), task, new_due, "企业申报窗口调整", self.today)
        services.decide_extension(account("admin"), task, approve=True)
        self.tasks[task_id]["due"] = new_due

    @rule(minutes=st.sampled_from([1, 3, 30, 240, 24 * 60, 3 * 24 * 60]))
    def advance_clock(self, minutes):
        self.local += timedelta(minutes=minutes)
        self.clock.set(self.local)

    # -- the workers

    @rule()
    def scan(self):
        """A scan; the oracle notes which occasion each open task has reached."""
        jobs.scan(self.clock.now())
        settings, today = self.settings, self.today
        for task_id in self.open_tasks():
            t = self.tasks[task_id]
            occasion = expected_task_occasion(t["due"], t["original_due"], today, self.calendar, settings)
            if occasion is not None:
                self.scanned_occasions.add((task_id, *occasion))

    @rule()
    def deliver(self):
        outbox.deliver(self.clock.now())

    @rule()
    def crash_after_claim(self):
        """A worker claims what is due and dies before marking anything."""
        outbox.claim(self.clock.now(), self.settings["lease_seconds"])

    @rule()
    def settle(self):
        """Let every lease expire, move into the sending window, and run the scheduler's pair of jobs (a scan,
        then a worker): everything due is delivered, exactly once."""
        self.local += timedelta(seconds=self.settings["lease_seconds"] + 1)
        if not within_sending_window(self.local, self.calendar, self.settings):
            day = self.today if self.local.hour < 8 and self.calendar.is_workday(self.today) \
                else self.calendar.next_workday(self.today)
            self.local = datetime.combine(day, datetime.min.time()).replace(hour=9)
        self.clock.set(self.local)
        self.scan()
        outbox.deliver(self.clock.now())
        rows = in_app_rows()
        assert all(r.status in (OutboxStatus.sent, OutboxStatus.obsolete) for r in rows
                   if r.next_attempt_at <= self.clock.now())
        delivered = delivered_in_app()
        obsolete = set(db.session.execute(
            sa.select(OutboxMessage.rule, OutboxMessage.subject_id, OutboxMessage.occasion)
            .where(OutboxMessage.status == OutboxStatus.obsolete, OutboxMessage.user_id == self.gxj_id)).all())
        for task_id, rule_name, occasion in self.scanned_occasions:
            # exactly once, once due; unless it no longer held when it was to be sent (closed as obsolete, unsent)
            count = delivered[(rule_name, "task", str(task_id), occasion, self.gxj_id)]
            assert count == 1 or (count == 0 and (rule_name, str(task_id), occasion) in obsolete), (rule_name, occasion)

    # -- what must always hold

    @invariant()
    def delivered_in_app_at_most_once(self):
        delivered = delivered_in_app()
        assert not [key for key, count in delivered.items() if count > 1]
        sent = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == Channel.in_app, OutboxMessage.status == OutboxStatus.sent))
        assert sum(delivered.values()) == sent  # a notification for each sent row, and only for those

    @invariant()
    def every_occasion_a_scan_found_is_in_the_outbox(self):
        keys = set(db.session.execute(sa.select(OutboxMessage.subject_id, OutboxMessage.rule,
                                                OutboxMessage.occasion)
                                      .where(OutboxMessage.subject_type == "task",
                                             OutboxMessage.user_id == self.gxj_id)).all())
        assert {(str(task_id), rule_name, occasion) for task_id, rule_name, occasion in self.scanned_occasions} <= keys

    @invariant()
    def nothing_is_enqueued_for_a_closed_task(self):
        for task_id, t in self.tasks.items():
            if t["closed_at"] is not None:
                assert not db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.subject_type == "task", OutboxMessage.subject_id == str(task_id),
                    OutboxMessage.created_at > t["closed_at"]))


def test_state_machine_each_reminder_occasion_is_delivered_in_app_at_most_once_and_exactly_once_when_due(clock):
    run_state_machine_as_test(lambda: ReminderMachine(clock), settings=settings(
        max_examples=25, stateful_step_count=15, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
