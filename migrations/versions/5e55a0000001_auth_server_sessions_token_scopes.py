"""auth server sessions token scopes (sessions, tokens, passwords)

Revision ID: 5e55a0000001
Revises: 36c06ae882f3
Create Date: 2026-12-06 09:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

# revision identifiers, used by Alembic.
revision = '5e55a0000001'
down_revision = '36c06ae882f3'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
