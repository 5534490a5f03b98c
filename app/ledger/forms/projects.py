"""Forms of the project pages. Amounts are text fields: the services read them (app.ledger.projects.amount) and
say in Chinese what is wrong; the forms check shape (dates, choices, lengths) and leave the rules to the services."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Optional

from app.core.forms import (
    ChineseDateField,
    ChineseIntegerField,
    IdSelectField,
    MultiLine,
    OneLine,
    ValidationError,
    limit_note,
    max_length,
    options,
    required,
    strip,
)
from app.ledger.models import ProjectSource, ProjectStage
from app.ledger.projects import CAPTION_MAX, CODE_MAX, NAME_MAX, NOTE_MAX, PROBLEM_MAX, REASON_MAX


class EnumSelectField(SelectField):
    """A select of a LabelledEnum's members, refusing any other value in Chinese; `data` is the member."""

    def __init__(self, label, enum_cls, blank=None, **kwargs):
        self.enum_cls = enum_cls
        choices = ([("", blank)] if blank else []) + [(m.value, m.label) for m in enum_cls]
        super().__init__(label, choices=options(choices), coerce=self._coerce, validate_choice=False, **kwargs)

    def _coerce(self, value):
        if isinstance(value, self.enum_cls):
            return value
        if value in (None, ""):
            return None
        try:
            return self.enum_cls(value)
        except ValueError:
            return False  # refused by pre_validate

    def pre_validate(self, form):
        if self.data is False:
            raise ValidationError(f"请从列表中选择有效的{self.label.text}。")


def _units(field, units, blank=None):
    field.choices = options(([(None, blank)] if blank else []) + [(u.id, u.name) for u in units])


class ProjectForm(FlaskForm):
    code = StringField("项目编号", validators=[OneLine(), required("项目编号"), max_length("项目编号", CODE_MAX)],
                       filters=[strip])
    name = StringField("项目名称", validators=[OneLine(), required("项目名称"), max_length("项目名称", NAME_MAX)],
                       filters=[strip])
    unit_id = IdSelectField("所在县市区或园区")
    chain_id = IdSelectField("所属产业链")
    lead_unit_id = IdSelectField("牵头单位")
    leader_id = IdSelectField("联系市领导")
    enterprise_uscc = StringField("投资企业统一社会信用代码（台账中已有的企业，可不填）",
                                  validators=[OneLine(), Optional(), max_length("统一社会信用代码", 18)],
                                  filters=[strip])
    total_investment = StringField("总投资（万元）", validators=[OneLine(), required("总投资")], filters=[strip],
                                   description="按万元填写，如 150000 表示 15 亿元；据此划分 100亿级、10亿级、亿元级。")
    source = EnumSelectField("项目来源", ProjectSource, description="“招商引资”及签约日期、三类500强由市商务局填写。")
    signed_on = ChineseDateField("签约日期（招商引资）", validators=[Optional()])
    is_top500 = BooleanField("投资方为三类500强企业")
    note = StringField("备注", validators=[OneLine(), Optional(), max_length("备注", NOTE_MAX)], filters=[strip],
                       description=limit_note(NOTE_MAX))
    submit = SubmitField("保存")

    def __init__(self, *args, units=(), chains=(), lead_units=(), leaders=(), **kwargs):
        super().__init__(*args, **kwargs)
        _units(self.unit_id, units)
        self.chain_id.choices = options([(None, "（未归属产业链）")] + [(c.id, c.name) for c in chains])
        _units(self.lead_unit_id, lead_units, "（无）")
        self.leader_id.choices = options([(None, "（无）")] + [(p.id, p.name) for p in leaders])


class AttractionForm(FlaskForm):
    source = EnumSelectField("项目来源", ProjectSource)
    signed_on = ChineseDateField("签约日期", validators=[Optional()])
    is_top500 = BooleanField("投资方为三类500强企业")
    submit = SubmitField("保存招商信息")


class StageForm(FlaskForm):
    stage = EnumSelectField("变更为阶段", ProjectStage, blank="请选择")
    on = ChineseDateField("实际日期（向后推进时填写）", validators=[Optional()])
    reason = TextAreaField("原因（阶段回退时必填）", validators=[MultiLine(), Optional(),
                                                      max_length("原因", REASON_MAX)], filters=[strip])
    submit = SubmitField("变更阶段")


def milestone_field_names(stage):
    return f"planned_{stage.value}", f"actual_{stage.value}"


class MilestonesForm(FlaskForm):
    submit = SubmitField("保存节点日期")

    def dates(self):
        return {stage: (getattr(self, planned).data, getattr(self, actual).data)
                for stage in ProjectStage for planned, actual in [milestone_field_names(stage)]}

    def rows(self):
        return [(stage, getattr(self, planned), getattr(self, actual))
                for stage in ProjectStage for planned, actual in [milestone_field_names(stage)]]


for _stage in ProjectStage:
    _planned, _actual = milestone_field_names(_stage)
    setattr(MilestonesForm, _planned, ChineseDateField(f"{_stage.label}计划日期", validators=[Optional()]))
    setattr(MilestonesForm, _actual, ChineseDateField(f"{_stage.label}实际日期", validators=[Optional()]))


class YearPlanForm(FlaskForm):
    year = ChineseIntegerField("年份", validators=[InputRequired(message="请填写年份。")])
    planned_investment = StringField("年度计划投资（万元）", validators=[OneLine(), required("年度计划投资")],
                                     filters=[strip])
    submit = SubmitField("保存年度计划")


class PhotoForm(FlaskForm):
    photo = FileField("进度照片（JPG、PNG）")
    caption = StringField("照片说明", validators=[OneLine(), Optional(), max_length("照片说明", CAPTION_MAX)],
                          filters=[strip])
    taken_on = ChineseDateField("拍摄日期", validators=[Optional()])
    submit = SubmitField("上传照片")


class ProblemForm(FlaskForm):
    text = TextAreaField("问题描述", description=limit_note(PROBLEM_MAX),
                         validators=[MultiLine(), required("问题描述"), max_length("问题描述", PROBLEM_MAX)],
                         filters=[strip])
    submit = SubmitField("反映问题")


class ProblemTaskForm(FlaskForm):
    due_on = ChineseDateField("完成时限", validators=[InputRequired(message="请填写完成时限。")])
    plan_id = IdSelectField("所属计划或举措（可不选）")
    submit = SubmitField("转为交办事项")

    def __init__(self, *args, plans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.plan_id.choices = options([(None, "（不选）")] + [(p.id, f"{p.code} {p.name}") for p in plans])
