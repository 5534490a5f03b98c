"""Form helpers shared by every package: Chinese messages for the common validators, the id select fields, the
confirm button form, and the one-line text of a form's errors for a flash."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation

from app.core import text


def required(what):
    return DataRequired(message=f"请填写{what}。")


def max_length(what, n):
    return Length(max=n, message=f"{what}不能超过 {n} 个字符。")


class EmailAddress:
    """WTForms' Email, through core.text.is_email_address (so that email_validator loads on the first check)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.data and not text.is_email_address(field.data):
            raise ValidationError(self.message)


class OneLine:
    """Refuse control characters (CR, LF, TAB, NUL, other C0/C1, U+2028/2029) in a one-line field, with the
    message on the field naming it. The raw value is checked, before the `strip` filter could hide a trailing
    line break. The services check again (app/core/text.py), for the API and the CLI."""

    def __init__(self, label=None):
        self.label = label

    def __call__(self, form, field):
        values = [v for v in (field.raw_data or []) if isinstance(v, str)] + \
            ([field.data] if isinstance(field.data, str) else [])
        if any(text.has_control(v) for v in values):
            raise StopValidation(text.one_line_message(self.label or field.label.text))


class MultiLine:
    """Refuse control characters other than line breaks and TAB in a multi-line field."""

    def __init__(self, label=None):
        self.label = label

    def __call__(self, form, field):
        if isinstance(field.data, str) and text.has_bad_multi_line_control(field.data):
            raise StopValidation(text.multi_line_message(self.label or field.label.text))


def limit_note(n):
    """The field's description, shown under it by the form macros: the limit the service enforces."""
    return text.LIMIT_NOTE.format(n=n)


def strip(value):
    return value.strip() if isinstance(value, str) else value


def apply_service_error(form, error):
    """Show a ServiceError on the field it names, or as a form-level error."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)


def options(pairs):
    """Select choices as WTForms 3.3 wants them (tuples are deprecated): [(value, label)] → SelectChoice."""
    return [SelectChoice(value, label) for value, label in pairs]


DATE_MESSAGE = "日期格式不正确，请使用 2026-03-01 这样的格式。"


class ChineseDateField(DateField):
    """A date field whose parse error is Chinese and says what to type."""

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None  # blank: `required` or `Optional` says what to do, not a format message
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DATE_MESSAGE) from None

    def pre_validate(self, form):
        if self.process_errors:
            # Stop here: DataRequired would otherwise clear the format message and say "请填写…" about a date
            # that was typed, only not readably.
            raise StopValidation()
        super().pre_validate(form)


class ChineseIntegerField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"“{self.label.text}”必须是整数。") from None


class VersionedForm(FlaskForm):
    """A form acting on a row the user saw at some version: the hidden `version` goes to the service, which refuses
    a stale one (optimistic locking)."""

    version = HiddenField()

    def version_value(self):
        """The version sent, None when absent, -1 (never a real version, so refused as stale) when garbled."""
        try:
            return int(self.version.data) if self.version.data else None
        except ValueError:
            return -1


def coerce_id(value):
    """A posted id as an int; None for the empty choice; -1 (never a valid id) when garbled."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a valid id; pre_validate reports it in Chinese


class IdSelectField(SelectField):
    """A select of rows by id (a unit, a person, a task...), refusing any id not among the choices in Chinese."""

    def __init__(self, label, **kwargs):
        super().__init__(label, coerce=coerce_id, validate_choice=True, **kwargs)

    def pre_validate(self, form):
        values = {v for v, *_ in self.iter_choices()}
        if self.data not in values and str(self.data) not in {str(v) for v in values}:
            # ValidationError: WTForms 3.3 no longer turns a ValueError from pre_validate into a field error.
            raise ValidationError(f"请从列表中选择有效的{self.label.text}。")


class UnitMultiSelect(SelectMultipleField):
    """Several units by id (配合单位, 参会单位), refusing any id not among the choices."""

    def __init__(self, label, **kwargs):
        super().__init__(label, coerce=coerce_id, **kwargs)

    def pre_validate(self, form):
        valid = {c.value for c in self.choices}
        bad = [v for v in (self.data or []) if v not in valid]
        if bad:
            name = self.label.text.split("（")[0]  # "参会单位（可多选）" → "参会单位"
            raise ValidationError(f"{name}中有无效或已停用的单位，请从列表中选择。")


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected POST button."""

    submit = SubmitField("确定")


def _messages(errors):
    """The messages of a form's errors, flattened (FieldList and FormField errors nest as lists and dicts)."""
    for error in errors:
        if isinstance(error, dict):
            yield from _messages(e for field_errors in error.values() for e in field_errors)
        elif isinstance(error, list | tuple):
            yield from _messages(error)
        else:
            yield str(error)


def form_error_text(form, default=""):
    """Every error message of a validated form, once each, joined with "；" for a flash; `default` when none."""
    messages = dict.fromkeys(_messages(e for field_errors in form.errors.values()
                                       for e in (field_errors if isinstance(field_errors, list) else [field_errors])))
    return "；".join(messages) or default


__all__ = ["options", "ChineseDateField", "ChineseIntegerField", "ConfirmForm", "IdSelectField", "MultiLine",
           "OneLine", "UnitMultiSelect", "ValidationError", "VersionedForm", "apply_service_error", "coerce_id",
           "form_error_text", "limit_note", "max_length", "required", "strip"]


class CalendarOverrideForm(FlaskForm):
    day = ChineseDateField("日期", validators=[DataRequired(message="请填写日期。")])
    is_workday = SelectField("类型", choices=options([("0", "休息（放假）"), ("1", "上班（调休上班）")]),
                             invalid_choice_message="请选择类型：休息（放假）或上班（调休上班）。")
    note = StringField("说明", validators=[OneLine(), Optional(), Length(max=200, message="说明不能超过 200 个字符。")])
    submit = SubmitField("保存")


class NoticeImportForm(FlaskForm):
    file = FileField("放假安排（CSV：日期,类型,说明）")
    year = ChineseIntegerField("年份（填写后该年视为已完整录入）", validators=[
        Optional(), NumberRange(2000, 2100, message="年份应在 2000 到 2100 之间。")])
    source = StringField("文件依据（如国办发明电文号）",
                         validators=[OneLine("文件依据"), Optional(), Length(max=200, message="不能超过 200 个字符。")])
    submit = SubmitField("导入")

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("请选择 CSV 文件。")
