"""Pages of the organisation: units, plans, leadership, and their administration."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from app.core.actions import perform
from app.core.clock import today
from app.core.forms import ConfirmForm, form_error_text
from app.core.permissions import require
from app.extensions import db
from app.org import queries, services
from app.org.forms import (
    ChainLeaderForm,
    EndForm,
    MembershipForm,
    PersonForm,
    PortfolioForm,
    PositionForm,
    UnitForm,
)
from app.org.models import Chain, GroupMembership, GroupRole, Person, PortfolioItem, Position, Unit
from app.org.panels import unit_panels

bp = Blueprint("org", __name__, url_prefix="/org")


def _active_units():
    return db.session.scalars(sa.select(Unit).where(Unit.is_active).order_by(Unit.sort_order)).all()


@bp.route("/units")
@require("signed_in")
def units():
    groups, others = queries.units_by_group()
    return render_template("org/units.html", groups=groups, others=others)


@bp.route("/units/<int:unit_id>")
@require("signed_in")
def unit(unit_id):
    unit = db.get_or_404(Unit, unit_id)
    on = today()
    staff = unit.accounts if current_user.is_admin or current_user.unit_id == unit.id else []
    return render_template("org/unit.html", unit=unit, plans=queries.plans_led_by(unit.id),
                           leader=queries.leader_of_unit(unit.id, on), staff=staff,
                           panels=[Markup(render_template(panel.template, unit=unit, **panel.context))
                                   for panel in unit_panels(unit, on, current_user)])


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@require("admin")
def edit_unit(unit_id):
    unit = db.get_or_404(Unit, unit_id)
    form = UnitForm(obj=unit)
    if form.validate_on_submit() and perform(lambda: services.update_unit(
            current_user, unit, form.name.data, form.short_name.data, form.contact.data, form.is_active.data,
            form.sort_order.data), "单位信息已保存。", form=form):
        return redirect(url_for("org.unit", unit_id=unit.id))
    return render_template("org/unit_form.html", form=form, unit=unit), 400 if form.errors else 200


@bp.route("/plans")
@require("signed_in")
def plans():
    return render_template("org/plans.html", plans=queries.plans_with_leads(), goals=queries.city_goals())


@bp.route("/leadership")
@require("signed_in")
def leadership():
    on = today()
    members = queries.leadership(on)
    by_role = {role: [m for m in members if m.role is role] for role in GroupRole}
    return render_template("org/leadership.html", by_role=by_role, portfolios=queries.portfolios(on),
                           chains=queries.chains(), on=on)


# --- administration of people, positions, leadership roles and portfolios -------------------------------

@bp.route("/people")
@require("admin")
def people():
    return render_template("org/people.html", people=queries.people_list(), on=today())


@bp.route("/people/new", methods=["GET", "POST"])
@require("admin")
def create_person():
    form = PersonForm()
    if form.validate_on_submit():
        person = services.create_person(current_user, form.name.data, form.note.data)
        db.session.commit()
        flash(f"已添加人员“{person.name}”。", "success")
        return redirect(url_for("org.person", person_id=person.id))
    return render_template("org/person_form.html", form=form), 400 if form.errors else 200


def _person_forms(person, **given):
    units = _active_units()
    forms = {
        "person_form": PersonForm(obj=person, prefix="p"),
        "position_form": PositionForm(units=units, prefix="pos"),
        "membership_form": MembershipForm(prefix="m"),
        "portfolio_form": PortfolioForm(units=units, prefix="pf"),
        "end_form": EndForm(prefix="end"),
    }
    forms.update(given)
    return forms


def _render_person(person, status=200, **given):
    person = queries.person_detail(person.id)
    portfolio = db.session.scalars(sa.select(PortfolioItem).where(PortfolioItem.person_id == person.id)
                                   .options(selectinload(PortfolioItem.unit))
                                   .order_by(PortfolioItem.ends_on.isnot(None), PortfolioItem.starts_on)).all()
    return render_template("org/person.html", person=person, portfolio=portfolio, on=today(),
                           **_person_forms(person, **given)), status


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
@require("admin")
def person(person_id):
    person = db.get_or_404(Person, person_id)
    form = PersonForm(prefix="p")
    if request.method == "POST":
        if form.validate_on_submit():
            services.update_person(current_user, person, form.name.data, form.note.data, form.is_active.data)
            db.session.commit()
            flash("人员信息已保存。", "success")
            return redirect(url_for("org.person", person_id=person.id))
        return _render_person(person, 400, person_form=form)
    return _render_person(person)


def _add(person, form, action, success):
    if form.validate_on_submit() and perform(lambda: action(form), success, form=form):
        return redirect(url_for("org.person", person_id=person.id))
    return None


@bp.route("/people/<int:person_id>/positions", methods=["POST"])
@require("admin")
def add_position(person_id):
    person = db.get_or_404(Person, person_id)
    form = PositionForm(units=_active_units(), prefix="pos")
    done = _add(person, form, lambda f: services.add_position(
        current_user, person, db.session.get(Unit, f.unit_id.data), f.title.data, f.starts_on.data,
        f.ends_on.data, f.is_vice_mayor.data, f.is_mayor.data, f.is_secretary.data, f.is_unit_head.data),
        "已添加职务。")
    return done or _render_person(person, 400, position_form=form)


@bp.route("/people/<int:person_id>/memberships", methods=["POST"])
@require("admin")
def add_membership(person_id):
    person = db.get_or_404(Person, person_id)
    form = MembershipForm(prefix="m")
    done = _add(person, form, lambda f: services.add_membership(
        current_user, person, GroupRole(f.role.data), f.title.data, f.starts_on.data, f.ends_on.data,
        f.sort_order.data), "已添加领导小组职务。")
    return done or _render_person(person, 400, membership_form=form)


@bp.route("/people/<int:person_id>/portfolio", methods=["POST"])
@require("admin")
def add_portfolio(person_id):
    person = db.get_or_404(Person, person_id)
    form = PortfolioForm(units=_active_units(), prefix="pf")
    done = _add(person, form, lambda f: services.add_portfolio_item(
        current_user, person, db.session.get(Unit, f.unit_id.data), f.starts_on.data, f.ends_on.data),
        "已添加分管单位。")
    return done or _render_person(person, 400, portfolio_form=form)


END_KINDS = {
    "position": (Position, "position.end"),
    "membership": (GroupMembership, "membership.end"),
    "portfolio": (PortfolioItem, "portfolio.end"),
}


@bp.route("/people/<int:person_id>/<kind>/<int:record_id>/end", methods=["POST"])
@require("admin")
def end_record(person_id, kind, record_id):
    person = db.get_or_404(Person, person_id)
    if kind not in END_KINDS:
        abort(404)
    model, action = END_KINDS[kind]
    record = db.session.get(model, record_id)
    if record is None or record.person_id != person.id:
        abort(404)
    form = EndForm(prefix="end")
    if form.validate_on_submit():
        if perform(lambda: services.end_period(current_user, record, form.ends_on.data, action),
                   "已结束该记录（历史保留）。"):
            return redirect(url_for("org.person", person_id=person.id))
    else:
        flash(form_error_text(form), "danger")
    # Refused: show the person's page again with the message, as the other forms do (400, nothing written).
    return _render_person(person, 400)


@bp.route("/chains/<int:chain_id>", methods=["GET", "POST"])
@require("admin")
def edit_chain(chain_id):
    chain = db.get_or_404(Chain, chain_id)
    people = db.session.scalars(sa.select(Person).where(Person.is_active).order_by(Person.id)).all()
    form = ChainLeaderForm(obj=chain, people=people, units=_active_units())
    if form.validate_on_submit() and perform(lambda: services.set_chain_leader(
            current_user, chain, db.session.get(Person, form.leader_id.data or 0),
            db.session.get(Unit, form.leader_unit_id.data or 0)), "链长已保存。", form=form):
        return redirect(url_for("org.leadership"))
    return render_template("org/chain_form.html", form=form, chain=chain, confirm=ConfirmForm()), \
        400 if form.errors else 200
