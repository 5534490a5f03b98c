"""The ledger (台账) of what the programme grows: enterprises (百亿级企业 ...), projects (十亿级项目 ...) and the
chains' monthly scale (千亿级产业), the figures the units report each month, the indicators' yearly targets and
entered actuals, the reporting calendar, and the links from tasks and meeting decisions to these objects.

Amounts: enterprise and project figures in 万元 (as the statistics offices report them); a chain's scale in 亿元
(as the source states tiers). Monthly figures are cumulative for the calendar year (年初至本月累计), one row per
object and month (`month` is the first day of the month); a year's figure is its December row.
"""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.models import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from app.extensions import db

AMOUNT = sa.Numeric(16, 2)  # 万元 or 亿元, two decimals; up to 10^14

# Revenue tiers of enterprises (三、发展目标: 100/50/20/10亿级), in 亿元, with the threshold in 万元.
ENTERPRISE_TIERS = (100, 50, 20, 10)
# Investment tiers of projects: 100亿级, 10亿级, 亿元级.
PROJECT_TIERS = (100, 10, 1)
YI = Decimal(10000)  # 1亿元 = 10,000万元


def enterprise_tier(revenue_wan: Decimal | None) -> int | None:
    """The revenue tier (100, 50, 20 or 10亿级) of a full year's 营业收入 in 万元; None below 10亿."""
    if revenue_wan is None:
        return None
    return next((tier for tier in ENTERPRISE_TIERS if revenue_wan >= tier * YI), None)


def project_tier(total_wan: Decimal | None) -> int | None:
    """The investment tier (100亿级, 10亿级, 亿元级) of a project's 总投资 in 万元; None below 1亿."""
    if total_wan is None:
        return None
    return next((tier for tier in PROJECT_TIERS if total_wan >= tier * YI), None)


def tier_label(tier: int | None, kind: str = "enterprise") -> str:
    if tier is None:
        return "—"
    if kind == "project" and tier == 1:
        return "亿元级"
    return f"{tier}亿级"


# --- enterprises ----------------------------------------------------------------------------------------------


class Registry(LabelledEnum):
    """The registries the plans order (四、4–6 and 8)."""

    cultivation = "cultivation", "小升规重点企业培育库"
    exit_risk = "exit_risk", "退规风险企业库"
    hundred_billion = "hundred_billion", "100亿级企业重点培育名录"
    specialized = "specialized", "专精特新"
    high_tech = "high_tech", "高新技术企业"


class SpecializedLevel(LabelledEnum):
    city = "city", "市级专精特新中小企业"
    province = "province", "省级专精特新“小巨人”"
    national = "national", "国家级专精特新“小巨人”"
    champion = "champion", "制造业单项冠军"


class ListingStage(LabelledEnum):
    """The listing pipeline of 四、7 (高企 → 小巨人 → 股改挂牌 → 辅导上市), in order."""

    high_tech = "high_tech", "高新技术企业"
    little_giant = "little_giant", "专精特新小巨人"
    shareholding = "shareholding", "完成股改"
    quoted = "quoted", "挂牌"
    counselling = "counselling", "辅导备案"
    applied = "applied", "申报"
    listed = "listed", "上市"

    @property
    def order(self):
        return list(type(self)).index(self)


