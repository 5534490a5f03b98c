"""Checks of a rule set: ``validate_rules`` runs one checker per kind of problem, in a fixed order, and lists
their Chinese messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from app.scoring.engine.base import HUNDRED, ZERO, UnitId, decimal_text, exact_arithmetic
from app.scoring.engine.codes import QUOTA_GRADES, Assessor, Grade, Group, Priority
from app.scoring.engine.rules import ComponentRule, Profile, RuleSet, Unit


@exact_arithmetic
def validate_rules(rules: RuleSet, units: Iterable[Unit] = ()) -> list[str]:
    """Every problem with a rule set, as Chinese messages that say what to fix; empty when it is usable.

    Checks the annex-2 invariants: each profile's components sum to the full marks (附件2 四 “实行100分制”),
    sub-items (考评细则, 六(一)) add up to their component, blend and quarter weights sum to 100%, and the
    result settings are within range. With ``units``, also that every unit's profile exists and that blends
    and report flags name known units.
    """
    errors = [message for check in RULE_CHECKS for message in check(rules)]
    errors.extend(unit_problems(rules, list(units)))
    return errors


def full_marks_problems(rules: RuleSet) -> Iterator[str]:
    if rules.full_marks <= 0:
        yield "满分应大于0。"


def profile_problems(rules: RuleSet) -> Iterator[str]:
    """Each profile (附件2 四): its code, its components, and that their maxima add up to the full marks."""
    for code, profile in rules.profiles.items():
        name = profile.label or code
        if profile.code != code:
            yield f"季度得分构成“{name}”的代码应为“{code}”。"
        yield from component_problems(name, profile)
        total = sum((comp.maximum for comp in profile.components), ZERO)
        if total != rules.full_marks:
            yield f"季度得分构成“{name}”各项满分合计{decimal_text(total)}分,应为{decimal_text(rules.full_marks)}分。"


def component_problems(name: str, profile: Profile) -> Iterator[str]:
    """A profile's components: known assessors, each once, a positive maximum, and their sub-items."""
    seen: set[str] = set()
    for comp in profile.components:
        try:
            label = Assessor(comp.assessor).label
        except ValueError:
            yield f"季度得分构成“{name}”中有未知的考评单位代码“{comp.assessor}”。"
            continue
        if comp.assessor in seen:
            yield f"季度得分构成“{name}”中{label}出现了不止一次。"
        seen.add(comp.assessor)
        if comp.maximum <= 0:
            yield f"季度得分构成“{name}”中{label}的满分应大于0分。"
        if comp.sub_items:
            yield from sub_item_problems(f"{name}·{label}", comp)


def sub_item_problems(where: str, comp: ComponentRule) -> Iterator[str]:
    """A component's sub-items (考评细则, 附件2 六(一)): each once, within the component, adding up to it."""
    sub_codes: set[str] = set()
    for sub in comp.sub_items:
        if sub.code in sub_codes:
            yield f"{where}的细项“{sub.name}”重复。"
        sub_codes.add(sub.code)
        if sub.maximum <= 0:
            yield f"{where}的细项“{sub.name}”满分应大于0分。"
        elif sub.maximum > comp.maximum:
            yield (
                f"{where}的细项“{sub.name}”满分{decimal_text(sub.maximum)}分,"
                f"超过了该项满分{decimal_text(comp.maximum)}分。"
            )
    sub_total = sum((sub.maximum for sub in comp.sub_items), ZERO)
    if sub_total != comp.maximum:
        yield f"{where}的细项满分合计{decimal_text(sub_total)}分,应等于该项满分{decimal_text(comp.maximum)}分。"


def blend_problems(rules: RuleSet) -> Iterator[str]:
    """The blends (附件2 四(四)): two different units, percentages summing to 100%, one blend per unit."""
    targets: set[UnitId] = set()
    sources: set[UnitId] = set()
    for blend in rules.blends:
        if blend.target == blend.source:
            yield "折算的行业指导单位和被折算单位不能是同一个单位。"
        if blend.target_percent < 0 or blend.source_percent < 0:
            yield "折算比例不能为负数。"
        if blend.target_percent + blend.source_percent != HUNDRED:
            yield f"折算比例{decimal_text(blend.target_percent)}%与{decimal_text(blend.source_percent)}%之和应为100%。"
        if blend.target in targets:
            yield "同一个行业指导单位只能折算一个单位的得分。"
        if blend.source in sources:
            yield "同一个单位的得分只能折算到一个行业指导单位。"
        targets.add(blend.target)
        sources.add(blend.source)
    if targets & sources:
        yield "被折算得分的单位不能同时作为行业指导单位。"


