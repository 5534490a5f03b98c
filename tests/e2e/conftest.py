"""Browser journeys: the real app served on 127.0.0.1, driven by Debian's Chromium through Playwright.

The live server is the app built by `create_app` on its own database (an SQLite file, or `<TEST_DATABASE_URL>_e2e`
on PostgreSQL; per pytest-xdist worker), migrated and loaded with the same data as `flask demo`, with a frozen
clock at E2E_NOW so that lights, 旬 and quarters are the same on every run. It runs in a thread of the test
process (werkzeug's threaded server on a free port), with CSRF on and TESTING off, as in production. Any
answer of 5xx, and any error the app logs, fails the test that caused it.

Chromium: /usr/bin/chromium (or E2E_CHROMIUM). Without it the journeys are skipped with a message saying how to
get it, except in CI (CI=true), where they fail. Screenshots of each key step go to E2E_ARTIFACTS (default
test-artifacts/e2e/<test>/); a failing journey also leaves failure.html and failure.png there.

Accessibility: every page a journey visits is checked with axe-core (tests/e2e/vendor/axe.min.js, shipped with
the tests; nothing is downloaded at run time) against WCAG 2.1 A and AA (which GB/T 37668-2019 follows); any
serious or critical violation fails the test with the rule, its impact, its help text, the page's URL and the
first offending elements. How every page is covered (tests/e2e/helpers.py, AccessibilityAudit): the page fixture
records each main-frame navigation (page.on("framenavigated")) and runs the check, once per document, after
`page.goto` (which it wraps), before and after each `click_and_wait`, before each `shot`, and when the test ends;
a load that none of these reached (a page left by a plain click, say) fails the test at its end, naming the URL.
Known violations in templates still being reworked are listed, with their reason, in helpers.AXE_ALLOWED.
"""

import logging
import os
import re
import shutil
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.core.clock import FrozenClock
from app.extensions import db
from config import BASE_DIR, TestingConfig
from tests.conftest import _ensure_postgres_database, reset_database
from tests.e2e.helpers import E2E_NOW, PASSWORD, AccessibilityAudit, _audits, check_accessibility, click_and_wait

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS") or BASE_DIR / "test-artifacts" / "e2e")
IN_CI = os.environ.get("CI") == "true"


def _unavailable(reason):
    """Skip outside CI, with what to do; in CI a journey that cannot run is a failure."""
    if IN_CI:
        pytest.fail(f"browser journeys cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"browser journeys skipped: {reason}")


# --- the live server ---------------------------------------------------------------------------------------

def _postgres_base_url():
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    return url if url.startswith("postgresql+psycopg://") else None


def _app_on(url, tmp_dir, **overrides):
    app = create_app(TestingConfig, {
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_FOLDER": str(tmp_dir / "uploads"),
        "SERVER_NAME": None,
        "WTF_CSRF_ENABLED": True,
        "SECRET_KEY": "e2e-secret",
        **overrides,
    })
    app.extensions["clock"] = FrozenClock(E2E_NOW, tz=app.config["TIMEZONE"])
    return app


def _seed(url, tmp_dir):
    """Migrate an empty database and load what `flask demo` loads, on the frozen day."""
    from flask_migrate import upgrade

    from app.core.clock import today
    from app.demo.criteria import seed_demo_criteria
    from app.demo.meetings import seed_demo_meetings
    from app.demo.org import seed_demo_org
    from app.demo.scoring import seed_demo_scores
    from app.demo.tasks import seed_demo_tasks
    from app.org.seed import seed_organisation

    app = _app_on(url, tmp_dir)
    with app.app_context():
        reset_database(db.engine)
        upgrade()
        seed_organisation()
        seed_demo_org()
        db.session.commit()
        seed_demo_tasks(today())
        db.session.commit()
        seed_demo_criteria(today())  # before the scores, as `flask demo`: publishing writes the year's rules
        db.session.commit()
        seed_demo_scores(today())
        db.session.commit()
        seed_demo_meetings(today())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _seeded_database(tmp_path_factory, name="e2e"):
    """A freshly seeded database for this worker (and `name`: a journey that must not share the session's server
    gets its own copy, e.g. "e2e_scoring"). Seeding takes ten seconds or so (mostly password hashing), so it is
    done once per test run into a template that every pytest-xdist worker copies: an SQLite file copied with the
    backup API, or a PostgreSQL database created from `<TEST_DATABASE_URL>_e2e_seed` as its template."""
    import psycopg
    from filelock import FileLock
    from psycopg import sql
    from sqlalchemy.engine import make_url

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    base_temp = tmp_path_factory.getbasetemp()
    shared = base_temp.parent if worker else base_temp  # the run's folder, shared by its workers
    own = tmp_path_factory.mktemp(name)
    pg_base = _postgres_base_url()
    with FileLock(str(shared / "e2e-seed.lock")):
        done = shared / "e2e-seed.done"
        if pg_base:
            template = f"{pg_base}_e2e_seed"
            if not done.exists():
                _ensure_postgres_database(template)
                _seed(template, own)
                done.touch()
            url = f"{pg_base}_{name}" + (f"_{worker}" if worker else "")
            admin = make_url(url).set(drivername="postgresql", database="postgres").render_as_string(False)
            with psycopg.connect(admin, autocommit=True) as conn:
                name, source = make_url(url).database, make_url(template).database
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
                conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                              sql.Identifier(source)))
            return url, own
        template = shared / "e2e-seed.sqlite3"
        if not done.exists():
            _seed(f"sqlite:///{template}", own)
            done.touch()
        path = own / "live.sqlite3"
        with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(path)) as target:
            source.backup(target)
        return f"sqlite:///{path}", own


