"""Form helpers shared by every package: Chinese messages for the common validators."""

from wtforms import ValidationError
from wtforms.validators import DataRequired, Length


def required(what):
    return DataRequired(message=f"请填写{what}。")


def max_length(what, n):
    return Length(max=n, message=f"{what}不能超过 {n} 个字符。")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def apply_service_error(form, error):
    """Show a ServiceError on the field it names, or as a form-level error."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)


__all__ = ["ValidationError", "apply_service_error", "max_length", "required", "strip"]
