"""Monthly reporting (报送): saving a unit's month of figures, each save one whole submission (all or nothing).

- enterprise figures (营业收入 / 工业产值 / 税收, 万元, cumulative in the year) of the unit's own enterprises;
- project figures (完成投资 / 到位资金, 万元, cumulative in the year) of the unit's own projects;
- a chain's scale (亿元, cumulative in the year), by the unit that runs the chain (Chain.leader_unit);
- an entered indicator's value for a month (with its source), by its responsible unit, per county / park when
  the indicator breaks down.

Every row is checked before anything is written; a refusal (`ReportRefused`, a ServiceError) lists one Chinese
message per bad row, naming the row and the field: a negative amount, a figure for a month that has not ended, a
cumulative figure lower than an earlier month's of the same year without a reason, 完成投资 (project to date)
above 总投资, another unit's enterprise or project, a correction after the deadline without a reason. Each
created or changed figure is audited with its before and after; the submission is recorded against the unit's
duty (app.ledger.reporting_calendar) with its first time, due date and lateness. A December 营业收入 sets the
enterprise's revenue tier when it is the latest full year.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from app.core.audit import record_change
from app.core.clock import get_clock, utcnow
from app.core.errors import ServiceError
from app.extensions import db
from app.ledger import permissions
from app.ledger.models import (
    ChainFigure,
    Enterprise,
    EnterpriseFigure,
    IndicatorValue,
    Project,
    ProjectFigure,
    ReportSubject,
    enterprise_tier,
)
from app.ledger.reporting_calendar import (
    DEFAULT_DUE_WORKDAY,
    due_date,
    duty_for_submission,
    find_duty,
    is_future_month,
    month_label,
    month_start,
    record_submission,
)
from app.org.models import Chain, Target, Unit

MAX_AMOUNT = Decimal("100000000000000")  # the columns hold 16 digits, two of them decimals
MAX_ERRORS = 50
REASON_MAX = 500
SOURCE_MAX = 200

ENTERPRISE_FIELDS = (("revenue", "营业收入"), ("output", "工业产值"), ("tax", "税收"))
PROJECT_FIELDS = (("invested", "完成投资"), ("funds", "到位资金"))
CHAIN_FIELDS = (("scale", "产业链规模"),)
INDICATOR_FIELDS = (("value", "指标值"),)


class ReportRefused(ServiceError):
    """The submission was refused; `messages` has one Chinese message per bad row (naming the row and field)."""

    def __init__(self, messages, field=None):
        self.messages = list(messages)
        shown = self.messages[:MAX_ERRORS]
        if len(self.messages) > MAX_ERRORS:
            shown.append(f"……另有 {len(self.messages) - MAX_ERRORS} 处问题未列出。")
        self.messages = shown
        super().__init__("数据未保存：" + "；".join(shown), field=field)


@dataclass
class EnterpriseFigureInput:
    enterprise_id: int
    revenue: object = None
    output: object = None
    tax: object = None
    reason: str | None = None
    label: str | None = None  # how messages name the row (“第5行”); default: the enterprise's name


@dataclass
class ProjectFigureInput:
    project_id: int
    invested: object = None
    funds: object = None
    reason: str | None = None
    label: str | None = None


@dataclass
class ChainScaleInput:
    chain_id: int
    scale: object = None
    reason: str | None = None
    label: str | None = None


@dataclass
class IndicatorValueInput:
    target_id: int
    unit_id: int | None = None  # the county or park; None for the city
    value: object = None
    source_note: str | None = None
    reason: str | None = None
    label: str | None = None


@dataclass
class SaveResult:
    month: date
    rows: int = 0
    created: int = 0
    changed: int = 0
    submissions: list = field(default_factory=list)

    @property
    def message(self):
        if not self.created and not self.changed:
            return f"{month_label(self.month)}数据已报送（{self.rows} 条，与已有数据相同，没有变化）。"
        return (f"{month_label(self.month)}数据已报送：{self.rows} 条，其中新增 {self.created} 条、"
                f"更正 {self.changed} 条。")


# --- parsing --------------------------------------------------------------------------------------------------

def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def parse_amount(raw, what, label, errors, allow_negative=False):
    """A figure as a Decimal with two decimals; None when blank; appends a Chinese message on a bad value."""
    if _blank(raw):
        return None
    if isinstance(raw, bool):
        errors.append(f"{label}：{what}“{raw}”不是数字。")
        return None
    text = repr(raw) if isinstance(raw, float) else str(raw).strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        errors.append(f"{label}：{what}“{str(raw)[:20]}”不是数字。")
        return None
    if not value.is_finite():
        errors.append(f"{label}：{what}“{str(raw)[:20]}”不是数字。")
        return None
    if value < 0 and not allow_negative:
        errors.append(f"{label}：{what}不能为负数（填写的是 {text}）。")
        return None
    if value != value.quantize(Decimal("0.01")):
        errors.append(f"{label}：{what}最多保留两位小数（填写的是 {text}）。")
        return None
    if abs(value) >= MAX_AMOUNT:
        errors.append(f"{label}：{what}数值过大（{text}），请检查单位。")
        return None
    return value.quantize(Decimal("0.01"))


def _text(value, limit):
    text = " ".join(str(value or "").split())
    return text[:limit] or None


def _fmt(value):
    return "—" if value is None else f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)


# --- the common checks ----------------------------------------------------------------------------------------

def _check_month(month: date, on: date):
    if month != month_start(month):
        raise ReportRefused(["报送月份有误。"], field="month")
    if is_future_month(month, on):
        raise ReportRefused([f"报送月份：{month_label(month)}尚未结束，不能报送该月数据（月度数据在次月报送）。"],
                            field="month")


def _deadline(unit_id, subject, month, target_id=None):
    duty = find_duty(unit_id, subject, target_id)
    return due_date(month, duty.due_workday if duty is not None else DEFAULT_DUE_WORKDAY)


def _earlier_in_year(model, key_column, keys, month):
    """{key: {field: (month, value)}}: the latest earlier month of the same year with a value, per field."""
    found = defaultdict(dict)
    if not keys or month.month == 1:
        return found
    rows = db.session.scalars(sa.select(model).where(key_column.in_(keys), model.month >= date(month.year, 1, 1),
                                                     model.month < month).order_by(model.month))
    for row in rows:
        key = getattr(row, key_column.key)
        for name in ("revenue", "output", "tax", "invested", "funds", "scale"):
            value = getattr(row, name, None)
            if value is not None:
                found[key][name] = (row.month, value)
    return found


def _compare_row(label, fields, values, existing, earlier, reason, after_deadline, due_on, errors):
    """The checks of one row against its month's existing figure and the earlier months of the year. Returns
    whether the row changes anything."""
    changed = existing is None or any(getattr(existing, name) != values[name] for name, _ in fields)
    if existing is not None and changed and after_deadline and not reason:
        errors.append(f"{label}：报送截止日（{due_on.isoformat()}）已过，更正已报数据须填写说明（更正原因）。")
    if not changed:
        return False
    for name, what in fields:
        value = values[name]
        if value is None or name not in earlier:
            continue
        before_month, before_value = earlier[name]
        if value < before_value and not reason:
            errors.append(f"{label}：{what}为年初至本月累计数，{_fmt(value)} 低于{before_month.month}月的累计数 "
                          f"{_fmt(before_value)}，如确需调减请填写说明。")
    return changed


def _audit_write(actor, action, row, fields, values, existing_before, reason):
    if existing_before is None:
        record_change(actor, f"{action}.create", row, None,
                      {"month": row.month.isoformat(), **{n: _plain(values[n]) for n, _ in fields}}, reason=reason)
    else:
        before = {n: _plain(existing_before[n]) for n, _ in fields if existing_before[n] != values[n]}
        after = {n: _plain(values[n]) for n, _ in fields if existing_before[n] != values[n]}
        if after:
            record_change(actor, f"{action}.update", row, before, after, reason=reason)


def _write_figures(actor, result, plan, fields, action, make, now, after_write=None):
    """Write the planned rows of a submission (those whose values changed): a new figure from `make(owner)` or the
    existing one updated, who and when, the correction reason, an audit entry each; `after_write(owner, values)`
    for what follows a row (the enterprise's tier)."""
    for owner, values, current, changed, row_reason in plan:
        if not changed:
            continue
        before = {n: getattr(current, n) for n, _ in fields} if current is not None else None
        figure = current or make(owner)
        for name, _ in fields:
            setattr(figure, name, values[name])
        figure.reported_by_id, figure.reported_at = actor.id, now
        figure.correction_reason = row_reason if (current is not None or row_reason) else None
        if current is None:
            db.session.add(figure)
            result.created += 1
        else:
            result.changed += 1
        db.session.flush()
        _audit_write(actor, action, figure, fields, values, before, row_reason)
        if after_write is not None:
            after_write(owner, values)
    return result


def _plain(value):
    return None if value is None else str(value)


def _context(actor):
    now = utcnow()
    return now, now.astimezone(get_clock().tz).date()


# --- enterprise figures ---------------------------------------------------------------------------------------

def save_enterprise_figures(actor, unit: Unit, month: date, rows: list[EnterpriseFigureInput],
                            reason: str | None = None) -> SaveResult:
    """Save `unit`'s enterprise figures for `month` (one submission; all or nothing)."""
    now, on = _context(actor)
    _check_month(month, on)
    if not permissions.can_keep(actor, unit.id):
        raise ReportRefused([f"您不能代{unit.name}报送企业数据。"], field="unit")
    reason = _text(reason, REASON_MAX)
    ids = [r.enterprise_id for r in rows]
    enterprises = {e.id: e for e in db.session.scalars(sa.select(Enterprise).where(Enterprise.id.in_(ids)))} \
        if ids else {}
    existing = {f.enterprise_id: f for f in db.session.scalars(
        sa.select(EnterpriseFigure).where(EnterpriseFigure.enterprise_id.in_(ids), EnterpriseFigure.month == month))} \
        if ids else {}
    earlier = _earlier_in_year(EnterpriseFigure, EnterpriseFigure.enterprise_id, ids, month)
    due_on = _deadline(unit.id, ReportSubject.enterprise_figures, month)
    after_deadline = on > due_on
    errors, plan, seen = [], [], set()
    for row in rows:
        enterprise = enterprises.get(row.enterprise_id)
        label = row.label or (f"企业“{enterprise.name}”" if enterprise else f"企业编号 {row.enterprise_id}")
        if enterprise is None:
            errors.append(f"{label}：企业不在台账中。")
            continue
        if enterprise.unit_id != unit.id:
            errors.append(f"{label}：企业“{enterprise.name}”不属于{unit.name}，不能代其他单位报送。")
            continue
        if enterprise.id in seen:
            errors.append(f"{label}：企业“{enterprise.name}”重复出现。")
            continue
        seen.add(enterprise.id)
        values = {name: parse_amount(getattr(row, name), what, label, errors) for name, what in ENTERPRISE_FIELDS}
        if all(_blank(getattr(row, name)) for name, _ in ENTERPRISE_FIELDS):
            continue
        row_reason = _text(row.reason, REASON_MAX) or reason
        current = existing.get(enterprise.id)
        changed = _compare_row(label, ENTERPRISE_FIELDS, values, current, earlier.get(enterprise.id, {}),
                               row_reason, after_deadline, due_on, errors)
        plan.append((enterprise, values, current, changed, row_reason))
    if errors:
        raise ReportRefused(errors)
    if not plan:
        raise ReportRefused(["没有填写任何数据：请至少填写一家企业的数据。"])
    result = SaveResult(month, rows=len(plan))

    def tier_from_december(enterprise, values):
        if month.month == 12:
            _update_tier(actor, enterprise, month.year, values["revenue"])

    _write_figures(actor, result, plan, ENTERPRISE_FIELDS, "ledger.enterprise_figure",
                   lambda enterprise: EnterpriseFigure(enterprise_id=enterprise.id, month=month), now,
                   tier_from_december)
    result.submissions.append(record_submission(
        actor, duty_for_submission(actor, unit.id, ReportSubject.enterprise_figures), month, len(plan), now))
    return result


def _update_tier(actor, enterprise: Enterprise, year: int, revenue):
    """A December 营业收入 gives the tier when its year is the latest full year known for the enterprise."""
    if revenue is None or (enterprise.tier_year is not None and year < enterprise.tier_year):
        return
    tier = enterprise_tier(revenue)
    if (enterprise.revenue_tier, enterprise.tier_year) == (tier, year):
        return
    before = {"revenue_tier": enterprise.revenue_tier, "tier_year": enterprise.tier_year}
    enterprise.revenue_tier, enterprise.tier_year = tier, year
    db.session.flush()
    record_change(actor, "ledger.enterprise.tier", enterprise, before, {"revenue_tier": tier, "tier_year": year},
                  reason=f"{year}年12月营业收入累计 {_fmt(revenue)} 万元")


# --- project figures ------------------------------------------------------------------------------------------

def _earlier_years_invested(ids, year):
    """{project_id: sum of the earlier years' 完成投资}: each earlier year's latest row (its December when reported)."""
    if not ids:
        return {}
    latest = (sa.select(ProjectFigure.project_id, sa.func.max(ProjectFigure.month).label("month"))
              .where(ProjectFigure.project_id.in_(ids), ProjectFigure.month < date(year, 1, 1))
              .group_by(ProjectFigure.project_id, sa.func.extract("year", ProjectFigure.month))).subquery()
    rows = db.session.execute(
        sa.select(ProjectFigure.project_id, sa.func.sum(ProjectFigure.invested))
        .join(latest, sa.and_(latest.c.project_id == ProjectFigure.project_id, latest.c.month == ProjectFigure.month))
        .group_by(ProjectFigure.project_id))
    return {project_id: Decimal(total or 0) for project_id, total in rows}


def save_project_figures(actor, unit: Unit, month: date, rows: list[ProjectFigureInput],
                         reason: str | None = None) -> SaveResult:
    """Save `unit`'s project figures for `month` (one submission; all or nothing)."""
    now, on = _context(actor)
    _check_month(month, on)
    if not permissions.can_keep(actor, unit.id):
        raise ReportRefused([f"您不能代{unit.name}报送项目数据。"], field="unit")
    reason = _text(reason, REASON_MAX)
    ids = [r.project_id for r in rows]
    projects = {p.id: p for p in db.session.scalars(sa.select(Project).where(Project.id.in_(ids)))} if ids else {}
    existing = {f.project_id: f for f in db.session.scalars(
        sa.select(ProjectFigure).where(ProjectFigure.project_id.in_(ids), ProjectFigure.month == month))} \
        if ids else {}
    earlier = _earlier_in_year(ProjectFigure, ProjectFigure.project_id, ids, month)
    before_year = _earlier_years_invested(ids, month.year)
    due_on = _deadline(unit.id, ReportSubject.project_figures, month)
    after_deadline = on > due_on
    errors, plan, seen = [], [], set()
    for row in rows:
        project = projects.get(row.project_id)
        label = row.label or (f"项目“{project.name}”" if project else f"项目编号 {row.project_id}")
        if project is None:
            errors.append(f"{label}：项目不在台账中。")
            continue
        if project.unit_id != unit.id:
            errors.append(f"{label}：项目“{project.name}”不属于{unit.name}，不能代其他单位报送。")
            continue
        if project.id in seen:
            errors.append(f"{label}：项目“{project.name}”重复出现。")
            continue
        seen.add(project.id)
        values = {name: parse_amount(getattr(row, name), what, label, errors) for name, what in PROJECT_FIELDS}
        if all(_blank(getattr(row, name)) for name, _ in PROJECT_FIELDS):
            continue
        if _blank(row.invested):
            errors.append(f"{label}：完成投资不能为空（填写到位资金时须同时填写完成投资）。")
            continue
        row_reason = _text(row.reason, REASON_MAX) or reason
        current = existing.get(project.id)
        changed = _compare_row(label, PROJECT_FIELDS, values, current, earlier.get(project.id, {}), row_reason,
                               after_deadline, due_on, errors)
        if values["invested"] is not None:
            to_date = before_year.get(project.id, Decimal(0)) + values["invested"]
            if to_date > project.total_investment:
                errors.append(f"{label}：完成投资累计（开工以来 {_fmt(to_date)} 万元，含以前年度 "
                              f"{_fmt(before_year.get(project.id, Decimal(0)))} 万元）超过总投资 "
                              f"{_fmt(project.total_investment)} 万元。")
        plan.append((project, values, current, changed, row_reason))
    if errors:
        raise ReportRefused(errors)
    if not plan:
        raise ReportRefused(["没有填写任何数据：请至少填写一个项目的数据。"])
    result = SaveResult(month, rows=len(plan))
    _write_figures(actor, result, plan, PROJECT_FIELDS, "ledger.project_figure",
                   lambda project: ProjectFigure(project_id=project.id, month=month), now)
    result.submissions.append(record_submission(
        actor, duty_for_submission(actor, unit.id, ReportSubject.project_figures), month, len(plan), now))
    return result


# --- chain scale ----------------------------------------------------------------------------------------------

def save_chain_scale(actor, unit: Unit, month: date, rows: list[ChainScaleInput],
                     reason: str | None = None) -> SaveResult:
    """Save the scale (亿元) of the chains `unit` runs, for `month` (one submission; all or nothing)."""
    now, on = _context(actor)
    _check_month(month, on)
    reason = _text(reason, REASON_MAX)
    ids = [r.chain_id for r in rows]
    chains = {c.id: c for c in db.session.scalars(sa.select(Chain).where(Chain.id.in_(ids)))} if ids else {}
    existing = {f.chain_id: f for f in db.session.scalars(
        sa.select(ChainFigure).where(ChainFigure.chain_id.in_(ids), ChainFigure.month == month))} if ids else {}
    earlier = _earlier_in_year(ChainFigure, ChainFigure.chain_id, ids, month)
    due_on = _deadline(unit.id, ReportSubject.chain_scale, month)
    after_deadline = on > due_on
    errors, plan, seen = [], [], set()
    for row in rows:
        chain = chains.get(row.chain_id)
        label = row.label or (f"产业链“{chain.name}”" if chain else f"产业链编号 {row.chain_id}")
        if chain is None:
            errors.append(f"{label}：产业链不存在。")
            continue
        if chain.leader_unit_id != unit.id or not permissions.can_report_chain(actor, chain):
            errors.append(f"{label}：产业链“{chain.name}”的规模不由{unit.name}报送（由牵头推进单位报送）。")
            continue
        if chain.id in seen:
            errors.append(f"{label}：产业链“{chain.name}”重复出现。")
            continue
        seen.add(chain.id)
        values = {"scale": parse_amount(row.scale, "产业链规模", label, errors)}
        if _blank(row.scale):
            continue
        row_reason = _text(row.reason, REASON_MAX) or reason
        current = existing.get(chain.id)
        changed = _compare_row(label, CHAIN_FIELDS, values, current, earlier.get(chain.id, {}), row_reason,
                               after_deadline, due_on, errors)
        plan.append((chain, values, current, changed, row_reason))
    if errors:
        raise ReportRefused(errors)
    if not plan:
        raise ReportRefused(["没有填写任何数据：请至少填写一条产业链的规模。"])
    result = SaveResult(month, rows=len(plan))
    _write_figures(actor, result, plan, CHAIN_FIELDS, "ledger.chain_figure",
                   lambda chain: ChainFigure(chain_id=chain.id, month=month), now)
    result.submissions.append(record_submission(
        actor, duty_for_submission(actor, unit.id, ReportSubject.chain_scale), month, len(plan), now))
    return result


# --- indicator values -----------------------------------------------------------------------------------------

def allows_negative(target: Target) -> bool:
    """Growth rates (增速, 增长) may be negative; counts, amounts and shares may not."""
    return any(word in (target.text or "") for word in ("增速", "增长"))


def save_indicator_values(actor, unit: Unit, month: date, rows: list[IndicatorValueInput],
                          reason: str | None = None) -> SaveResult:
    """Save the entered indicators `unit` answers for, for the period ending with `month` (all or nothing); one
    submission per indicator."""
    now, on = _context(actor)
    _check_month(month, on)
    reason = _text(reason, REASON_MAX)
    ids = sorted({r.target_id for r in rows})
    targets = {t.id: t for t in db.session.scalars(sa.select(Target).where(Target.id.in_(ids)))} if ids else {}
    existing = {(v.target_id, v.unit_id): v for v in db.session.scalars(
        sa.select(IndicatorValue).where(IndicatorValue.target_id.in_(ids), IndicatorValue.month == month))} \
        if ids else {}
    area_ids = {r.unit_id for r in rows if r.unit_id is not None}
    areas = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_(area_ids)))} if area_ids else {}
    errors, plan, seen = [], [], set()
    deadlines = {}
    for row in rows:
        target = targets.get(row.target_id)
        label = row.label or (f"指标“{target.code or target.text}”" if target else f"指标编号 {row.target_id}")
        if target is None or target.is_computed:
            errors.append(f"{label}：不是由单位填报的指标。")
            continue
        if target.responsible_unit_id != unit.id or not permissions.can_report_indicator(actor, target):
            errors.append(f"{label}：指标“{target.text}”不由{unit.name}填报。")
            continue
        if row.unit_id is not None:
            area = areas.get(row.unit_id)
            if area is None or not target.breaks_down:
                errors.append(f"{label}：该指标不分县市区（园区）填报，或县市区（园区）不存在。")
                continue
            label = row.label or f"指标“{target.code or target.text}”（{area.short_name}）"
        key = (target.id, row.unit_id)
        if key in seen:
            errors.append(f"{label}：重复出现。")
            continue
        seen.add(key)
        if _blank(row.value):
            continue
        value = parse_amount(row.value, "指标值", label, errors, allow_negative=allows_negative(target))
        source_note = _text(row.source_note, SOURCE_MAX)
        if not source_note:
            errors.append(f"{label}：请填写数据来源（如 市统计局{month.month}月月报）。")
        if value is None:
            continue
        if target.id not in deadlines:
            deadlines[target.id] = _deadline(unit.id, ReportSubject.indicator, month, target.id)
        due_on = deadlines[target.id]
        row_reason = _text(row.reason, REASON_MAX) or reason
        current = existing.get(key)
        changed = current is None or current.value != value or current.source_note != source_note
        if current is not None and changed and on > due_on and not row_reason:
            errors.append(f"{label}：报送截止日（{due_on.isoformat()}）已过，更正已报数据须填写说明（更正原因）。")
        plan.append((target, row.unit_id, value, source_note, current, changed, row_reason))
    if errors:
        raise ReportRefused(errors)
    if not plan:
        raise ReportRefused(["没有填写任何数据：请至少填写一项指标值。"])
    result = SaveResult(month, rows=len(plan))
    per_target = defaultdict(int)
    for target, area_id, value, source_note, current, changed, row_reason in plan:
        per_target[target.id] += 1
        if not changed:
            continue
        before = {"value": _plain(current.value), "source_note": current.source_note} if current else None
        row = current or IndicatorValue(target_id=target.id, unit_id=area_id, month=month)
        row.value, row.source_note = value, source_note
        row.reported_by_id, row.reported_at = actor.id, now
        row.correction_reason = row_reason if (current is not None or row_reason) else None
        if current is None:
            db.session.add(row)
            result.created += 1
        else:
            result.changed += 1
        db.session.flush()
        after = {"value": _plain(value), "source_note": source_note}
        if before is None:
            record_change(actor, "ledger.indicator_value.create", row, None,
                          {"month": month.isoformat(), "unit_id": area_id, **after}, reason=row_reason)
        else:
            keys = [k for k in after if before[k] != after[k]]
            record_change(actor, "ledger.indicator_value.update", row, {k: before[k] for k in keys},
                          {k: after[k] for k in keys}, reason=row_reason)
    for target_id, count in per_target.items():
        result.submissions.append(record_submission(
            actor, duty_for_submission(actor, unit.id, ReportSubject.indicator, target_id), month, count, now))
    return result


