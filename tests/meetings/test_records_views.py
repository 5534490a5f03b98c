"""The record pages over HTTP: the form of each type (with the repeating decision fieldset), the printable record,
sign-off, amendment with a reason, attachments, explanations and escalation — and the refusals of the issue with a
Chinese message and nothing written."""

import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.meetings import services
from app.meetings.models import (
    Escalation,
    ItemKind,
    MeetingRecord,
    RecordStatus,
)
from app.meetings.services import RecordInput
from app.tasks.models import Task
from tests.factories import account as services_user
from tests.factories import make_task, unit
from tests.meetings.records_helpers import D, counts, dispatch, monthly, quarterly, semiannual, weekly

TODAY = D("2026-03-10")


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


def weekly_form(**extra):
    data = {"held_on": "2026-03-09", "place": "市科技局会议室", "chair": "局长", "attendees": "张三",
            "topics": "科技创新", "minutes": "会议纪要正文", "unit_ids": [str(unit("市工信局").id)],
            "decisions-0-text": "建设中试基地", "decisions-0-lead_unit_id": str(unit("市科技局").id),
            "decisions-0-co_unit_ids": [str(unit("市工信局").id)], "decisions-0-due_on": "2026-03-31",
            "decisions-0-make_task": "y",
            "decisions-1-text": "梳理高新技术企业名单", "decisions-1-lead_unit_id": str(unit("市工信局").id),
            "decisions-1-due_on": "2026-04-15", "decisions-1-make_task": "y",
            "decisions-2-text": "", "decisions-2-lead_unit_id": ""}
    data.update(extra)
    return data


def text(response):
    return response.get_data(as_text=True)


def test_the_weekly_form_has_the_repeating_decision_fieldset(client, login_as):
    meeting = weekly()
    login_as("kjj")
    response = client.get(f"/meetings/expected/{meeting.id}/record")
    assert response.status_code == 200
    body = text(response)
    assert "添加一条" in body and 'data-repeat-add="decision-rows"' in body
    assert 'name="decisions-0-lead_unit_id"' in body and 'name="unit_ids"' in body
    assert "js/meetings_records.js" in body and "cdn" not in body.lower()
    script = client.get("/static/js/meetings_records.js")
    assert script.status_code == 200 and b"data-repeat-add" in script.data
    script.close()


def test_several_weekly_decisions_at_once_become_tasks_and_show_on_the_printable_record(client, login_as):
    meeting = weekly()
    login_as("kjj")
    response = client.post(f"/meetings/expected/{meeting.id}/record", data=weekly_form())
    assert response.status_code == 302
    record = db.session.scalar(sa.select(MeetingRecord).where(MeetingRecord.expected_id == meeting.id))
    assert response.headers["Location"].endswith(f"/meetings/records/{record.id}")
    decisions = [i for i in record.items if i.kind is ItemKind.decision]
    assert [d.text for d in decisions] == ["建设中试基地", "梳理高新技术企业名单"]  # the empty third row is ignored
    tasks = [db.session.get(Task, d.task_id) for d in decisions]
    assert [t.lead_unit.name for t in tasks] == ["市科技局", "市工信局"]
    assert tasks[0].co_unit_ids == [unit("市工信局").id] and tasks[1].due_on == D("2026-04-15")

    login_as("guancha")  # everyone signed in reads records; the observer only reads
    page = client.get(f"/meetings/records/{record.id}")
    body = text(page)
    assert page.status_code == 200
    assert "建设中试基地" in body and f"/tasks/{tasks[0].id}" in body and "会议纪要正文" in body
    assert "css/meetings_records.css" in body and "data-print" in body
    assert "/edit" not in body and "签发（签发后锁定）" not in body
    css = client.get("/static/css/meetings_records.css")
    assert b"A4 portrait" in css.data
    css.close()


def test_a_unit_that_does_not_convene_is_refused_with_a_chinese_message_and_nothing_written(client, login_as):
    meeting = weekly()
    before = counts()
    login_as("gxj")
    response = client.post(f"/meetings/expected/{meeting.id}/record", data=weekly_form())
    assert response.status_code == 403
    assert "市科技局的周会商只能由召集单位或千百十办填写" in text(response)
    assert client.get(f"/meetings/expected/{meeting.id}/record").status_code == 403
    assert counts() == before


def test_an_unknown_lead_unit_is_refused_on_the_form_and_nothing_written(client, login_as):
    meeting = weekly()
    before = counts()
    login_as("kjj")
    response = client.post(f"/meetings/expected/{meeting.id}/record",
                           data=weekly_form(**{"decisions-1-lead_unit_id": "999999"}))
    assert response.status_code == 400
    assert "请从列表中选择有效的牵头单位" in text(response)
    assert counts() == before


