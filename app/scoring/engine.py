"""The pure assessment engine of annex 2 (附件2 湘潭市产业强市“千百十”工程考核评价办法).

Dataclasses in, ``Decimal`` out: no database, no Flask, no clock (dates are arguments). Every rule is a
function below whose docstring quotes the line of annex 2 it implements; ``RULE_INDEX`` lists them so the
pages can say which rule produced a number. The numbers of a year's rules are data (``RuleSet``), built by
``default_rules`` from the annex-2 defaults, checked by ``validate_rules`` and stored with
``rules_to_dict``/``rules_from_dict``.

Arithmetic and rounding (DOMAIN.md §4, "Interpretations")
--------------------------------------------------------
* Scores are ``Decimal``. Binary floats are refused with ``TypeError``; ints and numeric strings are accepted.
* Internal arithmetic keeps full precision: it runs in a local context of 28 significant digits, so the
  caller's decimal context changes nothing. Only the 千百十办 task ratio can be non-terminating.
* Figures are quantized to 0.01 with ROUND_HALF_UP at these presentation points only, each also kept exact:
  ``QuarterTotal.score``, ``FinalScore.score``, ``AnnualScore.score``, ``OfficeComponent.value`` (it is stored
  as an entered component, like the other assessors' two-place entries) and the points out of 15 and 10.
* Ranks, the 不合格 threshold, grades, awards and the quarter's last-placed unit use the quantized (shown)
  score, so two units shown with the same score always share a rank. The annual score is computed from the
  exact quarterly finals, not from their shown values (it may therefore differ by 0.01 from a hand
  computation on the shown quarterly figures).

Ties (DOMAIN.md §4): competition ranking, 1, 2, 2, 4 — tied units share the better rank.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from itertools import accumulate
from typing import Any, ParamSpec, TypeAlias, TypeVar

UnitId: TypeAlias = str | int
TaskId: TypeAlias = str | int
ComponentInput: TypeAlias = "Decimal | int | str | Mapping[str, Decimal | int | str | None] | None"

HUNDRED = Decimal(100)
ZERO = Decimal(0)
CENT = Decimal("0.01")
_CONTEXT = Context(prec=28)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _exact(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run in the engine's own decimal context, whatever context the caller has set."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with localcontext(_CONTEXT):
            return func(*args, **kwargs)

    return wrapper


class ScoringError(ValueError):
    """Input the rules refuse; the message is Chinese and says what to fix."""


# --------------------------------------------------------------------------------------------------------
# Codes (English) with their Chinese labels
# --------------------------------------------------------------------------------------------------------


class _Labelled(enum.StrEnum):
    @property
    def label(self) -> str:
        """The Chinese label shown to users."""
        return _LABELS[type(self), self.value]


class Assessor(_Labelled):
    """考评单位: the unit that scores one component (附件2 三)."""

    miit = "miit"
    ndrc = "ndrc"
    most = "most"
    commerce = "commerce"
    samr = "samr"
    finance = "finance"
    culture = "culture"
    office = "office"


class Group(_Labelled):
    """考评对象 groups (附件2 二); ``promotion`` and ``support`` together are the 46 市直 units."""

    county = "county"
    park1 = "park1"
    park2 = "park2"
    promotion = "promotion"
    support = "support"


class Grade(_Labelled):
    """等次 of the 市直 groups (附件2 五(一)2), best first."""

    excellent = "excellent"
    good = "good"
    qualified = "qualified"
    failed = "failed"


class ReportTarget(_Labelled):
    """Where a unit's annual result is also sent (附件2 五(一)3, second paragraph)."""

    superior_authority = "superior_authority"
    parent_company = "parent_company"


class Priority(_Labelled):
    """Priority of an assigned task (交办事项)."""

    normal = "normal"
    key = "key"


class TaskOutcome(_Labelled):
    on_time = "on_time"
    late = "late"
    not_done = "not_done"


_LABEL_TEXT: tuple[tuple[enum.StrEnum, str], ...] = (
    (Assessor.miit, "市工信局"),
    (Assessor.ndrc, "市发改委"),
    (Assessor.most, "市科技局"),
    (Assessor.commerce, "市商务局"),
    (Assessor.samr, "市市场监管局"),
    (Assessor.finance, "市经研金融办"),
    (Assessor.culture, "市文旅广体局"),
    (Assessor.office, "市产业强市“千百十”工程办"),
    (Group.county, "县市区组"),
    (Group.park1, "一类园区组"),
    (Group.park2, "二类园区组"),
    (Group.promotion, "产业推进组"),
    (Group.support, "服务保障组"),
    (Grade.excellent, "优秀"),
    (Grade.good, "良好"),
    (Grade.qualified, "合格"),
    (Grade.failed, "不合格"),
    (ReportTarget.superior_authority, "报上级主管部门"),
    (ReportTarget.parent_company, "报上级公司"),
    (Priority.normal, "一般"),
    (Priority.key, "重点"),
    (TaskOutcome.on_time, "按期办结"),
    (TaskOutcome.late, "逾期办结"),
    (TaskOutcome.not_done, "未办结"),
)
# Keyed by (class, value): two enums may one day share a value.
_LABELS: dict[tuple[type, str], str] = {(type(member), member.value): text for member, text in _LABEL_TEXT}

