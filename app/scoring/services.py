"""The assessment around the pure engine: yearly rules as stored data, entry by assessors, the 千百十办
component from assigned tasks, quarter lifecycle (open → complete → finalized → reopened with a reason),
and annual results.

Inputs are loaded in a few aggregate queries (units, entries, task facts, rates, decisions), handed to
`app.scoring.engine`, and turned into plain JSON-ready reports. A finalized quarter's report is the frozen
snapshot stored with it, so later changes to tasks or rules never alter it silently.
"""

import dataclasses
import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Context, Decimal, InvalidOperation, localcontext

import sqlalchemy as sa

from app.auth.models import Role
from app.core.audit import record_change
from app.core.clock import utcnow
from app.core.errors import Conflict, PermissionDenied, ServiceError
from app.core.text import multi_line, one_line
from app.extensions import db
from app.org.models import Unit
from app.scoring import engine
from app.scoring.models import (
    FailDecision,
    PolicyRate,
    QuarterReopening,
    QuarterStatus,
    RuleSetVersion,
    ScoreEntry,
    ScoringQuarter,
    YearSetting,
)
from app.tasks.models import Task, TaskParty, TaskPriority, TaskState

log = logging.getLogger(__name__)
REASON_TEXT_MAX = 2000  # reasons for reopening a quarter and for the leadership group's 不合格 decisions

# The assessing units of annex 2 三, by component code.
ASSESSOR_UNIT_NAMES = {
    "miit": "市工信局", "ndrc": "市发改委", "most": "市科技局", "commerce": "市商务局", "samr": "市市场监管局",
    "finance": "市经研金融办", "culture": "市文旅广体局", "office": "市产业强市“千百十”工程办",
}
TASK_ITEM = "tasks"  # the office sub-item computed from assigned tasks, when the office component has sub-items
TWO_PLACES = Decimal("0.01")


# --- rules ------------------------------------------------------------------------------------------------

@dataclass
class YearRules:
    """A year's rules as the services use them: the engine's RuleSet plus the app's unit data."""

    year: int
    version: RuleSetVersion | None
    rules: engine.RuleSet
    unit_profiles: dict  # unit id -> profile code
    assessor_units: dict  # assessor code -> unit id
    sub_item_assessors: dict = field(default_factory=dict)  # "assessor.sub_item" -> unit id (e.g. 行政审批局)

    @property
    def saved(self):
        return self.version is not None

    def engine_units(self, units):
        return [engine.Unit(u.id, u.name, u.group.value, self.unit_profiles[u.id]) for u in units
                if u.id in self.unit_profiles]

    def profile_of(self, unit_id):
        return self.rules.profiles[self.unit_profiles[unit_id]]

    def entry_cells(self, unit_id):
        """[(assessor, sub_item or '', maximum, computed)] of a unit's quarter, in table order."""
        cells = []
        for comp in self.profile_of(unit_id).components:
            if comp.sub_items:
                for sub in comp.sub_items:
                    computed = comp.assessor == "office" and sub.code == TASK_ITEM
                    cells.append((str(comp.assessor), sub.code, sub.maximum, computed))
            else:
                cells.append((str(comp.assessor), "", comp.maximum, comp.assessor == "office"))
        return cells

    def enterer_of(self, assessor, sub_item):
        """The unit that enters a cell: a sub-item's own assessor unit, else the component's."""
        if sub_item and f"{assessor}.{sub_item}" in self.sub_item_assessors:
            return self.sub_item_assessors[f"{assessor}.{sub_item}"]
        return self.assessor_units.get(assessor)

    def to_data(self):
        return {
            "rules": engine.rules_to_dict(self.rules),
            "unit_profiles": {str(k): v for k, v in self.unit_profiles.items()},
            "assessor_units": dict(self.assessor_units),
            "sub_item_assessors": dict(self.sub_item_assessors),
        }


def assessed_units():
    return db.session.scalars(sa.select(Unit).where(Unit.group.isnot(None)).order_by(Unit.sort_order)).all()


