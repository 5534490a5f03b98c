"""Reminder rules: office-editable settings with sensible defaults, stored as one JSON row.

Every number here is a setting the office can change on the rules page; the defaults follow what users asked
for first: deadline reminders 3 and 1 working days ahead, on the due day, then daily while overdue with
escalation. E-mail and group robots go in working hours only (the sending window); an in-app notification
is written at once, whatever the hour.
"""

import copy
from datetime import datetime, time, timedelta

from app.extensions import db
from app.reminders.models import ReminderSetting

SETTINGS_CODE = "rules"

DEFAULTS = {
    "task_days_before": [3, 1],          # working days before the due date
    "task_due_day": True,                # remind on the due day
    "task_overdue_daily": True,          # then every working day while overdue
    "escalate_after_workdays": 3,        # escalate to the office and the vice mayor after N working days overdue
    "follow_up_workdays_before_xun": 1,  # remind units with stale follow-ups N working days before the next 旬
    "scoring_entry_workday": 10,         # assessors: entries due by the Nth working day after the quarter ends
    "annual_results_days_before": 10,    # the annual results are due 30 January: remind N days before
    "rules_days_before": 14,             # 考评细则 are due 31 March: remind N days before
    "policy_month": 12,                  # policy fulfilment rates are assessed in December
    "pending_request_workdays": 2,       # remind deciders of requests waiting N working days
    "ledger_report_days_before": 2,      # monthly figures (台账报送): remind N working days before the due day
    "send_start": "08:30",               # delivery window, local time, on working days only
    "send_end": "17:30",
    "working_days_only": True,
    "max_attempts": 6,                   # temporary failures are retried with backoff, then fail visibly
    "lease_seconds": 120,                # a claimed row not marked sent by then is delivered again
}

LABELS = {
    "task_days_before": "交办事项到期前提醒（工作日，逗号分隔）",
    "task_due_day": "到期当天提醒",
    "task_overdue_daily": "逾期后每个工作日提醒",
    "escalate_after_workdays": "逾期满 N 个工作日后报千百十办和分管副市长",
    "follow_up_workdays_before_xun": "旬调度前 N 个工作日提醒未反馈进展的单位",
    "scoring_entry_workday": "季度结束后第 N 个工作日前须完成考评录入",
    "annual_results_days_before": "年度结果（1月30日前）提前 N 天提醒",
    "rules_days_before": "考评细则（3月31日前）提前 N 天提醒",
    "policy_month": "政策兑现考评月份",
    "pending_request_workdays": "延期、办结申请待审核满 N 个工作日提醒",
    "ledger_report_days_before": "台账月度数据报送截止前 N 个工作日提醒",
    "send_start": "每日发送开始时间",
    "send_end": "每日发送结束时间",
    "working_days_only": "仅在工作日发送",
    "max_attempts": "临时失败最多重试次数",
    "lease_seconds": "发送租约（秒）",
}


def load_settings():
    row = db.session.get(ReminderSetting, SETTINGS_CODE)
    settings = copy.deepcopy(DEFAULTS)
    if row is not None:
        settings.update({k: v for k, v in row.value.items() if k in DEFAULTS})
    return settings


def parse_clock(text) -> time:
    hours, minutes = (int(x) for x in str(text).split(":"))
    return time(hours, minutes)


def within_sending_window(local_now, calendar, settings) -> bool:
    """E-mail and robot reminders go out in working hours on working days only (never at 3 a.m.)."""
    if settings["working_days_only"] and not calendar.is_workday(local_now.date()):
        return False
    return parse_clock(settings["send_start"]) <= local_now.time() < parse_clock(settings["send_end"])


def next_window_start(local_now, calendar, settings):
    """The first moment at or after `local_now` (aware, local) inside the sending window: `local_now` itself when
    it is inside, else the window's start today (before it opens) or on the next sending day; None when the
    window is empty (its end not after its start)."""
    if within_sending_window(local_now, calendar, settings):
        return local_now
    start, end = parse_clock(settings["send_start"]), parse_clock(settings["send_end"])
    if end <= start:
        return None
    day = local_now.date()
    if local_now.time() >= start or (settings["working_days_only"] and not calendar.is_workday(day)):
        day = calendar.next_workday(day) if settings["working_days_only"] else day + timedelta(days=1)
    return datetime.combine(day, start, tzinfo=local_now.tzinfo)
