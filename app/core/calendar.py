"""The working-day calendar as the app uses it: the library plus the administrator's override table.

`get_calendar()` builds one `WorkdayCalendar` per request (or job) from one small query and caches it on
`g`; every "N working days" question in the app goes through it.
"""

from functools import cache

import sqlalchemy as sa
from flask import g

from app.core.audit import record_change
from app.core.errors import ServiceError
from app.core.models import CalendarOverride, CalendarYear
from app.core.sql import select_rows
from app.core.workdays import NoticeImportError, WorkdayCalendar, decode_notice_upload, parse_notice_csv
from app.extensions import db


@cache
def _calendar_statement():
    # Built once (every page asks): the overrides, and beside them the years whose notice was entered.
    return sa.union_all(
        sa.select(CalendarOverride.day, CalendarOverride.is_workday, sa.null().label("year")),
        sa.select(sa.null(), sa.null(), CalendarYear.year))


# The last calendar built, by what it was built from: the office changes overrides a few times a year, so requests
# read the table (one statement) but reuse the built calendar, whose year tables are then made once per process.
# A WorkdayCalendar does not change once built (it only fills its own table cache, the same for every reader).
_last_built = {}


def load_calendar() -> WorkdayCalendar:
    overrides, years = {}, []
    for day, is_workday, year in select_rows(_calendar_statement()).all():
        if year is None:
            overrides[day] = bool(is_workday)
        else:
            years.append(year)
    key = (frozenset(overrides.items()), frozenset(years))
    calendar = _last_built.get(key)
    if calendar is None:
        calendar = WorkdayCalendar(overrides, years)
        _last_built.clear()
        _last_built[key] = calendar
    return calendar


def get_calendar() -> WorkdayCalendar:
    calendar = g.get("_workday_calendar")
    if calendar is None:
        calendar = g._workday_calendar = load_calendar()
    return calendar


def _invalidate():
    g.pop("_workday_calendar", None)


def set_override(actor, day, is_workday: bool, note=None):
    row = db.session.scalar(sa.select(CalendarOverride).where(CalendarOverride.day == day))
    before = {"is_workday": row.is_workday, "note": row.note} if row else None
    if row is None:
        row = CalendarOverride(day=day, is_workday=is_workday, note=note)
        db.session.add(row)
    else:
        row.is_workday, row.note = is_workday, note
    db.session.flush()
    record_change(actor, "calendar.set", row, before, {"day": day.isoformat(), "is_workday": is_workday,
                                                       "note": note})
    _invalidate()
    return row


def delete_override(actor, row):
    record_change(actor, "calendar.delete", row, {"day": row.day.isoformat(), "is_workday": row.is_workday,
                                                  "note": row.note}, None)
    db.session.delete(row)
    db.session.flush()
    _invalidate()


def import_notice(actor, data: bytes, year: int | None, source: str | None):
    """Import the State Council notice (CSV). All rows or none; marks `year` as entered when given."""
    try:
        rows = parse_notice_csv(decode_notice_upload(data))
    except NoticeImportError as error:
        raise ServiceError("；".join(error.messages), field="file") from None
    if year is not None:
        strays = [r.day.isoformat() for r in rows if r.day.year != year]
        if strays:
            raise ServiceError(f"文件中有不属于 {year} 年的日期：{'、'.join(strays[:5])}。请检查年份。", field="year")
    for row in rows:
        set_override(actor, row.day, row.is_workday, row.note or None)
    if year is not None and db.session.get(CalendarYear, year) is None:
        entry = CalendarYear(year=year, source=source or None)
        db.session.add(entry)
        db.session.flush()
        record_change(actor, "calendar.year", entry, None, {"year": year, "source": source},
                      object_type="calendar_years")
    _invalidate()
    return len(rows)
