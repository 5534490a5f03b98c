"""ledger: enterprise_month_totals — each month's 营业收入 total of the enterprises, kept by triggers (issue #14, "Speed")

The cockpit's 12-month trend summed every enterprise figure of the twelve months (240,000 rows on 20,000
enterprises: 20–40 ms alone on either database). This table holds, per month, how many enterprise figures were
reported and their 营业收入 summed; triggers on enterprise_figures keep it exact on every INSERT, UPDATE and DELETE,
whoever writes (ORM, Core executemany, PostgreSQL COPY — the PostgreSQL triggers are ENABLE ALWAYS, so a bulk load
with session_replication_role = replica keeps the totals too). Existing figures are summed into it here.

- SQLite: row triggers (an UPSERT per figure).
- PostgreSQL: statement triggers with transition tables (one grouped UPSERT per statement).

Revision ID: 5e55a0000009
Revises: 5e55a0000008
Create Date: 2026-12-06 15:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e55a0000009'
down_revision = '5e55a0000008'
branch_labels = None
depends_on = None

UPSERT = ("ON CONFLICT (month) DO UPDATE SET figures = enterprise_month_totals.figures + excluded.figures, "
          "revenue = enterprise_month_totals.revenue + excluded.revenue")

SQLITE = [
    f"""CREATE TRIGGER trg_enterprise_month_totals_insert AFTER INSERT ON enterprise_figures
    BEGIN
        INSERT INTO enterprise_month_totals (month, figures, revenue)
        VALUES (NEW.month, 1, COALESCE(NEW.revenue, 0)) {UPSERT};
    END""",
    """CREATE TRIGGER trg_enterprise_month_totals_delete AFTER DELETE ON enterprise_figures
    BEGIN
        UPDATE enterprise_month_totals SET figures = figures - 1, revenue = revenue - COALESCE(OLD.revenue, 0)
        WHERE month = OLD.month;
    END""",
    f"""CREATE TRIGGER trg_enterprise_month_totals_update AFTER UPDATE OF month, revenue ON enterprise_figures
    BEGIN
        UPDATE enterprise_month_totals SET figures = figures - 1, revenue = revenue - COALESCE(OLD.revenue, 0)
        WHERE month = OLD.month;
        INSERT INTO enterprise_month_totals (month, figures, revenue)
        VALUES (NEW.month, 1, COALESCE(NEW.revenue, 0)) {UPSERT};
    END""",
]

POSTGRESQL = [
    f"""CREATE FUNCTION enterprise_month_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE enterprise_month_totals AS t SET figures = t.figures - o.n, revenue = t.revenue - o.total
            FROM (SELECT month, count(*) AS n, COALESCE(sum(revenue), 0) AS total FROM old_rows GROUP BY month) AS o
            WHERE t.month = o.month;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO enterprise_month_totals (month, figures, revenue)
            SELECT month, count(*), COALESCE(sum(revenue), 0) FROM new_rows GROUP BY month ORDER BY month
            {UPSERT};
        END IF;
        RETURN NULL;
    END
    $$""",
    """CREATE TRIGGER trg_enterprise_month_totals_insert AFTER INSERT ON enterprise_figures
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION enterprise_month_totals_apply()""",
    """CREATE TRIGGER trg_enterprise_month_totals_update AFTER UPDATE ON enterprise_figures
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION enterprise_month_totals_apply()""",
    """CREATE TRIGGER trg_enterprise_month_totals_delete AFTER DELETE ON enterprise_figures
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION enterprise_month_totals_apply()""",
    # fire during bulk loads with session_replication_role = replica too (benchmarks/stress_data.py)
    "ALTER TABLE enterprise_figures ENABLE ALWAYS TRIGGER trg_enterprise_month_totals_insert",
    "ALTER TABLE enterprise_figures ENABLE ALWAYS TRIGGER trg_enterprise_month_totals_update",
    "ALTER TABLE enterprise_figures ENABLE ALWAYS TRIGGER trg_enterprise_month_totals_delete",
]


def upgrade():
    op.create_table('enterprise_month_totals',
    sa.Column('month', sa.Date(), nullable=False, comment='first day of the month'),
    sa.Column('figures', sa.Integer(), nullable=False, comment='enterprise figures reported for the month'),
    sa.Column('revenue', sa.Numeric(precision=16, scale=2), nullable=False, comment='their 营业收入 summed, 万元'),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_enterprise_month_totals'))
    )
    op.execute("INSERT INTO enterprise_month_totals (month, figures, revenue) "
               "SELECT month, count(*), COALESCE(sum(revenue), 0) FROM enterprise_figures GROUP BY month")
    for statement in POSTGRESQL if op.get_bind().dialect.name == 'postgresql' else SQLITE:
        op.execute(statement)


def downgrade():
    for event in ('insert', 'update', 'delete'):
        op.execute(f"DROP TRIGGER IF EXISTS trg_enterprise_month_totals_{event} ON enterprise_figures"
                   if op.get_bind().dialect.name == 'postgresql'
                   else f"DROP TRIGGER IF EXISTS trg_enterprise_month_totals_{event}")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS enterprise_month_totals_apply()")
    op.drop_table('enterprise_month_totals')
