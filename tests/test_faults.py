"""Faults, each provoked for real, each answered in Chinese with nothing half-written:

- the database cannot be reached at all (PostgreSQL: nothing listening on the port; SQLite: its folder is gone):
  every page is a Chinese 503 page, the API answers JSON 503, never an English 500;
- the database goes away in the middle of a request (PostgreSQL: the server terminates the request's session with
  pg_terminate_backend after its first write, when the evidence row is written, or just before the commit; SQLite:
  another process holds the write lock beyond the wait): a 503, and no row or file of the follow-up remains;
- the upload folder cannot be written (a file stands where the folder should be, which stops root too) or the disk
  fills up while the file is written (a file size limit, which the kernel enforces like a full disk): a Chinese
  message, the task unchanged, no follow-up, evidence row or file;
- the scheduler loses its lock in the middle of a job's run while a standby waits: the standby takes over, and no
  run is done twice (the old scheduler's interrupted run is rolled back, not committed beside the standby's).
"""

import io
import os
import re
import resource
import signal
import socket
import sqlite3
import time
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app import create_app
from app.auth.models import User
from app.auth.services import open_session
from app.core.models import AuditEntry
from app.extensions import db
from app.org.models import Unit
from app.tasks import services
from app.tasks.models import Evidence, FollowUp, Task
from config import TestingConfig
from tests.conftest import is_postgres
from tests.scratch import scratch_copy, template_database_fixture

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
UNAVAILABLE = "数据库暂时无法连接，您的操作没有被保存。请稍后重试。"
TODAY = date(2026, 3, 10)


def fault_app(url, upload_folder):
    return create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None,
                                      "WTF_CSRF_ENABLED": False, "UPLOAD_FOLDER": str(upload_folder)})


def sign_in(client, session_id):
    with client.session_transaction() as sess:
        sess["_user_id"] = session_id
        sess["_fresh"] = True


def assert_chinese_503(response):
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    page = response.get_data(as_text=True)
    assert "503 · 服务暂不可用" in page and UNAVAILABLE in page
    assert "Internal Server Error" not in page and "Traceback" not in page


# --- 1. the database cannot be reached ---------------------------------------------------------------------------

def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.mark.no_db_transaction  # the suite's per-test session would stand in for the unreachable database
def test_with_the_database_unreachable_every_page_is_a_chinese_503_and_the_api_answers_json(tmp_path):
    if is_postgres():
        url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/qbs"
    else:
        url = f"sqlite:///{tmp_path}/gone/qbs.sqlite3"  # the folder does not exist: the file cannot be opened
    down = fault_app(url, tmp_path / "uploads")
    client = down.test_client()
    sign_in(client, "1:1")  # a signed-in user: loading them is the first thing that fails
    for path in ("/", "/tasks/", "/tasks/1", "/no-such-page"):
        assert_chinese_503(client.get(path))
    assert_chinese_503(client.post("/tasks/1/follow-up", data={"text": "进展", "percent": "10", "version": "1"}))

    anonymous = down.test_client()
    assert_chinese_503(anonymous.post("/auth/login", data={"username": "admin", "password": "Demo2026qbs"}))

    response = anonymous.get("/api/v1/tasks", headers={"Authorization": "Bearer not-checked-the-database-is-down"})
    assert response.status_code == 503 and response.is_json
    assert response.get_json() == {"code": "unavailable", "message": UNAVAILABLE}


# --- scratch databases for the requests and processes that need committed data ------------------------------------

template = template_database_fixture("faults_tpl")


@pytest.fixture
def scratch(template, tmp_path):
    with scratch_copy(template, "faults", tmp_path) as box:
        yield box


def seed_task(app):
    """A committed, signed-for task of 市科技局; returns (task id, version, the session id of its staff kjj)."""
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        kjj = db.session.scalar(sa.select(User).where(User.username == "kjj"))
        lead = db.session.scalar(sa.select(Unit).where(Unit.name == "市科技局"))
        task = services.assign_task(admin, title="推进创新平台建设", lead_unit=lead, due_on=date(2027, 3, 31),
                                    today=TODAY)
        services.accept_task(kjj, task)  # signed for (签收): the unit may report progress
        _, session_id = open_session(kjj)  # the server session a sign-in opens
        db.session.commit()
        found = task.id, task.version, session_id
        db.session.remove()
    return found


