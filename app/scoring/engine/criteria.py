"""考评细则 as data: an assessor's indicators for a year, each with its points per component profile, a scoring
method and (for the methods that need one) a yearly target per assessed unit.

附件2 六(一): “每年3月底前,各考评单位要明确各项指标年度发展目标,细化工作举措,完善考评细则,报市产业强市“千百十”
工程工作领导小组审定后,统一行文下发。” The document names what each assessor scores (三) but not how points follow
from an indicator; the methods below are the small set the office lets an assessor choose from, each a pure
function of the actual, the target and its parameters (DOMAIN.md §4, “Interpretations”):

* ``linear``  — 按完成率计分: points × (completion − floor) / (cap − floor), between 0 and the points.
* ``steps``   — 分档计分: the share of the points of the highest threshold the completion reached.
* ``rank``    — 组内排名计分: the share of the points of the unit's rank by completion within its group.
* ``count``   — 按事项计分: points per counted event (e.g. per listing stage reached), up to the points.
* ``manual``  — 人工评分: the assessor gives the points and must say why.
* ``tasks``   — 交办事项: the office's task component (``office_component``), computed from assigned tasks.
* ``rating``  — 服务评价: points × the average service rating (0–100) given by counties, parks and enterprises.

Completion is in percent: actual / target × 100, against the quarter's share of the yearly target (a yearly
target is reached step by step: by default 25 %, 50 %, 75 % and 100 % of it by the end of each quarter).
Points are exact Decimals; the caller rounds them to two places (``quantize_score``) when it stores them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from app.scoring.engine.base import (
    HUNDRED,
    ZERO,
    ScoringError,
    UnitId,
    decimal_text,
    exact_arithmetic,
    quantize_score,
    to_decimal,
)
from app.scoring.engine.ranking import competition_ranks

TASKS_CODE = "tasks"  # the office's indicator computed from assigned tasks (the rules' TASK_ITEM)
DEFAULT_QUARTER_SHARES = (Decimal(25), Decimal(50), Decimal(75), HUNDRED)
# 进度口径 of an indicator with a target: a flow accumulated over the year (产业投资, 技术合同成交额 ...) is held each
# quarter to the book's share of its yearly target; a level at a point in time (规上企业数, 占比, 开工率 ...) is held
# each quarter to the yearly target itself — a quarter's share of a stock would let it score full all year.
PROGRESS_CUMULATIVE = "cumulative"
PROGRESS_LEVEL = "level"
PROGRESS_LABELS = {PROGRESS_CUMULATIVE: "按季度累计进度（年度目标×季度进度）",
                   PROGRESS_LEVEL: "按年度目标时点值（每季度对照全年目标）"}
DEFAULT_RANK_SHARES = (HUNDRED, Decimal(90), Decimal(80), Decimal(70), Decimal(60))
NUMBER_LIMIT = Decimal(10) ** 9  # a parameter at or above this is a typing error, not a rule
NUMBER_PLACES = 4  # decimal places a parameter may carry (points are kept to two, percentages to four)


class Method(enum.StrEnum):
    """How an indicator's points follow from its actual (考评细则的计分方法)."""

    linear = "linear"
    steps = "steps"
    rank = "rank"
    count = "count"
    manual = "manual"
    tasks = "tasks"
    rating = "rating"

    @property
    def label(self) -> str:
        return METHOD_LABELS[self]

    @property
    def needs_target(self) -> bool:
        """Methods on the completion rate need a yearly target for every unit they score."""
        return self in (Method.linear, Method.steps, Method.rank)

    @property
    def needs_actual(self) -> bool:
        return self in (Method.linear, Method.steps, Method.rank, Method.count)


METHOD_LABELS = {
    Method.linear: "按完成率计分",
    Method.steps: "分档计分",
    Method.rank: "组内排名计分",
    Method.count: "按事项计分",
    Method.manual: "人工评分",
    Method.tasks: "交办事项落实（系统计算）",
    Method.rating: "服务质量评价（评价均分）",
}


def _number(value, label: str, errors: list[str]) -> Decimal | None:
    if isinstance(value, bool | float):
        value = str(value)
    try:
        result = to_decimal(value if isinstance(value, Decimal | int | str) else str(value))
    except (ScoringError, TypeError, InvalidOperation):
        errors.append(f"{label}“{value}”不是有效的数值。")
        return None
    if abs(result) >= NUMBER_LIMIT or result.normalize().as_tuple().exponent < -NUMBER_PLACES:
        errors.append(f"{label}“{value}”位数过多（绝对值应小于10亿，最多{NUMBER_PLACES}位小数）。")
        return None
    return result


