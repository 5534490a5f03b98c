"""The monthly reporting's reminders (through the reminders outbox): a unit that has not yet reported last month's
figures is reminded N working days before its due date (and on it), and once the due date has passed; and whether
a reminder still holds when it is delivered (not once the submission is in). Registered by app.ledger.hooks."""

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.ledger.models import ReportingDuty, ReportSubmission
from app.ledger.reporting_calendar import (
    due_date,
    duty_label,
    last_reportable_month,
    month_code,
    month_label,
    parse_month,
)
from app.org.models import Unit, UnitKind
from app.reminders.jobs import Reminder

RULE_DUE = "ledger_report_due"
RULE_OVERDUE = "ledger_report_overdue"
REMIND_WORKDAYS_BEFORE = 2  # the reminder settings may hold "ledger_report_days_before"
SUBJECT_TYPE = "reporting_duty"


def _subject_id(duty_id, month):
    return f"{duty_id}@{month_code(month)}"


def reporting_reminders(today: date, cal, settings, recipients):
    """The active duties without a submission for the last month that has ended: “before-N” from N working days
    before the due date up to it, “overdue” once it has passed (one reminder each, per duty and month). Two
    queries: the duties with their units and targets, the month's submissions."""
    month = last_reportable_month(today)
    days_before = int(settings.get("ledger_report_days_before", REMIND_WORKDAYS_BEFORE))
    rows = db.session.execute(
        sa.select(ReportingDuty, Unit.kind)
        .join(Unit, Unit.id == ReportingDuty.unit_id)
        .where(ReportingDuty.is_active.is_(True), Unit.is_active.is_(True),
               ~sa.exists().where(ReportSubmission.duty_id == ReportingDuty.id, ReportSubmission.month == month))
    ).all()
    reminders = []
    for duty, kind in rows:
        due_on = due_date(month, duty.due_workday, cal)
        if today > due_on:
            occasion, rule = "overdue", RULE_OVERDUE
            title = f"{month_label(month)}{duty_label(duty)}逾期未报送"
            body = (f"{recipients.unit_names.get(duty.unit_id, '')}应于 {due_on.isoformat()}"
                    f"（次月第 {duty.due_workday} 个工作日）前报送{month_label(month)}的{duty_label(duty)}，"
                    "截止日已过仍未报送，请尽快报送。")
        elif today >= cal.workdays_before(due_on, days_before):
            occasion, rule = f"before-{days_before}", RULE_DUE
            title = f"请于 {due_on.isoformat()} 前报送{month_label(month)}{duty_label(duty)}"
            body = (f"{recipients.unit_names.get(duty.unit_id, '')}的{month_label(month)}{duty_label(duty)}尚未报送，"
                    f"截止日为 {due_on.isoformat()}（次月第 {duty.due_workday} 个工作日）。")
        else:
            continue
        users = recipients.staff(duty.unit_id) or (recipients.admins if kind is UnitKind.office else [])
        link = f"/ledger/reporting/{duty.subject.value}/{month_code(month)}"
        for user_id in users:
            reminders.append(Reminder(rule, SUBJECT_TYPE, _subject_id(duty.id, month), occasion, user_id,
                                      title[:200], body, link, duty.unit_id))
    return reminders


def recheck_reporting(rows, now):
    """A reporting reminder no longer holds once the duty's submission for the month is in, or the duty was
    deactivated (two queries for the whole batch)."""
    wanted = {}
    for row in rows:
        duty_id, _, code = str(row.subject_id).partition("@")
        month = parse_month(code)
        if duty_id.isdigit() and month is not None:
            wanted[row.id] = (int(duty_id), month)
    if not wanted:
        return {}
    duty_ids = sorted({duty_id for duty_id, _ in wanted.values()})
    submitted = set(db.session.execute(sa.select(ReportSubmission.duty_id, ReportSubmission.month)
                                       .where(ReportSubmission.duty_id.in_(duty_ids))).all())
    active = set(db.session.scalars(sa.select(ReportingDuty.id).where(ReportingDuty.id.in_(duty_ids),
                                                                      ReportingDuty.is_active.is_(True))))
    obsolete = {}
    for row_id, (duty_id, month) in wanted.items():
        if (duty_id, month) in submitted:
            obsolete[row_id] = "已报送"
        elif duty_id not in active:
            obsolete[row_id] = "报送任务已停用"
    return obsolete