def quarter_weight_problems(rules: RuleSet) -> Iterator[str]:
    """Every group's four quarter weights (附件2 四), non-negative and summing to 100%."""
    for group in Group:
        weights = rules.quarter_weights.get(group)
        if weights is None:
            yield f"{group.label}缺少年度得分的季度权重。"
            continue
        if len(weights) != 4:
            yield f"{group.label}的季度权重应有4个(一至四季度)。"
        if any(w < 0 for w in weights):
            yield f"{group.label}的季度权重不能为负数。"
        if sum(weights, ZERO) != HUNDRED:
            yield f"{group.label}的季度权重合计{decimal_text(sum(weights, ZERO))}%,应为100%。"


def rank_points_problems(rules: RuleSet) -> Iterator[str]:
    """The county/park points by rank (附件2 五(一)1) and the policy deduction (五(二))."""
    if rules.rank_points_total < 0:
        yield "县市区(园区)排名得分的分值不能为负数。"
    if not rules.rank_percentages:
        yield "县市区(园区)排名得分比例不能为空。"
    if any(p < 0 or p > HUNDRED for p in rules.rank_percentages):
        yield "县市区(园区)排名得分比例应在0%至100%之间。"
    if any(b > a for a, b in zip(rules.rank_percentages, rules.rank_percentages[1:], strict=False)):
        yield "县市区(园区)排名得分比例应随名次递减(后一名不高于前一名)。"
    if not 0 <= rules.policy_rate_line <= HUNDRED:
        yield "政策兑现率的扣分线应在0%至100%之间。"
    if rules.policy_deduction < 0:
        yield "政策兑现扣分不能为负数。"


def grade_problems(rules: RuleSet) -> Iterator[str]:
    """The 市直 grades (附件2 五(一)2): points, the 3:6:1 ratio, each grade's percentage, the 不合格 line."""
    if rules.grade_points_total < 0:
        yield "市直单位等次得分的分值不能为负数。"
    if len(rules.grade_ratio) != len(QUOTA_GRADES) or any(r < 0 for r in rules.grade_ratio):
        yield "“优秀”“良好”“合格”等次比例应为3个非负整数。"
    elif sum(rules.grade_ratio) <= 0:
        yield "“优秀”“良好”“合格”等次比例之和应大于0。"
    for grade in Grade:
        pct = rules.grade_percentages.get(grade)
        if pct is None:
            yield f"缺少“{grade.label}”等次的得分比例。"
        elif not 0 <= pct <= HUNDRED:
            yield f"“{grade.label}”等次的得分比例应在0%至100%之间。"
    if not 0 <= rules.fail_threshold <= rules.full_marks:
        yield f"不合格分数线应在0至{decimal_text(rules.full_marks)}分之间。"


def award_problems(rules: RuleSet) -> Iterator[str]:
    """Every group's award count (附件2 五(一)3), not negative."""
    for group in Group:
        count = rules.award_counts.get(group)
        if count is None:
            yield f"缺少{group.label}的表彰名额。"
        elif count < 0:
            yield f"{group.label}的表彰名额不能为负数。"


def review_group_problems(rules: RuleSet) -> Iterator[str]:
    """The quarterly review groups (附件2 六(三)) cover every group exactly once."""
    grouped = [group for review in rules.review_groups for group in review]
    if sorted(grouped) != sorted(Group) or any(not review for review in rules.review_groups):
        yield "季度讲评的分组应不重不漏地覆盖全部考评对象分组。"


def task_setting_problems(rules: RuleSet) -> Iterator[str]:
    """The task-based 千百十办 component: positive priority weights, a late credit within 0..1."""
    for priority in Priority:
        weight = rules.tasks.weights.get(priority)
        if weight is None or weight <= 0:
            yield f"“{priority.label}”交办事项的权重应大于0。"
    if not 0 <= rules.tasks.late_credit <= 1:
        yield "逾期办结的得分系数应在0至1之间。"


def unit_problems(rules: RuleSet, units: list[Unit]) -> Iterator[str]:
    """With units: each unit's profile exists, and blends and report flags name known units."""
    if not units:
        return
    known = {unit.id for unit in units}
    for unit in units:
        if unit.profile not in rules.profiles:
            yield f"{unit.name}的季度得分构成“{unit.profile}”不存在。"
    for blend in rules.blends:
        if blend.target not in known or blend.source not in known:
            yield "折算规则引用了不存在的单位。"
    for unit_id in rules.reports:
        if unit_id not in known:
            yield "考评结果报送规则引用了不存在的单位。"


#: The checkers of ``validate_rules`` in the order their messages are listed (``unit_problems`` last).
RULE_CHECKS: tuple[Callable[[RuleSet], Iterator[str]], ...] = (
    full_marks_problems,
    profile_problems,
    blend_problems,
    quarter_weight_problems,
    rank_points_problems,
    grade_problems,
    award_problems,
    review_group_problems,
    task_setting_problems,
)
