"""Scoring result pages: quarters, the year, a unit's own page, the 千百十办 component explained, exports.

The page models and their builders are in `app.scoring.pages` (no queries, no request); the views here load the
reports, the quarters' lifecycle rows and the rules, check permissions, and render a page or its Excel export
(`app.scoring.excel`) from the same page model.
"""

import io
from datetime import date

from flask import Response, abort, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.core.actions import perform
from app.core.clock import today
from app.core.errors import error_response
from app.core.forms import form_error_text
from app.core.permissions import allowed, require
from app.core.text import download_name
from app.extensions import db
from app.org.models import Unit
from app.scoring import approvals, engine, queries, services
from app.scoring.excel import quarter_workbook, year_workbook
from app.scoring.forms.approvals import OpinionForm, YearFinalizeForm, YearReopenForm
from app.scoring.forms.quarter import FinalizeForm, ReopenForm
from app.scoring.pages import QUARTER_NAMES, explanation, quarter_page, unit_chart, unit_page, year_page
from app.scoring.reports import previous_quarter_report, quarter_report, year_quarter_reports, year_report
from app.scoring.views import XLSX, bp, link, period_or_404, year_or_404

# --- loading ----------------------------------------------------------------------------------------------

def _as_of():
    """`?as_of=YYYY-MM-DD`: the evaluation date of an open quarter; today when absent."""
    raw = (request.args.get("as_of") or "").strip()
    if not raw:
        return today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(make_response(*error_response(400, f"评价日期“{raw[:20]}”格式不正确，请使用 2026-03-31 这样的格式。")))