def default_rule_data(units=None):
    """The annex-2 defaults for the seeded units: component table by unit, blends, report flags."""
    units = units if units is not None else assessed_units()
    engine_units = [engine.Unit(u.id, u.name, u.group.value, engine.default_profile(u.name, u.group.value))
                    for u in units]
    rules = engine.default_rules(engine_units)
    names = {u.name: u.id for u in db.session.scalars(sa.select(Unit))}
    return {
        "rules": engine.rules_to_dict(rules),
        "unit_profiles": {str(u.id): u.profile for u in engine_units},
        "assessor_units": {code: names[name] for code, name in ASSESSOR_UNIT_NAMES.items() if name in names},
        "sub_item_assessors": {},
    }


def _from_data(year, version, data):
    return YearRules(
        year=year, version=version, rules=engine.rules_from_dict(data["rules"]),
        unit_profiles={int(k): v for k, v in data["unit_profiles"].items()},
        assessor_units=dict(data.get("assessor_units", {})),
        sub_item_assessors=dict(data.get("sub_item_assessors", {})),
    )


def current_version(year):
    return db.session.scalar(sa.select(RuleSetVersion).where(RuleSetVersion.year == year)
                             .order_by(RuleSetVersion.version.desc()).limit(1))


def load_year_rules(year) -> YearRules:
    """The year's current rules; if none are saved yet, those a new year would start with (the previous
    year's, else the annex-2 defaults) — shown, but not saved until the office creates the year."""
    version = current_version(year)
    if version is not None:
        return _from_data(year, version, version.data)
    previous = db.session.scalar(sa.select(RuleSetVersion).where(RuleSetVersion.year < year)
                                 .order_by(RuleSetVersion.year.desc(), RuleSetVersion.version.desc()).limit(1))
    return _from_data(year, None, previous.data if previous else default_rule_data())


def validate_rule_data(data, units=None):
    """Chinese messages for everything wrong with a rule set's data; [] when it can be saved."""
    try:
        candidate = _from_data(0, None, data)
    except (KeyError, ValueError, TypeError, AttributeError, InvalidOperation, engine.ScoringError) as error:
        return [f"考评规则格式不正确：{error}"]
    units = units if units is not None else assessed_units()
    errors = engine.validate_rules(candidate.rules, candidate.engine_units(units))
    missing = [u.name for u in units if u.id not in candidate.unit_profiles]
    if missing:
        errors.append(f"以下单位没有指定季度得分构成：{'、'.join(missing[:5])}。")
    for key, unit_id in {**candidate.assessor_units, **candidate.sub_item_assessors}.items():
        if db.session.get(Unit, unit_id) is None:
            errors.append(f"考评单位“{key}”指向不存在的单位。")
    return errors


def save_rules(actor, year, data, note=None):
    """Save a new version of the year's rules; refuses a set that does not add up (nothing written)."""
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以修改考评规则。")
    if not 2000 <= int(year) <= 2100:
        raise ServiceError("年份应在 2000 到 2100 之间。", field="year")
    errors = validate_rule_data(data)
    if errors:
        raise ServiceError("考评规则未保存：" + "；".join(errors), field="rules")
    if _finalized_quarters(year):
        raise ServiceError(f"{year} 年已有审定的季度，修改规则前请先按程序重新打开相关季度。", code="finalized",
                           status=409)
    previous = current_version(year)
    version = RuleSetVersion(year=year, version=(previous.version + 1) if previous else 1, data=data,
                             note=note or None, created_by_id=actor.id)
    db.session.add(version)
    db.session.flush()
    record_change(actor, "rules.save", version, None, {"year": year, "version": version.version, "note": note})
    return version


def ensure_year_rules(actor, year):
    """Start a year: copy the previous year's current rules (or the defaults) as version 1."""
    if current_version(year) is not None:
        return current_version(year)
    return save_rules(actor, year, load_year_rules(year).to_data(), note="由上一年度规则复制" if
                      db.session.scalar(sa.select(RuleSetVersion.id).where(RuleSetVersion.year < year).limit(1))
                      else "按考核评价办法（附件2）默认规则建立")


def _finalized_quarters(year):
    return db.session.scalars(sa.select(ScoringQuarter.quarter).where(
        ScoringQuarter.year == year, ScoringQuarter.status == QuarterStatus.finalized)).all()


