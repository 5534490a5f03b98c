"""Page models of the scoring results: quarters, the year, a unit's own page, the 千百十办 component explained.

The services return JSON-ready reports (`quarter_report`, `year_report`); the builders below turn one into the
page model a template displays and `app.scoring.excel` writes, so the page and its Excel export never disagree:
group tables in annex-2 order, column headers with maxima, blends, marks for incomplete and last-placed units and
the 注 lines. Builders take the report, the quarter's lifecycle row and the rules the report was computed with;
they never query and need no request.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from app.core.templating import localtime
from app.org.models import Unit, UnitGroup
from app.scoring import charts, engine
from app.scoring.engine import decimal_text as plain
from app.scoring.reports import rank_movements

TITLE_PREFIX = "湘潭市产业强市“千百十”工程"
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
QUARTER_SHORT = {1: "一季度", 2: "二季度", 3: "三季度", 4: "四季度"}
RANKED = (UnitGroup.county, UnitGroup.park1, UnitGroup.park2)
LAST_PLACED = "本组末位（须在季度讲评会上作出说明）"
LAST_PLACED_PROVISIONAL = "暂列本组末位（本组得分尚未录入完整）"
INCOMPLETE = "未录入完整"
STATUS_LABELS = {"finalized": "已审定", "open": "录入中", "future": "未开始"}


# --- formatting -------------------------------------------------------------------------------------------

def quarter_title(year, quarter) -> str:
    return f"{TITLE_PREFIX} {year}年{QUARTER_NAMES[quarter]}考评结果"


def year_title(year) -> str:
    return f"{TITLE_PREFIX} {year}年度考评结果"


def _score(value):
    return Decimal(value) if value is not None else None


# --- page models ------------------------------------------------------------------------------------------

@dataclass
class Column:
    assessor: str
    label: str  # "市工信局"
    maximum: str  # "25", or "15～20" when the group's units differ
    uniform: bool

    @property
    def header(self):
        return f"{self.label}（{self.maximum}分）"


@dataclass
class Cell:
    value: str | None  # two places; None when the unit's score has no such component
    maximum: str | None
    missing: bool = False  # not entered at all (counted as 0)
    partial: bool = False  # some of its sub-items not entered
    show_maximum: bool = False  # the group's units have different maxima for this column


@dataclass
class QuarterRow:
    unit_id: int
    name: str
    short_name: str
    cells: list
    total: str
    final: str
    blend: str | None  # “含国网湘潭供电公司15%”
    rank: int
    complete: bool
    missing: list  # Chinese labels of the components not entered
    last_placed: str | None
    movement: dict | None = None  # rank against the previous quarter (app.scoring.reports.rank_movements)

    @property
    def remarks(self) -> list:
        out = []
        if not self.complete:
            out.append(f"{INCOMPLETE}（缺{'、'.join(self.missing)}）" if self.missing else INCOMPLETE)
        if self.last_placed:
            out.append(self.last_placed)
        return out


@dataclass
class GroupTable:
    group: UnitGroup
    columns: list
    rows: list
    notes: list  # maxima that differ and components some units do not have

    @property
    def label(self):
        return self.group.label


@dataclass
class Reopening:
    at: datetime
    by: str
    reason: str

    @property
    def text(self):
        return f"{localtime(self.at)} 由{self.by}重新打开，理由：{self.reason}"


@dataclass
class Opinion:
    """The office's 考评意见 on a period's results, as a snapshot keeps it (see approvals.opinion_json)."""

    text: str
    on: date | None
    by: str | None

    @property
    def line(self):
        when = f"（{self.on.isoformat()}" + (f"，{self.by}" if self.by else "") + "）" if self.on else ""
        return f"千百十办考评意见{when}：{self.text}"


def opinion_of(data):
    """An Opinion from a snapshot's dict or a ResultOpinion row; None for none."""
    if data is None:
        return None
    if isinstance(data, dict):
        on = data.get("opinion_on")
        return Opinion(data.get("opinion") or "", date.fromisoformat(on) if on else None, data.get("by"))
    return Opinion(data.opinion or "", data.opinion_on, data.opinion_by.display_name if data.opinion_by else None)


