"""Indicators (issue #14 part 4): every quantified target of the source (`app.org.models.Target` with a code) with
its unit, the 2025 target, the yearly targets (IndicatorTarget: city-wide, or per county / park where the
indicator breaks down), where its actuals come from — computed from the ledger (`Target.measure`, answered by
`app.ledger.measures`) or entered by its responsible unit (IndicatorValue) — and the office's edits of the yearly
targets, the responsible unit and the breakdown (audited).

`indicator_status(year, month, on)` gives each indicator's actual, target, share and light as of the month with the
cockpit's rules (`app.ledger.cockpit`): plain JSON values, which the 月分析 freezes into its record.

Reads are a fixed number of statements whatever the number of indicators, targets or values.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.core.audit import record_change, record_update, snapshot
from app.core.errors import ServiceError
from app.extensions import db
from app.ledger import measures
from app.ledger.models import IndicatorTarget, IndicatorValue
from app.org.models import Target, Unit

YEAR_MIN, YEAR_MAX = 2020, 2035
VALUE_MAX = Decimal("100000000000000")  # AMOUNT holds 14 digits before the point


def load_indicators():
    """The indicators (targets with a code) in the document's order: the city's goals, then each plan's."""
    targets = db.session.scalars(
        sa.select(Target).where(Target.code.is_not(None))
        .options(joinedload(Target.responsible_unit), joinedload(Target.plan))).unique().all()
    return sorted(targets, key=lambda t: (t.plan.sort_order if t.plan else -1, t.sort_order, t.id))


def indicator_by_code(code):
    return db.session.scalar(sa.select(Target).where(Target.code == code)
                             .options(joinedload(Target.responsible_unit), joinedload(Target.plan)))


def local_units():
    """The counties and parks an indicator breaks down to (as the measures count them)."""
    return measures.local_units()


def number_text(value):
    """A Decimal without trailing zeros ("25", "36.5"); "—" for None."""
    if value is None:
        return "—"
    value = Decimal(value)
    text = f"{value.normalize():f}"
    return text


@dataclass
class IndicatorRow:
    target: Target
    yearly: dict = field(default_factory=dict)  # year -> city target (Decimal)
    actual: Decimal | None = None  # the current year's actual up to the month (computed or entered)
    entered: object = None  # the latest entered city value (IndicatorValue) for entered indicators
    unit_targets: int = 0  # yearly targets set per county / park

    @property
    def computed(self):
        return measures.is_known(self.target.measure)


def indicator_rows(on: date):
    """One IndicatorRow per indicator, with the actual of on's year up to on's month."""
    targets = load_indicators()
    rows = {t.id: IndicatorRow(t) for t in targets}
    for target_id, year, unit_id, value in db.session.execute(
            sa.select(IndicatorTarget.target_id, IndicatorTarget.year, IndicatorTarget.unit_id, IndicatorTarget.value)
            .order_by(IndicatorTarget.year)):
        if target_id not in rows:
            continue
        if unit_id is None:
            rows[target_id].yearly[year] = value
        else:
            rows[target_id].unit_targets += 1
    ranked = (sa.select(IndicatorValue.id, sa.func.row_number().over(
        partition_by=IndicatorValue.target_id, order_by=IndicatorValue.month.desc()).label("rank"))
        .where(IndicatorValue.unit_id.is_(None), IndicatorValue.month <= on).subquery())
    for value in db.session.scalars(sa.select(IndicatorValue).join(ranked, ranked.c.id == IndicatorValue.id)
                                    .where(ranked.c.rank == 1)):
        if value.target_id in rows:
            rows[value.target_id].entered = value
    snap = measures.Snapshot.load(on.year, on.month, on)
    for row in rows.values():
        if row.computed:
            row.actual = snap.actual(row.target.measure).city
        else:
            row.actual = snap.entered_actual(row.target.id).city
    return list(rows.values())


@dataclass
class IndicatorPage:
    target: Target
    units: list  # local units (id, short_name, ...) when it breaks down, else []
    years: list  # [(year, city Target row or None, {unit_id: IndicatorTarget})]
    values: list  # IndicatorValue history, newest first, with unit and reporter
    actual: object = None  # measures.Actual of the current year (computed or entered)
    computed: bool = False
    unit_names: dict = field(default_factory=dict)


def indicator_page(target: Target, on: date):
    units = list(local_units()) if target.breaks_down else []
    by_year = {}
    for row in db.session.scalars(sa.select(IndicatorTarget).where(IndicatorTarget.target_id == target.id)
                                  .order_by(IndicatorTarget.year, IndicatorTarget.unit_id)):
        city, per_unit = by_year.setdefault(row.year, [None, {}])
        if row.unit_id is None:
            by_year[row.year][0] = row
        else:
            per_unit[row.unit_id] = row
    values = db.session.scalars(
        sa.select(IndicatorValue).where(IndicatorValue.target_id == target.id)
        .order_by(IndicatorValue.month.desc(), IndicatorValue.unit_id.is_not(None), IndicatorValue.unit_id)).all()
    unit_names = dict(db.session.execute(sa.select(Unit.id, Unit.short_name)).all())
    computed = measures.is_known(target.measure)
    snap = measures.Snapshot.load(on.year, on.month, on)
    actual = snap.actual(target.measure) if computed else snap.entered_actual(target.id)
    return IndicatorPage(target, units, [(y, c, u) for y, (c, u) in sorted(by_year.items())], values, actual,
                         computed, unit_names)


