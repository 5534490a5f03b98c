"""The Chinese working-day calendar: the only place that counts working days.

Weekends and statutory holidays are days off; 调休 Saturdays and Sundays are working days. A day is decided by,
in order of precedence:

1. an administrator's override (the override table, filled by hand or by importing the State Council notice);
2. the maintained `chinesecalendar` library, for the years its data covers (read from the installed library at
   import time, never hard-coded);
3. for any other year, before the State Council publishes it: Monday to Friday less the statutory holidays every
   year has (``assumed_holidays``: 元旦 1-1; 春节 the eve and lunar 1-1…1-3; 清明 (the solar term); 劳动节 5-1,
   5-2; 端午 lunar 5-5; 中秋 lunar 8-15; 国庆 10-1…10-3 — the 全国年节及纪念日放假办法 as amended in 2024), the
   lunar dates from the `lunar_python` package. No 调休 working weekend is assumed: only the notice says which.
   Dates that depend on this fallback are *provisional*: the screens mark them so, until an administrator enters
   the year (``override_years``: then Monday–Friday plus the entered days, the office's entries win) or the
   library is upgraded.

Pure: no Flask, no database. The service layer loads the override table and builds a `WorkdayCalendar`; a
calendar is immutable once built, and caches one small table per year (a flag per day, prefix sums and the list
of working days), so every question is O(1) or O(number of years spanned), never a day-by-day walk.

Interval conventions, used throughout:
- `workdays_between(a, b)` counts the working days in the half-open interval (a, b].
- `add_workdays(d, n)` steps n working days away from d; d itself is never counted, and n == 0 returns d
  unchanged, even when d is a day off (roll with `next_workday` / `nearest_workday` when that is wanted).
"""

from __future__ import annotations

import csv
import enum
import io
import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from itertools import accumulate
from types import MappingProxyType

import chinese_calendar
from lunar_python import Lunar, Solar

__all__ = [
    "LIBRARY_FIRST_YEAR",
    "LIBRARY_LAST_YEAR",
    "LIBRARY_VERSION",
    "LIBRARY_YEARS",
    "NOTE_MAX_LENGTH",
    "DaySource",
    "NoticeImportError",
    "OverrideRow",
    "WorkdayCalendar",
    "assumed_holidays",
    "decode_notice_upload",
    "library_covers",
    "parse_notice_csv",
]


# --- what the installed library knows ----------------------------------------------------------------------


def _library_days_by_year() -> Mapping[int, Mapping[date, bool]]:
    """The library's explicit entries by year: holidays (False) and 调休 working days (True).

    Read straight from its data dictionaries, so a look-up for a year outside its range is a miss, never the
    NotImplementedError that `chinese_calendar.is_workday` raises. A date in both dictionaries is a working day,
    as in `chinese_calendar.is_workday`.
    """
    by_year: dict[int, dict[date, bool]] = {}
    for day in chinese_calendar.holidays:
        by_year.setdefault(day.year, {})[day] = False
    for day in chinese_calendar.workdays:
        by_year.setdefault(day.year, {})[day] = True
    return MappingProxyType({year: MappingProxyType(days) for year, days in by_year.items()})


_LIBRARY_DAYS = _library_days_by_year()

#: Years the library has data for: every year with at least one statutory holiday (each real year has 元旦).
LIBRARY_YEARS: frozenset[int] = frozenset(day.year for day in chinese_calendar.holidays)
LIBRARY_FIRST_YEAR: int = min(LIBRARY_YEARS)
LIBRARY_LAST_YEAR: int = max(LIBRARY_YEARS)
#: Shown on the calendar administration page next to the covered range.
LIBRARY_VERSION: str = getattr(chinese_calendar, "__version__", "unknown")


def library_covers(year: int) -> bool:
    return year in LIBRARY_YEARS


# --- the statutory holidays assumed for a year nobody has published --------------------------------------------

# 全国年节及纪念日放假办法 (2024): the days off every year has, whatever the State Council's notice adds around them.
_FIXED_HOLIDAYS = ((1, 1, "元旦"), (5, 1, "劳动节"), (5, 2, "劳动节"), (10, 1, "国庆节"), (10, 2, "国庆节"),
                   (10, 3, "国庆节"))