# --- quarters ---------------------------------------------------------------------------------------------

def check_period(year, quarter):
    try:
        year, quarter = int(year), int(quarter)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float (found by tests/fuzz)
        raise ServiceError("年份和季度必须是整数。") from None
    if not 2000 <= year <= 2100 or quarter not in (1, 2, 3, 4):
        raise ServiceError("年份应在 2000 到 2100 之间，季度应为 1 到 4。")
    return year, quarter


def quarter_state(year, quarter, lock=False):
    query = sa.select(ScoringQuarter).where(ScoringQuarter.year == year, ScoringQuarter.quarter == quarter)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def _require_open(year, quarter):
    state = quarter_state(year, quarter)
    if state is not None and state.is_finalized:
        raise ServiceError(f"{year}年第{quarter}季度已审定，不能再修改得分；如需更正，请由千百十办说明理由后重新打开。",
                           code="finalized", status=409)


def parse_score(raw, label):
    """A score from user input: a number with at most two decimals, or a Chinese error."""
    text = str(raw).strip() if raw is not None else ""
    if not text:
        raise ServiceError(f"{label}：请填写得分。")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ServiceError(f"{label}：“{text[:20]}”不是数字。") from None
    if not value.is_finite():
        raise ServiceError(f"{label}：“{text[:20]}”不是有效数字。")
    if value < 0:
        raise ServiceError(f"{label}：得分不能为负数。")
    try:
        rounded = value.quantize(TWO_PLACES)
    except InvalidOperation:  # too many digits for the context (e.g. 1e30): no score is that large
        raise ServiceError(f"{label}：“{text[:20]}”超出了得分的范围。") from None
    if value != rounded:
        raise ServiceError(f"{label}：得分最多保留两位小数（录入的是 {text[:20]}）。")
    return abs(rounded)  # "-0" is stored as 0.00


@dataclass
class EntryItem:
    unit_id: int
    assessor: str
    sub_item: str
    value: object  # raw input (str, Decimal, number)
    note: str | None = None


def cells_for_enterer(year_rules: YearRules, enterer_unit_id, units):
    """The (unit, assessor, sub_item, maximum) cells a unit enters for the quarter (computed ones excluded)."""
    cells = []
    for unit in units:
        if unit.id not in year_rules.unit_profiles:
            continue
        for assessor, sub_item, maximum, computed in year_rules.entry_cells(unit.id):
            if not computed and year_rules.enterer_of(assessor, sub_item) == enterer_unit_id:
                cells.append((unit, assessor, sub_item, maximum))
    return cells


def entered_by_quarter(year, cells):
    """{quarter: how many of `cells` ((unit id, assessor, sub_item) triples) have a score} for a year (one query)."""
    if not cells:
        return {}
    entered = {}
    for quarter, unit_id, assessor, sub_item in db.session.execute(
            sa.select(ScoreEntry.quarter, ScoreEntry.unit_id, ScoreEntry.assessor, ScoreEntry.sub_item)
            .where(ScoreEntry.year == year, ScoreEntry.assessor.in_({a for _, a, _ in cells}))):
        if (unit_id, assessor, sub_item) in cells:
            entered[quarter] = entered.get(quarter, 0) + 1
    return entered


