"""The delivery channels against local servers: a webhook server on 127.0.0.1 (http.server in a thread) that
records what WeCom's and DingTalk's robots would receive and answers as they do, and an SMTP server (aiosmtpd).

Nothing here leaves the machine: base URLs and the mail server point at the loopback address.
"""

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.reminders import jobs, outbox
from app.reminders.channels import (
    DingTalkRobot,
    EmailSender,
    PermanentFailure,
    Target,
    TemporaryFailure,
    WeComRobot,
    dingtalk_sign,
)
from app.reminders.models import Channel, ChannelPreference, Notification, OutboxMessage, OutboxStatus
from tests.factories import account

NOW = datetime(2026, 3, 10, 9, 0)  # a Tuesday, inside the sending window (local time)


# --- a local webhook server -------------------------------------------------------------------------------

class Webhook:
    """A robot endpoint on 127.0.0.1 that records every request and answers by the request's robot name (the
    `key` or `access_token` query parameter, else the path): `replies[name]` is ("json", payload),
    ("status", code), ("sleep", seconds) or ("text", body); the default is {"errcode": 0, "errmsg": "ok"}."""

    def __init__(self):
        self.requests = []
        self.replies = {}
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                name = (query.get("key") or query.get("access_token") or [url.path])[0]
                webhook.requests.append({"path": url.path, "raw_query": url.query,
                                         "query": {k: v[0] for k, v in query.items()},
                                         "content_type": self.headers.get("Content-Type"),
                                         "json": json.loads(raw.decode("utf-8")), "name": name,
                                         "at_ms": int(time.time() * 1000)})
                kind, value = webhook.replies.get(name, ("json", {"errcode": 0, "errmsg": "ok"}))
                if kind == "sleep":
                    time.sleep(value)
                    kind, value = "json", {"errcode": 0, "errmsg": "ok"}
                if kind == "status":
                    self._answer(value, b"internal error", "text/plain")
                elif kind == "text":
                    self._answer(200, value.encode("utf-8"), "text/html")
                else:
                    self._answer(200, json.dumps(value).encode("utf-8"), "application/json")

            def _answer(self, status, body, content_type):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request, client_address):
                pass  # a client that timed out and hung up is expected here

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def named(self, name):
        return [r for r in self.requests if r["name"] == name]


@pytest.fixture
def webhook(app, monkeypatch):
    """The local robot server, with both base URLs pointing at it and a short timeout."""
    with Webhook() as server:
        monkeypatch.setitem(app.config, "WECOM_BASE_URL", server.url)
        monkeypatch.setitem(app.config, "DINGTALK_BASE_URL", server.url + "/dingtalk/")
        monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT_SECONDS", 0.5)
        yield server


# --- a local SMTP server ----------------------------------------------------------------------------------

def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """aiosmtpd handler that keeps every message it accepts (and can refuse a recipient)."""

    def __init__(self):
        self.messages = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's API)
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.rcpt_tos[:], message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox(app, monkeypatch):
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_USE_SSL", False)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", None)
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT_SECONDS", 5)
    try:
        yield box
    finally:
        controller.stop()


# --- WeCom ------------------------------------------------------------------------------------------------

def test_wecom_posts_a_markdown_message_to_the_configured_base_url_with_the_key(webhook):
    WeComRobot().send(Target("KEY-1"), "交办事项今天到期：测试", "**测试**\n\n牵头单位：市工信局")
    [request] = webhook.requests
    assert request["path"] == "/cgi-bin/webhook/send" and request["query"] == {"key": "KEY-1"}
    assert request["content_type"].startswith("application/json")
    assert request["json"] == {"msgtype": "markdown",
                               "markdown": {"content": "### 交办事项今天到期：测试\n**测试**\n\n牵头单位：市工信局"}}


def test_wecom_accepts_a_full_webhook_url_as_the_address(webhook):
    WeComRobot().send(Target(f"{webhook.url}/cgi-bin/webhook/send?key=FULL"), "标题", "正文")
    assert webhook.requests[0]["name"] == "FULL"


def test_wecom_content_is_cut_to_the_robots_limit(webhook):
    WeComRobot().send(Target("LONG"), "标题", "长" * 10_000)
    assert len(webhook.requests[0]["json"]["markdown"]["content"]) == 4000


