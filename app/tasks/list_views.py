"""Task lists: the unit's inbox and the overview of every task (and its Excel file), and the rows they (and the
plan page, the ledger's pages) print, computed before rendering."""

import io
from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from app.core.clock import today
from app.core.pagination import paginate_rows
from app.core.permissions import require
from app.core.scopes import extra_read_unit_ids
from app.core.text import download_name
from app.extensions import db
from app.org.models import UnitGroup
from app.tasks import excel, filters, queries
from app.tasks.models import Light, TaskPriority, TaskState
from app.tasks.pages import (
    LIGHT_BADGE,
    XLSX,
    _active_units,
    _date_arg,
    _detail_url,
    _enum_arg,
    _int_arg,
    _plans,
    bp,
    task_marks,
)

# --- the rows of a task list ---------------------------------------------------------------------------------
#
# A list page's rows are its hot path (50 a page, the inbox and the overview read many times a day): they are
# written here in one pass, each value escaped once, instead of by a Jinja loop with a lookup per cell. The Jinja
# loop (already without macro calls or url_for per cell) was still a quarter of the inbox's CPU in the load test
# (issue #13). The markup is that of tasks/_macros.html task_table, which lays it out and documents the columns;
# task_lists.css lays the same rows out as cards below 768 px.

PROGRESS_CHARS = 60  # a list shows this much of the latest follow-up's text; the task's page shows it whole


def progress_line(progress, limit=PROGRESS_CHARS):
    """“2026-03-01 60%：已完成设备安装…”: the date, the percent and the text cut to `limit` characters."""
    text = progress.text if len(progress.text) <= limit else progress.text[:limit - 1].rstrip() + "…"
    return f"{progress.reported_on.isoformat()} {progress.percent}%：{text}"


@bp.app_template_global()
def task_rows_markup(tasks, window, show_co=True):
    """The <tr> of each task (queries.TaskLine), in order: light, title (with 重点 / 催办 marks and the plan), lead
    unit, co-units (when `show_co`), deadline (and the original one if extended), state, latest progress of the
    lead unit; `card-label`s are what a card shows and a table hides. Links built once per page and per unit.

    A unit's own standing (有逾期事项) is not shown in a task's row: a mark beside each unit name read as "this task
    is red" (issue #16); the row's light says how the task stands."""
    unit_url = url_for("org.unit", unit_id=0).removesuffix("0")
    links = {}

    def link(unit):
        found = links.get(unit.id)
        if found is None:
            found = links[unit.id] = f'<a href="{unit_url}{unit.id}">{escape(unit.short_name)}</a>'
        return found

    detail_url = _detail_url()
    html = []
    for t in tasks:
        light = window.of(t)
        plan = f'<div class="small text-body-secondary">{escape(t.plan_code)} {escape(t.plan_name)}</div>' \
            if t.plan_code else ""
        if show_co:
            co = "、".join(link(unit) for unit, _ in t.co_units)
            co = f'<td class="col-co small"><span class="card-label">配合：</span>{co}</td>' if co \
                else '<td class="col-co small"></td>'
        else:
            co = ""
        due = t.due_on.isoformat()
        if t.due_on != t.original_due_on:
            due += f'<div class="small text-body-secondary">原 {t.original_due_on.isoformat()}</div>'
        progress = (f'<span class="card-label">最新进展：</span>{escape(progress_line(t.progress))}' if t.progress
                    else '<span class="text-body-secondary">暂无反馈</span>')
        html.append(
            f'<tr class="task-row task-row-{light.value}">'
            f'<td class="col-light"><span class="badge {LIGHT_BADGE[light]}">{light.label}</span></td>'
            f'<td class="col-title"><a href="{detail_url}{t.id}">{escape(t.title)}</a>'
            f'{task_marks(t.priority is TaskPriority.key, t.urge_count or 0)}{plan}</td>'
            f'<td class="col-lead"><span class="card-label">牵头：</span>{link(t.lead_unit)}</td>{co}'
            f'<td class="col-due"><span class="card-label">时限 </span>{due}</td>'
            f'<td class="col-state">{t.state.label}</td>'
            f'<td class="col-progress small">{progress}</td></tr>\n')
    return Markup("".join(html))


# The lights in the order the lists show them: red first.
LIGHT_ORDER = (Light.red, Light.yellow, Light.green, Light.done_on_time, Light.done_late, Light.cancelled)

# What the inbox's counts count, said beside them: the monthly analysis counts red differently (app/meetings).
INBOX_RED_NOTE = "红灯：本单位牵头或配合的在办事项中已逾期的"
INBOX_COUNTS_NOTE = ("以上计数均为本单位牵头或配合的在办事项（不含已办结、已撤销）。" + INBOX_RED_NOTE
                     + "；黄灯：{limit} 前（含）到期的；绿灯：其余在办事项。按今天计算；月分析中的红灯按评价日、"
                     "只按牵头单位统计，数目可能不同。")


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
                           open_lights=LIGHT_ORDER[:3],
                           counts_note=INBOX_COUNTS_NOTE.format(limit=window.yellow_limit.isoformat()))


# --- the overview and its Excel file --------------------------------------------------------------------------

# The overview's state choice: the real states, and two pseudo-states.
STATE_OPEN = "open"  # 在办: every open state (the default when no filter is given)
STATE_ALL = "all"  # 全部: no state condition
STATE_LABELS = {STATE_OPEN: "在办", STATE_ALL: "全部"}
FILTER_ARGS = ("plan", "unit", "group", "light", "state", "due_from", "due_to", "q")
EXPORT_MAX_ROWS = 5000  # TASK_EXPORT_MAX_ROWS in the config overrides it


