"""Service ratings of 市直 units by counties and parks (附件2 三(二)1: 千百十办“收集县市区、园区、企业对市直单位服务
质量工作评价情况”).

Each quarter a county or park (groups county, park1, park2) rates the service of each 市直 unit (groups promotion,
support) on a short form — 服务态度, 办事效率, 解决问题成效, integers 0–100, and 意见建议 — on its own behalf
(``enterprise_name`` '') and, for enterprises it keeps, on their behalf (``enterprise_name`` the enterprise's name):
one rating per (year, quarter, rater, rated, enterprise_name). A rating may be changed or withdrawn until the
quarter is finalized (审定); every change is audited.

Enterprise names: the county or park picks the name from the ledger's enterprises it keeps (the form offers them)
or types one — an enterprise that rated a 市直 unit need not be in the ledger (the ledger holds the programme's
enterprises, mostly 规上; a small firm that dealt with 市行政审批局 rates too). A typed name that is a ledger
enterprise of another county or park is refused: that enterprise's rating is collected by its own county or park.

The average that the office's 服务质量评价 indicator turns into points (``engine.rating_points``) is, per rated
unit and quarter, the mean over all its ratings (the counties' and parks' own and the enterprises' they collected,
each counting once) of (服务态度 + 办事效率 + 解决问题成效) / 3, i.e. Σ(three scores) / (3 × number of ratings),
in Decimal: exact when it terminates, else to the 28 significant digits of the engine's context; it is shown to
two places, never rounded before the points are computed.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, localcontext

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from app.auth.models import User
from app.core.audit import record_change, record_update, snapshot
from app.core.errors import Conflict, PermissionDenied, ServiceError
from app.core.excel import (
    BODY,
    BORDER,
    RIGHT,
    TABLE_HEADER_ROW,
    WRAP_CENTER,
    WRAP_TOP,
    fit_row_height,
    new_workbook,
    save_workbook,
    table_header,
    table_print_setup,
    title_rows,
    write_cell,
)
from app.core.text import multi_line, one_line
from app.extensions import db
from app.ledger.models import Enterprise
from app.org.models import Unit, UnitGroup
from app.reminders.jobs import Reminder
from app.scoring.engine import quantize_score, quarter_dates
from app.scoring.models import ServiceRating
from app.scoring.quarters import check_period, quarter_state, require_open

RATER_GROUPS = (UnitGroup.county, UnitGroup.park1, UnitGroup.park2)
RATED_GROUPS = (UnitGroup.promotion, UnitGroup.support)
QUESTIONS = (("attitude", "服务态度"), ("efficiency", "办事效率"), ("effect", "解决问题成效"))
COMMENT_MAX = 1000
ENTERPRISE_NAME_MAX = 100  # the column's length
AUDITED = ("attitude", "efficiency", "effect", "comment")
REMINDER_DAYS = 10  # the first ten days after a quarter ends
RULE = "service_rating"
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
_ID_MAX = 2**31 - 1


# --- the arithmetic -------------------------------------------------------------------------------------------

def average_of(total, count, questions=1):
    """total / (questions × count) as a Decimal (28 significant digits when it does not terminate); None for no
    rating."""
    if not count:
        return None
    with localcontext() as context:
        context.prec = 28
        return Decimal(int(total)) / Decimal(int(questions) * int(count))


def rating_averages(year, quarter):
    """{rated unit id: average rating 0–100 (Decimal)} of the quarter; units nobody rated are absent. The average is
    the mean over the unit's ratings of (服务态度 + 办事效率 + 解决问题成效) / 3 (see the module's docstring); one
    statement."""
    rows = db.session.execute(
        sa.select(ServiceRating.rated_unit_id,
                  sa.func.sum(ServiceRating.attitude + ServiceRating.efficiency + ServiceRating.effect),
                  sa.func.count())
        .where(ServiceRating.year == year, ServiceRating.quarter == quarter)
        .group_by(ServiceRating.rated_unit_id))
    return {unit_id: average_of(total, count, 3) for unit_id, total, count in rows}


# --- who rates whom ---------------------------------------------------------------------------------------------

def rater_units():
    """The active counties and parks, in the organisation's order."""
    return db.session.scalars(sa.select(Unit).where(Unit.group.in_(RATER_GROUPS), Unit.is_active.is_(True))
                              .order_by(Unit.sort_order, Unit.id)).all()


