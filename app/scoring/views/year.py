"""Scoring page of the year's administration: the inputs besides scores (policy fulfilment rates, the
province-first flag, 不合格 decisions)."""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from app.core.actions import perform
from app.core.clock import today
from app.core.errors import ServiceError
from app.core.permissions import require
from app.extensions import db
from app.org.models import Unit, UnitGroup
from app.scoring import queries
from app.scoring.engine import decimal_text as fmt
from app.scoring.forms.year import FailDecisionForm, ProvinceFirstForm, RemoveFailDecisionForm, policy_rates_form
from app.scoring.models import FailDecision, YearSetting
from app.scoring.views import bp, link, year_or_404
from app.scoring.year_inputs import delete_fail_decision, record_fail_decision, set_policy_rate, set_province_first
from app.scoring.year_rules import load_year_rules

RATE_GROUPS = (UnitGroup.county, UnitGroup.park1, UnitGroup.park2)
CITY_GROUPS = (UnitGroup.promotion, UnitGroup.support)


def _save_rates(year, units, rates, form):
    """Set each changed rate through the service. Every refusal is shown on its field, and then all of them are
    refused together (a ServiceError: the view keeps none of the rates)."""
    refused = False
    for unit in units:
        field, note = form[f"rate_{unit.id}"], form[f"note_{unit.id}"].data or None
        row = rates.get(unit.id)
        if not field.data or (row is not None and field.data == fmt(row.rate) and note == row.note):
            continue
        try:  # not refused at the first: each refused rate is named on its own field
            set_policy_rate(current_user, year, unit, field.data, note)
        except ServiceError as error:
            field.errors = list(field.errors) + [f"{unit.short_name}：{error.message}"]
            refused = True
    if refused:
        raise ServiceError("政策兑现率未保存，请按各单位的提示修改。")


def _save(year, form, forms, rate_units, rates):
    """The action of the submitted (and valid) form."""
    rates_form, first_form, fail_form, _remove_form = forms
    if form is rates_form:
        _save_rates(year, rate_units, rates, form)
    elif form is first_form:
        set_province_first(current_user, year, form.province_first.data, (form.note.data or "").strip() or None)
    elif form is fail_form:
        record_fail_decision(current_user, year, db.session.get(Unit, form.unit_id.data), form.reason.data,
                             form.decided_on.data)
    else:
        row = db.session.get(FailDecision, form.decision_value() or 0)
        if row is None or row.year != year:
            abort(404)
        delete_fail_decision(current_user, row, form.reason.data)


@bp.route("/<int:year>/admin", methods=["GET", "POST"])
@require("admin")
def year_admin(year):
    """The year's inputs besides scores: policy fulfilment rates, the province-first flag, 不合格 decisions."""
    year = year_or_404(year)
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
        form = next((f for f in forms if f.submit.data), None)  # the form whose button was pressed

        def refused(error):
            if not form.errors:  # refused rates are on their fields already
                errors.append(error.message)

        if form is not None and form.validate_on_submit() and perform(
                lambda: _save(year, form, forms, rate_units, rates), "已保存。", on_refusal=refused):
            return redirect(url_for(".year_admin", year=year))
        if form is not None:
            errors += [e for field_errors in form.errors.values() for e in field_errors]
        errors = errors or ["没有识别到要保存的内容，请使用页面上的按钮提交。"]
    decisions = queries.fail_decisions(year)
    rules_ = load_year_rules(year).rules
    return render_template(
        "scoring/year_admin.html", year=year, forms=forms, rate_units=rate_units, rates=rates, setting=setting,
        decisions=decisions, errors=errors, frozen=bool(setting and setting.annual_finalized_at),
        line=fmt(rules_.policy_rate_line), deduction=fmt(rules_.policy_deduction),
        threshold=fmt(rules_.fail_threshold), rules_url=link("scoring.rules", year=year),
        result_url=link("scoring.year", year=year)), 400 if errors else 200
