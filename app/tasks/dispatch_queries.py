"""The 10-day dispatch list (旬调度清单) of a vice mayor: which tasks, grouped by unit, with their lights and the
latest follow-ups, in a constant number of queries."""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.core.calendar import get_calendar
from app.core.periods import Xun
from app.core.sql import select_rows
from app.extensions import db
from app.org.models import Person, PortfolioItem, Unit
from app.org.queries import current_positions
from app.tasks.models import OPEN_STATES, Light, Task, TaskParty, TaskState
from app.tasks.queries import (
    Progress,
    TaskLine,
    light_window,
    load_task_lines,
    open_clause,
    task_line_statement,
    task_lines_of,
)

# red first, then yellow, green and done: what needs the leader comes first (then by due date)
LIGHT_RANK = {Light.red: 0, Light.yellow: 1, Light.green: 2, Light.done_on_time: 3, Light.done_late: 3,
              Light.cancelled: 4}
DONE_LIGHTS = (Light.done_on_time, Light.done_late)


@dataclass
class Summary:
    """The counts of a list or of one unit's part: by light, new this 旬, no feedback this 旬."""

    total: int = 0
    red: int = 0
    yellow: int = 0
    green: int = 0
    done: int = 0
    new: int = 0  # assigned within the 旬
    stale: int = 0  # no follow-up by the lead unit since the previous 旬 began

    def add(self, light, new, stale):
        self.total += 1
        if light in DONE_LIGHTS:
            self.done += 1
        elif light in (Light.red, Light.yellow, Light.green):
            setattr(self, light.value, getattr(self, light.value) + 1)
        self.new += bool(new)
        self.stale += bool(stale)

    @property
    def text(self):
        """“21 项：红灯 8 · 黄灯 6 · 绿灯 4 · 办结 3”."""
        return f"{self.total} 项：红灯 {self.red} · 黄灯 {self.yellow} · 绿灯 {self.green} · 办结 {self.done}"


@dataclass
class DispatchRow:
    task: TaskLine
    light: Light
    days_overdue: int
    lead_progress: Progress | None
    co_progress: list  # [(UnitRef, Progress | None)]
    stale: bool  # no follow-up by the lead unit since the previous 旬 began


@dataclass
class DispatchList:
    person: Person
    xun: Xun
    as_of: date
    units: list  # [(Unit, [DispatchRow])]
    provisional: bool
    unit_counts: dict = field(default_factory=dict)  # unit id -> tasks of the unit on the whole list
    total: int = 0  # tasks on the whole list
    page: int = 1
    per_page: int | None = None  # None: the whole list (print, Excel)
    offset: int = 0  # sequence numbers continue across pages
    position_title: str = "副市长"  # the person's real title (市长, 常务副市长 ...): see `position_title`
    summary: Summary = field(default_factory=Summary)  # the whole list's counts
    unit_summaries: dict = field(default_factory=dict)  # unit id -> Summary of the unit's part of the whole list
    # The portfolio's units leading an overdue open task (their "有逾期事项" mark), when the list tells: for a 旬
    # not yet over it holds every open task of those units (one assigned after the 旬 would be due after it, so
    # not overdue today); None for a past 旬 (ask queries.units_with_red_tasks).
    red_unit_ids: set | None = None
    portfolio_unit_ids: frozenset = frozenset()  # the units of the portfolio the list was drawn up from
    portfolio_on: date | None = None  # the day that portfolio is in force on

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page)) if self.per_page else 1

    @property
    def rows(self):
        return [row for _, rows in self.units for row in rows]

    @property
    def title(self):
        return f"{self.position_title}{self.person.name} {self.xun.label}调度清单"

    def unit_summary(self, unit_id):
        return self.unit_summaries.get(unit_id) or Summary()

    def portfolio_of(self, user, on: date):
        """The unit ids of `user`'s portfolio in force `on` when the list tells them — it is the user's own list,
        drawn up from that day's portfolio (a vice mayor reading his list of the current 旬) — else None (ask
        org.queries.portfolio_unit_ids)."""
        if user.is_leader and user.person_id == self.person.id and self.portfolio_on == on:
            return self.portfolio_unit_ids
        return None


