"""Ledger pages: the 12 chains (list, the chain's page for its 链长) and the office's edit of a chain's tier."""

from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from app.core.actions import perform
from app.core.clock import today
from app.core.permissions import require
from app.extensions import db
from app.ledger import chains as service
from app.ledger import links
from app.ledger.forms.chains import ChainReportForm, ChainTierForm
from app.ledger.permissions import can_report_chain, visible_unit_ids
from app.ledger.views import bp
from app.org.models import Chain
from app.tasks.queries import light_window


@bp.route("/chains")
@require("signed_in")
def chains():
    on = today()
    return render_template("ledger/chains.html", rows=service.chain_rows(on), on=on)


def _report_form(chain, on, formdata=None):
    periods = [(key, service.half_year_label(key)) for key in service.report_periods(on)]
    if formdata is None:
        return ChainReportForm(periods=periods, formdata=None, data={"period_key": periods[0][0]})
    return ChainReportForm(periods=periods)


@bp.route("/chains/<int:chain_id>")
@require("signed_in")
def chain(chain_id):
    return _render_chain(chain_id)


def _render_chain(chain_id, report_form=None, status=200):
    on = today()
    page = service.chain_page(chain_id, on, visible_unit_ids(current_user))
    if page is None:
        abort(404)
    # the links part restricts both lists to what the signed-in user may read (tasks, records)
    tasks = links.tagged_tasks(chain_id=chain_id, today=on)
    decisions = links.tagged_decisions(chain_id=chain_id)
    window = getattr(tasks, "window", None) or light_window(on)
    if report_form is None and can_report_chain(current_user, page.chain):
        report_form = _report_form(page.chain, on)
    return render_template("ledger/chain.html", page=page, chain=page.chain, on=on, window=window, tasks=tasks,
                           decisions=decisions, reports=service.chain_reports(chain_id),
                           report_form=report_form, half_year_label=service.half_year_label), status


@bp.route("/chains/<int:chain_id>/report", methods=["POST"])
@require("signed_in")
def write_chain_report(chain_id):
    chain = db.get_or_404(Chain, chain_id)
    if not can_report_chain(current_user, chain):
        abort(403)
    on = today()
    form = _report_form(chain, on, formdata=True)
    if form.validate_on_submit() and perform(lambda: service.write_chain_report(
            current_user, chain, form.period_key.data, form.text.data, on), "本链述职已保存。", form=form):
        return redirect(url_for("ledger.chain", chain_id=chain.id, _anchor="reports"))
    return _render_chain(chain.id, report_form=form, status=400)


@bp.route("/chains/<int:chain_id>/tier", methods=["GET", "POST"])
@require("admin")
def edit_chain_tier(chain_id):
    chain = db.get_or_404(Chain, chain_id)
    form = ChainTierForm(obj=chain)
    if form.validate_on_submit() and perform(lambda: service.set_chain_tier(current_user, chain, form.tier.data),
                                             "目标规模已保存。", form=form):
        return redirect(url_for("ledger.chain", chain_id=chain.id))
    return render_template("ledger/chain_tier.html", form=form, chain=chain), 400 if form.errors else 200
