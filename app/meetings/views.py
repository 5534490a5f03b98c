"""The meetings blueprint; its routes live in views_cadence (rules, expected meetings, compliance, calendars) and
views_records (records of each type, sign-off, exports)."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

from app.meetings import views_analysis, views_cadence, views_records  # noqa: E402, F401  (registers the routes)
