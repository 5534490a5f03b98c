"""Escalation up the ladder (周会商 → 旬调度 → 月分析): who may send an item up, the meeting that is to take it
up, sending it, and the way an item went through the ladder.

Pure of HTTP, like app.meetings.services: it never commits, and a refusal raises ServiceError (Chinese)."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.core import text as limits
from app.core.audit import record_change
from app.core.errors import PermissionDenied, ServiceError
from app.extensions import db
from app.meetings.labels import record_title
from app.meetings.models import (
    ESCALATES_TO,
    REASON_MAX,
    Escalation,
    ExpectedMeeting,
    ItemKind,
    MeetingRecord,
    MeetingType,
)
from app.meetings.permissions import can_log
from app.org.models import PortfolioItem, Unit

ESCALATABLE_KINDS = (ItemKind.decision, ItemKind.instruction, ItemKind.carry_over, ItemKind.escalated)


def can_escalate(user, item) -> bool:
    record = item.record
    return record.type in ESCALATES_TO and item.kind in ESCALATABLE_KINDS and not item.resolved and \
        can_log(user, record.expected)


def _vice_mayor_of(unit_id, on):
    return db.session.scalar(sa.select(PortfolioItem.person_id).where(
        PortfolioItem.unit_id == unit_id, PortfolioItem.current_on(on)).order_by(PortfolioItem.id).limit(1))


def escalation_target(item, today):
    """The next meeting of the higher type that is to take the item up, or None when none is scheduled yet.
    A 周会商 item goes to the 旬调度 of the vice mayor whose portfolio holds the item's unit (or the convening
    unit); a 旬调度 item goes to the next 月分析."""
    record = item.record
    target_type = ESCALATES_TO.get(record.type)
    if target_type is None:
        return None
    query = sa.select(ExpectedMeeting).outerjoin(MeetingRecord, MeetingRecord.expected_id == ExpectedMeeting.id) \
        .where(ExpectedMeeting.type == target_type, ExpectedMeeting.scheduled_on >= today,
               ~ExpectedMeeting.is_cancelled, MeetingRecord.id.is_(None))
    if target_type is MeetingType.dispatch:
        unit_id = item.unit_id or record.expected.convener_unit_id
        person_id = _vice_mayor_of(unit_id, today) if unit_id else None
        if person_id is None:
            return None
        query = query.where(ExpectedMeeting.convener_person_id == person_id)
    return db.session.scalar(query.order_by(ExpectedMeeting.scheduled_on, ExpectedMeeting.id).limit(1))


def escalate(actor, item, reason, today):
    """Send an unresolved item up the ladder to the next meeting of the higher type (once per item)."""
    record = item.record
    if record.type not in ESCALATES_TO:
        raise ServiceError(f"{record.type.label}的事项不再向上提交。", code="bad_type")
    if item.kind not in ESCALATABLE_KINDS:
        raise ServiceError(f"“{item.kind.label}”不能上报。", code="bad_type")
    if not can_log(actor, record.expected):
        raise PermissionDenied("只有会议召集方（或千百十办）可以上报事项。")
    if item.resolved:
        raise ServiceError("该事项已在会上解决，无需上报。", code="resolved", status=409)
    if db.session.scalar(sa.select(Escalation.id).where(Escalation.item_id == item.id)) is not None:
        raise ServiceError("该事项已经上报过，不能重复上报。", code="duplicate", status=409)
    reason = limits.multi_line(reason, "上报理由", REASON_MAX, required=True, field="reason")
    target = escalation_target(item, today)
    if target is None and record.type is MeetingType.weekly:
        unit_id = item.unit_id or record.expected.convener_unit_id
        if unit_id is None or _vice_mayor_of(unit_id, today) is None:
            unit = db.session.get(Unit, unit_id) if unit_id else None
            name = unit.name if unit else "该事项的单位"
            raise ServiceError(f"{name}尚未设置分管副市长，无法确定上报到哪一次旬调度。"
                               "请千百十办在“人员与分管”中设置后再上报。", code="no_target", status=409)
    if target is None:
        target_label = ESCALATES_TO[record.type].label
        raise ServiceError(f"下一次{target_label}尚未排定（会议计划生成后才能上报），请稍后再试或联系千百十办。",
                           code="no_target", status=409)
    escalation = Escalation(item_id=item.id, target_id=target.id, reason=reason, created_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(escalation)
            db.session.flush()
    except IntegrityError:
        raise ServiceError("该事项已经上报过，不能重复上报。", code="duplicate", status=409) from None
    record_change(actor, "meeting_item.escalate", escalation, None, {
        "item_id": item.id, "target_id": target.id, "reason": reason})
    return escalation


@dataclass
class PathStep:
    """One meeting on an item's way up the ladder."""

    type: MeetingType
    title: str
    day: date  # held (a record) or scheduled (still to come)
    record_id: int | None
    item_id: int | None
    text: str
    reason: str | None = None  # why it went up from this step to the next
    pending: bool = False  # escalated, not taken up yet


def escalation_path(item):
    """The chain of an item through the ladder (周会商 item → 旬调度 item → 月分析 item), oldest first, with
    dates and records; a step still to come is marked pending."""
    origin = item
    seen = {item.id}
    while origin.escalated_from is not None and origin.escalated_from.id not in seen:
        origin = origin.escalated_from
        seen.add(origin.id)
    steps = []
    current = origin
    visited = set()
    while current is not None and current.id not in visited:
        visited.add(current.id)
        record = current.record
        steps.append(PathStep(type=record.type, title=record_title(record.expected), day=record.held_on,
                              record_id=record.id, item_id=current.id, text=current.text))
        escalation = db.session.scalar(sa.select(Escalation).where(Escalation.item_id == current.id))
        if escalation is None:
            break
        steps[-1].reason = escalation.reason
        if escalation.taken_up_item is not None:
            current = escalation.taken_up_item
        else:
            target = escalation.target
            steps.append(PathStep(type=target.type, title=record_title(target), day=target.scheduled_on,
                                  record_id=None, item_id=None, text=current.text, pending=True))
            current = None
    return steps
