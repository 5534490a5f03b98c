"""The cadence (周会商、旬调度、月分析、季考核、半年述职, and the 考评会商 before each quarter's assessment): rules,
expected meetings, records and calendars."""

from app.core.jobs import register_job
from app.meetings.cadence import cadence_job
from app.meetings.compliance import meeting_reminders, recheck_meeting_reminders
from app.reminders.registry import register_rule, register_scan


def register(app):
    """Called once by create_app: the cadence job (run by `flask scheduler`) and the meetings' reminders."""
    register_job(app, "meetings.cadence", cadence_job, app.config.get("CADENCE_JOB_SECONDS", 3600),
                 label="生成应召开的会议", result_labels={"created": "新增", "updated": "改期", "cancelled": "取消",
                                                  "restored": "恢复"})
    register_scan(app, meeting_reminders)
    register_rule(app, "meeting_record", "会议记录待录入", recheck_meeting_reminders)
    register_rule(app, "meeting_escalation", "会议记录缺失督办", recheck_meeting_reminders)
