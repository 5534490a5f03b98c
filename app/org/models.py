"""Units, people, the leadership group, portfolios (分管), industrial chains (产业链) and plans (计划/举措)."""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import LabelledEnum, TimestampMixin, enum_column
from app.extensions import db


class UnitGroup(LabelledEnum):
    """The assessment groups of annex 2 二、考评对象."""

    county = "county", "县市区组"
    park1 = "park1", "一类园区组"
    park2 = "park2", "二类园区组"
    promotion = "promotion", "市直·产业推进单位"
    support = "support", "市直·服务保障单位"


class UnitKind(LabelledEnum):
    government = "government", "党政机关"
    park = "park", "园区管委会"
    department = "department", "市直部门"
    enterprise = "enterprise", "企业"
    office = "office", "千百十办"


class SuperiorReport(LabelledEnum):
    """Annex 2 五、(一)3: whose annual result is also reported upward."""

    superior_authority = "superior_authority", "报上级主管部门"
    parent_company = "parent_company", "报上级公司"


class GroupRole(LabelledEnum):
    """Roles in the leadership group of annex 1."""

    leader = "leader", "组长"
    executive_deputy = "executive_deputy", "常务副组长"
    deputy = "deputy", "副组长"
    member = "member", "成员"
    office_director = "office_director", "办公室主任"
    office_deputy_director = "office_deputy_director", "办公室副主任"


class Unit(TimestampMixin, db.Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True, comment="full name as annex 2 spells it")
    short_name: Mapped[str] = mapped_column(sa.String(50), comment="short form used in tables")
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind), comment="kind of body")
    group: Mapped[UnitGroup | None] = mapped_column(
        enum_column(UnitGroup), index=True, comment="assessment group; NULL when not assessed"
    )
    superior_report: Mapped[SuperiorReport | None] = mapped_column(
        enum_column(SuperiorReport), comment="annual result also reported upward"
    )
    sort_order: Mapped[int] = mapped_column(default=0, comment="order within lists")
    is_active: Mapped[bool] = mapped_column(default=True, comment="inactive units take no new tasks")
    contact: Mapped[str | None] = mapped_column(sa.String(200), comment="contact person and phone")

    # The unit's sign-in accounts (app.auth.models.User, named here by string: auth sits above org and manages
    # them), by sign-in name. Read only.
    accounts = relationship("User", viewonly=True, order_by="User.username", lazy="select")

    @property
    def is_assessed(self):
        return self.group is not None

    @property
    def is_office(self):
        return self.kind is UnitKind.office

    def __repr__(self):
        return f"<Unit {self.name}>"


class Person(TimestampMixin, db.Model):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), index=True, comment="full name")
    note: Mapped[str | None] = mapped_column(sa.String(200), comment="free remark")
    is_active: Mapped[bool] = mapped_column(default=True, comment="still serving")

    positions = relationship(
        "Position", back_populates="person", order_by="Position.starts_on", cascade="all, delete-orphan"
    )
    memberships = relationship(
        "GroupMembership", back_populates="person", order_by="GroupMembership.starts_on",
        cascade="all, delete-orphan",
    )

    def __repr__(self):
        return f"<Person {self.name}>"


class PeriodMixin:
    """A validity period: [starts_on, ends_on], open-ended when ends_on is NULL."""

    starts_on: Mapped[date] = mapped_column(comment="first day in force")
    ends_on: Mapped[date | None] = mapped_column(comment="last day in force; NULL while current")

    def is_current(self, on: date):
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)

    @classmethod
    def current_on(cls, on: date):
        return sa.and_(cls.starts_on <= on, sa.or_(cls.ends_on.is_(None), cls.ends_on >= on))


class Position(PeriodMixin, TimestampMixin, db.Model):
    """A job a person holds at a unit over a period (市长 at 湘潭市人民政府 ...)."""

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True,
                                           comment="who")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True, comment="where")
    title: Mapped[str] = mapped_column(sa.String(100), comment="job title, e.g. 副市长")
    is_vice_mayor: Mapped[bool] = mapped_column(default=False, comment="a vice mayor, who runs a 旬调度")
    is_mayor: Mapped[bool] = mapped_column(default=False, comment="the mayor, who runs the 月分析")
    is_secretary: Mapped[bool] = mapped_column(default=False, comment="the party secretary (季考核)")
    is_unit_head: Mapped[bool] = mapped_column(default=False, comment="principal head of the unit (述职)")

    person = relationship("Person", back_populates="positions")
    unit = relationship("Unit")


