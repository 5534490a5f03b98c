"""Pages of the cadence: rules, expected meetings, the compliance view, the month calendar and iCal feeds."""

from app.meetings.views import bp  # noqa: F401
