"""Hand-computed tests of the pure assessment engine (附件2 考核评价办法), plus hypothesis properties.

No app, no database, no fixture from tests/conftest.py: every test builds its own plain data.
"""

import ast
import json
import sys
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.scoring import engine
from app.scoring.engine import (
    GRADED_GROUPS,
    HUNDRED,
    PROFILE_CITY,
    PROFILE_COUNTY_A,
    PROFILE_PARK_A,
    PROFILE_PARK_B,
    PROFILE_SHAOSHAN,
    PROFILE_YUETANG,
    QUOTA_GRADES,
    RULE_INDEX,
    WEIGHTS_STANDARD,
    WEIGHTS_SUPPORT,
    Assessor,
    Blend,
    ComponentRule,
    Grade,
    Group,
    Priority,
    Profile,
    QuarterTotal,
    ReportTarget,
    RuleSet,
    ScoringError,
    SubItem,
    TaskFact,
    TaskOutcome,
    TaskSettings,
    Unit,
    annual_score,
    assess_quarter,
    assess_year,
    assign_grades,
    blend_finals,
    check_entry,
    competition_ranks,
    decimal_text,
    default_profile,
    default_profiles,
    default_rules,
    grade_points,
    grade_quotas,
    last_placed,
    office_component,
    policy_deduction,
    quantize_score,
    quarter_dates,
    quarter_total,
    rank_points,
    rules_from_dict,
    rules_to_dict,
    select_awards,
    sum_sub_items,
    task_credit,
    validate_rules,
)

pytestmark = pytest.mark.pure  # the engine is plain Python: no app and no database are built for these tests

D = Decimal
# No example database: the suite leaves no files behind and runs the same everywhere.
PROPERTY = settings(database=None, deadline=None, max_examples=150)

# 附件2 二、考评对象, names exactly as written.
UNIT_NAMES = {
    Group.county: ["湘潭县人民政府", "湘乡市人民政府", "韶山市人民政府", "雨湖区人民政府", "岳塘区人民政府"],
    Group.park1: ["湘潭高新区管委会", "湘潭经开区管委会", "湘潭综保区管委会", "岳塘经开区管委会"],
    Group.park2: ["湘潭天易经开区管委会", "湘乡经开区管委会", "韶山高新区管委会", "雨湖高新区管委会"],
    Group.promotion: [
        "市发改委",
        "市科技局",
        "市工信局",
        "市商务局",
        "市住房城乡建设局",
        "市市场监管局",
        "市农业农村局",
        "市文旅广体局",
        "市经研金融办",
        "市人力资源社会保障局",
        "市自然资源规划局",
        "市生态环境局",
        "市财政局",
        "市行政审批局",
        "市乡村振兴局",
        "市优化营商环境协调事务中心(市优化办)",
        "市优化人居环境事务中心",
        "市税务局",
        "湘潭银保监分局",
        "人民银行市中心支行",
    ],
    Group.support: [
        "市中级人民法院",
        "市人民检察院",
        "市教育局",
        "市公安局",
        "市卫生健康委",
        "市交通运输局",
        "市国资委",
        "市民政局",
        "市林业局",
        "市应急管理局",
        "市城管执法局",
        "市信访局",
        "市司法局",
        "市水利局",
        "市审计局",
        "市机关事务局",
        "市退役军人局",
        "市总工会",
        "市工商联",
        "市科协",
        "市大数据和产业创新发展中心",
        "市通管办",
        "国防光缆湘潭维护站",
        "湘潭新奥燃气有限公司",
        "国网湘潭供电公司",
        "湘潭中环水务有限公司",
    ],
}


def all_units() -> list[Unit]:
    """The 59 units with integer ids 1..59, as the database would hand them over."""
    units = []
    for group, names in UNIT_NAMES.items():
        for name in names:
            units.append(Unit(len(units) + 1, name, group, default_profile(name, group)))
    return units


def unit_named(units: list[Unit], name: str) -> Unit:
    return next(unit for unit in units if unit.name == name)


def make_units(group: Group, count: int, profile: str = PROFILE_CITY) -> list[Unit]:
    prefix = str(group)
    return [Unit(f"{prefix}{i}", f"{prefix}单位{i}", group, profile) for i in range(1, count + 1)]


def same_every_quarter(scores: dict) -> dict:
    """Quarterly finals equal in all four quarters, so the annual score equals them under either weight set."""
    return {unit_id: [D(score)] * 4 for unit_id, score in scores.items()}


RULES = RuleSet()


def test_engine_imports_only_the_standard_library():
    """The engine is pure (STYLE.md): no Flask, no database, nothing of the app but its own modules."""
    modules = sorted(Path(engine.__file__).parent.glob("*.py"))
    assert len(modules) > 1
    imported = set()
    for module in modules:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{module.name}: relative import"
                imported.add(node.module or "")
    own = {name for name in imported if name.startswith("app.scoring.engine.")}
    assert own <= {f"app.scoring.engine.{module.stem}" for module in modules}
    assert {name.split(".")[0] for name in imported - own} <= set(sys.stdlib_module_names) | {"__future__"}


def test_all_59_units_are_in_the_five_groups_of_annex2_section2():
    units = all_units()
    assert len(units) == 59
    assert Counter(unit.group for unit in units) == {
        Group.county: 5,
        Group.park1: 4,
        Group.park2: 4,
        Group.promotion: 20,
        Group.support: 26,
    }


# --------------------------------------------------------------------------------------------------------
# 附件2 四(一)–(四): the component table
# --------------------------------------------------------------------------------------------------------

# Written out by hand from the document, assessor by assessor.
EXPECTED_TABLE = {
    PROFILE_COUNTY_A: {
        "miit": 25,
        "ndrc": 20,
        "most": 15,
        "commerce": 10,
        "samr": 5,
        "finance": 5,
        "culture": 5,
        "office": 15,
    },
    PROFILE_SHAOSHAN: {
        "miit": 25,
        "ndrc": 15,
        "most": 10,
        "commerce": 10,
        "samr": 5,
        "finance": 5,
        "culture": 15,
        "office": 15,
    },
    PROFILE_YUETANG: {
        "miit": 25,
        "ndrc": 20,
        "most": 10,
        "commerce": 10,
        "samr": 5,
        "finance": 5,
        "culture": 10,
        "office": 15,
    },
    PROFILE_PARK_A: {"miit": 25, "ndrc": 25, "most": 15, "commerce": 10, "samr": 5, "finance": 5, "office": 15},
    PROFILE_PARK_B: {"ndrc": 40, "commerce": 20, "samr": 15, "office": 25},
    PROFILE_CITY: {"office": 70, "miit": 30},
}


@pytest.mark.parametrize("profile", sorted(EXPECTED_TABLE))
def test_component_table_row_matches_annex2_section4(profile):
    row = default_profiles()[profile]
    assert {str(c.assessor): c.maximum for c in row.components} == {k: D(v) for k, v in EXPECTED_TABLE[profile].items()}
    assert sum(c.maximum for c in row.components) == 100


@pytest.mark.parametrize(
    ("name", "group", "profile"),
    [
        ("湘潭县人民政府", Group.county, PROFILE_COUNTY_A),
        ("湘乡市人民政府", Group.county, PROFILE_COUNTY_A),
        ("雨湖区人民政府", Group.county, PROFILE_COUNTY_A),
        ("韶山市人民政府", Group.county, PROFILE_SHAOSHAN),
        ("岳塘区人民政府", Group.county, PROFILE_YUETANG),
        ("湘潭高新区管委会", Group.park1, PROFILE_PARK_A),
        ("湘潭经开区管委会", Group.park1, PROFILE_PARK_A),
        ("湘潭综保区管委会", Group.park1, PROFILE_PARK_B),
        ("岳塘经开区管委会", Group.park1, PROFILE_PARK_B),
        ("湘潭天易经开区管委会", Group.park2, PROFILE_PARK_A),
        ("湘乡经开区管委会", Group.park2, PROFILE_PARK_A),
        ("韶山高新区管委会", Group.park2, PROFILE_PARK_A),
        ("雨湖高新区管委会", Group.park2, PROFILE_PARK_A),
        ("市发改委", Group.promotion, PROFILE_CITY),
        ("国网湘潭供电公司", Group.support, PROFILE_CITY),
    ],
)
def test_each_unit_follows_its_row_of_the_component_table(name, group, profile):
    assert default_profile(name, group) == profile


