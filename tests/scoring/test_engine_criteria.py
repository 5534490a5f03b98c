"""The scoring methods of a 考评细则 (app/scoring/engine/criteria.py): hand-computed cases, each quoting the rule it
implements, and hypothesis properties of every method (monotone in the actual, within 0 and the points, exact at
the thresholds), plus the refusals of bad parameters and bad indicator lists with their Chinese messages.

附件2 六(一): “每年3月底前,各考评单位要明确各项指标年度发展目标,细化工作举措,完善考评细则,报市产业强市“千百十”
工程工作领导小组审定后,统一行文下发。” 三(二)1: “收集县市区、园区、企业对市直单位服务质量工作评价情况”.

Pure: no app, no database.
"""

import inspect
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.scoring import engine
from app.scoring.engine import (
    DEFAULT_QUARTER_SHARES,
    RULE_INDEX,
    TASKS_CODE,
    Indicator,
    Method,
    ScoringError,
    check_indicators,
    check_params,
    check_quarter_shares,
    completion,
    compute_group,
    compute_indicator,
    count_points,
    criteria,
    linear_points,
    missing_targets,
    normalize_params,
    params_text,
    quantize_score,
    quarter_target,
    rank_points_by_rate,
    rating_points,
    step_points,
)

D = Decimal
PROPERTY = settings(database=None, deadline=None, max_examples=150)

# completions (percent) and points as the pages hold them: up to four and two places
rates = st.integers(min_value=-50_000, max_value=300_000).map(lambda n: D(n) / 1000)
points_st = st.integers(min_value=1, max_value=4_000).map(lambda n: D(n) / 100)
percent = st.integers(min_value=0, max_value=10_000).map(lambda n: D(n) / 100)


# --------------------------------------------------------------------------------------------------------
# Hand-computed, one per method
# --------------------------------------------------------------------------------------------------------

def test_linear_scores_in_proportion_to_the_completion_between_floor_and_cap():
    """按完成率计分 (六(一) “明确各项指标年度发展目标”): points × (completion − floor) / (cap − floor).

    Industrial added value, 6 points, cap 100 %, floor 60 %; target 200, quarter share 50 % → quarter target 100.
    Actual 80 → completion 80 % → 6 × (80 − 60) / (100 − 60) = 3."""
    ind = Indicator("gyzjz", "工业增加值", Method.linear, {"cap": "100", "floor": "60"}, {"county_a": "6"})
    result = compute_indicator(ind, "county_a", actual="80", yearly_target="200", quarter_share="50")
    assert (result.target, result.completion, result.points, result.maximum) == (D(100), D(80), D(3), D(6))
    assert result.shortfall == D(3)
    assert compute_indicator(ind, "county_a", actual="60", yearly_target="200", quarter_share="50").points == 0
    assert compute_indicator(ind, "county_a", actual="130", yearly_target="200", quarter_share="50").points == 6
    assert compute_indicator(ind, "county_a", actual=None, yearly_target="200", quarter_share="50").points == 0
    # cap 90 % without floor: 45 of 90 → 2.5 of 5
    assert linear_points(D(5), D(45), {"cap": "90"}) == D("2.5")


def test_steps_give_the_share_of_the_highest_threshold_reached():
    """分档计分 (六(一) “完善考评细则”): ≥60 % → 50 %, ≥80 % → 80 %, ≥100 % → 100 % of 10 points."""
    params = {"steps": [["60", "50"], ["80", "80"], ["100", "100"]]}
    assert step_points(D(10), D("59.99"), params) == 0
    assert step_points(D(10), D(60), params) == 5
    assert step_points(D(10), D("79.9"), params) == 5
    assert step_points(D(10), D(80), params) == 8
    assert step_points(D(10), D(100), params) == 10
    assert step_points(D(10), None, params) == 0
    ind = Indicator("gxqy", "高新技术企业数量", Method.steps, params, {"park_a": "10"})
    # yearly 40, Q3 share 75 % → 30; actual 25 → 83.33 % → 80 % of 10
    assert compute_indicator(ind, "park_a", actual=25, yearly_target=40, quarter_share=75).points == 8


