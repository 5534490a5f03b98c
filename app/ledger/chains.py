"""The 12 chains in the ledger (issue #14 part 3): the list with each chain's latest scale against its tier, and
the chain's page for its 链长 (scale by month, 链主 and members, projects by stage). The 链长 and the reporting
unit are set on the organisation's chain form (org.edit_chain); the office sets the tier target here.

Scale: a chain's monthly figure (ChainFigure.scale, 亿元, cumulative in the year) as its running unit reports it;
beside it, for comparison, the sum of its member enterprises' 营业收入 of the same month (万元 → 亿元).

The 半年述职 of a 链长 is written per chain (六、1: 链长 report every half year): `ChainReport` holds one chain's
section for a half-year (period key "2026-H1", as the cadence keys the 半年述职), written by the chain's reporting
unit (Chain.leader_unit) or the office, with the 链长 of the time. A 链长 of several chains thus reports one section
per chain; `report_sections(person_id, period_key)` gives the sections of his 述职 for the meetings' record page.

Every read is a fixed number of statements, whatever the number of chains, members, projects or months.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from app.core.audit import record_change, record_update, snapshot
from app.core.errors import PermissionDenied, ServiceError
from app.core.models import TimestampMixin
from app.core.text import has_bad_multi_line_control, multi_line_message
from app.extensions import db
from app.ledger.models import (
    YI,
    ChainFigure,
    Enterprise,
    EnterpriseChain,
    EnterpriseFigure,
    Project,
    ProjectStage,
    tier_label,
)
from app.ledger.permissions import can_report_chain
from app.org.models import Chain, Unit

TIER_MAX = 100000  # 亿元: a tier above 10万亿 is a typing error


def share(value, target):
    """value / target as a percentage (Decimal, one decimal); None without a value or a positive target."""
    if value is None or not target:
        return None
    return (Decimal(value) * 100 / Decimal(target)).quantize(Decimal("0.1"))


def wan_to_yi(value):
    return None if value is None else (Decimal(value) / YI).quantize(Decimal("0.01"))


@dataclass
class ChainRow:
    chain: Chain
    month: date | None = None  # of the latest figure
    scale: Decimal | None = None  # 亿元
    members_month: date | None = None
    members_revenue: Decimal | None = None  # 亿元, members' 营业收入 of members_month
    members: int = 0
    masters: int = 0
    projects: int = 0

    @property
    def share(self):
        return share(self.scale, self.chain.tier)


def _chains(chain_id=None):
    query = sa.select(Chain).options(joinedload(Chain.leader), joinedload(Chain.leader_unit)) \
        .order_by(Chain.sort_order, Chain.id)
    if chain_id is not None:
        query = query.where(Chain.id == chain_id)
    return db.session.scalars(query).all()


def _member_revenue(pairs):
    """{(chain_id, month): 亿元} — the sum of active member enterprises' 营业收入 for each (chain, month)."""
    months = {month for _, month in pairs if month is not None}
    if not months:
        return {}
    rows = db.session.execute(
        sa.select(EnterpriseChain.chain_id, EnterpriseFigure.month, sa.func.sum(EnterpriseFigure.revenue))
        .join(EnterpriseFigure, EnterpriseFigure.enterprise_id == EnterpriseChain.enterprise_id)
        .join(Enterprise, Enterprise.id == EnterpriseChain.enterprise_id)
        .where(Enterprise.is_active, EnterpriseFigure.month.in_(months),
               EnterpriseChain.chain_id.in_({chain_id for chain_id, _ in pairs}))
        .group_by(EnterpriseChain.chain_id, EnterpriseFigure.month)).all()
    return {(chain_id, month): wan_to_yi(total) for chain_id, month, total in rows if total is not None}


def chain_rows(on: date):
    """One ChainRow per chain (in the document's order), as of `on` (figures of months after it are ignored)."""
    chains = _chains()
    rows = {c.id: ChainRow(c) for c in chains}
    latest = (sa.select(ChainFigure.chain_id, sa.func.max(ChainFigure.month).label("month"))
              .where(ChainFigure.month <= on).group_by(ChainFigure.chain_id).subquery())
    for chain_id, month, scale in db.session.execute(
            sa.select(ChainFigure.chain_id, ChainFigure.month, ChainFigure.scale)
            .join(latest, sa.and_(latest.c.chain_id == ChainFigure.chain_id, latest.c.month == ChainFigure.month))):
        rows[chain_id].month, rows[chain_id].scale = month, scale
    last_member_month = db.session.scalar(sa.select(sa.func.max(EnterpriseFigure.month))
                                          .where(EnterpriseFigure.month <= on))
    for row in rows.values():
        row.members_month = row.month or last_member_month
    sums = _member_revenue({(row.chain.id, row.members_month) for row in rows.values()})
    for row in rows.values():
        row.members_revenue = sums.get((row.chain.id, row.members_month))
    for chain_id, members, masters in db.session.execute(
            sa.select(EnterpriseChain.chain_id, sa.func.count(),
                      sa.func.coalesce(sa.func.sum(sa.case((EnterpriseChain.is_master, 1), else_=0)), 0))
            .join(Enterprise, Enterprise.id == EnterpriseChain.enterprise_id)
            .where(Enterprise.is_active).group_by(EnterpriseChain.chain_id)):
        rows[chain_id].members, rows[chain_id].masters = members, int(masters)
    for chain_id, count in db.session.execute(
            sa.select(Project.chain_id, sa.func.count()).where(Project.is_active, Project.chain_id.is_not(None))
            .group_by(Project.chain_id)):
        rows[chain_id].projects = count
    return list(rows.values())


