"""The cadence as data, and the job that turns it into expected meetings.

Periods (period_key):
- 周会商 `weekly`: the ISO week, Monday to Sunday ("2026-W48"; a year has 52 or 53 ISO weeks, counted by ISO year);
- 旬调度 `dispatch`: the 旬 of `app.tasks.queries.Xun` ("2026-11-3": days 1–10, 11–20, 21–month end);
- 月分析 `monthly` "2026-11"; 季考核 `quarterly` "2026-Q4"; 半年述职 `semiannual` "2026-H2";
- 考评会商 `consultation`: the quarter it assesses ("2026-Q4"), held after that quarter ends.

The proposed meeting day is the rule's anchor (the period's first or last day) plus `offset_days`, moved to the
nearest working day. A tie (the middle of a holiday) goes to the earlier day, so that the meeting is held before
the break (the calendar's own rule), with two exceptions:
- a meeting the rule puts after its period (the 月分析, 季考核, 半年述职 and 考评会商 analyse a period that has
  ended) is never moved back into that period: April's 月分析, due 05-03 in the 劳动节 break, is held on the first
  working day after the break (2026-05-06), not on 04-30;
- a meeting is never proposed before its own period begins while the period has a working day on or after the raw
  day — a Monday 周会商 on a holiday moves to that week's next working day, not to the Friday before.
The record is due `record_due_workdays` working days after the meeting day.

The 考评会商 consults on the completion of a quarter that has ended, before that quarter's assessment: it is never
proposed on or before the quarter's last day (a tie that would move it back into the quarter goes to the first
working day after it), and the office's rule must keep it after the quarter's end and before the 季考核 of the
same quarter (`check_consultation_order`, when either rule is saved).

Who convenes is the document's rule (六、1), read from the organisation on the day that matters (the meeting day,
or today for meetings still ahead):
- 周会商: every unit that leads a plan or a measure (`Plan.lead_units`), key unit:<id>;
- 旬调度: every vice mayor (a current `Position.is_vice_mayor`), key person:<id>, his position's unit logs;
- 月分析: the mayor; 季考核: the party secretary (key person:<id>);
- 考评会商: the office (千百十办, the first active unit of kind office; key unit:<id>), with the year's assessing
  units attending (附件2 六(二));
- 半年述职: every chain leader (with the chain's `leader_unit` reporting) and every head of a county or park unit,
  one report per person; a person who is both reports for the county/park unit he heads.

`generate_expected(today)` is idempotent: it creates what is missing from a little before today to each rule's
horizon, re-dates meetings still ahead when a rule or the calendar changed, and cancels (never deletes) unrecorded
meetings whose convener no longer holds the role; a meeting with a record is never touched.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.core.audit import record_update, snapshot
from app.core.calendar import load_calendar
from app.core.clock import get_clock
from app.core.errors import ServiceError
from app.core.periods import Xun, month_end, quarter_bounds, quarter_of
from app.core.text import one_line
from app.extensions import db
from app.meetings.models import Anchor, CadenceRule, ExpectedMeeting, MeetingRecord, MeetingType
from app.org.models import Chain, Person, Position, Unit, UnitGroup, UnitKind, plan_lead_units
from app.reminders.rules import load_settings

log = logging.getLogger(__name__)

# Meetings whose record was due up to this many days ago are still created (a job that was down catches up).
LOOKBACK_DAYS = 14

# The office's defaults (六、1 and the issue): the 周会商 on Monday with its record by Friday, the 旬调度 on the 旬's
# second day, the 月分析 early in the next month, the 季考核 and the 半年述职 ten days after the period.
DEFAULT_RULES = {
    MeetingType.weekly: {"anchor": Anchor.start, "offset_days": 0, "record_due_workdays": 4,
                         "remind_workdays_before": 0, "horizon_days": 21},
    MeetingType.dispatch: {"anchor": Anchor.start, "offset_days": 1, "record_due_workdays": 2,
                           "remind_workdays_before": 0, "horizon_days": 45},
    MeetingType.monthly: {"anchor": Anchor.end, "offset_days": 3, "record_due_workdays": 3,
                          "remind_workdays_before": 0, "horizon_days": 62},
    MeetingType.quarterly: {"anchor": Anchor.end, "offset_days": 10, "record_due_workdays": 5,
                            "remind_workdays_before": 0, "horizon_days": 120},
    MeetingType.semiannual: {"anchor": Anchor.end, "offset_days": 10, "record_due_workdays": 0,
                             "remind_workdays_before": 5, "horizon_days": 200},
    # 附件2 六(二): after the quarter ends, before the 季考核 (ten days after it); the office is reminded three
    # working days before the record is due, i.e. the day before the proposed meeting day.
    MeetingType.consultation: {"anchor": Anchor.end, "offset_days": 5, "record_due_workdays": 2,
                               "remind_workdays_before": 3, "horizon_days": 120},
}
# the meetings whose period is a quarter
QUARTER_TYPES = (MeetingType.quarterly, MeetingType.consultation)
# the years around today whose rules are checked when the 考评会商 or the 季考核 rule is saved
ORDER_CHECK_YEARS = 2
RULE_FIELDS = ("anchor", "offset_days", "record_due_workdays", "remind_workdays_before", "horizon_days",
               "is_active", "note")
REPORTING_GROUPS = (UnitGroup.county, UnitGroup.park1, UnitGroup.park2)
QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}


# --- rules ---------------------------------------------------------------------------------------------------

def default_rule(meeting_type):
    return CadenceRule(type=meeting_type, is_active=True, note="", **DEFAULT_RULES[meeting_type])


def load_rules():
    """{MeetingType: CadenceRule}: the stored rules, and unsaved defaults for types without a row (no writes)."""
    stored = {r.type: r for r in db.session.scalars(sa.select(CadenceRule))}
    return {t: stored.get(t) or default_rule(t) for t in MeetingType}


def ensure_rules():
    """Store the default rule of every type that has none yet; returns {MeetingType: CadenceRule}. Flushes."""
    rules = load_rules()
    missing = [r for r in rules.values() if r.id is None]
    if missing:
        db.session.add_all(missing)
        db.session.flush()
    return rules


def update_rule(actor, rule, values):
    """Set a rule's timing (the office's edit), audited; the caller regenerates and commits."""
    if "note" in values:
        values = dict(values, note=one_line(values["note"], "备注", 200, field="note"))
    if rule.type in QUARTER_TYPES:
        check_consultation_order(rule, values)
    if rule.id is None:
        db.session.add(rule)
        db.session.flush()
    before = snapshot(rule, RULE_FIELDS)
    for name in RULE_FIELDS:
        if name in values:
            setattr(rule, name, values[name])
    db.session.flush()
    record_update(actor, "cadence_rule.update", rule, before, RULE_FIELDS)
    return rule


def check_consultation_order(rule, values, cal=None, years=None):
    """Refuse (ServiceError, nothing written) a 考评会商 or 季考核 rule under which the 考评会商 of some quarter of
    the years around today would not fall after the quarter's end, before that quarter's 季考核 and by the
    assessors' entry deadline (the reminders' `scoring_entry_workday`: the Nth working day after the quarter).
    The order with the 季考核 is checked only when both rules are active."""
    rules = load_rules()
    proposed = {name: values.get(name, getattr(rule, name)) for name in RULE_FIELDS}
    candidate = CadenceRule(type=rule.type, **proposed)
    consultation = candidate if rule.type is MeetingType.consultation else rules[MeetingType.consultation]
    quarterly = candidate if rule.type is MeetingType.quarterly else rules[MeetingType.quarterly]
    if rule.type is MeetingType.consultation and proposed["anchor"] is Anchor.end and proposed["offset_days"] < 1:
        raise ServiceError("考评会商在季度结束后召开：从“周期最后一天”算起时，相隔天数至少为 1 天。",
                           field="offset_days")
    if rule.type is MeetingType.consultation and proposed["anchor"] is Anchor.start:
        raise ServiceError("考评会商在季度结束后召开，请选择从“周期最后一天”算起。", field="anchor")
    if not consultation.is_active:
        return
    cal = cal or load_calendar()
    entry_workdays = load_settings()["scoring_entry_workday"]
    this_year = get_clock().today().year if years is None else None
    for year in years or range(this_year, this_year + ORDER_CHECK_YEARS):
        for quarter in range(1, 5):
            period = period_of(MeetingType.consultation, date(year, 3 * quarter, 1))
            day = meeting_dates(consultation, period, cal)[0]
            deadline = cal.add_workdays(period.end, entry_workdays)
            if rule.type is MeetingType.consultation and day > deadline:
                raise ServiceError(
                    f"按此规则，{period.label}的考评会商（{day.isoformat()}）晚于考评录入截止日（{deadline.isoformat()}，"
                    f"季度结束后第 {entry_workdays} 个工作日）。考评会商须在考评前召开，请调整相隔天数。",
                    field="offset_days")
            if not quarterly.is_active:
                continue
            review = meeting_dates(quarterly, period_of(MeetingType.quarterly, period.start), cal)[0]
            if day >= review:
                raise ServiceError(
                    f"按此规则，{period.label}的考评会商（{day.isoformat()}）不早于季考核（{review.isoformat()}）。"
                    "考评会商须在季考核之前召开，请调整相隔天数。", field="offset_days")


# --- periods -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    type: MeetingType
    key: str
    start: date
    end: date

    @property
    def label(self):
        return key_period_label(self.type, self.key)

    def next(self):
        return period_of(self.type, self.end + timedelta(days=1))


def period_of(meeting_type, day):
    """The period of `meeting_type` that contains `day`."""
    if meeting_type is MeetingType.weekly:
        iso_year, week, weekday = day.isocalendar()
        start = day - timedelta(days=weekday - 1)
        return Period(meeting_type, f"{iso_year}-W{week:02d}", start, start + timedelta(days=6))
    if meeting_type is MeetingType.dispatch:
        xun = Xun.of(day)
        return Period(meeting_type, xun.code, xun.start, xun.end)
    if meeting_type is MeetingType.monthly:
        start = day.replace(day=1)
        return Period(meeting_type, f"{day.year}-{day.month:02d}", start, month_end(day.year, day.month))
    if meeting_type in QUARTER_TYPES:
        quarter = quarter_of(day)
        return Period(meeting_type, f"{day.year}-Q{quarter}", *quarter_bounds(day.year, quarter))
    half = 1 if day.month <= 6 else 2
    return Period(meeting_type, f"{day.year}-H{half}", date(day.year, 6 * half - 5, 1),
                  month_end(day.year, 6 * half))


def periods_between(meeting_type, first, last):
    """Every period of the type that overlaps [first, last], in order."""
    periods = []
    period = period_of(meeting_type, first)
    while period.start <= last:
        periods.append(period)
        period = period.next()
    return periods


def key_period_label(meeting_type, key):
    """'2026-W48' → '2026年第48周', '2026-11-3' → '2026年11月下旬', '2026-Q4' → '2026年第四季度' ..."""
    try:
        if meeting_type is MeetingType.weekly:
            year, week = key.split("-W")
            return f"{year}年第{int(week)}周"
        if meeting_type is MeetingType.dispatch:
            return Xun.parse(key).label
        if meeting_type is MeetingType.monthly:
            year, month = key.split("-")
            return f"{year}年{int(month)}月"
        if meeting_type in QUARTER_TYPES:
            year, quarter = key.split("-Q")
            return f"{year}年第{QUARTER_NAMES[int(quarter)]}季度"
        year, half = key.split("-H")
        return f"{year}年{'上' if half == '1' else '下'}半年"
    except (ValueError, KeyError, AttributeError):
        return key


def proposed_day(rule, period, cal):
    """The working day the meeting is proposed on (see the module docstring for ties and period starts)."""
    raw = (period.start if rule.anchor is Anchor.start else period.end) + timedelta(days=rule.offset_days)
    day = cal.nearest_workday(raw)
    if day < period.start <= raw:
        later = cal.next_workday(raw - timedelta(days=1))  # the first working day on or after the raw day
        if later <= period.end:
            day = later
    return day


def meeting_dates(rule, period, cal):
    """(scheduled_on, record_due_on, provisional) of the period's meeting under the rule."""
    scheduled = proposed_day(rule, period, cal)
    after_period = rule.anchor is Anchor.end and rule.offset_days > 0
    if (after_period or rule.type is MeetingType.consultation) and scheduled <= period.end:
        # A meeting the rule puts after its period analyses it (the period's figures are known only once it has
        # ended): never back into it. Every day from the period's end to the raw day is off, so this is the first
        # working day after the holiday.
        scheduled = cal.next_workday(period.end)
    due = cal.add_workdays(scheduled, rule.record_due_workdays)
    return scheduled, due, cal.range_is_provisional(min(period.start, scheduled), due)


