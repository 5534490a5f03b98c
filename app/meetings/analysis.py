"""The month's analysis for the mayor's 月分析 (六、1 “市长每月进行分析讲评”).

`month_analysis(year, month, as_of)` returns plain JSON values (numbers, strings, ISO dates, lists and dicts),
so the record of a 月分析 can freeze it into `MeetingRecord.snapshot` and show it unchanged years later.

What is counted, over the tasks led by each unit (cancelled tasks are left out: a task has no cancellation
date, so a cancelled task cannot be placed in time):

- *assigned*: assigned from the month's first day up to the evaluation day;
- *completed*: completed (approved, by its completion date) in that span; *on time* when the completion date
  is not after the effective deadline, *late* otherwise;
- *overdue*: open on the evaluation day with a deadline before it — the red light of that day;
- *lights*: of the tasks open on the evaluation day (red, yellow, green, by the usual rule of
  `app.tasks.queries`) and of the tasks completed in the month (on time, late).

The evaluation day is the month's last day, or `as_of` when that is earlier (a month still running). A task
completed after the evaluation day counts as open on it. Deadlines are the effective ones of today, after any
extension approved since; the record freezes the analysis on the day it is logged.

The indicators section (`indicators`): each indicator of the ledger (every quantified target of the source) with
its actual as of the month, its target, the share reached, the share expected by the month and a light, by the
cockpit's rules (`app.ledger.indicators.indicator_status`); frozen into the record with the rest, so a figure
reported or corrected later does not change a signed-off analysis.

Everything comes from a few grouped aggregates — one over tasks by (lead unit, plan), one for the twelve-month
trend, one for the month's meetings, and the unit and plan names — so the number of queries does not depend on
the number of tasks, units or plans.
"""

from datetime import date, timedelta

import sqlalchemy as sa

from app.core.periods import month_bounds, month_key, shift_month
from app.extensions import db
from app.ledger.indicators import indicator_status
from app.meetings.compliance import compliance_counts, compliance_rate
from app.meetings.models import MeetingType
from app.org.models import Plan, Unit, UnitGroup
from app.tasks.models import Light, Task, TaskState
from app.tasks.queries import light_window

MEASURES = ("assigned", "completed", "completed_on_time", "completed_late", "overdue")
MEASURE_LABELS = {
    "assigned": "新交办", "completed": "办结", "completed_on_time": "按时办结", "completed_late": "逾期办结",
    "overdue": "逾期未办结",
}
LIGHTS = (Light.red, Light.yellow, Light.green, Light.done_on_time, Light.done_late)
TREND_MONTHS = 12
RED_UNITS_TOP = 10
NO_GROUP = "other", "其他单位"
NO_PLAN_LABEL = "其他来源（未关联计划举措）"


