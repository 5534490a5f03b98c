"""What is due, and whether it still holds when it is delivered: the reminder scans and rules of the app.

Every package whose data a reminder is about registers its scans and rules when the app is created (its
`register(app)`, called by create_app), the way jobs are registered with the scheduler (app.core.jobs): the
reminders package imports none of the packages above it. This package's own (tasks) are registered by
app.reminders.register, scoring's by app.scoring.register, the cadence's by app.meetings.register.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app


@dataclass(frozen=True)
class ReminderRule:
    """A reminder rule: its code (the outbox's `rule`), its name for the office, and optionally `recheck`.

    `recheck(rows, now) -> {outbox id: reason}` is called once per delivery batch with all the batch's rows of
    this rule (each has .id, .subject_type, .subject_id, .occasion, .user_id, .unit_id) and returns, for the rows
    whose occasion no longer holds at `now` (the task was completed, the quarter finalized ...), a short Chinese
    reason; those rows are closed as obsolete instead of being sent. It must load what it needs in a fixed number
    of queries, whatever the number of rows. A rule without one cannot tell: its reminders are always sent."""

    code: str
    label: str
    recheck: Callable | None = None


@dataclass
class Registry:
    scans: list = field(default_factory=list)
    rules: dict = field(default_factory=dict)


def _registry(app) -> Registry:
    return app.extensions.setdefault("reminders", Registry())


def register_scan(app, func):
    """Add a scan: `func(today, calendar, settings, recipients) -> [Reminder]` (app.reminders.jobs.Reminder),
    called by every scan of the scheduler and by the office's preview."""
    scans = _registry(app).scans
    if func not in scans:
        scans.append(func)
    return func


def register_rule(app, code, label, recheck=None):
    """Register (or replace) the rule `code`: its Chinese name and its recheck (see ReminderRule)."""
    rule = _registry(app).rules[code] = ReminderRule(code, label, recheck)
    return rule


def reminder_scans(app=None) -> list:
    """The registered scans, in the order they were registered."""
    return list(_registry(app or current_app).scans)


def reminder_rules(app=None) -> dict:
    """{code: ReminderRule}, in the order they were registered (the office page's order)."""
    return dict(_registry(app or current_app).rules)
