"""ledger: ledger_writes — on PostgreSQL the cockpit's triggers log the writing transaction instead of updating the
one stamp row

With 5e55a0000010 every write to a table the cockpit reads updated ledger_stamps row 1, which stays locked until
the writer commits: every ledger writer in the city queued behind the first, and two writers touching the same rows
in opposite orders deadlocked (a December report updates the enterprise's tier after writing figures while the
office edits that enterprise). Now the PostgreSQL triggers insert one row per writing transaction, keyed by its
transaction id (ON CONFLICT DO NOTHING: a transaction's later statements add nothing); inserts of different keys
never wait on each other, and a reader sees the row once the transaction commits. The cockpit keys what it keeps on
the stamp with this table's count and highest id (app.ledger.cockpit.ledger_state). SQLite keeps its stamp
triggers: it has one writer at a time.

Revision ID: 5e55a0000011
Revises: 5e55a0000010
Create Date: 2026-12-06 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e55a0000011'
down_revision = '5e55a0000010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ledger_writes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('txid', sa.BigInteger(), nullable=False, comment='the writing transaction (txid_current)'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_writes')),
    sa.UniqueConstraint('txid', name=op.f('uq_ledger_writes_txid'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""CREATE OR REPLACE FUNCTION ledger_stamps_renew() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO ledger_writes (txid) VALUES (txid_current()) ON CONFLICT (txid) DO NOTHING;
            RETURN NULL;
        END
        $$""")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""CREATE OR REPLACE FUNCTION ledger_stamps_renew() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE ledger_stamps SET stamp = gen_random_uuid()::text WHERE id = 1;
            RETURN NULL;
        END
        $$""")
    op.drop_table('ledger_writes')
