"""The task workflow in the service layer: 交办 → 签收 → 办理中 → 申请办结 → 已办结, 退回, 申请延期, 催办, 撤销.

Who may do what, illegal transitions and bad input are refused with a Chinese message and write nothing; every
change leaves a timeline event and an audit entry (who, when, before, after); the completion date scoring uses is
the one in the approved completion request.
"""

import re
from contextlib import contextmanager
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from app.core.errors import Conflict, PermissionDenied, ServiceError
from app.core.models import AuditEntry
from app.extensions import db
from app.org.models import Plan
from app.tasks import services
from app.tasks.models import (
    CompletionRequest,
    EventKind,
    ExtensionRequest,
    FollowUp,
    RequestStatus,
    Task,
    TaskEvent,
    TaskParty,
    TaskPriority,
    TaskSource,
    TaskState,
    Urge,
)
from tests.factories import account, unit

CHINESE = re.compile(r"[\u4e00-\u9fff]")
D = date.fromisoformat
TODAY = D("2026-03-10")  # a Tuesday
DUE = D("2026-03-31")
OFFICE = "市产业强市“千百十”工程办"
TABLES = (Task, TaskParty, TaskEvent, AuditEntry, FollowUp, ExtensionRequest, CompletionRequest, Urge)


# --- builders -----------------------------------------------------------------------------------------------

def assign(by="admin", lead="市工信局", co=("市发改委",), due=DUE, today=TODAY, **kwargs):
    return services.assign_task(account(by), title=kwargs.pop("title", "推进重点项目开工"),
                                lead_unit=unit(lead), co_units=[unit(n) for n in co], due_on=due, today=today,
                                **kwargs)


def advance(task, state, lead="gxj", decider="admin"):
    """Take a fresh task through the workflow up to `state`."""
    if state is TaskState.assigned:
        return task
    services.accept_task(account(lead), task)
    if state is TaskState.accepted:
        return task
    services.record_follow_up(account(lead), task, "已完成前期准备", 40, TODAY)
    if state is TaskState.in_progress:
        return task
    services.request_completion(account(lead), task, TODAY, "已全部完成", TODAY)
    if state is TaskState.completion_requested:
        return task
    if state is TaskState.completed:
        services.approve_completion(account(decider), task)
    else:
        services.cancel_task(account(decider), task, "任务调整")
    return task


def task_in(state, **kwargs):
    return advance(assign(**kwargs), state)


def row_counts():
    return {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in TABLES}


def stored(task):
    """The task's row and its requests as the database holds them (a query autoflushes whatever is pending)."""
    if task is None:
        return None
    row = db.session.execute(sa.select(Task.state, Task.due_on, Task.completed_on, Task.version, Task.urge_count)
                             .where(Task.id == task.id)).one()
    requests = [(model.__tablename__, id_, status.value) for model in (CompletionRequest, ExtensionRequest)
                for id_, status in db.session.execute(sa.select(model.id, model.status)
                                                      .where(model.task_id == task.id))]
    parties = db.session.execute(sa.select(TaskParty.unit_id, TaskParty.last_follow_up_id)
                                 .where(TaskParty.task_id == task.id)).all()
    return tuple(row), sorted(requests), sorted(parties)


@contextmanager
def refused(exc=ServiceError, task=None, match=None):
    """The block raises `exc` with a Chinese message and leaves no row added or changed."""
    before = row_counts(), stored(task)
    with pytest.raises(exc) as info:
        yield info
    # A refusal comes before anything is added to or changed in the session.
    assert not db.session.new and not db.session.dirty and not db.session.deleted
    assert (row_counts(), stored(task)) == before
    assert CHINESE.search(info.value.message), info.value.message
    if match:
        assert re.search(match, info.value.message), info.value.message


def events(task):
    return db.session.execute(sa.select(TaskEvent.kind, TaskEvent.from_state, TaskEvent.to_state)
                              .where(TaskEvent.task_id == task.id).order_by(TaskEvent.id)).all()


def audits(obj, object_type="tasks"):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == object_type,
                                                          AuditEntry.object_id == str(obj.id))
                              .order_by(AuditEntry.id)).all()


