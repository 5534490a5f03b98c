"""The reporting calendar (报送日历): which unit reports which figures by which working day of the following month
(ReportingDuty, set by the office), the due date of a month, the submissions recorded against the duties, and the
late and missing reports of a month (the compliance view).

A month is reported after it ends: the figures of November are due by the N-th Chinese working day of December
(N = the duty's `due_workday`, default 5), counted with the app's working-day calendar (app.core.calendar).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.core.audit import diff, record_change, snapshot
from app.core.calendar import get_calendar
from app.core.clock import get_clock
from app.core.errors import ServiceError
from app.extensions import db
from app.ledger.models import Enterprise, Project, ReportingDuty, ReportSubject, ReportSubmission
from app.org.models import Chain, Target, Unit, UnitGroup

DEFAULT_DUE_WORKDAY = 5
MAX_DUE_WORKDAY = 20
DUTY_FIELDS = ("unit_id", "subject", "target_id", "due_workday", "is_active")
COUNTY_GROUPS = (UnitGroup.county, UnitGroup.park1, UnitGroup.park2)


# --- months ---------------------------------------------------------------------------------------------------

def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def parse_month(text) -> date | None:
    """'2026-11' -> date(2026, 11, 1); None when it is not a month."""
    text = str(text or "").strip()
    try:
        year, month = text.split("-")
        if len(year) != 4 or not year.isdigit() or not month.isdigit() or len(month) > 2:
            return None
        value = date(int(year), int(month), 1)
    except ValueError:
        return None
    return value if 2000 <= value.year <= 2100 else None


def month_code(month: date) -> str:
    return month.strftime("%Y-%m")


def month_label(month: date) -> str:
    return f"{month.year}年{month.month}月"


def last_reportable_month(on: date) -> date:
    """The latest month that has ended on `on` (the month reported now)."""
    return previous_month(month_start(on))


def is_future_month(month: date, on: date) -> bool:
    """True for the current month and later: a month is reported after it ends."""
    return month >= month_start(on)


# --- due dates ------------------------------------------------------------------------------------------------

def due_date(month: date, due_workday: int = DEFAULT_DUE_WORKDAY, cal=None) -> date:
    """The `due_workday`-th Chinese working day of the month after `month`."""
    cal = cal or get_calendar()
    return cal.add_workdays(month_end(month), max(1, int(due_workday)))


def local_date(moment: datetime) -> date:
    return moment.astimezone(get_clock().tz).date()


# --- duties ---------------------------------------------------------------------------------------------------

def find_duty(unit_id, subject: ReportSubject, target_id=None) -> ReportingDuty | None:
    return db.session.scalar(sa.select(ReportingDuty).where(
        ReportingDuty.unit_id == unit_id, ReportingDuty.subject == subject,
        ReportingDuty.target_id.is_(None) if target_id is None else ReportingDuty.target_id == target_id))


def duty_for_submission(actor, unit_id, subject: ReportSubject, target_id=None) -> ReportingDuty:
    """The duty a submission is recorded against; created with the default due day (and audited) when the office
    has not set one, so that every submission is on the compliance view."""
    duty = find_duty(unit_id, subject, target_id)
    if duty is None:
        duty = ReportingDuty(unit_id=unit_id, subject=subject, target_id=target_id, due_workday=DEFAULT_DUE_WORKDAY,
                             is_active=True)
        db.session.add(duty)
        db.session.flush()
        record_change(actor, "ledger.duty.create", duty, None, snapshot(duty, DUTY_FIELDS),
                      reason="报送时自动建立（千百十办尚未设置该报送任务）")
    return duty


def _check_duty(unit_id, subject, target_id, due_workday):
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise ServiceError("请选择报送单位。", field="unit_id")
    try:
        subject = ReportSubject(subject)
    except ValueError:
        raise ServiceError("请选择报送内容。", field="subject") from None
    if subject is ReportSubject.indicator:
        target = db.session.get(Target, target_id) if target_id else None
        if target is None or target.is_computed:
            raise ServiceError("报送内容为“指标数据”时，请选择一项由单位填报的指标。", field="target_id")
    else:
        target_id = None
    if not isinstance(due_workday, int) or not 1 <= due_workday <= MAX_DUE_WORKDAY:
        raise ServiceError(f"截止日应为次月第 1 至第 {MAX_DUE_WORKDAY} 个工作日。", field="due_workday")
    return unit, subject, target_id


def create_duty(actor, unit_id, subject, target_id=None, due_workday=DEFAULT_DUE_WORKDAY) -> ReportingDuty:
    unit, subject, target_id = _check_duty(unit_id, subject, target_id, due_workday)
    if find_duty(unit.id, subject, target_id) is not None:
        raise ServiceError(f"{unit.name}已有“{subject.label}”报送任务，请修改原有任务。", field="subject")
    duty = ReportingDuty(unit_id=unit.id, subject=subject, target_id=target_id, due_workday=due_workday,
                         is_active=True)
    db.session.add(duty)
    db.session.flush()
    record_change(actor, "ledger.duty.create", duty, None, snapshot(duty, DUTY_FIELDS))
    return duty


def update_duty(actor, duty: ReportingDuty, due_workday: int, is_active: bool) -> ReportingDuty:
    _check_duty(duty.unit_id, duty.subject, duty.target_id, due_workday)
    before = snapshot(duty, DUTY_FIELDS)
    duty.due_workday, duty.is_active = due_workday, bool(is_active)
    db.session.flush()
    before, after = diff(before, snapshot(duty, DUTY_FIELDS))
    if after:
        record_change(actor, "ledger.duty.update", duty, before, after)
    return duty


def default_duty_keys():
    """(unit_id, subject, target_id) of the default duties: each county / park with enterprises or projects reports
    enterprise and project figures; each chain's leader unit its scale; each entered indicator's responsible unit
    the indicator (four queries)."""
    keys = []
    with_enterprises = set(db.session.scalars(sa.select(Enterprise.unit_id).where(Enterprise.is_active.is_(True))
                                              .distinct()))
    with_projects = set(db.session.scalars(sa.select(Project.unit_id).where(Project.is_active.is_(True))
                                           .distinct()))
    for unit_id in sorted(with_enterprises):
        keys.append((unit_id, ReportSubject.enterprise_figures, None))
    for unit_id in sorted(with_projects):
        keys.append((unit_id, ReportSubject.project_figures, None))
    for unit_id in sorted(set(db.session.scalars(sa.select(Chain.leader_unit_id)
                                                 .where(Chain.leader_unit_id.is_not(None)).distinct()))):
        keys.append((unit_id, ReportSubject.chain_scale, None))
    for target_id, unit_id in db.session.execute(
            sa.select(Target.id, Target.responsible_unit_id)
            .where(Target.measure.is_(None), Target.responsible_unit_id.is_not(None), Target.code.is_not(None))
            .order_by(Target.sort_order, Target.id)):
        keys.append((unit_id, ReportSubject.indicator, target_id))
    return keys


def create_default_duties(actor) -> int:
    """Create the default duties that do not exist yet (due the 5th working day); returns how many were created.
    Existing duties, active or not, are left as the office set them."""
    present = {(d.unit_id, d.subject, d.target_id) for d in db.session.scalars(sa.select(ReportingDuty))}
    created = 0
    for unit_id, subject, target_id in default_duty_keys():
        if (unit_id, subject, target_id) in present:
            continue
        duty = ReportingDuty(unit_id=unit_id, subject=subject, target_id=target_id,
                             due_workday=DEFAULT_DUE_WORKDAY, is_active=True)
        db.session.add(duty)
        db.session.flush()
        record_change(actor, "ledger.duty.create", duty, None, snapshot(duty, DUTY_FIELDS), reason="默认报送任务")
        present.add((unit_id, subject, target_id))
        created += 1
    return created


def all_duties():
    return db.session.scalars(sa.select(ReportingDuty).options(joinedload(ReportingDuty.unit),
                                                               joinedload(ReportingDuty.target))
                              .join(Unit, Unit.id == ReportingDuty.unit_id)
                              .order_by(ReportingDuty.is_active.desc(), Unit.sort_order, Unit.id,
                                        ReportingDuty.subject, ReportingDuty.target_id)).unique().all()


def unit_duties(unit_id, active_only=True):
    query = (sa.select(ReportingDuty).options(joinedload(ReportingDuty.target))
             .where(ReportingDuty.unit_id == unit_id).order_by(ReportingDuty.subject, ReportingDuty.target_id))
    if active_only:
        query = query.where(ReportingDuty.is_active.is_(True))
    return db.session.scalars(query).unique().all()


# --- submissions ----------------------------------------------------------------------------------------------

def record_submission(actor, duty: ReportingDuty, month: date, rows: int, now: datetime) -> ReportSubmission:
    """Record the duty's submission for `month`: the first one keeps its time, due date and lateness; a later one
    (a correction) only updates the number of rows."""
    submission = db.session.scalar(sa.select(ReportSubmission).where(ReportSubmission.duty_id == duty.id,
                                                                     ReportSubmission.month == month))
    if submission is None:
        due_on = due_date(month, duty.due_workday)
        submission = ReportSubmission(duty_id=duty.id, month=month, submitted_at=now,
                                      submitted_by_id=getattr(actor, "id", None), due_on=due_on,
                                      is_late=local_date(now) > due_on, rows=rows)
        db.session.add(submission)
        db.session.flush()
        record_change(actor, "ledger.submission.create", submission, None,
                      snapshot(submission, ("duty_id", "month", "submitted_at", "due_on", "is_late", "rows")))
    elif rows != submission.rows:
        before = {"rows": submission.rows}
        submission.rows = rows
        db.session.flush()
        record_change(actor, "ledger.submission.update", submission, before, {"rows": rows})
    return submission


# --- status of a month ----------------------------------------------------------------------------------------

STATUS_LABELS = {"missing": "未报送（已逾期）", "late": "逾期报送", "on_time": "按时报送", "open": "未到截止日"}
STATUS_CLASSES = {"missing": "table-danger", "late": "table-warning", "on_time": "", "open": ""}
STATUS_BADGES = {"missing": "text-bg-danger", "late": "text-bg-warning", "on_time": "text-bg-success",
                 "open": "text-bg-secondary"}


@dataclass
class DutyStatus:
    duty: ReportingDuty
    month: date
    due_on: date
    submission: ReportSubmission | None
    status: str

    @property
    def label(self):
        return STATUS_LABELS[self.status]

    @property
    def row_class(self):
        return STATUS_CLASSES[self.status]

    @property
    def badge(self):
        return STATUS_BADGES[self.status]


def status_of(due_on: date, submission, on: date) -> str:
    if submission is not None:
        return "late" if submission.is_late else "on_time"
    return "missing" if on > due_on else "open"


def month_statuses(month: date, on: date, duties=None, cal=None) -> list[DutyStatus]:
    """Every active duty's status for `month` as of `on` (two queries: the duties with units and targets, the
    month's submissions)."""
    cal = cal or get_calendar()
    duties = [d for d in (all_duties() if duties is None else duties) if d.is_active]
    submissions = {}
    if duties:
        submissions = {s.duty_id: s for s in db.session.scalars(
            sa.select(ReportSubmission).where(ReportSubmission.month == month,
                                              ReportSubmission.duty_id.in_([d.id for d in duties])))}
    result = []
    for duty in duties:
        due_on = due_date(month, duty.due_workday, cal)
        submission = submissions.get(duty.id)
        result.append(DutyStatus(duty, month, due_on, submission, status_of(due_on, submission, on)))
    return result


def duty_label(duty: ReportingDuty) -> str:
    if duty.subject is ReportSubject.indicator and duty.target is not None:
        return f"指标数据：{duty.target.code or ''} {duty.target.text}".strip()
    return duty.subject.label