def test_unknown_county_has_no_default_profile():
    with pytest.raises(ScoringError, match="季度得分构成"):
        default_profile("某某县人民政府", Group.county)


# Hand-computed quarterly totals, one per row.
HAND_TOTALS = [
    (
        PROFILE_COUNTY_A,
        {
            "miit": "20.5",
            "ndrc": "18",
            "most": "12.25",
            "commerce": "8",
            "samr": "4.5",
            "finance": "3",
            "culture": "5",
            "office": "13.6",
        },
        "84.85",
    ),
    (
        PROFILE_SHAOSHAN,
        {
            "miit": "22",
            "ndrc": "13.5",
            "most": "9",
            "commerce": "7.5",
            "samr": "5",
            "finance": "2.5",
            "culture": "14",
            "office": "12",
        },
        "85.5",
    ),
    (
        PROFILE_YUETANG,
        {
            "miit": "24",
            "ndrc": "19",
            "most": "8.8",
            "commerce": "9.2",
            "samr": "4",
            "finance": "4",
            "culture": "9.5",
            "office": "14.25",
        },
        "92.75",
    ),
    (
        PROFILE_PARK_A,
        {"miit": "21", "ndrc": "22.5", "most": "13", "commerce": "9", "samr": "4.5", "finance": "5", "office": "12.75"},
        "87.75",
    ),
    (PROFILE_PARK_B, {"ndrc": "36.5", "commerce": "18", "samr": "12.5", "office": "21.25"}, "88.25"),
    (PROFILE_CITY, {"office": "63.45", "miit": "27.5"}, "90.95"),
]


@pytest.mark.parametrize(("profile", "entries", "expected"), HAND_TOTALS)
def test_quarter_total_is_the_sum_of_the_rows_components(profile, entries, expected):
    unit = Unit(1, "单位", Group.county, profile)
    total = quarter_total(RULES, unit, {k: D(v) for k, v in entries.items()})
    assert total.exact == D(expected)
    assert total.score == D(expected).quantize(D("0.01"))
    assert total.complete
    assert total.missing == ()


@pytest.mark.parametrize("profile", sorted(EXPECTED_TABLE))
def test_quarter_total_at_every_component_maximum_is_100_points(profile):
    unit = Unit(1, "单位", Group.county, profile)
    total = quarter_total(RULES, unit, {k: D(v) for k, v in EXPECTED_TABLE[profile].items()})
    assert total.score == D("100.00")


@pytest.mark.parametrize("profile", sorted(EXPECTED_TABLE))
def test_component_above_its_maximum_or_negative_is_refused(profile):
    unit = Unit(1, "测试单位", Group.county, profile)
    for assessor, maximum in EXPECTED_TABLE[profile].items():
        assert check_entry(RULES, unit, assessor, D(maximum)) == []
        assert check_entry(RULES, unit, assessor, 0) == []
        [message] = check_entry(RULES, unit, assessor, D(maximum) + D("0.01"))
        assert f"应在0至{maximum}分之间" in message
        assert "测试单位" in message
        assert check_entry(RULES, unit, assessor, D("-0.5"))
        with pytest.raises(ScoringError):
            quarter_total(RULES, unit, {assessor: D(maximum) + 1})


@pytest.mark.parametrize("profile", sorted(EXPECTED_TABLE))
def test_component_the_row_does_not_have_is_refused(profile):
    unit = Unit(1, "测试单位", Group.county, profile)
    for assessor in set(Assessor) - set(EXPECTED_TABLE[profile]):
        [message] = check_entry(RULES, unit, assessor, 1)
        assert message == f"测试单位的季度得分不含{assessor.label}考评得分,不能录入。"
        with pytest.raises(ScoringError, match="不能录入"):
            quarter_total(RULES, unit, {assessor: D(1)})


def test_unknown_assessor_code_is_refused():
    unit = Unit(1, "单位", Group.promotion, PROFILE_CITY)
    assert check_entry(RULES, unit, "police", 1) == ["未知的考评单位代码“police”。"]
    with pytest.raises(ScoringError, match="未知的考评单位代码"):
        quarter_total(RULES, unit, {"police": D(1)})


def test_missing_component_counts_zero_and_marks_the_quarter_incomplete():
    unit = Unit(1, "市发改委", Group.promotion, PROFILE_CITY)
    total = quarter_total(RULES, unit, {"office": D("61.5")})
    assert total.exact == D("61.5")
    assert total.components[Assessor.miit] == 0
    assert total.missing == ("miit",)
    assert not total.complete
    none_given = quarter_total(RULES, unit, {"office": D("61.5"), "miit": None})
    assert none_given.missing == ("miit",)


def test_binary_floats_are_refused_for_scores():
    unit = Unit(1, "单位", Group.promotion, PROFILE_CITY)
    with pytest.raises(TypeError):
        quarter_total(RULES, unit, {"office": 60.5})


def test_ints_and_numeric_strings_are_accepted_but_not_garbage():
    unit = Unit(1, "单位", Group.promotion, PROFILE_CITY)
    assert quarter_total(RULES, unit, {"office": 60, "miit": "20.25"}).exact == D("80.25")
    with pytest.raises(ScoringError, match="不是有效的数值"):
        quarter_total(RULES, unit, {"office": "六十"})
    with pytest.raises(ScoringError, match="不是有效的数值"):
        quarter_total(RULES, unit, {"office": "NaN"})


def _rules_with_miit_sub_items() -> RuleSet:
    profiles = default_profiles()
    profiles[PROFILE_CITY] = Profile(
        PROFILE_CITY,
        "市直单位及相关企业",
        (
            ComponentRule(Assessor.office, D(70)),
            ComponentRule(Assessor.miit, D(30), (SubItem("help", "千百扶培", D(20)), SubItem("daily", "日常", D(10)))),
        ),
    )
    return RuleSet(profiles=profiles)


def test_sub_items_of_a_component_add_up_to_it_rule_6_1():
    rules = _rules_with_miit_sub_items()
    assert validate_rules(rules) == []
    unit = Unit(1, "市财政局", Group.promotion, PROFILE_CITY)
    total = quarter_total(rules, unit, {"office": D(60), "miit": {"help": D("18.5"), "daily": D(9)}})
    assert total.components[Assessor.miit] == D("27.5")
    assert total.exact == D("87.5")
    assert total.complete


def test_a_missing_sub_item_counts_zero_and_marks_the_quarter_incomplete():
    rules = _rules_with_miit_sub_items()
    unit = Unit(1, "市财政局", Group.promotion, PROFILE_CITY)
    total = quarter_total(rules, unit, {"office": D(60), "miit": {"help": D(18)}})
    assert total.exact == D(78)
    assert total.missing == ("miit.daily",)
    comp = rules.profiles[PROFILE_CITY].component("miit")
    assert sum_sub_items(unit, comp, {"daily": D(10)}) == (D(10), ("help",))


def test_sub_item_beyond_its_own_maximum_or_unknown_is_refused():
    rules = _rules_with_miit_sub_items()
    unit = Unit(1, "市财政局", Group.promotion, PROFILE_CITY)
    with pytest.raises(ScoringError, match="应在0至10分之间"):
        quarter_total(rules, unit, {"miit": {"help": D(18), "daily": D("10.5")}})
    with pytest.raises(ScoringError, match="没有“extra”这一细项"):
        quarter_total(rules, unit, {"miit": {"extra": D(1)}})
    assert check_entry(rules, unit, "miit", D("10.01"), sub_item="daily")
    assert check_entry(rules, unit, "miit", D(10), sub_item="daily") == []
    assert check_entry(rules, unit, "miit", D(1), sub_item="nope") == ["市工信局考评得分没有“nope”这一细项。"]
    with pytest.raises(ScoringError, match="没有细项"):
        quarter_total(RULES, unit, {"miit": {"help": D(1)}})


# --------------------------------------------------------------------------------------------------------
# 附件2 四(四): the utility companies' 15%
# --------------------------------------------------------------------------------------------------------


