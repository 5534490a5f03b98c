"""The approval chain of results: the office's 考评意见 of a quarter and of the year, the leadership group's 审定 (date,
文号), the annual results frozen and reopened with a reason, result sheets of the units reported to a superior
department or parent company (print page and Excel) and the record of when each was sent."""

import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from app.core.actions import perform
from app.core.clock import today
from app.core.forms import form_error_text
from app.core.permissions import allowed, require
from app.core.text import download_name
from app.scoring import approvals, queries
from app.scoring.excel import result_sheet_workbook
from app.scoring.forms.approvals import DispatchForm, OpinionForm, YearFinalizeForm, YearReopenForm
from app.scoring.pages import QUARTER_NAMES, result_sheet
from app.scoring.reports import frozen_year_report
from app.scoring.views import XLSX, bp, link, period_or_404, year_or_404

# --- 考评意见 -------------------------------------------------------------------------------------------------


def _save_opinion(year, quarter, back):
    form = OpinionForm(prefix="opinion")
    name = f"{year}年{QUARTER_NAMES[quarter]}" if quarter else f"{year}年度"
    if form.validate_on_submit():
        perform(lambda: approvals.set_opinion(current_user, year, quarter, form.opinion.data, form.opinion_on.data),
                f"{name}考评意见已保存。")
    else:
        flash(form_error_text(form, "提交的内容有误。"), "danger")
    return redirect(back)


@bp.route("/<int:year>/q<int:quarter>/opinion", methods=["POST"])
@require("admin")
def quarter_opinion(year, quarter):
    year, quarter = period_or_404(year, quarter)
    return _save_opinion(year, quarter, url_for("scoring.quarter", year=year, quarter=quarter))


@bp.route("/<int:year>/opinion", methods=["POST"])
@require("admin")
def year_opinion(year):
    year = year_or_404(year)
    return _save_opinion(year, None, url_for("scoring.year", year=year))


# --- the year's 审定 and reopening -------------------------------------------------------------------------------

@bp.route("/<int:year>/finalize", methods=["POST"])
@require("admin")
def finalize_year(year):
    year = year_or_404(year)
    form = YearFinalizeForm()
    if form.validate_on_submit():
        perform(lambda: approvals.finalize_year(current_user, year, form.evaluated_on.data, form.approved_on.data,
                                                form.doc_number.data),
                f"{year}年度考评结果已审定（{form.doc_number.data}，{form.approved_on.data.isoformat()}），结果已冻结。")
    else:
        flash(form_error_text(form, "提交的内容有误。"), "danger")
    return redirect(url_for("scoring.year", year=year))


@bp.route("/<int:year>/reopen", methods=["POST"])
@require("admin")
def reopen_year(year):
    year = year_or_404(year)
    form = YearReopenForm()
    if form.validate_on_submit():
        perform(lambda: approvals.reopen_year(current_user, year, form.reason.data),
                f"{year}年度考评结果已重新打开，理由已记录。")
    else:
        flash(form_error_text(form, "提交的内容有误。"), "danger")
    return redirect(url_for("scoring.year", year=year))


# --- result sheets (附件2 五(一)3) ---------------------------------------------------------------------------------

@bp.route("/<int:year>/result-sheets")
@require("read_all")
def result_sheets(year):
    """The units whose annual result goes to a superior department or parent company: sent or not yet."""
    year = year_or_404(year)
    report = frozen_year_report(year)
    units = approvals.sheet_units(year, report) if report is not None else []
    return render_template("scoring/result_sheets.html", year=year, report=report, units=units,
                           year_url=link("scoring.year", year=year))


def _sheet(year, unit_id):
    """The frozen year's report, the unit's SheetUnit and its page model; 404 unless the year is frozen and the
    unit reported upward."""
    year = year_or_404(year)
    report = frozen_year_report(year)
    if report is None:
        abort(404)
    sheet_unit = next((u for u in approvals.sheet_units(year, report) if u.unit_id == unit_id), None)
    if sheet_unit is None:
        abort(404)
    return sheet_unit, result_sheet(report, sheet_unit, queries.report_rules(report))


@bp.route("/<int:year>/result-sheets/<int:unit_id>")
@require("read_all")
def result_sheet_page(year, unit_id):
    sheet_unit, sheet = _sheet(year, unit_id)
    form = DispatchForm(data={"sent_on": (sheet_unit.dispatch.sent_on if sheet_unit.dispatch else today()),
                              "sent_to": sheet.sent_to, "doc_number": sheet.sent_doc_number or "",
                              "note": sheet_unit.dispatch.note if sheet_unit.dispatch else ""})
    return render_template("scoring/result_sheet.html", sheet=sheet, dispatch=sheet_unit.dispatch, form=form,
                           can_record=allowed(current_user, "admin"), today=today())


@bp.route("/<int:year>/result-sheets/<int:unit_id>.xlsx")
@require("read_all")
def result_sheet_xlsx(year, unit_id):
    _sheet_unit, sheet = _sheet(year, unit_id)
    return send_file(io.BytesIO(result_sheet_workbook(sheet)), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(sheet.filename, fallback="年度考评结果.xlsx"))


@bp.route("/<int:year>/result-sheets/<int:unit_id>/dispatch", methods=["POST"])
@require("admin")
def record_dispatch(year, unit_id):
    year = year_or_404(year)
    form = DispatchForm()
    back = url_for("scoring.result_sheet_page", year=year, unit_id=unit_id)
    if form.validate_on_submit():
        outcome = perform(lambda: approvals.record_dispatch(current_user, year, unit_id, form.sent_on.data,
                                                            form.sent_to.data, form.doc_number.data, form.note.data),
                          lambda d: f"已记录：{d.unit.name}的年度考评结果于 {d.sent_on.isoformat()} 报送{d.sent_to}。")
        if outcome.error is not None and outcome.error.code in ("not_reported", "year_not_frozen"):
            back = url_for("scoring.result_sheets", year=year)
    else:
        flash(form_error_text(form, "提交的内容有误。"), "danger")
    return redirect(back)
