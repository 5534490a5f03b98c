"""Reads of projects (issue #14 part 2): the filtered, paged list with its year figures and lights, a project's
page, the Excel rows. A list costs the same number of statements for 5 projects or 5,000: the rows come from one
statement with the year plan, the year's latest figure and the earliest unreached milestone joined as subqueries.

The list's query-string names are a contract other pages link to (the cockpit, chain pages):
unit, chain, tier, stage, source, lead_unit, leader, top500 (1), light (red / yellow / green), year, q, page.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.extensions import db
from app.ledger.milestones import MilestoneLight, Window
from app.ledger.models import (
    PROJECT_TIERS,
    Project,
    ProjectFigure,
    ProjectMilestone,
    ProjectPhoto,
    ProjectProblem,
    ProjectSource,
    ProjectStage,
    ProjectYearPlan,
    tier_label,
)
from app.org.models import Chain, Unit

Q_MAX = 100


@dataclass
class ProjectFilter:
    unit_id: int | None = None
    chain_id: int | None = None
    tier: int | None = None
    stage: ProjectStage | None = None
    source: ProjectSource | None = None
    lead_unit_id: int | None = None
    leader_id: int | None = None
    begun: bool = False  # stage=begun: 开工 or later (the cockpit's "实施" projects)
    below_tier: bool = False  # tier=0: under 1亿 (no tier)
    top500: bool = False
    light: MilestoneLight | None = None
    year: int | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args, default_year: int):
        def number(name):
            try:
                return int(args.get(name) or "") or None
            except ValueError:
                return None

        def member(enum_cls, name, allowed=None):
            try:
                value = enum_cls(args.get(name) or "")
            except ValueError:
                return None
            return value if allowed is None or value in allowed else None

        tier = number("tier")
        year = number("year")
        return cls(unit_id=number("unit"), chain_id=number("chain"), tier=tier if tier in PROJECT_TIERS else None,
                   stage=member(ProjectStage, "stage"), source=member(ProjectSource, "source"),
                   begun=args.get("stage") == "begun", below_tier=args.get("tier") == "0",
                   lead_unit_id=number("lead_unit"), leader_id=number("leader"), top500=args.get("top500") == "1",
                   light=member(MilestoneLight, "light",
                                (MilestoneLight.red, MilestoneLight.yellow, MilestoneLight.green)),
                   year=year if year and 2000 <= year <= 2100 else default_year,
                   q=(args.get("q") or "").strip()[:Q_MAX])


def _open_milestones(ids=None):
    """Per project (of `ids` when given): the earliest planned date of its unreached milestones, and how many
    milestones are reached."""
    statement = sa.select(ProjectMilestone.project_id,
                          sa.func.min(sa.case((ProjectMilestone.actual_on.is_(None), ProjectMilestone.planned_on)))
                          .label("open_planned"),
                          sa.func.count(ProjectMilestone.actual_on).label("reached"))
    if ids is not None:
        statement = statement.where(ProjectMilestone.project_id.in_(ids))
    return statement.group_by(ProjectMilestone.project_id).subquery("ms")


def _year_figures(year, ids):
    """Per project of `ids`: the year's latest cumulative figure (完成投资, 到位资金) and its month."""
    start, end = date(year, 1, 1), date(year, 12, 1)
    latest = (sa.select(ProjectFigure.project_id, sa.func.max(ProjectFigure.month).label("month"))
              .where(ProjectFigure.month >= start, ProjectFigure.month <= end, ProjectFigure.project_id.in_(ids))
              .group_by(ProjectFigure.project_id).subquery("latest"))
    return (sa.select(ProjectFigure.project_id, ProjectFigure.month, ProjectFigure.invested, ProjectFigure.funds)
            .join(latest, sa.and_(latest.c.project_id == ProjectFigure.project_id,
                                  latest.c.month == ProjectFigure.month))
            .subquery("fig"))


def filtered_ids(f: ProjectFilter, visible_unit_ids, window: Window):
    """A select of the ids of the projects the user may read that pass the filter, in list order."""
    statement = sa.select(Project.id).where(Project.is_active)
    if visible_unit_ids is not None:
        statement = statement.where(Project.unit_id.in_(sorted(visible_unit_ids) or [-1]))
    for column, value in ((Project.unit_id, f.unit_id), (Project.chain_id, f.chain_id), (Project.tier, f.tier),
                          (Project.stage, f.stage), (Project.source, f.source),
                          (Project.lead_unit_id, f.lead_unit_id), (Project.leader_id, f.leader_id)):
        if value is not None:
            statement = statement.where(column == value)
    if f.begun:
        statement = statement.where(Project.stage != ProjectStage.signed)
    if f.below_tier:
        statement = statement.where(Project.tier.is_(None))
    if f.top500:
        statement = statement.where(Project.is_top500.is_(True))
    if f.q:
        pattern = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(sa.or_(Project.name.ilike(pattern, escape="\\"),
                                           Project.code.ilike(pattern, escape="\\")))
    if f.light is not None:
        ms = _open_milestones()
        statement = statement.join(ms, ms.c.project_id == Project.id)
        if f.light is MilestoneLight.red:
            statement = statement.where(ms.c.open_planned < window.today)
        elif f.light is MilestoneLight.yellow:
            statement = statement.where(ms.c.open_planned >= window.today,
                                        ms.c.open_planned <= window.yellow_limit)
        else:
            statement = statement.where(ms.c.open_planned > window.yellow_limit)
    return statement.order_by(Project.total_investment.desc(), Project.id)


