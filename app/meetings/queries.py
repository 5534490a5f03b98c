"""The meetings' read queries with their eager loading: the expected meetings and records the API lists, one
meeting or record with what its page shows, the escalations of a record's items. Each returns rows; who may see
them is `app.meetings.permissions` (`readable_records_clause` for lists)."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.meetings.models import (
    Escalation,
    ExpectedMeeting,
    MeetingRecord,
    RecordAmendment,
    RecordAttachment,
    RecordItem,
)
from app.org.models import Unit
from app.tasks.models import OPEN_STATES, Task

MEETING_ORDER = (ExpectedMeeting.scheduled_on, ExpectedMeeting.type, ExpectedMeeting.convener_key)
RECORD_ORDER = (MeetingRecord.held_on.desc(), MeetingRecord.id.desc())


def meeting_options():
    """What a meeting row shows: its convener (unit or person) and whether it has a record."""
    return (joinedload(ExpectedMeeting.convener_unit), joinedload(ExpectedMeeting.convener_person),
            joinedload(ExpectedMeeting.record))


def record_options():
    """What a record row shows: its meeting's convener, who logged it and who signed it."""
    expected = joinedload(MeetingRecord.expected)
    return (expected.joinedload(ExpectedMeeting.convener_unit), expected.joinedload(ExpectedMeeting.convener_person),
            joinedload(MeetingRecord.created_by), joinedload(MeetingRecord.signed_by))


# --- expected meetings --------------------------------------------------------------------------------------

def meeting_filter(kind=None, start=None, end=None, convener_unit_id=None, include_cancelled=False):
    """Conditions on ExpectedMeeting: of a type, with a period overlapping [start, end], of a convening unit."""
    where = []
    if kind is not None:
        where.append(ExpectedMeeting.type == kind)
    if start is not None:
        where.append(ExpectedMeeting.period_end >= start)
    if end is not None:
        where.append(ExpectedMeeting.period_start <= end)
    if convener_unit_id is not None:
        where.append(ExpectedMeeting.convener_unit_id == convener_unit_id)
    if not include_cancelled:
        where.append(ExpectedMeeting.is_cancelled.is_(False))
    return where


def meeting_count(where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(ExpectedMeeting).where(*where))


def meeting_ids(where, page, per_page):
    """The ids of one page of meetings, in calendar order."""
    return db.session.scalars(sa.select(ExpectedMeeting.id).where(*where).order_by(*MEETING_ORDER)
                              .limit(per_page).offset((page - 1) * per_page)).all()


def meeting_due_rows(where):
    """(id, record due date, when its record was made or None) of every matching meeting, in calendar order: the
    narrow rows a compliance status is classified on."""
    return db.session.execute(
        sa.select(ExpectedMeeting.id, ExpectedMeeting.record_due_on, MeetingRecord.created_at)
        .outerjoin(MeetingRecord, MeetingRecord.expected_id == ExpectedMeeting.id)
        .where(*where).order_by(*MEETING_ORDER)).all()


def meetings_by_ids(ids):
    """These meetings with what a row shows, in calendar order."""
    if not ids:
        return []
    return db.session.scalars(sa.select(ExpectedMeeting).where(ExpectedMeeting.id.in_(ids))
                              .options(*meeting_options()).order_by(*MEETING_ORDER)).all()


def convener_units():
    """The units that convene some expected meeting, in the organisation's order (the compliance filter's list)."""
    return db.session.scalars(sa.select(Unit).where(Unit.id.in_(
        sa.select(ExpectedMeeting.convener_unit_id).distinct())).order_by(Unit.sort_order, Unit.id)).all()


def meeting(meeting_id):
    return db.session.scalar(sa.select(ExpectedMeeting).where(ExpectedMeeting.id == meeting_id)
                             .options(*meeting_options()))


# --- records ------------------------------------------------------------------------------------------------

def record_filter(readable, kind=None, start=None, end=None, convener_unit_id=None, status=None):
    """Conditions on MeetingRecord: of a type, held in [start, end], of a convening unit, in a status, and
    `readable` (permissions.readable_records_clause of the reader)."""
    where = []
    if kind is not None:
        where.append(MeetingRecord.type == kind)
    if start is not None:
        where.append(MeetingRecord.held_on >= start)
    if end is not None:
        where.append(MeetingRecord.held_on <= end)
    if convener_unit_id is not None:
        where.append(MeetingRecord.expected_id.in_(
            sa.select(ExpectedMeeting.id).where(ExpectedMeeting.convener_unit_id == convener_unit_id)))
    if status is not None:
        where.append(MeetingRecord.status == status)
    where.append(readable)
    return where


def record_page(where, page, per_page):
    """(total, one page of records with what a row shows), latest meeting first."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(MeetingRecord).where(*where))
    records = db.session.scalars(sa.select(MeetingRecord).where(*where).options(*record_options())
                                 .order_by(*RECORD_ORDER)
                                 .limit(per_page).offset((page - 1) * per_page)).all()
    return total, records


def record(record_id):
    return db.session.scalar(sa.select(MeetingRecord).where(MeetingRecord.id == record_id)
                             .options(*record_options()))


def record_for_detail(record_id):
    """A record with everything its detail shows: units, items with their task, unit and author, attachments
    and amendments with their users."""
    return db.session.scalar(sa.select(MeetingRecord).where(MeetingRecord.id == record_id).options(
        *record_options(), selectinload(MeetingRecord.units),
        selectinload(MeetingRecord.items).options(joinedload(RecordItem.task), joinedload(RecordItem.unit),
                                                  joinedload(RecordItem.submitted_by)),
        selectinload(MeetingRecord.attachments).joinedload(RecordAttachment.uploaded_by),
        selectinload(MeetingRecord.amendments).joinedload(RecordAmendment.user)))


def escalations_of(item_ids):
    """{item id: its escalation, with the target meeting and who sent it up} for these items."""
    if not item_ids:
        return {}
    return {e.item_id: e for e in db.session.scalars(sa.select(Escalation).where(
        Escalation.item_id.in_(item_ids)).options(
        joinedload(Escalation.target).options(*meeting_options()), joinedload(Escalation.created_by)))}


def open_tasks_count(task_ids):
    """How many of these tasks are still open now (for the record page's carried-over summary)."""
    if not task_ids:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(
        Task.id.in_(task_ids), Task.state.in_(OPEN_STATES)))
