"""What each role's home counts (app.home.queries), on the real database with a frozen clock (2026-03-10, a
Tuesday in 2026年3月上旬)."""

from datetime import date, datetime

import sqlalchemy as sa

from app.core.models import CalendarYear
from app.core.periods import Xun
from app.extensions import db
from app.home import queries
from app.meetings.models import ExpectedMeeting, MeetingType
from app.reminders.models import Channel, OutboxMessage, OutboxStatus
from app.scoring.models import QuarterStatus, ScoringQuarter
from app.tasks import services as task_services
from app.tasks.models import Light, TaskParty, TaskState
from tests.factories import (
    ADMIN,
    MAYOR,
    OBSERVER,
    SECRETARY,
    UNIT_STAFF,
    VICE_MAYOR,
    account,
    assign_task,
    make_task,
    unit,
)

ON = date(2026, 3, 10)


def test_home_kind_tells_a_vice_mayor_from_the_mayor_and_the_secretary(clock):
    assert queries.home_kind(account(VICE_MAYOR), ON) == "vice_mayor"
    assert queries.home_kind(account(MAYOR), ON) == "city"
    assert queries.home_kind(account(SECRETARY), ON) == "city"
    assert queries.home_kind(account(ADMIN), ON) == "office"
    assert queries.home_kind(account(UNIT_STAFF), ON) == "staff"
    assert queries.home_kind(account(OBSERVER), ON) == "observer"


def test_vice_mayor_tiles_put_the_red_units_first_with_the_oldest_overdue_task(clock):
    person_id = account(VICE_MAYOR).person_id
    make_task("市市场监管局", assigned="2026-02-01", due="2026-03-11", title="黄灯事项")  # yellow
    make_task("市科技局", assigned="2026-02-01", due="2026-03-05", title="较新的逾期事项")  # red
    oldest = make_task("市科技局", assigned="2026-02-01", due="2026-02-27", title="最早逾期的事项")  # red
    home = queries.vice_mayor_home(person_id, ON)
    assert home.tiles[0].unit.name == "市科技局"
    assert home.tiles[0].lights[Light.red] == 2
    assert home.tiles[1].unit.name == "市市场监管局" and home.tiles[1].lights[Light.yellow] == 1
    assert home.oldest.id == oldest.id and home.oldest.short_name == "市科技局"
    assert home.oldest_days == 8  # working days after 2-27 up to 3-10 (2-28, a Saturday, is worked in 2026)
    assert home.totals[Light.red] == 2


def test_a_unit_without_feedback_this_xun_is_named_until_its_lead_reports(clock):
    person_id = account(VICE_MAYOR).person_id
    task = make_task("市科技局", assigned="2026-02-01", due="2026-04-30")
    assert [u.name for u in queries.vice_mayor_home(person_id, ON).no_feedback] == ["市科技局"]
    party = db.session.get(TaskParty, (task.id, unit("市科技局").id))
    party.last_reported_on = Xun.of(ON).start
    db.session.flush()
    assert queries.vice_mayor_home(person_id, ON).no_feedback == []


def test_a_task_assigned_this_xun_does_not_count_as_missing_feedback(clock):
    make_task("市科技局", assigned="2026-03-02", due="2026-04-30")
    assert queries.vice_mayor_home(account(VICE_MAYOR).person_id, ON).no_feedback == []


def _weekly(unit_name, day, due):
    u = unit(unit_name)
    meeting = ExpectedMeeting(type=MeetingType.weekly, period_key=f"2026-W{day.isocalendar()[1]:02d}",
                              period_start=day, period_end=day, convener_key=f"unit:{u.id}", convener_unit_id=u.id,
                              scheduled_on=day, record_due_on=due, provisional=False)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def test_missing_weekly_records_of_the_portfolio_are_counted_on_their_tile(clock):
    _weekly("市科技局", date(2026, 3, 2), date(2026, 3, 4))  # due, no record: missing
    _weekly("市科技局", date(2026, 3, 9), date(2026, 3, 11))  # not due yet: pending
    _weekly("市工信局", date(2026, 3, 2), date(2026, 3, 4))  # another vice mayor's unit
    home = queries.vice_mayor_home(account(VICE_MAYOR).person_id, ON)
    assert [row.expected.convener_unit.name for row in home.missing_records] == ["市科技局"]
    tile = next(t for t in home.tiles if t.unit.name == "市科技局")
    assert tile.missing_records == 1


def test_city_ranks_units_by_red_tasks_counting_co_units(clock):
    assign_task(lead="市科技局", co=["市工信局"], due="2026-03-12", assigned="2026-03-01")  # yellow
    for _ in range(2):
        make_task("市工信局", assigned="2026-02-01", due="2026-03-01")
    make_task("市科技局", assigned="2026-02-01", due="2026-03-02")
    ranked = [(u.name, n) for u, n in queries.units_by_red(ON)]
    assert ranked[:2] == [("市工信局", 2), ("市科技局", 1)]


