"""Reading the arguments of an API request: query parameters (`arg_*`) and the fields of the JSON body
(`*_field`, lists), each refused with a Chinese message that names the parameter or field.

A bad query parameter is a 400 with code `bad_parameter`; a body that is not a JSON object a 400 with code
`bad_json`; a bad body field a 422 with the field's name, so that a client can show it beside its input. Dates are
ISO 8601 (`YYYY-MM-DD`).
"""

import re
from contextlib import contextmanager
from datetime import date

from flask import request

from app.core.errors import ServiceError

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_EXAMPLE = "2026-03-31"
MAX_PAGE = 100000
MAX_PER_PAGE = 200


def parse_iso_date(value):
    """The date of an ISO 8601 text `YYYY-MM-DD`; None when the text is not one (or names no real day)."""
    if not ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def choices(enum_cls):
    """`value（label）、…` of a labelled enum: how a refusal (and the OpenAPI document) lists the choices."""
    return "、".join(f"{e.value}（{e.label}）" for e in enum_cls)


# --- refusals -----------------------------------------------------------------------------------------------

def bad_parameter(name, message):
    return ServiceError(message, field=name, status=400, code="bad_parameter")


def not_found(message):
    return ServiceError(message, status=404, code="not_found")


@contextmanager
def renamed_fields(**renamed):
    """Report a service's refusal under the name of the JSON field (the services name their own fields)."""
    try:
        yield
    except ServiceError as error:
        if error.field in renamed:
            error.field = renamed[error.field]
        raise


# --- query parameters ---------------------------------------------------------------------------------------

def arg_int(name, label, minimum=1, maximum=None):
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not re.fullmatch(r"\d{1,9}", value) or int(value) < minimum or (maximum and int(value) > maximum):
        limit = f" {minimum} 到 {maximum} 之间的" if maximum else "正"
        raise bad_parameter(name, f"参数 {name}（{label}）必须是{limit}整数。")
    return int(value)


def unknown_choice(label, value, enum_cls):
    """The refusal of a value that is none of the enum's."""
    return f"未知的{label}“{value[:20]}”，可选：" + "、".join(e.value for e in enum_cls)


def arg_enum(name, label, enum_cls):
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return enum_cls(value)
    except ValueError:
        raise bad_parameter(name, unknown_choice(label, value, enum_cls)) from None


def arg_date(name, label):
    value = request.args.get(name, "").strip()
    if not value:
        return None
    parsed = parse_iso_date(value)
    if parsed is None:
        raise bad_parameter(name, f"参数 {name}（{label}）必须是 ISO 8601 日期，如 {DATE_EXAMPLE}。")
    return parsed


def arg_bool(name, label):
    value = request.args.get(name, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise bad_parameter(name, f"参数 {name}（{label}）只能是 true 或 false。")


# --- the JSON body ------------------------------------------------------------------------------------------

def json_body():
    """The request's JSON object, or a ServiceError in Chinese."""
    if not request.is_json:
        raise ServiceError("请求体必须是 JSON（Content-Type: application/json）。", code="bad_json", status=400)
    data = request.get_json(silent=True)
    if data is None:
        raise ServiceError("请求体不是有效的 JSON。", code="bad_json", status=400)
    if not isinstance(data, dict):
        raise ServiceError("请求体必须是 JSON 对象。", code="bad_json", status=400)
    return data


def refuse_unknown(data, allowed):
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ServiceError(f"不认识的字段：{'、'.join(unknown[:5])}。可填写的字段：{'、'.join(sorted(allowed))}。",
                           field=unknown[0])


def text_field(data, name, label, max_length, required=True):
    """The text, stripped; None when it is absent or blank and not required."""
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ServiceError(f"请填写{label}（{name}）。", field=name)
        return None
    if not isinstance(value, str):
        raise ServiceError(f"{label}（{name}）必须是文本。", field=name)
    value = value.strip()
    if len(value) > max_length:
        raise ServiceError(f"{label}（{name}）不能超过 {max_length} 个字符。", field=name)
    return value


def int_field(data, name, label, required=True, minimum=None, maximum=None):
    value = data.get(name)
    if value is None:
        if required:
            raise ServiceError(f"请填写{label}（{name}）。", field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(f"{label}（{name}）必须是整数。", field=name)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if maximum is None:
            raise ServiceError(f"{label}（{name}）不能小于 {minimum}。", field=name)
        raise ServiceError(f"{label}（{name}）必须是 {minimum} 到 {maximum} 的整数。", field=name)
    return value


def version_field(data):
    """The optional `version` a client sends back so that it does not overwrite another's change (409)."""
    return int_field(data, "version", "版本号", required=False, minimum=1)


def date_field(data, name, label):
    """A required ISO 8601 date."""
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ServiceError(f"请填写{label}（{name}）。", field=name)
    if not isinstance(value, str):
        raise ServiceError(f"{label}（{name}）必须是 ISO 8601 日期文本，如 \"{DATE_EXAMPLE}\"。", field=name)
    parsed = parse_iso_date(value.strip())
    if parsed is None:
        raise ServiceError(f"{label}（{name}）不是有效的日期，请按 ISO 8601 填写，如 {DATE_EXAMPLE}。", field=name)
    return parsed


def choice_field(data, name, label, enum_cls, default):
    value = data.get(name)
    if value is None:
        return default
    if not isinstance(value, str) or value not in {e.value for e in enum_cls}:
        raise ServiceError(f"{label}（{name}）只能是：" + choices(enum_cls) + "。", field=name)
    return enum_cls(value)


def id_list(data, name, label, maximum):
    """A list of integer ids ([] when absent)."""
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in value):
        raise ServiceError(f"{label}（{name}）必须是 id（整数）的列表。", field=name)
    if len(value) > maximum:
        raise ServiceError(f"{label}（{name}）最多 {maximum} 个。", field=name)
    return value


def object_list(data, name, label, maximum):
    """A list of at most `maximum` entries ([] when absent); the caller checks each entry."""
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ServiceError(f"{label}（{name}）必须是列表。", field=name)
    if len(value) > maximum:
        raise ServiceError(f"{label}（{name}）一次最多 {maximum} 条。", field=name)
    return value