def approval_text(approved_on, doc_number):
    """“领导小组审定：2026-04-15，潭千百十〔2026〕5号”, or None before the 审定."""
    if approved_on is None and not doc_number:
        return None
    parts = ([approved_on.isoformat()] if approved_on else []) + ([doc_number] if doc_number else [])
    return f"领导小组审定：{'，'.join(parts)}"


def _iso_date(value):
    return date.fromisoformat(value) if value else None


@dataclass
class QuarterPage:
    year: int
    quarter: int
    status: str  # "open" | "finalized"
    evaluated_on: date
    rule_version: int | None
    finalized_by: str | None
    finalized_at: datetime | None
    reopenings: list
    groups: list
    complete: bool
    incomplete_count: int
    blend_notes: list
    task_settings: str
    approved_on: date | None = None  # the leadership group's 审定 (finalized quarters)
    doc_number: str | None = None
    opinion: Opinion | None = None  # the office's 考评意见 (frozen with the quarter once finalized)
    compared_with: str | None = None  # "2025年第四季度": whose ranks the movement compares with, None: no movement

    @property
    def title(self):
        return quarter_title(self.year, self.quarter)

    @property
    def approval(self):
        return approval_text(self.approved_on, self.doc_number) if self.is_finalized else None

    @property
    def name(self):
        return f"{self.year}年{QUARTER_NAMES[self.quarter]}"

    @property
    def is_finalized(self):
        return self.status == "finalized"

    @property
    def rules_text(self):
        return f"考评规则 {self.year} 年第 {self.rule_version} 版" if self.rule_version else \
            f"{self.year} 年度考评规则尚未建立，按考核评价办法（附件2）默认规则试算"

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def status_detail(self):
        if self.is_finalized:
            who = [f"审定人：{self.finalized_by}"] if self.finalized_by else []
            when = [f"录入时间：{localtime(self.finalized_at)}"] if self.finalized_at else []
            approval = [self.approval] if self.approval else []
            return "，".join(approval + who + when + [f"评价日期 {self.evaluated_on.isoformat()}"]) + \
                f"；{self.rules_text}"
        return f"截至 {self.evaluated_on.isoformat()} 计算的暂定结果；{self.rules_text}"

    @property
    def status_text(self):
        return f"{self.status_label}：{self.status_detail}"

    @property
    def notes(self) -> list:
        """The 注 lines under the published table."""
        out = [f"状态：{self.status_text}。"]
        if self.opinion is not None:
            out.append(self.opinion.line)
        out += [f"{line}。" for line in self.blend_notes]
        if not self.complete:
            out.append(f"{self.incomplete_count} 个单位得分未录入完整，缺项按 0 分计，结果为暂定。")
        out.append("各组评分最后一名单位，单位主要负责人须在书记季度讲评会上作出说明（附件2 六(三)）。")
        if self.compared_with:
            out.append(f"名次变化与{self.compared_with}本组名次相比：“↑”上升、“↓”下降、“—”不变，"
                       "“新”为上季度未参加本组排名。")
        out.append(f"千百十办考评得分中交办事项部分：{self.task_settings}。")
        out += [f"本季度曾于{r.text}。" for r in self.reopenings]
        return out


def _reopenings(state):
    if state is None:
        return []
    return [Reopening(r.at, r.by.display_name if r.by else "（未知）", r.reason) for r in state.reopenings]


