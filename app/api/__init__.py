"""The JSON API v1: bearer tokens, Chinese errors with machine codes, and its own OpenAPI document."""

from app.api import ledger, meetings, org, scoring, tasks  # noqa: F401  (registers the routes)
from app.api.base import bp

__all__ = ["bp"]