_LUNAR_HOLIDAYS = ((1, 1, "春节"), (1, 2, "春节"), (1, 3, "春节"), (5, 5, "端午节"), (8, 15, "中秋节"))


def _lunar_day(year: int, month: int, day: int) -> date | None:
    """The Gregorian day of lunar `month`/`day` in the lunar year that begins in `year` (None out of range)."""
    try:
        solar = Lunar.fromYmd(year, month, day).getSolar()
        return date(solar.getYear(), solar.getMonth(), solar.getDay())
    except (ValueError, IndexError, KeyError, ZeroDivisionError):
        return None


def _qingming(year: int) -> date | None:
    """清明, the solar term (4 or 5 April; the search allows a day or two more either way)."""
    for day in range(2, 8):
        try:
            if Solar.fromYmd(year, 4, day).getLunar().getJieQi() == "清明":
                return date(year, 4, day)
        except (ValueError, IndexError, KeyError, ZeroDivisionError):
            return None
    return None


@lru_cache(maxsize=64)
def assumed_holidays(year: int) -> Mapping[date, str]:
    """The statutory holidays assumed for `year` before its notice is known: {day: name}, in that year only."""
    found: dict[date, str] = {date(year, month, day): name for month, day, name in _FIXED_HOLIDAYS}
    spring = _lunar_day(year, 1, 1)
    if spring is not None and spring.year == year:
        eve = date.fromordinal(spring.toordinal() - 1)
        if eve.year == year:
            found[eve] = "春节（除夕）"
    for month, day, name in _LUNAR_HOLIDAYS:
        lunar = _lunar_day(year, month, day)
        if lunar is not None and lunar.year == year:
            found[lunar] = name
    qingming = _qingming(year)
    if qingming is not None:
        found[qingming] = "清明节"
    return MappingProxyType(dict(sorted(found.items())))


def _as_date(value: date) -> date:
    # A datetime is a date subclass but never equal to one: `datetime(2026, 10, 1) != date(2026, 10, 1)`,
    # so a datetime key would silently miss every table.
    return value.date() if isinstance(value, datetime) else value


class DaySource(enum.Enum):
    """What decided whether a day is worked; `label` is the Chinese shown on screen."""

    override = "override"
    library = "library"
    assumed = "assumed"
    fallback = "fallback"

    @property
    def label(self) -> str:
        return _DAY_SOURCE_LABELS[self]


_DAY_SOURCE_LABELS = {
    DaySource.override: "管理员设置",
    DaySource.library: "国务院放假安排（内置日历）",
    DaySource.assumed: "按法定节日推定的假日（暂定）",
    DaySource.fallback: "按周一至周五和法定节日推定（暂定）",
}


# --- the calendar ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _YearTable:
    first_ordinal: int  # date(year, 1, 1).toordinal()
    flags: bytes  # flags[i] == 1 when day i of the year (0-based) is a working day
    prefix: tuple[int, ...]  # prefix[i] = working days among the first i days of the year
    workday_ordinals: tuple[int, ...]  # ordinals of the year's working days, ascending

    @property
    def total(self) -> int:
        return len(self.workday_ordinals)


def _build_year_table(year: int, overrides: Mapping[date, bool], assume_holidays: bool = False) -> _YearTable:
    """One year's table: Monday–Friday, then the assumed statutory holidays (a year nobody has published or
    entered), then the library's entries, then the overrides (which win)."""
    first = date(year, 1, 1)
    first_ordinal = first.toordinal()
    length = 366 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 365
    weekday = first.weekday()
    flags = bytearray(1 if (weekday + i) % 7 < 5 else 0 for i in range(length))
    assumed = dict.fromkeys(assumed_holidays(year), False) if assume_holidays else {}
    for layer in (assumed, _LIBRARY_DAYS.get(year, {}), overrides):
        for day, is_workday in layer.items():
            flags[day.toordinal() - first_ordinal] = 1 if is_workday else 0
    return _YearTable(
        first_ordinal=first_ordinal,
        flags=bytes(flags),
        prefix=tuple(accumulate(flags, initial=0)),
        workday_ordinals=tuple(first_ordinal + i for i, flag in enumerate(flags) if flag),
    )


