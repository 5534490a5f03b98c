"""The ledger's demo data (app.demo.ledger) on the test database, at a tenth of the demo's size: built in reasonable
time, idempotent, valid 统一社会信用代码, cumulative figures that only grow within a year (a lower one carries its
correction reason), tiers that match the full year's figures, red and yellow milestones, late and missing reports.
`flask demo` at full size runs in tests/demo/test_org.py."""

import time
from collections import defaultdict
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from stdnum.cn import uscc

from app.core.calendar import get_calendar
from app.demo.ledger import month_end, month_index, seed_demo_ledger
from app.extensions import db
from app.ledger.models import (
    ChainFigure,
    Enterprise,
    EnterpriseFigure,
    IndicatorTarget,
    IndicatorValue,
    ListingStep,
    Project,
    ProjectFigure,
    ProjectMilestone,
    RegistryMembership,
    ReportingDuty,
    ReportSubject,
    ReportSubmission,
    enterprise_tier,
)
from app.org.models import Chain

TODAY = date(2026, 3, 10)
LEDGER = (Enterprise, EnterpriseFigure, RegistryMembership, ListingStep, Project, ProjectMilestone, ProjectFigure,
          ChainFigure, IndicatorTarget, IndicatorValue, ReportingDuty, ReportSubmission)


def counts():
    return {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in LEDGER}


def seed():
    started = time.perf_counter()
    result = seed_demo_ledger(TODAY, enterprises=150, projects=60)
    db.session.flush()
    return result, time.perf_counter() - started


def test_the_demo_ledger_is_built_quickly_and_a_second_run_adds_nothing(clock):
    result, seconds = seed()

    assert seconds < 20
    assert result["enterprises"] == 150 and result["projects"] == 60
    assert result["figures"] > 150 * 40  # 2022-01 .. 2026-02 for most enterprises
    first = counts()
    assert all(first.values()), first
    assert seed_demo_ledger(TODAY, enterprises=150, projects=60) == {
        "enterprises": 0, "projects": 0, "figures": 0, "submissions": 0}
    assert counts() == first


def test_codes_tiers_and_registries_are_consistent(clock):
    seed()
    check_codes_tiers_and_registries()


def test_figures_only_grow_and_every_light_and_late_or_missing_report_appears(clock):
    # one data set for both checks (each test builds its own, rolled back afterwards)
    seed()
    check_cumulative_figures_only_grow_within_a_year_except_documented_corrections()
    check_red_and_yellow_milestones_and_late_and_missing_reports(clock)


def check_codes_tiers_and_registries():
    codes = db.session.scalars(sa.select(Enterprise.uscc)).all()
    assert len(codes) == len(set(codes)) == 150
    assert all(uscc.is_valid(code) for code in codes)
    december = dict(db.session.execute(sa.select(EnterpriseFigure.enterprise_id, EnterpriseFigure.revenue)
                                       .where(EnterpriseFigure.month == date(2025, 12, 1))).all())
    tiers = dict(db.session.execute(sa.select(Enterprise.id, Enterprise.revenue_tier)).all())
    assert {enterprise_tier(december.get(i)) for i in tiers} - {None}, "some enterprises at 10亿 or more"
    for enterprise_id, tier in tiers.items():
        assert tier == enterprise_tier(december.get(enterprise_id)), enterprise_id
    above = db.session.execute(sa.select(Enterprise.is_above_scale, Enterprise.above_scale_since,
                                         Enterprise.left_scale_on, Enterprise.liaison_id)).all()
    assert all(since is not None for flag, since, _, _ in above if flag)
    assert any(left is not None and not flag for flag, _, left, _ in above), "some 退规"
    covered = [liaison for flag, _, _, liaison in above if flag]
    assert 0.8 < sum(1 for x in covered if x) / len(covered) < 1, "most, not all, 规上 have a 联点 leader"
    kinds = set(db.session.scalars(sa.select(RegistryMembership.kind).distinct()))
    assert len(kinds) == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistryMembership).where(
        RegistryMembership.plan_document != "")) >= 1
    # every chain has a leading unit and a monthly scale
    assert None not in set(db.session.scalars(sa.select(Chain.leader_unit_id)))
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(ChainFigure.chain_id)))) == 12


