"""The task workflow (交办 → 签收 → 办理中 → 申请办结 → 已办结; 退回; 申请延期; 催办; 撤销).

Pure of HTTP: every function takes the acting user, the task and plain values, checks who may do it and
whether the state allows it, changes the rows, writes the timeline event and the audit entry, and flushes.
It never commits; a refusal raises ServiceError (Chinese) before anything is written.

Concurrency: `Task.version` is SQLAlchemy's version counter and every action touches the task, so two people
acting on the same task at once cannot both win: the second UPDATE matches no row and becomes a Conflict.
A follow-up is the exception: it is an append that overwrites nothing, so two of them never conflict. It locks
the task row first (`_lock_for_append`) and works on the row as it is then; only a caller that sent the version it
saw, and saw an older one, is refused.
"""

import logging
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from app.auth.models import Role
from app.core import text as limits
from app.core.audit import record_change, snapshot
from app.core.calendar import get_calendar
from app.core.clock import utcnow
from app.core.errors import Conflict, PermissionDenied, ServiceError
from app.core.scopes import extra_read_unit_ids
from app.extensions import db
from app.org.queries import portfolio_unit_ids
from app.tasks.models import (
    CLOSED_STATES,
    CompletionRequest,
    EventKind,
    Evidence,
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

log = logging.getLogger(__name__)

TASK_FIELDS = ("title", "state", "due_on", "completed_on", "lead_unit_id", "priority", "urge_count")
MAX_CO_UNITS = 40
TITLE_MAX = 200
SOURCE_REF_MAX = 200
# Multi-line limits live in app/core/text.py (one place for every package); TEXT_MAX is the task's content.
TEXT_MAX = limits.TASK_CONTENT_MAX
FOLLOW_UP_MAX = limits.FOLLOW_UP_MAX
SUMMARY_MAX = limits.SUMMARY_MAX
REASON_MAX = limits.REASON_MAX


# --- who may do what ----------------------------------------------------------------------------------------

def is_party_staff(user, task):
    return user.works_in_unit and task.party_for(user.unit_id) is not None


def is_lead_staff(user, task):
    return user.works_in_unit and user.unit_id == task.lead_unit_id


def can_view(user, task):
    """Reading a task: everyone who reads all, its parties, its assigning unit — and, read-only, the units a
    registered read scope gives (app.core.scopes: an assessor reads the tasks its assessed units lead, 附件2
    六(二)); a scope grants no action (allowed_actions and the services check is_lead_staff etc.)."""
    if user.reads_all:
        return True
    if is_party_staff(user, task) or (user.unit_id is not None and user.unit_id == task.assigner_unit_id):
        return True
    return task.lead_unit_id in extra_read_unit_ids(user)


def visible_to(user):
    """The SQL form of can_view: None when the user sees every task.

    Lists are restricted in the query itself, so totals and pages only ever count what the user may see."""
    if user.reads_all:
        return None
    scoped = Task.lead_unit_id.in_(sorted(extra)) if (extra := extra_read_unit_ids(user)) else None
    if user.unit_id is None:
        return sa.false() if scoped is None else scoped
    member = sa.select(TaskParty.task_id).where(TaskParty.unit_id == user.unit_id)
    return sa.or_(Task.id.in_(member), Task.assigner_unit_id == user.unit_id, *([scoped] if scoped is not None else []))


def can_assign(user):
    return user.assigns


def _decides(user, lead_unit_id, assigner_id):
    if user.unit_id is not None and user.unit_id == lead_unit_id:
        return False
    return user.role is Role.admin or (user.role is Role.leader and assigner_id == user.id)


def can_decide(user, task):
    """The assigning office or leader approves, returns, decides extensions and cancels — never the lead unit."""
    return _decides(user, task.lead_unit_id, task.assigner_id)


def _portfolio(user, today):
    return portfolio_unit_ids(user.person_id, today) if user.role is Role.leader and user.person_id else set()


def can_urge(user, task, today):
    """催办: who decides on the task, or a leader whose portfolio has the lead unit."""
    return _decides(user, task.lead_unit_id, task.assigner_id) or task.lead_unit_id in _portfolio(user, today)


def urgeable_task_ids(user, tasks, today, portfolio=None):
    """The ids of the open tasks among `tasks` (rows that carry id, lead_unit_id, assigner_id and is_open, such as
    queries.TaskLine, read in this transaction) this user may urge: can_urge's rule for a whole list, with no
    statement beyond the user's portfolio (none when the caller knows it: `portfolio`, the unit ids of the
    user's portfolio in force `today`)."""
    user = getattr(user, "_get_current_object", lambda: user)()  # the user itself, not the request's proxy
    if not tasks or user.role not in (Role.admin, Role.leader):
        return set()
    if portfolio is None:
        portfolio = _portfolio(user, today)
    return {task.id for task in tasks if task.is_open
            and (_decides(user, task.lead_unit_id, task.assigner_id) or task.lead_unit_id in portfolio)}


def allowed_actions(user, task, today):
    """The actions the detail page offers this user (the services check again)."""
    actions = set()
    state = task.state
    if is_lead_staff(user, task):
        if state is TaskState.assigned:
            actions.add("accept")
        if state in (TaskState.accepted, TaskState.in_progress):
            actions |= {"follow_up", "request_completion", "request_extension"}
    elif is_party_staff(user, task) and state in (TaskState.accepted, TaskState.in_progress,
                                                  TaskState.completion_requested):
        actions.add("follow_up")
    if can_decide(user, task):
        if state is TaskState.completion_requested:
            actions |= {"approve_completion", "return"}
        if state not in CLOSED_STATES:
            actions.add("cancel")
            if _pending_extension(task) is not None:
                actions.add("decide_extension")
    if state not in CLOSED_STATES and can_urge(user, task, today):
        actions.add("urge")
    return actions


# --- helpers ------------------------------------------------------------------------------------------------

def _text(value, label, max_length, required=True, field=None):
    """A multi-line text (line breaks kept, other control characters refused) of at most `max_length`."""
    return limits.multi_line(value, label, max_length, required=required, field=field)


def _check_version(task, expected_version):
    if expected_version is None:
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError, OverflowError):
        expected = None  # a mangled form field is treated as a stale page, not a server error
    if expected != task.version:
        raise Conflict("该事项已被他人更新，请刷新页面查看最新情况后再操作。")


