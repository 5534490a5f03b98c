"""Blended finals (附件2 四(四)): a unit's 季度最终得分, with the utility companies' 15%."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.scoring.engine.base import HUNDRED, ZERO, UnitId, exact_arithmetic, quantize_score
from app.scoring.engine.entries import QuarterTotal
from app.scoring.engine.rules import RuleSet


@dataclass(frozen=True)
class FinalScore:
    """A unit's quarterly final score (季度最终得分); equal to its own score unless a blend applies."""

    unit_id: UnitId
    exact: Decimal
    own: Decimal
    complete: bool
    blended_from: UnitId | None = None
    source_score: Decimal | None = None

    @property
    def score(self) -> Decimal:
        return quantize_score(self.exact)


@exact_arithmetic
def blend_finals(rules: RuleSet, totals: Mapping[UnitId, QuarterTotal]) -> dict[UnitId, FinalScore]:
    """季度最终得分 with the utility companies' 15%.

    附件2 四(四): “国网湘潭供电公司、湘潭中环水务有限公司、湘潭新奥燃气有限公司季度得分按15%折算到行业指导单位
    季度得分中。即:市发改委季度最终得分=市发改委季度得分×85%+国网湘潭供电公司季度得分×15%。市住房城乡建设局
    季度最终得分=市住建局季度得分×85%+湘潭中环水务有限公司季度得分×15%。市城管执法局季度最终得分=市城管局
    季度得分×85%+湘潭新奥燃气有限公司季度得分×15%。”

    The blend uses both exact quarterly scores and keeps the exact product. The companies' own finals are
    their scores. A target whose source has no quarterly total counts the source as 0 and is incomplete;
    a final is complete only when both scores are.
    """
    by_target = {blend.target: blend for blend in rules.blends}
    finals: dict[UnitId, FinalScore] = {}
    for unit_id, total in totals.items():
        blend = by_target.get(unit_id)
        if blend is None:
            finals[unit_id] = FinalScore(unit_id, total.exact, total.exact, total.complete)
            continue
        source = totals.get(blend.source)
        source_exact = source.exact if source is not None else ZERO
        exact = (total.exact * blend.target_percent + source_exact * blend.source_percent) / HUNDRED
        complete = total.complete and source is not None and source.complete
        finals[unit_id] = FinalScore(unit_id, exact, total.exact, complete, blend.source, source_exact)
    return finals
