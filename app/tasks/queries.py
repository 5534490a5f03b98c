"""Reads for task pages: each returns rows with explicit eager loading, in a constant number of queries."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.core.calendar import get_calendar
from app.core.models import CalendarOverride
from app.core.sql import select_rows
from app.extensions import db
from app.org.models import Plan, Unit
from app.tasks.models import (
    CLOSED_STATES,
    OPEN_STATES,
    CompletionRequest,
    Evidence,
    ExtensionRequest,
    FollowUp,
    Light,
    Task,
    TaskEvent,
    TaskParty,
    TaskPriority,
    TaskState,
    Urge,
)


def open_clause():
    """`state IN (the open states)` with the states written into the SQL text: the planners then match the
    partial index ix_tasks_open_due (SQLite never does with bound parameters, nor does a prepared generic plan
    of PostgreSQL's). The values are our own enum's, never user input."""
    return Task.state.in_(sa.bindparam("open_states", list(OPEN_STATES), expanding=True, literal_execute=True,
                                       unique=True))


# --- lights -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LightWindow:
    """The light thresholds for one day: overdue before `today`, yellow up to `yellow_limit`."""

    today: date
    yellow_limit: date
    provisional: bool

    def of(self, task) -> Light:
        return task.light(self.today, self.yellow_limit)


def light_window(today: date, workdays=None) -> LightWindow:
    """Yellow = due within N working days (N from settings, default 3): up to the day before the (N+1)th
    working day after today, so a due date on a weekend just after the Nth working day is yellow too."""
    n = workdays if workdays is not None else current_app.config.get("LIGHT_YELLOW_WORKDAYS", 3)
    cal = get_calendar()
    limit = cal.add_workdays(today, n + 1) - timedelta(days=1)
    return LightWindow(today, limit, cal.range_is_provisional(today, limit))


def light_expression(window: LightWindow):
    """The same rule as Task.light, in SQL, for filtering and counting."""
    return sa.case(
        (Task.state == TaskState.cancelled, sa.literal(Light.cancelled.value)),
        (sa.and_(Task.state == TaskState.completed, Task.completed_on <= Task.due_on),
         sa.literal(Light.done_on_time.value)),
        (Task.state == TaskState.completed, sa.literal(Light.done_late.value)),
        (Task.due_on < window.today, sa.literal(Light.red.value)),
        (Task.due_on <= window.yellow_limit, sa.literal(Light.yellow.value)),
        else_=sa.literal(Light.green.value),
    )


def light_clause(window: LightWindow, light: Light):
    """The same rule as `light_expression(window) == light`, written so that the (state, due_on) index can
    answer it (a CASE in the WHERE clause would force a scan of every task)."""
    open_states = open_clause()
    return {
        Light.cancelled: Task.state == TaskState.cancelled,
        Light.done_on_time: sa.and_(Task.state == TaskState.completed, Task.completed_on <= Task.due_on),
        Light.done_late: sa.and_(Task.state == TaskState.completed,
                                 sa.or_(Task.completed_on.is_(None), Task.completed_on > Task.due_on)),
        Light.red: sa.and_(open_states, Task.due_on < window.today),
        Light.yellow: sa.and_(open_states, Task.due_on >= window.today, Task.due_on <= window.yellow_limit),
        Light.green: sa.and_(open_states, Task.due_on > window.yellow_limit),
    }[light]


def light_counts(query_filter, window):
    """{Light: count} over the tasks matching `query_filter` (a list of WHERE clauses), in one query."""
    expr = light_expression(window).label("light")
    rows = db.session.execute(sa.select(expr, sa.func.count()).select_from(Task).where(*query_filter)
                              .group_by(expr)).all()
    counts = {light: 0 for light in Light}
    for value, count in rows:
        counts[Light(value)] = count
    return counts


# A page's per-request statements are built once, their values named parameters: building a statement costs more
# Python than running it from SQLAlchemy's compiled cache. The light thresholds as such parameters:
WINDOW_PARAMETERS = LightWindow(sa.bindparam("today", type_=sa.Date), sa.bindparam("yellow_limit", type_=sa.Date),
                                False)


def window_values(window: LightWindow):
    return {"today": window.today, "yellow_limit": window.yellow_limit}


@cache
def _red_units_statement(some):
    statement = sa.select(Task.lead_unit_id).where(open_clause(), Task.due_on < WINDOW_PARAMETERS.today).distinct()
    return statement.where(Task.lead_unit_id.in_(sa.bindparam("unit_ids", expanding=True))) if some else statement


def units_with_red_tasks(today: date, unit_ids=None):
    """Ids of the units leading at least one overdue open task (shown with a red mark wherever they appear)."""
    values = {"today": today}
    if unit_ids is not None:
        values["unit_ids"] = list(unit_ids)
    return set(select_rows(_red_units_statement(unit_ids is not None), values).scalars().all())


# --- the unit's inbox ---------------------------------------------------------------------------------------

def inbox_filter(unit_id, closed=False):
    member = sa.select(TaskParty.task_id).where(TaskParty.unit_id == unit_id)
    if closed:
        return [Task.id.in_(member), Task.state.in_((TaskState.completed, TaskState.cancelled))]
    return [Task.id.in_(member), open_clause()]


def inbox_closed_count(unit_id, open_count):
    """Closed tasks of the unit = all its tasks minus the open ones: an index-only count of task_parties
    instead of scanning every completed task of the city."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(TaskParty).where(TaskParty.unit_id == unit_id))
    return total - open_count


@cache
def _inbox_counts_statement():
    unit_id = sa.bindparam("unit_id")
    expr = light_expression(WINDOW_PARAMETERS).label("light")
    lights = sa.select(expr, sa.func.count().label("n")).select_from(Task).where(*inbox_filter(unit_id)) \
        .group_by(expr)
    everything = sa.select(sa.literal("*").label("light"), sa.func.count().label("n")).select_from(TaskParty) \
        .where(TaskParty.unit_id == unit_id)
    return sa.union_all(lights, everything)


def inbox_counts(unit_id, window):
    """({Light: count} of the unit's open tasks, count of its closed ones) in one statement: the light counts
    of the open tasks, and beside them all the unit's tasks (an index-only count of task_parties; closed = all
    minus open, instead of scanning every completed task of the city)."""
    counts, total = {light: 0 for light in Light}, 0
    for value, count in select_rows(_inbox_counts_statement(),
                                           {"unit_id": unit_id, **window_values(window)}).all():
        if value == "*":
            total = count
        else:
            counts[Light(value)] = count
    return counts, total - sum(counts.values())


def inbox_ids(unit_id, window, light=None, closed=False):
    """The ids of the inbox's tasks in page order (soonest due first; the latest completed first)."""
    where = inbox_filter(unit_id, closed)
    if light is not None:
        where.append(light_clause(window, light))
    order = (Task.completed_on.desc(), Task.id.desc()) if closed else (Task.due_on, Task.id)
    return sa.select(Task.id).where(*where).order_by(*order)


@dataclass(slots=True)
class Progress:
    """The latest follow-up a list shows: when, how far, what."""

    reported_on: date
    percent: int
    text: str


@dataclass(slots=True, frozen=True)
class UnitRef:
    id: int
    name: str
    short_name: str


@dataclass(slots=True)
class TaskLine:
    """A task as the lists show it (the task tables, the dispatch list and its Excel file and frozen copy), read from
    narrow rows: loading a page's tasks as objects with their parties, units, plans and follow-ups was about a third
    of the page's time, and the whole dispatch list's export loaded some 3,500 objects."""

    id: int
    title: str
    priority: TaskPriority
    urge_count: int
    state: TaskState
    assigned_on: date
    due_on: date
    original_due_on: date | None
    completed_on: date | None
    plan_code: str | None
    plan_name: str | None
    lead_unit: UnitRef
    lead_reported_on: date | None  # the lead unit's last report
    progress: Progress | None  # the lead unit's latest follow-up
    co_units: list  # [(UnitRef, Progress | None)], by unit id as Task.parties orders them
    assigner_id: int | None = None  # who assigned it (who may urge it: services.urgeable_task_ids)

    light = Task.light  # the same rules as the model's
    is_open = Task.is_open

    @property
    def lead_unit_id(self):
        return self.lead_unit.id

    @property
    def unit_ids(self):
        return [self.lead_unit.id, *(unit.id for unit, _ in self.co_units)]


def task_line_statement(ids):
    """The tasks whose id is in `ids` (a list, an expanding parameter or a select) with their plan, lead unit and its
    latest follow-up, and beside them (one row per co-unit, by unit id; one row with NULLs when none) their co-units
    with theirs: one statement, one round trip to the database (two cost a list page a tenth of its time in the
    load test, issue #13). A select of ids is joined as a derived table, so that the database starts from the tasks
    it names (as `IN (select)`, PostgreSQL joined every task of the city to its parties and follow-ups first)."""
    lead, last = aliased(TaskParty), aliased(FollowUp)
    co, co_unit, co_last = aliased(TaskParty), aliased(Unit), aliased(FollowUp)
    statement = sa.select(Task.id, Task.title, Task.priority, Task.urge_count, Task.state, Task.assigned_on,
                          Task.due_on, Task.original_due_on, Task.completed_on, Plan.code, Plan.name, Unit.id,
                          Unit.name, Unit.short_name, lead.last_reported_on, last.reported_on, last.percent, last.text,
                          Task.assigner_id, co_unit.id, co_unit.name, co_unit.short_name, co_last.reported_on,
                          co_last.percent, co_last.text)
    if isinstance(ids, sa.Select):
        chosen = ids.subquery("chosen")
        statement = statement.select_from(chosen).join(Task, Task.id == chosen.c.id)
    else:
        statement = statement.where(Task.id.in_(ids))
    return (statement
            .join(Unit, Unit.id == Task.lead_unit_id)
            .outerjoin(Plan, Plan.id == Task.plan_id)
            .outerjoin(lead, sa.and_(lead.task_id == Task.id, lead.unit_id == Task.lead_unit_id))
            .outerjoin(last, last.id == lead.last_follow_up_id)
            .outerjoin(co, sa.and_(co.task_id == Task.id, co.is_lead.is_(False)))
            .outerjoin(co_unit, co_unit.id == co.unit_id)
            .outerjoin(co_last, co_last.id == co.last_follow_up_id)
            .order_by(Task.id, co.unit_id))


@cache
def _task_line_statement_by_id():
    # built once (see WINDOW_PARAMETERS): the page's ids are an expanding parameter
    return task_line_statement(sa.bindparam("ids", expanding=True))


def load_task_lines(ids=None, where=None):
    """TaskLine of each task `ids`, or of every task matching `where` (the whole dispatch list: no list of ids goes
    to the database), in no particular order; one statement whatever their number."""
    if where is not None:
        # the subquery is not correlated with the outer statement's own tasks table
        return task_lines_of(task_line_statement(sa.select(Task.id).where(*where).correlate(None)), {})
    if ids:
        return task_lines_of(_task_line_statement_by_id(), {"ids": list(ids)})
    return []


def task_lines_of(statement, values):
    """TaskLine of each task a `task_line_statement` reads with `values`, in no particular order (a caller that reads
    the same tasks often builds the statement once with bound parameters: the whole dispatch list)."""
    lines, units = {}, {}
    for row in select_rows(statement, values).all():  # one fetchall, not a fetchone per row
        line = lines.get(row[0])
        if line is None:
            lead = units.get(row[11])
            if lead is None:
                lead = units[row[11]] = UnitRef(*row[11:14])
            line = lines[row[0]] = TaskLine(*row[:11], lead, row[14],
                                            None if row[15] is None else Progress(*row[15:18]), [], row[18])
        if row[19] is not None:
            unit = units.get(row[19])
            if unit is None:
                unit = units[row[19]] = UnitRef(*row[19:22])
            line.co_units.append((unit, None if row[22] is None else Progress(*row[22:25])))
    return list(lines.values())


# --- the office's overview ----------------------------------------------------------------------------------

@dataclass
class TaskFilter:
    plan_id: int | None = None
    unit_id: int | None = None
    group: str | None = None
    light: Light | None = None
    state: TaskState | None = None
    due_from: date | None = None
    due_to: date | None = None
    text: str | None = None
    unit_ids: list = field(default_factory=list)  # restrict to these lead units (e.g. a portfolio)
    closed: bool | None = None  # True: completed or cancelled only; False: open only; None: either
    updated_since: datetime | None = None  # changed at or after this time (aware)
    extra: list = field(default_factory=list)  # WHERE clauses of the registered filters (app.tasks.filters)

    def clauses(self, window):
        where = list(self.extra)
        if self.closed is not None:
            where.append(Task.state.in_(CLOSED_STATES) if self.closed else open_clause())
        if self.updated_since is not None:
            where.append(Task.updated_at >= self.updated_since)
        if self.plan_id:
            where.append(Task.plan_id == self.plan_id)
        if self.unit_id:
            where.append(Task.id.in_(sa.select(TaskParty.task_id).where(TaskParty.unit_id == self.unit_id)))
        if self.group:
            where.append(Task.lead_unit_id.in_(sa.select(Unit.id).where(Unit.group == self.group)))
        if self.state:
            where.append(Task.state == self.state)
        if self.light:
            where.append(light_clause(window, self.light))
        if self.due_from:
            where.append(Task.due_on >= self.due_from)
        if self.due_to:
            where.append(Task.due_on <= self.due_to)
        if self.text:
            pattern = "%" + self.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(sa.or_(Task.title.ilike(pattern, escape="\\"), Task.content.ilike(pattern, escape="\\")))
        if self.unit_ids:
            where.append(Task.lead_unit_id.in_(self.unit_ids))
        return where


@cache
def list_keys(by_unit=False):
    """The ids of a task list's rows, read from the indexes only (with `by_unit`, joined to the lead unit, whose
    sort order then heads the order): the page's ids are picked from these before any wide row is read. Add the
    WHERE."""
    query = sa.select(Task.id)
    return query.join(Unit, Unit.id == Task.lead_unit_id) if by_unit else query


@cache
def list_rows():
    """The rows of a task list (the API's compact rows): the task's own columns, its lead unit's name and
    sort order, its plan's code and the lead unit's last report date, in one statement with no eager loads.
    Add the WHERE, ORDER BY and LIMIT."""
    lead = aliased(TaskParty)
    return (sa.select(Task.id, Task.title, Task.state, Task.priority, Task.assigned_on, Task.due_on,
                      Task.completed_on, Task.updated_at, Task.version, Task.lead_unit_id, Task.plan_id,
                      Unit.name.label("lead_unit_name"), Unit.sort_order.label("unit_sort_order"),
                      Plan.code.label("plan_code"), lead.last_reported_on)
            .join(Unit, Unit.id == Task.lead_unit_id)
            .outerjoin(Plan, Plan.id == Task.plan_id)
            .outerjoin(lead, sa.and_(lead.task_id == Task.id, lead.unit_id == Task.lead_unit_id)))


@cache  # statements are immutable: built once, not on every request
def change_marks():
    """Scalar subqueries that change whenever anything a task list shows changes: the latest timeline event
    (every service that changes a task writes one: assigning, accepting, a follow-up, every request, decision,
    urge and cancellation), the newest change of a unit or plan (their names and codes are on the rows) and of
    the working-day calendar (days overdue and lights count working days). Each is answered from a primary key
    or a small table, whatever the size of the list."""
    return (sa.select(sa.func.max(TaskEvent.id)).scalar_subquery(),
            sa.select(sa.func.max(Unit.updated_at)).scalar_subquery(),
            sa.select(sa.func.max(Plan.updated_at)).scalar_subquery(),
            sa.select(sa.func.count()).select_from(CalendarOverride).scalar_subquery(),
            sa.select(sa.func.max(CalendarOverride.updated_at)).scalar_subquery())


def list_validator(where, *extra):
    """(count, sum of ids, *change_marks, *extra) of the tasks matching `where`, in one statement: the total of a
    list and what its ETag is made of. The count and the sum come from the covering indexes (no table row is
    read). `extra`: more scalar subqueries to answer in the same statement."""
    return tuple(db.session.execute(sa.select(sa.func.count(), sa.func.sum(Task.id), *change_marks(), *extra)
                                    .select_from(Task).where(*where)).one())


def latest_follow_ups(task_ids):
    """{task id: [row of (task_id, unit_id, unit_name, is_lead, follow_up_id, text, percent, reported_on)]}: each
    unit of these tasks (lead unit first) with its latest follow-up (the follow-up columns None when it has
    none), in one statement of plain rows."""
    rows = db.session.execute(
        sa.select(TaskParty.task_id, TaskParty.unit_id, Unit.name.label("unit_name"), TaskParty.is_lead,
                  FollowUp.id.label("follow_up_id"), FollowUp.text, FollowUp.percent, FollowUp.reported_on)
        .join(Unit, Unit.id == TaskParty.unit_id)
        .outerjoin(FollowUp, FollowUp.id == TaskParty.last_follow_up_id)
        .where(TaskParty.task_id.in_(task_ids))
        .order_by(TaskParty.task_id, TaskParty.is_lead.desc(), TaskParty.unit_id)).all()
    by_task = {}
    for row in rows:
        by_task.setdefault(row.task_id, []).append(row)
    return by_task


def _mixes_open_and_closed(task_filter: TaskFilter):
    """Whether the list may hold open and closed tasks together."""
    if task_filter.closed is not None or task_filter.state is not None:
        return False
    return task_filter.light is None


def overview_ids(task_filter: TaskFilter, window):
    """The ids of the overview's tasks in page order: red, yellow, green, then the closed ones, each by due date.
    For open tasks the light follows the due date (red before today, yellow up to the limit, green after), so
    ordering the open tasks by due date puts them red first, with the oldest overdue on top; the closed ones
    follow only when the list mixes both (a plain ORDER BY due_on otherwise, which the (state, due_on) index of
    the open tasks answers without sorting)."""
    order = [Task.due_on, Task.id]
    if _mixes_open_and_closed(task_filter):
        order.insert(0, sa.case((open_clause(), 0), else_=1))
    return sa.select(Task.id).where(*task_filter.clauses(window)).order_by(*order)


# --- a task's detail ----------------------------------------------------------------------------------------

def task_for_detail(task_id):
    return db.session.scalar(sa.select(Task).where(Task.id == task_id).options(
        joinedload(Task.lead_unit), joinedload(Task.assigner), joinedload(Task.assigner_unit), joinedload(Task.plan),
        selectinload(Task.parties).joinedload(TaskParty.unit),
        selectinload(Task.parties).joinedload(TaskParty.last_follow_up)))


def timeline(task_id):
    return db.session.scalars(sa.select(TaskEvent).where(TaskEvent.task_id == task_id)
                              .options(joinedload(TaskEvent.actor), joinedload(TaskEvent.unit))
                              .order_by(TaskEvent.at, TaskEvent.id)).all()


def follow_ups_query(task_id):
    """The task's follow-ups with their unit, author and files (add the order)."""
    return sa.select(FollowUp).where(FollowUp.task_id == task_id).options(
        joinedload(FollowUp.unit), joinedload(FollowUp.author), selectinload(FollowUp.files))


def follow_ups(task_id):
    return db.session.scalars(follow_ups_query(task_id)
                              .order_by(FollowUp.created_at.desc(), FollowUp.id.desc())).all()


def requests_of(task_id):
    extensions = db.session.scalars(sa.select(ExtensionRequest).where(ExtensionRequest.task_id == task_id)
                                    .options(joinedload(ExtensionRequest.requested_by),
                                             joinedload(ExtensionRequest.decided_by))
                                    .order_by(ExtensionRequest.id)).all()
    completions = db.session.scalars(sa.select(CompletionRequest).where(CompletionRequest.task_id == task_id)
                                     .options(joinedload(CompletionRequest.requested_by),
                                              joinedload(CompletionRequest.decided_by))
                                     .order_by(CompletionRequest.id)).all()
    urges = db.session.scalars(sa.select(Urge).where(Urge.task_id == task_id).options(joinedload(Urge.by))
                               .order_by(Urge.id)).all()
    return extensions, completions, urges


def evidence(file_id):
    return db.session.get(Evidence, file_id)


def plan_tasks(plan_id, window, limit=200):
    where = [Task.plan_id == plan_id]
    counts = light_counts(where, window)
    ids = db.session.scalars(sa.select(Task.id).where(*where, Task.state.in_(OPEN_STATES))
                             .order_by(Task.due_on, Task.id).limit(limit)).all()
    position = {task_id: n for n, task_id in enumerate(ids)}
    return counts, sorted(load_task_lines(ids), key=lambda task: position[task.id])
