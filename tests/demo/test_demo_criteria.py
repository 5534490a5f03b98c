"""The demo 考评细则 (app.demo.criteria, issue #15 part 7): after the ledger's demo (at a tenth of its size), the
criteria's and the scoring demo, every assessor has a published book per year whose points add up for every
profile, issued in March with its 文号; every assessed unit has its targets; the quarters the scoring demo
finalizes are complete with the indicators' points, and a county falls short of its target somewhere in them;
the quarter and year reports compute; seeding again adds nothing.

Seeded once for the module inside a transaction rolled back at the end, on a clock frozen on 20 November 2026
(as tests/demo/test_scoring.py does); each test runs in a savepoint of it.
"""

from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.orm import scoped_session, sessionmaker

import app.auth.models as auth_models
from app.core.clock import FrozenClock, today
from app.demo.criteria import IN_REVIEW, RETURNED, doc_number, ledger_actuals, seed_demo_criteria
from app.demo.ledger import seed_demo_ledger
from app.demo.scoring import TIE_PAIRS, seed_demo_scores
from app.extensions import db
from app.org.models import Unit
from app.scoring import engine
from app.scoring.criteria_queries import (
    ASSESSOR_ORDER,
    books_of_year,
    component_maxima,
    engine_indicator,
    published_books,
    targets_of,
)
from app.scoring.models import (
    CriteriaActual,
    CriteriaBook,
    CriteriaMethod,
    CriteriaScore,
    CriteriaSource,
    CriteriaStatus,
    CriteriaTarget,
    ScoreEntry,
    ServiceRating,
)
from app.scoring.quarters import quarter_state
from app.scoring.reports import compute_quarter, quarter_report, year_report
from app.scoring.year_rules import load_year_rules

DEMO_DAY = datetime(2026, 11, 20, 9, 0)  # Q1–Q3 of 2026 have ended; the demo year is 2025
YEARS = (2025, 2026)
FINALIZED = {2025: (1, 2, 3, 4), 2026: (1, 2)}  # what the scoring demo finalizes on DEMO_DAY


