"""How a unit of work becomes a writer on SQLite, and the one place that decides it.

The problem: SQLite in WAL mode lets many readers and one writer work at once. A *deferred* transaction
(plain ``BEGIN``) starts as a reader with a snapshot taken at its first read; when it later tries to write and
another connection has committed since that snapshot, SQLite cannot let it write on an outdated snapshot and
answers SQLITE_BUSY (``database is locked``) **at once** — ``busy_timeout`` does not apply, because waiting
would not help. A request that reads the user, hashes a password and then writes hit exactly this whenever the
scheduler's heartbeat committed in between.

The choice: a unit of work that may write **starts as a writer** (``BEGIN IMMEDIATE``). It takes the write lock
before its first read, so its snapshot can never be outdated; another writer waits for it (``busy_timeout``,
10 s) instead of failing. Retrying the whole unit of work was the alternative; it was not chosen because a
request is not always repeatable (an uploaded file is read once, a response may already be streaming), and a
retry hides the contention instead of ordering it.

Which units of work may write:
- every request whose method is not GET, HEAD or OPTIONS;
- everything outside a request: the scheduler's jobs, CLI commands, scripts (they start as writers).

A GET request starts as a reader (deferred ``BEGIN``), so that pages never queue behind each other. A GET that
must write some bookkeeping (a session's last-seen time, a token's last use) calls :func:`ensure_writer` *before*
it changes anything: the read transaction ends and the rest of the request runs in a writer transaction.

Slow work that needs no lock (a password hash, a network call) belongs outside a writer transaction: a writer
holds the lock until it commits, and every other writer waits for it.

PostgreSQL is unaffected: the hook below returns at once for any other database, where transactions begin as
SQLAlchemy and psycopg begin them (READ COMMITTED, row locks taken by the statements themselves).
"""

import re
import time

from flask import g, has_app_context, has_request_context, request
from sqlalchemy.exc import DisconnectionError

from app.extensions import db

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFERRED = "BEGIN"
IMMEDIATE = "BEGIN IMMEDIATE"


def sqlite_begin_statement():
    """The statement that opens the next SQLite transaction in this context (see the module's docstring)."""
    if has_app_context():
        forced = g.get("_sqlite_begin")
        if forced:
            return forced
    if has_request_context() and request.method in READ_METHODS:
        return DEFERRED
    return IMMEDIATE


# A connection that only reads, whatever the context: ``engine.connect().execution_options(**READ_ONLY)``.
READ_ONLY = {"sqlite_begin": DEFERRED}


def begin_sqlite_transaction(connection):
    """The engine's ``begin`` hook: open the transaction as the connection's ``sqlite_begin`` execution option, or
    else :func:`sqlite_begin_statement`, says."""
    if connection.dialect.name == "sqlite":
        chosen = connection.get_execution_options().get("sqlite_begin")
        connection.exec_driver_sql(chosen if chosen in (DEFERRED, IMMEDIATE) else sqlite_begin_statement())


def ensure_writer():
    """Make the rest of this unit of work a writer on SQLite; call it before changing anything in a GET.

    If a read transaction is open it is ended first (a GET has nothing pending to lose; anything dirty would be
    flushed by this commit, which is why the call comes *before* the change), and the next transaction of this
    request begins with ``BEGIN IMMEDIATE``. Elsewhere, and outside SQLite, it does nothing.
    """
    if db.engine.dialect.name != "sqlite" or sqlite_begin_statement() == IMMEDIATE:
        return
    if db.session().in_transaction():
        db.session.commit()
    g._sqlite_begin = IMMEDIATE


def end_before_slow_work():
    """End this unit of work's transaction before slow work that needs no lock (a password hash): on SQLite a POST
    began as a writer and would make every other writer wait for it. Nothing may be pending (a view calls it after
    reading what the slow work needs, before changing anything); the next statement begins a new transaction."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("end_before_slow_work() with changes pending: call it before changing anything")
    if session.in_transaction():
        session.commit()


# --- PostgreSQL: a request that wrote nothing ends its transaction with COMMIT -----------------------------------
#
# psycopg prepares a statement on the server once it has run a few times on a connection, so that PostgreSQL plans
# it once instead of at every execution; but it forgets every prepared statement at each ROLLBACK (a rolled-back
# transaction may have undone a PREPARE). Every reading request ended with the ROLLBACK of the session's close, so
# PostgreSQL planned every statement of every page anew: planning was about half of its CPU per page (issue #13).
# A request that wrote nothing therefore ends with COMMIT, which changes nothing either. Whether it wrote is told
# by the statements themselves (anything but a SELECT counts as a write: a flush, an UPDATE, a SAVEPOINT), so a
# request that flushed something and failed is still rolled back.

def note_begin(connection):
    """The engine's ``begin`` hook: a new transaction of this request has written nothing yet; on PostgreSQL a
    reading request's statements run without a transaction until one writes (see below)."""
    if has_app_context():
        g._transaction_wrote = False
    if connection.dialect.name == "postgresql" and has_request_context() and request.method in READ_METHODS:
        read_without_transaction(connection)


