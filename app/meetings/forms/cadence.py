"""Forms of the cadence pages: a rule's timing (the office) and the compliance filter (GET, no CSRF)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional

from app.core.forms import (
    ChineseDateField,
    ChineseIntegerField,
    OneLine,
    ValidationError,
    max_length,
    options,
    strip,
)
from app.meetings.compliance import ComplianceStatus
from app.meetings.models import Anchor, MeetingType

MAX_RANGE_DAYS = 800  # a compliance query spans at most about two years


class ChoiceField(SelectField):
    """A select whose unknown value is refused in Chinese, naming the field."""

    def pre_validate(self, form):
        if self.data not in {c.value for c in self.choices}:
            raise ValidationError(f"“{self.label.text}”的取值无效，请从列表中选择。")


def _number(what, low, high):
    return [InputRequired(message=f"请填写{what}。"),
            NumberRange(low, high, message=f"{what}应在 {low} 到 {high} 之间。")]


class RuleForm(FlaskForm):
    anchor = ChoiceField("从周期的哪一天算起", choices=options(Anchor.choices()))
    offset_days = ChineseIntegerField("再往后（自然日，可为负数）", validators=_number("相隔天数", -60, 120))
    record_due_workdays = ChineseIntegerField("会后几个工作日内录入记录", validators=_number("录入期限", 0, 30))
    remind_workdays_before = ChineseIntegerField("截止前几个工作日提醒（0 为截止当天）",
                                                 validators=_number("提前提醒天数", 0, 20))
    horizon_days = ChineseIntegerField("提前生成天数", validators=_number("提前生成天数", 7, 400))
    is_active = BooleanField("启用")
    note = StringField("备注", filters=[strip], validators=[OneLine(), Optional(), max_length("备注", 200)])
    submit = SubmitField("保存")


class ComplianceFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    start = ChineseDateField("从", validators=[Optional()])
    end = ChineseDateField("至", validators=[Optional()])
    type = ChoiceField("会议类型", choices=options([("", "全部类型"), *MeetingType.choices()]),
                       validators=[Optional()])
    unit = ChoiceField("召集（报告）单位", choices=[], validators=[Optional()])
    status = ChoiceField("状态", choices=options([("", "全部状态"), *ComplianceStatus.choices()]),
                         validators=[Optional()])

    def validate_end(self, field):
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError("结束日期不能早于开始日期，请调换或重新选择。")
            if (field.data - self.start.data).days > MAX_RANGE_DAYS:
                raise ValidationError(f"查询范围不能超过 {MAX_RANGE_DAYS} 天，请缩小日期范围。")
