"""Ledger pages: reporting (being built; see issue #14)."""

from app.ledger.views import bp  # noqa: F401
