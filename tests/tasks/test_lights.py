"""Lights (亮灯) computed for a given day: green, yellow (due within N working days, default 3, not completed), red
(overdue, not completed); completed tasks show on time or late. The SQL expression agrees with Task.light."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.workdays import LIBRARY_LAST_YEAR
from app.extensions import db
from app.org.models import Unit
from app.tasks.models import Light, Task, TaskState
from app.tasks.queries import (
    TaskFilter,
    inbox_ids,
    light_counts,
    light_expression,
    light_window,
    overview_ids,
    units_with_red_tasks,
)
from tests import factories

D = date.fromisoformat
FALLBACK_YEAR = max(LIBRARY_LAST_YEAR + 1, 2031)


def unit_id(name):
    return db.session.scalar(sa.select(Unit.id).where(Unit.name == name))


def make_task(due_on, state=TaskState.in_progress, completed_on=None, lead="市工信局", assigned_on=None):
    return factories.make_task(lead, assigned_on or min(due_on, D("2026-01-05")), due_on, state, completed_on,
                               title=f"{state.value} {due_on}", flush=False)


def sql_lights(window, ids):
    rows = db.session.execute(sa.select(Task.id, light_expression(window)).where(Task.id.in_(ids))).all()
    return {task_id: Light(value) for task_id, value in rows}


# --- the window ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "limit"), [
    ("2026-03-09", "2026-03-12"),  # Monday: Tue, Wed, Thu
    ("2026-03-11", "2026-03-16"),  # Wednesday: Thu, Fri and Mon; the weekend before Monday's deadline too
    ("2026-03-13", "2026-03-18"),  # Friday
    ("2026-03-14", "2026-03-18"),  # Saturday counts from the next working days
    ("2026-09-29", "2026-10-09"),  # 09-30, 10-08, 10-09 across the National Day holiday
    ("2026-09-30", "2026-10-11"),  # 10-08, 10-09 and the 调休 Saturday 10-10; Sunday 10-11 before 10-12
    ("2026-10-03", "2026-10-11"),  # inside the holiday: 10-08, 10-09, 10-10
    ("2026-02-13", "2026-02-25"),  # Spring Festival: 02-14 (调休 Saturday), 02-24, 02-25
])
def test_yellow_window_is_three_working_days_by_default(today, limit):
    window = light_window(D(today))
    assert window.today == D(today)
    assert window.yellow_limit == D(limit)
    assert not window.provisional


def test_yellow_window_follows_the_setting_and_the_argument(app):
    assert light_window(D("2026-03-09"), workdays=1).yellow_limit == D("2026-03-10")
    assert light_window(D("2026-03-09"), workdays=0).yellow_limit == D("2026-03-09")
    assert light_window(D("2026-09-30"), workdays=5).yellow_limit == D("2026-10-13")
    app.config["LIGHT_YELLOW_WORKDAYS"] = 5
    try:
        assert light_window(D("2026-03-09")).yellow_limit == D("2026-03-16")
    finally:
        del app.config["LIGHT_YELLOW_WORKDAYS"]


def test_window_in_a_year_nobody_has_entered_is_provisional():
    assert light_window(date(FALLBACK_YEAR, 3, 3)).provisional
    # the window of the last days of a covered year reaches into the next one
    assert light_window(date(LIBRARY_LAST_YEAR, 12, 30)).provisional
    assert not light_window(date(LIBRARY_LAST_YEAR, 12, 1)).provisional


# --- the rule -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("due", "state", "completed", "light"), [
    ("2026-09-28", TaskState.in_progress, None, Light.red),
    ("2026-09-29", TaskState.in_progress, None, Light.yellow),  # due today is not yet overdue
    ("2026-10-05", TaskState.assigned, None, Light.yellow),
    ("2026-10-09", TaskState.completion_requested, None, Light.yellow),  # a request is not completion
    ("2026-10-10", TaskState.accepted, None, Light.green),  # the fourth working day
    ("2026-09-28", TaskState.completed, "2026-09-28", Light.done_on_time),
    ("2026-09-28", TaskState.completed, "2026-09-20", Light.done_on_time),
    ("2026-09-28", TaskState.completed, "2026-09-29", Light.done_late),
    ("2026-10-20", TaskState.completed, "2026-09-29", Light.done_on_time),
    ("2026-09-01", TaskState.cancelled, None, Light.cancelled),
])
def test_light_on_29_september_2026(due, state, completed, light):
    task = make_task(D(due), state, D(completed) if completed else None)
    db.session.flush()
    window = light_window(D("2026-09-29"))
    assert window.of(task) is light
    assert sql_lights(window, [task.id]) == {task.id: light}


def test_overdue_task_stays_red_through_the_holiday_and_yellow_turns_red_the_day_after():
    task = make_task(D("2026-09-30"))
    assert light_window(D("2026-09-30")).of(task) is Light.yellow
    for day in ("2026-10-01", "2026-10-05", "2026-10-08"):
        assert light_window(D(day)).of(task) is Light.red


def test_a_late_approval_of_an_on_time_completion_shows_on_time():
    """The completion date is the one in the approved request, whenever the approval came."""
    task = make_task(D("2026-03-31"), TaskState.completed, D("2026-03-30"))
    assert light_window(D("2026-04-20")).of(task) is Light.done_on_time


# --- the SQL expression agrees with Task.light --------------------------------------------------------------

STATES = [
    (TaskState.assigned, None),
    (TaskState.accepted, None),
    (TaskState.in_progress, None),
    (TaskState.completion_requested, None),
    (TaskState.completed, -3),  # completed_on relative to due_on
    (TaskState.completed, 0),
    (TaskState.completed, 1),
    (TaskState.completed, None),  # legacy row without a date: late
    (TaskState.cancelled, None),
]
FIRST_DUE, LAST_DUE = D("2026-09-12"), D("2026-10-25")


def test_sql_light_expression_agrees_with_task_light_around_national_day_2026():
    tasks = []
    day = FIRST_DUE
    while day <= LAST_DUE:
        for state, offset in STATES:
            tasks.append(make_task(day, state, None if offset is None else day + timedelta(offset)))
        day += timedelta(1)
    db.session.flush()
    ids = [t.id for t in tasks]

    @settings(deadline=None, max_examples=100)
    @given(today=st.dates(FIRST_DUE - timedelta(10), LAST_DUE + timedelta(10)),
           workdays=st.one_of(st.none(), st.integers(0, 6)))
    def agree(today, workdays):
        window = light_window(today, workdays)
        expected = {t.id: window.of(t) for t in tasks}
        assert sql_lights(window, ids) == expected
        counts = light_counts([Task.id.in_(ids)], window)
        assert counts == {light: sum(1 for v in expected.values() if v is light) for light in Light}

    agree()


# --- lights in lists ----------------------------------------------------------------------------------------

def test_filters_by_light_return_exactly_the_tasks_of_that_light():
    today = D("2026-09-29")
    window = light_window(today)
    tasks = [make_task(D(due), state, D(done) if done else None, lead=lead) for due, state, done, lead in [
        ("2026-09-25", TaskState.in_progress, None, "市工信局"),
        ("2026-10-09", TaskState.accepted, None, "市工信局"),
        ("2026-11-30", TaskState.assigned, None, "市工信局"),
        ("2026-09-25", TaskState.completed, "2026-09-24", "市工信局"),
        ("2026-09-20", TaskState.in_progress, None, "市发改委"),
    ]]
    db.session.flush()
    mine = {t.id for t in tasks}
    for light in (Light.red, Light.yellow, Light.green):
        # the ids the overview and inbox pages page through
        overview = set(db.session.scalars(overview_ids(TaskFilter(light=light), window)))
        assert overview & mine == {t.id for t in tasks if window.of(t) is light}
        inbox = set(db.session.scalars(inbox_ids(unit_id("市工信局"), window, light=light)))
        assert inbox == {t.id for t in tasks[:3] if window.of(t) is light}
    assert units_with_red_tasks(today, [unit_id("市工信局"), unit_id("市发改委"), unit_id("市科技局")]) == {
        unit_id("市工信局"), unit_id("市发改委")}
