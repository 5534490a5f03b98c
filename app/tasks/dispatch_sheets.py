"""The dispatch list's 督办 sheets: a vice mayor's 旬 list issued by the office under a number
(千百十办〔2026〕第 N 期), kept as issued.

The number is sequential within the year of issue and unique; a list (person, 旬) is issued once: issuing it again
gives the number it already has."""

from datetime import date, datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import record_change, snapshot
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.core.models import TimestampMixin, UTCDateTime
from app.core.periods import Xun
from app.extensions import db

ISSUER = "湘潭市产业强市“千百十”工程工作领导小组办公室"
SHEET_FIELDS = ("year", "number", "person_id", "xun_key", "issued_at", "issued_by_id")


class DispatchSheet(TimestampMixin, db.Model):
    """A 旬 list of one leader issued by the office as a numbered 督办 sheet."""

    __tablename__ = "dispatch_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(comment="year of issue (the 〔2026〕 of the number)")
    number: Mapped[int] = mapped_column(comment="the N of 第 N 期, sequential within the year")
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True,
                                           comment="the leader whose list it is")
    xun_key: Mapped[str] = mapped_column(sa.String(10), comment="the 旬, as Xun.code (2026-04-2)")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when issued (UTC)")
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), comment="who issued it")

    person = relationship("Person")
    issued_by = relationship("User")

    __table_args__ = (
        sa.UniqueConstraint("year", "number", name="uq_dispatch_sheets_number"),
        sa.UniqueConstraint("person_id", "xun_key", name="uq_dispatch_sheets_list"),
    )

    @property
    def label(self):
        """千百十办〔2026〕第 3 期"""
        return f"千百十办〔{self.year}〕第 {self.number} 期"


@cache
def _sheet_statement():
    # built once: every view of a dispatch list asks
    return sa.select(DispatchSheet).where(DispatchSheet.person_id == sa.bindparam("person_id"),
                                          DispatchSheet.xun_key == sa.bindparam("xun_key"))


def sheet_of(person, xun: Xun):
    """The sheet issued for this leader's list of this 旬, or None."""
    return db.session.scalar(_sheet_statement(), {"person_id": person.id, "xun_key": xun.code})


def issue_sheet(actor, person, xun: Xun, today: date):
    """编号签发: the office numbers a leader's 旬 list (the next number of the year); a list issued already keeps
    its number. Returns (sheet, issued now?). Audited; flushes, never commits."""
    if not actor.is_admin:
        raise ServiceError("只有千百十办可以编号签发督办单。", code="forbidden", status=403)
    existing = sheet_of(person, xun)
    if existing is not None:
        return existing, False
    year = today.year
    last = db.session.scalar(sa.select(sa.func.max(DispatchSheet.number)).where(DispatchSheet.year == year))
    sheet = DispatchSheet(year=year, number=(last or 0) + 1, person_id=person.id, xun_key=xun.code,
                          issued_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(sheet)
    except IntegrityError:  # another issue took the number (or this list) meanwhile
        raise ServiceError("编号签发时与他人同时操作，请刷新后重试。", code="conflict", status=409) from None
    record_change(actor, "dispatch_sheet.issue", sheet, after=snapshot(sheet, SHEET_FIELDS))
    db.session.flush()
    return sheet, True
