"""考评细则 drafting (附件2 六(一)): an assessor's book of indicators for a year — each with its method and
parameters, data source, points per component profile and yearly targets per assessed unit — started from the
annex-2 defaults or from the previous year's published book, edited while it is a draft (or returned), and
checked by `book_problems` before it may be submitted (the approval chain, `criteria_approval`, calls it).

Who reads a book: the office, the leaders, the observers and the staff of every assessing unit read every
version; an assessed unit reads a book only once it is published (its own targets are another page). Who edits:
the staff of the assessor's unit (`YearRules.assessor_units`) and the office's administrators. Every change is
audited with its before and after; services flush, the request commits.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.core import text
from app.core.audit import record_change
from app.core.errors import Conflict, PermissionDenied, ServiceError
from app.core.numbers import NUMBER_RE, parse_number
from app.extensions import db
from app.org.models import Target, Unit
from app.scoring import criteria_queries, engine
from app.scoring.criteria_defaults import DEFAULT_INDICATORS
from app.scoring.engine import decimal_text as fmt
from app.scoring.models import (
    CriteriaBook,
    CriteriaIndicator,
    CriteriaMethod,
    CriteriaSource,
    CriteriaStatus,
    CriteriaTarget,
)
from app.scoring.year_rules import load_year_rules

CODE_RE = re.compile(r"^[A-Za-z0-9_]{1,32}$")
# A number typed into the 细则: plain digits with at most four decimals (no exponent: "1e999999" would be a
# million-digit string once written out).
POINTS_PLACES = engine.CENT  # points are scores: two decimals at most
TARGET_PLACES = Decimal("0.0001")  # criteria_targets.value is Numeric(18, 4)
TARGET_LIMIT = Decimal(10) ** 14
RATE_KEYS = {"rate:start": "重点产业项目开工率", "rate:invest": "重点产业项目投资完成率",
             "rate:funds": "招引项目资金到位率"}
NAME_MAX, UNIT_MAX, DESCRIPTION_MAX, NOTE_MAX = 100, 20, 2000, 2000
NO_ACTUAL = (engine.Method.manual, engine.Method.tasks, engine.Method.rating)
INDICATOR_FIELDS = ("code", "name", "description", "method", "params", "source", "ledger_key", "measure_unit",
                    "points", "co_assessor_unit_id", "sort_order")


# --- who reads and who edits --------------------------------------------------------------------------------

def assessor_unit_ids(year_rules):
    """The units that assess under the year's rules (the eight assessors and the sub-items' co-assessors)."""
    return set(year_rules.assessor_units.values()) | set(year_rules.sub_item_assessors.values())


def reads_drafts(user, year_rules):
    """The office, leaders, observers and every assessor's staff read every version, drafts included."""
    return user.reads_all or (user.unit_id is not None and user.unit_id in assessor_unit_ids(year_rules))


def may_read(user, book, year_rules):
    if book is None:
        return reads_drafts(user, year_rules)
    if book.status in (CriteriaStatus.published, CriteriaStatus.superseded):
        return True
    return reads_drafts(user, year_rules)


def may_edit(user, assessor, year_rules):
    """The assessor's own staff, or the office's administrators acting for it."""
    if user.is_admin:
        return True
    return user.works_in_unit and user.unit_id == year_rules.assessor_units.get(assessor)


def _check_editor(actor, assessor, year_rules):
    if not may_edit(actor, assessor, year_rules):
        raise PermissionDenied(f"只有{engine.assessor_label(assessor)}的工作人员或千百十办可以修改其考评细则。")


def _check_editable(book):
    if book.status not in criteria_queries.EDITABLE:
        if book.status is CriteriaStatus.published:
            raise ServiceError(f"第 {book.version} 版考评细则已发布，不能直接修改；"
                               "如需调整，请发起修订（新版本须重新审定）。")
        raise ServiceError(f"第 {book.version} 版考评细则当前状态为“{book.status.label}”，不能修改；"
                           "只有起草中或已退回修改的细则可以修改。")


def check_assessor(assessor):
    if assessor not in criteria_queries.ASSESSOR_ORDER:
        raise ServiceError(f"未知的考评单位“{str(assessor)[:20]}”。")
    return assessor


# --- reading ------------------------------------------------------------------------------------------------

