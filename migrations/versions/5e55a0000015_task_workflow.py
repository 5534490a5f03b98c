"""tasks: edits after assigning and the progress/completion rules of the workflow (placeholder until filled)

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
    pass


def downgrade():
    pass