# --- conveners -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Convener:
    key: str
    unit_id: int | None
    person_id: int | None


class Organisation:
    """The organisation as the cadence needs it, loaded in five queries; `conveners(type, day)` asks it in memory."""

    def __init__(self):
        self.office_unit_id = db.session.scalar(
            sa.select(Unit.id).where(Unit.kind == UnitKind.office, Unit.is_active.is_(True))
            .order_by(Unit.sort_order, Unit.id).limit(1))
        self.lead_unit_ids = sorted(set(db.session.scalars(
            sa.select(plan_lead_units.c.unit_id).join(Unit, Unit.id == plan_lead_units.c.unit_id)
            .where(Unit.is_active.is_(True)))))
        self.positions = db.session.execute(
            sa.select(Position.person_id, Position.unit_id, Position.starts_on, Position.ends_on,
                      Position.is_vice_mayor, Position.is_mayor, Position.is_secretary, Position.is_unit_head,
                      Unit.group)
            .join(Person, Person.id == Position.person_id).outerjoin(Unit, Unit.id == Position.unit_id)
            .where(Person.is_active.is_(True),
                   sa.or_(Position.is_vice_mayor, Position.is_mayor, Position.is_secretary, Position.is_unit_head))
            .order_by(Position.starts_on, Position.id)).all()
        self.chains = db.session.execute(
            sa.select(Chain.leader_id, Chain.leader_unit_id).join(Person, Person.id == Chain.leader_id)
            .where(Person.is_active.is_(True)).order_by(Chain.sort_order, Chain.id)).all()

    def _holding(self, day, flag):
        return [p for p in self.positions if getattr(p, flag) and p.starts_on <= day
                and (p.ends_on is None or day <= p.ends_on)]

    def _people(self, day, flag):
        seen, result = set(), []
        for p in self._holding(day, flag):
            if p.person_id not in seen:
                seen.add(p.person_id)
                result.append(Convener(f"person:{p.person_id}", p.unit_id, p.person_id))
        return result

    def conveners(self, meeting_type, day):
        if meeting_type is MeetingType.weekly:
            return [Convener(f"unit:{u}", u, None) for u in self.lead_unit_ids]
        if meeting_type is MeetingType.dispatch:
            return self._people(day, "is_vice_mayor")
        if meeting_type is MeetingType.monthly:
            return self._people(day, "is_mayor")
        if meeting_type is MeetingType.quarterly:
            return self._people(day, "is_secretary")
        if meeting_type is MeetingType.consultation:
            unit_id = self.office_unit_id
            return [Convener(f"unit:{unit_id}", unit_id, None)] if unit_id is not None else []
        reporters = {}
        for p in self._holding(day, "is_unit_head"):
            if p.group in REPORTING_GROUPS and p.person_id not in reporters:
                reporters[p.person_id] = Convener(f"person:{p.person_id}", p.unit_id, p.person_id)
        for person_id, unit_id in self.chains:
            if person_id not in reporters:
                if unit_id is None:  # no reporting unit set: the leader's own office reports
                    own = [p.unit_id for p in self.positions if p.person_id == person_id]
                    unit_id = own[0] if own else None
                reporters[person_id] = Convener(f"person:{person_id}", unit_id, person_id)
        return list(reporters.values())


