"""The application factory.

Start-up without the cyclic garbage collector: importing the app and building it allocate about a million objects
(74 mapped classes, 254 routes, templates, forms) and almost none of them is garbage, yet the collector ran two full
collections and hundreds of younger ones over them while they were made (issue #13). So the collector is paused
while this module's imports and `create_app()` run, and left as it was found afterwards. What the process loads once
(the modules' imports and the first app it builds) is then frozen (gc.freeze): moved out of the collector's
generations, so that its first collection after the pause does not walk all of it again — a twentieth of the start —
nor do its later full collections. An app built again in the same process (the tests build several) is not frozen,
so that its garbage can still be collected. gunicorn's workers freeze what their app loaded (gunicorn.conf.py).
"""

import gc
from contextlib import contextmanager


@contextmanager
def collector_paused(freeze=False):
    """Pause the cyclic garbage collector for the block, then leave it as it was (enabled or not); with `freeze`,
    first move what the block made (and everything else alive) out of its sight (gc.freeze)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()


_built_once = False  # has this process built an app yet (whose objects were then frozen)?

with collector_paused(freeze=True):
    import logging
    import sqlite3

    from flask import Flask
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from app.core.routing import LazyBuilderRule
    from app.core.transactions import (
        begin_sqlite_transaction,
        end_reading_transaction,
        leave_reading_mode,
        note_begin,
        note_in_use,
        note_statement,
        ping_if_idle,
    )
    from app.extensions import bootstrap, csrf, db, login_manager


class App(Flask):
    """Flask, with URL builders compiled when first used (app/core/routing.py)."""

    url_rule_class = LazyBuilderRule


def create_app(config=None, overrides=None):
    """Build the app. `config` is a Config class (default: from APP_ENV); `overrides` a dict on top."""
    global _built_once
    with collector_paused(freeze=not _built_once):
        _built_once = True
        return _build_app(config, overrides)


def _build_app(config, overrides):
    from config import INSTANCE_DIR, config_for

    app = App(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=False)
    config = config or config_for()
    app.config.from_object(config)
    if overrides:
        app.config.update(overrides)
    if hasattr(config, "check"):
        config.check(app.config)  # production refuses to start without SECRET_KEY, however it is built
    if app.config.get("PROXY_FIX_X_FOR"):
        # Behind the intranet's reverse proxy: trust its X-Forwarded-* headers so that sign-in throttling
        # counts real client addresses rather than the proxy's.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX_X_FOR"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from app.core.clock import SystemClock

    app.extensions["clock"] = SystemClock(app.config["TIMEZONE"])

    db.init_app(app)
    from app import migrations

    migrations.register(app)  # `flask db` and Flask-Migrate's configuration, loaded on first use
    csrf.init_app(app)
    login_manager.init_app(app)
    bootstrap.init_app(app)

    from app import auth, ledger, meetings, models, reminders, scoring  # noqa: F401  (models: every model's table)
    from app.api import bp as api_bp
    from app.auth import views as auth_views
    from app.core import views as core_views
    from app.core.errors import register_error_handlers
    from app.core.input_guards import register_input_guards
    from app.core.security import register_security
    from app.core.templating import register_template_helpers
    from app.home import views as home_views
    from app.ledger import views as ledger_views
    from app.meetings import views as meeting_views
    from app.org import views as org_views
    from app.reminders import views as reminder_views
    from app.scoring import views as scoring_views
    from app.tasks import dispatch_views, list_views, views  # noqa: F401  (their routes join the blueprint)
    from app.tasks import pages as task_pages

    register_input_guards(app)  # before the blueprints: it replaces the `int` URL converter
    app.teardown_request(end_reading_transaction)  # before Flask-SQLAlchemy's close: see app/core/transactions.py
    app.register_blueprint(home_views.bp)
    app.register_blueprint(core_views.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(org_views.bp)
    app.register_blueprint(task_pages.bp)
    app.register_blueprint(scoring_views.bp)
    app.register_blueprint(reminder_views.bp)
    app.register_blueprint(meeting_views.bp)
    app.register_blueprint(ledger_views.bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens only, never with the session cookie

    # What each package adds to the scheduler and the reminders (jobs, scans, rules), in this order: the office
    # page lists the reminder rules in the order they are registered.
    for package in (auth, reminders, ledger, scoring, meetings):
        package.register(app)
    register_error_handlers(app)
    register_security(app)
    register_template_helpers(app)

    from app.reminders.queries import unread_count_for_nav

    @app.context_processor
    def notifications_badge():
        # a callable, so that the one COUNT query runs only when the navigation is rendered
        return {"unread_notifications": unread_count_for_nav}

    from app.cli import register_cli

    register_cli(app)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, write-ahead log, wait on locks; let SQLAlchemy drive transactions."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None  # so that SAVEPOINT and BEGIN work as documented
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


# The pool's connections: pinged after idling, out of a reading request's autocommit mode when they come back (see
# app/core/transactions.py).
event.listen(Engine, "connect", note_in_use)
event.listen(Engine, "checkout", ping_if_idle)
event.listen(Engine, "checkin", leave_reading_mode)
event.listen(Engine, "checkin", note_in_use)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    # Deferred for reading requests, IMMEDIATE for everything that may write: see app/core/transactions.py.
    note_begin(conn)
    begin_sqlite_transaction(conn)


@event.listens_for(Engine, "before_cursor_execute")
def _note_statement(conn, cursor, statement, parameters, context, executemany):
    # Whether the request's transaction wrote: see app/core/transactions.py (end_reading_transaction).
    note_statement(conn, cursor, statement, parameters, context, executemany)
