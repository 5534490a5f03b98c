"""Entries and the quarterly total (附件2 四): what an assessor may enter, and a unit's 季度得分."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.scoring.engine.base import (
    ZERO,
    ComponentInput,
    ScoringError,
    UnitId,
    decimal_text,
    exact_arithmetic,
    quantize_score,
    to_decimal,
)
from app.scoring.engine.codes import Assessor
from app.scoring.engine.rules import ComponentRule, Profile, RuleSet, Unit


def _profile_of(rules: RuleSet, unit: Unit) -> Profile:
    try:
        return rules.profiles[unit.profile]
    except KeyError:
        raise ScoringError(f"{unit.name}的季度得分构成“{unit.profile}”不存在。") from None


def check_entry(
    rules: RuleSet,
    unit: Unit,
    assessor: Assessor | str,
    value: Decimal | int | str,
    sub_item: str | None = None,
) -> list[str]:
    """Why an assessor's entry for a unit is refused (Chinese messages), or ``[]`` when it is acceptable.

    附件2 四: each component is scored “满分N分”, so a value must lie in 0..N; an assessor that the unit's row
    does not name has no component to enter; a sub-item must exist in the component's 考评细则 and lie within
    its own maximum.
    """
    try:
        assessor = Assessor(assessor)
    except ValueError:
        return [f"未知的考评单位代码“{assessor}”。"]
    comp = _profile_of(rules, unit).component(assessor)
    if comp is None:
        return [f"{unit.name}的季度得分不含{assessor.label}考评得分,不能录入。"]
    amount = to_decimal(value)
    label, maximum = assessor.label, comp.maximum
    if sub_item is not None:
        sub = next((s for s in comp.sub_items if s.code == sub_item), None)
        if sub is None:
            return [f"{assessor.label}考评得分没有“{sub_item}”这一细项。"]
        label, maximum = f"{assessor.label}“{sub.name}”细项", sub.maximum
    if not ZERO <= amount <= maximum:
        return [f"{label}对{unit.name}的得分应在0至{decimal_text(maximum)}分之间,录入的是{decimal_text(amount)}分。"]
    return []


@dataclass(frozen=True)
class QuarterTotal:
    """A unit's quarterly score (季度得分) and how it was made up."""

    unit_id: UnitId
    exact: Decimal
    components: Mapping[Assessor, Decimal]
    missing: tuple[str, ...]

    @property
    def score(self) -> Decimal:
        return quantize_score(self.exact)

    @property
    def complete(self) -> bool:
        return not self.missing


@exact_arithmetic
def sum_sub_items(
    unit: Unit, comp: ComponentRule, values: Mapping[str, Decimal | int | str | None]
) -> tuple[Decimal, tuple[str, ...]]:
    """A component from its sub-items (考评细则, 附件2 六(一)): their sum, and the codes of missing ones
    (counted as 0). Raises ``ScoringError`` for an unknown sub-item or a value out of range."""
    known = {sub.code: sub for sub in comp.sub_items}
    for code in values:
        if code not in known:
            raise ScoringError(f"{comp.assessor.label}考评得分没有“{code}”这一细项。")
    total, missing = ZERO, []
    for sub in comp.sub_items:
        raw = values.get(sub.code)
        if raw is None:
            missing.append(sub.code)
            continue
        amount = to_decimal(raw)
        if not ZERO <= amount <= sub.maximum:
            raise ScoringError(
                f"{comp.assessor.label}“{sub.name}”细项对{unit.name}的得分应在0至{decimal_text(sub.maximum)}分之间,"
                f"录入的是{decimal_text(amount)}分。"
            )
        total += amount
    return total, tuple(missing)


@exact_arithmetic
def quarter_total(rules: RuleSet, unit: Unit, entries: Mapping[str, ComponentInput]) -> QuarterTotal:
    """季度得分 = the sum of the unit's components.

    附件2 四: “市产业强市“千百十”工程办每季度牵头组织对各县市区(园区)、市直单位及相关企业进行考评,实行100分制。”
    and the rows (一)–(四), e.g. “(四)市直单位及相关企业:季度得分=市产业强市“千百十”工程办考评得分(满分70分)
    +市工信局考评得分(满分30分)。”

    ``entries`` maps assessor codes to a value, to a mapping of sub-item values (when the component has
    sub-items), or to None. A missing component (or sub-item) counts as 0 and is listed in ``missing`` —
    the quarter is then incomplete (DOMAIN.md §4). A value out of range or for a component the unit's row
    does not have raises ``ScoringError``. Exact sum; ``score`` is the two-place figure.
    """
    profile = _profile_of(rules, unit)
    for code in entries:
        try:
            assessor = Assessor(code)
        except ValueError:
            raise ScoringError(f"未知的考评单位代码“{code}”。") from None
        if profile.component(assessor) is None:
            raise ScoringError(f"{unit.name}的季度得分不含{assessor.label}考评得分,不能录入。")
    components: dict[Assessor, Decimal] = {}
    missing: list[str] = []
    for comp in profile.components:
        raw = entries.get(comp.assessor)
        if raw is None:
            components[comp.assessor] = ZERO
            missing.append(str(comp.assessor))
        elif isinstance(raw, Mapping):
            if not comp.sub_items:
                raise ScoringError(f"{comp.assessor.label}考评得分没有细项,应直接录入得分。")
            value, sub_missing = sum_sub_items(unit, comp, raw)
            components[comp.assessor] = value
            missing.extend(f"{comp.assessor}.{code}" for code in sub_missing)
        else:
            errors = check_entry(rules, unit, comp.assessor, raw)
            if errors:
                raise ScoringError(errors[0])
            components[comp.assessor] = to_decimal(raw)
    return QuarterTotal(unit.id, sum(components.values(), ZERO), components, tuple(missing))