def _lock_for_append(task):
    """Take the task row's write lock and reload it, so that an append works on the current row.

    PostgreSQL: `SELECT ... FOR NO KEY UPDATE` waits for any other transaction writing the row and then reads the
    committed values (the version included), so the versioned UPDATE that follows cannot lose a race; appends
    queue behind each other instead of failing. NO KEY (not FOR UPDATE): the follow-up's INSERT and other inserts
    referencing the task take KEY SHARE locks, which this lock does not block. SQLite renders no FOR clause: a
    request that may write already began with BEGIN IMMEDIATE (app/core/transactions.py), which serialises
    writers; the reload still picks up what a writer committed before this transaction began. Nothing is retried.
    """
    db.session.execute(sa.select(Task).where(Task.id == task.id).with_for_update(key_share=True)
                       .execution_options(populate_existing=True)).scalar_one()  # fetched: the row is reloaded


def _event(task, actor, kind, from_state=None, note=None, unit_id=None):
    db.session.add(TaskEvent(task_id=task.id, kind=kind, actor_id=getattr(actor, "id", None), unit_id=unit_id,
                             from_state=from_state.value if from_state else None,
                             to_state=task.state.value if from_state else None, note=note))


def _flush():
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("该事项刚被他人修改，您的操作未保存。请刷新页面后重试。") from None


def _touch(task):
    """Every action changes the task row, so the version check covers it."""
    task.updated_at = utcnow()
    # Under a frozen clock (tests, the demo, --now) the value may equal the stored one, and SQLAlchemy would
    # then skip the UPDATE and with it the version check; flagging the column always issues it.
    flag_modified(task, "updated_at")


def _audit(actor, action, task, before, reason=None):
    after = snapshot(task, TASK_FIELDS)
    changed = {k for k in after if before.get(k) != after[k]}
    record_change(actor, action, task, {k: before.get(k) for k in changed} or None,
                  {k: after[k] for k in changed} or None, reason=reason)


def _pending_extension(task):
    return db.session.scalar(sa.select(ExtensionRequest).where(
        ExtensionRequest.task_id == task.id, ExtensionRequest.status == RequestStatus.pending))


def _pending_completion(task):
    return db.session.scalar(sa.select(CompletionRequest).where(
        CompletionRequest.task_id == task.id, CompletionRequest.status == RequestStatus.pending))


