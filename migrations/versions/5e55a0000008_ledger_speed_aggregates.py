"""ledger: covering indexes for the cockpit's counts by county / park (issue #14, "Speed")

- enterprises (unit_id, is_active, revenue_tier, is_above_scale, above_scale_since, left_scale_on, listing_stage,
  liaison_id): the cockpit's enterprise counts per unit (规上, tiers, listed, 联点) read from the index alone,
  in unit order, instead of a lookup of every row through ix_enterprises_unit_id.
- projects (unit_id, stage, tier, is_active): projects by unit, stage and tier from the index alone.
- project_milestones (stage, project_id, planned_on, actual_on): the 开工 milestones of the 开工率 without
  reading the other milestones.

Revision ID: 5e55a0000008
Revises: 5e55a0000007
Create Date: 2026-12-06 15:35:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e55a0000008'
down_revision = '5e55a0000007'
branch_labels = None
depends_on = None

INDEXES = (
    ('enterprises', 'ix_enterprises_unit_cover',
     ['unit_id', 'is_active', 'revenue_tier', 'is_above_scale', 'above_scale_since', 'left_scale_on',
      'listing_stage', 'liaison_id']),
    ('projects', 'ix_projects_unit_cover', ['unit_id', 'stage', 'tier', 'is_active']),
    ('project_milestones', 'ix_project_milestones_stage_cover', ['stage', 'project_id', 'planned_on', 'actual_on']),
)


def upgrade():
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
