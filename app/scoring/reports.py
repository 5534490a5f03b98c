"""The quarter's and the year's results as JSON-ready reports (scores as two-place strings): inputs loaded in a
few aggregate queries (units, entries, task facts, rates, decisions) and handed to `app.scoring.engine`. A
finalized quarter's report is the frozen snapshot stored with it, so later changes to tasks or rules never
alter it silently; an open quarter's is computed live as of an evaluation date. Likewise the year: once the
leadership group has approved the annual results (app.scoring.approvals.finalize_year) `year_report` is the frozen
annual snapshot, which later changes to policy rates, the province-first flag, 不合格 decisions or rules never move.
"""

import dataclasses
from datetime import date
from decimal import Context, Decimal, localcontext

import sqlalchemy as sa

from app.core.errors import ServiceError
from app.extensions import db
from app.scoring import engine
from app.scoring.models import FailDecision, PolicyRate, ScoreEntry, ScoringQuarter, YearSetting
from app.scoring.quarters import check_period, quarter_state
from app.scoring.year_rules import TASK_ITEM, assessed_units, load_year_rules
from app.tasks.models import Task, TaskParty, TaskPriority, TaskState


def _entry_inputs(year, quarter, year_rules):
    """{unit_id: {assessor: value | {sub_item: value}}} from the entries, in one query."""
    return _inputs_from_rows(db.session.execute(
        sa.select(ScoreEntry.unit_id, ScoreEntry.assessor, ScoreEntry.sub_item, ScoreEntry.value)
        .where(ScoreEntry.year == year, ScoreEntry.quarter == quarter)), year_rules)


def _year_entry_inputs(year, year_rules):
    """{quarter: _entry_inputs(year, quarter)} for the whole year, in one query."""
    rows = {}
    for quarter, *row in db.session.execute(
            sa.select(ScoreEntry.quarter, ScoreEntry.unit_id, ScoreEntry.assessor, ScoreEntry.sub_item,
                      ScoreEntry.value).where(ScoreEntry.year == year)):
        rows.setdefault(quarter, []).append(row)
    return {quarter: _inputs_from_rows(quarter_rows, year_rules) for quarter, quarter_rows in rows.items()}


def _inputs_from_rows(rows, year_rules):
    inputs = {}
    for unit_id, assessor, sub_item, value in rows:
        if unit_id not in year_rules.unit_profiles:
            continue
        comp = year_rules.profile_of(unit_id).component(assessor)
        if comp is None:
            continue
        # An entry that no longer fits the rules (changed since it was entered) counts as missing, so the
        # assessor enters it again; handed to the engine it would make the whole quarter fail to compute.
        if sub_item:
            sub = next((s for s in comp.sub_items if s.code == sub_item), None)
            if sub is not None and value <= sub.maximum:
                inputs.setdefault(unit_id, {}).setdefault(assessor, {})[sub_item] = value
        elif not comp.sub_items and value <= comp.maximum:
            inputs.setdefault(unit_id, {})[assessor] = value
    return inputs


def task_facts(year, quarter, include_co_units=False, unit_ids=None):
    """{unit_id: [TaskFact]} for the tasks whose effective due date falls in the quarter (one query).

    A unit's tasks are those it leads (and, when the year's rules say so, those it is a co-unit of).
    Cancelled tasks do not count. The completion date is the task's `completed_on`, set from the approved
    completion request."""
    start, end = engine.quarter_dates(year, quarter)
    query = (sa.select(TaskParty.unit_id, Task.id, Task.priority, Task.due_on, Task.completed_on)
             .join(Task, Task.id == TaskParty.task_id)
             .where(Task.due_on.between(start, end), Task.state != TaskState.cancelled))
    if not include_co_units:
        query = query.where(TaskParty.is_lead.is_(True))
    if unit_ids is not None:
        query = query.where(TaskParty.unit_id.in_(unit_ids))
    facts = {}
    for unit_id, task_id, priority, due_on, completed_on in db.session.execute(query.order_by(Task.due_on, Task.id)):
        p = engine.Priority.key if priority is TaskPriority.key else engine.Priority.normal
        facts.setdefault(unit_id, []).append(engine.TaskFact(task_id, p, due_on, completed_on))
    return facts


