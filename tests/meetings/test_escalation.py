"""Escalation up the ladder: a 周会商 item goes to the next 旬调度 of the vice mayor whose portfolio holds its unit,
a 旬调度 item to the next 月分析; the target record takes it up when it is created; the path shows every step."""

import pytest
import sqlalchemy as sa

from app.core.errors import PermissionDenied, ServiceError
from app.core.models import AuditEntry
from app.extensions import db
from app.meetings import services
from app.meetings.escalation import escalate, escalation_path
from app.meetings.models import Escalation, EscalationStatus, ItemKind, MeetingType
from app.meetings.services import DecisionInput, RecordInput
from tests.factories import make_task, person, unit
from tests.meetings.records_helpers import D, dispatch, monthly, quarterly, weekly

TODAY = D("2026-03-10")


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


def weekly_record(user, unit_name="市科技局", username="kjj", lead="市科技局"):
    record = services.create_record(user(username), weekly(unit_name=unit_name), RecordInput(
        held_on=D("2026-03-09"), minutes="周会商", decisions=[DecisionInput(
            text="协调解决实验室用地问题", lead_unit_id=unit(lead).id, due_on=D("2026-03-31"))]), TODAY)
    return record, next(i for i in record.items if i.kind is ItemKind.decision)


def test_a_weekly_item_goes_to_the_next_dispatch_of_the_vice_mayor_holding_its_unit(user):
    past = dispatch(day="2026-03-01", scheduled_on="2026-03-02")  # already held: not a target
    other = dispatch(day="2026-03-11", person_name="丁诚", scheduled_on="2026-03-11")  # not 科技局's vice mayor
    target = dispatch(day="2026-03-11", scheduled_on="2026-03-11")
    later = dispatch(day="2026-03-21", scheduled_on="2026-03-23")
    _, item = weekly_record(user)
    escalation = escalate(user("kjj"), item, "需副市长协调用地", TODAY)
    assert escalation.target_id == target.id and escalation.status is EscalationStatus.open
    assert target.convener_person_id == person("杨晓军").id
    assert escalation.target_id not in (past.id, other.id, later.id)
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "meeting_item.escalate")) is not None


def test_escalation_is_refused_when_the_next_meeting_is_not_scheduled_yet(user):
    dispatch(day="2026-03-01", scheduled_on="2026-03-02")  # only a past one
    _, item = weekly_record(user)
    with pytest.raises(ServiceError) as error:
        escalate(user("kjj"), item, "需协调", TODAY)
    assert error.value.code == "no_target" and "下一次旬调度尚未排定" in error.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Escalation)) == 0


def test_the_target_record_takes_the_item_up_and_the_path_shows_every_step(user):
    target = dispatch(day="2026-03-11", scheduled_on="2026-03-11")
    month = monthly(day="2026-03-01", scheduled_on="2026-03-31")
    weekly_rec, item = weekly_record(user)
    escalate(user("kjj"), item, "需副市长协调用地", TODAY)

    path = escalation_path(item)
    assert [(s.type, s.pending) for s in path] == [(MeetingType.weekly, False), (MeetingType.dispatch, True)]
    assert path[0].reason == "需副市长协调用地" and path[1].day == D("2026-03-11")

    dispatch_rec = services.create_record(user("fushizhang"), target, RecordInput(held_on=TODAY), TODAY)
    taken = [i for i in dispatch_rec.items if i.kind is ItemKind.escalated]
    assert len(taken) == 1 and taken[0].escalated_from_id == item.id and taken[0].text == item.text
    assert taken[0].task_id == item.task_id
    escalation = db.session.scalar(sa.select(Escalation).where(Escalation.item_id == item.id))
    assert escalation.status is EscalationStatus.taken_up and escalation.taken_up_item_id == taken[0].id

    escalate(user("fushizhang"), taken[0], "仍未解决，提请市长研究", TODAY)
    month_rec = services.create_record(user("shizhang"), month, RecordInput(held_on=TODAY), TODAY)
    top = next(i for i in month_rec.items if i.kind is ItemKind.escalated)

    for start in (item, taken[0], top):  # the same chain from any of its items
        path = escalation_path(start)
        assert [s.type for s in path] == [MeetingType.weekly, MeetingType.dispatch, MeetingType.monthly]
        assert [s.record_id for s in path] == [weekly_rec.id, dispatch_rec.id, month_rec.id]
        assert [s.reason for s in path] == ["需副市长协调用地", "仍未解决，提请市长研究", None]
        assert not any(s.pending for s in path)


def test_an_item_is_escalated_once_and_only_by_the_convener(user):
    dispatch(day="2026-03-11", scheduled_on="2026-03-11")
    _, item = weekly_record(user)
    with pytest.raises(PermissionDenied):
        escalate(user("gxj"), item, "别人上报", TODAY)
    with pytest.raises(ServiceError, match="上报理由"):
        escalate(user("kjj"), item, "  ", TODAY)
    escalate(user("kjj"), item, "需协调", TODAY)
    with pytest.raises(ServiceError, match="不能重复上报"):
        escalate(user("admin"), item, "再报一次", TODAY)


def test_a_monthly_or_quarterly_item_does_not_go_further_up(user):
    record = services.create_record(user("shuji"), quarterly(), RecordInput(held_on=TODAY, visits=["某项目"]), TODAY)
    visit = next(i for i in record.items if i.kind is ItemKind.visit)
    with pytest.raises(ServiceError, match="不再向上提交"):
        escalate(user("shuji"), visit, "上报", TODAY)


def test_a_resolved_item_is_not_escalated(user):
    dispatch(day="2026-03-11", scheduled_on="2026-03-11")
    _, item = weekly_record(user)
    item.resolved = True
    with pytest.raises(ServiceError, match="无需上报"):
        escalate(user("kjj"), item, "需协调", TODAY)


def test_a_dispatch_carry_over_goes_to_the_next_monthly_analysis(user):
    make_task("市科技局", title="结转事项", due="2026-03-05")
    month = monthly(day="2026-03-01", scheduled_on="2026-03-31")
    record = services.create_record(user("fushizhang"), dispatch(day="2026-03-01"), RecordInput(held_on=TODAY),
                                    TODAY)
    carried = next(i for i in record.items if i.kind is ItemKind.carry_over and i.text == "结转事项")
    escalation = escalate(user("admin"), carried, "逾期未办结", TODAY)
    assert escalation.target_id == month.id


def test_a_unit_without_a_vice_mayor_gets_a_message_saying_so(user):
    from app.org.models import PortfolioItem

    dispatch(day="2026-03-11", scheduled_on="2026-03-11")
    _, item = weekly_record(user)
    for portfolio in db.session.scalars(sa.select(PortfolioItem).where(PortfolioItem.unit_id == unit("市科技局").id)):
        portfolio.ends_on = D("2026-03-01")
    db.session.flush()
    with pytest.raises(ServiceError, match="市科技局尚未设置分管副市长"):
        escalate(user("kjj"), item, "需协调", TODAY)


def test_an_escalation_reason_refusal_names_the_reason_field_and_control_characters_are_refused(user):
    """Review finding: the refusal named the label as its field, so the page could not show it under 上报理由."""
    dispatch(day="2026-03-11", scheduled_on="2026-03-11")
    _, item = weekly_record(user)
    with pytest.raises(ServiceError) as blank:
        escalate(user("kjj"), item, "  ", TODAY)
    assert blank.value.field == "reason"
    with pytest.raises(ServiceError) as control:
        escalate(user("kjj"), item, "需协调\x00", TODAY)
    assert control.value.field == "reason" and "控制字符" in control.value.message
