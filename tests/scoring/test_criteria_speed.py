"""Issue #15, "Speed": the year's results with every component scored by 考评细则 indicators read a constant number of
SQL statements, whatever the number of assessed units — the same for 20 units as for all 59 — and so does a
unit's indicator page. (The time, under 300 ms for 59 units on the 50,000-task data set, is the `criteria_year`
row of `make bench`: benchmarks/bench_criteria.py.)

Each year is laid like the benchmark's: every assessor's criteria published with targets, entered actuals and
ratings (app.demo.criteria.seed_criteria_year), then the quarters filled by the scoring demo, which confirms every
indicator on its grid (ScoreEntry per indicator + CriteriaScore). The quarters stay open: the year page computes
them live, the worst case.
"""

from datetime import datetime

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

import app.auth.models as auth_models
from app.core.clock import frozen_clock
from app.demo.criteria import seed_criteria_year
from app.demo.scoring import _Quarter, _Seeder, evaluation_date
from app.extensions import db
from app.org.models import Unit
from app.scoring.criteria_queries import ASSESSOR_ORDER, published_books
from app.scoring.models import CriteriaScore
from app.scoring.year_rules import load_year_rules

QUARTERS = (1,)  # one quarter confirmed (three more computed without entries) keeps the test quick
FEW = 20


@pytest.fixture
def cheap_passwords(monkeypatch):
    """The demo creates a staff account for a unit without one; argon2's production cost is not measured here."""
    monkeypatch.setattr(auth_models, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def _lay(year, day):
    """The year's published criteria and its QUARTERS confirmed for the units assessed now."""
    created = seed_criteria_year(year, day)
    assert created["books"] == len(ASSESSOR_ORDER)
    with frozen_clock() as clock:
        _Seeder(day, clock).seed_quarters([_Quarter(year, q, evaluation_date(year, q, day), finalize=False)
                                           for q in QUARTERS])
    db.session.commit()


def _few_units():
    """FEW of the 59 units, several of each group (in the document's order), the first county among them."""
    units = db.session.scalars(sa.select(Unit).where(Unit.group.isnot(None)).order_by(Unit.sort_order)).all()
    by_group = {}
    for unit in units:
        by_group.setdefault(unit.group, []).append(unit)
    kept = []
    while len(kept) < FEW:
        for members in by_group.values():
            taken = [u for u in members if u not in kept]
            if taken and len(kept) < FEW:
                kept.append(taken[0])
    return kept, [u for u in units if u not in kept]


def _count(client, count_queries, path):
    assert client.get(path).status_code == 200  # warm: the first request of a process loads templates
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200, path
    return counter.count


def test_the_year_page_reads_as_many_statements_for_20_units_as_for_59(
        app, client, login_as, clock, count_queries, cheap_passwords):
    clock.set(datetime(2026, 11, 20, 9, 0))
    day = clock.today()
    # all 59 units assessed in the demo year (first: a new year starts from the latest earlier year's rules)
    _lay(2025, day)
    # 20 units in the year before: the others not assessed while it is laid
    kept, others = _few_units()
    groups = {u.id: u.group for u in others}
    for unit in others:
        unit.group = None
    db.session.commit()
    _lay(2024, day)
    for unit in others:
        unit.group = groups[unit.id]
    db.session.commit()

    sizes = {year: len(load_year_rules(year).unit_profiles) for year in (2024, 2025)}
    assert sizes == {2024: FEW, 2025: 59}
    for year in (2024, 2025):  # every component of every unit is scored by indicators
        assert set(published_books(year)) == set(ASSESSOR_ORDER)
        confirmed = db.session.scalar(sa.select(sa.func.count(sa.distinct(CriteriaScore.unit_id))).where(
            CriteriaScore.year == year, CriteriaScore.quarter == 1))
        assert confirmed == sizes[year]

    login_as("admin")
    counts = {year: _count(client, count_queries, f"/scoring/{year}") for year in (2024, 2025)}
    assert counts[2024] == counts[2025], counts

    county = kept[0]
    assert county.group.value == "county"
    pages = {year: _count(client, count_queries, f"/scoring/units/{county.id}/{year}/q1/indicators")
             for year in (2024, 2025)}
    assert pages[2024] == pages[2025], pages