def task_outcome_counts(year, evaluated_on: date, include_co_units=False):
    """{quarter: {unit_id: {(engine.Priority, engine.TaskOutcome): number of tasks}}} for the year, in ONE
    aggregate query: the tasks `task_facts` selects for each quarter (effective due date in it, not cancelled),
    counted by outcome as of `evaluated_on` exactly as `engine.task_credit` decides it (not completed by then,
    completed on or before the due date, or later). What the annual results need of 50,000 tasks: no row each."""
    start, end = engine.quarter_dates(year, 1)[0], engine.quarter_dates(year, 4)[1]
    quarter = sa.case(*((Task.due_on <= engine.quarter_dates(year, q)[1], q) for q in (1, 2, 3)), else_=4)
    outcome = sa.case((sa.or_(Task.completed_on.is_(None), Task.completed_on > evaluated_on),
                       str(engine.TaskOutcome.not_done)),
                      (Task.completed_on <= Task.due_on, str(engine.TaskOutcome.on_time)),
                      else_=str(engine.TaskOutcome.late))
    columns = (quarter.label("quarter"), Task.priority.label("priority"), outcome.label("outcome"))
    if include_co_units:
        facts = sa.select(TaskParty.unit_id.label("unit_id"), *columns).join(Task, Task.id == TaskParty.task_id)
    else:  # the lead party's unit is the task's lead_unit_id (assign_task writes both): no join needed
        facts = sa.select(Task.lead_unit_id.label("unit_id"), *columns)
    facts = facts.where(Task.due_on.between(start, end), Task.state != TaskState.cancelled).subquery()
    counts = {}
    for unit_id, q, priority, result, n in db.session.execute(
            sa.select(facts.c.unit_id, facts.c.quarter, facts.c.priority, facts.c.outcome, sa.func.count())
            .group_by(facts.c.unit_id, facts.c.quarter, facts.c.priority, facts.c.outcome)):
        p = engine.Priority.key if priority is TaskPriority.key else engine.Priority.normal
        key = (p, engine.TaskOutcome(result))
        by_unit = counts.setdefault(int(q), {}).setdefault(unit_id, {})
        by_unit[key] = by_unit.get(key, 0) + n
    return counts


def _office_value(counts, settings: engine.TaskSettings, maximum):
    """The two-place value `engine.office_component(...).value` gives for tasks counted by (priority, outcome):
    max × Σ(w·c) / Σw, or max with no task. Exact sums, so the same Decimal whatever the order."""
    credits = {engine.TaskOutcome.on_time: Decimal(1), engine.TaskOutcome.late: engine.to_decimal(settings.late_credit),
               engine.TaskOutcome.not_done: Decimal(0)}  # engine.task_credit
    with localcontext(Context(prec=28)):  # the engine's context
        weight_total = earned = Decimal(0)
        for (priority, outcome), n in counts.items():
            weight = engine.to_decimal(settings.weights[priority])
            weight_total += weight * n
            earned += weight * credits[outcome] * n
        if not counts:
            return engine.quantize_score(engine.to_decimal(maximum))
        return engine.quantize_score(engine.to_decimal(maximum) * earned / weight_total)


