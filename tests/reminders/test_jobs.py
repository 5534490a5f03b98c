"""The scan (`app.reminders.jobs`): what is due when, for whom, on which channels; idempotent enqueueing; a
constant number of statements. In the test's transaction, with a frozen clock."""

from datetime import date, datetime

import sqlalchemy as sa

from app.auth.models import Role, User
from app.extensions import db
from app.reminders import jobs
from app.reminders.models import Channel, ChannelPreference, OutboxMessage, ReminderSetting
from app.reminders.rules import SETTINGS_CODE
from app.tasks import services
from app.tasks.models import ExtensionRequest
from tests.factories import account, unit

D = date.fromisoformat


def assign(due, lead="市工信局", assigned_on=D("2026-03-02"), title="提醒测试事项"):
    return services.assign_task(account("admin"), title=title, lead_unit=unit(lead), due_on=D(due),
                                today=assigned_on)


def reminders_at(clock, local, task=None):
    """(rule, occasion, username) of the reminders due at `local` (for `task` only, when given)."""
    clock.set(local)
    names = dict(db.session.execute(sa.select(User.id, User.username)).all())
    return sorted((r.rule, r.occasion, names[r.user_id]) for r in jobs.due_reminders(clock.now())
                  if task is None or (r.subject_type == "task" and r.subject_id == str(task.id)))


def set_rules(**values):
    db.session.add(ReminderSetting(code=SETTINGS_CODE, value=values))
    db.session.flush()


def outbox_keys(task):
    """(rule, occasion, recipient_key, channel value) of the task's outbox rows, sorted."""
    rows = db.session.execute(sa.select(OutboxMessage.rule, OutboxMessage.occasion, OutboxMessage.recipient_key,
                                        OutboxMessage.channel)
                              .where(OutboxMessage.subject_id == str(task.id), OutboxMessage.subject_type == "task"))
    return sorted((rule, occasion, key, channel.value) for rule, occasion, key, channel in rows)


def test_deadline_reminders_three_and_one_working_days_before_and_on_the_due_day(clock):
    task = assign("2026-03-13")  # a Friday
    assert reminders_at(clock, datetime(2026, 3, 9, 9), task) == []  # 4 working days before
    assert reminders_at(clock, datetime(2026, 3, 10, 9), task) == [("task_due", "before-3", "gxj")]
    assert reminders_at(clock, datetime(2026, 3, 11, 9), task) == [("task_due", "before-3", "gxj")]  # same occasion
    assert reminders_at(clock, datetime(2026, 3, 12, 9), task) == [("task_due", "before-1", "gxj")]
    assert reminders_at(clock, datetime(2026, 3, 13, 9), task) == [("task_due", "due", "gxj")]


def test_overdue_reminders_every_working_day_and_escalation_after_three(clock):
    task = assign("2026-03-06")  # a Friday
    assert reminders_at(clock, datetime(2026, 3, 7, 9), task) == []  # Saturday: no working day overdue yet
    assert reminders_at(clock, datetime(2026, 3, 9, 9), task) == [("task_overdue", "2026-03-09", "gxj")]
    assert reminders_at(clock, datetime(2026, 3, 11, 9), task) == [
        ("task_escalation", "2026-03-11", "admin"),  # the office, also the assigner
        ("task_escalation", "2026-03-11", "fushizhang2"),  # 丁诚, the vice mayor in charge of 市工信局
        ("task_overdue", "2026-03-11", "gxj")]
    # the weekend after: the occasion stays Friday's, so a weekend scan adds nothing
    friday = reminders_at(clock, datetime(2026, 3, 13, 9), task)
    assert reminders_at(clock, datetime(2026, 3, 14, 9), task) == friday
    assert {occasion for _, occasion, _ in friday} == {"2026-03-13"}


def test_the_rules_page_settings_change_the_stages(clock):
    set_rules(task_days_before=[5, 2], task_due_day=False, task_overdue_daily=False)
    task = assign("2026-03-13")
    assert reminders_at(clock, datetime(2026, 3, 6, 9), task) == [("task_due", "before-5", "gxj")]
    assert reminders_at(clock, datetime(2026, 3, 11, 9), task) == [("task_due", "before-2", "gxj")]
    assert reminders_at(clock, datetime(2026, 3, 13, 9), task) == []  # no due-day reminder
    assert reminders_at(clock, datetime(2026, 3, 16, 9), task) == []  # nor overdue ones


def test_an_approved_extension_starts_the_new_deadlines_reminders_afresh(clock):
    task = assign("2026-03-11")
    clock.set(datetime(2026, 3, 10, 9))
    jobs.scan(clock.now())  # "before-1" of the first deadline
    services.request_extension(account("gxj"), task, D("2026-03-20"), "企业申报窗口调整", D("2026-03-10"))
    services.decide_extension(account("admin"), task, approve=True)
    assert reminders_at(clock, datetime(2026, 3, 19, 9), task) == [("task_due", "before-1@2026-03-20", "gxj")]
    assert reminders_at(clock, datetime(2026, 3, 20, 9), task) == [("task_due", "due@2026-03-20", "gxj")]
    jobs.scan(clock.now())
    assert [row[:2] for row in outbox_keys(task)] == [("task_due", "before-1"), ("task_due", "due@2026-03-20")]


