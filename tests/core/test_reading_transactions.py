"""On PostgreSQL a reading request (GET, HEAD, OPTIONS) runs its SELECTs without BEGIN and COMMIT, until a statement
that writes or locks opens the transaction the rest of the request runs in; a request that wrote anything is rolled
back unless the view committed; psycopg keeps the statements it prepared (it forgets them all at every ROLLBACK);
the pool pings a connection only after it idled (app/core/transactions.py, issue #13)."""

import time

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.core import transactions
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


def test_a_reading_request_sends_no_begin_and_its_close_has_nothing_to_roll_back(app):
    """Its SELECTs run in autocommit mode: no transaction is open between them, and the session's close (which rolls
    back) loses none of the prepared statements."""
    with app.test_request_context("/", method="GET"):
        for floor in range(8):
            db.session.execute(COUNT_USERS, {"floor": floor}).scalar()
        raw = _raw(db.session)
        assert raw.autocommit and raw.info.transaction_status.name == "IDLE"
        db.session.remove()  # no end_reading_transaction: the close rolls back
    assert not raw.autocommit, "the connection went back to the pool in autocommit mode"
    assert _prepared_on(raw) >= 1


def test_a_posted_request_runs_in_a_transaction_from_its_first_statement(app):
    with app.test_request_context("/", method="POST"):
        db.session.execute(COUNT_USERS, {"floor": 0}).scalar()
        raw = _raw(db.session)
        assert not raw.autocommit and raw.info.transaction_status.name == "INTRANS"
        db.session.remove()


def test_work_outside_a_request_runs_in_a_transaction(app):
    """Jobs and commands: a connection a reading request used comes back from the pool out of autocommit mode."""
    with app.test_request_context("/", method="GET"):
        db.session.execute(COUNT_USERS, {"floor": 0}).scalar()
        db.session.remove()
    db.session.execute(COUNT_USERS, {"floor": 0}).scalar()
    raw = _raw(db.session)
    assert not raw.autocommit and raw.info.transaction_status.name == "INTRANS"
    db.session.remove()


def _locked(session):
    session.execute(sa.select(User.id).order_by(User.id).limit(1).with_for_update()).all()


def _flushed_in(session):
    session.scalar(sa.select(User).order_by(User.id).limit(1)).display_name = "改名中"
    session.flush()


@pytest.mark.parametrize("statement", [_locked, _flushed_in], ids=["select for update", "flush"])
def test_a_reading_request_that_writes_or_locks_opens_a_transaction_first(app, statement):
    """The lock is held, and the change kept apart, until the request ends: the statement runs in a transaction."""
    with app.test_request_context("/", method="GET"):
        db.session.execute(COUNT_USERS, {"floor": 0}).scalar()
        raw = _raw(db.session)
        assert raw.info.transaction_status.name == "IDLE"
        statement(db.session)
        assert not raw.autocommit and raw.info.transaction_status.name == "INTRANS"
        db.session.remove()


def test_a_reading_request_that_wrote_and_failed_is_rolled_back_whole(app):
    """Two changes, then the view fails: neither is kept (the first write opened the transaction both ran in)."""
    with app.test_request_context("/", method="GET"):
        users = db.session.scalars(sa.select(User).order_by(User.id).limit(2)).all()
        users[0].display_name = "未完成的请求一"
        db.session.flush()
        db.session.execute(sa.update(User).where(User.id == users[1].id).values(display_name="未完成的请求二"))
        end_reading_transaction(RuntimeError("the view failed"))
        db.session.remove()
    names = db.session.scalars(sa.select(User.display_name).where(User.display_name.like("未完成的请求%"))).all()
    db.session.remove()
    assert names == []


def test_a_reading_request_that_committed_a_write_keeps_it_and_reads_on_without_a_transaction(app):
    user_id = db.session.scalar(sa.select(sa.func.min(User.id)))
    before = db.session.get(User, user_id).display_name
    db.session.remove()
    try:
        with app.test_request_context("/", method="GET"):
            db.session.get(User, user_id).display_name = "已提交的修改"
            db.session.commit()  # as load_user does for a noted visit
            db.session.execute(COUNT_USERS, {"floor": 0}).scalar()
            raw = _raw(db.session)
            assert raw.autocommit and raw.info.transaction_status.name == "IDLE"
            end_reading_transaction(None)
            db.session.remove()
        assert db.session.get(User, user_id).display_name == "已提交的修改"
    finally:
        db.session.get(User, user_id).display_name = before
        db.session.commit()
        db.session.remove()


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