def test_a_past_due_date_is_refused_on_the_form_and_nothing_written(client, login_as):
    meeting = weekly()
    before = counts()
    login_as("kjj")
    response = client.post(f"/meetings/expected/{meeting.id}/record",
                           data=weekly_form(**{"decisions-1-due_on": "2026-03-01"}))
    assert response.status_code == 422
    assert "2026-03-01 早于今天" in text(response)
    assert counts() == before


def test_a_malformed_date_is_a_chinese_message_not_an_error(client, login_as):
    meeting = weekly()
    login_as("kjj")
    response = client.post(f"/meetings/expected/{meeting.id}/record", data=weekly_form(held_on="3月9日"))
    assert response.status_code == 400 and "日期格式不正确" in text(response)


def test_a_duplicate_record_is_refused_and_the_existing_one_opened(client, login_as):
    meeting = weekly()
    login_as("kjj")
    assert client.post(f"/meetings/expected/{meeting.id}/record", data=weekly_form()).status_code == 302
    before = counts()
    response = client.post(f"/meetings/expected/{meeting.id}/record", data=weekly_form(), follow_redirects=True)
    assert "已经填写，不能重复填写" in text(response)
    assert counts() == before


def test_unknown_ids_are_404(client, login_as):
    login_as("admin")
    assert client.get("/meetings/records/999999").status_code == 404
    assert client.get("/meetings/expected/999999/record").status_code == 404
    assert client.post("/meetings/items/999999/escalate", data={"reason": "x"}).status_code == 404


def test_sign_off_locks_and_an_amendment_needs_a_reason(client, login_as):
    meeting = weekly()
    login_as("kjj")
    client.post(f"/meetings/expected/{meeting.id}/record", data=weekly_form())
    record = meeting.record
    login_as("gxj")
    client.post(f"/meetings/records/{record.id}/sign", data={"version": record.version})
    db.session.refresh(record)
    assert record.status is RecordStatus.draft
    login_as("kjj")
    response = client.post(f"/meetings/records/{record.id}/sign", data={"version": record.version},
                           follow_redirects=True)
    assert "纪要已签发" in text(response)
    db.session.refresh(record)
    assert record.is_signed

    edit = {"held_on": "2026-03-09", "place": "市政府一号会议室", "chair": "局长", "attendees": "张三",
            "topics": "科技创新", "minutes": "会议纪要正文", "unit_ids": [str(unit("市工信局").id)],
            "version": record.version}
    page = client.get(f"/meetings/records/{record.id}/edit")
    assert "须填写理由" in text(page) or "修改必须填写理由" in text(page)
    response = client.post(f"/meetings/records/{record.id}/edit", data=edit)
    assert response.status_code == 409 and "该纪要已签发锁定，修改必须填写修改理由" in text(response)
    db.session.refresh(record)
    assert record.place == "市科技局会议室" and not record.amendments

    response = client.post(f"/meetings/records/{record.id}/edit", data=dict(edit, reason="会议地点记错"),
                           follow_redirects=True)
    assert "修改理由已记录" in text(response)
    db.session.refresh(record)
    assert record.place == "市政府一号会议室" and record.amendments[0].reason == "会议地点记错"
    assert "会议地点记错" in text(client.get(f"/meetings/records/{record.id}"))

    # a decision added to the signed record needs a reason too
    before = counts()
    client.post(f"/meetings/records/{record.id}/decisions", data={
        "decisions-0-text": "会后补充", "decisions-0-lead_unit_id": str(unit("市科技局").id),
        "decisions-0-due_on": "2026-04-01", "decisions-0-make_task": "y"})
    assert counts() == before
    response = client.post(f"/meetings/records/{record.id}/decisions", data={
        "decisions-0-text": "会后补充", "decisions-0-lead_unit_id": str(unit("市科技局").id),
        "decisions-0-due_on": "2026-04-01", "decisions-0-make_task": "y", "reason": "会后补充"},
        follow_redirects=True)
    assert "会议决定已保存" in text(response)


def test_a_stale_edit_is_refused(client, login_as):
    meeting = weekly()
    login_as("kjj")
    client.post(f"/meetings/expected/{meeting.id}/record", data=weekly_form())
    record = meeting.record
    response = client.post(f"/meetings/records/{record.id}/edit", data={
        "held_on": "2026-03-09", "minutes": "新", "version": str(record.version + 5)})
    assert response.status_code == 409 and "已被他人修改" in text(response)


