"""The approval chain of results: the office's 考评意见 of a quarter and of the year, the leadership group's 审定 (date,
文号), the annual results frozen and reopened with a reason, result sheets of the units reported to a superior
department or parent company."""

from app.scoring.views import bp  # noqa: F401
