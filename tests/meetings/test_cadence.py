"""The cadence as data: periods, proposed days on working days, conveners from the organisation, and the
idempotent job that creates, re-dates and cancels expected meetings."""

from datetime import date

import pytest
import sqlalchemy as sa

from app.core.jobs import registered_jobs
from app.core.models import AuditEntry
from app.core.workdays import WorkdayCalendar
from app.extensions import db
from app.meetings import cadence
from app.meetings.models import Anchor, CadenceRule, ExpectedMeeting, MeetingRecord, MeetingType
from app.org.models import Chain, Person, Position, Unit, UnitGroup, plan_lead_units
from tests.factories import person as person_named

D = date.fromisoformat
LIBRARY = WorkdayCalendar()  # 2026 is in the installed holiday data


def rule(meeting_type, **changes):
    r = cadence.default_rule(meeting_type)
    for name, value in changes.items():
        setattr(r, name, value)
    return r


def meetings(meeting_type=None, **filters):
    query = sa.select(ExpectedMeeting).order_by(ExpectedMeeting.period_start, ExpectedMeeting.convener_key)
    if meeting_type is not None:
        query = query.where(ExpectedMeeting.type == meeting_type)
    for name, value in filters.items():
        query = query.where(getattr(ExpectedMeeting, name) == value)
    return db.session.scalars(query).all()


# --- periods ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("meeting_type", "day", "key", "start", "end", "label"), [
    (MeetingType.weekly, "2026-11-25", "2026-W48", "2026-11-23", "2026-11-29", "2026年第48周"),
    (MeetingType.weekly, "2026-01-01", "2026-W01", "2025-12-29", "2026-01-04", "2026年第1周"),
    (MeetingType.weekly, "2027-01-02", "2026-W53", "2026-12-28", "2027-01-03", "2026年第53周"),
    (MeetingType.dispatch, "2026-11-25", "2026-11-3", "2026-11-21", "2026-11-30", "2026年11月下旬"),
    (MeetingType.dispatch, "2026-02-11", "2026-02-2", "2026-02-11", "2026-02-20", "2026年2月中旬"),
    (MeetingType.monthly, "2026-02-11", "2026-02", "2026-02-01", "2026-02-28", "2026年2月"),
    (MeetingType.quarterly, "2026-11-25", "2026-Q4", "2026-10-01", "2026-12-31", "2026年第四季度"),
    (MeetingType.semiannual, "2026-06-30", "2026-H1", "2026-01-01", "2026-06-30", "2026年上半年"),
])
def test_periods_have_keys_bounds_and_chinese_labels(meeting_type, day, key, start, end, label):
    period = cadence.period_of(meeting_type, D(day))
    assert (period.key, period.start, period.end, period.label) == (key, D(start), D(end), label)


def test_a_calendar_year_has_53_iso_weeks_36_xun_12_months_4_quarters_2_halves_and_4_consultations_in_2026():
    def count(meeting_type):
        return len([p for p in cadence.periods_between(meeting_type, D("2026-01-01"), D("2026-12-31"))
                    if p.key.startswith("2026")])

    assert [count(t) for t in MeetingType] == [53, 36, 12, 4, 2, 4]  # the 考评会商: one per quarter


# --- the proposed day ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("meeting_type", "day", "scheduled", "due"), [
    (MeetingType.weekly, "2026-11-23", "2026-11-23", "2026-11-27"),   # an ordinary week: Monday, record by Friday
    (MeetingType.weekly, "2026-04-06", "2026-04-07", "2026-04-13"),   # 清明 Monday: the next day, nearer
    (MeetingType.weekly, "2026-10-05", "2026-10-08", "2026-10-13"),   # National Day week; 10-10 is a working Saturday
    (MeetingType.weekly, "2026-02-16", "2026-02-14", "2026-02-27"),   # a week with no working day: the nearest
    (MeetingType.dispatch, "2026-10-01", "2026-10-08", "2026-10-10"),  # never before the 旬 begins (not 09-30)
    (MeetingType.monthly, "2026-09-01", "2026-10-08", "2026-10-12"),  # 10-03 mid-holiday: after it, not 09-30
    (MeetingType.monthly, "2026-11-01", "2026-12-03", "2026-12-08"),
    (MeetingType.quarterly, "2026-07-01", "2026-10-10", "2026-10-16"),
    (MeetingType.semiannual, "2026-01-01", "2026-07-10", "2026-07-10"),  # the 述职 day is the deadline
])
def test_meetings_are_proposed_on_the_nearest_working_day_with_the_rules_due_day(meeting_type, day, scheduled, due):
    period = cadence.period_of(meeting_type, D(day))
    got, record_due, provisional = cadence.meeting_dates(cadence.default_rule(meeting_type), period, LIBRARY)
    assert (got, record_due, provisional) == (D(scheduled), D(due), False)
    assert LIBRARY.is_workday(got)