def state_of(app, task_id):
    """What a follow-up on the task could have written: the task row, its follow-ups, evidence and audit entries."""
    with app.app_context():
        task = db.session.get(Task, task_id)
        state = {
            "task": (task.version, task.state, task.updated_at),
            "follow_ups": db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)
                                            .where(FollowUp.task_id == task_id)),
            "evidence": db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)),
            "audit": db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
        }
        db.session.remove()
    return state


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, names in os.walk(folder) for f in names)


def follow_up_data(version, with_file=True):
    data = {"text": "本月完成平台主体建设。", "percent": "40", "version": str(version)}
    if with_file:
        data["files"] = (io.BytesIO(PDF), "佐证.pdf")
    return data


# --- 2. the database goes away mid-request -----------------------------------------------------------------------

def terminate(app, dbapi_connection):
    """Have the server end this session, as a restart, a failover or an administrator does."""
    import psycopg

    pid = dbapi_connection.info.backend_pid
    admin_dsn = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone()[0]


CUT_POINTS = {
    "first-write": "the first INSERT or UPDATE of the request has just run",
    "evidence-row": "the file is stored and its Evidence row has just been inserted",
    "commit": "everything is flushed and the commit is about to be sent",
}


@pytest.mark.no_db_transaction
@pytest.mark.parametrize("cut", list(CUT_POINTS))
def test_a_connection_cut_mid_request_is_a_503_and_nothing_of_the_follow_up_remains(scratch, tmp_path, cut):
    if not is_postgres():
        pytest.skip("SQLite has no server to cut the connection; its lock fault is tested below")
    uploads = tmp_path / "uploads"
    app = fault_app(scratch.url, uploads)
    task_id, version, session_id = seed_task(app)
    before = state_of(app, task_id)
    cuts = []

    def after_execute(conn, cursor, statement, parameters, context, executemany):
        text = statement.lstrip().upper()
        hit = (cut == "first-write" and text.startswith(("INSERT", "UPDATE"))) or (
            cut == "evidence-row" and text.startswith("INSERT INTO EVIDENCE"))
        if hit and not cuts:
            cuts.append(statement.split()[:3])
            terminate(app, conn.connection.driver_connection)

    def before_commit(conn):
        if cut == "commit" and not cuts:
            cuts.append("COMMIT")
            terminate(app, conn.connection.driver_connection)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "after_cursor_execute", after_execute)
    sa.event.listen(engine, "commit", before_commit)
    try:
        client = app.test_client()
        sign_in(client, session_id)
        response = client.post(f"/tasks/{task_id}/follow-up", data=follow_up_data(version),
                               content_type="multipart/form-data")
    finally:
        sa.event.remove(engine, "after_cursor_execute", after_execute)
        sa.event.remove(engine, "commit", before_commit)
    assert cuts, f"the request never reached the cut point ({CUT_POINTS[cut]})"
    assert_chinese_503(response)
    assert state_of(app, task_id) == before
    assert files_under(uploads) == []  # no orphan file of a follow-up that does not exist

    # The database is back (the pool reconnects): the same submission now goes through.
    response = client.post(f"/tasks/{task_id}/follow-up", data=follow_up_data(version),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    after = state_of(app, task_id)
    assert after["follow_ups"] == before["follow_ups"] + 1 and after["evidence"] == before["evidence"] + 1
    assert len(files_under(uploads)) == 1
    with app.app_context():
        db.engine.dispose()


@pytest.mark.no_db_transaction
def test_a_database_locked_by_another_process_beyond_the_wait_is_a_503_and_nothing_is_written(scratch, tmp_path):
    if is_postgres():
        pytest.skip("PostgreSQL waits on row locks, not on a database lock; its faults are tested above")
    uploads = tmp_path / "uploads"
    app = fault_app(scratch.url, uploads)
    task_id, version, session_id = seed_task(app)
    before = state_of(app, task_id)
    with app.app_context():
        engine = db.engine
        engine.dispose()

    @sa.event.listens_for(engine, "connect")
    def short_wait(dbapi_connection, record):
        dbapi_connection.execute("PRAGMA busy_timeout=300")  # instead of 10 s: the test need not wait that long

    # Another process (a maintenance script, a stuck writer) holds the database's write lock.
    holder = sqlite3.connect(make_url(scratch.url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        client = app.test_client()
        sign_in(client, session_id)
        started = time.monotonic()
        response = client.post(f"/tasks/{task_id}/follow-up", data=follow_up_data(version),
                               content_type="multipart/form-data")
        assert time.monotonic() - started < 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        sa.event.remove(engine, "connect", short_wait)
    assert_chinese_503(response)
    assert state_of(app, task_id) == before
    assert files_under(uploads) == []
    with app.app_context():
        db.engine.dispose()


# --- 3. the upload folder or the disk refuses the file ---------------------------------------------------------

@pytest.fixture
def kjj_task(user, clock, login_as):
    admin = user("admin")
    lead = db.session.scalar(sa.select(Unit).where(Unit.name == "市科技局"))
    task = services.assign_task(admin, title="推进创新平台建设", lead_unit=lead, due_on=date(2026, 3, 31),
                                today=TODAY)
    services.accept_task(user("kjj"), task)
    db.session.commit()
    login_as("kjj")
    return task


def task_state(task):
    db.session.expire_all()
    return {
        "version": db.session.get(Task, task.id).version,
        "follow_ups": db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)
                                        .where(FollowUp.task_id == task.id)),
        "evidence": db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)
                                      .where(Evidence.task_id == task.id)),
        "audit": db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
    }


