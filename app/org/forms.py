from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from app.core.forms import (
    ChineseDateField,
    ChineseIntegerField,
    IdSelectField,
    OneLine,
    ValidationError,
    max_length,
    required,
    strip,
)
from app.org.models import GroupRole


def _date_required(what):
    """Like `required`, but keeps the date field's format message: DataRequired would clear it and ask the user
    to fill in a date that was typed, only wrongly."""
    return InputRequired(message=f"请填写{what}。")


def _end_after_start(form, field):
    if field.data and form.starts_on.data and field.data < form.starts_on.data:
        raise ValidationError("结束日期不能早于开始日期。")


class UnitForm(FlaskForm):
    name = StringField("单位全称", validators=[OneLine(), required("单位全称"), max_length("单位全称", 100)],
                       filters=[strip])
    short_name = StringField("简称", validators=[OneLine(), required("简称"), max_length("简称", 50)], filters=[strip])
    contact = StringField("联系人及电话", validators=[OneLine(), Optional(), max_length("联系人及电话", 200)],
                          filters=[strip])
    sort_order = ChineseIntegerField("排序", validators=[NumberRange(0, 9999, message="排序应为 0 到 9999 的整数。")])
    is_active = BooleanField("启用")
    submit = SubmitField("保存")


class PersonForm(FlaskForm):
    name = StringField("姓名", validators=[OneLine(), required("姓名"), max_length("姓名", 50)], filters=[strip])
    note = StringField("备注", validators=[OneLine(), Optional(), max_length("备注", 200)], filters=[strip])
    is_active = BooleanField("在任", default=True)
    submit = SubmitField("保存")


class PeriodForm(FlaskForm):
    starts_on = ChineseDateField("开始日期", validators=[_date_required("开始日期")])
    ends_on = ChineseDateField("结束日期", validators=[Optional(), _end_after_start])


class PositionForm(PeriodForm):
    unit_id = IdSelectField("单位")
    title = StringField("职务", validators=[OneLine(), required("职务"), max_length("职务", 100)], filters=[strip])
    is_vice_mayor = BooleanField("副市长（主持旬调度）")
    is_mayor = BooleanField("市长（主持月分析）")
    is_secretary = BooleanField("市委书记（主持季考核）")
    is_unit_head = BooleanField("单位主要负责人")
    submit = SubmitField("添加职务")

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id.choices = [(u.id, u.name) for u in units]


class MembershipForm(PeriodForm):
    # SelectChoice, not (value, label) tuples: WTForms 3.3 deprecates tuples, and warnings are errors in tests.
    role = SelectField("领导小组职务", choices=[SelectChoice(value, label) for value, label in GroupRole.choices()],
                       invalid_choice_message="请从列表中选择有效的领导小组职务。")
    title = StringField("名单中的职务表述", validators=[OneLine(), required("职务表述"), max_length("职务表述", 200)],
                        filters=[strip])
    sort_order = ChineseIntegerField("名单排序", default=100,
                              validators=[NumberRange(0, 9999, message="排序应为 0 到 9999 的整数。")])
    submit = SubmitField("添加")


class PortfolioForm(PeriodForm):
    unit_id = IdSelectField("分管单位")
    submit = SubmitField("添加分管单位")

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id.choices = [(u.id, u.name) for u in units]


class EndForm(FlaskForm):
    ends_on = ChineseDateField("结束日期", validators=[_date_required("结束日期")])
    submit = SubmitField("结束")


class ChainLeaderForm(FlaskForm):
    leader_id = IdSelectField("链长")
    leader_unit_id = IdSelectField("述职材料报送单位")
    submit = SubmitField("保存")

    def __init__(self, *args, people=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.leader_id.choices = [(None, "（未指定）")] + [(p.id, p.name) for p in people]
        self.leader_unit_id.choices = [(None, "（未指定）")] + [(u.id, u.name) for u in units]
