"""Issue #11, 1 (sign-in part): the password is checked, and re-hashed, with no transaction open.

On SQLite every POST begins with BEGIN IMMEDIATE and holds the database's write lock until it commits; argon2 is
slow on purpose, so a sign-in that hashed inside its transaction made every other writer (the scheduler, other
requests) wait for the hash. The test watches the password hasher (it still does the real work) and, at the
moment the sign-in verifies or re-hashes, writes to the same SQLite file from another connection that refuses to
wait: the write must go through. Before the fix it failed with "database is locked".
"""

import sqlite3

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from app import create_app
from app.auth import models as auth_models
from app.auth.models import Role, SignInAttempt, User
from app.extensions import db
from config import TestingConfig
from tests.conftest import is_postgres

pytestmark = [
    pytest.mark.no_db_transaction,
    pytest.mark.skipif(is_postgres(), reason="the write lock held by BEGIN IMMEDIATE is SQLite's; PostgreSQL "
                                              "locks rows, and its sign-in transaction is unchanged"),
]

PASSWORD = "Lantern-Quartz-58"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from flask_migrate import upgrade

    folder = tmp_path_factory.mktemp("sign-in-lock")
    path = folder / "site.sqlite3"
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SERVER_NAME": None,
                                     "UPLOAD_FOLDER": str(folder / "uploads"), "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        reader = User(username="reader", display_name="观察员", role=Role.observer)
        reader.set_password(PASSWORD)
        db.session.add(reader)
        db.session.commit()
        db.session.remove()
    yield app, str(path)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def write_from_elsewhere(path):
    """One write by another connection that does not wait for the lock: 'written', or SQLite's refusal."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE users SET phone = '0731-0000000' WHERE username = 'reader'")
        other.execute("COMMIT")
        return "written"
    except sqlite3.OperationalError as error:
        return str(error)
    finally:
        other.close()


class Watcher:
    """The real hasher, with a write from another connection at the start of each slow call."""

    def __init__(self, real, path):
        self.real, self.path, self.seen = real, path, []

    def verify(self, hash_, password):
        self.seen.append(("verify", write_from_elsewhere(self.path), db.session().in_transaction()))
        return self.real.verify(hash_, password)

    def hash(self, password, **kwargs):
        self.seen.append(("hash", write_from_elsewhere(self.path), db.session().in_transaction()))
        return self.real.hash(password, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.mark.parametrize(("username", "password", "status"), [
    ("reader", PASSWORD, 302), ("reader", "Not-the-password-9", 401), ("nobody-here", PASSWORD, 401),
], ids=["right-password", "wrong-password", "unknown-name"])
def test_no_transaction_holds_the_write_lock_while_the_password_is_verified(site, monkeypatch, username, password,
                                                                            status):
    app, path = site
    auth_models._unusable_hash()  # the unknown name's hash is made once per process; not part of a sign-in
    watcher = Watcher(auth_models._hasher, path)
    monkeypatch.setattr(auth_models, "_hasher", watcher)

    response = app.test_client().post("/auth/login", data={"username": username, "password": password},
                                      environ_base={"REMOTE_ADDR": f"192.0.2.{status % 250}"})

    assert response.status_code == status
    assert [kind for kind, _, _ in watcher.seen] == ["verify"]
    assert watcher.seen == [("verify", "written", False)]
    with app.app_context():  # the outcome was still recorded, after the check
        assert db.session.scalar(sa.select(SignInAttempt.succeeded).where(SignInAttempt.username == username)
                                 .order_by(SignInAttempt.id.desc()).limit(1)) is (status == 302)


def test_an_outdated_hash_is_renewed_with_no_transaction_open_and_saved(site, monkeypatch):
    app, path = site
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    with app.app_context():
        reader = db.session.scalar(sa.select(User).where(User.username == "reader"))
        reader.password_hash = weak.hash(PASSWORD)
        db.session.commit()
        old_hash = reader.password_hash
        db.session.remove()
    watcher = Watcher(auth_models._hasher, path)
    monkeypatch.setattr(auth_models, "_hasher", watcher)

    response = app.test_client().post("/auth/login", data={"username": "reader", "password": PASSWORD},
                                      environ_base={"REMOTE_ADDR": "192.0.2.77"})

    assert response.status_code == 302
    assert watcher.seen == [("verify", "written", False), ("hash", "written", False)]
    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash).where(User.username == "reader"))
        assert stored != old_hash and not auth_models._hasher.check_needs_rehash(stored)
        assert auth_models._hasher.verify(stored, PASSWORD)


# --- changing a password: the account page and the office's reset -----------------------------------------------

NEW_PASSWORD = "Harbour-Violet-2047"


def _signed_in(app, username, password):
    client = app.test_client()
    answer = client.post("/auth/login", data={"username": username, "password": password},
                         environ_base={"REMOTE_ADDR": "192.0.2.200"})
    assert answer.status_code == 302
    return client


def _set_password(app, username, password):
    with app.app_context():
        account = db.session.scalar(sa.select(User).where(User.username == username))
        account.set_password(password)
        account.must_change_password = False
        db.session.commit()
        db.session.remove()


def test_the_own_password_change_checks_and_hashes_with_no_transaction_open(site, monkeypatch):
    app, path = site
    _set_password(app, "reader", PASSWORD)
    client = _signed_in(app, "reader", PASSWORD)
    watcher = Watcher(auth_models._hasher, path)
    monkeypatch.setattr(auth_models, "_hasher", watcher)

    response = client.post("/auth/account", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                  "confirm": NEW_PASSWORD})

    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert watcher.seen == [("verify", "written", False), ("hash", "written", False)]
    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash).where(User.username == "reader"))
        assert auth_models._hasher.verify(stored, NEW_PASSWORD)
    _set_password(app, "reader", PASSWORD)


def _admin_client(app):
    """An office administrator on this site (the organisation is loaded for the office unit)."""
    from app.org.models import Unit, UnitKind
    from app.org.seed import seed_organisation

    with app.app_context():
        if db.session.scalar(sa.select(User.id).where(User.username == "office-admin")) is None:
            seed_organisation()
            office = db.session.scalar(sa.select(Unit).where(Unit.kind == UnitKind.office))
            admin = User(username="office-admin", display_name="千百十办管理员", role=Role.admin, unit=office)
            admin.set_password(PASSWORD)
            db.session.add(admin)
            db.session.commit()
        db.session.remove()
    return _signed_in(app, "office-admin", PASSWORD)


def test_the_offices_reset_hashes_with_no_transaction_open(site, monkeypatch):
    app, path = site
    _set_password(app, "reader", PASSWORD)
    with app.app_context():
        reader_id = db.session.scalar(sa.select(User.id).where(User.username == "reader"))
        db.session.remove()
    admin = _admin_client(app)
    watcher = Watcher(auth_models._hasher, path)
    monkeypatch.setattr(auth_models, "_hasher", watcher)

    response = admin.post(f"/auth/users/{reader_id}/password", data={"password": NEW_PASSWORD,
                                                                     "confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert watcher.seen == [("hash", "written", False)]
    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash).where(User.username == "reader"))
        assert auth_models._hasher.verify(stored, NEW_PASSWORD)
    _set_password(app, "reader", PASSWORD)
