"""auth: server sessions (user_sessions), token scope/expiry/last use, must_change_password instead of session_version

Sessions: the session and remember cookies now carry a random token naming a user_sessions row (only its SHA-256 is
stored); ending the row ends both cookies. users.session_version, which could only end all of a user's sessions at
once, is dropped: at the upgrade every browser is signed out once (the old cookies name no row), as a change of
SECRET_KEY would do. The downgrade brings session_version back as 1 for everyone.

Tokens: existing tokens become read-write (they could write until now) and expire 90 days after the upgrade (now +
90 days, not created_at + 90 days, so that no integration that works today stops without warning on the day of the
upgrade; the account page shows the date).

Revision ID: 5e55a0000001
Revises: 36c06ae882f3
Create Date: 2026-12-06 09:30:00

"""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import app.core.models

# revision identifiers, used by Alembic.
revision = '5e55a0000001'
down_revision = '36c06ae882f3'
branch_labels = None
depends_on = None

TOKEN_SCOPE = sa.Enum('read', 'read_write', name='tokenscope', native_enum=False, create_constraint=True, length=32)


def upgrade():
    op.create_table(
        'user_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False, comment='whose session'),
        sa.Column('token_hash', sa.String(length=64), nullable=False, comment='SHA-256 of the session token'),
        sa.Column('created_at', app.core.models.UTCDateTime(timezone=True), nullable=False,
                  comment='signed in at (UTC)'),
        sa.Column('last_seen_at', app.core.models.UTCDateTime(timezone=True), nullable=False,
                  comment='last request (UTC), written at most once a minute'),
        sa.Column('expires_at', app.core.models.UTCDateTime(timezone=True), nullable=False,
                  comment='absolute deadline (UTC)'),
        sa.Column('is_remembered', sa.Boolean(), nullable=False,
                  comment='remember-me: lives to expires_at, no idle limit'),
        sa.Column('address', sa.String(length=64), nullable=True, comment='client IP address at sign-in'),
        sa.Column('user_agent', sa.String(length=300), nullable=True, comment="browser's User-Agent, truncated"),
        sa.Column('revoked_at', app.core.models.UTCDateTime(timezone=True), nullable=True,
                  comment='ended (UTC); NULL while valid'),
        sa.Column('revoked_reason', sa.String(length=50), nullable=True, comment='why it was ended (Chinese)'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash')),
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False,
            comment='the password breaks the policy: every page leads to the account page until changed'))
        batch_op.drop_column('session_version')

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', TOKEN_SCOPE, server_default='read_write', nullable=False,
                                      comment='read: GET only; read_write: every operation'))
        batch_op.add_column(sa.Column('expires_at', app.core.models.UTCDateTime(timezone=True), nullable=True,
                                      comment='no longer valid from (UTC)'))
        batch_op.add_column(sa.Column('last_used_from', sa.String(length=64), nullable=True,
                                      comment='client IP address of the last use'))
    tokens = sa.table('api_tokens', sa.column('expires_at', app.core.models.UTCDateTime(timezone=True)))
    op.execute(tokens.update().values(expires_at=datetime.now(UTC) + timedelta(days=90)))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=app.core.models.UTCDateTime(timezone=True),
                              nullable=False, existing_comment='no longer valid from (UTC)')


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('last_used_from')
        batch_op.drop_column('expires_at')
        batch_op.drop_constraint(op.f('ck_api_tokens_tokenscope'), type_='check')
        batch_op.drop_column('scope')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False,
                                      comment="bumped to end all of a user's sessions"))
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