def book_with_rows(book_id):
    """A book with its indicators, their targets and co-assessing units (three statements)."""
    return db.session.scalar(sa.select(CriteriaBook).where(CriteriaBook.id == book_id).options(
        selectinload(CriteriaBook.indicators).selectinload(CriteriaIndicator.targets),
        selectinload(CriteriaBook.indicators).selectinload(CriteriaIndicator.co_assessor_unit)))


def current_books(year):
    """{assessor: its newest version} of a year, indicators and targets loaded (three statements)."""
    newest = sa.select(CriteriaBook.assessor, sa.func.max(CriteriaBook.version).label("version")) \
        .where(CriteriaBook.year == year).group_by(CriteriaBook.assessor).subquery()
    query = sa.select(CriteriaBook).join(newest, sa.and_(CriteriaBook.assessor == newest.c.assessor,
                                                         CriteriaBook.version == newest.c.version)) \
        .where(CriteriaBook.year == year) \
        .options(selectinload(CriteriaBook.indicators).selectinload(CriteriaIndicator.targets))
    return {b.assessor: b for b in db.session.scalars(query)}


def ledger_keys():
    """{key: label} of the ledger indicators an actual may come from: the programme's indicator codes (the
    `targets` table's `code`) and the cockpit's project rates (one statement)."""
    keys = {code: f"{code} {name}" for code, name in db.session.execute(
        sa.select(Target.code, Target.text).where(Target.code.is_not(None)).order_by(Target.code))}
    keys.update({key: f"{key} {label}" for key, label in RATE_KEYS.items()})
    return keys


def profile_labels(year_rules):
    return {code: profile.label for code, profile in year_rules.rules.profiles.items()}


def profile_columns(year_rules, assessor):
    """[(profile code, label, component maximum)] of the profiles an indicator may have points for."""
    labels = profile_labels(year_rules)
    return [(code, labels.get(code, code), maximum)
            for code, maximum in criteria_queries.component_maxima(year_rules, assessor).items()]


def applicable_units(indicator, year_rules, units):
    """The assessed units (of `units`, in their order) whose profile has points for the indicator."""
    points = indicator.points or {}
    return [u for u in units if year_rules.unit_profiles.get(u.id) in points]


def _unit_names():
    return dict(db.session.execute(sa.select(Unit.id, Unit.short_name)).all())


@dataclass
class IndicatorSummary:
    """An indicator as the book page lists it: its method and source in words, and how many of the units it
    applies to have a yearly target (those missing named when the method needs one)."""

    row: CriteriaIndicator
    method: str
    params: str
    source: str
    needs_target: bool
    applies: int
    with_target: int
    missing: list


def source_text(row, keys):
    """Where an indicator's actual comes from, in words (`keys`: `ledger_keys()`)."""
    if row.source is CriteriaSource.ledger:
        return f"台账：{keys.get(row.ledger_key, row.ledger_key)}"
    return row.source.label


def book_summary(book, year_rules, units):
    """([IndicatorSummary], {profile code: the points of its indicators added up}) of a book: what its page shows
    beside `book_problems`."""
    keys = ledger_keys()
    indicators = []
    for row in book.indicators:
        applies = applicable_units(row, year_rules, units)
        has = {t.unit_id for t in row.targets}
        needs = engine.Method(row.method.value).needs_target
        indicators.append(IndicatorSummary(
            row=row, method=row.method.label, params=engine.params_text(row.method.value, row.params),
            source=source_text(row, keys), needs_target=needs, applies=len(applies),
            with_target=sum(1 for u in applies if u.id in has),
            missing=[u.short_name for u in applies if u.id not in has] if needs else []))
    totals = {code: sum((engine.to_decimal(r.points[code]) for r in book.indicators if code in (r.points or {})),
                        engine.ZERO) for code, _, _ in profile_columns(year_rules, book.assessor)}
    return indicators, totals


