"""Task pages: assigning, a task's detail and actions, evidence, and Excel import (the blueprint and the helpers
the task page modules share are in app.tasks.pages)."""

import io
from datetime import date

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.core.actions import perform
from app.core.calendar import get_calendar
from app.core.clock import today
from app.core.errors import ServiceError
from app.core.forms import apply_service_error, form_error_text
from app.core.permissions import require
from app.core.text import download_name
from app.extensions import db
from app.org.models import Plan, Unit
from app.tasks import excel, filters, queries, services
from app.tasks.files import evidence_path, store_evidence
from app.tasks.forms import (
    AcceptForm,
    ApproveExtensionForm,
    AssignForm,
    CancelForm,
    CompletionForm,
    DecisionForm,
    EditForm,
    ExtensionForm,
    FollowUpForm,
    ImportForm,
    RefuseExtensionForm,
    ReturnForm,
    UrgeForm,
)
from app.tasks.models import Evidence, TaskPriority, TaskSource
from app.tasks.pages import (
    XLSX,
    _active_units,
    _date_arg,
    _plans,
    bp,
)


@bp.route("/new", methods=["GET", "POST"])
@require("assign")
def assign():
    form = AssignForm(units=_active_units(), plans=_plans())
    if request.method == "GET" and request.args.get("plan"):
        plan = db.session.scalar(sa.select(Plan).where(Plan.code == request.args["plan"][:8]))
        if plan:
            form.plan_id.data = plan.id
    _take_workday(form, form.due_on)
    if form.validate_on_submit():
        done = perform(lambda: services.assign_task(
            current_user, title=form.title.data, content=form.content.data, source=TaskSource(form.source.data),
            plan=db.session.get(Plan, form.plan_id.data) if form.plan_id.data else None,
            source_ref=form.source_ref.data, lead_unit=db.session.get(Unit, form.lead_unit_id.data),
            co_units=[db.session.get(Unit, i) for i in form.co_unit_ids.data or []],
            priority=TaskPriority(form.priority.data), due_on=form.due_on.data, today=today(),
            accept_non_workday=_keeps_non_workday()),
            lambda task: f"已交办：{task.title}", form=form)
        if done:
            return redirect(url_for("tasks.detail", task_id=done.value.id))
        _offer_workday(form, done.error)
    return render_template("tasks/assign.html", form=form), 400 if form.errors else 200


def _take_workday(form, field):
    """The “改为 …” button of a date on a non-working day posts `take_workday`: use that date instead."""
    raw = request.form.get("take_workday")
    if request.method != "POST" or not raw:
        return
    try:
        field.data = date.fromisoformat(raw)
    except ValueError:
        return
    field.raw_data = [field.data.isoformat()]


def _keeps_non_workday():
    """The user chose to keep a date on a non-working day (the “仍按所填日期” button, or the hidden field)."""
    return "1" in request.form.getlist("accept_non_workday")


def _offer_workday(form, error):
    """After a `non_workday` refusal the form offers the next working day (one click) or keeping the date."""
    if error is not None and error.code == "non_workday":
        form.workday_suggestion = error.suggestion


@bp.route("/workday")
@require("signed_in")
def workday():
    """A small JSON check used by the date pickers of the assign form and the extension request (unit staff):
    is this a working day, and which is the next one? Public calendar facts, so any signed-in user may ask."""
    day = _date_arg("date")
    if day is None:
        return {"code": "invalid", "message": "日期格式不正确，请使用 2026-03-01 这样的格式。"}, 400
    cal = get_calendar()
    return {"date": day.isoformat(), "is_workday": cal.is_workday(day), "provisional": cal.is_provisional(day),
            "next_workday": cal.next_workday(day).isoformat() if not cal.is_workday(day) else day.isoformat()}


@bp.route("/<int:task_id>/edit", methods=["GET", "POST"])
@require("assign")
def edit(task_id):
    """修改事项: the office or the assigning leader corrects an open task (not its lead unit or due date)."""
    task = _load_visible(task_id)
    if not services.can_decide(current_user, task):
        abort(403)
    units = _active_units()
    known = {u.id for u in units}
    units += [p.unit for p in task.parties if not p.is_lead and p.unit_id not in known]  # kept even if deactivated
    data = {"version": task.version, "title": task.title, "content": task.content, "priority": task.priority.value,
            "plan_id": task.plan_id, "co_unit_ids": task.co_unit_ids}
    form = EditForm(data=data if request.method == "GET" else None, units=units, plans=_plans())
    status = 200
    if form.validate_on_submit():
        done = perform(lambda: services.edit_task(
            current_user, task, title=form.title.data, content=form.content.data,
            co_units=[db.session.get(Unit, i) for i in form.co_unit_ids.data or []],
            priority=TaskPriority(form.priority.data),
            plan=db.session.get(Plan, form.plan_id.data) if form.plan_id.data else None,
            expected_version=form.version_value()),
            lambda changed: "已保存修改，已记入办理过程并通知牵头和配合单位。" if changed else "没有修改任何内容。",
            form=form)
        if done:
            return redirect(url_for("tasks.detail", task_id=task.id))
        status = done.status if 400 <= done.status < 500 else 400
    elif request.method == "POST":
        status = 400
    return render_template("tasks/edit.html", form=form, task=_load_visible(task_id) if status != 200 else task,
                           editable=services.can_edit(current_user, task)), status