def test_closed_tasks_and_other_units_staff_get_nothing(clock):
    task = assign("2026-03-10")
    gxj = account("gxj")
    services.accept_task(gxj, task)
    services.request_completion(gxj, task, D("2026-03-09"), "已完成", D("2026-03-09"))
    services.approve_completion(account("admin"), task)
    assert reminders_at(clock, datetime(2026, 3, 10, 9), task) == []
    other = assign("2026-03-10", lead="市发改委")
    assert reminders_at(clock, datetime(2026, 3, 10, 9), other) == [("task_due", "due", "fgw")]


def test_inactive_accounts_get_no_reminders(clock):
    task = assign("2026-03-10")
    account("gxj").is_active_account = False
    db.session.flush()
    assert reminders_at(clock, datetime(2026, 3, 10, 9), task) == []


def test_a_scan_enqueues_once_and_a_second_scan_adds_nothing(clock):
    task = assign("2026-03-10")
    clock.set(datetime(2026, 3, 10, 9))
    first = jobs.scan(clock.now())
    assert first["created"] == first["due"] > 0
    assert jobs.scan(clock.now()) == {"due": first["due"], "created": 0}
    assert outbox_keys(task) == [("task_due", "due", f"user:{account('gxj').id}", "in_app")]


def test_each_reminder_goes_in_app_and_to_the_recipients_and_the_units_own_channels(clock):
    gxj = account("gxj")
    extra = User(username="gxj2", display_name="市工信局联络员2", password_hash="!", role=Role.staff,
                 unit_id=gxj.unit_id)
    db.session.add(extra)
    db.session.add_all([
        ChannelPreference(user_id=gxj.id, channel=Channel.email, address="gxj@example.gov.cn"),
        ChannelPreference(user_id=gxj.id, channel=Channel.dingtalk, address="T", secret="S", is_enabled=False),
        ChannelPreference(unit_id=gxj.unit_id, channel=Channel.wecom, address="KEY"),
    ])
    db.session.flush()
    task = assign("2026-03-10")
    clock.set(datetime(2026, 3, 10, 9))
    jobs.scan(clock.now())
    assert outbox_keys(task) == sorted([
        ("task_due", "due", f"unit:{gxj.unit_id}:wecom", "wecom"),  # the unit's robot: once, not per person
        ("task_due", "due", f"user:{gxj.id}", "email"),
        ("task_due", "due", f"user:{gxj.id}", "in_app"),
        ("task_due", "due", f"user:{extra.id}", "in_app"),
    ])  # the disabled DingTalk robot is not used


def test_follow_up_reminders_before_the_next_xun_for_units_without_a_follow_up(clock):
    task = assign("2026-04-30", assigned_on=D("2026-03-02"))
    other = assign("2026-04-30", lead="市发改委", assigned_on=D("2026-03-02"))
    services.accept_task(account("fgw"), other)
    services.record_follow_up(account("fgw"), other, "已开工", 10, D("2026-03-12"))
    stale = [r for r in reminders_at(clock, datetime(2026, 3, 20, 9)) if r[0] == "follow_up_stale"]
    assert stale == [("follow_up_stale", "2026-03-3", "gxj")]  # 市发改委 reported in this 旬
    assert reminders_at(clock, datetime(2026, 3, 18, 9), task) == []
    assert not [r for r in reminders_at(clock, datetime(2026, 3, 18, 9)) if r[0] == "follow_up_stale"]


def test_requests_waiting_two_working_days_are_counted_from_local_midnight(clock):
    task = assign("2026-04-30")
    clock.set(datetime(2026, 3, 11, 7, 0))  # 07:00 local is still 10 March in UTC
    services.request_extension(account("gxj"), task, D("2026-05-29"), "理由", D("2026-03-11"))
    db.session.flush()
    request = db.session.scalar(sa.select(ExtensionRequest).where(ExtensionRequest.task_id == task.id))
    # on Thursday 12 March it has waited one working day (11 March): not yet
    assert not [r for r in reminders_at(clock, datetime(2026, 3, 12, 9)) if r[0] == "extension_pending"]
    # on Friday, two: the office (which is also the assigner) is reminded, once
    assert [r for r in reminders_at(clock, datetime(2026, 3, 13, 9)) if r[0] == "extension_pending"] == [
        ("extension_pending", "2026-03-13", "admin")]
    assert request.status.value == "pending"


def test_the_scan_issues_the_same_number_of_statements_for_5_or_25_tasks(clock, count_queries):
    clock.set(datetime(2026, 3, 10, 9))

    def statements_for(count):
        for i in range(count):
            assign(["2026-03-06", "2026-03-10", "2026-03-11", "2026-03-13"][i % 4],
                   lead=["市工信局", "市发改委", "市科技局", "湘潭县人民政府", "湘潭高新区管委会"][i % 5])
        db.session.flush()
        with count_queries() as counter:
            result = jobs.scan(clock.now())
        assert result["created"] > 0
        return counter.count

    assert statements_for(5) == statements_for(20)


def test_enqueue_counts_only_the_rows_it_created(clock):
    gxj = account("gxj")
    reminders = [jobs.Reminder("task_due", "task", str(n), "due", gxj.id, "标题", "正文") for n in range(3)]
    assert jobs.enqueue(reminders, clock.now()) == 3
    assert jobs.enqueue(reminders + [jobs.Reminder("task_due", "task", "3", "due", gxj.id, "标题", "正文")],
                        clock.now()) == 1
    assert jobs.enqueue([], clock.now()) == 0