def test_a_tie_goes_to_the_earlier_working_day_but_not_before_the_period_starts():
    # 2030-05-08 (Wed) off: Tuesday and Thursday are both one day away.
    cal = WorkdayCalendar({D("2030-05-08"): False}, [2030])
    monthly = rule(MeetingType.monthly, anchor=Anchor.end, offset_days=8)  # April's end + 8 = 05-08
    april = cadence.period_of(MeetingType.monthly, D("2030-04-01"))
    assert cadence.proposed_day(monthly, april, cal) == D("2030-05-07")
    # Monday to Wednesday off: Friday before and Thursday after are both three days away; the week's own
    # Thursday wins over the previous week's Friday.
    cal = WorkdayCalendar({D("2030-05-13"): False, D("2030-05-14"): False, D("2030-05-15"): False}, [2030])
    week = cadence.period_of(MeetingType.weekly, D("2030-05-13"))
    assert cadence.proposed_day(rule(MeetingType.weekly), week, cal) == D("2030-05-16")


def test_dates_in_a_year_without_holiday_data_are_marked_provisional():
    period = cadence.period_of(MeetingType.monthly, D("2027-03-01"))
    _, _, provisional = cadence.meeting_dates(cadence.default_rule(MeetingType.monthly), period, LIBRARY)
    assert provisional
    entered = WorkdayCalendar({}, [2027])
    assert cadence.meeting_dates(cadence.default_rule(MeetingType.monthly), period, entered)[2] is False


# --- conveners -------------------------------------------------------------------------------------------------

def test_conveners_follow_the_document_lead_units_vice_mayors_mayor_secretary_and_reporters():
    day = D("2026-03-10")
    org = cadence.Organisation()
    lead_units = set(db.session.scalars(sa.select(plan_lead_units.c.unit_id).distinct()))
    weekly = org.conveners(MeetingType.weekly, day)
    assert {c.unit_id for c in weekly} == lead_units and all(c.key == f"unit:{c.unit_id}" for c in weekly)
    vice_mayors = set(db.session.scalars(sa.select(Position.person_id).where(Position.is_vice_mayor)))
    assert {c.person_id for c in org.conveners(MeetingType.dispatch, day)} == vice_mayors
    assert len(vice_mayors) >= 8
    [mayor] = org.conveners(MeetingType.monthly, day)
    assert mayor.person_id == person_named("胡贺波").id
    [secretary] = org.conveners(MeetingType.quarterly, day)
    assert secretary.person_id == person_named("刘志仁").id
    reporters = org.conveners(MeetingType.semiannual, day)
    keys = [c.key for c in reporters]
    assert len(keys) == len(set(keys))  # one report per person, however many chains he leads
    chain_leaders = set(db.session.scalars(sa.select(Chain.leader_id).where(Chain.leader_id.is_not(None))))
    heads = set(db.session.scalars(sa.select(Position.person_id).join(Unit, Unit.id == Position.unit_id).where(
        Position.is_unit_head, Unit.group.in_([UnitGroup.county, UnitGroup.park1, UnitGroup.park2]))))
    assert {c.person_id for c in reporters} == chain_leaders | heads
    ding = next(c for c in reporters if c.person_id == person_named("丁诚").id)
    assert ding.unit_id == db.session.scalar(sa.select(Unit.id).where(Unit.name == "市工信局"))  # his first chain


def test_a_chain_leader_who_also_heads_a_county_reports_once_for_the_county():
    county = db.session.scalar(sa.select(Unit).where(Unit.name == "湘潭县人民政府"))
    head = db.session.scalar(sa.select(Person).join(Position).where(Position.is_unit_head,
                                                                    Position.unit_id == county.id))
    chain = db.session.scalar(sa.select(Chain).order_by(Chain.sort_order))
    chain.leader = head
    db.session.flush()
    reporters = [c for c in cadence.conveners_on(MeetingType.semiannual, D("2026-03-10")) if c.person_id == head.id]
    assert len(reporters) == 1 and reporters[0].unit_id == county.id


# --- the job -----------------------------------------------------------------------------------------------------

def test_the_job_creates_each_periods_meetings_ahead_and_a_second_run_creates_nothing(cadence_on):
    first = cadence_on(D("2026-03-10"))
    assert first["created"] > 0
    again = cadence_on(D("2026-03-10"))
    assert again == {"created": 0, "updated": 0, "cancelled": 0, "restored": 0}
    vice_mayors = len(cadence.conveners_on(MeetingType.dispatch, D("2026-03-10")))
    # from the 旬 whose record was due in the last 14 days (02-3: held 02-24 after the Spring Festival, due
    # 02-26) to the last one starting within 45 days (04-3 starts 04-21)
    keys = sorted({m.period_key for m in meetings(MeetingType.dispatch)})
    assert keys == ["2026-02-3", "2026-03-1", "2026-03-2", "2026-03-3", "2026-04-1", "2026-04-2", "2026-04-3"]
    assert len(meetings(MeetingType.dispatch)) == 7 * vice_mayors
    # 2025-Q4 was due in January; Q3 starts within the 120-day horizon
    assert {m.period_key for m in meetings(MeetingType.quarterly)} == {"2026-Q1", "2026-Q2", "2026-Q3"}
    assert all(LIBRARY.is_workday(m.scheduled_on) for m in meetings())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CadenceRule)) == len(MeetingType)