def rated_units():
    """The active 市直 units (产业推进单位 and 服务保障单位), in the organisation's order."""
    return db.session.scalars(sa.select(Unit).where(Unit.group.in_(RATED_GROUPS), Unit.is_active.is_(True))
                              .order_by(Unit.sort_order, Unit.id)).all()


def is_rater(unit):
    return unit is not None and unit.group in RATER_GROUPS


def is_rated(unit):
    return unit is not None and unit.group in RATED_GROUPS


def rating_progress(year, quarter):
    """{county or park id: how many active 市直 units it has rated on its own behalf in the quarter}, every active
    county and park present (0 when it rated none). The enterprises' ratings it collected do not count: what is
    asked of each county and park is its own rating of every 市直 unit. Two statements."""
    rated = aliased(Unit)
    counts = dict(db.session.execute(
        sa.select(ServiceRating.rater_unit_id, sa.func.count(sa.distinct(ServiceRating.rated_unit_id)))
        .join(rated, rated.id == ServiceRating.rated_unit_id)
        .where(ServiceRating.year == year, ServiceRating.quarter == quarter, ServiceRating.enterprise_name == "",
               rated.group.in_(RATED_GROUPS), rated.is_active.is_(True))
        .group_by(ServiceRating.rater_unit_id)).all())
    ids = db.session.scalars(sa.select(Unit.id).where(Unit.group.in_(RATER_GROUPS), Unit.is_active.is_(True)))
    return {unit_id: counts.get(unit_id, 0) for unit_id in ids}


def rated_unit_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Unit)
                             .where(Unit.group.in_(RATED_GROUPS), Unit.is_active.is_(True)))


def ledger_enterprise_names(unit_id):
    """The names of the active ledger enterprises the county or park keeps, sorted (the form's suggestions)."""
    return db.session.scalars(sa.select(Enterprise.name).where(Enterprise.unit_id == unit_id,
                                                               Enterprise.is_active.is_(True))
                              .distinct().order_by(Enterprise.name)).all()


# --- the actions --------------------------------------------------------------------------------------------

