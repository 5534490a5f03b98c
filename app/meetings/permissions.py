"""Who may read, log, edit, sign and explain the cadence's meeting records (纪要, 述职报告), as plain checks on a
user and a row, and `readable_records_clause`, the same rule as an SQL condition for lists."""

import sqlalchemy as sa

from app.auth.models import Role
from app.meetings.models import ExpectedMeeting, ItemKind, MeetingRecord, MeetingType, RecordItem, record_units


def can_read(user) -> bool:
    """Everyone signed in reads records (observers too, read-only)."""
    return user is not None and user.is_authenticated


# the leaders' meetings: their records freeze other units' tasks and scores (dispatch list, month, quarter)
LEADER_TYPES = (MeetingType.dispatch, MeetingType.monthly, MeetingType.quarterly)
# the office's meetings: logged by the office only; read by the office, leaders, observers and the units in the room
OFFICE_TYPES = (MeetingType.consultation,)
# the records a unit's staff read only when their unit is concerned (a line in it, or for 考评会商 in the room)
RESTRICTED_TYPES = LEADER_TYPES + OFFICE_TYPES


def can_read_record(user, record) -> bool:
    """The office, leaders and observers read every record, and everyone signed in reads the units' own records
    (周会商, 半年述职). A leaders' meeting record holds a frozen dispatch list, the month's analysis or the
    quarter's results of every unit, which unit staff do not see elsewhere either: a unit reads it only when it
    has a line in it (an instruction on its task, a decision it leads, its explanation as last-placed unit).

    A 考评会商 record holds every assessed unit's shortfalls against its indicators, discussed by the office and
    the assessing units before the scores are given: besides the office, leaders and observers, it is read by the
    units that attended (the assessing units, `record.units`) and a unit with a line in it (a decision it leads),
    not by the assessed units at large."""
    if not can_read(user):
        return False
    if user.reads_all or record.type not in RESTRICTED_TYPES:
        return True
    if user.unit_id is None:
        return False
    if record.type in OFFICE_TYPES and (user.unit_id == record.expected.convener_unit_id
                                        or any(u.id == user.unit_id for u in record.units)):
        return True
    return any(item.unit_id == user.unit_id for item in record.items)


def can_follow_from_list(user, expected) -> bool:
    """Whether a list row (landing page, compliance, calendar) links this meeting for the user: to the form for
    those who may log it, to the record for those who may read it. A unit's staff are not sent to a leaders'
    meeting record (it may still open for a unit with a line in it, from that line's task)."""
    if expected.record is None:
        return can_log(user, expected)
    if user.role is Role.staff and expected.type in OFFICE_TYPES:
        return can_read_record(user, expected.record)  # the units in the room; few rows (four a year)
    return not (user.role is Role.staff and expected.type in LEADER_TYPES)


def readable_records_clause(user):
    """`can_read_record` as an SQL condition on MeetingRecord, for lists: all records for the office, leaders and
    observers; for a unit's staff the units' own records, and a leaders' meeting record only when the unit has a
    line in it."""
    if user.reads_all:
        return sa.true()
    if not user.unit_id:
        return MeetingRecord.type.not_in(RESTRICTED_TYPES)
    has_line = sa.exists().where(RecordItem.record_id == MeetingRecord.id, RecordItem.unit_id == user.unit_id)
    attended = sa.exists().where(record_units.c.record_id == MeetingRecord.id, record_units.c.unit_id == user.unit_id)
    convened = MeetingRecord.expected_id.in_(
        sa.select(ExpectedMeeting.id).where(ExpectedMeeting.convener_unit_id == user.unit_id))
    return sa.or_(MeetingRecord.type.not_in(RESTRICTED_TYPES), has_line,
                  sa.and_(MeetingRecord.type.in_(OFFICE_TYPES), sa.or_(attended, convened)))


def can_read_files(user, record) -> bool:
    """A unit's own material (the files of its 周会商 or 述职) is for that unit, the units that attended, the units
    a decision concerns, and the office, leaders and observers; another unit gets the 404 of an absent file, as
    for task evidence."""
    if not can_read_record(user, record):
        return False
    if user.reads_all or record.type in RESTRICTED_TYPES:
        return True
    units = {record.expected.convener_unit_id, *(u.id for u in record.units), *(i.unit_id for i in record.items)}
    return user.unit_id is not None and user.unit_id in units


def _is_unit_staff(user, unit_id) -> bool:
    return user.works_in_unit and unit_id is not None and user.unit_id == unit_id


def _is_convener_person(user, expected) -> bool:
    return user.role is Role.leader and user.person_id is not None and \
        user.person_id == expected.convener_person_id


def can_log(user, expected) -> bool:
    """The convener logs the record: the convening (or reporting) unit's staff for 周会商 and 半年述职, the leader
    himself for 旬调度 (vice mayor), 月分析 (mayor) and 季考核 (secretary); the office may log any of them, and
    only the office logs its 考评会商."""
    if user is None or not user.is_authenticated or expected is None or expected.is_cancelled:
        return False
    if user.role is Role.admin:
        return True
    if expected.type in (MeetingType.weekly, MeetingType.semiannual):
        return _is_unit_staff(user, expected.convener_unit_id)
    if expected.type in OFFICE_TYPES:
        return False
    return _is_convener_person(user, expected)


def refusal_message(expected) -> str:
    """Why someone else may not log this meeting's record, in words that say who may."""
    who = {MeetingType.weekly: "召集单位", MeetingType.semiannual: "述职人所在单位",
           MeetingType.dispatch: "召集的副市长本人", MeetingType.monthly: "市长本人",
           MeetingType.quarterly: "市委书记本人", MeetingType.consultation: "千百十办"}[expected.type]
    if expected.type in OFFICE_TYPES:
        return f"{expected.type.label}只能由{who}填写。"
    return f"{expected.convener_label}的{expected.type.label}只能由{who}或千百十办填写。"


def can_edit(user, record) -> bool:
    return can_log(user, record.expected)


def can_sign(user, record) -> bool:
    """The convener signs the record off (and so locks it); the office may too."""
    return not record.is_signed and can_log(user, record.expected)


def can_explain(user, item) -> bool:
    """A last-placed unit's explanation is written by that unit's staff (or the office)."""
    if item.kind is not ItemKind.explanation:
        return False
    return user.role is Role.admin or (user.role is Role.staff and user.unit_id == item.unit_id)
