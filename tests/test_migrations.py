"""The migrations on a fresh database of the test backend: upgrade, downgrade to base, upgrade again, no drift.

Each test builds its own app on its own database (a temporary SQLite file, or `<test database>_mig` on
PostgreSQL), so the session's test database and its seeded organisation are never touched.
"""

import logging

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from psycopg import sql

from app import create_app
from app.extensions import NAMING_CONVENTION, db
from config import TestingConfig
from tests.conftest import database_url, is_postgres

pytestmark = pytest.mark.no_db_transaction


@pytest.fixture
def _keep_logging():
    """migrations/env.py runs logging.config.fileConfig, which disables every existing logger and replaces the
    root handlers; put them back so that later tests still see the app's log records."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    loggers = {name: lg.disabled for name, lg in logging.Logger.manager.loggerDict.items()
               if isinstance(lg, logging.Logger)}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, lg in logging.Logger.manager.loggerDict.items():
        if isinstance(lg, logging.Logger):
            lg.disabled = loggers.get(name, False)


def _pg_admin(url):
    """A psycopg connection string for the server's maintenance database."""
    return url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


@pytest.fixture
def fresh_url(tmp_path):
    if not is_postgres():
        yield f"sqlite:///{tmp_path}/migrations.sqlite3"
        return
    base = sa.engine.make_url(database_url())
    name = f"{base.database}_mig"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(_pg_admin(base), autocommit=True) as conn:
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield base.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(_pg_admin(base), autocommit=True) as conn:
        conn.execute(drop)


@pytest.fixture
def fresh_app(fresh_url, _keep_logging):
    """A separate app on the fresh, empty database, with its app context pushed."""
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": fresh_url})
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def table_names():
    return set(sa.inspect(db.engine).get_table_names())


def model_tables():
    return set(db.metadata.tables)


def current_revision():
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision():
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def drift(metadata):
    """Alembic's autogenerate comparison of the database with `metadata`, as `flask db check` configures it."""
    opts = dict(current_app.extensions["migrate"].configure_args)
    opts.pop("render_as_batch", None)
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)


def copy_of_metadata():
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    for table in db.metadata.tables.values():
        table.to_metadata(metadata)
    return metadata


def test_upgrade_downgrade_to_base_and_upgrade_again_on_a_fresh_database(fresh_app):
    assert table_names() == set()

    upgrade()
    assert current_revision() == head_revision()
    assert table_names() == model_tables() | {"alembic_version"}

    downgrade(revision="base")
    assert current_revision() is None
    assert table_names() == {"alembic_version"}

    upgrade()
    assert current_revision() == head_revision()
    assert table_names() == model_tables() | {"alembic_version"}

    # The re-created schema holds the organisation of the source document.
    from app.org.seed import seed_organisation

    created = seed_organisation()
    db.session.commit()
    assert created["units"] == 65 and created["plans"] == 14
    assert db.session.scalar(sa.text("SELECT count(*) FROM units WHERE \"group\" IS NOT NULL")) == 59


def test_models_and_migrations_do_not_drift(fresh_app):
    upgrade()
    result = fresh_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert drift(db.metadata) == []


def test_the_drift_check_reports_a_table_that_has_no_migration(fresh_app, monkeypatch):
    upgrade()
    metadata = copy_of_metadata()
    sa.Table("throwaway", metadata, sa.Column("id", sa.Integer, primary_key=True))

    diffs = drift(metadata)
    assert [(d[0], d[1].name) for d in diffs if d[0] == "add_table"] == [("add_table", "throwaway")]

    # `flask db check` compares with the app's metadata: swapped for the copy, the command fails.
    monkeypatch.setitem(db.metadatas, None, metadata)
    result = fresh_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code != 0


def test_the_drift_check_reports_a_column_that_has_no_migration(fresh_app):
    upgrade()
    metadata = copy_of_metadata()
    metadata.tables["units"].append_column(sa.Column("fax", sa.String(30)))
    diffs = drift(metadata)
    assert [(d[0], d[2], d[3].name) for d in diffs] == [("add_column", "units", "fax")]


def test_constraint_names_follow_the_naming_convention(fresh_app):
    upgrade()
    inspector = sa.inspect(db.engine)
    assert {"name": "uq_units_name", "column_names": ["name"]} in [
        {k: uq[k] for k in ("name", "column_names")} for uq in inspector.get_unique_constraints("units")]
    assert {"ck_units_unitkind", "ck_units_unitgroup", "ck_units_superiorreport"} <= {
        ck["name"] for ck in inspector.get_check_constraints("units")}
    assert "fk_positions_person_id_people" in {fk["name"] for fk in inspector.get_foreign_keys("positions")}
    assert "ix_units_group" in {ix["name"] for ix in inspector.get_indexes("units")}
    for table in table_names() - {"alembic_version"}:
        for uq in inspector.get_unique_constraints(table):
            assert uq["name"].startswith(f"uq_{table}_"), (table, uq)
        for ck in inspector.get_check_constraints(table):
            assert ck["name"].startswith(f"ck_{table}_"), (table, ck)
        for fk in inspector.get_foreign_keys(table):
            assert fk["name"].startswith(f"fk_{table}_"), (table, fk)
        assert inspector.get_pk_constraint(table)["name"] == f"pk_{table}", table


def test_a_check_constraint_rejects_a_value_outside_the_enum(fresh_app):
    upgrade()
    with pytest.raises(sa.exc.IntegrityError, match="ck_units_unitkind"), db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO units (name, short_name, kind, sort_order, is_active, created_at, updated_at) "
            "VALUES ('x', 'x', 'planet', 0, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))


@pytest.mark.skipif(is_postgres(), reason="SQLite connection settings")
def test_sqlite_connections_enforce_foreign_keys_and_use_the_write_ahead_log(fresh_app):
    upgrade()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"), db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO positions (person_id, title, is_vice_mayor, is_mayor, is_secretary, is_unit_head, "
            "starts_on, created_at, updated_at) "
            "VALUES (999999, 'x', 0, 0, 0, 0, '2026-01-01', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
