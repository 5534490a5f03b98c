"""Scoring pages for assessors and the office: rules, entry grids, Excel upload, rates and decisions."""

import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from app.core.actions import perform
from app.core.clock import today
from app.core.errors import ServiceError
from app.core.permissions import allowed, require
from app.core.text import download_name
from app.extensions import db
from app.org.models import Unit, UnitGroup
from app.scoring import engine, queries, services
from app.scoring.engine import decimal_text as fmt
from app.scoring.entry_excel import (
    EntryImportError,
    entry_grid,
    grid_filename,
    grid_workbook,
    parse_entry_workbook,
)
from app.scoring.forms.entry import NOTE_PREFIX, SCORE_PREFIX, EntryGridForm, EntryUploadForm, entry_items
from app.scoring.forms.rules import (
    award_field,
    grade_field,
    max_field,
    rules_form,
    sub_field,
    unit_field,
    weight_field,
)
from app.scoring.forms.year import FailDecisionForm, ProvinceFirstForm, RemoveFailDecisionForm, policy_rates_form
from app.scoring.models import FailDecision, YearSetting
from app.scoring.pages import STATUS_LABELS
from app.scoring.views import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RATE_GROUPS = (UnitGroup.county, UnitGroup.park1, UnitGroup.park2)
CITY_GROUPS = (UnitGroup.promotion, UnitGroup.support)


def _short_labels():
    """Column headings for the component table: 工信局 … 千百十办 (the full names are too wide)."""
    return {a: "千百十办" if a is engine.Assessor.office else a.label.removeprefix("市") for a in engine.Assessor}


def _year(year):
    if not 2000 <= year <= 2100:
        abort(404)
    return year


def _period(year, quarter):
    try:
        return services.check_period(year, quarter)
    except ServiceError:
        abort(404)


def link(endpoint, **values):
    """A URL to a page only if the endpoint exists (the results pages are built separately) and the current
    user may open it; else None, and the template shows no link."""
    view = current_app.view_functions.get(endpoint)
    if view is None or not allowed(current_user, getattr(view, "permission", "admin")):
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _messages(error):
    """A refusal from the services as a list: “得分未保存：甲；乙” → [甲, 乙] (shown one per line)."""
    head, sep, rest = error.message.partition("：")
    if sep and head.endswith("未保存"):
        return [part for part in rest.split("；") if part]
    return [error.message]


def _enterer_units(year_rules):
    """The units that enter scores under the year's rules (assessors and sub-item assessors), in unit order."""
    ids = set(year_rules.assessor_units.values()) | set(year_rules.sub_item_assessors.values())
    return [u for u in queries.units() if u.id in ids]


# --- the index ---------------------------------------------------------------------------------------------

def _year_overview(year, on, states):
    """What the index shows for a year: its rules version and, per quarter, status, links and own progress."""
    year_rules = services.load_year_rules(year)
    own_cells = set()
    if allowed(current_user, "unit_member"):
        own_cells = {(u.id, a, s) for u, a, s, _ in
                     services.cells_for_enterer(year_rules, current_user.unit_id, services.assessed_units())}
    entered = services.entered_by_quarter(year, own_cells)
    quarters = []
    for q in (1, 2, 3, 4):
        start, end = engine.quarter_dates(year, q)
        state = states.get((year, q))
        finalized = state is not None and state.is_finalized
        quarters.append({
            "quarter": q, "start": start, "end": end, "started": start <= on, "finalized": finalized,
            "status": STATUS_LABELS["finalized" if finalized else "open" if start <= on else "future"],
            "entry_url": url_for(".entry", year=year, quarter=q)
            if (own_cells or current_user.is_admin) and start <= on else None,
            "entered": entered.get(q, 0), "cells": len(own_cells),
            "result_url": link("scoring.quarter", year=year, quarter=q) if start <= on else None,
        })
    return {
        "year": year, "version": year_rules.version, "quarters": quarters, "cells": len(own_cells),
        "rules_url": link("scoring.rules", year=year), "admin_url": link("scoring.year_admin", year=year),
        "result_url": link("scoring.year", year=year),
        "can_start": current_user.is_admin and year_rules.version is None,
        "own_result_url": link("scoring.unit", unit_id=current_user.unit_id, year=year)
        if current_user.unit is not None and current_user.unit.group is not None else None,
    }


