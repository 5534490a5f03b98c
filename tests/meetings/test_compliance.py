"""The compliance view: each expected meeting recorded, late, pending or missing, by type and convener; its query
count; its page and filters; and the reminders it feeds into the reminders scan."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app.core.calendar import load_calendar
from app.extensions import db
from app.meetings.compliance import ComplianceStatus, compliance_counts, compliance_rows, meeting_reminders
from app.meetings.models import ExpectedMeeting, MeetingRecord, MeetingType
from app.org.models import Person, Unit
from app.reminders import jobs
from app.reminders.models import OutboxMessage
from app.reminders.rules import load_settings

D = date.fromisoformat


def unit_id(name):
    return db.session.scalar(sa.select(Unit.id).where(Unit.name == name))


def weekly(unit_name, key):
    return db.session.scalar(sa.select(ExpectedMeeting).where(
        ExpectedMeeting.type == MeetingType.weekly, ExpectedMeeting.period_key == key,
        ExpectedMeeting.convener_unit_id == unit_id(unit_name)))


def log_record(meeting, on):
    """A record created at 10:00 local time on `on` (the records service is tested elsewhere)."""
    record = MeetingRecord(expected=meeting, type=meeting.type, held_on=meeting.scheduled_on,
                           created_at=datetime(on.year, on.month, on.day, 2, 0, tzinfo=UTC))
    db.session.add(record)
    db.session.flush()
    return record


@pytest.fixture
def march(cadence_on):
    """The cadence generated on 2026-03-10; 周会商 W10 (03-02, due 03-06): 工信局 logged on time (03-05), 发改委 late
    (03-09), 科技局 not at all."""
    cadence_on(D("2026-03-10"), since=D("2026-02-01"))
    log_record(weekly("市工信局", "2026-W10"), D("2026-03-05"))
    log_record(weekly("市发改委", "2026-W10"), D("2026-03-09"))


def test_rows_are_recorded_late_missing_or_pending_on_the_day(march):
    rows = {(r.expected.period_key, r.expected.convener_unit.name): r for r in compliance_rows(
        D("2026-03-01"), D("2026-03-15"), type=MeetingType.weekly, today=D("2026-03-10"))}
    assert rows[("2026-W10", "市工信局")].status is ComplianceStatus.recorded
    late = rows[("2026-W10", "市发改委")]
    assert (late.status, late.logged_on, late.days_late) == (ComplianceStatus.late, D("2026-03-09"), 3)
    assert rows[("2026-W10", "市科技局")].status is ComplianceStatus.missing
    assert rows[("2026-W11", "市科技局")].status is ComplianceStatus.pending  # 03-09, due 03-13
    assert {r.expected.type for r in rows.values()} == {MeetingType.weekly}
    # the same meeting seen on its due day is still pending, not missing
    [on_friday] = compliance_rows(D("2026-03-02"), D("2026-03-02"), type=MeetingType.weekly,
                                  convener_unit_id=unit_id("市科技局"), today=D("2026-03-06"))
    assert on_friday.status is ComplianceStatus.pending


def test_rows_filter_by_convener_unit_and_status(march):
    gxj = compliance_rows(D("2026-03-01"), D("2026-03-31"), convener_unit_id=unit_id("市工信局"),
                          today=D("2026-03-10"))
    assert gxj and all(r.expected.convener_unit_id == unit_id("市工信局") for r in gxj)
    missing = compliance_rows(D("2026-03-01"), D("2026-03-31"), status=ComplianceStatus.missing,
                              today=D("2026-03-10"))
    assert missing and all(r.status is ComplianceStatus.missing for r in missing)
    assert all(r.expected.record_due_on < D("2026-03-10") for r in missing)


def test_counts_per_type_partition_the_expected_meetings(march):
    counts = compliance_counts(D("2026-03-01"), D("2026-03-31"), today=D("2026-03-10"))
    assert set(counts) == set(MeetingType)
    rows = compliance_rows(D("2026-03-01"), D("2026-03-31"), today=D("2026-03-10"))
    for meeting_type, c in counts.items():
        mine = [r for r in rows if r.expected.type is meeting_type]
        assert c["expected"] == len(mine) == c["recorded"] + c["late"] + c["pending"] + c["missing"]
        assert c["logged"] == c["recorded"] + c["late"]
    assert (counts[MeetingType.weekly]["recorded"], counts[MeetingType.weekly]["late"]) == (1, 1)
    assert counts[MeetingType.monthly]["expected"] == 1  # February's 月分析, held 03-03


def test_cancelled_meetings_are_not_expected(march):
    before = compliance_counts(D("2026-03-02"), D("2026-03-02"), today=D("2026-03-10"))[MeetingType.weekly]
    meeting = weekly("市科技局", "2026-W10")
    meeting.is_cancelled = True
    db.session.flush()
    after = compliance_counts(D("2026-03-02"), D("2026-03-02"), today=D("2026-03-10"))[MeetingType.weekly]
    assert (after["expected"], after["missing"]) == (before["expected"] - 1, before["missing"] - 1)
    assert compliance_rows(D("2026-03-02"), D("2026-03-02"), convener_unit_id=unit_id("市科技局"),
                           today=D("2026-03-10")) == []


def test_the_compliance_query_count_does_not_grow_with_rows(cadence_on, count_queries):
    cadence_on(D("2026-06-30"), since=D("2026-01-01"))

    def statements(start, end):
        with count_queries() as counter:
            rows = compliance_rows(start, end, today=D("2026-06-30"))
            for row in rows:
                _ = (row.expected.convener_label, row.status.label)
            compliance_counts(start, end, today=D("2026-06-30"))
        return counter.count, len(rows)

    few, n_few = statements(D("2026-03-02"), D("2026-03-02"))
    many, n_many = statements(D("2026-01-01"), D("2026-06-30"))
    assert n_many > 10 * n_few > 0
    assert few == many == 2


# --- the page ----------------------------------------------------------------------------------------------

def test_the_compliance_page_shows_statuses_counts_and_conveners(march, client, login_as, clock):
    login_as("guancha")
    page = client.get("/meetings/compliance?start=2026-03-01&end=2026-03-15&type=weekly").get_data(as_text=True)
    assert "会议记录情况" in page
    assert page.count('data-status="missing"') >= 1 and 'data-status="late"' in page
    assert "逾期录入" in page and "缺失" in page and "市工信局" in page
    assert "月分析" in page  # the per-type table lists every type
    only_missing = client.get("/meetings/compliance?start=2026-03-01&end=2026-03-15&status=missing")
    text = only_missing.get_data(as_text=True)
    assert 'data-status="missing"' in text and 'data-status="recorded"' not in text


@pytest.mark.parametrize(("query", "message"), [
    ("start=2026-03-15&end=2026-03-01", "结束日期不能早于开始日期"),
    ("start=2026-13-45", "日期格式不正确"),
    ("type=yearly", "“会议类型”的取值无效"),
    ("unit=abc", "“召集（报告）单位”的取值无效"),
    ("start=2020-01-01&end=2026-01-01", "查询范围不能超过"),
])
def test_bad_filters_get_a_chinese_message_and_the_default_view(march, client, login_as, query, message):
    login_as("gxj")
    response = client.get(f"/meetings/compliance?{query}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert message in text and "已显示本月全部会议" in text


def test_the_compliance_page_needs_sign_in(client):
    response = client.get("/meetings/compliance")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_landing_page_lists_the_units_own_missing_records_only(march, client, login_as, clock):
    clock.set(datetime(2026, 3, 10, 9, 0))
    login_as("kjj")
    page = client.get("/meetings/").get_data(as_text=True)
    assert "待我录入的记录" in page and "录入记录" in page
    assert "市科技局" in page and "缺失" in page
    assert "市发改委" not in page.split('id="open-records"')[1].split("</table>")[0]
    login_as("gxj")  # logged W10 on time; W11 (held 03-09, due 03-13) is still to log
    mine = client.get("/meetings/").get_data(as_text=True).split('id="open-records"')[1].split("</table>")[0]
    assert "2026年第10周" not in mine and "2026年第11周" in mine


def test_the_landing_page_query_count_does_not_grow_with_its_open_rows(cadence_on, client, login_as,
                                                                      count_queries):
    def statements():
        with count_queries() as counter:
            page = client.get("/meetings/").get_data(as_text=True)
        return counter.count, page.split('id="open-records"')[1].split("</table>")[0].count("录入记录")

    cadence_on(D("2026-06-30"), since=D("2026-06-29"))
    login_as("admin")  # on the frozen day: a session lasts 12 hours. The office may log every meeting
    few, n_few = statements()
    cadence_on(D("2026-06-30"), since=D("2026-01-01"))
    many, n_many = statements()
    assert n_many >= 2 * n_few > 0
    assert few == many


def test_the_compliance_page_query_count_does_not_grow_with_its_rows(cadence_on, client, login_as, count_queries):
    cadence_on(D("2026-06-30"), since=D("2026-01-01"))
    login_as("admin")

    def statements(start, end):
        with count_queries() as counter:
            page = client.get(f"/meetings/compliance?start={start}&end={end}").get_data(as_text=True)
        return counter.count, page.count("data-status=")

    few, n_few = statements("2026-03-02", "2026-03-02")
    many, n_many = statements("2026-01-01", "2026-06-30")
    assert n_many > 10 * n_few > 0
    assert few == many


# --- reminders -----------------------------------------------------------------------------------------------

def reminders_on(day):
    cal = load_calendar()
    return meeting_reminders(day, cal, load_settings(), jobs.Recipients(day))


def test_a_lead_unit_is_reminded_on_friday_when_this_weeks_record_is_missing(cadence_on, user):
    cadence_on(D("2026-03-02"))
    gxj = user("gxj").id
    meeting = weekly("市工信局", "2026-W10")

    def weekly_for_gxj(day):
        return [r for r in reminders_on(day)
                if r.user_id == gxj and r.rule == "meeting_record" and r.subject_id == str(meeting.id)]

    assert weekly_for_gxj(D("2026-03-05")) == []  # Thursday: not yet due
    [friday] = weekly_for_gxj(D("2026-03-06"))
    assert friday.occasion == "due" and "周会商" in friday.title and "今天截止" in friday.title
    log_record(meeting, D("2026-03-06"))
    assert weekly_for_gxj(D("2026-03-06")) == []


def test_the_office_is_told_once_a_record_is_three_working_days_late(cadence_on, user):
    cadence_on(D("2026-03-02"))
    admin = user("admin").id
    meeting = weekly("市科技局", "2026-W10")

    def escalations(day):
        return [r for r in reminders_on(day) if r.rule == "meeting_escalation" and r.subject_id == str(meeting.id)]

    assert escalations(D("2026-03-10")) == []  # two working days late
    [escalation] = escalations(D("2026-03-11"))
    assert escalation.user_id == admin and "逾期 3 个工作日" in escalation.title


def test_semiannual_reporters_are_reminded_five_working_days_before_the_deadline(cadence_on, user):
    cadence_on(D("2026-06-30"))
    xtx = user("xtx").id
    head = db.session.scalar(sa.select(ExpectedMeeting).where(
        ExpectedMeeting.type == MeetingType.semiannual, ExpectedMeeting.period_key == "2026-H1",
        ExpectedMeeting.convener_unit_id == unit_id("湘潭县人民政府")))
    assert head.record_due_on == D("2026-07-10")

    def for_xtx(day):
        return [r for r in reminders_on(day) if r.user_id == xtx and r.subject_id == str(head.id)]

    assert for_xtx(D("2026-07-02")) == []
    [early] = for_xtx(D("2026-07-03"))
    assert early.occasion == "before-5" and "述职" in early.title
    [due] = for_xtx(D("2026-07-10"))
    assert due.occasion == "due"


def test_a_leaders_missing_dispatch_record_reminds_the_leader_and_the_office_not_unit_staff(cadence_on, user):
    cadence_on(D("2026-03-10"))
    yang = db.session.scalar(sa.select(Person).where(Person.name == "杨晓军"))
    meeting = db.session.scalar(sa.select(ExpectedMeeting).where(
        ExpectedMeeting.type == MeetingType.dispatch, ExpectedMeeting.period_key == "2026-03-1",
        ExpectedMeeting.convener_person_id == yang.id))
    recipients = {r.user_id for r in reminders_on(meeting.record_due_on) if r.subject_id == str(meeting.id)}
    assert recipients == {user("fushizhang").id, user("admin").id}


def test_the_reminders_scan_enqueues_meeting_reminders_once(cadence_on, clock, user):
    cadence_on(D("2026-03-02"))
    clock.set(datetime(2026, 3, 6, 10, 0))
    first = jobs.scan(clock.now())
    meeting = weekly("市工信局", "2026-W10")
    mine = sa.select(OutboxMessage).where(OutboxMessage.rule == "meeting_record", OutboxMessage.user_id == user(
        "gxj").id, OutboxMessage.subject_id == str(meeting.id))
    rows = db.session.scalars(mine).all()
    assert len(rows) == 1 and rows[0].link == "/meetings/" and rows[0].occasion == "due"
    assert first["created"] >= 1
    clock.set(datetime(2026, 3, 6, 10, 5))
    assert jobs.scan(clock.now())["created"] == 0
    assert len(db.session.scalars(mine).all()) == 1