def _require(condition, message):
    if not condition:
        raise PermissionDenied(message)


def _require_state(task, states, message):
    if task.state not in states:
        raise ServiceError(f"{message}（当前状态：{task.state.label}）。", code="bad_state", status=409)


# STRICT_RULES: the rules that ask the person entering something for more (a reason for a decreasing percent,
# evidence or a reason for 办结, confirming a deadline on a non-working day) apply when the caller says so
# (`strict=True`, `accept_non_workday=False`): the task page, the assign form and the JSON API (strict; its
# dates are taken as given) do. Callers that replay what happened (the demo, the Excel import) do not.


def _check_workday(day, field, label, accept_non_workday):
    """A date on a non-working day is refused (code `non_workday`, the next working day named in the message and
    in `error.suggestion`) unless the user accepted it; callers that do not ask (imports, the demo, the API) pass
    True and keep the date as given."""
    if accept_non_workday or day is None:
        return
    cal = get_calendar()
    if cal.is_workday(day):
        return
    suggestion = cal.next_workday(day)
    error = ServiceError(f"{label} {day.isoformat()} 不是工作日，下一个工作日是 {suggestion.isoformat()}。"
                         f"请改为 {suggestion.isoformat()}，或确认仍按 {day.isoformat()}。",
                         field=field, code="non_workday")
    error.suggestion = suggestion
    raise error


def completion_needs_evidence():
    """The setting COMPLETION_NEEDS_EVIDENCE (config.py, on by default): 办结 needs evidence or a stated reason."""
    return bool(current_app.config.get("COMPLETION_NEEDS_EVIDENCE", True))


def last_percent(task, unit_id):
    """The progress the unit reported last on the task (None before its first report)."""
    party = task.party_for(unit_id) if unit_id is not None else None
    follow_up = party.last_follow_up if party is not None else None
    return follow_up.percent if follow_up is not None else None


# --- actions ------------------------------------------------------------------------------------------------

def validate_units(lead_unit, co_units):
    if lead_unit is None:
        raise ServiceError("请选择牵头单位。", field="lead_unit_id")
    if not lead_unit.is_active:
        raise ServiceError(f"牵头单位“{lead_unit.name}”已停用，不能交办。", field="lead_unit_id")
    seen = set()
    result = []
    for unit in co_units:
        if unit is None:
            raise ServiceError("配合单位中有不存在的单位。", field="co_unit_ids")
        if not unit.is_active:
            raise ServiceError(f"配合单位“{unit.name}”已停用。", field="co_unit_ids")
        if unit.id == lead_unit.id or unit.id in seen:
            continue
        seen.add(unit.id)
        result.append(unit)
    if len(result) > MAX_CO_UNITS:
        raise ServiceError(f"配合单位最多 {MAX_CO_UNITS} 个。", field="co_unit_ids")
    return result


