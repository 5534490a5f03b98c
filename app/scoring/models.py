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
    approved_on: Mapped[date | None] = mapped_column(comment="date of the leadership group's 审定")
    doc_number: Mapped[str | None] = mapped_column(sa.String(100), comment="文号 of the 审定")

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
    annual_finalized_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"),
                                                               comment="who froze the annual results")
    annual_approved_on: Mapped[date | None] = mapped_column(comment="date of the leadership group's 审定 of the year")
    annual_doc_number: Mapped[str | None] = mapped_column(sa.String(100), comment="文号 of the year's 审定")


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


# --- 考评细则 (附件2 六(一)): each assessor's indicators for a year, drafted, reviewed, approved, published --------

class CriteriaStatus(LabelledEnum):
    draft = "draft", "起草中"
    submitted = "submitted", "已报千百十办审核"
    returned = "returned", "已退回修改"
    accepted = "accepted", "千百十办已审核"
    approved = "approved", "领导小组已审定"
    published = "published", "已发布"
    superseded = "superseded", "已被新版本替代"


class CriteriaBook(TimestampMixin, db.Model):
    """One version of an assessor's 考评细则 for a year. Drafted by the assessor, submitted to the office, returned
    with comments or accepted, approved by the leadership group (审定: date and 文号) and published to the
    assessed units. A change after publication is a new version that goes through the same chain; the published
    one stays in force until the new one is published (it is then superseded)."""

    __tablename__ = "criteria_books"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(comment="assessment year")
    assessor: Mapped[str] = mapped_column(sa.String(16), comment="component code: miit, ndrc, ... office")
    version: Mapped[int] = mapped_column(default=1, comment="1, 2, ... within the year and assessor")
    status: Mapped[CriteriaStatus] = mapped_column(enum_column(CriteriaStatus), default=CriteriaStatus.draft,
                                                   comment="where the version is in the approval chain")
    quarter_shares: Mapped[list] = mapped_column(sa.JSON, default=lambda: ["25", "50", "75", "100"],
                                                 comment="cumulative % of a yearly target due by each quarter's end")
    note: Mapped[str | None] = mapped_column(sa.Text,
                                             comment="the assessor's explanation; for a revision, what changed")
    based_on_id: Mapped[int | None] = mapped_column(sa.ForeignKey("criteria_books.id", ondelete="SET NULL"),
                                                    comment="the published version this revision starts from")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="when submitted to the office")
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who submitted it")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="when the office last reviewed it")
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who reviewed it")
    review_comment: Mapped[str | None] = mapped_column(sa.Text, comment="the office's comments (why returned)")
    approved_on: Mapped[date | None] = mapped_column(comment="date of the leadership group's 审定")
    doc_number: Mapped[str | None] = mapped_column(sa.String(100), comment="文号 of the document issuing it")
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who recorded the 审定")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="when published to the units")
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who published it")
    rule_set_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scoring_rule_sets.id"),
                                                    comment="the rules version written when it was published")

    indicators = relationship("CriteriaIndicator", back_populates="book", order_by="CriteriaIndicator.sort_order",
                              cascade="all, delete-orphan")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])

    __table_args__ = (sa.UniqueConstraint("year", "assessor", "version", name="uq_criteria_books_version"),)


class CriteriaMethod(LabelledEnum):
    linear = "linear", "按完成率计分"
    steps = "steps", "分档计分"
    rank = "rank", "组内排名计分"
    count = "count", "按事项计分"
    manual = "manual", "人工评分"
    tasks = "tasks", "交办事项落实（系统计算）"
    rating = "rating", "服务质量评价（评价均分）"


class CriteriaSource(LabelledEnum):
    ledger = "ledger", "台账指标（系统取数）"
    entered = "entered", "考评单位填报"
    none = "none", "无需实际值"