@bp.route("/")
@require("signed_in")
def index():
    on = today()
    years = (on.year, on.year - 1)
    states = queries.quarter_rows(years)
    overview = [_year_overview(y, on, states) for y in years]
    assessor = current_user.unit if allowed(current_user, "unit_member") else None
    return render_template("scoring/index.html", on=on, years=overview, assessor=assessor,
                           not_assessor=assessor is not None and not current_user.is_admin
                           and not any(y["cells"] for y in overview))


# --- entry -------------------------------------------------------------------------------------------------

def _enterer(year_rules, allow_other):
    """The unit whose grid is shown: the user's own; the office may look at any assessor's (read-only)."""
    own = current_user.unit
    asked = request.args.get("unit", "")
    if not (allow_other and current_user.is_admin and asked.isdigit() and int(asked) != own.id):
        return own, False
    unit = next((u for u in _enterer_units(year_rules) if u.id == int(asked)), None)
    if unit is None:
        abort(404)
    return unit, True


def _cell_values(grid, submitted):
    """{cell key: (value text, note text)}: what was just submitted, else the stored entry."""
    values = {}
    for cell in grid.cells:
        if submitted is not None:
            values[cell.key] = (submitted.get(SCORE_PREFIX + cell.key, ""), submitted.get(NOTE_PREFIX + cell.key, ""))
        elif cell.entry is not None:
            values[cell.key] = (fmt(cell.entry.value), cell.entry.note or "")
        else:
            values[cell.key] = ("", "")
    return values


def _render_entry(year, quarter, year_rules, enterer, read_only, errors=(), upload_errors=(), submitted=None,
                  upload_form=None):
    grid = entry_grid(year_rules, year, quarter, enterer)
    status = 400 if (errors or upload_errors) else 200
    if not grid.cells and not current_user.is_admin:
        return render_template("scoring/entry_none.html", year=year, quarter=quarter, unit=enterer,
                               assessors=_enterer_units(year_rules)), status
    state = services.quarter_state(year, quarter)
    finalized = state is not None and state.is_finalized
    return render_template(
        "scoring/entry.html", grid=grid, year=year, quarter=quarter, read_only=read_only, finalized=finalized,
        editable=not (read_only or finalized), rules_saved=year_rules.saved,
        values=_cell_values(grid, submitted), score_prefix=SCORE_PREFIX, note_prefix=NOTE_PREFIX,
        form=EntryGridForm(), upload_form=upload_form or EntryUploadForm(), errors=errors,
        upload_errors=upload_errors, assessors=_enterer_units(year_rules) if current_user.is_admin else [],
        own_unit=current_user.unit, rules_url=link("scoring.rules", year=year),
        result_url=link("scoring.quarter", year=year, quarter=quarter)), status


@bp.route("/<int:year>/q<int:quarter>/entry", methods=["GET", "POST"])
@require("unit_member")
def entry(year, quarter):
    """The assessor's grid for a quarter; POST saves every filled cell at once (all or nothing)."""
    year, quarter = _period(year, quarter)
    year_rules = services.load_year_rules(year)
    enterer, read_only = _enterer(year_rules, allow_other=request.method == "GET")
    form = EntryGridForm()
    errors = []
    if form.validate_on_submit():
        items, errors = entry_items(request.form)
        if not errors and perform(lambda: services.enter_scores(current_user, year, quarter, items),
                                  lambda changed: f"已保存 {changed} 项得分。" if changed else "得分没有变化。",
                                  on_refusal=lambda error: errors.extend(_messages(error))):
            return redirect(url_for(".entry", year=year, quarter=quarter))
    return _render_entry(year, quarter, year_rules, enterer, read_only, errors=errors,
                         submitted=request.form if request.method == "POST" else None)


@bp.route("/<int:year>/q<int:quarter>/entry.xlsx")
@require("unit_member")
def entry_excel(year, quarter):
    """The same grid as an Excel file, to fill in and upload."""
    year, quarter = _period(year, quarter)
    year_rules = services.load_year_rules(year)
    enterer, _ = _enterer(year_rules, allow_other=True)
    grid = entry_grid(year_rules, year, quarter, enterer)
    if not grid.cells:
        flash(f"{enterer.name}在{year}年第{quarter}季度没有需要录入的得分。", "info")
        return redirect(url_for(".entry", year=year, quarter=quarter))
    return send_file(io.BytesIO(grid_workbook(grid)), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(grid_filename(grid), fallback="考评得分录入表.xlsx"))


