"""Ledger pages: monthly reporting (报送). A unit's reporting page (its duties for last month with their status), the
month's form of a subject (every row with last month's values beside the fields, one reason, one submit), its
Excel template and upload; the compliance view of a month (late and missing reports) for the office, leaders and
observers; the office's reporting duties."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.core.actions import perform
from app.core.calendar import get_calendar
from app.core.clock import today
from app.core.forms import ConfirmForm
from app.core.permissions import require
from app.core.text import download_name
from app.extensions import db
from app.ledger import reporting_calendar as cal_service
from app.ledger.forms.reporting import DutyEditForm, DutyForm, ReportForm, ReportUploadForm
from app.ledger.models import ReportingDuty, ReportSubject
from app.ledger.reporting import FIELDS_OF, UNIT_OF, ReportRefused, inputs_from_lines, report_lines, save_submission
from app.ledger.reporting_calendar import (
    last_reportable_month,
    month_code,
    month_label,
    month_statuses,
    next_month,
    parse_month,
    previous_month,
)
from app.ledger.reporting_excel import ReportImportError, parse_report_workbook, template_filename, template_workbook
from app.ledger.views import bp
from app.org.models import Target, Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _subject_or_404(subject):
    try:
        return ReportSubject(subject)
    except ValueError:
        abort(404)


def _month_or_404(text):
    month = parse_month(text)
    if month is None:
        abort(404)
    return month


def _reporting_unit():
    """The unit reported for: the user's own; the office may choose any unit with ?unit=<id>."""
    unit_id = request.args.get("unit", type=int)
    if unit_id is not None and current_user.is_admin:
        unit = db.session.get(Unit, unit_id)
        if unit is None:
            abort(404)
        return unit
    return db.session.get(Unit, current_user.unit_id)


def _unit_args(unit):
    return {"unit": unit.id} if current_user.is_admin and unit.id != current_user.unit_id else {}


# --- the unit's reporting page --------------------------------------------------------------------------------

@bp.route("/reporting")
@require("unit_member")
def reporting():
    unit = _reporting_unit()
    on = today()
    month = last_reportable_month(on)
    statuses = month_statuses(month, on, cal_service.unit_duties(unit.id))
    units = db.session.query(Unit).order_by(Unit.sort_order, Unit.id).all() if current_user.is_admin else []
    return render_template("ledger/report_index.html", unit=unit, month=month, statuses=statuses,
                           subjects=list(ReportSubject), month_code=month_code, month_label=month_label,
                           unit_args=_unit_args(unit), units=units,
                           duty_label=cal_service.duty_label)


def _render_form(unit, subject, month, form, upload_form, lines, errors=(), upload_errors=(), submitted=None,
                 status=200):
    return render_template(
        "ledger/report_form.html", unit=unit, subject=subject, month=month, form=form, upload_form=upload_form,
        lines=lines, fields=FIELDS_OF[subject], amount_unit=UNIT_OF.get(subject, ""), errors=list(errors),
        upload_errors=list(upload_errors), submitted=submitted, month_label=month_label, month_code=month_code,
        previous=previous_month(month), following=next_month(month), unit_args=_unit_args(unit),
        is_future=cal_service.is_future_month(month, today()),
        due_on=cal_service.due_date(month, _due_workday(unit, subject)), subjects=list(ReportSubject)), status


def _due_workday(unit, subject):
    duties = [d for d in cal_service.unit_duties(unit.id) if d.subject is subject]
    return duties[0].due_workday if duties else cal_service.DEFAULT_DUE_WORKDAY


@bp.route("/reporting/<subject>/<month>", methods=["GET", "POST"])
@require("unit_member")
def reporting_form(subject, month):
    subject, month = _subject_or_404(subject), _month_or_404(month)
    unit = _reporting_unit()
    lines = report_lines(unit, subject, month)
    form = ReportForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            errors = [e for field_errors in form.errors.values() for e in field_errors]
            return _render_form(unit, subject, month, form, ReportUploadForm(formdata=None), lines, errors,
                                submitted=request.form, status=400)
        errors = []
        rows = inputs_from_lines(subject, lines, request.form.get)
        done = perform(lambda: save_submission(current_user, unit, subject, month, rows, form.reason.data),
                       lambda result: result.message, on_refusal=lambda error: errors.extend(_messages(error)))
        if done:
            return redirect(url_for(".reporting_form", subject=subject.value, month=month_code(month),
                                    **_unit_args(unit)))
        return _render_form(unit, subject, month, form, ReportUploadForm(formdata=None), lines, errors,
                            submitted=request.form, status=done.status)
    return _render_form(unit, subject, month, form, ReportUploadForm(formdata=None), lines)