class Enterprise(TimestampMixin, db.Model):
    __tablename__ = "enterprises"
    __table_args__ = (
        # the enterprise list's tier counts from the index alone (5e55a0000007)
        sa.Index("ix_enterprises_active_tier", "is_active", "revenue_tier"),
        # the cockpit's counts per county / park from the index alone (5e55a0000008)
        sa.Index("ix_enterprises_unit_cover", "unit_id", "is_active", "revenue_tier", "is_above_scale",
                 "above_scale_since", "left_scale_on", "listing_stage", "liaison_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), index=True, comment="registered name")
    uscc: Mapped[str] = mapped_column(sa.String(18), unique=True,
                                      comment="统一社会信用代码, 18 characters, check character verified")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True,
                                         comment="the county or park it belongs to (keeps and reports it)")
    is_above_scale: Mapped[bool] = mapped_column(default=False, comment="规模以上工业企业 (规上)")
    above_scale_since: Mapped[date | None] = mapped_column(comment="规上 since (first day of the month)")
    left_scale_on: Mapped[date | None] = mapped_column(comment="退规: the day it left 规上; NULL while 规上")
    liaison_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"), index=True,
                                                   comment="联点 leader of 千百扶培")
    revenue_tier: Mapped[int | None] = mapped_column(
        index=True, comment="100/50/20/10 (亿级) from the latest full year's 营业收入; NULL below 10亿")
    tier_year: Mapped[int | None] = mapped_column(comment="the full year the tier was derived from")
    listing_stage: Mapped[str | None] = mapped_column(
        sa.String(32), index=True, comment="furthest listing pipeline stage reached (ListingStage value)")
    note: Mapped[str] = mapped_column(sa.String(500), default="", comment="free remark")
    is_active: Mapped[bool] = mapped_column(default=True, comment="still operating in the city")

    unit = relationship("Unit")
    liaison = relationship("Person")
    chain_links = relationship("EnterpriseChain", back_populates="enterprise", cascade="all, delete-orphan",
                               order_by="EnterpriseChain.chain_id")
    memberships = relationship("RegistryMembership", back_populates="enterprise", cascade="all, delete-orphan",
                               order_by="RegistryMembership.starts_on")
    listing_steps = relationship("ListingStep", back_populates="enterprise", cascade="all, delete-orphan",
                                 order_by="ListingStep.reached_on")

    @property
    def tier_label(self):
        return tier_label(self.revenue_tier)

    @property
    def listing(self):
        return ListingStage(self.listing_stage) if self.listing_stage else None

    def __repr__(self):
        return f"<Enterprise {self.name}>"


class EnterpriseChain(db.Model):
    """An enterprise's membership of one of the 12 chains; 链主 marks the chain's leading enterprises."""

    __tablename__ = "enterprise_chains"

    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="CASCADE"),
                                               primary_key=True)
    chain_id: Mapped[int] = mapped_column(sa.ForeignKey("chains.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)
    is_master: Mapped[bool] = mapped_column(default=False, comment="链主企业 of the chain")

    enterprise = relationship("Enterprise", back_populates="chain_links")
    chain = relationship("Chain")


class EnterpriseFigure(db.Model):
    """An enterprise's cumulative figures for a month (年初至本月累计, 万元)."""

    __tablename__ = "enterprise_figures"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "month", name="uq_enterprise_figures_month"),
                      # the cockpit's sums of a month over every enterprise, from the index alone (5e55a0000007)
                      sa.Index("ix_enterprise_figures_month_cover", "month", "enterprise_id", "revenue", "output"))

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="CASCADE"),
                                               comment="the enterprise")
    month: Mapped[date] = mapped_column(index=True, comment="first day of the month reported")
    revenue: Mapped[Decimal | None] = mapped_column(AMOUNT, comment="营业收入, 万元, cumulative in the year")
    output: Mapped[Decimal | None] = mapped_column(AMOUNT, comment="工业总产值, 万元, cumulative in the year")
    tax: Mapped[Decimal | None] = mapped_column(AMOUNT, comment="税收, 万元, cumulative in the year")
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                       comment="who reported")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")
    correction_reason: Mapped[str | None] = mapped_column(
        sa.String(500), comment="why, when changed after the deadline or lower than the month before")


class RegistryMembership(TimestampMixin, db.Model):
    """A dated entry of an enterprise in a registry, with who added it and why (and who took it out, and why)."""

    __tablename__ = "registry_memberships"
    __table_args__ = (
        # the cockpit's current 高企 / 专精特新 counts without reading the rows (5e55a0000007)
        sa.Index("ix_registry_memberships_kind_cover", "kind", "enterprise_id", "level", "year", "starts_on",
                 "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="CASCADE"), index=True,
                                               comment="the enterprise")
    kind: Mapped[Registry] = mapped_column(enum_column(Registry), index=True, comment="which registry")
    level: Mapped[SpecializedLevel | None] = mapped_column(enum_column(SpecializedLevel),
                                                           comment="专精特新 level; NULL for other registries")
    year: Mapped[int | None] = mapped_column(comment="year recognised (专精特新, 高企), where it applies")
    starts_on: Mapped[date] = mapped_column(comment="entered on")
    ends_on: Mapped[date | None] = mapped_column(comment="left on; NULL while in the registry")
    reason: Mapped[str] = mapped_column(sa.String(500), comment="why it was entered")
    plan_document: Mapped[str] = mapped_column(sa.Text, default="",
                                               comment="一企一策 plan (100亿级 培育名录), as text")
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                    comment="who entered it")
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                    comment="who took it out")
    end_reason: Mapped[str | None] = mapped_column(sa.String(500), comment="why it left the registry")

    enterprise = relationship("Enterprise", back_populates="memberships")
    added_by = relationship("User", foreign_keys=[added_by_id])

    def is_current(self, on: date):
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)

    @property
    def label(self):
        return self.level.label if self.level else self.kind.label


