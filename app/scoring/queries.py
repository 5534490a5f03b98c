"""The scoring pages' and API's read queries with their eager loading."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.org.models import Unit
from app.scoring import engine
from app.scoring.models import (
    FailDecision,
    PolicyRate,
    QuarterReopening,
    RuleSetVersion,
    ScoreEntry,
    ScoringQuarter,
)
from app.scoring.year_rules import load_year_rules
from app.tasks.models import Task


def quarter_entries(year, quarter, assessors=None):
    """{(unit id, assessor, sub-item): entry} of the quarter (only those of `assessors` when given), each with
    who entered it."""
    query = sa.select(ScoreEntry).where(ScoreEntry.year == year, ScoreEntry.quarter == quarter)
    if assessors is not None:
        query = query.where(ScoreEntry.assessor.in_(assessors))
    return {(e.unit_id, e.assessor, e.sub_item): e
            for e in db.session.scalars(query.options(selectinload(ScoreEntry.entered_by)))}


def tasks_by_id(ids):
    """{id: task} of the tasks an office-score explanation lists (none queried for no ids)."""
    return {t.id: t for t in db.session.scalars(sa.select(Task).where(Task.id.in_(ids)))} if ids else {}


def report_rules(report, cache=None):
    """The rules a report was computed with: the stored version a snapshot names, else its year's current rules.
    `cache` (a dict) spares loading the same rules again for the reports of one page."""
    cache = {} if cache is None else cache
    key = report.get("rule_set_id") or ("current", report["year"])
    if key not in cache:
        version = db.session.get(RuleSetVersion, report["rule_set_id"]) if report.get("rule_set_id") else None
        cache[key] = engine.rules_from_dict(version.data["rules"]) if version is not None else \
            load_year_rules(report["year"]).rules
    return cache[key]


def quarter_states(year):
    """{quarter: lifecycle row} of the year, with who finalized and every reopening, in two queries."""
    rows = db.session.scalars(
        sa.select(ScoringQuarter).where(ScoringQuarter.year == year)
        .options(joinedload(ScoringQuarter.finalized_by),
                 selectinload(ScoringQuarter.reopenings).joinedload(QuarterReopening.by))).unique().all()
    return {row.quarter: row for row in rows}


def quarter_rows(years):
    """{(year, quarter): lifecycle row} of the given years (their status only: nothing loaded with them)."""
    return {(s.year, s.quarter): s for s in db.session.scalars(
        sa.select(ScoringQuarter).where(ScoringQuarter.year.in_(years)))}


def rule_versions(year):
    """The year's saved rule versions, newest first, with who saved each."""
    return db.session.scalars(sa.select(RuleSetVersion).where(RuleSetVersion.year == year)
                              .options(joinedload(RuleSetVersion.created_by))
                              .order_by(RuleSetVersion.version.desc())).all()


def units(groups=None):
    """Every unit (or those of `groups`) in the organisation's order."""
    query = sa.select(Unit).order_by(Unit.sort_order, Unit.id)
    if groups is not None:
        query = query.where(Unit.group.in_(groups))
    return db.session.scalars(query).all()


def policy_rates(year):
    """{unit id: PolicyRate} recorded for the year."""
    return {r.unit_id: r for r in db.session.scalars(sa.select(PolicyRate).where(PolicyRate.year == year))}


def fail_decisions(year):
    """The year's 不合格 decisions with their units, in the order they were decided."""
    return db.session.scalars(sa.select(FailDecision).where(FailDecision.year == year)
                              .options(joinedload(FailDecision.unit))
                              .order_by(FailDecision.decided_on, FailDecision.id)).all()
