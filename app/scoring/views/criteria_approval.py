"""考评细则 approval chain: submit, the office's review (return with comments or accept), the leadership group's 审定
(date, 文号), publication, revision; an assessed unit's own targets."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.core.actions import perform
from app.core.clock import today
from app.core.forms import form_error_text
from app.core.permissions import require
from app.extensions import db
from app.org.models import Unit
from app.scoring import criteria_approval as chain
from app.scoring import engine
from app.scoring.criteria_queries import ASSESSOR_ORDER, current_book
from app.scoring.forms.criteria_approval import ACTION_FORMS
from app.scoring.views import bp, link, year_or_404
from app.scoring.year_rules import load_year_rules


def _book_or_404(year, assessor):
    year = year_or_404(year)
    if assessor not in ASSESSOR_ORDER:
        abort(404)
    book = current_book(year, assessor, lock=True)
    if book is None:
        abort(404)
    return book


def _act(name, year, assessor, action, success, drafting=False):
    """Load the newest version, check the object rule, validate the action's form, run the service, go back to
    the book page (the refusal or the success flashed)."""
    book = _book_or_404(year, assessor)
    if drafting:
        year_rules = load_year_rules(book.year)
        if not chain.may_draft(current_user, year_rules, assessor):
            abort(403 if chain.reads_every_unit(current_user, year_rules) else 404)
    form = ACTION_FORMS[name][0](prefix=name)
    if not form.validate_on_submit():
        flash(form_error_text(form, "提交的内容有误，请刷新页面后重试。"), "danger")
    elif form.version_value() is not None and form.version_value() != book.version:
        flash(f"细则已有第{book.version}版（{book.status.label}），您看到的不是最新版本，请刷新页面后重试。", "danger")
    else:
        perform(lambda: action(book, form), success)
    return redirect(request.script_root + chain.book_path(book.year, book.assessor))


@bp.route("/<int:year>/criteria/<assessor>/submit", methods=["POST"])
@require("unit_member")
def criteria_submit(year, assessor):
    return _act("submit", year, assessor, lambda book, form: chain.submit_book(current_user, book),
                "考评细则已报千百十办审核。", drafting=True)


@bp.route("/<int:year>/criteria/<assessor>/return", methods=["POST"])
@require("admin")
def criteria_return(year, assessor):
    return _act("return", year, assessor, lambda book, form: chain.return_book(current_user, book, form.comment.data),
                "考评细则已退回考评单位修改。")


@bp.route("/<int:year>/criteria/<assessor>/accept", methods=["POST"])
@require("admin")
def criteria_accept(year, assessor):
    return _act("accept", year, assessor, lambda book, form: chain.accept_book(current_user, book, form.comment.data),
                "考评细则已审核通过，待领导小组审定。")


@bp.route("/<int:year>/criteria/<assessor>/approve", methods=["POST"])
@require("admin")
def criteria_approve(year, assessor):
    return _act("approve", year, assessor, lambda book, form: chain.approve_book(
        current_user, book, form.approved_on.data, form.doc_number.data), "领导小组审定已记录。")


@bp.route("/<int:year>/criteria/<assessor>/publish", methods=["POST"])
@require("admin")
def criteria_publish(year, assessor):
    return _act("publish", year, assessor, lambda book, form: chain.publish_book(current_user, book),
                lambda book: f"{chain.book_label(book)}已发布，已纳入考评规则并通知各被考评单位。")


@bp.route("/<int:year>/criteria/<assessor>/revise", methods=["POST"])
@require("unit_member")
def criteria_revise(year, assessor):
    return _act("revise", year, assessor, lambda book, form: chain.revise_book(current_user, book, form.reason.data),
                lambda draft: f"已建立第{draft.version}版修订稿；新版本发布前，现行细则继续有效。", drafting=True)


# --- a unit's targets -----------------------------------------------------------------------------------------

def _targets_page(year, unit, year_rules):
    page = chain.unit_targets(year, unit, year_rules)
    readers = chain.reads_every_unit(current_user, year_rules)
    on = today()
    indicator_links = [(q, url_for("scoring.unit_indicators_page", unit_id=unit.id, year=year, quarter=q))
                       for q in (1, 2, 3, 4) if engine.quarter_dates(year, q)[0] <= on]
    return render_template("scoring/targets.html", page=page, year=year, indicator_links=indicator_links,
                           book_path=(lambda a: request.script_root + chain.book_path(year, a)) if readers else None,
                           others_url=link("scoring.my_targets", year=year, all=1) if readers else None,
                           results_url=link("scoring.unit", unit_id=unit.id, year=year))


@bp.route("/<int:year>/my-targets")
@require("signed_in")
def my_targets(year):
    """The user's unit's targets; for a user without an assessed unit who reads every unit, the list of units."""
    year = year_or_404(year)
    year_rules = load_year_rules(year)
    unit = db.session.get(Unit, current_user.unit_id) if current_user.unit_id else None
    if unit is not None and unit.id in year_rules.unit_profiles and not request.args.get("all"):
        return _targets_page(year, unit, year_rules)
    readers = chain.reads_every_unit(current_user, year_rules)
    return render_template("scoring/targets_units.html", year=year, own=unit,
                           units=chain.units_to_read(year_rules) if readers else [],
                           own_assessed=unit is not None and unit.id in year_rules.unit_profiles)


@bp.route("/<int:year>/units/<int:unit_id>/targets")
@require("signed_in")
def unit_targets(year, unit_id):
    year = year_or_404(year)
    year_rules = load_year_rules(year)
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.id not in year_rules.unit_profiles or \
            not chain.may_read_targets(current_user, year_rules, unit):
        abort(404)  # the same answer as "no such unit": ids cannot be probed
    return _targets_page(year, unit, year_rules)