class ListingStep(db.Model):
    """A stage of the listing pipeline an enterprise reached, with the day and who recorded it."""

    __tablename__ = "listing_steps"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "stage", name="uq_listing_steps_stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="CASCADE"), index=True,
                                               comment="the enterprise")
    stage: Mapped[ListingStage] = mapped_column(enum_column(ListingStage), comment="the stage reached")
    reached_on: Mapped[date] = mapped_column(comment="the day it was reached")
    note: Mapped[str] = mapped_column(sa.String(500), default="", comment="e.g. the exchange, the 文号")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                       comment="who recorded it")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")

    enterprise = relationship("Enterprise", back_populates="listing_steps")


# --- projects -------------------------------------------------------------------------------------------------


class ProjectSource(LabelledEnum):
    attracted = "attracted", "招商引资"
    local = "local", "本地企业投资"
    government = "government", "政府投资"


class ProjectStage(LabelledEnum):
    """签约 → 开工 → 在建 → 竣工 → 投产 → 达产, in order."""

    signed = "signed", "签约"
    started = "started", "开工"
    building = "building", "在建"
    completed = "completed", "竣工"
    operating = "operating", "投产"
    producing = "producing", "达产"

    @property
    def order(self):
        return list(type(self)).index(self)


class Project(TimestampMixin, db.Model):
    __tablename__ = "projects"
    # the cockpit's projects by unit, stage and tier from the index alone (5e55a0000008)
    __table_args__ = (sa.Index("ix_projects_unit_cover", "unit_id", "stage", "tier", "is_active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(30), unique=True, comment="project code (项目编号)")
    name: Mapped[str] = mapped_column(sa.String(200), index=True, comment="project name")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True,
                                         comment="the county or park where it is built (keeps and reports it)")
    chain_id: Mapped[int | None] = mapped_column(sa.ForeignKey("chains.id", ondelete="SET NULL"), index=True,
                                                 comment="the chain it belongs to")
    lead_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True,
                                                     comment="牵头单位 (responsible city unit)")
    leader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"), index=True,
                                                  comment="the city leader in charge (领导联系)")
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="SET NULL"),
                                                      index=True, comment="the investing enterprise, if in the ledger")
    total_investment: Mapped[Decimal] = mapped_column(AMOUNT, comment="总投资, 万元")
    tier: Mapped[int | None] = mapped_column(index=True, comment="100/10/1 (100亿级, 10亿级, 亿元级) from 总投资")
    source: Mapped[ProjectSource] = mapped_column(enum_column(ProjectSource), default=ProjectSource.local,
                                                  comment="where the project comes from")
    signed_on: Mapped[date | None] = mapped_column(comment="签约 date (招商引资)")
    is_top500: Mapped[bool] = mapped_column(default=False, comment="investor is one of the 三类500强")
    stage: Mapped[ProjectStage] = mapped_column(enum_column(ProjectStage), default=ProjectStage.signed,
                                                index=True, comment="the stage reached")
    note: Mapped[str] = mapped_column(sa.String(500), default="", comment="free remark")
    is_active: Mapped[bool] = mapped_column(default=True, comment="not cancelled")

    unit = relationship("Unit", foreign_keys=[unit_id])
    lead_unit = relationship("Unit", foreign_keys=[lead_unit_id])
    chain = relationship("Chain")
    leader = relationship("Person")
    enterprise = relationship("Enterprise")
    milestones = relationship("ProjectMilestone", back_populates="project", cascade="all, delete-orphan",
                              order_by="ProjectMilestone.id")
    year_plans = relationship("ProjectYearPlan", back_populates="project", cascade="all, delete-orphan",
                              order_by="ProjectYearPlan.year")

    @property
    def tier_label(self):
        return tier_label(self.tier, "project")

    def __repr__(self):
        return f"<Project {self.code} {self.name}>"


