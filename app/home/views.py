"""Pages that gather several domains: each role's home page, and a plan's page (its targets, lead units and tasks
with their lights). They sit above the domain packages, which never import them."""

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.core.clock import today
from app.core.permissions import require
from app.org import queries
from app.tasks.models import Light
from app.tasks.queries import inbox_filter, light_counts, light_window, plan_tasks, units_with_red_tasks

bp = Blueprint("home", __name__)


@bp.route("/")
@require("signed_in")
def index():
    on = today()
    context = {"on": on}
    if current_user.unit_id:
        counts = light_counts(inbox_filter(current_user.unit_id), light_window(on))
        context["inbox_counts"] = [(light, counts[light]) for light in (Light.red, Light.yellow, Light.green)]
        context["unit_plans"] = queries.plans_led_by(current_user.unit_id)
        context["unit_leader"] = queries.leader_of_unit(current_user.unit_id, on)
    if current_user.person_id:
        context["portfolio"] = queries.portfolio_units(current_user.person_id, on)
    context["group_counts"] = queries.group_sizes()
    context["members"] = queries.leadership(on)
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
    red_units = units_with_red_tasks(on, {unit_id for t in tasks for unit_id in t.unit_ids})
    return render_template("home/plan.html", plan=plan, window=window, light_counts=counts, tasks=tasks,
                           red_units=red_units)
