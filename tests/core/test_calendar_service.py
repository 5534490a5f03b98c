"""The working-day calendar as the app uses it: chinesecalendar's holidays and 调休 days, the administrator's override
table (set, delete, CSV import of the State Council notice, all audited), and the Monday–Friday fallback for a year
nobody has entered, whose computed dates are marked provisional."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.core import calendar as cal_service
from app.core.calendar import get_calendar, load_calendar
from app.core.errors import ServiceError
from app.core.models import AuditEntry, CalendarOverride, CalendarYear
from app.core.periods import Xun
from app.core.workdays import LIBRARY_LAST_YEAR, DaySource, library_covers
from app.extensions import db
from app.org.models import Person
from app.tasks.dispatch_queries import dispatch_list
from app.tasks.queries import light_window

D = date.fromisoformat
YEAR = max(LIBRARY_LAST_YEAR + 1, 2031)  # a year the installed library does not know yet
NEW_YEAR = date(YEAR, 1, 1)
FIRST_SATURDAY = NEW_YEAR + timedelta((5 - NEW_YEAR.weekday()) % 7)
NOTICE = (f"日期,类型,说明\n{YEAR}-01-01,放假,元旦\n{YEAR}-01-02,休息,元旦\n"
          f"{FIRST_SATURDAY.isoformat()},调休上班,元旦调休\n")


def admin():
    return db.session.scalar(sa.select(User).where(User.username == "admin"))


def counts():
    return [db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (CalendarOverride, CalendarYear, AuditEntry)]


def audit_trail(action_prefix="calendar."):
    return db.session.execute(sa.select(AuditEntry.action, AuditEntry.object_type, AuditEntry.before,
                                        AuditEntry.after, AuditEntry.actor_id)
                              .where(AuditEntry.action.startswith(action_prefix)).order_by(AuditEntry.id)).all()


# --- the library --------------------------------------------------------------------------------------------

def test_the_app_calendar_has_the_2026_national_day_holiday_and_its_adjusted_working_days():
    cal = get_calendar()
    assert not any(cal.is_workday(D("2026-10-01") + timedelta(i)) for i in range(7))
    assert cal.is_workday(D("2026-09-20")) and cal.is_workday(D("2026-10-10"))  # 调休 Sunday and Saturday
    assert cal.day_source(D("2026-10-01")) is DaySource.library
    assert cal.add_workdays(D("2026-09-30"), 1) == D("2026-10-08")


def test_the_calendar_is_loaded_once_per_request_in_one_small_query(count_queries):
    with count_queries() as first:
        cal = get_calendar()
    with count_queries() as second:
        assert get_calendar() is cal
    assert (first.count, second.count) == (1, 0)


# --- overrides ----------------------------------------------------------------------------------------------

def test_an_override_wins_over_the_library_and_is_seen_at_once_and_audited():
    actor = admin()
    assert light_window(D("2026-09-30")).yellow_limit == D("2026-10-11")
    row = cal_service.set_override(actor, D("2026-10-08"), False, "临时停工")
    cal = get_calendar()
    assert not cal.is_workday(D("2026-10-08")) and cal.day_source(D("2026-10-08")) is DaySource.override
    assert cal.add_workdays(D("2026-09-30"), 1) == D("2026-10-09")
    # working days after 09-30 are now 10-09, 10-10, 10-12: the yellow window reaches 10-12
    assert light_window(D("2026-09-30")).yellow_limit == D("2026-10-12")

    cal_service.set_override(actor, D("2026-10-08"), True, None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarOverride)
                             .where(CalendarOverride.day == D("2026-10-08"))) == 1
    assert row.is_workday and row.note is None and get_calendar().is_workday(D("2026-10-08"))
    assert audit_trail() == [
        ("calendar.set", "calendar_overrides", None,
         {"day": "2026-10-08", "is_workday": False, "note": "临时停工"}, actor.id),
        ("calendar.set", "calendar_overrides", {"is_workday": False, "note": "临时停工"},
         {"day": "2026-10-08", "is_workday": True, "note": None}, actor.id),
    ]


def test_an_override_can_turn_a_weekend_into_a_working_day():
    cal_service.set_override(admin(), D("2026-03-14"), True, "加班")
    cal = get_calendar()
    assert cal.is_workday(D("2026-03-14"))
    assert cal.workdays_overdue(D("2026-03-13"), D("2026-03-14")) == 1


def test_deleting_an_override_restores_the_library_day_and_is_audited():
    actor = admin()
    row = cal_service.set_override(actor, D("2026-10-01"), True, "误设")
    assert get_calendar().is_workday(D("2026-10-01"))
    row_id = row.id
    cal_service.delete_override(actor, row)
    assert db.session.get(CalendarOverride, row_id) is None
    assert not get_calendar().is_workday(D("2026-10-01"))
    assert get_calendar().day_source(D("2026-10-01")) is DaySource.library
    deleted = audit_trail()[-1]
    assert deleted == ("calendar.delete", "calendar_overrides",
                       {"day": "2026-10-01", "is_workday": True, "note": "误设"}, None, actor.id)


# --- the Monday–Friday fallback and the State Council notice --------------------------------------------------

def test_a_year_nobody_has_entered_falls_back_to_monday_to_friday_less_new_year_and_is_provisional():
    assert not library_covers(YEAR)
    cal = get_calendar()
    assert not cal.is_workday(NEW_YEAR)  # 元旦 is assumed
    assert cal.day_source(NEW_YEAR) is DaySource.assumed
    second = NEW_YEAR + timedelta(1)
    assert cal.is_workday(second) == (second.weekday() < 5)
    assert cal.day_source(second) is DaySource.fallback
    assert not cal.is_workday(FIRST_SATURDAY)
    assert cal.is_provisional(NEW_YEAR)
    assert light_window(date(YEAR, 3, 2)).provisional
    assert dispatch_list_provisional(date(YEAR, 3, 2))


def dispatch_list_provisional(day):
    leader = db.session.scalar(sa.select(Person).where(Person.name == "丁诚"))
    return dispatch_list(leader, Xun.of(day), day).provisional


def test_importing_the_notice_for_a_year_enters_it_so_its_dates_are_no_longer_provisional():
    actor = admin()
    assert cal_service.import_notice(actor, NOTICE.encode("utf-8"), YEAR, "国办发明电〔2030〕7号") == 3
    cal = get_calendar()
    assert not cal.is_workday(NEW_YEAR) and not cal.is_workday(NEW_YEAR + timedelta(1))
    assert cal.is_workday(FIRST_SATURDAY)
    assert cal.day_source(NEW_YEAR) is DaySource.override
    assert not cal.is_provisional(date(YEAR, 7, 1))
    assert not light_window(date(YEAR, 3, 2)).provisional
    assert not dispatch_list_provisional(date(YEAR, 3, 2))
    assert db.session.get(CalendarYear, YEAR).source == "国办发明电〔2030〕7号"
    assert load_calendar().is_year_provisional(YEAR) is False
    trail = audit_trail()
    assert [action for action, *_ in trail] == ["calendar.set"] * 3 + ["calendar.year"]
    assert trail[-1][1:4] == ("calendar_years", None, {"year": YEAR, "source": "国办发明电〔2030〕7号"})
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "calendar.year"))
    assert entry.object_id == str(YEAR) and entry.at is not None


def test_importing_without_a_year_sets_the_days_but_leaves_the_year_provisional():
    assert cal_service.import_notice(admin(), NOTICE.encode("utf-8"), None, None) == 3
    cal = get_calendar()
    assert not cal.is_workday(NEW_YEAR)
    assert cal.is_provisional(NEW_YEAR)
    assert db.session.get(CalendarYear, YEAR) is None


def test_importing_the_notice_again_updates_the_days_without_duplicating_them():
    actor = admin()
    cal_service.import_notice(actor, NOTICE.encode("utf-8"), YEAR, "第一版")
    corrected = NOTICE.replace(f"{YEAR}-01-02,休息,元旦", f"{YEAR}-01-02,上班,更正")
    cal_service.import_notice(actor, corrected.encode("gb18030"), YEAR, "第二版")  # as Excel saves it in China
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarOverride)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarYear)) == 1
    assert db.session.get(CalendarYear, YEAR).source == "第一版"
    assert get_calendar().is_workday(NEW_YEAR + timedelta(1))
    note = db.session.scalar(sa.select(CalendarOverride.note).where(CalendarOverride.day == NEW_YEAR + timedelta(1)))
    assert note == "更正"


@pytest.mark.parametrize(("data", "year", "message"), [
    (b"", YEAR, "文件为空"),
    ("日期,类型,说明\n".encode(), YEAR, "只有表头"),
    (f"日期,类型\n{YEAR}-02-30,放假\n".encode(), YEAR, "第2行“日期”列：无法识别的日期"),
    (f"日期,类型\n{YEAR}-01-01,放假\n{YEAR}-01-05,调休\n".encode(), YEAR, "第3行“类型”列"),
    (f"日期,类型\n{YEAR}-01-01,放假\n{YEAR}/1/1,上班\n".encode(), YEAR, "与第2行重复"),
    (b"\x80\xff\x80\xff", YEAR, "无法识别文件编码"),
    (f"日期,类型\n{YEAR}-01-01,放假\n{YEAR + 1}-01-01,放假\n".encode(), YEAR, f"不属于 {YEAR} 年的日期"),
])
def test_a_bad_notice_is_refused_with_a_chinese_message_and_writes_nothing(data, year, message):
    before = counts()
    with pytest.raises(ServiceError) as info:
        cal_service.import_notice(admin(), data, year, "来源")
    assert not db.session.new and not db.session.dirty
    assert counts() == before
    assert message in info.value.message
    assert info.value.field in ("file", "year")
    assert get_calendar().is_provisional(NEW_YEAR)


def test_every_problem_of_a_notice_is_listed_in_one_message():
    data = f"日期,类型\n{YEAR}-13-01,放假\n{YEAR}-01-02,调休\n".encode()
    with pytest.raises(ServiceError) as info:
        cal_service.import_notice(admin(), data, YEAR, None)
    assert "第2行" in info.value.message and "第3行" in info.value.message and "；" in info.value.message
