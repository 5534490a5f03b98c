"""Milestone lights on Chinese working days (app.ledger.milestones): each rule on an injected day, across a
holiday, and a project's light as the worst of its milestones — on the page and in the list's filter."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.core.workdays import WorkdayCalendar
from app.ledger import projects as services
from app.ledger.milestones import MilestoneLight, Window, worst
from app.ledger.models import ProjectStage
from tests.factories import account, unit

# 2031: 26 September is a Friday. Every day from 20 September to 31 October is given explicitly, so the test
# depends on no holiday table: Monday–Friday are working days, except the National Day holiday 1–7 October, and
# Sunday 28 September is a make-up working day (调休上班).
FRIDAY = date(2031, 9, 26)


def _holiday_calendar():
    overrides = {}
    day = date(2031, 9, 20)
    while day <= date(2031, 10, 31):
        overrides[day] = day.weekday() < 5 and not date(2031, 10, 1) <= day <= date(2031, 10, 7)
        day += timedelta(days=1)
    overrides[date(2031, 9, 28)] = True
    return WorkdayCalendar(overrides)


def _plain_calendar():
    overrides = {}
    day = date(2031, 9, 20)
    while day <= date(2031, 10, 31):
        overrides[day] = day.weekday() < 5
        day += timedelta(days=1)
    return WorkdayCalendar(overrides)


@pytest.mark.pure
def test_a_reached_milestone_is_done_whatever_its_planned_date():
    window = Window.for_day(FRIDAY, _holiday_calendar())
    assert window.of(date(2031, 1, 1), date(2031, 2, 1)) is MilestoneLight.done


@pytest.mark.pure
def test_a_planned_date_passed_without_an_actual_date_is_red_and_today_is_not_yet():
    window = Window.for_day(FRIDAY, _holiday_calendar())
    assert window.of(FRIDAY - timedelta(days=1), None) is MilestoneLight.red
    assert window.of(FRIDAY, None) is MilestoneLight.yellow


@pytest.mark.pure
def test_yellow_within_ten_working_days_counted_across_the_national_day_holiday():
    # after Friday 26 Sep: 28 (make-up Sunday), 29, 30 Sep, then 8, 9, 10, 13, 14, 15, 16 Oct = 10 working days
    window = Window.for_day(FRIDAY, _holiday_calendar())
    assert window.yellow_limit == date(2031, 10, 16)
    assert window.of(date(2031, 10, 16), None) is MilestoneLight.yellow
    assert window.of(date(2031, 10, 17), None) is MilestoneLight.green
    # without the holiday the tenth working day is 10 October (Friday): the same date would be green, and the
    # weekend after the tenth working day still counts as within it
    plain = Window.for_day(FRIDAY, _plain_calendar())
    assert plain.yellow_limit == date(2031, 10, 12)
    assert plain.of(date(2031, 10, 12), None) is MilestoneLight.yellow
    assert plain.of(date(2031, 10, 16), None) is MilestoneLight.green


@pytest.mark.pure
def test_a_milestone_without_a_planned_date_is_not_judged_and_the_project_takes_the_worst():
    window = Window.for_day(FRIDAY, _holiday_calendar())
    assert window.of(None, None) is MilestoneLight.none
    assert worst([MilestoneLight.done, MilestoneLight.green, MilestoneLight.red]) is MilestoneLight.red
    assert worst([MilestoneLight.done, MilestoneLight.yellow, MilestoneLight.green]) is MilestoneLight.yellow
    assert worst([MilestoneLight.done, MilestoneLight.none]) is MilestoneLight.done
    assert worst([]) is MilestoneLight.none
    assert window.project_light(None, True) is MilestoneLight.done
    assert window.project_light(date(2031, 9, 1), True) is MilestoneLight.red


def _project(code, planned, clock_today):
    data = services.ProjectInput(code=code, name=f"亮灯项目{code}", unit=unit("湘潭县人民政府"),
                                 total_investment=Decimal("20000"))
    project = services.create_project(account("admin"), data, clock_today)
    services.set_milestones(account("admin"), project, {ProjectStage.started: (planned, None)}, clock_today)
    return project


def test_the_list_filters_by_light_and_the_page_shows_the_milestones_light(client, login_as, clock):
    # the clock's day: Tuesday 10 March 2026
    today = date(2026, 3, 10)
    _project("L-RED", today - timedelta(days=3), today)
    _project("L-YELLOW", today + timedelta(days=5), today)
    green = _project("L-GREEN", today + timedelta(days=60), today)
    login_as("admin")
    for light, code in (("red", "L-RED"), ("yellow", "L-YELLOW"), ("green", "L-GREEN")):
        body = client.get(f"/ledger/projects?light={light}").get_data(as_text=True)
        shown = {c for c in ("L-RED", "L-YELLOW", "L-GREEN") if c in body}
        assert shown == {code}, light
    page = client.get(f"/ledger/projects/{green.id}").get_data(as_text=True)
    assert "绿灯" in page
