"""The 考评会商 (附件2 六(二)): before each quarter's assessment the office convenes the assessing units to consult
on the indicators' completion. One expected meeting per quarter, convened by the office, after the quarter's end
and before its 季考核; the office alone logs it; the office, leaders, observers and the units in the room read it;
the quarter's indicator completion is shown live on the draft and frozen into the record at sign-off; reminders
and the compliance view as for the other types."""

import io
from datetime import date, datetime

import openpyxl
import pytest
import sqlalchemy as sa

from app.core.calendar import load_calendar
from app.core.errors import ServiceError
from app.core.models import AuditEntry
from app.core.workdays import WorkdayCalendar
from app.extensions import db
from app.meetings import cadence, compliance, permissions, services
from app.meetings.models import CadenceRule, ExpectedMeeting, MeetingRecord, MeetingType, RecordStatus
from app.org.models import Unit, UnitKind
from app.reminders import jobs
from app.reminders.rules import load_settings
from app.scoring.criteria_scoring import completion_summary
from app.scoring.queries import assessor_unit_ids
from app.tasks.models import Task
from tests.factories import account, unit

D = date.fromisoformat
LIBRARY = WorkdayCalendar()  # 2026 is in the installed holiday data
OFFICE = "市产业强市“千百十”工程办"


def office():
    return db.session.scalar(sa.select(Unit).where(Unit.kind == UnitKind.office).order_by(Unit.sort_order))


def consultation(key="2026-Q1"):
    return db.session.scalar(sa.select(ExpectedMeeting).where(
        ExpectedMeeting.type == MeetingType.consultation, ExpectedMeeting.period_key == key))


def quarterly_meeting(key):
    return db.session.scalar(sa.select(ExpectedMeeting).where(
        ExpectedMeeting.type == MeetingType.quarterly, ExpectedMeeting.period_key == key))


@pytest.fixture
def april(cadence_on, clock):
    """The cadence generated on 2026-03-10, the clock then moved to the day after the Q1 consultation."""
    cadence_on(D("2026-03-10"))
    clock.set(datetime(2026, 4, 7, 9, 0))
    return consultation("2026-Q1")


def log(meeting, actor="admin", **values):
    data = services.RecordInput(held_on=meeting.scheduled_on, minutes="会商了各考评单位的指标完成情况。", **values)
    return services.create_record(account(actor), meeting, data, D("2026-04-07"))


# --- the cadence ---------------------------------------------------------------------------------------------

def test_the_consultation_period_is_the_quarter_it_assesses():
    period = cadence.period_of(MeetingType.consultation, D("2026-05-20"))
    assert (period.key, period.start, period.end, period.label) == ("2026-Q2", D("2026-04-01"), D("2026-06-30"),
                                                                    "2026年第二季度")


@pytest.mark.parametrize(("day", "scheduled", "due"), [
    ("2026-02-01", "2026-04-03", "2026-04-08"),  # 04-05 is 清明 (a tie): the earlier working day; due over 04-06
    ("2026-05-01", "2026-07-06", "2026-07-08"),  # 07-05 a Sunday: Monday is nearer
    ("2026-08-01", "2026-10-08", "2026-10-10"),  # National Day: after the holiday; 10-10 is a working Saturday
])
def test_one_consultation_per_quarter_after_its_end_on_working_days_before_the_quarters_review(day, scheduled, due):
    period = cadence.period_of(MeetingType.consultation, D(day))
    got, record_due, provisional = cadence.meeting_dates(cadence.default_rule(MeetingType.consultation), period,
                                                         LIBRARY)
    assert (got, record_due, provisional) == (D(scheduled), D(due), False)
    assert LIBRARY.is_workday(got) and LIBRARY.is_workday(record_due) and got > period.end
    review = cadence.meeting_dates(cadence.default_rule(MeetingType.quarterly),
                                   cadence.period_of(MeetingType.quarterly, D(day)), LIBRARY)[0]
    assert got < review


