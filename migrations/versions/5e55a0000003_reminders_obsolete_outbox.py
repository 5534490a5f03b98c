"""reminders obsolete outbox (reminders and backup)

Revision ID: 5e55a0000003
Revises: 5e55a0000002
Create Date: 2026-12-06 09:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

# revision identifiers, used by Alembic.
revision = '5e55a0000003'
down_revision = '5e55a0000002'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
