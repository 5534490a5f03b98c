"""The scoring blueprint. Its pages live in two modules that register on `bp`: `entry` (the index, rules,
entry grids, Excel upload, rates and decisions) and `results` (quarter and annual results, a unit's page,
explanations, exports)."""

from flask import Blueprint

bp = Blueprint("scoring", __name__, url_prefix="/scoring")

from app.scoring.views import entry, results  # noqa: E402, F401  (register the routes)
