"""The working-day calendar: library data, the Monday–Friday fallback, overrides, counting, and notice import."""

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import workdays
from app.core.workdays import (
    LIBRARY_FIRST_YEAR,
    LIBRARY_LAST_YEAR,
    LIBRARY_YEARS,
    DaySource,
    NoticeImportError,
    OverrideRow,
    WorkdayCalendar,
    decode_notice_upload,
    library_covers,
    parse_notice_csv,
)

pytestmark = pytest.mark.pure  # the calendar is plain Python: no app and no database are built for these tests

CAL = WorkdayCalendar()
# A year nobody has entered: derived from the installed library so the tests survive its upgrades.
FALLBACK_YEAR = max(LIBRARY_LAST_YEAR + 5, 2031)
FIRST_UNCOVERED_YEAR = LIBRARY_LAST_YEAR + 1


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(first: str, last: str) -> list[date]:
    start, end = d(first), d(last)
    return [start + timedelta(i) for i in range((end - start).days + 1)]


def naive_between(cal: WorkdayCalendar, a: date, b: date) -> int:
    """Reference count of working days in (a, b], day by day."""
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    return sign * sum(cal.is_workday(a + timedelta(i)) for i in range(1, (b - a).days + 1))


# --- the library's range -----------------------------------------------------------------------------------


def test_library_range_is_read_from_the_installed_library():
    years = {day.year for day in chinese_calendar.holidays}
    assert min(years) == LIBRARY_FIRST_YEAR
    assert max(years) == LIBRARY_LAST_YEAR
    assert frozenset(years) == LIBRARY_YEARS
    assert LIBRARY_LAST_YEAR >= 2026
    assert library_covers(2026)
    assert not library_covers(FIRST_UNCOVERED_YEAR)
    assert chinese_calendar.__version__ == workdays.LIBRARY_VERSION


def test_lookups_outside_the_library_range_never_raise():
    for day in (date(LIBRARY_FIRST_YEAR - 1, 6, 1), date(FIRST_UNCOVERED_YEAR, 1, 1), date(2100, 10, 1)):
        CAL.is_workday(day)
        CAL.workdays_between(day - timedelta(400), day + timedelta(400))
        CAL.nearest_workday(day)
    with pytest.raises(NotImplementedError):  # what we avoid: the library itself refuses these years
        chinese_calendar.is_workday(date(FIRST_UNCOVERED_YEAR, 1, 1))


@given(st.dates(min_value=date(LIBRARY_FIRST_YEAR, 1, 1), max_value=date(LIBRARY_LAST_YEAR, 12, 31)))
def test_without_overrides_agrees_with_the_library_in_its_range(day):
    assert CAL.is_workday(day) == chinese_calendar.is_workday(day)
    assert not CAL.is_provisional(day)
    assert CAL.day_source(day) is DaySource.library


# --- 2026: National Day and Spring Festival ----------------------------------------------------------------


def test_national_day_2026_is_off_from_1_to_7_october_with_20_september_and_10_october_worked():
    assert not any(CAL.is_workday(day) for day in days("2026-10-01", "2026-10-07"))
    assert CAL.is_workday(d("2026-09-20"))  # a Sunday, 调休上班
    assert CAL.is_workday(d("2026-10-10"))  # a Saturday, 调休上班
    assert CAL.is_workday(d("2026-10-08")) and CAL.is_workday(d("2026-10-09"))
    assert not any(CAL.is_workday(day) for day in days("2026-09-25", "2026-09-27"))  # 中秋节
    assert not CAL.is_workday(d("2026-10-11"))  # an ordinary Sunday


def test_three_working_days_before_9_october_2026_skip_the_national_day_holiday():
    # 10-09 ← 10-08 (1), 09-30 (2), 09-29 (3)
    assert CAL.workdays_before(d("2026-10-09"), 3) == d("2026-09-29")
    assert CAL.workdays_before(d("2026-10-09"), 1) == d("2026-10-08")
    assert CAL.workdays_before(d("2026-10-08"), 1) == d("2026-09-30")
    assert CAL.workdays_before(d("2026-10-12"), 2) == d("2026-10-09")  # Saturday 10-10 is worked
    assert CAL.workdays_before(d("2026-10-09"), 0) == d("2026-10-09")
    # a due date inside the holiday: the working days strictly before it
    assert CAL.workdays_before(d("2026-10-05"), 1) == d("2026-09-30")


