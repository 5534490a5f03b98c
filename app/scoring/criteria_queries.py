"""Reading the 考评细则 (criteria books): the current and the published version of an assessor's book for a year,
with its indicators and targets in a constant number of statements, and the engine's view of them
(`engine.Indicator`). The services that draft, approve, publish and score (`criteria`, `criteria_approval`,
`criteria_scoring`) and the pages start from here."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.scoring import engine
from app.scoring.models import CriteriaBook, CriteriaIndicator, CriteriaStatus

# The assessors in the order of annex 2 三 (the office last: it assesses with 市行政审批局 and computes tasks).
ASSESSOR_ORDER = ("miit", "ndrc", "most", "commerce", "samr", "finance", "culture", "office")
# Statuses in which the assessor may still change the draft.
EDITABLE = (CriteriaStatus.draft, CriteriaStatus.returned)


def _with_rows(query):
    return query.options(selectinload(CriteriaBook.indicators).selectinload(CriteriaIndicator.targets))


def current_book(year, assessor, lock=False):
    """The newest version of an assessor's book for the year (draft, in review or published), or None."""
    query = sa.select(CriteriaBook).where(CriteriaBook.year == year, CriteriaBook.assessor == assessor) \
        .order_by(CriteriaBook.version.desc()).limit(1)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def published_book(year, assessor):
    """The version in force: the published one (with indicators and targets loaded), or None."""
    return db.session.scalar(_with_rows(sa.select(CriteriaBook)).where(
        CriteriaBook.year == year, CriteriaBook.assessor == assessor,
        CriteriaBook.status == CriteriaStatus.published))


def published_books(year):
    """{assessor: the published book} of a year, indicators and targets loaded (three statements)."""
    return {b.assessor: b for b in db.session.scalars(_with_rows(sa.select(CriteriaBook)).where(
        CriteriaBook.year == year, CriteriaBook.status == CriteriaStatus.published))}


def books_of_year(year):
    """{assessor: [versions, newest first]} of a year (one statement, no indicators)."""
    books = {}
    for book in db.session.scalars(sa.select(CriteriaBook).where(CriteriaBook.year == year)
                                   .order_by(CriteriaBook.assessor, CriteriaBook.version.desc())):
        books.setdefault(book.assessor, []).append(book)
    return books


def engine_indicator(row: CriteriaIndicator) -> engine.Indicator:
    """An indicator row as the pure engine takes it."""
    return engine.Indicator(code=row.code, name=row.name, method=row.method.value, params=row.params or {},
                            points={profile: str(value) for profile, value in (row.points or {}).items()})


def targets_of(book) -> dict:
    """{(indicator code, unit id): yearly target} of a book (its rows already loaded)."""
    return {(ind.code, t.unit_id): t.value for ind in book.indicators for t in ind.targets}


def component_maxima(year_rules, assessor) -> dict:
    """{profile code: the component's maximum} for the profiles of the year's rules that have the assessor's
    component and at least one assessed unit."""
    used = set(year_rules.unit_profiles.values())
    maxima = {}
    for code, profile in year_rules.rules.profiles.items():
        comp = profile.component(assessor)
        if comp is not None and code in used:
            maxima[code] = comp.maximum
    return maxima


def quarter_share(book, quarter) -> str:
    """The cumulative share (%) of a yearly target due by the end of the quarter, as stored on the book."""
    shares = book.quarter_shares or [str(s) for s in engine.DEFAULT_QUARTER_SHARES]
    return str(shares[quarter - 1])
