"""Reminder actions: reading notifications, a user's or a unit's delivery channels, and the office's rule
settings. Changes to channels and settings are audited; nothing commits here."""

import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa

from app.core.audit import record_change
from app.core.errors import PermissionDenied, ServiceError
from app.core.text import is_email_address
from app.extensions import db
from app.reminders.models import Channel, ChannelPreference, Notification, ReminderSetting
from app.reminders.queries import UNREAD_FIGURE
from app.reminders.rules import DEFAULTS, LABELS, SETTINGS_CODE, load_settings

log = logging.getLogger(__name__)


# --- notifications --------------------------------------------------------------------------------------

def mark_read(user, notification, now):
    """Mark one of the user's own notifications read (again: no change)."""
    if notification.user_id != user.id:
        raise PermissionDenied("只能标记自己的通知。")
    if notification.read_at is None:
        notification.read_at = now
        db.session.flush()
        _forget_unread(user)


def mark_all_read(user, now):
    """Mark all of the user's unread notifications read; returns how many."""
    result = db.session.execute(sa.update(Notification)
                                .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                                .values(read_at=now).execution_options(synchronize_session=False))
    _forget_unread(user)
    return result.rowcount or 0


def _forget_unread(user):
    """The unread count read with the session (queries.unread_count) is out of date: count again if asked."""
    getattr(user, "session_figures", {}).pop(UNREAD_FIGURE, None)


# --- channels -------------------------------------------------------------------------------------------

CHANNEL_NAMES = {Channel.email: "电子邮箱", Channel.wecom: "企业微信群机器人", Channel.dingtalk: "钉钉群机器人"}
USER_CHANNELS = (Channel.email, Channel.wecom, Channel.dingtalk)
UNIT_CHANNELS = (Channel.wecom, Channel.dingtalk)
WEBHOOK_KEY = re.compile(r"[A-Za-z0-9_-]{8,200}")
SECRET = re.compile(r"[\x21-\x7e]{8,200}")  # printable ASCII, no spaces
ADDRESS_MAX = 500
KEEP = object()  # "leave the stored DingTalk secret as it is"


def address_problem(channel, address):
    """Why an address cannot be used on a channel (Chinese), or None."""
    if len(address) > ADDRESS_MAX:
        return f"{CHANNEL_NAMES[channel]}地址不能超过 {ADDRESS_MAX} 个字符。"
    if channel is Channel.email:
        if not is_email_address(address):
            return "电子邮箱格式不正确，请填写如 name@xiangtan.gov.cn 这样的地址。"
        return None
    if WEBHOOK_KEY.fullmatch(address):
        return None
    parts = urlsplit(address)
    if parts.scheme in ("http", "https") and parts.hostname and not re.search(r"\s", address):
        return None
    return (f"{CHANNEL_NAMES[channel]}地址应为以 http:// 或 https:// 开头的 Webhook 地址，"
            "或 8 到 200 位由字母、数字、下划线、减号组成的 key。")


def secret_problem(secret):
    if not SECRET.fullmatch(secret):
        return "钉钉加签密钥应为 8 到 200 位不含空格的字母、数字或符号（通常以 SEC 开头）。"
    return None


@dataclass(frozen=True)
class ChannelInput:
    """What the form says about one channel: the address ('' to remove), whether to use it, and for DingTalk
    the signing secret (KEEP to leave it, '' to clear it)."""

    address: str
    is_enabled: bool
    secret: object = KEEP


def _masked(channel, address):
    """Webhook keys are credentials: the audit log keeps only enough to recognise them."""
    if channel is Channel.email or not address:
        return address
    return address[:12] + "…" if len(address) > 12 else "…"


def _audit_state(pref):
    return {"address": _masked(pref.channel, pref.address), "is_enabled": pref.is_enabled,
            "has_secret": bool(pref.secret)}


def update_channels(actor, changes, *, user=None, unit=None):
    """Set a user's own channels or (the office) a unit's group robots. `changes` is {Channel: ChannelInput};
    an empty address removes the channel. Every change is audited."""
    if user is not None:
        if actor.id != user.id:
            raise PermissionDenied("只能设置自己的提醒渠道。")
        allowed, owner = USER_CHANNELS, {"user_id": user.id}
    else:
        if not actor.is_admin:
            raise PermissionDenied("只有千百十办可以设置单位的群机器人。")
        allowed, owner = UNIT_CHANNELS, {"unit_id": unit.id}
    existing = {p.channel: p for p in db.session.scalars(sa.select(ChannelPreference).filter_by(**owner))}
    for channel, change in changes.items():
        if channel not in allowed:
            raise ServiceError(f"不能在这里设置{channel.label}。")
        _check_change(channel, change)
    for channel, change in changes.items():
        _apply(actor, channel, change, existing.get(channel), owner)
    db.session.flush()


def _check_change(channel, change):
    field = f"{channel.value}_address"
    if not change.address:
        if change.is_enabled:
            raise ServiceError(f"请先填写{CHANNEL_NAMES[channel]}地址，再勾选启用。", field=field)
        return
    problem = address_problem(channel, change.address)
    if problem:
        raise ServiceError(problem, field=field)
    if channel is not Channel.dingtalk and change.secret not in (KEEP, "", None):
        raise ServiceError("只有钉钉群机器人需要加签密钥。")
    if change.secret not in (KEEP, "", None) and (problem := secret_problem(change.secret)):
        raise ServiceError(problem, field="dingtalk_secret")


