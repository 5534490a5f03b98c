"""Pages that gather several domains: each role's home page, and a plan's page (its targets, lead units and tasks
with their lights). They sit above the domain packages, which never import them."""

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.core.clock import today
from app.core.permissions import require
from app.home import queries as home_queries
from app.home.panels import register_unit_panels
from app.org import queries
from app.tasks.models import Light
from app.tasks.queries import light_window, plan_tasks

bp = Blueprint("home", __name__)
# The unit page (org.unit) shows the unit's tasks, meetings and figures through org's extension point: org may not
# import those packages, the home may.
bp.record_once(lambda state: register_unit_panels(state.app))


@bp.route("/")
@require("signed_in")
def index():
    """Each role's first question: see app.home.queries."""
    on = today()
    kind = home_queries.home_kind(current_user, on)
    context = {"on": on, "kind": kind, "lights": home_queries.LIGHTS, "Light": Light}
    if kind == "vice_mayor":
        context["vm"] = home_queries.vice_mayor_home(current_user.person_id, on)
    elif kind in ("city", "observer"):
        context["city"] = home_queries.city_home(on)
    elif kind == "office":
        context["queue"] = home_queries.office_queue(on)
    elif current_user.unit_id:
        context["todo"] = home_queries.staff_home(current_user, on)
    return render_template("home/index.html", **context)


@bp.route("/org/plans/<code>")
@require("signed_in")
def plan(code):
    plan = queries.plan_by_code(code)
    if plan is None:
        abort(404)
    on = today()
    window = light_window(on)
    counts, tasks = plan_tasks(plan.id, window)
    return render_template("home/plan.html", plan=plan, window=window, light_counts=counts, tasks=tasks)