def test_a_holiday_tie_never_moves_the_consultation_back_into_the_quarter_it_assesses():
    rule = cadence.default_rule(MeetingType.consultation)
    rule.offset_days = 2  # 10-02, in the National Day holiday: 09-30 is nearer than 10-08
    period = cadence.period_of(MeetingType.consultation, D("2026-08-01"))
    assert cadence.proposed_day(rule, period, LIBRARY) == D("2026-09-30")
    assert cadence.meeting_dates(rule, period, LIBRARY)[0] == D("2026-10-08")


def test_the_job_creates_one_consultation_a_quarter_convened_by_the_office(cadence_on):
    cadence_on(D("2026-03-10"))
    meetings = db.session.scalars(sa.select(ExpectedMeeting).where(
        ExpectedMeeting.type == MeetingType.consultation).order_by(ExpectedMeeting.period_start)).all()
    assert [m.period_key for m in meetings] == ["2026-Q1", "2026-Q2", "2026-Q3"]  # 120 days ahead
    first = meetings[0]
    assert first.convener_unit.name == OFFICE and first.convener_key == f"unit:{office().id}"
    assert first.convener_person_id is None and first.convener_label == OFFICE
    assert (first.scheduled_on, first.record_due_on) == (D("2026-04-03"), D("2026-04-08"))
    assert first.scheduled_on < quarterly_meeting("2026-Q1").scheduled_on
    assert cadence_on(D("2026-03-10"))["created"] == 0


def test_the_office_may_move_the_consultation_within_its_window(client, login_as, cadence_on, clock):
    cadence_on(D("2026-03-10"))
    login_as("admin")
    response = client.post("/meetings/rules/consultation", data={
        "consultation-anchor": "end", "consultation-offset_days": "7", "consultation-record_due_workdays": "1",
        "consultation-remind_workdays_before": "1", "consultation-horizon_days": "120",
        "consultation-is_active": "y", "consultation-note": "季度结束后一周"})
    assert response.status_code == 302
    assert consultation("2026-Q1").scheduled_on == D("2026-04-07")  # 04-07 Tuesday, after 清明
    stored = db.session.scalar(sa.select(CadenceRule).where(CadenceRule.type == MeetingType.consultation))
    assert (stored.offset_days, stored.note) == (7, "季度结束后一周")


@pytest.mark.parametrize(("meeting_type", "values", "message"), [
    ("consultation", {"anchor": "end", "offset_days": "12"}, "考评会商须在季考核之前召开"),
    ("consultation", {"anchor": "end", "offset_days": "0"}, "相隔天数至少为 1 天"),
    ("consultation", {"anchor": "start", "offset_days": "95"}, "请选择从“周期最后一天”算起"),
    ("quarterly", {"anchor": "end", "offset_days": "3"}, "考评会商须在季考核之前召开"),
])
def test_a_rule_that_puts_the_consultation_out_of_its_window_is_refused(client, login_as, clock, meeting_type,
                                                                        values, message):
    login_as("admin")
    data = {f"{meeting_type}-{k}": v for k, v in dict(
        values, record_due_workdays="2", remind_workdays_before="0", horizon_days="120", is_active="y").items()}
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    response = client.post(f"/meetings/rules/{meeting_type}", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(CadenceRule).where(CadenceRule.type == MeetingType(meeting_type))) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before


def test_an_inactive_review_leaves_nothing_to_order(clock):
    rules = cadence.ensure_rules()
    cadence.update_rule(account("admin"), rules[MeetingType.quarterly], {"is_active": False})
    cadence.update_rule(account("admin"), rules[MeetingType.consultation], {"offset_days": 12})
    assert rules[MeetingType.consultation].offset_days == 12
    with pytest.raises(ServiceError, match="季考核之前"):
        cadence.update_rule(account("admin"), rules[MeetingType.quarterly], {"is_active": True})


def test_the_consultation_must_come_by_the_assessors_entry_deadline(clock):
    from app.reminders.models import ReminderSetting
    from app.reminders.rules import SETTINGS_CODE

    rules = cadence.ensure_rules()
    cadence.update_rule(account("admin"), rules[MeetingType.consultation], {"offset_days": 6})  # fine by default
    db.session.merge(ReminderSetting(code=SETTINGS_CODE, value={"scoring_entry_workday": 2}))
    db.session.flush()
    with pytest.raises(ServiceError, match="晚于考评录入截止日") as refused:
        cadence.update_rule(account("admin"), rules[MeetingType.consultation], {"offset_days": 7})
    assert refused.value.field == "offset_days" and rules[MeetingType.consultation].offset_days == 6


