"""What every part of the engine uses: the id types, the decimal constants and context, ``ScoringError``
and the Decimal helpers (DOMAIN.md §4, "Interpretations")."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import ParamSpec, TypeAlias, TypeVar

UnitId: TypeAlias = str | int
TaskId: TypeAlias = str | int
ComponentInput: TypeAlias = "Decimal | int | str | Mapping[str, Decimal | int | str | None] | None"

HUNDRED = Decimal(100)
ZERO = Decimal(0)
CENT = Decimal("0.01")
_CONTEXT = Context(prec=28)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def exact_arithmetic(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run in the engine's own decimal context, whatever context the caller has set."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with localcontext(_CONTEXT):
            return func(*args, **kwargs)

    return wrapper


class ScoringError(ValueError):
    """Input the rules refuse; the message is Chinese and says what to fix."""


def to_decimal(value: Decimal | int | str) -> Decimal:
    """A score as a Decimal; floats are refused because they cannot hold 0.1 exactly."""
    if isinstance(value, bool | float):
        raise TypeError(f"scores must be Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except ArithmeticError as exc:
            raise ScoringError(f"“{value}”不是有效的数值。") from exc
    else:
        raise TypeError(f"scores must be Decimal, int or str, not {type(value).__name__}")
    if not result.is_finite():
        raise ScoringError(f"“{value}”不是有效的数值。")
    return result


@exact_arithmetic
def quantize_score(value: Decimal) -> Decimal:
    """The presentation rounding: two places, ROUND_HALF_UP (DOMAIN.md §4)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def decimal_text(value: Decimal | int | str | None) -> str:
    """A number as the office writes it, without exponent or trailing zeros: "25.00" → "25", "0.50" → "0.5",
    Decimal(85) → "85", "12.25" → "12.25"; None → "". The one formatter of the engine's messages and of the
    scoring pages and forms."""
    if value is None:
        return ""
    text = f"{Decimal(str(value)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