def test_rank_within_the_group_ties_share_the_better_rank():
    """组内排名计分 (六(一); default shares as 五(一)1 “第一名得满分,第二名得90%分,第三名得80%分…”).

    Completions 120 %, 90 %, 90 %, (韶山 70 %), 50 % and one without an actual: ranks 1, 2, 2, 4, 5 → 100 %, 90 %,
    90 %, 70 %, 60 % of each unit's points (10; 韶山 5); the unit without a completion is not ranked and earns 0."""
    ind = Indicator("tz", "产业投资", Method.rank, {"shares": ["100", "90", "80", "70", "60"]},
                    {"county_a": "10", "shaoshan": "5"})
    profiles = {"a": "county_a", "b": "county_a", "c": "county_a", "d": "county_a", "e": "county_a",
                "s": "shaoshan"}
    actuals = {"a": 120, "b": 90, "c": 45, "d": 50, "s": 70}
    targets = {"a": 100, "b": 100, "c": 50, "d": 100, "e": 100, "s": 100}
    result = compute_group(ind, profiles, actuals, targets)
    assert {u: (r.rank, r.points) for u, r in result.items()} == {
        "a": (1, D(10)), "b": (2, D(9)), "c": (2, D(9)), "d": (5, D(6)), "e": (None, D(0)), "s": (4, D("3.5"))}
    # the shaoshan unit ranks within the group given (4th of 5 ranked) and earns 70 % of its own 5 points


def test_rank_compares_completions_as_shown():
    """Two completions shown alike (33.33 %) share the rank (六(一); the ranks of 五 use the shown score too)."""
    result = rank_points_by_rate(D(10), {"a": D(1) * 100 / 3, "b": D("33.333")}, {"shares": ["100", "50"]})
    assert result == {"a": (1, D(10)), "b": (1, D(10))}


def test_count_gives_points_per_event_up_to_the_points():
    """按事项计分 (六(一); 三(一)6 “企业上市或过会、申报上市材料、辅导备案、上市股改”): 1.5 per stage, 5 points."""
    ind = Indicator("ss", "企业上市", Method.count, {"per_event": "1.5"}, {"county_a": "5"})
    assert compute_indicator(ind, "county_a", actual=2).points == D(3)
    assert compute_indicator(ind, "county_a", actual=4).points == D(5)
    assert compute_indicator(ind, "county_a", actual=0).points == 0
    assert count_points(D(5), None, {"per_event": "1.5"}) == 0


def test_manual_points_need_a_reason_for_a_deduction():
    """人工评分 (六(一) “细化工作举措,完善考评细则”; params_text “扣分须说明理由”)."""
    ind = Indicator("wh", "五好园区建设", Method.manual, {}, {"park_a": "8"})
    assert compute_indicator(ind, "park_a", given="8").points == 8
    assert compute_indicator(ind, "park_a", given="6.5", reason="土地集约利用未达标").points == D("6.5")
    assert compute_indicator(ind, "park_a").points == 0  # not scored yet
    with pytest.raises(ScoringError, match="扣了1.5分，请说明扣分理由"):
        compute_indicator(ind, "park_a", given="6.5", reason="  ")
    with pytest.raises(ScoringError, match="应在0至8分之间，填写的是9分"):
        compute_indicator(ind, "park_a", given="9", reason="x")
    with pytest.raises(ScoringError, match="不是有效的数值"):
        compute_indicator(ind, "park_a", given="八", reason="x")
    assert "扣分须说明理由" in params_text(Method.manual, {})


