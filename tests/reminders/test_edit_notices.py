"""修改事项 (#16): when the office edits a task after assigning it, the staff of its lead and co-units are notified
through the outbox — once per edit, by the real scan job on an injected clock."""

from datetime import date, datetime

import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.reminders import jobs
from app.reminders.models import OutboxMessage
from app.tasks import services
from app.tasks.models import TaskPriority
from tests.factories import account, unit

D = date.fromisoformat


def edited_task(clock, at=datetime(2026, 3, 3, 10)):
    clock.set(datetime(2026, 3, 2, 9))
    task = services.assign_task(account("admin"), title="修改通知测试事项", lead_unit=unit("市工信局"),
                                co_units=[unit("市发改委")], due_on=D("2026-04-30"), today=D("2026-03-02"))
    clock.set(at)
    services.edit_task(account("admin"), task, title="修改通知测试事项（调整）", content="补充了要求",
                       co_units=[unit("市发改委"), unit("市科技局")], priority=TaskPriority.key, plan=None)
    db.session.flush()
    return task


def notices(task):
    names = dict(db.session.execute(sa.select(User.id, User.username)).all())
    rows = db.session.execute(sa.select(OutboxMessage.user_id, OutboxMessage.title, OutboxMessage.channel)
                              .where(OutboxMessage.rule == "task_edited",
                                     OutboxMessage.subject_id == str(task.id))).all()
    return sorted((names[user_id], title, channel.value) for user_id, title, channel in rows)


def test_the_lead_and_every_co_unit_old_and_new_are_told_once(clock):
    task = edited_task(clock)
    first = jobs.scan(clock.now())
    assert first["created"] > 0
    title = "交办事项已修改：修改通知测试事项（调整）"
    assert notices(task) == [("fgw", title, "in_app"), ("gxj", title, "in_app"), ("kjj", title, "in_app")]
    reminder = next(r for r in jobs.due_reminders(clock.now()) if r.rule == "task_edited" and r.user_id ==
                    account("gxj").id)
    assert "配合单位增加 市科技局" in reminder.body and "优先级由“一般”改为“重点”" in reminder.body
    assert jobs.scan(clock.now())["created"] == 0  # a second scan adds nothing
    assert len(notices(task)) == 3


def test_a_second_edit_is_a_second_notice_and_an_unchanged_save_none(clock):
    task = edited_task(clock)
    jobs.scan(clock.now())
    clock.set(datetime(2026, 3, 4, 10))
    assert services.edit_task(account("admin"), task, title=task.title, content=task.content,
                              co_units=[unit("市发改委"), unit("市科技局")], priority=TaskPriority.key,
                              plan=None) == {}
    jobs.scan(clock.now())
    assert len(notices(task)) == 3
    services.edit_task(account("admin"), task, title="再次调整", content=task.content,
                       co_units=[unit("市发改委"), unit("市科技局")], priority=TaskPriority.key, plan=None)
    db.session.flush()
    jobs.scan(clock.now())
    assert len(notices(task)) == 6


def test_an_old_edit_or_a_closed_task_is_not_announced(clock):
    task = edited_task(clock)
    clock.set(datetime(2026, 3, 10, 10))  # a week later (the scheduler was down): too late to announce
    assert [r for r in jobs.due_reminders(clock.now()) if r.rule == "task_edited"] == []
    other = edited_task(clock, at=datetime(2026, 3, 11, 10))
    services.cancel_task(account("admin"), other, "并入其他事项")
    db.session.flush()
    assert [r for r in jobs.due_reminders(clock.now()) if r.rule == "task_edited"] == []
    assert notices(task) == []