def check_score(value, label, field=None):
    """An integer 0–100; refused (Chinese, naming the question) otherwise: blank, a fraction, text, a boolean."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ServiceError(f"请填写“{label}”评分（0–100 的整数）。", field=field)
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite or value != int(value):
            raise ServiceError(f"“{label}”评分必须是整数，不能有小数（当前 {value}），请修改。", field=field)
        value = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.lstrip("-").isdigit()):
            raise ServiceError(f"“{label}”评分必须是 0–100 的整数（当前“{text[:20]}”），请修改。", field=field)
        value = int(text)
    elif isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(f"“{label}”评分必须是 0–100 的整数，请修改。", field=field)
    if not 0 <= value <= 100:
        raise ServiceError(f"“{label}”评分应在 0 到 100 之间（当前 {value}），请修改。", field=field)
    return value


def _check_parties(actor, rater, rated):
    if rater is None or actor is None or getattr(actor, "unit_id", None) != rater.id:
        raise PermissionDenied("只能以本单位的名义评价，请使用本单位的账号。")
    if rated is None:
        raise ServiceError("请选择要评价的市直单位。")
    if rated.id == rater.id:
        raise ServiceError("不能评价本单位：服务质量评价由县市区、园区评价市直单位。")
    if not is_rater(rater):
        raise ServiceError(f"{rater.name}不是县市区或园区，不能评价市直单位的服务；"
                           "服务质量评价由县市区、园区（代企业）填写。")
    if is_rated(rated) and not rated.is_active:
        raise ServiceError(f"{rated.name}已停用，不再参加服务质量评价。")
    if not is_rated(rated):
        raise ServiceError(f"{rated.name}不是市直单位，不能被评价；只能评价市直产业推进单位和服务保障单位的服务。")


def _check_period_open(year, quarter, on):
    year, quarter = check_period(year, quarter)
    start, _ = quarter_dates(year, quarter)
    if on is None or on < start:
        raise ServiceError(f"{year}年{QUARTER_NAMES[quarter]}尚未开始（{start.isoformat()} 开始），还不能评价。")
    require_open(year, quarter)
    return year, quarter


def _check_enterprise(rater, name):
    name = " ".join(one_line(name, "企业名称", ENTERPRISE_NAME_MAX, field="enterprise_name").split())
    if not name:
        return ""
    others = db.session.scalars(sa.select(Unit.name).join(Enterprise, Enterprise.unit_id == Unit.id)
                                .where(Enterprise.name == name, Enterprise.unit_id != rater.id)
                                .distinct().order_by(Unit.name)).all()
    if others and name not in ledger_enterprise_names(rater.id):
        raise ServiceError(f"台账中的“{name}”属于{'、'.join(others)}，应由其所在县市区或园区代为评价。",
                           field="enterprise_name")
    return name


def save_rating(actor, year, quarter, rater, rated, *, attitude, efficiency, effect, comment=None,
                enterprise_name="", on: date):
    """Create or change the rating of `rated` by `rater` (on an enterprise's behalf when `enterprise_name` is
    given) for the quarter; `on` is today. Refused, nothing written: another unit's account, a unit rating itself,
    a rater that is not a county or park, a rated unit that is not a 市直 unit, a score outside 0–100 or not an
    integer, a quarter not started yet or already finalized, a comment over 1000 characters. Audited."""
    _check_parties(actor, rater, rated)
    year, quarter = _check_period_open(year, quarter, on)
    scores = {name: check_score(value, label, name) for (name, label), value in
              zip(QUESTIONS, (attitude, efficiency, effect), strict=True)}
    comment = multi_line(comment, "意见建议", COMMENT_MAX, field="comment") or None
    enterprise_name = _check_enterprise(rater, enterprise_name)
    row = db.session.scalar(sa.select(ServiceRating).where(
        ServiceRating.year == year, ServiceRating.quarter == quarter, ServiceRating.rater_unit_id == rater.id,
        ServiceRating.rated_unit_id == rated.id, ServiceRating.enterprise_name == enterprise_name))
    if row is not None:
        before = snapshot(row, AUDITED)
        for name, value in scores.items():
            setattr(row, name, value)
        row.comment, row.entered_by_id = comment, actor.id
        db.session.flush()
        record_update(actor, "service_rating.update", row, before, AUDITED)
        return row
    row = ServiceRating(year=year, quarter=quarter, rater_unit_id=rater.id, rated_unit_id=rated.id,
                        enterprise_name=enterprise_name, comment=comment, entered_by_id=actor.id, **scores)
    try:
        with db.session.begin_nested():  # two tabs saving the same rating at once: the second is told, no 500
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Conflict("这条评价刚刚已由他人保存，请刷新页面后再修改。") from None
    record_change(actor, "service_rating.create", row, after={
        "year": year, "quarter": quarter, "rater_unit_id": rater.id, "rated_unit_id": rated.id,
        "enterprise_name": enterprise_name, **snapshot(row, AUDITED)})
    return row


def delete_rating(actor, row, *, on: date):
    """Withdraw a rating (an enterprise's entered under a wrong name, say) until the quarter is finalized; only
    the rating county's or park's staff. Audited with what was deleted."""
    if row is None or getattr(actor, "unit_id", None) != row.rater_unit_id:
        raise PermissionDenied("只能撤回本单位录入的评价。")
    _check_period_open(row.year, row.quarter, on)
    record_change(actor, "service_rating.delete", row, before={
        "year": row.year, "quarter": row.quarter, "rater_unit_id": row.rater_unit_id,
        "rated_unit_id": row.rated_unit_id, "enterprise_name": row.enterprise_name, **snapshot(row, AUDITED)})
    db.session.delete(row)
    db.session.flush()


def rating_of(rating_id):
    """A rating by id, None for an absent or impossible id."""
    if not isinstance(rating_id, int) or not 1 <= rating_id <= _ID_MAX:
        return None
    return db.session.get(ServiceRating, rating_id)


def unit_by_id(unit_id):
    if not isinstance(unit_id, int) or not 1 <= unit_id <= _ID_MAX:
        return None
    return db.session.get(Unit, unit_id)


# --- the pages' models --------------------------------------------------------------------------------------

def quarter_is_open(year, quarter, on):
    """(started, finalized) of the quarter on day `on`."""
    start, _ = quarter_dates(year, quarter)
    state = quarter_state(year, quarter)
    return start <= on, state is not None and state.is_finalized


def ratings_of_rater(year, quarter, rater_id):
    """{(rated unit id, enterprise name): rating} of one county or park in the quarter (one statement)."""
    rows = db.session.scalars(sa.select(ServiceRating).where(
        ServiceRating.year == year, ServiceRating.quarter == quarter, ServiceRating.rater_unit_id == rater_id)
        .order_by(ServiceRating.rated_unit_id, ServiceRating.enterprise_name))
    return {(r.rated_unit_id, r.enterprise_name): r for r in rows}


@dataclass
class UnitRatings:
    """What the overview says of one rated unit: counts, averages per question and overall, the comments."""

    unit: Unit
    count: int = 0
    totals: dict = field(default_factory=lambda: dict.fromkeys((name for name, _ in QUESTIONS), 0))
    comments: list = field(default_factory=list)  # (rater name, enterprise name, comment)

    @property
    def averages(self):
        return {name: average_of(total, self.count) for name, total in self.totals.items()}

    @property
    def overall(self):
        return average_of(sum(self.totals.values()), self.count, len(QUESTIONS))


@dataclass
class RaterProgress:
    unit: Unit
    rated: int
    total: int

    @property
    def complete(self):
        return self.rated >= self.total


@dataclass
class RatingSummary:
    year: int
    quarter: int
    units: list  # UnitRatings, rated ones lowest overall first, then those nobody rated
    raters: list  # RaterProgress of every county and park
    rating_count: int

    @property
    def missing(self):
        return [p for p in self.raters if not p.complete]


def rating_summary(year, quarter):
    """The office's overview of the quarter, in three statements whatever the number of ratings: the 市直 units,
    the counties and parks, the ratings with their raters."""
    rated_list, raters = rated_units(), rater_units()
    by_unit = {u.id: UnitRatings(u) for u in rated_list}
    own = defaultdict(set)
    rows = db.session.scalars(sa.select(ServiceRating).options(joinedload(ServiceRating.rater_unit))
                              .where(ServiceRating.year == year, ServiceRating.quarter == quarter)
                              .order_by(ServiceRating.rater_unit_id, ServiceRating.enterprise_name,
                                        ServiceRating.id)).all()
    for row in rows:
        entry = by_unit.get(row.rated_unit_id)
        if entry is None:  # a unit since deactivated or regrouped: not shown, not counted
            continue
        entry.count += 1
        for name, _ in QUESTIONS:
            entry.totals[name] += getattr(row, name)
        if row.comment:
            entry.comments.append((row.rater_unit.short_name, row.enterprise_name, row.comment))
        if not row.enterprise_name:
            own[row.rater_unit_id].add(row.rated_unit_id)
    rated = sorted((e for e in by_unit.values() if e.count), key=lambda e: (e.overall, e.unit.sort_order, e.unit.id))
    units = rated + [e for e in by_unit.values() if not e.count]
    progress = [RaterProgress(u, len(own[u.id]), len(rated_list)) for u in raters]
    return RatingSummary(year, quarter, units, progress, sum(e.count for e in by_unit.values()))


@dataclass
class OwnRatings:
    """What a rated unit sees: its averages and the comments, not who wrote them."""

    count: int
    averages: dict
    overall: Decimal | None
    comments: list


def own_ratings(year, quarter, unit_id):
    """A 市直 unit's ratings of the quarter, anonymous: averages and the comments in text order (not in the
    order they were written, which could tell who wrote them). One statement."""
    rows = db.session.execute(sa.select(ServiceRating.attitude, ServiceRating.efficiency, ServiceRating.effect,
                                        ServiceRating.comment)
                              .where(ServiceRating.year == year, ServiceRating.quarter == quarter,
                                     ServiceRating.rated_unit_id == unit_id)).all()
    totals = [sum(r[i] for r in rows) for i in range(len(QUESTIONS))]
    averages = {name: average_of(total, len(rows)) for (name, _), total in zip(QUESTIONS, totals, strict=True)}
    return OwnRatings(len(rows), averages, average_of(sum(totals), len(rows), len(QUESTIONS)),
                      sorted(r.comment for r in rows if r.comment))


# --- the reminder ---------------------------------------------------------------------------------------------

def _last_ended_quarter(today):
    year, quarter = (today.year, (today.month - 1) // 3) if today.month > 3 else (today.year - 1, 4)
    return year, quarter


def rating_reminders(today: date, cal, settings, recipients):
    """In the first ten days after a quarter ends (days 1–10 after its last day), each county or park that has not
    rated every 市直 unit on its own behalf is reminded (its staff), unless the quarter is finalized already."""
    year, quarter = _last_ended_quarter(today)
    _, end = quarter_dates(year, quarter)
    if not end < today <= end + timedelta(days=REMINDER_DAYS):
        return []
    state = quarter_state(year, quarter)
    if state is not None and state.is_finalized:
        return []
    total = rated_unit_count()
    reminders = []
    for unit_id, done in rating_progress(year, quarter).items():
        if done >= total:
            continue
        unit = recipients.unit_names.get(unit_id, "")
        last_day = end + timedelta(days=REMINDER_DAYS)
        for user_id in recipients.staff(unit_id):
            reminders.append(Reminder(
                RULE, "quarter", f"{year}-{quarter}", "ended", user_id,
                f"请评价{year}年{QUARTER_NAMES[quarter]}市直单位服务质量（{unit}尚有 {total - done} 家未评）",
                f"{year}年{QUARTER_NAMES[quarter]}已结束。按考核评价办法三（二）1，千百十办收集县市区、园区、企业对"
                f"市直单位服务质量的评价；{unit}已评价 {done} / {total} 家市直单位，请于 {last_day.isoformat()} 前"
                "完成评价（可同时代本地企业录入评价）。",
                f"/scoring/{year}/q{quarter}/ratings", unit_id=unit_id))
    return reminders


def recheck_rating_reminders(rows, now):
    """"请评价市直单位服务质量" holds while the quarter is not finalized and the recipient's county or park has not
    rated every 市直 unit. Once for the batch: the recipients; per quarter in it (in practice one): its state and
    the progress."""
    user_ids = sorted({row.user_id for row in rows if row.user_id})
    units = dict(db.session.execute(sa.select(User.id, User.unit_id).where(User.id.in_(user_ids))).all()) \
        if user_ids else {}
    by_quarter = defaultdict(list)
    for row in rows:
        year, _, quarter = str(row.subject_id).partition("-")
        if year.isdigit() and quarter.isdigit():
            by_quarter[(int(year), int(quarter))].append(row)
    obsolete = {}
    total = rated_unit_count() if by_quarter else 0
    for (year, quarter), group in by_quarter.items():
        state = quarter_state(year, quarter)
        if state is not None and state.is_finalized:
            obsolete.update({row.id: f"{year}年第{quarter}季度考评已审定" for row in group})
            continue
        progress = rating_progress(year, quarter)
        for row in group:
            unit_id = units.get(row.user_id)
            if unit_id is not None and progress.get(unit_id, 0) >= total:
                obsolete[row.id] = "本单位已评价全部市直单位"
    return obsolete


# --- the overview's Excel export -------------------------------------------------------------------------------

def summary_workbook(summary, title) -> bytes:
    """The overview (`rating_summary`) as a workbook: sheet 评价汇总 (per 市直 unit, lowest first: count, the three
    questions' averages and the overall, two places), sheet 意见建议 (each comment with who wrote it), sheet
    评价进度 (each county and park: rated / total)."""
    def text(ws, row, column, value, alignment=WRAP_TOP):
        write_cell(ws, row, column, value, font=BODY, alignment=alignment, border=BORDER)

    def score(ws, row, column, value):
        if value is None:
            return text(ws, row, column, "—", WRAP_CENTER)
        write_cell(ws, row, column, quantize_score(value), font=BODY, alignment=RIGHT, border=BORDER,
                   number_format="0.00")

    wb = new_workbook(title)
    ws = wb.create_sheet("评价汇总")
    labels = ["序号", "被评价单位", "评价数"] + [label for _, label in QUESTIONS] + ["综合平均分"]
    widths = [6, 26, 8, 11, 11, 13, 12]
    subtitle = (f"共 {summary.rating_count} 条评价；综合平均分 = 各条评价（服务态度＋办事效率＋解决问题成效）÷3 "
                "的平均值，按综合平均分从低到高排列，未获评价的单位列在最后。")
    title_rows(ws, title, subtitle, len(labels))
    table_header(ws, labels, widths)
    row_no = TABLE_HEADER_ROW
    for number, entry in enumerate(summary.units, start=1):
        row_no += 1
        text(ws, row_no, 1, number, WRAP_CENTER)
        text(ws, row_no, 2, entry.unit.name)
        text(ws, row_no, 3, entry.count, WRAP_CENTER)
        averages = entry.averages
        for offset, (name, _) in enumerate(QUESTIONS):
            score(ws, row_no, 4 + offset, averages[name])
        score(ws, row_no, 4 + len(QUESTIONS), entry.overall)
    table_print_setup(ws, len(labels), row_no)

    ws = wb.create_sheet("意见建议")
    labels, widths = ["序号", "被评价单位", "评价单位", "企业", "意见建议"], [6, 24, 16, 24, 60]
    title_rows(ws, title, "意见建议", len(labels))
    table_header(ws, labels, widths)
    row_no, number = TABLE_HEADER_ROW, 0
    for entry in summary.units:
        for rater, enterprise, comment in entry.comments:
            row_no += 1
            number += 1
            for column, value in enumerate((number, entry.unit.name, rater, enterprise or "（本单位）", comment),
                                           start=1):
                text(ws, row_no, column, value, WRAP_CENTER if column == 1 else WRAP_TOP)
            fit_row_height(ws, row_no, [(comment, widths[-1]), (enterprise, widths[3])])
    table_print_setup(ws, len(labels), row_no)

    ws = wb.create_sheet("评价进度")
    labels, widths = ["序号", "县市区、园区", "已评价市直单位", "应评价", "状态"], [6, 26, 14, 10, 12]
    title_rows(ws, title, f"未完成评价：{len(summary.missing)} 家", len(labels))
    table_header(ws, labels, widths)
    row_no = TABLE_HEADER_ROW
    for number, progress in enumerate(summary.raters, start=1):
        row_no += 1
        for column, value in enumerate((number, progress.unit.name, progress.rated, progress.total,
                                        "已完成" if progress.complete else "未完成"), start=1):
            text(ws, row_no, column, value, WRAP_TOP if column == 2 else WRAP_CENTER)
    table_print_setup(ws, len(labels), row_no)
    return save_workbook(wb)