def book_problems(book, year_rules=None, unit_names=None) -> list[str]:
    """Everything (in Chinese) that keeps the book from being submitted: the indicators' checks (codes, method
    parameters, points adding up to each profile's component maximum), the office's task indicator, the quarter
    shares, and every assessed unit missing a yearly target for an indicator whose method needs one."""
    year_rules = year_rules or load_year_rules(book.year)
    names = unit_names if unit_names is not None else _unit_names()
    maxima = criteria_queries.component_maxima(year_rules, book.assessor)
    rows = list(book.indicators)
    indicators = [criteria_queries.engine_indicator(row) for row in rows]
    if not maxima:
        problems = [f"{year_rules.year} 年度考评规则中没有哪类单位设有"
                    f"{engine.assessor_label(book.assessor)}的考评得分。"]
    else:
        problems = engine.check_indicators(indicators, maxima, profile_labels(year_rules))
    for row in rows:
        if row.method is CriteriaMethod.tasks and book.assessor != "office":
            problems.append(f"“{row.name}”按交办事项计算，只能设在千百十办的考评细则中。")
        if row.source is CriteriaSource.ledger and row.ledger_key is None:
            problems.append(f"“{row.name}”的实际值取自台账，但没有选择台账指标。")
    problems += [f"季度进度：{m}" for m in engine.check_quarter_shares(book.quarter_shares or [])]
    missing = {}
    for indicator, unit_id in engine.missing_targets(indicators, year_rules.unit_profiles,
                                                     criteria_queries.targets_of(book)):
        missing.setdefault(indicator.name, []).append(names.get(unit_id, str(unit_id)))
    for name, units in missing.items():
        problems.append(f"“{name}”缺少以下单位的年度目标：{'、'.join(units)}。")
    return problems


# --- parsing typed values -----------------------------------------------------------------------------------

def parse_target(raw, label):
    value = parse_number(raw, label, places=TARGET_PLACES)
    if value >= TARGET_LIMIT:
        raise ServiceError(f"{label}：数值过大。")
    return value


def _plain_params(params):
    """Refuse parameters that are not plain numbers (an exponent, a word) before the engine reads them."""
    errors = []

    def check(value):
        if isinstance(value, list | tuple):
            for item in value:
                check(item)
        elif value is not None and not NUMBER_RE.match(str(value).strip()):
            errors.append(f"计分参数“{str(value)[:20]}”不是有效的数值。")

    for key, value in (params or {}).items():
        if key != "progress":  # 进度口径: a word the engine checks (engine.PROGRESS_LABELS)
            check(value)
    return errors


# --- starting a draft ---------------------------------------------------------------------------------------

def _flush_unique(message):
    """Flush inside a savepoint; a unique constraint hit by a concurrent request becomes a Chinese refusal."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(message) from None


def indicator_snapshot(row):
    return {"code": row.code, "name": row.name, "description": row.description, "method": row.method.value,
            "params": row.params, "source": row.source.value, "ledger_key": row.ledger_key,
            "measure_unit": row.measure_unit, "points": row.points, "co_assessor_unit_id": row.co_assessor_unit_id,
            "sort_order": row.sort_order}


def _new_book(actor, year, assessor, year_rules):
    year = int(year)
    if not 2000 <= year <= 2100:
        raise ServiceError("年份应在 2000 到 2100 之间。")
    check_assessor(assessor)
    _check_editor(actor, assessor, year_rules)
    existing = criteria_queries.current_book(year, assessor)
    if existing is not None:
        raise Conflict(f"{year} 年度{engine.assessor_label(assessor)}的考评细则已经建立（第 {existing.version} 版，"
                       f"{existing.status.label}），不能重复建立。")
    book = CriteriaBook(year=year, assessor=assessor, version=1, status=CriteriaStatus.draft,
                        quarter_shares=[fmt(s) for s in engine.DEFAULT_QUARTER_SHARES])
    db.session.add(book)
    return book


def start_from_defaults(actor, year, assessor):
    """Version 1 of the year's book from the indicators annex 2 三 names (`criteria_defaults`): points kept only
    for the profiles that have the assessor's component this year, co-assessors resolved to units."""
    year_rules = load_year_rules(int(year))
    book = _new_book(actor, year, assessor, year_rules)
    book.note = "依据《考核评价办法》附件2 三起草"
    maxima = criteria_queries.component_maxima(year_rules, assessor)
    units = {}
    for unit in db.session.scalars(sa.select(Unit)):
        units.setdefault(unit.short_name, unit.id)
        units[unit.name] = unit.id
    for order, default in enumerate(DEFAULT_INDICATORS.get(assessor, ()), start=1):
        book.indicators.append(CriteriaIndicator(
            code=default.code, name=default.name, description=default.description or None,
            method=CriteriaMethod(default.method), params=engine.normalize_params(default.method, default.params),
            source=CriteriaSource(default.source), ledger_key=default.ledger_key, measure_unit=default.measure_unit,
            points={p: v for p, v in default.points.items() if p in maxima},
            co_assessor_unit_id=units.get(default.co_assessor) if default.co_assessor else None,
            sort_order=order * 10))
    _flush_unique("考评细则已由他人同时建立，请刷新页面。")
    record_change(actor, "criteria.book.start", book, after={
        "year": book.year, "assessor": assessor, "version": 1, "from": "defaults",
        "indicators": [i.code for i in book.indicators]})
    return book


