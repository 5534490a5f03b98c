"""Assigned tasks (交办事项), the units on them, follow-ups (进展反馈), evidence, urges (催办), extension and
completion requests, and each task's timeline."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.core.clock import utcnow
from app.core.models import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from app.extensions import db


class TaskSource(LabelledEnum):
    plan = "plan", "计划举措"
    meeting = "meeting", "会议决定"
    instruction = "instruction", "领导批示"
    assessment = "assessment", "考核说明"
    free = "free", "其他"


class TaskPriority(LabelledEnum):
    normal = "normal", "一般"
    key = "key", "重点"


class TaskState(LabelledEnum):
    assigned = "assigned", "已交办"
    accepted = "accepted", "已签收"
    in_progress = "in_progress", "办理中"
    completion_requested = "completion_requested", "申请办结"
    completed = "completed", "已办结"
    cancelled = "cancelled", "已撤销"


OPEN_STATES = (TaskState.assigned, TaskState.accepted, TaskState.in_progress, TaskState.completion_requested)
CLOSED_STATES = (TaskState.completed, TaskState.cancelled)
# The same set as SQL, for the partial index of open tasks (the planner matches it against `state IN (...)`).
OPEN_STATES_SQL = "state IN (" + ", ".join(f"'{s.value}'" for s in OPEN_STATES) + ")"


class Light(LabelledEnum):
    """亮灯, computed for a given day (never stored)."""

    green = "green", "绿灯"
    yellow = "yellow", "黄灯"
    red = "red", "红灯"
    done_on_time = "done_on_time", "按时办结"
    done_late = "done_late", "逾期办结"
    cancelled = "cancelled", "已撤销"


class RequestStatus(LabelledEnum):
    pending = "pending", "待审核"
    approved = "approved", "已同意"
    refused = "refused", "未同意"
    returned = "returned", "已退回"
    withdrawn = "withdrawn", "已失效"


class Task(TimestampMixin, db.Model):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), comment="what is to be done, in one line")
    content: Mapped[str] = mapped_column(sa.Text, default="", comment="details and requirements")
    source: Mapped[TaskSource] = mapped_column(enum_column(TaskSource), comment="where the task comes from")
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plans.id"), index=True,
                                                comment="the plan or measure, when the source is one")
    source_ref: Mapped[str | None] = mapped_column(sa.String(200), comment="e.g. the meeting or instruction")
    lead_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), comment="牵头单位")
    priority: Mapped[TaskPriority] = mapped_column(enum_column(TaskPriority), default=TaskPriority.normal,
                                                   comment="一般 or 重点 (weight in scoring)")
    assigned_on: Mapped[date] = mapped_column(comment="the day it was assigned")
    original_due_on: Mapped[date] = mapped_column(comment="the deadline first given")
    due_on: Mapped[date] = mapped_column(comment="the effective deadline, after approved extensions")
    assigner_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"),
                                                         comment="the assigning unit (usually 千百十办)")
    assigner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="the assigning person")
    state: Mapped[TaskState] = mapped_column(enum_column(TaskState), default=TaskState.assigned,
                                             comment="workflow state")
    completed_on: Mapped[date | None] = mapped_column(
        comment="completion date from the approved completion request (used by scoring)")
    urge_count: Mapped[int] = mapped_column(default=0, comment="number of urges (催办) so far")
    last_urged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="latest urge (UTC)")
    meeting_ref_id: Mapped[int | None] = mapped_column(comment="the meeting record that decided it, if any")
    version: Mapped[int] = mapped_column(default=1, comment="optimistic lock: bumped on every change")

    lead_unit = relationship("Unit", foreign_keys=[lead_unit_id])
    assigner_unit = relationship("Unit", foreign_keys=[assigner_unit_id])
    assigner = relationship("User", foreign_keys=[assigner_id])
    plan = relationship("Plan")
    parties = relationship("TaskParty", back_populates="task", cascade="all, delete-orphan",
                           order_by="(TaskParty.is_lead.desc(), TaskParty.unit_id)")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_tasks_state_due_on", "state", "due_on"),
        # Covering index of the dispatch list and unit-scoped lists: the filter and sort never read the table.
        sa.Index("ix_tasks_lead_unit_cover", "lead_unit_id", "state", "due_on", "assigned_on", "completed_on", "id"),
        sa.Index("ix_tasks_due_on", "due_on"),
        sa.Index("ix_tasks_plan_due", "plan_id", "due_on"),
        # The API's incremental sync (GET /tasks?updated_since=…) reads the changed tasks in change order.
        sa.Index("ix_tasks_updated_at", "updated_at", "id"),
        # The open tasks only (a few thousand of many): inbox pages, light filters and counts are index-only.
        sa.Index("ix_tasks_open_due", "due_on", "id", "state", "completed_on", "lead_unit_id",
                 postgresql_where=sa.text(OPEN_STATES_SQL), sqlite_where=sa.text(OPEN_STATES_SQL)),
        sa.CheckConstraint("length(title) > 0", name="title_not_empty"),
    )

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def co_units(self):
        return [p.unit for p in self.parties if not p.is_lead]

    @property
    def co_unit_ids(self):
        return [p.unit_id for p in self.parties if not p.is_lead]

    def party_for(self, unit_id):
        return next((p for p in self.parties if p.unit_id == unit_id), None)

    def light(self, today: date, yellow_limit: date) -> Light:
        """The light on `today`; `yellow_limit` is the last day still "due within N working days"."""
        if self.state is TaskState.cancelled:
            return Light.cancelled
        if self.state is TaskState.completed:
            return Light.done_on_time if self.completed_on and self.completed_on <= self.due_on else Light.done_late
        if self.due_on < today:
            return Light.red
        if self.due_on <= yellow_limit:
            return Light.yellow
        return Light.green


class TaskParty(db.Model):
    """A unit on a task: the lead unit (one) and the co-units, each with its latest follow-up."""

    __tablename__ = "task_parties"

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True,
                                         comment="the task")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True, comment="the unit")
    is_lead: Mapped[bool] = mapped_column(default=False, comment="the lead unit (牵头) rather than a co-unit")
    last_follow_up_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("follow_ups.id", ondelete="SET NULL"),
        comment="this unit's latest follow-up on the task")
    last_reported_on: Mapped[date | None] = mapped_column(comment="date of that follow-up")

    task = relationship("Task", back_populates="parties")
    unit = relationship("Unit")
    last_follow_up = relationship("FollowUp", foreign_keys=[last_follow_up_id])

    __table_args__ = (sa.Index("ix_task_parties_unit_task", "unit_id", "task_id"),)


class FollowUp(db.Model):
    """进展反馈: a unit's report of progress on a task."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), comment="the task")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), comment="whose progress")
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who wrote it")
    text: Mapped[str] = mapped_column(sa.Text, comment="what was done")
    percent: Mapped[int] = mapped_column(default=0, comment="estimated completion, 0–100")
    reported_on: Mapped[date] = mapped_column(comment="the day of the report")
    decrease_reason: Mapped[str | None] = mapped_column(
        sa.Text, comment="why the percent is below the unit's previous report (required then)")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")

    unit = relationship("Unit")
    author = relationship("User")
    files = relationship("Evidence", back_populates="follow_up", order_by="Evidence.id")

    __table_args__ = (
        sa.Index("ix_follow_ups_task_created", "task_id", "created_at"),
        sa.CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
    )


