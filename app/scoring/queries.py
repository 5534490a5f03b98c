"""The scoring pages', API's and reminders' read queries with their eager loading."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.org.models import Unit, UnitGroup, UnitKind
from app.scoring import engine
from app.scoring.models import (
    FailDecision,
    PolicyRate,
    QuarterReopening,
    RuleSetVersion,
    ScoreEntry,
    ScoringQuarter,
)
from app.scoring.year_rules import assessed_units, load_year_rules
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


# --- what reminders need to know ----------------------------------------------------------------------------

def missing_entries_by_enterer(year, quarter):
    """{entering unit id: number of cells still empty} for a quarter (two queries)."""
    year_rules = load_year_rules(year)
    have = set(db.session.execute(sa.select(ScoreEntry.unit_id, ScoreEntry.assessor, ScoreEntry.sub_item)
                                  .where(ScoreEntry.year == year, ScoreEntry.quarter == quarter)).all())
    missing = {}
    for unit in assessed_units():
        if unit.id not in year_rules.unit_profiles:
            continue
        for assessor, sub_item, _maximum, computed in year_rules.entry_cells(unit.id):
            if computed or (unit.id, assessor, sub_item) in have:
                continue
            enterer = year_rules.enterer_of(assessor, sub_item)
            if enterer is not None:
                missing[enterer] = missing.get(enterer, 0) + 1
    return missing


def office_unit_ids():
    """The ids of the office's units (千百十办)."""
    return set(db.session.scalars(sa.select(Unit.id).where(Unit.kind == UnitKind.office)))


def assessor_unit_ids(year):
    """The ids of the units that assess under the year's rules (assessors and sub-item assessors)."""
    year_rules = load_year_rules(year)
    return set(year_rules.assessor_units.values()) | set(year_rules.sub_item_assessors.values())


def policy_rates_missing(year):
    """Whether some active county or park has no policy fulfilment rate for the year."""
    ranked = db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(
        Unit.group.in_((UnitGroup.county, UnitGroup.park1, UnitGroup.park2)), Unit.is_active.is_(True)))
    have = db.session.scalar(sa.select(sa.func.count()).select_from(PolicyRate).where(PolicyRate.year == year))
    return have < ranked