def test_tasks_indicator_is_computed_by_the_office_component():
    """交办事项 (三(一)8 “推进‘千百十’工程交办事项落实”; 三(二)1): the 细则 line carries the code ``tasks`` and its
    points; the value comes from ``office_component``, so the method itself computes 0 out of the points."""
    ind = Indicator(TASKS_CODE, "交办事项落实", Method.tasks, {}, {"county_a": "5"})
    result = compute_indicator(ind, "county_a", actual=3)
    assert (result.points, result.maximum) == (D(0), D(5))
    assert check_indicators([ind], {"county_a": D(5)}) == []
    assert "交办事项" in params_text(Method.tasks, {})


def test_rating_scales_the_points_by_the_average_rating():
    """服务质量评价 (三(二)1 “收集县市区、园区、企业对市直单位服务质量工作评价情况”): 20 × 87.5 / 100 = 17.5;
    no rating → full points."""
    ind = Indicator("fw", "服务质量评价", Method.rating, {}, {"city": "20"})
    assert compute_indicator(ind, "city", average="87.5").points == D("17.5")
    assert compute_indicator(ind, "city", average="87.5").actual == D("87.5")
    assert compute_indicator(ind, "city").points == 20
    assert rating_points(D(20), D(120)) == 20 and rating_points(D(20), D(-5)) == 0


def test_an_indicator_applies_only_to_the_profiles_it_has_points_for():
    ind = Indicator("x", "亩均税收", Method.linear, {}, {"park_a": "5"})
    with pytest.raises(ScoringError, match="不适用于该类单位"):
        compute_indicator(ind, "county_a", actual=1, yearly_target=1)
    assert compute_group(ind, {"p": "park_a", "c": "county_a"}, {"p": 1}, {"p": 1}).keys() == {"p"}


def test_quarter_target_and_completion():
    """季度目标 = 年度目标 × 季度进度 (六(一)); 完成率 = 实际 ÷ 目标 × 100 (六(二) “会商考评指标完成情况”)."""
    assert quarter_target("1200", "25") == D(300)
    assert [quarter_target(400, s) for s in DEFAULT_QUARTER_SHARES] == [D(100), D(200), D(300), D(400)]
    assert completion("150", "300") == D(50)
    assert completion("150", "0") is None
    assert completion("150", "-3") is None
    assert completion(None, "300") is None
    assert completion("150", None) is None
    ind = Indicator("x", "x", Method.linear, {}, {"county_a": "5"})
    zero = compute_indicator(ind, "county_a", actual=10, yearly_target=0)
    assert (zero.target, zero.completion, zero.points) == (D(0), None, D(0))


def test_params_are_normalized_and_written_out():
    assert normalize_params("linear", {"cap": "100.00", "floor": 60}) == {"cap": "100", "floor": "60"}
    assert normalize_params("steps", {"steps": [[60, "50.0"]]}) == {"steps": [["60", "50"]]}
    assert normalize_params("rank", None)["shares"] == ["100", "90", "80", "70", "60"]
    assert normalize_params("count", {"per_event": "1.50"}) == {"per_event": "1.5"}
    assert normalize_params("manual", {"junk": 1}) == {}
    with pytest.raises(ScoringError, match="满分完成率"):
        normalize_params("linear", {"cap": "120"})
    assert params_text("linear", {"cap": "90", "floor": "60"}) == "完成率达到90%得满分，按完成率折算；低于60%不得分"
    assert params_text("steps", {"steps": [["60", "50"]]}) == "分档：完成率≥60%得50%；未达第一档不得分"
    assert params_text("count", {"per_event": "2"}) == "每项得2分，得满为止"
    assert Method.linear.label == "按完成率计分" and Method.rank.needs_target and not Method.count.needs_target


# --------------------------------------------------------------------------------------------------------
# Properties of every method
# --------------------------------------------------------------------------------------------------------

@st.composite
def linear_params(draw):
    cap = draw(st.integers(min_value=1, max_value=10_000).map(lambda n: D(n) / 100))
    floor = draw(st.integers(min_value=0, max_value=int(cap * 100) - 1).map(lambda n: D(n) / 100))
    return {"cap": str(cap), "floor": str(floor)}