@pytest.fixture(autouse=True)
def _frozen(clock):
    clock.set(date_time(TODAY))


def date_time(day, hour=10):
    return datetime(day.year, day.month, day.day, hour)


# --- the happy path -----------------------------------------------------------------------------------------

def test_workflow_assign_accept_report_request_approve_sets_state_events_and_audit(clock):
    admin, gxj, fgw = account("admin"), account("gxj"), account("fgw")
    task = assign(co=("市发改委", "市科技局"), priority=TaskPriority.key)
    assert task.state is TaskState.assigned and task.version == 1
    assert task.assigned_on == TODAY and task.original_due_on == task.due_on == DUE
    assert task.assigner_id == admin.id and task.assigner_unit_id == unit(OFFICE).id
    assert (task.parties[0].unit.name, task.parties[0].is_lead) == ("市工信局", True)
    assert {(p.unit.name, p.is_lead) for p in task.parties[1:]} == {("市发改委", False), ("市科技局", False)}
    [created] = audits(task)
    assert created.action == "task.assign" and created.actor_id == admin.id and created.before is None
    assert created.after["state"] == "assigned" and created.after["due_on"] == "2026-03-31"
    assert sorted(created.after["co_unit_ids"]) == sorted([unit("市发改委").id, unit("市科技局").id])
    assert created.at is not None

    services.accept_task(gxj, task, expected_version=1)
    assert task.state is TaskState.accepted and task.version == 2

    clock.set(date_time(D("2026-03-12")))
    follow_up = services.record_follow_up(gxj, task, "已完成选址", 30, D("2026-03-12"))
    assert task.state is TaskState.in_progress
    assert task.party_for(gxj.unit_id).last_follow_up_id == follow_up.id
    assert task.party_for(gxj.unit_id).last_reported_on == D("2026-03-12")
    services.record_follow_up(fgw, task, "已完成立项审批配合", 100, D("2026-03-12"))
    assert task.state is TaskState.in_progress  # a co-unit's report never moves the task

    clock.set(date_time(D("2026-04-02")))
    services.request_completion(gxj, task, D("2026-03-30"), "项目已开工", D("2026-04-02"))
    assert task.state is TaskState.completion_requested and task.completed_on is None

    clock.set(date_time(D("2026-04-08")))
    services.approve_completion(admin, task, "同意办结")
    assert task.state is TaskState.completed
    # Scoring counts the date in the approved request, not the day of approval (04-08, after the due date).
    assert task.completed_on == D("2026-03-30")
    request = db.session.scalar(sa.select(CompletionRequest).where(CompletionRequest.task_id == task.id))
    assert request.status is RequestStatus.approved and request.decided_by_id == admin.id
    assert request.decision_note == "同意办结"

    assert [(k, f, t) for k, f, t in events(task)] == [
        (EventKind.assigned, None, None),
        (EventKind.accepted, "assigned", "accepted"),
        (EventKind.follow_up, "accepted", "in_progress"),
        (EventKind.follow_up, None, None),
        (EventKind.completion_requested, "in_progress", "completion_requested"),
        (EventKind.completed, "completion_requested", "completed"),
    ]
    trail = [(a.action, a.actor_id, a.before, a.after) for a in audits(task)][1:]
    assert trail == [
        ("task.accept", gxj.id, {"state": "assigned"}, {"state": "accepted"}),
        ("task.start", gxj.id, {"state": "accepted"}, {"state": "in_progress"}),
        ("task.request_completion", gxj.id, {"state": "in_progress"}, {"state": "completion_requested"}),
        ("task.approve_completion", admin.id,
         {"state": "completion_requested", "completed_on": None},
         {"state": "completed", "completed_on": "2026-03-30"}),
    ]
    [report] = audits(follow_up, "follow_ups")
    assert report.actor_id == gxj.id and report.after["percent"] == 30 and report.after["task_id"] == task.id
    assert task.version == 6  # every action bumps the optimistic-lock counter, even at the same instant


