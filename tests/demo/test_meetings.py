"""The demo meetings (app.demo.meetings): a year of the cadence with records for most meetings, some late and some
missing, shown by the compliance page; seeding twice adds nothing."""

from datetime import date, datetime

import sqlalchemy as sa

from app.demo.meetings import seed_demo_meetings
from app.extensions import db
from app.meetings.compliance import compliance_counts
from app.meetings.models import MeetingRecord, MeetingType

D = date.fromisoformat


def test_the_demo_year_has_records_for_most_meetings_some_late_and_some_missing(clock, client, login_as):
    clock.set(datetime(2026, 11, 20, 9, 0))
    counts = seed_demo_meetings(D("2026-11-20"))
    assert counts["records"] > 0 and counts["late"] > 0 and counts["missing"] > 0
    year = compliance_counts(D("2025-11-20"), D("2026-11-20"), today=D("2026-11-20"))
    for meeting_type in MeetingType:
        c = year[meeting_type]
        assert c["logged"] > 0, meeting_type
    weekly = year[MeetingType.weekly]
    due = weekly["expected"] - weekly["pending"]
    assert 0.75 < weekly["logged"] / due < 0.95 and weekly["late"] > 0 and weekly["missing"] > 0
    records = db.session.scalars(sa.select(MeetingRecord).order_by(MeetingRecord.id)).all()
    assert all(r.expected.type is r.type and r.held_on == r.expected.scheduled_on for r in records)
    assert any(r.items for r in records if r.type is MeetingType.weekly)
    assert all(r.minutes for r in records)
    # the leaders' records carry their frozen data: every 月分析 and 季考核, and the recent 旬调度
    for meeting_type in (MeetingType.monthly, MeetingType.quarterly):
        frozen = [r.snapshot is not None for r in records if r.type is meeting_type]
        assert frozen and all(frozen), meeting_type
    assert any(r.snapshot is not None for r in records if r.type is MeetingType.dispatch)
    # the 考评会商 reads as the office's consultation with the assessing units, not as a 述职
    consultations = [r for r in records if r.type is MeetingType.consultation]
    assert consultations and all("考评指标完成情况会商" in r.topics and "述职" not in r.topics and len(r.units) >= 5
                                 for r in consultations)
    # idempotent: a second run adds nothing
    again = seed_demo_meetings(D("2026-11-20"))
    assert (again["expected"], again["records"]) == (0, 0)
    login_as("admin")
    page = client.get("/meetings/compliance?start=2026-01-01&end=2026-11-20").get_data(as_text=True)
    assert 'data-status="missing"' in page and 'data-status="recorded"' in page and 'data-status="late"' in page
    assert client.get("/meetings/").status_code == 200
    assert client.get("/meetings/calendar?month=2026-10").status_code == 200
