"""inputs and decisions (input limits and decisions)

Revision ID: 5e55a0000004
Revises: 5e55a0000003
Create Date: 2026-12-06 09:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

# revision identifiers, used by Alembic.
revision = '5e55a0000004'
down_revision = '5e55a0000003'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
