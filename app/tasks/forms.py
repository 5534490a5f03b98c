from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import NumberRange, Optional

from app.core import text as limits
from app.core.forms import (
    ChineseDateField,
    ChineseIntegerField,
    IdSelectField,
    MultiLine,
    OneLine,
    UnitMultiSelect,
    ValidationError,
    VersionedForm,
    limit_note,
    max_length,
    options,
    required,
    strip,
)
from app.tasks.models import TaskPriority, TaskSource, Urge


class AssignForm(FlaskForm):
    title = StringField("事项名称", validators=[OneLine(), required("事项名称"), max_length("事项名称", 200)],
                        filters=[strip])
    content = TextAreaField("具体内容和要求", description=limit_note(limits.TASK_CONTENT_MAX), validators=[
        MultiLine(), Optional(), max_length("具体内容", limits.TASK_CONTENT_MAX)])
    source = SelectField("来源", choices=options(TaskSource.choices()), default=TaskSource.plan.value,
                         invalid_choice_message="请从列表中选择事项来源。")
    plan_id = IdSelectField("计划或举措")
    source_ref = StringField("来源说明（会议、批示文号等）", validators=[
        OneLine("来源说明"), Optional(), max_length("来源说明", 200)], filters=[strip])
    lead_unit_id = IdSelectField("牵头单位")
    co_unit_ids = UnitMultiSelect("配合单位（可多选）")
    priority = SelectField("优先级", choices=options(TaskPriority.choices()), default=TaskPriority.normal.value,
                           invalid_choice_message="请从列表中选择优先级（一般或重点）。")
    due_on = ChineseDateField("完成时限", validators=[required("完成时限")])
    accept_non_workday = HiddenField()  # "1": the user chose to keep a deadline on a non-working day
    submit = SubmitField("交办")

    def __init__(self, *args, units=(), plans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.plan_id.choices = options([(None, "（无）")] + [(p.id, f"{p.code} {p.name}") for p in plans])
        unit_choices = [(u.id, u.name) for u in units]
        self.lead_unit_id.choices = options([(None, "（请选择）")] + unit_choices)
        self.co_unit_ids.choices = options(unit_choices)

    def validate_lead_unit_id(self, field):
        if field.data is None:
            raise ValidationError("请选择牵头单位。")


class EditForm(VersionedForm):
    """修改事项 after assigning: no lead unit (a new lead unit is a new task) and no due date (extensions only)."""

    title = AssignForm.title
    content = AssignForm.content
    plan_id = IdSelectField("计划或举措")
    co_unit_ids = UnitMultiSelect("配合单位（可多选）")
    priority = AssignForm.priority
    submit = SubmitField("保存修改")

    def __init__(self, *args, units=(), plans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.plan_id.choices = options([(None, "（无）")] + [(p.id, f"{p.code} {p.name}") for p in plans])
        self.co_unit_ids.choices = options([(u.id, u.name) for u in units])


class AcceptForm(VersionedForm):
    submit = SubmitField("签收")


class FollowUpForm(FlaskForm):
    """No version: a follow-up is an append and overwrites nothing, so the page's append is not refused because
    another unit reported (or anything else changed) since the page was shown. The service checks the task's state
    on the row as it is when the follow-up is saved, so an append to a task cancelled meanwhile is still refused."""

    text = TextAreaField("进展情况", description=limit_note(limits.FOLLOW_UP_MAX), validators=[
        MultiLine(), required("进展情况"), max_length("进展情况", limits.FOLLOW_UP_MAX)])
    percent = ChineseIntegerField("完成进度（%）", default=0, validators=[
        NumberRange(0, 100, message="完成进度必须是 0 到 100 的整数。")])
    decrease_reason = TextAreaField("进度下降的原因（进度低于上次反馈时必填）", validators=[
        MultiLine(), Optional(), max_length("进度下降的原因", limits.REASON_MAX)])
    files = MultipleFileField("佐证材料（可选，可多选）")
    submit = SubmitField("提交进展")


class CompletionForm(VersionedForm):
    completed_on = ChineseDateField("完成日期", validators=[required("完成日期")])
    summary = TextAreaField("办结情况", description=limit_note(limits.SUMMARY_MAX), validators=[
        MultiLine(), required("办结情况"), max_length("办结情况", limits.SUMMARY_MAX)])
    files = MultipleFileField("佐证材料（可多选）")
    no_evidence_reason = TextAreaField("无佐证材料的原因（没有佐证材料时必填）", validators=[
        MultiLine(), Optional(), max_length("无佐证材料的原因", limits.REASON_MAX)])
    submit = SubmitField("申请办结")


class ExtensionForm(VersionedForm):
    new_due_on = ChineseDateField("申请延期至", validators=[required("延期后的时限")])
    accept_non_workday = HiddenField()  # "1": the user chose to keep a date on a non-working day
    reason = TextAreaField("延期理由", description=limit_note(limits.REASON_MAX), validators=[
        MultiLine(), required("延期理由"), max_length("延期理由", limits.REASON_MAX)])
    submit = SubmitField("申请延期")


class DecisionForm(VersionedForm):
    """Approving (a completion or an extension): an optional note. Each decision has its own form class, so its
    button says what it does and its fields are checked as the decision needs."""

    note = TextAreaField("审核意见（可选）", description=limit_note(limits.REASON_MAX), validators=[
        MultiLine(), Optional(), max_length("审核意见", limits.REASON_MAX)])
    submit = SubmitField("同意办结")


class ReturnForm(VersionedForm):
    note = TextAreaField("退回理由", description=limit_note(limits.REASON_MAX), validators=[
        MultiLine(), Optional(), max_length("退回理由", limits.REASON_MAX)])  # required: the service says so
    submit = SubmitField("退回")


class ApproveExtensionForm(DecisionForm):
    submit = SubmitField("同意延期")


class RefuseExtensionForm(VersionedForm):
    note = TextAreaField("不同意的理由", description=limit_note(limits.REASON_MAX), validators=[
        MultiLine(), Optional(), max_length("不同意的理由", limits.REASON_MAX)])  # required: the service says so
    submit = SubmitField("不同意")


class UrgeForm(VersionedForm):
    """`confirmed` is set by the page after the service asked for confirmation (urged less than an hour ago)."""

    confirmed = HiddenField()
    level = SelectField("级别", choices=options((str(k), v) for k, v in Urge.LEVELS.items()), default="1",
                        invalid_choice_message="请选择催办级别（催办、督办或通报）。")  # WTForms' own is English
    note = TextAreaField("催办说明", description=limit_note(limits.REASON_MAX), validators=[
        MultiLine(), Optional(), max_length("催办说明", limits.REASON_MAX)])  # required: the service says so
    submit = SubmitField("催办")


class CancelForm(VersionedForm):
    reason = TextAreaField("撤销理由", description=limit_note(limits.REASON_MAX), validators=[
        MultiLine(), required("撤销理由"), max_length("撤销理由", limits.REASON_MAX)])
    submit = SubmitField("撤销事项")


class ImportForm(FlaskForm):
    file = FileField("事项清单（.xlsx）")
    submit = SubmitField("导入")

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("请选择要导入的 .xlsx 文件。")