def task_settings_text(rules) -> str:
    weights = rules.tasks.weights
    parts = [f"{engine.Priority(p).label}事项权重 {plain(w)}" for p, w in weights.items()]
    scope = "牵头和配合单位均计" if rules.tasks.include_co_units else "按牵头单位计"
    return (f"{'、'.join(parts)}；按期办结计 1、逾期办结计 {plain(rules.tasks.late_credit)}、"
            f"评价日未办结计 0；得分 = 满分 × Σ(权重×系数)/Σ权重，无事项时得满分；{scope}")


def _missing_label(code, profile):
    assessor, _, sub = code.partition(".")
    label = engine.assessor_label(assessor, short=True)
    if not sub:
        return label
    comp = profile.component(assessor) if profile else None
    name = next((s.name for s in comp.sub_items if s.code == sub), sub) if comp else sub
    return f"{label}·{name}"


def _columns(rows):
    """The group's components in annex-2 order, with the maximum in the header (a range when units differ),
    and the notes a reader needs: whose maximum is what, and which units do not have a component."""
    by_assessor = {}
    for row in rows:
        for assessor, maximum in row["maxima"].items():
            by_assessor.setdefault(assessor, {}).setdefault(plain(maximum), []).append(row["short_name"])
    columns, notes = [], []
    for assessor in (a.value for a in engine.Assessor if a.value in by_assessor):
        by_max = by_assessor[assessor]
        ordered = sorted(by_max, key=Decimal)
        label = engine.assessor_label(assessor, short=True)
        uniform = len(ordered) == 1
        columns.append(Column(assessor, label, ordered[0] if uniform else f"{ordered[0]}～{ordered[-1]}", uniform))
        if not uniform:
            notes.append(f"{label}满分：" + "，".join(f"{'、'.join(by_max[m])}{m}分" for m in reversed(ordered)))
    without = {}
    for row in rows:
        absent = tuple(c.label for c in columns if c.assessor not in row["maxima"])
        if absent:
            without.setdefault(absent, []).append(row["short_name"])
    for absent, names in without.items():
        notes.append(f"{'、'.join(names)}的季度得分不含{'、'.join(absent)}考评（表中以“—”表示）")
    return columns, notes


def _group_tables(report, rules, movements=None):
    names = {row["unit_id"]: row["name"] for row in report["units"]}
    blends = {blend.target: blend for blend in rules.blends}
    last = {}
    for lp in report["last_placed"]:
        groups = [UnitGroup(g) for g in lp["groups"]]
        text = LAST_PLACED if len(groups) == 1 else \
            f"{'、'.join(g.label for g in groups)}合并讲评末位（须在季度讲评会上作出说明）"
        for unit_id in lp["unit_ids"]:
            last[unit_id] = text
    tables = []
    for group in UnitGroup:
        members = [row for row in report["units"] if row["group"] == group.value]
        if not members:
            continue
        columns, notes = _columns(members)
        provisional = not all(row["complete"] for row in members)
        rows = []
        for row in sorted(members, key=lambda r: r["rank"]):
            missing = row["missing"]
            cells = [Cell(row["components"].get(c.assessor), plain(row["maxima"].get(c.assessor)) or None,
                          missing=c.assessor in missing,
                          partial=any(m.startswith(c.assessor + ".") for m in missing),
                          show_maximum=not c.uniform) for c in columns]
            blend = None
            if row["blended_from"] is not None:
                rule = blends.get(row["unit_id"])
                percent = f"{plain(rule.source_percent)}%" if rule else ""
                blend = f"含{names.get(row['blended_from'], '被折算单位')}{percent}"
            profile = rules.profiles.get(row["profile"])
            marked = last.get(row["unit_id"])
            if marked and provisional:
                marked = LAST_PLACED_PROVISIONAL  # ranked on what has been entered so far
            rows.append(QuarterRow(row["unit_id"], row["name"], row["short_name"], cells, row["total"], row["final"],
                                   blend, row["rank"], row["complete"],
                                   [_missing_label(code, profile) for code in missing], marked,
                                   (movements or {}).get(row["unit_id"])))
        tables.append(GroupTable(group, columns, rows, notes))
    return tables