def _year_quarter_finals(year, evaluated_on, year_rules, units):
    """What `year_report` reads of `year_quarter_reports` — each quarter's status and its units' final and
    completeness — in a constant number of queries: the finalized quarters' snapshots, and the open ones computed
    like `compute_quarter` from the year's entries (one query) and task outcome counts (one aggregate query)."""
    states = {s.quarter: s for s in db.session.scalars(sa.select(ScoringQuarter).where(ScoringQuarter.year == year))}
    started = [q for q in (1, 2, 3, 4) if engine.quarter_dates(year, q)[0] <= evaluated_on]
    quarters = {q: None for q in (1, 2, 3, 4)}
    live = []
    for q in started:
        state = states.get(q)
        if state is not None and state.is_finalized and state.snapshot:
            quarters[q] = dict(state.snapshot, status="finalized")
        else:
            live.append(q)
    if not live:
        return quarters
    engine_units = year_rules.engine_units(units)
    entries = _year_entry_inputs(year, year_rules)
    counts = task_outcome_counts(year, evaluated_on, year_rules.rules.tasks.include_co_units)
    for q in live:
        inputs = entries.get(q, {})
        tasks = counts.get(q, {})
        for unit in units:  # the office component as compute_quarter stores it
            comp = year_rules.profile_of(unit.id).component("office")
            if comp is None:
                continue
            if comp.sub_items:
                sub = next((s for s in comp.sub_items if s.code == TASK_ITEM), None)
                if sub is not None:
                    inputs.setdefault(unit.id, {}).setdefault("office", {})[TASK_ITEM] = _office_value(
                        tasks.get(unit.id, {}), year_rules.rules.tasks, sub.maximum)
            else:
                inputs.setdefault(unit.id, {})["office"] = _office_value(tasks.get(unit.id, {}),
                                                                         year_rules.rules.tasks, comp.maximum)
        result = engine.assess_quarter(year_rules.rules, engine_units, inputs)
        quarters[q] = {"status": "open", "units": [
            {"unit_id": unit.id, "final": _d(result.finals[unit.id].exact), "complete": result.totals[unit.id].complete}
            for unit in units]}
    return quarters


def _d(value):
    return None if value is None else str(engine.quantize_score(Decimal(value)))


def compute_quarter(year, quarter, evaluated_on: date, year_rules=None):
    """The quarter as of `evaluated_on`, computed live: a JSON-ready report (see `quarter_report`)."""
    year, quarter = check_period(year, quarter)
    year_rules = year_rules or load_year_rules(year)
    units = [u for u in assessed_units() if u.id in year_rules.unit_profiles]
    engine_units = year_rules.engine_units(units)
    inputs = _entry_inputs(year, quarter, year_rules)
    facts = task_facts(year, quarter, year_rules.rules.tasks.include_co_units)
    office = {}
    for unit in units:
        comp = year_rules.profile_of(unit.id).component("office")
        if comp is None:
            continue
        if comp.sub_items:
            sub = next((s for s in comp.sub_items if s.code == TASK_ITEM), None)
            if sub is None:
                continue
            result = engine.office_component(facts.get(unit.id, ()), year_rules.rules.tasks, evaluated_on,
                                             sub.maximum)
            inputs.setdefault(unit.id, {}).setdefault("office", {})[TASK_ITEM] = result.value
        else:
            result = engine.office_component(facts.get(unit.id, ()), year_rules.rules.tasks, evaluated_on,
                                             comp.maximum)
            inputs.setdefault(unit.id, {})["office"] = result.value  # stored two-place, like an entry
        office[unit.id] = result
    result = engine.assess_quarter(year_rules.rules, engine_units, inputs)
    rows = []
    for unit in units:
        total = result.totals[unit.id]
        final = result.finals[unit.id]
        profile = year_rules.profile_of(unit.id)
        comp_office = office.get(unit.id)
        rows.append({
            "unit_id": unit.id, "name": unit.name, "short_name": unit.short_name, "group": unit.group.value,
            "profile": profile.code,
            "components": {str(a): _d(v) for a, v in total.components.items()},
            "maxima": {str(c.assessor): _d(c.maximum) for c in profile.components},
            "missing": list(total.missing), "complete": total.complete,
            "total": _d(total.exact), "final": _d(final.exact),
            "blended_from": final.blended_from, "source_score": _d(final.source_score),
            "rank": result.ranks[unit.id],
            "office": _office_json(comp_office) if comp_office else None,
        })
    return {
        "year": year, "quarter": quarter, "evaluated_on": evaluated_on.isoformat(),
        "rule_set_id": year_rules.version.id if year_rules.version else None,
        "rule_version": year_rules.version.version if year_rules.version else None,
        "complete": result.complete,
        "units": rows,
        "last_placed": [{"groups": [str(g) for g in lp.groups], "unit_ids": list(lp.unit_ids),
                         "score": _d(lp.score)} for lp in result.last_placed],
    }