def _pairs(raw) -> list:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return []
    return list(raw)


def check_params(method: Method | str, params: Mapping | None) -> list[str]:
    """Why a method's parameters are refused (Chinese messages), or ``[]``.

    * linear: ``cap`` — the completion (%) that earns the full points, above 0 and at most 100; ``floor`` —
      the completion (%) below which nothing is earned, at least 0 and below the cap.
    * steps: ``steps`` — ``[[threshold %, share %], ...]``, thresholds strictly increasing and at most 100,
      shares between 0 and 100 and not decreasing.
    * rank: ``shares`` — the share (%) of the points for rank 1, 2, ...; each between 0 and 100, not increasing;
      ranks beyond the list get its last share.
    * count: ``per_event`` — points per counted event, above 0.
    * manual, tasks, rating: no parameters.

    附件2 六(一): “各考评单位要明确各项指标年度发展目标,细化工作举措,完善考评细则” — a 细则 whose method cannot
    give points between 0 and the indicator's points is refused before it is submitted.
    """
    try:
        method = Method(method)
    except (ValueError, TypeError):
        return [f"未知的计分方法“{method}”。"]
    if params is not None and not isinstance(params, Mapping):
        return ["计分参数格式不正确。"]
    params = params or {}
    errors: list[str] = []
    if method.needs_target and params.get("progress", PROGRESS_CUMULATIVE) not in PROGRESS_LABELS:
        errors.append("进度口径只能是“按季度累计进度”或“按年度目标时点值”。")
    if method is Method.linear:
        cap = _number(params.get("cap", 100), "满分完成率", errors)
        floor = _number(params.get("floor", 0), "起评完成率", errors)
        if cap is not None and not ZERO < cap <= HUNDRED:
            errors.append(f"满分完成率应大于0%且不超过100%，填写的是{decimal_text(cap)}%。")
        if floor is not None and floor < ZERO:
            errors.append("起评完成率不能为负数。")
        if cap is not None and floor is not None and floor >= cap:
            errors.append(f"起评完成率（{decimal_text(floor)}%）应低于满分完成率（{decimal_text(cap)}%）。")
    elif method is Method.steps:
        steps = _pairs(params.get("steps"))
        if not steps:
            errors.append("分档计分至少要设一个档次（完成率门槛和得分比例）。")
        previous_threshold = previous_share = None
        for position, step in enumerate(steps, start=1):
            if not isinstance(step, Sequence) or isinstance(step, str) or len(step) != 2:
                errors.append(f"第{position}档应填写完成率门槛和得分比例两个数。")
                continue
            threshold = _number(step[0], f"第{position}档完成率门槛", errors)
            share = _number(step[1], f"第{position}档得分比例", errors)
            if threshold is None or share is None:
                continue
            if not ZERO <= threshold <= HUNDRED:
                errors.append(f"第{position}档完成率门槛应在0%至100%之间，填写的是{decimal_text(threshold)}%。")
            if not ZERO <= share <= HUNDRED:
                errors.append(f"第{position}档得分比例应在0%至100%之间，填写的是{decimal_text(share)}%。")
            if previous_threshold is not None and threshold <= previous_threshold:
                errors.append(f"各档完成率门槛应逐档递增：第{position}档（{decimal_text(threshold)}%）"
                              f"不高于上一档（{decimal_text(previous_threshold)}%）。")
            if previous_share is not None and share < previous_share:
                errors.append(f"各档得分比例不能逐档减少：第{position}档（{decimal_text(share)}%）"
                              f"低于上一档（{decimal_text(previous_share)}%）。")
            previous_threshold, previous_share = threshold, share
    elif method is Method.rank:
        shares = _pairs(params.get("shares", [str(s) for s in DEFAULT_RANK_SHARES]))
        if not shares:
            errors.append("组内排名计分至少要设第一名的得分比例。")
        previous = None
        for position, raw in enumerate(shares, start=1):
            share = _number(raw, f"第{position}名得分比例", errors)
            if share is None:
                continue
            if not ZERO <= share <= HUNDRED:
                errors.append(f"第{position}名得分比例应在0%至100%之间，填写的是{decimal_text(share)}%。")
            if previous is not None and share > previous:
                errors.append(f"名次越后得分比例不能越高：第{position}名（{decimal_text(share)}%）"
                              f"高于第{position - 1}名（{decimal_text(previous)}%）。")
            previous = share
    elif method is Method.count:
        per_event = _number(params.get("per_event"), "每项得分", errors) if params.get("per_event") not in (
            None, "") else None
        if per_event is None and not errors:
            errors.append("按事项计分要填写每项得分。")
        elif per_event is not None and per_event <= ZERO:
            errors.append(f"每项得分应大于0，填写的是{decimal_text(per_event)}。")
    return errors