def enter_scores(actor, year, quarter, items: list[EntryItem]):
    """Enter or change scores, all or nothing. The actor's unit must be the cell's assessor; a value must lie
    in 0..max with two decimals at most; less than full marks needs a note. Returns the number changed."""
    year, quarter = check_period(year, quarter)
    if actor.role not in (Role.staff, Role.admin) or actor.unit_id is None:
        raise PermissionDenied("只有考评单位的工作人员可以录入得分。")
    _require_open(year, quarter)
    year_rules = load_year_rules(year)
    units = {u.id: u for u in assessed_units()}
    existing = {(e.unit_id, e.assessor, e.sub_item): e for e in db.session.scalars(
        sa.select(ScoreEntry).where(ScoreEntry.year == year, ScoreEntry.quarter == quarter))}
    errors, accepted, seen = [], [], set()
    for item in items:
        unit = units.get(item.unit_id)
        if unit is None or item.unit_id not in year_rules.unit_profiles:
            errors.append("得分对应的单位不是考评对象。")
            continue
        cells = {(a, s): (m, c) for a, s, m, c in year_rules.entry_cells(unit.id)}
        assessor_label = _assessor_label(item.assessor)
        key = (item.assessor, item.sub_item or "")
        if key not in cells:
            errors.append(f"{unit.name}的季度得分不含“{assessor_label}{('·' + item.sub_item) if item.sub_item else ''}”"
                          "这一项，不能录入。")
            continue
        if (unit.id, *key) in seen:  # two values for one cell would violate the unique constraint
            errors.append(f"{unit.name}的“{assessor_label}{('·' + item.sub_item) if item.sub_item else ''}”"
                          "在本次提交中出现了不止一次。")
            continue
        seen.add((unit.id, *key))
        maximum, computed = cells[key]
        if computed:
            errors.append(f"{unit.name}的千百十办交办事项得分由系统按交办事项办结情况计算，不能手工录入。")
            continue
        if year_rules.enterer_of(*key) != actor.unit_id:
            errors.append(f"您所在单位不负责{unit.name}的“{assessor_label}”考评，不能录入。")
            continue
        label = f"{unit.short_name}·{assessor_label}{('·' + item.sub_item) if item.sub_item else ''}"
        try:
            value = parse_score(item.value, label)
        except ServiceError as error:
            errors.append(error.message)
            continue
        if value > maximum:
            errors.append(f"{label}：得分不能超过满分 {engine.quantize_score(maximum)} 分（录入的是 {value}）。")
            continue
        note = (item.note or "").strip() or None
        if note and len(note) > 1000:
            errors.append(f"{label}：扣分说明不能超过 1000 个字符。")
            continue
        if value < maximum and not note:
            errors.append(f"{label}：未给满分（{value}/{engine.quantize_score(maximum)}），请填写扣分说明。")
            continue
        accepted.append((unit, item, key, value, note))
    if errors:
        raise ServiceError("得分未保存：" + "；".join(errors[:20]) + ("……" if len(errors) > 20 else ""),
                           field="scores")
    changed = []
    for unit, _item, key, value, note in accepted:
        entry = existing.get((unit.id, *key))
        before = {"value": str(entry.value), "note": entry.note} if entry else None
        if entry is None:
            entry = ScoreEntry(year=year, quarter=quarter, unit_id=unit.id, assessor=key[0], sub_item=key[1],
                               value=value, note=note, entered_by_id=actor.id)
            db.session.add(entry)
        elif entry.value == value and entry.note == note:
            continue
        else:
            entry.value, entry.note, entry.entered_by_id = value, note, actor.id
        changed.append((entry, before, unit.id, key, value, note))
    # One flush for the whole grid (a multi-row INSERT), not one per cell; the audit entries need the ids.
    db.session.flush()
    for entry, before, unit_id, key, value, note in changed:
        record_change(actor, "score.enter", entry, before, {"value": str(value), "note": note, "year": year,
                                                            "quarter": quarter, "unit_id": unit_id,
                                                            "assessor": key[0], "sub_item": key[1]})
    return len(changed)


def _assessor_label(code):
    try:
        return engine.Assessor(code).label
    except ValueError:
        return code


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


