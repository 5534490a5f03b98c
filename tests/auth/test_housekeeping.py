"""Sessions and sign-in attempts do not pile up for ever: the scheduler's housekeeping job deletes those that ended or
happened more than AUTH_RECORDS_KEEP_DAYS (90) ago, and keeps everything younger (the office's failures page and the
throttling read the recent ones)."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.auth.housekeeping import purge_sign_in_records
from app.auth.models import SignInAttempt, UserSession
from app.core.jobs import registered_jobs
from app.extensions import db
from tests.factories import account

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)


def _session(user, label, created, expires, revoked=None):
    row = UserSession(user=user, token_hash=f"{label:0<64}"[:64], created_at=created, last_seen_at=created,
                      expires_at=expires, revoked_at=revoked, revoked_reason="退出登录" if revoked else None)
    db.session.add(row)
    return row


def test_the_job_deletes_sessions_and_attempts_older_than_the_retention_and_keeps_the_rest(app):
    user = account("gxj")
    old = NOW - timedelta(days=91)
    recent = NOW - timedelta(days=89)
    gone = [
        _session(user, "a", old - timedelta(hours=12), old),  # expired 91 days ago, never signed out
        _session(user, "b", old - timedelta(hours=2), old + timedelta(hours=10), revoked=old),  # signed out 91 days ago
    ]
    kept = [
        _session(user, "c", recent - timedelta(hours=12), recent),  # expired 89 days ago
        _session(user, "d", NOW - timedelta(hours=1), NOW + timedelta(hours=11)),  # live
        _session(user, "e", old, NOW + timedelta(days=5), revoked=recent),  # remembered, ended 89 days ago
    ]
    db.session.add_all([SignInAttempt(username="gxj", address="192.0.2.1", at=old, succeeded=False),
                        SignInAttempt(username="gxj", address="192.0.2.1", at=recent, succeeded=False),
                        SignInAttempt(username="gxj", address="192.0.2.1", at=NOW, succeeded=True)])
    db.session.flush()
    kept_ids = {row.id for row in kept}
    gone_ids = {row.id for row in gone}

    result = purge_sign_in_records(NOW)

    assert result == {"sessions": 2, "attempts": 1}
    remaining = set(db.session.scalars(sa.select(UserSession.id).where(UserSession.id.in_(kept_ids | gone_ids))))
    assert remaining == kept_ids
    assert sorted(db.session.scalars(sa.select(SignInAttempt.at).where(SignInAttempt.address == "192.0.2.1"))) == \
        [recent, NOW]


def test_the_retention_is_a_setting(app):
    user = account("gxj")
    _session(user, "f", NOW - timedelta(days=12), NOW - timedelta(days=11))
    app.config["AUTH_RECORDS_KEEP_DAYS"] = 10
    try:
        assert purge_sign_in_records(NOW)["sessions"] >= 1
    finally:
        app.config["AUTH_RECORDS_KEEP_DAYS"] = 90


def test_the_scheduler_runs_the_housekeeping_job(app):
    assert "auth.housekeeping" in [job.name for job in registered_jobs(app)]