def _load_visible(task_id):
    task = queries.task_for_detail(task_id)
    if task is None or not services.can_view(current_user, task):
        abort(404)  # the same answer for "absent" and "not yours": ids cannot be probed
    return task


@bp.route("/<int:task_id>")
@require("signed_in")
def detail(task_id):
    return _detail_page(_load_visible(task_id))


# the template variable of each action form on the detail page
FORM_NAMES = {AcceptForm: "accept_form", FollowUpForm: "follow_up_form", CompletionForm: "completion_form",
              ExtensionForm: "extension_form", DecisionForm: "approve_form", ReturnForm: "return_form",
              ApproveExtensionForm: "approve_extension_form", RefuseExtensionForm: "refuse_extension_form",
              UrgeForm: "urge_form", CancelForm: "cancel_form"}


def _detail_page(task, refused_form=None, status=200, refused=None):
    """The task page; after a refused action, with that form as the user filled it (and the task's current
    version, so that a second try is checked against what the page now shows)."""
    on = today()
    window = queries.light_window(on)
    extensions, completions, urges = queries.requests_of(task.id)
    version = {"version": task.version}
    last = services.last_percent(task, current_user.unit_id)
    forms = {
        "accept_form": AcceptForm(data=version),
        "follow_up_form": FollowUpForm(data={"percent": last or 0}),  # starts at the unit's last report
        "completion_form": CompletionForm(data=dict(version, completed_on=on)),
        "extension_form": ExtensionForm(data=version), "approve_form": DecisionForm(data=version),
        "return_form": ReturnForm(data=version), "approve_extension_form": ApproveExtensionForm(data=version),
        "refuse_extension_form": RefuseExtensionForm(data=version),
        "urge_form": UrgeForm(data=version), "cancel_form": CancelForm(data=version),
    }
    if refused_form is not None:
        if hasattr(refused_form, "version"):  # the follow-up form carries none (see FollowUpForm)
            refused_form.version.data = task.version
        forms[FORM_NAMES[type(refused_form)]] = refused_form
    cal = get_calendar()
    task_files = db.session.scalars(sa.select(Evidence).where(Evidence.task_id == task.id,
                                                              Evidence.follow_up_id.is_(None))
                                    .order_by(Evidence.id)).all()
    return render_template(
        "tasks/detail.html", task=task, light=window.of(task), window=window,
        panels=filters.task_panels(task, current_user),  # registered by packages above tasks (the ledger's tags)
        days_overdue=cal.workdays_overdue(task.due_on, on) if task.is_open else 0,
        timeline=queries.timeline(task.id), follow_ups=queries.follow_ups(task.id),
        extensions=extensions, completions=completions, urges=urges, task_files=task_files, last_percent=last,
        actions=services.allowed_actions(current_user, task, on), can_edit=services.can_edit(current_user, task),
        needs_evidence=services.completion_needs_evidence(),
        pending_extension=next((e for e in extensions if e.status.value == "pending"), None),
        red_units=queries.units_with_red_tasks(on, {p.unit_id for p in task.parties}), refused=refused,
        **forms), status


def _act(task_id, form_cls, action, success, form_key, before=None):
    """The shape of every task action: load (404 if not visible), validate, call one service, commit. A refusal
    shows the task page again with the message on the field it names (or above the form) and the form as filled
    in (nothing typed is lost); every error of the form is shown at once."""
    task = _load_visible(task_id)
    form = form_cls()
    if before is not None:
        before(form)
    if form.validate_on_submit():
        done = perform(lambda: action(task, form), success, on_refusal=_refusal_shown_on(form))
        if done:
            return redirect(url_for("tasks.detail", task_id=task_id))
        if done.error.code == "confirm_urge":
            form.confirmed.data = "1"  # the form comes back with "仍要催办"
        _offer_workday(form, done.error)
        return _detail_page(_load_visible(task_id), form, done.status if 400 <= done.status < 500 else 400, form_key)
    flash(form_error_text(form, "提交的内容有误。"), "danger")
    return _detail_page(task, form, 400, form_key)


def _refusal_shown_on(form):
    """A refusal is flashed at the top of the page (the form it came from may not be shown any more, e.g. to
    someone who may not act) and, when it names a field of the form, marks that field too."""
    def show(error):
        flash(error.message, "danger")
        if error.field and getattr(form, error.field, None) is not None:
            apply_service_error(form, error)
    return show


@bp.route("/<int:task_id>/accept", methods=["POST"])
@require("signed_in")
def accept(task_id):
    return _act(task_id, AcceptForm, lambda t, f: services.accept_task(current_user, t, f.version_value()),
                "已签收。", "accept")