def position_title(person: Person, on: date) -> str:
    """The person's title as the list names him: his vice mayor's post if he holds one (副市长, 常务副市长 ...),
    else the mayor's or the party secretary's, else his first current post (one query per request and person)."""
    positions = current_positions(person.id, on)
    chosen = next((p for flag in ("is_vice_mayor", "is_mayor", "is_secretary") for p in positions
                   if getattr(p, flag)), positions[0] if positions else None)
    # the post, without a remark on the duties: “副市长(负责日常工作)” heads its list as “副市长”
    return re.sub(r"\s*[(（].*[)）]\s*$", "", chosen.title) or chosen.title if chosen else "市领导"


def opens_every_list(user, on: date) -> bool:
    """Who may open any vice mayor's list: the office and the observers (every user who reads all but is not a
    leader), and among the leaders the mayor and the party secretary, who have no portfolio of their own. A vice
    mayor opens only his own list."""
    if not user.reads_all:
        return False
    if not user.is_leader:
        return True
    if user.person_id is None:
        return False
    return any(p.is_mayor or p.is_secretary for p in current_positions(user.person_id, on))


def _list_clauses(person_id, on, xun_start, xun_end):
    """(the portfolio's unit ids as a subquery, the WHERE clauses of a dispatch list's tasks), from values or from
    bound parameters."""
    unit_ids = sa.select(PortfolioItem.unit_id).where(PortfolioItem.person_id == person_id,
                                                       PortfolioItem.current_on(on))
    return unit_ids, [
        Task.lead_unit_id.in_(unit_ids),
        Task.assigned_on <= xun_end,
        sa.or_(open_clause(),
               Task.due_on.between(xun_start, xun_end),
               Task.completed_on.between(xun_start, xun_end)),
        Task.state != TaskState.cancelled,
    ]


def dispatch_filter(person: Person, xun: Xun, as_of: date):
    """(the portfolio's unit ids as a subquery, the WHERE clauses of the dispatch list's tasks): see
    `dispatch_list`."""
    return _list_clauses(person.id, min(as_of, xun.end), xun.start, xun.end)


def _list_values(person: Person, xun: Xun, as_of: date):
    return {"person_id": person.id, "portfolio_on": min(as_of, xun.end), "xun_start": xun.start,
            "xun_end": xun.end}


@cache
def _list_statements():
    """(the portfolio's units in order, the narrow key row of every task on the list, the task lines of the whole
    list), built once with bound parameters (_list_values): building them anew cost a dispatch page about a tenth of
    its time."""
    unit_ids, where = _list_clauses(*(sa.bindparam(name) for name in
                                      ("person_id", "portfolio_on", "xun_start", "xun_end")))
    units = sa.select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.sort_order)
    lead = aliased(TaskParty)
    keys = (sa.select(Task.id, Task.lead_unit_id, Task.state, Task.assigned_on, Task.due_on, Task.completed_on,
                      lead.last_reported_on.label("lead_reported_on"))
            .outerjoin(lead, sa.and_(lead.task_id == Task.id, lead.unit_id == Task.lead_unit_id))
            .where(*where))
    return units, keys, task_line_statement(sa.select(Task.id).where(*where).correlate(None))


def stale_before(xun: Xun) -> date:
    """The day a lead unit's last follow-up must be on or after for a task of `xun`'s list not to be stale: the
    previous 旬's first day."""
    return xun.previous().start


def is_stale(task, lead_reported_on, since: date):
    """No follow-up by the lead unit since `since` (`stale_before` of the list's 旬; a task assigned since then had
    no chance yet). `task`: anything with state and assigned_on (a Task or a narrow row)."""
    return task.state in OPEN_STATES and task.assigned_on < since and (
        lead_reported_on is None or lead_reported_on < since)