@st.composite
def steps_params(draw):
    thresholds = sorted(draw(st.sets(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=5)))
    shares = sorted(draw(st.lists(st.integers(min_value=0, max_value=10_000), min_size=len(thresholds),
                                  max_size=len(thresholds))))
    return {"steps": [[str(D(t) / 100), str(D(s) / 100)] for t, s in zip(thresholds, shares, strict=True)]}


@st.composite
def rank_params(draw):
    shares = sorted(draw(st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=6)), reverse=True)
    return {"shares": [str(s) for s in shares]}


def _within(value, points):
    return D(0) <= value <= points


@PROPERTY
@given(points_st, linear_params(), rates, rates)
def test_linear_is_monotone_bounded_and_exact_at_cap_and_floor(points, params, a, b):
    assert check_params("linear", params) == []
    low, high = sorted((a, b))
    assert linear_points(points, low, params) <= linear_points(points, high, params)
    assert _within(linear_points(points, a, params), points)
    cap, floor = D(params["cap"]), D(params["floor"])
    assert linear_points(points, cap, params) == points
    assert linear_points(points, floor, params) == 0
    assert linear_points(points, floor - abs(a), params) == 0
    assert linear_points(points, cap + abs(a), params) == points


@PROPERTY
@given(points_st, steps_params(), rates, rates)
def test_steps_are_monotone_bounded_and_exact_at_every_threshold(points, params, a, b):
    assert check_params("steps", params) == []
    low, high = sorted((a, b))
    assert step_points(points, low, params) <= step_points(points, high, params)
    assert _within(step_points(points, a, params), points)
    for threshold, share in params["steps"]:
        assert step_points(points, D(threshold), params) == points * D(share) / 100
    first = D(params["steps"][0][0])
    assert step_points(points, first - D("0.0001"), params) == 0


@PROPERTY
@given(points_st, st.integers(min_value=1, max_value=1000).map(lambda n: D(n) / 100),
       st.integers(min_value=-5, max_value=100), st.integers(min_value=-5, max_value=100))
def test_count_is_monotone_and_bounded(points, per_event, a, b):
    params = {"per_event": str(per_event)}
    assert check_params("count", params) == []
    low, high = sorted((a, b))
    assert count_points(points, D(low), params) <= count_points(points, D(high), params)
    assert _within(count_points(points, D(a), params), points)
    if a > 0 and per_event * a <= points:
        assert count_points(points, D(a), params) == per_event * a


@PROPERTY
@given(points_st, percent, percent)
def test_rating_is_monotone_and_bounded(points, a, b):
    low, high = sorted((a, b))
    assert rating_points(points, low) <= rating_points(points, high)
    assert _within(rating_points(points, a), points)
    assert rating_points(points, D(100)) == points and rating_points(points, D(0)) == 0


@PROPERTY
@given(points_st, rank_params(), st.dictionaries(st.sampled_from("abcdefgh"), rates | st.none(), min_size=1))
@example(D(10), {"shares": ["100", "50"]}, {"a": D("0.125"), "b": D("0.13")})  # both shown 0.13 (half up)
def test_rank_ties_share_the_better_rank_and_a_better_completion_never_earns_less(points, params, group):
    assert check_params("rank", params) == []
    result = rank_points_by_rate(points, group, params)
    assert result.keys() == group.keys()
    shown = {u: quantize_score(r) for u, r in group.items() if r is not None}  # as shown: two places, half up
    for unit, (rank, value) in result.items():
        assert _within(value, points)
        if group[unit] is None:
            assert (rank, value) == (None, 0)
            continue
        assert rank == 1 + sum(1 for other in shown.values() if other > shown[unit])
        for other, (other_rank, other_value) in result.items():
            if group[other] is None:
                continue
            if shown[other] == shown[unit]:
                assert (other_rank, other_value) == (rank, value)
            elif shown[other] > shown[unit]:
                assert other_rank < rank and other_value >= value