class WorkdayCalendar:
    """Working days for deadlines, reminders, lights and overdue counts.

    `overrides` maps a date to True (working day) or False (day off); they win over the library and over the
    fallback. `override_years` are years an administrator has entered completely: their Monday–Friday default
    plus overrides is authoritative (no holiday is assumed there), so they are not provisional even outside the
    library's range. Other years outside the library are Monday–Friday less `assumed_holidays`, provisional.

    Every method accepts `datetime` as well as `date` (the time is dropped) and returns `date`. Dates outside
    `datetime.date`'s range (years 1–9999) raise ValueError or OverflowError.
    """

    __slots__ = ("_override_years", "_overrides_by_year", "_tables")

    def __init__(self, overrides: Mapping[date, bool] | None = None, override_years: Iterable[int] = ()):
        by_year: dict[int, dict[date, bool]] = {}
        for day, is_workday in (overrides or {}).items():
            day = _as_date(day)
            by_year.setdefault(day.year, {})[day] = bool(is_workday)
        self._overrides_by_year = by_year
        self._override_years = frozenset(int(year) for year in override_years)
        self._tables: dict[int, _YearTable] = {}

    def __repr__(self) -> str:
        count = sum(len(days) for days in self._overrides_by_year.values())
        return f"<WorkdayCalendar overrides={count} override_years={sorted(self._override_years)}>"

    def _table(self, year: int) -> _YearTable:
        table = self._tables.get(year)
        if table is None:
            table = _build_year_table(year, self._overrides_by_year.get(year, {}), self.is_year_provisional(year))
            self._tables[year] = table
        return table

    # -- single days

    def is_workday(self, d: date) -> bool:
        d = _as_date(d)
        table = self._table(d.year)
        return table.flags[d.toordinal() - table.first_ordinal] == 1

    def day_source(self, d: date) -> DaySource:
        """What decided `d`: an override, the library, an assumed statutory holiday, or Monday–Friday."""
        d = _as_date(d)
        if d in self._overrides_by_year.get(d.year, {}):
            return DaySource.override
        if library_covers(d.year) or d in _LIBRARY_DAYS.get(d.year, {}):
            return DaySource.library
        if self.is_year_provisional(d.year) and d in assumed_holidays(d.year):
            return DaySource.assumed
        return DaySource.fallback

    def is_year_provisional(self, year: int) -> bool:
        """True when the year is neither covered by the library nor entered by an administrator."""
        return not library_covers(year) and year not in self._override_years

    def is_provisional(self, d: date) -> bool:
        """True when `d`'s year is decided by the fallback (Monday–Friday less the assumed holidays).

        Judged per year, not per day: a date computed by counting working days depends on every day counted,
        so a single override inside an unentered year does not make the year trustworthy.
        """
        return self.is_year_provisional(_as_date(d).year)

    def range_is_provisional(self, a: date, b: date) -> bool:
        """True when any day between `a` and `b` (inclusive, either order) lies in a provisional year."""
        a, b = _as_date(a), _as_date(b)
        low, high = (a.year, b.year) if a <= b else (b.year, a.year)
        return any(self.is_year_provisional(year) for year in range(low, high + 1))

    # -- counting

    def _count_through(self, d: date, base_year: int) -> int:
        """Working days from 1 January of `base_year` through `d` inclusive (`base_year` <= d.year)."""
        table = self._table(d.year)
        count = table.prefix[d.toordinal() - table.first_ordinal + 1]
        for year in range(base_year, d.year):
            count += self._table(year).total
        return count

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in (a, b]: after `a`, up to and including `b`; negative (−count of (b, a]) if b < a."""
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.workdays_between(b, a)
        return self._count_through(b, a.year) - self._count_through(a, a.year)

    def add_workdays(self, d: date, n: int) -> date:
        """The n-th working day after `d` (n > 0) or before it (n < 0); `d` itself is never counted.

        n == 0 returns `d` unchanged, even on a day off. So `workdays_between(d, add_workdays(d, n)) == n` for
        every n >= 0, and for every n when `d` is a working day.
        """
        d = _as_date(d)
        n = operator.index(n)
        if n == 0:
            return d
        year = d.year
        table = self._table(year)
        offset = d.toordinal() - table.first_ordinal
        if n > 0:
            # The target is the `rank`-th working day (1-based) counted from 1 January of `year`.
            rank = table.prefix[offset + 1] + n
            while rank > table.total:
                rank -= table.total
                year += 1
                table = self._table(year)
            return date.fromordinal(table.workday_ordinals[rank - 1])
        # The target's 0-based index among the working days of `year`.
        index = table.prefix[offset] + n
        while index < 0:
            year -= 1
            table = self._table(year)
            index += table.total
        return date.fromordinal(table.workday_ordinals[index])

    def workdays_before(self, due: date, n: int) -> date:
        """The date n working days before `due`: reminders "3 working days before the due date".

        It is the n-th working day strictly before `due`, so it is a working day and earlier than `due` for
        n > 0, and `workdays_between(result, due) == n` whenever `due` is a working day. n == 0 returns `due`.
        """
        n = operator.index(n)
        if n < 0:
            raise ValueError(f"n must be zero or positive, got {n}")
        return self.add_workdays(due, -n)

    def workdays_overdue(self, due: date, today: date) -> int:
        """Working days after `due` up to and including `today`; 0 when `today <= due`.

        Days off do not count: a task due on Friday is 0 working days overdue on Saturday and 1 on Monday. So
        the result is positive exactly when `today > due` and a working day has passed since `due`, which is
        always the case when `today` is itself a working day.
        """
        due, today = _as_date(due), _as_date(today)
        if today <= due:
            return 0
        return self.workdays_between(due, today)

    # -- moving to a working day

    def next_workday(self, d: date) -> date:
        """The first working day strictly after `d`."""
        return self.add_workdays(d, 1)

    def previous_workday(self, d: date) -> date:
        """The last working day strictly before `d`."""
        return self.add_workdays(d, -1)

    def nearest_workday(self, d: date, *, prefer_later: bool = False) -> date:
        """`d` if it is a working day, otherwise the closest working day in calendar days.

        Meetings that fall on a day off are proposed on this day. A tie (the middle of a holiday, e.g.
        2026-10-04 between 09-30 and 10-08) goes to the earlier day, so that the meeting is held before the
        break rather than after it; pass `prefer_later=True` for the other choice.
        """
        d = _as_date(d)
        if self.is_workday(d):
            return d
        before, after = self.previous_workday(d), self.next_workday(d)
        gap_before, gap_after = (d - before).days, (after - d).days
        if gap_before == gap_after:
            return after if prefer_later else before
        return before if gap_before < gap_after else after


# --- importing the State Council notice --------------------------------------------------------------------

#: Longest 说明 accepted from a notice; the override table's note column should be at least this long.
NOTE_MAX_LENGTH = 200

_COLUMN_DATE, _COLUMN_KIND, _COLUMN_NOTE = "日期", "类型", "说明"
_HEADER_HINT = "日期,类型,说明"
_KINDS = {"休息": False, "放假": False, "上班": True, "调休上班": True}
_KINDS_HINT = "放假、休息、上班 或 调休上班"
_DATE_PATTERN = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})")


@dataclass(frozen=True, slots=True)
class OverrideRow:
    """One day of an imported notice, ready to become a row of the override table."""

    day: date
    is_workday: bool  # True: 上班 / 调休上班; False: 放假 / 休息
    note: str = ""  # the notice's 说明, e.g. "国庆节"
    line: int = 0  # row number in the file (the header is row 1), for messages after the import


class NoticeImportError(ValueError):
    """The notice was refused; `messages` lists every problem found, in Chinese, naming the row and column."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


