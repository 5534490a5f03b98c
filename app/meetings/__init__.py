"""The cadence (周会商、旬调度、月分析、季考核、半年述职): rules, expected meetings, records and calendars."""


def register(app):
    """Hook the cadence into the scheduler process and the reminders scan (called once by create_app; nothing
    runs here: `flask scheduler` starts the job, the scan calls the reminders)."""
    from app.meetings.cadence import cadence_job
    from app.meetings.compliance import meeting_reminders, recheck_meeting_reminders
    from app.reminders import register_rule, register_scan
    from app.reminders.scheduler import register_job

    register_job(app, "meetings.cadence", cadence_job, app.config.get("CADENCE_JOB_SECONDS", 3600),
                 label="生成应召开的会议", result_labels={"created": "新增", "updated": "改期", "cancelled": "取消",
                                                  "restored": "恢复"})
    register_scan(meeting_reminders)
    register_rule("meeting_record", "会议记录待录入", recheck_meeting_reminders)
    register_rule("meeting_escalation", "会议记录缺失督办", recheck_meeting_reminders)