def normalize_params(method: Method | str, params: Mapping | None) -> dict:
    """Checked parameters in their stored form (numbers as strings); raises ``ScoringError``."""
    method = Method(method)
    errors = check_params(method, params)
    if errors:
        raise ScoringError(errors[0])
    params = params or {}
    level = {"progress": PROGRESS_LEVEL} if params.get("progress") == PROGRESS_LEVEL else {}
    if method is Method.linear:
        return {"cap": decimal_text(to_decimal(str(params.get("cap", 100)))),
                "floor": decimal_text(to_decimal(str(params.get("floor", 0)))), **level}
    if method is Method.steps:
        return {"steps": [[decimal_text(to_decimal(str(t))), decimal_text(to_decimal(str(s)))]
                          for t, s in params["steps"]], **level}
    if method is Method.rank:
        return {"shares": [decimal_text(to_decimal(str(s)))
                           for s in params.get("shares", [str(s) for s in DEFAULT_RANK_SHARES])], **level}
    if method is Method.count:
        return {"per_event": decimal_text(to_decimal(str(params["per_event"])))}
    return {}


def progress_of(params: Mapping | None) -> str:
    """An indicator's 进度口径: ``level`` when its parameters say so, else ``cumulative``."""
    return PROGRESS_LEVEL if (params or {}).get("progress") == PROGRESS_LEVEL else PROGRESS_CUMULATIVE


def effective_share(params: Mapping | None, quarter_share: Decimal | int | str) -> Decimal | int | str:
    """The share of the yearly target a quarter is held to: the book's quarter share for a cumulative indicator,
    the whole target (100 %) for a level."""
    return HUNDRED if progress_of(params) == PROGRESS_LEVEL else quarter_share


def params_text(method: Method | str, params: Mapping | None) -> str:
    """The method and its parameters as the office writes them in the 细则 (shown on pages and sheets)."""
    method = Method(method)
    text = _method_text(method, params or {})
    if method.needs_target and progress_of(params) == PROGRESS_LEVEL:
        text += "；每季度对照年度目标（时点值）"
    return text


def _method_text(method: Method, params: Mapping) -> str:
    if method is Method.linear:
        cap, floor = params.get("cap", "100"), params.get("floor", "0")
        text = f"完成率达到{cap}%得满分，按完成率折算"
        return text + (f"；低于{floor}%不得分" if Decimal(str(floor)) > 0 else "")
    if method is Method.steps:
        return "分档：" + ";".join(f"完成率≥{t}%得{s}%" for t, s in params.get("steps", [])) + "；未达第一档不得分"
    if method is Method.rank:
        shares = params.get("shares", [])
        return "组内按完成率排名：" + "、".join(f"第{i}名{s}%" for i, s in enumerate(shares, start=1)) + \
            ("（其后同末位）" if shares else "")
    if method is Method.count:
        return f"每项得{params.get('per_event')}分，得满为止"
    if method is Method.manual:
        return "考评单位按工作情况评分，扣分须说明理由"
    if method is Method.tasks:
        return "按交办事项按期办结情况计算（一般事项权重1、重点事项权重2，逾期办结计一半）"
    return "按县市区、园区及企业服务质量评价的平均分折算"


def check_quarter_shares(shares: Sequence) -> list[str]:
    """The quarter's expected share (%) of a yearly target: four numbers, not decreasing, the last 100.

    附件2 六(一) “明确各项指标年度发展目标”: by the fourth quarter the whole yearly target is due."""
    errors: list[str] = []
    if not isinstance(shares, Sequence) or isinstance(shares, str) or len(shares) != 4:
        return ["季度进度应填写一至四季度四个百分比。"]
    values = [_number(s, f"第{q}季度进度", errors) for q, s in enumerate(shares, start=1)]
    if errors:
        return errors
    for q, value in enumerate(values, start=1):
        if not ZERO < value <= HUNDRED:
            errors.append(f"第{q}季度进度应大于0%且不超过100%，填写的是{decimal_text(value)}%。")
    if any(b < a for a, b in zip(values, values[1:], strict=False)):
        errors.append("季度进度应逐季不减（累计进度）。")
    if values[-1] != HUNDRED:
        errors.append("第四季度进度应为100%（全年目标）。")
    return errors