@dataclass
class MonthScale:
    month: date
    scale: Decimal | None
    members_revenue: Decimal | None
    tier: int

    @property
    def share(self):
        return share(self.scale, self.tier)

    @property
    def label(self):
        return f"{self.month.month}月"


@dataclass
class Member:
    enterprise_id: int
    name: str
    unit_name: str
    is_master: bool
    tier_label: str
    month: date | None
    revenue: Decimal | None  # 万元, latest month (cumulative in that year)


@dataclass
class ChainPage:
    chain: Chain
    year: int
    months: list  # [MonthScale] Jan..Dec of `year`
    masters: list  # [Member]
    members: list  # [Member] (not 链主)
    stages: list = field(default_factory=list)  # [(ProjectStage, [Project])]
    hidden_members: int = 0  # members of units the reader may not see
    hidden_projects: int = 0

    @property
    def latest(self):
        return next((m for m in reversed(self.months) if m.scale is not None), None)

    @property
    def project_count(self):
        return sum(len(projects) for _, projects in self.stages)


def chain_page(chain_id: int, on: date, visible_units=None):
    """The chain's page as of `on`, or None when there is no such chain. `visible_units` (None: all) limits the
    member enterprises and projects listed to those units; the others are only counted."""
    chains = _chains(chain_id)
    if not chains:
        return None
    chain = chains[0]
    year = on.year
    months = [date(year, m, 1) for m in range(1, 13)]
    figures = dict(db.session.execute(
        sa.select(ChainFigure.month, ChainFigure.scale)
        .where(ChainFigure.chain_id == chain.id, ChainFigure.month >= months[0], ChainFigure.month <= on)).all())
    sums = _member_revenue({(chain.id, m) for m in months if m <= on})
    scale_by_month = [MonthScale(m, figures.get(m), sums.get((chain.id, m)), chain.tier) for m in months]

    latest = (sa.select(EnterpriseFigure.enterprise_id, sa.func.max(EnterpriseFigure.month).label("month"))
              .join(EnterpriseChain, EnterpriseChain.enterprise_id == EnterpriseFigure.enterprise_id)
              .where(EnterpriseChain.chain_id == chain.id, EnterpriseFigure.month <= on,
                     EnterpriseFigure.revenue.is_not(None))
              .group_by(EnterpriseFigure.enterprise_id).subquery())
    rows = db.session.execute(
        sa.select(Enterprise.id, Enterprise.name, Enterprise.unit_id, Enterprise.revenue_tier, Unit.short_name,
                  EnterpriseChain.is_master, latest.c.month, EnterpriseFigure.revenue)
        .join(EnterpriseChain, EnterpriseChain.enterprise_id == Enterprise.id)
        .join(Unit, Unit.id == Enterprise.unit_id)
        .outerjoin(latest, latest.c.enterprise_id == Enterprise.id)
        .outerjoin(EnterpriseFigure, sa.and_(EnterpriseFigure.enterprise_id == Enterprise.id,
                                             EnterpriseFigure.month == latest.c.month))
        .where(EnterpriseChain.chain_id == chain.id, Enterprise.is_active)
        .order_by(EnterpriseChain.is_master.desc(), Enterprise.revenue_tier.desc().nulls_last(), Enterprise.name))
    masters, members, hidden_members = [], [], 0
    for r in rows:
        if visible_units is not None and r.unit_id not in visible_units:
            hidden_members += 1
            continue
        member = Member(r.id, r.name, r.short_name, r.is_master, tier_label(r.revenue_tier), r.month, r.revenue)
        (masters if r.is_master else members).append(member)

    projects = db.session.scalars(
        sa.select(Project).options(joinedload(Project.unit), joinedload(Project.lead_unit))
        .where(Project.chain_id == chain.id, Project.is_active)
        .order_by(Project.total_investment.desc(), Project.id)).all()
    hidden_projects = 0
    by_stage = {stage: [] for stage in ProjectStage}
    for project in projects:
        if visible_units is not None and project.unit_id not in visible_units:
            hidden_projects += 1
            continue
        by_stage[project.stage].append(project)
    return ChainPage(chain, year, scale_by_month, masters, members, [(s, by_stage[s]) for s in ProjectStage],
                     hidden_members, hidden_projects)


