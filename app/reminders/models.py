"""Reminder settings, the outbox (one row per reminder occasion and channel), in-app notifications, channel
preferences, and the scheduler's status."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.models import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from app.extensions import db


class Channel(LabelledEnum):
    in_app = "in_app", "站内通知"
    email = "email", "电子邮件"
    wecom = "wecom", "企业微信群机器人"
    dingtalk = "dingtalk", "钉钉群机器人"


class OutboxStatus(LabelledEnum):
    pending = "pending", "待发送"
    sending = "sending", "发送中"
    sent = "sent", "已发送"
    failed = "failed", "发送失败"
    cancelled = "cancelled", "已取消"
    obsolete = "obsolete", "已作废"  # its occasion no longer held when it was to be delivered (see obsolete_reason)


class ReminderSetting(TimestampMixin, db.Model):
    """An office-editable rule setting (JSON value), by code; defaults live in app.reminders.rules."""

    __tablename__ = "reminder_settings"

    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True, comment="setting code")
    value: Mapped[dict] = mapped_column(sa.JSON, comment="the setting's value (JSON)")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who changed it")


class OutboxMessage(db.Model):
    """One reminder for one recipient on one channel. The unique key makes enqueueing idempotent:
    (rule, subject, recipient, occasion, channel) — a scan that finds it present adds nothing."""

    __tablename__ = "reminder_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(sa.String(48), comment="the reminder rule, e.g. task_due_soon")
    subject_type: Mapped[str] = mapped_column(sa.String(32), comment="what it is about, e.g. task")
    subject_id: Mapped[str] = mapped_column(sa.String(48), comment="the subject's id")
    recipient_key: Mapped[str] = mapped_column(sa.String(120),
                                               comment="user:<id> or unit:<id>:<channel> (group robots)")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True,
                                                comment="the recipient user, when a person")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"),
                                                comment="the recipient unit, for unit channels")
    occasion: Mapped[str] = mapped_column(sa.String(48), comment="which occurrence, e.g. a date or a stage")
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), comment="how it is delivered")
    title: Mapped[str] = mapped_column(sa.String(200), comment="one-line title")
    body: Mapped[str] = mapped_column(sa.Text, comment="the message (markdown)")
    link: Mapped[str | None] = mapped_column(sa.String(300), comment="path in the app, e.g. /tasks/12")
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus), default=OutboxStatus.pending,
                                                 comment="delivery state")
    attempts: Mapped[int] = mapped_column(default=0, comment="delivery attempts so far")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                      comment="not before this time (backoff)")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="claimed by a worker until")
    leased_by: Mapped[str | None] = mapped_column(sa.String(120), comment="the worker holding the claim")
    last_error: Mapped[str | None] = mapped_column(sa.Text, comment="the last failure, in Chinese")
    obsolete_reason: Mapped[str | None] = mapped_column(
        sa.String(200), comment="why it was closed unsent: its occasion no longer held (Chinese)")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="enqueued (UTC)")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="delivered (UTC)")

    user = relationship("User")
    unit = relationship("Unit")

    __table_args__ = (
        sa.UniqueConstraint("rule", "subject_type", "subject_id", "recipient_key", "occasion", "channel",
                            name="uq_reminder_outbox_key"),
        sa.Index("ix_reminder_outbox_status_next", "status", "next_attempt_at"),
        sa.Index("ix_reminder_outbox_created", "created_at"),
    )


class Notification(db.Model):
    """The in-app notification centre. One row per delivered in-app reminder (unique per outbox row)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), comment="recipient")
    outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reminder_outbox.id", ondelete="SET NULL"),
                                                  unique=True, comment="the reminder it delivers")
    title: Mapped[str] = mapped_column(sa.String(200), comment="one-line title")
    body: Mapped[str] = mapped_column(sa.Text, comment="the text")
    link: Mapped[str | None] = mapped_column(sa.String(300), comment="where it points in the app")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="delivered (UTC)")
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="read (UTC); NULL while unread")

    __table_args__ = (sa.Index("ix_notifications_user_read", "user_id", "read_at"),)


class ChannelPreference(TimestampMixin, db.Model):
    """A user's or a unit's external channel: e-mail address or group-robot webhook (with DingTalk secret)."""

    __tablename__ = "channel_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                                comment="the user, for a personal channel")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"),
                                                comment="the unit, for its group robot")
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), comment="e-mail, WeCom or DingTalk")
    address: Mapped[str] = mapped_column(sa.String(500), comment="e-mail address or webhook URL/key")
    secret: Mapped[str | None] = mapped_column(sa.String(200), comment="DingTalk signing secret")
    is_enabled: Mapped[bool] = mapped_column(default=True, comment="whether to use it")

    __table_args__ = (
        sa.UniqueConstraint("user_id", "unit_id", "channel", name="uq_channel_preferences_owner_channel"),
        sa.CheckConstraint("(user_id IS NULL) <> (unit_id IS NULL)", name="one_owner"),
    )


class SchedulerStatus(db.Model):
    """The scheduler's heartbeat and the last run of each job (shown to the office)."""

    __tablename__ = "scheduler_status"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True, comment="'lock' or a job id")
    holder: Mapped[str | None] = mapped_column(sa.String(200), comment="host:pid holding the lock / that ran it")
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="last sign of life (UTC)")
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="last run started (UTC)")
    last_result: Mapped[str | None] = mapped_column(sa.Text, comment="what the last run did or its error")
