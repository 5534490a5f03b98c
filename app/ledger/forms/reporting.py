"""Forms of monthly reporting (报送): the month's figures (the rows' inputs are read by name, see
reporting.inputs_from_lines), the Excel upload, and the office's reporting duties."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SubmitField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, NumberRange, Optional

from app.core.forms import ChineseIntegerField, IdSelectField, MultiLine, max_length, required
from app.core.forms import options as choice_options
from app.ledger.models import ReportSubject
from app.ledger.reporting_calendar import DEFAULT_DUE_WORKDAY, MAX_DUE_WORKDAY


class ReportForm(FlaskForm):
    reason = TextAreaField("说明（更正原因）", validators=[Optional(), MultiLine(), max_length("说明", 500)],
                           description="截止日后更正已报数据、或累计数低于上月时必填")
    submit = SubmitField("提交报送")


class ReportUploadForm(FlaskForm):
    file = FileField("填好的报送表（.xlsx）")
    reason = TextAreaField("说明（更正原因）", validators=[Optional(), MultiLine(), max_length("说明", 500)])
    upload = SubmitField("上传并报送")

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("请选择要上传的 .xlsx 报送表。")


SUBJECT_CHOICES = [(s.value, s.label) for s in ReportSubject]


class DutyForm(FlaskForm):
    unit_id = IdSelectField("报送单位", validators=[required("报送单位")])
    subject = SelectField("报送内容", choices=choice_options(SUBJECT_CHOICES),
                          validate_choice=True)
    target_id = IdSelectField("指标（报送内容为指标数据时）")
    due_workday = ChineseIntegerField(
        "截止日（次月第几个工作日）", default=DEFAULT_DUE_WORKDAY,
        validators=[InputRequired(message="请填写截止日。"), NumberRange(1, MAX_DUE_WORKDAY,
                                                 message=f"截止日应为次月第 1 至第 {MAX_DUE_WORKDAY} 个工作日。")])
    submit = SubmitField("添加报送任务")

    def __init__(self, units, targets, **kwargs):
        super().__init__(**kwargs)
        self.unit_id.choices = choice_options([(u.id, u.name) for u in units])
        self.target_id.choices = choice_options(
            [(None, "—")] + [(t.id, f"{t.code or ''} {t.text}".strip()) for t in targets])


class DutyEditForm(FlaskForm):
    due_workday = ChineseIntegerField(
        "截止日（次月第几个工作日）",
        validators=[InputRequired(message="请填写截止日。"), NumberRange(1, MAX_DUE_WORKDAY,
                                                 message=f"截止日应为次月第 1 至第 {MAX_DUE_WORKDAY} 个工作日。")])
    is_active = BooleanField("在用（取消勾选即停用）")
    submit = SubmitField("保存")
