"""The quarterly indicator grid of an assessor: actual, target, completion and computed points per unit and
indicator, confirmed or overridden with a reason; entered actuals; a unit's indicators and where it fell short."""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from app.core.actions import perform
from app.core.clock import today
from app.core.permissions import allowed, require
from app.extensions import db
from app.org.models import Unit
from app.scoring import engine
from app.scoring.criteria_queries import ASSESSOR_ORDER
from app.scoring.criteria_scoring import (
    confirm_scores,
    enterers_of,
    may_enter,
    quarter_sheet,
    save_actuals,
    unit_indicators,
)
from app.scoring.engine import decimal_text as fmt
from app.scoring.forms.criteria_entry import (
    ACTUAL_PREFIX,
    POINTS_PREFIX,
    REASON_PREFIX,
    SOURCE_PREFIX,
    ActualsForm,
    CriteriaGridForm,
    actual_items,
    score_items,
)
from app.scoring.models import CriteriaSource
from app.scoring.reports import quarter_report
from app.scoring.views import bp, link, period_or_404
from app.scoring.year_rules import load_year_rules


def _messages(error):
    """“评分未保存：甲；乙” → [甲, 乙] (shown one per line)."""
    head, sep, rest = error.message.partition("：")
    if sep and head.endswith("未保存"):
        return [part for part in rest.split("；") if part]
    return [error.message]


def _assessor_or_404(assessor):
    if assessor not in ASSESSOR_ORDER:
        abort(404)
    return assessor


def _visible_codes(year_rules, sheet):
    """The indicators of the sheet the user sees: all of them for the assessor's staff and the office; a
    co-assessor unit sees those it enters; anyone else none (the page is then a 404)."""
    own = year_rules.assessor_units.get(sheet.assessor)
    if current_user.is_admin or (own is not None and current_user.unit_id == own):
        return None
    codes = {ind.code for ind in sheet.indicators
             if current_user.unit_id in enterers_of(year_rules, sheet.assessor, ind.code)}
    if not codes:
        co_units = {v for k, v in year_rules.sub_item_assessors.items() if k.startswith(f"{sheet.assessor}.")}
        if current_user.unit_id not in co_units:
            abort(404)
    return codes


def _grid_values(sheet, submitted):
    """{cell key: (points text, reason text)}: what was just submitted, else the confirmed or computed value."""
    values = {}
    for cell in sheet.cells:
        if submitted is not None:
            values[cell.key] = (submitted.get(POINTS_PREFIX + cell.key, ""),
                                submitted.get(REASON_PREFIX + cell.key, ""))
        else:
            proposed = cell.proposed
            values[cell.key] = ("" if proposed is None else str(engine.quantize_score(proposed)), cell.reason or "")
    return values


def _render_grid(year, quarter, assessor, errors=(), submitted=None):
    year_rules = load_year_rules(year)
    sheet = quarter_sheet(year, quarter, assessor, today(), year_rules)
    codes = _visible_codes(year_rules, sheet)
    indicators = [ind for ind in sheet.indicators if codes is None or ind.code in codes]
    rows = []
    for unit, cells in sheet.rows:
        shown = [cells[ind.code] for ind in indicators if ind.code in cells]
        if shown:
            rows.append((unit, shown))
    editable = sheet.open and any(may_enter(current_user, c, assessor) for _u, cells in rows for c in cells
                                  if not c.is_system)
    return render_template(
        "scoring/criteria_entry.html", sheet=sheet, indicators=indicators, rows=rows, editable=editable,
        values=_grid_values(sheet, submitted), points_prefix=POINTS_PREFIX, reason_prefix=REASON_PREFIX,
        form=CriteriaGridForm(), errors=errors, fmt=fmt, may_enter=lambda c: may_enter(current_user, c, assessor),
        sources=CriteriaSource, entry_url=link("scoring.entry", year=year, quarter=quarter),
        result_url=link("scoring.quarter", year=year, quarter=quarter),
        today=today()), 400 if errors else 200