#: Groups whose annual result is points out of 15 by rank (附件2 五(一)1), with the policy deduction (五(二)).
RANKED_GROUPS = (Group.county, Group.park1, Group.park2)
#: Groups whose annual result is a grade worth points out of 10 (附件2 五(一)2).
GRADED_GROUPS = (Group.promotion, Group.support)
#: The three grades that share the 3:6:1 quota, best first.
QUOTA_GRADES = (Grade.excellent, Grade.good, Grade.qualified)

# Component profiles: which row of the table in 附件2 四 a unit's quarterly score follows.
PROFILE_COUNTY_A = "county_a"
PROFILE_SHAOSHAN = "shaoshan"
PROFILE_YUETANG = "yuetang"
PROFILE_PARK_A = "park_a"
PROFILE_PARK_B = "park_b"
PROFILE_CITY = "city"

#: The county and park units' profiles by their annex-2 names; every 市直 unit has ``PROFILE_CITY``.
DEFAULT_PROFILE_BY_NAME: Mapping[str, str] = {
    "湘潭县人民政府": PROFILE_COUNTY_A,
    "湘乡市人民政府": PROFILE_COUNTY_A,
    "雨湖区人民政府": PROFILE_COUNTY_A,
    "韶山市人民政府": PROFILE_SHAOSHAN,
    "岳塘区人民政府": PROFILE_YUETANG,
    "湘潭高新区管委会": PROFILE_PARK_A,
    "湘潭经开区管委会": PROFILE_PARK_A,
    "湘潭天易经开区管委会": PROFILE_PARK_A,
    "湘乡经开区管委会": PROFILE_PARK_A,
    "韶山高新区管委会": PROFILE_PARK_A,
    "雨湖高新区管委会": PROFILE_PARK_A,
    "湘潭综保区管委会": PROFILE_PARK_B,
    "岳塘经开区管委会": PROFILE_PARK_B,
}

#: 附件2 四(四): (guiding unit 行业指导单位, company whose score is blended in at 15%).
DEFAULT_BLEND_NAMES: tuple[tuple[str, str], ...] = (
    ("市发改委", "国网湘潭供电公司"),
    ("市住房城乡建设局", "湘潭中环水务有限公司"),
    ("市城管执法局", "湘潭新奥燃气有限公司"),
)

#: 附件2 五(一)3: units whose annual result is reported upward.
DEFAULT_REPORT_NAMES: Mapping[str, ReportTarget] = {
    "市税务局": ReportTarget.superior_authority,
    "湘潭银保监分局": ReportTarget.superior_authority,
    "人民银行市中心支行": ReportTarget.superior_authority,
    "市通管办": ReportTarget.superior_authority,
    "国防光缆湘潭维护站": ReportTarget.superior_authority,
    "国网湘潭供电公司": ReportTarget.parent_company,
    "湘潭新奥燃气有限公司": ReportTarget.parent_company,
    "湘潭中环水务有限公司": ReportTarget.parent_company,
}


def default_profile(name: str, group: Group | str) -> str:
    """The component profile of a unit by its annex-2 name: a 市直 unit is ``city``; a 二类园区 is ``park_a``."""
    group = Group(group)
    if group in GRADED_GROUPS:
        return PROFILE_CITY
    if name in DEFAULT_PROFILE_BY_NAME:
        return DEFAULT_PROFILE_BY_NAME[name]
    if group is Group.park2:
        return PROFILE_PARK_A
    raise ScoringError(f"无法确定“{name}”适用的季度得分构成,请在考评规则中指定。")


# --------------------------------------------------------------------------------------------------------
# Decimal helpers
# --------------------------------------------------------------------------------------------------------


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