def test_a_report_by_the_reporters_unit_with_attachments_readable_by_others(client, login_as):
    meeting = semiannual(day="2025-07-01")
    login_as("gxq")
    before = counts()
    refused = client.post(f"/meetings/expected/{meeting.id}/record", data={"held_on": "2026-03-10",
                                                                          "minutes": "别人的述职"})
    assert refused.status_code == 403 and "述职人所在单位" in text(refused)
    assert counts() == before

    login_as("xtx")
    response = client.post(f"/meetings/expected/{meeting.id}/record", data={
        "held_on": "2026-03-10", "minutes": "湘潭县下半年述职",
        "files": [(io.BytesIO(b"%PDF-1.4 report"), "述职材料.pdf")]}, content_type="multipart/form-data")
    assert response.status_code == 302
    record = meeting.record
    attachment = record.attachments[0]
    login_as("guancha")
    download = client.get(f"/meetings/records/{record.id}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 report"
    download.close()
    assert client.get(f"/meetings/records/{record.id + 1}/attachments/{attachment.id}").status_code == 404

    login_as("gxq")
    response = client.post(f"/meetings/records/{record.id}/attachments", data={
        "files": [(io.BytesIO(b"%PDF-1.4 other"), "别人的.pdf")]}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "只有述职人所在单位可以上传述职材料" in text(response)
    assert len(record.attachments) == 1


def test_dispatch_form_lists_the_tasks_for_instructions_and_the_record_keeps_them(client, login_as):
    task = make_task("市科技局", title="科技局逾期事项", due="2026-03-05")
    meeting = dispatch()
    login_as("fushizhang")
    page = client.get(f"/meetings/expected/{meeting.id}/record")
    assert page.status_code == 200 and f'name="instruction-{task.id}"' in text(page)
    response = client.post(f"/meetings/expected/{meeting.id}/record", data={
        "held_on": "2026-03-10", "minutes": "调度会", f"instruction-{task.id}": "三日内办结",
        "decisions-0-text": ""})
    assert response.status_code == 302
    record = meeting.record
    body = text(client.get(f"/meetings/records/{record.id}"))
    assert "三日内办结" in body and "结转下旬事项" in body and "会议时冻结" in body
    login_as("fushizhang2")
    assert client.post(f"/meetings/expected/{meeting.id}/record", data={"held_on": "2026-03-10"}).status_code \
        in (302, 403)  # the record exists now: redirected to it


def test_explanation_by_the_last_placed_unit_only(client, login_as, user):
    from app.auth.models import Role, User

    record = services.create_record(user("shuji"), quarterly(), RecordInput(held_on=TODAY), TODAY)
    item = next(i for i in record.items if i.kind is ItemKind.explanation)
    staff = User(username="mowei", display_name="末位单位联络员", password_hash="x", role=Role.staff,
                 unit_id=item.unit_id)
    db.session.add(staff)
    db.session.commit()  # the refused request below rolls its own transaction back, not this set-up
    login_as("gxj" if item.unit_id != unit("市工信局").id else "kjj")
    response = client.post(f"/meetings/items/{item.id}/explanation", data={"text": "冒名说明"}, follow_redirects=True)
    assert "末位说明只能由该单位填写" in text(response)
    db.session.refresh(item)
    assert item.text == ""
    login_as("mowei")
    page = client.get(f"/meetings/records/{record.id}")
    assert f"/meetings/items/{item.id}/explanation" in text(page)
    client.post(f"/meetings/items/{item.id}/explanation", data={"text": "得分偏低的原因及整改措施"})
    db.session.refresh(item)
    assert item.text == "得分偏低的原因及整改措施" and item.submitted_by_id == staff.id


def test_escalation_over_http_and_its_path_on_the_target_record(client, login_as, user):
    target = dispatch(day="2026-03-11", scheduled_on="2026-03-11")
    meeting = weekly()
    login_as("kjj")
    client.post(f"/meetings/expected/{meeting.id}/record", data=weekly_form())
    item = next(i for i in meeting.record.items if i.kind is ItemKind.decision)
    response = client.post(f"/meetings/items/{item.id}/escalate", data={"reason": "需副市长协调"},
                           follow_redirects=True)
    assert "已上报" in text(response)
    assert db.session.scalar(sa.select(Escalation.target_id).where(Escalation.item_id == item.id)) == target.id
    again = client.post(f"/meetings/items/{item.id}/escalate", data={"reason": "再报"}, follow_redirects=True)
    assert "不能重复上报" in text(again)
    login_as("fushizhang")
    client.post(f"/meetings/expected/{target.id}/record", data={"held_on": "2026-03-10", "minutes": "调度"})
    body = text(client.get(f"/meetings/records/{target.record.id}"))
    assert "下级会议上报事项" in body and "上报路径" in body and "需副市长协调" in body


def test_monthly_record_page_shows_the_frozen_analysis(client, login_as, user):
    record = services.create_record(user("shizhang"), monthly(day="2026-02-01"), RecordInput(
        held_on=TODAY, comments="市长讲评内容"), TODAY)
    login_as("guancha")
    body = text(client.get(f"/meetings/records/{record.id}"))
    assert "市长讲评内容" in body and "月度分析（会议时生成）" in body and "2026-02-01 至 2026-02-28" in body
    login_as("kjj")  # the month's analysis of every unit is not for a unit with no line in the record
    assert client.get(f"/meetings/records/{record.id}").status_code == 404


def test_the_edit_page_labels_the_comments_as_the_new_record_page_does(client, login_as, user):
    record = services.create_record(user("shizhang"), monthly(day="2026-02-01"), RecordInput(
        held_on=TODAY, comments="市长讲评内容"), TODAY)
    login_as("shizhang")
    body = text(client.get(f"/meetings/records/{record.id}/edit"))
    assert "市长讲评" in body and "领导讲评" not in body and "分析说明" in body


@pytest.mark.parametrize("make, username, wanted", [
    (lambda: weekly(), "kjj", "参会单位"),
    (lambda: dispatch(), "fushizhang", "调度清单"),
    (lambda: monthly(day="2026-02-01"), "shizhang", "市长讲评"),
    (lambda: quarterly(), "shuji", "产业项目观摩"),
    (lambda: semiannual(day="2025-07-01"), "xtx", "述职报告正文"),
])
def test_every_type_has_its_form_and_its_printable_record(client, login_as, make, username, wanted):
    meeting = make()
    login_as(username)
    page = client.get(f"/meetings/expected/{meeting.id}/record")
    assert page.status_code == 200 and wanted in text(page)
    response = client.post(f"/meetings/expected/{meeting.id}/record", data={
        "held_on": "2026-03-10", "minutes": "正文内容", "comments": "讲评内容"})
    assert response.status_code == 302, text(response)
    login_as("guancha")
    record_page = client.get(response.headers["Location"])
    assert record_page.status_code == 200 and "正文内容" in text(record_page)


def test_lists_offer_each_user_only_the_links_that_open(client, login_as):
    """The compliance list links a unit's staff to the forms they may fill and the records they may read — not to
    another unit's missing 周会商 (a 403) nor to a leader's 旬调度 record (a 404 for units without a line in it)."""
    own, other = weekly(day="2026-03-02", unit_name="市科技局"), weekly(day="2026-03-02", unit_name="市工信局")
    leaders = dispatch(day="2026-03-01")
    services.create_record(services_user("fushizhang"), leaders, RecordInput(held_on=D("2026-03-02"), minutes="调度"),
                           TODAY)
    db.session.commit()
    url = "/meetings/compliance?start=2026-03-01&end=2026-03-31"
    login_as("kjj")
    body = text(client.get(url))
    assert f"/meetings/expected/{own.id}/record" in body
    assert f"/meetings/expected/{other.id}/record" not in body
    assert f"/meetings/records/{leaders.record.id}" not in body
    login_as("admin")
    body = text(client.get(url))
    assert f"/meetings/expected/{other.id}/record" in body and f"/meetings/records/{leaders.record.id}" in body




def test_attachments_whose_second_file_is_refused_keep_neither_row_nor_file(client, login_as, app, tmp_path,
                                                                             monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    meeting = semiannual(day="2025-07-01")
    login_as("xtx")
    client.post(f"/meetings/expected/{meeting.id}/record", data={"held_on": "2026-03-10", "minutes": "湘潭县述职"})
    record = meeting.record
    response = client.post(f"/meetings/records/{record.id}/attachments", content_type="multipart/form-data", data={
        "files": [(io.BytesIO(b"%PDF-1.4 report"), "述职材料.pdf"),
                  (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 60), "伪装成文档.pdf")]}, follow_redirects=True)
    assert "伪装成文档.pdf" in text(response)  # the refusal names the file
    db.session.expire_all()
    assert record.attachments == []
    stored = [path for path in (tmp_path / "uploads").rglob("*") if path.is_file()]
    assert stored == []  # the first file, stored before the second was refused, is gone with the rollback
