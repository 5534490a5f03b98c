"""The workflow rules of issue 16, section 3, in the service (strict, as the pages call it) and over HTTP:

- 办结 needs an evidence file or a stated reason why there is none (setting COMPLETION_NEEDS_EVIDENCE, on by
  default; off: no such check);
- the progress field starts at the unit's last value, and a decrease needs a reason, kept with the follow-up;
- a deadline or an extension's new date on a non-working day is refused once with the next working day offered
  (one click takes it, another keeps the date);
- approve and return (同意办结 / 退回, 同意延期 / 不同意) are separate buttons, each asking a confirmation that
  names its consequence.
"""

import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.core.calendar import get_calendar
from app.core.errors import ServiceError
from app.core.models import AuditEntry
from app.extensions import db
from app.tasks import services
from app.tasks.models import CompletionRequest, Evidence, FollowUp, Task, TaskState
from tests.factories import account, assign_task, unit

TODAY = date(2026, 3, 10)  # the clock fixture's day, a Tuesday
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
NATIONAL_DAY = date(2026, 10, 1)
SATURDAY = date(2026, 3, 14)


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


@pytest.fixture
def evidence_rule(app, monkeypatch):
    monkeypatch.setitem(app.config, "COMPLETION_NEEDS_EVIDENCE", True)


def _in_progress(title="规则检查", co=("市发改委",)):
    task = assign_task(title, "市工信局", co=co, due="2026-04-30")
    services.accept_task(account("gxj"), task)
    services.record_follow_up(account("gxj"), task, "已完成前期准备", 60, TODAY, strict=True)
    return task


def _requests(task):
    return db.session.scalars(sa.select(CompletionRequest).where(CompletionRequest.task_id == task.id)).all()


def field_marked(body, field_id):
    """The control `field_id` is marked invalid (Bootstrap's is-invalid) on the page."""
    tag = re.search(rf'<(?:input|textarea|select)[^>]*\sid="{re.escape(field_id)}"[^>]*>', body)
    assert tag is not None, f"no field {field_id}"
    return "is-invalid" in tag.group(0)


# --- 办结 needs evidence or a reason ---------------------------------------------------------------------------

def test_the_setting_is_on_by_default():
    from config import Config, DevelopmentConfig, ProductionConfig

    assert Config.COMPLETION_NEEDS_EVIDENCE is True
    assert DevelopmentConfig.COMPLETION_NEEDS_EVIDENCE is True and ProductionConfig.COMPLETION_NEEDS_EVIDENCE is True


def test_completion_without_evidence_or_reason_is_refused_naming_what_to_add(evidence_rule, clock):
    task = _in_progress()
    before = task.version
    with pytest.raises(ServiceError) as info:
        services.request_completion(account("gxj"), task, TODAY, "已完成", TODAY, strict=True)
    assert info.value.field == "no_evidence_reason"
    assert "佐证材料" in info.value.message and "无佐证材料的原因" in info.value.message
    assert _requests(task) == [] and task.state is TaskState.in_progress and task.version == before


def test_completion_with_a_stated_reason_keeps_the_reason(evidence_rule, clock):
    task = _in_progress()
    services.request_completion(account("gxj"), task, TODAY, "已完成", TODAY, strict=True,
                                no_evidence_reason="会议纪要尚未印发，印发后补充")
    [request] = _requests(task)
    assert request.no_evidence_reason == "会议纪要尚未印发，印发后补充"
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "task.request_completion",
                                                          AuditEntry.object_id == str(task.id)))
    assert audit.reason == "会议纪要尚未印发，印发后补充"


def test_completion_with_evidence_on_a_follow_up_needs_no_reason(evidence_rule, folder, clock):
    from werkzeug.datastructures import FileStorage

    from app.tasks.files import store_evidence

    task = _in_progress()
    entry = services.record_follow_up(account("gxj"), task, "已开工", 90, TODAY, strict=True)
    store_evidence(account("gxj"), task, entry,
                   FileStorage(io.BytesIO(PDF), "开工照片.pdf", content_type="application/pdf"))
    services.request_completion(account("gxj"), task, TODAY, "已完成", TODAY, strict=True)
    assert task.state is TaskState.completion_requested and _requests(task)[0].no_evidence_reason is None


def test_with_the_setting_off_completion_needs_neither(app, monkeypatch, clock):
    monkeypatch.setitem(app.config, "COMPLETION_NEEDS_EVIDENCE", False)
    task = _in_progress()
    services.request_completion(account("gxj"), task, TODAY, "已完成", TODAY, strict=True)
    assert task.state is TaskState.completion_requested