class QuietRequestHandler(WSGIRequestHandler):
    """No line per request in the test output (errors are still logged, and recorded by LiveServer)."""

    def log_request(self, code="-", size="-"):
        pass


class LiveServer:
    def __init__(self, app, server):
        self.app = app
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_port}"
        self.errors = []  # what went wrong on the server: "500 GET /path" and the errors logged with it
        self.clock = app.extensions["clock"]

    def record_response(self, response):
        from flask import request

        if response.status_code >= 500:
            self.errors.append(f"{response.status_code} {request.method} {request.full_path}")
        return response

    def app_context(self):
        """The live app's context, to look data up or run a job (`with live_server.app_context(): ...`)."""
        return self.app.app_context()


class _ErrorLog(logging.Handler):
    """Collects the app's error log (the error handlers log every unexpected exception there)."""

    def __init__(self, errors):
        super().__init__(level=logging.ERROR)
        self.errors = errors

    def emit(self, record):
        detail = f": {record.exc_info[1]!r}" if record.exc_info else ""
        self.errors.append(f"{record.name}: {record.getMessage()}{detail}")


def serve(url, tmp_dir, thread_name="e2e-live-server"):
    """The app on `url` served in a thread until the generator is closed: yields the LiveServer."""
    # TESTING off: error pages as in production; LiveServer collects the 5xx answers and the errors logged.
    app = _app_on(url, tmp_dir, TESTING=False)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    live = LiveServer(app, server)
    app.after_request(live.record_response)
    error_log = _ErrorLog(live.errors)
    logging.getLogger("app").addHandler(error_log)
    thread = threading.Thread(target=server.serve_forever, name=thread_name, daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        logging.getLogger("app").removeHandler(error_log)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    yield from serve(*_seeded_database(tmp_path_factory))


# --- the browser -------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        _unavailable(f"no Chromium at {CHROMIUM} (install it with `apt-get install -y chromium`, or set E2E_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -r requirements-dev.txt)")
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield browser
        browser.close()


def pytest_collection_modifyitems(config, items):
    """Every journey drives the live server's own database: without `no_db_transaction` the unit tests' rolled-back
    session would be swapped into the app, and a journey would silently read an empty database (its counts all 0)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.no_db_transaction)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _artifact_dir(node):
    name = re.sub(r"[^\w.-]+", "_", node.nodeid.split("::", 1)[-1])
    path = ARTIFACTS / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def artifacts(request):
    """This test's artifact folder (emptied first)."""
    return _artifact_dir(request.node)


@pytest.fixture
def page(request, browser, live_server, artifacts):
    """A fresh browser context (no cookies) on the live server. When the test fails, or the server answered 5xx
    or logged an error meanwhile (which fails the test too), the page's HTML and a screenshot are saved beside
    the step screenshots."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1366, "height": 900}, accept_downloads=True)
    context.set_default_timeout(30_000)  # generous: CI runs the journeys beside the rest of the suite
    page = context.new_page()
    accessibility = AccessibilityAudit(page)
    _audits[id(page)] = accessibility
    goto = page.goto

    def goto_and_check(*args, **kwargs):
        response = goto(*args, **kwargs)
        accessibility.check()
        return response

    page.goto = goto_and_check
    errors_before = len(live_server.errors)
    yield page
    call = getattr(request.node, "rep_call", None)
    last_page_problem, unchecked = None, []
    if call is not None and call.passed:
        try:
            accessibility.check()  # the last page
        except AssertionError as problem:
            last_page_problem = str(problem)
        unchecked = accessibility.unchecked()
    _audits.pop(id(page), None)
    server_errors = live_server.errors[errors_before:]
    if server_errors or last_page_problem or (call is not None and call.failed):
        try:
            (artifacts / "failure.html").write_text(page.content(), encoding="utf-8")
            page.screenshot(path=str(artifacts / "failure.png"), full_page=True)
        except Exception as error:  # a crashed page must not hide the test's own failure
            (artifacts / "failure.txt").write_text(f"could not save the page: {error!r}", encoding="utf-8")
    context.close()
    assert not server_errors, "the server failed during the journey:\n" + "\n".join(server_errors)
    assert not last_page_problem, last_page_problem
    assert not unchecked, ("pages loaded but never checked with axe-core (leave a page through click_and_wait, "
                           "or call check_accessibility(page) before leaving it):\n" + "\n".join(unchecked))


@pytest.fixture
def shot(page, artifacts):
    """shot("name"): a full-page screenshot NN-name.png of the current page."""
    counter = iter(range(1, 1000))

    def take(name):
        check_accessibility(page)
        path = artifacts / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in(page):
    """sign_in("gxj"): sign in through the login form as a user would."""

    def go(username, password=PASSWORD):
        page.goto("/auth/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        click_and_wait(page, page.get_by_role("button", name="登录"))
        assert page.locator("#nav-notifications").is_visible(), f"{username} is not signed in: {page.url}"

    return go


@pytest.fixture
def sign_out(page):
    def go():
        click_and_wait(page, page.get_by_role("button", name="退出"))

    return go