class ProjectMilestone(db.Model):
    """The planned and the actual date of one stage of a project."""

    __tablename__ = "project_milestones"
    __table_args__ = (sa.UniqueConstraint("project_id", "stage", name="uq_project_milestones_stage"),
                      # the cockpit's 开工 milestones (开工率) from the index alone (5e55a0000008)
                      sa.Index("ix_project_milestones_stage_cover", "stage", "project_id", "planned_on",
                               "actual_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True,
                                            comment="the project")
    stage: Mapped[ProjectStage] = mapped_column(enum_column(ProjectStage), comment="the stage")
    planned_on: Mapped[date | None] = mapped_column(comment="planned date")
    actual_on: Mapped[date | None] = mapped_column(comment="actual date; NULL until reached")

    project = relationship("Project", back_populates="milestones")


class ProjectYearPlan(db.Model):
    """A project's planned investment for a calendar year (年度计划投资, 万元)."""

    __tablename__ = "project_year_plans"
    __table_args__ = (sa.UniqueConstraint("project_id", "year", name="uq_project_year_plans_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True,
                                            comment="the project")
    year: Mapped[int] = mapped_column(comment="calendar year")
    planned_investment: Mapped[Decimal] = mapped_column(AMOUNT, comment="年度计划投资, 万元")

    project = relationship("Project", back_populates="year_plans")


class ProjectFigure(db.Model):
    """A project's cumulative figures for a month (年初至本月累计, 万元)."""

    __tablename__ = "project_figures"
    __table_args__ = (sa.UniqueConstraint("project_id", "month", name="uq_project_figures_month"),
                      # the year's latest figure of each project and the monthly sums, from the index (5e55a0000007)
                      sa.Index("ix_project_figures_month_cover", "month", "project_id", "invested", "funds"))

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"),
                                            comment="the project")
    month: Mapped[date] = mapped_column(index=True, comment="first day of the month reported")
    invested: Mapped[Decimal] = mapped_column(AMOUNT, comment="完成投资, 万元, cumulative in the year")
    funds: Mapped[Decimal | None] = mapped_column(AMOUNT, comment="到位资金, 万元, cumulative in the year")
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                       comment="who reported")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")
    correction_reason: Mapped[str | None] = mapped_column(
        sa.String(500), comment="why, when changed after the deadline or lower than the month before")


class ProjectPhoto(db.Model):
    """A progress photo, stored outside the web root like evidence files."""

    __tablename__ = "project_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True,
                                            comment="the project")
    caption: Mapped[str] = mapped_column(sa.String(200), default="", comment="what it shows")
    taken_on: Mapped[date | None] = mapped_column(comment="the day it was taken")
    filename: Mapped[str] = mapped_column(sa.String(200), comment="the name as uploaded")
    stored_name: Mapped[str] = mapped_column(sa.String(100), unique=True, comment="path under the upload folder")
    content_type: Mapped[str] = mapped_column(sa.String(100), comment="MIME type")
    size: Mapped[int] = mapped_column(comment="bytes")
    sha256: Mapped[str] = mapped_column(sa.String(64), comment="checksum")
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                       comment="who uploaded")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")


class ProblemState(LabelledEnum):
    open = "open", "待处理"
    tasked = "tasked", "已交办"
    solved = "solved", "已解决"


class ProjectProblem(TimestampMixin, db.Model):
    """A problem (问题) a project meets; the office turns it into an assigned task in one step."""

    __tablename__ = "project_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True,
                                            comment="the project")
    text: Mapped[str] = mapped_column(sa.Text, comment="the problem, as reported")
    raised_on: Mapped[date] = mapped_column(comment="the day it was reported")
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                     comment="who reported it")
    state: Mapped[ProblemState] = mapped_column(enum_column(ProblemState), default=ProblemState.open,
                                                comment="open, turned into a task, or solved")
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id", ondelete="SET NULL"), index=True,
                                                comment="the task it became")
    solved_on: Mapped[date | None] = mapped_column(comment="the day it was solved")

    project = relationship("Project")
    task = relationship("Task")


