"""Meetings that analyse a finished period (月分析, 季考核, 半年述职, 考评会商) are never proposed on or before the
period's last day: a raw day inside a holiday goes forward to the first working day after it, never back into
the period (issue 16, section 5). 2026 is in the installed holiday data."""

from datetime import date

import pytest
import sqlalchemy as sa

from app.core.workdays import WorkdayCalendar
from app.extensions import db
from app.meetings import cadence
from app.meetings.models import Anchor, ExpectedMeeting, MeetingType

D = date.fromisoformat
LIBRARY = WorkdayCalendar()


def rule(meeting_type, **changes):
    r = cadence.default_rule(meeting_type)
    for name, value in changes.items():
        setattr(r, name, value)
    return r


@pytest.mark.parametrize(("month", "scheduled"), [
    ("2026-04-01", "2026-05-06"),  # 04-30 + 3 = 05-03, inside 劳动节 05-01…05-05: not 04-30
    ("2026-09-01", "2026-10-08"),  # 09-30 + 3 = 10-03, inside 国庆 10-01…10-07: not 09-30
])
def test_the_monthly_analysis_is_held_after_the_month_it_analyses(month, scheduled):
    period = cadence.period_of(MeetingType.monthly, D(month))
    day, due, provisional = cadence.meeting_dates(cadence.default_rule(MeetingType.monthly), period, LIBRARY)
    assert day == D(scheduled)
    assert day > period.end and LIBRARY.is_workday(day)
    assert due == LIBRARY.add_workdays(day, 3) and provisional is False


def test_the_quarterly_review_moves_forward_out_of_a_holiday_too():
    # a 季考核 three days after the quarter: 10-03 is in the National Day holiday
    review = rule(MeetingType.quarterly, offset_days=3)
    q3 = cadence.period_of(MeetingType.quarterly, D("2026-07-01"))
    assert cadence.meeting_dates(review, q3, LIBRARY)[0] == D("2026-10-08")


def test_the_half_year_report_moves_forward_out_of_a_holiday_too():
    report = rule(MeetingType.semiannual, offset_days=2)  # 2026-12-31 + 2 = 2027-01-02
    h2 = cadence.period_of(MeetingType.semiannual, D("2026-07-01"))
    # 2027 entered with 01-01 … 01-04 off: 12-31 is two days back, 01-05 three days ahead
    cal = WorkdayCalendar({D("2027-01-01"): False, D("2027-01-04"): False}, [2027])
    assert cadence.meeting_dates(report, h2, cal)[0] == D("2027-01-05")


def test_the_consultation_goes_to_the_first_working_day_after_the_quarter():
    consultation = cadence.default_rule(MeetingType.consultation)  # 09-30 + 5 = 10-05: holiday
    q3 = cadence.period_of(MeetingType.consultation, D("2026-07-01"))
    assert cadence.meeting_dates(consultation, q3, LIBRARY)[0] == D("2026-10-08")


def test_a_tie_after_the_period_still_goes_to_the_earlier_day():
    # 2030-05-08 (Wed) off: Tuesday and Thursday are both one day away, both after April: the earlier stays.
    cal = WorkdayCalendar({D("2030-05-08"): False}, [2030])
    monthly = rule(MeetingType.monthly, anchor=Anchor.end, offset_days=8)
    april = cadence.period_of(MeetingType.monthly, D("2030-04-01"))
    assert cadence.meeting_dates(monthly, april, cal)[0] == D("2030-05-07")


def test_a_meeting_on_the_periods_last_day_by_rule_is_left_alone():
    # offset 0 from the end: the rule asks for the last day itself, not an analysis after it
    monthly = rule(MeetingType.monthly, anchor=Anchor.end, offset_days=0)
    january = cadence.period_of(MeetingType.monthly, D("2026-01-01"))  # 01-31 is a Saturday → 01-30 (Friday)
    assert cadence.meeting_dates(monthly, january, LIBRARY)[0] == D("2026-01-30")


# --- a year the State Council has not published: the statutory holidays are assumed ------------------------------

def test_no_dispatch_meeting_falls_on_new_years_day_2027_while_2027_is_provisional():
    if LIBRARY.is_workday(D("2027-01-01")) and not LIBRARY.is_provisional(D("2027-01-01")):
        pytest.skip("2027 is published and 元旦 is worked")
    xun = cadence.period_of(MeetingType.dispatch, D("2027-01-01"))
    day, _, provisional = cadence.meeting_dates(cadence.default_rule(MeetingType.dispatch), xun, LIBRARY)
    assert day == D("2027-01-04") and provisional is True  # raw 01-02 (Saturday), 元旦 off: Monday


def test_the_job_puts_no_meeting_on_new_years_day_2027():
    cadence.generate_expected(D("2026-12-06"), LIBRARY)
    on_new_year = db.session.scalars(sa.select(ExpectedMeeting).where(
        ExpectedMeeting.scheduled_on == D("2027-01-01"))).all()
    assert on_new_year == []
    dispatch = db.session.scalars(sa.select(ExpectedMeeting).where(
        ExpectedMeeting.type == MeetingType.dispatch, ExpectedMeeting.period_key == "2027-01-1")).all()
    assert len(dispatch) >= 8  # one per vice mayor
    assert {(m.scheduled_on, m.provisional) for m in dispatch} == {(D("2027-01-04"), True)}