def test_working_days_after_30_september_2026_resume_on_8_october():
    assert CAL.add_workdays(d("2026-09-30"), 1) == d("2026-10-08")
    assert CAL.add_workdays(d("2026-09-30"), 3) == d("2026-10-10")
    assert CAL.add_workdays(d("2026-10-08"), -1) == d("2026-09-30")
    assert CAL.next_workday(d("2026-10-01")) == d("2026-10-08")
    assert CAL.previous_workday(d("2026-10-08")) == d("2026-09-30")
    assert CAL.workdays_between(d("2026-09-30"), d("2026-10-08")) == 1
    assert CAL.workdays_between(d("2026-10-08"), d("2026-09-30")) == -1
    assert CAL.workdays_between(d("2026-09-30"), d("2026-10-11")) == 3


def test_overdue_during_the_national_day_holiday_counts_no_working_days():
    due = d("2026-09-30")
    assert CAL.workdays_overdue(due, d("2026-09-30")) == 0
    assert CAL.workdays_overdue(due, d("2026-10-07")) == 0
    assert CAL.workdays_overdue(due, d("2026-10-08")) == 1
    assert CAL.workdays_overdue(due, d("2026-10-10")) == 3
    assert CAL.workdays_overdue(due, d("2026-10-11")) == 3
    assert CAL.workdays_overdue(due, d("2026-09-01")) == 0


def test_spring_festival_2026_is_off_from_15_to_23_february_with_two_saturdays_worked():
    assert not any(CAL.is_workday(day) for day in days("2026-02-15", "2026-02-23"))
    assert CAL.is_workday(d("2026-02-14")) and CAL.is_workday(d("2026-02-28"))  # Saturdays, 调休上班
    assert CAL.next_workday(d("2026-02-13")) == d("2026-02-14")
    assert CAL.next_workday(d("2026-02-14")) == d("2026-02-24")
    assert CAL.workdays_before(d("2026-02-25"), 2) == d("2026-02-14")
    # 20 weekdays, minus 6 holiday weekdays, plus 2 调休 Saturdays
    assert CAL.workdays_between(d("2026-01-31"), d("2026-02-28")) == 16
    assert CAL.workdays_overdue(d("2026-02-13"), d("2026-02-24")) == 2


def test_new_year_2026_sunday_4_january_is_worked():
    assert not any(CAL.is_workday(day) for day in days("2026-01-01", "2026-01-03"))
    assert CAL.is_workday(d("2026-01-04"))
    assert CAL.previous_workday(d("2026-01-04")) == d("2025-12-31")


def test_nearest_working_day_prefers_the_earlier_on_a_tie_and_stays_on_a_working_day():
    assert CAL.nearest_workday(d("2026-10-09")) == d("2026-10-09")
    assert CAL.nearest_workday(d("2026-10-03")) == d("2026-09-30")
    assert CAL.nearest_workday(d("2026-10-06")) == d("2026-10-08")
    assert CAL.nearest_workday(d("2026-10-04")) == d("2026-09-30")  # 4 days either way
    assert CAL.nearest_workday(d("2026-10-04"), prefer_later=True) == d("2026-10-08")
    assert CAL.nearest_workday(d("2026-02-19")) == d("2026-02-14")  # 5 days either way
    assert CAL.nearest_workday(d("2026-03-07")) == d("2026-03-06")  # Saturday → Friday
    assert CAL.nearest_workday(d("2026-03-08")) == d("2026-03-09")  # Sunday → Monday


def test_datetimes_are_taken_as_their_date():
    assert CAL.is_workday(datetime(2026, 10, 10, 23, 59))
    assert CAL.add_workdays(datetime(2026, 9, 30, 8), 1) == d("2026-10-08")
    assert WorkdayCalendar({datetime(2026, 10, 8, 9): False}).is_workday(d("2026-10-08")) is False


# --- the Monday–Friday fallback and provisional dates ------------------------------------------------------


def test_fallback_year_is_monday_to_friday_less_the_statutory_holidays_and_provisional():
    year_days = days(f"{FALLBACK_YEAR}-01-01", f"{FALLBACK_YEAR}-12-31")
    assumed = workdays.assumed_holidays(FALLBACK_YEAR)
    assert len(assumed) >= 12
    assert [CAL.is_workday(day) for day in year_days] == [day.weekday() < 5 and day not in assumed
                                                          for day in year_days]
    assert all(CAL.is_provisional(day) for day in year_days)
    assert CAL.day_source(date(FALLBACK_YEAR, 1, 1)) is DaySource.assumed
    assert CAL.day_source(date(FALLBACK_YEAR, 3, 10)) is DaySource.fallback
    assert DaySource.fallback.label == "按周一至周五和法定节日推定（暂定）"


