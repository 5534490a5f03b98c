"""Issue #11, 1: on the embedded database, requests that write never answer 503 while the scheduler commits beside
them.

Before the fix a POST began as a reader (deferred BEGIN), read the user, hashed the password and then tried to
write; if the scheduler process had committed meanwhile, SQLite refused the upgrade to writer at once
(SQLITE_BUSY, no busy_timeout) and the app answered its 503 page — 17–30 % of sign-ins. This test runs the real
`flask scheduler` process on an SQLite file, serves the app over real HTTP, and sends 200 sign-ins and 200
follow-ups from several threads; every answer must be a success and every follow-up must be stored once.
"""

import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy import event
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.extensions import db
from config import TestingConfig
from tests.conftest import is_postgres

pytestmark = [
    pytest.mark.no_db_transaction,
    pytest.mark.skipif(is_postgres(), reason="the failure mode (SQLITE_BUSY on a stale read snapshot) is SQLite's"),
]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Demo2026qbs"
THREADS = 8
SIGN_INS = 200
FOLLOW_UPS = 200


class _Quiet(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


def _app_on(url, folder):
    return create_app(TestingConfig, {
        "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(folder / "uploads"), "SERVER_NAME": None,
        "WTF_CSRF_ENABLED": False, "SECRET_KEY": "writers-test",
    })


def _seed(app):
    """The organisation and demo accounts, four accepted tasks of 市工信局, an API token and a calendar feed of its
    staff user, and a table that stands for "somebody else's write" (the scheduler's heartbeat)."""
    from flask_migrate import upgrade

    from app.auth import services as auth_services
    from app.auth.models import User
    from app.demo.org import seed_demo_org
    from app.meetings import ical
    from app.org.seed import seed_organisation
    from app.tasks.models import Task, TaskParty, TaskSource, TaskState

    with app.app_context():
        upgrade()
        seed_organisation()
        seed_demo_org()
        db.session.commit()
        staff = db.session.scalar(sa.select(User).where(User.username == "gxj"))
        task_ids = []
        for number in range(4):
            due = date.today() + timedelta(days=30)
            task = Task(title=f"并发写入验证事项{number}", source=TaskSource.free, lead_unit_id=staff.unit_id,
                        assigned_on=date.today(), original_due_on=due, due_on=due, state=TaskState.accepted)
            task.parties = [TaskParty(unit_id=staff.unit_id, is_lead=True)]
            db.session.add(task)
            db.session.flush()
            task_ids.append(task.id)
        _token, plain = auth_services.create_token(staff, staff, "并发写入验证")
        feed = ical.create_feed(staff)
        db.session.execute(sa.text("CREATE TABLE other_writes (id INTEGER PRIMARY KEY, at TEXT)"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {"tasks": task_ids, "token": plain, "feed": feed}


def _wait_for_heartbeat(url, process, seconds=60):
    engine = sa.create_engine(url)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"the scheduler process ended: {process.stdout.read()}")
            with engine.connect() as conn:
                beat = conn.execute(sa.text(
                    "SELECT heartbeat_at FROM scheduler_status WHERE name = 'lock'")).scalar()
            if beat is not None:
                return
            time.sleep(0.2)
    finally:
        engine.dispose()
    raise AssertionError("the scheduler never took its lock")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("writers")
    url = f"sqlite:///{folder / 'site.sqlite3'}"
    app = _app_on(url, folder)
    data = _seed(app)
    yield {"url": url, "folder": folder, "app": app, **data}
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def site(seeded):
    url, tmp_path, app = seeded["url"], seeded["folder"], seeded["app"]
    env = {**os.environ, "FLASK_APP": "app", "APP_ENV": "development", "DATABASE_URL": url,
           "INSTANCE_PATH": str(tmp_path), "SCHEDULER_LOCK_POLL_SECONDS": "1", "SCHEDULER_DELIVER_SECONDS": "1",
           "SCHEDULER_SCAN_MINUTES": "1"}
    env.pop("TEST_DATABASE_URL", None)
    scheduler = subprocess.Popen([sys.executable, "-m", "flask", "scheduler"], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _wait_for_heartbeat(url, scheduler)
        yield {"base": f"http://127.0.0.1:{server.server_port}", "app": app, "tasks": seeded["tasks"],
               "token": seeded["token"], "scheduler": scheduler}
    finally:
        server.shutdown()
        scheduler.terminate()
        try:
            scheduler.wait(timeout=15)
        except subprocess.TimeoutExpired:
            scheduler.kill()
            scheduler.wait()
        if scheduler.stdout:
            scheduler.stdout.close()
        with app.app_context():
            db.session.remove()


def _sign_in(base, number):
    with closing(requests.Session()) as browser:
        answer = browser.post(f"{base}/auth/login", data={"username": "gxj", "password": PASSWORD},
                              allow_redirects=False, timeout=60)
        inbox = browser.get(f"{base}/tasks/inbox", allow_redirects=False, timeout=60) if answer.status_code == 302 \
            else None
    return number, answer.status_code, inbox.status_code if inbox is not None else None


def _follow_up(base, token, task_id, text):
    answer = requests.post(f"{base}/api/v1/tasks/{task_id}/follow-ups", json={"text": text, "percent": 50},
                           headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return text, answer.status_code, answer.text[:200]


def test_sign_ins_and_follow_ups_beside_the_real_scheduler_never_answer_503(site):
    run = uuid.uuid4().hex[:8]
    texts = [f"并发反馈{run}-{n:03d}" for n in range(FOLLOW_UPS)]
    with ThreadPoolExecutor(THREADS) as pool:
        sign_ins = [pool.submit(_sign_in, site["base"], n) for n in range(SIGN_INS)]
        follow_ups = [pool.submit(_follow_up, site["base"], site["token"], site["tasks"][n % len(site["tasks"])],
                                  text) for n, text in enumerate(texts)]
        sign_in_results = [f.result() for f in sign_ins]
        follow_up_results = [f.result() for f in follow_ups]

    assert site["scheduler"].poll() is None, "the scheduler process must have run beside the site throughout"
    refused = [(n, status, inbox) for n, status, inbox in sign_in_results if status != 302 or inbox != 200]
    assert refused == [], f"{len(refused)} of {SIGN_INS} sign-ins failed (number, status, inbox): {refused[:10]}"
    failed = [(text, status, body) for text, status, body in follow_up_results if status != 201]
    assert failed == [], f"{len(failed)} of {FOLLOW_UPS} follow-ups failed: {failed[:5]}"

    from app.reminders.models import SchedulerStatus
    from app.tasks.models import FollowUp

    with site["app"].app_context():
        stored = dict(db.session.execute(
            sa.select(FollowUp.text, sa.func.count()).where(FollowUp.text.like(f"并发反馈{run}-%"))
            .group_by(FollowUp.text)).all())
        beat = db.session.scalar(sa.select(SchedulerStatus.heartbeat_at).where(SchedulerStatus.name == "lock"))
        db.session.remove()
    assert stored == {text: 1 for text in texts}, "every follow-up is stored exactly once"
    assert beat is not None


# --- GET requests that write bookkeeping -----------------------------------------------------------------------

@contextmanager
def _another_writer_commits_after_reading(engine, path, table):
    """Right after the request's first read of `table`, another connection commits a write (as the scheduler's
    heartbeat does at any moment). A request still reading on its old snapshot could then no longer write."""
    fired = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if not fired and statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            fired.append(statement)
            with closing(sqlite3.connect(path, timeout=10)) as other:
                other.execute("INSERT INTO other_writes (at) VALUES (datetime('now'))")
                other.commit()

    event.listen(engine, "after_cursor_execute", listener)
    try:
        yield fired
    finally:
        event.remove(engine, "after_cursor_execute", listener)


def test_calendar_feed_notes_its_last_use_although_another_writer_committed_meanwhile(seeded):
    app = seeded["app"]
    with app.app_context():
        path = db.engine.url.database
        with _another_writer_commits_after_reading(db.engine, path, "calendar_feeds") as fired:
            answer = app.test_client().get(f"/meetings/feed/{seeded['feed']}.ics")
        db.session.remove()
    assert fired, "the feed was read"
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert answer.get_data(as_text=True).startswith("BEGIN:VCALENDAR")
    with closing(sqlite3.connect(path)) as check:
        assert check.execute("SELECT last_used_at FROM calendar_feeds").fetchone()[0] is not None


def test_api_get_notes_the_tokens_last_use_although_another_writer_committed_meanwhile(seeded):
    app = seeded["app"]
    with app.app_context():
        path = db.engine.url.database
        with closing(sqlite3.connect(path)) as reset:
            reset.execute("UPDATE api_tokens SET last_used_at = NULL")
            reset.commit()
        with _another_writer_commits_after_reading(db.engine, path, "api_tokens") as fired:
            answer = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {seeded['token']}"})
        db.session.remove()
    assert fired, "the token was read"
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    with closing(sqlite3.connect(path)) as check:
        assert check.execute("SELECT last_used_at FROM api_tokens").fetchone()[0] is not None
