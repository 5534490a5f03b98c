"""The injectable clock.

Every piece of logic that asks "what day is it" takes a clock or a date. Views and jobs get the clock from
the app (`get_clock()`), so tests and the demo can freeze or move time without patching.
"""

from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


class SystemClock:
    """Wall-clock time; `today()` is the calendar day in the configured local time zone."""

    def __init__(self, tz="Asia/Shanghai"):
        self.tz = ZoneInfo(tz)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def local_now(self) -> datetime:
        return self.now().astimezone(self.tz)

    def today(self) -> date:
        return self.local_now().date()


class FrozenClock(SystemClock):
    """A clock that stands still until moved; used by tests, the demo and `--now` options."""

    def __init__(self, at: datetime, tz="Asia/Shanghai"):
        super().__init__(tz)
        self.set(at)

    def set(self, at: datetime):
        if at.tzinfo is None:
            at = at.replace(tzinfo=self.tz)
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at


def get_clock() -> SystemClock:
    return current_app.extensions["clock"]


@contextmanager
def frozen_clock(at: datetime | None = None):
    """Install a frozen clock (at `at`, or at the app clock's now) for the duration, then put the original back."""
    app = current_app._get_current_object()
    original = app.extensions["clock"]
    frozen = FrozenClock(at or original.now(), tz=app.config["TIMEZONE"])
    app.extensions["clock"] = frozen
    try:
        yield frozen
    finally:
        app.extensions["clock"] = original


def utcnow() -> datetime:
    """Now from the app's clock, timezone-aware UTC; the callable default for `*_at` columns."""
    return get_clock().now()


def today() -> date:
    return get_clock().today()