def test_2031_falls_back_to_monday_to_friday_and_new_year_while_the_library_stops_before_it():
    if library_covers(2031):
        pytest.skip("the installed library covers 2031")
    assert not CAL.is_workday(d("2031-01-01"))  # a Wednesday: 元旦 is assumed until an administrator enters 2031
    assert CAL.is_workday(d("2031-01-02"))
    assert not CAL.is_workday(d("2031-01-04"))  # Saturday
    assert CAL.add_workdays(d("2031-01-03"), 1) == d("2031-01-06")
    assert CAL.is_provisional(d("2031-06-01"))


def test_range_is_provisional_when_any_year_it_spans_is_not_entered():
    assert not CAL.range_is_provisional(d("2026-01-01"), d("2026-12-31"))
    last_covered = date(LIBRARY_LAST_YEAR, 12, 1)
    uncovered = date(FIRST_UNCOVERED_YEAR, 1, 15)
    assert CAL.range_is_provisional(last_covered, uncovered)
    assert CAL.range_is_provisional(uncovered, last_covered)  # either order
    assert not CAL.is_provisional(last_covered)
    assert CAL.is_provisional(uncovered)
    assert CAL.range_is_provisional(date(LIBRARY_FIRST_YEAR - 1, 12, 1), date(LIBRARY_FIRST_YEAR, 1, 5))


def test_override_years_make_a_year_not_provisional():
    cal = WorkdayCalendar({}, override_years=[FALLBACK_YEAR])
    assert not cal.is_provisional(date(FALLBACK_YEAR, 3, 1))
    assert not cal.range_is_provisional(date(FALLBACK_YEAR, 1, 1), date(FALLBACK_YEAR, 12, 31))
    assert cal.is_provisional(date(FALLBACK_YEAR + 1, 1, 1))
    # entered with no overrides means Monday–Friday, now authoritative
    assert cal.is_workday(date(FALLBACK_YEAR, 1, 1)) == (date(FALLBACK_YEAR, 1, 1).weekday() < 5)


def test_a_single_override_does_not_make_its_year_non_provisional():
    day = date(FALLBACK_YEAR, 10, 1)
    cal = WorkdayCalendar({day: False})
    assert cal.day_source(day) is DaySource.override
    assert cal.is_provisional(day)


# --- overrides win -----------------------------------------------------------------------------------------


def test_override_wins_over_the_library():
    cal = WorkdayCalendar({d("2026-10-08"): False, d("2026-10-03"): True, d("2026-10-10"): False})
    assert not cal.is_workday(d("2026-10-08"))
    assert cal.is_workday(d("2026-10-03"))
    assert not cal.is_workday(d("2026-10-10"))
    assert cal.day_source(d("2026-10-08")) is DaySource.override
    assert cal.day_source(d("2026-10-09")) is DaySource.library
    # 10-09 ← 10-03 (1), 09-30 (2), 09-29 (3)
    assert cal.workdays_before(d("2026-10-09"), 3) == d("2026-09-29")
    assert cal.workdays_before(d("2026-10-09"), 1) == d("2026-10-03")
    assert cal.workdays_overdue(d("2026-09-30"), d("2026-10-12")) == 3  # 10-03, 10-09, 10-12
    assert CAL.is_workday(d("2026-10-08"))  # other calendars are untouched


def test_override_wins_over_the_fallback():
    new_year = date(FALLBACK_YEAR, 1, 1)
    saturday = new_year + timedelta((5 - new_year.weekday()) % 7)
    cal = WorkdayCalendar({new_year: False, saturday: True}, override_years=[FALLBACK_YEAR])
    assert not cal.is_workday(new_year)
    assert cal.is_workday(saturday)
    assert cal.is_workday(new_year + timedelta(1)) == ((new_year + timedelta(1)).weekday() < 5)


def test_imported_notice_feeds_the_calendar():
    rows = parse_notice_csv(f"日期,类型,说明\n{FALLBACK_YEAR}-01-01,放假,元旦\n{FALLBACK_YEAR}-01-02,休息,元旦\n")
    cal = WorkdayCalendar({row.day: row.is_workday for row in rows}, {row.day.year for row in rows})
    assert not cal.is_workday(date(FALLBACK_YEAR, 1, 1))
    assert not cal.is_workday(date(FALLBACK_YEAR, 1, 2))
    assert not cal.is_provisional(date(FALLBACK_YEAR, 1, 1))


