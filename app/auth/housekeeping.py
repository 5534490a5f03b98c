"""Housekeeping of sign-in records: ended sessions and old sign-in attempts are deleted after a retention period.

Every sign-in adds a session row and an attempt row; without this they pile up for ever. What is kept: every
session still valid or ended within AUTH_RECORDS_KEEP_DAYS (default 90), and every attempt of that period (the
throttling reads one day, the office's failures page the recent ones). Account changes (locks lifted, sessions ended
by an administrator, password resets) are in the audit log, which this job never touches. The scheduler runs it
(registered by the app factory); it takes an injected `now` like every job.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.auth.models import SignInAttempt, UserSession
from app.extensions import db


def purge_sign_in_records(now):
    """Delete sessions that ended (signed out, or past their deadline) and attempts made before the retention
    period; return the counts ({"sessions": n, "attempts": n}). Flushes; the job runner commits."""
    before = now - timedelta(days=int(current_app.config.get("AUTH_RECORDS_KEEP_DAYS", 90)))
    sessions = db.session.execute(
        sa.delete(UserSession).where(sa.or_(UserSession.expires_at < before, UserSession.revoked_at < before))
        .execution_options(synchronize_session=False)).rowcount
    attempts = db.session.execute(
        sa.delete(SignInAttempt).where(SignInAttempt.at < before).execution_options(synchronize_session=False)
    ).rowcount
    return {"sessions": sessions, "attempts": attempts}
