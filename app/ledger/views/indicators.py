"""Ledger pages: indicators (every quantified target of the source) — the list, an indicator's page with its
yearly targets and entered values, and the office's edits (yearly targets, responsible unit, breakdown)."""

import sqlalchemy as sa
from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from app.core.actions import perform
from app.core.clock import today
from app.core.forms import ConfirmForm
from app.core.permissions import require
from app.extensions import db
from app.ledger import indicators as service
from app.ledger.forms.indicators import IndicatorForm, YearlyTargetForm
from app.ledger.views import bp
from app.org.models import Unit


def _indicator_or_404(code):
    target = service.indicator_by_code(code)
    if target is None:
        abort(404)
    return target


@bp.route("/indicators")
@require("signed_in")
def indicators():
    on = today()
    return render_template("ledger/indicators.html", rows=service.indicator_rows(on), on=on,
                           number_text=service.number_text)


def _render(target, form=None, status=200):
    on = today()
    page = service.indicator_page(target, on)
    if form is None and current_user.is_admin:
        form = YearlyTargetForm(units=page.units, formdata=None, data={"year": on.year})
    return render_template("ledger/indicator.html", page=page, target=target, on=on, form=form,
                           confirm=ConfirmForm(), number_text=service.number_text), status


@bp.route("/indicators/<code>")
@require("signed_in")
def indicator(code):
    return _render(_indicator_or_404(code))


@bp.route("/indicators/<code>/targets", methods=["POST"])
@require("admin")
def set_indicator_target(code):
    target = _indicator_or_404(code)
    form = YearlyTargetForm(units=service.local_units() if target.breaks_down else [])
    if form.validate_on_submit() and perform(lambda: service.set_yearly_target(
            current_user, target, form.year.data, form.unit_id.data, form.decimal_value()),
            "年度目标已保存。", form=form):
        return redirect(url_for("ledger.indicator", code=target.code))
    return _render(target, form, 400)


@bp.route("/indicators/<code>/targets/<int:row_id>/delete", methods=["POST"])
@require("admin")
def delete_indicator_target(code, row_id):
    target = _indicator_or_404(code)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    done = perform(lambda: service.remove_yearly_target(current_user, target, row_id), "年度目标已删除。")
    if not done and done.status == 404:
        abort(404)
    return redirect(url_for("ledger.indicator", code=target.code))


@bp.route("/indicators/<code>/edit", methods=["GET", "POST"])
@require("admin")
def edit_indicator(code):
    target = _indicator_or_404(code)
    units = db.session.scalars(sa.select(Unit).where(Unit.is_active).order_by(Unit.sort_order)).all()
    form = IndicatorForm(obj=target, units=units)
    if form.validate_on_submit() and perform(lambda: service.update_indicator(
            current_user, target, form.responsible_unit_id.data, form.breaks_down.data), "指标设置已保存。",
            form=form):
        return redirect(url_for("ledger.indicator", code=target.code))
    return render_template("ledger/indicator_form.html", form=form, target=target), 400 if form.errors else 200