def _messages(error):
    return error.messages if isinstance(error, ReportRefused) else [error.message]


@bp.route("/reporting/<subject>/<month>/template.xlsx")
@require("unit_member")
def reporting_template(subject, month):
    subject, month = _subject_or_404(subject), _month_or_404(month)
    unit = _reporting_unit()
    return send_file(io.BytesIO(template_workbook(unit, subject, month)), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(template_filename(unit, subject, month), fallback="报送表.xlsx"))


@bp.route("/reporting/<subject>/<month>/upload", methods=["POST"])
@require("unit_member")
def reporting_upload(subject, month):
    """A filled template: every row is checked, and nothing is saved unless all of them pass."""
    subject, month = _subject_or_404(subject), _month_or_404(month)
    unit = _reporting_unit()
    form = ReportUploadForm()
    errors = []
    status = 400
    if form.validate_on_submit():
        storage = form.file.data

        def upload():
            rows = parse_report_workbook(storage.read(), unit, subject, month, filename=storage.filename or "")
            return save_submission(current_user, unit, subject, month, rows, form.reason.data)

        try:  # the parser's refusal (ReportImportError) comes before anything is written
            done = perform(upload, lambda result: "报送表已上传。" + result.message,
                           on_refusal=lambda error: errors.extend(_messages(error)))
        except ReportImportError as error:
            errors = error.messages
            status = 422
        else:
            if done:
                return redirect(url_for(".reporting_form", subject=subject.value, month=month_code(month),
                                        **_unit_args(unit)))
            status = done.status
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    return _render_form(unit, subject, month, ReportForm(formdata=None), form, report_lines(unit, subject, month),
                        upload_errors=errors or ["文件未上传。"], status=status)


# --- compliance -----------------------------------------------------------------------------------------------

@bp.route("/reporting/compliance")
@require("read_all")
def reporting_compliance():
    on = today()
    month = parse_month(request.args.get("month")) or last_reportable_month(on)
    statuses = month_statuses(month, on, cal=get_calendar())
    counts = {key: sum(1 for s in statuses if s.status == key) for key in ("missing", "late", "on_time", "open")}
    return render_template("ledger/report_compliance.html", month=month, statuses=statuses, counts=counts,
                           previous=previous_month(month), following=next_month(month), month_code=month_code,
                           month_label=month_label, latest=last_reportable_month(on),
                           duty_label=cal_service.duty_label)


# --- the office's duties --------------------------------------------------------------------------------------

def _duty_form(**kwargs):
    units = db.session.query(Unit).filter(Unit.is_active.is_(True)).order_by(Unit.sort_order, Unit.id).all()
    targets = (db.session.query(Target).filter(Target.measure.is_(None), Target.code.is_not(None))
               .order_by(Target.sort_order, Target.id).all())
    return DutyForm(units, targets, **kwargs)


@bp.route("/reporting/duties", methods=["GET", "POST"])
@require("admin")
def reporting_duties():
    form = _duty_form()
    if form.validate_on_submit():
        done = perform(lambda: cal_service.create_duty(current_user, form.unit_id.data, form.subject.data,
                                                       form.target_id.data, form.due_workday.data),
                       "报送任务已添加。", form=form)
        if done:
            return redirect(url_for(".reporting_duties"))
    status = 400 if form.errors else 200
    return render_template("ledger/duties.html", form=form, duties=cal_service.all_duties(),
                           duty_label=cal_service.duty_label, month=last_reportable_month(today()),
                           month_label=month_label, due_date=cal_service.due_date), status


@bp.route("/reporting/duties/<int:duty_id>", methods=["GET", "POST"])
@require("admin")
def reporting_duty(duty_id):
    duty = db.session.get(ReportingDuty, duty_id) or abort(404)
    form = DutyEditForm(obj=duty)
    if form.validate_on_submit():
        done = perform(lambda: cal_service.update_duty(current_user, duty, form.due_workday.data,
                                                       form.is_active.data),
                       "报送任务已保存。", form=form)
        if done:
            return redirect(url_for(".reporting_duties"))
    status = 400 if form.errors else 200
    return render_template("ledger/duties_edit.html", form=form, duty=duty, duty_label=cal_service.duty_label), status


@bp.route("/reporting/default-duties", methods=["POST"])
@require("admin")
def reporting_default_duties():
    if not ConfirmForm().validate_on_submit():
        flash("请求已过期，请重试。", "danger")
        return redirect(url_for(".reporting_duties"))
    perform(lambda: cal_service.create_default_duties(current_user),
            lambda n: f"已建立 {n} 项默认报送任务。" if n else "默认报送任务都已存在，没有新建。")
    return redirect(url_for(".reporting_duties"))
