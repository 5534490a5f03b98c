"""Builders shared by the record tests: expected meetings made directly with the model (the cadence job has its own
tests), units, people and tasks of the seeded organisation."""

from datetime import date, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.meetings.cadence import period_of
from app.meetings.models import (
    ExpectedMeeting,
    MeetingRecord,
    MeetingType,
    RecordAmendment,
    RecordAttachment,
    RecordItem,
)
from app.org.models import Person, Position
from app.tasks.models import Task
from tests.factories import person, unit

D = date.fromisoformat


def mayor():
    return db.session.scalar(sa.select(Person).join(Position).where(Position.is_mayor))


def secretary():
    return db.session.scalar(sa.select(Person).join(Position).where(Position.is_secretary))


def county_head(unit_name):
    return db.session.scalar(sa.select(Person).join(Position).where(
        Position.is_unit_head, Position.unit_id == unit(unit_name).id))


def expected(meeting_type, day, *, unit_name=None, person_obj=None, reporter_unit=None, scheduled_on=None):
    """The expected meeting of the period containing `day` for the convener given."""
    period = period_of(meeting_type, D(day) if isinstance(day, str) else day)
    convener_unit = unit(unit_name) if unit_name else (reporter_unit if reporter_unit is not None else None)
    if person_obj is not None:
        key = f"person:{person_obj.id}"
    else:
        key = f"unit:{convener_unit.id}"
    found = db.session.scalar(sa.select(ExpectedMeeting).where(
        ExpectedMeeting.type == meeting_type, ExpectedMeeting.period_key == period.key,
        ExpectedMeeting.convener_key == key))
    if found is not None:
        return found
    scheduled = scheduled_on or period.start
    if isinstance(scheduled, str):
        scheduled = D(scheduled)
    meeting = ExpectedMeeting(
        type=meeting_type, period_key=period.key, period_start=period.start, period_end=period.end,
        convener_key=key, convener_unit_id=convener_unit.id if convener_unit is not None else None,
        convener_person_id=person_obj.id if person_obj is not None else None, scheduled_on=scheduled,
        record_due_on=scheduled + timedelta(days=3))
    db.session.add(meeting)
    db.session.flush()
    return meeting


def weekly(day="2026-03-09", unit_name="市科技局", **kwargs):
    return expected(MeetingType.weekly, day, unit_name=unit_name, **kwargs)


def dispatch(day="2026-03-01", person_name="杨晓军", **kwargs):
    return expected(MeetingType.dispatch, day, person_obj=person(person_name), **kwargs)


def monthly(day="2026-03-01", **kwargs):
    return expected(MeetingType.monthly, day, person_obj=mayor(), **kwargs)


def quarterly(day="2026-01-01", **kwargs):
    return expected(MeetingType.quarterly, day, person_obj=secretary(), **kwargs)


def semiannual(day="2026-01-01", unit_name="湘潭县人民政府"):
    head = county_head(unit_name)
    return expected(MeetingType.semiannual, day, person_obj=head, reporter_unit=unit(unit_name))


def counts():
    """(records, items, tasks, attachments, amendments): what a refused action must leave as it was."""
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (MeetingRecord, RecordItem, Task, RecordAttachment, RecordAmendment))
