"""The cadence (六、组织保障 1): 周会商、旬调度、月分析、季考核、半年述职, and the 考评会商 before each quarter's
assessment (附件2 六(二): the office convenes the assessing units to consult on the indicators' completion).

A cadence rule (one per meeting type, office-editable) says who convenes, when in the period the meeting is
proposed and when its record is due. The cadence job turns the rules into expected meetings, one per period and
convener, ahead of time; a record (纪要/述职报告) is written against an expected meeting, at most one each. Items of a
record are its decisions, instructions, carried-over tasks, visits and explanations; an item can become a task and
can be escalated to a later meeting up the ladder (周会商 → 旬调度 → 月分析).
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from app.extensions import db

REASON_MAX = 500  # 上报理由 and 修改理由 (Escalation.reason, RecordAmendment.reason)


class MeetingType(LabelledEnum):
    weekly = "weekly", "周会商"
    dispatch = "dispatch", "旬调度"
    monthly = "monthly", "月分析"
    quarterly = "quarterly", "季考核"
    semiannual = "semiannual", "半年述职"
    consultation = "consultation", "考评会商"


class Anchor(LabelledEnum):
    start = "start", "周期第一天"
    end = "end", "周期最后一天"


class RecordStatus(LabelledEnum):
    draft = "draft", "草稿"
    signed = "signed", "已签发"


class ItemKind(LabelledEnum):
    decision = "decision", "会议决定"
    instruction = "instruction", "领导指示"
    carry_over = "carry_over", "结转下旬"
    visit = "visit", "项目观摩"
    explanation = "explanation", "末位说明"
    escalated = "escalated", "上报事项"


# The order a record lists its items in, on the page and in the Excel export.
ITEM_KIND_ORDER = (ItemKind.escalated, ItemKind.instruction, ItemKind.decision, ItemKind.carry_over, ItemKind.visit,
                   ItemKind.explanation)


class EscalationStatus(LabelledEnum):
    open = "open", "待处理"
    taken_up = "taken_up", "已纳入会议"


# The ladder: where an unresolved item of each type goes next.
ESCALATES_TO = {MeetingType.weekly: MeetingType.dispatch, MeetingType.dispatch: MeetingType.monthly}


class CadenceRule(TimestampMixin, db.Model):
    """One meeting type's rule. Who convenes is fixed by the document (六、1); the timing is the office's to set."""

    __tablename__ = "cadence_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[MeetingType] = mapped_column(enum_column(MeetingType), unique=True, comment="meeting type")
    anchor: Mapped[Anchor] = mapped_column(enum_column(Anchor), comment="the day of the period counted from")
    offset_days: Mapped[int] = mapped_column(
        comment="calendar days from the anchor to the proposed meeting day (moved to the nearest working day)")
    record_due_workdays: Mapped[int] = mapped_column(
        comment="working days after the meeting day by which the record must be logged")
    remind_workdays_before: Mapped[int] = mapped_column(
        default=0, comment="remind the convener N working days before the record is due (0: on the due day)")
    horizon_days: Mapped[int] = mapped_column(default=45, comment="create expected meetings this far ahead")
    is_active: Mapped[bool] = mapped_column(default=True, comment="inactive rules create no new meetings")
    note: Mapped[str] = mapped_column(sa.String(200), default="", comment="the office's remark")


class ExpectedMeeting(TimestampMixin, db.Model):
    """A meeting the cadence expects: one per type, period and convener (a unit or a person)."""

    __tablename__ = "expected_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[MeetingType] = mapped_column(enum_column(MeetingType), comment="meeting type")
    period_key: Mapped[str] = mapped_column(sa.String(16), comment="e.g. 2026-W48, 2026-11-3, 2026-Q4")
    period_start: Mapped[date] = mapped_column(comment="first day of the period")
    period_end: Mapped[date] = mapped_column(comment="last day of the period")
    convener_key: Mapped[str] = mapped_column(sa.String(24), comment="unit:<id> or person:<id>; part of the key")
    convener_unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("units.id"), index=True, comment="the unit that convenes or reports (and logs the record)")
    convener_person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id"), index=True, comment="the leader who convenes or reports, when a person")
    scheduled_on: Mapped[date] = mapped_column(comment="proposed meeting day (a working day)")
    record_due_on: Mapped[date] = mapped_column(comment="the record is late after this day")
    provisional: Mapped[bool] = mapped_column(
        default=False, comment="dates computed on a year whose holidays nobody has entered yet")
    is_cancelled: Mapped[bool] = mapped_column(default=False, comment="no longer expected (e.g. convener changed)")

    convener_unit = relationship("Unit")
    convener_person = relationship("Person")
    record = relationship("MeetingRecord", back_populates="expected", uselist=False)

    __table_args__ = (
        sa.UniqueConstraint("type", "period_key", "convener_key", name="uq_expected_meetings_period_convener"),
        sa.Index("ix_expected_meetings_scheduled", "scheduled_on", "type"),
        sa.Index("ix_expected_meetings_due", "record_due_on", "type"),
    )

    @property
    def convener_label(self):
        if self.convener_person is not None:
            unit = f"（{self.convener_unit.short_name}）" if self.convener_unit is not None else ""
            return f"{self.convener_person.name}{unit}"
        return self.convener_unit.name if self.convener_unit is not None else "—"


record_units = sa.Table(
    "meeting_record_units", db.metadata,
    sa.Column("record_id", sa.ForeignKey("meeting_records.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("units.id"), primary_key=True),
    comment="the units that attended a meeting",
)


class MeetingRecord(TimestampMixin, db.Model):
    """The record of one expected meeting: minutes, or for 半年述职 the report; locked once signed off."""

    __tablename__ = "meeting_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    expected_id: Mapped[int] = mapped_column(sa.ForeignKey("expected_meetings.id"), unique=True,
                                             comment="the expected meeting this records (one record each)")
    type: Mapped[MeetingType] = mapped_column(enum_column(MeetingType), comment="copied from the expected meeting")
    held_on: Mapped[date] = mapped_column(comment="the day the meeting was held (or the report submitted)")
    place: Mapped[str] = mapped_column(sa.String(200), default="", comment="where")
    chair: Mapped[str] = mapped_column(sa.String(100), default="", comment="who chaired")
    attendees: Mapped[str] = mapped_column(sa.Text, default="", comment="attending people, free text")
    topics: Mapped[str] = mapped_column(sa.Text, default="", comment="topics (议题)")
    minutes: Mapped[str] = mapped_column(sa.Text, default="", comment="minutes, analysis text or report text")
    comments: Mapped[str] = mapped_column(sa.Text, default="", comment="the leader's comments (讲评)")
    snapshot: Mapped[dict | None] = mapped_column(
        sa.JSON, comment="frozen data: the dispatch list, the month's analysis or the quarter's results")
    status: Mapped[RecordStatus] = mapped_column(enum_column(RecordStatus), default=RecordStatus.draft,
                                                 comment="draft, or signed off (locked)")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who logged it")
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who signed it off")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="when it was signed off")
    version: Mapped[int] = mapped_column(default=1, comment="optimistic lock")

    expected = relationship("ExpectedMeeting", back_populates="record")
    units = relationship("Unit", secondary=record_units, order_by="Unit.sort_order")
    items = relationship("RecordItem", back_populates="record", cascade="all, delete-orphan",
                         order_by="(RecordItem.kind, RecordItem.sort_order, RecordItem.id)",
                         foreign_keys="RecordItem.record_id")
    attachments = relationship("RecordAttachment", back_populates="record", cascade="all, delete-orphan",
                               order_by="RecordAttachment.id")
    amendments = relationship("RecordAmendment", back_populates="record", cascade="all, delete-orphan",
                              order_by="RecordAmendment.id")
    created_by = relationship("User", foreign_keys=[created_by_id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.Index("ix_meeting_records_type_held", "type", "held_on"),)

    @property
    def is_signed(self):
        return self.status == RecordStatus.signed


class RecordItem(TimestampMixin, db.Model):
    """A line of a record: a decision (which may become a task), an instruction on a task, a task carried over, a
    project visited, a last-placed unit's explanation, or an item escalated from an earlier meeting."""

    __tablename__ = "meeting_record_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_records.id", ondelete="CASCADE"), index=True,
                                           comment="the record")
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind), comment="what kind of line")
    text: Mapped[str] = mapped_column(sa.Text, comment="the decision, instruction, visit note or explanation")
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id"), index=True,
                                                comment="the task it concerns or became")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True,
                                                comment="the unit concerned (lead unit, last-placed unit)")
    due_on: Mapped[date | None] = mapped_column(comment="the deadline given with a decision")
    resolved: Mapped[bool] = mapped_column(default=False, comment="settled at the meeting")
    escalated_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_record_items.id"), comment="the earlier item this one took up")
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"),
                                                        comment="who wrote it (e.g. the unit's explanation)")
    sort_order: Mapped[int] = mapped_column(default=0, comment="order within its kind")

    record = relationship("MeetingRecord", back_populates="items", foreign_keys=[record_id])
    task = relationship("Task")
    unit = relationship("Unit")
    escalated_from = relationship("RecordItem", remote_side=[id])
    submitted_by = relationship("User")


