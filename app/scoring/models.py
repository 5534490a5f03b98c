"""Assessment data: yearly rule sets (versioned), entered component scores, quarter lifecycle with frozen
snapshots, policy fulfilment rates, the province-first flag and 不合格 decisions."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.models import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from app.extensions import db


class RuleSetVersion(db.Model):
    """One version of a year's assessment rules (annex 2 as data). The newest version of a year is current."""

    __tablename__ = "scoring_rule_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(comment="assessment year")
    version: Mapped[int] = mapped_column(comment="1, 2, ... within the year")
    data: Mapped[dict] = mapped_column(sa.JSON, comment="rules, unit profiles and assessor units (JSON)")
    note: Mapped[str | None] = mapped_column(sa.Text, comment="what changed and why")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who saved it")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")

    created_by = relationship("User")

    __table_args__ = (sa.UniqueConstraint("year", "version"),)


class ScoreEntry(TimestampMixin, db.Model):
    """An assessor's score for a unit in a quarter: a whole component, or one sub-item (考评细则)."""

    __tablename__ = "score_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(comment="assessment year")
    quarter: Mapped[int] = mapped_column(comment="1..4")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), comment="the assessed unit")
    assessor: Mapped[str] = mapped_column(sa.String(16), comment="component code: miit, ndrc, ... office")
    sub_item: Mapped[str] = mapped_column(sa.String(32), default="", comment="sub-item code; '' for the whole")
    value: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), comment="points, two decimals at most")
    note: Mapped[str | None] = mapped_column(sa.Text, comment="why less than full marks")
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who entered it")

    unit = relationship("Unit")
    entered_by = relationship("User")

    __table_args__ = (
        sa.UniqueConstraint("year", "quarter", "unit_id", "assessor", "sub_item"),
        sa.Index("ix_score_entries_year_quarter", "year", "quarter"),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
        sa.CheckConstraint("value >= 0", name="value_not_negative"),
    )


class QuarterStatus(LabelledEnum):
    open = "open", "录入中"
    finalized = "finalized", "已审定"


class ScoringQuarter(TimestampMixin, db.Model):
    """A quarter's lifecycle. When finalized, `snapshot` freezes inputs, rules version and results."""

    __tablename__ = "scoring_quarters"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(comment="assessment year")
    quarter: Mapped[int] = mapped_column(comment="1..4")
    status: Mapped[QuarterStatus] = mapped_column(enum_column(QuarterStatus), default=QuarterStatus.open,
                                                  comment="open or finalized")
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="when finalized (UTC)")
    finalized_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who finalized")
    evaluated_on: Mapped[date | None] = mapped_column(comment="the evaluation date of the task component")
    rule_set_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scoring_rule_sets.id"),
                                                    comment="the rules version used when finalized")
    snapshot: Mapped[dict | None] = mapped_column(sa.JSON, comment="frozen inputs and results (JSON)")

    finalized_by = relationship("User")
    reopenings = relationship("QuarterReopening", back_populates="scoring_quarter",
                              order_by="QuarterReopening.at")

    __table_args__ = (sa.UniqueConstraint("year", "quarter"),)

    @property
    def is_finalized(self):
        return self.status is QuarterStatus.finalized


class QuarterReopening(db.Model):
    """A recorded, reasoned reopening of a finalized quarter; the snapshot it replaced is kept."""

    __tablename__ = "scoring_reopenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    scoring_quarter_id: Mapped[int] = mapped_column(sa.ForeignKey("scoring_quarters.id", ondelete="CASCADE"),
                                                    index=True, comment="the quarter")
    reason: Mapped[str] = mapped_column(sa.Text, comment="why it was reopened")
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who reopened it")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")
    previous_snapshot: Mapped[dict | None] = mapped_column(sa.JSON, comment="the results before reopening")

    by = relationship("User")
    scoring_quarter = relationship("ScoringQuarter", back_populates="reopenings")


class PolicyRate(TimestampMixin, db.Model):
    """政策兑现率 of a county or park for a year (assessed each December, annex 2 五(二))."""

    __tablename__ = "policy_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(comment="year")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), comment="the county or park")
    rate: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), comment="fulfilment rate in percent, 0–100")
    note: Mapped[str | None] = mapped_column(sa.Text, comment="remark")
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who entered it")

    unit = relationship("Unit")

    __table_args__ = (sa.UniqueConstraint("year", "unit_id"),
                      sa.CheckConstraint("rate >= 0 AND rate <= 100", name="rate_range"))


class YearSetting(TimestampMixin, db.Model):
    """Per-year flags: whether 湘潭 ranked first among peer cities (every annual score becomes full marks)."""

    __tablename__ = "scoring_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, comment="year")
    province_first: Mapped[bool] = mapped_column(default=False, comment="省真抓实干督查激励排名同类市州第一")
    note: Mapped[str | None] = mapped_column(sa.Text, comment="basis of the flag")
    annual_finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime(),
                                                                 comment="when the annual results were finalized")
    annual_snapshot: Mapped[dict | None] = mapped_column(sa.JSON, comment="frozen annual results (JSON)")


class FailDecision(TimestampMixin, db.Model):
    """A 不合格 decision of the leadership group for a 市直 unit in a year, with its reason."""

    __tablename__ = "fail_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(comment="year")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), comment="the unit")
    reason: Mapped[str] = mapped_column(sa.Text, comment="the leadership group's reason")
    decided_on: Mapped[date] = mapped_column(comment="date of the decision")
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who recorded it")

    unit = relationship("Unit")

    __table_args__ = (sa.UniqueConstraint("year", "unit_id"),)