@pytest.mark.parametrize(("reply", "failure", "words"), [
    (("json", {"errcode": 45009, "errmsg": "api freq out of limit"}), TemporaryFailure, "45009"),
    (("json", {"errcode": -1, "errmsg": "system busy"}), TemporaryFailure, "-1"),
    (("json", {"errcode": 93000, "errmsg": "invalid webhook url"}), PermanentFailure, "93000"),
    (("status", 500), TemporaryFailure, "HTTP 500"),
    (("status", 503), TemporaryFailure, "HTTP 503"),
    (("status", 429), TemporaryFailure, "HTTP 429"),
    (("status", 404), PermanentFailure, "HTTP 404"),
    (("text", "<html>gateway</html>"), TemporaryFailure, "不是 JSON"),
    (("sleep", 1.5), TemporaryFailure, "网络错误"),
])
def test_wecom_errors_are_temporary_or_permanent_with_a_chinese_message(webhook, reply, failure, words):
    webhook.replies["BAD"] = reply
    with pytest.raises(failure) as info:
        WeComRobot().send(Target("BAD"), "标题", "正文")
    assert words in str(info.value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value))


def test_an_unreachable_robot_is_a_temporary_failure(app, monkeypatch):
    monkeypatch.setitem(app.config, "WECOM_BASE_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(TemporaryFailure, match="网络错误"):
        WeComRobot().send(Target("NOBODY"), "标题", "正文")


# --- DingTalk ---------------------------------------------------------------------------------------------

def test_dingtalk_signature_is_hmac_sha256_of_timestamp_and_secret_in_base64():
    secret, timestamp = "SEC0123456789abcdef", 1772000000000
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert dingtalk_sign(secret, timestamp) == expected


def test_dingtalk_posts_markdown_with_a_fresh_url_encoded_signature(webhook):
    secret = "SECabc/+=xyz"
    before = int(time.time() * 1000)
    DingTalkRobot().send(Target("TOKEN-1", secret), "交办事项已逾期 2 个工作日：测试", "**测试**")
    [request] = webhook.requests
    assert request["path"] == "/dingtalk/robot/send"
    query = request["query"]
    assert query["access_token"] == "TOKEN-1"
    timestamp = int(query["timestamp"])
    assert before <= timestamp <= request["at_ms"]  # DingTalk refuses a timestamp more than an hour off
    # the server recomputes the signature from the timestamp it received
    assert query["sign"] == dingtalk_sign(secret, timestamp)
    raw_sign = dict(part.split("=", 1) for part in request["raw_query"].split("&"))["sign"]
    assert raw_sign == urllib.parse.quote_plus(query["sign"]) and not set("+/=") & set(raw_sign)
    assert request["json"] == {"msgtype": "markdown", "markdown": {
        "title": "交办事项已逾期 2 个工作日：测试", "text": "### 交办事项已逾期 2 个工作日：测试\n**测试**"}}


def test_dingtalk_without_a_secret_sends_no_signature(webhook):
    DingTalkRobot().send(Target("TOKEN-2"), "标题", "正文")
    assert set(webhook.requests[0]["query"]) == {"access_token"}


@pytest.mark.parametrize(("errcode", "failure"), [
    (310000, PermanentFailure),  # sign not match / keywords not in content / IP not allowed
    (300001, PermanentFailure),  # invalid token
    (130101, TemporaryFailure),  # sending too fast
    (-1, TemporaryFailure),      # system busy
    ("0", None),
])
def test_dingtalk_errcodes(webhook, errcode, failure):
    webhook.replies["TOKEN-E"] = ("json", {"errcode": errcode, "errmsg": "msg"})
    if failure is None:
        DingTalkRobot().send(Target("TOKEN-E", "S"), "标题", "正文")
        return
    with pytest.raises(failure, match=f"钉钉返回错误 {errcode}"):
        DingTalkRobot().send(Target("TOKEN-E", "S"), "标题", "正文")


# --- e-mail -----------------------------------------------------------------------------------------------

def text_of(message):
    return message.get_content().replace("\r\n", "\n").strip()  # SMTP carries CRLF line ends


def test_email_goes_through_the_configured_smtp_server_in_utf8(mailbox):
    EmailSender().send(Target("gxj@example.gov.cn"), "交办事项今天到期：测试", "**测试**\n\n牵头单位：市工信局")
    [(recipients, message)] = mailbox.messages
    assert recipients == ["gxj@example.gov.cn"]
    assert message["Subject"] == "交办事项今天到期：测试"
    assert message["To"] == "gxj@example.gov.cn"
    assert "千百十工程督考系统" in message["From"]
    assert text_of(message) == "**测试**\n\n牵头单位：市工信局"


def test_a_refused_address_is_a_permanent_failure_and_no_server_is_a_temporary_one(app, mailbox, monkeypatch):
    mailbox.refuse.add("nobody@example.gov.cn")
    with pytest.raises(PermanentFailure, match="收件地址被拒绝"):
        EmailSender().send(Target("nobody@example.gov.cn"), "标题", "正文")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    with pytest.raises(TemporaryFailure, match="邮件发送失败"):
        EmailSender().send(Target("gxj@example.gov.cn"), "标题", "正文")
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    with pytest.raises(PermanentFailure, match="未配置邮件服务器"):
        EmailSender().send(Target("gxj@example.gov.cn"), "标题", "正文")


# --- digests through the outbox ---------------------------------------------------------------------------

def reminders_for(user, count, rule="task_due", occasion="before-1", unit_id=None):
    return [jobs.Reminder(rule, "task", str(9000 + i), occasion, user.id, f"提醒标题{i}", f"提醒正文{i}",
                          f"/tasks/{9000 + i}", unit_id) for i in range(count)]


def test_one_digest_per_recipient_and_channel_per_run(clock, mailbox, webhook):
    gxj, fgw = account("gxj"), account("fgw")
    db.session.add_all([
        ChannelPreference(user_id=gxj.id, channel=Channel.email, address="gxj@example.gov.cn"),
        ChannelPreference(user_id=fgw.id, channel=Channel.email, address="fgw@example.gov.cn"),
        ChannelPreference(unit_id=gxj.unit_id, channel=Channel.wecom, address="GXJ-ROBOT"),
    ])
    db.session.flush()
    now = clock.now()
    created = jobs.enqueue(reminders_for(gxj, 3, unit_id=gxj.unit_id) + reminders_for(fgw, 1), now)
    # gxj: 3 in-app + 3 e-mail; fgw: 1 in-app + 1 e-mail; the unit's robot: 3
    assert created == 11
    counts = outbox.deliver(now)
    assert counts == {"claimed": 11, "sent": 11, "retried": 0, "failed": 0, "obsolete": 0}
    by_address = {recipients[0]: message for recipients, message in mailbox.messages}
    assert sorted(by_address) == ["fgw@example.gov.cn", "gxj@example.gov.cn"]  # one message each
    digest = by_address["gxj@example.gov.cn"]
    assert digest["Subject"] == "您有 3 条督办提醒"
    assert text_of(digest) == "1. 提醒标题0\n2. 提醒标题1\n3. 提醒标题2\n\n请登录千百十工程督考系统查看详情。"
    assert by_address["fgw@example.gov.cn"]["Subject"] == "提醒标题0"  # a single reminder is sent as it is
    [robot] = webhook.requests
    assert robot["name"] == "GXJ-ROBOT" and robot["json"]["markdown"]["content"].startswith("### 您有 3 条督办提醒")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id.in_([gxj.id, fgw.id]))) == 4
    # a second run finds nothing left to send
    assert outbox.deliver(now + timedelta(minutes=1))["claimed"] == 0
    assert len(mailbox.messages) == 2 and len(webhook.requests) == 1


