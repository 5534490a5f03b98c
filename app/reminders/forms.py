"""Forms of the reminder pages: my channels, a unit's group robots, the office's rule settings. The rules
themselves (address formats, ranges) live in app.reminders.services; the forms parse and ask them."""

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Optional

from app.core.forms import ValidationError, strip
from app.reminders import services
from app.reminders.models import Channel
from app.reminders.rules import DEFAULTS, LABELS

# --- channels -------------------------------------------------------------------------------------------


class _RobotFields(FlaskForm):
    wecom_address = StringField("企业微信群机器人 Webhook 地址或 key", validators=[Optional()], filters=[strip])
    wecom_enabled = BooleanField("启用企业微信群机器人")
    dingtalk_address = StringField("钉钉群机器人 Webhook 地址或 access_token", validators=[Optional()],
                                   filters=[strip])
    dingtalk_secret = PasswordField("钉钉加签密钥（可选）", validators=[Optional()], filters=[strip])
    dingtalk_clear_secret = BooleanField("清除已保存的加签密钥")
    dingtalk_enabled = BooleanField("启用钉钉群机器人")
    submit = SubmitField("保存")

    channels = (Channel.wecom, Channel.dingtalk)

    @classmethod
    def data_from(cls, prefs):
        """Initial values from {Channel: ChannelPreference}; the secret is never sent back to the browser."""
        data = {}
        for channel in cls.channels:
            pref = prefs.get(channel)
            data[f"{channel.value}_address"] = pref.address if pref else ""
            data[f"{channel.value}_enabled"] = pref.is_enabled if pref else False
        return data

    def validate_wecom_address(self, field):
        self._check_address(Channel.wecom, field)

    def validate_dingtalk_address(self, field):
        self._check_address(Channel.dingtalk, field)

    def validate_wecom_enabled(self, field):
        self._check_enabled(Channel.wecom, field)

    def validate_dingtalk_enabled(self, field):
        self._check_enabled(Channel.dingtalk, field)

    def validate_dingtalk_secret(self, field):
        if field.data and (problem := services.secret_problem(field.data)):
            raise ValidationError(problem)

    def _check_address(self, channel, field):
        if field.data and (problem := services.address_problem(channel, field.data)):
            raise ValidationError(problem)

    def _check_enabled(self, channel, field):
        if field.data and not self[f"{channel.value}_address"].data:
            raise ValidationError(f"请先填写{services.CHANNEL_NAMES[channel]}地址，再勾选启用。")

    def changes(self):
        """{Channel: ChannelInput} for services.update_channels."""
        result = {}
        for channel in self.channels:
            secret = services.KEEP
            if channel is Channel.dingtalk:
                secret = "" if self.dingtalk_clear_secret.data else (self.dingtalk_secret.data or services.KEEP)
            result[channel] = services.ChannelInput(self[f"{channel.value}_address"].data or "",
                                                    bool(self[f"{channel.value}_enabled"].data), secret)
        return result


class UnitChannelsForm(_RobotFields):
    """A unit's group robots (the office)."""


class PreferencesForm(_RobotFields):
    """My channels: e-mail and my own robots (in-app notifications are always on)."""

    email_address = StringField("电子邮箱", validators=[Optional()], filters=[strip])
    email_enabled = BooleanField("启用邮件提醒")

    channels = (Channel.email, Channel.wecom, Channel.dingtalk)

    def validate_email_address(self, field):
        self._check_address(Channel.email, field)

    def validate_email_enabled(self, field):
        self._check_enabled(Channel.email, field)


# --- rule settings --------------------------------------------------------------------------------------


class SettingInteger(IntegerField):
    """A whole number with Chinese parse errors; blank is left to InputRequired."""

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(f"“{self.label.text}”必须是整数。") from None


class DaysListField(StringField):
    """Working days as "3,1" (Chinese commas and 、 accepted) → [3, 1]."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        parts = [p for p in re.split(r"[,，、\s]+", valuelist[0].strip()) if p]
        try:
            self.data = [int(p) for p in parts]
        except ValueError:
            self.data = None
            raise ValueError("请填写整数，用逗号分隔，如 3,1。") from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return ",".join(str(n) for n in self.data or [])


def _int(key):
    return SettingInteger(LABELS[key], validators=[InputRequired(message=f"请填写“{LABELS[key]}”。")])


def _clock(key):
    return StringField(LABELS[key], validators=[InputRequired(message=f"请填写“{LABELS[key]}”。")], filters=[strip])


class RulesForm(FlaskForm):
    """Every setting of app.reminders.rules.DEFAULTS, one field each, named by its key."""

    task_days_before = DaysListField(LABELS["task_days_before"])
    task_due_day = BooleanField(LABELS["task_due_day"])
    task_overdue_daily = BooleanField(LABELS["task_overdue_daily"])
    escalate_after_workdays = _int("escalate_after_workdays")
    follow_up_workdays_before_xun = _int("follow_up_workdays_before_xun")
    pending_request_workdays = _int("pending_request_workdays")
    ledger_report_days_before = _int("ledger_report_days_before")
    scoring_entry_workday = _int("scoring_entry_workday")
    annual_results_days_before = _int("annual_results_days_before")
    rules_days_before = _int("rules_days_before")
    policy_month = _int("policy_month")
    send_start = _clock("send_start")
    send_end = _clock("send_end")
    working_days_only = BooleanField(LABELS["working_days_only"])
    max_attempts = _int("max_attempts")
    lease_seconds = _int("lease_seconds")
    submit = SubmitField("保存规则")

    def values(self):
        return {key: self[key].data for key in DEFAULTS}

    def validate(self, extra_validators=None):
        """Parse every field, then ask the service's rules about the values that parsed (ranges, the sending
        window), so that each invalid value gets its own message."""
        valid = super().validate(extra_validators)
        parsed = {key: value for key, value in self.values().items() if not self[key].errors}
        problems = services.rule_problems(parsed)
        for key, message in problems.items():
            if key in parsed:
                self[key].errors = list(self[key].errors) + [message]
                valid = False
        return valid