class CriteriaIndicator(db.Model):
    """An indicator of a 考评细则 version: its points per component profile, method, parameters and data source."""

    __tablename__ = "criteria_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria_books.id", ondelete="CASCADE"), index=True,
                                         comment="the 细则 version")
    code: Mapped[str] = mapped_column(sa.String(32), comment="sub-item code of the component (tasks: the task item)")
    name: Mapped[str] = mapped_column(sa.String(100), comment="the indicator as annex 2 三 names it")
    sort_order: Mapped[int] = mapped_column(default=0, comment="order in the 细则")
    method: Mapped[CriteriaMethod] = mapped_column(enum_column(CriteriaMethod), comment="scoring method")
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict, comment="the method's parameters (JSON)")
    source: Mapped[CriteriaSource] = mapped_column(enum_column(CriteriaSource), default=CriteriaSource.entered,
                                                   comment="where the actual comes from")
    ledger_key: Mapped[str | None] = mapped_column(sa.String(64),
                                                   comment="ledger indicator code (G05 ...) or rate:start|invest|funds")
    measure_unit: Mapped[str | None] = mapped_column(sa.String(20), comment="计量单位 of actual and target")
    points: Mapped[dict] = mapped_column(sa.JSON, default=dict,
                                         comment="points per component profile code (absent: not scored)")
    co_assessor_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"),
                                                            comment="会同考评单位 that enters this indicator")
    description: Mapped[str | None] = mapped_column(sa.Text, comment="考评要点: what is assessed and how")

    book = relationship("CriteriaBook", back_populates="indicators")
    co_assessor_unit = relationship("Unit")
    targets = relationship("CriteriaTarget", back_populates="indicator", cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("book_id", "code", name="uq_criteria_indicators_code"),)


class CriteriaTarget(db.Model):
    """The yearly target (年度发展目标) of an indicator for one assessed unit."""

    __tablename__ = "criteria_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria_indicators.id", ondelete="CASCADE"),
                                              index=True, comment="the indicator")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True, comment="the assessed unit")
    value: Mapped[Decimal] = mapped_column(sa.Numeric(18, 4), comment="the yearly target, in the indicator's unit")

    indicator = relationship("CriteriaIndicator", back_populates="targets")
    unit = relationship("Unit")

    __table_args__ = (sa.UniqueConstraint("indicator_id", "unit_id", name="uq_criteria_targets_unit"),)


class CriteriaActual(TimestampMixin, db.Model):
    """An actual the assessor enters for an indicator whose source is 考评单位填报, per unit and quarter (cumulative
    in the year). Keyed by the indicator's code, so it survives a new version of the 细则."""

    __tablename__ = "criteria_actuals"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(comment="assessment year")
    quarter: Mapped[int] = mapped_column(comment="1..4")
    assessor: Mapped[str] = mapped_column(sa.String(16), comment="component code")
    code: Mapped[str] = mapped_column(sa.String(32), comment="indicator code")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True, comment="the assessed unit")
    value: Mapped[Decimal] = mapped_column(sa.Numeric(18, 4), comment="the actual, cumulative in the year")
    source_note: Mapped[str | None] = mapped_column(sa.String(200), comment="where the figure comes from")
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who entered it")

    unit = relationship("Unit")

    __table_args__ = (sa.UniqueConstraint("year", "quarter", "assessor", "code", "unit_id",
                                          name="uq_criteria_actuals_period"),
                      sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"))


class CriteriaScore(TimestampMixin, db.Model):
    """What an indicator gave a unit in a quarter, beside the ScoreEntry (sub_item = code) it confirmed: the
    actual, the target, the completion, the points the method computed and the points given (an override has a
    reason). The unit's result page reads these to say where it fell short."""

    __tablename__ = "criteria_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(comment="assessment year")
    quarter: Mapped[int] = mapped_column(comment="1..4")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True, comment="the assessed unit")
    assessor: Mapped[str] = mapped_column(sa.String(16), comment="component code")
    code: Mapped[str] = mapped_column(sa.String(32), comment="indicator code")
    book_id: Mapped[int | None] = mapped_column(sa.ForeignKey("criteria_books.id", ondelete="SET NULL"),
                                                comment="the 细则 version applied")
    actual: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4), comment="the actual used")
    target: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4), comment="the quarter's target used")
    completion: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2), comment="completion rate, %")
    rank: Mapped[int | None] = mapped_column(comment="rank in the group (rank method)")
    computed: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2), comment="points the method gives")
    maximum: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), comment="the indicator's points for the unit")
    value: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), comment="points given (confirmed or overridden)")
    overridden: Mapped[bool] = mapped_column(default=False, comment="the assessor changed the computed points")
    reason: Mapped[str | None] = mapped_column(sa.Text, comment="why overridden (or, manual, why not full)")
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who confirmed")

    unit = relationship("Unit")

    __table_args__ = (sa.UniqueConstraint("year", "quarter", "unit_id", "assessor", "code",
                                          name="uq_criteria_scores_cell"),
                      sa.Index("ix_criteria_scores_year_quarter", "year", "quarter"),
                      sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"))


class ServiceRating(TimestampMixin, db.Model):
    """A county's or park's rating of a 市直 unit's service in a quarter (附件2 三(二)1), on its own behalf or
    collecting an enterprise's (enterprise named). Each question 0–100; the average feeds the office's 服务质量
    评价 indicator."""

    __tablename__ = "service_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(comment="year")
    quarter: Mapped[int] = mapped_column(comment="1..4")
    rater_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True,
                                               comment="the county or park rating")
    rated_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True,
                                               comment="the 市直 unit rated")
    enterprise_name: Mapped[str] = mapped_column(sa.String(100), default="",
                                                 comment="the enterprise whose rating the county/park collected; "
                                                         "'' for the county or park itself")
    attitude: Mapped[int] = mapped_column(comment="服务态度, 0–100")
    efficiency: Mapped[int] = mapped_column(comment="办事效率, 0–100")
    effect: Mapped[int] = mapped_column(comment="解决问题成效, 0–100")
    comment: Mapped[str | None] = mapped_column(sa.Text, comment="意见建议")
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who entered it")

    rater_unit = relationship("Unit", foreign_keys=[rater_unit_id])
    rated_unit = relationship("Unit", foreign_keys=[rated_unit_id])

    __table_args__ = (sa.UniqueConstraint("year", "quarter", "rater_unit_id", "rated_unit_id", "enterprise_name",
                                          name="uq_service_ratings_rater"),
                      sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
                      sa.CheckConstraint("attitude BETWEEN 0 AND 100 AND efficiency BETWEEN 0 AND 100 "
                                         "AND effect BETWEEN 0 AND 100", name="scores_range"),
                      sa.CheckConstraint("rater_unit_id <> rated_unit_id", name="not_self"))


