"""What each role's home answers first, read in a constant number of statements whatever the number of tasks,
units, meetings or reports:

- a vice mayor: his portfolio's units as tiles, red first (lights, no feedback this 旬, 周会商 records missing),
  the oldest overdue task, and this 旬's dispatch list;
- the mayor, the party secretary and the observers: the city (the cockpit's lights, units ranked by red tasks, the
  last finalized quarter's ranks and their movement, this week's meetings, each vice mayor's dispatch list);
- the office: its queue (requests to review, records missing, reports late, quarters waiting, reminders failing,
  next year's working-day calendar from December on);
- a unit's staff: its to-do list.

Every figure comes with the address of the list that shows its items (built in the view's request context).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import contains_eager

from app.auth.models import Role
from app.core.calendar import get_calendar
from app.core.models import CalendarYear
from app.core.periods import Xun, quarter_bounds, quarter_of, shift_month
from app.extensions import db
from app.ledger.cockpit import cockpit
from app.ledger.reporting_calendar import last_reportable_month, month_code, month_label, month_statuses, unit_duties
from app.meetings.compliance import ComplianceStatus, compliance_counts, compliance_rows
from app.meetings.models import ExpectedMeeting, MeetingRecord, MeetingType
from app.org import queries as org_queries
from app.org.models import Person, Position, Unit, UnitGroup
from app.reminders.models import OutboxMessage, OutboxStatus
from app.reminders.queries import unread_count
from app.scoring.models import ScoringQuarter
from app.scoring.queries import assessor_unit_ids, missing_entries_by_enterer
from app.scoring.year_rules import load_year_rules
from app.tasks.models import CompletionRequest, ExtensionRequest, Light, RequestStatus, Task, TaskParty, TaskState
from app.tasks.queries import light_expression, light_window, open_clause

LIGHTS = (Light.red, Light.yellow, Light.green)
MEETING_LOOKBACK_DAYS = 30  # the 周会商 records a vice mayor's home counts as missing: those due in the last 30 days
RANKED_UNITS = 10  # units shown in the city's "ranked by red tasks"
RANKS_SHOWN = 5  # units per group shown from the last quarter's ranking


@dataclass
class Item:
    """One line of a queue or to-do list: a label, a count and the list that shows its items."""

    label: str
    count: int
    url: str | None
    empty: str  # what the line says when there is nothing (Chinese)
    urgent: bool = False  # shown in red when there is something


# --- who gets which home ------------------------------------------------------------------------------------

def home_kind(user, on: date) -> str:
    """"vice_mayor", "city" (the mayor, the party secretary and any leader without a portfolio), "office",
    "staff" or "observer" (the city view, read-only)."""
    if user.role is Role.admin:
        return "office"
    if user.role is Role.observer:
        return "observer"
    if user.role is Role.leader:
        if user.person_id and db.session.scalar(
                sa.select(sa.func.count()).select_from(Position)
                .where(Position.person_id == user.person_id, Position.is_vice_mayor, Position.current_on(on))):
            return "vice_mayor"
        return "city"
    return "staff"


# --- lights per unit ----------------------------------------------------------------------------------------

def unit_light_counts(unit_ids, window):
    """{unit id: {Light: open tasks of the unit (as lead or co-unit) with that light}}, one statement. Counted over
    the units' parties, as the unit's inbox and the overview's unit filter count, so each count's link shows
    exactly those tasks."""
    counts = {unit_id: dict.fromkeys(LIGHTS, 0) for unit_id in unit_ids}
    if not counts:
        return counts
    expr = light_expression(window).label("light")
    rows = db.session.execute(
        sa.select(TaskParty.unit_id, expr, sa.func.count()).join(Task, Task.id == TaskParty.task_id)
        .where(TaskParty.unit_id.in_(list(counts)), open_clause()).group_by(TaskParty.unit_id, expr))
    for unit_id, light, n in rows:
        counts[unit_id][Light(light)] = n
    return counts


def units_without_feedback(unit_ids, xun: Xun):
    """Ids of the units (of `unit_ids`) leading open tasks assigned before the 旬 began, none of which they have
    reported on since it began (the dispatch list's "no feedback this 旬"). One statement."""
    if not unit_ids:
        return set()
    latest = sa.func.max(TaskParty.last_reported_on)
    rows = db.session.execute(
        sa.select(TaskParty.unit_id, latest).join(Task, Task.id == TaskParty.task_id)
        .where(TaskParty.is_lead.is_(True), TaskParty.unit_id.in_(list(unit_ids)), open_clause(),
               Task.assigned_on < xun.start)
        .group_by(TaskParty.unit_id))
    return {unit_id for unit_id, reported_on in rows if reported_on is None or reported_on < xun.start}


def oldest_overdue(unit_ids, on: date):
    """The open task led by one of `unit_ids` that is the longest overdue, as (task id, title, unit short name,
    due date), or None. One statement."""
    if not unit_ids:
        return None
    return db.session.execute(
        sa.select(Task.id, Task.title, Unit.short_name, Task.due_on).join(Unit, Unit.id == Task.lead_unit_id)
        .where(Task.lead_unit_id.in_(list(unit_ids)), open_clause(), Task.due_on < on)
        .order_by(Task.due_on, Task.id).limit(1)).first()


# --- the vice mayor -------------------------------------------------------------------------------------------

@dataclass
class UnitTile:
    unit: Unit
    lights: dict  # {Light: count}
    no_feedback: bool
    missing_records: int  # 周会商 records missing (due in the last MEETING_LOOKBACK_DAYS days)


@dataclass
class ViceMayorHome:
    person_id: int
    xun: Xun
    tiles: list
    oldest: object  # (id, title, short_name, due_on) or None
    oldest_days: int  # working days overdue
    no_feedback: list  # [Unit]
    missing_records: list  # [ComplianceRow]
    missing_start: date
    totals: dict  # {Light: count} over the tiles


def vice_mayor_home(person_id, on: date) -> ViceMayorHome:
    units = org_queries.portfolio_units(person_id, on)
    unit_ids = [u.id for u in units]
    window = light_window(on)
    xun = Xun.of(on)
    lights = unit_light_counts(unit_ids, window)
    silent = units_without_feedback(unit_ids, xun)
    missing_start = on - timedelta(days=MEETING_LOOKBACK_DAYS)
    missing = [row for row in compliance_rows(missing_start, on, type=MeetingType.weekly, today=on,
                                              status=ComplianceStatus.missing)
               if row.expected.convener_unit_id in set(unit_ids)]
    missing_by_unit = {}
    for row in missing:
        missing_by_unit[row.expected.convener_unit_id] = missing_by_unit.get(row.expected.convener_unit_id, 0) + 1
    tiles = [UnitTile(u, lights[u.id], u.id in silent, missing_by_unit.get(u.id, 0)) for u in units]
    order = {u.id: i for i, u in enumerate(units)}
    tiles.sort(key=lambda t: (-t.lights[Light.red], -t.lights[Light.yellow], order[t.unit.id]))
    oldest = oldest_overdue(unit_ids, on)
    days = get_calendar().workdays_overdue(oldest.due_on, on) if oldest else 0
    totals = {light: sum(t.lights[light] for t in tiles) for light in LIGHTS}
    return ViceMayorHome(person_id, xun, tiles, oldest, days, [u for u in units if u.id in silent], missing,
                         missing_start, totals)


# --- the city (mayor, party secretary, observers) ------------------------------------------------------------

def units_by_red(on: date, limit=RANKED_UNITS):
    """[(Unit, red count)]: the units with the most overdue open tasks (as lead or co-unit), most first. One
    statement."""
    n = sa.func.count().label("n")
    rows = db.session.execute(
        sa.select(Unit, n).join(TaskParty, TaskParty.unit_id == Unit.id).join(Task, Task.id == TaskParty.task_id)
        .where(open_clause(), Task.due_on < on).group_by(Unit.id).order_by(n.desc(), Unit.sort_order, Unit.id)
        .limit(limit)).all()
    return [(unit, count) for unit, count in rows]


@dataclass
class RankLine:
    unit_id: int
    short_name: str
    rank: int
    final: str
    movement: int | None  # places gained since the quarter before (negative: lost); None: not ranked then


@dataclass
class QuarterRanking:
    year: int
    quarter: int
    previous: tuple | None  # (year, quarter) compared with, or None
    groups: list = field(default_factory=list)  # [(group label, [RankLine])]

    @property
    def label(self):
        return f"{self.year}年第{self.quarter}季度"


def last_ranking(on: date, shown=RANKS_SHOWN) -> QuarterRanking | None:
    """The latest finalized (审定) quarter's ranking in each group, the first `shown` units of each, with their
    movement against the quarter before it when that one is finalized too. One statement (the frozen snapshots
    of this year's and last year's quarters)."""
    rows = {(s.year, s.quarter): s for s in db.session.scalars(
        sa.select(ScoringQuarter).where(ScoringQuarter.year.in_((on.year, on.year - 1))))}
    finalized = sorted(key for key, s in rows.items() if s.is_finalized and s.snapshot)
    if not finalized:
        return None
    year, quarter = finalized[-1]
    before = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    earlier = rows.get(before)
    previous_ranks = {}
    if earlier is not None and earlier.is_finalized and earlier.snapshot:
        previous_ranks = {r["unit_id"]: r["rank"] for r in earlier.snapshot.get("units", [])}
    ranking = QuarterRanking(year, quarter, before if previous_ranks else None)
    grouped = {}
    for r in rows[(year, quarter)].snapshot.get("units", []):
        if r.get("rank") is None:
            continue
        was = previous_ranks.get(r["unit_id"])
        grouped.setdefault(r["group"], []).append(
            RankLine(r["unit_id"], r["short_name"], r["rank"], r["final"], None if was is None else was - r["rank"]))
    labels = {group.value: group.label for group in UnitGroup}
    for group in [g.value for g in UnitGroup if g.value in grouped] + sorted(set(grouped) - set(labels)):
        ranking.groups.append((labels.get(group, group), sorted(grouped[group], key=lambda line: line.rank)[:shown]))
    return ranking


def week_bounds(on: date):
    start = on - timedelta(days=on.weekday())
    return start, start + timedelta(days=6)


@dataclass
class CityHome:
    cockpit_month: tuple  # (year, month)
    indicator_lights: dict  # {"green", "yellow", "red", "grey": count}
    ranked: list  # [(Unit, red count)]
    ranking: QuarterRanking | None
    week: tuple  # (monday, sunday)
    meetings: list  # the week's meetings other than 周会商 [ExpectedMeeting]
    weekly: dict  # {"expected", "logged"} of the week's 周会商
    vice_mayors: list  # [Person]
    totals: dict  # {Light: count} over the city's open tasks


def city_home(on: date) -> CityHome:
    month = shift_month(on.year, on.month, -1)
    summary = cockpit(*month, on)
    window = light_window(on)
    expr = light_expression(window).label("light")
    totals = dict.fromkeys(LIGHTS, 0)
    for light, n in db.session.execute(sa.select(expr, sa.func.count()).select_from(Task).where(open_clause())
                                       .group_by(expr)):
        totals[Light(light)] = n
    start, end = week_bounds(on)
    meetings, weekly = [], {"expected": 0, "logged": 0}
    # the whole city's meetings (the mayor's own calendar has only his own and the city's): one statement
    for row in compliance_rows(start, end, today=on):
        if row.expected.type is MeetingType.weekly:
            weekly["expected"] += 1
            weekly["logged"] += row.record_id is not None
        else:
            meetings.append(row.expected)
    return CityHome(month, summary["lights"], units_by_red(on), last_ranking(on), (start, end), meetings, weekly,
                    org_queries.vice_mayors(on), totals)


# --- the office ---------------------------------------------------------------------------------------------

def _pending_requests():
    """(completion requests, extension requests) waiting for review, in one statement."""
    completions = sa.select(sa.func.count()).select_from(CompletionRequest) \
        .where(CompletionRequest.status == RequestStatus.pending).scalar_subquery()
    extensions = sa.select(sa.func.count()).select_from(ExtensionRequest) \
        .where(ExtensionRequest.status == RequestStatus.pending).scalar_subquery()
    failed = sa.select(sa.func.count()).select_from(OutboxMessage) \
        .where(OutboxMessage.status == OutboxStatus.failed).scalar_subquery()
    return tuple(db.session.execute(sa.select(completions, extensions, failed)).one())


def waiting_quarters(on: date):
    """[(year, quarter, cells missing)] of the quarters that have ended and are not finalized (of this year and
    last year, when the year's rules are saved), oldest first: cells missing > 0 waits for entries, 0 for the
    leadership group's 审定."""
    rows = {(s.year, s.quarter): s for s in db.session.scalars(
        sa.select(ScoringQuarter).where(ScoringQuarter.year.in_((on.year, on.year - 1))))}
    result = []
    for year in (on.year - 1, on.year):
        if not load_year_rules(year).saved:
            continue
        for quarter in (1, 2, 3, 4):
            if quarter_bounds(year, quarter)[1] >= on:
                continue
            state = rows.get((year, quarter))
            if state is not None and state.is_finalized:
                continue
            result.append((year, quarter, sum(missing_entries_by_enterer(year, quarter).values())))
    return result


def office_queue(on: date):
    """[Item] of the office's queue, each with the page that resolves it."""
    completions, extensions, failed = _pending_requests()
    records_start = date(*shift_month(on.year, on.month, -1), 1)
    counts = compliance_counts(records_start, on, on)
    missing_records = sum(c["missing"] for c in counts.values())
    month = last_reportable_month(on)
    late_reports = sum(1 for s in month_statuses(month, on) if s.status == "missing")
    items = [
        Item("待审核的办结申请", completions, url_for("tasks.overview", state=TaskState.completion_requested.value),
             "没有待审核的办结申请", True),
        Item("待审核的延期申请", extensions, url_for("tasks.overview"), "没有待审核的延期申请", True),
        Item(f"缺失的会议记录（{records_start.month}月1日以来）", missing_records,
             url_for("meetings.compliance_view", status=ComplianceStatus.missing.value,
                     start=records_start.isoformat(), end=on.isoformat()), "会议记录没有缺失", True),
        Item(f"逾期未报的月度报送（{month_label(month)}）", late_reports,
             url_for("ledger.reporting_compliance", month=month_code(month)), "月度报送没有逾期", True),
    ]
    for year, quarter, missing in waiting_quarters(on):
        label = f"{year}年第{quarter}季度" + ("待录入的考评分项" if missing else "已录齐，待审定")
        url = url_for("scoring.entry", year=year, quarter=quarter) if missing else \
            url_for("scoring.quarter", year=year, quarter=quarter)
        items.append(Item(label, missing or 1, url, ""))
    if not any(i.label.endswith(("考评分项", "待审定")) for i in items):
        items.append(Item("待录入或待审定的季度", 0, url_for("scoring.index"), "没有待录入或待审定的季度"))
    items.append(Item("发送失败的提醒", failed, url_for("reminders.office", status=OutboxStatus.failed.value),
                      "没有发送失败的提醒", True))
    if on.month == 12:
        entered = db.session.get(CalendarYear, on.year + 1) is not None
        items.append(Item(f"{on.year + 1}年工作日历尚未录入", 0 if entered else 1, url_for("core.calendar"),
                          f"{on.year + 1}年工作日历已录入", True))
    return items


# --- a unit's staff -------------------------------------------------------------------------------------------

def this_weeks_meeting(unit_id, on: date):
    """The unit's 周会商 of this week (not cancelled), with its record loaded, or None. One statement."""
    start, end = week_bounds(on)
    return db.session.scalars(
        sa.select(ExpectedMeeting).outerjoin(MeetingRecord, MeetingRecord.expected_id == ExpectedMeeting.id)
        .where(ExpectedMeeting.type == MeetingType.weekly, ExpectedMeeting.convener_unit_id == unit_id,
               ExpectedMeeting.is_cancelled.is_(False), ExpectedMeeting.scheduled_on.between(start, end))
        .options(contains_eager(ExpectedMeeting.record)).limit(1)).first()


@dataclass
class StaffHome:
    unit: Unit
    items: list  # [Item]
    weekly: ExpectedMeeting | None
    reports: list  # [DutyStatus] still to report (missing or open) for the last month
    report_month: date
    scores: list  # [(year, quarter, cells to enter)]


def staff_home(user, on: date) -> StaffHome:
    unit = user.unit
    window = light_window(on)
    lights = unit_light_counts([unit.id], window)[unit.id]
    to_accept = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(
        Task.lead_unit_id == unit.id, Task.state == TaskState.assigned))
    weekly = this_weeks_meeting(unit.id, on)
    month = last_reportable_month(on)
    reports = [s for s in month_statuses(month, on, unit_duties(unit.id)) if s.status in ("missing", "open")]
    scores = []
    if unit.id in assessor_unit_ids(on.year) or unit.id in assessor_unit_ids(on.year - 1):
        rows = {(s.year, s.quarter): s for s in db.session.scalars(
            sa.select(ScoringQuarter).where(ScoringQuarter.year.in_((on.year, on.year - 1))))}
        current = (on.year, quarter_of(on))
        for year in (on.year - 1, on.year):
            for quarter in (1, 2, 3, 4):
                state = rows.get((year, quarter))
                if (year, quarter) >= current or (state is not None and state.is_finalized):
                    continue
                missing = missing_entries_by_enterer(year, quarter).get(unit.id, 0)
                if missing:
                    scores.append((year, quarter, missing))
    items = [
        Item("待签收的事项", to_accept, url_for("tasks.inbox"), "没有待签收的事项", True),
        Item("临近到期（黄灯）", lights[Light.yellow], url_for("tasks.inbox", light=Light.yellow.value),
             "没有临近到期的事项"),
        Item("已逾期（红灯）", lights[Light.red], url_for("tasks.inbox", light=Light.red.value), "没有逾期的事项",
             True),
        Item("未读提醒", unread_count(user.id), url_for("reminders.index"), "没有未读提醒"),
    ]
    return StaffHome(unit, items, weekly, reports, month, scores)


def person_name(person_id):
    return db.session.scalar(sa.select(Person.name).where(Person.id == person_id))
