"""The role-specific home page."""

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from app.core.clock import today
from app.core.permissions import require
from app.extensions import db
from app.org import queries
from app.org.models import Unit, UnitGroup

bp = Blueprint("core", __name__)


@bp.route("/")
@require("signed_in")
def home():
    on = today()
    context = {"on": on}
    if current_user.unit_id:
        context["unit_plans"] = queries.plans_led_by(current_user.unit_id)
        context["unit_leader"] = queries.leader_of_unit(current_user.unit_id, on)
    if current_user.person_id:
        context["portfolio"] = queries.portfolio_units(current_user.person_id, on)
    counts = dict(db.session.execute(sa.select(Unit.group, sa.func.count()).where(Unit.group.isnot(None))
                                     .group_by(Unit.group)).all())
    context["group_counts"] = [(g, counts.get(g, 0)) for g in UnitGroup]
    context["members"] = queries.leadership(on)
    return render_template("core/home.html", **context)