def _totals(units: list[Unit], scores: dict[str, str]) -> dict:
    """Complete quarterly totals for the named units: office = score − 30, miit = 30 (city row)."""
    totals = {}
    for name, score in scores.items():
        unit = unit_named(units, name)
        totals[unit.id] = quarter_total(RULES, unit, {"office": D(score) - 30, "miit": D(30)})
    return totals


BLEND_CASES = [
    # (guiding unit, company, own score, company score, exact final, shown final)
    ("市发改委", "国网湘潭供电公司", "90", "80", "88.5", "88.50"),  # 76.5 + 12
    ("市住房城乡建设局", "湘潭中环水务有限公司", "85.5", "70", "83.175", "83.18"),  # 72.675 + 10.5
    ("市城管执法局", "湘潭新奥燃气有限公司", "80.1", "60", "77.085", "77.09"),  # 68.085 + 9, half up (not 77.08)
]


@pytest.mark.parametrize(("target", "source", "own", "company", "exact", "shown"), BLEND_CASES)
def test_guiding_unit_final_is_85_percent_own_plus_15_percent_company(target, source, own, company, exact, shown):
    units = all_units()
    finals = blend_finals(default_rules(units), _totals(units, {target: own, source: company}))
    target_id, source_id = unit_named(units, target).id, unit_named(units, source).id
    assert finals[target_id].exact == D(exact)
    assert finals[target_id].score == D(shown)
    assert finals[target_id].own == D(own)
    assert finals[target_id].blended_from == source_id
    assert finals[target_id].complete
    # The company's own final is its score.
    assert finals[source_id].exact == D(company)
    assert finals[source_id].blended_from is None


def test_unblended_units_final_equals_their_score():
    units = all_units()
    finals = blend_finals(default_rules(units), _totals(units, {"市财政局": "81.37", "市税务局": "90"}))
    assert finals[unit_named(units, "市财政局").id].exact == D("81.37")


def test_blend_with_a_missing_company_counts_it_zero_and_is_incomplete():
    units = all_units()
    rules = default_rules(units)
    finals = blend_finals(rules, _totals(units, {"市发改委": "90"}))
    final = finals[unit_named(units, "市发改委").id]
    assert final.exact == D("76.5")
    assert not final.complete


def test_blend_with_an_incomplete_company_is_incomplete():
    units = all_units()
    ndrc, grid = unit_named(units, "市发改委"), unit_named(units, "国网湘潭供电公司")
    totals = {
        ndrc.id: quarter_total(RULES, ndrc, {"office": D(60), "miit": D(30)}),
        grid.id: quarter_total(RULES, grid, {"office": D(60)}),
    }
    final = blend_finals(default_rules(units), totals)[ndrc.id]
    assert final.exact == D("85.5")  # 90 × 85% + 60 × 15%
    assert not final.complete


def test_default_rules_blend_exactly_the_three_pairs_of_annex2():
    units = all_units()
    ids = {unit.id: unit.name for unit in units}
    pairs = {(ids[b.target], ids[b.source], b.target_percent, b.source_percent) for b in default_rules(units).blends}
    assert pairs == {
        ("市发改委", "国网湘潭供电公司", D(85), D(15)),
        ("市住房城乡建设局", "湘潭中环水务有限公司", D(85), D(15)),
        ("市城管执法局", "湘潭新奥燃气有限公司", D(85), D(15)),
    }


def test_default_rules_leave_out_blends_whose_units_are_absent():
    units = [u for u in all_units() if u.name != "湘潭中环水务有限公司"]
    assert len(default_rules(units).blends) == 2
    assert default_rules().blends == ()


# --------------------------------------------------------------------------------------------------------
# 附件2 四: the annual score, both weight sets
# --------------------------------------------------------------------------------------------------------


def test_annual_score_county_park_promotion_weights_15_25_25_35():
    # 80×15% + 85×25% + 90×25% + 95×35% = 12 + 21.25 + 22.5 + 33.25
    result = annual_score(WEIGHTS_STANDARD, [D(80), D(85), D(90), D(95)])
    assert result.exact == D("89.00")
    assert result.complete


def test_annual_score_support_weights_15_25_30_30():
    # 80×15% + 85×25% + 90×30% + 95×30% = 12 + 21.25 + 27 + 28.5
    assert annual_score(WEIGHTS_SUPPORT, [D(80), D(85), D(90), D(95)]).exact == D("88.75")


def test_each_group_uses_its_weight_set_in_the_annual_score():
    assert RULES.quarter_weights[Group.county] == WEIGHTS_STANDARD
    assert RULES.quarter_weights[Group.park1] == WEIGHTS_STANDARD
    assert RULES.quarter_weights[Group.park2] == WEIGHTS_STANDARD
    assert RULES.quarter_weights[Group.promotion] == WEIGHTS_STANDARD
    assert RULES.quarter_weights[Group.support] == WEIGHTS_SUPPORT
    county = make_units(Group.county, 1, PROFILE_COUNTY_A)
    support = make_units(Group.support, 1)
    quarters = [D(80), D(85), D(90), D(95)]
    result = assess_year(RULES, county + support, {county[0].id: quarters, support[0].id: quarters})
    assert result.units[county[0].id].score == D("89.00")
    assert result.units[support[0].id].score == D("88.75")


def test_annual_score_is_rounded_half_up_to_two_places():
    # 70.3×15% = 10.545; + 80×25% + 80×25% + 80×35% = 78.545 → 78.55 (half even would give 78.54)
    result = annual_score(WEIGHTS_STANDARD, [D("70.3"), D(80), D(80), D(80)])
    assert result.exact == D("78.545")
    assert result.score == D("78.55")
    with localcontext() as ctx:
        ctx.rounding = ROUND_HALF_EVEN
        assert quantize_score(D("78.545")) == D("78.55")


def test_annual_score_with_a_missing_quarter_counts_it_zero_and_is_incomplete():
    result = annual_score(WEIGHTS_STANDARD, [D(80), D(80), None, D(80)])
    assert result.exact == D(60)  # 80 × (15 + 25 + 35)%
    assert not result.complete


def test_annual_score_needs_four_quarters():
    with pytest.raises(ScoringError, match="4个季度"):
        annual_score(WEIGHTS_STANDARD, [D(80)] * 3)


def test_arithmetic_does_not_depend_on_the_callers_decimal_context():
    with localcontext() as ctx:
        ctx.prec = 3
        assert annual_score(WEIGHTS_STANDARD, [D("70.3"), D(80), D(80), D(80)]).exact == D("78.545")
        facts = [TaskFact(i, "normal", date(2024, 3, 1), date(2024, 3, 1) if i == 0 else None) for i in range(3)]
        assert office_component(facts, TaskSettings(), date(2024, 3, 31), 70).value == D("23.33")


# The three formatters that decimal_text replaced, as they were written: the engine's messages (Decimals only),
# the result pages' ``plain`` (``Decimal(str(value))``) and the forms' ``fmt`` (``Decimal(value)``).
def _engine_fmt(value):
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _pages_plain(value):
    if value is None:
        return ""
    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _forms_fmt(value):
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("25.00"), "25"),
        (D("0.50"), "0.5"),
        (D("12.25"), "12.25"),
        (D(85), "85"),
        (D("100"), "100"),
        (D("1E+2"), "100"),
        (D("2.5E-3"), "0.0025"),
        (D("-0.10"), "-0.1"),
        (D("0.00"), "0"),
        (D("-0"), "-0"),
        (D("10"), "10"),
        (D("78.545"), "78.545"),
        (7, "7"),
        ("3.50", "3.5"),
        ("0.333333333333333333333333333333", "0.333333333333333333333333333333"),
        (None, ""),
    ],
)
def test_decimal_text_writes_numbers_without_exponent_nor_trailing_zeros_as_the_three_formatters_did(value, text):
    """One formatter for the engine's messages, the result pages and the forms: no rounding, the same text."""
    assert decimal_text(value) == text
    assert _pages_plain(value) == text
    assert _forms_fmt(value) == text
    if isinstance(value, Decimal):
        assert _engine_fmt(value) == text


