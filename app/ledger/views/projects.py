"""Ledger pages: projects (十亿级项目 ...; issue #14 part 2) — the filtered list and its Excel, a project's page
(facts, milestones with lights, year plans, monthly figures, photos, problems, tagged tasks), creating and editing,
and the actions on a project (stage, milestones, year plan, 招商 fields, photos, problems).

Object rules: a project the user may not read answers 404 (permissions.visible_unit_ids); one the user reads but
may not change answers 403 before any form is read."""

import io

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.core import excel
from app.core.actions import perform
from app.core.calendar import get_calendar
from app.core.clock import today
from app.core.errors import ServiceError, error_response
from app.core.pagination import paginate_rows
from app.core.permissions import require
from app.core.text import download_name
from app.extensions import db
from app.ledger import links, permissions
from app.ledger import project_queries as queries
from app.ledger import projects as services
from app.ledger.forms.projects import (
    AttractionForm,
    MilestonesForm,
    PhotoForm,
    ProblemForm,
    ProblemTaskForm,
    ProjectForm,
    StageForm,
    YearPlanForm,
)
from app.ledger.milestones import BADGE, FILTER_LIGHTS, Window, worst
from app.ledger.models import (
    PROJECT_TIERS,
    ProjectPhoto,
    ProjectProblem,
    ProjectSource,
    ProjectStage,
    tier_label,
)
from app.ledger.views import bp
from app.org.models import Chain, Person, Plan, Unit
from app.tasks.queries import light_window

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _window():
    return Window.for_day(today(), get_calendar())


def _project_units():
    return db.session.scalars(sa.select(Unit).where(Unit.is_active, Unit.group.in_(services.PROJECT_UNIT_GROUPS))
                              .order_by(Unit.sort_order)).all()


def _keepable_units(user):
    return [u for u in _project_units() if permissions.can_keep(user, u.id)]


def _chains():
    return db.session.scalars(sa.select(Chain).order_by(Chain.sort_order)).all()


def _active_units():
    return db.session.scalars(sa.select(Unit).where(Unit.is_active).order_by(Unit.sort_order)).all()


def _leaders():
    return db.session.scalars(sa.select(Person).where(Person.is_active).order_by(Person.id)).all()


def _project_or_404(project_id):
    project = queries.project_for_page(project_id)
    if project is None or not permissions.can_read_unit_rows(current_user, project.unit_id):
        abort(404)
    return project


def _keeper_or_403(project):
    if not permissions.can_keep(current_user, project.unit_id):
        abort(403)


# --- the list -------------------------------------------------------------------------------------------------

def _filter():
    return queries.ProjectFilter.from_args(request.args, today().year)


@bp.route("/projects")
@require("signed_in")
def projects():
    f, window = _filter(), _window()
    visible = permissions.visible_unit_ids(current_user)
    page = paginate_rows(queries.filtered_ids(f, visible, window), lambda ids: queries.load_rows(ids, f.year, window))
    units = _project_units()
    if visible is not None:
        units = [u for u in units if u.id in visible]
    return render_template(
        "ledger/projects.html", page=page, f=f, units=units, chains=_chains(), lead_units=_active_units(),
        leaders=_leaders(), stages=list(ProjectStage), sources=list(ProjectSource),
        tiers=[(t, tier_label(t, "project")) for t in PROJECT_TIERS], lights=FILTER_LIGHTS, badge=BADGE,
        can_create=bool(current_user.works_in_unit and _keepable_units(current_user)),
        excel_url=url_for("ledger.projects_excel", **request.args.to_dict()))