@PROPERTY
@given(points_st, rank_params(), rates, st.lists(rates, max_size=5), st.integers(min_value=0, max_value=50_000))
def test_rank_a_unit_improving_its_completion_never_earns_fewer_points(points, params, rate, others, gain):
    group = {f"u{i}": r for i, r in enumerate(others)}
    before = rank_points_by_rate(points, {**group, "me": rate}, params)["me"][1]
    after = rank_points_by_rate(points, {**group, "me": rate + D(gain) / 1000}, params)["me"][1]
    assert after >= before


@PROPERTY
@given(st.sampled_from([Method.linear, Method.steps]), points_st, st.integers(min_value=1, max_value=10**6),
       st.sampled_from(DEFAULT_QUARTER_SHARES), st.integers(min_value=0, max_value=10**6),
       st.integers(min_value=0, max_value=10**6), steps_params(), linear_params())
def test_compute_indicator_is_monotone_in_the_actual(method, points, target, share, a, b, steps, linear):
    ind = Indicator("x", "x", method, steps if method is Method.steps else linear, {"p": points})
    low, high = sorted((a, b))
    first = compute_indicator(ind, "p", actual=low, yearly_target=target, quarter_share=share)
    second = compute_indicator(ind, "p", actual=high, yearly_target=target, quarter_share=share)
    assert first.points <= second.points
    assert _within(first.points, points) and first.maximum == points


@PROPERTY
@given(st.dictionaries(st.sampled_from(["cap", "floor", "steps", "shares", "per_event"]),
                       st.none() | st.text(max_size=8) | st.integers() | st.lists(st.integers(), max_size=3)
                       | st.lists(st.lists(st.text(max_size=4) | st.integers(), max_size=3), max_size=3)),
       st.sampled_from(list(Method)))
def test_check_params_never_crashes_and_accepted_params_normalize(params, method):
    errors = check_params(method, params)
    assert all(isinstance(e, str) and e for e in errors)
    if not errors:
        normalize_params(method, params)


# --------------------------------------------------------------------------------------------------------
# check_params refusals (六(一): a 细则 whose method is out of range cannot be submitted)
# --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "params", "message"), [
    ("steps", {"steps": [["80", "50"], ["60", "80"]]}, "各档完成率门槛应逐档递增：第2档（60%）不高于上一档（80%）。"),
    ("steps", {"steps": [["60", "50"], ["60", "80"]]}, "各档完成率门槛应逐档递增：第2档（60%）不高于上一档（60%）。"),
    ("steps", {"steps": [["60", "120"]]}, "第1档得分比例应在0%至100%之间，填写的是120%。"),
    ("steps", {"steps": [["60", "-1"]]}, "第1档得分比例应在0%至100%之间，填写的是-1%。"),
    ("steps", {"steps": [["150", "50"]]}, "第1档完成率门槛应在0%至100%之间，填写的是150%。"),
    ("steps", {"steps": [["60", "80"], ["80", "50"]]}, "各档得分比例不能逐档减少：第2档（50%）低于上一档（80%）。"),
    ("steps", {"steps": []}, "分档计分至少要设一个档次（完成率门槛和得分比例）。"),
    ("steps", {"steps": [["60"]]}, "第1档应填写完成率门槛和得分比例两个数。"),
    ("rank", {"shares": ["100", "110"]}, "第2名得分比例应在0%至100%之间，填写的是110%。"),
    ("rank", {"shares": ["80", "90"]}, "名次越后得分比例不能越高：第2名（90%）高于第1名（80%）。"),
    ("linear", {"cap": "120"}, "满分完成率应大于0%且不超过100%，填写的是120%。"),
    ("linear", {"cap": "0"}, "满分完成率应大于0%且不超过100%，填写的是0%。"),
    ("linear", {"cap": "80", "floor": "80"}, "起评完成率（80%）应低于满分完成率（80%）。"),
    ("linear", {"cap": "80", "floor": "90"}, "起评完成率（90%）应低于满分完成率（80%）。"),
    ("linear", {"floor": "-5"}, "起评完成率不能为负数。"),
    ("linear", {"cap": "abc"}, "满分完成率“abc”不是有效的数值。"),
    ("linear", {"cap": "1e-999999"}, "满分完成率“1e-999999”位数过多（绝对值应小于10亿，最多4位小数）。"),
    ("count", {"per_event": "0"}, "每项得分应大于0，填写的是0。"),
    ("count", {"per_event": "-2"}, "每项得分应大于0，填写的是-2。"),
    ("count", {}, "按事项计分要填写每项得分。"),
    ("count", {"per_event": "1e999999"}, "每项得分“1e999999”位数过多（绝对值应小于10亿，最多4位小数）。"),
    ("bonus", {}, "未知的计分方法“bonus”。"),
    ("linear", ["cap", "90"], "计分参数格式不正确。"),
])
def test_check_params_refuses_with_a_chinese_message(method, params, message):
    assert message in check_params(method, params)


