"""Storage of rules: a ``RuleSet`` to and from a JSON-ready dict."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.scoring.engine.codes import Assessor, Grade, Group, Priority, ReportTarget
from app.scoring.engine.rules import Blend, ComponentRule, Profile, RuleSet, SubItem, TaskSettings


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