def _blend_notes(report, rules):
    names = {row["unit_id"]: row["name"] for row in report["units"]}
    return [f"{names[b.target]}最终得分 = {names[b.target]}季度得分 × {plain(b.target_percent)}% + "
            f"{names[b.source]}季度得分 × {plain(b.source_percent)}%"
            for b in rules.blends if b.target in names and b.source in names]


def quarter_page(report, state, rules, opinion=None, previous=None) -> QuarterPage:
    """The page model of a quarter's report (live or the finalized snapshot). A finalized quarter shows the 审定
    and the 考评意见 its snapshot froze; an open one the current `opinion` (a ResultOpinion row, or None).
    `previous`: the report its ranks are compared with (reports.previous_quarter_report), or None for no movement."""
    movements = rank_movements(report, previous)
    compared_with = f"{previous['year']}年{QUARTER_NAMES[previous['quarter']]}" if previous is not None else None
    finalized = report["status"] == "finalized"
    finalized_at = state.finalized_at if state is not None and state.finalized_at else (
        datetime.fromisoformat(report["finalized_at"]) if report.get("finalized_at") else None)
    by = state.finalized_by.display_name if finalized and state is not None and state.finalized_by else None
    incomplete = sum(1 for row in report["units"] if not row["complete"])
    return QuarterPage(
        year=report["year"], quarter=report["quarter"], status=report["status"],
        evaluated_on=date.fromisoformat(report["evaluated_on"]), rule_version=report["rule_version"],
        finalized_by=by, finalized_at=finalized_at if finalized else None, reopenings=_reopenings(state),
        groups=_group_tables(report, rules, movements), complete=report["complete"], incomplete_count=incomplete,
        blend_notes=_blend_notes(report, rules), task_settings=task_settings_text(rules),
        approved_on=_iso_date(report.get("approved_on")) or (state.approved_on if finalized and state else None),
        doc_number=report.get("doc_number") or (state.doc_number if finalized and state else None),
        opinion=opinion_of(report.get("opinion")) if finalized else opinion_of(opinion), compared_with=compared_with)


# --- the year ---------------------------------------------------------------------------------------------

@dataclass
class YearRow:
    unit_id: int
    name: str
    short_name: str
    quarters: list  # four two-place strings or None
    annual: str  # the assessed annual score
    score: str  # the one that counts (full marks under the province-first override)
    overridden: bool
    rank: int
    points: str
    base_points: str | None
    deduction: str | None
    policy_rate: str | None
    grade: str | None
    awarded: bool
    report_label: str | None
    complete: bool

    @property
    def remarks(self) -> list:
        out = []
        if self.awarded:
            out.append("真抓实干督查奖励对象")
        if self.report_label:
            out.append(f"年度考评结果{self.report_label}")
        return out


@dataclass
class YearGroup:
    group: UnitGroup
    rows: list
    ranked: bool  # points by rank out of 15 (else grades out of 10)
    points_total: str
    quota: str | None

    @property
    def label(self):
        return self.group.label


class _QuarterLabels:
    """`name` (第三季度) and `label` (已审定/录入中/未开始) of a quarter row that has `quarter` and `status`."""

    @property
    def name(self):
        return QUARTER_NAMES[self.quarter]

    @property
    def label(self):
        return STATUS_LABELS[self.status]


@dataclass
class QuarterStatus(_QuarterLabels):
    quarter: int
    status: str
    finalized_by: str | None
    finalized_at: datetime | None
    evaluated_on: date | None
    reopenings: list
    approved_on: date | None = None
    doc_number: str | None = None

    @property
    def approval(self):
        return approval_text(self.approved_on, self.doc_number)