@bp.route("/<int:task_id>/follow-up", methods=["POST"])
@require("signed_in")
def follow_up(task_id):
    def action(task, form):
        # no expected version: see FollowUpForm
        entry = services.record_follow_up(current_user, task, form.text.data, form.percent.data, today(),
                                          decrease_reason=form.decrease_reason.data, strict=True)
        for upload in request.files.getlist(form.files.name):  # a refused file rolls back the rest, stored files too
            if upload and upload.filename:
                store_evidence(current_user, task, entry, upload)

    return _act(task_id, FollowUpForm, action, "进展已提交。", "follow-up")


@bp.route("/<int:task_id>/request-completion", methods=["POST"])
@require("signed_in")
def request_completion(task_id):
    def action(task, form):
        # the files first: the evidence rule then sees them (a refusal removes them again, see app.tasks.files)
        for upload in request.files.getlist(form.files.name):
            if upload and upload.filename:
                store_evidence(current_user, task, None, upload)
        services.request_completion(current_user, task, form.completed_on.data, form.summary.data, today(),
                                    form.version_value(), no_evidence_reason=form.no_evidence_reason.data,
                                    strict=True)

    return _act(task_id, CompletionForm, action, "办结申请已提交，等待审核。", "completion")


@bp.route("/<int:task_id>/approve-completion", methods=["POST"])
@require("signed_in")
def approve_completion(task_id):
    return _act(task_id, DecisionForm, lambda t, f: services.approve_completion(
        current_user, t, f.note.data, f.version_value()), "已审核办结。", "decide")


@bp.route("/<int:task_id>/return", methods=["POST"])
@require("signed_in")
def return_task(task_id):
    return _act(task_id, ReturnForm, lambda t, f: services.return_task(
        current_user, t, f.note.data, f.version_value()), "已退回，事项回到办理中。", "return")


@bp.route("/<int:task_id>/request-extension", methods=["POST"])
@require("signed_in")
def request_extension(task_id):
    return _act(task_id, ExtensionForm, lambda t, f: services.request_extension(
        current_user, t, f.new_due_on.data, f.reason.data, today(), f.version_value(),
        accept_non_workday=_keeps_non_workday()),
        "延期申请已提交，等待审核。", "extension", before=lambda f: _take_workday(f, f.new_due_on))


@bp.route("/<int:task_id>/approve-extension", methods=["POST"])
@require("signed_in")
def approve_extension(task_id):
    return _act(task_id, ApproveExtensionForm, lambda t, f: services.decide_extension(
        current_user, t, True, f.note.data, f.version_value()), "已同意延期。", "decide-extension")


@bp.route("/<int:task_id>/refuse-extension", methods=["POST"])
@require("signed_in")
def refuse_extension(task_id):
    return _act(task_id, RefuseExtensionForm, lambda t, f: services.decide_extension(
        current_user, t, False, f.note.data, f.version_value()), "已不同意延期。", "refuse-extension")


@bp.route("/<int:task_id>/urge", methods=["POST"])
@require("signed_in")
def urge(task_id):
    return _act(task_id, UrgeForm, lambda t, f: services.urge_task(
        current_user, t, int(f.level.data), f.note.data, today(), f.version_value(),
        confirmed=f.confirmed.data == "1"), "已催办。", "urge")


@bp.route("/<int:task_id>/cancel", methods=["POST"])
@require("signed_in")
def cancel(task_id):
    return _act(task_id, CancelForm, lambda t, f: services.cancel_task(
        current_user, t, f.reason.data, f.version_value()), "事项已撤销。", "cancel")


@bp.route("/<int:task_id>/files/<int:file_id>")
@require("signed_in")
def evidence(task_id, file_id):
    task = _load_visible(task_id)
    item = queries.evidence(file_id)
    if item is None or item.task_id != task.id:
        abort(404)
    try:
        path = evidence_path(item)
    except (OSError, ServiceError):
        abort(404)
    return send_file(path, mimetype=item.content_type, as_attachment=True,
                     download_name=download_name(item.filename, fallback="佐证材料"))


# --- Excel import -------------------------------------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
@require("assign")
def import_tasks():
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        units = {u.name: u for u in db.session.scalars(sa.select(Unit))}
        plans = {p.code: p for p in _plans()}
        try:
            drafts = excel.parse_task_workbook(form.file.data.read(), units, plans, today())
            created = excel.import_tasks(current_user, drafts, today())
        except excel.TaskImportError as error:
            db.session.rollback()
            errors = error.messages
        else:
            db.session.commit()
            flash(f"已导入 {len(created)} 项交办事项。", "success")
            return redirect(url_for("tasks.overview"))
    status = 400 if (form.errors or errors) else 200
    return render_template("tasks/import.html", form=form, errors=errors,
                           max_mb=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)), status


@bp.route("/import/template.xlsx")
@require("assign")
def import_template():
    return send_file(io.BytesIO(excel.task_list_template()), mimetype=XLSX, as_attachment=True,
                     download_name=download_name("交办事项导入模板.xlsx"))