@exact_arithmetic
def quarter_target(yearly: Decimal | int | str, share: Decimal | int | str) -> Decimal:
    """The part of a yearly target due by the end of the quarter: yearly × share / 100.

    附件2 六(一) “明确各项指标年度发展目标” and 四 “每季度…进行考评”: a quarter is measured against its share."""
    return to_decimal(yearly) * to_decimal(share) / HUNDRED


@exact_arithmetic
def completion(actual: Decimal | int | str | None, target: Decimal | int | str | None) -> Decimal | None:
    """完成率 in percent: actual / target × 100; None without an actual or without a positive target.

    附件2 六(二): “会商考评指标完成情况” — the completion the assessors consult on."""
    if actual is None or target is None:
        return None
    target = to_decimal(target)
    if target <= ZERO:
        return None
    return to_decimal(actual) * HUNDRED / target


@exact_arithmetic
def linear_points(points: Decimal, rate: Decimal | None, params: Mapping) -> Decimal:
    """按完成率计分: points × (rate − floor) / (cap − floor), at least 0 and at most the points.

    附件2 六(一): “明确各项指标年度发展目标…完善考评细则” — the points follow the completion of the target.
    E.g. 5 points, cap 100 %: a completion of 80 % earns 4; 100 % or more earns 5; no actual earns 0."""
    if rate is None:
        return ZERO
    cap, floor = to_decimal(str(params.get("cap", 100))), to_decimal(str(params.get("floor", 0)))
    if rate <= floor:
        return ZERO
    if rate >= cap:
        return to_decimal(points)
    return to_decimal(points) * (rate - floor) / (cap - floor)


@exact_arithmetic
def step_points(points: Decimal, rate: Decimal | None, params: Mapping) -> Decimal:
    """分档计分: the share of the highest threshold reached (a completion exactly at a threshold reaches it);
    below the first threshold, 0.

    附件2 六(一): “明确各项指标年度发展目标…完善考评细则” — the 细则 sets the thresholds of the completion."""
    if rate is None:
        return ZERO
    share = ZERO
    for threshold, step_share in params.get("steps", []):
        if rate >= to_decimal(str(threshold)):
            share = to_decimal(str(step_share))
    return to_decimal(points) * share / HUNDRED


@exact_arithmetic
def count_points(points: Decimal, count: Decimal | None, params: Mapping) -> Decimal:
    """按事项计分: count × per_event, at most the points; no count (or a negative one) earns 0.

    附件2 六(一): “细化工作举措,完善考评细则”; e.g. 三(一)6 “企业上市或过会、申报上市材料、辅导备案、上市股改”:
    points per listing stage reached."""
    if count is None or count <= ZERO:
        return ZERO
    return min(to_decimal(points), to_decimal(count) * to_decimal(str(params["per_event"])))


@exact_arithmetic
def rating_points(points: Decimal, average: Decimal | None) -> Decimal:
    """服务质量评价: points × average / 100 (ratings are 0–100); no rating earns the full points — a unit that
    no county, park or enterprise rated has no complaint against it.

    附件2 三(二)1: “收集县市区、园区、企业对市直单位服务质量工作评价情况”."""
    if average is None:
        return to_decimal(points)
    average = min(max(to_decimal(average), ZERO), HUNDRED)
    return to_decimal(points) * average / HUNDRED


@exact_arithmetic
def manual_points(name: str, maximum: Decimal, given, reason: str | None) -> Decimal:
    """人工评分: the given points, checked: a number between 0 and the maximum; below the maximum, a reason."""
    errors: list[str] = []
    value = _number(given, f"“{name}”的评分", errors)
    if value is None:
        raise ScoringError(errors[0])
    if not ZERO <= value <= to_decimal(maximum):
        raise ScoringError(f"“{name}”的评分应在0至{decimal_text(maximum)}分之间，填写的是{decimal_text(value)}分。")
    if value < to_decimal(maximum) and not (reason or "").strip():
        raise ScoringError(f"“{name}”扣了{decimal_text(to_decimal(maximum) - value)}分，请说明扣分理由。")
    return value


