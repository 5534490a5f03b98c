"""The scheduler process (`flask scheduler`): APScheduler 3 in exactly one process at a time.

It first takes a lock that holds across processes and hosts — a PostgreSQL session advisory lock on its own
connection, or a file lock next to the SQLite database — and waits as a standby while another process holds
it, taking over within a poll interval when that process dies (the database or the OS releases the lock).
Every job opens an app context, asks the database what is due now, does it and commits once. A heartbeat
records liveness and checks that the lock is still held; a scheduler that has lost its lock stops at once.
Never started inside create_app or a web worker.
"""

import contextlib
import logging
import os
import socket
import threading
import time
import zlib

import sqlalchemy as sa
from flask import current_app

from app.core.clock import get_clock
from app.core.jobs import registered_jobs
from app.extensions import db
from app.reminders.models import SchedulerStatus

log = logging.getLogger(__name__)
LOCK_NAME = "qbs-scheduler"
ADVISORY_KEY = zlib.crc32(LOCK_NAME.encode())  # a stable 32-bit key for pg_advisory_lock


class LockLost(RuntimeError):
    pass


class PostgresLock:
    """A session-level advisory lock on a dedicated connection: released when the connection ends."""

    def __init__(self, engine):
        self.engine = engine
        self.connection = None
        # The heartbeat and the jobs ask from the scheduler's worker threads; a Connection is not thread-safe.
        self.mutex = threading.Lock()

    def try_acquire(self):
        connection = self.engine.connect()
        got = connection.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
        connection.commit()
        if got:
            self.connection = connection
            return True
        connection.close()
        return False

    def still_held(self):
        with self.mutex:
            return self._still_held()

    def _still_held(self):
        if self.connection is None:
            return False
        try:
            held = self.connection.execute(sa.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :k AND granted "
                "AND pid = pg_backend_pid()"), {"k": ADVISORY_KEY}).scalar()
            self.connection.commit()
            return bool(held)
        except sa.exc.SQLAlchemyError:  # the connection is gone (and the lock with it), or unusable since
            return False

    def release(self):
        with self.mutex:
            self._release()

    def _release(self):
        if self.connection is not None:
            try:
                self.connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                self.connection.commit()
            except sa.exc.SQLAlchemyError:
                # A terminated connection raises DBAPIError first, then PendingRollbackError (not a DBAPIError,
                # which crashed a scheduler that had lost its lock instead of stopping with its message).
                pass
            finally:
                with contextlib.suppress(sa.exc.SQLAlchemyError):
                    self.connection.close()
                self.connection = None


class FileLock:
    """An OS file lock beside the SQLite database (released by the OS when the process dies)."""

    def __init__(self, path):
        import filelock

        self.path = path
        # Not thread-local: the heartbeat asks from one of the scheduler's worker threads, where a thread-local
        # lock always answers "not locked" (and the scheduler stopped itself at its first heartbeat).
        self.lock = filelock.FileLock(path, thread_local=False)
        self.identity = None

    def try_acquire(self):
        import filelock

        try:
            self.lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        self.identity = _file_identity(self.path)
        return True

    def still_held(self):
        # Held only while the file we locked is still the one at the path: once it is deleted or replaced, another
        # process can lock a new file there and run a second scheduler.
        return self.lock.is_locked and self.identity is not None and _file_identity(self.path) == self.identity

    def release(self):
        self.lock.release(force=True)


def _file_identity(path):
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


def make_lock(app):
    engine = db.engine
    if engine.dialect.name == "postgresql":
        return PostgresLock(engine)
    database = engine.url.database or os.path.join(app.instance_path, "memory")
    return FileLock(os.path.abspath(database) + ".scheduler.lock")


def holder_name():
    return f"{socket.gethostname()}:{os.getpid()}"