def assign_task(actor, *, title, lead_unit, due_on: date, today: date, content="", co_units=(),
                source=TaskSource.free, plan=None, source_ref=None, priority=TaskPriority.normal,
                meeting_ref_id=None, on_behalf_of=None, accept_non_workday=True):
    """交办: create a task for a lead unit (and co-units) with a deadline that is not in the past.

    `accept_non_workday=False` (the assign form) refuses a deadline on a non-working day, naming the next one, until
    the user confirms it (see _check_workday).

    `on_behalf_of` (a Unit) is for a meeting decision: the task is assigned in the name of the convening unit
    (its assigner unit) by the user logging the record. The meetings service has checked that this user may log
    the convener's record, which stands in for the office's or a leader's right to assign."""
    if on_behalf_of is None:
        _require(can_assign(actor), "只有千百十办和市领导可以交办事项。")
    elif source is not TaskSource.meeting or meeting_ref_id is None:
        raise PermissionDenied("只有会议决定可以以召集单位的名义交办。")
    title = limits.one_line(title, "事项名称", TITLE_MAX, required=True, field="title")
    content = _text(content, "具体内容", TEXT_MAX, required=False, field="content")
    # the column is 200 wide
    source_ref = limits.one_line(source_ref, "来源说明", SOURCE_REF_MAX, field="source_ref") or None
    co_units = validate_units(lead_unit, co_units)
    if due_on is None:
        raise ServiceError("请填写完成时限。", field="due_on")
    if due_on < today:
        raise ServiceError(f"完成时限 {due_on.isoformat()} 早于今天，请选择今天或以后的日期。", field="due_on")
    _check_workday(due_on, "due_on", "完成时限", accept_non_workday)
    if source is TaskSource.plan and plan is None:
        raise ServiceError("来源为计划举措时，请选择具体的计划或举措。", field="plan_id")
    task = Task(title=title, content=content, source=source, plan=plan, source_ref=source_ref,
                lead_unit_id=lead_unit.id, priority=priority, assigned_on=today, original_due_on=due_on,
                due_on=due_on, assigner_id=actor.id, state=TaskState.assigned, meeting_ref_id=meeting_ref_id,
                assigner_unit_id=on_behalf_of.id if on_behalf_of is not None else actor.unit_id)
    task.parties = [TaskParty(unit_id=lead_unit.id, is_lead=True)] + \
        [TaskParty(unit_id=u.id, is_lead=False) for u in co_units]
    db.session.add(task)
    db.session.flush()
    _event(task, actor, EventKind.assigned, note=f"牵头单位：{lead_unit.name}；完成时限：{due_on.isoformat()}"
           + (f"；配合单位：{'、'.join(u.name for u in co_units)}" if co_units else ""))
    record_change(actor, "task.assign", task, None,
                  dict(snapshot(task, TASK_FIELDS), co_unit_ids=[u.id for u in co_units],
                       **({"on_behalf_of_unit_id": on_behalf_of.id} if on_behalf_of is not None else {})))
    return task


EDIT_LABELS = {"title": "事项名称", "content": "具体内容", "priority": "优先级", "plan_id": "计划或举措",
               "co_unit_ids": "配合单位"}


def can_edit(user, task):
    """Editing a task after assigning it: the assigning office (千百十办) or leader, while the task is open."""
    return can_decide(user, task) and task.state not in CLOSED_STATES


def _edit_values(task):
    return {"title": task.title, "content": task.content or "", "priority": task.priority.value,
            "plan_id": task.plan_id, "co_unit_ids": sorted(task.co_unit_ids)}


def edit_task(actor, task, *, title, content, co_units, priority, plan, expected_version=None):
    """修改事项: the office or the assigning leader corrects a task after assigning it — its title, content,
    co-units, priority and plan. The lead unit stays (a new lead unit is a new task) and the due date moves only
    through an approved extension. Returns {field: (before, after)} of what changed (empty: nothing written).

    Every change is audited (task.edit, before and after) and shown on the timeline (修改); the lead and co-units
    (old and new) see it there and are notified by the reminders' scan of 修改 events."""
    _check_version(task, expected_version)
    _require(can_decide(actor, task), "只有千百十办或交办领导可以修改事项。")
    if task.state in CLOSED_STATES:
        raise ServiceError(f"该事项已{task.state.label}，不能再修改。", code="bad_state", status=409)
    title = limits.one_line(title, "事项名称", TITLE_MAX, required=True, field="title")
    content = _text(content, "具体内容", TEXT_MAX, required=False, field="content")
    if not isinstance(priority, TaskPriority):
        raise ServiceError("请从列表中选择优先级（一般或重点）。", field="priority")
    if task.source is TaskSource.plan and plan is None:
        raise ServiceError("来源为计划举措时，请选择具体的计划或举措。", field="plan_id")
    current = set(task.co_unit_ids)
    # a co-unit already on the task may stay even if it was deactivated since; a new one must be active
    kept = [u for u in co_units if u is not None and u.id in current]
    added = validate_units(task.lead_unit, [u for u in co_units if u is None or u.id not in current])
    co_ids = sorted({u.id for u in kept + added} - {task.lead_unit_id})
    if len(co_ids) > MAX_CO_UNITS:
        raise ServiceError(f"配合单位最多 {MAX_CO_UNITS} 个。", field="co_unit_ids")
    before = _edit_values(task)
    after = {"title": title, "content": content, "priority": priority.value,
             "plan_id": plan.id if plan is not None else None, "co_unit_ids": co_ids}
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    if not changed:
        return {}
    names = {u.id: u.name for u in kept + added} | {p.unit_id: p.unit.name for p in task.parties}
    task.title, task.content, task.priority, task.plan = title, content, priority, plan
    if "co_unit_ids" in changed:
        for party in [p for p in task.parties if not p.is_lead and p.unit_id not in co_ids]:
            task.parties.remove(party)
        for unit_id in [i for i in co_ids if i not in current]:
            task.parties.append(TaskParty(unit_id=unit_id, is_lead=False))
    _touch(task)
    parts = []
    for key, (old, new) in changed.items():
        if key == "co_unit_ids":
            more = "、".join(names[i] for i in new if i not in old)
            fewer = "、".join(names[i] for i in old if i not in new)
            parts.append("配合单位" + (f"增加 {more}" if more else "") + ("，" if more and fewer else "")
                         + (f"减少 {fewer}" if fewer else ""))
        elif key == "priority":
            parts.append(f"优先级由“{TaskPriority(old).label}”改为“{TaskPriority(new).label}”")
        elif key == "plan_id":
            parts.append(f"计划或举措改为“{plan.code} {plan.name}”" if plan is not None else "取消了计划或举措")
        elif key == "content":
            parts.append("修改了具体内容")
        else:
            parts.append(f"事项名称由“{old}”改为“{new}”")
    _event(task, actor, EventKind.edited, note="；".join(parts))
    record_change(actor, "task.edit", task, {k: v[0] for k, v in changed.items()},
                  {k: v[1] for k, v in changed.items()})
    _flush()
    return changed


