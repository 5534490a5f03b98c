"""Scores entered by the assessing units: reading a typed score, the cells a unit enters, how many are entered,
and entering a grid of them all or nothing."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from app.core.audit import record_change
from app.core.errors import PermissionDenied, ServiceError
from app.extensions import db
from app.scoring import engine
from app.scoring.models import CriteriaBook, CriteriaIndicator, CriteriaStatus, ScoreEntry
from app.scoring.quarters import check_period, require_open
from app.scoring.year_rules import YearRules, assessed_units, load_year_rules

TWO_PLACES = engine.CENT  # a score has at most two decimals


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


def governed_cells(year):
    """{(assessor, sub_item)} of the year scored by a published 考评细则: their points are confirmed on the
    indicator grid (`criteria_scoring.confirm_scores`), which writes the explanation beside them (one query)."""
    return {(assessor, code) for assessor, code in db.session.execute(
        sa.select(CriteriaBook.assessor, CriteriaIndicator.code)
        .join(CriteriaBook, CriteriaBook.id == CriteriaIndicator.book_id)
        .where(CriteriaBook.year == year, CriteriaBook.status == CriteriaStatus.published))}


def criteria_path(year, quarter, assessor):
    """Where an indicator's points are confirmed (the criteria grid's path; services do not build URLs)."""
    return f"/scoring/{year}/q{quarter}/criteria/{assessor}"


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


def enter_scores(actor, year, quarter, items: list[EntryItem], criteria=False):
    """Enter or change scores, all or nothing. The actor's unit must be the cell's assessor; a value must lie
    in 0..max with two decimals at most; less than full marks needs a note. Returns the number changed.

    A sub-item scored by a published 考评细则 is refused here and entered only through the indicator grid
    (`criteria=True`, from `criteria_scoring.confirm_scores`, which has checked who may enter it: the assessor,
    its co-assessor unit, the office's administrator for the office)."""
    year, quarter = check_period(year, quarter)
    if not actor.works_in_unit:
        raise PermissionDenied("只有考评单位的工作人员可以录入得分。")
    require_open(year, quarter)
    year_rules = load_year_rules(year)
    units = {u.id: u for u in assessed_units()}
    existing = {(e.unit_id, e.assessor, e.sub_item): e for e in db.session.scalars(
        sa.select(ScoreEntry).where(ScoreEntry.year == year, ScoreEntry.quarter == quarter))}
    governed = governed_cells(year)
    errors, accepted, seen = [], [], set()
    for item in items:
        unit = units.get(item.unit_id)
        if unit is None or item.unit_id not in year_rules.unit_profiles:
            errors.append("得分对应的单位不是考评对象。")
            continue
        cells = {(a, s): (m, c) for a, s, m, c in year_rules.entry_cells(unit.id)}
        assessor_name = engine.assessor_label(item.assessor)
        key = (item.assessor, item.sub_item or "")
        if key not in cells:
            errors.append(f"{unit.name}的季度得分不含“{assessor_name}{('·' + item.sub_item) if item.sub_item else ''}”"
                          "这一项，不能录入。")
            continue
        if (unit.id, *key) in seen:  # two values for one cell would violate the unique constraint
            errors.append(f"{unit.name}的“{assessor_name}{('·' + item.sub_item) if item.sub_item else ''}”"
                          "在本次提交中出现了不止一次。")
            continue
        seen.add((unit.id, *key))
        maximum, computed = cells[key]
        if computed:
            errors.append(f"{unit.name}的千百十办交办事项得分由系统按交办事项办结情况计算，不能手工录入。")
            continue
        if key in governed and not criteria:
            errors.append(f"{unit.name}的“{assessor_name}·{item.sub_item}”按考评细则计分，不能在得分录入表中直接填写；"
                          f"请在考评细则评分页面（{criteria_path(year, quarter, item.assessor)}）确认或改分。")
            continue
        if not criteria and year_rules.enterer_of(*key) != actor.unit_id:
            errors.append(f"您所在单位不负责{unit.name}的“{assessor_name}”考评，不能录入。")
            continue
        label = f"{unit.short_name}·{assessor_name}{('·' + item.sub_item) if item.sub_item else ''}"
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
