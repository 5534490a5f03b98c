"""Reminders: the scheduler process, jobs that ask the database what is due, the outbox and its channels.

The scans and rules come from a registry (app.reminders.registry) that each package fills in its `register(app)`;
`register` below adds this package's own: the tasks' reminders and the scan and delivery jobs."""

from app.auth.services import register_session_figure
from app.core.jobs import register_job
from app.reminders import jobs, outbox, queries
from app.reminders.recheck import (
    recheck_follow_up_stale,
    recheck_request,
    recheck_task_due,
    recheck_task_overdue,
)
from app.reminders.registry import register_rule, register_scan
from app.tasks.models import CompletionRequest, ExtensionRequest


def register(app):
    """Called once by create_app: the reminders' jobs, the tasks' scans and rules (the office page lists the rules
    in the order they are registered: these first)."""
    cfg = app.config
    register_session_figure(queries.UNREAD_FIGURE, queries.unread_subquery)  # the navigation bell's count
    register_job(app, "reminders.scan", jobs.scan, cfg["SCHEDULER_SCAN_MINUTES"] * 60, label="扫描到期提醒",
                 result_labels={"due": "到期提醒", "created": "新加入发送队列"})
    register_job(app, "reminders.deliver", outbox.deliver, cfg["SCHEDULER_DELIVER_SECONDS"], label="发送提醒",
                 result_labels={"claimed": "取出", "sent": "已发送", "retried": "稍后重试", "failed": "发送失败",
                                "obsolete": "已作废"})
    for scan in (jobs.due_task_reminders, jobs.follow_up_reminders, jobs.pending_request_reminders,
                 jobs.task_edit_notices):
        register_scan(app, scan)
    register_rule(app, "task_due", "交办事项即将到期", recheck_task_due)
    register_rule(app, "task_overdue", "交办事项逾期", recheck_task_overdue)
    register_rule(app, "task_escalation", "逾期督办（报千百十办、分管副市长）", recheck_task_overdue)
    register_rule(app, "follow_up_stale", "旬调度前未反馈进展", recheck_follow_up_stale)
    register_rule(app, "extension_pending", "延期申请待审核", recheck_request(ExtensionRequest))
    register_rule(app, "completion_pending", "办结申请待审核", recheck_request(CompletionRequest))
    register_rule(app, "task_edited", "交办事项被修改（通知牵头和配合单位）")