@PROPERTY
@given(st.decimals(allow_nan=False, allow_infinity=False) | st.integers() | st.none())
def test_property_decimal_text_equals_each_formatter_it_replaced(value):
    assert decimal_text(value) == _pages_plain(value) == _forms_fmt(value)
    if value is not None:
        assert decimal_text(value) == _engine_fmt(Decimal(value))
    assert decimal_text(None if value is None else str(value)) == decimal_text(value)


# --------------------------------------------------------------------------------------------------------
# Ranking: ties share the better rank (DOMAIN.md §4)
# --------------------------------------------------------------------------------------------------------


def test_competition_ranking_1_2_2_4():
    assert competition_ranks({"a": D(90), "b": D(85), "c": D("85.00"), "d": D(80)}) == {"a": 1, "b": 2, "c": 2, "d": 4}
    assert competition_ranks({"a": D(70), "b": D(70)}) == {"a": 1, "b": 1}
    assert competition_ranks({}) == {}


def test_ranks_use_the_shown_two_place_annual_score():
    units = make_units(Group.county, 2, PROFILE_COUNTY_A)
    result = assess_year(RULES, units, same_every_quarter({units[0].id: "89.004", units[1].id: "89.001"}))
    assert [result.units[u.id].rank for u in units] == [1, 1]
    assert result.units[units[0].id].annual.exact == D("89.004")


# --------------------------------------------------------------------------------------------------------
# 附件2 五(一)1 and 五(二): county/park points out of 15
# --------------------------------------------------------------------------------------------------------


def test_county_points_by_rank_100_90_80_70_60_percent_of_15():
    units = make_units(Group.county, 5, PROFILE_COUNTY_A)
    scores = dict(zip([u.id for u in units], ["95", "90", "85", "80", "75"], strict=True))
    result = assess_year(RULES, units, same_every_quarter(scores))
    assert [result.units[u.id].points for u in units] == [D("15.00"), D("13.50"), D("12.00"), D("10.50"), D("9.00")]
    assert [result.units[u.id].rank for u in units] == [1, 2, 3, 4, 5]


def test_tied_county_units_share_the_better_ranks_points():
    units = make_units(Group.county, 5, PROFILE_COUNTY_A)
    scores = dict(zip([u.id for u in units], ["90", "85", "85", "80", "70"], strict=True))
    result = assess_year(RULES, units, same_every_quarter(scores))
    assert [result.units[u.id].rank for u in units] == [1, 2, 2, 4, 5]
    assert [result.units[u.id].points for u in units] == [D("15.00"), D("13.50"), D("13.50"), D("10.50"), D("9.00")]


@pytest.mark.parametrize("group", [Group.park1, Group.park2])
def test_park_groups_of_four_get_100_90_80_70_percent(group):
    units = make_units(group, 4, PROFILE_PARK_A)
    scores = dict(zip([u.id for u in units], ["70", "95", "80", "88"], strict=True))
    result = assess_year(RULES, units, same_every_quarter(scores))
    assert [result.units[u.id].points for u in units] == [D("10.50"), D("15.00"), D("12.00"), D("13.50")]


def test_a_rank_beyond_five_gets_the_last_percentage():
    assert rank_points(RULES, 5) == D(9)
    assert rank_points(RULES, 7) == D(9)
    with pytest.raises(ScoringError):
        rank_points(RULES, 0)


def test_policy_fulfilment_below_90_percent_deducts_3_points():
    assert policy_deduction(RULES, D("89.99")) == D(3)
    assert policy_deduction(RULES, D(90)) == 0
    assert policy_deduction(RULES, D(100)) == 0
    assert policy_deduction(RULES, None) == 0
    units = make_units(Group.county, 5, PROFILE_COUNTY_A)
    scores = dict(zip([u.id for u in units], ["95", "90", "85", "80", "75"], strict=True))
    rates = {units[0].id: D("89.5"), units[1].id: D(90), units[4].id: D(50)}
    result = assess_year(RULES, units, same_every_quarter(scores), policy_rates=rates)
    first, second, fifth = (result.units[units[i].id] for i in (0, 1, 4))
    assert (first.base_points, first.deduction, first.points) == (D("15.00"), D(3), D("12.00"))
    assert (second.deduction, second.points) == (D(0), D("13.50"))
    assert (fifth.base_points, fifth.points) == (D("9.00"), D("6.00"))
    assert first.policy_rate == D("89.5")
    assert result.units[units[2].id].policy_rate is None


def test_policy_deduction_never_takes_points_below_zero():
    units = make_units(Group.park1, 4, PROFILE_PARK_A)
    scores = dict(zip([u.id for u in units], ["95", "90", "85", "80"], strict=True))
    rates = {units[3].id: D(10)}
    # Fourth place: 15 × 70% = 10.5; a deduction of 10 leaves 0.5, one of 20 would go negative and stops at 0.
    result = assess_year(RuleSet(policy_deduction=D(10)), units, same_every_quarter(scores), policy_rates=rates)
    assert result.units[units[3].id].points == D("0.50")
    result = assess_year(RuleSet(policy_deduction=D(20)), units, same_every_quarter(scores), policy_rates=rates)
    assert result.units[units[3].id].points == D("0.00")


def test_policy_rate_and_failed_decision_apply_only_to_their_kind_of_unit():
    county = make_units(Group.county, 1, PROFILE_COUNTY_A)
    city = make_units(Group.promotion, 1)
    finals = same_every_quarter({county[0].id: "80", city[0].id: "80"})
    with pytest.raises(ScoringError, match="政策兑现率只适用于县市区"):
        assess_year(RULES, county + city, finals, policy_rates={city[0].id: D(50)})
    with pytest.raises(ScoringError, match="只适用于市直单位"):
        assess_year(RULES, county + city, finals, failed_decisions={county[0].id})
    with pytest.raises(ScoringError, match="没有编号为"):
        assess_year(RULES, county + city, finals, failed_decisions={"ghost"})


# --------------------------------------------------------------------------------------------------------
# 附件2 五(一)2: grades 3:6:1 and points out of 10
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "quotas"),
    [
        (20, (6, 12, 2)),  # exact: 6, 12, 2
        (26, (8, 16, 2)),  # 7.8, 15.6, 2.6 → 7/15/2 + remainders .8 (优秀), then .6 = .6 → the better, 良好
        (25, (8, 15, 2)),  # 7.5, 15, 2.5 → 7/15/2 + one place; remainders .5 = .5 → the better, 优秀
        (18, (5, 11, 2)),  # 5.4, 10.8, 1.8 → 5/10/1 + two places to .8 and .8
        (5, (2, 3, 0)),  # 1.5, 3, 0.5 → 1/3/0 + one place; .5 = .5 → 优秀
        (2, (1, 1, 0)),  # 0.6, 1.2, 0.2 → 0/1/0 + one place to .6
        (1, (0, 1, 0)),  # 0.3, 0.6, 0.1 → the single place to the largest remainder, 良好
        (0, (0, 0, 0)),
    ],
)
def test_grade_quotas_3_6_1_by_largest_remainder_ties_to_the_better_grade(n, quotas):
    assert grade_quotas(n) == quotas


def test_grade_quotas_refuse_nonsense():
    with pytest.raises(ScoringError):
        grade_quotas(-1)
    with pytest.raises(ScoringError):
        grade_quotas(5, (0, 0, 0))


def _graded(n: int, scores: list[str], **kwargs):
    assert len(scores) == n
    ids = [f"u{i:02d}" for i in range(1, n + 1)]
    return ids, assign_grades(dict(zip(ids, [D(s) for s in scores], strict=True)), **kwargs)


def _descending(n: int, top: int = 99) -> list[str]:
    return [str(top - i) for i in range(n)]


def test_twenty_distinct_units_are_graded_6_12_2():
    ids, result = _graded(20, _descending(20))
    assert result.quotas == (6, 12, 2)
    assert [result.grades[i] for i in ids] == [Grade.excellent] * 6 + [Grade.good] * 12 + [Grade.qualified] * 2
    assert result.counts == {Grade.excellent: 6, Grade.good: 12, Grade.qualified: 2, Grade.failed: 0}