@_exact
def quantize_score(value: Decimal) -> Decimal:
    """The presentation rounding: two places, ROUND_HALF_UP (DOMAIN.md §4)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _fmt(value: Decimal) -> str:
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# --------------------------------------------------------------------------------------------------------
# Rules as data
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubItem:
    """A sub-item of a component, with its own maximum.

    附件2 六(一): “每年3月底前,各考评单位要明确各项指标年度发展目标,细化工作举措,完善考评细则,报市产业强市
    “千百十”工程工作领导小组审定后,统一行文下发。”
    """

    code: str
    name: str
    maximum: Decimal


@dataclass(frozen=True)
class ComponentRule:
    """One assessor's component of a profile and its maximum; sub-items, when present, add up to it."""

    assessor: Assessor
    maximum: Decimal
    sub_items: tuple[SubItem, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "assessor", Assessor(self.assessor))
        object.__setattr__(self, "maximum", to_decimal(self.maximum))
        object.__setattr__(self, "sub_items", tuple(self.sub_items))


@dataclass(frozen=True)
class Profile:
    """A row of the component table in 附件2 四: which assessors score the units of this profile."""

    code: str
    label: str
    components: tuple[ComponentRule, ...]

    def component(self, assessor: Assessor | str) -> ComponentRule | None:
        for rule in self.components:
            if rule.assessor == assessor:
                return rule
        return None


@dataclass(frozen=True)
class Blend:
    """附件2 四(四): the target's final = its score × target_percent% + the source's score × source_percent%."""

    target: UnitId
    source: UnitId
    target_percent: Decimal = Decimal(85)
    source_percent: Decimal = Decimal(15)


@dataclass(frozen=True)
class TaskSettings:
    """Settings of the task-based 千百十办 component (DOMAIN.md §4).

    ``include_co_units`` is read by the service that selects the task facts (lead unit only by default);
    the engine itself only sees the facts it is given.
    """

    weights: Mapping[str, Decimal] = field(
        default_factory=lambda: {Priority.normal: Decimal(1), Priority.key: Decimal(2)}
    )
    late_credit: Decimal = Decimal("0.5")
    include_co_units: bool = False


def _c(assessor: Assessor, maximum: int) -> ComponentRule:
    return ComponentRule(assessor, Decimal(maximum))


def default_profiles() -> dict[str, Profile]:
    """The component table of 附件2 四(一)–(四), exactly as written.

    (一) 湘潭县、湘乡市、雨湖区: 工信局25 + 发改委20 + 科技局15 + 商务局10 + 市场监管局5 + 经研金融办5
         + 文旅广体局5 + 千百十办15;
         韶山市: 工信局25 + 发改委15 + 科技局10 + 商务局10 + 市场监管局5 + 经研金融办5 + 文旅广体局15 + 千百十办15;
         岳塘区: 工信局25 + 发改委20 + 科技局10 + 商务局10 + 市场监管局5 + 经研金融办5 + 文旅广体局10 + 千百十办15.
    (二) 湘潭高新区、湘潭经开区、二类园区: 工信局25 + 发改委25 + 科技局15 + 商务局10 + 市场监管局5 + 经研金融办5
         + 千百十办15.
    (三) 湘潭综保区、岳塘经开区: 发改委40 + 商务局20 + 市场监管局15 + 千百十办25.
    (四) 市直单位及相关企业: 千百十办70 + 工信局30.
    """
    a = Assessor
    rows = {
        PROFILE_COUNTY_A: (
            "湘潭县、湘乡市、雨湖区",
            [
                (a.miit, 25),
                (a.ndrc, 20),
                (a.most, 15),
                (a.commerce, 10),
                (a.samr, 5),
                (a.finance, 5),
                (a.culture, 5),
                (a.office, 15),
            ],
        ),
        PROFILE_SHAOSHAN: (
            "韶山市",
            [
                (a.miit, 25),
                (a.ndrc, 15),
                (a.most, 10),
                (a.commerce, 10),
                (a.samr, 5),
                (a.finance, 5),
                (a.culture, 15),
                (a.office, 15),
            ],
        ),
        PROFILE_YUETANG: (
            "岳塘区",
            [
                (a.miit, 25),
                (a.ndrc, 20),
                (a.most, 10),
                (a.commerce, 10),
                (a.samr, 5),
                (a.finance, 5),
                (a.culture, 10),
                (a.office, 15),
            ],
        ),
        PROFILE_PARK_A: (
            "湘潭高新区、湘潭经开区、二类园区",
            [(a.miit, 25), (a.ndrc, 25), (a.most, 15), (a.commerce, 10), (a.samr, 5), (a.finance, 5), (a.office, 15)],
        ),
        PROFILE_PARK_B: ("湘潭综保区、岳塘经开区", [(a.ndrc, 40), (a.commerce, 20), (a.samr, 15), (a.office, 25)]),
        PROFILE_CITY: ("市直单位及相关企业", [(a.office, 70), (a.miit, 30)]),
    }
    return {
        code: Profile(code, label, tuple(_c(assessor, maximum) for assessor, maximum in parts))
        for code, (label, parts) in rows.items()
    }


