"""Years the State Council has not yet published: Monday–Friday less the statutory holidays every year has, the
lunar ones from the lunar_python package, no 调休 weekend assumed, still provisional; the office's entries win
(issue 16, section 5)."""

from datetime import date

import pytest

from app.core.workdays import LIBRARY_LAST_YEAR, DaySource, WorkdayCalendar, assumed_holidays, library_covers

pytestmark = pytest.mark.pure

D = date.fromisoformat
CAL = WorkdayCalendar()


def skip_if_published(year):
    if library_covers(year):
        pytest.skip(f"the installed holiday data covers {year}")


@pytest.mark.parametrize(("year", "expected"), [
    (2027, {"2027-01-01": "元旦", "2027-02-05": "春节（除夕）", "2027-02-06": "春节", "2027-02-07": "春节",
            "2027-02-08": "春节", "2027-04-05": "清明节", "2027-05-01": "劳动节", "2027-05-02": "劳动节",
            "2027-06-09": "端午节", "2027-09-15": "中秋节", "2027-10-01": "国庆节", "2027-10-02": "国庆节",
            "2027-10-03": "国庆节"}),
    (2028, {"2028-01-01": "元旦", "2028-01-25": "春节（除夕）", "2028-01-26": "春节", "2028-01-27": "春节",
            "2028-01-28": "春节", "2028-04-04": "清明节", "2028-05-01": "劳动节", "2028-05-02": "劳动节",
            "2028-05-28": "端午节", "2028-10-01": "国庆节", "2028-10-02": "国庆节",
            "2028-10-03": "中秋节"}),  # 中秋 2028 falls on 10-03, inside 国庆
])
def test_the_statutory_holidays_fall_on_the_right_days(year, expected):
    assert {day.isoformat(): name for day, name in assumed_holidays(year).items()} == expected


def test_lunar_dates_match_published_years():
    # The library's own data for published years: 春节, 端午 and 中秋 fall on the days the lunar package gives.
    for year, days in {2025: ("2025-01-29", "2025-05-31", "2025-10-06"),
                       2026: ("2026-02-17", "2026-06-19", "2026-09-25")}.items():
        assumed = assumed_holidays(year)
        for day in days:
            assert D(day) in assumed
            assert not CAL.is_workday(D(day))  # the published calendar agrees


def test_new_years_day_2027_is_off_while_2027_is_unpublished_and_still_provisional():
    skip_if_published(2027)
    assert not CAL.is_workday(D("2027-01-01"))  # a Friday
    assert CAL.is_provisional(D("2027-01-01"))
    assert CAL.day_source(D("2027-01-01")) is DaySource.assumed
    assert CAL.next_workday(D("2026-12-31")) == D("2027-01-04")
    for day in ("2027-02-05", "2027-02-08", "2027-04-05", "2027-06-09", "2027-09-15", "2027-10-01"):
        assert not CAL.is_workday(D(day)), day
    for day in ("2027-02-09", "2027-04-06", "2027-10-04"):  # not assumed: only the notice extends a break
        assert CAL.is_workday(D(day)) == (D(day).weekday() < 5), day
    # no 调休 working weekend is assumed
    assert not CAL.is_workday(D("2027-02-20")) and not CAL.is_workday(D("2027-09-26"))


def test_the_lunar_holidays_of_2028_are_off():
    skip_if_published(2028)
    for day in ("2028-01-25", "2028-01-26", "2028-01-27", "2028-01-28", "2028-04-04", "2028-05-01", "2028-05-02",
                "2028-05-28", "2028-10-02", "2028-10-03"):
        assert not CAL.is_workday(D(day)), day


def test_once_the_office_enters_the_year_its_entries_win():
    skip_if_published(2027)
    # entered with 元旦 a working day (say, moved) and 01-04 off: nothing is assumed any more
    entered = WorkdayCalendar({D("2027-01-04"): False}, [2027])
    assert entered.is_workday(D("2027-01-01")) and not entered.is_workday(D("2027-01-04"))
    assert entered.is_workday(D("2027-02-08"))  # 春节 is whatever the office entered: here nothing
    assert not entered.is_provisional(D("2027-06-01"))
    # a single override in an unentered year wins over the assumption, and the year stays provisional
    moved = WorkdayCalendar({D("2027-01-01"): True})
    assert moved.is_workday(D("2027-01-01")) and moved.day_source(D("2027-01-01")) is DaySource.override
    assert not moved.is_workday(D("2027-02-06")) and moved.is_provisional(D("2027-01-01"))


def test_every_assumed_day_lies_in_its_year_far_past_the_library():
    for year in (1, 1900, LIBRARY_LAST_YEAR + 1, 2100, 9999):
        days = assumed_holidays(year)
        assert all(day.year == year for day in days)
        assert date(year, 1, 1) in days and date(year, 10, 1) in days