def check_cumulative_figures_only_grow_within_a_year_except_documented_corrections():
    series = defaultdict(list)
    for enterprise_id, month, revenue, reason in db.session.execute(
            sa.select(EnterpriseFigure.enterprise_id, EnterpriseFigure.month, EnterpriseFigure.revenue,
                      EnterpriseFigure.correction_reason).order_by(EnterpriseFigure.month)):
        series["e", enterprise_id, month.year].append((revenue, reason))
    for project_id, month, invested, funds in db.session.execute(
            sa.select(ProjectFigure.project_id, ProjectFigure.month, ProjectFigure.invested, ProjectFigure.funds)
            .order_by(ProjectFigure.month)):
        series["p", project_id, month.year].append((invested, None))
        assert invested >= 0 and funds >= 0
    lowered = 0
    for values in series.values():
        for (before, _), (after, reason) in zip(values, values[1:], strict=False):
            if after < before:
                assert reason, "a lower cumulative figure carries its reason"
                lowered += 1
    assert lowered >= 1
    # 完成投资 of all years together stays within 总投资
    invested = defaultdict(Decimal)
    latest = {}
    for project_id, month, value in db.session.execute(sa.select(ProjectFigure.project_id, ProjectFigure.month,
                                                                 ProjectFigure.invested)):
        if (project_id, month.year) not in latest or latest[project_id, month.year][0] < month:
            latest[project_id, month.year] = (month, value)
    for (project_id, _), (_, value) in latest.items():
        invested[project_id] += value
    totals = dict(db.session.execute(sa.select(Project.id, Project.total_investment)).all())
    assert all(value <= totals[project_id] for project_id, value in invested.items())
    # no figure for a month that has not ended
    assert db.session.scalar(sa.select(sa.func.max(EnterpriseFigure.month))) == date(2026, 2, 1)


def check_red_and_yellow_milestones_and_late_and_missing_reports(clock):
    soon = get_calendar().add_workdays(TODAY, 10)
    open_milestones = db.session.execute(sa.select(ProjectMilestone.planned_on).where(
        ProjectMilestone.actual_on.is_(None))).scalars().all()
    assert any(day < TODAY for day in open_milestones), "red: a planned date passed"
    assert any(TODAY <= day <= soon for day in open_milestones), "yellow: due within 10 working days"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSubmission)
                             .where(ReportSubmission.is_late)) > 0
    # a duty without a submission for a month whose deadline has passed
    duties = db.session.execute(sa.select(ReportingDuty.id, ReportingDuty.due_workday, ReportingDuty.subject)).all()
    submitted = set(db.session.execute(sa.select(ReportSubmission.duty_id, ReportSubmission.month)).all())
    cal = get_calendar()
    missing = set()
    for duty_id, workday, subject in duties:
        for index in range(month_index(date(2022, 1, 1)), month_index(TODAY)):
            month = date(index // 12, index % 12 + 1, 1)
            if cal.add_workdays(month_end(index), workday) < TODAY and (duty_id, month) not in submitted:
                missing.add(subject)
    assert {ReportSubject.enterprise_figures, ReportSubject.project_figures} <= missing
    # a submission's lateness agrees with its deadline, and its figures were reported when it was submitted
    for submitted_at, due_on, is_late in db.session.execute(sa.select(
            ReportSubmission.submitted_at, ReportSubmission.due_on, ReportSubmission.is_late)):
        assert is_late == (submitted_at.date() > due_on) or is_late == (
            submitted_at.astimezone(clock.tz).date() > due_on)
