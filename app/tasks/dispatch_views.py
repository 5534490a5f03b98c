"""The 10-day dispatch list (旬调度清单) of a vice mayor: the page, urging from it, its 督办 sheet (print and
numbered issue) and its Excel file."""

import io

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from app.core.actions import perform
from app.core.clock import get_clock, today
from app.core.input_guards import ID_MAX
from app.core.pagination import page_number
from app.core.periods import Xun
from app.core.permissions import require
from app.core.text import download_name
from app.extensions import db
from app.org.models import Person
from app.org.queries import vice_mayors
from app.tasks import dispatch_queries, dispatch_sheets, excel, queries, services
from app.tasks.dispatch_queries import opens_every_list
from app.tasks.models import Task, TaskPriority, Urge
from app.tasks.pages import LIGHT_BADGE, XLSX, _detail_url, _int_arg, bp, task_marks

MAX_URGE = 200  # tasks urged at once (a whole list is far fewer)


@bp.app_template_global()
def dispatch_rows_markup(rows, unit, first_number, urgeable, detail_url):
    """The <tr> of each task of one unit's part of the list (dispatch_queries.DispatchRow), numbered from
    `first_number`: light, number (with the urge checkbox for the tasks in `urgeable`), title and marks, lead unit,
    co-units, deadline (and working days overdue), the latest progress of the lead unit and of each co-unit, state.
    Written in one pass with each value escaped once, as the task lists' rows are (list_views.task_rows_markup):
    the Jinja loop was a fifth of the page's CPU in the load test (issue #13). dispatch.css lays the rows out as
    cards below 768 px; `card-label`s are what a card shows and the table hides."""
    lead = escape(unit.short_name)
    html = []
    for number, r in enumerate(rows, start=first_number):
        t, light = r.task, r.light
        title = escape(t.title)
        check = (f'<input class="form-check-input me-1" type="checkbox" name="task" value="{t.id}" '
                 f'id="urge-{t.id}" aria-label="选择：{title}">') if t.id in urgeable else ""
        co_names = "、".join(escape(u.short_name) for u, _ in r.co_progress)
        overdue_card = (f'<span class="card-label text-danger"> 逾期 {r.days_overdue} 个工作日</span>'
                        if r.days_overdue else "")
        overdue_state = f'<div class="small text-danger">逾期 {r.days_overdue} 个工作日</div>' if r.days_overdue else ""
        p = r.lead_progress
        progress = (f"{p.reported_on.isoformat()}（{p.percent}%）{escape(p.text)}" if p
                    else '<span class="text-body-secondary">牵头单位暂无反馈</span>')
        for u, f in r.co_progress:
            said = f"{f.reported_on.isoformat()} {escape(f.text)}" if f else "暂无反馈"
            progress += f'<div class="text-body-secondary">{escape(u.short_name)}：{said}</div>'
        if r.stale:
            progress += '<div><span class="badge text-bg-warning">上旬以来未反馈</span></div>'
        html.append(
            f'<tr class="dispatch-row dispatch-row-{light.value}">'
            f'<td class="col-light"><span class="badge {LIGHT_BADGE[light]}">{light.label}</span></td>'
            f'<td class="col-seq">{check}{number}</td>'
            f'<td class="col-title"><a href="{detail_url}{t.id}">{title}</a>'
            f'{task_marks(t.priority is TaskPriority.key, t.urge_count or 0)}</td>'
            f'<td class="col-lead">{lead}</td>'
            f'<td class="col-co small">{co_names}</td>'
            f'<td class="col-due text-nowrap"><span class="card-label">时限 </span>{t.due_on.isoformat()}'
            f'{overdue_card}</td>'
            f'<td class="col-progress small">{progress}</td>'
            f'<td class="col-state"><div class="small">{t.state.label}</div>{overdue_state}</td></tr>\n')
    return Markup("".join(html))


def _dispatch_target(args=None):
    """(person, 旬, today, the vice mayors to switch between). The office, the observers, the mayor and the party
    secretary open any leader's list (without ?person=, the first vice mayor's) with a switcher; a vice mayor
    only his own."""
    args = request.args if args is None else args
    on = today()
    xun = Xun.parse(args.get("xun", "")) or Xun.of(on)
    asked = _int_arg("person") if args is request.args else _form_int(args.get("person"))
    if opens_every_list(current_user, on):
        leaders = vice_mayors(on)
        person = db.session.get(Person, asked) if asked else (leaders[0] if leaders else None)
        if person is None:
            abort(404)
        return person, xun, on, leaders
    person = current_user.person
    if person is None or (asked is not None and asked != person.id):
        abort(403)
    return person, xun, on, []


def _form_int(value):
    try:
        number = int(value) if value else None
    except ValueError:
        return -1
    return number if number is None or -ID_MAX <= number <= ID_MAX else -1


