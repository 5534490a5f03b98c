"""The assessment's reminders: what is due (assessors' missing entries after a quarter ends, the annual results
before 30 January, the 考评细则 before 31 March, the policy fulfilment rates in December) and whether a reminder
still holds when it is delivered. Registered with the reminders by app.scoring.register."""

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa

from app.auth.models import Role, User
from app.extensions import db
from app.reminders.jobs import Reminder
from app.scoring import engine
from app.scoring.criteria_queries import books_of_year
from app.scoring.engine import quarter_dates
from app.scoring.models import CriteriaBook, CriteriaStatus
from app.scoring.quarters import quarter_state
from app.scoring.queries import missing_entries_by_enterer, office_unit_ids, policy_rates_missing
from app.scoring.year_rules import load_year_rules

CRITERIA_NOT_SUBMITTED = (CriteriaStatus.draft, CriteriaStatus.returned)


def scoring_reminders(today: date, cal, settings, recipients):
    """Assessors with missing entries after the quarter ends; the annual results before 30 January; the
    考评细则 before 31 March; policy fulfilment rates in December."""
    reminders = []
    # the last quarter that has ended
    year, quarter = (today.year, (today.month - 1) // 3) if today.month > 3 else (today.year - 1, 4)
    if quarter:
        _, end = quarter_dates(year, quarter)
        deadline = cal.add_workdays(end, settings["scoring_entry_workday"])
        state = quarter_state(year, quarter)
        if (state is None or not state.is_finalized) and today > end:
            missing = missing_entries_by_enterer(year, quarter)
            stage = "deadline" if today >= cal.workdays_before(deadline, 1) else "ended"
            office = office_unit_ids() if missing else set()  # once, not a query per unit
            for enterer_unit_id, count in missing.items():
                unit = recipients.unit_names.get(enterer_unit_id, "")
                for user_id in recipients.staff(enterer_unit_id) or (
                        recipients.admins if enterer_unit_id in office else []):
                    reminders.append(Reminder(
                        "scoring_entry", "quarter", f"{year}-{quarter}", f"{stage}", user_id,
                        f"请录入{year}年第{quarter}季度考评得分（{unit}尚缺 {count} 项）",
                        f"{year}年第{quarter}季度已结束，{unit}尚有 {count} 项考评得分未录入，"
                        + (f"请于 {deadline.isoformat()}（季度结束后第 {settings['scoring_entry_workday']} 个工作日）"
                           "前完成。" if today <= deadline else
                           f"录入期限 {deadline.isoformat()} 已过，请尽快完成，以免影响季度审定。"),
                        f"/scoring/{year}/q{quarter}/entry"))
    if today.month == 1 and today >= date(today.year, 1, 30) - timedelta(days=settings["annual_results_days_before"]):
        for user_id in recipients.admins:
            reminders.append(Reminder("annual_results", "year", str(today.year - 1), "due", user_id,
                                      f"请于1月30日前完成{today.year - 1}年度考评结果",
                                      f"按考核评价办法，{today.year - 1}年度得分应于 {today.year}年1月30日前综合得出。",
                                      f"/scoring/{today.year - 1}"))
    reminders += criteria_reminders(today, settings, recipients)
    if today.month == settings["policy_month"] and policy_rates_missing(today.year):
        for user_id in recipients.admins:
            reminders.append(Reminder("policy_rates", "year", str(today.year), "due", user_id,
                                      f"请完成{today.year}年县市区（园区）政策兑现情况考评",
                                      "每年12月底前，千百十办对各县市区、园区兑现产业发展政策情况进行考评；"
                                      "政策兑现率低于90%的扣3分。", f"/scoring/{today.year}/admin"))
    return reminders


def _criteria_states(year):
    """{assessor: the status of its newest book of the year} (one statement)."""
    return {assessor: versions[0] for assessor, versions in books_of_year(year).items()}


def criteria_reminders(today: date, settings, recipients):
    """考评细则 (附件2 六(一): by the end of March): from 1 March, and again in the last `rules_days_before` days of
    March, the staff of every assessor whose book for the year is not yet submitted (none, a draft, returned) are
    reminded, linking to their book; whenever a book is submitted, the office's administrators, until it is
    reviewed."""
    reminders = []
    if today.month == 3:
        year = today.year
        occasion = "due" if today >= date(year, 3, 31) - timedelta(days=settings["rules_days_before"]) else "open"
        books = _criteria_states(year)
        for assessor, unit_id in load_year_rules(year).assessor_units.items():
            book = books.get(assessor)
            if book is not None and book.status not in CRITERIA_NOT_SUBMITTED:
                continue
            state = ("尚未开始起草" if book is None else
                     "已被千百十办退回修改，尚未重新报送" if book.status is CriteriaStatus.returned else
                     f"第{book.version}版起草中，尚未报送")
            label = engine.assessor_label(assessor)
            for user_id in recipients.staff(unit_id) or (recipients.admins if assessor == "office" else []):
                reminders.append(Reminder(
                    "assessment_rules", "criteria", f"{year}-{assessor}", occasion, user_id,
                    f"请于3月31日前报送{year}年度{label}考评细则（{state}）",
                    f"按考核评价办法六、（一），各考评单位每年3月底前明确年度目标、完善考评细则，报千百十办审核后由"
                    f"领导小组审定。{label}{year}年度考评细则{state}"
                    + ("，请尽快完成并报送。" if occasion == "due" else "，请按时起草并报送。"),
                    f"/scoring/{year}/criteria/{assessor}", unit_id))
    for book in db.session.scalars(sa.select(CriteriaBook).where(CriteriaBook.status == CriteriaStatus.submitted)
                                   .order_by(CriteriaBook.year, CriteriaBook.assessor)):
        label = f"{book.year}年{engine.assessor_label(book.assessor)}考评细则（第{book.version}版）"
        submitted = book.submitted_at.strftime("%Y%m%d%H%M%S") if book.submitted_at else "0"
        for user_id in recipients.admins:
            reminders.append(Reminder(
                "assessment_rules", "criteria_book", str(book.id), f"review@{submitted}", user_id,
                f"{label}已报送，待千百十办审核",
                f"{label}已报送千百十办，请审核：审核通过后报领导小组审定，或写明意见退回修改。",
                f"/scoring/{book.year}/criteria/{book.assessor}"))
    return reminders


def recheck_assessment_rules(rows, now):
    """"请报送考评细则" holds while the assessor's newest book of the year is not submitted; "待审核" while the
    book is still submitted (not yet returned or accepted). The publication notices always hold. Two statements
    for the batch."""
    obsolete = {}
    pending = {}
    for row in rows:
        if row.subject_type == "criteria":
            year, _, assessor = str(row.subject_id).partition("-")
            if year.isdigit() and assessor:
                pending.setdefault(int(year), []).append((row, assessor))
    if pending:
        newest = {}
        for book in db.session.scalars(sa.select(CriteriaBook).where(CriteriaBook.year.in_(sorted(pending)))
                                       .order_by(CriteriaBook.version)):
            newest[(book.year, book.assessor)] = book
        for year, group in pending.items():
            for row, assessor in group:
                book = newest.get((year, assessor))
                if book is not None and book.status not in CRITERIA_NOT_SUBMITTED:
                    obsolete[row.id] = "考评细则已报送"
    review = {int(row.subject_id): row for row in rows if row.subject_type == "criteria_book"
              and str(row.occasion).startswith("review@") and str(row.subject_id).isdigit()}
    if review:
        states = dict(db.session.execute(sa.select(CriteriaBook.id, CriteriaBook.status)
                                         .where(CriteriaBook.id.in_(sorted(review)))).all())
        for row in rows:
            if row.subject_type == "criteria_book" and str(row.occasion).startswith("review@") \
                    and str(row.subject_id).isdigit():
                status = states.get(int(row.subject_id))
                if status is not None and status is not CriteriaStatus.submitted:
                    obsolete[row.id] = f"考评细则已审核（{status.label}）"
    return obsolete


def recheck_scoring_entry(rows, now):
    """"请录入第N季度考评得分" holds while the quarter is not finalized and the recipient's unit (for the office's
    administrators: an office unit) still has cells to enter. Per quarter in the batch (in practice one): the
    quarter's state and the missing cells; once: the recipients and the office units."""
    users = {}
    user_ids = sorted({row.user_id for row in rows if row.user_id})
    if user_ids:
        users = {u.id: u for u in db.session.execute(sa.select(User.id, User.role, User.unit_id)
                                                      .where(User.id.in_(user_ids)))}
    office = None
    obsolete = {}
    by_quarter = defaultdict(list)
    for row in rows:
        year, _, quarter = str(row.subject_id).partition("-")
        if year.isdigit() and quarter.isdigit():
            by_quarter[(int(year), int(quarter))].append(row)
    for (year, quarter), group in by_quarter.items():
        state = quarter_state(year, quarter)
        if state is not None and state.is_finalized:
            obsolete.update({row.id: f"{year}年第{quarter}季度考评已审定" for row in group})
            continue
        missing = missing_entries_by_enterer(year, quarter)
        for row in group:
            user = users.get(row.user_id)
            if user is None:
                continue
            if user.unit_id in missing:
                continue
            if user.role is Role.admin:
                office = office_unit_ids() if office is None else office
                if office & set(missing):
                    continue
            obsolete[row.id] = "本单位得分已全部录入"
    return obsolete


def recheck_policy_rates(rows, now):
    """"请完成政策兑现情况考评" holds while some county or park has no rate for the year."""
    obsolete = {}
    for year in {row.subject_id for row in rows if str(row.subject_id).isdigit()}:
        if not policy_rates_missing(int(year)):
            obsolete.update({row.id: "政策兑现率已全部录入" for row in rows if row.subject_id == year})
    return obsolete