@dataclass
class ProjectRow:
    id: int
    code: str
    name: str
    unit_id: int
    unit: str
    chain: str
    tier: str
    stage: ProjectStage
    light: MilestoneLight
    total_investment: Decimal
    year_plan: Decimal | None
    invested: Decimal | None
    funds: Decimal | None
    figure_month: date | None
    source: ProjectSource
    is_top500: bool

    @property
    def completion_rate(self):
        """投资完成率: 完成投资 (year to date) / 年度计划投资, in %; None without a plan."""
        if not self.year_plan or self.invested is None:
            return None
        return (self.invested / self.year_plan * 100).quantize(Decimal("0.1"))


def load_rows(ids, year: int, window: Window):
    """The list rows of these project ids (one statement), in no particular order."""
    if not ids:
        return []
    ids = list(ids)
    unit, chain = aliased(Unit), aliased(Chain)
    # the subqueries read only these projects' milestones and figures, not every project's
    ms, fig = _open_milestones(ids), _year_figures(year, ids)
    statement = (
        sa.select(Project.id, Project.code, Project.name, Project.unit_id, unit.short_name, chain.name,
                  Project.tier, Project.stage, Project.total_investment, ProjectYearPlan.planned_investment,
                  fig.c.invested, fig.c.funds, fig.c.month, ms.c.open_planned, ms.c.reached, Project.source,
                  Project.is_top500)
        .join(unit, unit.id == Project.unit_id)
        .outerjoin(chain, chain.id == Project.chain_id)
        .outerjoin(ProjectYearPlan, sa.and_(ProjectYearPlan.project_id == Project.id, ProjectYearPlan.year == year))
        .outerjoin(fig, fig.c.project_id == Project.id)
        .outerjoin(ms, ms.c.project_id == Project.id)
        .where(Project.id.in_(ids)))
    rows = []
    for (pid, code, name, unit_id, unit_name, chain_name, tier, stage, total, plan, invested, funds, month,
         open_planned, reached, source, top500) in db.session.execute(statement):
        rows.append(ProjectRow(pid, code, name, unit_id, unit_name, chain_name or "—", tier_label(tier, "project"),
                               stage, window.project_light(open_planned, bool(reached)), total, plan, invested,
                               funds, month, source, bool(top500)))
    return rows


def all_rows(f: ProjectFilter, visible_unit_ids, window: Window):
    """Every row of the filtered list in list order (the Excel export): two statements."""
    ids = list(db.session.scalars(filtered_ids(f, visible_unit_ids, window)))
    position = {ident: n for n, ident in enumerate(ids)}
    rows = []
    for start in range(0, len(ids), 500):
        rows.extend(load_rows(ids[start:start + 500], f.year, window))
    return sorted(rows, key=lambda row: position[row.id])


def project_for_page(project_id):
    """A project with everything its page shows, eager-loaded (a constant number of statements)."""
    return db.session.scalar(
        sa.select(Project).where(Project.id == project_id)
        .options(joinedload(Project.unit), joinedload(Project.lead_unit), joinedload(Project.chain),
                 joinedload(Project.leader), joinedload(Project.enterprise),
                 selectinload(Project.milestones), selectinload(Project.year_plans)))


def figures(project_id, limit=36):
    return db.session.scalars(sa.select(ProjectFigure).where(ProjectFigure.project_id == project_id)
                              .order_by(ProjectFigure.month.desc()).limit(limit)).all()


def photos(project_id):
    return db.session.scalars(sa.select(ProjectPhoto).where(ProjectPhoto.project_id == project_id)
                              .order_by(ProjectPhoto.created_at.desc(), ProjectPhoto.id.desc())).all()


def problems(project_id):
    return db.session.scalars(sa.select(ProjectProblem).where(ProjectProblem.project_id == project_id)
                              .options(joinedload(ProjectProblem.task))
                              .order_by(ProjectProblem.raised_on.desc(), ProjectProblem.id.desc())).all()
