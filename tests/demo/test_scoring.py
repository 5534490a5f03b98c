"""The demo assessment data (app.demo.scoring): the year before the clock's is assessed and finalized, and its
results show every case the result pages explain — a tie sharing its rank, a policy deduction, 不合格 by score
and by decision, and office components mixing on-time, late and undone tasks; the current year's latest ended
quarter stays open with entries missing; seeding twice adds nothing.

The seed goes through the real services (about 70 tasks, 850 entries, 6 finalizations), so it runs once for the
module, inside a transaction rolled back at the end, with the clock frozen on 20 November 2026 (as the `clock`
fixture does, but for the module); each test runs in a savepoint of it.
"""

from collections import Counter
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.orm import scoped_session, sessionmaker

import app.auth.models as auth_models
from app.core.clock import FrozenClock, today
from app.core.models import AuditEntry
from app.demo.scoring import DEMO_TASK_REF, FAIL_UNIT, LOW_UNIT, TIE_PAIRS, seed_demo_scores
from app.extensions import db
from app.scoring.models import FailDecision, PolicyRate, ScoreEntry, ScoringQuarter
from app.scoring.quarters import quarter_state
from app.scoring.reports import quarter_report, year_quarter_reports, year_report
from app.scoring.services import reopen_quarter
from app.scoring.year_rules import load_year_rules, save_rules
from app.tasks.models import Task

GROUPS = {"county", "park1", "park2", "promotion", "support"}
DEMO_DAY = datetime(2026, 11, 20, 9, 0)  # Q1–Q3 of 2026 have ended; the demo year is 2025


