"""Flask-Migrate, set up when it is first used rather than when the app is created.

Flask-Migrate imports Alembic (and with it Mako and Pygments): about a tenth of the app's start-up, which web workers
and every other command (`flask reminders scan` from cron ...) would pay for nothing. `create_app` calls `register`:
it puts a stand-in under `app.extensions["migrate"]` and a `flask db` command group that load the real thing on first
use, so `flask db upgrade`, `flask_migrate.upgrade()` in tests and benchmarks, and `migrations/env.py` work as
Flask-Migrate documents.
"""

import click
from flask import current_app
from flask.cli import ScriptInfo

from app.extensions import db

OPTIONS = {"render_as_batch": True, "compare_type": True}  # SQLite needs batch ALTERs; compare column types


def migrate_config(app):
    """The app's Flask-Migrate configuration (`_MigrateConfig`), setting Flask-Migrate up on first call."""
    config = app.extensions.get("migrate")
    if config is None or isinstance(config, _Deferred):
        from flask_migrate import Migrate

        Migrate(app, db, **OPTIONS)  # sets app.extensions["migrate"] and adds Flask-Migrate's own `db` group
        config = app.extensions["migrate"]
    return config


class _Deferred:
    """Stands in for Flask-Migrate's configuration until an attribute is asked for."""

    def __init__(self, app):
        self._app = app

    def __getattr__(self, name):
        return getattr(migrate_config(self._app), name)


class _MigrationCommands(click.Group):
    """`flask db ...`: Flask-Migrate's own command group, loaded when `flask db` is invoked (its options and callback
    come with it); `flask --help` lists this stand-in without loading anything."""

    def make_context(self, info_name, args, parent=None, **extra):
        app = current_app._get_current_object() if current_app else parent.ensure_object(ScriptInfo).load_app()
        migrate_config(app)
        from flask_migrate.cli import db as group

        return group.make_context(info_name, args, parent=parent, **extra)


def register(app):
    app.extensions["migrate"] = _Deferred(app)
    app.cli.add_command(_MigrationCommands("db", help="数据库迁移（Flask-Migrate / Alembic）：upgrade、downgrade、"
                                                      "current、history 等。"))