def _list_args(dl):
    return {"person": dl.person.id, "xun": dl.xun.code}


@bp.route("/dispatch")
@require("dispatch")
def dispatch():
    person, xun, on, leaders = _dispatch_target()
    show_all = request.args.get("all") == "1"
    dl = dispatch_queries.dispatch_list(person, xun, on, page=None if show_all else page_number(),
                               per_page=current_app.config["DISPATCH_PAGE_SIZE"])
    return render_template("tasks/dispatch.html", dl=dl, leaders=leaders,
                           red_units=dl.red_unit_ids if dl.red_unit_ids is not None else
                           queries.units_with_red_tasks(on, [u.id for u, _ in dl.units]),
                           urgeable=services.urgeable_task_ids(current_user, [r.task for r in dl.rows], on,
                                                               portfolio=dl.portfolio_of(current_user, on)),
                           levels=Urge.LEVELS,
                           sheet=dispatch_sheets.sheet_of(person, xun), detail_url=_detail_url())


@bp.route("/dispatch/urge", methods=["POST"])
@require("assign")  # who urges: the office and the city's leaders (an observer reads the list only)
def dispatch_urge():
    """催办 / 督办 / 通报 one or more tasks of the list, all or nothing."""
    person, xun, on, _ = _dispatch_target(request.form)
    back = url_for("tasks.dispatch", person=person.id, xun=xun.code)
    ids = {_form_int(value) for value in request.form.getlist("task")[:MAX_URGE]} - {None, -1}
    tasks = db.session.scalars(sa.select(Task).where(Task.id.in_(ids)).order_by(Task.id)).all() if ids else []
    level = _form_int(request.form.get("level"))
    note = request.form.get("note", "")
    refused = None
    if not tasks or len(tasks) != len(ids):
        refused = "请勾选要催办的事项。" if not ids else "所选事项有的已不存在，请刷新清单后重新勾选。"
    elif level not in Urge.LEVELS:
        refused = "请选择催办级别（催办、督办或通报）。"
    if refused:
        flash(refused, "danger")
        return redirect(back)
    done = perform(lambda: services.urge_tasks(current_user, tasks, level, note, on,
                                               confirmed=request.form.get("confirmed") == "1"),
                   lambda count: f"已{Urge.LEVELS[level]} {count} 项事项。",
                   on_refusal=lambda error: None if isinstance(error, services.UrgeNeedsConfirmation) else
                   flash(error.message, "danger"))
    if not done and isinstance(done.error, services.UrgeNeedsConfirmation):
        return render_template("tasks/dispatch_urge_confirm.html", person=person, xun=xun, tasks=tasks,
                               recent=done.error.tasks, level=level, levels=Urge.LEVELS, note=note,
                               back=back), 409
    return redirect(back)


@bp.route("/dispatch/sheet")
@require("dispatch")
def dispatch_sheet():
    """The 督办 sheet: the whole list, ready to print on A4, with its number once the office has issued it."""
    person, xun, on, _ = _dispatch_target()
    dl = dispatch_queries.dispatch_list(person, xun, on)
    sheet = dispatch_sheets.sheet_of(person, xun)
    issued_on = sheet.issued_at.astimezone(get_clock().tz).date() if sheet else on
    return render_template("tasks/dispatch_sheet.html", dl=dl, sheet=sheet, issuer=dispatch_sheets.ISSUER,
                           issued_on=issued_on)


@bp.route("/dispatch/issue", methods=["POST"])
@require("admin")
def dispatch_issue():
    """编号签发: the office numbers the list (once: issuing it again shows the number it has)."""
    if not request.form.get("person") or not Xun.parse(request.form.get("xun", "")):
        flash("请从某位市领导某一旬的调度清单上编号签发。", "danger")
        return redirect(url_for("tasks.dispatch"))
    person, xun, on, _ = _dispatch_target(request.form)
    done = perform(lambda: dispatch_sheets.issue_sheet(current_user, person, xun, on),
                   lambda issued: f"已编号签发：{issued[0].label}。" if issued[1] else
                   f"该清单已签发，编号为 {issued[0].label}。")
    if not done:
        return redirect(url_for("tasks.dispatch", person=person.id, xun=xun.code))
    return redirect(url_for("tasks.dispatch_sheet", person=person.id, xun=xun.code))


@bp.route("/dispatch.xlsx")
@require("dispatch")
def dispatch_excel():
    person, xun, on, _ = _dispatch_target()
    dl = dispatch_queries.dispatch_list(person, xun, on)
    data = excel.dispatch_workbook(dl)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(f"{dl.title}.xlsx".replace(" ", "_"), fallback="旬调度清单.xlsx"))