# --- the approval chain of results (附件2 一): 考评意见 of the office, then the leadership group's 审定 -----------

class ResultOpinion(TimestampMixin, db.Model):
    """The office's 考评意见 on a quarter's (quarter 1..4) or the year's (quarter NULL) results, submitted with them
    to the leadership group. One row per period; changes are audited. The 审定 itself (date, 文号) is recorded on
    the ScoringQuarter (finalize) and on the YearSetting (annual_*)."""

    __tablename__ = "result_opinions"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(comment="year")
    quarter: Mapped[int | None] = mapped_column(comment="1..4; NULL for the year's results")
    opinion: Mapped[str | None] = mapped_column(sa.Text, comment="千百十办考评意见")
    opinion_on: Mapped[date | None] = mapped_column(comment="date of the opinion")
    opinion_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who wrote it")

    opinion_by = relationship("User")

    __table_args__ = (sa.UniqueConstraint("year", "quarter", name="uq_result_opinions_period"),)


class AnnualReopening(db.Model):
    """A recorded, reasoned reopening of a year's frozen annual results; the snapshot it replaced is kept."""

    __tablename__ = "annual_reopenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True, comment="the year")
    reason: Mapped[str] = mapped_column(sa.Text, comment="why it was reopened")
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who reopened it")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")
    previous_snapshot: Mapped[dict | None] = mapped_column(sa.JSON, comment="the annual results before reopening")

    by = relationship("User")


class ResultDispatch(TimestampMixin, db.Model):
    """附件2 五(一)3: the annual result of a unit reported to its superior department or parent company — when it
    was sent, to whom, by whom."""

    __tablename__ = "result_dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(comment="year")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), comment="the unit whose result was sent")
    sent_on: Mapped[date] = mapped_column(comment="date sent")
    sent_to: Mapped[str] = mapped_column(sa.String(100), comment="the superior department or parent company")
    doc_number: Mapped[str | None] = mapped_column(sa.String(100), comment="文号 of the covering letter")
    note: Mapped[str | None] = mapped_column(sa.Text, comment="remark")
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who recorded it")

    unit = relationship("Unit")
    sent_by = relationship("User")

    __table_args__ = (sa.UniqueConstraint("year", "unit_id", name="uq_result_dispatches_unit"),)
