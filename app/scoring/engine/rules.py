"""Rules as data: a year's ``RuleSet`` (component profiles with their sub-items, blends, weights, result
settings), built by ``default_rules`` from the annex-2 defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from app.scoring.engine.base import HUNDRED, UnitId, to_decimal
from app.scoring.engine.codes import (
    DEFAULT_BLEND_NAMES,
    DEFAULT_REPORT_NAMES,
    PROFILE_CITY,
    PROFILE_COUNTY_A,
    PROFILE_PARK_A,
    PROFILE_PARK_B,
    PROFILE_SHAOSHAN,
    PROFILE_YUETANG,
    Assessor,
    Grade,
    Group,
    Priority,
    ReportTarget,
)


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
