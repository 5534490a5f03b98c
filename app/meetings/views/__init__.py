"""The meetings blueprint; its routes live in `cadence` (rules, expected meetings, compliance, calendars and
feeds), `records` (records of each type, sign-off, amendments, attachments, exports) and `analysis` (the live
month's analysis)."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

from app.meetings.views import analysis, cadence, records  # noqa: E402, F401  (registers the routes)