def _office_json(component):
    return {
        "value": _d(component.exact), "maximum": _d(component.maximum), "has_tasks": component.has_tasks,
        "weight_total": str(component.weight_total), "earned": str(component.earned),
        "lines": [{"task_id": line.task_id, "priority": str(line.priority), "due_on": line.due_on.isoformat(),
                   "completed_on": line.completed_on.isoformat() if line.completed_on else None,
                   "outcome": str(line.outcome), "weight": str(line.weight), "credit": str(line.credit),
                   "contribution": str(engine.quantize_score(line.contribution))} for line in component.lines],
    }


def quarter_report(year, quarter, evaluated_on: date):
    """The quarter's report: the frozen snapshot when finalized, else computed live as of `evaluated_on`."""
    year, quarter = check_period(year, quarter)
    state = quarter_state(year, quarter)
    if state is not None and state.is_finalized and state.snapshot:
        return dict(state.snapshot, status="finalized")
    report = compute_quarter(year, quarter, evaluated_on)
    report["status"] = "open"
    return report


def year_quarter_reports(year, evaluated_on: date):
    """{1..4: quarter_report, or None for a quarter that starts after `evaluated_on`}."""
    return {q: None if engine.quarter_dates(year, q)[0] > evaluated_on else quarter_report(year, q, evaluated_on)
            for q in (1, 2, 3, 4)}


def frozen_year_report(year):
    """The year's frozen annual report (status "frozen"), or None while the year is not approved. JSON turned the
    quarters' keys into strings; they are integers again here, as in the live report."""
    setting = db.session.get(YearSetting, year)
    if setting is None or setting.annual_finalized_at is None or not setting.annual_snapshot:
        return None
    report = dict(setting.annual_snapshot, status="frozen")
    report["quarter_status"] = {int(q): status for q, status in report["quarter_status"].items()}
    return report


def year_report(year, evaluated_on: date, quarters=None, live=False):
    """The annual results. A frozen year (approved by the leadership group) is its snapshot, whatever changed
    since; else finalized quarters from their snapshots, open ones computed live (and marked). `live` computes
    even a frozen year afresh (what freezing stores). `quarters` may pass the `year_quarter_reports` a page has
    already computed, so they are not computed twice."""
    if not live:
        frozen = frozen_year_report(year)
        if frozen is not None:
            return frozen
    year_rules = load_year_rules(year)
    units = [u for u in assessed_units() if u.id in year_rules.unit_profiles]
    if quarters is None:  # the same figures as year_quarter_reports, from aggregates (no line per task)
        quarters = _year_quarter_finals(year, evaluated_on, year_rules, units)
    finals, complete = {}, {}
    rows_by_quarter = {q: {r["unit_id"]: r for r in rep["units"]} if rep else {} for q, rep in quarters.items()}
    for unit in units:
        series = [rows_by_quarter[q].get(unit.id) for q in (1, 2, 3, 4)]
        finals[unit.id] = [Decimal(row["final"]) if row else None for row in series]
        complete[unit.id] = all(row is not None and row["complete"] for row in series)
    rates = {unit_id: rate for unit_id, rate in db.session.execute(
        sa.select(PolicyRate.unit_id, PolicyRate.rate).where(PolicyRate.year == year))}
    failed = set(db.session.scalars(sa.select(FailDecision.unit_id).where(FailDecision.year == year)))
    setting = db.session.get(YearSetting, year)
    province_first = bool(setting and setting.province_first)
    # While quarters are still to come, the annual score counts them as 0: applying the 不合格 threshold to
    # such a partial score would grade every 市直 unit 不合格, so it waits until the fourth quarter has begun.
    in_progress = any(rep is None for rep in quarters.values())
    rules = dataclasses.replace(year_rules.rules, fail_threshold=Decimal(0)) if in_progress else year_rules.rules
    result = engine.assess_year(rules, year_rules.engine_units(units), finals,
                                province_first=province_first,
                                policy_rates={k: v for k, v in rates.items() if k in {u.id for u in units}},
                                failed_decisions=failed & {u.id for u in units})
    rows = []
    for unit in units:
        r = result.units[unit.id]
        rows.append({
            "unit_id": unit.id, "name": unit.name, "short_name": unit.short_name, "group": unit.group.value,
            "quarters": [_d(v) for v in finals[unit.id]], "annual": _d(r.annual.exact),
            "assessed_score": _d(r.assessed_score), "score": _d(r.score), "overridden": r.overridden,
            "rank": r.rank, "points": _d(r.points), "base_points": _d(r.base_points),
            "deduction": _d(r.deduction) if r.deduction else None,
            "policy_rate": str(r.policy_rate) if r.policy_rate is not None else None,
            "grade": str(r.grade) if r.grade else None, "grade_label": r.grade.label if r.grade else None,
            "awarded": r.awarded, "report_to": str(r.report_to) if r.report_to else None,
            "report_label": r.report_to.label if r.report_to else None,
            "complete": complete[unit.id],
        })
    return {
        "year": year, "evaluated_on": evaluated_on.isoformat(), "province_first": province_first, "status": "open",
        "quarter_status": {q: (rep["status"] if rep else "future") for q, rep in quarters.items()},
        "in_progress": in_progress,
        "units": rows,
        "quotas": {str(g): list(v) for g, v in result.quotas.items()},
        "complete": result.complete and all(rep and rep["status"] == "finalized" for rep in quarters.values()),
        "rule_version": year_rules.version.version if year_rules.version else None,
        "rule_set_id": year_rules.version.id if year_rules.version else None,
    }


