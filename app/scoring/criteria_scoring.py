"""The quarterly indicator scoring of the published 考评细则 (附件2 六(二), issue #15 parts 3 and 4).

For every assessed unit and indicator of an assessor's published book: the actual (cumulative to the quarter's
end), the quarter's target (the unit's yearly target × the book's quarter share), the completion and the points
the method gives (`engine.compute_group`; rank within the unit's group among the units of the indicator). The
assessor confirms or overrides them with a reason: `confirm_scores` writes the ScoreEntry of the sub-item (code =
indicator code, validated by `entries.enter_scores`) and a CriteriaScore with the explanation in one unit of work.

Where the actuals come from:

* source ``ledger`` — `app.ledger.measures.Snapshot.load(year, last month of the quarter)`, read once for all
  units: a `targets` code (its measure's ``by_unit`` figures, or for an entered ledger indicator the latest
  entered value per unit) or ``rate:start|invest|funds`` (the project rates of the county or park);
* source ``entered`` — the CriteriaActual rows the assessor enters (`save_actuals`);
* method ``rating`` — `ratings.rating_averages`; method ``tasks`` — the office's task points as
  `reports.compute_quarter` computes them (shown, never confirmed: the report computes them itself);
* method ``manual`` — no actual: the assessor gives the points, with a reason when below the maximum.

Everything a page shows is read in a constant number of statements, whatever the number of units.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from app.core.audit import record_change
from app.core.clock import today
from app.core.errors import PermissionDenied, ServiceError
from app.core.numbers import parse_number
from app.extensions import db
from app.org.models import Target
from app.scoring import engine
from app.scoring.criteria_queries import (
    ASSESSOR_ORDER,
    engine_indicator,
    published_book,
    published_books,
    quarter_share,
    targets_of,
)
from app.scoring.entries import EntryItem, enter_scores, parse_score
from app.scoring.models import (
    CriteriaActual,
    CriteriaMethod,
    CriteriaScore,
    CriteriaSource,
    ScoreEntry,
)
from app.scoring.quarters import check_period, quarter_state, require_open
from app.scoring.year_rules import assessed_units, load_year_rules

REASON_MAX = 1000
SOURCE_NOTE_MAX = 200
ACTUAL_PLACES = Decimal("0.0001")
COMPLETION_LIMIT = Decimal("1e10")  # criteria_scores.completion is Numeric(12, 2)
RATE_KEYS = {"rate:start": "start_rate", "rate:invest": "invest_rate", "rate:funds": "funds_rate"}
# Methods whose points the assessor confirms from a computed value (manual: the assessor gives them; tasks: the
# report computes them).
COMPUTED_METHODS = (CriteriaMethod.linear, CriteriaMethod.steps, CriteriaMethod.rank, CriteriaMethod.count,
                    CriteriaMethod.rating)


def _q(value):
    return None if value is None else engine.quantize_score(Decimal(value))


def _pct(value):
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


# --- the cells ---------------------------------------------------------------------------------------------

@dataclass
class Cell:
    """One unit × indicator of a quarter: what the method computes and what was given."""

    unit: object
    assessor: str
    indicator: object  # CriteriaIndicator
    maximum: Decimal
    yearly_target: Decimal | None = None
    actual: Decimal | None = None
    target: Decimal | None = None
    completion: Decimal | None = None
    rank: int | None = None
    computed: Decimal | None = None  # two places; None for manual
    entry: ScoreEntry | None = None
    score: CriteriaScore | None = None
    actual_row: CriteriaActual | None = None
    enterers: tuple = ()  # unit ids that may enter it

    @property
    def code(self):
        return self.indicator.code

    @property
    def key(self):
        return f"{self.unit.id}:{self.indicator.code}"

    @property
    def method(self):
        return self.indicator.method

    @property
    def is_system(self):
        """The office's task points: computed by the report, never confirmed here."""
        return self.indicator.method is CriteriaMethod.tasks

    @property
    def confirmed(self):
        return self.is_system or (self.entry is not None and self.score is not None)

    @property
    def given(self):
        """The points the unit has: the confirmed value, the system's for tasks, else None."""
        if self.is_system:
            return self.computed
        if self.entry is not None:
            return self.entry.value
        return None

    @property
    def proposed(self):
        """What the grid prefills: the confirmed value, else the computed one (manual: nothing)."""
        if self.score is not None:
            return self.score.value
        if self.entry is not None:
            return self.entry.value
        return self.computed

    @property
    def shortfall(self):
        given = self.given
        return None if given is None else self.maximum - given

    @property
    def overridden(self):
        return bool(self.score is not None and self.score.overridden)

    @property
    def reason(self):
        return self.score.reason if self.score is not None else None

    def explanation(self):
        """How the points follow, in words (stored as the ScoreEntry's note)."""
        method = self.indicator.method
        unit_text = self.indicator.measure_unit or ""
        if method is CriteriaMethod.manual:
            return "人工评分"
        if method is CriteriaMethod.rating:
            return f"服务质量评价均分{engine.decimal_text(self.actual)}" if self.actual is not None \
                else "本季度无服务质量评价，按满分计"
        if method is CriteriaMethod.count:
            return f"计{engine.decimal_text(self.actual)}{unit_text}" if self.actual is not None else "无实际值"
        if self.actual is None:
            return "无实际值"
        text = f"实际{engine.decimal_text(self.actual)}{unit_text}，季度目标" \
               f"{engine.decimal_text(self.target) if self.target is not None else '—'}{unit_text}"
        if self.completion is not None:
            text += f"，完成率{engine.decimal_text(self.completion)}%"
        if self.rank is not None:
            text += f"，组内第{self.rank}名"
        return text