def project_workbook(rows, year):
    book = excel.new_workbook(f"{year}年项目台账")
    ws = book.create_sheet("项目台账")
    labels = ["序号", "项目编号", "项目名称", "所在县市区/园区", "所属产业链", "规模", "阶段", "节点亮灯",
              "总投资（万元）", f"{year}年计划投资（万元）", "本年完成投资（万元）", "本年到位资金（万元）",
              "投资完成率（%）", "数据月份"]
    widths = [6, 14, 30, 14, 16, 9, 8, 9, 14, 14, 14, 14, 12, 10]
    excel.title_rows(ws, f"{year}年项目台账", f"共 {len(rows)} 个项目；完成投资、到位资金为年初至最近月份累计。",
                     len(labels))
    excel.table_header(ws, labels, widths)
    style = book.style(excel.BODY, excel.WRAP_TOP, excel.BORDER)
    number = book.style(excel.BODY, excel.RIGHT, excel.BORDER, number_format="#,##0.00")
    row_no = excel.TABLE_HEADER_ROW
    for n, r in enumerate(rows, start=1):
        row_no += 1
        values = [(n, style), (r.code, style), (r.name, style), (r.unit, style), (r.chain, style), (r.tier, style),
                  (r.stage, style), (r.light, style), (r.total_investment, number), (r.year_plan, number),
                  (r.invested, number), (r.funds, number), (r.completion_rate, number),
                  (r.figure_month.strftime("%Y-%m") if r.figure_month else "", style)]
        for column, (value, cell_style) in enumerate(values, start=1):
            excel.write_styled(ws, row_no, column, value, cell_style)
    excel.print_setup(ws, excel.TABLE_HEADER_ROW, len(labels), row_no, freeze_column=4)
    return excel.save_workbook(book)


@bp.route("/projects.xlsx")
@require("signed_in")
def projects_excel():
    f, window = _filter(), _window()
    rows = queries.all_rows(f, permissions.visible_unit_ids(current_user), window)
    return send_file(io.BytesIO(project_workbook(rows, f.year)), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(f"{f.year}年项目台账.xlsx", fallback="项目台账.xlsx"))


# --- creating and editing -----------------------------------------------------------------------------------------

def _project_form(obj=None, **kwargs):
    return ProjectForm(units=_keepable_units(current_user) if obj is None else _keepable_units(current_user) or
                       [obj.unit], chains=_chains(), lead_units=_active_units(), leaders=_leaders(), **kwargs)


def _input(form):
    def row(model, ident):
        return db.session.get(model, ident) if ident else None

    return services.ProjectInput(
        code=form.code.data, name=form.name.data, unit=row(Unit, form.unit_id.data),
        total_investment=form.total_investment.data, chain=row(Chain, form.chain_id.data),
        lead_unit=row(Unit, form.lead_unit_id.data), leader=row(Person, form.leader_id.data),
        enterprise_uscc=form.enterprise_uscc.data or "", source=form.source.data or ProjectSource.local,
        signed_on=form.signed_on.data, is_top500=bool(form.is_top500.data), note=form.note.data or "")


