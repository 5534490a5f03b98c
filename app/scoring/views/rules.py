"""Scoring pages of the year's rules: the rules as they stand with their versions, starting a year, editing."""

from flask import redirect, render_template, url_for
from flask_login import current_user

from app.core.actions import perform
from app.core.permissions import allowed, require
from app.scoring import engine, queries
from app.scoring.engine import decimal_text as fmt
from app.scoring.forms.rules import (
    award_field,
    grade_field,
    max_field,
    rules_form,
    sub_field,
    unit_field,
    weight_field,
)
from app.scoring.views import bp, year_or_404
from app.scoring.year_rules import (
    TASK_ITEM,
    assessed_units,
    current_version,
    ensure_year_rules,
    load_year_rules,
    previous_version,
    save_rules,
    validate_rule_data,
)


def _short_labels():
    """Column headings for the component table: 工信局 … 千百十办 (the full names are too wide)."""
    return {a: "千百十办" if a is engine.Assessor.office else a.label.removeprefix("市") for a in engine.Assessor}


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
    year = year_or_404(year)
    year_rules = load_year_rules(year)
    units = assessed_units()
    names = {u.id: u for u in queries.units()}
    versions = queries.rule_versions(year)
    source = None
    if not versions:
        previous = previous_version(year)
        source = (f"沿用 {previous.year} 年度第 {previous.version} 版" if previous
                  else "《考核评价办法》附件2的默认规则")
    return render_template(
        "scoring/rules.html", year=year, yr=year_rules, r=year_rules.rules, rows=_profile_rows(year_rules, units),
        assessors=list(engine.Assessor), groups=list(engine.Group), grades=list(engine.Grade),
        priorities=list(engine.Priority), names=names, versions=versions, source=source, fmt=fmt,
        short=_short_labels(),
        unassigned=[u for u in units if u.id not in year_rules.unit_profiles],
        can_edit=allowed(current_user, "admin"), task_item=TASK_ITEM)


@bp.route("/<int:year>/rules/start", methods=["POST"])
@require("admin")
def start_rules(year):
    """Start a year: copy the previous year's rules (or the annex-2 defaults) as its version 1."""
    year = year_or_404(year)
    existed = current_version(year) is not None
    perform(lambda: ensure_year_rules(current_user, year),
            lambda version: f"{year} 年度考评规则已存在（第 {version.version} 版）。" if existed
            else f"已建立 {year} 年度考评规则（第 1 版，{version.note}）。")
    return redirect(url_for(".rules", year=year))


@bp.route("/<int:year>/rules/edit", methods=["GET", "POST"])
@require("admin")
def edit_rules(year):
    """Edit the year's rules; saving writes a new version, refused (nothing written) unless it adds up."""
    year = year_or_404(year)
    year_rules = load_year_rules(year)
    units = assessed_units()
    form = rules_form(year_rules, units, queries.units())
    errors = []
    if form.validate_on_submit():
        data = form.rule_data(year_rules.to_data())
        errors = validate_rule_data(data, units)
        if not errors and perform(lambda: save_rules(current_user, year, data, form.note.data.strip()),
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
                           short=_short_labels(), task_item=TASK_ITEM), status


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
