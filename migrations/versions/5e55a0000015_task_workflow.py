"""tasks: the reason kept with a decreasing follow-up, and the reason a completion request has no evidence

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


def downgrade():
    with op.batch_alter_table('completion_requests', schema=None) as batch_op:
        batch_op.drop_column('no_evidence_reason')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_column('decrease_reason')
