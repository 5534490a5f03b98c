"""Base column types, mixins and the audit log shared by every package."""

import enum
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.extensions import db


class UTCDateTime(sa.TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive UTC, PostgreSQL timestamptz)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class LabelledEnum(enum.Enum):
    """An enum whose members are English with a Chinese label: `TaskState.in_progress.label == '办理中'`."""

    def __new__(cls, value, label):
        member = object.__new__(cls)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls):
        return [(m.value, m.label) for m in cls]


def enum_column(enum_cls, **kwargs):
    """A VARCHAR column holding the enum's value, with a named CHECK constraint on every backend."""
    return sa.Enum(
        enum_cls,
        name=enum_cls.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
        **kwargs,
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, comment="when the row was created (UTC)"
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, comment="when the row last changed (UTC)"
    )


class AuditEntry(db.Model):
    """One change to a record: who, when, what it was before and after. Written by services, never edited."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True, comment="when (UTC)")
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True, comment="who; NULL for the system"
    )
    action: Mapped[str] = mapped_column(sa.String(64), comment="what was done, e.g. unit.update")
    object_type: Mapped[str] = mapped_column(sa.String(64), comment="the changed record's kind")
    object_id: Mapped[str] = mapped_column(sa.String(64), comment="the changed record's id")
    before: Mapped[dict | None] = mapped_column(sa.JSON, comment="changed fields before the change")
    after: Mapped[dict | None] = mapped_column(sa.JSON, comment="changed fields after the change")
    reason: Mapped[str | None] = mapped_column(sa.Text, comment="a reason, where the action needs one")

    actor = db.relationship("User", lazy="joined")

    __table_args__ = (sa.Index("ix_audit_entries_object", "object_type", "object_id"),)


class CalendarOverride(TimestampMixin, db.Model):
    """An administrator's decision for one day: a working day or a day off (wins over the library)."""

    __tablename__ = "calendar_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True, comment="the date")
    is_workday: Mapped[bool] = mapped_column(comment="True: working day (调休上班); False: day off")
    note: Mapped[str | None] = mapped_column(sa.String(200), comment="e.g. 国庆节 or 调休上班")


class CalendarYear(TimestampMixin, db.Model):
    """A year whose holidays an administrator has entered in full, so its dates are no longer provisional."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, comment="the year")
    source: Mapped[str | None] = mapped_column(sa.String(200), comment="e.g. 国办发明电〔2026〕x号")