# --- efficiency --------------------------------------------------------------------------------------------


def test_each_year_table_is_built_once_per_calendar(monkeypatch):
    built = []
    real = workdays._build_year_table

    def counting(year, *args):
        built.append(year)
        return real(year, *args)

    monkeypatch.setattr(workdays, "_build_year_table", counting)
    cal = WorkdayCalendar()
    for offset in range(2000):
        due = d("2026-01-01") + timedelta(offset % 365)
        cal.workdays_overdue(due, due + timedelta(30))
        cal.workdays_before(due, 3)
        cal.is_workday(due)
    assert sorted(built) == [2025, 2026, 2027]


def test_long_spans_are_counted_per_year_not_per_day():
    start, end = date(1901, 12, 31), date(2200, 12, 31)
    total = CAL.workdays_between(start, end)
    assert total == sum(CAL.workdays_between(date(y - 1, 12, 31), date(y, 12, 31)) for y in range(1902, 2201))
    assert CAL.workdays_between(end, start) == -total
    assert CAL.add_workdays(start, total) == date(2200, 12, 31)  # a Wednesday in a fallback year


# --- properties --------------------------------------------------------------------------------------------

DATES = st.dates(min_value=date(LIBRARY_FIRST_YEAR - 2, 1, 1), max_value=date(FALLBACK_YEAR + 2, 12, 31))
STEPS = st.integers(min_value=-600, max_value=600)
OVERRIDES = st.dictionaries(
    st.dates(min_value=date(LIBRARY_LAST_YEAR - 1, 1, 1), max_value=date(FIRST_UNCOVERED_YEAR + 1, 12, 31)),
    st.booleans(),
    max_size=60,
)


@given(DATES, STEPS)
def test_add_workdays_then_workdays_between_gives_n_from_a_working_day(day, n):
    start = CAL.nearest_workday(day)
    end = CAL.add_workdays(start, n)
    assert CAL.workdays_between(start, end) == n
    assert CAL.add_workdays(end, -n) == start


@given(DATES, st.integers(min_value=0, max_value=600))
def test_add_workdays_forward_gives_n_from_any_day(day, n):
    assert CAL.workdays_between(day, CAL.add_workdays(day, n)) == n


@given(DATES, STEPS.filter(bool))
def test_add_workdays_lands_on_a_working_day_on_the_right_side(day, n):
    result = CAL.add_workdays(day, n)
    assert CAL.is_workday(result)
    assert (result > day) if n > 0 else (result < day)


@given(DATES)
def test_add_zero_workdays_returns_the_day_itself_even_on_a_day_off(day):
    assert CAL.add_workdays(day, 0) == day


@given(DATES, st.integers(min_value=1, max_value=400))
def test_workdays_before_is_a_working_day_strictly_before_due(due, n):
    result = CAL.workdays_before(due, n)
    assert CAL.is_workday(result)
    assert result < due
    # exactly n - 1 working days lie strictly between, so it is the n-th one back
    assert naive_between(CAL, result, due - timedelta(1)) == n - 1
    if CAL.is_workday(due):
        assert CAL.workdays_between(result, due) == n


def test_workdays_before_refuses_a_negative_count():
    with pytest.raises(ValueError):
        CAL.workdays_before(d("2026-10-09"), -1)


@given(DATES, st.integers(min_value=-60, max_value=60))
def test_overdue_is_zero_until_the_due_date_and_counts_working_days_after_it(due, offset):
    today = due + timedelta(offset)
    overdue = CAL.workdays_overdue(due, today)
    if today <= due:
        assert overdue == 0
    else:
        assert overdue == naive_between(CAL, due, today)
    if CAL.is_workday(today):
        assert (overdue == 0) == (today <= due)


@given(DATES, st.integers(min_value=-800, max_value=800), st.integers(min_value=-800, max_value=800))
def test_workdays_between_is_additive_and_antisymmetric(a, x, y):
    b, c = a + timedelta(x), a + timedelta(y)
    assert CAL.workdays_between(a, b) + CAL.workdays_between(b, c) == CAL.workdays_between(a, c)
    assert CAL.workdays_between(a, b) == -CAL.workdays_between(b, a)
    assert CAL.workdays_between(a, a) == 0