SAVERS = {
    ReportSubject.enterprise_figures: save_enterprise_figures,
    ReportSubject.project_figures: save_project_figures,
    ReportSubject.chain_scale: save_chain_scale,
    ReportSubject.indicator: save_indicator_values,
}


def save_submission(actor, unit: Unit, subject: ReportSubject, month: date, rows, reason=None) -> SaveResult:
    """One entry point for the page, the Excel upload and the API: the saver of `subject`."""
    return SAVERS[ReportSubject(subject)](actor, unit, month, rows, reason)


# --- what a unit reports: the rows of its page and its Excel template ------------------------------------------

FIELDS_OF = {
    ReportSubject.enterprise_figures: ENTERPRISE_FIELDS,
    ReportSubject.project_figures: PROJECT_FIELDS,
    ReportSubject.chain_scale: CHAIN_FIELDS,
    ReportSubject.indicator: INDICATOR_FIELDS,
}
UNIT_OF = {
    ReportSubject.enterprise_figures: "万元",
    ReportSubject.project_figures: "万元",
    ReportSubject.chain_scale: "亿元",
}


@dataclass
class ReportLine:
    """One row a unit reports for a month: the object, last month's values and this month's (when reported)."""

    key: int  # the enterprise, project, chain or indicator (target) id
    code: str  # 统一社会信用代码, 项目编号, the chain's name, the indicator's code
    name: str
    area_id: int | None = None  # indicator: the county or park (None: the city)
    area: str = ""
    extra: str = ""  # 总投资 of a project, the unit of an indicator
    previous: dict = field(default_factory=dict)
    current: dict = field(default_factory=dict)
    source_note: str = ""
    previous_source: str = ""
    reason: str = ""

    @property
    def prefix(self):
        """The page's input names: f"{prefix}-{field}"."""
        return f"r{self.key}-{self.area_id or 0}"

    @property
    def reported(self):
        return any(v is not None for v in self.current.values())