@dataclass
class Sheet:
    """An assessor's quarter: the units it assesses (rows) × the published book's indicators."""

    year: int
    quarter: int
    assessor: str
    book: object | None
    share: str | None
    started: bool
    finalized: bool
    indicators: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # [(unit, {code: Cell})]

    @property
    def label(self):
        return engine.assessor_label(self.assessor)

    @property
    def cells(self):
        return [cell for _unit, cells in self.rows for cell in cells.values()]

    def cell(self, unit_id, code):
        for unit, cells in self.rows:
            if unit.id == unit_id:
                return cells.get(code)
        return None

    @property
    def open(self):
        return self.started and not self.finalized and self.book is not None


def quarter_started(year, quarter, on=None):
    return engine.quarter_dates(year, quarter)[0] <= (on or today())


def _applicable(year_rules, unit, assessor, indicator):
    """The sub-item maximum of the indicator for the unit under the year's rules (publication wrote the
    indicators as the component's sub-items), or None when the indicator does not score the unit."""
    if unit.id not in year_rules.unit_profiles:
        return None
    profile = year_rules.unit_profiles[unit.id]
    if profile not in (indicator.points or {}):
        return None
    comp = year_rules.profile_of(unit.id).component(assessor)
    if comp is None:
        return None
    sub = next((s for s in comp.sub_items if s.code == indicator.code), None)
    return None if sub is None else sub.maximum


def enterers_of(year_rules, assessor, code):
    """The units that enter an indicator: the assessor and its co-assessor unit (sub_item_assessors)."""
    ids = []
    if year_rules.assessor_units.get(assessor) is not None:
        ids.append(year_rules.assessor_units[assessor])
    co = year_rules.sub_item_assessors.get(f"{assessor}.{code}")
    if co is not None and co not in ids:
        ids.append(co)
    return tuple(ids)


def may_enter(actor, cell_or_enterers, assessor):
    enterers = cell_or_enterers.enterers if isinstance(cell_or_enterers, Cell) else cell_or_enterers
    if not getattr(actor, "works_in_unit", False) and not getattr(actor, "is_admin", False):
        return False
    if actor.unit_id is not None and actor.unit_id in enterers:
        return True
    return bool(actor.is_admin and assessor == "office")  # the office's administrator acts for the office


# --- the inputs ----------------------------------------------------------------------------------------------

