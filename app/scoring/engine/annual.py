"""The annual score and the year's results (附件2 四, 五): points by rank, the policy deduction, grades by
quota, awards, report flags and the province-first override (``assess_year``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from typing import Any

from app.scoring.engine.base import (
    HUNDRED,
    ZERO,
    ScoringError,
    UnitId,
    exact_arithmetic,
    quantize_score,
    to_decimal,
)
from app.scoring.engine.codes import GRADED_GROUPS, QUOTA_GRADES, RANKED_GROUPS, Grade, Group, ReportTarget
from app.scoring.engine.ranking import competition_ranks
from app.scoring.engine.rules import RuleSet, Unit


@dataclass(frozen=True)
class AnnualScore:
    exact: Decimal
    quarters: tuple[Decimal, ...]
    complete: bool

    @property
    def score(self) -> Decimal:
        return quantize_score(self.exact)


@exact_arithmetic
def annual_score(weights: Sequence[Decimal], quarter_finals: Sequence[Decimal | int | str | None]) -> AnnualScore:
    """年度得分 from the four quarterly finals and the group's quarter weights (percent).

    附件2 四: “年度得分=一季度得分×15%+二季度得分×25%+三季度得分×25%+四季度得分×35%。市直服务保障单位年度得分
    =一季度得分×15%+二季度得分×25%+三季度得分×30%+四季度得分×30%。” A missing quarter counts as 0 and makes
    the annual score incomplete. Exact; ``score`` is the two-place figure everything downstream uses.
    """
    if len(quarter_finals) != len(weights):
        raise ScoringError(f"年度得分需要{len(weights)}个季度的得分,收到{len(quarter_finals)}个。")
    values = tuple(ZERO if q is None else to_decimal(q) for q in quarter_finals)
    exact = sum((v * w for v, w in zip(values, weights, strict=True)), ZERO) / HUNDRED
    return AnnualScore(exact, values, all(q is not None for q in quarter_finals))


@exact_arithmetic
def rank_points(rules: RuleSet, rank: int) -> Decimal:
    """County/park points for a rank, out of ``rank_points_total`` (15).

    附件2 五(一)1: “在县市区(园区)绩效考核总分中设置15分的权重。根据年度得分结果排名,县市区组、一类园区组、
    二类园区组,第一名得满分,第二名得90%分,第三名得80%分,第四名得70%分,第五名得60%分。” Tied units share the
    better rank and so its percentage; a rank beyond the list gets the last percentage. Exact (15 × p%).
    """
    if rank < 1:
        raise ScoringError("名次应从1开始。")
    pct = rules.rank_percentages[min(rank, len(rules.rank_percentages)) - 1]
    return rules.rank_points_total * pct / HUNDRED


def policy_deduction(rules: RuleSet, rate: Decimal | int | str | None) -> Decimal:
    """The deduction for a county/park's policy fulfilment rate (percent); None (not yet assessed) → 0.

    附件2 五(二): “对县市区(园区)政策兑现率低于90%的,在“千百十”工程绩效考核总分中扣3分。” Strictly below the
    line; exactly 90% is not deducted. The points after the deduction never go below 0 (``assess_year``).
    """
    if rate is None:
        return ZERO
    return rules.policy_deduction if to_decimal(rate) < rules.policy_rate_line else ZERO


def grade_quotas(n: int, ratio: Sequence[int] = (3, 6, 1)) -> tuple[int, ...]:
    """The places of 优秀/良好/合格 among ``n`` graded units: the 3:6:1 split by largest remainder.

    附件2 五(一)2: “‘优秀’‘良好’‘合格’等次比例为3:6:1,‘不合格’等次不限比例。” Each grade gets the floor of
    n × its share; the places left go one each to the largest remainders, a tie of remainders to the better
    grade (DOMAIN.md §4). Integer arithmetic, so exact: 20 → (6, 12, 2), 26 → (8, 16, 2), 1 → (0, 1, 0).
    """
    total = sum(ratio)
    if n < 0 or total <= 0 or any(r < 0 for r in ratio):
        raise ScoringError("等次比例或参评单位数无效。")
    places = [n * r // total for r in ratio]
    remainders = [n * r % total for r in ratio]
    left = n - sum(places)
    for index in sorted(range(len(ratio)), key=lambda i: (-remainders[i], i))[:left]:
        places[index] += 1
    return tuple(places)


@dataclass(frozen=True)
class GradeAssignment:
    grades: Mapping[Any, Grade]
    quotas: tuple[int, ...]
    counts: Mapping[Grade, int]


def assign_grades(
    scores: Mapping[Any, Decimal],
    *,
    failed: Collection[Any] = (),
    threshold: Decimal = Decimal(60),
    ratio: Sequence[int] = (3, 6, 1),
) -> GradeAssignment:
    """优秀/良好/合格/不合格 for one 市直 group (附件2 五(一)2).

    “根据产业推进组、服务保障组各单位年度得分结果排名,评定‘优秀’‘良好’‘合格’‘不合格’4个等次,‘优秀’‘良好’
    ‘合格’等次比例为3:6:1,‘不合格’等次不限比例。”

    1. 不合格 first (DOMAIN.md §4): a score strictly below ``threshold`` or a unit in ``failed`` (a recorded
       decision of the leadership group). These are outside the quota.
    2. The quotas over the remaining N come from ``grade_quotas``.
    3. The others are ranked (competition ranks) and graded by cumulative boundaries: a unit gets 优秀 when
       its rank ≤ q优秀, else 良好 when its rank ≤ q优秀 + q良好, else 合格. A tie group is graded by its
       shared (better) rank, so tied scores straddling a boundary all get the better grade; the grade
       just below then loses as many places as the better one gained (its boundary stays at the same
       cumulative place), and the grades after it keep theirs. So 优秀 ≥ q优秀, 优秀 + 良好 ≥ q优秀 + q良好, and
       each equality holds unless a tie straddles that boundary.
    """
    failed_set = set(failed)
    grades: dict[Any, Grade] = {}
    graded: dict[Any, Decimal] = {}
    for key, value in scores.items():
        if key in failed_set or value < threshold:
            grades[key] = Grade.failed
        else:
            graded[key] = value
    quotas = grade_quotas(len(graded), ratio)
    bounds = list(accumulate(quotas))
    for key, rank in competition_ranks(graded).items():
        grades[key] = next(g for g, bound in zip(QUOTA_GRADES, bounds, strict=True) if rank <= bound)
    counts = {grade: 0 for grade in Grade}
    for grade in grades.values():
        counts[grade] += 1
    return GradeAssignment(grades, quotas, counts)


@exact_arithmetic
def grade_points(rules: RuleSet, grade: Grade) -> Decimal:
    """附件2 五(一)2: “在市直单位绩效考核总分中设置10分的权重。…‘优秀’等次得满分,‘良好’等次得90%分,‘合格’等次
    得80%分,不合格等次得60%分。” Exact (10 × p%)."""
    return rules.grade_points_total * rules.grade_percentages[grade] / HUNDRED


def select_awards(ranks: Mapping[Any, int], count: int) -> frozenset[Any]:
    """The award places of a group: every unit whose rank is within ``count``.

    附件2 五(一)3: “根据年度考评结果,分别把县市区组前二名,一类园区组、二类园区组前一名,市直单位产业推进组和
    服务保障组前四名纳入市人民政府真抓实干督查奖励对象。” Units tied at the cut are all included (they share the
    rank), so a group may have more award units than ``count``; never fewer, unless it has fewer units.
    """
    return frozenset(key for key, rank in ranks.items() if rank <= count)


def province_first_scores(rules: RuleSet, scores: Mapping[Any, Decimal]) -> dict[Any, Decimal]:
    """附件2 五(一)3, last paragraph: “若湘潭市“千百十”工程成效在省政府真抓实干督查激励中排名同类市州第一位,
    则各县市区(园区)、市直单位年度得分均调整为满分。” Every unit's annual score becomes the full marks."""
    return {key: rules.full_marks for key in scores}