def test_returned_task_is_in_progress_again_and_the_next_approved_request_gives_the_completion_date():
    admin, gxj = account("admin"), account("gxj")
    task = task_in(TaskState.completion_requested)
    services.return_task(admin, task, "佐证材料不全，请补充开工许可")
    assert task.state is TaskState.in_progress and task.completed_on is None
    first = db.session.scalar(sa.select(CompletionRequest).where(CompletionRequest.task_id == task.id))
    assert first.status is RequestStatus.returned and first.decision_note == "佐证材料不全，请补充开工许可"
    [returned] = [a for a in audits(task) if a.action == "task.return"]
    assert returned.before == {"state": "completion_requested"} and returned.after == {"state": "in_progress"}
    assert returned.reason == "佐证材料不全，请补充开工许可"

    services.record_follow_up(gxj, task, "已补充材料", 100, D("2026-03-20"))
    services.request_completion(gxj, task, D("2026-03-19"), "材料已补齐", D("2026-03-20"))
    services.approve_completion(admin, task)
    assert task.completed_on == D("2026-03-19")
    statuses = db.session.scalars(sa.select(CompletionRequest.status).where(CompletionRequest.task_id == task.id)
                                  .order_by(CompletionRequest.id)).all()
    assert statuses == [RequestStatus.returned, RequestStatus.approved]
    assert [e[0] for e in events(task)][-4:] == [EventKind.returned, EventKind.follow_up,
                                                  EventKind.completion_requested, EventKind.completed]


def test_extension_approved_by_the_assigning_leader_moves_due_on_and_keeps_the_original():
    leader, gxj = account("fushizhang"), account("gxj")
    task = advance(assign(by="fushizhang"), TaskState.in_progress)
    services.request_extension(gxj, task, D("2026-04-30"), "受天气影响", TODAY)
    assert task.due_on == DUE  # unchanged until approved
    [requested] = [a for a in audits(task) if a.action == "task.request_extension"]
    assert requested.after == {"requested_due_on": "2026-04-30", "reason": "受天气影响"}

    services.decide_extension(leader, task, approve=True, note="同意")
    assert task.due_on == D("2026-04-30") and task.original_due_on == DUE
    request = db.session.scalar(sa.select(ExtensionRequest).where(ExtensionRequest.task_id == task.id))
    assert request.status is RequestStatus.approved and request.previous_due_on == DUE
    assert request.decided_by_id == leader.id
    [approved] = [a for a in audits(task) if a.action == "task.extension_approve"]
    assert approved.actor_id == leader.id
    assert approved.before == {"due_on": "2026-03-31"} and approved.after == {"due_on": "2026-04-30"}
    assert events(task)[-1][0] is EventKind.extension_approved


def test_extension_refused_keeps_the_due_date_needs_a_reason_and_allows_a_new_request():
    admin, gxj = account("admin"), account("gxj")
    task = task_in(TaskState.accepted)
    services.request_extension(gxj, task, D("2026-04-15"), "资金未到位", TODAY)
    with refused(ServiceError, task, match="审核意见"):
        services.decide_extension(admin, task, approve=False, note="  ")
    services.decide_extension(admin, task, approve=False, note="请按期完成")
    assert task.due_on == DUE
    request = db.session.scalar(sa.select(ExtensionRequest).where(ExtensionRequest.task_id == task.id))
    assert request.status is RequestStatus.refused and request.decision_note == "请按期完成"
    [refusal] = [a for a in audits(task) if a.action == "task.extension_refuse"]
    assert refusal.actor_id == admin.id and refusal.reason == "请按期完成"
    assert events(task)[-1][0] is EventKind.extension_refused
    services.request_extension(gxj, task, D("2026-04-10"), "再次申请", TODAY)  # the refused one is not pending


def test_approving_completion_withdraws_a_pending_extension():
    admin, gxj = account("admin"), account("gxj")
    task = task_in(TaskState.in_progress)
    services.request_extension(gxj, task, D("2026-04-30"), "需要更多时间", TODAY)
    services.request_completion(gxj, task, TODAY, "提前完成", TODAY)
    services.approve_completion(admin, task)
    status = db.session.scalar(sa.select(ExtensionRequest.status).where(ExtensionRequest.task_id == task.id))
    assert status is RequestStatus.withdrawn
    assert task.due_on == DUE