def start_from_previous(actor, year, assessor):
    """Version 1 of the year's book as a copy of the previous year's published book, targets included (those
    of units the indicator still applies to this year)."""
    year_rules = load_year_rules(int(year))
    previous = criteria_queries.published_book(int(year) - 1, assessor)
    if previous is None:
        raise ServiceError(f"{int(year) - 1} 年度{engine.assessor_label(assessor)}没有已发布的考评细则，"
                           "请从附件2的默认指标起草。")
    book = _new_book(actor, year, assessor, year_rules)
    book.note = f"沿用 {previous.year} 年度第 {previous.version} 版（已发布）"
    book.quarter_shares = list(previous.quarter_shares or book.quarter_shares)
    maxima = criteria_queries.component_maxima(year_rules, assessor)
    copied = 0
    for old in previous.indicators:
        points = {p: v for p, v in (old.points or {}).items() if p in maxima}
        row = CriteriaIndicator(
            code=old.code, name=old.name, description=old.description, method=old.method, params=dict(old.params or {}),
            source=old.source, ledger_key=old.ledger_key, measure_unit=old.measure_unit, points=points,
            co_assessor_unit_id=old.co_assessor_unit_id, sort_order=old.sort_order)
        for target in old.targets:
            if year_rules.unit_profiles.get(target.unit_id) in points:
                row.targets.append(CriteriaTarget(unit_id=target.unit_id, value=target.value))
                copied += 1
        book.indicators.append(row)
    _flush_unique("考评细则已由他人同时建立，请刷新页面。")
    record_change(actor, "criteria.book.start", book, after={
        "year": book.year, "assessor": assessor, "version": 1, "from": f"book {previous.id}",
        "indicators": [i.code for i in book.indicators], "targets": copied})
    return book


# --- the book's settings ------------------------------------------------------------------------------------

def set_book_settings(actor, book, shares, note):
    """The quarter shares (cumulative % of a yearly target due by each quarter's end) and the assessor's note."""
    year_rules = load_year_rules(book.year)
    _check_editor(actor, book.assessor, year_rules)
    _check_editable(book)
    shares = ["" if s is None else str(s).strip() for s in shares]
    bad = [s for s in shares if s and not NUMBER_RE.match(s)]
    if bad:
        raise ServiceError(f"季度进度“{bad[0][:20]}”不是有效的数值。", field="q1")
    errors = engine.check_quarter_shares(shares)
    if errors:
        raise ServiceError("；".join(errors), field="q1")
    note = text.multi_line(note, "说明", NOTE_MAX) or None
    before = {"quarter_shares": book.quarter_shares, "note": book.note}
    book.quarter_shares = [fmt(Decimal(s)) for s in shares]
    book.note = note
    after = {"quarter_shares": book.quarter_shares, "note": book.note}
    if before != after:
        record_change(actor, "criteria.book.settings", book, before, after)
    db.session.flush()
    return book


# --- indicators ---------------------------------------------------------------------------------------------

@dataclass
class IndicatorInput:
    """An indicator as typed: every value raw (text), checked by the service."""

    code: str
    name: str
    method: str
    params: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)  # profile code -> typed points ('' or None: not scored)
    source: str = "entered"
    ledger_key: str | None = None
    measure_unit: str | None = None
    description: str | None = None
    co_assessor_unit_id: int | None = None
    sort_order: int | None = None


