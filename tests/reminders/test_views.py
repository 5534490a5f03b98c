"""Reminder pages through HTTP on the real database: the notification centre and the unread count in the
navigation, marking read (only one's own), channel preferences and a unit's group robots, the office's
upcoming reminders, outbox (retry, cancel), scheduler status and rule settings."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.core.models import AuditEntry
from app.extensions import db
from app.reminders import jobs, outbox
from app.reminders.models import (
    Channel,
    ChannelPreference,
    Notification,
    OutboxMessage,
    OutboxStatus,
    ReminderSetting,
    SchedulerStatus,
)
from app.reminders.rules import DEFAULTS, load_settings
from app.tasks import services as task_services
from tests.factories import account, unit

NOW = datetime(2026, 3, 10, 10, 0)  # a Tuesday, in working hours (local time)
DUE_SOON = date(2026, 3, 11)  # one working day ahead: the "before-1" reminder is due
OFFICE_PAGES = ["/reminders/office", "/reminders/rules", "/reminders/units"]


@pytest.fixture(autouse=True)
def _working_hours(clock):
    clock.set(NOW)
    return clock


# --- builders -----------------------------------------------------------------------------------------------

def notify(username, title="交办事项还有 1 个工作日到期：推进重点项目开工", link="/tasks/1", read=False,
           minutes_ago=0):
    at = datetime(2026, 3, 10, 2, 0, tzinfo=UTC) - timedelta(minutes=minutes_ago)
    notification = Notification(user_id=account(username).id, title=title, body=f"**{title}**\n\n请抓紧办理。",
                                link=link, created_at=at, read_at=at if read else None)
    db.session.add(notification)
    db.session.flush()
    return notification


def assign_due_soon(title="推进重点项目开工", due=DUE_SOON):
    return task_services.assign_task(account("admin"), title=title, lead_unit=unit("市工信局"), due_on=due,
                                     today=NOW.date())


def message(status=OutboxStatus.failed, username="gxj", channel=Channel.email, error="收件地址被拒绝：x@y.cn",
            rule="task_due", occasion="before-1", subject_id="1"):
    row = OutboxMessage(rule=rule, subject_type="task", subject_id=subject_id,
                        recipient_key=f"user:{account(username).id}", user_id=account(username).id,
                        occasion=occasion, channel=channel, title="交办事项还有 1 个工作日到期：测试",
                        body="请抓紧办理。", link="/tasks/1", status=status, attempts=6 if error else 0,
                        last_error=error)
    db.session.add(row)
    db.session.flush()
    return row


def audits(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def nav_count(html):
    """The unread count on the navigation bell, or 0 when it shows none."""
    bell = re.search(r'<a [^>]*id="nav-notifications".*?</a>', html, flags=re.S)
    assert bell, "no notification bell in the navigation"
    match = re.search(r'data-unread="(\d+)"', bell.group(0))
    return int(match.group(1)) if match else 0


def flashed(html):
    return re.findall(r'<div class="alert alert-(\w+)[^"]*" role="alert">\s*(.*?)\s*<button', html, flags=re.S)


# --- the notification centre ------------------------------------------------------------------------------

def test_notification_centre_lists_my_notifications_unread_first_and_links_only_to_paths_in_the_app(
        client, login_as):
    notify("gxj", "旧的已读通知", read=True, minutes_ago=1)
    notify("gxj", "较早的未读通知", link="/tasks/7", minutes_ago=30)
    notify("gxj", "外部链接的通知", link="https://evil.example/x", minutes_ago=20)
    notify("gxj", "协议相对链接的通知", link="//evil.example/x", minutes_ago=10)
    notify("fgw", "别人的通知")
    login_as("gxj")

    response = client.get("/reminders/")

    assert response.status_code == 200
    html = response.text
    titles = re.findall(r'class="fw-semibold"[^>]*>([^<]+)<', html)
    assert titles == ["协议相对链接的通知", "外部链接的通知", "较早的未读通知", "旧的已读通知"]
    assert "别人的通知" not in html
    assert '<a class="fw-semibold" href="/tasks/7">较早的未读通知</a>' in html
    assert "evil.example" not in html
    assert "3 条未读" in html and nav_count(html) == 3
    assert "**" not in html  # the markdown marks of the robots' text are not shown


def test_a_due_soon_task_reaches_the_notification_centre_and_the_nav_count_through_scan_and_delivery(
        client, login_as, clock):
    task = assign_due_soon()
    now = clock.now()
    assert jobs.scan(now)["created"] >= 1
    assert outbox.deliver(now)["sent"] >= 1
    login_as("gxj")

    home = client.get("/")
    centre = client.get("/reminders/")

    gxj_unread = db.session.scalars(sa.select(Notification.title).where(
        Notification.user_id == account("gxj").id, Notification.read_at.is_(None))).all()
    assert "交办事项还有 1 个工作日到期：推进重点项目开工" in gxj_unread  # (with the quarter's scoring reminder)
    assert nav_count(home.text) == len(gxj_unread)
    assert f'href="/tasks/{task.id}">交办事项还有 1 个工作日到期：推进重点项目开工</a>' in centre.text
    login_as("fgw")
    assert "推进重点项目开工" not in client.get("/reminders/").text  # another unit's staff are not reminded


def test_mark_read_marks_my_notification_and_goes_to_a_safe_next(client, login_as):
    mine = notify("gxj", link="/tasks/5")
    login_as("gxj")

    response = client.post(f"/reminders/{mine.id}/read", data={"next": "/tasks/5"})

    assert response.status_code == 302 and response.headers["Location"] == "/tasks/5"
    db.session.refresh(mine)
    assert mine.read_at is not None
    again = client.post(f"/reminders/{mine.id}/read", data={"next": "https://evil.example/"})
    assert again.headers["Location"] == "/reminders/"
    assert nav_count(client.get("/reminders/").text) == 0


def test_marking_another_users_or_a_missing_notification_is_404_and_changes_nothing(client, login_as):
    theirs = notify("fgw")
    login_as("gxj")

    assert client.post(f"/reminders/{theirs.id}/read").status_code == 404
    assert client.post(f"/reminders/{theirs.id + 1000}/read").status_code == 404
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_read_all_marks_only_my_unread_notifications(client, login_as):
    mine = [notify("gxj", f"通知{i}") for i in range(3)]
    theirs = notify("fgw")
    login_as("gxj")

    response = client.post("/reminders/read-all", follow_redirects=True)

    assert "已将 3 条通知标为已读。" in response.text
    assert nav_count(response.text) == 0
    for n in [*mine, theirs]:
        db.session.refresh(n)
    assert all(n.read_at is not None for n in mine) and theirs.read_at is None
    assert "没有未读通知。" in client.post("/reminders/read-all", follow_redirects=True).text


def test_notification_pages_need_sign_in(client):
    for url in ("/reminders/", "/reminders/preferences"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
    assert client.post("/reminders/read-all").status_code == 302


def test_notification_centre_query_count_does_not_grow_with_notifications(client, login_as, count_queries):
    login_as("gxj")

    def measure(n):
        for i in range(n):
            notify("gxj", f"通知{i}", link=f"/tasks/{i}", read=i % 2 == 0, minutes_ago=i)
        with count_queries() as counter:
            response = client.get("/reminders/")
        assert response.status_code == 200
        return counter.count

    small = measure(2)
    large = measure(30)
    assert large == small


# --- my channels --------------------------------------------------------------------------------------------

def test_preferences_save_my_email_and_robots_with_an_audit_that_hides_the_secret(client, login_as):
    gxj = login_as("gxj")
    response = client.post("/reminders/preferences", data={
        "email_address": "gxj@xiangtan.gov.cn", "email_enabled": "y",
        "wecom_address": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdef12-3456",
        "dingtalk_address": "0123456789abcdef0123", "dingtalk_secret": "SECabcdef0123456789", "dingtalk_enabled": "y",
    })

    assert response.status_code == 302
    prefs = {p.channel: p for p in db.session.scalars(sa.select(ChannelPreference).filter_by(user_id=gxj.id))}
    assert prefs[Channel.email].address == "gxj@xiangtan.gov.cn" and prefs[Channel.email].is_enabled
    assert not prefs[Channel.wecom].is_enabled  # saved but not enabled
    assert prefs[Channel.dingtalk].secret == "SECabcdef0123456789"
    entries = audits("channel.set")
    assert len(entries) == 3
    assert all("SECabcdef" not in str(e.after) for e in entries)
    assert not any("abcdef12-3456" in str(e.after) for e in entries)  # robot keys are masked

    page = client.get("/reminders/preferences").text
    assert "gxj@xiangtan.gov.cn" in page and "SECabcdef" not in page and "已保存加签密钥" in page

    # a blank secret keeps the stored one; a blank address removes the channel
    client.post("/reminders/preferences", data={"email_address": "gxj@xiangtan.gov.cn", "email_enabled": "y",
                                                "wecom_address": "", "dingtalk_secret": "",
                                                "dingtalk_address": "0123456789abcdef0123", "dingtalk_enabled": "y"})
    prefs = {p.channel: p for p in db.session.scalars(sa.select(ChannelPreference).filter_by(user_id=gxj.id))}
    assert set(prefs) == {Channel.email, Channel.dingtalk}
    assert prefs[Channel.dingtalk].secret == "SECabcdef0123456789"
    assert len(audits("channel.remove")) == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"email_address": "gxj.xiangtan.gov.cn", "email_enabled": "y"}, "电子邮箱格式不正确"),
    ({"email_address": "gxj@localhost"}, "电子邮箱格式不正确"),
    ({"email_enabled": "y"}, "请先填写电子邮箱地址，再勾选启用。"),
    ({"wecom_address": "ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"},
     "企业微信群机器人地址应为以 http:// 或 https://"),
    ({"wecom_address": "short"}, "8 到 200 位由字母、数字、下划线、减号组成的 key"),
    ({"wecom_address": "has a space in it"}, "企业微信群机器人地址应为"),
    ({"dingtalk_address": "https://"}, "钉钉群机器人地址应为"),
    ({"dingtalk_enabled": "y"}, "请先填写钉钉群机器人地址，再勾选启用。"),
    ({"dingtalk_address": "0123456789abcdef", "dingtalk_secret": "SEC x"}, "钉钉加签密钥应为"),
    ({"wecom_address": "k" * 501}, "不能超过 500 个字符"),
])
def test_preferences_refuse_bad_input_with_a_chinese_400_and_save_nothing(client, login_as, data, message):
    login_as("gxj")

    response = client.post("/reminders/preferences", data=data)

    assert response.status_code == 400
    assert message in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChannelPreference)) == 0
    assert audits("channel.set") == []


def test_unit_group_robot_is_set_by_the_office_and_used_by_the_next_scan(client, login_as, clock):
    gxj_unit = unit("市工信局")
    login_as("gxj")
    assert client.get(f"/reminders/units/{gxj_unit.id}/channels").status_code == 403
    assert client.post(f"/reminders/units/{gxj_unit.id}/channels",
                       data={"wecom_address": "abcdefgh12345678", "wecom_enabled": "y"}).status_code == 403
    login_as("admin")
    assert client.get("/reminders/units/999999/channels").status_code == 404

    response = client.post(f"/reminders/units/{gxj_unit.id}/channels",
                           data={"wecom_address": "abcdefgh12345678", "wecom_enabled": "y"}, follow_redirects=True)

    assert "已保存市工信局的群机器人设置。" in response.text
    pref = db.session.scalar(sa.select(ChannelPreference).filter_by(unit_id=gxj_unit.id))
    assert (pref.channel, pref.address, pref.is_enabled) == (Channel.wecom, "abcdefgh12345678", True)
    assert "已启用" in client.get("/reminders/units").text
    task = assign_due_soon()
    jobs.scan(clock.now())
    robot_rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.unit_id == gxj_unit.id)).all()
    assert [(r.subject_id, r.channel, r.recipient_key) for r in robot_rows] == [
        (str(task.id), Channel.wecom, f"unit:{gxj_unit.id}:wecom")]


# --- the office ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["gxj", "fushizhang", "guancha"])
def test_office_pages_and_actions_are_403_for_everyone_but_the_office(client, login_as, username):
    row = message()
    login_as(username)
    for url in OFFICE_PAGES:
        assert client.get(url).status_code == 403, url
    assert client.post("/reminders/rules", data={}).status_code == 403
    for action in ("retry", "cancel"):
        assert client.post(f"/reminders/outbox/{row.id}/{action}").status_code == 403
    db.session.refresh(row)
    assert row.status is OutboxStatus.failed


def test_office_pages_open_for_the_office(client, login_as):
    login_as("admin")
    for url in OFFICE_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "提醒" in response.text


def test_upcoming_reminders_are_previewed_by_rule_without_writing_and_leave_once_enqueued(client, login_as, clock):
    task = assign_due_soon()
    login_as("admin")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))

    page = client.get("/reminders/office").text

    upcoming = page.split('id="upcoming"')[1].split('id="outbox"')[0]
    assert "交办事项即将到期" in upcoming
    assert f'<a href="/tasks/{task.id}">交办事项还有 1 个工作日到期：推进重点项目开工</a>' in upcoming
    assert "市工信局联络员" in upcoming and "到期前 1 个工作日" in upcoming
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == before
    assert [r.subject_id for r in jobs.preview(clock.now()) if r.rule == "task_due"] == [str(task.id)]

    jobs.scan(clock.now())
    assert jobs.preview(clock.now()) == []
    page = client.get("/reminders/office").text
    upcoming = page.split('id="upcoming"')[1].split('id="outbox"')[0]
    assert "目前没有待加入发送队列的提醒。" in upcoming
    assert "推进重点项目开工" in page.split('id="outbox"')[1]


def test_outbox_filters_by_status_channel_and_rule_and_shows_the_last_error(client, login_as):
    message(OutboxStatus.failed, error="钉钉返回错误 310000：keywords not in content", channel=Channel.dingtalk)
    message(OutboxStatus.sent, error=None, channel=Channel.in_app, subject_id="2")
    message(OutboxStatus.pending, error=None, channel=Channel.email, rule="task_overdue", occasion="2026-03-10")
    login_as("admin")

    def rows(**args):
        html = client.get("/reminders/office", query_string=args).text.split('id="outbox"')[1]
        if "发送队列中没有符合条件的提醒。" in html:
            return 0
        return html.count("<tr>") - 1  # minus the header row

    assert rows() == 3
    assert rows(status="failed") == 1
    assert rows(channel="in_app") == 1
    assert rows(rule="task_overdue") == 1
    assert rows(status="sent", channel="email") == 0
    assert rows(status="nonsense") == 3  # an unknown filter value is ignored
    failed = client.get("/reminders/office", query_string={"status": "failed"}).text
    assert "钉钉返回错误 310000：keywords not in content" in failed
    assert "发送失败 1" in failed


def test_retry_and_cancel_follow_the_state_rules_and_are_audited(client, login_as):
    failed, sent, pending = message(), message(OutboxStatus.sent, error=None, subject_id="2"), \
        message(OutboxStatus.pending, error=None, subject_id="3")
    login_as("admin")

    response = client.post(f"/reminders/outbox/{failed.id}/retry", data={"next": "/reminders/office?status=failed"})
    assert response.headers["Location"] == "/reminders/office?status=failed"
    db.session.refresh(failed)
    assert (failed.status, failed.attempts) == (OutboxStatus.pending, 0)

    refused = client.post(f"/reminders/outbox/{sent.id}/retry", follow_redirects=True)
    assert ("danger", "该提醒当前为“已发送”，无需重试。") in flashed(refused.text)
    refused = client.post(f"/reminders/outbox/{sent.id}/cancel", follow_redirects=True)
    assert ("danger", "该提醒当前为“已发送”，不能取消。") in flashed(refused.text)
    db.session.refresh(sent)
    assert sent.status is OutboxStatus.sent

    assert ("success", "已取消发送。") in flashed(
        client.post(f"/reminders/outbox/{pending.id}/cancel", follow_redirects=True).text)
    db.session.refresh(pending)
    assert pending.status is OutboxStatus.cancelled
    assert ("danger", "该提醒当前为“已取消”，不能取消。") in flashed(
        client.post(f"/reminders/outbox/{pending.id}/cancel", follow_redirects=True).text)
    client.post(f"/reminders/outbox/{pending.id}/retry")
    db.session.refresh(pending)
    assert pending.status is OutboxStatus.pending  # a cancelled message may be sent after all

    assert client.post("/reminders/outbox/999999/retry").status_code == 404
    assert client.post(f"/reminders/outbox/{failed.id}/retry", data={"next": "https://evil.example/"}
                       ).headers["Location"] == "/reminders/office"
    assert [(e.object_id, e.before, e.after) for e in audits("outbox.retry")] == [
        (str(failed.id), {"status": "failed"}, {"status": "pending"}),
        (str(pending.id), {"status": "cancelled"}, {"status": "pending"}),
        (str(failed.id), {"status": "pending"}, {"status": "pending"}),
    ]
    assert [e.object_id for e in audits("outbox.cancel")] == [str(pending.id)]


def test_the_outbox_offers_only_the_actions_its_state_allows(client, login_as):
    failed, sent = message(), message(OutboxStatus.sent, error=None, subject_id="2")
    login_as("admin")

    html = client.get("/reminders/office").text

    assert f"/reminders/outbox/{failed.id}/retry" in html and f"/reminders/outbox/{failed.id}/cancel" in html
    assert f"/reminders/outbox/{sent.id}/" not in html


def test_scheduler_status_shows_the_lock_holder_and_warns_when_the_heartbeat_is_older_than_a_minute(
        client, login_as, clock):
    login_as("admin")
    assert "调度进程可能未运行" in client.get("/reminders/office").text  # never ran

    now = clock.now()
    db.session.add_all([
        SchedulerStatus(name="lock", holder="app-server-1:4242", heartbeat_at=now - timedelta(seconds=20)),
        SchedulerStatus(name="reminders.scan", holder="app-server-1:4242", last_run_at=now - timedelta(minutes=3),
                        last_result="{'due': 4, 'created': 2}"),
    ])
    db.session.flush()
    fresh = client.get("/reminders/office").text
    assert "调度进程可能未运行" not in fresh
    assert "app-server-1:4242" in fresh and "扫描到期提醒" in fresh
    assert "到期提醒 4，新加入发送队列 2" in fresh  # the job's result in words
    assert "2026-03-10 09:57:00" in fresh  # the last run, in local time

    clock.set(NOW + timedelta(seconds=81))
    assert "调度进程可能未运行" in client.get("/reminders/office").text


# --- the rules ----------------------------------------------------------------------------------------------

def rules_form(**overrides):
    values = dict(DEFAULTS, **overrides)
    data = {}
    for key, value in values.items():
        if isinstance(value, bool):
            if value:
                data[key] = "y"
        elif isinstance(value, list):
            data[key] = ",".join(str(v) for v in value)
        else:
            data[key] = str(value)
    return data


def test_rules_are_saved_normalised_and_audited_with_only_what_changed(client, login_as):
    login_as("admin")
    form = rules_form(task_due_day=False, escalate_after_workdays=5, send_start="8:00")
    form["task_days_before"] = "1，5、3,3"

    response = client.post("/reminders/rules", data=form, follow_redirects=True)

    assert "提醒规则已保存（修改 4 项）" in response.text
    settings = load_settings()
    assert settings["task_days_before"] == [5, 3, 1]
    assert (settings["task_due_day"], settings["escalate_after_workdays"], settings["send_start"]) == (
        False, 5, "08:00")
    [entry] = audits("reminders.rules")
    assert entry.before == {"task_days_before": [3, 1], "task_due_day": True, "escalate_after_workdays": 3,
                            "send_start": "08:30"}
    assert entry.after == {"task_days_before": [5, 3, 1], "task_due_day": False, "escalate_after_workdays": 5,
                           "send_start": "08:00"}
    page = client.get("/reminders/rules").text
    assert 'value="5,3,1"' in page and "千百十办管理员" in page

    unchanged = client.post("/reminders/rules", data=rules_form(**load_settings()), follow_redirects=True)
    assert "没有修改任何规则。" in unchanged.text
    assert len(audits("reminders.rules")) == 1


def test_a_changed_rule_is_what_the_next_scan_uses(client, login_as, clock):
    task = assign_due_soon(due=date(2026, 3, 17))  # five working days ahead: not reminded by default
    assert not [r for r in jobs.preview(clock.now()) if r.subject_id == str(task.id)]
    login_as("admin")

    client.post("/reminders/rules", data=rules_form(task_days_before=[5, 1]))

    assert [r.occasion for r in jobs.preview(clock.now()) if r.subject_id == str(task.id)] == ["before-5"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("task_days_before", "3,x", "请填写整数，用逗号分隔，如 3,1。"),
    ("task_days_before", "0,3", "到期前提醒的工作日数应为 1 到 30 之间的整数"),
    ("task_days_before", "31", "到期前提醒的工作日数应为 1 到 30 之间的整数"),
    ("task_days_before", ",".join(str(n) for n in range(1, 12)), "最多 10 个"),
    ("escalate_after_workdays", "0", "应为 1 到 30 之间的整数"),
    ("escalate_after_workdays", "abc", "必须是整数"),
    ("escalate_after_workdays", "", "请填写“逾期满 N 个工作日后报千百十办和分管副市长”。"),
    ("follow_up_workdays_before_xun", "6", "应为 1 到 5 之间的整数"),
    ("annual_results_days_before", "30", "应为 1 到 29 之间的整数"),
    ("policy_month", "13", "“政策兑现考评月份”应为 1 到 12 之间的整数。"),
    ("max_attempts", "-1", "应为 1 到 20 之间的整数"),
    ("lease_seconds", "5", "应为 30 到 3600 之间的整数"),
    ("lease_seconds", "1.5", "必须是整数"),
    ("send_start", "25:00", "“每日发送开始时间”应为 24 小时制时间，如 08:30。"),
    ("send_end", "下午五点", "“每日发送结束时间”应为 24 小时制时间，如 08:30。"),
    ("send_end", "08:30", "每日发送结束时间必须晚于开始时间。"),
    ("send_end", "07:00", "每日发送结束时间必须晚于开始时间。"),
])
def test_each_invalid_rule_value_is_a_chinese_400_and_nothing_is_saved(client, login_as, field, value, message):
    login_as("admin")
    form = rules_form()
    form[field] = value

    response = client.post("/reminders/rules", data=form)

    assert response.status_code == 400
    assert message in response.text
    assert db.session.get(ReminderSetting, "rules") is None
    assert audits("reminders.rules") == []
    assert load_settings() == DEFAULTS


def test_every_invalid_rule_value_gets_its_own_message_at_once(client, login_as):
    login_as("admin")
    form = rules_form(policy_month=0, max_attempts=99, send_start="18:00", send_end="09:00")
    form["task_days_before"] = "0"

    response = client.post("/reminders/rules", data=form)

    assert response.status_code == 400
    for text in ("“政策兑现考评月份”应为 1 到 12 之间的整数。", "“临时失败最多重试次数”应为 1 到 20 之间的整数。",
                 "每日发送结束时间必须晚于开始时间。", "到期前提醒的工作日数应为 1 到 30 之间的整数"):
        assert text in response.text
    assert response.text.count('class="invalid-feedback"') == 4
    assert db.session.get(ReminderSetting, "rules") is None


# --- the bell's count comes with the session row ------------------------------------------------------------

def test_the_bell_count_is_read_with_the_session_row_not_by_a_statement_of_its_own(app, client, login_as):
    """Every page shows the bell: its count is a subquery of the statement that reads the session (issue #13)."""
    notify("gxj", "第一条")
    notify("gxj", "第二条")
    login_as("gxj")
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        html = client.get("/tasks/inbox").text
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)

    counting = [s for s in statements if "FROM notifications" in s and "count(" in s.lower()]
    assert nav_count(html) == 2
    assert len(counting) == 1 and "FROM user_sessions" in counting[0], counting


def test_marking_read_in_a_request_makes_its_bell_count_again(app):
    """The count read with the session is of the request's start: after marking read, the same request counts."""
    from flask_login import login_user

    from app.auth.services import open_session
    from app.reminders import queries, services

    first = notify("gxj", "第一条")
    notify("gxj", "第二条")
    user = account("gxj")
    open_session(user)
    with app.test_request_context("/"):
        login_user(user)
        user.session_figures = {queries.UNREAD_FIGURE: 2}  # as the session row brought it
        assert queries.unread_count(user.id) == 2
        services.mark_read(user, first, NOW.replace(tzinfo=UTC))
        assert queries.unread_count(user.id) == 1
        user.session_figures = {queries.UNREAD_FIGURE: 1}
        services.mark_all_read(user, NOW.replace(tzinfo=UTC))
        assert queries.unread_count(user.id) == 0
        assert queries.unread_count(account("fgw").id) == 0  # another user's: counted, never the figure