@bp.route("/<int:year>/q<int:quarter>/criteria/<assessor>", methods=["GET", "POST"])
@require("unit_member")
def criteria_grid(year, quarter, assessor):
    """An assessor's indicator grid for the quarter; “确认” saves every filled cell at once (all or nothing)."""
    year, quarter = period_or_404(year, quarter)
    assessor = _assessor_or_404(assessor)
    form = CriteriaGridForm()
    errors = []
    if request.method == "POST":
        _visible_codes(load_year_rules(year), quarter_sheet(year, quarter, assessor))  # 404 for strangers
        if form.validate_on_submit():
            items, errors = score_items(request.form)
            if not errors and perform(lambda: confirm_scores(current_user, year, quarter, assessor, items),
                                      lambda n: f"已确认 {n} 项指标得分。" if n else "指标得分没有变化。",
                                      on_refusal=lambda error: errors.extend(_messages(error))):
                return redirect(url_for(".criteria_grid", year=year, quarter=quarter, assessor=assessor))
        else:
            errors = ["表单已过期，请刷新页面后重新提交。"]
    return _render_grid(year, quarter, assessor, errors=errors,
                        submitted=request.form if request.method == "POST" else None)


@bp.route("/<int:year>/q<int:quarter>/criteria/<assessor>/actuals/<code>", methods=["GET", "POST"])
@require("unit_member")
def criteria_actuals(year, quarter, assessor, code):
    """The actuals the assessor enters for one indicator (考评单位填报), per unit, with their source."""
    year, quarter = period_or_404(year, quarter)
    assessor = _assessor_or_404(assessor)
    year_rules = load_year_rules(year)
    sheet = quarter_sheet(year, quarter, assessor, today(), year_rules)
    codes = _visible_codes(year_rules, sheet)
    indicator = next((ind for ind in sheet.indicators if ind.code == code), None)
    if indicator is None or indicator.source is not CriteriaSource.entered or (codes is not None and code not in codes):
        abort(404)
    form = ActualsForm()
    errors = []
    if request.method == "POST":
        if form.validate_on_submit():
            items, errors = actual_items(request.form)
            if not errors and perform(lambda: save_actuals(current_user, year, quarter, assessor, code, items),
                                      lambda n: f"已保存 {n} 个实际值。" if n else "实际值没有变化。",
                                      on_refusal=lambda error: errors.extend(_messages(error))):
                return redirect(url_for(".criteria_grid", year=year, quarter=quarter, assessor=assessor))
        else:
            errors = ["表单已过期，请刷新页面后重新提交。"]
    cells = [(unit, cells[code]) for unit, cells in sheet.rows if code in cells]
    submitted = request.form if request.method == "POST" else None
    values = {}
    for unit, cell in cells:
        if submitted is not None:
            values[unit.id] = (submitted.get(f"{ACTUAL_PREFIX}{unit.id}", ""),
                               submitted.get(f"{SOURCE_PREFIX}{unit.id}", ""))
        elif cell.actual_row is not None:
            values[unit.id] = (fmt(cell.actual_row.value), cell.actual_row.source_note or "")
        else:
            values[unit.id] = ("", "")
    enterers = enterers_of(year_rules, assessor, code)
    return render_template(
        "scoring/criteria_entry_actuals.html", sheet=sheet, indicator=indicator, cells=cells, values=values,
        form=form, errors=errors, editable=sheet.open and may_enter(current_user, enterers, assessor),
        actual_prefix=ACTUAL_PREFIX, source_prefix=SOURCE_PREFIX, fmt=fmt), 400 if errors else 200




@bp.route("/units/<int:unit_id>/<int:year>/q<int:quarter>/indicators")
@require("signed_in")
def unit_indicators_page(unit_id, year, quarter):
    """A unit's indicators in the quarter: actual, target, completion, points given of the maximum, the shortfall
    and the reason of an override; totals per component beside the quarter report's."""
    year, quarter = period_or_404(year, quarter)
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.group is None:
        abort(404)
    year_rules = load_year_rules(year)
    assessors = set(year_rules.assessor_units.values()) | set(year_rules.sub_item_assessors.values())
    if not (current_user.unit_id == unit.id or allowed(current_user, "read_all")
            or (current_user.unit_id is not None and current_user.unit_id in assessors)):
        abort(404)  # the same answer as an absent unit: ids cannot be probed
    on = today()
    started = engine.quarter_dates(year, quarter)[0] <= on
    components = unit_indicators(unit, year, quarter, on) if started else []
    report_components = {}
    if components:
        report = quarter_report(year, quarter, on)
        row = next((r for r in report["units"] if r["unit_id"] == unit.id), None)
        report_components = (row or {}).get("components", {})
    return render_template("scoring/unit_indicators.html", unit=unit, year=year, quarter=quarter,
                           components=components, report_components=report_components, started=started, fmt=fmt,
                           grid_links={a: link("scoring.criteria_grid", year=year, quarter=quarter, assessor=a)
                                       for a in ASSESSOR_ORDER}
                           if current_user.unit_id in assessors or current_user.is_admin else {},
                           unit_url=link("scoring.unit", unit_id=unit.id, year=year))
