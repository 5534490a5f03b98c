"""tasks: index of the change time (ix_tasks_updated_at) for the API's incremental sync (updated_since)

Revision ID: 5e55a0000004
Revises: 5e55a0000003
Create Date: 2026-12-06 13:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e55a0000004'
down_revision = '5e55a0000003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_updated_at', ['updated_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_updated_at')