def _checked(book, data: IndicatorInput, year_rules, current=None):
    """The indicator's column values, or a ServiceError naming the field (with all of a field's problems)."""
    code = (data.code or "").strip()
    if not CODE_RE.match(code):
        raise ServiceError("指标代码只能由英文字母、数字和下划线组成（1 至 32 个字符），如 above_scale。", field="code")
    if any(row.code == code and row is not current for row in book.indicators):
        raise ServiceError(f"本细则已有代码为“{code}”的指标，请换一个代码。", field="code")
    name = text.one_line(data.name, "指标名称", NAME_MAX, required=True, field="name")
    description = text.multi_line(data.description, "考评要点", DESCRIPTION_MAX, field="description") or None
    measure_unit = text.one_line(data.measure_unit, "计量单位", UNIT_MAX, field="measure_unit") or None
    try:
        method = engine.Method(data.method)
    except ValueError:
        raise ServiceError("请从列表中选择计分方法。", field="method") from None
    if method is engine.Method.tasks or code == engine.TASKS_CODE:
        if book.assessor != "office":
            raise ServiceError("交办事项落实由系统按交办事项计算，只能设在千百十办的考评细则中。", field="method")
        if method is not engine.Method.tasks or code != engine.TASKS_CODE:
            raise ServiceError(f"千百十办的交办事项指标代码应为“{engine.TASKS_CODE}”，"
                               f"计分方法为“{engine.Method.tasks.label}”；代码“{engine.TASKS_CODE}”不能用于其他指标。",
                               field="code")
    errors = _plain_params(data.params) or engine.check_params(method, data.params)
    if errors:
        raise ServiceError("；".join(errors), field="params")
    params = engine.normalize_params(method, data.params)
    if method in NO_ACTUAL:
        source, ledger_key = CriteriaSource.none, None
    else:
        try:
            source = CriteriaSource(data.source)
        except ValueError:
            raise ServiceError("请从列表中选择实际值来源。", field="source") from None
        if source is CriteriaSource.none:
            raise ServiceError(f"“{method.label}”要有实际值：请选择取自台账指标或由考评单位填报。", field="source")
        ledger_key = (data.ledger_key or "").strip() or None
        if source is CriteriaSource.ledger:
            if ledger_key is None:
                raise ServiceError("实际值取自台账时，请选择台账指标。", field="ledger_key")
            if ledger_key not in ledger_keys():
                raise ServiceError(f"台账中没有指标“{ledger_key[:30]}”，请从列表中选择台账指标"
                                   "（如 G13、P8-1，或 rate:start、rate:invest、rate:funds）。", field="ledger_key")
        else:
            ledger_key = None
    points = _checked_points(data.points, year_rules, book.assessor)
    co_unit = data.co_assessor_unit_id
    if co_unit is not None:
        if db.session.get(Unit, co_unit) is None:
            raise ServiceError("请从列表中选择会同考评单位。", field="co_assessor_unit_id")
        if co_unit == year_rules.assessor_units.get(book.assessor):
            raise ServiceError("会同考评单位不能是本考评单位自己。", field="co_assessor_unit_id")
    sort_order = data.sort_order
    if sort_order is None:
        sort_order = current.sort_order if current is not None else \
            max((row.sort_order for row in book.indicators), default=0) + 10
    elif not -100000 <= sort_order <= 100000:
        raise ServiceError("排序号应在 -100000 到 100000 之间。", field="sort_order")
    return {"code": code, "name": name, "description": description, "method": CriteriaMethod(method.value),
            "params": params, "source": source, "ledger_key": ledger_key, "measure_unit": measure_unit,
            "points": points, "co_assessor_unit_id": co_unit, "sort_order": sort_order}


def _checked_points(raw_points, year_rules, assessor):
    """{profile: points text}: each above 0 with two decimals at most and not above the component's maximum;
    blank: the profile does not score the indicator."""
    columns = {code: (label, maximum) for code, label, maximum in profile_columns(year_rules, assessor)}
    points, errors = {}, []
    for profile, raw in (raw_points or {}).items():
        if raw is None or not str(raw).strip():
            continue
        if profile not in columns:
            errors.append(f"“{profile[:20]}”这类单位没有{engine.assessor_label(assessor)}的考评得分，不能设分值。")
            continue
        label, maximum = columns[profile]
        try:
            value = parse_number(raw, f"“{label}”的分值", places=POINTS_PLACES)
        except ServiceError as error:
            errors.append(error.message)
            continue
        if value > maximum:
            errors.append(f"“{label}”的分值不能超过本项满分 {fmt(maximum)} 分（填写的是 {fmt(value)}）。")
            continue
        points[profile] = fmt(value)
    if errors:
        raise ServiceError("；".join(errors), field="points")
    if not points:
        raise ServiceError("请至少为一类单位填写分值。", field="points")
    return points


def add_indicator(actor, book, data: IndicatorInput):
    year_rules = load_year_rules(book.year)
    _check_editor(actor, book.assessor, year_rules)
    _check_editable(book)
    values = _checked(book, data, year_rules)
    row = CriteriaIndicator(**values)
    book.indicators.append(row)
    _flush_unique(f"本细则已有代码为“{values['code']}”的指标，请换一个代码。")
    record_change(actor, "criteria.indicator.add", row, after=indicator_snapshot(row))
    return row