class Evidence(db.Model):
    """An evidence file attached to a follow-up, stored outside the web root under instance/."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True,
                                         comment="the task")
    follow_up_id: Mapped[int | None] = mapped_column(sa.ForeignKey("follow_ups.id", ondelete="CASCADE"),
                                                     index=True, comment="the follow-up it supports")
    filename: Mapped[str] = mapped_column(sa.String(200), comment="the name as uploaded")
    stored_name: Mapped[str] = mapped_column(sa.String(100), unique=True, comment="path under the upload folder")
    content_type: Mapped[str] = mapped_column(sa.String(100), comment="MIME type")
    size: Mapped[int] = mapped_column(comment="bytes")
    sha256: Mapped[str] = mapped_column(sa.String(64), comment="checksum")
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who uploaded")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")

    follow_up = relationship("FollowUp", back_populates="files")


class Urge(db.Model):
    """催办: a reminder with a level, from the office or a leader."""

    __tablename__ = "urges"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True,
                                         comment="the task")
    level: Mapped[int] = mapped_column(comment="1 催办, 2 督办, 3 通报")
    note: Mapped[str] = mapped_column(sa.Text, default="", comment="what is asked")
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who urged")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")

    by = relationship("User")

    LEVELS = {1: "催办", 2: "督办", 3: "通报"}

    @property
    def level_label(self):
        return self.LEVELS.get(self.level, str(self.level))


class RequestDecisionMixin:
    """Who asked and when, and the assigner's decision: shared by extension and completion requests."""

    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus), default=RequestStatus.pending,
                                                  comment="decision")
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who asked")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when asked (UTC)")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who decided")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="when decided (UTC)")
    decision_note: Mapped[str | None] = mapped_column(sa.Text, comment="the decision's remark")

    @declared_attr
    def requested_by(cls):
        return relationship("User", foreign_keys=[cls.requested_by_id])

    @declared_attr
    def decided_by(cls):
        return relationship("User", foreign_keys=[cls.decided_by_id])