#: 附件2 四: 县市区(园区)、市直产业推进单位 Q1×15% + Q2×25% + Q3×25% + Q4×35%.
WEIGHTS_STANDARD = (Decimal(15), Decimal(25), Decimal(25), Decimal(35))
#: 附件2 四: 市直服务保障单位 Q1×15% + Q2×25% + Q3×30% + Q4×30%.
WEIGHTS_SUPPORT = (Decimal(15), Decimal(25), Decimal(30), Decimal(30))


def _default_quarter_weights() -> dict[Group, tuple[Decimal, ...]]:
    return {
        Group.county: WEIGHTS_STANDARD,
        Group.park1: WEIGHTS_STANDARD,
        Group.park2: WEIGHTS_STANDARD,
        Group.promotion: WEIGHTS_STANDARD,
        Group.support: WEIGHTS_SUPPORT,
    }


def _default_grade_percentages() -> dict[Grade, Decimal]:
    return {Grade.excellent: HUNDRED, Grade.good: Decimal(90), Grade.qualified: Decimal(80), Grade.failed: Decimal(60)}


def _default_award_counts() -> dict[Group, int]:
    return {Group.county: 2, Group.park1: 1, Group.park2: 1, Group.promotion: 4, Group.support: 4}


def _default_review_groups() -> tuple[tuple[Group, ...], ...]:
    return tuple((group,) for group in Group)


@dataclass(frozen=True)
class RuleSet:
    """A year's assessment rules. ``RuleSet()`` holds the annex-2 defaults without unit-specific data;
    ``default_rules(units)`` adds the blends and report flags of the given units.

    Percentages are stored as percent numbers (``Decimal(85)`` for 85%).

    ``review_groups`` are the groups whose last-placed unit explains itself each quarter (附件2 六(三) “各组”);
    by default the five groups separately. ``awards_on_assessed_scores`` chooses the scores the awards are
    selected on when the province-first override applies (see ``assess_year``).
    """

    full_marks: Decimal = HUNDRED
    profiles: Mapping[str, Profile] = field(default_factory=default_profiles)
    blends: tuple[Blend, ...] = ()
    quarter_weights: Mapping[Group, tuple[Decimal, ...]] = field(default_factory=_default_quarter_weights)
    rank_points_total: Decimal = Decimal(15)
    rank_percentages: tuple[Decimal, ...] = (HUNDRED, Decimal(90), Decimal(80), Decimal(70), Decimal(60))
    policy_rate_line: Decimal = Decimal(90)
    policy_deduction: Decimal = Decimal(3)
    grade_points_total: Decimal = Decimal(10)
    grade_ratio: tuple[int, ...] = (3, 6, 1)
    grade_percentages: Mapping[Grade, Decimal] = field(default_factory=_default_grade_percentages)
    fail_threshold: Decimal = Decimal(60)
    award_counts: Mapping[Group, int] = field(default_factory=_default_award_counts)
    awards_on_assessed_scores: bool = True
    reports: Mapping[UnitId, ReportTarget] = field(default_factory=dict)
    review_groups: tuple[tuple[Group, ...], ...] = field(default_factory=_default_review_groups)
    tasks: TaskSettings = field(default_factory=TaskSettings)


@dataclass(frozen=True)
class Unit:
    """An assessed unit as the engine sees it. ``profile`` is a key of ``RuleSet.profiles``."""

    id: UnitId
    name: str
    group: Group
    profile: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "group", Group(self.group))


def default_rules(units: Iterable[Unit] = ()) -> RuleSet:
    """The annex-2 defaults, with the blends (四(四)) and report flags (五(一)3) of the units given.

    附件2 五(一)3: “市税务局、湘潭银保监分局、人民银行市中心支行、市通管办、国防光缆湘潭维护站年度考评结果报上级
    主管部门;国网湘潭供电公司、湘潭新奥燃气有限公司、湘潭中环水务有限公司年度考评结果报上级公司。”

    Units are recognised by their exact annex-2 names; a blend whose two units are not both present, or a
    report flag whose unit is absent, is left out (demo data may hold a subset of the 59 units).
    """
    by_name = {unit.name: unit.id for unit in units}
    blends = tuple(
        Blend(by_name[target], by_name[source])
        for target, source in DEFAULT_BLEND_NAMES
        if target in by_name and source in by_name
    )
    reports = {by_name[name]: target for name, target in DEFAULT_REPORT_NAMES.items() if name in by_name}
    return RuleSet(blends=blends, reports=reports)


