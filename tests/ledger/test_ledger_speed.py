"""The ledger's speed work (issue #14, "Speed"): the month totals the database keeps for the cockpit's trend stay
equal to a fresh sum of the figures whatever writes them (ORM, Core executemany, updates of the amount or the month,
deletes, a deleted enterprise's cascade), the trend the cockpit shows comes from them, the covering indexes the
cockpit relies on are there, and the cockpit kept for a state of the ledger is computed again after any write to a
table it reads (the stamp's triggers)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.ledger.cockpit import cockpit
from app.ledger.measures import monthly_trend
from app.ledger.models import (
    COCKPIT_SOURCES,
    Enterprise,
    EnterpriseFigure,
    EnterpriseMonthTotal,
    LedgerStamp,
    Registry,
)
from app.org.models import Unit
from tests.ledger.test_cockpit_data import enterprise, enterprise_figure, membership


def _kept():
    return {r.month: (r.figures, Decimal(r.revenue)) for r in db.session.execute(
        sa.select(EnterpriseMonthTotal.month, EnterpriseMonthTotal.figures, EnterpriseMonthTotal.revenue))
        if r.figures}


def _summed():
    f = EnterpriseFigure
    return {r.month: (r.n, Decimal(r.total or 0)) for r in db.session.execute(
        sa.select(f.month, sa.func.count().label("n"), sa.func.sum(f.revenue).label("total")).group_by(f.month))}


def test_totals_follow_inserts_updates_and_deletes(clock):
    a, b, c = enterprise(), enterprise(), enterprise("湘乡市")
    enterprise_figure(a, date(2026, 1, 1), revenue=Decimal("100.25"))
    enterprise_figure(b, date(2026, 1, 1), revenue=Decimal("200.50"))
    enterprise_figure(c, date(2026, 1, 1))  # no revenue: counted as reported, adds nothing
    enterprise_figure(a, date(2026, 2, 1), revenue=Decimal("210.00"))
    db.session.flush()
    assert _kept() == _summed()
    assert _kept()[date(2026, 1, 1)] == (3, Decimal("300.75"))

    # Core executemany, as the import and the stress set write
    db.session.execute(sa.insert(EnterpriseFigure), [
        {"enterprise_id": b.id, "month": date(2026, 2, 1), "revenue": Decimal("400.10")},
        {"enterprise_id": c.id, "month": date(2026, 3, 1), "revenue": Decimal("7.05")}])
    assert _kept() == _summed()

    # a corrected amount, a figure moved to another month, an amount cleared
    figure = db.session.scalar(sa.select(EnterpriseFigure).where(EnterpriseFigure.enterprise_id == a.id,
                                                                 EnterpriseFigure.month == date(2026, 2, 1)))
    figure.revenue = Decimal("250.00")
    db.session.flush()
    assert _kept()[date(2026, 2, 1)] == (2, Decimal("650.10"))
    db.session.execute(sa.update(EnterpriseFigure).where(EnterpriseFigure.enterprise_id == c.id,
                                                         EnterpriseFigure.month == date(2026, 3, 1))
                       .values(month=date(2026, 4, 1)))
    db.session.execute(sa.update(EnterpriseFigure).where(EnterpriseFigure.enterprise_id == b.id,
                                                         EnterpriseFigure.month == date(2026, 1, 1))
                       .values(revenue=None))
    assert _kept() == _summed()
    assert date(2026, 3, 1) not in _kept()

    # deletes: one figure, then an enterprise with its figures (the database's cascade)
    db.session.execute(sa.delete(EnterpriseFigure).where(EnterpriseFigure.enterprise_id == c.id,
                                                         EnterpriseFigure.month == date(2026, 1, 1)))
    assert _kept() == _summed()
    db.session.execute(sa.delete(Enterprise).where(Enterprise.id == a.id))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnterpriseFigure)
                             .where(EnterpriseFigure.enterprise_id == a.id)) == 0
    assert _kept() == _summed()
    assert _kept()[date(2026, 2, 1)] == (1, Decimal("400.10"))


def test_the_trend_reads_the_totals(clock):
    a, b = enterprise(), enterprise()
    enterprise_figure(a, date(2026, 1, 1), revenue=Decimal("10.00"))
    enterprise_figure(b, date(2026, 1, 1), revenue=Decimal("5.50"))
    enterprise_figure(a, date(2026, 3, 1), revenue=Decimal("30.00"))
    db.session.flush()
    points = {p["key"]: p["revenue"] for p in monthly_trend(2026, 3)}
    assert points["2026-01"] == Decimal("15.50")
    assert points["2026-02"] is None  # nobody reported February
    assert points["2026-03"] == Decimal("30.00")
    assert points["2025-04"] is None

    # a figure taken back leaves its month without a point again, not a zero
    db.session.execute(sa.delete(EnterpriseFigure).where(EnterpriseFigure.month == date(2026, 3, 1)))
    points = {p["key"]: p["revenue"] for p in monthly_trend(2026, 3)}
    assert points["2026-03"] is None


def test_the_cockpit_indexes_exist():
    inspector = sa.inspect(db.session.connection())
    names = {table: {i["name"] for i in inspector.get_indexes(table)}
             for table in ("enterprise_figures", "project_figures", "registry_memberships", "enterprises",
                           "projects", "project_milestones")}
    assert "ix_enterprise_figures_month_cover" in names["enterprise_figures"]
    assert "ix_project_figures_month_cover" in names["project_figures"]
    assert "ix_registry_memberships_kind_cover" in names["registry_memberships"]
    assert {"ix_enterprises_active_tier", "ix_enterprises_unit_cover"} <= names["enterprises"]
    assert "ix_projects_unit_cover" in names["projects"]
    assert "ix_project_milestones_stage_cover" in names["project_milestones"]


def _stamp():
    return db.session.scalar(sa.select(LedgerStamp.stamp).where(LedgerStamp.id == 1))


def test_every_table_the_cockpit_reads_renews_the_stamp():
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'trg_%%' AND t.tgenabled = 'A'").all()
    else:
        rows = connection.exec_driver_sql("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'").all()
    triggers = {(table, name) for table, name in rows}
    for table in COCKPIT_SOURCES:
        for event in ("insert", "update", "delete"):
            assert (table, f"trg_{table}_ledger_stamp_{event}") in triggers, (table, event)
    for event in ("insert", "update", "delete"):
        assert ("enterprise_figures", f"trg_enterprise_month_totals_{event}") in triggers

    if connection.dialect.name == "postgresql":
        # the triggers log the writing transaction (one row, seen by others once it commits)
        def logged():
            return connection.exec_driver_sql(
                "SELECT count(*) FROM ledger_writes WHERE txid = txid_current_if_assigned()").scalar()

        db.session.execute(sa.update(Unit).where(Unit.short_name == "湘潭县").values(sort_order=Unit.sort_order))
        assert logged() == 1
        enterprise()
        assert logged() == 1  # one row per transaction, however many statements
        return
    before = _stamp()
    db.session.execute(sa.update(Unit).where(Unit.short_name == "湘潭县").values(sort_order=Unit.sort_order))
    after_unit = _stamp()
    assert after_unit != before
    enterprise()
    assert _stamp() != after_unit


def test_the_cockpit_is_computed_again_after_any_write(clock, count_queries):
    clock.set(datetime(2026, 3, 10, 9, 0))
    a = enterprise(revenue_tier=100)
    on = date(2026, 3, 10)
    first = cockpit(2026, 2, on)
    with count_queries() as cached:
        again = cockpit(2026, 2, on)
    # SQLite: the stamp says nothing changed. PostgreSQL: this transaction has written, so it computes afresh (its
    # later writes would add no row to the write log); the reuse across transactions is tested below.
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    assert again == first and (cached.count > 10 if postgresql else cached.count == 1)
    again["enterprise_tiers"][0]["count"] = -1   # a caller changing its copy changes nothing kept
    assert cockpit(2026, 2, on) == first

    # a Core write the ORM never sees (as the import or another process would make it)
    db.session.execute(sa.update(Enterprise).where(Enterprise.id == a.id).values(revenue_tier=50))
    with count_queries() as computed:
        changed = cockpit(2026, 2, on)
    assert computed.count > 10
    tiers = {t["tier"]: t["count"] for t in changed["enterprise_tiers"]}
    assert tiers[100] == {t["tier"]: t["count"] for t in first["enterprise_tiers"]}[100] - 1
    assert tiers[50] == {t["tier"]: t["count"] for t in first["enterprise_tiers"]}[50] + 1

    # a registry membership, then an entered indicator value: each shows at once
    membership(a, Registry.high_tech, date(2026, 1, 1))
    high_tech = next(r for r in cockpit(2026, 2, on)["indicators"] if r["measure"] == "high_tech_count")
    assert high_tech["actual"] >= 1
    # another evaluation day is another entry
    assert cockpit(2026, 2, date(2026, 3, 11))["evaluated_on"] == "2026-03-11"


@pytest.mark.no_db_transaction
def test_postgresql_writers_do_not_wait_on_each_other_and_committed_writes_renew_the_kept_cockpit(
        app, clock, count_queries):
    """On PostgreSQL the triggers insert one row per writing transaction (migration 5e55a0000011) instead of
    updating the one stamp row: with that row, a second writer waited until the first committed (and two writers
    touching the same rows in opposite orders deadlocked). A read-only transaction reuses the kept cockpit until
    a write commits."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's triggers; SQLite has one writer at a time")
    clock.set(datetime(2026, 3, 10, 9, 0))
    first, second = db.engine.connect(), db.engine.connect()
    try:
        first.begin()
        second.begin()
        second.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
        first.execute(sa.update(Unit).where(Unit.short_name == "湘潭县").values(sort_order=Unit.sort_order))
        # with the stamp row this waited for `first` and failed on the lock timeout
        second.execute(sa.update(Unit).where(Unit.short_name == "湘乡市").values(sort_order=Unit.sort_order))
        second.rollback()
        first.rollback()
    finally:
        first.close()
        second.close()

    on = date(2026, 3, 10)
    db.session.rollback()
    computed = cockpit(2026, 2, on)
    db.session.rollback()
    with count_queries() as kept:
        assert cockpit(2026, 2, on) == computed
    assert kept.count == 1
    db.session.rollback()
    db.session.execute(sa.update(Unit).where(Unit.short_name == "湘潭县").values(sort_order=Unit.sort_order))
    db.session.commit()
    with count_queries() as again:
        cockpit(2026, 2, on)
    assert again.count > 10  # a committed write: computed again
    db.session.rollback()
