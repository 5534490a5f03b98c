"""The ledger's computations (`Target.measure`): each indicator's actual for a year as of a month, city-wide and,
where the indicator breaks down, per county or park; plus the project rates of the cockpit.

`Snapshot.load(year, month)` reads everything the cockpit needs in a constant number of statements (aggregate
SQL grouped by unit, chain, stage or month — never one statement per row), and `Snapshot.actual(measure)` answers
any measure key from what was read:

- ``chains_at_tier:<T>``: chains whose scale lies in the tier's band. Bands (亿元): 1000 — scale ≥ 1000;
  800 — 800 ≤ scale < 1000; 500 — 500 ≤ scale < 800; 200 — 200 ≤ scale < 500 (each chain counts in one band
  only, so 3 × 1000 + 3 × 800 ... add up to the 12 chains). A chain's scale: its latest full-year figure (the
  latest December ChainFigure up to the month); when the year has figures and their cumulative to the month is
  already larger, that cumulative (a cumulative figure only grows in the year, so it is then the better figure).
- ``chains_reporting``: chains with a figure this year (up to the month).
- ``enterprises_at_tier:<T>``: active enterprises whose revenue_tier is T (the tier kept on the enterprise,
  derived from its latest full year).
- ``projects_at_tier:<T>``: active projects of tier T that have started (stage 开工 or later).
- ``above_scale_count``: enterprises 规上 at the end of the month (规上 since on or before it — or flagged 规上
  without a date — and not left by then).
- ``above_scale_net_new``: entered 规上 this year minus left 规上 this year (up to the end of the month).
- ``high_tech_count``: active enterprises with a 高新技术企业 membership current at the end of the month.
- ``specialized_new:<level>``: enterprises with a 专精特新 membership of that level recognised this year.
- ``specialized_count:champion``: active enterprises with a current 单项冠军 membership.
- ``listed_count``: active enterprises whose listing stage is 上市.
- ``parks_at_thousand_billion``: parks whose active enterprises' latest full-year 工业产值 (December figures of
  the last complete year) add up to 1000亿 (10,000,000万元) or more.
- ``liaison_coverage``: % of the enterprises 规上 at the end of the month (active) that have a 联点 leader.
Entered indicators (measure NULL): the latest IndicatorValue of the year up to the month, city row or per unit.

Rates by county / park (`Snapshot.rates`):
- 开工率: projects whose 开工 milestone was planned on or before the evaluation day (the month's end, or today
  within the current month) and reached by then / projects whose 开工 was planned by then.
- 投资完成率: the year's cumulative 完成投资 (each project's latest figure of the year up to the month) / the year's
  planned investment (ProjectYearPlan).
- 资金到位率: the year's cumulative 到位资金 / the year's cumulative 完成投资 (same figures).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.ledger.models import (
    ChainFigure,
    Enterprise,
    EnterpriseFigure,
    EnterpriseMonthTotal,
    IndicatorTarget,
    IndicatorValue,
    Project,
    ProjectFigure,
    ProjectMilestone,
    ProjectStage,
    ProjectYearPlan,
    Registry,
    RegistryMembership,
    SpecializedLevel,
)
from app.org.models import Chain, Unit, UnitGroup, UnitKind

CHAIN_BANDS = {1000: (Decimal(1000), None), 800: (Decimal(800), Decimal(1000)),
               500: (Decimal(500), Decimal(800)), 200: (Decimal(200), Decimal(500))}
THOUSAND_BILLION_WAN = Decimal(10_000_000)  # 1000亿元 in 万元
STARTED_STAGES = tuple(s for s in ProjectStage if s.order >= ProjectStage.started.order)
LOCAL_GROUPS = (UnitGroup.county, UnitGroup.park1, UnitGroup.park2)
ZERO = Decimal(0)

# The measure keys this module answers (the prefix before ':' for parametrised ones).
MEASURES = ("chains_at_tier", "chains_reporting", "enterprises_at_tier", "projects_at_tier", "above_scale_count",
            "above_scale_net_new", "high_tech_count", "specialized_new", "specialized_count", "listed_count",
            "parks_at_thousand_billion", "liaison_coverage")
# Measures that have a figure per county / park (the others are city-wide only).
LOCAL_MEASURES = {"enterprises_at_tier", "projects_at_tier", "above_scale_count", "above_scale_net_new",
                  "high_tech_count", "specialized_new", "specialized_count", "listed_count", "liaison_coverage"}


def chain_band(scale: Decimal | None) -> int | None:
    """The tier band (1000, 800, 500, 200) a chain's scale in 亿元 lies in; None below 200亿."""
    if scale is None:
        return None
    for tier, (low, high) in CHAIN_BANDS.items():
        if scale >= low and (high is None or scale < high):
            return tier
    return None