@pytest.fixture(scope="module")
def seeded(app):
    """(day, created): ledger, criteria and scores seeded once for the module; rolled back afterwards."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original_session, original_clock, original_hasher = db.session, app.extensions["clock"], auth_models._hasher
        db.session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
                                    scopefunc=lambda: 0)
        app.extensions["clock"] = FrozenClock(DEMO_DAY, tz=app.config["TIMEZONE"])
        auth_models._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        try:
            day = today()
            seed_demo_ledger(day, enterprises=150, projects=60)
            created = seed_demo_criteria(day)
            scores = seed_demo_scores(day)
            db.session.flush()
            yield day, created, scores
        finally:
            auth_models._hasher, app.extensions["clock"] = original_hasher, original_clock
            db.session.remove()
            db.session = original_session
            if outer.is_active:
                outer.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def _db_transaction(seeded):
    savepoint = db.session.begin_nested()
    try:
        yield
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def _units():
    return {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.group.isnot(None)))}


def test_every_assessor_has_a_published_book_per_year_whose_points_add_up(seeded):
    day, created, _ = seeded
    assert created["books"] == 2 * len(ASSESSOR_ORDER) + 2  # and the current year's two revisions
    for year in YEARS:
        year_rules = load_year_rules(year)
        books = published_books(year)
        assert set(books) == set(ASSESSOR_ORDER)
        for assessor, book in books.items():
            indicators = [engine_indicator(i) for i in book.indicators]
            assert engine.check_indicators(indicators, component_maxima(year_rules, assessor)) == []
            assert date(year, 3, 1) <= book.approved_on <= date(year, 3, 31)  # 六(一): by the end of March
            assert book.doc_number == doc_number(year) == f"潭千百十发〔{year}〕2号"
            assert book.submitted_at and book.reviewed_at and book.published_at and book.rule_set_id
            # published: the year's rules score the component by the book's indicators, each at its points
            for unit_id, profile in year_rules.unit_profiles.items():
                comp = year_rules.profile_of(unit_id).component(assessor)
                if comp is None:
                    continue
                assert {s.code: s.maximum for s in comp.sub_items} == {
                    i.code: i.points[profile] for i in indicators if profile in i.points}
        approval_unit = db.session.scalar(sa.select(Unit.id).where(Unit.name == "市行政审批局"))
        assert year_rules.sub_item_assessors["office.approval_service"] == approval_unit


def test_the_current_year_has_a_revision_in_review_and_one_returned(seeded):
    day, _, _ = seeded
    versions = books_of_year(day.year)
    assert [b.status for b in versions[IN_REVIEW]] == [CriteriaStatus.submitted, CriteriaStatus.published]
    assert [b.status for b in versions[RETURNED]] == [CriteriaStatus.returned, CriteriaStatus.published]
    returned = versions[RETURNED][0]
    assert returned.review_comment and returned.based_on_id == versions[RETURNED][1].id
    assert all(len(v) == 1 for a, v in versions.items() if a not in (IN_REVIEW, RETURNED))
    assert all(len(v) == 1 for v in books_of_year(day.year - 1).values())


def test_every_unit_has_its_targets_and_ledger_targets_follow_the_ledger(seeded):
    day, _, _ = seeded
    for year in YEARS:
        year_rules = load_year_rules(year)
        assert len(year_rules.unit_profiles) == 59
        for book in published_books(year).values():
            indicators = [engine_indicator(i) for i in book.indicators]
            assert engine.missing_targets(indicators, year_rules.unit_profiles, targets_of(book)) == []
    # a ledger indicator's target is the unit's actual at the year's end × a factor between 0.85 and 1.25
    books = published_books(2025)
    ledger = [i for b in books.values() for i in b.indicators
              if i.source is CriteriaSource.ledger and engine.Method(i.method.value).needs_target]
    actuals = ledger_actuals(2025, 4, {i.ledger_key for i in ledger}, day)
    ratios = []
    for ind in ledger:
        whole = ind.measure_unit in ("家", "个", "户")  # counted whole: the target is rounded to a whole number
        for target in ind.targets:
            if whole:
                assert target.value == target.value.to_integral_value(), (ind.code, target.value)
            actual = actuals.get(ind.ledger_key, {}).get(target.unit_id)
            if actual:
                slack = Decimal("0.5") if whole else Decimal("0.01")
                assert actual * Decimal("0.85") - slack <= target.value <= actual * Decimal("1.25") + slack
                ratios.append(target.value / actual)
    assert len(ratios) >= 40
    assert len({round(r, 2) for r in ratios}) > 10  # varied per unit


def test_entered_actuals_for_every_started_quarter_and_ratings_of_city_units(seeded):
    day, _, _ = seeded
    units = _units()
    for year in YEARS:
        year_rules = load_year_rules(year)
        started = [q for q in (1, 2, 3, 4) if engine.quarter_dates(year, q)[0] <= day]
        have = set(db.session.execute(sa.select(CriteriaActual.assessor, CriteriaActual.code, CriteriaActual.unit_id,
                                                CriteriaActual.quarter).where(CriteriaActual.year == year)))
        for assessor, book in published_books(year).items():
            for ind in book.indicators:
                if ind.source is not CriteriaSource.entered:
                    continue
                for unit_id, profile in year_rules.unit_profiles.items():
                    if profile in ind.points:
                        assert all((assessor, ind.code, unit_id, q) in have for q in started), (ind.code, unit_id)
    rows = db.session.execute(sa.select(ServiceRating.rater_unit_id, ServiceRating.rated_unit_id)).all()
    assert len(rows) > 500
    assert {units[r].group.value for r, _ in rows} <= {"county", "park1", "park2"}
    assert {units[r].group.value for _, r in rows} <= {"promotion", "support"}
    assert all(rater != rated for rater, rated in rows)


def test_finalized_quarters_are_complete_and_a_county_falls_short_of_its_target(seeded):
    day, _, _ = seeded
    units = _units()
    short = []
    for year, quarters in FINALIZED.items():
        for quarter in quarters:
            state = quarter_state(year, quarter)
            assert state.is_finalized
            report = quarter_report(year, quarter, day)
            assert report["complete"] and len(report["units"]) == 59
            scores = db.session.scalars(sa.select(CriteriaScore).where(
                CriteriaScore.year == year, CriteriaScore.quarter == quarter)).all()
            entries = {(e.unit_id, e.assessor, e.sub_item): e.value for e in db.session.scalars(
                sa.select(ScoreEntry).where(ScoreEntry.year == year, ScoreEntry.quarter == quarter))}
            assert len(scores) > 59 * 3
            for s in scores:  # each confirmed indicator is the entry the report sums
                assert entries[(s.unit_id, s.assessor, s.code)] == s.value <= s.maximum
                assert s.overridden == (s.computed is not None and s.computed != s.value)
                assert not s.overridden or s.reason
            short += [(year, quarter, s) for s in scores if units[s.unit_id].group.value == "county"
                      and s.completion is not None and s.completion < 100 and s.value < s.maximum]
            # the components of the report are the sums of the confirmed indicators (the office's adds its tasks)
            by_component = {}
            for s in scores:
                key = (s.unit_id, s.assessor)
                by_component[key] = by_component.get(key, Decimal(0)) + s.value
            for row in report["units"]:
                for assessor, value in row["components"].items():
                    if assessor != "office" and (row["unit_id"], assessor) in by_component:
                        assert Decimal(value) == by_component[(row["unit_id"], assessor)]
    assert short, "no county short of target in a finalized quarter"
    assert len({units[s.unit_id].name for _, _, s in short}) >= 3
    assert any(s.overridden for _, _, s in short) or db.session.scalar(
        sa.select(sa.func.count()).select_from(CriteriaScore).where(CriteriaScore.overridden.is_(True))) >= 1


def test_quarter_and_year_reports_compute(seeded):
    day, _, _ = seeded
    for year in YEARS:
        for quarter in (1, 2, 3, 4):
            if engine.quarter_dates(year, quarter)[0] > day:
                continue
            report = compute_quarter(year, quarter, day)
            assert len(report["units"]) == 59 and all(r["total"] is not None for r in report["units"])
    annual = year_report(2025, day)
    assert annual["complete"] and all(r["annual"] is not None for r in annual["units"])
    current = year_report(2026, day)
    assert current["quarter_status"][3] == "open" and not quarter_report(2026, 3, day)["complete"]
    manual = db.session.scalar(sa.select(sa.func.count()).select_from(CriteriaScore).where(
        CriteriaScore.computed.is_(None), CriteriaScore.value < CriteriaScore.maximum, CriteriaScore.reason.is_(None)))
    assert manual == 0  # a manual score below the maximum always says why


def test_seeding_again_adds_nothing(seeded):
    day, _, _ = seeded

    def counts():
        return [db.session.scalar(sa.select(sa.func.count()).select_from(m))
                for m in (CriteriaBook, CriteriaTarget, CriteriaActual, ServiceRating, CriteriaScore, ScoreEntry)]

    before = counts()
    assert not any(seed_demo_criteria(day).values())
    assert not any(seed_demo_scores(day).values())
    assert counts() == before


def test_methods_other_than_manual_are_computed(seeded):
    """Every computed method appears in a finalized quarter with points that are not all full."""
    rows = db.session.execute(sa.select(CriteriaScore.code, CriteriaScore.value, CriteriaScore.maximum).where(
        CriteriaScore.year == 2025, CriteriaScore.computed.isnot(None))).all()
    methods = {i.code: i.method for b in published_books(2025).values() for i in b.indicators}
    seen = {methods[code] for code, _, _ in rows}
    assert {CriteriaMethod.linear, CriteriaMethod.steps, CriteriaMethod.rank, CriteriaMethod.count,
            CriteriaMethod.rating} <= seen
    for method in (CriteriaMethod.linear, CriteriaMethod.steps, CriteriaMethod.count):
        assert any(v < m for code, v, m in rows if methods[code] is method), method


def test_the_scoring_demos_tie_holds_under_the_criteria(seeded):
    """The scoring demo's engineered tie (two units of a group with the same quarterly scores, sharing a rank)
    survives the indicators: the second unit's manual indicators absorb the difference."""
    day, _, _ = seeded
    rows = {r["name"]: r for r in year_report(2025, day)["units"]}
    tied = [(a, b) for a, b in TIE_PAIRS.values() if rows[a]["quarters"] == rows[b]["quarters"]]
    assert tied
    for a, b in tied:
        assert (rows[a]["annual"], rows[a]["rank"]) == (rows[b]["annual"], rows[b]["rank"])


def test_entered_levels_stay_near_their_yearly_target_and_flows_grow_with_the_quarter(seeded):
    """A level (每季度对照年度目标, e.g. 人均拥有公共文化设施面积) is entered as the quarter-end figure, near the whole
    target; a flow as the cumulative figure, near the quarter's share of it."""
    from app.scoring import engine
    from app.scoring.models import CriteriaActual

    book = published_books(2025)["culture"]
    targets = targets_of(book)
    for code, expect in (("facility_area", (Decimal("0.7"), Decimal("1.3"))),
                         ("tourism", (Decimal("0.15"), Decimal("0.35")))):
        ind = next(i for i in book.indicators if i.code == code)
        assert (engine.progress_of(ind.params) == engine.PROGRESS_LEVEL) == (code == "facility_area")
        rows = db.session.scalars(sa.select(CriteriaActual).where(
            CriteriaActual.year == 2025, CriteriaActual.quarter == 1, CriteriaActual.code == code))
        ratios = [row.value / targets[(code, row.unit_id)] for row in rows]
        assert ratios and all(expect[0] <= r <= expect[1] for r in ratios), (code, ratios)
