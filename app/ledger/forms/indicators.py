"""The office's forms for indicators: a yearly target (year, city or a county / park, value) and the indicator's
responsible unit and breakdown."""

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import InputRequired

from app.core.forms import ChineseIntegerField, IdSelectField, strip


class YearlyTargetForm(FlaskForm):
    year = ChineseIntegerField("年度", validators=[InputRequired("请填写年度。")])
    unit_id = IdSelectField("适用范围")
    # Text, checked by the service (a number ≥ 0, two decimals at most): the message names the field in Chinese.
    value = StringField("目标值", filters=[strip], validators=[InputRequired("请填写目标值。")])
    submit = SubmitField("保存年度目标")

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id.choices = [(None, "全市")] + [(u.id, u.short_name) for u in units]

    def decimal_value(self):
        try:
            return Decimal(self.value.data)
        except (InvalidOperation, TypeError):
            return self.value.data  # the service refuses it ("目标值必须是数字。")


class IndicatorForm(FlaskForm):
    responsible_unit_id = IdSelectField("责任单位")
    breaks_down = BooleanField("分解到县市区、园区")
    submit = SubmitField("保存")

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.responsible_unit_id.choices = [(None, "（未指定）")] + [(u.id, u.name) for u in units]
