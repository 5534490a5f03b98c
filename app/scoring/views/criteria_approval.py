"""考评细则 approval chain: submit, the office's review (return with comments or accept), the leadership group's 审定
(date, 文号), publication, revision; an assessed unit's own targets."""

from app.scoring.views import bp  # noqa: F401