def finalize_quarter(actor, year, quarter, evaluated_on: date):
    """审定: only complete quarters; stores the snapshot (inputs, rules version, results)."""
    year, quarter = check_period(year, quarter)
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以审定季度考评结果。")
    state = quarter_state(year, quarter, lock=True)
    if state is not None and state.is_finalized:
        raise Conflict(f"{year}年第{quarter}季度已经审定。")
    year_rules = load_year_rules(year)
    if year_rules.version is None:
        raise ServiceError(f"{year} 年度的考评规则尚未建立，请先在“考评规则”中建立本年度规则。", code="no_rules")
    report = compute_quarter(year, quarter, evaluated_on, year_rules)
    if not report["complete"]:
        missing = [r["short_name"] for r in report["units"] if not r["complete"]]
        raise ServiceError(f"还有 {len(missing)} 个单位的得分未录入完整（如：{'、'.join(missing[:8])}），不能审定。",
                           code="incomplete")
    report["entries"] = [
        {"unit_id": e.unit_id, "assessor": e.assessor, "sub_item": e.sub_item, "value": str(e.value), "note": e.note}
        for e in db.session.scalars(sa.select(ScoreEntry).where(ScoreEntry.year == year,
                                                                ScoreEntry.quarter == quarter))]
    if state is None:
        state = ScoringQuarter(year=year, quarter=quarter)
        db.session.add(state)
    state.status = QuarterStatus.finalized
    state.finalized_at, state.finalized_by_id = utcnow(), actor.id
    state.evaluated_on, state.rule_set_id = evaluated_on, year_rules.version.id
    state.snapshot = dict(report, finalized_at=state.finalized_at.isoformat())
    db.session.flush()
    record_change(actor, "quarter.finalize", state, {"status": "open"},
                  {"status": "finalized", "evaluated_on": evaluated_on.isoformat(),
                   "rule_set_id": year_rules.version.id})
    return state


def reopen_quarter(actor, year, quarter, reason):
    """Reopen a finalized quarter, with a recorded reason; the old snapshot is kept with the reopening."""
    year, quarter = check_period(year, quarter)
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以重新打开已审定的季度。")
    reason = multi_line(reason, "理由", REASON_TEXT_MAX, field="reason")
    if not reason:
        raise ServiceError("重新打开已审定的季度必须说明理由。", field="reason")
    state = quarter_state(year, quarter, lock=True)
    if state is None or not state.is_finalized:
        raise ServiceError(f"{year}年第{quarter}季度尚未审定，无需重新打开。", code="not_finalized", status=409)
    db.session.add(QuarterReopening(scoring_quarter_id=state.id, reason=reason, by_id=actor.id,
                                    previous_snapshot=state.snapshot))
    state.status = QuarterStatus.open
    state.snapshot = None
    db.session.flush()
    record_change(actor, "quarter.reopen", state, {"status": "finalized"}, {"status": "open"}, reason=reason)
    return state


# --- the year ---------------------------------------------------------------------------------------------

def set_policy_rate(actor, year, unit, raw_rate, note=None):
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以录入政策兑现率。")
    if unit is None or unit.group is None or unit.group.value not in ("county", "park1", "park2"):
        raise ServiceError("政策兑现率只适用于县市区和园区。", field="unit_id")
    text = str(raw_rate).strip().rstrip("%") if raw_rate is not None else ""
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise ServiceError(f"政策兑现率“{text[:20]}”不是数字，请填写 0 到 100 之间的百分数。", field="rate") from None
    if not rate.is_finite() or not 0 <= rate <= 100:
        raise ServiceError("政策兑现率应在 0% 到 100% 之间。", field="rate")
    if rate != rate.quantize(TWO_PLACES):
        raise ServiceError("政策兑现率最多保留两位小数。", field="rate")
    note = one_line(note, "备注", 500, field="note")
    row = db.session.scalar(sa.select(PolicyRate).where(PolicyRate.year == year, PolicyRate.unit_id == unit.id))
    before = {"rate": str(row.rate)} if row else None
    if row is None:
        row = PolicyRate(year=year, unit_id=unit.id, rate=rate, note=note or None, entered_by_id=actor.id)
        db.session.add(row)
    else:
        row.rate, row.note, row.entered_by_id = rate, note or None, actor.id
    db.session.flush()
    record_change(actor, "policy_rate.set", row, before, {"year": year, "unit_id": unit.id, "rate": str(rate)})
    return row


def set_province_first(actor, year, flag: bool, note=None):
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以设置该项。")
    setting = db.session.get(YearSetting, year)
    before = {"province_first": setting.province_first} if setting else None
    if setting is None:
        setting = YearSetting(year=year)
        db.session.add(setting)
    setting.province_first, setting.note = bool(flag), note or None
    db.session.flush()
    record_change(actor, "year.province_first", setting, before, {"province_first": bool(flag), "note": note},
                  object_type="scoring_years")
    return setting