@dataclass(frozen=True)
class UnitYear:
    """A unit's annual result.

    ``assessed_score`` is the two-place annual score from the quarters; ``score`` is the one that counts
    (full marks under the province-first override, else the assessed score). ``rank`` is within the
    group on ``score``. County/park units have ``base_points`` (by rank), ``deduction`` (policy) and
    ``points`` out of 15; 市直 units have ``grade`` and ``points`` out of 10.
    """

    unit_id: UnitId
    group: Group
    annual: AnnualScore
    assessed_score: Decimal
    score: Decimal
    overridden: bool
    rank: int
    points: Decimal
    base_points: Decimal | None = None
    deduction: Decimal = ZERO
    policy_rate: Decimal | None = None
    grade: Grade | None = None
    awarded: bool = False
    report_to: ReportTarget | None = None

    @property
    def complete(self) -> bool:
        return self.annual.complete


@dataclass(frozen=True)
class YearResult:
    units: Mapping[UnitId, UnitYear]
    quotas: Mapping[Group, tuple[int, ...]]
    grade_counts: Mapping[Group, Mapping[Grade, int]]
    province_first: bool

    @property
    def complete(self) -> bool:
        return all(unit.complete for unit in self.units.values())

    def awarded(self, group: Group) -> tuple[UnitId, ...]:
        return tuple(u.unit_id for u in self.units.values() if u.group is group and u.awarded)


