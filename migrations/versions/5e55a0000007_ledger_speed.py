"""ledger: covering indexes for the cockpit and the enterprise list (issue #14, "Speed")

- enterprise_figures (month, enterprise_id, revenue, output): a month's figures of every enterprise read from the
  index alone (the cockpit's 12-month 营业收入 trend, the December 工业产值 by county / park).
- project_figures (month, project_id, invested, funds): the year's latest figure of each project and the monthly
  完成投资 trend, from the index alone.
- registry_memberships (kind, enterprise_id, level, year, starts_on, ends_on): the cockpit's current 高企 /
  专精特新 counts without reading the rows.
- enterprises (is_active, revenue_tier): the enterprise list's tier counts without reading the rows.

Revision ID: 5e55a0000007
Revises: 5e55a0000006
Create Date: 2026-12-06 15:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e55a0000007'
down_revision = '5e55a0000006'
branch_labels = None
depends_on = None

INDEXES = (
    ('enterprise_figures', 'ix_enterprise_figures_month_cover', ['month', 'enterprise_id', 'revenue', 'output']),
    ('project_figures', 'ix_project_figures_month_cover', ['month', 'project_id', 'invested', 'funds']),
    ('registry_memberships', 'ix_registry_memberships_kind_cover',
     ['kind', 'enterprise_id', 'level', 'year', 'starts_on', 'ends_on']),
    ('enterprises', 'ix_enterprises_active_tier', ['is_active', 'revenue_tier']),
)


def upgrade():
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