class GroupMembership(PeriodMixin, TimestampMixin, db.Model):
    """A person's role in the leadership group (annex 1) over a period."""

    __tablename__ = "group_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True,
                                           comment="who")
    role: Mapped[GroupRole] = mapped_column(enum_column(GroupRole), comment="role in the group")
    title: Mapped[str] = mapped_column(sa.String(200), comment="the person's title as annex 1 lists it")
    sort_order: Mapped[int] = mapped_column(default=0, comment="order in the annex")

    person = relationship("Person", back_populates="memberships")


class PortfolioItem(PeriodMixin, TimestampMixin, db.Model):
    """A unit in a vice mayor's portfolio (分管) over a period."""

    __tablename__ = "portfolio_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True,
                                           comment="the leader")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), index=True,
                                         comment="the unit in the portfolio")

    person = relationship("Person")
    unit = relationship("Unit")


class Chain(TimestampMixin, db.Model):
    """One of the 12 priority industrial chains of plan 1 (强链计划)."""

    __tablename__ = "chains"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True, comment="chain name")
    tier: Mapped[int] = mapped_column(comment="target size class in 亿元: 1000, 800, 500 or 200")
    sort_order: Mapped[int] = mapped_column(default=0, comment="order in the document")
    leader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"),
                                                  comment="the chain leader (链长)")
    leader_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="SET NULL"),
                                                       comment="the unit that submits the leader's report")

    leader = relationship("Person")
    leader_unit = relationship("Unit")

    @property
    def tier_label(self):
        return f"{self.tier}亿级"


plan_lead_units = sa.Table(
    "plan_lead_units",
    db.metadata,
    sa.Column("plan_id", sa.ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False, default=0, comment="order of the lead units"),
)


class PlanKind(LabelledEnum):
    plan = "plan", "计划"
    measure = "measure", "工作举措"


class Plan(TimestampMixin, db.Model):
    """One of the eight plans (八大计划, 四) or six measures (工作举措, 五)."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(8), unique=True, comment="P1..P8, M1..M6")
    kind: Mapped[PlanKind] = mapped_column(enum_column(PlanKind), comment="plan or measure")
    name: Mapped[str] = mapped_column(sa.String(100), comment="name as the document titles it")
    summary: Mapped[str] = mapped_column(sa.Text, default="", comment="what the plan does")
    sort_order: Mapped[int] = mapped_column(default=0, comment="order in the document")

    lead_units = relationship("Unit", secondary=plan_lead_units, order_by=plan_lead_units.c.position)
    targets = relationship("Target", back_populates="plan", order_by="Target.sort_order",
                           cascade="all, delete-orphan")

    @property
    def label(self):
        return f"{self.code} {self.name}"


class Target(TimestampMixin, db.Model):
    """A quantified target, of a plan or (plan_id NULL) of the city's 2025 goals (三、发展目标)."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True,
                                                comment="the plan; NULL for a city-wide goal")
    text: Mapped[str] = mapped_column(sa.String(200), comment="the target as the document states it")
    value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2), comment="the number, where numeric")
    unit_label: Mapped[str | None] = mapped_column(sa.String(20), comment="its unit (个, 家, %, 万元 ...)")
    period: Mapped[str | None] = mapped_column(sa.String(20), comment="2025年 or 每年")
    sort_order: Mapped[int] = mapped_column(default=0, comment="order in the document")
    # As an indicator (指标) of the ledger: its code, where its actuals come from and who answers for it.
    code: Mapped[str | None] = mapped_column(sa.String(20), unique=True, comment="indicator code, e.g. G05, P2-1")
    measure: Mapped[str | None] = mapped_column(
        sa.String(40), comment="the ledger computation giving its actuals (app.ledger.measures); NULL: entered")
    responsible_unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("units.id", ondelete="SET NULL"), comment="the unit that answers for it (and enters it)")
    breaks_down: Mapped[bool] = mapped_column(default=False, comment="targets and actuals per county / park")

    plan = relationship("Plan", back_populates="targets")
    responsible_unit = relationship("Unit")

    @property
    def is_computed(self):
        return self.measure is not None

    @property
    def is_yearly(self):
        """每年 targets (净增, 新增 ...) restart every year; the others are reached by 2025."""
        return self.period == "每年"

    @property
    def value_text(self):
        """The number as the document writes it (25, 36.5), without trailing zeros; '—' when not numeric."""
        if self.value is None:
            return "—"
        return f"{self.value.normalize():f}"
