"""Which expected meetings have records, which were logged late and which are missing; the reminders they feed.

A meeting belongs to a date range when its proposed meeting day (`scheduled_on`) falls in it, so "November" means
the meetings to be held in November (the 月分析 of October included). Cancelled meetings are not expected.

Status on a day `today`:
- 已录入 `recorded`: a record exists, created on or before the record's due day (local date);
- 逾期录入 `late`: a record exists, created after the due day;
- 待录入 `pending`: no record yet, the due day is today or later;
- 缺失 `missing`: no record and the due day has passed.
The four are a partition: expected = recorded + late + pending + missing; `logged` = recorded + late.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from app.auth.models import Role
from app.core.clock import get_clock
from app.core.clock import today as clock_today
from app.core.models import LabelledEnum
from app.extensions import db
from app.meetings.cadence import key_period_label, load_rules
from app.meetings.models import ExpectedMeeting, MeetingRecord, MeetingType
from app.org.models import Person, PortfolioItem, Position
from app.reminders.jobs import Reminder
from app.scoring.queries import assessor_unit_ids


class ComplianceStatus(LabelledEnum):
    recorded = "recorded", "已录入"
    late = "late", "逾期录入"
    pending = "pending", "待录入"
    missing = "missing", "缺失"


STATUS_BADGES = {ComplianceStatus.recorded: "success", ComplianceStatus.late: "warning",
                 ComplianceStatus.pending: "secondary", ComplianceStatus.missing: "danger"}


@dataclass
class ComplianceRow:
    expected: ExpectedMeeting
    record_id: int | None
    logged_on: date | None  # the local date the record was created
    status: ComplianceStatus

    @property
    def badge(self):
        return STATUS_BADGES[self.status]

    @property
    def days_late(self):
        return (self.logged_on - self.expected.record_due_on).days if self.status is ComplianceStatus.late else 0


def classify(record_due_on, created_at, today):
    """(status, local logged date) of an expected meeting given its record's creation time (None: no record)."""
    if created_at is None:
        return (ComplianceStatus.pending if today <= record_due_on else ComplianceStatus.missing), None
    logged_on = created_at.astimezone(get_clock().tz).date()
    return (ComplianceStatus.recorded if logged_on <= record_due_on else ComplianceStatus.late), logged_on


def _range_filter(start, end, type=None, convener_unit_id=None, convener_key=None):
    conditions = [ExpectedMeeting.scheduled_on >= start, ExpectedMeeting.scheduled_on <= end,
                  ExpectedMeeting.is_cancelled.is_(False)]
    if type is not None:
        conditions.append(ExpectedMeeting.type == type)
    if convener_unit_id is not None:
        conditions.append(ExpectedMeeting.convener_unit_id == convener_unit_id)
    if convener_key is not None:
        conditions.append(ExpectedMeeting.convener_key == convener_key)
    return conditions


def compliance_rows(start, end, type=None, convener_unit_id=None, convener_key=None, today=None, status=None):
    """Every expected meeting held in [start, end] (optionally of one type, convener unit or convener key) with its
    status on `today` (default: the clock's), ordered by day, type and convener. One query, however many rows."""
    today = today or clock_today()
    rows = db.session.execute(
        sa.select(ExpectedMeeting, MeetingRecord.id, MeetingRecord.created_at)
        .outerjoin(MeetingRecord, MeetingRecord.expected_id == ExpectedMeeting.id)
        .where(*_range_filter(start, end, type, convener_unit_id, convener_key))
        .options(joinedload(ExpectedMeeting.convener_unit), joinedload(ExpectedMeeting.convener_person),
                 contains_eager(ExpectedMeeting.record))  # the page links each row to its record
        .order_by(ExpectedMeeting.scheduled_on, ExpectedMeeting.type, ExpectedMeeting.convener_key)).all()
    result = []
    for expected, record_id, created_at in rows:
        row_status, logged_on = classify(expected.record_due_on, created_at, today)
        if status is None or row_status is status:
            result.append(ComplianceRow(expected, record_id, logged_on, row_status))
    return result


def empty_counts():
    return {"expected": 0, "recorded": 0, "late": 0, "missing": 0, "pending": 0, "logged": 0}


def _add(counts, status):
    counts["expected"] += 1
    counts[status.value] += 1
    if status in (ComplianceStatus.recorded, ComplianceStatus.late):
        counts["logged"] += 1