def flashed(page):
    return re.findall(r'class="alert[^"]*alert-danger[^"]*"[^>]*>\s*(.*?)\s*<', page, re.S)


def test_an_unwritable_upload_folder_refuses_the_follow_up_in_chinese_and_leaves_the_task_unchanged(
        app, client, kjj_task, tmp_path, monkeypatch):
    # A regular file where the folder should be: creating the month's folder fails, for root as well.
    blocker = tmp_path / "uploads"
    blocker.write_text("not a folder")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(blocker))
    before = task_state(kjj_task)
    response = client.post(f"/tasks/{kjj_task.id}/follow-up", data=follow_up_data(kjj_task.version),
                           content_type="multipart/form-data")
    assert 400 <= response.status_code < 500  # the task page again, with the message and the text as typed
    page = response.get_data(as_text=True)
    assert "附件“佐证.pdf”保存失败：服务器存储暂不可用（磁盘已满或上传目录不可写），本次提交未保存。" in page
    assert "本月完成平台主体建设。" in page
    assert "进展已提交" not in page
    assert task_state(kjj_task) == before
    assert blocker.read_text() == "not a folder" and sorted(os.listdir(tmp_path)) == ["uploads"]


def test_a_disk_that_fills_up_while_the_file_is_written_refuses_the_follow_up_and_leaves_no_partial_file(
        app, client, kjj_task, tmp_path, monkeypatch):
    uploads = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(uploads))
    big = PDF + b"%" + os.urandom(400 * 1024)  # under the size limit, over the room left on "the disk"
    data = follow_up_data(kjj_task.version, with_file=False)
    data["files"] = (io.BytesIO(big), "扫描件.pdf")
    before = task_state(kjj_task)
    # The kernel refuses writes past RLIMIT_FSIZE with EFBIG, part-way through the file, as a full disk refuses
    # them with ENOSPC (Python ignores the SIGXFSZ that comes with it).
    assert signal.getsignal(signal.SIGXFSZ) == signal.SIG_IGN
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    # 128 KiB; the request's form data stays in memory (werkzeug spools to disk only above 500 KB)
    resource.setrlimit(resource.RLIMIT_FSIZE, (128 * 1024, hard))
    try:
        response = client.post(f"/tasks/{kjj_task.id}/follow-up", data=data, content_type="multipart/form-data")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert 400 <= response.status_code < 500
    page = response.get_data(as_text=True)
    assert "附件“扫描件.pdf”保存失败：服务器存储暂不可用（磁盘已满或上传目录不可写），本次提交未保存。" in page
    assert task_state(kjj_task) == before
    assert files_under(uploads) == []  # the partial file is gone too


