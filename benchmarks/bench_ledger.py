"""The ledger's rows of the benchmark table (bench.py): the cockpit, the enterprise list and the project list on the
ledger stress set (stress_ledger.py: 20,000 enterprises, 5,000 projects, 48 months of figures), each beside the
bare SQL that reads what it shows.

bench.py appends `items(Item)` to its ITEMS and calls `ensure_ledger(app, say)` once the task data set is ready:
it lays the ledger stress set into the benchmark database when fewer than 20,000 enterprises are there (about
1–2 minutes on SQLite; once, then reused like the task data set), and on PostgreSQL runs VACUUM (ANALYZE) on the
ledger's tables after it. A row whose page does not exist yet prints "待 …" (pending) instead of figures.

    .venv/bin/python benchmarks/bench.py --only ledger_cockpit,ledger_enterprises,ledger_projects
"""

import importlib
import time
from datetime import date

import sqlalchemy as sa

LEDGER_KEYS = ("ledger_cockpit", "ledger_enterprises", "ledger_projects")
PAGE = 50  # the lists' page size (config PAGE_SIZE)


def _page_missing(module, function):
    """"待 …" when app.ledger.views.<module> has no <function> yet (the page is being written), else None."""
    try:
        views = importlib.import_module(f"app.ledger.views.{module}")
    except Exception as error:  # noqa: BLE001 (a half-written module must not stop the other rows)
        return f"待 app/ledger/views/{module}.py（{type(error).__name__}）"
    return None if hasattr(views, function) else f"待 app/ledger/views/{module}.py"


def ensure_ledger(app, say, items=None):
    """Seed the ledger stress set when the database holds fewer enterprises than it (only when a ledger row is
    measured)."""
    if items is not None and not any(i.key in LEDGER_KEYS for i in items):
        return
    from app.core.clock import today
    from app.extensions import db
    from app.ledger.models import Enterprise
    from benchmarks.stress_ledger import ORDER, STRESS_ENTERPRISES, seed_stress_ledger

    with app.app_context():
        present = db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise))
        if present >= STRESS_ENTERPRISES:
            say(f"  ledger data set reused ({present} enterprises)")
            db.session.remove()
            return
        started = time.perf_counter()
        seed_stress_ledger(today(), echo=None)
        db.session.commit()
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for model in ORDER:
                    conn.exec_driver_sql(f"VACUUM (ANALYZE) {model.__tablename__}")
        db.session.remove()
    say(f"  ledger data set built in {time.perf_counter() - started:.0f} s")


def _last_month(ctx):
    day = ctx.tasks.today
    return date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)


def _bare_cockpit(ctx):
    """What the cockpit aggregates, in plain GROUP BY selects: enterprises by unit (规上, tiers, listed, 联点),
    current registries by unit, projects by unit, stage and tier, the year's latest project figures and plans by
    unit, the chains' figures of the year, the entered indicators' values of the year."""
    from app.extensions import db
    from app.ledger.models import (
        ChainFigure,
        Enterprise,
        IndicatorValue,
        Project,
        ProjectFigure,
        ProjectYearPlan,
        RegistryMembership,
    )

    month = _last_month(ctx)
    start = date(month.year, 1, 1)
    e, m, p, f = Enterprise, RegistryMembership, Project, ProjectFigure

    def count(condition):
        return sa.func.count(sa.case((condition, 1)))

    rows = db.session.execute(sa.select(
        e.unit_id, count(e.is_above_scale), count(sa.and_(e.is_above_scale, e.liaison_id.is_not(None))),
        count(e.listing_stage == "listed"), *(count(e.revenue_tier == t) for t in (100, 50, 20, 10)))
        .group_by(e.unit_id)).all()
    rows += db.session.execute(sa.select(e.unit_id, m.kind, m.level, sa.func.count(sa.distinct(m.enterprise_id)))
                               .join(e, e.id == m.enterprise_id).where(m.starts_on <= month)
                               .group_by(e.unit_id, m.kind, m.level)).all()
    rows += db.session.execute(sa.select(p.unit_id, p.stage, p.tier, sa.func.count())
                               .group_by(p.unit_id, p.stage, p.tier)).all()
    latest = (sa.select(f.project_id, sa.func.max(f.month).label("month"))
              .where(f.month.between(start, month)).group_by(f.project_id).subquery())
    rows += db.session.execute(sa.select(p.unit_id, sa.func.sum(f.invested), sa.func.sum(f.funds))
                               .join(latest, sa.and_(latest.c.project_id == f.project_id,
                                                     latest.c.month == f.month))
                               .join(p, p.id == f.project_id).group_by(p.unit_id)).all()
    rows += db.session.execute(sa.select(p.unit_id, sa.func.sum(ProjectYearPlan.planned_investment))
                               .join(p, p.id == ProjectYearPlan.project_id)
                               .where(ProjectYearPlan.year == month.year).group_by(p.unit_id)).all()
    rows += db.session.execute(sa.select(ChainFigure.chain_id, ChainFigure.month, ChainFigure.scale)
                               .where(ChainFigure.month.between(date(month.year - 1, 1, 1), month))).all()
    rows += db.session.execute(sa.select(IndicatorValue.target_id, IndicatorValue.unit_id, IndicatorValue.month,
                                         IndicatorValue.value)
                               .where(IndicatorValue.month.between(start, month))).all()
    return len(rows)