def test_check_params_accepts_the_defaults():
    assert check_params("linear", None) == []
    assert check_params("rank", None) == []
    assert check_params("manual", None) == check_params("tasks", {}) == check_params("rating", {}) == []


# --------------------------------------------------------------------------------------------------------
# check_indicators, missing_targets, check_quarter_shares
# --------------------------------------------------------------------------------------------------------

MAXIMA = {"county_a": D(25), "shaoshan": D(25)}
LABELS = {"county_a": "湘潭县、湘乡市、雨湖区", "shaoshan": "韶山市", "city": "市直单位"}


def _ind(code, points, method=Method.linear, params=None, name=None):
    return Indicator(code, name or code, method, params or {}, points)


def test_check_indicators_accepts_points_summing_to_each_profile_maximum():
    """六(一) / 四(一): 市工信局 25 points of a county split over its indicators."""
    book = [_ind("cyl", {"county_a": "15", "shaoshan": "10"}), _ind("zjtx", {"county_a": "10", "shaoshan": "15"})]
    assert check_indicators(book, MAXIMA, LABELS) == []


def test_check_indicators_refuses_points_not_summing_to_the_maximum():
    book = [_ind("cyl", {"county_a": "15", "shaoshan": "10"}), _ind("zjtx", {"county_a": "9", "shaoshan": "15"})]
    assert check_indicators(book, MAXIMA, LABELS) == [
        "“湘潭县、湘乡市、雨湖区”各指标分值合计24分，应等于本项满分25分。"]


def test_check_indicators_refuses_a_profile_without_that_component():
    book = [_ind("cyl", {"county_a": "25", "shaoshan": "25", "city": "5"})]
    assert check_indicators(book, MAXIMA, LABELS) == ["“cyl”给“市直单位”设了分值，但这类单位没有本项考评得分。"]


def test_check_indicators_refuses_duplicate_codes():
    book = [_ind("cyl", {"county_a": "15", "shaoshan": "10"}), _ind("cyl", {"county_a": "10", "shaoshan": "15"})]
    assert check_indicators(book, MAXIMA, LABELS) == ["指标代码“cyl”重复。"]


def test_check_indicators_refuses_a_tasks_method_under_another_code():
    book = [_ind("jb", {"county_a": "25", "shaoshan": "25"}, Method.tasks, name="交办事项")]
    assert check_indicators(book, MAXIMA, LABELS) == ["“交办事项”按交办事项计算，其代码应为“tasks”。"]


