"""The assign form /tasks/new and, in one place, every bad-input line of issue #3 through the web forms:

    unknown or inactive unit, due date in the past for a new task, an extension to an earlier date, a completion
    date in the future, a follow-up by a unit that is not on the task, an approval by the lead unit itself, files
    too large or of a forbidden type, a malformed spreadsheet, a forged task id of another unit (404, no leak)

Each is refused with a Chinese message saying what to fix, keeps what was typed where there is a form, and writes
nothing (tasks, parties, follow-ups, evidence rows and files, audit entries are counted before and after).

The API side of the same list is covered in tests/api/test_tasks_api.py:
test_an_invalid_create_field_is_a_422_naming_it_and_writes_nothing (unknown/inactive unit, past due date),
test_an_invalid_completion_request_is_a_422_and_writes_nothing (future completion date),
test_extension_refused_needs_a_note_and_keeps_the_due_date, test_follow_up_refusals (not on the task),
test_every_action_is_refused_to_outsiders_without_writing, test_a_leader_decides_only_on_tasks_they_assigned and
test_staff_of_another_unit_get_the_same_404_as_for_a_missing_task; the file rules in tests/tasks/test_files.py and
the spreadsheet rules in tests/tasks/test_excel.py (service level).
"""

import io
import os
import re

import pytest
import sqlalchemy as sa
from flask import current_app

from app.core.models import AuditEntry
from app.extensions import db
from app.tasks.models import Evidence, FollowUp, Task, TaskEvent, TaskParty, TaskSource
from tests.factories import account, assign_task, plan
from tests.tasks.test_views import page, unit_of
from tests.tasks.test_views_detail import flashes, form_html, post, state_of


def written():
    """Counts of everything a refused request must leave alone, files on disk included."""
    def count(model):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    folder = current_app.config["UPLOAD_FOLDER"]
    files = sum(len(names) for _, _, names in os.walk(folder)) if os.path.isdir(folder) else 0
    return {model.__name__: count(model) for model in (Task, TaskParty, TaskEvent, FollowUp, Evidence, AuditEntry)} \
        | {"files": files}


def invalid_feedback(html):
    return re.findall(r'<div class="invalid-feedback">(.*?)</div>', html)


# --- the assign form ----------------------------------------------------------------------------------------

def assign_data(**overrides):
    data = {"title": "推进智能装备产业园二期开工", "content": "6 月底前完成主体工程", "source": "plan",
            "plan_id": str(plan("P1").id), "source_ref": "第 3 次周会商", "lead_unit_id": str(unit_of("gxj").id),
            "co_unit_ids": [str(unit_of("fgw").id), str(unit_of("kjj").id), str(unit_of("xtx").id)],
            "priority": "key", "due_on": "2026-03-31"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("username", ["admin", "shuji", "fushizhang"])
def test_the_office_and_leaders_assign_a_task_with_several_co_units(client, login_as, clock, username):
    login_as(username)
    assert "交办事项" in page(client, "/tasks/new")
    response = client.post("/tasks/new", data=assign_data())
    assert response.status_code == 302
    task = db.session.scalar(sa.select(Task).where(Task.title == "推进智能装备产业园二期开工"))
    assert response.headers["Location"].endswith(f"/tasks/{task.id}")
    assert task.lead_unit_id == unit_of("gxj").id and task.plan_id == plan("P1").id
    assert sorted(u.id for u in task.co_units) == sorted(unit_of(u).id for u in ("fgw", "kjj", "xtx"))
    assert task.assigner_id == account(username).id and str(task.due_on) == "2026-03-31"
    html = page(client, f"/tasks/{task.id}")
    assert "已交办：推进智能装备产业园二期开工" in html
    assert all(unit_of(u).name in html for u in ("fgw", "kjj", "xtx"))


def test_the_lead_unit_among_the_co_units_is_ignored(client, login_as, clock):
    login_as("admin")
    gxj = unit_of("gxj").id
    client.post("/tasks/new", data=assign_data(co_unit_ids=[str(gxj), str(unit_of("fgw").id)]))
    task = db.session.scalar(sa.select(Task).where(Task.title == "推进智能装备产业园二期开工"))
    assert [u.id for u in task.co_units] == [unit_of("fgw").id]


@pytest.mark.parametrize("username", ["gxj", "guancha"])
def test_unit_staff_and_observers_cannot_assign(client, login_as, clock, username):
    login_as(username)
    before = written()
    assert "没有权限" in page(client, "/tasks/new", status=403)
    assert client.post("/tasks/new", data=assign_data()).status_code == 403
    assert written() == before


def test_a_due_date_on_a_non_working_day_is_warned_about(client, login_as, clock):
    login_as("admin")
    # a Saturday is refused once, naming the next working day, and nothing is written until the user chooses
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
    response = client.post("/tasks/new", data=assign_data(due_on="2026-03-14"))
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 422)
    assert "2026-03-14 不是工作日，下一个工作日是 2026-03-16。" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == before
    # a working day gives no warning; the date picker's check says the same
    html = client.post("/tasks/new", data=assign_data(title="", due_on="2026-03-16")).get_data(as_text=True)
    assert "不是工作日" not in html
    assert client.get("/tasks/workday?date=2026-03-14").get_json() == {
        "date": "2026-03-14", "is_workday": False, "provisional": False, "next_workday": "2026-03-16"}
    bad = client.get("/tasks/workday?date=2026-02-30")
    assert bad.status_code == 400 and "日期格式不正确" in bad.get_json()["message"]


