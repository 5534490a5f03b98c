"""tasks: partial index of the open tasks by due date (ix_tasks_open_due); ix_tasks_lead_unit_cover covers the id

Revision ID: 36c06ae882f3
Revises: 30253d6f18c7
Create Date: 2026-11-28 11:40:00.000000

The inbox, the red/yellow/green filters and the counts of open tasks read only the few thousand open tasks;
without this index PostgreSQL walks ix_tasks_due_on through every closed task of the past years to find them.
Covering (due_on, id, state, completed_on, lead_unit_id) so the light counts and the page's ids are index-only.
ix_tasks_lead_unit_cover gains the id as its last column: the dispatch list selects ids, units and due dates of
a portfolio's tasks, and without the id PostgreSQL reads the whole table instead of the index (SQLite's indexes
hold the rowid anyway).
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '36c06ae882f3'
down_revision = '30253d6f18c7'
branch_labels = None
depends_on = None

OPEN = sa.text("state IN ('assigned', 'accepted', 'in_progress', 'completion_requested')")
COVER = ['lead_unit_id', 'state', 'due_on', 'assigned_on', 'completed_on']


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_lead_unit_cover')
        batch_op.create_index('ix_tasks_lead_unit_cover', COVER + ['id'], unique=False)
        batch_op.create_index('ix_tasks_open_due', ['due_on', 'id', 'state', 'completed_on', 'lead_unit_id'],
                              unique=False, postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_open_due')
        batch_op.drop_index('ix_tasks_lead_unit_cover')
        batch_op.create_index('ix_tasks_lead_unit_cover', COVER, unique=False)