def _ledger_actuals(year, quarter, indicators):
    """{indicator id: {unit id: actual}} for the ledger indicators, from one Snapshot of the quarter's last
    month (a constant number of statements; kept by the ledger while nothing it reads has changed)."""
    ledger = [ind for ind in indicators if ind.source is CriteriaSource.ledger and ind.ledger_key]
    if not ledger:
        return {}
    from app.ledger.cockpit import kept_snapshot

    codes = {ind.ledger_key for ind in ledger if ind.ledger_key not in RATE_KEYS}
    targets = {t.code: t for t in db.session.scalars(sa.select(Target).where(Target.code.in_(codes)))} \
        if codes else {}
    snap = kept_snapshot(year, quarter * 3)  # read once per state of the ledger
    result = {}
    for ind in ledger:
        if ind.ledger_key in RATE_KEYS:
            attr = RATE_KEYS[ind.ledger_key]
            result[ind.id] = {uid: getattr(rates, attr) for uid, rates in snap.rates.items()}
            continue
        target = targets.get(ind.ledger_key)
        if target is None:
            result[ind.id] = {}
        elif target.measure:
            result[ind.id] = dict(snap.actual(target.measure).by_unit)
        else:
            result[ind.id] = dict(snap.entered_actual(target.id).by_unit)
    return result


def _task_points(year, quarter, year_rules, cells_units, on):
    """{unit id: task points} as reports.compute_quarter gives the office's `tasks` sub-item."""
    from app.scoring.reports import task_facts

    facts = task_facts(year, quarter, year_rules.rules.tasks.include_co_units,
                       unit_ids=[u.id for u, _ in cells_units])
    return {unit.id: engine.office_component(facts.get(unit.id, ()), year_rules.rules.tasks, on, maximum).value
            for unit, maximum in cells_units}


