"""Journey: a unit's liaison receives a deadline reminder in the notification centre.

The office assigns a task to 市科技局 due on the next working day (a first submission without the lead unit is
refused with the message shown). The scheduler's real jobs then run once at the frozen moment, as `flask
scheduler` would: the scan enqueues the reminder, the delivery writes the in-app notification. 市科技局's
liaison (kjj) signs in, sees the unread count in the navigation, finds the reminder in 我的通知, opens the task
from it (which marks it read), and finds it read when coming back.
"""

from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.reminders import jobs, outbox
from app.reminders.models import Notification
from app.tasks.models import Task
from tests.e2e.helpers import click_and_wait, click_nav, expect_heading, flashes

pytestmark = [pytest.mark.browser, pytest.mark.no_db_transaction]

TITLE = "组织科技型中小企业创新积分制试点申报（浏览器测试）"
DUE = date(2026, 4, 15)  # the next working day after the frozen 2026-04-14


def _run_scheduler_jobs(live_server):
    """One scan and one delivery at the live server's frozen moment, through the scheduler's own jobs."""
    with live_server.app_context():
        now = live_server.clock.now()
        scanned = jobs.scan(now)
        db.session.commit()
        delivered = outbox.deliver(now)
        db.session.commit()
    return scanned, delivered


def _unread_badge(page):
    badge = page.locator("#nav-notifications [data-unread]")
    return int(badge.get_attribute("data-unread")) if badge.count() else 0


def test_office_assigns_task_and_unit_receives_deadline_reminder_in_notification_centre(
        page, sign_in, sign_out, shot, live_server):
    # --- the office assigns a task due tomorrow ---------------------------------------------------------
    sign_in("admin")
    click_nav(page, "交办事项")
    expect_heading(page, "交办事项")
    page.get_by_label("事项名称").fill(TITLE)
    page.get_by_label("具体内容和要求").fill("请于明日前报送试点企业名单和申报材料。")
    page.get_by_label("来源", exact=True).select_option(label="领导批示")
    page.get_by_label("来源说明（会议、批示文号等）").fill("市长批示〔2026〕12号")
    page.get_by_label("完成时限").fill(DUE.isoformat())
    click_and_wait(page, page.get_by_role("button", name="交办"))
    assert page.locator(".invalid-feedback", has_text="请选择牵头单位。").is_visible()  # the summary above lists it too
    shot("office-assign-refused")
    with live_server.app_context():
        assert db.session.scalar(sa.select(Task.id).where(Task.title == TITLE)) is None

    page.get_by_label("牵头单位").select_option(label="市科技局")
    if page.get_by_label("完成时限").input_value() != DUE.isoformat():
        page.get_by_label("完成时限").fill(DUE.isoformat())
    click_and_wait(page, page.get_by_role("button", name="交办"))
    expect_heading(page, TITLE)
    assert flashes(page), page.locator(".alert").all_inner_texts()
    shot("office-assigned")
    with live_server.app_context():
        task_id = db.session.scalar(sa.select(Task.id).where(Task.title == TITLE))
    sign_out()

    # --- the scheduler's jobs run once ------------------------------------------------------------------
    scanned, delivered = _run_scheduler_jobs(live_server)
    assert scanned["created"] > 0 and delivered["sent"] > 0, (scanned, delivered)
    reminder_title = f"交办事项还有 1 个工作日到期：{TITLE}"
    with live_server.app_context():
        notified = db.session.scalars(sa.select(Notification.user_id).where(Notification.title == reminder_title))
        assert len(notified.all()) == 1, "市科技局 has one liaison, who gets one in-app reminder"

    # --- 市科技局's liaison finds it in the notification centre -------------------------------------------
    sign_in("kjj")
    unread = _unread_badge(page)
    assert unread >= 1
    click_and_wait(page, page.locator("#nav-notifications"))
    expect_heading(page, "我的通知")
    item = page.locator(".list-group-item", has=page.get_by_role("link", name=reminder_title, exact=True))
    assert item.count() == 1
    assert item.locator(".badge", has_text="未读").count() == 1
    assert f"完成时限：{DUE.isoformat()}" in item.inner_text()
    shot("liaison-notification-centre")

    click_and_wait(page, item.get_by_role("button", name="查看并标为已读"))
    expect_heading(page, TITLE)
    assert page.url.endswith(f"/tasks/{task_id}")
    assert _unread_badge(page) == unread - 1
    shot("liaison-opened-task")

    click_and_wait(page, page.locator("#nav-notifications"))
    item = page.locator(".list-group-item", has=page.get_by_role("link", name=reminder_title, exact=True))
    assert item.locator(".badge", has_text="未读").count() == 0
    assert "已读于 2026-04-14" in item.inner_text()
    shot("liaison-notification-read")