# --- rank movement against the previous quarter -----------------------------------------------------------

def previous_quarter(year, quarter):
    """The quarter before: Q1 looks back to the previous year's Q4."""
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def previous_quarter_report(year, quarter, evaluated_on: date):
    """The report the quarter's ranks are compared with: the previous quarter's frozen snapshot when it was
    finalized, else its live ranks when any score was entered for it (as of its last day, or `evaluated_on` if
    earlier); None when there is nothing to compare with (a quarter not yet begun on `evaluated_on`, no such year,
    or a previous quarter nobody scored). A constant number of statements, whatever the number of units."""
    if engine.quarter_dates(year, quarter)[0] > evaluated_on:
        return None  # nothing ranked yet: every unit would tie and seem to move
    year, quarter = previous_quarter(year, quarter)
    try:
        check_period(year, quarter)
    except ServiceError:
        return None
    state = quarter_state(year, quarter)
    if state is not None and state.is_finalized and state.snapshot:
        return dict(state.snapshot, status="finalized")
    entered = db.session.scalar(sa.select(sa.func.count()).select_from(ScoreEntry).where(
        ScoreEntry.year == year, ScoreEntry.quarter == quarter))
    if not entered:
        return None
    last_day = engine.quarter_dates(year, quarter)[1]
    report = compute_quarter(year, quarter, min(last_day, evaluated_on))
    report["status"] = "open"
    return report


MOVEMENT_NEW = {"kind": "new", "delta": None, "text": "新", "label": "上季度未参加本组排名"}


def rank_movements(report, previous) -> dict:
    """{unit_id: movement} of the quarter's ranks against `previous` (a report, or None: then {}). Ranks are within
    a group, so a unit compares with its own rank in the same group last quarter; a unit that was not ranked in that
    group is "新". Each movement: kind (up / down / same / new), delta (places gained, negative when lost), the
    short text shown ("↑2", "↓1", "—", "新") and the words a screen reader says ("较上季度上升 2 位")."""
    if previous is None:
        return {}
    before = {row["unit_id"]: (row["group"], row["rank"]) for row in previous["units"]}
    out = {}
    for row in report["units"]:
        group, rank = before.get(row["unit_id"], (None, None))
        if group != row["group"] or rank is None:
            out[row["unit_id"]] = dict(MOVEMENT_NEW)
            continue
        delta = rank - row["rank"]
        if delta > 0:
            out[row["unit_id"]] = {"kind": "up", "delta": delta, "text": f"↑{delta}",
                                   "label": f"较上季度上升 {delta} 位"}
        elif delta < 0:
            out[row["unit_id"]] = {"kind": "down", "delta": delta, "text": f"↓{-delta}",
                                   "label": f"较上季度下降 {-delta} 位"}
        else:
            out[row["unit_id"]] = {"kind": "same", "delta": 0, "text": "—", "label": "与上季度名次相同"}
    return out