@dataclass
class YearPage:
    year: int
    evaluated_on: date
    province_first: bool
    complete: bool
    rule_version: int | None
    quarters: list  # QuarterStatus
    groups: list
    rule_notes: list
    in_progress: bool = False  # quarters still to come: the 不合格 threshold is not applied yet
    frozen: bool = False  # the leadership group approved the year: the figures are the frozen snapshot
    approved_on: date | None = None
    doc_number: str | None = None
    finalized_by: str | None = None
    finalized_at: datetime | None = None
    opinion: Opinion | None = None
    annual_reopenings: list = ()  # Reopening

    @property
    def title(self):
        return year_title(self.year)

    @property
    def approval(self):
        return approval_text(self.approved_on, self.doc_number) if self.frozen else None

    @property
    def frozen_text(self):
        if not self.frozen:
            return None
        who = f"，由{self.finalized_by}于 {localtime(self.finalized_at)} 录入" if self.finalized_by and \
            self.finalized_at else ""
        return (f"年度考评结果已经{self.approval}{who}；结果已冻结，此后政策兑现率、排名第一设置、不合格决定或规则的"
                "变化不再改变本页数字，更正须说明理由重新打开。")

    @property
    def notes(self) -> list:
        out = []
        if self.frozen:
            out.append(self.frozen_text)
        if self.opinion is not None:
            out.append(self.opinion.line)
        if not self.complete:
            pending = "、".join(f"{q.name}（{q.label}）" for q in self.quarters if q.status != "finalized")
            out.append(f"暂定结果：{pending}尚未审定，录入中的季度按 {self.evaluated_on.isoformat()} 计算，"
                       "未开始的季度按 0 分计。")
        else:
            out.append("四个季度均已审定。")
        if self.province_first:
            out.append("湘潭市“千百十”工程成效在省政府真抓实干督查激励中排名同类市州第一位，各单位年度得分均调整为满分"
                       "（附件2 五(一)3）；“考评得分”列为调整前的得分。")
        out += self.rule_notes
        for q in self.quarters:
            out += [f"{q.name}曾于{r.text}。" for r in q.reopenings]
        out += [f"年度考评结果曾于{r.text}。" for r in self.annual_reopenings]
        return out


def _weights_text(weights):
    return " + ".join(f"{QUARTER_SHORT[i]}×{plain(w)}%" for i, w in enumerate(weights, start=1))


def _year_rule_notes(rules):
    notes = []
    by_weights = {}
    for group in UnitGroup:
        weights = rules.quarter_weights.get(engine.Group(group.value))
        if weights:
            by_weights.setdefault(tuple(weights), []).append(group.label)
    for weights, labels in by_weights.items():
        notes.append(f"{'、'.join(labels)}年度得分 = {_weights_text(weights)}。")
    percents = "、".join(f"第{i}名{plain(p)}%" for i, p in enumerate(rules.rank_percentages, start=1))
    notes.append(f"县市区（园区）按年度得分排名，千百十工程绩效满分 {plain(rules.rank_points_total)} 分：{percents}；"
                 f"政策兑现率低于 {plain(rules.policy_rate_line)}% 的扣 {plain(rules.policy_deduction)} 分。")
    grades = "、".join(f"{engine.Grade(g).label}{plain(p)}%" for g, p in rules.grade_percentages.items())
    ratio = ":".join(str(r) for r in rules.grade_ratio)
    notes.append(f"市直单位分产业推进组、服务保障组评定等次，满分 {plain(rules.grade_points_total)} 分：{grades}；"
                 f"优秀、良好、合格比例 {ratio}，年度得分低于 {plain(rules.fail_threshold)} 分"
                 "或经领导小组决定的为不合格。")
    awards = "、".join(f"{engine.Group(g).label}前{n}名" for g, n in rules.award_counts.items())
    notes.append(f"真抓实干督查奖励对象：{awards}（并列的一并纳入）。")
    return notes