def test_cancel_withdraws_pending_requests_and_records_the_reason():
    admin, gxj = account("admin"), account("gxj")
    task = task_in(TaskState.in_progress)
    services.request_extension(gxj, task, D("2026-04-30"), "需要更多时间", TODAY)
    services.request_completion(gxj, task, TODAY, "已完成", TODAY)
    services.cancel_task(admin, task, "市政府调整了工作安排")
    assert task.state is TaskState.cancelled
    statuses = db.session.scalars(
        sa.select(CompletionRequest.status).where(CompletionRequest.task_id == task.id)
        .union_all(sa.select(ExtensionRequest.status).where(ExtensionRequest.task_id == task.id))).all()
    assert sorted(s.value for s in statuses) == ["withdrawn", "withdrawn"]
    [cancel] = [a for a in audits(task) if a.action == "task.cancel"]
    assert cancel.before == {"state": "completion_requested"} and cancel.after == {"state": "cancelled"}
    assert cancel.reason == "市政府调整了工作安排"
    assert events(task)[-1] == (EventKind.cancelled, "completion_requested", "cancelled")


def test_urge_is_counted_and_audited_for_the_office_and_the_leader_in_charge_of_the_lead_unit():
    task = task_in(TaskState.in_progress)
    services.urge_task(account("admin"), task, 1, "请加快进度", TODAY)
    # 丁诚's portfolio has 市工信局; a second urge within the hour needs the user's confirmation
    services.urge_task(account("fushizhang2"), task, 2, "请主要负责同志调度", TODAY, confirmed=True)
    assert task.urge_count == 2 and task.last_urged_at is not None
    levels = db.session.scalars(sa.select(Urge.level).where(Urge.task_id == task.id).order_by(Urge.id)).all()
    assert levels == [1, 2]
    urges = [a for a in audits(task) if a.action == "task.urge"]
    assert [(a.before, a.after, a.reason) for a in urges] == [
        ({"urge_count": 0}, {"urge_count": 1}, "请加快进度"),
        ({"urge_count": 1}, {"urge_count": 2}, "请主要负责同志调度")]
    assert [e[0] for e in events(task)][-2:] == [EventKind.urged, EventKind.urged]


def test_each_co_unit_keeps_its_own_latest_progress_and_may_report_while_completion_is_requested():
    gxj, fgw, kjj = account("gxj"), account("fgw"), account("kjj")
    task = advance(assign(co=("市发改委", "市科技局")), TaskState.in_progress)
    lead_report = task.party_for(gxj.unit_id).last_follow_up_id
    first = services.record_follow_up(fgw, task, "发改委第一次反馈", 20, D("2026-03-11"))
    latest = services.record_follow_up(fgw, task, "发改委第二次反馈", 60, D("2026-03-13"))
    science = services.record_follow_up(kjj, task, "科技局反馈", 50, D("2026-03-12"))
    assert first.id != latest.id
    assert task.party_for(fgw.unit_id).last_follow_up.text == "发改委第二次反馈"
    assert task.party_for(fgw.unit_id).last_reported_on == D("2026-03-13")
    assert task.party_for(kjj.unit_id).last_follow_up_id == science.id
    assert task.party_for(gxj.unit_id).last_follow_up_id == lead_report  # the lead's own line is untouched
    assert {fu.unit_id for fu in db.session.scalars(sa.select(FollowUp).where(FollowUp.task_id == task.id))} == {
        gxj.unit_id, fgw.unit_id, kjj.unit_id}

    services.request_completion(gxj, task, TODAY, "已完成", D("2026-03-13"))
    services.record_follow_up(kjj, task, "科技局补充反馈", 100, D("2026-03-14"))
    assert task.party_for(kjj.unit_id).last_follow_up.percent == 100
    with refused(ServiceError, task, match="当前不能反馈进展"):
        services.record_follow_up(gxj, task, "牵头单位在审核期间反馈", 100, D("2026-03-14"))


def test_the_lead_unit_may_ask_for_an_extension_before_accepting():
    task = assign()
    services.request_extension(account("gxj"), task, D("2026-04-30"), "任务量大", TODAY)
    assert task.state is TaskState.assigned


