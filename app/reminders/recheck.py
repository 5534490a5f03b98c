"""Whether a reminder still holds when it is delivered: the delivery's check, and the rechecks of the tasks' rules.

A reminder is enqueued when the scan finds its occasion; it is delivered minutes later, or the next working
morning when it was found outside the sending window. Meanwhile the task may have been approved as 办结, the
quarter finalized, the request decided. The delivery worker asks each rule's `recheck` about the rows of a batch
(see app.reminders.ReminderRule) and closes those whose occasion no longer holds as obsolete, with the reason the
office sees ("已作废：事项已办结"), instead of sending them.

Each recheck loads what it needs in a fixed number of queries for the whole batch. A subject it cannot find (a
malformed id, a row that is gone) is left to be sent: only a reason that is known closes a reminder.
"""

import logging
from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from app.core.calendar import load_calendar
from app.core.clock import get_clock
from app.core.periods import Xun
from app.extensions import db
from app.reminders.jobs import task_stage
from app.reminders.registry import reminder_rules
from app.reminders.rules import load_settings
from app.tasks.models import (
    OPEN_STATES,
    RequestStatus,
    Task,
    TaskParty,
    TaskState,
)

log = logging.getLogger(__name__)


def obsolete_rows(rows, now) -> dict:
    """{outbox id: reason} of the rows (of any rules) whose occasion no longer holds at `now`: one call of each
    rule's recheck with all its rows. A recheck that fails is logged and its rows are sent (as before rechecks
    existed): a bug in one rule must not stop the delivery of every reminder."""
    by_rule = defaultdict(list)
    for row in rows:
        by_rule[row.rule].append(row)
    rules = reminder_rules()
    obsolete = {}
    for code, group in by_rule.items():
        rule = rules.get(code)
        if rule is None or rule.recheck is None:
            continue
        try:
            obsolete.update(rule.recheck(group, now))
        except Exception:
            log.exception("the recheck of rule %s failed; its %d reminders are sent unchecked", code, len(group))
            db.session.rollback()
    return obsolete


def local_today(now) -> date:
    return now.astimezone(get_clock().tz).date()


def int_ids(rows):
    """{row: int subject id} for the rows whose subject id is a number."""
    return {row: int(row.subject_id) for row in rows if str(row.subject_id).isdigit()}


# --- tasks ------------------------------------------------------------------------------------------------------

CLOSED_REASONS = {TaskState.completed: "事项已办结", TaskState.cancelled: "事项已撤销"}


def _tasks(rows):
    ids = int_ids(rows)
    found = {}
    if ids:
        found = {row.id: row for row in db.session.execute(
            sa.select(Task.id, Task.state, Task.due_on, Task.original_due_on)
            .where(Task.id.in_(sorted(set(ids.values())))))}
    return ids, found


def _closed(ids, found, row):
    """The reason a task reminder no longer holds whatever its occasion (None: the task is open, or unreadable)."""
    task = found.get(ids.get(row))
    if task is None:
        return None
    return CLOSED_REASONS.get(task.state) if task.state not in OPEN_STATES else None


def stage_words(stage):
    if stage is None:
        return "已逾期"
    if stage == "due":
        return "到期当天"
    return f"到期前 {stage.split('-')[1]} 个工作日"


def recheck_task_due(rows, now):
    """A deadline reminder holds while the task is open, its deadline is the one reminded of (an extension makes
    new occasions), and the stage is still the current one ("今天到期" found in the evening of the due day and
    delivered the next morning would be false)."""
    ids, found = _tasks(rows)
    today, cal, settings = local_today(now), load_calendar(), load_settings()
    obsolete = {}
    for row in rows:
        reason = _closed(ids, found, row)
        task = found.get(ids.get(row))
        if reason is None and task is not None:
            stage, _, deadline = row.occasion.partition("@")
            try:
                deadline = date.fromisoformat(deadline) if deadline else task.original_due_on
            except ValueError:
                continue
            if task.due_on != deadline:
                reason = f"完成时限已调整为 {task.due_on.isoformat()}"
            else:
                current = task_stage(task.due_on, today, cal, settings) if task.due_on >= today else None
                if current != stage:
                    reason = (f"提醒时点已过（现为：{stage_words(current)}）" if current or task.due_on < today
                              else "提醒规则已修改，此时点不再提醒")
        if reason:
            obsolete[row.id] = reason
    return obsolete


def recheck_task_overdue(rows, now):
    """An overdue or escalation reminder holds while the task is open and overdue, for the latest working day (a
    reminder found the evening before names yesterday's count of days; today's scan sends today's)."""
    ids, found = _tasks(rows)
    today, cal = local_today(now), load_calendar()
    last_workday = (today if cal.is_workday(today) else cal.previous_workday(today)).isoformat()
    obsolete = {}
    for row in rows:
        reason = _closed(ids, found, row)
        task = found.get(ids.get(row))
        if reason is None and task is not None:
            if task.due_on >= today:
                reason = f"完成时限已调整为 {task.due_on.isoformat()}，不再逾期"
            elif row.occasion != last_workday:
                reason = "提醒时点已过（已有更新的逾期提醒）"
        if reason:
            obsolete[row.id] = reason
    return obsolete


def recheck_follow_up_stale(rows, now):
    """"请在下一旬调度前反馈进展" holds until that 旬 begins, while the unit still has an open task it leads with no
    follow-up since the current 旬 began (one query per 旬 in the batch, in practice one)."""
    today = local_today(now)
    obsolete = {}
    by_xun = defaultdict(list)
    for row in rows:
        xun = Xun.parse(row.occasion)
        if xun is not None:
            by_xun[xun].append(row)
    for xun, group in by_xun.items():
        if today >= xun.start:
            obsolete.update({row.id: f"{xun.label}调度已开始，提醒时点已过" for row in group})
            continue
        since = xun.previous().start
        ids = int_ids(group)
        stale = set(db.session.scalars(
            sa.select(TaskParty.unit_id).distinct().join(Task, Task.id == TaskParty.task_id)
            .where(TaskParty.unit_id.in_(sorted(set(ids.values())) or [0]), TaskParty.is_lead.is_(True),
                   Task.state.in_(OPEN_STATES), Task.assigned_on < since,
                   sa.or_(TaskParty.last_reported_on.is_(None), TaskParty.last_reported_on < since))))
        obsolete.update({row.id: "本单位牵头事项均已反馈进展" for row in group
                         if row in ids and ids[row] not in stale})
    return obsolete


def recheck_request(model):
    def recheck(rows, now):
        """A request reminder holds while the request waits for a decision."""
        ids = int_ids(rows)
        status = dict(db.session.execute(sa.select(model.id, model.status)
                                         .where(model.id.in_(sorted(set(ids.values())) or [0]))).all())
        obsolete = {}
        for row in rows:
            if row not in ids:
                continue
            found = status.get(ids[row])
            if found is not None and found is not RequestStatus.pending:
                obsolete[row.id] = "申请已处理"
        return obsolete

    return recheck