def compliance_counts(start, end, today=None):
    """{MeetingType: {"expected", "recorded", "late", "missing", "pending", "logged"}} for meetings held in
    [start, end], every type present (zeros when none). One query of plain columns."""
    today = today or clock_today()
    counts = {t: empty_counts() for t in MeetingType}
    for meeting_type, due, created_at in db.session.execute(
            sa.select(ExpectedMeeting.type, ExpectedMeeting.record_due_on, MeetingRecord.created_at)
            .outerjoin(MeetingRecord, MeetingRecord.expected_id == ExpectedMeeting.id)
            .where(*_range_filter(start, end))):
        _add(counts[meeting_type], classify(due, created_at, today)[0])
    return counts


def counts_by_convener(rows):
    """[(type, convener label, counts)] from compliance rows, in type then first-appearance order."""
    grouped = defaultdict(empty_counts)
    labels = {}
    for row in rows:
        key = (row.expected.type, row.expected.convener_key)
        labels[key] = row.expected.convener_label
        _add(grouped[key], row.status)
    order = {t: i for i, t in enumerate(MeetingType)}
    return [(key[0], labels[key], grouped[key]) for key in sorted(grouped, key=lambda k: order[k[0]])]


def compliance_rate(counts):
    """Logged records as a share of the meetings due so far (pending ones are not yet due), or None."""
    due = counts["expected"] - counts["pending"]
    return None if due == 0 else round(100 * counts["logged"] / due, 1)


# --- who sees and who logs -----------------------------------------------------------------------------------

def relevant_condition(user, on):
    """The expected meetings on a user's calendar: the office and observers see all; a leader his own meetings
    plus the city's 月分析 and 季考核; a unit's staff the meetings its unit convenes or reports in, the 旬调度
    of the vice mayor whose portfolio has the unit, and, for an assessing unit, the 考评会商 of the quarters of the
    years it assesses (the year before `on`, its year and the next: one rules load each)."""
    if user.role in (Role.admin, Role.observer):
        return sa.true()
    if user.role is Role.leader and user.person_id:
        return sa.or_(ExpectedMeeting.convener_person_id == user.person_id,
                      ExpectedMeeting.type.in_([MeetingType.monthly, MeetingType.quarterly]))
    if user.unit_id:
        portfolio = (sa.select(PortfolioItem.person_id)
                     .where(PortfolioItem.unit_id == user.unit_id, PortfolioItem.current_on(on)))
        assessing = [year for year in (on.year - 1, on.year, on.year + 1) if user.unit_id in assessor_unit_ids(year)]
        consultations = sa.and_(ExpectedMeeting.type == MeetingType.consultation,
                                sa.or_(*(ExpectedMeeting.period_key.like(f"{year}-Q%") for year in assessing))) \
            if assessing else sa.false()
        return sa.or_(ExpectedMeeting.convener_unit_id == user.unit_id,
                      sa.and_(ExpectedMeeting.type == MeetingType.dispatch,
                              ExpectedMeeting.convener_person_id.in_(portfolio)),
                      consultations)
    return sa.false()


def loggable_condition(user):
    """The expected meetings whose record this user may log (the issue's rule; the records service enforces it)."""
    if user.role is Role.admin:
        return sa.true()
    parts = []
    if user.role is Role.staff and user.unit_id:
        parts.append(sa.and_(ExpectedMeeting.type.in_([MeetingType.weekly, MeetingType.semiannual]),
                             ExpectedMeeting.convener_unit_id == user.unit_id))
    if user.role is Role.leader and user.person_id:
        parts.append(sa.and_(ExpectedMeeting.type.in_([MeetingType.dispatch, MeetingType.monthly,
                                                       MeetingType.quarterly]),
                             ExpectedMeeting.convener_person_id == user.person_id))
    return sa.or_(*parts) if parts else sa.false()


def meetings_for(user, start, end, on):
    """The user's meetings held in [start, end] (cancelled ones too, marked), with convener and record loaded."""
    return db.session.scalars(
        sa.select(ExpectedMeeting).where(relevant_condition(user, on), ExpectedMeeting.scheduled_on >= start,
                                         ExpectedMeeting.scheduled_on <= end)
        .options(joinedload(ExpectedMeeting.convener_unit), joinedload(ExpectedMeeting.convener_person),
                 joinedload(ExpectedMeeting.record))
        .order_by(ExpectedMeeting.scheduled_on, ExpectedMeeting.type, ExpectedMeeting.convener_key)).unique().all()


