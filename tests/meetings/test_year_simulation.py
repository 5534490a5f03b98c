"""The cadence job over a whole simulated year, as the scheduler would run it: once a day (its real interval is an
hour; a day's later runs find nothing to do, which the second pass checks) with the clock moved day by day.

Counted per period key of 2026: one 周会商 per ISO week of the ISO year 2026 (53 weeks, 2025-12-29 to 2027-01-03)
per lead unit, 36 旬调度 per vice mayor, 12 月分析, 4 季考核, 2 半年述职 per reporter and 4 考评会商 (the office)."""

from datetime import date, timedelta

import sqlalchemy as sa

from app.core.calendar import load_calendar
from app.extensions import db
from app.meetings.compliance import compliance_counts
from app.meetings.models import ExpectedMeeting, MeetingType
from app.org.models import Chain, Position, Unit, UnitGroup, UnitKind, plan_lead_units

EXPECTED_PERIODS = {MeetingType.weekly: 53, MeetingType.dispatch: 36, MeetingType.monthly: 12,
                    MeetingType.quarterly: 4, MeetingType.semiannual: 2, MeetingType.consultation: 4}


def conveners_in_the_organisation():
    """Counted straight from the organisation tables, independently of the cadence module."""
    reporters = set(db.session.scalars(sa.select(Chain.leader_id).where(Chain.leader_id.is_not(None))))
    reporters |= set(db.session.scalars(
        sa.select(Position.person_id).join(Unit, Unit.id == Position.unit_id)
        .where(Position.is_unit_head, Unit.group.in_([UnitGroup.county, UnitGroup.park1, UnitGroup.park2]))))
    return {
        MeetingType.weekly: db.session.scalar(sa.select(sa.func.count(sa.distinct(plan_lead_units.c.unit_id)))),
        MeetingType.dispatch: db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Position.person_id))).where(Position.is_vice_mayor)),
        MeetingType.monthly: 1,
        MeetingType.quarterly: 1,
        MeetingType.semiannual: len(reporters),
        MeetingType.consultation: min(1, db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(
            Unit.kind == UnitKind.office, Unit.is_active.is_(True)))),
    }


def counts_of_2026():
    rows = db.session.execute(
        sa.select(ExpectedMeeting.type, sa.func.count())
        .where(ExpectedMeeting.period_key.like("2026-%"), ExpectedMeeting.is_cancelled.is_(False))
        .group_by(ExpectedMeeting.type)).all()
    return dict(rows)


def run_year(cadence_on):
    created = 0
    day = date(2026, 1, 1)
    while day.year == 2026:
        created += cadence_on(day)["created"]
        day += timedelta(days=1)
    return created


def test_a_simulated_year_creates_every_periods_meetings_once_ahead_of_time(cadence_on):
    conveners = conveners_in_the_organisation()
    assert conveners[MeetingType.weekly] >= 5 and conveners[MeetingType.dispatch] >= 8
    assert conveners[MeetingType.semiannual] >= 15
    assert conveners[MeetingType.consultation] == 1

    created = run_year(cadence_on)

    counts = counts_of_2026()
    assert counts == {t: EXPECTED_PERIODS[t] * conveners[t] for t in MeetingType}
    # the keys: exactly the year's periods, each with every convener
    for meeting_type, periods in EXPECTED_PERIODS.items():
        keys = db.session.scalars(sa.select(ExpectedMeeting.period_key).distinct().where(
            ExpectedMeeting.type == meeting_type, ExpectedMeeting.period_key.like("2026-%"))).all()
        assert len(keys) == periods, meeting_type
    assert created >= sum(counts.values())  # and some of 2027's, created ahead

    # every meeting on a working day, created before its day (except those already under way on 1 January)
    cal = load_calendar()
    meetings = db.session.scalars(sa.select(ExpectedMeeting).where(ExpectedMeeting.period_key.like("2026-%"))).all()
    assert all(cal.is_workday(m.scheduled_on) and m.record_due_on >= m.scheduled_on for m in meetings)
    late_created = [m for m in meetings if m.created_at.date() > m.scheduled_on]
    assert all(m.period_start <= date(2026, 1, 1) for m in late_created)
    assert not any(m.provisional for m in meetings if m.record_due_on.year == 2026)

    # nothing was logged: at the year's end every meeting due is missing, the rest pending
    year = compliance_counts(date(2026, 1, 1), date(2026, 12, 31), today=date(2026, 12, 31))
    weekly = year[MeetingType.weekly]
    assert weekly["recorded"] == weekly["late"] == 0
    assert weekly["missing"] + weekly["pending"] == weekly["expected"] > 0
    assert year[MeetingType.monthly]["expected"] == 12  # held in 2026: December 2025's up to November 2026's


def test_a_second_pass_over_the_year_creates_nothing(cadence_on):
    run_year(cadence_on)
    before = counts_of_2026()
    assert run_year(cadence_on) == 0
    assert counts_of_2026() == before