def is_known(measure: str | None) -> bool:
    return measure is not None and measure.split(":", 1)[0] in MEASURES


@dataclass
class Actual:
    """An indicator's actual: the city's figure and, where it breaks down, one per unit (unit id → figure)."""

    city: Decimal | None
    by_unit: dict = field(default_factory=dict)


@dataclass
class ChainScale:
    chain_id: int
    name: str
    tier: int
    sort_order: int
    scale: Decimal | None  # 亿元
    month: date | None  # the figure's month
    full_year: bool  # a December figure
    reported_this_year: bool

    @property
    def band(self):
        return chain_band(self.scale)


@dataclass
class UnitRates:
    unit_id: int
    start_planned: int = 0
    start_reached: int = 0
    invested: Decimal = ZERO
    funds: Decimal = ZERO
    planned: Decimal = ZERO
    output: Decimal = ZERO  # latest full-year 工业产值 of its active enterprises, 万元

    @staticmethod
    def _rate(numerator, denominator):
        if not denominator:
            return None
        return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"))

    @property
    def start_rate(self):
        return self._rate(self.start_reached, self.start_planned)

    @property
    def invest_rate(self):
        return self._rate(self.invested, self.planned)

    @property
    def funds_rate(self):
        return self._rate(self.funds, self.invested)


def _count(condition):
    return sa.func.sum(sa.case((condition, 1), else_=0))


def local_units():
    """The counties and parks (the units indicators break down to), in the document's order: one statement."""
    return db.session.execute(
        sa.select(Unit.id, Unit.short_name, Unit.kind, Unit.group)
        .where(sa.or_(Unit.group.in_(LOCAL_GROUPS), Unit.kind == UnitKind.park), Unit.is_active.is_(True))
        .order_by(Unit.sort_order, Unit.id)).all()