@_exact
def validate_rules(rules: RuleSet, units: Iterable[Unit] = ()) -> list[str]:
    """Every problem with a rule set, as Chinese messages that say what to fix; empty when it is usable.

    Checks the annex-2 invariants: each profile's components sum to the full marks (附件2 四 “实行100分制”),
    sub-items (考评细则, 六(一)) add up to their component, blend and quarter weights sum to 100%, and the
    result settings are within range. With ``units``, also that every unit's profile exists and that blends
    and report flags name known units.
    """
    errors: list[str] = []
    full = rules.full_marks
    if full <= 0:
        errors.append("满分应大于0。")
    for code, profile in rules.profiles.items():
        name = profile.label or code
        if profile.code != code:
            errors.append(f"季度得分构成“{name}”的代码应为“{code}”。")
        seen: set[str] = set()
        for comp in profile.components:
            try:
                label = Assessor(comp.assessor).label
            except ValueError:
                errors.append(f"季度得分构成“{name}”中有未知的考评单位代码“{comp.assessor}”。")
                continue
            if comp.assessor in seen:
                errors.append(f"季度得分构成“{name}”中{label}出现了不止一次。")
            seen.add(comp.assessor)
            if comp.maximum <= 0:
                errors.append(f"季度得分构成“{name}”中{label}的满分应大于0分。")
            if comp.sub_items:
                sub_codes: set[str] = set()
                for sub in comp.sub_items:
                    if sub.code in sub_codes:
                        errors.append(f"{name}·{label}的细项“{sub.name}”重复。")
                    sub_codes.add(sub.code)
                    if sub.maximum <= 0:
                        errors.append(f"{name}·{label}的细项“{sub.name}”满分应大于0分。")
                    elif sub.maximum > comp.maximum:
                        errors.append(
                            f"{name}·{label}的细项“{sub.name}”满分{_fmt(sub.maximum)}分,"
                            f"超过了该项满分{_fmt(comp.maximum)}分。"
                        )
                sub_total = sum((sub.maximum for sub in comp.sub_items), ZERO)
                if sub_total != comp.maximum:
                    errors.append(
                        f"{name}·{label}的细项满分合计{_fmt(sub_total)}分,应等于该项满分{_fmt(comp.maximum)}分。"
                    )
        total = sum((comp.maximum for comp in profile.components), ZERO)
        if total != full:
            errors.append(f"季度得分构成“{name}”各项满分合计{_fmt(total)}分,应为{_fmt(full)}分。")

    targets: set[UnitId] = set()
    sources: set[UnitId] = set()
    for blend in rules.blends:
        if blend.target == blend.source:
            errors.append("折算的行业指导单位和被折算单位不能是同一个单位。")
        if blend.target_percent < 0 or blend.source_percent < 0:
            errors.append("折算比例不能为负数。")
        if blend.target_percent + blend.source_percent != HUNDRED:
            errors.append(f"折算比例{_fmt(blend.target_percent)}%与{_fmt(blend.source_percent)}%之和应为100%。")
        if blend.target in targets:
            errors.append("同一个行业指导单位只能折算一个单位的得分。")
        if blend.source in sources:
            errors.append("同一个单位的得分只能折算到一个行业指导单位。")
        targets.add(blend.target)
        sources.add(blend.source)
    if targets & sources:
        errors.append("被折算得分的单位不能同时作为行业指导单位。")

    for group in Group:
        weights = rules.quarter_weights.get(group)
        if weights is None:
            errors.append(f"{group.label}缺少年度得分的季度权重。")
            continue
        if len(weights) != 4:
            errors.append(f"{group.label}的季度权重应有4个(一至四季度)。")
        if any(w < 0 for w in weights):
            errors.append(f"{group.label}的季度权重不能为负数。")
        if sum(weights, ZERO) != HUNDRED:
            errors.append(f"{group.label}的季度权重合计{_fmt(sum(weights, ZERO))}%,应为100%。")

    if rules.rank_points_total < 0:
        errors.append("县市区(园区)排名得分的分值不能为负数。")
    if not rules.rank_percentages:
        errors.append("县市区(园区)排名得分比例不能为空。")
    if any(p < 0 or p > HUNDRED for p in rules.rank_percentages):
        errors.append("县市区(园区)排名得分比例应在0%至100%之间。")
    if any(b > a for a, b in zip(rules.rank_percentages, rules.rank_percentages[1:], strict=False)):
        errors.append("县市区(园区)排名得分比例应随名次递减(后一名不高于前一名)。")
    if not 0 <= rules.policy_rate_line <= HUNDRED:
        errors.append("政策兑现率的扣分线应在0%至100%之间。")
    if rules.policy_deduction < 0:
        errors.append("政策兑现扣分不能为负数。")

    if rules.grade_points_total < 0:
        errors.append("市直单位等次得分的分值不能为负数。")
    if len(rules.grade_ratio) != len(QUOTA_GRADES) or any(r < 0 for r in rules.grade_ratio):
        errors.append("“优秀”“良好”“合格”等次比例应为3个非负整数。")
    elif sum(rules.grade_ratio) <= 0:
        errors.append("“优秀”“良好”“合格”等次比例之和应大于0。")
    for grade in Grade:
        pct = rules.grade_percentages.get(grade)
        if pct is None:
            errors.append(f"缺少“{grade.label}”等次的得分比例。")
        elif not 0 <= pct <= HUNDRED:
            errors.append(f"“{grade.label}”等次的得分比例应在0%至100%之间。")
    if not 0 <= rules.fail_threshold <= full:
        errors.append(f"不合格分数线应在0至{_fmt(full)}分之间。")

    for group in Group:
        count = rules.award_counts.get(group)
        if count is None:
            errors.append(f"缺少{group.label}的表彰名额。")
        elif count < 0:
            errors.append(f"{group.label}的表彰名额不能为负数。")

    grouped = [group for review in rules.review_groups for group in review]
    if sorted(grouped) != sorted(Group) or any(not review for review in rules.review_groups):
        errors.append("季度讲评的分组应不重不漏地覆盖全部考评对象分组。")

    for priority in Priority:
        weight = rules.tasks.weights.get(priority)
        if weight is None or weight <= 0:
            errors.append(f"“{priority.label}”交办事项的权重应大于0。")
    if not 0 <= rules.tasks.late_credit <= 1:
        errors.append("逾期办结的得分系数应在0至1之间。")

    unit_list = list(units)
    if unit_list:
        known = {unit.id for unit in unit_list}
        for unit in unit_list:
            if unit.profile not in rules.profiles:
                errors.append(f"{unit.name}的季度得分构成“{unit.profile}”不存在。")
        for blend in rules.blends:
            if blend.target not in known or blend.source not in known:
                errors.append("折算规则引用了不存在的单位。")
        for unit_id in rules.reports:
            if unit_id not in known:
                errors.append("考评结果报送规则引用了不存在的单位。")
    return errors


