"""meetings: the 考评会商 (consultation) meeting type — the pre-assessment consultation of 附件2 六(二) joins the
cadence; the CHECK constraint of every column holding a MeetingType accepts the new value

The three columns are cadence_rules.type, expected_meetings.type and meeting_records.type (core.models.enum_column:
VARCHAR(32) with a CHECK constraint named ck_<table>_meetingtype). PostgreSQL drops and re-creates the constraint;
SQLite cannot alter a CHECK constraint, so batch mode rebuilds each table (no trigger is defined on these tables —
the only triggers are the ledger's, 5e55a0000009/10 — so a rebuild loses nothing). The downgrade refuses while a
row still holds the new value, rather than deleting meetings or records.

Revision ID: 5e55a0000013
Revises: 5e55a0000012
Create Date: 2026-12-06 17:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e55a0000013'
down_revision = '5e55a0000012'
branch_labels = None
depends_on = None

TABLES = ('cadence_rules', 'expected_meetings', 'meeting_records')
OLD = ('weekly', 'dispatch', 'monthly', 'quarterly', 'semiannual')
NEW = OLD + ('consultation',)


def _condition(values):
    return "type IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _replace_check(values):
    postgres = op.get_bind().dialect.name == 'postgresql'
    for table in TABLES:
        name = f'ck_{table}_meetingtype'
        if postgres:
            op.drop_constraint(op.f(name), table, type_='check')
            op.create_check_constraint(op.f(name), table, _condition(values))
        else:
            with op.batch_alter_table(table, recreate='always') as batch_op:
                batch_op.drop_constraint(op.f(name), type_='check')
                batch_op.create_check_constraint(op.f(name), _condition(values))


def upgrade():
    _replace_check(NEW)


def downgrade():
    bind = op.get_bind()
    for table in TABLES:
        count = bind.execute(sa.text(f"SELECT count(*) FROM {table} WHERE type = 'consultation'")).scalar()
        if count:
            raise RuntimeError(f"{table} still holds {count} row(s) of the consultation (考评会商) meeting type; "
                               "delete them before downgrading below 5e55a0000013.")
    _replace_check(OLD)
