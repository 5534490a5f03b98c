"""Scratch databases for the tests that need committed data shared with other processes or apps (backup and
restore, faults, the reminders' reliability): a template built once per module (migrated, organisation and demo
accounts loaded), copied per test; a temp file on SQLite, `<test database>_<name>` on PostgreSQL."""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app import create_app
from app.core.clock import FrozenClock
from app.extensions import db
from config import TestingConfig
from tests.conftest import database_url, is_postgres

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-03-10T09:00"  # a Tuesday, inside the reminders' sending window (local time)
PROCESS_TIMEOUT = 120  # seconds: no subprocess may outlive this


def _admin_dsn(url):
    return make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


def _pg_execute(url, statement):
    import psycopg

    with psycopg.connect(_admin_dsn(url), autocommit=True) as conn:
        conn.execute(statement)


def scratch_url(name, directory):
    """The scratch database `name`: a file in `directory` (SQLite) or `<test database>_<name>` (PostgreSQL)."""
    if is_postgres():
        url = make_url(database_url())
        return url.set(database=f"{url.database}_{name}").render_as_string(hide_password=False)
    return f"sqlite:///{directory}/{name}.sqlite3"


def drop_database(url):
    if url.startswith("postgresql"):
        from psycopg import sql

        _pg_execute(url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(make_url(url).database)))
    else:
        path = make_url(url).database
        for suffix in ("", "-wal", "-shm", ".scheduler.lock"):
            with suppress(FileNotFoundError):
                os.remove(path + suffix)


def copy_database(template, url):
    drop_database(url)
    if url.startswith("postgresql"):
        from psycopg import sql

        _pg_execute(url, sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(make_url(url).database), sql.Identifier(make_url(template).database)))
        return
    with sqlite3.connect(make_url(template).database) as source, sqlite3.connect(make_url(url).database) as target:
        source.backup(target)
    source.close()
    target.close()


@contextmanager
def cheap_password_hashes():
    """The demo accounts of a scratch database never sign in: hash their passwords cheaply (argon2 with the
    library's defaults costs about a second per account)."""
    from argon2 import PasswordHasher

    import app.auth.models as auth_models

    original = auth_models._hasher
    auth_models._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        yield
    finally:
        auth_models._hasher = original


def scratch_app(url):
    return create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None})


def build_database(url, seed=True):
    """Create, migrate and (with `seed`) load the organisation and the demo accounts; committed."""
    from flask_migrate import upgrade

    from app.demo.org import seed_demo_org
    from app.org.seed import seed_organisation

    drop_database(url)
    if url.startswith("postgresql"):
        from psycopg import sql

        _pg_execute(url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(make_url(url).database)))
    app = scratch_app(url)
    with app.app_context():
        upgrade()
        if seed:
            with cheap_password_hashes():
                seed_organisation()
                seed_demo_org()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


class Processes:
    """The subprocesses of one test, each logging to its own file; all are killed at the end, whatever happens."""

    def __init__(self, directory, env):
        self.directory, self.env = Path(directory), env
        self.running = []

    def start(self, name, args, env=None):
        log = open(self.directory / f"{name}.log", "w", encoding="utf-8")  # noqa: SIM115 (closed in close())
        process = subprocess.Popen(args, cwd=ROOT, env=dict(self.env, **(env or {})), stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        process.name, process.log = name, log
        self.running.append(process)
        return process

    def flask(self, name, *args, env=None):
        return self.start(name, [sys.executable, "-m", "flask", *args], env)

    def python(self, name, code, *args, env=None):
        return self.start(name, [sys.executable, "-c", code, *args], env)

    def wait(self, process, timeout=PROCESS_TIMEOUT):
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{process.name} did not finish within {timeout} s:\n{self.output(process)}")

    def output(self, process):
        process.log.flush()
        return (self.directory / f"{process.name}.log").read_text(encoding="utf-8")

    def run(self, name, *flask_args, timeout=PROCESS_TIMEOUT):
        """Run a flask command to its end; returns (exit code, output)."""
        process = self.flask(name, *flask_args)
        return self.wait(process, timeout), self.output(process)

    def close(self):
        for process in self.running:
            if process.poll() is None:
                process.kill()
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            process.log.close()


class Scratch:
    """A committed database that other processes share with the test, and the app of the test's side."""

    def __init__(self, url, directory):
        self.url, self.directory = url, Path(directory)
        (self.directory / "instance").mkdir(exist_ok=True)
        self.app = scratch_app(url)
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("TEST_DATABASE_URL", "APP_ENV", "FLASK_APP", "DATABASE_URL", "INSTANCE_PATH")}
        self.env.update(DATABASE_URL=url, FLASK_APP="app", APP_ENV="development", PYTHONUNBUFFERED="1",
                        INSTANCE_PATH=str(self.directory / "instance"))

    @contextmanager
    def context(self, at=NOW):
        """The scratch app's context, with its clock frozen at `at` (local time)."""
        with self.app.app_context():
            self.app.extensions["clock"] = FrozenClock(datetime.fromisoformat(at), tz=self.app.config["TIMEZONE"])
            try:
                yield
            finally:
                db.session.remove()

    @contextmanager
    def processes(self):
        procs = Processes(self.directory, self.env)
        try:
            yield procs
        finally:
            procs.close()

    def close(self):
        with self.app.app_context():
            db.engine.dispose()


@contextmanager
def scratch_copy(template, name, directory):
    """A Scratch on a fresh copy of a template database ((url, directory) of template_database_fixture), named
    `name`; closed and dropped afterwards."""
    url = scratch_url(name, template[1])
    copy_database(template[0], url)
    box = Scratch(url, directory)
    try:
        yield box
    finally:
        box.close()
        drop_database(url)


def template_database_fixture(name):
    """A module-scoped fixture: (url, directory) of a template database `name`, built once and dropped after."""

    @pytest.fixture(scope="module")
    def template_database():
        directory = tempfile.mkdtemp(prefix=f"qbs-{name}-")
        url = scratch_url(name, directory)
        build_database(url)
        yield url, directory
        drop_database(url)
        shutil.rmtree(directory, ignore_errors=True)

    return template_database