def evaluate(year, quarter, books, year_rules=None, units=None, on=None, unit_ids=None):
    """{(assessor, code, unit id): Cell} for the published books given ({assessor: book}), computed from the
    actuals and targets, with the stored entries and CriteriaScores. `unit_ids` limits the cells returned (a
    rank is still computed within the whole group)."""
    on = on or today()
    year_rules = year_rules or load_year_rules(year)
    units = units if units is not None else assessed_units()
    books = {a: b for a, b in books.items() if b is not None}
    if not books:
        return {}
    indicators = [ind for book in books.values() for ind in book.indicators]
    ledger = _ledger_actuals(year, quarter, indicators)
    assessors = list(books)
    entered = {(r.assessor, r.code, r.unit_id): r for r in db.session.scalars(
        sa.select(CriteriaActual).where(CriteriaActual.year == year, CriteriaActual.quarter == quarter,
                                        CriteriaActual.assessor.in_(assessors)))}
    entries = {(e.assessor, e.sub_item, e.unit_id): e for e in db.session.scalars(
        sa.select(ScoreEntry).where(ScoreEntry.year == year, ScoreEntry.quarter == quarter,
                                    ScoreEntry.assessor.in_(assessors), ScoreEntry.sub_item != ""))}
    scores = {(s.assessor, s.code, s.unit_id): s for s in db.session.scalars(
        sa.select(CriteriaScore).where(CriteriaScore.year == year, CriteriaScore.quarter == quarter,
                                       CriteriaScore.assessor.in_(assessors)))}
    averages = {}
    if any(ind.method is CriteriaMethod.rating for ind in indicators):
        from app.scoring.ratings import rating_averages

        averages = rating_averages(year, quarter) or {}
    cells = {}
    task_units = []
    for assessor, book in books.items():
        share = quarter_share(book, quarter)
        targets = targets_of(book)
        for ind in book.indicators:
            applies = [(u, _applicable(year_rules, u, assessor, ind)) for u in units]
            applies = [(u, m) for u, m in applies if m is not None]
            if not applies:
                continue
            eng = engine_indicator(ind)
            actuals = {}
            for unit, _m in applies:
                if ind.source is CriteriaSource.ledger:
                    actuals[unit.id] = ledger.get(ind.id, {}).get(unit.id)
                elif ind.source is CriteriaSource.entered:
                    row = entered.get((assessor, ind.code, unit.id))
                    actuals[unit.id] = row.value if row is not None else None
            yearly = {u.id: targets.get((ind.code, u.id)) for u, _ in applies}
            computed = {}
            if ind.method in COMPUTED_METHODS:
                groups = {}
                for unit, _m in applies:
                    groups.setdefault(unit.group, {})[unit.id] = year_rules.unit_profiles[unit.id]
                for profiles in groups.values():
                    computed.update(engine.compute_group(eng, profiles, actuals, yearly, share, averages))
            enterers = enterers_of(year_rules, assessor, ind.code)
            for unit, maximum in applies:
                if unit_ids is not None and unit.id not in unit_ids and ind.method is not CriteriaMethod.rank:
                    continue
                c = computed.get(unit.id)
                cell = Cell(unit=unit, assessor=assessor, indicator=ind, maximum=maximum,
                            yearly_target=yearly.get(unit.id),
                            actual=actuals.get(unit.id) if c is None else c.actual,
                            target=None if c is None else c.target,
                            completion=None if c is None else _pct(c.completion),
                            rank=None if c is None else c.rank,
                            computed=None if c is None else min(_q(c.points), maximum),
                            entry=entries.get((assessor, ind.code, unit.id)),
                            score=scores.get((assessor, ind.code, unit.id)),
                            actual_row=entered.get((assessor, ind.code, unit.id)), enterers=enterers)
                if c is None and ind.method is not CriteriaMethod.manual and yearly.get(unit.id) is not None:
                    cell.target = engine.quarter_target(yearly[unit.id], engine.effective_share(ind.params, share))
                if ind.method is CriteriaMethod.tasks:
                    task_units.append((cell, maximum))
                cells[(assessor, ind.code, unit.id)] = cell
    if task_units:
        points = _task_points(year, quarter, year_rules, [(c.unit, m) for c, m in task_units], on)
        for cell, _m in task_units:
            cell.computed = points.get(cell.unit.id)
    if unit_ids is not None:
        cells = {k: c for k, c in cells.items() if k[2] in unit_ids}
    return cells


def quarter_sheet(year, quarter, assessor, on=None, year_rules=None) -> Sheet:
    """An assessor's grid for the quarter (a constant number of statements)."""
    year, quarter = check_period(year, quarter)
    on = on or today()
    year_rules = year_rules or load_year_rules(year)
    book = published_book(year, assessor)
    state = quarter_state(year, quarter)
    sheet = Sheet(year, quarter, assessor, book, quarter_share(book, quarter) if book else None,
                  quarter_started(year, quarter, on), bool(state is not None and state.is_finalized))
    if book is None:
        return sheet
    units = assessed_units()
    cells = evaluate(year, quarter, {assessor: book}, year_rules, units, on)
    used = {code for _a, code, _u in cells}
    sheet.indicators = [ind for ind in book.indicators if ind.code in used]
    by_unit = {}
    for (_a, code, unit_id), cell in cells.items():
        by_unit.setdefault(unit_id, {})[code] = cell
    sheet.rows = [(u, by_unit[u.id]) for u in units if u.id in by_unit]
    return sheet


# --- confirming --------------------------------------------------------------------------------------------

@dataclass
class ScoreItem:
    unit_id: int
    code: str
    value: object  # raw input
    reason: str | None = None


def _check_started(year, quarter, on):
    if not quarter_started(year, quarter, on):
        start = engine.quarter_dates(year, quarter)[0]
        raise ServiceError(f"{year}年第{quarter}季度尚未开始（{start.month}月{start.day}日开始），"
                           "不能评分或填报实际值。", code="not_started", status=409)