RANK_RATE_LIMIT = Decimal(10) ** 12  # completions beyond ±this (percent) rank together


def _shown_rate(rate) -> Decimal:
    """A completion as shown (two places), bounded so that quantizing stays within the context's precision."""
    return quantize_score(min(max(to_decimal(rate), -RANK_RATE_LIMIT), RANK_RATE_LIMIT))


@exact_arithmetic
def rank_points_by_rate(points: Decimal, rates: Mapping[UnitId, Decimal | None],
                        params: Mapping) -> dict[UnitId, tuple[int | None, Decimal]]:
    """组内排名计分: {unit: (rank, points)}. Units are ranked by completion within the group given, higher
    first, ties sharing the better rank (1, 2, 2, 4); rank r earns the r-th share of the points, ranks beyond the
    list its last share; a unit without a completion is not ranked and earns 0. Completions are compared as
    shown (two places), so two units shown with the same completion share a rank.

    附件2 六(一): “明确各项指标年度发展目标…完善考评细则”; the default shares follow 五(一)1 “第一名得满分,
    第二名得90%分,第三名得80%分,第四名得70%分,第五名得60%分”."""
    shares = [to_decimal(str(s)) for s in params.get("shares", [str(s) for s in DEFAULT_RANK_SHARES])]
    ranked = competition_ranks({unit: _shown_rate(rate) for unit, rate in rates.items() if rate is not None})
    result: dict[UnitId, tuple[int | None, Decimal]] = {}
    for unit in rates:
        rank = ranked.get(unit)
        if rank is None or not shares:
            result[unit] = (None, ZERO)
        else:
            result[unit] = (rank, to_decimal(points) * shares[min(rank, len(shares)) - 1] / HUNDRED)
    return result


