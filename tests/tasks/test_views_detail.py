"""A task's detail page and its action forms through the real HTTP layer (issue #3): the timeline lists every
state change, follow-up, urge and extension with the people and times; each unit's latest progress is shown in
its own row; a refused action answers 4xx, shows the Chinese reason, shows the form again as it was typed
(app/tasks/views.py `_act` / `_detail_page`) and changes nothing."""

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from app.core.models import AuditEntry
from app.extensions import db
from app.tasks.models import (
    CompletionRequest,
    Evidence,
    ExtensionRequest,
    FollowUp,
    Task,
    TaskEvent,
    TaskState,
    Urge,
)
from tests.factories import account, assign_task
from tests.tasks.test_views import D, page, unit_of


def current(task_id):
    db.session.expire_all()
    return db.session.get(Task, task_id)


def post(client, task_id, action, status=302, **data):
    data.setdefault("version", str(current(task_id).version))
    response = client.post(f"/tasks/{task_id}/{action}", data=data)
    assert response.status_code == status, (action, response.status_code, response.get_data(as_text=True)[-2000:])
    return response.get_data(as_text=True)


def state_of(task_id):
    """Everything an action could change: compared before and after a refused one."""
    task = current(task_id)

    def count(model, *where):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    return {
        "version": task.version, "state": task.state, "due_on": task.due_on, "completed_on": task.completed_on,
        "urge_count": task.urge_count,
        "follow_ups": count(FollowUp, FollowUp.task_id == task_id),
        "events": count(TaskEvent, TaskEvent.task_id == task_id),
        "extensions": count(ExtensionRequest, ExtensionRequest.task_id == task_id),
        "completions": count(CompletionRequest, CompletionRequest.task_id == task_id),
        "urges": count(Urge, Urge.task_id == task_id),
        "evidence": count(Evidence, Evidence.task_id == task_id),
        "audit": count(AuditEntry),
    }


def form_html(html, anchor):
    match = re.search(rf'<form method="post" action="[^"]*" id="{anchor}"[^>]*>.*?</form>', html, re.S)
    assert match, f"no form #{anchor}"
    return match.group(0)


def flashes(html):
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(r'role="alert">(.*?)<button', html, re.S)]


# --- the timeline and the units' progress -------------------------------------------------------------------

@pytest.fixture
def worked_task(client, login_as, clock):
    """A task taken through accept, follow-ups by the lead and a co-unit, an urge, and an extension requested
    and approved — every step through the pages, at a different time of 2026-03-10."""
    task = assign_task("详情页时间线事项", unit_of("gxj"), co=[unit_of("fgw"), unit_of("kjj")], due="2026-03-31")
    steps = [
        ("09:30", "gxj", "accept", {}),
        ("10:00", "gxj", "follow-up", {"text": "已完成项目选址", "percent": "30"}),
        ("10:15", "fgw", "follow-up", {"text": "发改委配合：立项材料已受理", "percent": "10"}),
        ("10:20", "fgw", "follow-up", {"text": "发改委配合：立项已批复", "percent": "20"}),
        ("11:00", "admin", "urge", {"level": "2", "note": "请加快用地报批"}),
        ("14:00", "gxj", "request-extension", {"new_due_on": "2026-04-30", "reason": "用地指标待省厅下达"}),
        ("15:00", "admin", "approve-extension", {"note": "同意延期"}),
    ]
    for at, username, action, data in steps:
        clock.set(datetime.fromisoformat(f"2026-03-10T{at}"))
        login_as(username)
        post(client, task.id, action, **data)
    clock.set(datetime(2026, 3, 10, 16, 0))
    return task.id


def test_the_timeline_lists_every_change_with_who_and_when(client, login_as, worked_task):
    login_as("shizhang")
    html = page(client, f"/tasks/{worked_task}")
    timeline = html[html.index("办理过程"):]
    items = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", li)).strip()
             for li in re.findall(r"<li class=\"mb-1\">(.*?)</li>", timeline, re.S)]
    admin, gxj, fgw = account("admin").display_name, account("gxj").display_name, account("fgw").display_name
    gxj_unit, fgw_unit = unit_of("gxj").short_name, unit_of("fgw").short_name
    expected = [
        ("2026-03-10 09:00", "交办", admin, "完成时限：2026-03-31"),
        ("2026-03-10 09:30", "签收", f"{gxj}（{gxj_unit}）", "（已交办 → 已签收）"),
        ("2026-03-10 10:00", "进展反馈", f"{gxj}（{gxj_unit}）", "30%：已完成项目选址"),
        ("2026-03-10 10:15", "进展反馈", f"{fgw}（{fgw_unit}）", "10%：发改委配合：立项材料已受理"),
        ("2026-03-10 10:20", "进展反馈", f"{fgw}（{fgw_unit}）", "20%：发改委配合：立项已批复"),
        ("2026-03-10 11:00", "催办", admin, "请加快用地报批"),
        ("2026-03-10 14:00", "申请延期", f"{gxj}（{gxj_unit}）", "申请延期至 2026-04-30：用地指标待省厅下达"),
        ("2026-03-10 15:00", "同意延期", admin, "时限由 2026-03-31 延至 2026-04-30"),
    ]
    assert len(items) == len(expected), items
    for item, (at, kind, who, detail) in zip(items, expected, strict=True):
        assert item.startswith(f"{at} {kind}"), item
        assert who in item and detail in item, (item, who, detail)
    assert "（已签收 → 办理中）" in items[2]  # the lead's first report starts the work
    # the due date shows the extension; the side panel lists the urge and the extension request
    assert "2026-04-30（原时限 2026-03-31，已批准延期）" in html
    assert re.search(r"2026-03-10 11:00 督办 · " + re.escape(admin) + "：请加快用地报批", html)
    assert "2026-03-10 申请延至 2026-04-30：已同意（同意延期）" in html
    assert "多次催办" not in html and "已催办" in html