def _quarter_statuses(report, states):
    out = []
    for q in (1, 2, 3, 4):
        state = states.get(q)
        status = report["quarter_status"][q]
        finalized = status == "finalized" and state is not None
        out.append(QuarterStatus(
            q, status, state.finalized_by.display_name if finalized and state.finalized_by else None,
            state.finalized_at if finalized else None, state.evaluated_on if finalized else None, _reopenings(state),
            state.approved_on if finalized else None, state.doc_number if finalized else None))
    return out


def year_page(report, states, rules, opinion=None, reopenings=()) -> YearPage:
    """The page model of the annual report: live, or frozen (status "frozen": the 审定, finalizer and 考评意见 are
    the snapshot's). `opinion`: the year's ResultOpinion row shown while open; `reopenings`: AnnualReopening rows."""
    groups = []
    for group in UnitGroup:
        members = sorted((r for r in report["units"] if r["group"] == group.value), key=lambda r: r["rank"])
        if not members:
            continue
        rows = [YearRow(r["unit_id"], r["name"], r["short_name"], r["quarters"], r["assessed_score"], r["score"],
                        r["overridden"], r["rank"], r["points"], r["base_points"], r["deduction"],
                        r["policy_rate"], r["grade_label"], r["awarded"], r["report_label"], r["complete"])
                for r in members]
        ranked = group in RANKED
        quota = None
        if not ranked and group.value in report["quotas"]:
            counts = report["quotas"][group.value]
            quota = "、".join(f"{g.label}{n}" for g, n in zip(engine.QUOTA_GRADES, counts, strict=True))
        total = rules.rank_points_total if ranked else rules.grade_points_total
        groups.append(YearGroup(group, rows, ranked, plain(total), quota))
    frozen = report.get("status") == "frozen"
    return YearPage(report["year"], date.fromisoformat(report["evaluated_on"]), report["province_first"],
                    report["complete"], report["rule_version"], _quarter_statuses(report, states), groups,
                    _year_rule_notes(rules), report.get("in_progress", False), frozen=frozen,
                    approved_on=_iso_date(report.get("approved_on")) if frozen else None,
                    doc_number=report.get("doc_number") if frozen else None,
                    finalized_by=report.get("finalized_by") if frozen else None,
                    finalized_at=datetime.fromisoformat(report["finalized_at"]) if frozen and
                    report.get("finalized_at") else None,
                    opinion=opinion_of(report.get("opinion") if frozen else opinion),
                    annual_reopenings=[Reopening(r.at, r.by.display_name if r.by else "（未知）", r.reason)
                                       for r in reopenings])


# --- a unit's own page ------------------------------------------------------------------------------------

@dataclass
class UnitQuarter(_QuarterLabels):
    quarter: int
    status: str
    evaluated_on: date | None
    row: QuarterRow | None  # None: the quarter has not started
    group_average: Decimal | None
    group_size: int


@dataclass
class UnitPage:
    unit: Unit
    year: int
    columns: list
    quarters: list
    annual: YearRow | None
    year_complete: bool
    chart: object  # Markup of the inline <svg>


def _unit_series(unit, quarters):
    """The unit's quarterly finals and its group's average final, per quarter (None where not started)."""
    own, average = [], []
    for q in (1, 2, 3, 4):
        report = quarters[q]
        rows = [r for r in report["units"] if r["group"] == unit.group.value] if report else []
        mine = next((r for r in rows if r["unit_id"] == unit.id), None)
        own.append(_score(mine["final"]) if mine else None)
        average.append(engine.quantize_score(sum(Decimal(r["final"]) for r in rows) / len(rows)) if rows else None)
    return own, average


def unit_chart(unit, year, quarters, standalone=False):
    own, average = _unit_series(unit, quarters)
    series = [charts.Series(unit.short_name, tuple(own)),
              charts.Series(f"{unit.group.label}平均", tuple(average), charts.AVERAGE_COLOUR, dashed=True,
                            labelled=False)]
    return charts.trend_svg(series, [QUARTER_SHORT[q] for q in (1, 2, 3, 4)],
                            title=f"{unit.name} {year}年季度最终得分走势（与{unit.group.label}平均比较）",
                            standalone=standalone, chart_id=f"trend-{unit.id}")


