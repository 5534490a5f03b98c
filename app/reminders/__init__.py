"""Reminders: the scheduler process, jobs that ask the database what is due, the outbox and its channels.

Two registries let the packages whose data a reminder is about plug in without the reminders importing them
upward: extra scans (what is due) and reminder rules (what a rule is called, and whether a reminder's occasion
still holds when it is delivered)."""

from collections.abc import Callable
from dataclasses import dataclass

_EXTRA_SCANS = []
_RULES = {}


def register_scan(func):
    """Let another package (e.g. meetings) add reminders to the scan: func(today, calendar, settings,
    recipients) -> [Reminder]."""
    if func not in _EXTRA_SCANS:
        _EXTRA_SCANS.append(func)
    return func


def extra_scans():
    return list(_EXTRA_SCANS)


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


def register_rule(code, label, recheck=None):
    """Register (or replace, e.g. when the app is created again) the rule `code`."""
    _RULES[code] = ReminderRule(code, label, recheck)
    return _RULES[code]


def reminder_rules():
    """{code: ReminderRule}, in the order they were registered (the office page's order)."""
    return dict(_RULES)