# What the library (or Monday–Friday past its range, before the assumed holidays) says about each day around
# its last covered year.
SPAN = days(f"{LIBRARY_LAST_YEAR - 1}-12-01", f"{FIRST_UNCOVERED_YEAR + 1}-01-31")
UNOVERRIDDEN = {
    day: chinese_calendar.is_workday(day) if library_covers(day.year) else day.weekday() < 5 for day in SPAN
}


def unoverridden(day, entered):
    """Monday–Friday in an entered year; less the assumed statutory holidays in a year nobody entered."""
    if library_covers(day.year) or day.year in entered:
        return UNOVERRIDDEN[day]
    return UNOVERRIDDEN[day] and day not in workdays.assumed_holidays(day.year)


@given(OVERRIDES, st.lists(st.sampled_from([LIBRARY_LAST_YEAR, FIRST_UNCOVERED_YEAR]), max_size=2))
@settings(deadline=None)  # the first example computes a year's lunar holidays (cached after): no per-example deadline
def test_overrides_win_everywhere_and_counts_match_a_day_by_day_walk(overrides, entered):
    cal = WorkdayCalendar(overrides, entered)
    start, span = SPAN[0], SPAN
    for day in span:
        expected = overrides.get(day, unoverridden(day, entered))
        assert cal.is_workday(day) == expected
        assert cal.is_provisional(day) == (not library_covers(day.year) and day.year not in entered)
    end = span[-1]
    assert cal.workdays_between(start, end) == sum(cal.is_workday(day) for day in span[1:])


@given(DATES, st.booleans())
def test_next_previous_and_nearest_find_the_closest_working_days(day, prefer_later):
    after, before = CAL.next_workday(day), CAL.previous_workday(day)
    assert after > day > before
    assert CAL.is_workday(after) and CAL.is_workday(before)
    assert naive_between(CAL, day, after - timedelta(1)) == 0
    assert naive_between(CAL, before, day - timedelta(1)) == 0
    nearest = CAL.nearest_workday(day, prefer_later=prefer_later)
    assert CAL.is_workday(nearest)
    if CAL.is_workday(day):
        assert nearest == day
    else:
        assert abs((nearest - day).days) == min((after - day).days, (day - before).days)
        if (after - day).days == (day - before).days:
            assert nearest == (after if prefer_later else before)


@given(DATES, DATES)
def test_range_is_provisional_matches_its_days(a, b):
    low, high = min(a, b), max(a, b)
    expected = any(CAL.is_year_provisional(year) for year in range(low.year, high.year + 1))
    assert CAL.range_is_provisional(a, b) == expected
    if CAL.is_provisional(a) or CAL.is_provisional(b):
        assert CAL.range_is_provisional(a, b)


# --- importing the State Council notice --------------------------------------------------------------------

GOOD_NOTICE = (
    "\ufeff日期,类型,说明\r\n"
    "2026-10-01,放假,国庆节\r\n"
    "2026/10/2,休息,国庆节\r\n"
    "2026-9-20,调休上班,国庆节调休\r\n"
    "2026/10/10,上班,\r\n"
    " 2026-10-03 , 放假 , 国庆节 \r\n"
    ",,\r\n"
    "\r\n"
)


def test_notice_parses_every_type_and_both_date_forms_with_a_bom():
    rows = parse_notice_csv(GOOD_NOTICE)
    assert rows == [
        OverrideRow(d("2026-10-01"), False, "国庆节", 2),
        OverrideRow(d("2026-10-02"), False, "国庆节", 3),
        OverrideRow(d("2026-09-20"), True, "国庆节调休", 4),
        OverrideRow(d("2026-10-10"), True, "", 5),
        OverrideRow(d("2026-10-03"), False, "国庆节", 6),
    ]


def test_notice_columns_may_come_in_any_order_and_the_note_is_optional():
    assert parse_notice_csv("类型,日期\n放假,2027-01-01\n") == [OverrideRow(d("2027-01-01"), False, "", 2)]
    assert parse_notice_csv("说明,日期,类型,星期\n元旦,2027-01-01,放假,五\n") == [
        OverrideRow(d("2027-01-01"), False, "元旦", 2)
    ]


def test_notice_quoted_notes_may_hold_commas():
    rows = parse_notice_csv('日期,类型,说明\n2027-02-06,上班,"春节调休，周六上班"\n')
    assert rows[0].note == "春节调休，周六上班"


def messages_of(text: str) -> list[str]:
    with pytest.raises(NoticeImportError) as excinfo:
        parse_notice_csv(text)
    assert str(excinfo.value) == "\n".join(excinfo.value.messages)
    return excinfo.value.messages