def _open_sheet(actor, year, quarter, assessor, on):
    year, quarter = check_period(year, quarter)
    if assessor not in ASSESSOR_ORDER:
        raise ServiceError(f"未知的考评单位“{str(assessor)[:20]}”。")
    if not getattr(actor, "works_in_unit", False):
        raise PermissionDenied("只有考评单位的工作人员可以评分。")
    _check_started(year, quarter, on)
    require_open(year, quarter)
    sheet = quarter_sheet(year, quarter, assessor, on)
    if sheet.book is None:
        raise ServiceError(f"{engine.assessor_label(assessor)}{year}年的考评细则尚未发布，不能按细则评分。")
    return sheet


def confirm_scores(actor, year, quarter, assessor, items: Iterable[ScoreItem], on=None):
    """Confirm or override the indicators' points, all or nothing: each item becomes the ScoreEntry of the
    sub-item (as entries.enter_scores validates it) and a CriteriaScore (actual, target, completion, rank,
    computed, maximum, value, overridden, reason). An override needs a reason, and so does a manual score below
    the maximum. Returns the number of indicators changed."""
    on = on or today()
    sheet = _open_sheet(actor, year, quarter, assessor, on)
    year, quarter = sheet.year, sheet.quarter
    errors, accepted, seen = [], [], set()
    for item in items:
        cell = sheet.cell(item.unit_id, item.code)
        if cell is None:
            errors.append(f"“{str(item.code)[:32]}”不是{sheet.label}考评细则中适用于该单位的指标。")
            continue
        label = f"{cell.unit.short_name}·{cell.indicator.name}"
        if (item.unit_id, item.code) in seen:
            errors.append(f"{label}：在本次提交中出现了不止一次。")
            continue
        seen.add((item.unit_id, item.code))
        if not may_enter(actor, cell, assessor):
            errors.append(f"{label}：您所在单位不负责这项指标的考评，不能评分。")
            continue
        if cell.is_system:
            errors.append(f"{label}：交办事项得分由系统按交办事项办结情况计算，不能确认或修改。")
            continue
        if str(item.value or "").strip() == "":
            continue  # not confirmed yet
        try:
            value = parse_score(item.value, label)
        except ServiceError as error:
            errors.append(error.message)
            continue
        if value > cell.maximum:
            errors.append(f"{label}：得分不能超过该指标的分值 {engine.quantize_score(cell.maximum)} 分"
                          f"（填写的是 {value}）。")
            continue
        reason = (item.reason or "").strip() or None
        if reason and len(reason) > REASON_MAX:
            errors.append(f"{label}：理由不能超过 {REASON_MAX} 个字符。")
            continue
        overridden = cell.computed is not None and value != cell.computed
        if overridden and not reason:
            errors.append(f"{label}：得分 {value} 与按细则计算的 {cell.computed} 不同，改分须填写理由。")
            continue
        if cell.method is CriteriaMethod.manual and value < cell.maximum and not reason:
            errors.append(f"{label}：人工评分未给满分（{value}/{engine.quantize_score(cell.maximum)}），请填写扣分理由。")
            continue
        accepted.append((cell, value, overridden, reason))
    if errors:
        raise ServiceError("评分未保存：" + "；".join(errors[:20]) + ("……" if len(errors) > 20 else ""),
                           field="scores")
    if not accepted:
        return 0
    entry_items = []
    for cell, value, overridden, reason in accepted:
        note = f"{cell.indicator.name}：{cell.explanation()}"
        if overridden:
            note += f"；按细则计{cell.computed}分，改为{value}分"
        if reason:
            note += f"；理由：{reason}"
        entry_items.append(EntryItem(cell.unit.id, assessor, cell.code, value, note[:REASON_MAX]))
    enter_scores(actor, year, quarter, entry_items, criteria=True)
    changed = []
    for cell, value, overridden, reason in accepted:
        after = {"actual": _text(cell.actual), "target": _text(cell.target), "completion": _text(cell.completion),
                 "rank": cell.rank, "computed": _text(cell.computed), "maximum": _text(cell.maximum),
                 "value": _text(value), "overridden": overridden, "reason": reason, "book_id": sheet.book.id}
        row = cell.score
        before = _score_state(row) if row is not None else None
        if row is None:
            row = CriteriaScore(year=year, quarter=quarter, unit_id=cell.unit.id, assessor=assessor, code=cell.code)
            db.session.add(row)
        elif before == after:
            continue
        row.book_id, row.actual, row.target = sheet.book.id, _store(cell.actual), _store(cell.target)
        # a completion beyond the column (a tiny target) is kept as the page shows it: not stored
        row.completion = cell.completion if cell.completion is not None and abs(cell.completion) < COMPLETION_LIMIT \
            else None
        row.rank, row.computed, row.maximum, row.value = cell.rank, cell.computed, cell.maximum, value
        row.overridden, row.reason, row.confirmed_by_id = overridden, reason, actor.id
        changed.append((row, before, after, cell))
    db.session.flush()
    for row, before, after, cell in changed:
        record_change(actor, "criteria.score", row, before,
                      dict(after, year=year, quarter=quarter, unit_id=cell.unit.id, assessor=assessor,
                           code=cell.code))
    return len(changed)


