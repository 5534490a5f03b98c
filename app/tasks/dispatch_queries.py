"""The 10-day dispatch list (旬调度清单) of a vice mayor: which tasks, grouped by unit, with their lights and the
latest follow-ups, in a constant number of queries."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from app.core.calendar import get_calendar
from app.core.periods import Xun
from app.extensions import db
from app.org.models import Person, PortfolioItem, Unit
from app.tasks.models import OPEN_STATES, Light, Task, TaskState
from app.tasks.queries import Progress, TaskLine, light_window, load_task_lines, open_clause


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

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page)) if self.per_page else 1

    @property
    def rows(self):
        return [row for _, rows in self.units for row in rows]

    @property
    def title(self):
        return f"副市长{self.person.name} {self.xun.label}调度清单"


def dispatch_filter(person: Person, xun: Xun, as_of: date):
    """(the portfolio's unit ids as a subquery, the WHERE clauses of the dispatch list's tasks): see
    `dispatch_list`."""
    on = min(as_of, xun.end)
    unit_ids = sa.select(PortfolioItem.unit_id).where(PortfolioItem.person_id == person.id,
                                                       PortfolioItem.current_on(on))
    return unit_ids, [
        Task.lead_unit_id.in_(unit_ids),
        Task.assigned_on <= xun.end,
        sa.or_(open_clause(),
               Task.due_on.between(xun.start, xun.end),
               Task.completed_on.between(xun.start, xun.end)),
        Task.state != TaskState.cancelled,
    ]


def is_stale(task, lead_reported_on, xun: Xun):
    """No follow-up by the lead unit since the previous 旬 began (a task assigned since then had no chance yet).
    `task`: anything with state and assigned_on (a Task or a narrow row)."""
    stale_before = xun.previous().start
    return task.state in OPEN_STATES and task.assigned_on < stale_before and (
        lead_reported_on is None or lead_reported_on < stale_before)


def dispatch_list(person: Person, xun: Xun, as_of: date, page=None, per_page=None) -> DispatchList:
    """Every task led by a unit of the leader's portfolio that is open, or due or completed within the 旬,
    grouped by unit, with light, working days overdue, the latest follow-up of the lead unit and of each
    co-unit, and a `stale` flag when the lead unit has reported nothing since the previous 旬 began (tasks
    assigned since then are not stale: they had no chance yet).

    The portfolio is the one in force on the 旬's last day (or `as_of`, if earlier). Constant queries.
    With `page` and `per_page` only that page of rows is loaded (units in portfolio order, then by due
    date); `unit_counts` and `total` still describe the whole list. Print and Excel take the whole list."""
    unit_ids, where = dispatch_filter(person, xun, as_of)
    units = db.session.scalars(sa.select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.sort_order)).all()
    order = {u.id: i for i, u in enumerate(units)}
    offset = 0
    if page and per_page:
        # One narrow statement (index-only: ix_tasks_lead_unit_cover) gives every task's unit and due date;
        # the counts per unit and the page's ids come from it here, then only the page's rows are loaded with
        # their eager loads (sorting every candidate row with its joined units and plans is far slower).
        keys = db.session.execute(sa.select(Task.id, Task.lead_unit_id, Task.due_on).where(*where)).all()
        unit_counts = dict(Counter(key.lead_unit_id for key in keys))
        keys.sort(key=lambda key: (order.get(key.lead_unit_id, len(order)), key.due_on, key.id))
        offset = (page - 1) * per_page
        ids = [key.id for key in keys[offset:offset + per_page]]
        loaded = {line.id: line for line in load_task_lines(ids)}
    else:
        lines = sorted(load_task_lines(where=where), key=lambda line: (line.due_on, line.id))
        loaded = {line.id: line for line in lines}
        ids = list(loaded)
        unit_counts = dict(Counter(line.lead_unit_id for line in lines))
    window = light_window(as_of)
    cal = get_calendar()
    by_unit = {u.id: [] for u in units}
    for task_id in ids:
        task = loaded[task_id]
        by_unit.setdefault(task.lead_unit_id, []).append(DispatchRow(
            task=task,
            light=window.of(task),
            days_overdue=cal.workdays_overdue(task.due_on, as_of) if task.is_open else 0,
            lead_progress=task.progress,
            co_progress=task.co_units,
            stale=is_stale(task, task.lead_reported_on, xun),
        ))
    shown = units if not (page and per_page) else [u for u in units if by_unit.get(u.id)]
    if page and per_page and page >= -(-sum(unit_counts.values()) // per_page):
        shown += [u for u in units if not unit_counts.get(u.id)]  # empty units close the last page
    return DispatchList(person=person, xun=xun, as_of=as_of,
                        units=[(u, by_unit.get(u.id, [])) for u in shown],
                        provisional=window.provisional or cal.range_is_provisional(xun.start, xun.end),
                        unit_counts=unit_counts, total=sum(unit_counts.values()), page=page or 1,
                        per_page=per_page if page else None, offset=offset)