# --------------------------------------------------------------------------------------------------------
# Entries and the quarterly total
# --------------------------------------------------------------------------------------------------------


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
        return [f"{label}对{unit.name}的得分应在0至{_fmt(maximum)}分之间,录入的是{_fmt(amount)}分。"]
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


@_exact
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
                f"{comp.assessor.label}“{sub.name}”细项对{unit.name}的得分应在0至{_fmt(sub.maximum)}分之间,"
                f"录入的是{_fmt(amount)}分。"
            )
        total += amount
    return total, tuple(missing)


@_exact
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


# --------------------------------------------------------------------------------------------------------
# Blended finals
# --------------------------------------------------------------------------------------------------------


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


@_exact
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


# --------------------------------------------------------------------------------------------------------
# Ranking, last place
# --------------------------------------------------------------------------------------------------------


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


@_exact
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


# --------------------------------------------------------------------------------------------------------
# Annual score and results
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnualScore:
    exact: Decimal
    quarters: tuple[Decimal, ...]
    complete: bool

    @property
    def score(self) -> Decimal:
        return quantize_score(self.exact)


@_exact
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


@_exact
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


@_exact
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


@_exact
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


# --------------------------------------------------------------------------------------------------------
# The 千百十办 component from assigned tasks
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFact:
    """What the component needs of one task: its effective due date (after approved extensions) and the
    completion date (the date the unit asked for the completion that was approved), or None."""

    task_id: TaskId
    priority: Priority | str
    due_on: date
    completed_on: date | None = None


@dataclass(frozen=True)
class TaskLine:
    """One task's part in the component: weight w, credit c and contribution max × w·c / Σw."""

    task_id: TaskId
    priority: Priority
    due_on: date
    completed_on: date | None
    outcome: TaskOutcome
    weight: Decimal
    credit: Decimal
    contribution: Decimal