def _apply(actor, channel, change, pref, owner):
    if not change.address:
        if pref is not None:
            record_change(actor, "channel.remove", pref, _audit_state(pref), None)
            db.session.delete(pref)
        return
    if pref is None:
        pref = ChannelPreference(channel=channel, address=change.address, is_enabled=change.is_enabled,
                                 secret=None if change.secret is KEEP else (change.secret or None), **owner)
        db.session.add(pref)
        db.session.flush()
        record_change(actor, "channel.set", pref, None, _audit_state(pref))
        return
    before = _audit_state(pref)
    pref.address, pref.is_enabled = change.address, change.is_enabled
    if change.secret is not KEEP:
        pref.secret = change.secret or None
    after = _audit_state(pref)
    if after != before or (change.secret not in (KEEP, "", None)):
        db.session.flush()
        record_change(actor, "channel.set", pref, before, after)


# --- rule settings --------------------------------------------------------------------------------------

# The allowed range of each whole-number setting of app.reminders.rules.
INT_LIMITS = {
    "escalate_after_workdays": (1, 30),
    "follow_up_workdays_before_xun": (1, 5),     # a 旬 has about eight working days
    "scoring_entry_workday": (1, 30),
    "annual_results_days_before": (1, 29),        # the reminder must fall in January (results due 30 January)
    "rules_days_before": (1, 30),                 # ... in March (考评细则 due 31 March)
    "policy_month": (1, 12),
    "pending_request_workdays": (1, 30),
    "ledger_report_days_before": (1, 10),         # due by the Nth working day of the following month
    "max_attempts": (1, 20),
    "lease_seconds": (30, 3600),
}
DAYS_BEFORE_LIMITS = (1, 30)
DAYS_BEFORE_MAX_COUNT = 10
BOOLEANS = ("task_due_day", "task_overdue_daily", "working_days_only")
CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def _name(key):
    return LABELS[key]


def rule_problems(values):
    """{setting: Chinese message} for every invalid value of a complete settings dict (empty when valid)."""
    problems = {}
    for key in DEFAULTS:
        if key not in values:
            problems[key] = f"缺少设置项“{_name(key)}”。"
    for key, (low, high) in INT_LIMITS.items():
        value = values.get(key)
        if key in values and (not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high):
            problems[key] = f"“{_name(key)}”应为 {low} 到 {high} 之间的整数。"
    for key in BOOLEANS:
        if key in values and not isinstance(values[key], bool):
            problems[key] = f"“{_name(key)}”应为是或否。"
    days = values.get("task_days_before")
    low, high = DAYS_BEFORE_LIMITS
    if "task_days_before" in values and (
            not isinstance(days, list) or len(days) > DAYS_BEFORE_MAX_COUNT
            or any(not isinstance(n, int) or isinstance(n, bool) or not low <= n <= high for n in days)):
        problems["task_days_before"] = (f"到期前提醒的工作日数应为 {low} 到 {high} 之间的整数（最多 "
                                        f"{DAYS_BEFORE_MAX_COUNT} 个），用逗号分隔，如 3,1；留空则到期前不提醒。")
    for key in ("send_start", "send_end"):
        if key in values and not (isinstance(values[key], str) and CLOCK.fullmatch(values[key])):
            problems[key] = f"“{_name(key)}”应为 24 小时制时间，如 08:30。"
    window_parsed = {"send_start", "send_end"} <= set(values) and not {"send_start", "send_end"} & set(problems)
    if window_parsed and _minutes(values["send_start"]) >= _minutes(values["send_end"]):
        problems["send_end"] = "每日发送结束时间必须晚于开始时间。"
    return problems


def _minutes(text):
    hours, minutes = CLOCK.fullmatch(text).groups()
    return int(hours) * 60 + int(minutes)


def _normalised(values):
    clean = {key: values[key] for key in DEFAULTS}
    clean["task_days_before"] = sorted(set(values["task_days_before"]), reverse=True)
    for key in ("send_start", "send_end"):
        clean[key] = "{:02d}:{:02d}".format(*divmod(_minutes(values[key]), 60))
    return clean


def update_rules(actor, values):
    """Store the office's reminder settings (a complete dict of app.reminders.rules.DEFAULTS' keys) and audit
    what changed. Returns the changed keys (empty when nothing changed, and then nothing is written)."""
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以修改提醒规则。")
    problems = rule_problems(values)
    if problems:
        key, message = next(iter(problems.items()))
        raise ServiceError(message, field=key)
    current = load_settings()
    clean = _normalised(values)
    changed = [key for key in DEFAULTS if clean[key] != current[key]]
    if not changed:
        return []
    row = db.session.get(ReminderSetting, SETTINGS_CODE)
    if row is None:
        row = ReminderSetting(code=SETTINGS_CODE, value=clean, updated_by_id=actor.id)
        db.session.add(row)
    else:
        row.value, row.updated_by_id = clean, actor.id
    db.session.flush()
    record_change(actor, "reminders.rules", row, {k: current[k] for k in changed}, {k: clean[k] for k in changed},
                  object_type="reminder_settings")
    return changed