def accept_task(actor, task, expected_version=None):
    """签收: the lead unit acknowledges the task."""
    _check_version(task, expected_version)
    _require(is_lead_staff(actor, task), "只有牵头单位可以签收该事项。")
    _require_state(task, (TaskState.assigned,), "该事项不在待签收状态")
    before = snapshot(task, TASK_FIELDS)
    task.state = TaskState.accepted
    _touch(task)
    _event(task, actor, EventKind.accepted, TaskState.assigned, unit_id=actor.unit_id)
    _audit(actor, "task.accept", task, before)
    _flush()


def record_follow_up(actor, task, text, percent, today: date, expected_version=None, decrease_reason=None,
                     strict=False):
    """进展反馈: the lead unit or a co-unit reports its own progress. Returns the FollowUp.

    `strict` (the page passes it; see STRICT_RULES): a percent below the unit's last report needs
    `decrease_reason`, kept with the follow-up. A reason given with a decrease is kept in either case.

    An append: without `expected_version` it is saved whatever was appended or changed meanwhile (the state is
    checked on the row as it is now); with one, a stale version is still a Conflict."""
    _lock_for_append(task)
    _check_version(task, expected_version)
    _require(is_party_staff(actor, task), "只有该事项的牵头单位或配合单位可以反馈进展。")
    lead = is_lead_staff(actor, task)
    allowed = (TaskState.accepted, TaskState.in_progress) if lead else \
        (TaskState.accepted, TaskState.in_progress, TaskState.completion_requested)
    if task.state is TaskState.assigned and lead:
        raise ServiceError("请先签收该事项，再反馈进展。", code="bad_state", status=409)
    _require_state(task, allowed, "该事项当前不能反馈进展")
    text = _text(text, "进展情况", FOLLOW_UP_MAX, field="text")
    try:
        percent = int(percent)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float (found by tests/fuzz)
        raise ServiceError("完成进度必须是 0 到 100 的整数。", field="percent") from None
    if not 0 <= percent <= 100:
        raise ServiceError("完成进度必须是 0 到 100 的整数。", field="percent")
    last = last_percent(task, actor.unit_id)
    decrease_reason = _text(decrease_reason, "进度下降的原因", REASON_MAX, required=False, field="decrease_reason")
    if last is not None and percent < last:
        if not decrease_reason and strict:
            raise ServiceError(f"完成进度由上次的 {last}% 降为 {percent}%，请填写进度下降的原因。",
                               field="decrease_reason")
    else:
        decrease_reason = ""  # a reason only goes with a decrease
    before = snapshot(task, TASK_FIELDS)
    follow_up = FollowUp(task_id=task.id, unit_id=actor.unit_id, author_id=actor.id, text=text, percent=percent,
                         reported_on=today, decrease_reason=decrease_reason or None)
    db.session.add(follow_up)
    db.session.flush()
    party = task.party_for(actor.unit_id)
    party.last_follow_up_id = follow_up.id
    party.last_follow_up = follow_up  # the loaded relationship too: last_percent() reads it in this session
    party.last_reported_on = today
    from_state = task.state
    if lead and task.state is TaskState.accepted:
        task.state = TaskState.in_progress
    _touch(task)
    _event(task, actor, EventKind.follow_up, from_state if task.state is not from_state else None,
           note=f"{percent}%：{text[:200]}" + (f"（进度由 {last}% 降为 {percent}%：{decrease_reason[:200]}）"
                                              if decrease_reason else ""), unit_id=actor.unit_id)
    record_change(actor, "follow_up.create", follow_up, None,
                  {"task_id": task.id, "unit_id": actor.unit_id, "percent": percent, "text": text,
                   **({"previous_percent": last, "decrease_reason": decrease_reason} if decrease_reason else {})})
    if task.state is not from_state:
        _audit(actor, "task.start", task, before)
    _flush()
    return follow_up