def test_twenty_six_distinct_units_are_graded_8_16_2():
    ids, result = _graded(26, _descending(26))
    assert result.quotas == (8, 16, 2)
    assert [result.grades[i] for i in ids] == [Grade.excellent] * 8 + [Grade.good] * 16 + [Grade.qualified] * 2


def test_grades_follow_the_scores_not_the_input_order():
    scores = _descending(20)
    scores.reverse()
    ids, result = _graded(20, scores)
    assert [result.grades[i] for i in ids] == [Grade.qualified] * 2 + [Grade.good] * 12 + [Grade.excellent] * 6


def test_below_the_threshold_is_failed_outside_the_quota():
    # 18 units from 99 down to 82, then 60.00 (graded) and 59.99 (不合格).
    scores = _descending(18) + ["60.00", "59.99"]
    ids, result = _graded(20, scores, threshold=D(60))
    assert result.grades["u20"] is Grade.failed
    assert result.grades["u19"] is not Grade.failed
    # 19 graded: 5.7, 11.4, 1.9 → 5/11/1 + two places to .9 (合格) and .7 (优秀) → 6/11/2
    assert result.quotas == (6, 11, 2)
    assert result.counts == {Grade.excellent: 6, Grade.good: 11, Grade.qualified: 2, Grade.failed: 1}


def test_two_below_the_threshold_leave_18_graded_5_11_2():
    scores = _descending(18) + ["40", "59"]
    ids, result = _graded(20, scores)
    assert result.quotas == (5, 11, 2)
    assert result.counts == {Grade.excellent: 5, Grade.good: 11, Grade.qualified: 2, Grade.failed: 2}


def test_a_recorded_failed_decision_overrides_a_top_score():
    ids, result = _graded(20, _descending(20), failed={"u01"})
    assert result.grades["u01"] is Grade.failed
    # 19 graded → 6/11/2, starting from the former second place.
    assert result.quotas == (6, 11, 2)
    assert [result.grades[i] for i in ids[1:]] == [Grade.excellent] * 6 + [Grade.good] * 11 + [Grade.qualified] * 2


def test_tie_straddling_the_excellent_boundary_all_get_excellent_and_good_shrinks():
    # Places 6 and 7 tie (both rank 6): 7 优秀; 良好 keeps its cumulative boundary at place 18 → 11; 合格 2.
    scores = _descending(20)
    scores[6] = scores[5]
    ids, result = _graded(20, scores)
    assert result.grades["u06"] is result.grades["u07"] is Grade.excellent
    assert result.counts == {Grade.excellent: 7, Grade.good: 11, Grade.qualified: 2, Grade.failed: 0}


def test_three_way_tie_at_the_excellent_boundary_takes_two_places_from_good_only():
    scores = _descending(20)
    scores[6] = scores[7] = scores[5]
    _, result = _graded(20, scores)
    assert result.counts == {Grade.excellent: 8, Grade.good: 10, Grade.qualified: 2, Grade.failed: 0}


def test_tie_straddling_the_good_boundary_all_get_good_and_qualified_shrinks():
    # Places 18 and 19 tie (both rank 18): 6 优秀, 13 良好, 1 合格.
    scores = _descending(20)
    scores[18] = scores[17]
    ids, result = _graded(20, scores)
    assert result.grades["u18"] is result.grades["u19"] is Grade.good
    assert result.grades["u20"] is Grade.qualified
    assert result.counts == {Grade.excellent: 6, Grade.good: 13, Grade.qualified: 1, Grade.failed: 0}


def test_tie_within_a_grade_changes_nothing():
    scores = _descending(20)
    scores[2] = scores[1]
    _, result = _graded(20, scores)
    assert result.counts == {Grade.excellent: 6, Grade.good: 12, Grade.qualified: 2, Grade.failed: 0}


def test_overflow_larger_than_the_next_quota_empties_it():
    # N = 5 → 2/3/0; four tie at the top: all 优秀, one 良好.
    ids, result = _graded(5, ["90", "90", "90", "90", "80"])
    assert result.quotas == (2, 3, 0)
    assert result.counts == {Grade.excellent: 4, Grade.good: 1, Grade.qualified: 0, Grade.failed: 0}


def test_everyone_tied_is_excellent():
    _, result = _graded(26, ["88"] * 26)
    assert result.counts[Grade.excellent] == 26


def test_grade_points_100_90_80_60_percent_of_10():
    assert [grade_points(RULES, g) for g in Grade] == [D(10), D(9), D(8), D(6)]


def test_year_grades_and_points_for_the_promotion_group_of_20():
    units = make_units(Group.promotion, 20)
    scores = dict(zip([u.id for u in units], _descending(20, top=95), strict=True))
    result = assess_year(RULES, units, same_every_quarter(scores), failed_decisions={units[19].id})
    points = [result.units[u.id].points for u in units]
    # 19 graded → 6/11/2; the 20th by decision 不合格, 6 points.
    assert points == [D("10.00")] * 6 + [D("9.00")] * 11 + [D("8.00")] * 2 + [D("6.00")]
    assert result.quotas[Group.promotion] == (6, 11, 2)
    assert result.grade_counts[Group.promotion][Grade.failed] == 1
    assert result.units[units[0].id].base_points is None


def test_year_grades_for_the_support_group_of_26_with_a_unit_below_60():
    units = make_units(Group.support, 26)
    scores = dict(zip([u.id for u in units], _descending(25, top=95) + ["59.99"], strict=True))
    result = assess_year(RULES, units, same_every_quarter(scores))
    # 25 graded → 8/15/2, and one 不合格 by the threshold.
    assert result.quotas[Group.support] == (8, 15, 2)
    grades = Counter(result.units[u.id].grade for u in units)
    assert grades == {Grade.excellent: 8, Grade.good: 15, Grade.qualified: 2, Grade.failed: 1}


# --------------------------------------------------------------------------------------------------------
# 附件2 五(一)3: awards
# --------------------------------------------------------------------------------------------------------


def test_award_counts_county_2_parks_1_city_groups_4():
    assert RULES.award_counts == {Group.county: 2, Group.park1: 1, Group.park2: 1, Group.promotion: 4, Group.support: 4}
    units = all_units()
    scores = {}
    for group in Group:
        members = [u for u in units if u.group is group]
        scores.update(zip([u.id for u in members], _descending(len(members), top=95), strict=True))
    result = assess_year(default_rules(units), units, same_every_quarter(scores))
    names = {u.id: u.name for u in units}
    assert [names[i] for i in result.awarded(Group.county)] == ["湘潭县人民政府", "湘乡市人民政府"]
    assert [names[i] for i in result.awarded(Group.park1)] == ["湘潭高新区管委会"]
    assert [names[i] for i in result.awarded(Group.park2)] == ["湘潭天易经开区管委会"]
    assert [names[i] for i in result.awarded(Group.promotion)] == ["市发改委", "市科技局", "市工信局", "市商务局"]
    assert len(result.awarded(Group.support)) == 4


def test_units_tied_at_the_award_cut_are_all_awarded():
    assert select_awards({"a": 1, "b": 2, "c": 2, "d": 4}, 2) == {"a", "b", "c"}
    assert select_awards({"a": 1, "b": 1, "c": 3}, 2) == {"a", "b"}
    assert select_awards({"a": 1, "b": 1, "c": 1}, 1) == {"a", "b", "c"}
    assert select_awards({}, 4) == frozenset()


def test_a_failed_unit_is_not_awarded_and_the_next_moves_up():
    units = make_units(Group.promotion, 20)
    scores = dict(zip([u.id for u in units], _descending(20, top=95), strict=True))
    result = assess_year(RULES, units, same_every_quarter(scores), failed_decisions={units[1].id})
    assert result.awarded(Group.promotion) == (units[0].id, units[2].id, units[3].id, units[4].id)


# --------------------------------------------------------------------------------------------------------
# 附件2 五(一)3: report flags
# --------------------------------------------------------------------------------------------------------


