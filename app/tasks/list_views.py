"""Task lists: the unit's inbox and the overview of every task, and the rows they (and the plan page, the
dispatch list) print, computed before rendering."""

from dataclasses import dataclass

from flask import abort, render_template, request, url_for
from flask_login import current_user

from app.core.clock import today
from app.core.pagination import paginate_rows
from app.core.permissions import require
from app.core.scopes import extra_read_unit_ids
from app.org.models import UnitGroup
from app.tasks import filters, queries
from app.tasks.models import Light, TaskPriority, TaskState
from app.tasks.views import (
    LIGHT_BADGE,
    _active_units,
    _date_arg,
    _detail_url,
    _enum_arg,
    _int_arg,
    _plans,
    bp,
)

# --- the rows of a task list, ready to display ----------------------------------------------------------------

@dataclass(slots=True)
class UnitLink:
    name: str
    url: str
    red: bool  # leads an overdue open task


@dataclass(slots=True)
class TaskRow:
    """What one line of a task list shows, computed once before rendering: the template only prints it
    (a macro call and a url_for per cell cost about half of a page's time)."""

    url: str
    title: str
    is_key: bool
    urge_count: int
    plan: str  # "P1 名称", or ""
    light: Light
    badge: str  # the light's badge class
    lead: UnitLink
    co_units: list  # [UnitLink]
    due_on: str
    original_due_on: str  # "" when never extended
    state: str
    progress: queries.Progress | None  # the lead unit's latest follow-up


@bp.app_template_global()
def task_rows(tasks, window, red_units):
    """TaskRow per task (queries.TaskLine); links built once per page and per unit."""
    links = {}
    unit_url = url_for("org.unit", unit_id=0).removesuffix("0")

    def link(unit_id, name):
        found = links.get(unit_id)
        if found is None:
            found = links[unit_id] = UnitLink(name, f"{unit_url}{unit_id}", unit_id in red_units)
        return found

    detail_url = _detail_url()
    rows = []
    for t in tasks:
        light = window.of(t)
        rows.append(TaskRow(
            url=f"{detail_url}{t.id}", title=t.title, is_key=t.priority is TaskPriority.key,
            urge_count=t.urge_count or 0, plan=f"{t.plan_code} {t.plan_name}" if t.plan_code else "", light=light,
            badge=LIGHT_BADGE[light], lead=link(t.lead_unit.id, t.lead_unit.short_name),
            co_units=[link(unit.id, unit.short_name) for unit, _ in t.co_units], due_on=t.due_on.isoformat(),
            original_due_on=t.original_due_on.isoformat() if t.due_on != t.original_due_on else "",
            state=t.state.label, progress=t.progress))
    return rows


@bp.route("/inbox")
@require("unit_member")
def inbox():
    """My unit's tasks, as lead and as co-unit, by light, due soonest first, with counts."""
    on = today()
    window = queries.light_window(on)
    light = _enum_arg(Light, "light")
    closed = request.args.get("closed") == "1"
    counts, closed_count = queries.inbox_counts(current_user.unit_id, window)
    total = closed_count if closed else counts[light] if light else sum(counts.values())
    page = paginate_rows(queries.inbox_ids(current_user.unit_id, window, light, closed), queries.load_task_lines,
                         total=total)
    return render_template("tasks/inbox.html", page=page, window=window, counts=counts, light=light,
                           closed=closed, closed_count=closed_count, unit=current_user.unit,
                           red_units=queries.units_with_red_tasks(on, _unit_ids(page.items)))


def _unit_ids(tasks):
    return {unit_id for t in tasks for unit_id in t.unit_ids}


@bp.route("/")
@require("read_tasks")
def overview():
    """Every task for the readers of the whole city; for an assessing unit's staff (附件2 六(二)) the tasks led by
    the units it assesses (app.core.scopes), restricted in the query."""
    on = today()
    window = queries.light_window(on)
    extra_filters = filters.active_filters()  # registered by packages above tasks (e.g. the ledger's tags)
    scope = None if current_user.reads_all else sorted(extra_read_unit_ids(current_user))
    if scope is not None and not scope:  # the permission said otherwise a moment ago: never an unrestricted list
        abort(403)
    task_filter = queries.TaskFilter(unit_ids=scope or [],
        plan_id=_int_arg("plan"), unit_id=_int_arg("unit"),
        group=_enum_arg(UnitGroup, "group"), light=_enum_arg(Light, "light"), state=_enum_arg(TaskState, "state"),
        due_from=_date_arg("due_from"), due_to=_date_arg("due_to"), text=(request.args.get("q") or "").strip()[:100],
        extra=filters.clauses(extra_filters))
    # Without a light filter the light counts add up to the number of matching tasks: no count query.
    counts = queries.light_counts(task_filter.clauses(window), window) if not task_filter.light else None
    page = paginate_rows(queries.overview_ids(task_filter, window), queries.load_task_lines,
                         total=sum(counts.values()) if counts is not None else None)
    units = _active_units() if scope is None else [u for u in _active_units() if u.id in set(scope)]
    return render_template("tasks/overview.html", page=page, window=window, f=task_filter, counts=counts,
                           units=units, plans=_plans(), groups=list(UnitGroup), lights=list(Light),
                           states=list(TaskState), extra_filters=extra_filters,
                           red_units=queries.units_with_red_tasks(on, _unit_ids(page.items)))
