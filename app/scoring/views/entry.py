"""Scoring pages for assessors: the index (each year's rules version and quarters, with the user's own progress),
the entry grid of a quarter and its Excel download and upload."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.core.actions import perform
from app.core.clock import today
from app.core.permissions import allowed, require
from app.core.text import download_name
from app.scoring import engine, queries
from app.scoring.criteria_queries import ASSESSOR_ORDER
from app.scoring.engine import decimal_text as fmt
from app.scoring.entries import cells_for_enterer, enter_scores, entered_by_quarter
from app.scoring.entry_excel import (
    EntryImportError,
    entry_grid,
    grid_filename,
    grid_workbook,
    parse_entry_workbook,
)
from app.scoring.forms.entry import NOTE_PREFIX, SCORE_PREFIX, EntryGridForm, EntryUploadForm, entry_items
from app.scoring.pages import STATUS_LABELS
from app.scoring.quarters import quarter_state
from app.scoring.ratings import is_rated, is_rater
from app.scoring.views import XLSX, bp, link, period_or_404
from app.scoring.year_rules import assessed_units, load_year_rules


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

def _criteria_assessors(year_rules):
    """The components whose published 考评细则 the user's unit scores on the indicator grid (as the assessor or as
    the co-assessor of some indicator; the office administrators for the office): read from the year's rules, in
    which a published 细则 is the component's sub-items."""
    governed = [str(c.assessor) for p in year_rules.rules.profiles.values() for c in p.components if c.sub_items]
    unit_id = current_user.unit_id
    mine = {a for a, uid in year_rules.assessor_units.items() if unit_id is not None and uid == unit_id}
    mine |= {key.partition(".")[0] for key, uid in year_rules.sub_item_assessors.items()
             if unit_id is not None and uid == unit_id}
    if current_user.is_admin:
        mine.add("office")
    return [a for a in ASSESSOR_ORDER if a in mine and a in governed]


def _ratings_links(year, quarter, unit):
    """服务质量评价 (附件2 三(二)1): counties and parks rate, the 市直 units read their own, the office reads all."""
    links = []
    if unit is not None and is_rater(unit):
        links.append(("服务评价", url_for("scoring.ratings", year=year, quarter=quarter)))
    if unit is not None and is_rated(unit):
        links.append(("本单位服务评价", url_for("scoring.ratings_mine", year=year, quarter=quarter)))
    summary = link("scoring.ratings_summary", year=year, quarter=quarter)
    if summary and current_user.reads_all:
        links.append(("服务评价汇总", summary))
    return links


def _year_overview(year, on, states):
    """What the index shows for a year: its rules version and, per quarter, status, links and own progress."""
    year_rules = load_year_rules(year)
    own_cells = set()
    if allowed(current_user, "unit_member"):
        own_cells = {(u.id, a, s) for u, a, s, _ in
                     cells_for_enterer(year_rules, current_user.unit_id, assessed_units())}
    entered = entered_by_quarter(year, own_cells)
    criteria_assessors = _criteria_assessors(year_rules)
    unit = current_user.unit
    assessed = unit is not None and unit.group is not None and unit.id in year_rules.unit_profiles
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
            "criteria_links": [(f"{engine.assessor_label(a)}指标打分",
                                url_for("scoring.criteria_grid", year=year, quarter=q, assessor=a))
                               for a in criteria_assessors] if start <= on else [],
            "indicators_url": url_for("scoring.unit_indicators_page", unit_id=unit.id, year=year, quarter=q)
            if assessed and start <= on and year_rules.saved else None,
            "ratings_links": _ratings_links(year, q, unit) if start <= on else [],
        })
    return {
        "year": year, "version": year_rules.version, "quarters": quarters, "cells": len(own_cells),
        "rules_url": link("scoring.rules", year=year), "admin_url": link("scoring.year_admin", year=year),
        "criteria_url": link("scoring.criteria_year", year=year),
        # 六(二): an assessor's staff read the tasks of the units they assess (not asked on every page: the menu
        # shows 事项总览 to the readers of the city only)
        "assessed_tasks_url": url_for("tasks.overview")
        if not current_user.reads_all and allowed(current_user, "read_tasks") else None,
        "targets_url": link("scoring.my_targets", year=year),
        "sheets_url": link("scoring.result_sheets", year=year),
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
    state = quarter_state(year, quarter)
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
    year, quarter = period_or_404(year, quarter)
    year_rules = load_year_rules(year)
    enterer, read_only = _enterer(year_rules, allow_other=request.method == "GET")
    form = EntryGridForm()
    errors = []
    if form.validate_on_submit():
        items, errors = entry_items(request.form)
        if not errors and perform(lambda: enter_scores(current_user, year, quarter, items),
                                  lambda changed: f"已保存 {changed} 项得分。" if changed else "得分没有变化。",
                                  on_refusal=lambda error: errors.extend(_messages(error))):
            return redirect(url_for(".entry", year=year, quarter=quarter))
    return _render_entry(year, quarter, year_rules, enterer, read_only, errors=errors,
                         submitted=request.form if request.method == "POST" else None)


@bp.route("/<int:year>/q<int:quarter>/entry.xlsx")
@require("unit_member")
def entry_excel(year, quarter):
    """The same grid as an Excel file, to fill in and upload."""
    year, quarter = period_or_404(year, quarter)
    year_rules = load_year_rules(year)
    enterer, _ = _enterer(year_rules, allow_other=True)
    grid = entry_grid(year_rules, year, quarter, enterer)
    if not grid.typed_cells:
        flash(f"{enterer.name}在{year}年第{quarter}季度没有需要在录入表中填写的得分"
              f"{'（按考评细则计分的指标请在考评细则评分页面确认）' if grid.cells else ''}。", "info")
        return redirect(url_for(".entry", year=year, quarter=quarter))
    return send_file(io.BytesIO(grid_workbook(grid)), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(grid_filename(grid), fallback="考评得分录入表.xlsx"))


@bp.route("/<int:year>/q<int:quarter>/entry/upload", methods=["POST"])
@require("unit_member")
def entry_upload(year, quarter):
    """A filled Excel grid: every row is checked, and nothing is saved unless all of them pass."""
    year, quarter = period_or_404(year, quarter)
    year_rules = load_year_rules(year)
    form = EntryUploadForm()
    errors = []
    if form.validate_on_submit():
        def upload():
            items = parse_entry_workbook(form.file.data.read(), year, quarter, current_user.unit)
            return enter_scores(current_user, year, quarter, items)

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
