"""Journey: a task's page as its people use it (issue 16, sections 3 and 4).

市工信局's staff (gxj) opens one of its tasks on a phone (390 px): the progress form comes first, starts at the
unit's last reported percent, and nothing scrolls sideways. The office (admin) corrects another task's title on
修改事项 and finds the change on the task's timeline; then it approves a completion request — the browser asks
first, naming the consequence — and the task is completed.
"""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.org.models import Unit
from app.tasks.models import EventKind, FollowUp, Task, TaskEvent, TaskParty, TaskState
from tests.e2e.helpers import click_and_wait, flashes

pytestmark = [pytest.mark.browser, pytest.mark.no_db_transaction]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def _lead_task_with_progress(live_server, unit_name):
    """An in-progress task led by `unit_name` with a follow-up of that unit: (id, the unit's last percent)."""
    with live_server.app_context():
        row = db.session.execute(
            sa.select(Task.id, FollowUp.percent).join(TaskParty, TaskParty.task_id == Task.id)
            .join(Unit, Unit.id == TaskParty.unit_id).join(FollowUp, FollowUp.id == TaskParty.last_follow_up_id)
            .where(Unit.name == unit_name, TaskParty.is_lead.is_(True), Task.state == TaskState.in_progress)
            .order_by(Task.id.desc()).limit(1)).one()
        return row.id, row.percent


def _task_in(live_server, state, not_led_by="市工信局"):
    with live_server.app_context():
        return db.session.scalar(
            sa.select(Task.id).join(Unit, Unit.id == Task.lead_unit_id)
            .where(Task.state == state, Unit.name != not_led_by).order_by(Task.id).limit(1))


def test_unit_staff_on_a_phone_see_the_progress_form_first_with_the_last_value(page, sign_in, live_server, shot):
    task_id, percent = _lead_task_with_progress(live_server, "市工信局")
    sign_in("gxj")  # at the desktop width: on a phone the navigation (and its bell) is folded away
    page.set_viewport_size(PHONE)
    page.goto(f"/tasks/{task_id}")
    form = page.locator("form#follow-up")
    assert form.is_visible()
    assert form.get_by_label("完成进度（%）").input_value() == str(percent)
    details = page.locator("#task-details")
    assert form.bounding_box()["y"] < details.bounding_box()["y"], "the progress form is not first on a phone"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot("gxj-task-phone")
    # a lower percent asks for the reason, on its field, and keeps what was typed
    form.get_by_label("进展情况").fill("按新口径重新测算（浏览器测试）")
    form.get_by_label("完成进度（%）").fill(str(max(percent - 10, 0)))
    if percent > 0:
        click_and_wait(page, form.get_by_role("button", name="提交进展"))
        reason = page.locator("form#follow-up").get_by_label("进度下降的原因（进度低于上次反馈时必填）")
        assert "is-invalid" in (reason.get_attribute("class") or "")
        assert "请填写进度下降的原因" in page.locator("form#follow-up").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(DESKTOP)


def test_the_office_edits_a_task_and_approves_a_completion_after_confirming(page, sign_in, live_server, shot):
    edited = _task_in(live_server, TaskState.in_progress)
    sign_in("admin")
    page.goto(f"/tasks/{edited}")
    title = page.locator("h1").first.inner_text().strip()
    click_and_wait(page, page.get_by_role("link", name="修改事项"))
    page.get_by_label("事项名称").fill(title[:60] + "（已调整）")
    click_and_wait(page, page.get_by_role("button", name="保存修改"))
    assert any("已保存修改" in text for text in flashes(page))
    timeline = page.locator("#timeline").inner_text()
    assert "修改" in timeline and "（已调整）" in timeline
    shot("admin-task-edited")
    with live_server.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TaskEvent).where(
            TaskEvent.task_id == edited, TaskEvent.kind == EventKind.edited)) == 1

    requested = _task_in(live_server, TaskState.completion_requested)
    page.goto(f"/tasks/{requested}")
    assert page.get_by_role("button", name="退回").is_visible()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    click_and_wait(page, page.get_by_role("button", name="同意办结"))
    assert asked and "同意办结后事项即办结" in asked[0] and "亮灯按办结日期计算" in asked[0]
    assert any("已审核办结" in text for text in flashes(page))
    with live_server.app_context():
        assert db.session.get(Task, requested).state is TaskState.completed