def test_the_completion_form_marks_the_reason_field_then_accepts_a_file_or_a_reason(
        client, login_as, evidence_rule, folder, clock):
    with_file, with_reason = _in_progress("带附件申请办结"), _in_progress("写明原因申请办结")
    db.session.commit()
    login_as("gxj")
    response = client.post(f"/tasks/{with_file.id}/request-completion", data={
        "completed_on": "2026-03-10", "summary": "已完成", "version": with_file.version})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert field_marked(body, "completion-no_evidence_reason") and "请上传至少一份佐证材料" in body
    assert "已完成" in body  # what was typed is kept
    response = client.post(f"/tasks/{with_file.id}/request-completion", content_type="multipart/form-data", data={
        "completed_on": "2026-03-10", "summary": "已完成", "version": with_file.version,
        "files": (io.BytesIO(PDF), "验收报告.pdf", "application/pdf")})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalars(sa.select(Evidence.filename).where(Evidence.task_id == with_file.id)).all() == \
        ["验收报告.pdf"]
    response = client.post(f"/tasks/{with_reason.id}/request-completion", data={
        "completed_on": "2026-03-10", "summary": "已完成", "version": with_reason.version,
        "no_evidence_reason": "属政策研究类事项，成果为内部报告"})
    assert response.status_code == 302
    db.session.expire_all()
    assert _requests(with_reason)[0].no_evidence_reason == "属政策研究类事项，成果为内部报告"
    login_as("admin")
    page = client.get(f"/tasks/{with_reason.id}").get_data(as_text=True)
    assert "无佐证材料的原因：属政策研究类事项，成果为内部报告" in page
    page = client.get(f"/tasks/{with_file.id}").get_data(as_text=True)
    assert "验收报告.pdf" in page  # the file sent with the request is listed on the task


# --- progress: starts at the last value, a decrease needs a reason ---------------------------------------------

def test_a_decreasing_percent_without_a_reason_is_refused_and_with_one_kept(clock):
    task = _in_progress()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp))
    with pytest.raises(ServiceError) as info:
        services.record_follow_up(account("gxj"), task, "重新测算", 40, TODAY, strict=True)
    assert info.value.field == "decrease_reason" and "由上次的 60% 降为 40%" in info.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == count
    entry = services.record_follow_up(account("gxj"), task, "重新测算", 40, TODAY, strict=True,
                                      decrease_reason="原统计口径有误，按新口径重算")
    assert entry.decrease_reason == "原统计口径有误，按新口径重算"
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "follow_up.create",
                                                          AuditEntry.object_id == str(entry.id)))
    assert audit.after["previous_percent"] == 60 and audit.after["decrease_reason"] == "原统计口径有误，按新口径重算"
    # an equal or higher value needs none, and a reason sent with it is not kept
    same = services.record_follow_up(account("gxj"), task, "继续推进", 40, TODAY, strict=True, decrease_reason="无")
    assert same.decrease_reason is None


def test_each_unit_is_compared_with_its_own_last_report(clock):
    task = _in_progress()
    services.record_follow_up(account("fgw"), task, "配合单位首次反馈", 10, TODAY, strict=True)  # below the lead's 60
    assert services.last_percent(task, unit("市发改委").id) == 10


