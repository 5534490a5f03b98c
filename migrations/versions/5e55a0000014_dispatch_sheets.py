"""tasks: the dispatch list's 督办 sheets (numbered issues of a vice mayor's 旬 list)

Revision ID: 5e55a0000014
Revises: 5e55a0000013
Create Date: 2026-12-06 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import app.core.models


# revision identifiers, used by Alembic.
revision = '5e55a0000014'
down_revision = '5e55a0000013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dispatch_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False, comment='year of issue (the 〔2026〕 of the number)'),
    sa.Column('number', sa.Integer(), nullable=False, comment='the N of 第 N 期, sequential within the year'),
    sa.Column('person_id', sa.Integer(), nullable=False, comment='the leader whose list it is'),
    sa.Column('xun_key', sa.String(length=10), nullable=False, comment='the 旬, as Xun.code (2026-04-2)'),
    sa.Column('issued_at', app.core.models.UTCDateTime(timezone=True), nullable=False, comment='when issued (UTC)'),
    sa.Column('issued_by_id', sa.Integer(), nullable=True, comment='who issued it'),
    sa.Column('created_at', app.core.models.UTCDateTime(timezone=True), nullable=False, comment='when the row was created (UTC)'),
    sa.Column('updated_at', app.core.models.UTCDateTime(timezone=True), nullable=False, comment='when the row last changed (UTC)'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_dispatch_sheets_issued_by_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_dispatch_sheets_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_sheets')),
    sa.UniqueConstraint('person_id', 'xun_key', name='uq_dispatch_sheets_list'),
    sa.UniqueConstraint('year', 'number', name='uq_dispatch_sheets_number')
    )
    with op.batch_alter_table('dispatch_sheets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_sheets_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('dispatch_sheets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_sheets_person_id'))

    op.drop_table('dispatch_sheets')