class Snapshot:
    """Everything the measures need for (year, month), read in a constant number of aggregate statements."""

    def __init__(self, year: int, month: int, on: date | None = None):
        from app.core.periods import month_end

        self.year, self.month = year, month
        self.first = date(year, month, 1)
        self.end = month_end(year, month)
        self.year_start = date(year, 1, 1)
        # the evaluation day of dated rules (开工 planned by ...): the month's end, or `on` inside the month
        self.on = min(self.end, on) if on is not None else self.end
        self.full_year = year if month == 12 else year - 1

    @classmethod
    def load(cls, year: int, month: int, on: date | None = None) -> "Snapshot":
        snap = cls(year, month, on)
        snap.units = local_units()
        snap.unit_ids = [u.id for u in snap.units]
        snap._load_enterprises()
        snap._load_memberships()
        snap._load_projects()
        snap._load_chains()
        snap._load_rates()
        snap._load_indicator_rows()
        return snap

    # --- loading ----------------------------------------------------------------------------------------------

    def _load_enterprises(self):
        e = Enterprise
        above = sa.and_(sa.or_(e.above_scale_since <= self.end,
                               sa.and_(e.above_scale_since.is_(None), e.is_above_scale.is_(True))),
                        sa.or_(e.left_scale_on.is_(None), e.left_scale_on > self.end))
        active = e.is_active.is_(True)
        columns = [e.unit_id,
                   _count(sa.and_(active, above)).label("above"),
                   _count(sa.and_(active, above, e.liaison_id.is_not(None))).label("covered"),
                   _count(e.above_scale_since.between(self.year_start, self.end)).label("entered"),
                   _count(e.left_scale_on.between(self.year_start, self.end)).label("left"),
                   _count(sa.and_(active, e.listing_stage == "listed")).label("listed")]
        columns += [_count(sa.and_(active, e.revenue_tier == t)).label(f"tier{t}") for t in (100, 50, 20, 10)]
        self.enterprise_rows = {r.unit_id: r for r in db.session.execute(sa.select(*columns).group_by(e.unit_id))}

    def _load_memberships(self):
        m, e = RegistryMembership, Enterprise
        current = sa.and_(m.starts_on <= self.end, sa.or_(m.ends_on.is_(None), m.ends_on >= self.end),
                          e.is_active.is_(True))

        def distinct(condition):
            return sa.func.count(sa.distinct(sa.case((condition, m.enterprise_id), else_=None)))

        columns = [e.unit_id, distinct(sa.and_(m.kind == Registry.high_tech, current)).label("high_tech"),
                   distinct(sa.and_(m.kind == Registry.specialized, m.level == SpecializedLevel.champion, current))
                   .label("champion")]
        columns += [distinct(sa.and_(m.kind == Registry.specialized, m.level == level, m.year == self.year,
                                     m.starts_on <= self.end)).label(f"new_{level.value}")
                    for level in SpecializedLevel]
        # only the two registries counted here, read from ix_registry_memberships_kind_cover
        self.membership_rows = {r.unit_id: r for r in db.session.execute(
            sa.select(*columns).join(e, e.id == m.enterprise_id)
            .where(m.kind.in_((Registry.high_tech, Registry.specialized))).group_by(e.unit_id))}

    def _load_projects(self):
        p = Project
        rows = db.session.execute(
            sa.select(p.unit_id, p.stage, p.tier, sa.func.count().label("n"))
            .where(p.is_active.is_(True)).group_by(p.unit_id, p.stage, p.tier)).all()
        self.project_rows = [(r.unit_id, ProjectStage(r.stage), r.tier, r.n) for r in rows]

    def _load_chains(self):
        cf = ChainFigure
        december = (sa.select(cf.chain_id, sa.func.max(cf.month).label("month"))
                    .where(sa.extract("month", cf.month) == 12, cf.month <= self.first).group_by(cf.chain_id))
        current = (sa.select(cf.chain_id, sa.func.max(cf.month).label("month"))
                   .where(cf.month.between(self.year_start, self.first)).group_by(cf.chain_id))
        picked = sa.union_all(december, current).subquery()
        rows = db.session.execute(
            sa.select(Chain.id, Chain.name, Chain.tier, Chain.sort_order, cf.month, cf.scale)
            .outerjoin(picked, picked.c.chain_id == Chain.id)
            .outerjoin(cf, sa.and_(cf.chain_id == picked.c.chain_id, cf.month == picked.c.month))
            .order_by(Chain.sort_order, Chain.id)).all()
        chains = {}
        for r in rows:
            c = chains.setdefault(r.id, ChainScale(r.id, r.name, r.tier, r.sort_order, None, None, False, False))
            if r.month is None:
                continue
            if r.month >= self.year_start:
                c.reported_this_year = True
            if c.scale is None or r.scale > c.scale:
                c.scale, c.month, c.full_year = r.scale, r.month, r.month.month == 12
        self.chains = list(chains.values())

    def _load_rates(self):
        rates = {uid: UnitRates(uid) for uid in self.unit_ids}

        def at(uid):
            return rates.setdefault(uid, UnitRates(uid))

        p, ms = Project, ProjectMilestone
        planned = sa.and_(ms.planned_on.is_not(None), ms.planned_on <= self.on)
        for r in db.session.execute(
                sa.select(p.unit_id, _count(planned).label("planned"),
                          _count(sa.and_(planned, ms.actual_on.is_not(None), ms.actual_on <= self.on))
                          .label("reached"))
                .join(ms, ms.project_id == p.id)
                .where(ms.stage == ProjectStage.started, p.is_active.is_(True)).group_by(p.unit_id)):
            at(r.unit_id).start_planned, at(r.unit_id).start_reached = int(r.planned or 0), int(r.reached or 0)

        pf = ProjectFigure
        latest = (sa.select(pf.project_id, sa.func.max(pf.month).label("month"))
                  .where(pf.month.between(self.year_start, self.first)).group_by(pf.project_id).subquery())
        for r in db.session.execute(
                sa.select(p.unit_id, sa.func.sum(pf.invested).label("invested"),
                          sa.func.sum(sa.func.coalesce(pf.funds, 0)).label("funds"))
                .join(latest, latest.c.project_id == pf.project_id)
                # the month's range again: PostgreSQL then reads the year's figures from the covering index
                .where(pf.month == latest.c.month, pf.month.between(self.year_start, self.first))
                .join(p, p.id == pf.project_id).where(p.is_active.is_(True)).group_by(p.unit_id)):
            at(r.unit_id).invested, at(r.unit_id).funds = Decimal(r.invested or 0), Decimal(r.funds or 0)

        yp = ProjectYearPlan
        for r in db.session.execute(
                sa.select(p.unit_id, sa.func.sum(yp.planned_investment).label("planned"))
                .join(p, p.id == yp.project_id).where(yp.year == self.year, p.is_active.is_(True))
                .group_by(p.unit_id)):
            at(r.unit_id).planned = Decimal(r.planned or 0)

        ef, e = EnterpriseFigure, Enterprise
        for r in db.session.execute(
                sa.select(e.unit_id, sa.func.sum(ef.output).label("output"))
                .join(e, e.id == ef.enterprise_id)
                .where(ef.month == date(self.full_year, 12, 1), e.is_active.is_(True)).group_by(e.unit_id)):
            at(r.unit_id).output = Decimal(r.output or 0)
        self.rates = rates

    def _load_indicator_rows(self):
        v = IndicatorValue
        ranked = (sa.select(v.target_id, v.unit_id, v.value, v.month, v.source_note,
                            sa.func.row_number().over(partition_by=(v.target_id, v.unit_id),
                                                      order_by=v.month.desc()).label("rank"))
                  .where(v.month.between(self.year_start, self.first)).subquery())
        self.entered = {(r.target_id, r.unit_id): r for r in db.session.execute(
            sa.select(ranked).where(ranked.c.rank == 1))}
        t = IndicatorTarget
        self.yearly_targets = {(r.target_id, r.unit_id): Decimal(r.value) for r in db.session.execute(
            sa.select(t.target_id, t.unit_id, t.value).where(t.year == self.year))}

    # --- answers ----------------------------------------------------------------------------------------------

    def _by_unit(self, rows, column):
        by_unit = {uid: Decimal(0) for uid in self.unit_ids}
        for uid, row in rows.items():
            by_unit[uid] = Decimal(getattr(row, column) or 0)
        return by_unit

    def actual(self, measure: str) -> Actual:
        """The actual of a measure key (see the module's docstring); a key this module does not know → None."""
        name, _, arg = measure.partition(":")
        if name == "chains_at_tier":
            return Actual(Decimal(sum(1 for c in self.chains if c.band == int(arg))))
        if name == "chains_reporting":
            return Actual(Decimal(sum(1 for c in self.chains if c.reported_this_year)))
        if name == "parks_at_thousand_billion":
            parks = {u.id for u in self.units if u.kind == UnitKind.park}
            return Actual(Decimal(sum(1 for uid, r in self.rates.items()
                                      if uid in parks and r.output >= THOUSAND_BILLION_WAN)))
        if name == "projects_at_tier":
            tier = int(arg)
            by_unit = {uid: Decimal(0) for uid in self.unit_ids}
            for uid, stage, t, n in self.project_rows:
                if t == tier and stage in STARTED_STAGES:
                    by_unit[uid] = by_unit.get(uid, 0) + n
            return Actual(Decimal(sum(by_unit.values())), by_unit)
        if name == "liaison_coverage":
            by_unit = {}
            above = covered = 0
            for uid in self.unit_ids:
                r = self.enterprise_rows.get(uid)
                by_unit[uid] = _percent(r.covered, r.above) if r else None
            for r in self.enterprise_rows.values():
                above, covered = above + int(r.above or 0), covered + int(r.covered or 0)
            return Actual(_percent(covered, above), by_unit)
        if name == "above_scale_net_new":
            entered, left = (self._by_unit(self.enterprise_rows, c) for c in ("entered", "left"))
            by_unit = {uid: entered.get(uid, 0) - left.get(uid, 0) for uid in set(entered) | set(left)}
            return Actual(Decimal(sum(by_unit.values())), by_unit)
        column, rows = {
            "enterprises_at_tier": (f"tier{arg}", self.enterprise_rows),
            "above_scale_count": ("above", self.enterprise_rows),
            "listed_count": ("listed", self.enterprise_rows),
            "high_tech_count": ("high_tech", self.membership_rows),
            "specialized_new": (f"new_{arg}", self.membership_rows),
            "specialized_count": (arg, self.membership_rows),
        }.get(name, (None, None))
        if column is None:
            return Actual(None)
        by_unit = self._by_unit(rows, column)
        return Actual(Decimal(sum(by_unit.values())), by_unit)

    def entered_actual(self, target_id: int) -> Actual:
        """An entered indicator: the latest value of the year up to the month, the city's and each unit's."""
        city = self.entered.get((target_id, None))
        by_unit = {uid: Decimal(r.value) for (tid, uid), r in self.entered.items()
                   if tid == target_id and uid is not None}
        return Actual(Decimal(city.value) if city else None, by_unit)

    def entered_source(self, target_id: int):
        row = self.entered.get((target_id, None))
        return (row.source_note, row.month) if row else None

    def target_of(self, target, unit_id=None) -> Decimal | None:
        """The year's target: an IndicatorTarget row of the year overrides Target.value (city); per unit only
        from its IndicatorTarget row."""
        value = self.yearly_targets.get((target.id, unit_id))
        if value is not None or unit_id is not None:
            return value
        return Decimal(target.value) if target.value is not None else None


