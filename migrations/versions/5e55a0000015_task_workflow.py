"""tasks: the reason kept with a decreasing follow-up, the reason a completion request has no evidence, and an index
of the timeline by kind and time (the reminders' scan of recent 修改 events, to notify the units)

Revision ID: 5e55a0000015
Revises: 5e55a0000014
Create Date: 2026-12-06 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e55a0000015'
down_revision = '5e55a0000014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decrease_reason', sa.Text(), nullable=True,
                                      comment="why the percent is below the unit's previous report (required then)"))
    with op.batch_alter_table('completion_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_evidence_reason', sa.Text(), nullable=True,
                                      comment='why no evidence file supports the request (when the task has none)'))
    op.create_index('ix_task_events_kind_at', 'task_events', ['kind', 'at'], unique=False)


def downgrade():
    op.drop_index('ix_task_events_kind_at', table_name='task_events')
    with op.batch_alter_table('completion_requests', schema=None) as batch_op:
        batch_op.drop_column('no_evidence_reason')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_column('decrease_reason')
