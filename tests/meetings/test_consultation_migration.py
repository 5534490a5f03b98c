"""Migration 5e55a0000013: the CHECK constraint of every MeetingType column accepts the 考评会商 on a migrated
database (the drift check does not compare CHECK constraints), still refuses an unknown type, and the downgrade
refuses while a consultation row exists."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.test_migrations import _keep_logging, fresh_app, fresh_url  # noqa: F401  (fixtures)

pytestmark = pytest.mark.no_db_transaction

INSERT_RULE = ("INSERT INTO cadence_rules (type, anchor, offset_days, record_due_workdays, remind_workdays_before, "
               "horizon_days, is_active, note, created_at, updated_at) "
               "VALUES (:type, 'end', 5, 2, 3, 120, true, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
INSERT_MEETING = ("INSERT INTO expected_meetings (type, period_key, period_start, period_end, convener_key, "
                  "scheduled_on, record_due_on, provisional, is_cancelled, created_at, updated_at) "
                  "VALUES (:type, '2026-Q1', '2026-01-01', '2026-03-31', 'unit:1', '2026-04-03', '2026-04-08', "
                  "false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
INSERT_RECORD = ("INSERT INTO meeting_records (expected_id, type, held_on, place, chair, attendees, topics, minutes, "
                 "comments, status, version, created_at, updated_at) "
                 "VALUES (:expected_id, :type, '2026-04-03', '', '', '', '', '', '', 'draft', 1, "
                 "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")


def check_names(table):
    return {ck["name"] for ck in sa.inspect(db.engine).get_check_constraints(table)}


def test_every_meeting_type_column_accepts_the_consultation_and_still_refuses_an_unknown_type(fresh_app):  # noqa: F811
    upgrade(revision="5e55a0000013")
    for table in ("cadence_rules", "expected_meetings", "meeting_records"):
        assert f"ck_{table}_meetingtype" in check_names(table)
    with db.engine.begin() as conn:
        conn.execute(sa.text(INSERT_RULE), {"type": "consultation"})
        conn.execute(sa.text(INSERT_MEETING), {"type": "consultation"})
        expected_id = conn.execute(sa.text("SELECT id FROM expected_meetings WHERE type = 'consultation'")).scalar()
        conn.execute(sa.text(INSERT_RECORD), {"expected_id": expected_id, "type": "consultation"})
    for statement, table in ((INSERT_RULE, "cadence_rules"), (INSERT_MEETING, "expected_meetings")):
        with pytest.raises(sa.exc.IntegrityError, match=f"ck_{table}_meetingtype"), db.engine.begin() as conn:
            conn.execute(sa.text(statement), {"type": "assembly"})
    with pytest.raises(sa.exc.IntegrityError, match="ck_meeting_records_meetingtype"), db.engine.begin() as conn:
        conn.execute(sa.text(INSERT_RECORD), {"expected_id": expected_id, "type": "assembly"})

    # the downgrade keeps the rows: it refuses while a consultation exists (nothing changed) ...
    with pytest.raises(SystemExit):  # flask_migrate logs the RuntimeError and exits
        downgrade(revision="5e55a0000012")
    db.session.remove()
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "5e55a0000013"
    with db.engine.begin() as conn:
        for table in ("meeting_records", "expected_meetings", "cadence_rules"):
            conn.execute(sa.text(f"DELETE FROM {table} WHERE type = 'consultation'"))
    # ... and once none is left, the old constraint refuses the type again
    downgrade(revision="5e55a0000012")
    with pytest.raises(sa.exc.IntegrityError, match="ck_cadence_rules_meetingtype"), db.engine.begin() as conn:
        conn.execute(sa.text(INSERT_RULE), {"type": "consultation"})
    with db.engine.begin() as conn:
        conn.execute(sa.text(INSERT_RULE), {"type": "weekly"})


def test_upgrading_a_database_with_records_keeps_every_record_and_its_lines(fresh_app):  # noqa: F811
    """An existing database (meetings, records and their lines at 5e55a0000012) upgrades: SQLite rebuilds the three
    tables, which the others reference — with foreign keys enforced the DROP of the old table failed (or would
    cascade to the records' lines); nothing may be lost either way."""
    upgrade(revision="5e55a0000012")
    with db.engine.begin() as conn:
        conn.execute(sa.text(INSERT_MEETING), {"type": "quarterly"})
        expected_id = conn.execute(sa.text("SELECT id FROM expected_meetings")).scalar()
        conn.execute(sa.text(INSERT_RECORD), {"expected_id": expected_id, "type": "quarterly"})
        record_id = conn.execute(sa.text("SELECT id FROM meeting_records")).scalar()
        conn.execute(sa.text("INSERT INTO meeting_record_items (record_id, kind, text, resolved, sort_order, "
                             "created_at, updated_at) VALUES (:r, 'visit', '电驱系统产业园', false, 1, "
                             "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"r": record_id})
    db.session.remove()
    upgrade(revision="5e55a0000013")
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "5e55a0000013"
        assert conn.execute(sa.text("SELECT count(*) FROM expected_meetings")).scalar() == 1
        assert conn.execute(sa.text("SELECT expected_id FROM meeting_records")).scalar() == expected_id
        assert conn.execute(sa.text("SELECT text FROM meeting_record_items WHERE record_id = :r"),
                            {"r": record_id}).scalar() == "电驱系统产业园"
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again for the app's connections