@dataclass(frozen=True)
class OfficeComponent:
    exact: Decimal
    maximum: Decimal
    weight_total: Decimal
    earned: Decimal
    lines: tuple[TaskLine, ...]

    @property
    def value(self) -> Decimal:
        return quantize_score(self.exact)

    @property
    def has_tasks(self) -> bool:
        return bool(self.lines)


def task_credit(settings: TaskSettings, fact: TaskFact, evaluated_on: date) -> tuple[TaskOutcome, Decimal]:
    """Credit of one task (DOMAIN.md §4): 1 if completed on or before its due date; ``late_credit`` if
    completed after it but on or before ``evaluated_on``; 0 if not completed by ``evaluated_on`` (a
    completion dated after the evaluation date counts as not completed)."""
    if fact.completed_on is None or fact.completed_on > evaluated_on:
        return TaskOutcome.not_done, ZERO
    if fact.completed_on <= fact.due_on:
        return TaskOutcome.on_time, Decimal(1)
    return TaskOutcome.late, settings.late_credit


@_exact
def office_component(
    tasks: Iterable[TaskFact],
    settings: TaskSettings,
    evaluated_on: date,
    maximum: Decimal | int | str,
) -> OfficeComponent:
    """The 千百十办 component (or sub-item) from the unit's tasks: max × Σ(w·c) / Σw, max when there is none.

    附件2 三(一)8: “市产业强市“千百十”工程办牵头,会同市行政审批局负责考评产业项目审批服务、产业项目落地、推进
    “千百十”工程交办事项落实等情况。” and 三(二)1: “…推进“千百十”工程交办事项落实情况…”. The task formula and its
    weights (一般 1, 重点 2) and late credit (0.5) are the product's rule (DOMAIN.md §4). The caller selects
    the tasks (lead unit, effective due date in the quarter). Each ``TaskLine`` explains one task; their
    contributions add up to ``exact``; ``value`` is the two-place figure to store.
    """
    maximum = to_decimal(maximum)
    facts = list(tasks)
    weighted: list[tuple[TaskFact, Priority, Decimal, TaskOutcome, Decimal]] = []
    for fact in facts:
        try:
            priority = Priority(fact.priority)
            weight = to_decimal(settings.weights[priority])
        except (ValueError, KeyError):
            raise ScoringError(f"交办事项{fact.task_id}的优先级“{fact.priority}”没有设定权重。") from None
        if weight <= 0:
            raise ScoringError(f"“{priority.label}”交办事项的权重应大于0。")
        outcome, credit = task_credit(settings, fact, evaluated_on)
        weighted.append((fact, priority, weight, outcome, to_decimal(credit)))
    weight_total = sum((w for _, _, w, _, _ in weighted), ZERO)
    earned = sum((w * c for _, _, w, _, c in weighted), ZERO)
    if not weighted:
        return OfficeComponent(maximum, maximum, ZERO, ZERO, ())
    lines = tuple(
        TaskLine(f.task_id, p, f.due_on, f.completed_on, o, w, c, maximum * w * c / weight_total)
        for f, p, w, o, c in weighted
    )
    exact = maximum * earned / weight_total
    return OfficeComponent(exact, maximum, weight_total, earned, lines)


