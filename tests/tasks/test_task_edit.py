"""修改事项 (issue 16, section 3): the office or the assigning leader edits an open task — title, content, co-units,
priority, plan — never its due date (extensions only) or lead unit; every edit is audited (before/after) and shown on
the timeline; a stale page is refused; closed tasks and other people are refused, writing nothing."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.core.errors import Conflict, PermissionDenied, ServiceError
from app.core.models import AuditEntry
from app.extensions import db
from app.org.models import Plan
from app.tasks import services
from app.tasks.models import EventKind, Task, TaskEvent, TaskParty, TaskPriority, TaskState
from tests.factories import account, assign_task, unit

TODAY = date(2026, 3, 10)


def _task():
    task = assign_task("推进重点项目开工", "市工信局", co=["市发改委"], due="2026-04-30")
    services.accept_task(account("gxj"), task)
    return task


def _edit(task, by="admin", **changes):
    values = dict(title=task.title, content=task.content, co_units=list(task.co_units), priority=task.priority,
                  plan=task.plan)
    values.update(changes)
    return services.edit_task(account(by), task, **values)


def _audits(task):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "task.edit",
                                                          AuditEntry.object_id == str(task.id))).all()


def _events(task):
    return db.session.scalars(sa.select(TaskEvent).where(TaskEvent.task_id == task.id,
                                                         TaskEvent.kind == EventKind.edited)).all()


def _written(task):
    return (len(_audits(task)), len(_events(task)),
            db.session.scalar(sa.select(Task.version).where(Task.id == task.id)),
            sorted(db.session.scalars(sa.select(TaskParty.unit_id).where(TaskParty.task_id == task.id))))


def test_an_edit_changes_the_task_audits_before_and_after_and_shows_on_the_timeline(clock):
    task = _task()
    fgw, kjj = unit("市发改委"), unit("市科技局")
    changed = _edit(task, title="推进重点项目开工（含配套）", content="新增配套道路", priority=TaskPriority.key,
                    co_units=[kjj])
    assert set(changed) == {"title", "content", "priority", "co_unit_ids"}
    assert task.title == "推进重点项目开工（含配套）" and task.priority is TaskPriority.key
    assert task.co_unit_ids == [kjj.id] and task.due_on == date(2026, 4, 30)
    [audit] = _audits(task)
    assert audit.before == {"title": "推进重点项目开工", "content": "", "priority": "normal", "co_unit_ids": [fgw.id]}
    assert audit.after == {"title": "推进重点项目开工（含配套）", "content": "新增配套道路", "priority": "key",
                           "co_unit_ids": [kjj.id]}
    [event] = _events(task)
    assert "事项名称由“推进重点项目开工”改为“推进重点项目开工（含配套）”" in event.note
    assert f"配合单位增加 {kjj.name}，减少 {fgw.name}" in event.note and "优先级由“一般”改为“重点”" in event.note


def test_an_edit_that_changes_nothing_writes_nothing(clock):
    task = _task()
    before = _written(task)
    assert _edit(task) == {}
    assert _written(task) == before


def test_a_plan_can_be_set(clock):
    task = _task()
    target = db.session.scalars(sa.select(Plan).order_by(Plan.sort_order)).first()
    _edit(task, plan=target)
    assert task.plan_id == target.id and _audits(task)[0].after == {"plan_id": target.id}


@pytest.mark.parametrize("by", ["gxj", "fushizhang2", "shizhang", "guancha"])
def test_only_the_office_or_the_assigning_leader_may_edit(by, clock):
    task = _task()
    before = _written(task)
    with pytest.raises(PermissionDenied):
        _edit(task, by=by, title="越权修改")
    assert _written(task) == before


def test_the_assigning_leader_may_edit_his_task(clock):
    task = assign_task("副市长交办", "市工信局", by="fushizhang2", due="2026-04-30")
    _edit(task, by="fushizhang2", title="副市长交办（修改）")
    assert task.title == "副市长交办（修改）"


def test_a_stale_version_is_refused_with_a_clear_message(clock):
    task = _task()
    before = _written(task)
    with pytest.raises(Conflict) as info:
        _edit(task, title="新名称", expected_version=task.version - 1)
    assert "已被他人更新" in info.value.message and "刷新" in info.value.message
    assert _written(task) == before


@pytest.mark.parametrize(("changes", "field", "fragment"), [
    ({"title": "  "}, "title", "事项名称"),
    ({"content": "长" * 20001}, "content", "具体内容"),
    ({"priority": "urgent"}, "priority", "优先级"),
])
def test_bad_values_are_refused_naming_the_field(changes, field, fragment, clock):
    task = _task()
    before = _written(task)
    with pytest.raises(ServiceError) as info:
        _edit(task, **changes)
    assert info.value.field == field and fragment in info.value.message
    assert _written(task) == before


def test_a_closed_task_cannot_be_edited(clock):
    task = _task()
    services.cancel_task(account("admin"), task, "任务调整")
    with pytest.raises(ServiceError) as info:
        _edit(task, title="撤销后修改")
    assert info.value.status == 409 and "已撤销" in info.value.message
    assert task.state is TaskState.cancelled and not services.can_edit(account("admin"), task)


# --- the page ------------------------------------------------------------------------------------------------

def _form(task, **changes):
    data = {"title": task.title, "content": task.content or "", "priority": task.priority.value,
            "plan_id": str(task.plan_id or ""), "co_unit_ids": [str(i) for i in task.co_unit_ids],
            "version": str(task.version)}
    data.update(changes)
    return data


def test_the_office_edits_on_the_page_and_the_timeline_shows_it(client, login_as, clock):
    task = _task()
    db.session.commit()
    login_as("admin")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f'href="/tasks/{task.id}/edit"' in page
    form = client.get(f"/tasks/{task.id}/edit").get_data(as_text=True)
    assert 'value="推进重点项目开工"' in form and "2026-04-30" in form and "只能由牵头单位申请延期" in form
    assert 'name="due_on"' not in form and 'name="lead_unit_id"' not in form
    response = client.post(f"/tasks/{task.id}/edit", data=_form(task, title="推进重点项目开工（调整）",
                                                               co_unit_ids=[str(unit("市科技局").id)]))
    assert response.status_code == 302
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):]
    assert "修改" in timeline and "事项名称由“推进重点项目开工”改为“推进重点项目开工（调整）”" in timeline
    assert "已保存修改" in page
    db.session.expire_all()
    assert db.session.get(Task, task.id).co_unit_ids == [unit("市科技局").id]


def test_a_stale_edit_page_is_refused_with_the_message_and_the_typed_values(client, login_as, clock):
    task = _task()
    db.session.commit()
    login_as("admin")
    stale = _form(task, title="我的修改", version=str(task.version - 1))
    response = client.post(f"/tasks/{task.id}/edit", data=stale)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "该事项已被他人更新，请刷新页面" in body and 'value="我的修改"' in body
    db.session.expire_all()
    assert db.session.get(Task, task.id).title == "推进重点项目开工"


def test_the_edit_form_shows_every_error_at_once(client, login_as, clock):
    task = _task()
    db.session.commit()
    login_as("admin")
    response = client.post(f"/tasks/{task.id}/edit", data=_form(task, title="", priority="urgent"))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    for field_id in ("title", "priority"):
        tag = re.search(rf'<(?:input|select)[^>]*\sid="{field_id}"[^>]*>', body).group(0)
        assert "is-invalid" in tag, field_id
    assert "请填写事项名称" in body and "请从列表中选择优先级" in body


def test_the_edit_page_is_refused_to_a_leader_who_did_not_assign_and_to_unit_staff(client, login_as, clock):
    task = _task()
    db.session.commit()
    login_as("fushizhang2")
    assert client.get(f"/tasks/{task.id}/edit").status_code == 403
    assert client.post(f"/tasks/{task.id}/edit", data=_form(task, title="越权")).status_code == 403
    login_as("gxj")
    assert client.get(f"/tasks/{task.id}/edit").status_code == 403
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "/edit" not in page
