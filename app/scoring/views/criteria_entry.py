"""The quarterly indicator grid of an assessor: actual, target, completion and computed points per unit and
indicator, confirmed or overridden with a reason; entered actuals."""

from app.scoring.views import bp  # noqa: F401
