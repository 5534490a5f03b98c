"""auth sign-in throttling: delays per (account, address) pair and per address instead of account locks

The account lock (users.failed_sign_ins, users.locked_until) let anyone lock any official out; the delays are now
computed from sign_in_attempts, which already held every failure with its name and address. A failure that no
longer counts (the pair signed in since, or an administrator unlocked the account) is marked is_cleared.

Data: the attempts are kept as they are (none is cleared, so recent failures keep delaying their own pair). An
account lock still running at the upgrade ends with it; the failures behind it delay only their own addresses.
The downgrade brings back the two columns empty (no account locked, no failures counted).

Revision ID: 5e55a0000002
Revises: 5e55a0000001
Create Date: 2026-12-06 09:30:00

"""
from alembic import op
import sqlalchemy as sa

import app.core.models

# revision identifiers, used by Alembic.
revision = '5e55a0000002'
down_revision = '5e55a0000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'is_cleared', sa.Boolean(), server_default=sa.false(), nullable=False,
            comment='a failure that no longer delays: the pair signed in since, or an administrator unlocked'))
        batch_op.alter_column('succeeded', existing_type=sa.Boolean(), existing_nullable=False,
                              comment='whether the sign-in succeeded',
                              existing_comment='whether the password was right')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_sign_ins')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), server_default='0', nullable=False,
                                      comment='failures since the last success'))
        batch_op.add_column(sa.Column('locked_until', app.core.models.UTCDateTime(timezone=True), nullable=True,
                                      comment='sign-in refused until'))
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.alter_column('succeeded', existing_type=sa.Boolean(), existing_nullable=False,
                              comment='whether the password was right',
                              existing_comment='whether the sign-in succeeded')
        batch_op.drop_column('is_cleared')