# --- chains ---------------------------------------------------------------------------------------------------


class ChainFigure(db.Model):
    """A chain's scale for a month (产业链规模, 亿元, cumulative in the year), reported by the unit that runs it."""

    __tablename__ = "chain_figures"
    __table_args__ = (sa.UniqueConstraint("chain_id", "month", name="uq_chain_figures_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(sa.ForeignKey("chains.id", ondelete="CASCADE"), comment="the chain")
    month: Mapped[date] = mapped_column(index=True, comment="first day of the month reported")
    scale: Mapped[Decimal] = mapped_column(AMOUNT, comment="产业链规模 (营业收入), 亿元, cumulative in the year")
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                       comment="who reported")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")
    correction_reason: Mapped[str | None] = mapped_column(
        sa.String(500), comment="why, when changed after the deadline or lower than the month before")


# --- indicators (the `targets` table of app.org, with their yearly targets and entered actuals) ----------------


class IndicatorTarget(db.Model):
    """A yearly target of an indicator, city-wide (unit NULL) or for one county or park (the breakdown)."""

    __tablename__ = "indicator_targets"
    __table_args__ = (sa.UniqueConstraint("target_id", "year", "unit_id", name="uq_indicator_targets_year_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("targets.id", ondelete="CASCADE"), index=True,
                                           comment="the indicator")
    year: Mapped[int] = mapped_column(comment="calendar year")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), index=True,
                                                comment="the county or park; NULL for the city")
    value: Mapped[Decimal] = mapped_column(AMOUNT, comment="the target value, in the indicator's unit")


class IndicatorValue(db.Model):
    """An entered actual of an indicator for a period (statistics such as 制造业增加值占GDP比重, R&D), with the
    period and the source named. Computed indicators have no rows here: the ledger gives their actuals."""

    __tablename__ = "indicator_values"
    __table_args__ = (sa.UniqueConstraint("target_id", "unit_id", "month", name="uq_indicator_values_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("targets.id", ondelete="CASCADE"), index=True,
                                           comment="the indicator")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), index=True,
                                                comment="the county or park; NULL for the city")
    month: Mapped[date] = mapped_column(comment="first day of the last month of the period")
    value: Mapped[Decimal] = mapped_column(AMOUNT, comment="the actual, in the indicator's unit")
    source_note: Mapped[str] = mapped_column(sa.String(200), comment="where the figure comes from (e.g. 市统计局月报)")
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                       comment="who entered it")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")
    correction_reason: Mapped[str | None] = mapped_column(sa.String(500), comment="why, when corrected late")


# --- monthly reporting (报送) -----------------------------------------------------------------------------------


class ReportSubject(LabelledEnum):
    enterprise_figures = "enterprise_figures", "企业月度数据"
    project_figures = "project_figures", "项目月度数据"
    chain_scale = "chain_scale", "产业链规模"
    indicator = "indicator", "指标数据"


class ReportingDuty(TimestampMixin, db.Model):
    """Which unit reports which figures by which working day of the following month (set by the office)."""

    __tablename__ = "reporting_duties"
    __table_args__ = (sa.UniqueConstraint("unit_id", "subject", "target_id", name="uq_reporting_duties_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), index=True,
                                         comment="the reporting unit")
    subject: Mapped[ReportSubject] = mapped_column(enum_column(ReportSubject), comment="what it reports")
    target_id: Mapped[int | None] = mapped_column(sa.ForeignKey("targets.id", ondelete="CASCADE"),
                                                  comment="the indicator, for subject 'indicator'")
    due_workday: Mapped[int] = mapped_column(default=5, comment="due by this working day of the following month")
    is_active: Mapped[bool] = mapped_column(default=True, comment="in force")

    unit = relationship("Unit")
    target = relationship("Target")


class ReportSubmission(db.Model):
    """A unit's submission of a duty for a month: when, by whom, how many rows, and whether it was late."""

    __tablename__ = "report_submissions"
    __table_args__ = (sa.UniqueConstraint("duty_id", "month", name="uq_report_submissions_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(sa.ForeignKey("reporting_duties.id", ondelete="CASCADE"), index=True,
                                         comment="the duty")
    month: Mapped[date] = mapped_column(index=True, comment="first day of the month reported")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                   comment="first submission (UTC)")
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                        comment="who submitted")
    due_on: Mapped[date] = mapped_column(comment="the deadline that applied")
    is_late: Mapped[bool] = mapped_column(default=False, comment="first submitted after the deadline")
    rows: Mapped[int] = mapped_column(default=0, comment="figures in the submission")

    duty = relationship("ReportingDuty")