def _bare_enterprises(ctx):
    """The first page of the enterprise list (by tier, then name) with unit, chains and last month's figures."""
    from app.extensions import db
    from app.ledger.models import Enterprise, EnterpriseChain, EnterpriseFigure
    from app.org.models import Chain, Unit

    e = Enterprise
    ids = db.session.scalars(sa.select(e.id).where(e.is_active)
                             .order_by(sa.func.coalesce(e.revenue_tier, 0).desc(), e.name, e.id).limit(PAGE)).all()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(e).where(e.is_active))
    rows = db.session.execute(sa.select(e.id, e.name, e.uscc, e.revenue_tier, e.is_above_scale, e.listing_stage,
                                        Unit.short_name).join(Unit, Unit.id == e.unit_id).where(e.id.in_(ids))).all()
    chains = db.session.execute(sa.select(EnterpriseChain.enterprise_id, Chain.name)
                                .join(Chain, Chain.id == EnterpriseChain.chain_id)
                                .where(EnterpriseChain.enterprise_id.in_(ids))).all()
    figures = db.session.execute(sa.select(EnterpriseFigure.enterprise_id, EnterpriseFigure.revenue,
                                           EnterpriseFigure.output, EnterpriseFigure.tax)
                                 .where(EnterpriseFigure.enterprise_id.in_(ids),
                                        EnterpriseFigure.month == _last_month(ctx))).all()
    return total + len(rows) + len(chains) + len(figures)


def _bare_projects(ctx):
    """The first page of the project list (by 总投资) with unit, chain, the year's plan and latest figures, and
    the earliest open milestone."""
    from app.extensions import db
    from app.ledger.models import Project, ProjectFigure, ProjectMilestone, ProjectYearPlan
    from app.org.models import Chain, Unit

    p, year = Project, ctx.tasks.today.year
    ids = db.session.scalars(sa.select(p.id).where(p.is_active).order_by(p.total_investment.desc(), p.id)
                             .limit(PAGE)).all()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(p).where(p.is_active))
    rows = db.session.execute(sa.select(p.id, p.code, p.name, p.tier, p.stage, p.total_investment, Unit.short_name,
                                        Chain.name, ProjectYearPlan.planned_investment)
                              .join(Unit, Unit.id == p.unit_id).outerjoin(Chain, Chain.id == p.chain_id)
                              .outerjoin(ProjectYearPlan, sa.and_(ProjectYearPlan.project_id == p.id,
                                                                  ProjectYearPlan.year == year))
                              .where(p.id.in_(ids))).all()
    figures = db.session.execute(sa.select(ProjectFigure.project_id, sa.func.max(ProjectFigure.month))
                                 .where(ProjectFigure.project_id.in_(ids),
                                        ProjectFigure.month >= date(year, 1, 1))
                                 .group_by(ProjectFigure.project_id)).all()
    milestones = db.session.execute(sa.select(ProjectMilestone.project_id, sa.func.min(ProjectMilestone.planned_on))
                                    .where(ProjectMilestone.project_id.in_(ids), ProjectMilestone.actual_on.is_(None))
                                    .group_by(ProjectMilestone.project_id)).all()
    return total + len(rows) + len(figures) + len(milestones)


def items(Item):  # noqa: N803 (bench.py's row class, passed in: bench.py imports this module, not the reverse)
    return [
        Item("ledger_cockpit", "ledger cockpit, last month (20,000 enterprises, 5,000 projects)", user="admin",
             path=lambda ctx: "/ledger/cockpit", bare=_bare_cockpit, pending=_page_missing("cockpit", "cockpit")),
        Item("ledger_enterprises", "ledger enterprise list (page of 50 of 20,000)", user="admin",
             path=lambda ctx: "/ledger/enterprises", bare=_bare_enterprises,
             pending=_page_missing("enterprises", "enterprises")),
        Item("ledger_projects", "ledger project list (page of 50 of 5,000)", user="admin",
             path=lambda ctx: "/ledger/projects", bare=_bare_projects, pending=_page_missing("projects", "projects")),
    ]