def test_each_units_latest_progress_has_its_own_row_and_all_follow_ups_are_listed(client, login_as,
                                                                                   worked_task):
    login_as("gxj")
    html = page(client, f"/tasks/{worked_task}")
    table = html[html.index("各单位最新进展"):html.index("进展反馈（")]
    rows = {}
    for row in re.findall(r"<tr><td class=\"text-nowrap\">(.*?)</tr>", table, re.S):
        cells = [re.sub(r"<[^>]+>|\s+", "", cell) for cell in row.split("</td>")[:-1]]
        rows[cells[0].removesuffix("红")] = cells[1:]
    gxj_unit, fgw_unit, kjj_unit = (unit_of(u).short_name for u in ("gxj", "fgw", "kjj"))
    assert set(rows) == {f"牵头：{gxj_unit}", f"配合：{fgw_unit}", f"配合：{kjj_unit}"}
    assert rows[f"牵头：{gxj_unit}"] == ["已完成项目选址", "30%", "2026-03-10"]
    assert rows[f"配合：{fgw_unit}"] == ["发改委配合：立项已批复", "20%", "2026-03-10"]  # the latest only
    assert rows[f"配合：{kjj_unit}"] == ["暂无反馈", "", ""]
    assert "进展反馈（3）" in html
    listed = html[html.index("进展反馈（3）"):html.index("办理过程")]
    assert all(text in listed for text in ("已完成项目选址", "立项材料已受理", "立项已批复"))
    assert listed.index("立项已批复") < listed.index("立项材料已受理")  # newest first


def test_the_co_unit_sees_the_form_for_its_own_part_only(client, login_as, worked_task):
    login_as("fgw")
    html = page(client, f"/tasks/{worked_task}")
    assert "反馈进展（本单位配合部分）" in html
    for absent in ('id="completion"', 'id="extension"', 'id="urge"', 'id="cancel"'):
        assert absent not in html
    login_as("gxj")
    html = page(client, f"/tasks/{worked_task}")
    assert 'id="completion"' in html and 'id="extension"' in html and "本单位配合部分" not in html


# --- refused actions: 4xx, the Chinese reason, the form as typed, nothing changed ------------------------------

@pytest.fixture
def started(client, login_as, clock):
    """A task of 市工信局 (co-unit 市发改委) in progress, due 2026-03-31; gxj is signed in."""
    task = assign_task("详情页拒绝操作事项", unit_of("gxj"), co=[unit_of("fgw")], due="2026-03-31",
                       assigned="2026-03-02")
    login_as("gxj")
    post(client, task.id, "accept")
    post(client, task.id, "follow-up", text="开工准备", percent="10")
    return task.id


REFUSALS = [
    # (action, the form's anchor, the data typed, status, the reason, what must be shown again)
    ("follow-up", "follow-up", {"text": "厂房主体结构已封顶", "percent": "120"}, 400,
     "完成进度必须是 0 到 100 的整数。", ["厂房主体结构已封顶", 'value="120"']),
    ("follow-up", "follow-up", {"text": "厂房主体结构已封顶", "percent": "七十"}, 400,
     "“完成进度（%）”必须是整数。", ["厂房主体结构已封顶", 'value="七十"']),
    ("follow-up", "follow-up", {"text": "  ", "percent": "55"}, 400, "请填写进展情况。", ['value="55"']),
    ("request-completion", "completion", {"completed_on": "2026-03-20", "summary": "生产线全部投产"}, 422,
     "完成日期 2026-03-20 晚于今天，不能预报办结。", ["生产线全部投产", 'value="2026-03-20"']),
    ("request-completion", "completion", {"completed_on": "2026-02-20", "summary": "生产线全部投产"}, 422,
     "完成日期不能早于交办日期 2026-03-02。", ["生产线全部投产", 'value="2026-02-20"']),
    ("request-completion", "completion", {"completed_on": "三月九日", "summary": "生产线全部投产"}, 400,
     "日期格式不正确，请使用 2026-03-01 这样的格式。", ["生产线全部投产", 'value="三月九日"']),
    ("request-extension", "extension", {"new_due_on": "2026-03-20", "reason": "设备到货延迟"}, 422,
     "延期后的时限必须晚于当前时限 2026-03-31。", ["设备到货延迟", 'value="2026-03-20"']),
    ("request-extension", "extension", {"new_due_on": "", "reason": "设备到货延迟"}, 400,
     "请填写延期后的时限。", ["设备到货延迟"]),
    ("request-extension", "extension", {"new_due_on": "2026-05-31", "reason": ""}, 400,
     "请填写延期理由。", ['value="2026-05-31"']),
]


