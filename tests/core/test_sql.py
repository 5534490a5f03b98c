"""select_rows (app/core/sql.py): plain rows in the session's transaction, with what is pending flushed first."""

from datetime import date

import sqlalchemy as sa

from app.core.models import CalendarOverride
from app.core.sql import select_rows
from app.extensions import db

D = date


def _days():
    return set(select_rows(sa.select(CalendarOverride.day)).scalars())


def test_a_pending_object_is_flushed_and_seen_as_the_orm_would_see_it(app):
    before = _days()
    db.session.add(CalendarOverride(day=D(2031, 1, 4), is_workday=True, note="调休上班"))
    assert D(2031, 1, 4) in _days() - before  # flushed by select_rows, like the ORM's autoflush


def test_inside_no_autoflush_nothing_is_flushed(app):
    before = _days()
    with db.session.no_autoflush:
        db.session.add(CalendarOverride(day=D(2031, 1, 5), is_workday=True, note="调休上班"))
        assert _days() == before
    assert D(2031, 1, 5) in _days()


def test_the_rows_are_those_of_the_sessions_own_transaction(app):
    row = CalendarOverride(day=D(2031, 2, 1), is_workday=False, note="试")
    db.session.add(row)
    db.session.flush()
    assert select_rows(sa.select(CalendarOverride.note).where(CalendarOverride.day == sa.bindparam("d")),
                       {"d": D(2031, 2, 1)}).scalar() == "试"
    db.session.rollback()
    assert D(2031, 2, 1) not in _days()