# --- links from tasks and meeting decisions to ledger objects ---------------------------------------------------


class SubjectLink(db.Model):
    """A task or a meeting decision tagged with a chain, an enterprise or a project (exactly one of each pair)."""

    __tablename__ = "subject_links"
    __table_args__ = (
        sa.CheckConstraint("(task_id IS NULL) <> (record_item_id IS NULL)", name="ck_subject_links_owner"),
        sa.CheckConstraint(
            "(CASE WHEN chain_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN enterprise_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN project_id IS NULL THEN 0 ELSE 1 END) = 1", name="ck_subject_links_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True,
                                                comment="the tagged task")
    record_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_record_items.id", ondelete="CASCADE"), index=True,
        comment="the tagged meeting decision")
    chain_id: Mapped[int | None] = mapped_column(sa.ForeignKey("chains.id", ondelete="CASCADE"), index=True,
                                                 comment="the chain")
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="CASCADE"),
                                                      index=True, comment="the enterprise")
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True,
                                                   comment="the project")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                      comment="who tagged")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")


class EnterpriseMonthTotal(db.Model):
    """A month's total of the enterprises' figures (营业收入, 万元: the cumulative figures reported for that month),
    kept by the database itself: triggers on enterprise_figures (migration 5e55a0000009) add, correct or take out a
    figure's share on every insert, update and delete, whoever writes (the reporting forms, the import, the API, the
    demo). The cockpit's 12-month trend reads twelve rows here instead of summing 240,000 figures. Nothing else
    writes it."""

    __tablename__ = "enterprise_month_totals"

    month: Mapped[date] = mapped_column(primary_key=True, comment="first day of the month")
    figures: Mapped[int] = mapped_column(default=0, comment="enterprise figures reported for the month")
    revenue: Mapped[Decimal] = mapped_column(AMOUNT, default=0, comment="their 营业收入 summed, 万元")


# The tables the cockpit reads (app.ledger.measures / app.ledger.cockpit); a write to any of them changes the stamp.
COCKPIT_SOURCES = ("units", "chains", "plans", "targets", "enterprises", "enterprise_figures", "registry_memberships",
                   "projects", "project_milestones", "project_year_plans", "project_figures", "chain_figures",
                   "indicator_targets", "indicator_values")


class LedgerStamp(db.Model):
    """One row whose stamp the database sets to a new random value on every write to a table the cockpit reads
    (COCKPIT_SOURCES; triggers of migration 5e55a0000010), whoever writes. The cockpit keeps what it computed for a
    stamp and reuses it while the stamp is unchanged: one statement instead of its aggregates. Nothing else writes
    it."""

    __tablename__ = "ledger_stamps"

    id: Mapped[int] = mapped_column(primary_key=True, comment="always 1")
    stamp: Mapped[str] = mapped_column(sa.String(36), comment="random, new on every write to the cockpit's tables")


class LedgerWrite(db.Model):
    """PostgreSQL: one row per transaction that wrote a table the cockpit reads. The triggers (migration
    5e55a0000011) insert it keyed by the transaction id instead of updating the one stamp row, so concurrent
    writers never wait on each other for it (one stamp row locked until commit made every ledger writer queue,
    and two writers touching the same rows in opposite orders deadlocked), and a reader sees a transaction's row
    only once it commits. The cockpit's key is the stamp with this table's count and highest id; the daily job
    `ledger.prune_writes` keeps only the newest row. On SQLite (one writer at a time) the stamp alone does."""

    __tablename__ = "ledger_writes"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    txid: Mapped[int] = mapped_column(sa.BigInteger(), unique=True, comment="the writing transaction (txid_current)")