def test_a_failed_request_is_left_to_the_close_even_if_it_only_read(app):
    with app.test_request_context("/", method="GET"):
        db.session.execute(COUNT_USERS, {"floor": 0}).scalar()
        end_reading_transaction(RuntimeError("the view failed"))
        assert db.session().in_transaction()  # not committed: left to the close, which rolls back
        db.session.remove()


# --- the pool pings a connection only after it idled ------------------------------------------------------------

def _backend(raw):
    with raw.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    raw.commit()  # a rollback would also send DEALLOCATE ALL (psycopg forgets its prepared statements)
    return pid


def _outside(sql, pid):
    """`sql` about backend `pid`, asked on a connection of its own outside the pool (autocommit: a fresh view of
    pg_stat_activity)."""
    import psycopg

    url = db.engine.url.set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        return conn.execute(sql, {"pid": pid}).fetchone()[0]


def _last_query_of(pid):
    return _outside("SELECT query FROM pg_stat_activity WHERE pid = %(pid)s", pid)


def _pooled_connection(app):
    """The pool's only connection and its backend's pid, used last by a plain request's SELECT."""
    db.engine.dispose()
    with app.test_request_context("/", method="GET"):
        db.session.execute(COUNT_USERS, {"floor": 0}).scalar()
        raw = _raw(db.session)
        db.session.remove()
    return raw, _backend(raw)


def _record_of(raw):
    """The pool's record of the pooled connection `raw` (it keeps its info between checkouts)."""
    records = [record for record in list(db.engine.pool._pool.queue) if record.dbapi_connection is raw]
    assert records, "the connection is not in the pool"
    return records[0]


def _idled(record):
    record.info[transactions.CHECKED_IN_AT] = time.monotonic() - transactions.PING_AFTER_IDLE_SECONDS - 1


def test_a_connection_used_a_moment_ago_is_not_pinged_and_one_that_idled_is(app):
    raw, pid = _pooled_connection(app)
    record = _record_of(raw)
    transactions.ping_if_idle(raw, record, None)
    assert _last_query_of(pid) == "COMMIT"  # the last thing _backend ran: no ping
    _idled(record)
    transactions.ping_if_idle(raw, record, None)
    assert _last_query_of(pid) == "SELECT 1"
    assert not raw.autocommit and raw.info.transaction_status.name == "IDLE"  # as the pool keeps it


def test_a_connection_that_idled_and_lost_its_server_is_replaced_before_use(app):
    raw, pid = _pooled_connection(app)
    assert _outside("SELECT pg_terminate_backend(%(pid)s)", pid)
    _idled(_record_of(raw))
    with app.test_request_context("/", method="GET"):
        assert db.session.execute(COUNT_USERS, {"floor": 0}).scalar() >= 0  # no error: a new connection
        assert _backend(_raw(db.session)) != pid
        db.session.remove()


def test_a_connection_that_lost_its_server_and_was_used_a_moment_ago_fails_once_then_the_pool_recovers(app):
    """The price of not pinging every checkout, and its limit: the first statement on a connection whose server
    went away since its last use fails (a 503 page), the pool drops its connections, and the next request works."""
    raw, pid = _pooled_connection(app)
    assert _outside("SELECT pg_terminate_backend(%(pid)s)", pid)
    time.sleep(0.2)  # the server has ended the backend
    with app.test_request_context("/", method="GET"):
        with pytest.raises(sa.exc.OperationalError):
            db.session.execute(COUNT_USERS, {"floor": 0}).scalar()
        db.session.remove()
    with app.test_request_context("/", method="GET"):
        assert db.session.execute(COUNT_USERS, {"floor": 0}).scalar() >= 0
        db.session.remove()


@pytest.mark.parametrize(("statement", "locking"), [
    ("SELECT tasks.id FROM tasks WHERE tasks.id = %(id)s FOR UPDATE", True),
    ("SELECT tasks.id FROM tasks WHERE tasks.id = %(id)s FOR NO KEY UPDATE", True),
    ("select id from tasks for share", True),
    ("SELECT id FROM tasks FOR KEY SHARE SKIP LOCKED", True),
    ("SELECT pg_try_advisory_xact_lock(42)", True),
    ("select set_config('app.x', '1', true)", True),
    ("SELECT tasks.id, tasks.title FROM tasks WHERE tasks.title LIKE 'form%' ORDER BY tasks.id", False),
    ("SELECT count(*) AS count_1 FROM notifications WHERE notifications.user_id = %(user_id)s", False),
    ("SELECT 'FORMAT' AS x, forms.id FROM forms", False),
])
def test_which_selects_lock(statement, locking):
    assert transactions.locks(statement) is locking