def test_check_indicators_refuses_bad_params_zero_points_no_points_and_an_empty_list():
    book = [_ind("a", {"county_a": "25", "shaoshan": "25"}, Method.linear, {"cap": "150"}, name="产业投资"),
            _ind("b", {}, Method.manual, name="其他"), _ind("c", {"county_a": "0"}, Method.manual, name="零分")]
    assert check_indicators(book, MAXIMA, LABELS) == [
        "“产业投资”：满分完成率应大于0%且不超过100%，填写的是150%。", "“其他”没有给任何一类单位设分值。",
        "“零分”对“湘潭县、湘乡市、雨湖区”的分值应大于0。"]
    assert check_indicators([], MAXIMA) == ["考评细则至少要有一项指标。"]


def test_missing_targets_lists_the_units_an_indicator_scores_by_completion_without_a_target():
    """六(一) “明确各项指标年度发展目标”: every unit scored by completion has a positive yearly target."""
    linear = _ind("tz", {"county_a": "10"})
    count = _ind("ss", {"county_a": "5"}, Method.count, {"per_event": "1"})
    park_only = _ind("mj", {"park_a": "5"}, Method.steps, {"steps": [["50", "100"]]})
    units = {1: "county_a", 2: "county_a", 3: "county_a", 4: "county_a", 9: "park_a"}
    targets = {("tz", 1): "100", ("tz", 2): "0", ("tz", 3): "abc", ("mj", 9): D(7)}
    assert [(i.code, u) for i, u in missing_targets([linear, count, park_only], units, targets)] == [
        ("tz", 2), ("tz", 3), ("tz", 4)]


@pytest.mark.parametrize(("shares", "message"), [
    (["25", "50", "75"], "季度进度应填写一至四季度四个百分比。"),
    ("25,50,75,100", "季度进度应填写一至四季度四个百分比。"),
    (["25", "50", "75", "90"], "第四季度进度应为100%（全年目标）。"),
    (["50", "25", "75", "100"], "季度进度应逐季不减（累计进度）。"),
    (["0", "50", "75", "100"], "第1季度进度应大于0%且不超过100%，填写的是0%。"),
    (["25", "x", "75", "100"], "第2季度进度“x”不是有效的数值。"),
])
def test_check_quarter_shares_refuses(shares, message):
    assert message in check_quarter_shares(shares)


def test_check_quarter_shares_accepts_cumulative_shares_ending_at_100():
    assert check_quarter_shares(["25", "50", "75", "100"]) == []
    assert check_quarter_shares([D(10), D(10), D(60), D(100)]) == []


# --------------------------------------------------------------------------------------------------------
# The rule index
# --------------------------------------------------------------------------------------------------------

CRITERIA_FUNCTIONS = {"linear_points", "step_points", "rank_points_by_rate", "count_points", "compute_indicator",
                      "rating_points", "check_indicators", "check_params", "missing_targets", "check_quarter_shares",
                      "quarter_target", "completion"}


def test_the_rule_index_names_every_scoring_method_and_each_docstring_quotes_its_clause():
    indexed = {ref.function: ref for ref in RULE_INDEX}
    assert indexed.keys() >= CRITERIA_FUNCTIONS
    for name in CRITERIA_FUNCTIONS:
        func = getattr(engine, name)
        assert func is getattr(criteria, name)
        clause = indexed[name].clause.removeprefix("附件2 ").split("、")[0]
        assert clause in inspect.getdoc(func), name
        assert "“" in inspect.getdoc(func), name  # a quotation of the annex, not just a clause number


@pytest.mark.parametrize("method", list(Method))
def test_every_method_has_a_label_and_a_text(method):
    assert method.label and params_text(method, normalize_params(method, {
        Method.steps: {"steps": [["50", "100"]]}, Method.count: {"per_event": "1"}}.get(method, {})))


def test_rank_completions_beyond_the_limit_rank_together_without_error():
    huge = {"a": D(10) ** 40, "b": D(10) ** 30, "c": D(1)}
    result = rank_points_by_rate(D(10), huge, {"shares": ["100", "50"]})
    assert result == {"a": (1, D(10)), "b": (1, D(10)), "c": (3, D(5))}