# --- the office's edits -----------------------------------------------------------------------------------------

def set_chain_tier(actor, chain: Chain, tier):
    """Set the chain's tier target (亿元级), audited. Refuses a missing, non-positive or absurd value."""
    if tier is None:
        raise ServiceError("请填写目标规模（亿元级）。", field="tier")
    if not isinstance(tier, int) or tier <= 0 or tier > TIER_MAX:
        raise ServiceError(f"目标规模必须是 1 到 {TIER_MAX} 之间的整数（亿元）。", field="tier")
    before = snapshot(chain, ("tier",))
    chain.tier = tier
    db.session.flush()
    record_update(actor, "chain.tier", chain, before, ("tier",))
    return chain


# --- 半年述职, one section per chain -------------------------------------------------------------------------------

REPORT_MAX = 5000


class ChainReport(TimestampMixin, db.Model):
    """One chain's section of its 链长's 半年述职 for a half-year."""

    __tablename__ = "chain_reports"
    __table_args__ = (sa.UniqueConstraint("chain_id", "period_key", name="uq_chain_reports_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(sa.ForeignKey("chains.id", ondelete="CASCADE"), index=True,
                                          comment="the chain")
    period_key: Mapped[str] = mapped_column(sa.String(8), comment="the half-year, e.g. 2026-H1 (as the cadence)")
    leader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"), index=True,
                                                  comment="the 链长 whose 述职 this section belongs to")
    text: Mapped[str] = mapped_column(sa.Text, comment="the section: the chain's half-year, problems, next steps")
    written_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                      comment="who wrote it last")

    chain = relationship("Chain")
    leader = relationship("Person")


def half_year_key(day: date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def half_year_label(key: str) -> str:
    year, half = key.split("-H")
    return f"{year}年{'上' if half == '1' else '下'}半年"


def report_periods(on: date):
    """The half-years a section may be written for on `on`: the one running and the one before (its 述职 is held
    after it ends)."""
    current = half_year_key(on)
    year, half = int(current[:4]), int(current[-1])
    previous = f"{year}-H1" if half == 2 else f"{year - 1}-H2"
    return [current, previous]


def chain_reports(chain_id: int):
    """The chain's 述职 sections, newest half-year first, with their 链长: one statement."""
    return db.session.scalars(sa.select(ChainReport).options(joinedload(ChainReport.leader))
                              .where(ChainReport.chain_id == chain_id)
                              .order_by(ChainReport.period_key.desc())).all()


def report_sections(person_id: int, period_key: str):
    """The sections of a 链长's 述职 for the half-year, one per chain he led when it was written, in the
    document's order of the chains: [(chain name, ChainReport)]. One statement."""
    rows = db.session.execute(
        sa.select(Chain.name, ChainReport).join(Chain, Chain.id == ChainReport.chain_id)
        .where(ChainReport.leader_id == person_id, ChainReport.period_key == period_key)
        .order_by(Chain.sort_order, Chain.id)).all()
    return [(name, report) for name, report in rows]


REPORT_FIELDS = ("chain_id", "period_key", "leader_id", "text")


def write_chain_report(actor, chain: Chain, period_key, text, on: date):
    """Write (or rewrite) the chain's section of its 链长's 述职 for a half-year: by the chain's reporting unit or
    the office; audited. Refused: another unit, a chain without 链长, a half-year not open, an empty or overlong
    text, control characters."""
    if not can_report_chain(actor, chain):
        raise PermissionDenied("只有该产业链的报送单位或市“千百十”办可以填写链长述职。")
    if chain.leader_id is None:
        raise ServiceError("该产业链尚未设置链长，不能填写链长述职。", field="text")
    if period_key not in report_periods(on):
        raise ServiceError("只能填写本半年或上半年（上一个半年）的述职。", field="period_key")
    text = (text or "").strip()
    if not text:
        raise ServiceError("请填写述职内容。", field="text")
    if len(text) > REPORT_MAX:
        raise ServiceError(f"述职内容不能超过 {REPORT_MAX} 个字符。", field="text")
    if has_bad_multi_line_control(text):
        raise ServiceError(multi_line_message("述职内容"), field="text")
    report = db.session.scalar(sa.select(ChainReport).where(ChainReport.chain_id == chain.id,
                                                            ChainReport.period_key == period_key))
    if report is None:
        report = ChainReport(chain_id=chain.id, period_key=period_key, leader_id=chain.leader_id, text=text,
                             written_by_id=actor.id)
        db.session.add(report)
        db.session.flush()
        record_change(actor, "chain_report.create", report, after=snapshot(report, REPORT_FIELDS))
    else:
        before = snapshot(report, REPORT_FIELDS)
        report.text, report.leader_id, report.written_by_id = text, chain.leader_id, actor.id
        db.session.flush()
        record_update(actor, "chain_report.update", report, before, REPORT_FIELDS)
    return report
