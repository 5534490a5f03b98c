"""The organisation's demo data (app.demo.org) and the whole `flask demo`: running them again changes nothing, and
the demo never restores what an administrator removed."""

from datetime import date

import sqlalchemy as sa

from app.demo.org import seed_demo_org
from app.extensions import db
from app.org import services
from app.org.models import Chain, PortfolioItem, Unit
from tests.org.test_seed import table_rows


def all_table_rows():
    return {table.name: [tuple(r) for r in db.session.execute(sa.select(table).order_by(*table.primary_key.columns))]
            for table in db.metadata.sorted_tables}


def test_flask_demo_twice_changes_nothing(app):
    # The test database already holds the organisation's demo data; `flask demo` may add other packages' demo
    # records (tasks, their users) the first time, and changes nothing the second time.
    before = table_rows()
    del before["users"]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "portfolio 新增 0，chains 新增 0，users 新增 0" in result.output
    after_first = all_table_rows()
    assert {name: rows for name, rows in after_first.items() if name in before} == before

    result = runner.invoke(args=["demo"])

    assert result.exit_code == 0, result.output
    assert all_table_rows() == after_first


def test_organisation_demo_data_twice_changes_nothing():
    before = table_rows()
    assert seed_demo_org() == {"portfolio": 0, "chains": 0, "users": 0}
    assert table_rows() == before




def test_demo_does_not_restore_a_chain_leader_or_portfolio_an_administrator_removed(user):
    admin = user("admin")
    chain = db.session.scalars(sa.select(Chain).where(Chain.name == "军工")).one()
    services.set_chain_leader(admin, chain, None, None)
    item = db.session.scalars(sa.select(PortfolioItem).join(Unit).where(Unit.name == "市工信局")).one()
    services.end_period(admin, item, date(2026, 1, 31), "portfolio.end")
    db.session.commit()
    before = table_rows()

    assert seed_demo_org() == {"portfolio": 0, "chains": 0, "users": 0}

    assert table_rows() == before
    assert db.session.get(Chain, chain.id).leader_id is None
    assert db.session.get(PortfolioItem, item.id).ends_on == date(2026, 1, 31)
