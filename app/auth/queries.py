"""Reads of the auth package: a user's open sessions and tokens, newest first."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.auth.models import ApiToken, UserSession


def active_sessions(user, now):
    """The user's sessions that would still be accepted now (the same rule as services.session_is_valid)."""
    idle_since = now - timedelta(hours=current_app.config["SESSION_IDLE_HOURS"])
    return (sa.select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None), UserSession.expires_at > now,
                   sa.or_(UserSession.is_remembered, UserSession.last_seen_at >= idle_since))
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()))


def tokens_of(user):
    return sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(),
                                                                           ApiToken.id.desc())