def test_the_job_is_registered_with_the_scheduler_and_runs_on_the_local_date(app, clock):
    from datetime import datetime

    jobs = {job.name: (job.func, job.seconds) for job in registered_jobs(app)}
    func, seconds = jobs["meetings.cadence"]
    assert seconds == 3600
    clock.set(datetime(2026, 6, 1, 7, 30))  # 07:30 in Xiangtan is still 31 May in UTC
    counts = func(clock.now())
    assert counts["created"] > 0
    assert meetings(MeetingType.weekly, period_key="2026-W23")  # the week of 2026-06-01, not of 05-31


def test_a_convener_who_left_the_role_has_future_meetings_cancelled_but_recorded_and_past_ones_kept(cadence_on):
    cadence_on(D("2026-03-10"))
    yang = person_named("杨晓军")
    own = meetings(MeetingType.dispatch, convener_person_id=yang.id)
    past, recorded, future = own[0], own[2], own[4]  # 03-1, 03-3, 04-2
    db.session.add(MeetingRecord(expected=recorded, type=recorded.type, held_on=recorded.scheduled_on))
    position = db.session.scalar(sa.select(Position).where(Position.person_id == yang.id, Position.is_vice_mayor))
    position.ends_on = D("2026-03-15")
    db.session.flush()
    counts = cadence_on(D("2026-03-16"))
    assert counts["cancelled"] >= 1
    db.session.expire_all()
    assert not past.is_cancelled  # he held the role on its day
    assert not recorded.is_cancelled and db.session.get(ExpectedMeeting, recorded.id) is not None
    assert future.is_cancelled
    assert not meetings(MeetingType.dispatch, convener_person_id=yang.id, period_key="2026-05-1")
    # reappointed: the cancelled meeting comes back, once
    position.ends_on = None
    db.session.flush()
    assert cadence_on(D("2026-03-17"))["restored"] >= 1
    db.session.expire_all()
    assert not future.is_cancelled
    assert len(meetings(MeetingType.dispatch, convener_person_id=yang.id, period_key=future.period_key)) == 1


def test_a_rule_change_re_dates_unrecorded_meetings_ahead_and_leaves_the_rest(cadence_on):
    cadence_on(D("2026-03-10"))
    weekly = meetings(MeetingType.weekly)
    past = next(m for m in weekly if m.period_key == "2026-W10")   # 03-02, already held
    ahead = next(m for m in weekly if m.period_key == "2026-W13")  # 03-23
    recorded = next(m for m in weekly if m.period_key == "2026-W12" and m.id != ahead.id)
    db.session.add(MeetingRecord(expected=recorded, type=recorded.type, held_on=recorded.scheduled_on))
    stored = db.session.scalar(sa.select(CadenceRule).where(CadenceRule.type == MeetingType.weekly))
    cadence.update_rule(None, stored, {"offset_days": 2, "record_due_workdays": 1})  # Wednesday, due Thursday
    counts = cadence_on(D("2026-03-10"))
    assert counts["updated"] > 0
    assert (ahead.scheduled_on, ahead.record_due_on) == (D("2026-03-25"), D("2026-03-26"))
    assert (past.scheduled_on, past.record_due_on) == (D("2026-03-02"), D("2026-03-06"))
    assert recorded.scheduled_on == D("2026-03-16")
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "cadence_rule.update"))
    assert audit.after == {"offset_days": 2, "record_due_workdays": 1}


def test_an_inactive_rule_creates_nothing_new_and_cancels_what_lies_ahead(cadence_on):
    stored = cadence.ensure_rules()[MeetingType.quarterly]
    cadence_on(D("2026-03-10"))
    q1, q2, q3 = meetings(MeetingType.quarterly)
    stored.is_active = False
    db.session.flush()
    cadence_on(D("2026-09-20"))
    db.session.expire_all()
    assert not q1.is_cancelled  # held on 04-10, in the past
    assert not q2.is_cancelled  # held on 07-10, in the past
    assert q3.is_cancelled  # 10-10, ahead
    assert [m.period_key for m in meetings(MeetingType.quarterly)] == ["2026-Q1", "2026-Q2", "2026-Q3"]


def test_meetings_in_the_next_year_without_holiday_data_are_created_provisional(cadence_on):
    cadence_on(D("2026-12-20"))
    january = meetings(MeetingType.monthly, period_key="2027-01")
    assert january and january[0].provisional
    assert not meetings(MeetingType.monthly, period_key="2026-11")[0].provisional


def test_the_job_catches_up_after_downtime_from_a_given_day(cadence_on):
    cadence_on(D("2026-03-10"), since=D("2026-01-01"))
    assert {m.period_key for m in meetings(MeetingType.monthly)} >= {"2026-01", "2026-02", "2026-03", "2026-04"}
    assert meetings(MeetingType.weekly, period_key="2026-W01")