@exact_arithmetic
def assess_year(
    rules: RuleSet,
    units: Sequence[Unit],
    quarter_finals: Mapping[UnitId, Sequence[Decimal | int | str | None]],
    *,
    province_first: bool = False,
    policy_rates: Mapping[UnitId, Decimal | int | str | None] | None = None,
    failed_decisions: Collection[UnitId] = (),
) -> YearResult:
    """A year: annual scores (附件2 四), ranks, points, grades, awards and report flags (五).

    ``quarter_finals`` holds each unit's four exact quarterly finals (None for a missing quarter, counted 0).
    ``policy_rates`` are the December policy fulfilment rates (percent) of county/park units (五(二));
    ``failed_decisions`` the 市直 units the leadership group recorded as 不合格. Passing either for a unit of
    the wrong kind raises ``ScoringError``, because annex 2 applies them only to that kind.

    * ``province_first`` (五(一)3, last paragraph): every unit's ``score`` becomes the full marks, so all
      ranks tie at 1: every county/park unit gets the first-place points and every graded 市直 unit 优秀.
      The policy deduction (五(二)) and recorded 不合格 decisions still apply: they are separate from the
      annual score. Awards are then selected on the assessed scores when ``rules.awards_on_assessed_scores``
      (default) — otherwise every unit would tie for an award place, which the fixed counts of 五(一)3 rule
      out — and on the full marks when it is false.
    * Awards (五(一)3) rank the group's units, leaving out 市直 units graded 不合格, and take every unit within
      the count (see ``select_awards``).
    * Report flags (五(一)3, second paragraph) come from ``rules.reports``.
    """
    policy_rates = policy_rates or {}
    failed_set = set(failed_decisions)
    by_id = {unit.id: unit for unit in units}
    for unit_id in [*policy_rates, *failed_set]:
        if unit_id not in by_id:
            raise ScoringError(f"考评对象中没有编号为{unit_id}的单位。")
    for unit_id in policy_rates:
        if by_id[unit_id].group not in RANKED_GROUPS:
            raise ScoringError(f"政策兑现率只适用于县市区(园区),{by_id[unit_id].name}不适用。")
    for unit_id in failed_set:
        if by_id[unit_id].group not in GRADED_GROUPS:
            raise ScoringError(f"“不合格”等次只适用于市直单位和相关企业,{by_id[unit_id].name}不适用。")

    annuals: dict[UnitId, AnnualScore] = {}
    for unit in units:
        weights = rules.quarter_weights.get(unit.group)
        if weights is None:
            raise ScoringError(f"{unit.group.label}缺少年度得分的季度权重。")
        annuals[unit.id] = annual_score(weights, quarter_finals.get(unit.id, (None,) * len(weights)))

    results: dict[UnitId, UnitYear] = {}
    quotas: dict[Group, tuple[int, ...]] = {}
    grade_counts: dict[Group, Mapping[Grade, int]] = {}
    for group in Group:
        members = [unit for unit in units if unit.group is group]
        assessed = {unit.id: annuals[unit.id].score for unit in members}
        scores = province_first_scores(rules, assessed) if province_first else dict(assessed)
        ranks = competition_ranks(scores)
        grades: Mapping[UnitId, Grade] = {}
        if group in GRADED_GROUPS:
            assignment = assign_grades(
                scores,
                failed=failed_set & set(scores),
                threshold=rules.fail_threshold,
                ratio=rules.grade_ratio,
            )
            grades = assignment.grades
            quotas[group] = assignment.quotas
            grade_counts[group] = assignment.counts
        award_basis = assessed if (province_first and rules.awards_on_assessed_scores) else scores
        eligible = {key: value for key, value in award_basis.items() if grades.get(key) is not Grade.failed}
        awarded = select_awards(competition_ranks(eligible), rules.award_counts.get(group, 0))

        for unit in members:
            common: dict[str, Any] = {
                "unit_id": unit.id,
                "group": group,
                "annual": annuals[unit.id],
                "assessed_score": assessed[unit.id],
                "score": scores[unit.id],
                "overridden": province_first,
                "rank": ranks[unit.id],
                "awarded": unit.id in awarded,
                "report_to": rules.reports.get(unit.id),
            }
            if group in RANKED_GROUPS:
                rate = policy_rates.get(unit.id)
                base = rank_points(rules, ranks[unit.id])
                deduction = policy_deduction(rules, rate)
                results[unit.id] = UnitYear(
                    **common,
                    points=quantize_score(max(ZERO, base - deduction)),
                    base_points=quantize_score(base),
                    deduction=deduction,
                    policy_rate=None if rate is None else to_decimal(rate),
                )
            else:
                grade = grades[unit.id]
                results[unit.id] = UnitYear(**common, points=quantize_score(grade_points(rules, grade)), grade=grade)
    return YearResult(results, quotas, grade_counts, province_first)