def _text(value):
    if value is None:
        return None
    return engine.decimal_text(Decimal(value)) if not isinstance(value, bool | int) else value


def _store(value):
    if value is None:
        return None
    try:
        return Decimal(value).quantize(ACTUAL_PLACES)
    except InvalidOperation:
        return None


def _score_state(row):
    return {"actual": _text(row.actual), "target": _text(row.target), "completion": _text(row.completion),
            "rank": row.rank, "computed": _text(row.computed), "maximum": _text(row.maximum),
            "value": _text(row.value), "overridden": row.overridden, "reason": row.reason, "book_id": row.book_id}


# --- entered actuals -----------------------------------------------------------------------------------------

@dataclass
class ActualItem:
    unit_id: int
    value: object  # raw input
    source_note: str | None = None


def parse_actual(raw, label):
    """An entered actual: at least 0, four decimals at most (criteria_actuals.value is Numeric(18, 4))."""
    value = parse_number(raw, label, places=ACTUAL_PLACES, positive=False, what="实际值")
    if value >= Decimal("1e14"):
        raise ServiceError(f"{label}：“{str(raw).strip()[:20]}”超出了实际值的范围。")
    return value


def save_actuals(actor, year, quarter, assessor, code, items: Iterable[ActualItem], on=None):
    """Enter the actuals of an indicator whose source is 考评单位填报 (cumulative in the year), all or nothing;
    refused once the quarter is finalized. Returns the number changed."""
    on = on or today()
    sheet = _open_sheet(actor, year, quarter, assessor, on)
    year, quarter = sheet.year, sheet.quarter
    indicator = next((ind for ind in sheet.indicators if ind.code == code), None)
    if indicator is None:
        raise ServiceError(f"“{str(code)[:32]}”不是{sheet.label}考评细则中的指标。")
    if indicator.source is not CriteriaSource.entered:
        how = "由台账自动取数" if indicator.source is CriteriaSource.ledger else "无需填报"
        raise ServiceError(f"“{indicator.name}”的实际值{how}，不能手工填报。")
    if not may_enter(actor, enterers_of(load_year_rules(year), assessor, code), assessor):
        raise ServiceError(f"您所在单位不负责“{indicator.name}”的考评，不能填报实际值。", code="forbidden", status=403)
    cells = {unit.id: cells[code] for unit, cells in sheet.rows if code in cells}
    errors, accepted, seen = [], [], set()
    for item in items:
        cell = cells.get(item.unit_id)
        if cell is None:
            errors.append("填报的单位不是该指标的考评对象。")
            continue
        label = f"{cell.unit.short_name}·{indicator.name}"
        if item.unit_id in seen:
            errors.append(f"{label}：在本次提交中出现了不止一次。")
            continue
        seen.add(item.unit_id)
        if str(item.value or "").strip() == "":
            continue
        try:
            value = parse_actual(item.value, label)
        except ServiceError as error:
            errors.append(error.message)
            continue
        note = (item.source_note or "").strip() or None
        if note and len(note) > SOURCE_NOTE_MAX:
            errors.append(f"{label}：数据来源说明不能超过 {SOURCE_NOTE_MAX} 个字符。")
            continue
        accepted.append((cell, value, note))
    if errors:
        raise ServiceError("实际值未保存：" + "；".join(errors[:20]) + ("……" if len(errors) > 20 else ""),
                           field="actuals")
    changed = []
    for cell, value, note in accepted:
        row = cell.actual_row
        before = {"value": _text(row.value), "source_note": row.source_note} if row is not None else None
        if row is None:
            row = CriteriaActual(year=year, quarter=quarter, assessor=assessor, code=code, unit_id=cell.unit.id)
            db.session.add(row)
        elif row.value == value and row.source_note == note:
            continue
        row.value, row.source_note, row.entered_by_id = value, note, actor.id
        changed.append((row, before, cell, value, note))
    db.session.flush()
    for row, before, cell, value, note in changed:
        record_change(actor, "criteria.actual", row, before,
                      {"value": _text(value), "source_note": note, "year": year, "quarter": quarter,
                       "assessor": assessor, "code": code, "unit_id": cell.unit.id})
    return len(changed)