def open_for(user, today, limit=50):
    """The records this user should log: meetings held up to today without a record (missing first, then
    pending), at most `limit`; and how many there are in all."""
    conditions = [loggable_condition(user), ExpectedMeeting.is_cancelled.is_(False),
                  ExpectedMeeting.scheduled_on <= today, MeetingRecord.id.is_(None)]
    base = (sa.select(ExpectedMeeting).outerjoin(MeetingRecord, MeetingRecord.expected_id == ExpectedMeeting.id)
            .where(*conditions))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    meetings = db.session.scalars(
        # contains_eager: the outer join already says there is no record, so the page's links ask no more
        base.options(joinedload(ExpectedMeeting.convener_unit), joinedload(ExpectedMeeting.convener_person),
                     contains_eager(ExpectedMeeting.record))
        .order_by(ExpectedMeeting.record_due_on, ExpectedMeeting.type, ExpectedMeeting.convener_key)
        .limit(limit)).all()
    return [ComplianceRow(m, None, None, classify(m.record_due_on, None, today)[0]) for m in meetings], total


# --- reminders (registered with the reminders scan) ---------------------------------------------------------

REMINDER_WINDOW_DAYS = 45  # meetings whose record was due longer ago than this are no longer reminded
BODY_ENDINGS = {
    MeetingType.semiannual: "请在系统中提交述职报告及附件。",
    MeetingType.consultation: "请在季度考评前召集各考评单位会商考评指标完成情况（附件2 六（二）），"
                              "并在系统中录入会商时间、参会考评单位、纪要和决定事项；指标完成情况在签发时随纪要固定。",
}


def meeting_reminders(today, cal, settings, recipients):
    """Reminders for records not yet logged, one occasion per stage so that each is sent once:
    - "before-N": N working days before the due day (the rule's remind_workdays_before; the 半年述职 reporters);
    - "due": on the due day (a lead unit that has not logged this week's 周会商 by Friday), and after it;
    - "escalate": to the office once the record is `escalate_after_workdays` working days late.
    Units log 周会商 and 述职 (their staff are reminded); the leaders' meetings remind the leader's account and the
    office, which logs on his behalf; the 考评会商 (convened by a unit, the office, but logged by its
    administrators only) reminds the office's administrators. Each text names the meeting by its convener
    ("杨晓军副市长旬调度（2026年11月下旬）"), since two vice mayors' 旬调度 of one period are otherwise alike. Three
    queries (rules, meetings, the conveners' titles), however many meetings."""
    rules = load_rules()
    lead = max([r.remind_workdays_before for r in rules.values()] + [0])
    horizon = cal.add_workdays(today, lead) if lead else today
    rows = db.session.execute(
        sa.select(ExpectedMeeting.id, ExpectedMeeting.type, ExpectedMeeting.period_key, ExpectedMeeting.record_due_on,
                  ExpectedMeeting.convener_unit_id, ExpectedMeeting.convener_person_id, Person.name)
        .outerjoin(MeetingRecord, MeetingRecord.expected_id == ExpectedMeeting.id)
        .outerjoin(Person, Person.id == ExpectedMeeting.convener_person_id)
        .where(MeetingRecord.id.is_(None), ExpectedMeeting.is_cancelled.is_(False),
               ExpectedMeeting.scheduled_on <= horizon, ExpectedMeeting.record_due_on <= horizon,
               ExpectedMeeting.record_due_on >= today - timedelta(days=REMINDER_WINDOW_DAYS))
    ).all()
    titles = convener_titles({row.convener_person_id for row in rows if row.convener_person_id}, today)
    escalate_after = settings.get("escalate_after_workdays", 3)
    reminders = []
    for meeting_id, meeting_type, period_key, due, unit_id, person_id, person_name in rows:
        rule = rules[meeting_type]
        before = rule.remind_workdays_before
        unit_name = recipients.unit_names.get(unit_id, "")
        what = (f"{convener_words(meeting_type, unit_name, person_name, titles.get(person_id, {}))}"
                f"{meeting_type.label}（{key_period_label(meeting_type, period_key)}）")
        if today >= due:
            stage = "due"
            title = f"请录入{what}记录" + ("（今天截止）" if today == due else f"（已于 {due.isoformat()} 截止）")
        elif before and today >= cal.workdays_before(due, before):
            stage = f"before-{before}"
            action = "提交述职报告" if meeting_type is MeetingType.semiannual else "录入记录"
            title = f"{what}将于 {due.isoformat()} 截止，请按时{action}"
        else:
            continue
        body = (f"**{what}**\n\n召集（报告）单位：{unit_name or '—'}；记录截止：{due.isoformat()}。"
                + BODY_ENDINGS.get(meeting_type, "请在系统中录入会议时间、地点、参会单位、议题、纪要和决定事项。"))
        if meeting_type in (MeetingType.weekly, MeetingType.semiannual):
            targets = recipients.staff(unit_id)
        else:
            targets = sorted(set(recipients.users_by_person.get(person_id, [])) | set(recipients.admins))
        for user_id in targets:
            reminders.append(Reminder("meeting_record", "meeting", str(meeting_id), stage, user_id, title, body,
                                      "/meetings/", unit_id))
        late = cal.workdays_overdue(due, today)
        if late >= escalate_after:
            for user_id in recipients.admins:
                reminders.append(Reminder(
                    "meeting_escalation", "meeting", str(meeting_id), "escalate", user_id,
                    f"会议记录缺失：{what}已逾期 {late} 个工作日",
                    f"**{what}**\n\n召集（报告）单位：{unit_name or '—'}；记录截止：{due.isoformat()}，"
                    f"已逾期 {late} 个工作日仍未录入，请督促。", "/meetings/compliance", unit_id))
    return reminders



