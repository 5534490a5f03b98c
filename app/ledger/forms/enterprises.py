"""Forms of the enterprise pages: the enterprise, a registry entry and its end, a listing step. The forms parse
and say what is missing or unreadable; the rules (USCC check character, duplicates, owner unit, who may act) are
the services' (app.ledger.enterprises), so that the API gets the same answers."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import Length, NumberRange, Optional

from app.core.forms import (
    ChineseDateField,
    ChineseIntegerField,
    IdSelectField,
    MultiLine,
    OneLine,
    coerce_id,
    options,
    required,
    strip,
)
from app.ledger.models import ListingStage, Registry, SpecializedLevel


class ChainMultiSelect(SelectMultipleField):
    """Chains by id (rendered as checkboxes by the template), refusing any id not among the choices in Chinese."""

    def __init__(self, label, **kwargs):
        super().__init__(label, coerce=coerce_id, **kwargs)

    def pre_validate(self, form):
        valid = {c.value for c in self.choices}
        if any(v not in valid for v in (self.data or [])):
            raise ValidationError(f"{self.label.text}中有无效的选项，请从列表中选择。")


class EnterpriseForm(FlaskForm):
    name = StringField("企业名称", filters=[strip], validators=[OneLine(), required("企业名称"),
                                                            Length(max=100, message="企业名称不能超过 100 个字符。")])
    uscc = StringField("统一社会信用代码", filters=[strip], validators=[OneLine(), required("统一社会信用代码")],
                       description="18 位，系统会核验第 18 位校验码")
    unit_id = IdSelectField("所属县市区/园区")
    chains = ChainMultiSelect("所属产业链")
    masters = ChainMultiSelect("链主企业（所在产业链）")
    above_scale_since = ChineseDateField("规上时间", validators=[Optional()], description="纳入规模以上工业企业的月份")
    left_scale_on = ChineseDateField("退规时间", validators=[Optional()], description="仍为规上企业的请留空")
    liaison_id = IdSelectField("联点领导")
    note = TextAreaField("备注", validators=[MultiLine(), Optional(),
                                           Length(max=500, message="备注不能超过 500 个字符。")])
    is_active = BooleanField("仍在本市经营", default=True, description="已注销或迁出的企业取消勾选")
    submit = SubmitField("保存")

    def __init__(self, *args, units=(), chains=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id.choices = options([(u.id, u.name) for u in units])
        chain_choices = [(c.id, c.name) for c in chains]
        self.chains.choices = options(chain_choices)
        self.masters.choices = options(chain_choices)
        self.liaison_id.choices = options([(None, "（暂无）")] + [(p.id, p.name) for p in people])


class RegistryForm(FlaskForm):
    kind = SelectField("名录（库）", choices=options(Registry.choices()),
                       invalid_choice_message="请从列表中选择名录（库）。")
    level = SelectField("专精特新认定层级", choices=options([("", "（非专精特新不选）")] + SpecializedLevel.choices()),
                        invalid_choice_message="请从列表中选择专精特新认定层级。")
    year = ChineseIntegerField("认定年份", validators=[Optional(), NumberRange(
        1990, 2100, message="认定年份应在 1990 到 2100 之间。")], description="专精特新、高新技术企业必填")
    starts_on = ChineseDateField("入库日期", validators=[required("入库日期")])
    reason = StringField("入库理由", filters=[strip], validators=[OneLine(), required("入库理由"), Length(
        max=500, message="入库理由不能超过 500 个字符。")])
    plan_document = TextAreaField("一企一策方案", validators=[MultiLine(), Optional(), Length(
        max=20000, message="一企一策方案不能超过 20000 个字符。")], description="100亿级企业重点培育名录必填")
    submit = SubmitField("入库")

    @property
    def registry(self):
        return Registry(self.kind.data)

    @property
    def level_value(self):
        return SpecializedLevel(self.level.data) if self.level.data else None


class EndRegistryForm(FlaskForm):
    ends_on = ChineseDateField("移出日期", validators=[required("移出日期")])
    end_reason = StringField("移出理由", filters=[strip], validators=[OneLine(), required("移出理由"), Length(
        max=500, message="移出理由不能超过 500 个字符。")])
    submit = SubmitField("移出")


class ListingStepForm(FlaskForm):
    stage = SelectField("上市梯队阶段", choices=options(ListingStage.choices()),
                        invalid_choice_message="请从列表中选择上市梯队阶段。")
    reached_on = ChineseDateField("达到日期", validators=[required("达到日期")])
    note = StringField("说明", filters=[strip], validators=[OneLine(), Optional(), Length(
        max=500, message="说明不能超过 500 个字符。")], description="如交易所、批复文号")
    reason = StringField("理由", filters=[strip], validators=[OneLine(), Optional(), Length(
        max=500, message="理由不能超过 500 个字符。")], description="记录早于当前阶段的阶段时必填")
    submit = SubmitField("记录")

    @property
    def stage_value(self):
        return ListingStage(self.stage.data)
