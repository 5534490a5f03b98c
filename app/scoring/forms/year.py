"""Forms of the year's administration: policy fulfilment rates, the province-first flag, 不合格 decisions."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Optional

from app.core.forms import (
    ChineseDateField,
    IdSelectField,
    OneLine,
    ValidationError,
    limit_note,
    max_length,
    options,
    required,
    strip,
)
from app.scoring.engine import decimal_text as fmt


def policy_rates_form(units, rates):
    """A rate and a remark per county or park, prefilled with the year's recorded ones."""

    class PolicyRatesForm(FlaskForm):
        submit = SubmitField("保存政策兑现率")

    data = {}
    for unit in units:
        setattr(PolicyRatesForm, f"rate_{unit.id}", StringField(f"{unit.name}政策兑现率（%）", validators=[
            OneLine("政策兑现率"), Optional(), max_length("政策兑现率", 20)], filters=[strip]))
        setattr(PolicyRatesForm, f"note_{unit.id}", StringField(f"{unit.name}备注", validators=[
            OneLine("备注"), Optional(), max_length("备注", 500)], filters=[strip]))
        row = rates.get(unit.id)
        if row is not None:
            data[f"rate_{unit.id}"] = fmt(row.rate)
            data[f"note_{unit.id}"] = row.note or ""
    return PolicyRatesForm(data=data, prefix="rates")


class ProvinceFirstForm(FlaskForm):
    province_first = BooleanField("湘潭市在省政府真抓实干督查激励中排名同类市州第一位"
                                  "（本年度各单位年度得分均调整为满分）")
    note = TextAreaField("依据（如省政府通报文号）", validators=[max_length("依据", 2000)])
    submit = SubmitField("保存")

    def validate_note(self, field):
        if self.province_first.data and not (field.data or "").strip():
            raise ValidationError("请填写依据（如省政府通报文号），再设置排名第一。")


class FailDecisionForm(FlaskForm):
    unit_id = IdSelectField("单位")
    decided_on = ChineseDateField("决定日期", validators=[InputRequired(message="请填写决定日期。")])
    reason = TextAreaField("领导小组决定的理由", description=limit_note(2000), validators=[
        required("理由"), max_length("理由", 2000)])
    submit = SubmitField("录入不合格决定")

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id.choices = options([(None, "（请选择）")] + [(u.id, u.name) for u in units])

    def validate_unit_id(self, field):
        if field.data is None:
            raise ValidationError("请选择单位。")


class RemoveFailDecisionForm(FlaskForm):
    decision_id = HiddenField()
    reason = StringField("撤销理由", validators=[OneLine(), required("撤销理由"), max_length("撤销理由", 2000)],
                         filters=[strip])
    submit = SubmitField("撤销")

    def decision_value(self):
        try:
            return int(self.decision_id.data)
        except (TypeError, ValueError):
            return None