def request_completion(actor, task, completed_on: date, summary, today: date, expected_version=None,
                       no_evidence_reason=None, new_evidence=0, strict=False):
    """申请办结: the lead unit states the day it completed the task (never in the future).

    `strict` (the page passes it; see STRICT_RULES) and the setting COMPLETION_NEEDS_EVIDENCE on (the default):
    the task needs at least one evidence file (on
    any follow-up or the task; `new_evidence` counts the files being uploaded with the request) or a stated
    reason why there is none (`no_evidence_reason`, kept with the request)."""
    _check_version(task, expected_version)
    _require(is_lead_staff(actor, task), "只有牵头单位可以申请办结。")
    _require_state(task, (TaskState.accepted, TaskState.in_progress), "该事项当前不能申请办结")
    summary = _text(summary, "办结情况", SUMMARY_MAX, field="summary")
    if completed_on is None:
        raise ServiceError("请填写完成日期。", field="completed_on")
    if completed_on > today:
        raise ServiceError(f"完成日期 {completed_on.isoformat()} 晚于今天，不能预报办结。", field="completed_on")
    if completed_on < task.assigned_on:
        raise ServiceError(f"完成日期不能早于交办日期 {task.assigned_on.isoformat()}。", field="completed_on")
    no_evidence_reason = _text(no_evidence_reason, "无佐证材料的原因", REASON_MAX, required=False,
                               field="no_evidence_reason") or None
    if strict and completion_needs_evidence() and not new_evidence and not no_evidence_reason and not db.session.scalar(
            sa.select(sa.exists().where(Evidence.task_id == task.id))):
        raise ServiceError("申请办结需要佐证材料：请上传至少一份佐证材料（如照片、文件、合同），"
                           "或填写“无佐证材料的原因”。", field="no_evidence_reason")
    before = snapshot(task, TASK_FIELDS)
    db.session.add(CompletionRequest(task_id=task.id, completed_on=completed_on, summary=summary,
                                     requested_by_id=actor.id, no_evidence_reason=no_evidence_reason))
    from_state = task.state
    task.state = TaskState.completion_requested
    _touch(task)
    _event(task, actor, EventKind.completion_requested, from_state,
           note=f"完成日期：{completed_on.isoformat()}；{summary[:200]}"
           + (f"；无佐证材料的原因：{no_evidence_reason[:200]}" if no_evidence_reason else ""), unit_id=actor.unit_id)
    _audit(actor, "task.request_completion", task, before, reason=no_evidence_reason)
    _flush()


def approve_completion(actor, task, note=None, expected_version=None):
    """审核办结: the assigner approves; the completion date is the one in the request."""
    _check_version(task, expected_version)
    _require(can_decide(actor, task), "只有交办单位（千百十办）或交办领导可以审核办结，牵头单位不能审核自己的申请。")
    _require_state(task, (TaskState.completion_requested,), "该事项没有待审核的办结申请")
    request = _pending_completion(task)
    if request is None:
        raise ServiceError("没有找到待审核的办结申请。", code="bad_state", status=409)
    note = _text(note, "审核意见", REASON_MAX, required=False, field="note") or None
    # Loaded before anything changes: a query after the changes would autoflush them, and a lost race would
    # surface there as a bare StaleDataError instead of the Conflict that _flush() turns it into.
    pending_extensions = db.session.scalars(sa.select(ExtensionRequest).where(
        ExtensionRequest.task_id == task.id, ExtensionRequest.status == RequestStatus.pending)).all()
    before = snapshot(task, TASK_FIELDS)
    request.status, request.decided_by_id, request.decided_at = RequestStatus.approved, actor.id, utcnow()
    request.decision_note = note
    task.state = TaskState.completed
    task.completed_on = request.completed_on
    for pending in pending_extensions:
        pending.status = RequestStatus.withdrawn
    _touch(task)
    _event(task, actor, EventKind.completed, TaskState.completion_requested,
           note=f"办结日期：{request.completed_on.isoformat()}" + (f"；{note}" if note else ""))
    _audit(actor, "task.approve_completion", task, before)
    _flush()