def test_report_flags_superior_authority_and_parent_company():
    units = all_units()
    rules = default_rules(units)
    names = {u.id: u.name for u in units}
    assert {names[i]: t for i, t in rules.reports.items()} == {
        "市税务局": ReportTarget.superior_authority,
        "湘潭银保监分局": ReportTarget.superior_authority,
        "人民银行市中心支行": ReportTarget.superior_authority,
        "市通管办": ReportTarget.superior_authority,
        "国防光缆湘潭维护站": ReportTarget.superior_authority,
        "国网湘潭供电公司": ReportTarget.parent_company,
        "湘潭新奥燃气有限公司": ReportTarget.parent_company,
        "湘潭中环水务有限公司": ReportTarget.parent_company,
    }
    result = assess_year(rules, units, {})
    assert result.units[unit_named(units, "市通管办").id].report_to is ReportTarget.superior_authority
    assert result.units[unit_named(units, "湘潭中环水务有限公司").id].report_to is ReportTarget.parent_company
    assert result.units[unit_named(units, "市财政局").id].report_to is None
    assert ReportTarget.parent_company.label == "报上级公司"


# --------------------------------------------------------------------------------------------------------
# 附件2 五(一)3, last paragraph: the province-first override
# --------------------------------------------------------------------------------------------------------


def _year_scores(units):
    scores = {}
    for group in Group:
        members = [u for u in units if u.group is group]
        scores.update(zip([u.id for u in members], _descending(len(members), top=80), strict=True))
    return same_every_quarter(scores)


def test_province_first_sets_every_annual_score_to_100_and_all_ranks_tie_at_1():
    units = all_units()
    rules = default_rules(units)
    county = [u for u in units if u.group is Group.county]
    result = assess_year(rules, units, _year_scores(units), province_first=True, policy_rates={county[0].id: D(80)})
    assert result.province_first
    for unit in units:
        year = result.units[unit.id]
        assert year.score == HUNDRED
        assert year.rank == 1
        assert year.overridden
    assert result.units[county[1].id].assessed_score == D("79.00")
    # Every county/park unit gets the first place's 15 points; the policy deduction still applies.
    assert result.units[county[0].id].points == D("12.00")
    assert all(result.units[u.id].points == D("15.00") for u in units if u.group in (Group.park1, Group.park2))
    # Every 市直 unit is 优秀.
    assert all(result.units[u.id].grade is Grade.excellent for u in units if u.group in GRADED_GROUPS)


def test_province_first_keeps_recorded_failed_decisions():
    units = make_units(Group.support, 26)
    result = assess_year(RULES, units, _year_scores(units), province_first=True, failed_decisions={units[0].id})
    assert result.units[units[0].id].grade is Grade.failed
    assert result.units[units[0].id].score == HUNDRED
    assert result.grade_counts[Group.support][Grade.excellent] == 25


def test_province_first_awards_are_selected_on_the_assessed_scores_by_default():
    units = all_units()
    plain = assess_year(default_rules(units), units, _year_scores(units))
    first = assess_year(default_rules(units), units, _year_scores(units), province_first=True)
    for group in Group:
        assert first.awarded(group) == plain.awarded(group)


def test_province_first_awards_on_full_marks_when_the_setting_says_so():
    units = make_units(Group.county, 5, PROFILE_COUNTY_A)
    rules = RuleSet(awards_on_assessed_scores=False)
    result = assess_year(rules, units, _year_scores(units), province_first=True)
    assert len(result.awarded(Group.county)) == 5


# --------------------------------------------------------------------------------------------------------
# 附件2 六(三): each group's last-placed unit per quarter
# --------------------------------------------------------------------------------------------------------


def test_last_placed_is_the_lowest_and_ties_are_all_last():
    assert last_placed({"a": D(90), "b": D(70), "c": D(80)}) == ("b",)
    assert last_placed({"a": D(90), "b": D(70), "c": D("70.00")}) == ("b", "c")
    assert last_placed({"a": D(90)}) == ("a",)
    assert last_placed({}) == ()


def _quarter_entries(units, scores: dict[str, str]) -> dict:
    entries = {}
    for unit in units:
        score = D(scores.get(unit.name, "90"))
        row = default_profiles()[unit.profile]
        # Fill the row from the top, component by component, up to the score.
        left, values = score, {}
        for comp in row.components:
            values[str(comp.assessor)] = min(comp.maximum, left)
            left -= values[str(comp.assessor)]
        entries[unit.id] = values
    return entries


def test_quarter_last_placed_per_group_uses_the_blended_final():
    units = all_units()
    rules = default_rules(units)
    scores = {
        "韶山市人民政府": "70",
        "岳塘区人民政府": "70",  # tied last of the county group
        "湘潭综保区管委会": "75",
        "韶山高新区管委会": "60",
        # 市发改委 is lowest on its own score (72) but the grid company's 100 lifts it to 76.2;
        # 市财政局 at 75 is then last of the promotion group.
        "市发改委": "72",
        "国网湘潭供电公司": "100",
        "市财政局": "75",
        "市审计局": "50",
    }
    result = assess_quarter(rules, units, _quarter_entries(units, scores))
    assert result.complete
    names = {u.id: u.name for u in units}
    lasts = {last.groups: [names[i] for i in last.unit_ids] for last in result.last_placed}
    assert lasts == {
        (Group.county,): ["韶山市人民政府", "岳塘区人民政府"],
        (Group.park1,): ["湘潭综保区管委会"],
        (Group.park2,): ["韶山高新区管委会"],
        (Group.promotion,): ["市财政局"],
        (Group.support,): ["市审计局"],
    }
    ndrc = unit_named(units, "市发改委").id
    assert result.finals[ndrc].score == D("76.20")  # 72 × 85% + 100 × 15%
    # Ranks within the promotion group: the 18 others at 90 share rank 1, then 76.2 and 75.
    assert result.ranks[unit_named(units, "市科技局").id] == 1
    assert result.ranks[ndrc] == 19
    assert result.ranks[unit_named(units, "市财政局").id] == 20
    assert result.ranks[unit_named(units, "湘潭县人民政府").id] == 1


def test_review_groups_can_merge_the_two_city_groups():
    units = all_units()
    rules = RuleSet(
        blends=default_rules(units).blends,
        review_groups=((Group.county,), (Group.park1,), (Group.park2,), (Group.promotion, Group.support)),
    )
    assert validate_rules(rules, units) == []
    result = assess_quarter(rules, units, _quarter_entries(units, {"市财政局": "75", "市审计局": "80"}))
    merged = next(last for last in result.last_placed if last.groups == (Group.promotion, Group.support))
    assert merged.unit_ids == (unit_named(units, "市财政局").id,)
    assert merged.score == D("75.00")


def test_quarter_with_a_missing_entry_is_incomplete_and_names_the_unit():
    units = all_units()
    entries = _quarter_entries(units, {})
    ndrc = unit_named(units, "市发改委")
    del entries[ndrc.id]["miit"]
    result = assess_quarter(default_rules(units), units, entries)
    assert not result.complete
    assert result.incomplete_units == (ndrc.id,)
    assert result.totals[ndrc.id].missing == ("miit",)


# --------------------------------------------------------------------------------------------------------
# Rules as data: validation and storage
# --------------------------------------------------------------------------------------------------------


def test_default_rules_are_valid():
    units = all_units()
    assert validate_rules(default_rules(units), units) == []
    assert validate_rules(RuleSet()) == []


def _replace_profile(profile_code: str, *components: ComponentRule) -> RuleSet:
    profiles = default_profiles()
    profiles[profile_code] = Profile(profile_code, profiles[profile_code].label, components)
    return RuleSet(profiles=profiles)


def test_validate_rules_reports_a_row_not_summing_to_100():
    rules = _replace_profile(PROFILE_CITY, ComponentRule(Assessor.office, D(70)), ComponentRule(Assessor.miit, D(25)))
    assert validate_rules(rules) == ["季度得分构成“市直单位及相关企业”各项满分合计95分,应为100分。"]


def test_validate_rules_reports_sub_items_not_adding_up_or_exceeding():
    rules = _replace_profile(
        PROFILE_CITY,
        ComponentRule(Assessor.office, D(70)),
        ComponentRule(Assessor.miit, D(30), (SubItem("a", "千百扶培", D(20)), SubItem("b", "日常", D(5)))),
    )
    assert validate_rules(rules) == ["市直单位及相关企业·市工信局的细项满分合计25分,应等于该项满分30分。"]
    rules = _replace_profile(
        PROFILE_CITY,
        ComponentRule(Assessor.office, D(70)),
        ComponentRule(Assessor.miit, D(30), (SubItem("a", "千百扶培", D(35)),)),
    )
    errors = validate_rules(rules)
    assert "市直单位及相关企业·市工信局的细项“千百扶培”满分35分,超过了该项满分30分。" in errors
    assert "市直单位及相关企业·市工信局的细项满分合计35分,应等于该项满分30分。" in errors