def update_indicator(actor, row, data: IndicatorInput):
    """Change an indicator; the targets of units it no longer applies to (their profile lost its points) go."""
    book = row.book
    year_rules = load_year_rules(book.year)
    _check_editor(actor, book.assessor, year_rules)
    _check_editable(book)
    values = _checked(book, data, year_rules, current=row)
    before = indicator_snapshot(row)
    for name, value in values.items():
        setattr(row, name, value)
    dropped = [t for t in row.targets if year_rules.unit_profiles.get(t.unit_id) not in row.points]
    for target in dropped:
        row.targets.remove(target)
    _flush_unique(f"本细则已有代码为“{values['code']}”的指标，请换一个代码。")
    after = indicator_snapshot(row)
    changed = {k for k in after if before.get(k) != after.get(k)}
    if changed or dropped:
        record_change(actor, "criteria.indicator.update", row, {k: before[k] for k in changed},
                      {**{k: after[k] for k in changed},
                       **({"targets_removed": {str(t.unit_id): fmt(t.value) for t in dropped}} if dropped else {})})
    return row


def delete_indicator(actor, row):
    book = row.book
    year_rules = load_year_rules(book.year)
    _check_editor(actor, book.assessor, year_rules)
    _check_editable(book)
    before = {**indicator_snapshot(row), "targets": {str(t.unit_id): fmt(t.value) for t in row.targets}}
    record_change(actor, "criteria.indicator.delete", row, before=before)
    book.indicators.remove(row)
    db.session.flush()
    return book


# --- targets ------------------------------------------------------------------------------------------------

class TargetErrors(ServiceError):
    """Targets refused, all of them (nothing written): `cells` maps (indicator code, unit id) to its message."""

    def __init__(self, cells, other=()):
        self.cells = dict(cells)
        self.other = list(other)
        messages = self.other + list(self.cells.values())
        super().__init__("年度目标未保存：" + "；".join(messages[:20]) + ("……" if len(messages) > 20 else ""))


def set_targets(actor, book, values, year_rules=None, units=None):
    """Set the yearly targets typed for (indicator code, unit id) cells, all or nothing: each above 0 with four
    decimals at most, for a unit the indicator applies to; a blank cell removes the target. Returns the number of
    targets written or removed."""
    year_rules = year_rules or load_year_rules(book.year)
    _check_editor(actor, book.assessor, year_rules)
    _check_editable(book)
    if units is None:
        units = db.session.scalars(sa.select(Unit).where(Unit.group.is_not(None))).all()
    unit_by_id = {u.id: u for u in units}
    rows = {row.code: row for row in book.indicators}
    cells, other, changes = {}, [], []
    for (code, unit_id), raw in values.items():
        row = rows.get(code)
        unit = unit_by_id.get(unit_id)
        if row is None or unit is None:
            cells[(code, unit_id)] = "本细则没有这个指标，或该单位不是考评对象；请刷新页面（或重新下载目标表）后填写。"
            continue
        label = f"{unit.short_name}·{row.name}"
        if year_rules.unit_profiles.get(unit_id) not in (row.points or {}):
            cells[(code, unit_id)] = f"{label}：该指标不考评这个单位，不能设目标。"
            continue
        existing = next((t for t in row.targets if t.unit_id == unit_id), None)
        if raw is None or not str(raw).strip():
            if existing is not None:
                changes.append((row, unit, existing, None))
            continue
        try:
            value = parse_target(raw, label)
        except ServiceError as error:
            cells[(code, unit_id)] = error.message
            continue
        if existing is None or existing.value != value:
            changes.append((row, unit, existing, value))
    if cells or other:
        raise TargetErrors(cells, list(dict.fromkeys(other)))
    before, after = {}, {}
    for row, unit, existing, value in changes:
        key = f"{row.code}:{unit.id}"
        before[key] = fmt(existing.value) if existing is not None else None
        after[key] = fmt(value) if value is not None else None
        if value is None:
            row.targets.remove(existing)
        elif existing is None:
            row.targets.append(CriteriaTarget(unit_id=unit.id, value=value))
        else:
            existing.value = value
    if changes:
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            raise Conflict("年度目标已被他人同时修改，请刷新页面后重新填写。") from None
        record_change(actor, "criteria.targets.set", book, before, after)
    return len(changes)