def _visible_unit(unit_id):
    """An assessed unit the user may see: their own, or any for the office, leaders and observers."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.group is None:
        abort(404)
    if not allowed(current_user, "read_all") and current_user.unit_id != unit.id:
        abort(404)  # the same answer as "no such unit": ids cannot be probed
    return unit


def _load_quarter(year, quarter):
    year, quarter = period_or_404(year, quarter)
    on = _as_of()
    report = quarter_report(year, quarter, on)
    opinion = approvals.opinion_of(year, quarter) if report["status"] != "finalized" else None
    return quarter_page(report, queries.quarter_states(year).get(quarter), queries.report_rules(report), opinion,
                        previous_quarter_report(year, quarter, on))


def _load_year(year):
    on = _as_of()
    # the quarters' finals from aggregates: the annual page shows no per-task lines; a frozen year its snapshot
    report = year_report(year_or_404(year), on)
    opinion = approvals.opinion_of(year) if report["status"] != "frozen" else None
    return year_page(report, queries.quarter_states(year), queries.report_rules(report), opinion,
                     approvals.annual_reopenings(year))


def quarter_forms(page):
    """The 审定 and reopening forms and the 考评意见 form of a quarter's page (the office's)."""
    first_day, last_day = engine.quarter_dates(page.year, page.quarter)
    opinion = page.opinion
    return {
        "finalize_form": FinalizeForm(data={"evaluated_on": today(), "approved_on": today()}, first_day=first_day,
                                      last_day=last_day),
        "reopen_form": ReopenForm(),
        "opinion_form": OpinionForm(prefix="opinion", data={"opinion": opinion.text if opinion else "",
                                                           "opinion_on": (opinion.on if opinion else None) or today()}),
    }


def year_forms(page):
    opinion = page.opinion
    return {
        "opinion_form": OpinionForm(prefix="opinion", data={"opinion": opinion.text if opinion else "",
                                                           "opinion_on": (opinion.on if opinion else None) or today()}),
        "finalize_form": YearFinalizeForm(data={"evaluated_on": today(), "approved_on": today()}),
        "reopen_form": YearReopenForm(),
    }


def _year_arg():
    raw = request.args.get("year") or ""
    if not raw:
        return today().year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        abort(make_response(*error_response(400, f"年份“{raw[:10]}”不正确，请填写 2000 到 2100 之间的年份。")))
    return int(raw)


# --- views ------------------------------------------------------------------------------------------------

@bp.route("/<int:year>/q<int:quarter>")
@require("read_all")
def quarter(year, quarter):
    page = _load_quarter(year, quarter)
    return render_template("scoring/results_quarter.html", page=page, today=today(),
                           as_of=request.args.get("as_of") if not page.is_finalized else None,
                           **quarter_forms(page))


@bp.route("/<int:year>/q<int:quarter>.xlsx")
@require("read_all")
def quarter_xlsx(year, quarter):
    page = _load_quarter(year, quarter)
    return send_file(io.BytesIO(quarter_workbook(page)), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(f"{page.title.replace(' ', '')}.xlsx", fallback="考评结果.xlsx"))


@bp.route("/<int:year>/q<int:quarter>/finalize", methods=["POST"])
@require("admin")
def finalize_quarter(year, quarter):
    year, quarter = period_or_404(year, quarter)
    first_day, last_day = engine.quarter_dates(year, quarter)
    form = FinalizeForm(first_day=first_day, latest=today(), last_day=last_day)
    if form.validate_on_submit():
        perform(lambda: services.finalize_quarter(current_user, year, quarter, form.evaluated_on.data,
                                                  approved_on=form.approved_on.data, doc_number=form.doc_number.data),
                f"{year}年{QUARTER_NAMES[quarter]}考评结果已审定（{form.doc_number.data}，审定日期 "
                f"{form.approved_on.data.isoformat()}，评价日期 {form.evaluated_on.data.isoformat()}）。")
    else:
        flash(form_error_text(form, "提交的内容有误。"), "danger")
    return redirect(url_for("scoring.quarter", year=year, quarter=quarter))


@bp.route("/<int:year>/q<int:quarter>/reopen", methods=["POST"])
@require("admin")
def reopen_quarter(year, quarter):
    year, quarter = period_or_404(year, quarter)
    form = ReopenForm()
    if form.validate_on_submit():
        perform(lambda: services.reopen_quarter(current_user, year, quarter, form.reason.data),
                f"{year}年{QUARTER_NAMES[quarter]}已重新打开，理由已记录。")
    else:
        flash(form_error_text(form, "提交的内容有误。"), "danger")
    return redirect(url_for("scoring.quarter", year=year, quarter=quarter))


@bp.route("/<int:year>")
@require("read_all")
def year(year):
    page = _load_year(year)
    return render_template("scoring/results_year.html", page=page, as_of=request.args.get("as_of"), today=today(),
                           sheets_url=link("scoring.result_sheets", year=page.year), **year_forms(page))


@bp.route("/<int:year>.xlsx")
@require("read_all")
def year_xlsx(year):
    page = _load_year(year)
    return send_file(io.BytesIO(year_workbook(page)), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(f"{page.title.replace(' ', '')}.xlsx", fallback="考评结果.xlsx"))


@bp.route("/units/<int:unit_id>")
@require("signed_in")
def unit(unit_id):
    unit = _visible_unit(unit_id)
    year, on = _year_arg(), today()
    quarters = year_quarter_reports(year, on)
    report = year_report(year, on, quarters=quarters)
    cache = {}
    rules = {q: queries.report_rules(rep, cache) for q, rep in quarters.items() if rep is not None}
    return render_template("scoring/unit.html", page=unit_page(unit, year, quarters, report, rules),
                           read_all=allowed(current_user, "read_all"))


@bp.route("/units/<int:unit_id>/trend.svg")
@require("signed_in")
def unit_trend(unit_id):
    unit = _visible_unit(unit_id)
    year = _year_arg()
    svg = unit_chart(unit, year, year_quarter_reports(year, today()), standalone=True)
    return Response(str(svg), mimetype="image/svg+xml")


@bp.route("/<int:year>/q<int:quarter>/units/<int:unit_id>/office")
@require("signed_in")
def office_explain(year, quarter, unit_id):
    year, quarter = period_or_404(year, quarter)
    unit = _visible_unit(unit_id)
    report = quarter_report(year, quarter, _as_of())
    row = next((r for r in report["units"] if r["unit_id"] == unit.id), None)
    if row is None or row["office"] is None:
        abort(404)
    ids = [line["task_id"] for line in row["office"]["lines"]]
    page = explanation(unit, report, row, queries.report_rules(report), queries.tasks_by_id(ids))
    return render_template("scoring/explain.html", page=page,
                           as_of=request.args.get("as_of") if report["status"] != "finalized" else None,
                           read_all=allowed(current_user, "read_all"))
