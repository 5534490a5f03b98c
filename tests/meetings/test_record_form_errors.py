"""The meeting forms show every mistake at once (issue #16, part 4): a submission with several bad fields, the
decision rows' included, answers 400 with each field marked (is-invalid, its message beside it), every message in
the list at the top, and writes nothing. Before, the record service refused at its first mistake and the form
showed that one only, on no field when it was a decision row's."""

from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from app.core.models import AuditEntry
from app.extensions import db
from app.meetings import services
from app.meetings.models import MeetingRecord
from app.meetings.services import RecordInput
from tests.factories import account, unit
from tests.meetings.records_helpers import D, counts, semiannual, weekly


@pytest.fixture(autouse=True)
def _frozen(clock):  # 2026-03-10 09:00
    return clock


class _Fields(HTMLParser):
    """The class attribute of every element with an id, and the texts of the error list at the top."""

    def __init__(self, body):
        super().__init__()
        self.classes = {}
        self.summary = []
        self._in_summary = 0
        self._item = None
        self.feed(body)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.classes[attrs["id"]] = attrs.get("class") or ""
        if "data-error-summary" in attrs:
            self._in_summary = 1
        elif self._in_summary:
            self._in_summary += tag not in ("br", "input")
            if tag == "li":
                self._item = []

    def handle_endtag(self, tag):
        if self._in_summary:
            if tag == "li" and self._item is not None:
                self.summary.append("".join(self._item).strip())
                self._item = None
            self._in_summary -= 1

    def handle_data(self, data):
        if self._item is not None:
            self._item.append(data)


def marked(response, *field_ids):
    """Assert the fields are marked invalid; returns the messages of the list at the top."""
    page = _Fields(response.get_data(as_text=True))
    for field_id in field_ids:
        assert field_id in page.classes, f"no field {field_id}"
        assert "is-invalid" in page.classes[field_id].split(), f"{field_id} is not marked: {page.classes[field_id]!r}"
    return page.summary


def everything_written():
    return (*counts(), db.session.scalar(sa.select(sa.func.count(AuditEntry.id))))


def weekly_with_mistakes(**extra):
    """市科技局's 周会商 with five mistakes: a meeting day after today, a decision without lead unit nor due date,
    one due before today, and one for a unit not at the meeting."""
    data = {"held_on": "2026-03-12", "place": "市科技局会议室", "chair": "局长", "minutes": "会议纪要正文",
            "unit_ids": [str(unit("市工信局").id)],
            "decisions-0-text": "建设中试基地", "decisions-0-lead_unit_id": "", "decisions-0-due_on": "",
            "decisions-0-make_task": "y",
            "decisions-1-text": "梳理高新技术企业名单", "decisions-1-lead_unit_id": str(unit("市工信局").id),
            "decisions-1-due_on": "2026-03-01", "decisions-1-make_task": "y",
            "decisions-2-text": "对接省科技厅", "decisions-2-lead_unit_id": str(unit("市科技局").id),
            "decisions-2-co_unit_ids": [str(unit("市发改委").id)], "decisions-2-due_on": "2026-04-30",
            "decisions-2-make_task": "y",
            "decisions-3-text": "", "decisions-3-lead_unit_id": ""}
    data.update(extra)
    return data


def test_weekly_form_with_several_mistakes_shows_every_one_on_its_field_and_writes_nothing(client, login_as):
    meeting = weekly()
    login_as("kjj")
    before = everything_written()
    response = client.post(f"/meetings/expected/{meeting.id}/record", data=weekly_with_mistakes())
    assert response.status_code == 400
    summary = marked(response, "held_on", "decisions-0-lead_unit_id", "decisions-0-due_on", "decisions-1-due_on",
                     "decisions-2-co_unit_ids")
    expected_messages = [
        "会议日期 2026-03-12 晚于今天，请在会议召开后再填写纪要。",
        "请为会议决定“建设中试基地”选择牵头单位。",
        "请为会议决定“建设中试基地”填写完成时限。",
        "会议决定的完成时限 2026-03-01 早于今天，请选择今天或以后的日期。",
        "“市发改委”不是本次会议的召集单位或出席单位",
    ]
    body = response.get_data(as_text=True)
    for message in expected_messages:
        assert message in body
        assert any(message in item for item in summary), (message, summary)
    assert len(summary) == len(expected_messages), summary
    assert "提交的内容有 5 处需要修改，尚未保存" in body
    # The rows typed are all kept, the empty fourth one too (a row is only ignored when saving).
    assert "梳理高新技术企业名单" in body and "对接省科技厅" in body
    assert everything_written() == before