def test_assign_trims_text_keeps_the_plan_and_drops_the_lead_and_repeated_co_units():
    plan = db.session.scalar(sa.select(Plan).limit(1))
    task = assign(source=TaskSource.plan, plan=plan, source_ref="  ", content=" 细化到月 ")
    assert task.plan_id == plan.id and task.source_ref is None and task.content == "细化到月"
    co_and_lead = assign(co=("市工信局", "市发改委", "市发改委"))  # the lead and duplicates are dropped
    assert [p.unit.name for p in co_and_lead.parties] == ["市工信局", "市发改委"]


# --- who may do what ----------------------------------------------------------------------------------------

def _accept(user, task):
    services.accept_task(user, task)


def _follow_up(user, task):
    services.record_follow_up(user, task, "进展", 50, TODAY)


def _request_completion(user, task):
    services.request_completion(user, task, TODAY, "已完成", TODAY)


def _request_extension(user, task):
    services.request_extension(user, task, D("2026-04-30"), "理由", TODAY)


def _approve(user, task):
    services.approve_completion(user, task)


def _return(user, task):
    services.return_task(user, task, "退回理由")


def _decide_extension(user, task):
    services.decide_extension(user, task, approve=True)


def _urge(user, task):
    services.urge_task(user, task, 1, "请加快", TODAY)


def _cancel(user, task):
    services.cancel_task(user, task, "撤销理由")


ACTIONS = {
    "accept": _accept, "follow_up": _follow_up, "request_completion": _request_completion,
    "request_extension": _request_extension, "approve_completion": _approve, "return": _return,
    "decide_extension": _decide_extension, "urge": _urge, "cancel": _cancel,
}


@pytest.mark.parametrize(("username", "action", "state"), [
    ("fgw", "accept", TaskState.assigned),  # a co-unit does not accept
    ("kjj", "accept", TaskState.assigned),  # a unit not on the task
    ("admin", "accept", TaskState.assigned),  # the office assigns, it does not accept
    ("guancha", "accept", TaskState.assigned),
    ("kjj", "follow_up", TaskState.in_progress),  # a follow-up by a unit that is not on the task
    ("fushizhang2", "follow_up", TaskState.in_progress),
    ("guancha", "follow_up", TaskState.in_progress),
    ("fgw", "request_completion", TaskState.in_progress),
    ("fgw", "request_extension", TaskState.in_progress),
    ("gxj", "approve_completion", TaskState.completion_requested),  # the lead unit approving itself
    ("fgw", "approve_completion", TaskState.completion_requested),
    ("fushizhang2", "approve_completion", TaskState.completion_requested),  # a leader who did not assign it
    ("shizhang", "approve_completion", TaskState.completion_requested),
    ("guancha", "approve_completion", TaskState.completion_requested),
    ("gxj", "return", TaskState.completion_requested),
    ("fushizhang2", "return", TaskState.completion_requested),
    ("gxj", "cancel", TaskState.in_progress),
    ("fgw", "cancel", TaskState.in_progress),
    ("gxj", "urge", TaskState.in_progress),
    ("fushizhang", "urge", TaskState.in_progress),  # 杨晓军's portfolio does not have 市工信局
    ("guancha", "urge", TaskState.in_progress),
])
def test_an_action_by_the_wrong_person_is_refused_and_changes_nothing(username, action, state):
    task = task_in(state)
    with refused(PermissionDenied, task):
        ACTIONS[action](account(username), task)


def test_deciding_an_extension_by_the_lead_unit_is_refused():
    task = task_in(TaskState.in_progress)
    services.request_extension(account("gxj"), task, D("2026-04-30"), "理由", TODAY)
    for username in ("gxj", "fgw", "fushizhang2"):
        with refused(PermissionDenied, task):
            services.decide_extension(account(username), task, approve=True)


