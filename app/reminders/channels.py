"""Delivery channels behind one interface: in-app (always), e-mail over SMTP, WeCom (企业微信) and DingTalk
(钉钉) group robots. Webhook base URLs are settings, so 政务微信 / 专有钉钉 deployments work the same way.

A channel's `send(target, title, markdown)` returns normally on success and raises `TemporaryFailure`
(retried with backoff) or `PermanentFailure` (stops; shown to the office). Guarantees (see README):
in-app is delivered exactly once; the external channels at least once (a worker that dies after the remote
accepted a message but before marking it sent will send it again when its lease expires).
"""

import base64
import hashlib
import hmac
import http.client
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app


class TemporaryFailure(Exception):
    """Worth retrying later (network, timeout, 5xx, rate limit)."""


class PermanentFailure(Exception):
    """Retrying will not help (bad address, bad key, rejected content)."""


@dataclass(frozen=True)
class Target:
    """Where a message goes: an e-mail address or a webhook address, with an optional signing secret."""

    address: str
    secret: str | None = None


def _post_json(url, payload, timeout):
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URLs)
            body = response.read()
    except urllib.error.HTTPError as error:
        error.close()  # it holds the response's socket open until garbage-collected
        if error.code >= 500 or error.code == 429:
            raise TemporaryFailure(f"服务器返回 HTTP {error.code}") from None
        raise PermanentFailure(f"服务器拒绝请求：HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as error:
        raise TemporaryFailure(f"网络错误：{getattr(error, 'reason', error)}") from None
    try:
        return json.loads(body.decode("utf-8") or "{}")
    except (ValueError, UnicodeDecodeError):
        raise TemporaryFailure("服务器返回的内容不是 JSON") from None


# errcodes that say "try later": system busy / frequency limits (WeCom -1, 45009; DingTalk 130101, -1).
RETRYABLE_ERRCODES = {-1, 45009, 45033, 130101, 130102}


def _check_errcode(result, service):
    code = result.get("errcode", 0)
    if code in (0, "0"):
        return
    message = f"{service}返回错误 {code}：{result.get('errmsg', '')}"
    if code in RETRYABLE_ERRCODES:
        raise TemporaryFailure(message)
    raise PermanentFailure(message)


class WeComRobot:
    """企业微信群机器人: POST {base}/cgi-bin/webhook/send?key=KEY with a markdown message."""

    name = "wecom"

    def send(self, target: Target, title, markdown):
        cfg = current_app.config
        address = target.address
        if not address.startswith("http"):
            address = f"{cfg['WECOM_BASE_URL'].rstrip('/')}/cgi-bin/webhook/send?key={urllib.parse.quote(address)}"
        content = f"### {title}\n{markdown}"[:4000]
        result = _post_json(address, {"msgtype": "markdown", "markdown": {"content": content}},
                            cfg["WEBHOOK_TIMEOUT_SECONDS"])
        _check_errcode(result, "企业微信")


def dingtalk_sign(secret, timestamp_ms):
    """DingTalk's signature: base64(HMAC-SHA256(secret, "{timestamp}\\n{secret}")), URL-encoded by the caller."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class DingTalkRobot:
    """钉钉群机器人: POST {base}/robot/send?access_token=TOKEN[&timestamp&sign] with a markdown message."""

    name = "dingtalk"

    def send(self, target: Target, title, markdown):
        cfg = current_app.config
        address = target.address
        if not address.startswith("http"):
            address = f"{cfg['DINGTALK_BASE_URL'].rstrip('/')}/robot/send?access_token={urllib.parse.quote(address)}"
        if target.secret:
            timestamp = int(time.time() * 1000)
            sign = urllib.parse.quote_plus(dingtalk_sign(target.secret, timestamp))
            address += f"&timestamp={timestamp}&sign={sign}"
        result = _post_json(address, {"msgtype": "markdown",
                                      "markdown": {"title": title[:60], "text": f"### {title}\n{markdown}"[:5000]}},
                            cfg["WEBHOOK_TIMEOUT_SECONDS"])
        _check_errcode(result, "钉钉")


class EmailSender:
    """E-mail over SMTP (settings MAIL_*); the body is the markdown text, which reads well as plain text."""

    name = "email"

    def send(self, target: Target, title, markdown):
        cfg = current_app.config
        if not cfg.get("MAIL_SERVER"):
            raise PermanentFailure("未配置邮件服务器（MAIL_SERVER），无法发送邮件")
        message = EmailMessage()
        message["Subject"] = title
        message["From"] = formataddr((cfg["MAIL_SENDER_NAME"], cfg["MAIL_SENDER"]))
        message["To"] = target.address
        message.set_content(markdown)
        try:
            smtp_cls = smtplib.SMTP_SSL if cfg.get("MAIL_USE_SSL") else smtplib.SMTP
            with smtp_cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["WEBHOOK_TIMEOUT_SECONDS"]) as smtp:
                if cfg.get("MAIL_USE_TLS") and not cfg.get("MAIL_USE_SSL"):
                    smtp.starttls(context=ssl.create_default_context())
                if cfg.get("MAIL_USERNAME"):
                    smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentFailure(f"收件地址被拒绝：{target.address}") from error
        except smtplib.SMTPAuthenticationError as error:
            raise PermanentFailure("邮件服务器认证失败，请检查 MAIL_USERNAME/MAIL_PASSWORD") from error
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(f"邮件发送失败：{error}") from error


CHANNELS = {"wecom": WeComRobot(), "dingtalk": DingTalkRobot(), "email": EmailSender()}


def channel_for(name):
    return CHANNELS[name]