@dataclass
class OverviewQuery:
    """The overview's filters as asked for in the query string, and what the page and its Excel file need to
    show them."""

    task_filter: queries.TaskFilter
    state_choice: str  # STATE_OPEN, STATE_ALL or a TaskState value
    extra_filters: list
    units: list  # the units the reader may filter by
    plans: list

    def state_label(self):
        return STATE_LABELS.get(self.state_choice) or TaskState(self.state_choice).label

    def description(self):
        """The filters in words, for the Excel file's title: ["在办", "红灯", "市工信局"]; [] when none."""
        f = self.task_filter
        words = [] if self.state_choice == STATE_ALL else [self.state_label()]
        if f.light:
            words.append(f.light.label)
        if f.unit_id:
            words.extend(u.short_name for u in self.units if u.id == f.unit_id)
        if f.group:
            words.append(f.group.label)
        if f.plan_id:
            words.extend(f"{p.code} {p.name}" for p in self.plans if p.id == f.plan_id)
        if f.due_from or f.due_to:
            words.append(f"时限 {f.due_from.isoformat() if f.due_from else '…'} 至 "
                         f"{f.due_to.isoformat() if f.due_to else '…'}")
        if f.text:
            words.append(f"含“{f.text}”")
        for extra in self.extra_filters:
            if extra.value is not None:
                words.extend(text for value, text in extra.options() if value == extra.value)
        return words


def _state_choice(extra_filters):
    """The state asked for; with no filter at all, the open tasks (在办); with other filters but no state (older
    links, e.g. ?light=red), every state."""
    raw = request.args.get("state") or ""
    if raw in STATE_LABELS:
        return raw
    state = _enum_arg(TaskState, "state")
    if state is not None:
        return state.value
    given = any(request.args.get(name) for name in FILTER_ARGS) or any(f.value is not None for f in extra_filters)
    return STATE_ALL if given else STATE_OPEN


def _overview_query():
    """The overview's filters for every task for the readers of the whole city; for an assessing unit's staff
    (附件2 六(二)) restricted to the tasks led by the units it assesses (app.core.scopes)."""
    extra_filters = filters.active_filters()  # registered by packages above tasks (e.g. the ledger's tags)
    scope = None if current_user.reads_all else sorted(extra_read_unit_ids(current_user))
    if scope is not None and not scope:  # the permission said otherwise a moment ago: never an unrestricted list
        abort(403)
    state_choice = _state_choice(extra_filters)
    task_filter = queries.TaskFilter(unit_ids=scope or [],
        plan_id=_int_arg("plan"), unit_id=_int_arg("unit"),
        group=_enum_arg(UnitGroup, "group"), light=_enum_arg(Light, "light"),
        state=None if state_choice in STATE_LABELS else TaskState(state_choice),
        closed=False if state_choice == STATE_OPEN else None,
        due_from=_date_arg("due_from"), due_to=_date_arg("due_to"), text=(request.args.get("q") or "").strip()[:100],
        extra=filters.clauses(extra_filters))
    units = _active_units() if scope is None else [u for u in _active_units() if u.id in set(scope)]
    return OverviewQuery(task_filter, state_choice, extra_filters, units, _plans())


@bp.route("/")
@require("read_tasks")
def overview():
    """Every task the reader may read, open ones by default, red first (queries.overview_ids)."""
    window = queries.light_window(today())
    q = _overview_query()
    task_filter = q.task_filter
    # Without a light filter the light counts add up to the number of matching tasks: no count query.
    counts = queries.light_counts(task_filter.clauses(window), window) if not task_filter.light else None
    page = paginate_rows(queries.overview_ids(task_filter, window), queries.load_task_lines,
                         total=sum(counts.values()) if counts is not None else None)
    export_args = {key: value for key, value in request.args.items() if key != "page"}
    export_args["state"] = q.state_choice
    return render_template("tasks/overview.html", page=page, window=window, f=task_filter, counts=counts,
                           light_order=LIGHT_ORDER,
                           units=q.units, plans=q.plans, groups=list(UnitGroup), lights=list(Light),
                           states=list(TaskState), state_choice=q.state_choice,
                           extra_filters=q.extra_filters, export_url=url_for("tasks.export_excel", **export_args))


@bp.route("/export.xlsx")
@require("read_tasks")
def export_excel():
    """The overview's list with the same filters and scope, as an Excel file for a 通报; refused with a message
    (back to the list) when it holds more rows than a file should."""
    on = today()
    window = queries.light_window(on)
    q = _overview_query()
    limit = current_app.config.get("TASK_EXPORT_MAX_ROWS", EXPORT_MAX_ROWS)
    ids = db.session.scalars(queries.overview_ids(q.task_filter, window).limit(limit + 1)).all()
    if len(ids) > limit:
        flash(f"符合条件的事项超过 {limit} 项，无法导出为一个 Excel 文件。"
              "请增加筛选条件（如亮灯、单位、考评组或时限）后再导出。", "warning")
        return redirect(url_for("tasks.overview", **request.args))
    position = {task_id: n for n, task_id in enumerate(ids)}
    lines = sorted(queries.load_task_lines(ids), key=lambda line: position[line.id])
    words = q.description()
    title = f"事项清单（{' · '.join(words) if words else '全部'}）"
    data = excel.task_list_workbook(title, window, lines)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(f"{title}.xlsx", fallback="事项清单.xlsx"))