def test_the_progress_form_starts_at_the_last_value_and_marks_a_missing_reason(client, login_as, clock):
    task = _in_progress()
    db.session.commit()
    login_as("gxj")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="follow-up-percent"[^>]*value="60"', page)
    assert "本单位上次反馈的进度为 60%" in page
    response = client.post(f"/tasks/{task.id}/follow-up", data={"text": "重新测算", "percent": "30"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert field_marked(body, "follow-up-decrease_reason") and "由上次的 60% 降为 30%" in body
    response = client.post(f"/tasks/{task.id}/follow-up", data={"text": "重新测算", "percent": "30",
                                                                "decrease_reason": "部分工程量调出"})
    assert response.status_code == 302
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "进度下降的原因：部分工程量调出" in page


# --- a date on a non-working day ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "label"), [(NATIONAL_DAY, "国庆节"), (SATURDAY, "星期六")])
def test_a_deadline_on_a_non_working_day_is_refused_once_with_the_next_working_day(day, label, clock):
    suggestion = get_calendar().next_workday(day)
    assert suggestion > day and get_calendar().is_workday(suggestion)
    if day == SATURDAY:
        assert suggestion == date(2026, 3, 16)
    with pytest.raises(ServiceError) as info:
        services.assign_task(account("admin"), title="节日到期", lead_unit=unit("市工信局"), due_on=day,
                             today=TODAY, accept_non_workday=False)
    assert info.value.code == "non_workday" and info.value.field == "due_on"
    assert info.value.suggestion == suggestion
    assert f"{day.isoformat()} 不是工作日，下一个工作日是 {suggestion.isoformat()}" in info.value.message
    task = services.assign_task(account("admin"), title="节日到期", lead_unit=unit("市工信局"), due_on=day,
                                today=TODAY, accept_non_workday=True)
    assert task.due_on == day


def test_an_extension_to_a_non_working_day_is_refused_once_with_the_next_working_day(clock):
    task = _in_progress()
    with pytest.raises(ServiceError) as info:
        services.request_extension(account("gxj"), task, NATIONAL_DAY, "等待批复", TODAY, accept_non_workday=False)
    assert info.value.field == "new_due_on" and info.value.suggestion == get_calendar().next_workday(NATIONAL_DAY)


def _assign_form(**extra):
    return dict({"title": "节后验收", "source": "free", "lead_unit_id": str(unit("市工信局").id),
                 "priority": "normal", "due_on": NATIONAL_DAY.isoformat()}, **extra)


def _tasks_titled(title):
    return db.session.scalars(sa.select(Task).where(Task.title == title)).all()


def test_the_assign_form_offers_the_next_working_day_and_takes_it_in_one_click(client, login_as, clock):
    login_as("admin")
    nextday = get_calendar().next_workday(NATIONAL_DAY).isoformat()
    response = client.post("/tasks/new", data=_assign_form())
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert field_marked(body, "due_on") and f"下一个工作日是 {nextday}" in body
    assert f'name="take_workday" value="{nextday}"' in body and 'name="accept_non_workday" value="1"' in body
    assert _tasks_titled("节后验收") == []
    response = client.post("/tasks/new", data=_assign_form(take_workday=nextday))
    assert response.status_code == 302
    assert [t.due_on.isoformat() for t in _tasks_titled("节后验收")] == [nextday]


def test_the_assign_form_keeps_a_non_working_day_when_the_user_says_so(client, login_as, clock):
    login_as("admin")
    response = client.post("/tasks/new", data=_assign_form(title="节日当天验收", accept_non_workday="1"))
    assert response.status_code == 302
    assert [t.due_on for t in _tasks_titled("节日当天验收")] == [NATIONAL_DAY]


def test_the_extension_form_offers_the_next_working_day(client, login_as, clock):
    task = _in_progress()
    db.session.commit()
    login_as("gxj")
    nextday = get_calendar().next_workday(NATIONAL_DAY).isoformat()
    data = {"new_due_on": NATIONAL_DAY.isoformat(), "reason": "等待省里批复", "version": task.version}
    response = client.post(f"/tasks/{task.id}/request-extension", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert field_marked(body, "extension-new_due_on") and f'name="take_workday" value="{nextday}"' in body
    response = client.post(f"/tasks/{task.id}/request-extension", data=dict(data, take_workday=nextday))
    assert response.status_code == 302
    db.session.expire_all()
    assert services._pending_extension(task).requested_due_on.isoformat() == nextday


def test_the_workday_check_answers_unit_staff_too(client, login_as):
    login_as("gxj")
    body = client.get(f"/tasks/workday?date={SATURDAY.isoformat()}").get_json()
    assert body == {"date": "2026-03-14", "is_workday": False, "provisional": body["provisional"],
                    "next_workday": "2026-03-16"}


# --- two decisions, two buttons, each with its consequence -------------------------------------------------------

def test_approve_and_return_are_two_labelled_buttons_each_asking_its_confirmation(client, login_as, clock):
    completion = _in_progress("审核按钮：办结")
    services.request_completion(account("gxj"), completion, TODAY, "已完成", TODAY)
    extension = _in_progress("审核按钮：延期")
    services.request_extension(account("gxj"), extension, date(2026, 5, 29), "等待批复", TODAY)
    db.session.commit()
    login_as("admin")
    page = client.get(f"/tasks/{completion.id}").get_data(as_text=True)
    approve = re.search(r'<input[^>]*id="decide-submit"[^>]*>', page).group(0)
    assert 'value="同意办结"' in approve
    assert "同意办结后事项即办结（办结日期 2026-03-10），亮灯按办结日期计算" in approve
    back = re.search(r'<input[^>]*id="return-submit"[^>]*>', page).group(0)
    assert 'value="退回"' in back and "data-confirm=\"退回后事项回到“办理中”" in back
    page = client.get(f"/tasks/{extension.id}").get_data(as_text=True)
    yes = re.search(r'<input[^>]*id="decide-extension-submit"[^>]*>', page).group(0)
    assert 'value="同意延期"' in yes and "完成时限改为 2026-05-29" in yes
    no = re.search(r'<input[^>]*id="refuse-extension-submit"[^>]*>', page).group(0)
    assert 'value="不同意"' in no and "仍按原时限 2026-04-30" in no


def test_a_return_without_a_reason_marks_the_reason_field(client, login_as, clock):
    task = _in_progress()
    services.request_completion(account("gxj"), task, TODAY, "已完成", TODAY)
    db.session.commit()
    login_as("admin")
    response = client.post(f"/tasks/{task.id}/return", data={"note": "", "version": task.version})
    assert response.status_code == 422
    assert field_marked(response.get_data(as_text=True), "return-note")
    db.session.expire_all()
    assert db.session.get(Task, task.id).state is TaskState.completion_requested