class Escalation(TimestampMixin, db.Model):
    """An unresolved item sent up the ladder to the next meeting of the higher type."""

    __tablename__ = "meeting_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_record_items.id", ondelete="CASCADE"),
                                         unique=True, comment="the item escalated (once)")
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("expected_meetings.id"), index=True,
                                           comment="the meeting that is to take it up")
    reason: Mapped[str] = mapped_column(sa.String(REASON_MAX), comment="why it goes up")
    status: Mapped[EscalationStatus] = mapped_column(enum_column(EscalationStatus),
                                                     default=EscalationStatus.open, comment="open or taken up")
    taken_up_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting_record_items.id"),
                                                         comment="the item of the target record that took it up")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who escalated it")

    item = relationship("RecordItem", foreign_keys=[item_id])
    target = relationship("ExpectedMeeting")
    taken_up_item = relationship("RecordItem", foreign_keys=[taken_up_item_id])
    created_by = relationship("User")


class RecordAttachment(TimestampMixin, db.Model):
    """A file attached to a record (述职 materials, minutes scans), stored under instance/, outside the web root."""

    __tablename__ = "meeting_record_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_records.id", ondelete="CASCADE"), index=True,
                                           comment="the record")
    filename: Mapped[str] = mapped_column(sa.String(200), comment="name as uploaded")
    stored_name: Mapped[str] = mapped_column(sa.String(100), unique=True, comment="name on disk")
    content_type: Mapped[str] = mapped_column(sa.String(100), comment="MIME type")
    size: Mapped[int] = mapped_column(comment="bytes")
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who uploaded it")

    record = relationship("MeetingRecord", back_populates="attachments")
    uploaded_by = relationship("User")


class RecordAmendment(TimestampMixin, db.Model):
    """An edit to a signed-off record: allowed only with a reason, which stays visible on the record."""

    __tablename__ = "meeting_record_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_records.id", ondelete="CASCADE"), index=True,
                                           comment="the record")
    reason: Mapped[str] = mapped_column(sa.String(REASON_MAX), comment="why the signed record was changed")
    changed: Mapped[str] = mapped_column(sa.String(500), default="", comment="which fields changed")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who amended it")

    record = relationship("MeetingRecord", back_populates="amendments")
    user = relationship("User")


class CalendarFeed(TimestampMixin, db.Model):
    """A user's iCalendar feed token (only its hash is kept); revoking replaces it."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True,
                                         comment="the feed's owner")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, comment="sha256 of the URL token")
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="last fetch by a calendar program")

    user = relationship("User")