def return_task(actor, task, note, expected_version=None):
    """退回: the assigner sends a completion request back; the task is in progress again."""
    _check_version(task, expected_version)
    _require(can_decide(actor, task), "只有交办单位或交办领导可以退回。")
    _require_state(task, (TaskState.completion_requested,), "只有申请办结的事项可以退回")
    note = _text(note, "退回理由", REASON_MAX, field="note")
    request = _pending_completion(task)
    before = snapshot(task, TASK_FIELDS)
    if request is not None:
        request.status, request.decided_by_id, request.decided_at = RequestStatus.returned, actor.id, utcnow()
        request.decision_note = note
    task.state = TaskState.in_progress
    _touch(task)
    _event(task, actor, EventKind.returned, TaskState.completion_requested, note=note)
    _audit(actor, "task.return", task, before, reason=note)
    _flush()


def request_extension(actor, task, new_due_on: date, reason, today: date, expected_version=None,
                      accept_non_workday=True):
    """申请延期: the lead unit asks for a later deadline; one pending request at a time. `accept_non_workday=False`
    (the page) refuses a new date on a non-working day, naming the next one, until the user confirms it."""
    _check_version(task, expected_version)
    _require(is_lead_staff(actor, task), "只有牵头单位可以申请延期。")
    _require_state(task, (TaskState.assigned, TaskState.accepted, TaskState.in_progress), "该事项当前不能申请延期")
    reason = _text(reason, "延期理由", REASON_MAX, field="reason")
    if new_due_on is None:
        raise ServiceError("请填写申请延期到的日期。", field="new_due_on")
    if new_due_on <= task.due_on:
        raise ServiceError(f"延期后的时限必须晚于当前时限 {task.due_on.isoformat()}。", field="new_due_on")
    if new_due_on < today:
        raise ServiceError("延期后的时限不能早于今天。", field="new_due_on")
    if _pending_extension(task) is not None:
        raise ServiceError("已有一份待审核的延期申请，请等待审核结果。", code="duplicate", status=409)
    _check_workday(new_due_on, "new_due_on", "延期后的时限", accept_non_workday)
    db.session.add(ExtensionRequest(task_id=task.id, requested_due_on=new_due_on, previous_due_on=task.due_on,
                                    reason=reason, requested_by_id=actor.id))
    _touch(task)
    _event(task, actor, EventKind.extension_requested, note=f"申请延期至 {new_due_on.isoformat()}：{reason[:200]}",
           unit_id=actor.unit_id)
    record_change(actor, "task.request_extension", task, None, {"requested_due_on": new_due_on.isoformat(),
                                                                "reason": reason})
    _flush()


def decide_extension(actor, task, approve: bool, note=None, expected_version=None):
    """同意 / 不同意延期: an approval moves the effective due date (which scoring uses)."""
    _check_version(task, expected_version)
    _require(can_decide(actor, task), "只有交办单位或交办领导可以审核延期申请。")
    request = _pending_extension(task)
    if request is None:
        raise ServiceError("没有待审核的延期申请。", code="bad_state", status=409)
    if task.state in CLOSED_STATES:
        raise ServiceError(f"该事项已{task.state.label}，不能再审核延期。", code="bad_state", status=409)
    note = _text(note, "审核意见", REASON_MAX, required=not approve, field="note")
    before = snapshot(task, TASK_FIELDS)
    request.decided_by_id, request.decided_at, request.decision_note = actor.id, utcnow(), note or None
    if approve:
        request.status = RequestStatus.approved
        task.due_on = request.requested_due_on
        kind, text = EventKind.extension_approved, f"时限由 {request.previous_due_on} 延至 {task.due_on}"
    else:
        request.status = RequestStatus.refused
        kind, text = EventKind.extension_refused, f"不同意延期：{note}"
    _touch(task)
    _event(task, actor, kind, note=text)
    _audit(actor, "task.extension_" + ("approve" if approve else "refuse"), task, before, reason=note or None)
    _flush()