def test_validate_rules_reports_duplicate_component_and_bad_maximum():
    rules = _replace_profile(
        PROFILE_PARK_B,
        ComponentRule(Assessor.ndrc, D(40)),
        ComponentRule(Assessor.ndrc, D(60)),
        ComponentRule(Assessor.samr, D(0)),
    )
    errors = validate_rules(rules)
    assert "季度得分构成“湘潭综保区、岳塘经开区”中市发改委出现了不止一次。" in errors
    assert "季度得分构成“湘潭综保区、岳塘经开区”中市市场监管局的满分应大于0分。" in errors


def test_validate_rules_reports_quarter_weights_not_summing_to_100_percent():
    weights = dict(RuleSet().quarter_weights)
    weights[Group.support] = (D(15), D(25), D(30), D(20))
    assert validate_rules(RuleSet(quarter_weights=weights)) == ["服务保障组的季度权重合计90%,应为100%。"]
    weights[Group.support] = (D(50), D(50))
    assert "服务保障组的季度权重应有4个(一至四季度)。" in validate_rules(RuleSet(quarter_weights=weights))
    del weights[Group.support]
    assert validate_rules(RuleSet(quarter_weights=weights)) == ["服务保障组缺少年度得分的季度权重。"]


def test_validate_rules_reports_bad_blends():
    assert validate_rules(RuleSet(blends=(Blend(1, 2, D(80), D(15)),))) == ["折算比例80%与15%之和应为100%。"]
    assert "折算的行业指导单位和被折算单位不能是同一个单位。" in validate_rules(RuleSet(blends=(Blend(1, 1),)))
    chained = validate_rules(RuleSet(blends=(Blend(1, 2), Blend(2, 3))))
    assert chained == ["被折算得分的单位不能同时作为行业指导单位。"]
    twice = validate_rules(RuleSet(blends=(Blend(1, 2), Blend(1, 3))))
    assert twice == ["同一个行业指导单位只能折算一个单位的得分。"]
    assert validate_rules(RuleSet(blends=(Blend(1, 2),)), [Unit(1, "市发改委", Group.promotion, PROFILE_CITY)]) == [
        "折算规则引用了不存在的单位。"
    ]


def test_validate_rules_reports_bad_result_settings():
    rules = RuleSet(
        rank_percentages=(D(100), D(110), D(80)),
        grade_ratio=(3, 6),
        grade_percentages={Grade.excellent: D(100), Grade.good: D(90), Grade.qualified: D(80)},
        fail_threshold=D(120),
        award_counts={Group.county: 2},
        policy_rate_line=D(190),
        policy_deduction=D(-3),
        tasks=TaskSettings(weights={Priority.normal: D(1), Priority.key: D(0)}, late_credit=D("1.5")),
        review_groups=((Group.county,),),
    )
    errors = validate_rules(rules)
    for message in [
        "县市区(园区)排名得分比例应在0%至100%之间。",
        "县市区(园区)排名得分比例应随名次递减(后一名不高于前一名)。",
        "“优秀”“良好”“合格”等次比例应为3个非负整数。",
        "缺少“不合格”等次的得分比例。",
        "不合格分数线应在0至100分之间。",
        "缺少一类园区组的表彰名额。",
        "政策兑现率的扣分线应在0%至100%之间。",
        "政策兑现扣分不能为负数。",
        "“重点”交办事项的权重应大于0。",
        "逾期办结的得分系数应在0至1之间。",
        "季度讲评的分组应不重不漏地覆盖全部考评对象分组。",
    ]:
        assert message in errors


def test_validate_rules_reports_a_unit_with_an_unknown_profile():
    units = [Unit(1, "某单位", Group.promotion, "nowhere")]
    assert validate_rules(RuleSet(), units) == ["某单位的季度得分构成“nowhere”不存在。"]
    with pytest.raises(ScoringError, match="不存在"):
        quarter_total(RuleSet(), units[0], {})


def test_rules_survive_a_json_round_trip():
    units = all_units()
    rules = _rules_with_miit_sub_items()
    rules = RuleSet(
        profiles=rules.profiles,
        blends=default_rules(units).blends,
        reports=default_rules(units).reports,
        tasks=TaskSettings(late_credit=D("0.4"), include_co_units=True),
    )
    stored = json.loads(json.dumps(rules_to_dict(rules), ensure_ascii=False))
    assert rules_from_dict(stored) == rules


def test_every_rule_in_the_index_names_a_function_of_the_engine():
    for ref in RULE_INDEX:
        assert callable(getattr(engine, ref.function))
        assert ref.clause.startswith("附件2")


def test_labels_are_chinese():
    assert [g.label for g in QUOTA_GRADES] == ["优秀", "良好", "合格"]
    assert Assessor.office.label == "市产业强市“千百十”工程办"
    assert Group.park2.label == "二类园区组"


def test_assessor_label_names_a_code_shortens_the_office_and_keeps_an_unknown_code():
    assert engine.assessor_label("miit") == "市工信局"
    assert engine.assessor_label("office") == "市产业强市“千百十”工程办"
    assert engine.assessor_label("office", short=True) == "千百十办"
    assert engine.assessor_label("miit", short=True) == "市工信局"
    assert engine.assessor_label("retired") == "retired"  # a code a stored entry or snapshot may still carry


# --------------------------------------------------------------------------------------------------------
# The 千百十办 component from assigned tasks (DOMAIN.md §4)
# --------------------------------------------------------------------------------------------------------

EVAL = date(2024, 3, 31)
DUE = date(2024, 3, 15)


def test_office_component_is_full_marks_without_tasks():
    result = office_component([], TaskSettings(), EVAL, D(15))
    assert result.value == D("15.00")
    assert not result.has_tasks
    assert result.lines == ()


def test_office_component_weights_key_tasks_double_and_late_half():
    tasks = [
        TaskFact("A", Priority.normal, DUE, date(2024, 3, 10)),  # on time: w 1, c 1
        TaskFact("B", Priority.key, DUE, date(2024, 3, 20)),  # late: w 2, c 0.5
        TaskFact("C", Priority.normal, DUE, None),  # not done: w 1, c 0
        TaskFact("D", Priority.key, DUE, date(2024, 4, 2)),  # completed after the evaluation date: w 2, c 0
    ]
    result = office_component(tasks, TaskSettings(), EVAL, D(15))
    # 15 × (1·1 + 2·0.5 + 1·0 + 2·0) / (1 + 2 + 1 + 2) = 15 × 2 / 6 = 5
    assert result.exact == D(5)
    assert result.value == D("5.00")
    assert (result.weight_total, result.earned) == (D(6), D(2))
    lines = {line.task_id: line for line in result.lines}
    assert [(lines[t].outcome, lines[t].weight, lines[t].credit, lines[t].contribution) for t in "ABCD"] == [
        (TaskOutcome.on_time, D(1), D(1), D("2.5")),
        (TaskOutcome.late, D(2), D("0.5"), D("2.5")),
        (TaskOutcome.not_done, D(1), D(0), D(0)),
        (TaskOutcome.not_done, D(2), D(0), D(0)),
    ]


def test_office_component_thirds_are_rounded_half_up_only_when_shown():
    done = date(2024, 3, 1)
    one_of_three = [TaskFact(i, "normal", DUE, done if i == 0 else None) for i in range(3)]
    two_of_three = [TaskFact(i, "normal", DUE, done if i else None) for i in range(3)]
    first = office_component(one_of_three, TaskSettings(), EVAL, D(70))
    assert first.value == D("23.33")  # 70 / 3
    assert first.exact.quantize(D("0.0001")) == D("23.3333")
    assert office_component(two_of_three, TaskSettings(), EVAL, D(70)).value == D("46.67")  # 140 / 3
    assert sum(line.contribution for line in first.lines) == first.exact