def decode_notice_upload(data: bytes) -> str:
    """Decode an uploaded notice: UTF-8 (with or without BOM) or, as Excel saves it in China, GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise NoticeImportError(["无法识别文件编码，请将文件另存为“CSV UTF-8（逗号分隔）”后重新上传"])


def _parse_day(value: str) -> date | None:
    match = _DATE_PATTERN.fullmatch(value)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[3]), int(match[4]))
    except ValueError:
        return None


def _read_header(cells: list[str], line: int) -> tuple[dict[str, int], list[str]]:
    """Column positions by name, and the header's problems (columns may come in any order; 说明 is optional)."""
    positions: dict[str, int] = {}
    errors = []
    for index, name in enumerate(cell.strip() for cell in cells):
        if name in positions and name in (_COLUMN_DATE, _COLUMN_KIND, _COLUMN_NOTE):
            errors.append(f"第{line}行：表头中“{name}”列出现了不止一次，表头应为“{_HEADER_HINT}”")
        elif name:
            positions.setdefault(name, index)
    for required in (_COLUMN_DATE, _COLUMN_KIND):
        if required not in positions:
            errors.append(f"第{line}行：表头缺少“{required}”列，第一行应为表头“{_HEADER_HINT}”")
    return positions, errors


def _read_records(text: str) -> list[tuple[int, list[str]]]:
    """The non-blank records with their row numbers, cells stripped (a spreadsheet's row = a CSV record)."""
    records = []
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            cells = [cell.strip() for cell in cells]
            if any(cells):
                records.append((line, cells))
    except csv.Error as exc:
        raise NoticeImportError(
            [f"第{line + 1}行：无法按 CSV 格式读取（{exc}），请用表格软件另存为 CSV 后重新上传"]
        ) from exc
    return records