@bp.route("/projects/new", methods=["GET", "POST"])
@require("unit_member")
def new_project():
    if not _keepable_units(current_user):
        return error_response(403, "只有县市区、园区的工作人员（或千百十办）可以登记项目。")
    form = _project_form(data={"source": ProjectSource.local} if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        done = perform(lambda: services.create_project(current_user, _input(form), today()),
                       lambda p: f"已登记项目：{p.name}。", form=form)
        if done:
            return redirect(url_for("ledger.project", project_id=done.value.id))
        status = done.status
    elif form.errors:
        status = 400
    return render_template("ledger/project_form.html", form=form, project=None,
                           can_attract=permissions.can_keep_attraction(current_user)), status


@bp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
@require("signed_in")
def edit_project(project_id):
    project = _project_or_404(project_id)
    _keeper_or_403(project)
    data = None
    if request.method == "GET":
        data = dict(code=project.code, name=project.name, unit_id=project.unit_id, chain_id=project.chain_id,
                    lead_unit_id=project.lead_unit_id, leader_id=project.leader_id,
                    enterprise_uscc=project.enterprise.uscc if project.enterprise else "",
                    total_investment=str(project.total_investment), source=project.source,
                    signed_on=project.signed_on, is_top500=project.is_top500, note=project.note)
    form = _project_form(project, data=data)
    status = 200
    if form.validate_on_submit():
        done = perform(lambda: services.update_project(current_user, project, _input(form), today()),
                       "项目信息已保存。", form=form)
        if done:
            return redirect(url_for("ledger.project", project_id=project.id))
        status = done.status
    elif form.errors:
        status = 400
    return render_template("ledger/project_form.html", form=form, project=project,
                           can_attract=permissions.can_keep_attraction(current_user)), status


# --- a project's page ---------------------------------------------------------------------------------------------

def _page(project, status=200, **forms):
    user, day = current_user, today()
    window = Window.for_day(day, get_calendar())
    keeper = permissions.can_keep(user, project.unit_id)
    milestones = {m.stage: m for m in project.milestones}
    milestone_rows = [(stage, milestones.get(stage), window.of(milestones[stage].planned_on,
                                                               milestones[stage].actual_on)
                       if stage in milestones else window.of(None, None)) for stage in ProjectStage]
    light = worst(light for _, m, light in milestone_rows if m is not None)
    if keeper and "milestones_form" not in forms:
        data = {}
        for stage, m, _ in milestone_rows:
            data[f"planned_{stage.value}"] = m.planned_on if m else None
            data[f"actual_{stage.value}"] = m.actual_on if m else None
        forms["milestones_form"] = MilestonesForm(data=data, formdata=None)
    tasks = links.tagged_tasks(project_id=project.id, today=day)
    task_window = light_window(day)
    plans = db.session.scalars(sa.select(Plan).order_by(Plan.sort_order)).all() if user.assigns else []
    context = dict(
        project=project, milestone_rows=milestone_rows, light=light, badge=BADGE, keeper=keeper,
        figures=queries.figures(project.id), photos=queries.photos(project.id),
        problems=queries.problems(project.id), tasks=tasks, task_window=task_window,
        can_attract=permissions.can_keep_attraction(user), can_assign=user.assigns,
        can_report=services.can_report_problem(user, project), current_year=day.year,
        stage_form=forms.get("stage_form") or StageForm(formdata=None),
        milestones_form=forms.get("milestones_form"),
        year_form=forms.get("year_form") or YearPlanForm(formdata=None, data={"year": day.year}),
        photo_form=forms.get("photo_form") or PhotoForm(formdata=None),
        problem_form=forms.get("problem_form") or ProblemForm(formdata=None),
        task_form=forms.get("task_form") or ProblemTaskForm(formdata=None, plans=plans),
        task_form_problem=forms.get("task_form_problem"),
        attraction_form=forms.get("attraction_form") or AttractionForm(formdata=None, data=dict(
            source=project.source, signed_on=project.signed_on, is_top500=project.is_top500)),
    )
    return render_template("ledger/project.html", **context), status


@bp.route("/projects/<int:project_id>")
@require("signed_in")
def project(project_id):
    return _page(_project_or_404(project_id))


def _act(project, form_name, form, action, success, anchor):
    """Validate `form`, run `action(form)` in one transaction; redirect on success, else the page with the form's
    errors (400 for a malformed form, the refusal's status for a refused action)."""
    if form.validate_on_submit():
        done = perform(lambda: action(form), success, form=form)
        if done:
            return redirect(url_for("ledger.project", project_id=project.id, _anchor=anchor))
        status = done.status
        db.session.expire_all()
        project = _project_or_404(project.id)
    else:
        status = 400
    return _page(project, status, **{form_name: form})


@bp.route("/projects/<int:project_id>/stage", methods=["POST"])
@require("signed_in")
def project_stage(project_id):
    project = _project_or_404(project_id)
    _keeper_or_403(project)
    return _act(project, "stage_form", StageForm(), lambda f: services.change_stage(
        current_user, project, f.stage.data, f.on.data, f.reason.data, today()),
        lambda p: f"项目阶段已变更为“{p.stage.label}”。", "milestones")


@bp.route("/projects/<int:project_id>/milestones", methods=["POST"])
@require("signed_in")
def project_milestones(project_id):
    project = _project_or_404(project_id)
    _keeper_or_403(project)
    return _act(project, "milestones_form", MilestonesForm(), lambda f: services.set_milestones(
        current_user, project, f.dates(), today()), "节点日期已保存。", "milestones")


@bp.route("/projects/<int:project_id>/year-plans", methods=["POST"])
@require("signed_in")
def project_year_plan(project_id):
    project = _project_or_404(project_id)
    _keeper_or_403(project)
    return _act(project, "year_form", YearPlanForm(), lambda f: services.set_year_plan(
        current_user, project, f.year.data, f.planned_investment.data, today()),
        lambda p: f"{p.year}年计划投资已保存。", "plans")


@bp.route("/projects/<int:project_id>/attraction", methods=["POST"])
@require("signed_in")
def project_attraction(project_id):
    project = _project_or_404(project_id)
    if not permissions.can_keep_attraction(current_user):
        return error_response(403, services.ATTRACTION_REFUSED)
    return _act(project, "attraction_form", AttractionForm(), lambda f: services.set_attraction(
        current_user, project, f.source.data, f.signed_on.data, f.is_top500.data, today()),
        "招商引资信息已保存。", "facts")


@bp.route("/projects/<int:project_id>/photos", methods=["POST"])
@require("signed_in")
def upload_project_photo(project_id):
    project = _project_or_404(project_id)
    _keeper_or_403(project)
    return _act(project, "photo_form", PhotoForm(), lambda f: services.store_photo(
        current_user, project, request.files.get(f.photo.name), f.caption.data, f.taken_on.data, today()),
        "进度照片已上传。", "photos")


@bp.route("/projects/<int:project_id>/photos/<int:photo_id>")
@require("signed_in")
def project_photo(project_id, photo_id):
    project = _project_or_404(project_id)
    photo = db.session.get(ProjectPhoto, photo_id)
    if photo is None or photo.project_id != project.id:
        abort(404)
    try:
        path = services.photo_path(photo)
    except (OSError, ServiceError):
        abort(404)
    return send_file(path, mimetype=photo.content_type, as_attachment=request.args.get("download") == "1",
                     download_name=download_name(photo.filename, fallback="进度照片"))


@bp.route("/projects/<int:project_id>/problems", methods=["POST"])
@require("signed_in")
def report_project_problem(project_id):
    project = _project_or_404(project_id)
    if not services.can_report_problem(current_user, project):
        abort(403)
    return _act(project, "problem_form", ProblemForm(), lambda f: services.report_problem(
        current_user, project, f.text.data, today()), "问题已反映，千百十办将研究处理。", "problems")


def _problem_or_404(project, problem_id):
    problem = db.session.get(ProjectProblem, problem_id)
    if problem is None or problem.project_id != project.id:
        abort(404)
    return problem


@bp.route("/projects/<int:project_id>/problems/<int:problem_id>/task", methods=["POST"])
@require("assign")
def project_problem_task(project_id, problem_id):
    project = _project_or_404(project_id)
    problem = _problem_or_404(project, problem_id)
    plans = db.session.scalars(sa.select(Plan).order_by(Plan.sort_order)).all()
    form = ProblemTaskForm(plans=plans)

    def action(f):
        plan = db.session.get(Plan, f.plan_id.data) if f.plan_id.data else None
        return services.problem_to_task(current_user, problem, f.due_on.data, plan, today())

    if form.validate_on_submit():
        done = perform(lambda: action(form), lambda t: f"已转为交办事项：{t.title}。", form=form)
        if done:
            return redirect(url_for("ledger.project", project_id=project.id, _anchor="problems"))
        status = done.status
        db.session.expire_all()
        project = _project_or_404(project_id)
    else:
        status = 400
    return _page(project, status, task_form=form, task_form_problem=problem_id)


@bp.route("/projects/<int:project_id>/problems/<int:problem_id>/solve", methods=["POST"])
@require("signed_in")
def solve_project_problem(project_id, problem_id):
    project = _project_or_404(project_id)
    problem = _problem_or_404(project, problem_id)
    if not (current_user.assigns or permissions.can_keep(current_user, project.unit_id)):
        abort(403)
    perform(lambda: services.solve_problem(current_user, problem, today()), "问题已标记为已解决。")
    return redirect(url_for("ledger.project", project_id=project.id, _anchor="problems"))