# --- the office's edits -----------------------------------------------------------------------------------------

TARGET_FIELDS = ("target_id", "year", "unit_id", "value")


def _check_value(value):
    if value is None or value == "":
        raise ServiceError("请填写目标值。", field="value")
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ServiceError("目标值必须是数字。", field="value") from None
    if not value.is_finite():
        raise ServiceError("目标值必须是数字。", field="value")
    if value < 0:
        raise ServiceError("目标值不能为负数。", field="value")
    if value >= VALUE_MAX:
        raise ServiceError("目标值过大，请检查单位。", field="value")
    if value != value.quantize(Decimal("0.01")):
        raise ServiceError("目标值最多保留两位小数。", field="value")
    return value


def set_yearly_target(actor, target: Target, year, unit_id, value):
    """Set (create or change) the year's target of the indicator, city-wide (unit_id None) or for a county or park
    when the indicator breaks down. Audited; refuses bad input with a Chinese message naming the field."""
    if year is None:
        raise ServiceError("请填写年度。", field="year")
    if not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
        raise ServiceError(f"年度必须在 {YEAR_MIN} 至 {YEAR_MAX} 之间。", field="year")
    if unit_id is not None:
        if not target.breaks_down:
            raise ServiceError("该指标不分解到县市区园区，只能设全市目标。", field="unit_id")
        if unit_id not in {u.id for u in local_units()}:
            raise ServiceError("请选择有效的县市区或园区。", field="unit_id")
    value = _check_value(value)
    row = db.session.scalar(sa.select(IndicatorTarget).where(
        IndicatorTarget.target_id == target.id, IndicatorTarget.year == year,
        IndicatorTarget.unit_id.is_(None) if unit_id is None else IndicatorTarget.unit_id == unit_id))
    if row is None:
        row = IndicatorTarget(target_id=target.id, year=year, unit_id=unit_id, value=value)
        db.session.add(row)
        db.session.flush()
        record_change(actor, "indicator_target.create", row, after=snapshot(row, TARGET_FIELDS))
    else:
        before = snapshot(row, TARGET_FIELDS)
        row.value = value
        db.session.flush()
        record_update(actor, "indicator_target.update", row, before, TARGET_FIELDS)
    return row


def remove_yearly_target(actor, target: Target, row_id):
    row = db.session.get(IndicatorTarget, row_id)
    if row is None or row.target_id != target.id:
        raise ServiceError("该年度目标不存在或已删除。", status=404)
    record_change(actor, "indicator_target.delete", row, before=snapshot(row, TARGET_FIELDS))
    db.session.delete(row)
    db.session.flush()


INDICATOR_FIELDS = ("responsible_unit_id", "breaks_down")


def update_indicator(actor, target: Target, responsible_unit_id, breaks_down: bool):
    """Set the unit that answers for (and enters) the indicator and whether it breaks down by county / park."""
    if responsible_unit_id is not None:
        unit = db.session.get(Unit, responsible_unit_id)
        if unit is None or not unit.is_active:
            raise ServiceError("请选择有效的责任单位。", field="responsible_unit_id")
    if not breaks_down and target.breaks_down and db.session.scalar(
            sa.select(sa.func.count()).select_from(IndicatorTarget)
            .where(IndicatorTarget.target_id == target.id, IndicatorTarget.unit_id.is_not(None))):
        raise ServiceError("该指标已有分县市区园区的年度目标，请先删除这些目标再取消分解。", field="breaks_down")
    before = snapshot(target, INDICATOR_FIELDS)
    target.responsible_unit_id = responsible_unit_id
    target.breaks_down = bool(breaks_down)
    db.session.flush()
    record_update(actor, "indicator.update", target, before, INDICATOR_FIELDS)
    return target


# --- the month's status (the 月分析 section) ---------------------------------------------------------------------

def _plain(value):
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(round(value, 2))


def indicator_status(year: int, month: int, on: date) -> list:
    """Each indicator's actual, target, share and light as of (year, month), by the cockpit's rules; plain JSON
    values (a list of dicts), in the document's order. A fixed number of statements."""
    from app.ledger.cockpit import LIGHTS, expected_share, light_of, share_of

    snap = measures.Snapshot.load(year, month, on)
    rows = []
    for t in load_indicators():
        computed = measures.is_known(t.measure)
        actual = (snap.actual(t.measure) if computed else snap.entered_actual(t.id)).city
        target = snap.target_of(t)
        expected = expected_share(t.period, t.unit_label, year, month)
        share = share_of(actual, target)
        light = light_of(share, expected)
        rows.append({
            "code": t.code, "text": t.text, "unit_label": t.unit_label or "", "period": t.period or "",
            "computed": computed, "source": "台账计算" if computed else "单位填报",
            "whose": t.responsible_unit.short_name if t.responsible_unit else "—",
            "actual": _plain(actual), "target": _plain(target),
            "share": None if share is None else float(round(share * 100, 1)),
            "expected": float(round(expected * 100, 1)), "light": light, "light_label": LIGHTS[light],
        })
    return rows