def test_the_rules_page_lists_the_consultation(client, login_as):
    login_as("admin")
    page = client.get("/meetings/rules").get_data(as_text=True)
    assert 'data-type="consultation"' in page and "考评会商" in page and "季考核之前" in page


# --- the record ----------------------------------------------------------------------------------------------

def test_the_office_logs_the_record_with_the_assessing_units_preselected_and_decisions_becoming_tasks(
        april, client, login_as):
    login_as("admin")
    url = f"/meetings/expected/{april.id}/record"
    form = client.get(url).get_data(as_text=True)
    assessors = assessor_unit_ids(2026)
    assert len(assessors) >= 5
    for unit_id in assessors:
        assert f'<option selected value="{unit_id}">' in form
    assert "2026年第一季度暂无考评指标完成情况" in form
    gxj, fgw = unit("市工信局"), unit("市发改委")
    response = client.post(url, data={
        "held_on": "2026-04-03", "place": "市政府第一会议室", "chair": "千百十办主任",
        "unit_ids": [str(gxj.id), str(fgw.id)], "attendees": "各考评单位分管负责人",
        "minutes": "逐项会商了一季度考评指标完成情况。",
        "decisions-0-text": "市工信局核实规上工业增加值未达标单位的数据", "decisions-0-lead_unit_id": str(gxj.id),
        "decisions-0-due_on": "2026-04-10", "decisions-0-make_task": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    record = april.record
    assert record.type is MeetingType.consultation and record.status is RecordStatus.draft
    assert {u.id for u in record.units} == {gxj.id, fgw.id}
    [decision] = record.items
    task = db.session.get(Task, decision.task_id)
    assert task.lead_unit_id == gxj.id and "考评会商" in task.source_ref
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "千百十办 2026年第一季度考评会商纪要" in page or f"{OFFICE} 2026年第一季度考评会商纪要" in page
    assert "会商情况" in page and "市发改委" in page


def test_without_units_chosen_the_record_has_the_years_assessing_units(april):
    record = log(april)
    assert {u.id for u in record.units} == assessor_unit_ids(2026)


@pytest.mark.parametrize("username", ["shuji", "fushizhang", "gxj", "xtx", "guancha"])
def test_only_the_office_logs_the_consultation(april, client, login_as, username):
    login_as(username)
    response = client.get(f"/meetings/expected/{april.id}/record")
    assert response.status_code == 403
    assert "考评会商只能由千百十办填写" in response.get_data(as_text=True)
    assert client.post(f"/meetings/expected/{april.id}/record", data={
        "held_on": "2026-04-03", "minutes": "x"}).status_code == 403
    with pytest.raises(ServiceError, match="千百十办"):
        log(april, username)
    assert april.record is None


def test_the_office_leaders_observers_and_the_units_in_the_room_read_the_record_not_the_assessed_units(
        april, client, login_as):
    gxj, xtq = unit("市工信局"), unit("湘潭县人民政府")
    record = log(april, unit_ids=[gxj.id])
    db.session.commit()
    for username, status in (("admin", 200), ("shuji", 200), ("fushizhang", 200), ("guancha", 200), ("gxj", 200),
                             ("fgw", 404), ("xtx", 404)):
        login_as(username)
        assert client.get(f"/meetings/records/{record.id}").status_code == status, username
        assert client.get(f"/meetings/records/{record.id}.xlsx").status_code == status, username
        if username != "admin":  # a reader is not a signer (refused in a flash), another gets the 404
            response = client.post(f"/meetings/records/{record.id}/sign", data={"version": str(record.version)})
            assert response.status_code == (404 if status == 404 else 302), username
    db.session.refresh(record)
    assert record.status is RecordStatus.draft

    def readable(username):
        return set(db.session.scalars(sa.select(MeetingRecord.id).where(
            permissions.readable_records_clause(account(username)))))

    assert record.id in readable("gxj") and record.id in readable("guancha")
    assert record.id not in readable("fgw") and record.id not in readable("xtx")
    # a unit with a line in it (a decision it leads) reads it too
    services.add_decision(account("admin"), record, "湘潭县补报二季度项目数据", xtq, [], D("2026-04-20"),
                          D("2026-04-07"))
    assert record.id in readable("xtx")
    assert permissions.can_read_record(account("xtx"), record)


def test_the_staff_list_links_only_the_units_in_the_room(april):
    record = log(april, unit_ids=[unit("市工信局").id])
    assert permissions.can_follow_from_list(account("gxj"), record.expected)
    assert not permissions.can_follow_from_list(account("fgw"), record.expected)
    assert permissions.can_follow_from_list(account("guancha"), record.expected)


def test_an_edit_may_not_leave_the_consultation_without_assessing_units(april, client, login_as):
    record = log(april)
    db.session.commit()
    login_as("admin")
    response = client.post(f"/meetings/records/{record.id}/edit", data={
        "held_on": "2026-04-03", "minutes": "改", "version": str(record.version)})
    assert response.status_code in (400, 422)
    assert "请选择参加会商的考评单位" in response.get_data(as_text=True)
    db.session.refresh(record)
    assert {u.id for u in record.units} == assessor_unit_ids(2026) and record.minutes != "改"


# --- the indicator completion ----------------------------------------------------------------------------------

SUMMARY = [
    {"assessor": "miit", "label": "市工信局", "indicators": [
        {"code": "miit.1", "name": "规模工业增加值增速", "units": 3,
         "short": [("湘潭县人民政府", "86.5%", "1.2个百分点"), ("湘潭高新区管委会", "92%", "0.5个百分点")]},
        {"code": "miit.2", "name": "新增规上工业企业", "units": 3, "short": []},
    ]},
    {"assessor": "ndrc", "label": "市发改委", "indicators": [
        {"code": "ndrc.1", "name": "产业项目投资", "units": ["湘潭县人民政府", "韶山市人民政府"],
         "short": [{"unit": "韶山市人民政府", "completion": "70%", "shortfall": "3.5亿元"}]},
    ]},
]


def test_the_draft_shows_the_quarters_completion_live_and_an_empty_one_in_words(april, client, login_as):
    record = log(april)
    record.snapshot = services.consultation_snapshot(2026, 1, SUMMARY, D("2026-04-03"))  # a draft ignores it
    db.session.commit()
    login_as("admin")
    page = client.get(f"/meetings/records/{record.id}").get_data(as_text=True)
    assert completion_summary(2026, 1) == []  # nothing published in the test organisation
    assert "2026年第一季度考评指标完成情况" in page and "当前数据，签发时固定" in page
    assert "2026年第一季度暂无考评指标完成情况" in page and "规模工业增加值增速" not in page


def test_sign_off_freezes_the_quarters_completion_into_the_record(april, client, login_as):
    record = log(april)
    db.session.commit()
    login_as("admin")
    assert client.post(f"/meetings/records/{record.id}/sign", data={"version": str(record.version)}).status_code == 302
    db.session.refresh(record)
    assert record.is_signed
    expected = services.consultation_snapshot(2026, 1, completion_summary(2026, 1), D("2026-04-07"))
    assert record.snapshot["kind"] == "consultation" and (record.snapshot["year"], record.snapshot["quarter"]) == (
        2026, 1)
    assert record.snapshot["as_of"] == "2026-04-07"
    assert record.snapshot["assessors"] == expected["assessors"]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "meeting_record.sign",
                                                          AuditEntry.object_id == str(record.id)))
    assert entry is not None and "completion_frozen" in entry.after


