"""The 考评细则's reminders (附件2 六(一): each assessor's 细则 by the end of March), with an injected clock through
the real scan and delivery: from 1 March, and again in the last days of March, the staff of an assessor whose book
is not submitted (none, a draft, returned — the text says which) are reminded with a link to their book; once it is
submitted the reminder no longer holds; the office is reminded of a submitted book until it reviews it."""

from datetime import date, datetime

import sqlalchemy as sa

from app.core.calendar import load_calendar
from app.extensions import db
from app.reminders import jobs, outbox
from app.reminders.models import OutboxMessage, OutboxStatus
from app.reminders.rules import load_settings
from app.scoring import criteria_approval as chain
from app.scoring.models import CriteriaStatus
from app.scoring.reminders import criteria_reminders, scoring_reminders
from tests.factories import account
from tests.scoring.test_criteria_approval import complete_book

YEAR = 2026


def scan_on(day):
    """The scoring scan on a given day, called directly (no outbox)."""
    return scoring_reminders(day, load_calendar(), load_settings(), jobs.Recipients(day))


def rules_reminders(day):
    return [r for r in scan_on(day) if r.rule == "assessment_rules"]


def for_user(reminders, username):
    user_id = account(username).id
    return [r for r in reminders if r.user_id == user_id]


def test_no_reminder_before_march_and_a_first_one_from_the_first_of_march():
    assert rules_reminders(date(2026, 2, 28)) == []
    [gxj] = for_user(rules_reminders(date(2026, 3, 1)), "gxj")
    assert (gxj.subject_type, gxj.subject_id, gxj.occasion) == ("criteria", "2026-miit", "open")
    assert gxj.link == "/scoring/2026/criteria/miit" and "尚未开始起草" in gxj.title
    [fgw] = for_user(rules_reminders(date(2026, 3, 1)), "fgw")
    assert fgw.link == "/scoring/2026/criteria/ndrc"
    assert for_user(rules_reminders(date(2026, 3, 1)), "xtx") == []  # an assessed county drafts no 细则
    admins = for_user(rules_reminders(date(2026, 3, 1)), "admin")
    assert [r.subject_id for r in admins] == ["2026-office"]  # the office's own 细则
    assert rules_reminders(date(2026, 4, 1)) == []


def test_again_in_the_last_days_of_march_as_a_second_occasion():
    settings = load_settings()
    before = date(2026, 3, 31 - settings["rules_days_before"] - 1)
    first = date(2026, 3, 31 - settings["rules_days_before"])
    assert {r.occasion for r in rules_reminders(before)} == {"open"}
    assert {r.occasion for r in rules_reminders(first)} == {"due"}
    [due] = for_user(rules_reminders(first), "gxj")
    assert "尽快" in due.body


def test_the_text_says_whether_the_book_is_a_draft_or_returned_and_a_submitted_book_is_not_reminded():
    book = complete_book("miit")
    [draft] = for_user(rules_reminders(date(2026, 3, 5)), "gxj")
    assert "第1版起草中，尚未报送" in draft.title
    book.status = CriteriaStatus.returned
    db.session.flush()
    [returned] = for_user(rules_reminders(date(2026, 3, 5)), "gxj")
    assert "已被千百十办退回修改" in returned.title
    book.status = CriteriaStatus.submitted
    db.session.flush()
    assert [r for r in for_user(rules_reminders(date(2026, 3, 5)), "gxj") if r.subject_type == "criteria"] == []
    complete_book("ndrc", status=CriteriaStatus.published)
    assert for_user(rules_reminders(date(2026, 3, 5)), "fgw") == []


def test_the_office_is_reminded_of_a_submitted_book_until_it_reviews_it(clock, client, login_as):
    clock.set(datetime(2026, 3, 10, 9, 0))
    book = complete_book("miit")
    chain.submit_book(account("gxj"), book)
    [review] = [r for r in for_user(criteria_reminders(date(2026, 3, 10), load_settings(),
                                                       jobs.Recipients(date(2026, 3, 10))), "admin")
                if r.subject_type == "criteria_book"]
    assert review.subject_id == str(book.id) and review.occasion.startswith("review@")
    assert "待千百十办审核" in review.title
    assert review.link == "/scoring/2026/criteria/miit"
    jobs.scan(clock.now())
    chain.accept_book(account("admin"), book)
    outbox.deliver(clock.now())
    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.rule == "assessment_rules",
                                                             OutboxMessage.subject_type == "criteria_book")).all()
    assert rows and {(r.status, r.obsolete_reason) for r in rows} == {
        (OutboxStatus.obsolete, "考评细则已审核（千百十办已审核）")}


def test_a_reminder_no_longer_holds_once_the_book_is_submitted(clock):
    clock.set(datetime(2026, 3, 10, 9, 0))
    book = complete_book("miit")
    jobs.scan(clock.now())
    chain.submit_book(account("gxj"), book)
    outbox.deliver(clock.now())
    gxj = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.rule == "assessment_rules", OutboxMessage.subject_id == "2026-miit")).all()
    fgw = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.rule == "assessment_rules", OutboxMessage.subject_id == "2026-ndrc")).all()
    assert gxj and {(r.status, r.obsolete_reason) for r in gxj} == {(OutboxStatus.obsolete, "考评细则已报送")}
    assert fgw and {r.status for r in fgw} == {OutboxStatus.sent}  # 发改委 has not submitted: delivered


def test_the_recheck_keeps_a_returned_book_reminded_and_makes_a_fixed_number_of_statements(count_queries):
    book = complete_book("miit", status=CriteriaStatus.returned)
    other = complete_book("ndrc", status=CriteriaStatus.accepted)

    class Row:
        def __init__(self, id, subject_type, subject_id, occasion="open"):
            self.id, self.subject_type, self.subject_id, self.occasion = id, subject_type, subject_id, occasion

    rows = [Row(1, "criteria", "2026-miit"), Row(2, "criteria", "2026-ndrc"), Row(3, "criteria", "2026-most"),
            Row(4, "criteria_book", str(other.id), "review@1"), Row(5, "criteria_book", str(book.id), "published"),
            Row(6, "year", "2026", "due")]
    from app.scoring.reminders import recheck_assessment_rules

    with count_queries() as counter:
        obsolete = recheck_assessment_rules(rows, datetime(2026, 3, 10, 1, 0))
    assert obsolete == {2: "考评细则已报送", 4: "考评细则已审核（千百十办已审核）"}
    assert counter.count == 2