ASSIGN_REFUSALS = [
    # (what is changed in the form, the Chinese message)
    ({"title": "   "}, "请填写事项名称。"),
    ({"title": "长" * 201}, "事项名称不能超过 200 个字符。"),
    ({"plan_id": ""}, "来源为计划举措时，请选择具体的计划或举措。"),
    ({"plan_id": "99999"}, "请从列表中选择有效的计划或举措。"),
    ({"lead_unit_id": ""}, "请选择牵头单位。"),
    ({"lead_unit_id": "99999"}, "请从列表中选择有效的牵头单位。"),
    ({"lead_unit_id": "abc"}, "请从列表中选择有效的牵头单位。"),
    ({"co_unit_ids": ["99999"]}, "配合单位中有无效或已停用的单位，请从列表中选择。"),
    ({"due_on": "2026-03-09"}, "完成时限 2026-03-09 早于今天，请选择今天或以后的日期。"),
    ({"due_on": ""}, "请填写完成时限。"),
    ({"due_on": "下月底"}, "日期格式不正确，请使用 2026-03-01 这样的格式。"),
    ({"source": "rumour"}, "请从列表中选择事项来源。"),
    ({"priority": "urgent"}, "请从列表中选择优先级（一般或重点）。"),
]


@pytest.mark.parametrize(("change", "message"), ASSIGN_REFUSALS, ids=[m[:14] for _, m in ASSIGN_REFUSALS])
def test_a_refused_assignment_says_why_keeps_the_form_and_writes_nothing(client, login_as, clock, change,
                                                                         message):
    login_as("admin")
    before = written()
    data = assign_data(**change)
    response = client.post("/tasks/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in invalid_feedback(html) or message in html
    assert "提交的内容有误，请按提示修改后重新提交。" in html or message in html
    assert written() == before
    # what was typed is still there
    if data["title"].strip():
        assert f'value="{data["title"]}"' in html
    assert "6 月底前完成主体工程" in html and 'value="第 3 次周会商"' in html
    for unit_id in data["co_unit_ids"]:
        if unit_id != "99999":
            assert re.search(rf'<option selected value="{unit_id}">|<option value="{unit_id}" selected', html)


def test_a_plan_is_not_needed_for_another_source(client, login_as, clock):
    login_as("admin")
    assert client.post("/tasks/new", data=assign_data(source="instruction", plan_id="")).status_code == 302
    task = db.session.scalar(sa.select(Task).where(Task.title == "推进智能装备产业园二期开工"))
    assert task.source is TaskSource.instruction and task.plan_id is None


# --- the bad-input list of issue #3 -------------------------------------------------------------------------

def test_issue3_unknown_unit(client, login_as, clock):
    login_as("admin")
    before = written()
    response = client.post("/tasks/new", data=assign_data(lead_unit_id="424242", co_unit_ids=["434343"]))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请从列表中选择有效的牵头单位。" in invalid_feedback(html)
    assert "配合单位中有无效或已停用的单位，请从列表中选择。" in invalid_feedback(html)
    assert written() == before


@pytest.mark.parametrize("role", ["lead", "co"])
def test_issue3_inactive_unit(client, login_as, clock, role):
    inactive = unit_of("xtx")
    inactive.is_active = False
    db.session.flush()
    login_as("admin")
    form_page = page(client, "/tasks/new")
    for name in ("lead_unit_id", "co_unit_ids"):  # not offered
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>.*?</select>', form_page, re.S).group(0)
        assert f'value="{inactive.id}"' not in select and f'value="{unit_of("gxj").id}"' in select
    before = written()
    change = {"lead_unit_id": str(inactive.id)} if role == "lead" else {"co_unit_ids": [str(inactive.id)]}
    response = client.post("/tasks/new", data=assign_data(**change))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    expected = {"lead": "请从列表中选择有效的牵头单位。",
                "co": "配合单位中有无效或已停用的单位，请从列表中选择。"}[role]
    assert expected in invalid_feedback(html)
    assert written() == before


def test_issue3_due_date_in_the_past_for_a_new_task(client, login_as, clock):
    login_as("shizhang")
    before = written()
    response = client.post("/tasks/new", data=assign_data(due_on="2026-03-09"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "完成时限 2026-03-09 早于今天，请选择今天或以后的日期。" in invalid_feedback(html)
    assert 'value="2026-03-09"' in html
    assert written() == before
    # today itself is allowed
    assert client.post("/tasks/new", data=assign_data(due_on="2026-03-10")).status_code == 302


@pytest.fixture
def in_progress(client, login_as, clock):
    """市工信局's task (co-unit 市发改委), accepted and reported on, due 2026-03-31; gxj signed in."""
    task = assign_task("问题三坏输入事项", unit_of("gxj"), co=[unit_of("fgw")], due="2026-03-31", assigned="2026-03-02")
    login_as("gxj")
    post(client, task.id, "accept")
    post(client, task.id, "follow-up", text="开工准备", percent="10")
    return task.id


def test_issue3_an_extension_to_an_earlier_date(client, in_progress):
    before = state_of(in_progress) | written()
    for day in ("2026-03-20", "2026-03-31"):  # earlier than, or equal to, the current due date
        html = post(client, in_progress, "request-extension", status=422, new_due_on=day, reason="设备到货延迟")
        assert "延期后的时限必须晚于当前时限 2026-03-31。" in flashes(html)
        assert f'value="{day}"' in form_html(html, "extension") and "设备到货延迟" in form_html(html, "extension")
    assert state_of(in_progress) | written() == before


def test_issue3_a_completion_date_in_the_future(client, in_progress):
    before = state_of(in_progress) | written()
    html = post(client, in_progress, "request-completion", status=422, completed_on="2026-03-11",
                summary="生产线全部投产")
    assert "完成日期 2026-03-11 晚于今天，不能预报办结。" in flashes(html)
    assert 'value="2026-03-11"' in form_html(html, "completion")
    assert state_of(in_progress) | written() == before


def test_issue3_a_follow_up_by_a_unit_that_is_not_on_the_task(client, login_as, in_progress):
    before = state_of(in_progress) | written()
    # staff of another unit cannot even see the task: the same 404 as for a missing one, without the title
    login_as("kjj")
    response = client.post(f"/tasks/{in_progress}/follow-up", data={"text": "科技局越权反馈", "percent": "50"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "页面不存在" in html and "问题三坏输入事项" not in html
    # the office reads every task but is not on this one: refused with the reason
    login_as("admin")
    html = post(client, in_progress, "follow-up", status=403, text="千百十办代为反馈", percent="50")
    assert "只有该事项的牵头单位或配合单位可以反馈进展。" in flashes(html)
    assert state_of(in_progress) | written() == before


def test_issue3_an_approval_by_the_lead_unit_itself(client, login_as, in_progress):
    post(client, in_progress, "request-extension", new_due_on="2026-04-30", reason="设备到货延迟")
    post(client, in_progress, "request-completion", completed_on="2026-03-09", summary="已全部完成")
    before = state_of(in_progress) | written()
    html = page(client, f"/tasks/{in_progress}")
    assert 'id="decide"' not in html and 'id="decide-extension"' not in html  # not offered to the lead unit
    html = post(client, in_progress, "approve-completion", status=403, note="自己审核")
    assert "只有交办单位（千百十办）或交办领导可以审核办结，牵头单位不能审核自己的申请。" in flashes(html)
    html = post(client, in_progress, "approve-extension", status=403, note="自己同意")
    assert "只有交办单位或交办领导可以审核延期申请。" in flashes(html)
    html = post(client, in_progress, "return", status=403, note="自己退回")
    assert "只有交办单位或交办领导可以退回。" in flashes(html)
    assert state_of(in_progress) | written() == before


def test_issue3_the_office_cannot_approve_a_task_it_leads_itself(client, login_as, clock):
    office = account("admin").unit
    task = assign_task("千百十办牵头的事项", office, due="2026-03-31", assigned="2026-03-02")
    login_as("admin")
    post(client, task.id, "accept")
    post(client, task.id, "request-completion", completed_on="2026-03-09", summary="已完成")
    before = state_of(task.id) | written()
    html = post(client, task.id, "approve-completion", status=403)
    assert "牵头单位不能审核自己的申请" in " ".join(flashes(html))
    assert state_of(task.id) | written() == before


PDF = b"%PDF-1.4\n" + b"0" * 4000 + b"\n%%EOF\n"


@pytest.mark.parametrize(("name", "data", "status", "message"), [
    ("setup.exe", b"MZ" + b"\0" * 100, 422, "不支持附件“setup.exe”的文件类型。"),
    ("report.html", b"<html></html>", 422, "不支持附件“report.html”的文件类型。"),
    ("fake.pdf", b"MZ not a pdf at all", 422, "附件“fake.pdf”的内容与扩展名 .pdf 不符"),
    ("empty.pdf", b"", 422, "附件“empty.pdf”是空文件"),
    ("big.pdf", PDF, 413, "附件“big.pdf”超过 0.002 MB 的大小限制，请压缩或拆分后再上传。"),
])
def test_issue3_files_too_large_or_of_a_forbidden_type(client, in_progress, app, monkeypatch, name, data, status,
                                                       message):
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_MB", 0.002)  # about 2 KB
    before = state_of(in_progress) | written()
    response = client.post(f"/tasks/{in_progress}/follow-up", content_type="multipart/form-data", data={
        "version": str(before["version"]), "text": "附佐证材料的进展", "percent": "60",
        "files": [(io.BytesIO(b"%PDF-1.4\nok\n%%EOF\n"), "ok.pdf"), (io.BytesIO(data), name)]})
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert any(message in f for f in flashes(html)), flashes(html)
    assert "附佐证材料的进展" in form_html(html, "follow-up")
    assert state_of(in_progress) | written() == before  # not the follow-up, not the first file either


def test_issue3_a_request_over_the_upload_limit_is_a_chinese_413(client, in_progress, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    before = state_of(in_progress) | written()
    response = client.post(f"/tasks/{in_progress}/follow-up", content_type="multipart/form-data", data={
        "version": str(before["version"]), "text": "大文件", "percent": "60", "files": [(io.BytesIO(PDF), "a.pdf")]})
    assert response.status_code == 413 and "文件过大" in response.get_data(as_text=True)
    assert state_of(in_progress) | written() == before


@pytest.mark.parametrize(("name", "data"), [
    ("tasks.xlsx", b"not a spreadsheet at all"),
    ("tasks.xlsx", b"PK\x03\x04" + b"\0" * 200),
    ("tasks.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
    ("tasks.xlsx", b""),
])
def test_issue3_a_malformed_spreadsheet(client, login_as, clock, name, data):
    login_as("admin")
    before = written()
    response = client.post("/tasks/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), name)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    errors = re.search(r'<div class="alert alert-danger">(.*?)</div>', html, re.S)
    assert errors and "文件未导入" in errors.group(1), html[-3000:]
    assert re.search(r"<li>[^<]*[\u4e00-\u9fff][^<]*</li>", errors.group(1))
    assert written() == before


def test_issue3_a_spreadsheet_row_with_an_unknown_unit_names_the_row(client, login_as, clock):
    from openpyxl import load_workbook

    login_as("admin")
    template = client.get("/tasks/import/template.xlsx").data
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    lead_col = next(c.column for c in sheet[1] if str(c.value).startswith("牵头单位"))
    sheet.cell(2, lead_col, "不存在的单位")  # row 2 is the template's example
    out = io.BytesIO()
    book.save(out)
    before = written()
    response = client.post("/tasks/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(out.getvalue()), "清单.xlsx")})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "不存在的单位" in html and "第2行" in html
    assert written() == before


def test_issue3_no_file_chosen_for_the_import(client, login_as, clock):
    login_as("admin")
    response = client.post("/tasks/import", content_type="multipart/form-data", data={})
    assert response.status_code == 400
    assert "请选择要导入的 .xlsx 文件。" in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path"), [
    ("get", ""), ("post", "/accept"), ("post", "/follow-up"), ("post", "/request-completion"),
    ("post", "/request-extension"), ("post", "/approve-completion"), ("post", "/return"), ("post", "/urge"),
    ("post", "/cancel"), ("get", "/files/1"),
])
def test_issue3_a_forged_task_id_of_another_unit(client, login_as, clock, method, path):
    secret = assign_task("科技局内部保密事项", unit_of("kjj"), due="2026-03-31")
    missing = secret.id + 1000
    login_as("gxq")  # a park: not 市工信局, which assesses 市科技局 and reads its tasks (附件2 六(二))
    before = written()
    answers = []
    for task_id in (secret.id, missing):
        response = getattr(client, method)(f"/tasks/{task_id}{path}",
                                           data={"text": "x", "percent": "1", "version": "1"})
        html = response.get_data(as_text=True)
        assert response.status_code == 404
        assert "科技局内部保密事项" not in html
        answers.append(re.sub(r"/tasks/\d+", "", html))
    assert answers[0] == answers[1]  # the same answer for "not yours" and "absent": ids cannot be probed
    assert written() == before
