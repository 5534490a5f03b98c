"""The ledger blueprint (/ledger); its routes live in `enterprises`, `projects`, `chains`, `indicators`,
`reporting` and `cockpit`."""

from flask import Blueprint

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

from app.ledger.views import (  # noqa: E402, F401  (registers the routes)
    chains,
    cockpit,
    enterprises,
    importing,
    indicators,
    links,
    projects,
    reporting,
)