@pytest.mark.parametrize(("action", "anchor", "data", "status", "reason", "kept"), REFUSALS,
                         ids=[f"{r[0]}-{r[4][:12]}" for r in REFUSALS])
def test_a_refused_action_shows_the_reason_and_the_form_as_typed_and_changes_nothing(
        client, started, action, anchor, data, status, reason, kept):
    before = state_of(started)
    html = post(client, started, action, status=status, **data)
    assert reason in " ".join(flashes(html))
    form = form_html(html, anchor)
    assert "border-danger" in form  # the refused form is the one marked
    for text in kept:
        assert text in form, text
    # the form carries the current version, so the corrected form can be sent as it is (the follow-up form,
    # an append, carries none: tests/tasks/test_follow_up_appends.py)
    if action == "follow-up":
        assert 'name="version"' not in form
    else:
        assert f'name="version" type="hidden" value="{before["version"]}"' in form or \
            f'value="{before["version"]}"' in re.search(r'<input[^>]*name="version"[^>]*>', form).group(0)
    assert state_of(started) == before
    assert "详情页拒绝操作事项" in html and "办理过程" in html  # the whole page, not an error page


def test_the_corrected_form_goes_through_after_a_refusal(client, started):
    post(client, started, "follow-up", status=400, text="厂房主体结构已封顶", percent="120")
    post(client, started, "follow-up", text="厂房主体结构已封顶", percent="70")
    assert current(started).parties[0].last_follow_up.percent == 70


def test_a_stale_page_is_refused_as_a_conflict_and_keeps_the_text(client, started):
    before = state_of(started)
    # (a follow-up sends no version, so a stale page is shown with the extension request)
    html = post(client, started, "request-extension", status=409, new_due_on="2026-04-30", reason="用旧页面提交的理由",
                version=str(before["version"] - 1))
    assert "该事项已被他人更新，请刷新页面查看最新情况后再操作。" in " ".join(flashes(html))
    assert "用旧页面提交的理由" in form_html(html, "extension")
    assert state_of(started) == before


def test_a_mangled_version_is_a_conflict_not_a_500(client, started):
    before = state_of(started)
    for version in ("abc", "-1", "99999999999999999999999", "1.5"):
        post(client, started, "request-extension", status=409, new_due_on="2026-04-30", reason="理由",
             version=version)
    assert state_of(started) == before


@pytest.fixture
def completion_requested(client, login_as, started):
    post(client, started, "request-completion", completed_on="2026-03-09", summary="已全部完成")
    login_as("admin")
    return started


@pytest.mark.parametrize(("action", "anchor", "reason"), [
    ("return", "return", "请填写退回理由。"),
])
def test_a_refused_return_marks_the_return_form(client, completion_requested, action, anchor, reason):
    before = state_of(completion_requested)
    html = post(client, completion_requested, action, status=422, note="")
    assert reason in " ".join(flashes(html))
    assert "border-danger" in form_html(html, anchor)
    assert "border-danger" not in form_html(html, "decide")
    assert state_of(completion_requested) == before


def test_a_refused_refusal_of_an_extension_marks_its_form(client, login_as, started):
    post(client, started, "request-extension", new_due_on="2026-04-30", reason="设备到货延迟")
    login_as("admin")
    before = state_of(started)
    html = post(client, started, "refuse-extension", status=422, note=" ")
    assert "请填写审核意见。" in " ".join(flashes(html))
    assert "border-danger" in form_html(html, "refuse-extension")
    assert "border-danger" not in form_html(html, "decide-extension")
    assert state_of(started) == before


def test_an_action_the_state_does_not_allow_is_a_409_in_chinese(client, login_as, completion_requested):
    before = state_of(completion_requested)
    login_as("gxj")
    html = post(client, completion_requested, "request-extension", status=409, new_due_on="2026-04-30",
                reason="再延一个月")
    assert "该事项当前不能申请延期（当前状态：申请办结）。" in " ".join(flashes(html))
    assert state_of(completion_requested) == before
    assert current(completion_requested).state is TaskState.completion_requested


def test_an_unknown_urge_level_and_a_cancel_without_reason_are_refused(client, login_as, started):
    login_as("admin")
    before = state_of(started)
    html = post(client, started, "urge", status=400, level="9", note="加快")
    assert "请选择催办级别（催办、督办或通报）。" in " ".join(flashes(html))
    assert "加快" in form_html(html, "urge")
    html = post(client, started, "cancel", status=400, reason="")
    assert "请填写撤销理由。" in " ".join(flashes(html))
    assert state_of(started) == before
    assert D("2026-03-31") == current(started).due_on