def test_a_signed_record_shows_its_frozen_copy_per_assessor_with_the_units_short_of_target(april, client, login_as):
    record = log(april)
    services.sign_off(account("admin"), record)
    # the copy frozen at sign-off (data passed in: the live summary of the test organisation is empty)
    record.snapshot = services.consultation_snapshot(2026, 1, SUMMARY, D("2026-04-03"))
    db.session.commit()
    login_as("gxj")
    page = client.get(f"/meetings/records/{record.id}").get_data(as_text=True)
    assert "签发时固定，截至 2026-04-03" in page and "暂无考评指标完成情况" not in page
    assert 'data-assessor="miit"' in page and 'data-assessor="ndrc"' in page
    for text in ("规模工业增加值增速", "湘潭高新区管委会", "86.5%", "1.2个百分点", "均已达到目标", "3.5亿元"):
        assert text in page, text
    assert record.snapshot["short_total"] == 3
    assert record.snapshot["assessors"][1]["indicators"][0]["units"] == 2  # a list of units counts as its length
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/meetings/records/{record.id}.xlsx").data))
    sheet = book["指标完成情况"]
    cells = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "湘潭县人民政府" in cells and "0.5个百分点" in cells and "均已达到目标" in cells


def test_the_frozen_copy_is_plain_json_whatever_the_summary_holds():
    from decimal import Decimal

    snap = services.consultation_snapshot(2026, 2, [{"assessor": "most", "label": "市科技局", "indicators": [
        {"code": "most.1", "name": "高新技术企业", "units": None,
         "short": [("韶山市人民政府", Decimal("0.85"), Decimal("3"))]}]}], D("2026-07-06"))
    row = snap["assessors"][0]["indicators"][0]["short"][0]
    assert row == {"unit": "韶山市人民政府", "completion": "0.85", "shortfall": "3"}
    assert services.consultation_snapshot(2026, 2, [], D("2026-07-06"))["assessors"] == []


