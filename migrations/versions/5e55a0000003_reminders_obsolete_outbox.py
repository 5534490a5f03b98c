"""reminders: an outbox row whose occasion no longer holds at delivery is closed as obsolete, with its reason

Revision ID: 5e55a0000003
Revises: 5e55a0000002
Create Date: 2026-12-06 09:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e55a0000003'
down_revision = '5e55a0000002'
branch_labels = None
depends_on = None

OLD = ('pending', 'sending', 'sent', 'failed', 'cancelled')
NEW = OLD + ('obsolete',)


def _status(values):
    return sa.Enum(*values, name='outboxstatus', native_enum=False, create_constraint=True, length=32)


def upgrade():
    with op.batch_alter_table('reminder_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('obsolete_reason', sa.String(length=200), nullable=True,
                                      comment='why it was closed unsent: its occasion no longer held (Chinese)'))
        batch_op.alter_column('status', existing_type=_status(OLD), type_=_status(NEW), existing_nullable=False,
                              existing_comment='delivery state')


def downgrade():
    op.execute("UPDATE reminder_outbox SET status = 'cancelled' WHERE status = 'obsolete'")
    with op.batch_alter_table('reminder_outbox', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=_status(NEW), type_=_status(OLD), existing_nullable=False,
                              existing_comment='delivery state')
        batch_op.drop_column('obsolete_reason')
