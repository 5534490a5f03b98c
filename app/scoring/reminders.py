"""The assessment's reminders: what is due (assessors' missing entries after a quarter ends, the annual results
before 30 January, the 考评细则 before 31 March, the policy fulfilment rates in December) and whether a reminder
still holds when it is delivered. Registered with the reminders by app.scoring.register."""

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa

from app.auth.models import Role, User
from app.extensions import db
from app.reminders.jobs import Reminder
from app.scoring.engine import quarter_dates
from app.scoring.quarters import quarter_state
from app.scoring.queries import assessor_unit_ids, missing_entries_by_enterer, office_unit_ids, policy_rates_missing


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
    if today.month == 3 and today >= date(today.year, 3, 31) - timedelta(days=settings["rules_days_before"]):
        for unit_id in assessor_unit_ids(today.year):
            for user_id in recipients.staff(unit_id):
                reminders.append(Reminder("assessment_rules", "year", str(today.year), "due", user_id,
                                          f"请于3月31日前报送{today.year}年度考评细则",
                                          "按考核评价办法六、（一），各考评单位每年3月底前明确年度目标、完善考评细则，"
                                          "报领导小组审定。", f"/scoring/{today.year}/rules"))
    if today.month == settings["policy_month"] and policy_rates_missing(today.year):
        for user_id in recipients.admins:
            reminders.append(Reminder("policy_rates", "year", str(today.year), "due", user_id,
                                      f"请完成{today.year}年县市区（园区）政策兑现情况考评",
                                      "每年12月底前，千百十办对各县市区、园区兑现产业发展政策情况进行考评；"
                                      "政策兑现率低于90%的扣3分。", f"/scoring/{today.year}/admin"))
    return reminders


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
