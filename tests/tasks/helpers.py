"""Bulk data for the tasks tests' query-count checks, inserted directly (no service, no audit) for speed."""

from app.extensions import db
from app.tasks.models import FollowUp, Task, TaskParty, TaskSource, TaskState


def add_reported_task(title, lead, co_units, assigned_on, due_on, reports, **fields):
    """An open task led by `lead` with `co_units`; `reports` is a list of (party index, day, text, percent), each
    a follow-up recorded as that party's latest."""
    task = Task(title=title, source=TaskSource.free, lead_unit_id=lead.id, assigned_on=assigned_on,
                original_due_on=due_on, due_on=due_on, state=TaskState.in_progress, **fields)
    task.parties = [TaskParty(unit_id=lead.id, is_lead=True)] + [TaskParty(unit_id=u.id) for u in co_units]
    db.session.add(task)
    db.session.flush()
    for index, day, text, percent in reports:
        party = task.parties[index]
        follow_up = FollowUp(task_id=task.id, unit_id=party.unit_id, text=text, percent=percent, reported_on=day)
        db.session.add(follow_up)
        db.session.flush()
        party.last_follow_up_id, party.last_reported_on = follow_up.id, day
    db.session.flush()
    return task
