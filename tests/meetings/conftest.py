"""Fixtures of the cadence tests (the record tests build their data with tests/meetings/records_helpers.py)."""

from datetime import datetime

import pytest

from app.core.calendar import load_calendar
from app.meetings.cadence import generate_expected


@pytest.fixture
def cadence_on(clock):
    """Freeze the clock on a day and run the cadence job as the scheduler would: cadence_on(date) -> counts."""

    def run(day, **kwargs):
        clock.set(datetime(day.year, day.month, day.day, 9, 0))
        return generate_expected(day, load_calendar(), **kwargs)

    return run
