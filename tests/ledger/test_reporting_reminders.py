"""The monthly reporting's reminders, through the real scan and delivery jobs with an injected clock: a unit that
has not reported last month's figures is reminded two working days before its due date and once it is overdue; a
unit that has reported is not; a reminder whose submission came in before delivery is closed as obsolete."""

from datetime import date, datetime

import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.ledger.models import ReportingDuty, ReportSubject
from app.ledger.reminders import RULE_DUE, RULE_OVERDUE
from app.ledger.reporting import EnterpriseFigureInput, save_enterprise_figures
from app.reminders import jobs, outbox
from app.reminders.models import OutboxMessage, OutboxStatus
from tests.factories import account, unit
from tests.ledger.test_reporting import COUNTY, enterprise

FEB = date(2026, 2, 1)


def duty(unit_name, due_workday=5):
    row = ReportingDuty(unit_id=unit(unit_name).id, subject=ReportSubject.enterprise_figures, due_workday=due_workday)
    db.session.add(row)
    db.session.flush()
    return row


def ledger_rows():
    names = dict(db.session.execute(sa.select(User.id, User.username)).all())
    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.rule.in_((RULE_DUE, RULE_OVERDUE)),
                                                             OutboxMessage.channel == "in_app")
                              .order_by(OutboxMessage.id)).all()
    return [(r.rule, r.subject_id, r.occasion, names.get(r.user_id)) for r in rows]


def test_reminders_before_the_due_date_and_once_overdue(clock):
    county = duty(COUNTY)  # February due by the 5th working day of March: 2026-03-06
    xtx = account("xtx")

    clock.set(datetime(2026, 3, 3, 9, 0))  # three working days before: nothing yet
    jobs.scan(clock.now())
    assert ledger_rows() == []

    clock.set(datetime(2026, 3, 4, 9, 0))  # two working days before
    first = jobs.scan(clock.now())
    assert (RULE_DUE, f"{county.id}@2026-02", "before-2", "xtx") in ledger_rows()
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.rule == RULE_DUE,
                                                               OutboxMessage.user_id == xtx.id))
    assert "2026-03-06" in message.title and "2026年2月" in message.title
    assert message.link == "/ledger/reporting/enterprise_figures/2026-02"
    assert jobs.scan(clock.now())["created"] == 0 and first["created"] > 0  # once per occasion

    clock.set(datetime(2026, 3, 9, 9, 0))  # Monday after the due date
    jobs.scan(clock.now())
    assert (RULE_OVERDUE, f"{county.id}@2026-02", "overdue", "xtx") in ledger_rows()
    overdue = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.rule == RULE_OVERDUE,
                                                               OutboxMessage.user_id == xtx.id))
    assert "逾期未报送" in overdue.title
    clock.set(datetime(2026, 3, 10, 9, 0))
    assert jobs.scan(clock.now())["created"] == 0  # overdue is one occasion, not one a day


def test_a_unit_that_has_reported_gets_no_reminder(clock):
    clock.set(datetime(2026, 3, 2, 9, 0))
    ent = enterprise()
    reported, missing = duty(COUNTY), duty("市工信局")  # 湘乡市 has no demo account
    save_enterprise_figures(account("xtx"), unit(COUNTY), FEB, [EnterpriseFigureInput(ent.id, "100")])

    clock.set(datetime(2026, 3, 5, 9, 0))
    jobs.scan(clock.now())

    subjects = {subject_id for _, subject_id, _, _ in ledger_rows()}
    assert f"{missing.id}@2026-02" in subjects and f"{reported.id}@2026-02" not in subjects


def test_an_inactive_duty_reminds_nobody(clock):
    row = duty(COUNTY)
    row.is_active = False
    db.session.flush()
    clock.set(datetime(2026, 3, 9, 9, 0))
    jobs.scan(clock.now())
    assert ledger_rows() == []


def test_a_reminder_is_obsolete_once_the_submission_is_in(clock):
    clock.set(datetime(2026, 3, 4, 9, 0))
    ent = enterprise()
    county = duty(COUNTY)
    jobs.scan(clock.now())
    assert ledger_rows()

    save_enterprise_figures(account("xtx"), unit(COUNTY), FEB, [EnterpriseFigureInput(ent.id, "100")])
    outbox.deliver(clock.now())

    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.rule == RULE_DUE,
                                                             OutboxMessage.subject_id == f"{county.id}@2026-02")).all()
    assert rows and {(r.status, r.obsolete_reason) for r in rows} == {(OutboxStatus.obsolete, "已报送")}
