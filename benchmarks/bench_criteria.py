"""The 考评细则 rows of the benchmark table (bench.py, issue #15 "Speed"): the year's results when every component
is scored by indicators, and one county's indicator page, on the benchmark data set (50,000 tasks; the ledger's
stress set for the actuals).

The criteria year is the current year (the stress set's other busy year, about 25,000 tasks due in it; the
table's `year` row measures last year, and keeps its own data). `ensure_criteria(app, say, items)` — called by
bench.py once the task data set is ready, only when a criteria row is measured — lays the ledger stress set when
missing (bench_ledger.ensure_ledger), then for that year: the published criteria of all seven assessors and the
office with a target per unit, entered actuals and ratings (`app.demo.criteria.seed_criteria_year`), and all four
quarters filled through the scoring demo (`app.demo.scoring.enter_demo_year`), which confirms every indicator of
the 59 units on its grid (`criteria_scoring.confirm_scores`: ScoreEntry per indicator + CriteriaScore). The
quarters stay open, so the year page computes all four live (the fourth, still running, as of today): the worst
case. Built once (a year with published books is reused).

* `criteria_year` — the annual results, 59 units, every component from indicators, 4 quarters live; as `admin`,
  `/scoring/<this year>`;
* `criteria_unit` — 湘潭县's indicator page for Q4 (actuals, targets, completion, points); as `admin`,
  `/scoring/units/<id>/<this year>/q4/indicators`.

Target: under 300 ms with a statement count that does not grow with the units (tests/scoring/test_criteria_speed.py).

    .venv/bin/python benchmarks/bench.py --only criteria_year,criteria_unit
"""

import importlib
import time

import sqlalchemy as sa

CRITERIA_KEYS = ("criteria_year", "criteria_unit")
COUNTY = "湘潭县人民政府"
_found = {}  # the county's id in the database being measured (set by ensure_criteria, read by the paths)


def criteria_year(ctx):
    return ctx.year + 1  # ctx.year is last year


def _pending():
    """"待 …" when the grid's service or the unit's indicator page is not there yet, else None."""
    try:
        scoring = importlib.import_module("app.scoring.criteria_scoring")
        views = importlib.import_module("app.scoring.views.criteria_entry")
    except Exception as error:  # noqa: BLE001 (a half-written module must not stop the other rows)
        return f"待 app/scoring/criteria_scoring.py（{type(error).__name__}）"
    if not hasattr(scoring, "confirm_scores"):
        return "待 app/scoring/criteria_scoring.py"
    if not hasattr(views, "unit_indicators_page"):
        return "待 app/scoring/views/criteria_entry.py"
    return None


def ensure_criteria(app, say, items=None):
    """Lay the criteria year (see the module's docstring) when a criteria row is measured and it is missing."""
    if items is not None and not any(i.key in CRITERIA_KEYS for i in items):
        return
    if _pending():
        return
    import bench_ledger

    from app.core.clock import today
    from app.demo.criteria import seed_criteria_year
    from app.demo.scoring import enter_demo_year
    from app.extensions import db
    from app.org.models import Unit
    from app.scoring.models import CriteriaBook, CriteriaStatus

    bench_ledger.ensure_ledger(app, say)
    with app.app_context():
        _found["county"] = db.session.scalar(sa.select(Unit.id).where(Unit.name == COUNTY))
        day = today()
        year = day.year
        if db.session.scalar(sa.select(CriteriaBook.id).where(
                CriteriaBook.year == year, CriteriaBook.status == CriteriaStatus.published).limit(1)):
            say(f"  criteria year {year} reused")
            db.session.remove()
            return
        started = time.perf_counter()
        created = seed_criteria_year(year, day)
        entered = enter_demo_year(year, day)
        db.session.commit()
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in ("criteria_books", "criteria_indicators", "criteria_targets", "criteria_actuals",
                              "criteria_scores", "service_ratings", "score_entries", "audit_entries"):
                    conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
        db.session.remove()
    say(f"  criteria year {year} built in {time.perf_counter() - started:.0f} s "
        f"({created['books']} books, {created['targets']} targets, {entered['entries']} entries)")


def _county_id(ctx):
    return _found["county"]


def _bare_criteria_year(ctx):
    """What the annual page reads for a year scored by indicators: the year's entries (one per unit, quarter and
    indicator) and the tasks counted by lead unit, quarter, priority and outcome in one GROUP BY."""
    from datetime import date

    from app.extensions import db
    from app.scoring.models import ScoreEntry
    from app.tasks.models import Task, TaskState

    year = criteria_year(ctx)
    entries = db.session.execute(sa.select(*ScoreEntry.__table__.c).where(ScoreEntry.year == year)).all()
    bounds = [date(year, m, d) for m, d in ((3, 31), (6, 30), (9, 30))]
    quarter = sa.case(*((Task.due_on <= day, q) for q, day in enumerate(bounds, start=1)), else_=4)
    late = sa.case((Task.completed_on.is_(None), 0), (Task.completed_on <= Task.due_on, 1), else_=2)
    counts = db.session.execute(
        sa.select(Task.lead_unit_id, quarter, Task.priority, late, sa.func.count())
        .where(Task.due_on.between(date(year, 1, 1), date(year, 12, 31)), Task.state != TaskState.cancelled)
        .group_by(Task.lead_unit_id, quarter, Task.priority, late)).all()
    return len(entries) + len(counts)


def _bare_criteria_unit(ctx):
    """The county's confirmed indicators of the quarter, their targets and entered actuals."""
    from app.extensions import db
    from app.scoring.models import CriteriaActual, CriteriaIndicator, CriteriaScore, CriteriaTarget

    year, unit_id = criteria_year(ctx), _county_id(ctx)
    scores = db.session.execute(sa.select(*CriteriaScore.__table__.c).where(
        CriteriaScore.year == year, CriteriaScore.quarter == 4, CriteriaScore.unit_id == unit_id)).all()
    targets = db.session.execute(sa.select(CriteriaIndicator.code, CriteriaTarget.value)
                                 .join(CriteriaTarget, CriteriaTarget.indicator_id == CriteriaIndicator.id)
                                 .where(CriteriaTarget.unit_id == unit_id)).all()
    actuals = db.session.execute(sa.select(*CriteriaActual.__table__.c).where(
        CriteriaActual.year == year, CriteriaActual.quarter == 4, CriteriaActual.unit_id == unit_id)).all()
    return len(scores) + len(targets) + len(actuals)


def items(Item):  # noqa: N803 (bench.py's row class, passed in: bench.py imports this module, not the reverse)
    pending = _pending()
    return [
        Item("criteria_year", "annual results by 考评细则 indicators, 59 units, 4 quarters live", user="admin",
             path=lambda ctx: f"/scoring/{criteria_year(ctx)}", bare=_bare_criteria_year, pending=pending),
        Item("criteria_unit", "a county's indicator page, Q4 (actuals, targets, completion, points)", user="admin",
             path=lambda ctx: f"/scoring/units/{_county_id(ctx)}/{criteria_year(ctx)}/q4/indicators",
             bare=_bare_criteria_unit, pending=pending),
    ]