def test_a_channel_the_recipient_removed_fails_visibly_without_blocking_in_app(clock):
    gxj = account("gxj")
    pref = ChannelPreference(user_id=gxj.id, channel=Channel.dingtalk, address="TOKEN", secret="S")
    db.session.add(pref)
    db.session.flush()
    jobs.enqueue(reminders_for(gxj, 1), clock.now())
    db.session.delete(pref)
    db.session.flush()
    assert outbox.deliver(clock.now()) == {"claimed": 2, "sent": 1, "retried": 0, "failed": 1, "obsolete": 0}
    failed = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.channel == Channel.dingtalk))
    assert failed.status is OutboxStatus.failed and failed.last_error == "收件人已关闭或删除该渠道"


def test_no_email_or_robot_is_sent_outside_working_hours_or_on_days_off(clock):
    gxj = account("gxj")
    db.session.add(ChannelPreference(unit_id=gxj.unit_id, channel=Channel.wecom, address="GXJ-ROBOT"))
    db.session.flush()
    jobs.enqueue(reminders_for(gxj, 1, unit_id=gxj.unit_id), clock.now())  # in-app and the unit's robot
    for local in (datetime(2026, 3, 10, 7, 59), datetime(2026, 3, 10, 17, 30), datetime(2026, 3, 14, 10, 0),
                  datetime(2026, 10, 5, 10, 0)):  # before 08:30, at 17:30, a Saturday, National Day
        clock.set(local)
        claimed = outbox.deliver(clock.now())["claimed"]
        # the in-app one goes at the first run after it is due (enqueued at 09:00), whatever the hour
        assert claimed == (1 if local == datetime(2026, 3, 10, 17, 30) else 0), local
    robot = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.channel == Channel.wecom))
    assert robot.status is OutboxStatus.pending and robot.attempts == 0
    clock.set(datetime(2026, 10, 10, 10, 0))  # the 调休 Saturday after National Day is a working day
    assert outbox.deliver(clock.now())["claimed"] == 1
    assert date(2026, 10, 10).weekday() == 5
