"""The 千百十办 component from assigned tasks (附件2 三(一)8, 三(二)1; DOMAIN.md §4)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.scoring.engine.base import ZERO, ScoringError, TaskId, exact_arithmetic, quantize_score, to_decimal
from app.scoring.engine.codes import Priority, TaskOutcome
from app.scoring.engine.rules import TaskSettings


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


@exact_arithmetic
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