@dataclass(frozen=True)
class Indicator:
    """One indicator of a 考评细则: its code (the sub-item code of the component), name, method and parameters,
    and its points per component profile (a profile it has no points for does not score it)."""

    code: str
    name: str
    method: Method
    params: Mapping = field(default_factory=dict)
    points: Mapping[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", Method(self.method))
        object.__setattr__(self, "points", {k: to_decimal(v) for k, v in self.points.items()})


@dataclass(frozen=True)
class Computed:
    """An indicator's result for one unit and quarter: what the method gives, and from what."""

    actual: Decimal | None
    target: Decimal | None
    completion: Decimal | None
    points: Decimal
    maximum: Decimal
    rank: int | None = None

    @property
    def shortfall(self) -> Decimal:
        return self.maximum - self.points


@exact_arithmetic
def compute_indicator(indicator: Indicator, profile: str, *, actual=None, yearly_target=None,
                      quarter_share: Decimal | int | str = HUNDRED, average=None, given=None,
                      reason: str | None = None) -> Computed:
    """The points an indicator gives one unit (for every method but ``rank``, which needs the whole group —
    ``compute_group`` — and ``tasks``, whose points the office's task component gives: it computes 0 here).

    ``manual`` (人工评分): the assessor's ``given`` points, between 0 and the indicator's points, and a points
    below the maximum needs a ``reason`` (扣分须说明理由); without ``given`` it computes 0 (not scored yet).
    附件2 六(一): “细化工作举措,完善考评细则” and 六(二) “客观公正考核评价”: a deduction says why."""
    maximum = indicator.points.get(profile)
    if maximum is None:
        raise ScoringError(f"指标“{indicator.name}”不适用于该类单位。")
    actual = None if actual is None else to_decimal(actual)
    share = effective_share(indicator.params, quarter_share)
    target = None if yearly_target is None else quarter_target(yearly_target, share)
    rate = completion(actual, target)
    method = indicator.method
    if method is Method.linear:
        points = linear_points(maximum, rate, indicator.params)
    elif method is Method.steps:
        points = step_points(maximum, rate, indicator.params)
    elif method is Method.count:
        points = count_points(maximum, actual, indicator.params)
    elif method is Method.rating:
        points = rating_points(maximum, average)
        actual = None if average is None else to_decimal(average)
    elif method is Method.manual and given is not None:
        points = manual_points(indicator.name, maximum, given, reason)
    else:
        points = ZERO
    return Computed(actual, target, rate, points, maximum)


@exact_arithmetic
def compute_group(indicator: Indicator, profiles: Mapping[UnitId, str], actuals: Mapping[UnitId, object],
                  yearly_targets: Mapping[UnitId, object], quarter_share=HUNDRED,
                  averages: Mapping[UnitId, object] | None = None) -> dict[UnitId, Computed]:
    """The indicator for every unit of one group (``profiles`` maps the group's units to their profile codes;
    units whose profile the indicator has no points for are left out). ``rank`` ranks within the units given."""
    units = [u for u, p in profiles.items() if p in indicator.points]
    if indicator.method is not Method.rank:
        return {u: compute_indicator(indicator, profiles[u], actual=actuals.get(u),
                                     yearly_target=yearly_targets.get(u), quarter_share=quarter_share,
                                     average=(averages or {}).get(u)) for u in units}
    rates, targets = {}, {}
    for u in units:
        target = yearly_targets.get(u)
        targets[u] = None if target is None else quarter_target(target, effective_share(indicator.params,
                                                                                        quarter_share))
        actual = actuals.get(u)
        rates[u] = completion(actual, targets[u])
    ranked = rank_points_by_rate(Decimal(1), rates, indicator.params)  # shares of 1 point, scaled below
    result = {}
    for u in units:
        rank, share = ranked[u]
        maximum = indicator.points[profiles[u]]
        actual = actuals.get(u)
        result[u] = Computed(None if actual is None else to_decimal(actual), targets[u], rates[u], maximum * share,
                             maximum, rank)
    return result


def check_indicators(indicators: Iterable[Indicator], maxima: Mapping[str, Decimal],
                     profile_labels: Mapping[str, str] | None = None) -> list[str]:
    """Why a 细则's indicators cannot be submitted: codes unique, parameters valid, and for every profile the
    component has (``maxima``: profile → the component's maximum) the points of its indicators add up to the
    maximum; points only for those profiles, each above 0.

    附件2 六(一): “各考评单位要明确各项指标年度发展目标,细化工作举措,完善考评细则,报市产业强市“千百十”工程工作
    领导小组审定后,统一行文下发。” The indicators share out the component's maximum of 四 (e.g. 市工信局 25 of a
    county's 100)."""
    indicators = list(indicators)
    labels = profile_labels or {}
    errors: list[str] = []
    if not indicators:
        return ["考评细则至少要有一项指标。"]
    seen: set[str] = set()
    for ind in indicators:
        if ind.code in seen:
            errors.append(f"指标代码“{ind.code}”重复。")
        seen.add(ind.code)
        for message in check_params(ind.method, ind.params):
            errors.append(f"“{ind.name}”：{message}")
        if ind.method is Method.tasks and ind.code != TASKS_CODE:
            errors.append(f"“{ind.name}”按交办事项计算，其代码应为“{TASKS_CODE}”。")
        if not ind.points:
            errors.append(f"“{ind.name}”没有给任何一类单位设分值。")
        for profile, value in ind.points.items():
            if profile not in maxima:
                errors.append(f"“{ind.name}”给“{labels.get(profile, profile)}”设了分值，但这类单位没有本项考评得分。")
            elif value <= ZERO:
                errors.append(f"“{ind.name}”对“{labels.get(profile, profile)}”的分值应大于0。")
    for profile, maximum in maxima.items():
        total = sum((ind.points[profile] for ind in indicators if profile in ind.points), ZERO)
        if total != to_decimal(maximum):
            errors.append(f"“{labels.get(profile, profile)}”各指标分值合计{decimal_text(total)}分，"
                          f"应等于本项满分{decimal_text(maximum)}分。")
    return errors


def missing_targets(indicators: Iterable[Indicator], unit_profiles: Mapping[UnitId, str],
                    targets: Mapping[tuple[str, UnitId], object]) -> list[tuple[Indicator, UnitId]]:
    """(indicator, unit) pairs whose method needs a yearly target that is missing, not a number or not above 0.

    附件2 六(一): “各考评单位要明确各项指标年度发展目标” — every assessed unit an indicator scores by completion
    has its yearly target."""
    missing = []
    for ind in indicators:
        if not ind.method.needs_target:
            continue
        for unit, profile in unit_profiles.items():
            if profile in ind.points:
                value = targets.get((ind.code, unit))
                try:
                    valid = value is not None and to_decimal(value) > ZERO
                except (ScoringError, TypeError):
                    valid = False
                if not valid:
                    missing.append((ind, unit))
    return missing