# --- a unit's indicators -------------------------------------------------------------------------------------

@dataclass
class UnitComponent:
    assessor: str
    book: object
    cells: list
    maximum: Decimal  # the component's maximum
    report_value: Decimal | None = None  # the quarter report's component

    @property
    def label(self):
        return engine.assessor_label(self.assessor)

    @property
    def given(self):
        values = [c.given for c in self.cells]
        if any(v is None for v in values):
            return None
        return sum(values, Decimal(0))

    @property
    def computed(self):
        return sum((c.computed for c in self.cells if c.computed is not None), Decimal(0))

    @property
    def shortfall(self):
        given = self.given
        return None if given is None else self.maximum - given


def unit_indicators(unit, year, quarter, on=None):
    """[UnitComponent] of a unit's quarter: every indicator of every published book that applies to it, in
    annex-2 order of the assessors (a constant number of statements)."""
    year, quarter = check_period(year, quarter)
    on = on or today()
    year_rules = load_year_rules(year)
    books = published_books(year)
    if unit.id not in year_rules.unit_profiles or not books:
        return []
    cells = evaluate(year, quarter, books, year_rules, assessed_units(), on, unit_ids={unit.id})
    profile = year_rules.profile_of(unit.id)
    components = []
    for assessor in ASSESSOR_ORDER:
        book = books.get(assessor)
        comp = profile.component(assessor)
        if book is None or comp is None:
            continue
        own = [cells[(assessor, ind.code, unit.id)] for ind in book.indicators
               if (assessor, ind.code, unit.id) in cells]
        if own:
            components.append(UnitComponent(assessor, book, own, comp.maximum))
    return components


def completion_summary(year, quarter):
    """Per assessor, the indicators' completion for the quarter (for the pre-assessment consultation): a list of
    {"assessor", "label", "indicators": [{"code", "name", "units", "short": [(unit name, completion, shortfall)]}]}."""
    year, quarter = check_period(year, quarter)
    books = published_books(year)
    if not books:
        return []
    year_rules = load_year_rules(year)
    cells = evaluate(year, quarter, books, year_rules, assessed_units(), today())
    summary = []
    for assessor in ASSESSOR_ORDER:
        book = books.get(assessor)
        if book is None:
            continue
        indicators = []
        for ind in book.indicators:
            own = [c for (a, code, _u), c in cells.items() if a == assessor and code == ind.code]
            if not own:
                continue
            short = []
            for c in own:
                points = c.given if c.given is not None else c.computed
                if points is not None and points < c.maximum:
                    short.append((c.unit.name, c.completion, c.maximum - points))
            indicators.append({"code": ind.code, "name": ind.name, "units": len(own), "short": short})
        summary.append({"assessor": assessor, "label": engine.assessor_label(assessor), "indicators": indicators})
    return summary
