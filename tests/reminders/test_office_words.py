"""The office's queue page shows no English enum value or job id: channels, statuses, rules, occasions and the
scheduler's jobs each have a Chinese label, in the filters and in the rows (issue 16, section 5)."""

import html
import re
from datetime import timedelta

from app.core.jobs import registered_jobs
from app.extensions import db
from app.reminders.models import Channel, OutboxMessage, OutboxStatus, SchedulerStatus
from tests.factories import account

ALLOWED = {"flask scheduler"}  # the command the server administrator runs, named as it is typed
HOST = "10.0.0.5:4242"  # a scheduler's host:pid, as the page shows it


def visible_text(page):
    """The text a reader sees: no tags, attributes, scripts or styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def english_words(text):
    for allowed in ALLOWED:
        text = text.replace(allowed, " ")
    return sorted(set(re.findall(r"[A-Za-z_][A-Za-z_.]{2,}", text)))


def test_every_filter_row_and_job_of_the_queue_is_in_chinese(client, login_as, clock, app):
    gxj = account("gxj")
    now = clock.now()
    for n, (channel, status) in enumerate(zip(list(Channel) * 2, list(OutboxStatus), strict=False)):
        db.session.add(OutboxMessage(
            rule=["task_due", "task_overdue", "meeting_record", "follow_up_stale", "unknown_rule", "task_due"][n],
            subject_type="task", subject_id=str(500 + n), recipient_key=f"user:{gxj.id}", user_id=gxj.id,
            channel=channel, occasion=["before-3", "due", "escalate", "2026-03-2", "x-y", "2026-03-10"][n],
            title=f"提醒{n}", body="正文", link="/tasks/1", status=status, next_attempt_at=now, created_at=now,
            attempts=1))
    db.session.add(SchedulerStatus(name="lock", holder=HOST, heartbeat_at=now - timedelta(seconds=5)))
    for job in registered_jobs(app):
        db.session.add(SchedulerStatus(name=job.name, holder=HOST, last_run_at=now, last_result="{'sent': 1}"))
    db.session.add(SchedulerStatus(name="old.removed_job", holder=HOST, last_run_at=now, last_result="{}"))
    db.session.flush()
    login_as("admin")
    page = client.get("/reminders/office").get_data(as_text=True)
    text = visible_text(page)
    for job in registered_jobs(app):
        assert job.name not in text and job.label in text
    assert "其他任务" in text and "其他提醒" in text
    for channel in Channel:
        assert channel.label in text
    for status in OutboxStatus:
        assert status.label in text
    assert english_words(text) == []
    # and the same with a filter applied
    for query in ("status=failed", "channel=email", "rule=task_due", "status=nonsense&channel=fax"):
        assert english_words(visible_text(client.get(f"/reminders/office?{query}").get_data(as_text=True))) == []
