"""The scoring blueprint. Its pages live in two modules that register on `bp`:
`views_entry` (rules, entry grids, Excel upload, rates and decisions) and `views_results` (quarter and
annual results, a unit's page, explanations, exports)."""

from flask import Blueprint

bp = Blueprint("scoring", __name__, url_prefix="/scoring")

from app.scoring import views_entry, views_results  # noqa: E402, F401  (register the routes)