URGE_REPEAT_MINUTES = 60  # a second urge within this many minutes asks for confirmation


def urge_task(actor, task, level: int, note, today: date, expected_version=None, confirmed=False):
    """催办 (level 1), 督办 (2) or 通报 (3), by the assigner or a leader whose portfolio has the lead unit.

    The note says what is asked, so an empty one is refused. A task urged less than an hour ago (by anyone) is
    urged again only when `confirmed`: otherwise a 409 `confirm_urge` asks the user to confirm."""
    _check_version(task, expected_version)
    _require(can_urge(actor, task, today), "只有交办单位、交办领导或分管市领导可以催办。")
    if task.state in CLOSED_STATES:
        raise ServiceError(f"该事项已{task.state.label}，无需催办。", code="bad_state", status=409)
    if level not in Urge.LEVELS:
        raise ServiceError("催办级别不正确（1 催办、2 督办、3 通报）。", field="level")
    note = _text(note, "催办说明", REASON_MAX, required=False, field="note")
    if not note:
        raise ServiceError("请填写催办说明，写明要求牵头单位做什么、何时反馈。", field="note")
    now = utcnow()
    if task.last_urged_at is not None and not confirmed:
        minutes = (now - task.last_urged_at).total_seconds() / 60
        if minutes < URGE_REPEAT_MINUTES:
            raise ServiceError(f"该事项 {max(1, int(minutes))} 分钟前已催办过，确定要再次催办吗？",
                               code="confirm_urge", status=409)
    before = snapshot(task, TASK_FIELDS)
    db.session.add(Urge(task_id=task.id, level=level, note=note, by_id=actor.id))
    task.urge_count += 1
    task.last_urged_at = now
    _event(task, actor, EventKind.urged, note=f"{Urge.LEVELS[level]}：{note}")
    _audit(actor, "task.urge", task, before, reason=note)
    _flush()


class UrgeNeedsConfirmation(ServiceError):
    """Some of the tasks urged together were urged within the hour: nothing is kept; `tasks` are those."""

    def __init__(self, tasks):
        super().__init__("以下事项一小时内已催办过，请确认是否仍要催办。", code="confirm_urge", status=409)
        self.tasks = tasks


def urge_tasks(actor, tasks, level: int, note, today: date, confirmed=False):
    """催办 several tasks at once (the dispatch list), all or nothing: a refusal names its task; unless
    `confirmed`, the tasks urged within the hour are gathered into one UrgeNeedsConfirmation. Returns the count."""
    recent = []
    for task in tasks:
        try:
            urge_task(actor, task, level, note, today, confirmed=confirmed)
        except ServiceError as error:
            if error.code == "confirm_urge" and not confirmed:
                recent.append(task)
                continue
            raise ServiceError(f"“{task.title}”：{error.message}", field=error.field, code=error.code,
                               status=error.status) from None
    if recent:
        raise UrgeNeedsConfirmation(recent)
    return len(tasks)


def cancel_task(actor, task, reason, expected_version=None):
    """撤销: the assigner withdraws an unfinished task, with a reason."""
    _check_version(task, expected_version)
    _require(can_decide(actor, task), "只有交办单位或交办领导可以撤销事项。")
    if task.state in CLOSED_STATES:
        raise ServiceError(f"该事项已{task.state.label}，不能撤销。", code="bad_state", status=409)
    reason = _text(reason, "撤销理由", REASON_MAX, field="reason")
    # The bulk updates run before the task changes: run after, they would autoflush the task's versioned UPDATE
    # outside _flush(), and a lost race would escape as StaleDataError rather than Conflict.
    for model in (ExtensionRequest, CompletionRequest):
        db.session.execute(sa.update(model).where(model.task_id == task.id, model.status == RequestStatus.pending)
                           .values(status=RequestStatus.withdrawn))
    before = snapshot(task, TASK_FIELDS)
    from_state = task.state
    task.state = TaskState.cancelled
    _touch(task)
    _event(task, actor, EventKind.cancelled, from_state, note=reason)
    _audit(actor, "task.cancel", task, before, reason=reason)
    _flush()