class ExtensionRequest(RequestDecisionMixin, db.Model):
    """申请延期: a new deadline asked for by the lead unit, approved or refused by the assigner."""

    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True,
                                         comment="the task")
    requested_due_on: Mapped[date] = mapped_column(comment="the new deadline asked for")
    previous_due_on: Mapped[date] = mapped_column(comment="the deadline when asked")
    reason: Mapped[str] = mapped_column(sa.Text, comment="why")

    __table_args__ = (sa.Index("ix_extension_requests_status", "status"),)


class CompletionRequest(RequestDecisionMixin, db.Model):
    """申请办结: the lead unit's statement that the task is done on a date, approved or returned."""

    __tablename__ = "completion_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True,
                                         comment="the task")
    completed_on: Mapped[date] = mapped_column(comment="the day the unit completed the task")
    summary: Mapped[str] = mapped_column(sa.Text, comment="what was achieved")
    no_evidence_reason: Mapped[str | None] = mapped_column(
        sa.Text, comment="why no evidence file supports the request (when the task has none)")

    __table_args__ = (sa.Index("ix_completion_requests_status", "status"),)


class EventKind(LabelledEnum):
    assigned = "assigned", "交办"
    edited = "edited", "修改"
    accepted = "accepted", "签收"
    follow_up = "follow_up", "进展反馈"
    urged = "urged", "催办"
    extension_requested = "extension_requested", "申请延期"
    extension_approved = "extension_approved", "同意延期"
    extension_refused = "extension_refused", "不同意延期"
    completion_requested = "completion_requested", "申请办结"
    completed = "completed", "审核办结"
    returned = "returned", "退回"
    cancelled = "cancelled", "撤销"


class TaskEvent(db.Model):
    """One entry of a task's timeline: every state change, follow-up, urge and extension."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), comment="the task")
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind), comment="what happened")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), comment="on behalf of which unit")
    from_state: Mapped[str | None] = mapped_column(sa.String(32), comment="state before")
    to_state: Mapped[str | None] = mapped_column(sa.String(32), comment="state after")
    note: Mapped[str | None] = mapped_column(sa.Text, comment="details shown on the timeline")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")

    actor = relationship("User")
    unit = relationship("Unit")

    __table_args__ = (sa.Index("ix_task_events_task_at", "task_id", "at"),
                      sa.Index("ix_task_events_kind_at", "kind", "at"))  # the reminders' scan of recent edits

    @property
    def from_label(self):
        return TaskState(self.from_state).label if self.from_state else ""

    @property
    def to_label(self):
        return TaskState(self.to_state).label if self.to_state else ""