def test_approval_by_the_lead_unit_itself_is_refused_even_for_the_office():
    """When 千百十办 leads a task itself, its administrator cannot approve its own completion; the assigning
    leader can."""
    admin = account("admin")
    task = assign(by="fushizhang", lead=OFFICE, co=())
    services.accept_task(admin, task)
    services.request_completion(admin, task, TODAY, "已完成", TODAY)
    with refused(PermissionDenied, task, match="牵头单位不能审核"):
        services.approve_completion(admin, task)
    with refused(PermissionDenied, task):
        services.return_task(admin, task, "退回")
    services.approve_completion(account("fushizhang"), task)
    assert task.state is TaskState.completed


@pytest.mark.parametrize("username", ["gxj", "fgw", "guancha"])
def test_only_the_office_and_leaders_assign(username):
    with refused(PermissionDenied, match="交办"):
        assign(by=username)


# --- illegal transitions ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("state", "username", "action", "message"), [
    (TaskState.accepted, "gxj", "accept", "不在待签收状态"),
    (TaskState.in_progress, "gxj", "accept", "不在待签收状态"),
    (TaskState.assigned, "gxj", "follow_up", "请先签收"),
    (TaskState.assigned, "fgw", "follow_up", "当前不能反馈进展"),
    (TaskState.assigned, "gxj", "request_completion", "当前不能申请办结"),
    (TaskState.completion_requested, "gxj", "request_completion", "当前不能申请办结"),
    (TaskState.in_progress, "admin", "approve_completion", "没有待审核的办结申请"),
    (TaskState.accepted, "admin", "return", "只有申请办结的事项可以退回"),
    (TaskState.completion_requested, "gxj", "request_extension", "当前不能申请延期"),
    (TaskState.in_progress, "admin", "decide_extension", "没有待审核的延期申请"),
    (TaskState.completed, "gxj", "accept", "已办结"),
    (TaskState.completed, "gxj", "follow_up", "已办结"),
    (TaskState.completed, "fgw", "follow_up", "已办结"),
    (TaskState.completed, "gxj", "request_completion", "已办结"),
    (TaskState.completed, "gxj", "request_extension", "已办结"),
    (TaskState.completed, "admin", "approve_completion", "已办结"),
    (TaskState.completed, "admin", "return", "已办结"),
    (TaskState.completed, "admin", "urge", "已办结"),
    (TaskState.completed, "admin", "cancel", "已办结"),
    (TaskState.cancelled, "gxj", "accept", "已撤销"),
    (TaskState.cancelled, "gxj", "follow_up", "已撤销"),
    (TaskState.cancelled, "gxj", "request_extension", "已撤销"),
    (TaskState.cancelled, "admin", "approve_completion", "已撤销"),
    (TaskState.cancelled, "admin", "urge", "已撤销"),
    (TaskState.cancelled, "admin", "cancel", "已撤销"),
])
def test_an_illegal_transition_is_refused_with_the_current_state_and_changes_nothing(state, username, action,
                                                                                      message):
    task = task_in(state)
    with refused(ServiceError, task, match=message) as info:
        ACTIONS[action](account(username), task)
    assert not isinstance(info.value, PermissionDenied)
    assert info.value.status in (409, 422)


def test_deciding_an_extension_of_a_closed_task_is_refused():
    admin, gxj = account("admin"), account("gxj")
    task = task_in(TaskState.in_progress)
    services.request_extension(gxj, task, D("2026-04-30"), "理由", TODAY)
    services.request_completion(gxj, task, TODAY, "已完成", TODAY)
    # Cancelling withdraws the request; force it pending again to reach the state check itself.
    services.cancel_task(admin, task, "撤销")
    db.session.execute(sa.update(ExtensionRequest).where(ExtensionRequest.task_id == task.id)
                       .values(status=RequestStatus.pending))
    with refused(ServiceError, task, match="已撤销"):
        services.decide_extension(admin, task, approve=True)


def test_a_second_pending_extension_is_refused():
    gxj = account("gxj")
    task = task_in(TaskState.in_progress)
    services.request_extension(gxj, task, D("2026-04-30"), "理由", TODAY)
    with refused(ServiceError, task, match="待审核的延期申请") as info:
        services.request_extension(gxj, task, D("2026-05-30"), "再申请", TODAY)
    assert info.value.code == "duplicate"