def test_each_mistake_alone_is_still_refused_with_its_message(client, login_as):
    """The same checks one by one: the rows that are right do not hide the row that is wrong."""
    meeting = weekly()
    login_as("kjj")
    good = {"decisions-0-lead_unit_id": str(unit("市科技局").id), "decisions-0-due_on": "2026-03-31",
            "decisions-1-due_on": "2026-03-31", "decisions-2-co_unit_ids": [], "held_on": "2026-03-09"}
    # A mistake the record service would refuse alone keeps the service's status (403: a unit the user may not
    # assign; 422: a rule of the data); the form's own checks answer 400.
    for name, bad, field_id, status in [
            ("held_on", "2026-03-12", "held_on", 400),
            ("decisions-0-due_on", "", "decisions-0-due_on", 400),
            ("decisions-1-due_on", "2026-03-01", "decisions-1-due_on", 422),
            ("decisions-2-co_unit_ids", [str(unit("市发改委").id)], "decisions-2-co_unit_ids", 403)]:
        before = everything_written()
        response = client.post(f"/meetings/expected/{meeting.id}/record",
                               data=weekly_with_mistakes(**dict(good, **{name: bad})))
        assert response.status_code == status, name
        assert len(marked(response, field_id)) == 1, name
        assert everything_written() == before
    response = client.post(f"/meetings/expected/{meeting.id}/record", data=weekly_with_mistakes(**good))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(MeetingRecord).where(MeetingRecord.expected_id == meeting.id)) is not None


def test_a_decision_kept_as_a_record_only_needs_no_due_date(client, login_as):
    meeting = weekly()
    login_as("kjj")
    response = client.post(f"/meetings/expected/{meeting.id}/record", data={
        "held_on": "2026-03-09", "minutes": "纪要", "decisions-0-text": "加强调度",
        "decisions-0-lead_unit_id": str(unit("市科技局").id), "decisions-0-due_on": ""})
    assert response.status_code == 302


def test_semiannual_report_without_text_and_with_a_future_date_shows_both(client, login_as):
    meeting = semiannual()
    login_as("admin")
    before = everything_written()
    response = client.post(f"/meetings/expected/{meeting.id}/record", data={"held_on": "2026-03-20", "minutes": ""})
    assert response.status_code == 400
    summary = marked(response, "held_on", "minutes")
    assert summary == ["会议日期 2026-03-20 晚于今天，请在会议召开后再填写纪要。", "请填写述职报告正文。"]
    assert everything_written() == before


def test_editing_a_signed_record_shows_every_mistake_at_once(client, login_as):
    meeting = weekly()
    owner = account("kjj")
    record = services.create_record(owner, meeting, RecordInput(held_on=D("2026-03-09"), minutes="纪要"),
                                    D("2026-03-10"))
    services.sign_off(owner, record)
    db.session.commit()
    login_as("kjj")
    before = everything_written()
    response = client.post(f"/meetings/records/{record.id}/edit", data={
        "version": str(record.version), "held_on": "2026-3-x", "place": "三楼\n会议室", "minutes": "纪要（修改）",
        "unit_ids": [str(unit("市工信局").id)], "reason": ""})
    assert response.status_code == 400
    summary = marked(response, "held_on", "place", "reason")
    assert summary[0] == "日期格式不正确，请使用 2026-03-01 这样的格式。" and "地点" in summary[1]
    assert summary[2] == "该纪要已签发锁定，修改必须填写修改理由。" and len(summary) == 3
    assert everything_written() == before


def test_decisions_added_on_the_record_page_refuse_every_bad_row_at_once(client, login_as):
    meeting = weekly()
    owner = account("kjj")
    record = services.create_record(owner, meeting, RecordInput(held_on=D("2026-03-09"), minutes="纪要"),
                                    D("2026-03-10"))
    db.session.commit()
    login_as("kjj")
    before = everything_written()
    response = client.post(f"/meetings/records/{record.id}/decisions", data={
        "decisions-0-text": "建设中试基地", "decisions-0-lead_unit_id": "", "decisions-0-make_task": "y",
        "decisions-1-text": "梳理名单", "decisions-1-lead_unit_id": str(unit("市科技局").id),
        "decisions-1-due_on": "2026-03-01", "decisions-1-make_task": "y"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    for message in ("请为会议决定“建设中试基地”选择牵头单位。", "请为会议决定“建设中试基地”填写完成时限。",
                    "会议决定的完成时限 2026-03-01 早于今天，请选择今天或以后的日期。"):
        assert message in body
    assert everything_written() == before