def record_status(name, result=None, heartbeat=False):
    """Upsert the status row of the lock or a job; committed by the caller.

    One INSERT ... ON CONFLICT DO UPDATE, no read first: on SQLite a transaction that has read cannot write once
    another thread or process has written meanwhile ("database is locked"), and the jobs run side by side."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    now = get_clock().now()
    values = {"name": name, "holder": holder_name()}
    if heartbeat:
        values["heartbeat_at"] = now
    else:
        values.update(last_run_at=now, last_result=result)
    insert = (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(SchedulerStatus.__table__)
    statement = insert.values(values)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["name"], set_={key: statement.excluded[key] for key in values if key != "name"}))


def run_job(app, name, func, lock=None):
    """Run one job in its own app context, committing once; errors are logged and recorded, never raised.

    With the scheduler's `lock`, the job runs only while the lock is held, and its work is committed only if the lock
    is still held when it ends: a scheduler that lost its lock in the middle of a run (its standby may already be
    running the same job) rolls the run back instead of doing the work a second time. The heartbeat stops it soon
    after."""
    with app.app_context():
        try:
            if lock is not None and not lock.still_held():
                log.error("job %s not started: the scheduler lock is lost", name)
                return
            result = func(get_clock().now())
            if lock is not None and not lock.still_held():
                db.session.rollback()
                log.error("job %s rolled back: the scheduler lock was lost while it ran", name)
                return
            db.session.commit()  # the job's work; its status goes in a transaction of its own
            record_status(name, str(result))
            db.session.commit()
        except Exception as error:  # a failing job must not kill the scheduler
            db.session.rollback()
            log.exception("job %s failed", name)
            try:
                record_status(name, f"失败：{error}"[:2000])
                db.session.commit()
            except Exception:  # e.g. the database is down: the log has it, the next run tries again
                db.session.rollback()
                log.exception("could not record the failure of job %s", name)
        finally:
            db.session.remove()


def wait_for_lock(app, stop_event=None):
    """Block (as a standby) until this process holds the lock; returns the lock."""
    lock = make_lock(app)
    poll = app.config["SCHEDULER_LOCK_POLL_SECONDS"]
    announced = False
    while not (stop_event and stop_event.is_set()):
        if lock.try_acquire():
            log.info("scheduler lock acquired by %s", holder_name())
            return lock
        if not announced:
            log.info("another scheduler holds the lock; waiting as standby")
            announced = True
        time.sleep(poll)
    return None


def run_scheduler(app, stop_event=None, blocking=True):
    """Take the lock (waiting as a standby), then run the jobs until stopped or the lock is lost."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    # APScheduler logs every run of every job at INFO (the heartbeat runs every few seconds); the jobs record
    # their own results in scheduler_status and log what they did, so keep only its warnings.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)

    with app.app_context():
        lock = wait_for_lock(app, stop_event)
        if lock is None:
            return
        record_status("lock", heartbeat=True)
        db.session.commit()
        tz = current_app.config["TIMEZONE"]
        poll = current_app.config["SCHEDULER_LOCK_POLL_SECONDS"]
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=tz)
    lost = threading.Event()

    def heartbeat():
        with app.app_context():
            if not lock.still_held():
                log.error("scheduler lock lost; stopping so that the standby can take over")
                lost.set()
                scheduler.shutdown(wait=False)
                return
            try:
                record_status("lock", heartbeat=True)
                db.session.commit()
            except sa.exc.DBAPIError:
                db.session.rollback()
            finally:
                db.session.remove()

    for job in registered_jobs(app):
        scheduler.add_job(run_job, "interval", seconds=job.seconds, args=(app, job.name, job.func, lock), id=job.name,
                          coalesce=True, max_instances=1, misfire_grace_time=job.seconds,
                          next_run_time=_now(tz))
    # Checked as often as a standby tries to take over (at most every 10 s), so that a scheduler that lost its
    # lock stops before, or about when, the standby starts.
    scheduler.add_job(heartbeat, "interval", seconds=max(1, min(10, poll)), id="heartbeat", coalesce=True,
                      max_instances=1)
    try:
        scheduler.start()
        if not blocking:
            while not (stop_event and stop_event.is_set()) and not lost.is_set():
                time.sleep(0.2)
            if scheduler.running:
                scheduler.shutdown(wait=True)
    finally:
        lock.release()
    if lost.is_set():
        raise LockLost("调度进程失去了锁，已停止。")


def _now(tz):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(tz))