def _percent(part, whole):
    if not whole:
        return None
    return (Decimal(int(part or 0)) * 100 / Decimal(int(whole))).quantize(Decimal("0.1"))


def monthly_trend(year: int, month: int, months: int = 12):
    """The last `months` months up to (year, month): total enterprise 营业收入 (万元), project 完成投资 (万元) and
    chain scale (亿元), each the sum of that month's cumulative figures — three statements (the enterprises' sums
    kept per month by the database: EnterpriseMonthTotal). A month sums
    the figures reported for it: an object that has not reported the month is not in it (the page says so)."""
    from app.core.periods import shift_month

    start = date(*shift_month(year, month, -(months - 1)), 1)
    end = date(year, month, 1)
    # the enterprises' totals are kept per month by the database (EnterpriseMonthTotal, triggers on
    # enterprise_figures): twelve rows instead of every enterprise's figures; a month nobody reported has no row
    # or a row of 0 figures
    t = EnterpriseMonthTotal
    series = {"revenue": {r.month: Decimal(r.revenue or 0) for r in db.session.execute(
        sa.select(t.month, t.revenue).where(t.month.between(start, end), t.figures > 0))}}
    for key, model, column in (("invested", ProjectFigure, ProjectFigure.invested),
                               ("chain_scale", ChainFigure, ChainFigure.scale)):
        series[key] = {r.month: Decimal(r.total or 0) for r in db.session.execute(
            sa.select(model.month, sa.func.sum(column).label("total"))
            .where(model.month.between(start, end)).group_by(model.month))}
    points = []
    for k in range(months):
        y, m = shift_month(year, month, k - (months - 1))
        first = date(y, m, 1)
        points.append({"key": f"{y}-{m:02d}", "label": f"{y % 100:02d}.{m:02d}",
                       **{key: series[key].get(first) for key in series}})
    return points
