"""A request that wrote nothing ends its transaction with COMMIT on PostgreSQL, so that psycopg keeps the statements it
prepared (it forgets them all at every ROLLBACK); a request that wrote anything is still rolled back unless the view
committed (app/core/transactions.py, issue #13)."""

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.core.transactions import end_reading_transaction
from app.extensions import db
from tests.conftest import is_postgres

pytestmark = [pytest.mark.no_db_transaction,
              pytest.mark.skipif(not is_postgres(), reason="the COMMIT of a reading request is PostgreSQL's")]

COUNT_USERS = sa.select(sa.func.count()).select_from(User).where(User.id > sa.bindparam("floor"))


def _raw(session):
    """The psycopg connection under the session's transaction."""
    return session.connection().connection.dbapi_connection


def _prepared_on(raw):
    with raw.cursor() as cursor:  # on the same server connection: its prepared statements
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM users%'")
        count = cursor.fetchone()[0]
    raw.commit()  # leave the pooled connection as it was: idle, its prepared statements kept
    return count


def _a_request(app, work):
    """Run `work` as a GET request's view would, then end the request as Flask does: the teardown, then
    Flask-SQLAlchemy's close. Returns the psycopg connection the request used."""
    with app.test_request_context("/", method="GET"):
        raw = work()
        end_reading_transaction(None)
        db.session.remove()
    return raw


def test_a_reading_request_commits_and_the_statements_psycopg_prepared_survive_it(app):
    def read():
        for floor in range(8):  # psycopg prepares a statement on its 5th run
            db.session.execute(COUNT_USERS, {"floor": floor}).scalar()
        return _raw(db.session)

    raw = _a_request(app, read)
    assert raw.pgconn.transaction_status == 0  # IDLE: the request's transaction has ended
    assert _prepared_on(raw) >= 1, "the statement prepared during the request was dropped at its end"


def test_the_same_reading_request_ended_by_a_rollback_loses_them(app):
    """What the COMMIT avoids: psycopg forgets its prepared statements at a ROLLBACK."""
    with app.test_request_context("/", method="GET"):
        for floor in range(8):
            db.session.execute(COUNT_USERS, {"floor": floor}).scalar()
        raw = _raw(db.session)
        db.session.remove()  # no end_reading_transaction: the close rolls back
    assert _prepared_on(raw) == 0


def _first_user():
    return db.session.scalar(sa.select(User).order_by(User.id).limit(1))


def _flushed(name):
    _first_user().display_name = name
    db.session.flush()  # written inside the transaction, never committed by the "view"


def _updated(name):
    db.session.execute(sa.update(User).where(User.id == sa.select(sa.func.min(User.id)).scalar_subquery())
                       .values(display_name=name))


def _pending(name):
    # changed but not flushed (a view that refused the input after touching an object): a COMMIT would flush it
    _first_user().display_name = name
    assert db.session.dirty


@pytest.mark.parametrize("write", [_flushed, _updated, _pending], ids=["flushed", "update statement", "pending"])
def test_a_request_that_wrote_without_committing_is_rolled_back(app, write):
    name = f"未提交的修改（{write.__name__}）"

    def view():
        write(name)
        return _raw(db.session)

    _a_request(app, view)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(User.display_name == name)) == 0
        db.session.remove()


def test_a_failed_request_is_rolled_back_even_if_it_only_read(app):
    with app.test_request_context("/", method="GET"):
        for floor in range(8):
            db.session.execute(COUNT_USERS, {"floor": floor}).scalar()
        raw = _raw(db.session)
        end_reading_transaction(RuntimeError("the view failed"))
        assert db.session().in_transaction()  # left to the close, which rolls back
        db.session.remove()
    assert _prepared_on(raw) == 0