def _finalized(year, quarter, ranks):
    db.session.add(ScoringQuarter(year=year, quarter=quarter, status=QuarterStatus.finalized, snapshot={"units": [
        {"unit_id": unit(name).id, "short_name": name, "group": "a", "rank": rank, "final": "90.00"}
        for name, rank in ranks.items()]}))
    db.session.flush()


def test_city_shows_the_last_finalized_quarter_with_movement_against_the_one_before(clock):
    _finalized(2025, 3, {"市工信局": 1, "市科技局": 2, "市发改委": 3})
    _finalized(2025, 4, {"市工信局": 3, "市科技局": 1, "市发改委": 2})
    ranking = queries.last_ranking(ON)
    assert (ranking.year, ranking.quarter, ranking.previous) == (2025, 4, (2025, 3))
    lines = {line.short_name: line.movement for _, group in ranking.groups for line in group}
    assert lines == {"市科技局": 1, "市发改委": 1, "市工信局": -2}


def test_city_says_when_no_quarter_is_finalized(clock):
    assert queries.last_ranking(ON) is None


def _queue(on=ON):
    with_request = queries.office_queue  # needs url_for: run inside a request
    from flask import current_app
    with current_app.test_request_context():
        return {item.label: item for item in with_request(on)}


def test_office_queue_counts_pending_requests_and_failed_reminders(clock):
    admin, staff = account(ADMIN), account(UNIT_STAFF)
    task = assign_task(lead="市工信局", due="2026-03-31", assigned="2026-03-01")
    task_services.accept_task(staff, task)
    task_services.request_completion(staff, task, ON, "已完成", ON)
    other = assign_task(lead="市工信局", due="2026-03-31", assigned="2026-03-01")
    task_services.accept_task(staff, other)
    task_services.request_extension(staff, other, date(2026, 4, 30), "需要更多时间", ON)
    db.session.add(OutboxMessage(rule="task_due_soon", subject_type="task", subject_id=str(task.id),
                                 recipient_key=f"user:{admin.id}", user_id=admin.id, occasion="2026-03-10",
                                 channel=Channel.email, title="提醒", body="提醒", status=OutboxStatus.failed))
    db.session.flush()
    queue = _queue()
    assert queue["待审核的办结申请"].count == 1
    assert queue["待审核的延期申请"].count == 1
    assert queue["发送失败的提醒"].count == 1
    assert "state=completion_requested" in queue["待审核的办结申请"].url


def test_office_queue_empty_lines_say_so_in_chinese(clock):
    queue = _queue()
    assert queue["待审核的办结申请"].count == 0
    assert queue["待审核的办结申请"].empty == "没有待审核的办结申请"


def test_next_years_calendar_is_asked_for_from_december_until_entered(clock):
    assert not any("工作日历" in label for label in _queue())
    december = date(2026, 12, 1)
    clock.set(datetime(2026, 12, 1, 9, 0))
    assert _queue(december)["2027年工作日历尚未录入"].count == 1
    db.session.add(CalendarYear(year=2027))
    db.session.flush()
    assert _queue(december)["2027年工作日历尚未录入"].count == 0


def test_staff_todo_counts_tasks_to_accept_due_soon_and_overdue(clock):
    from flask import current_app
    assign_task(lead="市工信局", due="2026-04-30", assigned="2026-03-09")  # to accept (green)
    make_task("市工信局", assigned="2026-02-01", due="2026-03-11")  # yellow
    make_task("市工信局", assigned="2026-02-01", due="2026-03-01")  # red
    make_task("市工信局", assigned="2026-02-01", due="2026-03-01", state=TaskState.completed, completed="2026-03-01")
    with current_app.test_request_context():
        todo = queries.staff_home(account(UNIT_STAFF), ON)
    items = {item.label: item.count for item in todo.items}
    assert items["待签收的事项"] == 1
    assert items["临近到期（黄灯）"] == 1
    assert items["已逾期（红灯）"] == 1


def test_staff_todo_has_this_weeks_weekly_meeting_of_the_unit(clock):
    from flask import current_app
    meeting = _weekly("市工信局", date(2026, 3, 9), date(2026, 3, 11))
    with current_app.test_request_context():
        todo = queries.staff_home(account(UNIT_STAFF), ON)
    assert todo.weekly.id == meeting.id and todo.weekly.record is None


def test_failed_count_ignores_sent_reminders(clock):
    admin = account(ADMIN)
    db.session.add(OutboxMessage(rule="task_due_soon", subject_type="task", subject_id="1",
                                 recipient_key=f"user:{admin.id}", user_id=admin.id, occasion="x",
                                 channel=Channel.email, title="提醒", body="提醒", status=OutboxStatus.sent))
    db.session.flush()
    assert _queue()["发送失败的提醒"].count == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) >= 1
