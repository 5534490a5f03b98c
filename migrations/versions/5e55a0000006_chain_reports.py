"""ledger: chain_reports — a 链长's 半年述职 written per chain (one section per chain and half-year)

Revision ID: 5e55a0000006
Revises: 5e55a0000005
Create Date: 2026-12-06 15:10:00

"""
from alembic import op
import sqlalchemy as sa

import app.core.models


# revision identifiers, used by Alembic.
revision = '5e55a0000006'
down_revision = '5e55a0000005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('chain_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False, comment='the chain'),
    sa.Column('period_key', sa.String(length=8), nullable=False, comment='the half-year, e.g. 2026-H1 (as the cadence)'),
    sa.Column('leader_id', sa.Integer(), nullable=True, comment="the 链长 whose 述职 this section belongs to"),
    sa.Column('text', sa.Text(), nullable=False, comment="the section: the chain's half-year, problems, next steps"),
    sa.Column('written_by_id', sa.Integer(), nullable=True, comment='who wrote it last'),
    sa.Column('created_at', app.core.models.UTCDateTime(timezone=True), nullable=False, comment='when the row was created (UTC)'),
    sa.Column('updated_at', app.core.models.UTCDateTime(timezone=True), nullable=False, comment='when the row last changed (UTC)'),
    sa.ForeignKeyConstraint(['chain_id'], ['chains.id'], name=op.f('fk_chain_reports_chain_id_chains'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['leader_id'], ['people.id'], name=op.f('fk_chain_reports_leader_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['written_by_id'], ['users.id'], name=op.f('fk_chain_reports_written_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_reports')),
    sa.UniqueConstraint('chain_id', 'period_key', name='uq_chain_reports_period')
    )
    with op.batch_alter_table('chain_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chain_reports_chain_id'), ['chain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chain_reports_leader_id'), ['leader_id'], unique=False)


def downgrade():
    with op.batch_alter_table('chain_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chain_reports_leader_id'))
        batch_op.drop_index(batch_op.f('ix_chain_reports_chain_id'))

    op.drop_table('chain_reports')