@pytest.mark.parametrize("text", ["", "\ufeff", "  \n\r\n", ",,\n"])
def test_notice_empty_file_is_refused(text):
    assert messages_of(text) == ["文件为空，请上传第一行为表头“日期,类型,说明”的 CSV 文件"]


def test_notice_with_only_a_header_is_refused():
    assert messages_of("日期,类型,说明\n\n") == ["文件中只有表头，没有数据行，请在表头“日期,类型,说明”下逐行填写日期"]


def test_notice_without_a_header_is_refused():
    assert messages_of("2026-10-01,放假,国庆节\n") == [
        "第1行：表头缺少“日期”列，第一行应为表头“日期,类型,说明”",
        "第1行：表头缺少“类型”列，第一行应为表头“日期,类型,说明”",
    ]


def test_notice_header_with_a_repeated_column_is_refused():
    assert messages_of("日期,类型,日期\n2026-10-01,放假,2026-10-02\n") == [
        "第1行：表头中“日期”列出现了不止一次，表头应为“日期,类型,说明”"
    ]


def test_notice_impossible_date_names_its_row_and_column():
    assert messages_of("日期,类型,说明\n2026-10-01,放假,\n2026-13-01,放假,\n") == [
        "第3行“日期”列：无法识别的日期“2026-13-01”，请使用 2026-10-01 这样的格式"
    ]


@pytest.mark.parametrize("value", ["2026-02-30", "2026.10.01", "10/01/2026", "2026-10/01", "20261001", "明天"])
def test_notice_unrecognised_dates_are_refused(value):
    assert messages_of(f"日期,类型,说明\n{value},放假,\n") == [
        f"第2行“日期”列：无法识别的日期“{value}”，请使用 2026-10-01 这样的格式"
    ]


def test_notice_missing_date_and_type_are_refused():
    assert messages_of("日期,类型,说明\n,,国庆节\n") == [
        "第2行“日期”列：缺少日期，请填写 2026-10-01 这样的日期",
        "第2行“类型”列：缺少类型，请填写 放假、休息、上班 或 调休上班",
    ]


def test_notice_unknown_type_is_refused():
    assert messages_of("日期,类型,说明\n2026-10-01,调休,\n") == [
        "第2行“类型”列：无法识别的类型“调休”，请填写 放假、休息、上班 或 调休上班"
    ]


def test_notice_duplicated_date_is_refused_even_in_another_form():
    assert messages_of("日期,类型,说明\n2026-10-01,放假,\n2026-10-02,放假,\n2026/10/1,上班,\n") == [
        "第4行“日期”列：日期 2026-10-01 与第2行重复，同一文件中每个日期只能出现一次"
    ]


def test_notice_extra_cells_beyond_the_header_are_refused():
    assert messages_of("日期,类型,说明\n2026-10-01,放假,国庆,节\n") == [
        "第2行：列数多于表头，请检查是否多了逗号（表头为“日期,类型,说明”）"
    ]


def test_notice_overlong_note_is_refused():
    note = "节" * (workdays.NOTE_MAX_LENGTH + 1)
    assert messages_of(f"日期,类型,说明\n2026-10-01,放假,{note}\n") == [
        f"第2行“说明”列：说明过长（{workdays.NOTE_MAX_LENGTH + 1} 字），请控制在 {workdays.NOTE_MAX_LENGTH} 字以内"
    ]


def test_notice_reports_every_bad_row_and_imports_nothing():
    text = (
        "日期,类型,说明\n2026-10-01,放假,\n2026-13-01,放假,\n\n2026-10-03,上学,\n2026-10-04,放假,\n2026-10-01,放假,\n"
    )
    assert messages_of(text) == [
        "第3行“日期”列：无法识别的日期“2026-13-01”，请使用 2026-10-01 这样的格式",
        "第5行“类型”列：无法识别的类型“上学”，请填写 放假、休息、上班 或 调休上班",
        "第7行“日期”列：日期 2026-10-01 与第2行重复，同一文件中每个日期只能出现一次",
    ]


def test_notice_upload_is_decoded_from_utf8_with_bom_or_gb18030():
    text = "日期,类型,说明\n2026-10-01,放假,国庆节\n"
    assert decode_notice_upload(("\ufeff" + text).encode("utf-8")) == text
    assert decode_notice_upload(text.encode("utf-8")) == text
    assert decode_notice_upload(text.encode("gb18030")) == text
    assert parse_notice_csv(decode_notice_upload(text.encode("gb18030")))[0].note == "国庆节"