@pytest.mark.parametrize(
    ("completed_on", "outcome", "credit"),
    [
        (date(2024, 3, 14), TaskOutcome.on_time, D(1)),
        (DUE, TaskOutcome.on_time, D(1)),  # on the due date is on time
        (date(2024, 3, 16), TaskOutcome.late, D("0.5")),
        (EVAL, TaskOutcome.late, D("0.5")),  # on the evaluation date still counts
        (date(2024, 4, 1), TaskOutcome.not_done, D(0)),  # after the evaluation date: not completed
        (None, TaskOutcome.not_done, D(0)),
    ],
)
def test_task_credit_boundaries(completed_on, outcome, credit):
    assert task_credit(TaskSettings(), TaskFact(1, "key", DUE, completed_on), EVAL) == (outcome, credit)


def test_task_settings_change_weights_and_late_credit():
    settings_ = TaskSettings(weights={"normal": D(1), "key": D(3)}, late_credit=D(0))
    tasks = [TaskFact(1, "key", DUE, date(2024, 3, 1)), TaskFact(2, "normal", DUE, date(2024, 3, 20))]
    # 10 × (3·1 + 1·0) / 4 = 7.5
    assert office_component(tasks, settings_, EVAL, 10).exact == D("7.5")


def test_task_with_an_unknown_priority_is_refused():
    with pytest.raises(ScoringError, match="没有设定权重"):
        office_component([TaskFact(7, "urgent", DUE, None)], TaskSettings(), EVAL, D(15))


@pytest.mark.parametrize(
    ("quarter", "first", "last"),
    [
        (1, date(2024, 1, 1), date(2024, 3, 31)),
        (2, date(2024, 4, 1), date(2024, 6, 30)),
        (3, date(2024, 7, 1), date(2024, 9, 30)),
        (4, date(2024, 10, 1), date(2024, 12, 31)),
    ],
)
def test_quarter_dates(quarter, first, last):
    assert quarter_dates(2024, quarter) == (first, last)


def test_quarter_dates_refuse_a_fifth_quarter():
    with pytest.raises(ScoringError):
        quarter_dates(2024, 5)


# --------------------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=10_000).map(lambda n: D(n) / 100)


@st.composite
def row_entries(draw):
    """A profile and valid entries for it (two places, within each maximum, some possibly missing)."""
    profile = draw(st.sampled_from(sorted(EXPECTED_TABLE)))
    entries = {}
    for assessor, maximum in EXPECTED_TABLE[profile].items():
        cents_max = maximum * 100
        entries[assessor] = draw(st.none() | st.integers(min_value=0, max_value=cents_max).map(lambda n: D(n) / 100))
    return profile, entries


@PROPERTY
@given(row_entries(), row_entries())
def test_property_a_total_never_exceeds_100_nor_its_blend(first, second):
    (profile_a, entries_a), (profile_b, entries_b) = first, second
    unit_a, unit_b = Unit("a", "甲", Group.promotion, profile_a), Unit("b", "乙", Group.support, profile_b)
    totals = {"a": quarter_total(RULES, unit_a, entries_a), "b": quarter_total(RULES, unit_b, entries_b)}
    for total in totals.values():
        assert isinstance(total, QuarterTotal)
        assert 0 <= total.exact <= 100
        assert total.complete == all(v is not None for v in (entries_a if total.unit_id == "a" else entries_b).values())
    finals = blend_finals(RuleSet(blends=(Blend("a", "b"),)), totals)
    assert 0 <= finals["a"].exact <= 100
    assert min(totals["a"].exact, totals["b"].exact) <= finals["a"].exact <= max(totals["a"].exact, totals["b"].exact)


@PROPERTY
@given(st.lists(st.none() | cents, min_size=4, max_size=4), st.sampled_from([WEIGHTS_STANDARD, WEIGHTS_SUPPORT]))
def test_property_annual_score_stays_within_its_quarters(quarters, weights):
    result = annual_score(weights, quarters)
    present = [q if q is not None else D(0) for q in quarters]
    assert min(present) <= result.exact <= max(present) <= 100
    assert result.score <= 100


@PROPERTY
@given(st.lists(st.integers(min_value=50, max_value=60).map(D), max_size=40))
def test_property_ranks_are_a_permutation_with_ties(values):
    scores = dict(enumerate(values))
    ranks = competition_ranks(scores)
    assert set(ranks) == set(scores)
    ordered = sorted(ranks.values())
    for position, rank in enumerate(ordered, start=1):
        # Each rank is its first place: either the place itself, or shared with the one before.
        assert rank == position or rank == ordered[position - 2]
    for a in scores:
        assert ranks[a] == 1 + sum(1 for b in scores if scores[b] > scores[a])
        for b in scores:
            assert (ranks[a] == ranks[b]) == (scores[a] == scores[b])


@PROPERTY
@given(st.integers(min_value=0, max_value=500))
def test_property_quotas_sum_to_n_and_stay_within_one_of_the_exact_share(n):
    quotas = grade_quotas(n)
    assert sum(quotas) == n
    for quota, share in zip(quotas, (3, 6, 1), strict=True):
        assert n * share // 10 <= quota <= n * share // 10 + 1


@PROPERTY
@given(
    st.lists(st.integers(min_value=55, max_value=70).map(D), max_size=46),
    st.sets(st.integers(min_value=0, max_value=45), max_size=5),
)
def test_property_grade_counts_follow_the_quotas(values, failed):
    scores = dict(enumerate(values))
    failed = {i for i in failed if i in scores}
    result = assign_grades(scores, failed=failed, threshold=D(60))
    graded = {k: v for k, v in scores.items() if k not in failed and v >= 60}
    assert result.quotas == grade_quotas(len(graded))
    assert sum(result.counts.values()) == len(scores)
    assert result.counts[Grade.failed] == len(scores) - len(graded)
    ranks = competition_ranks(graded)
    tie_size = Counter(graded.values())
    boundary = counted = 0
    for grade, quota in zip(QUOTA_GRADES, result.quotas, strict=True):
        boundary += quota
        counted += result.counts[grade]
        # The better grades fill their cumulative quota, and exceed it only when a tie group straddles the
        # boundary (its shared rank within it, its last place beyond it) — and then only by that group.
        assert counted >= boundary
        if counted > boundary:
            straddling = [k for k in graded if ranks[k] <= boundary < ranks[k] + tie_size[graded[k]] - 1]
            assert straddling
            assert counted - boundary < max(tie_size[graded[k]] for k in straddling)
    if len(set(graded.values())) == len(graded):
        assert tuple(result.counts[g] for g in QUOTA_GRADES) == result.quotas
    order = {g: i for i, g in enumerate(Grade)}
    for a in graded:
        for b in graded:
            if graded[a] > graded[b]:
                assert order[result.grades[a]] <= order[result.grades[b]]


def _day(offset: int) -> date:
    return date.fromordinal(date(2024, 1, 1).toordinal() + offset)


@st.composite
def task_facts(draw):
    facts = []
    for i in range(draw(st.integers(min_value=0, max_value=12))):
        due = _day(draw(st.integers(0, 90)))
        done = draw(st.none() | st.integers(0, 120).map(_day))
        facts.append(TaskFact(i, draw(st.sampled_from(["normal", "key"])), due, done))
    return facts


@PROPERTY
@given(task_facts(), st.integers(min_value=1, max_value=70))
def test_property_office_component_within_0_and_max_and_explained_task_by_task(facts, maximum):
    result = office_component(facts, TaskSettings(), EVAL, maximum)
    assert 0 <= result.exact <= maximum
    assert 0 <= result.value <= maximum
    if facts:
        assert abs(sum(line.contribution for line in result.lines) - result.exact) < D("1e-20")
    else:
        assert result.exact == maximum
    if all(f.completed_on is not None and f.completed_on <= f.due_on for f in facts):
        assert result.exact == maximum


@PROPERTY
@given(st.integers(min_value=1, max_value=12))
def test_property_rank_points_never_rise_with_rank(rank):
    assert 0 <= rank_points(RULES, rank + 1) <= rank_points(RULES, rank) <= 15
