"""Pages of the records: one per meeting type, sign-off and amendment, printable minutes and Excel."""

from app.meetings.views import bp  # noqa: F401
