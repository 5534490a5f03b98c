"""Reminders: the scheduler process, jobs that ask the database what is due, the outbox and its channels."""

_EXTRA_SCANS = []


def register_scan(func):
    """Let another package (e.g. meetings) add reminders to the scan: func(today, calendar, settings,
    recipients) -> [Reminder]."""
    if func not in _EXTRA_SCANS:
        _EXTRA_SCANS.append(func)
    return func


def extra_scans():
    return list(_EXTRA_SCANS)