def record_fail_decision(actor, year, unit, reason, decided_on: date):
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以录入领导小组的不合格决定。")
    if unit is None or unit.group is None or unit.group.value not in ("promotion", "support"):
        raise ServiceError("“不合格”等次只适用于市直单位和相关企业。", field="unit_id")
    reason = multi_line(reason, "理由", REASON_TEXT_MAX, field="reason")
    if not reason:
        raise ServiceError("请填写领导小组决定的理由。", field="reason")
    if decided_on is None:
        raise ServiceError("请填写决定日期。", field="decided_on")
    if db.session.scalar(sa.select(FailDecision.id).where(FailDecision.year == year, FailDecision.unit_id == unit.id)):
        raise ServiceError(f"{unit.name}在 {year} 年已有不合格决定。", code="duplicate", status=409)
    row = FailDecision(year=year, unit_id=unit.id, reason=reason, decided_on=decided_on, entered_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    record_change(actor, "fail_decision.create", row, None, {"year": year, "unit_id": unit.id, "reason": reason})
    return row


def delete_fail_decision(actor, row, reason):
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以撤销不合格决定。")
    reason = multi_line(reason, "理由", REASON_TEXT_MAX, field="reason")
    if not reason:
        raise ServiceError("撤销不合格决定必须说明理由。", field="reason")
    record_change(actor, "fail_decision.delete", row, {"year": row.year, "unit_id": row.unit_id,
                                                       "reason": row.reason}, None, reason=reason)
    db.session.delete(row)
    db.session.flush()


def year_quarter_reports(year, evaluated_on: date):
    """{1..4: quarter_report, or None for a quarter that starts after `evaluated_on`}."""
    return {q: None if engine.quarter_dates(year, q)[0] > evaluated_on else quarter_report(year, q, evaluated_on)
            for q in (1, 2, 3, 4)}


def year_report(year, evaluated_on: date, quarters=None):
    """The annual results: finalized quarters from their snapshots, open ones computed live (and marked).
    `quarters` may pass the `year_quarter_reports` a page has already computed, so they are not computed twice."""
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
        "year": year, "evaluated_on": evaluated_on.isoformat(), "province_first": province_first,
        "quarter_status": {q: (rep["status"] if rep else "future") for q, rep in quarters.items()},
        "in_progress": in_progress,
        "units": rows,
        "quotas": {str(g): list(v) for g, v in result.quotas.items()},
        "complete": result.complete and all(rep and rep["status"] == "finalized" for rep in quarters.values()),
        "rule_version": year_rules.version.version if year_rules.version else None,
    }



# --- what reminders need to know ----------------------------------------------------------------------------

def missing_entries_by_enterer(year, quarter):
    """{entering unit id: number of cells still empty} for a quarter (two queries)."""
    year_rules = load_year_rules(year)
    have = set(db.session.execute(sa.select(ScoreEntry.unit_id, ScoreEntry.assessor, ScoreEntry.sub_item)
                                  .where(ScoreEntry.year == year, ScoreEntry.quarter == quarter)).all())
    missing = {}
    for unit in assessed_units():
        if unit.id not in year_rules.unit_profiles:
            continue
        for assessor, sub_item, _maximum, computed in year_rules.entry_cells(unit.id):
            if computed or (unit.id, assessor, sub_item) in have:
                continue
            enterer = year_rules.enterer_of(assessor, sub_item)
            if enterer is not None:
                missing[enterer] = missing.get(enterer, 0) + 1
    return missing


def office_unit_ids():
    from app.org.models import UnitKind

    return set(db.session.scalars(sa.select(Unit.id).where(Unit.kind == UnitKind.office)))


def assessor_unit_ids(year):
    year_rules = load_year_rules(year)
    return set(year_rules.assessor_units.values()) | set(year_rules.sub_item_assessors.values())


def policy_rates_missing(year):
    from app.org.models import UnitGroup

    ranked = db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(
        Unit.group.in_((UnitGroup.county, UnitGroup.park1, UnitGroup.park2)), Unit.is_active.is_(True)))
    have = db.session.scalar(sa.select(sa.func.count()).select_from(PolicyRate).where(PolicyRate.year == year))
    return have < ranked