def quarter_dates(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a quarter, to select the tasks whose effective due date falls in it."""
    if quarter not in (1, 2, 3, 4):
        raise ScoringError("季度应为1至4。")
    first_month = 3 * quarter - 2
    start = date(year, first_month, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, first_month + 3, 1)
    return start, date.fromordinal(end.toordinal() - 1)


# --------------------------------------------------------------------------------------------------------
# Storage of rules
# --------------------------------------------------------------------------------------------------------


def rules_to_dict(rules: RuleSet) -> dict[str, Any]:
    """A JSON-ready form of a rule set (Decimals as strings; unit ids kept as given in lists)."""
    return {
        "full_marks": str(rules.full_marks),
        "profiles": [
            {
                "code": p.code,
                "label": p.label,
                "components": [
                    {
                        "assessor": str(c.assessor),
                        "maximum": str(c.maximum),
                        "sub_items": [{"code": s.code, "name": s.name, "maximum": str(s.maximum)} for s in c.sub_items],
                    }
                    for c in p.components
                ],
            }
            for p in rules.profiles.values()
        ],
        "blends": [
            {
                "target": b.target,
                "source": b.source,
                "target_percent": str(b.target_percent),
                "source_percent": str(b.source_percent),
            }
            for b in rules.blends
        ],
        "quarter_weights": {str(g): [str(w) for w in ws] for g, ws in rules.quarter_weights.items()},
        "rank_points_total": str(rules.rank_points_total),
        "rank_percentages": [str(p) for p in rules.rank_percentages],
        "policy_rate_line": str(rules.policy_rate_line),
        "policy_deduction": str(rules.policy_deduction),
        "grade_points_total": str(rules.grade_points_total),
        "grade_ratio": list(rules.grade_ratio),
        "grade_percentages": {str(g): str(p) for g, p in rules.grade_percentages.items()},
        "fail_threshold": str(rules.fail_threshold),
        "award_counts": {str(g): n for g, n in rules.award_counts.items()},
        "awards_on_assessed_scores": rules.awards_on_assessed_scores,
        "reports": [[unit_id, str(target)] for unit_id, target in rules.reports.items()],
        "review_groups": [[str(g) for g in review] for review in rules.review_groups],
        "tasks": {
            "weights": {str(p): str(w) for p, w in rules.tasks.weights.items()},
            "late_credit": str(rules.tasks.late_credit),
            "include_co_units": rules.tasks.include_co_units,
        },
    }


def rules_from_dict(data: Mapping[str, Any]) -> RuleSet:
    """The inverse of ``rules_to_dict``; run ``validate_rules`` on the result before using it."""
    D = Decimal
    profiles = {
        p["code"]: Profile(
            p["code"],
            p["label"],
            tuple(
                ComponentRule(
                    Assessor(c["assessor"]),
                    D(c["maximum"]),
                    tuple(SubItem(s["code"], s["name"], D(s["maximum"])) for s in c.get("sub_items", ())),
                )
                for c in p["components"]
            ),
        )
        for p in data["profiles"]
    }
    tasks = data["tasks"]
    return RuleSet(
        full_marks=D(data["full_marks"]),
        profiles=profiles,
        blends=tuple(
            Blend(b["target"], b["source"], D(b["target_percent"]), D(b["source_percent"])) for b in data["blends"]
        ),
        quarter_weights={Group(g): tuple(D(w) for w in ws) for g, ws in data["quarter_weights"].items()},
        rank_points_total=D(data["rank_points_total"]),
        rank_percentages=tuple(D(p) for p in data["rank_percentages"]),
        policy_rate_line=D(data["policy_rate_line"]),
        policy_deduction=D(data["policy_deduction"]),
        grade_points_total=D(data["grade_points_total"]),
        grade_ratio=tuple(int(r) for r in data["grade_ratio"]),
        grade_percentages={Grade(g): D(p) for g, p in data["grade_percentages"].items()},
        fail_threshold=D(data["fail_threshold"]),
        award_counts={Group(g): int(n) for g, n in data["award_counts"].items()},
        awards_on_assessed_scores=bool(data["awards_on_assessed_scores"]),
        reports={unit_id: ReportTarget(target) for unit_id, target in data["reports"]},
        review_groups=tuple(tuple(Group(g) for g in review) for review in data["review_groups"]),
        tasks=TaskSettings(
            weights={Priority(p): D(w) for p, w in tasks["weights"].items()},
            late_credit=D(tasks["late_credit"]),
            include_co_units=bool(tasks["include_co_units"]),
        ),
    )


# --------------------------------------------------------------------------------------------------------
# Which rule does what (for pages that explain a number)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleRef:
    clause: str
    summary: str
    function: str


RULE_INDEX: tuple[RuleRef, ...] = (
    RuleRef("附件2 四(一)–(四)", "季度得分为各考评单位得分之和,实行100分制", "quarter_total"),
    RuleRef("附件2 四(四)", "三家企业季度得分按15%折算到行业指导单位", "blend_finals"),
    RuleRef("附件2 四", "年度得分按季度加权(15/25/25/35;服务保障单位15/25/30/30)", "annual_score"),
    RuleRef("附件2 五(一)1", "县市区(园区)按名次得15分的100%/90%/80%/70%/60%", "rank_points"),
    RuleRef("附件2 五(二)", "政策兑现率低于90%扣3分", "policy_deduction"),
    RuleRef("附件2 五(一)2", "市直单位按3:6:1评定等次,得10分的100%/90%/80%/60%", "assign_grades"),
    RuleRef("附件2 五(一)3", "真抓实干督查奖励对象:县市区前二名,园区各前一名,市直各组前四名", "select_awards"),
    RuleRef("附件2 五(一)3", "考评结果报上级主管部门或上级公司", "assess_year"),
    RuleRef("附件2 五(一)3", "全省排名同类市州第一位时年度得分均调整为满分", "province_first_scores"),
    RuleRef("附件2 六(三)", "每季度各组评分最后一名作出说明", "last_placed"),
    RuleRef("附件2 三(一)8、三(二)1", "千百十办考评交办事项落实情况", "office_component"),
)
