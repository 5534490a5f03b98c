"""Ranking and last place: competition ranks, the last-placed units of a review group, and a whole quarter
(``assess_quarter``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.scoring.engine.base import ComponentInput, UnitId, exact_arithmetic
from app.scoring.engine.codes import Group
from app.scoring.engine.entries import QuarterTotal, quarter_total
from app.scoring.engine.finals import FinalScore, blend_finals
from app.scoring.engine.rules import RuleSet, Unit


def competition_ranks(scores: Mapping[Any, Decimal]) -> dict[Any, int]:
    """Ranks by score, higher first; ties share the better rank (1, 2, 2, 4) — DOMAIN.md §4.

    Annex 2 ranks by score in 五(一)1 “根据年度得分结果排名” and 五(一)2 “根据…各单位年度得分结果排名” without
    a tie rule; a unit's rank is 1 + the number of units with a strictly higher score.
    """
    first: dict[Decimal, int] = {}
    for position, value in enumerate(sorted(scores.values(), reverse=True), start=1):
        first.setdefault(value, position)
    return {key: first[value] for key, value in scores.items()}


def last_placed(scores: Mapping[Any, Decimal]) -> tuple[Any, ...]:
    """The last-placed units of a group: every unit tied at the lowest score (none for an empty group).

    附件2 六(三): “每季度各组评分最后一名单位,单位主要负责人要在书记季度讲评会上作出说明。” With a tie at the
    bottom all tied units explain themselves, so no unit escapes on an arbitrary tie-break.
    """
    if not scores:
        return ()
    lowest = min(scores.values())
    return tuple(key for key, value in scores.items() if value == lowest)


@dataclass(frozen=True)
class LastPlaced:
    groups: tuple[Group, ...]
    unit_ids: tuple[UnitId, ...]
    score: Decimal | None


@dataclass(frozen=True)
class QuarterResult:
    """One quarter of all units: totals, finals, ranks within each group, each review group's last place."""

    totals: Mapping[UnitId, QuarterTotal]
    finals: Mapping[UnitId, FinalScore]
    ranks: Mapping[UnitId, int]
    last_placed: tuple[LastPlaced, ...]

    @property
    def complete(self) -> bool:
        return all(final.complete for final in self.finals.values())

    @property
    def incomplete_units(self) -> tuple[UnitId, ...]:
        return tuple(unit_id for unit_id, final in self.finals.items() if not final.complete)


@exact_arithmetic
def assess_quarter(
    rules: RuleSet, units: Sequence[Unit], entries: Mapping[UnitId, Mapping[str, ComponentInput]]
) -> QuarterResult:
    """A quarter: each unit's 季度得分 (附件2 四), the blended 季度最终得分 (四(四)), ranks per group on the
    shown final score, and the last-placed units of each review group (六(三), see ``last_placed``).
    Ranks and last place are computed on whatever has been entered; check ``complete`` before finalizing."""
    totals = {unit.id: quarter_total(rules, unit, entries.get(unit.id, {})) for unit in units}
    finals = blend_finals(rules, totals)
    shown = {unit_id: final.score for unit_id, final in finals.items()}
    ranks: dict[UnitId, int] = {}
    for group in Group:
        ranks.update(competition_ranks({u.id: shown[u.id] for u in units if u.group is group}))
    lasts = []
    for review in rules.review_groups:
        scores = {u.id: shown[u.id] for u in units if u.group in review}
        ids = last_placed(scores)
        lasts.append(LastPlaced(tuple(review), ids, scores[ids[0]] if ids else None))
    return QuarterResult(totals, finals, ranks, tuple(lasts))