def unit_page(unit, year, quarters, report, rules_by_quarter) -> UnitPage:
    _, average = _unit_series(unit, quarters)
    rows = {}
    for q in (1, 2, 3, 4):
        if quarters[q] is None:
            continue
        table = next((t for t in _group_tables(quarters[q], rules_by_quarter[q]) if t.group is unit.group), None)
        rows[q] = (table, next((r for r in table.rows if r.unit_id == unit.id), None) if table else None)
    columns = []
    for table, row in rows.values():
        for column, cell in zip(table.columns, row.cells if row else (), strict=False):
            if cell.value is not None and column.assessor not in {c.assessor for c in columns}:
                columns.append(Column(column.assessor, column.label, cell.maximum, True))
    columns.sort(key=lambda c: list(engine.Assessor).index(engine.Assessor(c.assessor)))
    unit_quarters = []
    for q in (1, 2, 3, 4):
        table, row = rows.get(q, (None, None))
        if row is not None:
            by_assessor = {c.assessor: cell for c, cell in zip(table.columns, row.cells, strict=True)}
            row.cells = [by_assessor.get(c.assessor, Cell(None, None)) for c in columns]
            for cell in row.cells:
                cell.show_maximum = False  # the unit's own maxima are in the header
        report_q = quarters[q]
        unit_quarters.append(UnitQuarter(q, report_q["status"] if report_q else "future",
                                         date.fromisoformat(report_q["evaluated_on"]) if report_q else None,
                                         row, average[q - 1], len(table.rows) if table else 0))
    mine = next((r for r in report["units"] if r["unit_id"] == unit.id), None)
    annual = YearRow(mine["unit_id"], mine["name"], mine["short_name"], mine["quarters"], mine["assessed_score"],
                     mine["score"], mine["overridden"], mine["rank"], mine["points"], mine["base_points"],
                     mine["deduction"], mine["policy_rate"], mine["grade_label"], mine["awarded"],
                     mine["report_label"], mine["complete"]) if mine else None
    return UnitPage(unit, year, columns, unit_quarters, annual, report["complete"], unit_chart(unit, year, quarters))


# --- the 千百十办 component explained ---------------------------------------------------------------------

@dataclass
class TaskLine:
    task_id: int
    title: str | None  # None: the task no longer exists
    priority: str
    due_on: date
    completed_on: date | None
    outcome: str  # on_time | late | not_done
    outcome_label: str
    weight: str
    credit: str
    contribution: str


@dataclass
class Explanation:
    unit: Unit
    year: int
    quarter: int
    status: str
    evaluated_on: date
    value: str  # the computed component (or task sub-item) value
    maximum: str
    component_value: str | None  # the whole 千百十办 component, when the tasks are one sub-item of it
    component_maximum: str | None
    has_tasks: bool
    weight_total: str
    earned: str
    lines: list
    settings: str
    period: tuple

    @property
    def name(self):
        return f"{self.year}年{QUARTER_NAMES[self.quarter]}"

    @property
    def formula(self):
        if not self.has_tasks:
            return f"本季度无交办事项，按满分计 = {self.value}"
        return (f"{self.maximum} × Σ(w·c)/Σw = {self.maximum} × {self.earned}/{self.weight_total} "
                f"= {self.value}")

    @property
    def contribution_total(self):
        return f"{sum((Decimal(line.contribution) for line in self.lines), Decimal(0)):.2f}"


