"""Service ratings of 市直 units by counties and parks (and enterprises through them), each quarter; co-assessment."""

from app.scoring.views import bp  # noqa: F401