# --- bad input ----------------------------------------------------------------------------------------------

def _assign_with(**overrides):
    values = dict(title="推进重点项目开工", lead_unit=unit("市工信局"), co_units=[unit("市发改委")], due_on=DUE,
                  today=TODAY)
    values.update(overrides)
    return services.assign_task(account("admin"), **values)


def _deactivated(name):
    found = unit(name)
    found.is_active = False
    db.session.flush()
    return found


@pytest.mark.parametrize(("overrides", "message"), [
    (lambda: {"lead_unit": None}, "请选择牵头单位"),  # an unknown unit: the look-up found nothing
    (lambda: {"lead_unit": _deactivated("市工信局")}, "牵头单位“市工信局”已停用"),
    (lambda: {"co_units": [None]}, "配合单位中有不存在的单位"),
    (lambda: {"co_units": [_deactivated("市发改委")]}, "配合单位“市发改委”已停用"),
    (lambda: {"due_on": D("2026-03-09")}, "完成时限 2026-03-09 早于今天"),
    (lambda: {"due_on": None}, "请填写完成时限"),
    (lambda: {"title": "   "}, "请填写事项名称"),
    (lambda: {"title": "长" * 201}, "事项名称不能超过 200 个字符"),
    (lambda: {"content": "长" * 5001}, "具体内容不能超过"),
    (lambda: {"source_ref": "长" * 201}, "来源说明不能超过 200 个字符"),
    (lambda: {"source": TaskSource.plan, "plan": None}, "请选择具体的计划或举措"),
])
def test_assigning_with_bad_input_is_refused_and_writes_nothing(overrides, message):
    values = overrides()
    with refused(ServiceError, match=message):
        _assign_with(**values)


def test_a_task_may_be_due_today():
    assert _assign_with(due_on=TODAY).due_on == TODAY


@pytest.mark.parametrize(("new_due_on", "message"), [
    (D("2026-03-20"), "必须晚于当前时限 2026-03-31"),  # an extension to an earlier date
    (DUE, "必须晚于当前时限"),
    (None, "请填写申请延期到的日期"),
])
def test_an_extension_that_does_not_move_the_deadline_later_is_refused(new_due_on, message):
    task = task_in(TaskState.in_progress)
    with refused(ServiceError, task, match=message):
        services.request_extension(account("gxj"), task, new_due_on, "理由", TODAY)


def test_an_extension_of_an_overdue_task_must_not_end_before_today():
    task = task_in(TaskState.in_progress, due=D("2026-03-12"))
    with refused(ServiceError, task, match="不能早于今天"):
        services.request_extension(account("gxj"), task, D("2026-03-14"), "理由", D("2026-03-20"))
    with refused(ServiceError, task, match="请填写延期理由"):
        services.request_extension(account("gxj"), task, D("2026-03-30"), "", D("2026-03-20"))


@pytest.mark.parametrize(("completed_on", "summary", "message"), [
    (D("2026-03-11"), "已完成", "完成日期 2026-03-11 晚于今天"),  # a completion date in the future
    (D("2026-03-09"), "已完成", "不能早于交办日期 2026-03-10"),
    (None, "已完成", "请填写完成日期"),
    (TODAY, " ", "请填写办结情况"),
])
def test_a_completion_request_with_a_bad_date_or_no_summary_is_refused(completed_on, summary, message):
    task = task_in(TaskState.in_progress)
    with refused(ServiceError, task, match=message):
        services.request_completion(account("gxj"), task, completed_on, summary, TODAY)


@pytest.mark.parametrize(("text", "percent", "message"), [
    ("进展", 101, "0 到 100 的整数"),
    ("进展", -1, "0 到 100 的整数"),
    ("进展", "半数", "0 到 100 的整数"),
    ("进展", None, "0 到 100 的整数"),
    ("", 50, "请填写进展情况"),
    ("长" * 5001, 50, "进展情况不能超过"),
])
def test_a_follow_up_with_bad_input_is_refused(text, percent, message):
    task = task_in(TaskState.in_progress)
    with refused(ServiceError, task, match=message):
        services.record_follow_up(account("fgw"), task, text, percent, TODAY)


