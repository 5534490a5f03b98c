"""tasks: the dispatch list's 督办 sheets (numbered issues of a vice mayor's 旬 list)

Revision ID: 5e55a0000014
Revises: 5e55a0000013
Create Date: 2026-12-06 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e55a0000014'
down_revision = '5e55a0000013'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
