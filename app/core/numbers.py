"""Numbers typed by users (targets, points, actuals): plain digits with a bounded number of decimals, read into a
Decimal or refused with a Chinese message naming the field — never a float, an exponent or NaN."""

import re
from decimal import Decimal

from app.core.errors import ServiceError

NUMBER_RE = re.compile(r"^[+-]?\d{1,14}(\.\d{1,12})?$")


def parse_number(raw, label, *, places: Decimal, positive=True, what=""):
    """A typed number: plain digits, at most `places`' decimals, above 0 when `positive` (else at least 0); a
    Chinese ServiceError naming `label` (and `what` the number is, e.g. “实际值”) otherwise."""
    value_text = "" if raw is None else str(raw).strip()
    if not value_text:
        raise ServiceError(f"{label}：请填写{what or '数值'}。")
    if not NUMBER_RE.match(value_text):
        raise ServiceError(f"{label}：“{value_text[:20]}”不是有效的数值。")
    value = Decimal(value_text)
    if positive and value <= 0:
        raise ServiceError(f"{label}：{what}应大于 0（填写的是 {value_text[:20]}）。")
    if value < 0:
        raise ServiceError(f"{label}：{what}不能为负数。")
    if value != value.quantize(places):
        decimals = -places.as_tuple().exponent
        raise ServiceError(f"{label}：{what}最多保留 {decimals} 位小数（填写的是 {value_text[:20]}）。")
    return abs(value.quantize(places))  # "-0" is 0