def test_return_without_a_reason_and_approval_with_an_overlong_note_are_refused():
    admin = account("admin")
    task = task_in(TaskState.completion_requested)
    with refused(ServiceError, task, match="请填写退回理由"):
        services.return_task(admin, task, "")
    # The note is checked before the request or the task is touched.
    with refused(ServiceError, task, match="审核意见不能超过"):
        services.approve_completion(admin, task, "长" * 5001)
    with refused(ServiceError, task, match="请填写撤销理由"):
        services.cancel_task(admin, task, " ")


@pytest.mark.parametrize("level", [0, 4, None])
def test_an_unknown_urge_level_is_refused(level):
    task = task_in(TaskState.in_progress)
    with refused(ServiceError, task, match="催办级别不正确"):
        services.urge_task(account("admin"), task, level, "请加快", TODAY)


def test_approval_note_whitespace_only_stores_no_note():
    task = task_in(TaskState.completion_requested)
    services.approve_completion(account("admin"), task, "   ")
    request = db.session.scalar(sa.select(CompletionRequest).where(CompletionRequest.task_id == task.id))
    assert request.decision_note is None
    note = db.session.scalar(sa.select(TaskEvent.note).where(TaskEvent.task_id == task.id,
                                                             TaskEvent.kind == EventKind.completed))
    assert note == f"办结日期：{TODAY.isoformat()}"


# --- the optimistic version check ---------------------------------------------------------------------------

@pytest.mark.parametrize(("action", "state", "username"), [
    ("accept", TaskState.assigned, "gxj"),
    ("follow_up", TaskState.in_progress, "gxj"),
    ("approve_completion", TaskState.completion_requested, "admin"),
    ("return", TaskState.completion_requested, "admin"),
    ("cancel", TaskState.in_progress, "admin"),
])
@pytest.mark.parametrize("expected", [0, "abc", "2.5"])
def test_a_stale_expected_version_is_a_conflict_and_changes_nothing(action, state, username, expected):
    task = task_in(state)
    call = {
        "accept": lambda u, t: services.accept_task(u, t, expected_version=expected),
        "follow_up": lambda u, t: services.record_follow_up(u, t, "进展", 1, TODAY, expected_version=expected),
        "approve_completion": lambda u, t: services.approve_completion(u, t, expected_version=expected),
        "return": lambda u, t: services.return_task(u, t, "退回", expected_version=expected),
        "cancel": lambda u, t: services.cancel_task(u, t, "撤销", expected_version=expected),
    }[action]
    with refused(Conflict, task, match="刷新") as info:
        call(account(username), task)
    assert info.value.status == 409


def test_the_current_version_as_a_form_string_is_accepted():
    task = assign()
    services.accept_task(account("gxj"), task, expected_version=str(task.version))
    assert task.state is TaskState.accepted


# --- what the page offers matches what the services accept ----------------------------------------------------

USERS = ("admin", "fushizhang", "fushizhang2", "shizhang", "gxj", "fgw", "kjj", "guancha")


@pytest.mark.parametrize("state", [s for s in TaskState])
def test_allowed_actions_are_exactly_the_actions_the_services_accept(state):
    task = task_in(state)
    if state in (TaskState.accepted, TaskState.in_progress):
        services.request_extension(account("gxj"), task, D("2026-04-30"), "理由", TODAY)
    db.session.flush()
    for username in USERS:
        user = account(username)
        offered = services.allowed_actions(user, task, TODAY)
        for name, action in ACTIONS.items():
            if name == "request_extension" and state is TaskState.assigned and username == "gxj":
                continue  # also allowed before accepting, though the page offers it only afterwards
            savepoint = db.session.begin_nested()
            try:
                action(user, db.session.get(Task, task.id))
                accepted = True
            except ServiceError:
                accepted = False
            finally:
                savepoint.rollback()
            expected = name in offered
            if name == "request_extension" and state in (TaskState.accepted, TaskState.in_progress):
                expected = False  # one pending request at a time; the page still shows the form
                offered = offered - {"request_extension"}
            assert accepted == expected, (username, name, state, offered)