@bp.route("/<int:year>/q<int:quarter>/entry/upload", methods=["POST"])
@require("unit_member")
def entry_upload(year, quarter):
    """A filled Excel grid: every row is checked, and nothing is saved unless all of them pass."""
    year, quarter = _period(year, quarter)
    year_rules = services.load_year_rules(year)
    form = EntryUploadForm()
    errors = []
    if form.validate_on_submit():
        def upload():
            items = parse_entry_workbook(form.file.data.read(), year, quarter, current_user.unit)
            return services.enter_scores(current_user, year, quarter, items)

        try:  # a file refused by the parser raises EntryImportError: nothing was changed, nothing to roll back
            done = perform(upload,
                           lambda n: f"录入表已上传，保存了 {n} 项得分。" if n else "录入表已上传，得分没有变化。",
                           on_refusal=lambda error: errors.extend(_messages(error)))
        except EntryImportError as error:
            errors = error.messages
        else:
            if done:
                return redirect(url_for(".entry", year=year, quarter=quarter))
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    return _render_entry(year, quarter, year_rules, current_user.unit, False, upload_errors=errors or ["文件未上传。"],
                         upload_form=form)


# --- rules -------------------------------------------------------------------------------------------------

def _profile_rows(year_rules, units):
    """Per profile: its components by assessor (None where it has none), total, and its units."""
    by_profile = {}
    for unit in units:
        by_profile.setdefault(year_rules.unit_profiles.get(unit.id), []).append(unit)
    rows = []
    for profile in year_rules.rules.profiles.values():
        rows.append({"profile": profile, "components": [profile.component(a) for a in engine.Assessor],
                     "total": sum((c.maximum for c in profile.components), engine.ZERO),
                     "units": by_profile.get(profile.code, [])})
    return rows


@bp.route("/<int:year>/rules")
@require("read_all")
def rules(year):
    year = _year(year)
    year_rules = services.load_year_rules(year)
    units = services.assessed_units()
    names = {u.id: u for u in queries.units()}
    versions = queries.rule_versions(year)
    source = None
    if not versions:
        previous = services.previous_version(year)
        source = (f"沿用 {previous.year} 年度第 {previous.version} 版" if previous
                  else "《考核评价办法》附件2的默认规则")
    return render_template(
        "scoring/rules.html", year=year, yr=year_rules, r=year_rules.rules, rows=_profile_rows(year_rules, units),
        assessors=list(engine.Assessor), groups=list(engine.Group), grades=list(engine.Grade),
        priorities=list(engine.Priority), names=names, versions=versions, source=source, fmt=fmt,
        short=_short_labels(),
        unassigned=[u for u in units if u.id not in year_rules.unit_profiles],
        can_edit=allowed(current_user, "admin"), task_item=services.TASK_ITEM)


@bp.route("/<int:year>/rules/start", methods=["POST"])
@require("admin")
def start_rules(year):
    """Start a year: copy the previous year's rules (or the annex-2 defaults) as its version 1."""
    year = _year(year)
    existed = services.current_version(year) is not None
    perform(lambda: services.ensure_year_rules(current_user, year),
            lambda version: f"{year} 年度考评规则已存在（第 {version.version} 版）。" if existed
            else f"已建立 {year} 年度考评规则（第 1 版，{version.note}）。")
    return redirect(url_for(".rules", year=year))


@bp.route("/<int:year>/rules/edit", methods=["GET", "POST"])
@require("admin")
def edit_rules(year):
    """Edit the year's rules; saving writes a new version, refused (nothing written) unless it adds up."""
    year = _year(year)
    year_rules = services.load_year_rules(year)
    units = services.assessed_units()
    form = rules_form(year_rules, units, queries.units())
    errors = []
    if form.validate_on_submit():
        data = form.rule_data(year_rules.to_data())
        errors = services.validate_rule_data(data, units)
        if not errors and perform(lambda: services.save_rules(current_user, year, data, form.note.data.strip()),
                                  lambda version: f"已保存 {year} 年度考评规则第 {version.version} 版。",
                                  on_refusal=lambda error: errors.append(error.message)):
            return redirect(url_for(".rules", year=year))
    status = 400 if (errors or form.errors) else 200
    return render_template("scoring/rules_edit.html", year=year, yr=year_rules, form=form, errors=errors,
                           profiles=_profile_fields(form), assessors=list(engine.Assessor),
                           groups=[(g, [form[weight_field(g, q)] for q in (1, 2, 3, 4)], form[award_field(g)])
                                   for g in engine.Group],
                           grades=[(g, form[grade_field(g)]) for g in engine.Grade],
                           units_by_group=[(group, [(u, form[unit_field(u.id)]) for u in members])
                                           for group, members in _by_group(units)],
                           short=_short_labels(), task_item=services.TASK_ITEM), status


