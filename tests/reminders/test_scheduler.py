"""The scheduler runs in exactly one process at a time: `flask scheduler` takes a lock (a PostgreSQL advisory lock,
or a file lock beside the SQLite database), a second one waits as a standby and takes over within seconds when the
first dies, and a scheduler that loses its lock stops. Real processes on a scratch database; run_job in-process.
"""

import os
import signal
import socket
import tempfile
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.extensions import db
from app.reminders import scheduler
from app.reminders.models import SchedulerStatus
from tests.conftest import is_postgres
from tests.scratch import Scratch, build_database, drop_database, scratch_url

POLL = 0.5  # SCHEDULER_LOCK_POLL_SECONDS of the processes: the standby's poll and the heartbeat's check (1 s)
TAKEOVER_SECONDS = 15  # generous for a loaded machine; the standby polls every POLL seconds


@pytest.fixture(scope="module")
def scheduler_database():
    directory = tempfile.mkdtemp(prefix="qbs-sched-")
    url = scratch_url("sched", directory)
    build_database(url, seed=False)  # the scheduler needs the tables only; its jobs find nothing to do
    yield url, directory
    drop_database(url)


@pytest.fixture
def scratch(scheduler_database, tmp_path):
    url, _ = scheduler_database
    box = Scratch(url, tmp_path)
    # jobs once at start-up (then hourly), a quick standby
    box.env.update(SCHEDULER_LOCK_POLL_SECONDS=str(POLL), SCHEDULER_SCAN_MINUTES="60",
                   SCHEDULER_DELIVER_SECONDS="3600")
    with box.app.app_context():
        db.session.execute(sa.delete(SchedulerStatus))
        db.session.commit()
        db.session.remove()
    try:
        yield box
    finally:
        box.close()


def holder(scratch):
    with scratch.app.app_context():
        row = db.session.get(SchedulerStatus, "lock")
        value = row.holder if row else None
        db.session.remove()
    return value


def holder_of(process):
    return f"{socket.gethostname()}:{process.pid}"


def wait_until(condition, timeout, what, procs, *processes):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic() - (deadline - timeout)
        for process in processes:
            if process.poll() is not None:
                pytest.fail(f"{process.name} exited ({process.returncode}) while waiting for {what}:\n"
                            f"{procs.output(process)}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}:\n" + "\n".join(procs.output(p) for p in processes))


@pytest.mark.no_db_transaction
def test_a_second_scheduler_waits_as_standby_and_takes_over_within_seconds_when_the_first_is_killed(scratch):
    with scratch.processes() as procs:
        first = procs.flask("first", "scheduler")
        wait_until(lambda: holder(scratch) == holder_of(first), 90, "the first scheduler to take the lock", procs,
                   first)
        second = procs.flask("second", "scheduler")
        wait_until(lambda: "waiting as standby" in procs.output(second), 90, "the second to wait as standby",
                   procs, second)
        time.sleep(3 * POLL + 2)  # several heartbeats and standby polls later, nothing has changed
        assert first.poll() is None and second.poll() is None
        assert holder(scratch) == holder_of(first)
        assert "scheduler lock acquired" not in procs.output(second)

        first.send_signal(signal.SIGKILL)  # a crash: no clean-up; the OS or the database releases the lock
        took = wait_until(lambda: holder(scratch) == holder_of(second), TAKEOVER_SECONDS,
                          "the standby to take over", procs, second)
        assert took < TAKEOVER_SECONDS
        assert "scheduler lock acquired" in procs.output(second)
        with scratch.app.app_context():
            jobs_run = {row.name: row.holder for row in db.session.scalars(sa.select(SchedulerStatus))}
            db.session.remove()
        assert jobs_run.get("lock") == holder_of(second)


def lose_the_lock(scratch):
    """What can take the lock away from a running scheduler: an administrator terminating its database session
    (PostgreSQL), or the lock file being deleted, e.g. by a clean-up of the instance folder (SQLite)."""
    if is_postgres():
        with scratch.app.app_context():
            terminated = db.session.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = :k "
                "AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
                {"k": scheduler.ADVISORY_KEY}).scalars().all()
            db.session.commit()
            db.session.remove()
        assert terminated == [True]
    else:
        os.remove(make_url(scratch.url).database + ".scheduler.lock")


@pytest.mark.no_db_transaction
def test_a_scheduler_that_loses_its_lock_stops_with_a_chinese_message(scratch):
    with scratch.processes() as procs:
        running = procs.flask("running", "scheduler")
        wait_until(lambda: holder(scratch) == holder_of(running), 90, "the scheduler to take the lock", procs,
                   running)
        lose_the_lock(scratch)
        code = procs.wait(running, 30)
        output = procs.output(running)
        assert code == 1, output
        assert "调度进程失去了锁，已停止。" in output
        assert "scheduler lock lost" in output


# --- run_job, in-process --------------------------------------------------------------------------------------

def status(name):
    return db.session.get(SchedulerStatus, name)


def test_run_job_records_the_result_of_a_job(app, clock):
    scheduler.run_job(app, "test.ok", lambda now: {"at": now.isoformat()})
    row = status("test.ok")
    assert row.last_result == f"{{'at': '{clock.now().isoformat()}'}}"
    assert (row.last_run_at, row.holder) == (clock.now(), scheduler.holder_name())


def test_run_job_records_a_failure_without_raising(app, clock):
    def broken(now):
        raise RuntimeError("渠道配置有误")

    def bad_sql(now):
        db.session.execute(sa.text("SELECT * FROM no_such_table"))  # leaves a PostgreSQL transaction aborted

    scheduler.run_job(app, "test.broken", broken)
    scheduler.run_job(app, "test.bad_sql", bad_sql)
    assert status("test.broken").last_result == "失败：渠道配置有误"
    assert status("test.bad_sql").last_result.startswith("失败：") and "no_such_table" in \
        status("test.bad_sql").last_result


def test_run_job_does_not_raise_even_when_the_failure_cannot_be_recorded(app, clock, monkeypatch, caplog):
    def broken(now):
        raise RuntimeError("数据库不可用")

    def unrecordable(name, result=None, heartbeat=False):
        raise sa.exc.OperationalError("UPDATE scheduler_status", {}, Exception("server closed the connection"))

    monkeypatch.setattr(scheduler, "record_status", unrecordable)
    scheduler.run_job(app, "test.unrecordable", broken)  # logged, not raised
    logged = [r.getMessage() for r in caplog.records if r.name == scheduler.__name__]
    assert logged == ["job test.unrecordable failed", "could not record the failure of job test.unrecordable"]


def test_the_file_lock_is_held_across_threads_and_lost_when_its_file_goes(tmp_path):
    import threading

    path = str(tmp_path / "db.sqlite3.scheduler.lock")
    lock, other = scheduler.FileLock(path), scheduler.FileLock(path)
    assert lock.try_acquire()
    assert not other.try_acquire()
    seen = []
    thread = threading.Thread(target=lambda: seen.append(lock.still_held()))  # the heartbeat's thread
    thread.start()
    thread.join()
    assert seen == [True]
    os.remove(path)
    assert not lock.still_held()
    lock.release()
    other.release()


def test_the_lock_status_row_names_the_holder_and_its_heartbeat(app, clock):
    scheduler.record_status("lock", heartbeat=True)
    row = status("lock")
    assert row.holder == scheduler.holder_name() and row.heartbeat_at == clock.now()
