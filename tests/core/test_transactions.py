"""Which SQLite transactions begin as writers (app/core/transactions.py): the rule, without a database race."""

import pytest

from app.core import transactions
from app.core.transactions import DEFERRED, IMMEDIATE, READ_ONLY, ensure_writer, sqlite_begin_statement
from tests.conftest import is_postgres


@pytest.mark.parametrize(("method", "expected"), [
    ("GET", DEFERRED), ("HEAD", DEFERRED), ("OPTIONS", DEFERRED),
    ("POST", IMMEDIATE), ("PUT", IMMEDIATE), ("PATCH", IMMEDIATE), ("DELETE", IMMEDIATE),
])
def test_a_request_that_may_write_begins_as_a_writer_and_a_reading_request_as_a_reader(app, method, expected):
    with app.test_request_context("/", method=method):
        assert sqlite_begin_statement() == expected


def test_jobs_and_commands_outside_a_request_begin_as_writers(app):
    assert sqlite_begin_statement() == IMMEDIATE


@pytest.mark.skipif(is_postgres(), reason="ensure_writer does nothing outside SQLite")
def test_a_get_that_must_write_becomes_a_writer_for_the_rest_of_the_request(app):
    with app.test_request_context("/", method="GET"):
        assert sqlite_begin_statement() == DEFERRED
        ensure_writer()
        assert sqlite_begin_statement() == IMMEDIATE


def test_a_connection_marked_read_only_begins_deferred_whatever_the_context(app):
    executed = []

    class Recorder:
        dialect = type("D", (), {"name": "sqlite"})()

        def __init__(self, options):
            self.options = options

        def get_execution_options(self):
            return self.options

        def exec_driver_sql(self, statement):
            executed.append(statement)

    transactions.begin_sqlite_transaction(Recorder(READ_ONLY))
    transactions.begin_sqlite_transaction(Recorder({}))
    assert executed == [DEFERRED, IMMEDIATE]