@pytest.fixture(scope="module")
def seeded(app):
    """(day, created): the demo seeded once for the module; rolled back afterwards."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original_session, original_clock, original_hasher = db.session, app.extensions["clock"], auth_models._hasher
        db.session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
                                    scopefunc=lambda: 0)
        app.extensions["clock"] = FrozenClock(DEMO_DAY, tz=app.config["TIMEZONE"])
        # the seed may create unit accounts; argon2's production cost is not what this module measures
        auth_models._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        try:
            day = today()
            created = seed_demo_scores(day)
            db.session.flush()
            yield day, created
        finally:
            auth_models._hasher, app.extensions["clock"] = original_hasher, original_clock
            db.session.remove()
            db.session = original_session
            if outer.is_active:
                outer.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def _db_transaction(seeded):
    """Overrides conftest's per-test transaction: each test runs in a savepoint of the module's transaction,
    in the module's app context (a context of its own would close the module's session when it ends)."""
    savepoint = db.session.begin_nested()
    try:
        yield
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def _counts():
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (ScoreEntry, Task, ScoringQuarter, PolicyRate, FailDecision, AuditEntry)}


def test_demo_year_is_finalized_with_a_tie_a_deduction_and_two_fails(seeded):
    day, created = seeded
    year = day.year - 1
    assert created["finalized"] == 4 + 2 and created["tasks"] >= 50 and created["entries"] > 4 * 59
    report = year_report(year, day)
    rows = {row["name"]: row for row in report["units"]}

    assert report["quarter_status"] == {1: "finalized", 2: "finalized", 3: "finalized", 4: "finalized"}
    assert report["complete"] and len(rows) == 59 and all(row["complete"] for row in rows.values())
    assert {row["group"] for row in rows.values()} == GROUPS
    assert all(row["annual"] is not None and row["rank"] >= 1 and row["points"] for row in rows.values())

    # a tie: two units of one group share a rank (the engineered pairs have identical quarterly scores)
    shared = [key for key, n in Counter((r["group"], r["rank"]) for r in rows.values()).items() if n > 1]
    assert shared
    for first, second in TIE_PAIRS.values():
        assert rows[first]["quarters"] == rows[second]["quarters"]
        assert (rows[first]["annual"], rows[first]["rank"]) == (rows[second]["annual"], rows[second]["rank"])

    # policy rates for all 13 counties and parks; below 90% loses 3 points, exactly 90% does not
    ranked = [r for r in rows.values() if r["group"] in ("county", "park1", "park2")]
    assert len(ranked) == 13 and all(r["policy_rate"] is not None for r in ranked)
    deducted = [r for r in ranked if r["deduction"]]
    assert deducted and all(float(r["policy_rate"]) < 90 and r["deduction"] == "3.00" for r in deducted)
    assert any(r["policy_rate"] == "90.00" and r["deduction"] is None for r in ranked)

    # 不合格: one by the leadership group's recorded decision, one by an annual score below 60
    assert rows[FAIL_UNIT]["grade"] == "failed" and float(rows[FAIL_UNIT]["annual"]) >= 60
    assert rows[LOW_UNIT]["grade"] == "failed" and float(rows[LOW_UNIT]["annual"]) < 60
    decision = db.session.scalar(sa.select(FailDecision).where(FailDecision.year == year))
    assert decision.unit.name == FAIL_UNIT and decision.reason and decision.decided_on <= day


def test_demo_quarters_are_evaluated_after_the_quarter_and_explain_tasks(seeded):
    day, _ = seeded
    year = day.year - 1
    outcomes = Counter()
    for quarter in (1, 2, 3, 4):
        state = quarter_state(year, quarter)
        end = date(year, 3 * quarter, 31 if quarter in (1, 4) else 30)
        assert state.is_finalized and end < state.evaluated_on <= day
        assert (state.evaluated_on - end).days <= 25  # ten working days after the quarter
        report = quarter_report(year, quarter, day)
        assert report["status"] == "finalized" and report["complete"]
        explained = [r for r in report["units"] if r["office"] and r["office"]["has_tasks"]]
        assert len({r["group"] for r in explained}) >= 3
        outcomes.update(line["outcome"] for r in explained for line in r["office"]["lines"])
        # every entry below full marks says why
        for entry in report["entries"]:
            maximum = next(r for r in report["units"] if r["unit_id"] == entry["unit_id"])["maxima"][entry["assessor"]]
            assert entry["note"] or entry["value"] == maximum
    assert {"on_time", "late", "not_done"} <= set(outcomes) and all(n >= 5 for n in outcomes.values())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(
        Task.source_ref.like(f"{DEMO_TASK_REF}%"), Task.due_on > Task.original_due_on)) >= 1  # an extension


def test_demo_scores_are_idempotent(seeded):
    day, _ = seeded
    before = _counts()
    assert not any(seed_demo_scores(day).values())
    assert _counts() == before


def test_demo_current_year_has_its_latest_ended_quarter_open_with_entries_missing(seeded):
    day, _ = seeded
    reports = {q: quarter_report(day.year, q, day) for q in (1, 2, 3)}
    assert {q: r["status"] for q, r in reports.items()} == {1: "finalized", 2: "finalized", 3: "open"}
    assert reports[1]["complete"] and reports[2]["complete"] and not reports[3]["complete"]
    entered = db.session.scalar(sa.select(sa.func.count()).select_from(ScoreEntry).where(
        ScoreEntry.year == day.year, ScoreEntry.quarter == 3))
    incomplete = [r for r in reports[3]["units"] if r["missing"]]
    assert entered > 100 and 3 <= len(incomplete) <= 20
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(ScoreEntry).where(
        ScoreEntry.year == day.year, ScoreEntry.quarter == 4))  # the running quarter: nothing yet


def test_year_report_from_aggregates_equals_the_per_task_quarter_reports(seeded, user):
    """year_report computes open quarters from one aggregate query of task outcomes; the pages pass the full
    per-task quarter reports instead. Both must give the same results, whatever the task settings."""
    day, _ = seeded
    year = day.year - 1
    admin = user("admin")
    from app.scoring.approvals import reopen_year

    reopen_year(admin, year, "核对年度汇总的两种计算方式")  # the demo year is frozen: reopened first, with a reason
    for quarter in (1, 2, 3, 4):
        reopen_quarter(admin, year, quarter, "核对年度汇总的两种计算方式")
    dates = (day, date(year, 5, 20), date(year, 12, 31))

    def both(on):
        return year_report(year, on), year_report(
            year, on, quarters=year_quarter_reports(year, on))

    for on in dates:
        aggregated, per_task = both(on)
        assert aggregated == per_task
    data = load_year_rules(year).to_data()
    data["rules"]["tasks"].update(late_credit="0.6", include_co_units=True,
                                  weights={"normal": "1", "key": "3"})
    save_rules(admin, year, data, note="测试：调整交办事项权重")
    for on in dates:
        aggregated, per_task = both(on)
        assert aggregated == per_task
    assert any(r["annual"] != "0.00" for r in aggregated["units"])


def test_demo_year_is_approved_frozen_and_its_result_sheets_sent_but_one(seeded):
    """附件2 四: the annual results by 30 January; 一: with the office's 考评意见, approved by the leadership group;
    五(一)3: the units reported upward get their result sheet — the demo leaves the last one still to be sent."""
    from app.scoring.approvals import opinion_of, sheet_units
    from app.scoring.models import YearSetting

    day, created = seeded
    year = day.year - 1
    setting = db.session.get(YearSetting, year)
    assert setting.annual_snapshot is not None and setting.annual_doc_number == f"潭千百十〔{year + 1}〕6号"
    assert setting.annual_approved_on <= date(year + 1, 1, 30)
    assert opinion_of(year).opinion_on < setting.annual_approved_on
    sheets = sheet_units(year)
    assert len(sheets) == 8  # five to their superior departments, three to their parent companies
    assert [s.dispatch is not None for s in sheets] == [True] * 7 + [False]
    assert all(s.dispatch.sent_on > setting.annual_approved_on for s in sheets[:-1])
    assert year_report(year, day)["units"] == setting.annual_snapshot["units"]  # read from the frozen copy
