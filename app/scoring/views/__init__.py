"""The scoring blueprint and what its pages share (loading a year or a quarter from the URL, links the user may
follow). Its pages live in modules that register on `bp`: `entry` (the index, entry grids and their Excel
upload), `rules` (the year's rules: view, start, edit), `year` (the year's administration: policy fulfilment
rates, the province-first flag, 不合格 decisions) and `results` (quarter and annual results, a unit's page,
explanations, exports), `criteria` and `criteria_approval` (考评细则: drafting, review, 审定, publication, a unit's
targets), `criteria_entry` (the quarterly indicator grid), `ratings` (service ratings of 市直 units) and `approvals`
(考评意见, 审定 of quarters and years, the frozen annual results, result sheets)."""

from flask import Blueprint, abort, current_app, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from app.core.errors import ServiceError
from app.core.permissions import allowed
from app.scoring.quarters import check_period

bp = Blueprint("scoring", __name__, url_prefix="/scoring")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def year_or_404(year):
    if not 2000 <= year <= 2100:
        abort(404)
    return year


def period_or_404(year, quarter):
    """The quarter of the URL, checked as every quarter action checks it; a refused one is a 404 (a page that
    does not exist), not a message."""
    try:
        return check_period(year, quarter)
    except ServiceError:
        abort(404)


def link(endpoint, **values):
    """A URL to a page only if the endpoint exists and the current user may open it; else None, and the
    template shows no link."""
    view = current_app.view_functions.get(endpoint)
    if view is None or not allowed(current_user, getattr(view, "permission", "admin")):
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


# register the routes (`year` under another name: the loaders' `year` arguments would shadow it)
from app.scoring.views import approvals, criteria, criteria_approval, criteria_entry, entry, ratings, results, rules  # noqa: E402, F401  # noqa: E402, F401
from app.scoring.views import year as year_pages  # noqa: E402, F401
