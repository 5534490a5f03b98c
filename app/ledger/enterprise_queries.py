"""Reads of enterprises (issue #14 part 1): the filtered, paged list (and its Excel export) and the detail page.

The list's query parameters are a contract other pages link to: unit, chain, tier, registry, level, listing,
above_scale (1/0), liaison (1/0), q, sort, page; and active=0 for the enterprises no longer operating (the list
shows active ones otherwise, as the cockpit counts them). A bad value of one of them is ignored (the filter is
off), as the task lists do. Rows come from a fixed number of statements whatever their number: the page's ids, then the
enterprises with their units, their chains, their latest month's figures and their current registries.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.extensions import db
from app.ledger.models import (
    ENTERPRISE_TIERS,
    Enterprise,
    EnterpriseChain,
    EnterpriseFigure,
    ListingStage,
    Project,
    Registry,
    RegistryMembership,
    SpecializedLevel,
    tier_label,
)
from app.org.models import Chain, Person, Unit

SORTS = {"name": "名称", "tier": "营收规模"}
EXPORT_LIMIT = 50000


@dataclass
class EnterpriseFilters:
    unit_id: int | None = None
    chain_id: int | None = None
    tier: int | None = None  # 100/50/20/10; 0 = below 10亿 (no tier)
    registry: Registry | None = None
    level: SpecializedLevel | None = None
    listing: ListingStage | None = None
    above_scale: bool | None = None
    liaison: bool | None = None
    scale_year: int | None = None  # entered 规上 in this year (the cockpit's 净增 figure)
    registry_year: int | None = None  # the registry entry's recognised year (新增 专精特新 of a year)
    q: str = ""
    sort: str = "name"
    active: bool = True  # active=0 lists the enterprises no longer operating in the city (注销、迁出)

    @property
    def narrowed(self):
        values = (self.unit_id, self.chain_id, self.tier, self.registry, self.level, self.listing, self.above_scale,
                  self.liaison, self.scale_year, self.registry_year, self.q or None)
        return not self.active or any(v is not None for v in values)


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**31 else None


def _enum(enum_cls, value):
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


def _year(value):
    year = _int(value)
    return year if year is not None and 1949 <= year <= 2100 else None


def _flag(value):
    return {"1": True, "0": False}.get(value)


def filters_from_args(args) -> EnterpriseFilters:
    tier = _int(args.get("tier"))
    return EnterpriseFilters(
        unit_id=_int(args.get("unit")), chain_id=_int(args.get("chain")),
        tier=tier if tier in (*ENTERPRISE_TIERS, 0) else None,
        registry=_enum(Registry, args.get("registry")), level=_enum(SpecializedLevel, args.get("level")),
        listing=_enum(ListingStage, args.get("listing")), above_scale=_flag(args.get("above_scale")),
        liaison=_flag(args.get("liaison")), scale_year=_year(args.get("scale_year")),
        registry_year=_year(args.get("registry_year")), q=(args.get("q") or "").strip()[:100],
        sort=args.get("sort") if args.get("sort") in SORTS else "name", active=_flag(args.get("active")) is not False)


def current_membership(on: date):
    return sa.and_(RegistryMembership.starts_on <= on,
                   sa.or_(RegistryMembership.ends_on.is_(None), RegistryMembership.ends_on >= on))


def conditions(f: EnterpriseFilters, visible, on: date):
    """The WHERE clauses of the list for the filters and the units the user may read (None: all)."""
    where = [Enterprise.is_active == f.active]
    if visible is not None:
        where.append(Enterprise.unit_id.in_(sorted(visible)) if visible else sa.false())
    if f.unit_id is not None:
        where.append(Enterprise.unit_id == f.unit_id)
    if f.chain_id is not None:
        where.append(sa.exists().where(EnterpriseChain.enterprise_id == Enterprise.id,
                                       EnterpriseChain.chain_id == f.chain_id))
    if f.tier == 0:
        where.append(Enterprise.revenue_tier.is_(None))
    elif f.tier is not None:
        where.append(Enterprise.revenue_tier == f.tier)
    if f.registry is not None or f.level is not None:
        member = [RegistryMembership.enterprise_id == Enterprise.id, current_membership(on)]
        if f.registry is not None:
            member.append(RegistryMembership.kind == f.registry)
        if f.level is not None:
            member.append(RegistryMembership.level == f.level)
        if f.registry_year is not None:
            member.append(RegistryMembership.year == f.registry_year)
        where.append(sa.exists().where(*member))
    if f.listing is not None:
        where.append(Enterprise.listing_stage == f.listing.value)
    if f.above_scale is not None:
        where.append(Enterprise.is_above_scale == f.above_scale)
    if f.liaison is not None:
        where.append(Enterprise.liaison_id.isnot(None) if f.liaison else Enterprise.liaison_id.is_(None))
    if f.scale_year is not None:
        where.append(Enterprise.above_scale_since.between(date(f.scale_year, 1, 1), date(f.scale_year, 12, 31)))
    if f.q:
        where.append(sa.or_(Enterprise.name.contains(f.q, autoescape=True),
                            Enterprise.uscc.startswith(f.q.upper(), autoescape=True)))
    return where


def ids_statement(f: EnterpriseFilters, visible, on: date):
    statement = sa.select(Enterprise.id).where(*conditions(f, visible, on))
    if f.sort == "tier":
        return statement.order_by(sa.func.coalesce(Enterprise.revenue_tier, 0).desc(), Enterprise.name,
                                  Enterprise.id)
    return statement.order_by(Enterprise.name, Enterprise.id)


def tier_counts(f: EnterpriseFilters, visible, on: date):
    """{tier or None: number} of the filtered enterprises (one statement)."""
    rows = db.session.execute(sa.select(Enterprise.revenue_tier, sa.func.count())
                              .where(*conditions(f, visible, on)).group_by(Enterprise.revenue_tier))
    return {tier: n for tier, n in rows}


@dataclass
class EnterpriseRow:
    id: int
    name: str
    uscc: str
    unit_id: int
    unit_name: str
    tier: int | None
    is_above_scale: bool
    listing: ListingStage | None
    liaison_name: str | None
    chains: list = field(default_factory=list)  # [(name, is_master)]
    month: date | None = None
    revenue: Decimal | None = None
    output: Decimal | None = None
    tax: Decimal | None = None
    registries: list = field(default_factory=list)  # labels of the current memberships

    @property
    def tier_label(self):
        return tier_label(self.tier)


def load_rows(ids, on: date):
    """EnterpriseRow of each enterprise whose id is in `ids` (a list, or a select of ids), in no particular order;
    four statements whatever their number."""
    if isinstance(ids, list) and not ids:
        return []
    id_filter = ids.order_by(None) if isinstance(ids, sa.Select) else ids
    rows = {}
    statement = (sa.select(Enterprise.id, Enterprise.name, Enterprise.uscc, Enterprise.unit_id, Unit.short_name,
                           Enterprise.revenue_tier, Enterprise.is_above_scale, Enterprise.listing_stage, Person.name)
                 .join(Unit, Unit.id == Enterprise.unit_id).outerjoin(Person, Person.id == Enterprise.liaison_id)
                 .where(Enterprise.id.in_(id_filter)))
    for ident, name, uscc, unit_id, unit_name, tier, above, listing, liaison in db.session.execute(statement):
        rows[ident] = EnterpriseRow(ident, name, uscc, unit_id, unit_name, tier, bool(above),
                                    ListingStage(listing) if listing else None, liaison)
    if not rows:
        return []
    chains = (sa.select(EnterpriseChain.enterprise_id, Chain.name, EnterpriseChain.is_master)
              .join(Chain, Chain.id == EnterpriseChain.chain_id)
              .where(EnterpriseChain.enterprise_id.in_(id_filter)).order_by(Chain.sort_order, Chain.id))
    for ident, name, is_master in db.session.execute(chains):
        if ident in rows:
            rows[ident].chains.append((name, bool(is_master)))
    latest = (sa.select(EnterpriseFigure.enterprise_id, sa.func.max(EnterpriseFigure.month).label("month"))
              .where(EnterpriseFigure.enterprise_id.in_(id_filter)).group_by(EnterpriseFigure.enterprise_id)
              .subquery())
    figures = (sa.select(EnterpriseFigure.enterprise_id, EnterpriseFigure.month, EnterpriseFigure.revenue,
                         EnterpriseFigure.output, EnterpriseFigure.tax)
               .join(latest, sa.and_(latest.c.enterprise_id == EnterpriseFigure.enterprise_id,
                                     latest.c.month == EnterpriseFigure.month)))
    for ident, month, revenue, output, tax in db.session.execute(figures):
        if ident in rows:
            row = rows[ident]
            row.month, row.revenue, row.output, row.tax = month, revenue, output, tax
    members = (sa.select(RegistryMembership.enterprise_id, RegistryMembership.kind, RegistryMembership.level)
               .where(RegistryMembership.enterprise_id.in_(id_filter), current_membership(on))
               .order_by(RegistryMembership.starts_on, RegistryMembership.id))
    for ident, kind, level in db.session.execute(members):
        if ident in rows:
            rows[ident].registries.append(level.label if level else kind.label)
    return list(rows.values())


def ordered_rows(statement, on: date, limit=EXPORT_LIMIT):
    """Every row of the filtered list in its order (the export): the ids, then the rows by the same filter."""
    ids = list(db.session.scalars(statement.limit(limit)))
    position = {ident: n for n, ident in enumerate(ids)}
    rows = load_rows(statement, on) if ids else []
    return sorted((r for r in rows if r.id in position), key=lambda r: position[r.id])


# --- the detail page ------------------------------------------------------------------------------------------

def enterprise_detail(enterprise_id):
    """The enterprise with its unit, liaison, chains, registries (with who added them) and listing steps."""
    return db.session.scalar(
        sa.select(Enterprise).where(Enterprise.id == enterprise_id)
        .options(selectinload(Enterprise.unit), selectinload(Enterprise.liaison),
                 selectinload(Enterprise.chain_links).selectinload(EnterpriseChain.chain),
                 selectinload(Enterprise.memberships).selectinload(RegistryMembership.added_by),
                 selectinload(Enterprise.listing_steps)))


def user_names(ids):
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(sorted(ids)))).all())


def month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def recent_figures(enterprise_id, on: date, months=24):
    """The enterprise's figures of the last `months` months (newest first)."""
    return db.session.scalars(
        sa.select(EnterpriseFigure).where(EnterpriseFigure.enterprise_id == enterprise_id,
                                          EnterpriseFigure.month >= month_start(on, months - 1))
        .order_by(EnterpriseFigure.month.desc())).all()


def yearly_figures(enterprise_id):
    """The December rows (a year's figures), newest first."""
    return db.session.scalars(
        sa.select(EnterpriseFigure).where(EnterpriseFigure.enterprise_id == enterprise_id,
                                          sa.extract("month", EnterpriseFigure.month) == 12)
        .order_by(EnterpriseFigure.month.desc())).all()


def enterprise_projects(enterprise_id):
    return db.session.scalars(
        sa.select(Project).where(Project.enterprise_id == enterprise_id)
        .options(selectinload(Project.unit)).order_by(Project.code)).all()
