"""The ledger's actuals of a quarter are read once per state of the ledger (app.ledger.cockpit.kept_snapshot), as
the cockpit is: the indicator grid and a unit's indicator page no longer load the ledger on every request (about
130 ms of a county's indicator page on the benchmark data) — and a write to the ledger shows at once."""

from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.ledger.cockpit import kept_snapshot
from app.ledger.models import Enterprise
from app.org.models import Unit
from app.scoring import criteria_scoring
from tests.factories import account
from tests.ledger.test_cockpit_data import enterprise
from tests.scoring.matrix_criteria_entry import publish


def _postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def test_the_quarters_ledger_snapshot_is_kept_until_the_ledger_changes(clock, count_queries):
    clock.set(datetime(2026, 4, 10, 9, 0))
    first = kept_snapshot(2026, 3)
    with count_queries() as again:
        same = kept_snapshot(2026, 3)
    assert same is first and again.count == 1  # the ledger's state, nothing else
    made = enterprise("湘潭县")
    # a Core write the ORM never sees (as the import or another process would make it)
    db.session.execute(sa.update(Enterprise).where(Enterprise.id == made.id).values(name="测试企业（改名）"))
    after = kept_snapshot(2026, 3)
    # SQLite: a new stamp; PostgreSQL: a transaction that has written computes afresh (its own later writes would
    # add no row to the write log); the reuse across transactions is the cockpit's, tested in tests/ledger
    assert after is not first
    assert kept_snapshot(2026, 6) is not after  # another quarter, another snapshot


def test_the_grid_reads_the_ledger_once_per_state(clock, count_queries):
    clock.set(datetime(2026, 4, 10, 9, 0))
    publish(account("admin"), 2026, "miit")
    db.session.flush()
    criteria_scoring.quarter_sheet(2026, 1, "miit")
    with count_queries() as second:
        sheet = criteria_scoring.quarter_sheet(2026, 1, "miit")
    with count_queries() as fresh:
        db.session.execute(sa.update(Unit).where(Unit.short_name == "湘潭县").values(sort_order=Unit.sort_order))
        criteria_scoring.quarter_sheet(2026, 1, "miit")
    assert sheet.cells
    if not _postgresql():
        assert second.count < fresh.count - 5  # the ledger's reads are kept until a write