def _profile_fields(form):
    """Per profile: (profile, [(assessor, maximum field, sub-items field, show sub-items)], open): a component's
    sub-items box is shown when it has a maximum; the profile's box opens when it has sub-items or errors."""
    rows = []
    for pi, profile in enumerate(form.profiles):
        cells = []
        for assessor in engine.Assessor:
            maximum, subs = form[max_field(pi, assessor)], form[sub_field(pi, assessor)]
            cells.append((assessor, maximum, subs, bool(maximum.data is not None or maximum.errors or subs.data)))
        open_ = any((subs.data or "").strip() or subs.errors for _, _, subs, _ in cells)
        rows.append((profile, cells, open_))
    return rows


def _by_group(units):
    sections = []
    for unit in units:
        if not sections or sections[-1][0] != unit.group:
            sections.append((unit.group, []))
        sections[-1][1].append(unit)
    return sections


# --- the year's administration -----------------------------------------------------------------------------

def _save_rates(year, units, rates, form):
    """Set each changed rate through the service; every refusal is shown on its field."""
    ok = True
    for unit in units:
        field, note = form[f"rate_{unit.id}"], form[f"note_{unit.id}"].data or None
        row = rates.get(unit.id)
        if not field.data or (row is not None and field.data == fmt(row.rate) and note == row.note):
            continue
        try:
            services.set_policy_rate(current_user, year, unit, field.data, note)
        except ServiceError as error:
            field.errors = list(field.errors) + [f"{unit.short_name}：{error.message}"]
            ok = False
    return ok


def _year_admin_action(year, forms, rate_units, rates):
    """Run the action of the submitted form; True when it was saved (then the view commits)."""
    rates_form, first_form, fail_form, remove_form = forms
    if rates_form.submit.data:
        return rates_form.validate_on_submit() and _save_rates(year, rate_units, rates, rates_form), rates_form
    if first_form.submit.data:
        if not first_form.validate_on_submit():
            return False, first_form
        services.set_province_first(current_user, year, first_form.province_first.data,
                                    (first_form.note.data or "").strip() or None)
        return True, first_form
    if fail_form.submit.data:
        if not fail_form.validate_on_submit():
            return False, fail_form
        services.record_fail_decision(current_user, year, db.session.get(Unit, fail_form.unit_id.data),
                                      fail_form.reason.data, fail_form.decided_on.data)
        return True, fail_form
    if remove_form.submit.data:
        if not remove_form.validate_on_submit():
            return False, remove_form
        row = db.session.get(FailDecision, remove_form.decision_value() or 0)
        if row is None or row.year != year:
            abort(404)
        services.delete_fail_decision(current_user, row, remove_form.reason.data)
        return True, remove_form
    return False, None


@bp.route("/<int:year>/admin", methods=["GET", "POST"])
@require("admin")
def year_admin(year):
    """The year's inputs besides scores: policy fulfilment rates, the province-first flag, 不合格 decisions."""
    year = _year(year)
    rate_units, city_units = queries.units(RATE_GROUPS), queries.units(CITY_GROUPS)
    rates = queries.policy_rates(year)
    setting = db.session.get(YearSetting, year)
    forms = (policy_rates_form(rate_units, rates),
             ProvinceFirstForm(prefix="first", data={"province_first": bool(setting and setting.province_first),
                                                     "note": setting.note if setting else ""}),
             FailDecisionForm(prefix="fail", units=city_units, data={"decided_on": today()}),
             RemoveFailDecisionForm(prefix="remove"))
    errors = []
    if request.method == "POST":
        try:
            saved, form = _year_admin_action(year, forms, rate_units, rates)
        except ServiceError as error:
            saved, form = False, None
            errors = [error.message]
        if saved:
            db.session.commit()
            flash("已保存。", "success")
            return redirect(url_for(".year_admin", year=year))
        db.session.rollback()
        if form is not None:
            errors += [e for field_errors in form.errors.values() for e in field_errors]
        errors = errors or ["没有识别到要保存的内容，请使用页面上的按钮提交。"]
    decisions = queries.fail_decisions(year)
    rules_ = services.load_year_rules(year).rules
    return render_template(
        "scoring/year_admin.html", year=year, forms=forms, rate_units=rate_units, rates=rates, setting=setting,
        decisions=decisions, errors=errors, line=fmt(rules_.policy_rate_line), deduction=fmt(rules_.policy_deduction),
        threshold=fmt(rules_.fail_threshold), rules_url=link("scoring.rules", year=year),
        result_url=link("scoring.year", year=year)), 400 if errors else 200