def _count(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _open_on(on: date):
    """Open on `on`, among the tasks that are not cancelled: not completed, or completed only after that day.
    (Written without the list of open states: a list compared on every row of every month costs twice as much.)"""
    return sa.or_(Task.state != TaskState.completed, Task.completed_on > on)


def _conditions(start: date, on: date, yellow_limit: date):
    completed = sa.and_(Task.state == TaskState.completed, Task.completed_on >= start, Task.completed_on <= on)
    open_on = _open_on(on)
    return {
        "assigned": Task.assigned_on >= start,  # the WHERE clause already keeps assigned_on <= on
        "completed": completed,
        "completed_on_time": sa.and_(completed, Task.completed_on <= Task.due_on),
        "completed_late": sa.and_(completed, Task.completed_on > Task.due_on),
        "overdue": sa.and_(open_on, Task.due_on < on),
        "yellow": sa.and_(open_on, Task.due_on >= on, Task.due_on <= yellow_limit),
        "green": sa.and_(open_on, Task.due_on > yellow_limit),
    }, sa.or_(Task.assigned_on >= start, completed, open_on)


def _empty():
    return dict.fromkeys(MEASURES, 0)


def _add(total, row):
    for name in MEASURES:
        total[name] += row[name]


def _rate(row):
    """The share of the month's completions that were on time, as text ("83.3%"); None without completions."""
    if not row["completed"]:
        return None
    return f"{row['completed_on_time'] * 100 / row['completed']:.1f}%"


def _finish(row):
    row["on_time_rate"] = _rate(row)
    return row


def _task_breakdown(start, on, window):
    conditions, relevant = _conditions(start, on, window.yellow_limit)
    columns = [_count(cond).label(name) for name, cond in conditions.items()]
    query = (sa.select(Task.lead_unit_id, Task.plan_id, *columns)
             .where(Task.state != TaskState.cancelled, Task.assigned_on <= on, relevant)
             .group_by(Task.lead_unit_id, Task.plan_id))
    return [row._asdict() for row in db.session.execute(query)]


def _bucket(column, days, first=None):
    """The index of the first of `days` (ascending) on or after the column's value; -1 before `first` (when
    given), len(days) after the last day or when NULL."""
    whens = ([(column < first, -1)] if first is not None else []) + [(column <= d, i) for i, d in enumerate(days)]
    return sa.case(*whens, else_=len(days))


NOT_COMPLETED = 99


def _trend(year, month, as_of):
    """Assigned, completed and overdue (on each month's evaluation day) for the twelve months ending with
    (year, month), in one grouped query.

    Each task is put in three buckets — the month of its assignment, the first evaluation day by which its
    deadline has passed, the month of its completion — and the tasks are counted per combination of buckets
    (a few hundred groups). A task is overdue on evaluation day i when it was assigned and past its deadline by
    then and not completed by then, i.e. for i from max(assigned, deadline) up to its completion bucket. One
    pass over the narrow covering index, instead of twelve sums of conditions on every row."""
    months = []
    for delta in range(-(TREND_MONTHS - 1), 1):
        y, m = shift_month(year, month, delta)
        start, end = month_bounds(y, m)
        months.append((y, m, start, min(end, as_of)))
    live = [(y, m, start, on) for y, m, start, on in months if on >= start]  # months that have begun
    n = len(live)
    assigned, completed, overdue = [0] * n, [0] * n, [0] * n
    if live:
        first, days = live[0][2], [on for _, _, _, on in live]
        assigned_bucket = _bucket(Task.assigned_on, days, first).label("a")
        deadline_bucket = _bucket(Task.due_on, [day - timedelta(days=1) for day in days]).label("d")
        completed_bucket = sa.case((Task.state != TaskState.completed, NOT_COMPLETED),
                                   else_=_bucket(Task.completed_on, days, first)).label("c")
        rows = db.session.execute(
            sa.select(assigned_bucket, deadline_bucket, completed_bucket, sa.func.count())
            .where(Task.state != TaskState.cancelled)
            .group_by(assigned_bucket, deadline_bucket, completed_bucket)).all()
        for a, d, c, count in rows:
            if 0 <= a < n:
                assigned[a] += count
            if c != NOT_COMPLETED and 0 <= c < n:
                completed[c] += count
            for i in range(max(a, d, 0), n if c == NOT_COMPLETED else min(c, n)):
                overdue[i] += count
    counts = {(y, m): (assigned[i], completed[i], overdue[i]) for i, (y, m, _, _) in enumerate(live)}
    return [{"key": month_key(y, m), "label": f"{m}月" if m != 1 else f"{y}年1月", "year": y, "month": m,
             **dict(zip(("assigned", "completed", "overdue"), counts.get((y, m), (0, 0, 0)), strict=True))}
            for y, m, _, _ in months]


COMPLIANCE_KEYS = ("expected", "recorded", "late", "missing", "pending", "logged")


def meeting_compliance(start: date, end: date, as_of: date):
    """The month's expected meetings by type as `app.meetings.compliance` counts them on `as_of`: expected,
    recorded (on time), late, missing (past due, no record), pending (not yet due), logged (= recorded + late),
    and the rate of logged records among those due, as text."""
    counts = compliance_counts(start, end, today=as_of)
    total = dict.fromkeys(COMPLIANCE_KEYS, 0)
    lines = []
    for kind in MeetingType:
        line = {key: int(counts[kind][key]) for key in COMPLIANCE_KEYS}
        for key in COMPLIANCE_KEYS:
            total[key] += line[key]
        lines.append(dict(line, type=kind.value, label=kind.label, rate=_percent(compliance_rate(line))))
    return {"start": start.isoformat(), "end": end.isoformat(), "by_type": lines,
            "total": dict(total, rate=_percent(compliance_rate(total)))}


def _percent(value):
    return None if value is None else f"{value:.1f}%"


def month_analysis(year: int, month: int, as_of: date) -> dict:
    """The analysis of the month (year, month) as it stands on `as_of`; see the module docstring."""
    start, end = month_bounds(year, month)
    on = min(end, as_of)
    previous = shift_month(year, month, -1)
    result = {
        "year": year, "month": month, "key": month_key(year, month), "label": f"{year}年{month}月",
        "start": start.isoformat(), "end": end.isoformat(), "as_of": as_of.isoformat(),
        "evaluated_on": on.isoformat(), "closed": as_of > end, "started": as_of >= start,
        "measure_labels": MEASURE_LABELS,
    }
    window = light_window(on)
    rows = _task_breakdown(start, on, window) if on >= start else []
    unit_ids = {r["lead_unit_id"] for r in rows}
    units = {u.id: u for u in db.session.execute(
        sa.select(Unit.id, Unit.name, Unit.short_name, Unit.group, Unit.sort_order)
        .where(Unit.id.in_(unit_ids))).all()} if unit_ids else {}
    plans = db.session.execute(sa.select(Plan.id, Plan.code, Plan.name, Plan.sort_order)
                               .order_by(Plan.sort_order, Plan.id)).all()

    totals, lights = _empty(), dict.fromkeys(("red", "yellow", "green"), 0)
    by_unit, by_group, by_plan = {}, {}, {}
    for row in rows:
        _add(totals, row)
        lights["yellow"] += row["yellow"]
        lights["green"] += row["green"]
        unit = units[row["lead_unit_id"]]
        _add(by_unit.setdefault(unit.id, _empty()), row)
        group = unit.group.value if unit.group is not None else NO_GROUP[0]
        _add(by_group.setdefault(group, _empty()), row)
        _add(by_plan.setdefault(row["plan_id"], _empty()), row)
    lights["red"] = totals["overdue"]
    light_counts = dict(lights, done_on_time=totals["completed_on_time"], done_late=totals["completed_late"])

    def group_of(unit):
        return (unit.group.value, unit.group.label) if unit.group is not None else NO_GROUP

    group_order = [g.value for g in UnitGroup] + [NO_GROUP[0]]
    group_labels = dict([(g.value, g.label) for g in UnitGroup] + [NO_GROUP])
    ordered_units = sorted(by_unit, key=lambda uid: (group_order.index(group_of(units[uid])[0]),
                                                     units[uid].sort_order, uid))
    result.update(
        provisional=window.provisional,
        totals=_finish(totals),
        lights=[{"light": light.value, "label": light.label, "count": light_counts[light.value]}
                for light in LIGHTS],
        open_on_evaluation_day=lights["red"] + lights["yellow"] + lights["green"],
        by_unit=[_finish(dict(by_unit[uid], unit_id=uid, name=units[uid].name, short_name=units[uid].short_name,
                              group=group_of(units[uid])[0], group_label=group_of(units[uid])[1]))
                 for uid in ordered_units],
        by_group=[_finish(dict(by_group.get(g, _empty()), group=g, label=group_labels[g]))
                  for g in group_order if g != NO_GROUP[0] or g in by_group],
        by_plan=[_finish(dict(by_plan.get(p.id, _empty()), plan_id=p.id, code=p.code, name=p.name,
                              label=f"{p.code} {p.name}")) for p in plans]
        + ([_finish(dict(by_plan[None], plan_id=None, code="—", name=NO_PLAN_LABEL, label=NO_PLAN_LABEL))]
           if None in by_plan else []),
    )
    red = sorted(((uid, counts["overdue"]) for uid, counts in by_unit.items() if counts["overdue"]),
                 key=lambda item: (-item[1], units[item[0]].sort_order, item[0]))[:RED_UNITS_TOP]
    result["red_units"] = [{"rank": index, "unit_id": uid, "name": units[uid].name,
                            "short_name": units[uid].short_name, "group_label": group_of(units[uid])[1],
                            "red": count, "assigned": by_unit[uid]["assigned"]}
                           for index, (uid, count) in enumerate(red, start=1)]
    # ties share a rank: the second of two units with 5 red tasks is not "below" the first
    for index, item in enumerate(result["red_units"]):
        if index and item["red"] == result["red_units"][index - 1]["red"]:
            item["rank"] = result["red_units"][index - 1]["rank"]

    trend = _trend(year, month, as_of)
    result["trend"] = trend
    before = trend[-2]
    result["previous"] = {"key": month_key(*previous), "label": f"{previous[0]}年{previous[1]}月",
                          "assigned": before["assigned"], "completed": before["completed"],
                          "overdue": before["overdue"]}
    result["change"] = {name: totals[name] - before[name] for name in ("assigned", "completed", "overdue")}
    result["compliance"] = meeting_compliance(start, end, as_of)
    result["indicators"] = indicator_status(year, month, on)
    return result