# --- 4. the scheduler loses its lock mid-run ---------------------------------------------------------------------

POLL = 0.5  # the standby's poll and (1 s) the heartbeat's check
PROBE_SECONDS = 1.2  # each run of the probe job takes this long, and they follow each other: a run is always going

# A scheduler process with one extra job that records each of its runs (holder, start, end) as an audit entry, in
# the run's own transaction: a run that is rolled back leaves no entry.
SCHEDULER_WITH_PROBE = r"""
import sys, time, traceback
from app import create_app
from app.core.models import AuditEntry
from app.extensions import db
from app.core.jobs import register_job
from app.reminders.scheduler import holder_name

app = create_app()

def probe(now):
    start = time.time()
    time.sleep(float(sys.argv[1]))
    db.session.add(AuditEntry(action="faults.probe", object_type="scheduler", object_id=holder_name(),
                              after={"start": start, "end": time.time()}))
    return "ok"

register_job(app, "faults.probe", probe, 1)
with app.app_context():  # as `flask scheduler` runs it
    result = app.test_cli_runner().invoke(args=["scheduler"])
print(result.output, flush=True)
if result.exception is not None and not isinstance(result.exception, SystemExit):
    traceback.print_exception(result.exception)
sys.exit(result.exit_code)
"""


def probe_runs(box):
    with box.app.app_context():
        rows = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "faults.probe")
                                  .order_by(AuditEntry.id)).all()
        runs = [(row.object_id, row.after["start"], row.after["end"]) for row in rows]
        db.session.remove()
    return runs


@pytest.mark.no_db_transaction
def test_a_scheduler_that_loses_its_lock_mid_run_hands_over_to_the_standby_and_no_run_is_done_twice(scratch):
    from tests.reminders.test_scheduler import holder, holder_of, lose_the_lock, wait_until

    scratch.env.update(SCHEDULER_LOCK_POLL_SECONDS=str(POLL), SCHEDULER_SCAN_MINUTES="60",
                       SCHEDULER_DELIVER_SECONDS="3600")
    with scratch.processes() as procs:
        first = procs.python("first", SCHEDULER_WITH_PROBE, str(PROBE_SECONDS))
        wait_until(lambda: holder(scratch) == holder_of(first), 90, "the first scheduler to take the lock", procs,
                   first)
        second = procs.python("second", SCHEDULER_WITH_PROBE, str(PROBE_SECONDS))
        wait_until(lambda: "waiting as standby" in procs.output(second), 90, "the second to wait as standby",
                   procs, second)
        wait_until(lambda: len(probe_runs(scratch)) >= 2, 60, "the first scheduler's probe runs", procs, first)
        time.sleep(PROBE_SECONDS / 2)  # in the middle of a run
        lost_from = time.time()
        lose_the_lock(scratch)
        lost_by = time.time()
        code = procs.wait(first, 60)
        assert code == 1 and "调度进程失去了锁，已停止。" in procs.output(first), procs.output(first)
        wait_until(lambda: holder(scratch) == holder_of(second), 30, "the standby to take over", procs, second)
        wait_until(lambda: any(h == holder_of(second) for h, _, _ in probe_runs(scratch)), 60,
                   "the standby's probe runs", procs, second)
        first_output = procs.output(first)
    runs = probe_runs(scratch)
    old = [(start, end) for h, start, end in runs if h == holder_of(first)]
    new = [(start, end) for h, start, end in runs if h == holder_of(second)]
    assert old and new and len(old) + len(new) == len(runs)
    # Every run the old scheduler committed had ended before its lock was lost; the standby started after that.
    assert max(end for _, end in old) <= lost_by, (lost_from, lost_by, old, new)
    assert min(start for start, _ in new) >= lost_from
    # So no two runs overlap: the job never ran twice at once.
    spans = sorted(old + new)
    assert all(earlier[1] <= later[0] for earlier, later in zip(spans, spans[1:], strict=False)), spans
    assert "rolled back: the scheduler lock was lost" in first_output or max(e for _, e in old) < lost_from

