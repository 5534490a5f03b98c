"""Shared fixtures: the app on the test database (SQLite by default, PostgreSQL with TEST_DATABASE_URL),
a per-test transaction rolled back afterwards, an HTTP client, sign-in helpers, a frozen clock and a
query counter.

The schema is built by running the real migrations once per session, then the organisation of the source
document and the demo accounts are loaded and committed; each test runs inside a transaction that is rolled
back, so tests see the seeded organisation and never each other's changes.
"""

import os
import tempfile
from contextlib import contextmanager
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import g, request_started
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from app.core.clock import FrozenClock
from app.extensions import db
from config import TestingConfig

_TMP = tempfile.mkdtemp(prefix="qbs-test-")


def database_url():
    """The test database; under pytest-xdist each worker gets its own PostgreSQL database (name_gw0, ...)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker and url.startswith("postgresql"):
            url = f"{url}_{worker}"
        return url
    return f"sqlite:///{_TMP}/test.sqlite3"


def _ensure_postgres_database(url):
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(parsed.database)))


def is_postgres():
    return database_url().startswith("postgresql")


def reset_database(engine):
    """Drop everything so that the migrations start from an empty database."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    else:
        path = engine.url.database
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            if path and os.path.exists(path + suffix):
                os.remove(path + suffix)


def _forget_cached_user(sender, **extra):
    g.pop("_login_user", None)


@pytest.fixture(scope="session")
def app():
    from flask_migrate import upgrade

    if is_postgres():
        _ensure_postgres_database(database_url())
    app = create_app(TestingConfig, {
        "SQLALCHEMY_DATABASE_URI": database_url(),
        "WTF_CSRF_ENABLED": False,  # tests/auth/test_security.py switches it on to test CSRF itself
        "UPLOAD_FOLDER": os.path.join(_TMP, "uploads"),
        "SERVER_NAME": None,
    })
    # Tests hold one app context across their requests; production has a fresh `g` per request, so the user
    # Flask-Login cached there must not leak from one request to the next (nor into a before_request hook).
    request_started.connect(_forget_cached_user, app, weak=False)

    with app.app_context():
        reset_database(db.engine)
        upgrade()
        from app.demo.org import seed_demo_org
        from app.org.seed import seed_organisation

        seed_organisation()
        seed_demo_org()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _db_transaction(request):
    """Every test that touches the app runs in an app context inside a transaction rolled back afterwards; a test
    marked `pure` (no app, no database) gets neither, and the app is not even built for it."""
    if "pure" in request.keywords:
        yield
        return
    app = request.getfixturevalue("app")
    if "no_db_transaction" in request.keywords:
        with app.app_context():
            yield
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=True)
        original = db.session
        db.session = scoped_session(factory, scopefunc=lambda: 0)
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            if outer.is_active:
                outer.rollback()
            connection.close()


@pytest.fixture
def session():
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def user(app):
    """Look a user up by username: user('admin')."""
    from app.auth.models import User

    def get(username):
        found = db.session.scalar(sa.select(User).where(User.username == username))
        assert found is not None, f"no user {username}"
        return found

    return get


@pytest.fixture
def login_as(client, user):
    """Sign the test client in as a demo user without going through argon2 each time (a real server session)."""
    from app.auth.services import open_session

    def sign_in(username):
        account = user(username)
        _, token = open_session(account, address="127.0.0.1", user_agent="pytest")
        # Committed (inside the test's outer transaction, rolled back after the test), as a sign-in commits: a
        # request that rolls back (an error page) must not take the session row with it.
        db.session.commit()
        with client.session_transaction() as sess:
            sess["_user_id"] = token
            sess["_fresh"] = True
        # The test holds one app context for all its requests, so Flask-Login's per-context cache of the
        # current user must be cleared when the test switches users.
        g.pop("_login_user", None)
        return account

    return sign_in


@pytest.fixture
def clock(app):
    """A frozen clock installed in the app; move it with clock.set(datetime(...))."""
    original = app.extensions["clock"]
    frozen = FrozenClock(datetime(2026, 3, 10, 9, 0), tz=app.config["TIMEZONE"])
    app.extensions["clock"] = frozen
    yield frozen
    app.extensions["clock"] = original


class QueryCounter:
    def __init__(self):
        self.statements = []

    @property
    def count(self):
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Use as `with count_queries() as counter: ...`; counter.count is the number of SQL statements."""

    @contextmanager
    def counting():
        counter = QueryCounter()

        def before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                counter.statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def api_token(user):
    """Create an API token for a demo user and return the plain token."""
    from app.auth.services import create_token

    def make(username="admin"):
        account = user(username)
        _, plain = create_token(account, account, "测试")
        db.session.flush()
        return plain

    return make


def pytest_configure(config):
    config.addinivalue_line("markers", "no_db_transaction: the test manages its own database state")
    config.addinivalue_line("markers", "pure: the test needs neither the app nor the database (none is built for it)")


def pytest_report_header(config):
    return f"test database: {'PostgreSQL' if is_postgres() else 'SQLite'} ({database_url().split('@')[-1]})"