def note_statement(connection, cursor, statement, parameters, context, executemany):
    """The engine's ``before_cursor_execute`` hook: remember that this request's transaction wrote; a reading
    request's first statement that is not a plain read opens the transaction it and the rest of the request run in."""
    if statement.lstrip()[:6].upper() != "SELECT":
        if has_app_context():
            g._transaction_wrote = True
        if connection.info.get(READING):
            begin_transaction_now(connection)
    elif connection.info.get(READING) and locks(statement):
        begin_transaction_now(connection)


def end_reading_transaction(error=None):
    """``teardown_request``: commit the open transaction of a request that succeeded and wrote nothing, on
    PostgreSQL (see above); otherwise leave it to the session's close, which rolls back."""
    if error is not None or g.get("_transaction_wrote") is not False or db.engine.dialect.name != "postgresql":
        return
    session = db.session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()


# --- PostgreSQL: a reading request runs without BEGIN and COMMIT ------------------------------------------------
#
# A page that only reads sent BEGIN before its first statement and COMMIT after its last: two of its eight or so
# round trips to the database, and a fifth of a worker's time under load was spent on them and the connection's
# ping (issue #13). Under READ COMMITTED every statement sees the database as of its own start, inside a
# transaction or not, so a GET's statements run in autocommit mode: each SELECT is its own transaction, psycopg
# sends no BEGIN, and the request's COMMIT (or the close's ROLLBACK) has nothing to end.
# The first statement that is not a plain read — a flush, an UPDATE, a SAVEPOINT, a SELECT that locks rows
# (FOR UPDATE / FOR SHARE) or takes an advisory lock — switches the connection back before it runs: psycopg opens
# the transaction with that statement, and everything the request writes is committed or rolled back together, as
# in any other request. A connection goes back to the pool out of autocommit mode.

READING = "qbs_reading_without_transaction"  # in a pooled connection's info while its statements autocommit
IDLE = 0  # psycopg.pq.TransactionStatus.IDLE (not imported: psycopg is needed only with PostgreSQL)
LOCKING_READ = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b"
                          r"|\bpg_(?:try_)?advisory|\bset_config\b", re.IGNORECASE)


def locks(statement: str) -> bool:
    """Whether a SELECT locks rows or takes a lock (LOCKING_READ). The regular expression costs some 80 µs on a
    list page's statement, so it runs only on a statement that names one of the words at all."""
    upper = statement.upper()
    if "FOR " in upper or "ADVISORY" in upper or "SET_CONFIG" in upper:
        return LOCKING_READ.search(statement) is not None
    return False


def read_without_transaction(connection):
    """Let `connection`'s statements autocommit until one writes (psycopg's autocommit mode, set only between
    transactions)."""
    raw = connection.connection.dbapi_connection
    if not raw.autocommit and raw.info.transaction_status == IDLE:
        raw.autocommit = True
        connection.info[READING] = True


def begin_transaction_now(connection):
    """Leave autocommit mode: the statement about to run opens the transaction."""
    connection.info[READING] = False
    raw = connection.connection.dbapi_connection
    if raw.autocommit:
        raw.autocommit = False


def leave_reading_mode(dbapi_connection, connection_record):
    """The pool's ``checkin`` hook: a connection goes back out of autocommit mode (its next user may write)."""
    if connection_record.info.pop(READING, None) is not None and dbapi_connection is not None \
            and not dbapi_connection.closed and dbapi_connection.autocommit:
        dbapi_connection.autocommit = False


# --- the pool: ping a connection only after it has been idle ----------------------------------------------------
#
# SQLAlchemy's pool_pre_ping sends a round trip before every checkout, a sixteenth of a page's time under load. A
# connection used a moment ago is as good as its last statement showed; one that has waited in the pool may have
# been closed by the server (a restart, an idle timeout) and is pinged before use: a failed ping makes the pool
# replace it (DisconnectionError), as pre_ping would.

PING_AFTER_IDLE_SECONDS = 10.0
CHECKED_IN_AT = "qbs_checked_in_at"


def note_in_use(dbapi_connection, connection_record):
    """The pool's ``connect`` and ``checkin`` hooks: the connection answered just now (a new one needs no ping)."""
    connection_record.info[CHECKED_IN_AT] = time.monotonic()


def ping_if_idle(dbapi_connection, connection_record, connection_proxy):
    """The pool's ``checkout`` hook (PostgreSQL): ping a connection idle for PING_AFTER_IDLE_SECONDS or more."""
    if not hasattr(dbapi_connection, "pgconn"):  # SQLite: a file, nothing to lose
        return
    last = connection_record.info.get(CHECKED_IN_AT)
    if last is not None and time.monotonic() - last < PING_AFTER_IDLE_SECONDS:
        return
    try:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            dbapi_connection.execute("SELECT 1")
        finally:
            if not dbapi_connection.closed:
                dbapi_connection.autocommit = autocommit
    except Exception as error:  # any failure: the pool replaces the connection and tries again
        raise DisconnectionError(f"the pooled connection did not answer: {error}") from error