def reporting_areas():
    """The counties and parks, in unit order (indicators broken down by county / park)."""
    from app.ledger.reporting_calendar import COUNTY_GROUPS

    return db.session.scalars(sa.select(Unit).where(Unit.group.in_(COUNTY_GROUPS), Unit.is_active.is_(True))
                              .order_by(Unit.sort_order, Unit.id)).all()


def _by_key(model, key_column, keys, month):
    if not keys:
        return {}
    return {getattr(row, key_column.key): row for row in db.session.scalars(
        sa.select(model).where(key_column.in_(keys), model.month == month))}


def report_lines(unit: Unit, subject: ReportSubject, month: date) -> list[ReportLine]:
    """The rows `unit` reports under `subject` for `month`, with last month's and this month's values (three or
    four queries, whatever the number of rows)."""
    from app.ledger.reporting_calendar import previous_month

    subject = ReportSubject(subject)
    before = previous_month(month)
    lines = []
    if subject is ReportSubject.enterprise_figures:
        objects = db.session.scalars(sa.select(Enterprise).where(Enterprise.unit_id == unit.id,
                                                                 Enterprise.is_active.is_(True))
                                     .order_by(Enterprise.name, Enterprise.id)).all()
        ids = [o.id for o in objects]
        now, last = (_by_key(EnterpriseFigure, EnterpriseFigure.enterprise_id, ids, m) for m in (month, before))
        for o in objects:
            lines.append(ReportLine(o.id, o.uscc, o.name, previous=_values(last.get(o.id), ENTERPRISE_FIELDS),
                                    current=_values(now.get(o.id), ENTERPRISE_FIELDS),
                                    reason=(now[o.id].correction_reason or "") if o.id in now else ""))
    elif subject is ReportSubject.project_figures:
        objects = db.session.scalars(sa.select(Project).where(Project.unit_id == unit.id, Project.is_active.is_(True))
                                     .order_by(Project.code)).all()
        ids = [o.id for o in objects]
        now, last = (_by_key(ProjectFigure, ProjectFigure.project_id, ids, m) for m in (month, before))
        for o in objects:
            lines.append(ReportLine(o.id, o.code, o.name, extra=_fmt(o.total_investment),
                                    previous=_values(last.get(o.id), PROJECT_FIELDS),
                                    current=_values(now.get(o.id), PROJECT_FIELDS),
                                    reason=(now[o.id].correction_reason or "") if o.id in now else ""))
    elif subject is ReportSubject.chain_scale:
        objects = db.session.scalars(sa.select(Chain).where(Chain.leader_unit_id == unit.id)
                                     .order_by(Chain.sort_order, Chain.id)).all()
        ids = [o.id for o in objects]
        now, last = (_by_key(ChainFigure, ChainFigure.chain_id, ids, m) for m in (month, before))
        for o in objects:
            lines.append(ReportLine(o.id, o.name, o.name, extra=f"{o.tier}亿级",
                                    previous=_values(last.get(o.id), CHAIN_FIELDS),
                                    current=_values(now.get(o.id), CHAIN_FIELDS),
                                    reason=(now[o.id].correction_reason or "") if o.id in now else ""))
    else:
        targets = db.session.scalars(sa.select(Target).where(Target.responsible_unit_id == unit.id,
                                                             Target.measure.is_(None))
                                     .order_by(Target.sort_order, Target.id)).all()
        areas = reporting_areas() if any(t.breaks_down for t in targets) else []
        ids = [t.id for t in targets]
        values = defaultdict(dict)
        if ids:
            for v in db.session.scalars(sa.select(IndicatorValue).where(IndicatorValue.target_id.in_(ids),
                                                                        IndicatorValue.month.in_((month, before)))):
                values[v.month][(v.target_id, v.unit_id)] = v
        for t in targets:
            for area in [None, *(areas if t.breaks_down else [])]:
                key = (t.id, area.id if area else None)
                current, last = values[month].get(key), values[before].get(key)
                lines.append(ReportLine(
                    t.id, t.code or str(t.id), t.text, area_id=area.id if area else None,
                    area=area.short_name if area else "全市", extra=t.unit_label or "",
                    previous={"value": last.value if last else None},
                    current={"value": current.value if current else None},
                    source_note=current.source_note if current else "",
                    previous_source=last.source_note if last else "",
                    reason=(current.correction_reason or "") if current else ""))
    return lines


def _values(row, fields):
    return {name: getattr(row, name) if row is not None else None for name, _ in fields}


def inputs_from_lines(subject: ReportSubject, lines, get, labels=None):
    """The service inputs from a form: `get(name)` reads the field f"{line.prefix}-{field}" (the page's names)."""
    subject = ReportSubject(subject)
    rows = []
    for line in lines:
        def value(name, line=line):
            return get(f"{line.prefix}-{name}")

        if subject is ReportSubject.enterprise_figures:
            rows.append(EnterpriseFigureInput(line.key, value("revenue"), value("output"), value("tax")))
        elif subject is ReportSubject.project_figures:
            rows.append(ProjectFigureInput(line.key, value("invested"), value("funds")))
        elif subject is ReportSubject.chain_scale:
            rows.append(ChainScaleInput(line.key, value("scale")))
        else:
            rows.append(IndicatorValueInput(line.key, line.area_id, value("value"), value("source_note")))
    return rows