# the position that makes a person the convener of a meeting type, and the words for it when no title is recorded
CONVENER_FLAGS = {MeetingType.dispatch: ("is_vice_mayor", "副市长"), MeetingType.monthly: ("is_mayor", "市长"),
                  MeetingType.quarterly: ("is_secretary", "市委书记")}


def convener_titles(person_ids, today):
    """{person id: {flag: job title}} of the conveners' current positions (one query)."""
    titles = {}
    if not person_ids:
        return titles
    for row in db.session.execute(
            sa.select(Position.person_id, Position.title, Position.is_vice_mayor, Position.is_mayor,
                      Position.is_secretary)
            .where(Position.person_id.in_(sorted(person_ids)), Position.current_on(today))
            .order_by(Position.starts_on, Position.id)):
        for flag, _ in CONVENER_FLAGS.values():
            if getattr(row, flag):
                titles.setdefault(row.person_id, {}).setdefault(flag, row.title)
    return titles


def convener_words(meeting_type, unit_name, person_name, titles):
    """Who convenes (or reports), as a reminder names it: "杨晓军副市长" for a leader's meeting, "张三（湘潭县）" for a
    述职, the unit's short name for a 周会商."""
    if person_name and meeting_type in CONVENER_FLAGS:
        flag, words = CONVENER_FLAGS[meeting_type]
        title = re.sub(r"[（(].*?[）)]", "", titles.get(flag) or "").strip()  # "副市长(负责日常工作)" → 副市长
        return f"{person_name}{title or words}"
    if person_name:
        return f"{person_name}（{unit_name}）" if unit_name else person_name
    return unit_name


def recheck_meeting_reminders(rows, now):
    """At delivery (app.reminders.ReminderRule.recheck): a record reminder no longer holds once the record is
    logged or the meeting is no longer expected. {outbox id: reason}; one query for the batch."""
    ids = {row: int(row.subject_id) for row in rows if str(row.subject_id).isdigit()}
    found = {}
    if ids:
        found = {meeting_id: (cancelled, record_id) for meeting_id, cancelled, record_id in db.session.execute(
            sa.select(ExpectedMeeting.id, ExpectedMeeting.is_cancelled, MeetingRecord.id)
            .outerjoin(MeetingRecord, MeetingRecord.expected_id == ExpectedMeeting.id)
            .where(ExpectedMeeting.id.in_(sorted(set(ids.values())))))}
    obsolete = {}
    for row, meeting_id in ids.items():
        cancelled, record_id = found.get(meeting_id, (False, None))  # a meeting that is gone: cannot tell
        if record_id is not None:
            obsolete[row.id] = "会议记录已录入"
        elif cancelled:
            obsolete[row.id] = "该会议已取消"
    return obsolete