def dispatch_list(person: Person, xun: Xun, as_of: date, page=None, per_page=None) -> DispatchList:
    """Every task led by a unit of the leader's portfolio that is open, or due or completed within the 旬,
    grouped by unit, with light, working days overdue, the latest follow-up of the lead unit and of each
    co-unit, and a `stale` flag when the lead unit has reported nothing since the previous 旬 began (tasks
    assigned since then are not stale: they had no chance yet).

    The portfolio is the one in force on the 旬's last day (or `as_of`, if earlier). Constant queries.
    With `page` and `per_page` only that page of rows is loaded (units in portfolio order, then by due
    date); `unit_counts` and `total` still describe the whole list. Print and Excel take the whole list."""
    units_statement, keys_statement, lines_statement = _list_statements()
    values = _list_values(person, xun, as_of)
    units = db.session.scalars(units_statement, values).all()
    order = {u.id: i for i, u in enumerate(units)}
    window = light_window(as_of)
    offset = 0
    lights = {}  # task id -> light: each task's light worked out once

    def light_of(key):
        light = lights.get(key.id)
        if light is None:
            light = lights[key.id] = window.of(key)
        return light

    def sort_key(key):  # units in portfolio order; within a unit red, yellow, green, done; then by due date
        return (order.get(key.lead_unit_id, len(order)), LIGHT_RANK[light_of(key)], key.due_on, key.id)

    if page and per_page:
        # One narrow statement gives every task's unit, light and feedback date; the counts, the order and the
        # page's ids come from it here, then only the page's rows are loaded with their units and follow-ups
        # (sorting every candidate row with its joined units and plans is far slower).
        keys = select_rows(keys_statement, values).all()
        keys = [_Key(*key) for key in keys]
        keys.sort(key=sort_key)
        offset = (page - 1) * per_page
        ids = [key.id for key in keys[offset:offset + per_page]]
        loaded = {line.id: line for line in load_task_lines(ids)}
    else:
        keys = sorted(task_lines_of(lines_statement, values), key=sort_key)
        loaded = {line.id: line for line in keys}
        ids = list(loaded)
    unit_counts = dict(Counter(key.lead_unit_id for key in keys))
    summary, unit_summaries = Summary(), {}
    since, xun_start, xun_end = stale_before(xun), xun.start, xun.end
    for key in keys:
        light, new, stale = light_of(key), xun_start <= key.assigned_on <= xun_end, is_stale(
            key, key.lead_reported_on, since)
        summary.add(light, new, stale)
        unit_summaries.setdefault(key.lead_unit_id, Summary()).add(light, new, stale)
    red_unit_ids = {key.lead_unit_id for key in keys if light_of(key) is Light.red} if xun.end >= as_of else None
    cal = get_calendar()
    by_unit = {u.id: [] for u in units}
    for task_id in ids:
        task = loaded[task_id]
        by_unit.setdefault(task.lead_unit_id, []).append(DispatchRow(
            task=task,
            light=light_of(task),
            days_overdue=cal.workdays_overdue(task.due_on, as_of) if task.is_open else 0,
            lead_progress=task.progress,
            co_progress=task.co_units,
            stale=is_stale(task, task.lead_reported_on, since),
        ))
    shown = units if not (page and per_page) else [u for u in units if by_unit.get(u.id)]
    if page and per_page and page >= -(-sum(unit_counts.values()) // per_page):
        shown += [u for u in units if not unit_counts.get(u.id)]  # empty units close the last page
    return DispatchList(person=person, xun=xun, as_of=as_of,
                        units=[(u, by_unit.get(u.id, [])) for u in shown],
                        provisional=window.provisional or cal.range_is_provisional(xun.start, xun.end),
                        unit_counts=unit_counts, total=sum(unit_counts.values()), page=page or 1,
                        per_page=per_page if page else None, offset=offset,
                        position_title=position_title(person, min(as_of, xun.end)), summary=summary,
                        unit_summaries=unit_summaries, red_unit_ids=red_unit_ids,
                        portfolio_unit_ids=frozenset(order), portfolio_on=values["portfolio_on"])


@dataclass
class _Key:
    """A task of the list as the narrow statement reads it: enough for its light, order and counts."""

    id: int
    lead_unit_id: int
    state: TaskState
    assigned_on: date
    due_on: date
    completed_on: date | None
    lead_reported_on: date | None

    light = Task.light