def parse_notice_csv(text: str) -> list[OverrideRow]:
    """Parse the State Council holiday notice, entered as CSV with the header `日期,类型,说明`.

    类型 is 放假 or 休息 (a day off) or 上班 or 调休上班 (a working day); 日期 is written 2026-10-01 or
    2026/10/1; 说明 is optional; other columns are ignored. Blank rows are skipped. All or nothing: any problem —
    an empty file, a missing column, a bad date or type, the same date twice — raises NoticeImportError listing
    every problem found, with its row number (as a spreadsheet numbers rows: the header is row 1) and column.
    """
    records = _read_records(text.removeprefix("\ufeff"))
    if not records:
        raise NoticeImportError([f"文件为空，请上传第一行为表头“{_HEADER_HINT}”的 CSV 文件"])
    (header_line, header), *records = records
    positions, errors = _read_header(header, header_line)
    if errors:
        raise NoticeImportError(errors)
    rows: list[OverrideRow] = []
    first_line_of: dict[date, int] = {}
    for line, cells in records:
        if any(cells[len(header) :]):
            errors.append(f"第{line}行：列数多于表头，请检查是否多了逗号（表头为“{_HEADER_HINT}”）")
            continue
        cells += [""] * (len(header) - len(cells))
        raw_day, raw_kind = cells[positions[_COLUMN_DATE]], cells[positions[_COLUMN_KIND]]
        note = cells[positions[_COLUMN_NOTE]] if _COLUMN_NOTE in positions else ""
        row_errors = []
        day = _parse_day(raw_day)
        if not raw_day:
            row_errors.append(f"第{line}行“日期”列：缺少日期，请填写 2026-10-01 这样的日期")
        elif day is None:
            row_errors.append(f"第{line}行“日期”列：无法识别的日期“{raw_day}”，请使用 2026-10-01 这样的格式")
        elif day in first_line_of:
            row_errors.append(
                f"第{line}行“日期”列：日期 {day.isoformat()} 与第{first_line_of[day]}行重复，"
                "同一文件中每个日期只能出现一次"
            )
        else:
            first_line_of[day] = line
        if not raw_kind:
            row_errors.append(f"第{line}行“类型”列：缺少类型，请填写 {_KINDS_HINT}")
        elif raw_kind not in _KINDS:
            row_errors.append(f"第{line}行“类型”列：无法识别的类型“{raw_kind}”，请填写 {_KINDS_HINT}")
        if len(note) > NOTE_MAX_LENGTH:
            row_errors.append(f"第{line}行“说明”列：说明过长（{len(note)} 字），请控制在 {NOTE_MAX_LENGTH} 字以内")
        if row_errors:
            errors.extend(row_errors)
        else:
            rows.append(OverrideRow(day=day, is_workday=_KINDS[raw_kind], note=note, line=line))
    if not errors and not rows:
        errors.append(f"文件中只有表头，没有数据行，请在表头“{_HEADER_HINT}”下逐行填写日期")
    if errors:
        raise NoticeImportError(errors)
    return rows
