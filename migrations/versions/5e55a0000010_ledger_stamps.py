"""ledger: ledger_stamps — a random stamp the database renews on every write to a table the cockpit reads (issue #14, "Speed")

The cockpit aggregates 20,000 enterprises, their registries, 5,000 projects with milestones, plans and figures, the
chains' and the indicators' figures: 60–90 ms of SQL on either database, for figures that change a few times a
month. One row (id 1) holds a random stamp; statement triggers (PostgreSQL, gen_random_uuid) and row triggers
(SQLite, randomblob) on each of the tables below set a new one on every INSERT, UPDATE and DELETE, whoever writes
(ORM, Core, COPY: the PostgreSQL triggers are ENABLE ALWAYS). app.ledger.cockpit keeps what it computed for a
stamp and reuses it while the stamp is unchanged. A rolled-back write leaves the old stamp, and the data, as they
were.

Keep in mind: on SQLite, a later migration that rebuilds one of these tables (batch_alter_table with a column
change) drops its triggers; create them again there (tests/ledger/test_ledger_speed.py checks they exist).

Revision ID: 5e55a0000010
Revises: 5e55a0000009
Create Date: 2026-12-06 15:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e55a0000010'
down_revision = '5e55a0000009'
branch_labels = None
depends_on = None

TABLES = ("units", "chains", "plans", "targets", "enterprises", "enterprise_figures", "registry_memberships",
          "projects", "project_milestones", "project_year_plans", "project_figures", "chain_figures",
          "indicator_targets", "indicator_values")
EVENTS = ("insert", "update", "delete")


def upgrade():
    op.create_table('ledger_stamps',
    sa.Column('id', sa.Integer(), nullable=False, comment='always 1'),
    sa.Column('stamp', sa.String(length=36), nullable=False, comment='random, new on every write to the cockpit\'s tables'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_stamps'))
    )
    op.execute("INSERT INTO ledger_stamps (id, stamp) VALUES (1, 'initial')")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""CREATE FUNCTION ledger_stamps_renew() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE ledger_stamps SET stamp = gen_random_uuid()::text WHERE id = 1;
            RETURN NULL;
        END
        $$""")
        for table in TABLES:
            for event in EVENTS:
                name = f"trg_{table}_ledger_stamp_{event}"
                op.execute(f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} "
                           "FOR EACH STATEMENT EXECUTE FUNCTION ledger_stamps_renew()")
                op.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}")
    else:
        for table in TABLES:
            for event in EVENTS:
                op.execute(f"CREATE TRIGGER trg_{table}_ledger_stamp_{event} AFTER {event.upper()} ON {table} "
                           "BEGIN UPDATE ledger_stamps SET stamp = lower(hex(randomblob(16))) WHERE id = 1; END")


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for table in TABLES:
        for event in EVENTS:
            name = f"trg_{table}_ledger_stamp_{event}"
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if postgresql else f"DROP TRIGGER IF EXISTS {name}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS ledger_stamps_renew()")
    op.drop_table('ledger_stamps')