def explanation(unit, report, row, rules, tasks) -> Explanation:
    """`tasks` maps task id → Task (title, link) for the ids of the report's lines."""
    office = row["office"]
    lines = [TaskLine(line["task_id"], tasks[line["task_id"]].title if line["task_id"] in tasks else None,
                      engine.Priority(line["priority"]).label, date.fromisoformat(line["due_on"]),
                      date.fromisoformat(line["completed_on"]) if line["completed_on"] else None, line["outcome"],
                      engine.TaskOutcome(line["outcome"]).label, plain(line["weight"]), plain(line["credit"]),
                      line["contribution"]) for line in office["lines"]]
    whole = row["maxima"].get("office")
    sub_item = whole is not None and Decimal(whole) != Decimal(office["maximum"])
    return Explanation(
        unit=unit, year=report["year"], quarter=report["quarter"], status=report["status"],
        evaluated_on=date.fromisoformat(report["evaluated_on"]), value=office["value"],
        maximum=plain(office["maximum"]), component_value=row["components"].get("office") if sub_item else None,
        component_maximum=plain(whole) if sub_item else None, has_tasks=office["has_tasks"],
        weight_total=plain(office["weight_total"]), earned=plain(office["earned"]), lines=lines,
        settings=task_settings_text(rules), period=engine.quarter_dates(report["year"], report["quarter"]))


# --- a result sheet of a unit reported upward (附件2 五(一)3) -------------------------------------------------------

@dataclass
class ResultSheet:
    year: int
    unit_id: int
    name: str
    group_label: str
    ranked: bool  # a county or park: points by rank (else a 市直 group: grade)
    group_size: int
    quarters: list  # four two-place strings or None
    annual: str  # the assessed annual score
    score: str  # the one that counts (full marks under the province-first override)
    province_first: bool
    rank: int
    grade: str | None
    points: str
    points_total: str
    approved_on: date | None
    doc_number: str | None
    target_label: str  # “报送上级主管部门”
    sent_to: str  # the department or company it goes to (the dispatch's, else the default)
    sent_on: date | None
    sent_doc_number: str | None
    opinion: Opinion | None

    @property
    def title(self):
        return f"{TITLE_PREFIX}{self.year}年度考评结果"

    @property
    def quarter_lines(self):
        return [(QUARTER_NAMES[q], self.quarters[q - 1]) for q in (1, 2, 3, 4)]

    @property
    def standing(self):
        """“第 3 名（共 23 家）” and the grade for a 市直 unit."""
        rank = f"{self.group_label}第 {self.rank} 名（共 {self.group_size} 家）"
        return f"{rank}，等次：{self.grade}" if self.grade else rank

    @property
    def approval(self):
        return approval_text(self.approved_on, self.doc_number)

    @property
    def filename(self):
        return f"{self.year}年度考评结果-{self.name}.xlsx"


def result_sheet(report, sheet_unit, rules) -> ResultSheet:
    """The result sheet of one unit of a frozen annual report (`sheet_unit`: approvals.SheetUnit)."""
    row = sheet_unit.row
    group = UnitGroup(row["group"])
    ranked = group in RANKED
    dispatch = sheet_unit.dispatch
    return ResultSheet(
        year=report["year"], unit_id=row["unit_id"], name=row["name"], group_label=group.label, ranked=ranked,
        group_size=sum(1 for r in report["units"] if r["group"] == row["group"]), quarters=row["quarters"],
        annual=row["assessed_score"], score=row["score"], province_first=report["province_first"], rank=row["rank"],
        grade=row["grade_label"], points=row["points"],
        points_total=plain(rules.rank_points_total if ranked else rules.grade_points_total),
        approved_on=_iso_date(report.get("approved_on")), doc_number=report.get("doc_number"),
        target_label=row["report_label"] or sheet_unit.target_label,
        sent_to=dispatch.sent_to if dispatch else sheet_unit.default_sent_to,
        sent_on=dispatch.sent_on if dispatch else None, sent_doc_number=dispatch.doc_number if dispatch else None,
        opinion=opinion_of(report.get("opinion")))