def conveners_on(meeting_type, day):
    return Organisation().conveners(meeting_type, day)


# --- the job -------------------------------------------------------------------------------------------------

def generate_expected(today, calendar=None, since=None):
    """Create every period's expected meetings whose record is due on or after `since` (default: today −
    LOOKBACK_DAYS) and whose period starts within the rule's horizon from today; re-date unrecorded meetings
    still ahead; cancel unrecorded meetings whose convener left the role. Flushes, never commits.
    Returns counts {"created", "updated", "cancelled", "restored"}."""
    cal = calendar or load_calendar()
    rules = ensure_rules()
    org = Organisation()
    since = since or today - timedelta(days=LOOKBACK_DAYS)
    counts = {"created": 0, "updated": 0, "cancelled": 0, "restored": 0}
    for meeting_type, rule in rules.items():
        # A period is in the window when its record is due on or after `since` (the 月分析 of November is still
        # created on 12-05) and it starts within the horizon.
        dated = [(p, meeting_dates(rule, p, cal)) for p in periods_between(
            meeting_type, since - timedelta(days=max(rule.offset_days, 0) + 200),
            today + timedelta(days=max(rule.horizon_days, 0)))]
        dated = [(p, dates) for p, dates in dated if dates[1] >= since]
        if not dated:
            continue
        periods = [p for p, _ in dated]
        existing = {(m.period_key, m.convener_key): (m, recorded) for m, recorded in db.session.execute(
            sa.select(ExpectedMeeting, MeetingRecord.id.is_not(None))
            .outerjoin(MeetingRecord, MeetingRecord.expected_id == ExpectedMeeting.id)
            .where(ExpectedMeeting.type == meeting_type,
                   ExpectedMeeting.period_key.in_([p.key for p in periods])))}
        for period, (scheduled, due, provisional) in dated:
            ahead = scheduled >= today
            wanted = {}
            if rule.is_active or not ahead:
                wanted = {c.key: c for c in org.conveners(meeting_type, scheduled if not ahead else today)}
            if not rule.is_active and not ahead:
                # an inactive rule creates nothing new and leaves the past alone
                wanted = {k: c for k, c in wanted.items() if (period.key, k) in existing}
            for key, convener in wanted.items():
                found = existing.get((period.key, key))
                if found is None:
                    db.session.add(ExpectedMeeting(
                        type=meeting_type, period_key=period.key, period_start=period.start, period_end=period.end,
                        convener_key=key, convener_unit_id=convener.unit_id, convener_person_id=convener.person_id,
                        scheduled_on=scheduled, record_due_on=due, provisional=provisional))
                    counts["created"] += 1
                    continue
                meeting, recorded = found
                if recorded:
                    continue
                if meeting.is_cancelled:
                    meeting.is_cancelled = False
                    counts["restored"] += 1
                if ahead and meeting.scheduled_on >= today and (
                        meeting.scheduled_on, meeting.record_due_on, meeting.provisional,
                        meeting.convener_unit_id) != (scheduled, due, provisional, convener.unit_id):
                    meeting.scheduled_on, meeting.record_due_on = scheduled, due
                    meeting.provisional, meeting.convener_unit_id = provisional, convener.unit_id
                    counts["updated"] += 1
            for (key_period, key), (meeting, recorded) in existing.items():
                if key_period == period.key and key not in wanted and not recorded and not meeting.is_cancelled:
                    meeting.is_cancelled = True
                    counts["cancelled"] += 1
    db.session.flush()
    return counts


def cadence_job(now):
    """The scheduler's job: generate from the local date of `now`; the scheduler commits."""
    today = now.astimezone(get_clock().tz).date()
    counts = generate_expected(today)
    if any(counts.values()):
        log.info("cadence on %s: %s", today.isoformat(), counts)
    return counts