# --- reminders and compliance ----------------------------------------------------------------------------------

def reminders_on(day):
    return compliance.meeting_reminders(day, load_calendar(), load_settings(), jobs.Recipients(day))


def test_the_office_is_reminded_before_the_due_day_and_told_when_the_record_is_late(cadence_on, user):
    cadence_on(D("2026-03-10"))
    meeting = consultation("2026-Q1")

    def about(day, rule="meeting_record"):
        return [r for r in reminders_on(day) if r.subject_id == str(meeting.id) and r.rule == rule]

    assert about(D("2026-04-01")) == []
    early = about(D("2026-04-02"))  # three working days before 04-08 (04-06 is 清明)
    assert {r.user_id for r in early} == {user("admin").id}
    assert early[0].occasion == "before-3" and "考评会商" in early[0].title and "千百十办" in early[0].title
    assert "会商考评指标完成情况" in early[0].body
    [due] = about(D("2026-04-08"))
    assert due.occasion == "due" and due.user_id == user("admin").id
    assert about(D("2026-04-10"), "meeting_escalation") == []
    [late] = about(D("2026-04-13"), "meeting_escalation")
    assert late.user_id == user("admin").id and "逾期 3 个工作日" in late.title
    log(meeting)
    assert about(D("2026-04-13")) == [] and about(D("2026-04-13"), "meeting_escalation") == []


def test_a_missing_consultation_shows_on_the_compliance_page(cadence_on, client, login_as, clock):
    cadence_on(D("2026-03-10"))
    clock.set(datetime(2026, 4, 20, 9, 0))
    rows = compliance.compliance_rows(D("2026-04-01"), D("2026-04-30"), type=MeetingType.consultation,
                                      today=D("2026-04-20"))
    assert [(r.expected.period_key, r.status) for r in rows] == [("2026-Q1", compliance.ComplianceStatus.missing)]
    login_as("admin")
    page = client.get("/meetings/compliance?start=2026-04-01&end=2026-04-30&type=consultation").get_data(
        as_text=True)
    assert "考评会商" in page and "缺失" in page and "2026年第一季度" in page
    counts = compliance.compliance_counts(D("2026-04-01"), D("2026-04-30"), D("2026-04-20"))
    assert counts[MeetingType.consultation]["missing"] == 1


def test_the_assessing_units_see_the_consultation_on_their_calendar_the_assessed_units_do_not(cadence_on, client,
                                                                                               login_as, clock):
    cadence_on(D("2026-03-10"))
    for username, shown in (("gxj", True), ("admin", True), ("xtx", False), ("gxq", False)):
        login_as(username)
        page = client.get("/meetings/calendar?month=2026-04").get_data(as_text=True)
        assert ("考评会商" in page) is shown, username
