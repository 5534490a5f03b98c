"""The pure assessment engine of annex 2 (附件2 湘潭市产业强市“千百十”工程考核评价办法).

Dataclasses in, ``Decimal`` out: no database, no Flask, no clock (dates are arguments). Every rule is a
function below whose docstring quotes the line of annex 2 it implements; ``RULE_INDEX`` lists them so the
pages can say which rule produced a number. The numbers of a year's rules are data (``RuleSet``), built by
``default_rules`` from the annex-2 defaults, checked by ``validate_rules`` and stored with
``rules_to_dict``/``rules_from_dict``.

The package's modules follow the order of the computation, each importing only those above it: ``base``
(ids, decimals, ``ScoringError``), ``codes`` (codes and labels), ``rules`` (rules as data), ``validation``
(``validate_rules``), ``entries`` (the quarterly total), ``finals`` (blends), ``ranking`` (ranks, last
place, ``assess_quarter``), ``annual`` (the year's results), ``office`` (the 千百十办 task component),
``storage`` (rules to and from JSON), ``criteria`` (考评细则: indicators and their scoring methods) and
``rule_index``. Callers import from ``app.scoring.engine``.

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

from app.scoring.engine.annual import (
    AnnualScore,
    GradeAssignment,
    UnitYear,
    YearResult,
    annual_score,
    assess_year,
    assign_grades,
    grade_points,
    grade_quotas,
    policy_deduction,
    province_first_scores,
    rank_points,
    select_awards,
)
from app.scoring.engine.base import (
    CENT,
    HUNDRED,
    ZERO,
    ComponentInput,
    ScoringError,
    TaskId,
    UnitId,
    decimal_text,
    quantize_score,
    to_decimal,
)
from app.scoring.engine.codes import (
    DEFAULT_BLEND_NAMES,
    DEFAULT_PROFILE_BY_NAME,
    DEFAULT_REPORT_NAMES,
    GRADED_GROUPS,
    PROFILE_CITY,
    PROFILE_COUNTY_A,
    PROFILE_PARK_A,
    PROFILE_PARK_B,
    PROFILE_SHAOSHAN,
    PROFILE_YUETANG,
    QUOTA_GRADES,
    RANKED_GROUPS,
    Assessor,
    Grade,
    Group,
    Priority,
    ReportTarget,
    TaskOutcome,
    assessor_label,
    default_profile,
)
from app.scoring.engine.criteria import (
    DEFAULT_QUARTER_SHARES,
    DEFAULT_RANK_SHARES,
    METHOD_LABELS,
    PROGRESS_CUMULATIVE,
    PROGRESS_LABELS,
    PROGRESS_LEVEL,
    TASKS_CODE,
    Computed,
    Indicator,
    Method,
    check_indicators,
    check_params,
    check_quarter_shares,
    completion,
    compute_group,
    compute_indicator,
    count_points,
    effective_share,
    linear_points,
    manual_points,
    missing_targets,
    normalize_params,
    params_text,
    progress_of,
    quarter_target,
    rank_points_by_rate,
    rating_points,
    step_points,
)
from app.scoring.engine.entries import (
    QuarterTotal,
    check_entry,
    quarter_total,
    sum_sub_items,
)
from app.scoring.engine.finals import (
    FinalScore,
    blend_finals,
)
from app.scoring.engine.office import (
    OfficeComponent,
    TaskFact,
    TaskLine,
    office_component,
    quarter_dates,
    task_credit,
)
from app.scoring.engine.ranking import (
    LastPlaced,
    QuarterResult,
    assess_quarter,
    competition_ranks,
    last_placed,
)
from app.scoring.engine.rule_index import (
    RULE_INDEX,
    RuleRef,
)
from app.scoring.engine.rules import (
    WEIGHTS_STANDARD,
    WEIGHTS_SUPPORT,
    Blend,
    ComponentRule,
    Profile,
    RuleSet,
    SubItem,
    TaskSettings,
    Unit,
    default_profiles,
    default_rules,
)
from app.scoring.engine.storage import (
    rules_from_dict,
    rules_to_dict,
)
from app.scoring.engine.validation import (
    validate_rules,
)

__all__ = [
    "CENT",
    "HUNDRED",
    "ZERO",
    "ComponentInput",
    "ScoringError",
    "TaskId",
    "UnitId",
    "decimal_text",
    "quantize_score",
    "to_decimal",
    "DEFAULT_BLEND_NAMES",
    "DEFAULT_PROFILE_BY_NAME",
    "DEFAULT_REPORT_NAMES",
    "GRADED_GROUPS",
    "PROFILE_CITY",
    "PROFILE_COUNTY_A",
    "PROFILE_PARK_A",
    "PROFILE_PARK_B",
    "PROFILE_SHAOSHAN",
    "PROFILE_YUETANG",
    "QUOTA_GRADES",
    "RANKED_GROUPS",
    "Assessor",
    "Grade",
    "Group",
    "Priority",
    "ReportTarget",
    "TaskOutcome",
    "assessor_label",
    "default_profile",
    "WEIGHTS_STANDARD",
    "WEIGHTS_SUPPORT",
    "Blend",
    "ComponentRule",
    "Profile",
    "RuleSet",
    "SubItem",
    "TaskSettings",
    "Unit",
    "default_profiles",
    "default_rules",
    "validate_rules",
    "DEFAULT_QUARTER_SHARES",
    "DEFAULT_RANK_SHARES",
    "METHOD_LABELS",
    "PROGRESS_CUMULATIVE",
    "PROGRESS_LABELS",
    "PROGRESS_LEVEL",
    "TASKS_CODE",
    "Computed",
    "Indicator",
    "Method",
    "check_indicators",
    "check_params",
    "check_quarter_shares",
    "completion",
    "compute_group",
    "compute_indicator",
    "count_points",
    "effective_share",
    "linear_points",
    "manual_points",
    "missing_targets",
    "normalize_params",
    "params_text",
    "progress_of",
    "quarter_target",
    "rank_points_by_rate",
    "rating_points",
    "step_points",
    "QuarterTotal",
    "check_entry",
    "quarter_total",
    "sum_sub_items",
    "FinalScore",
    "blend_finals",
    "LastPlaced",
    "QuarterResult",
    "assess_quarter",
    "competition_ranks",
    "last_placed",
    "AnnualScore",
    "GradeAssignment",
    "UnitYear",
    "YearResult",
    "annual_score",
    "assess_year",
    "assign_grades",
    "grade_points",
    "grade_quotas",
    "policy_deduction",
    "province_first_scores",
    "rank_points",
    "select_awards",
    "OfficeComponent",
    "TaskFact",
    "TaskLine",
    "office_component",
    "quarter_dates",
    "task_credit",
    "rules_from_dict",
    "rules_to_dict",
    "RULE_INDEX",
    "RuleRef",
]
