"""Importing an existing ledger (台账) from Excel (issue #14 part 9): enterprises, projects with their stages,
milestones and this year's plan, and the monthly figures of both.

The template (`template_workbook`) has one sheet per kind of row: 企业, 项目, 项目月度数据, 企业月度数据, and a
说明 sheet. An upload is read (`read_workbook`: only .xlsx, size and expansion capped, a header per sheet), then
run row by row through the ledger's own services — `enterprises.create_enterprise / update_enterprise`,
`projects.create_project / update_project / change_stage / set_milestones / set_year_plan`,
`reporting.save_project_figures / save_enterprise_figures` — so that an import obeys exactly the rules of the
forms (统一社会信用代码 check character and uniqueness, negative amounts, 完成投资 above 总投资, a future month, a
cumulative figure lower than the month before without a reason, a stage going backwards without a reason ...) and
is audited like them.

`run_import(actor, workbook, today, apply=False)` does it all inside a savepoint: each row in a savepoint of its
own, so that every bad row is reported (sheet, row number, column, Chinese message), and the changes of the good
rows are read back field by field (before → after). A dry run (apply=False) then rolls the savepoint back: nothing
is written. Applying keeps the changes only when no row is refused (all or nothing); the caller commits.
Only the office imports (the view requires `admin`).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from app.core.audit import record_change
from app.core.errors import ServiceError
from app.core.excel import (
    BORDER,
    HEADER_FILL,
    WRAP_CENTER,
    WRAP_TOP,
    Font,
    UnreadableUpload,
    merge_cells,
    new_workbook,
    non_blank_rows,
    read_upload,
    write_cell,
)
from app.extensions import db
from app.ledger import enterprises as enterprise_services
from app.ledger import projects as project_services
from app.ledger import reporting
from app.ledger.models import (
    Enterprise,
    EnterpriseFigure,
    Project,
    ProjectFigure,
    ProjectSource,
    ProjectStage,
)
from app.org.models import Chain, Person, Unit

MAX_FILE_BYTES = 5 * 1024 * 1024  # the upload itself
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # a zip bomb is refused before openpyxl expands it
MAX_ROWS = 5000  # data rows per sheet
MAX_COLUMNS = 40
HEADER_SEARCH_ROWS = 5
MAX_ERRORS = 200

HEAD = Font(name="黑体", size=11, bold=True)
EXAMPLE = Font(name="宋体", size=10.5, color="808080")
BODY = Font(name="宋体", size=10.5)

STAGES = tuple(ProjectStage)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool = False
    width: int = 14
    note: str = ""


ENTERPRISE_SHEET, PROJECT_SHEET = "企业", "项目"
PROJECT_FIGURE_SHEET, ENTERPRISE_FIGURE_SHEET = "项目月度数据", "企业月度数据"
HELP_SHEET = "说明"

ENTERPRISE_COLUMNS = (
    Column("name", "企业名称", True, 28),
    Column("uscc", "统一社会信用代码", True, 22, "18 位，含校验位；已在台账中的企业按此代码更新"),
    Column("unit", "所属县市区/园区", True, 18, "单位全称或简称，如 湘潭县人民政府、湘潭经开区"),
    Column("chains", "所属产业链", True, 26, "产业链名称，多条用顿号（、）分隔"),
    Column("masters", "链主产业链", False, 18, "该企业为链主的产业链（须在所属产业链中），多条用顿号分隔"),
    Column("above_scale_since", "规上时间", False, 12, "纳入规模以上工业企业的月份，如 2021-06；空表示规下"),
    Column("liaison", "联点领导", False, 12, "联点帮扶的市领导姓名"),
    Column("note", "备注", False, 24),
)
PROJECT_COLUMNS = (
    Column("code", "项目编号", True, 14, "已在台账中的项目按编号更新"),
    Column("name", "项目名称", True, 30),
    Column("unit", "所在县市区/园区", True, 18, "单位全称或简称"),
    Column("chain", "产业链", False, 18, "产业链名称"),
    Column("lead_unit", "牵头单位", False, 16, "市直牵头单位全称或简称"),
    Column("total_investment", "总投资（万元）", True, 14),
    Column("source", "项目来源", False, 12, "招商引资、本地企业投资 或 政府投资；空为本地企业投资"),
    Column("signed_on", "签约日期", False, 12, "招商引资项目的签约日期，如 2025-03-18"),
    Column("is_top500", "三类500强", False, 10, "是 或 否（招商引资项目）"),
    Column("stage", "当前阶段", False, 10, "签约、开工、在建、竣工、投产、达产；空为签约（已有项目不变）"),
    Column("stage_reason", "阶段变更原因", False, 18, "阶段比台账中退回时必须填写"),
    *(Column(f"{kind}_{stage.value}", f"{stage.label}{word}日期", False, 12)
      for stage in ProjectStage for kind, word in (("planned", "计划"), ("actual", "实际"))),
    Column("year_plan", "本年计划投资（万元）", False, 14, "今年的年度计划投资"),
    Column("note", "备注", False, 24),
)
PROJECT_FIGURE_COLUMNS = (
    Column("code", "项目编号", True, 14),
    Column("month", "月份", True, 10, "如 2026-02"),
    Column("invested", "完成投资（万元）", True, 16, "年初至本月累计"),
    Column("funds", "到位资金（万元）", False, 16, "年初至本月累计"),
    Column("reason", "说明", False, 24, "累计数低于上月或更正已报数据时填写原因"),
)
ENTERPRISE_FIGURE_COLUMNS = (
    Column("uscc", "统一社会信用代码", True, 22),
    Column("month", "月份", True, 10, "如 2026-02"),
    Column("revenue", "营业收入（万元）", False, 16, "年初至本月累计"),
    Column("output", "工业产值（万元）", False, 16, "年初至本月累计"),
    Column("tax", "税收（万元）", False, 14, "年初至本月累计"),
    Column("reason", "说明", False, 24, "累计数低于上月或更正已报数据时填写原因"),
)
SHEETS = ((ENTERPRISE_SHEET, ENTERPRISE_COLUMNS), (PROJECT_SHEET, PROJECT_COLUMNS),
          (PROJECT_FIGURE_SHEET, PROJECT_FIGURE_COLUMNS), (ENTERPRISE_FIGURE_SHEET, ENTERPRISE_FIGURE_COLUMNS))

# a service's field name -> the column it comes from
ENTERPRISE_FIELD_COLUMNS = {"name": "企业名称", "uscc": "统一社会信用代码", "unit_id": "所属县市区/园区",
                            "chains": "所属产业链", "masters": "链主产业链", "above_scale_since": "规上时间",
                            "left_scale_on": "规上时间", "liaison_id": "联点领导", "note": "备注"}
PROJECT_FIELD_COLUMNS = {"code": "项目编号", "name": "项目名称", "unit_id": "所在县市区/园区", "chain_id": "产业链",
                         "lead_unit_id": "牵头单位", "total_investment": "总投资（万元）", "source": "项目来源",
                         "signed_on": "签约日期", "is_top500": "三类500强", "stage": "当前阶段",
                         "reason": "阶段变更原因", "note": "备注", "year": "本年计划投资（万元）",
                         "planned_investment": "本年计划投资（万元）",
                         **{f"{kind}_{s.value}": f"{s.label}{word}日期" for s in ProjectStage
                            for kind, word in (("planned", "计划"), ("actual", "实际"))}}

UPLOAD_PROBLEMS = {
    "empty": "上传的文件是空的，请选择填写好的台账导入模板（.xlsx）。",
    "unreadable": "无法读取上传的文件：请上传用 Excel 或 WPS 保存的 .xlsx 文件"
                  "（不支持 .xls、.csv 或改了扩展名的文件），"
                  "最好从本页下载模板填写。",
    "too_large": "文件内容过大，无法读取：请删除多余的工作表、图片和格式，或拆分为多个文件后分别导入。",
}


class ImportRefused(ServiceError):
    """The workbook as a whole cannot be imported (not an .xlsx, too large, no sheet of the template ...)."""


# --- the result -------------------------------------------------------------------------------------------------

@dataclass
class RowError:
    sheet: str
    row: int | None
    column: str | None
    message: str

    @property
    def text(self):
        where = self.sheet + (f"第{self.row}行" if self.row else "") + (f"“{self.column}”列" if self.column else "")
        return f"{where}：{self.message}"


@dataclass
class Change:
    sheet: str
    row: int
    action: str  # "create" or "update"
    title: str
    fields: list  # [(label, before, after)]

    @property
    def action_label(self):
        return "新增" if self.action == "create" else "修改"


@dataclass
class ImportResult:
    changes: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    unchanged: int = 0
    applied: bool = False

    @property
    def ok(self):
        return not self.errors

    def count(self, sheet, action):
        return sum(1 for c in self.changes if c.sheet == sheet and c.action == action)

    @property
    def summary(self):
        parts = []
        for sheet, _ in SHEETS:
            created, updated = self.count(sheet, "create"), self.count(sheet, "update")
            if created or updated:
                parts.append(f"{sheet}：新增 {created} 条、修改 {updated} 条")
        if self.unchanged:
            parts.append(f"{self.unchanged} 行与台账相同")
        return "；".join(parts) or "没有需要变更的数据"


@dataclass
class Workbook:
    """The parsed upload: per sheet, [(row number, {column key: cell value})]."""

    sheets: dict
    filename: str = ""


# --- the template -----------------------------------------------------------------------------------------------

def template_workbook(today: date) -> bytes:
    chain = db.session.scalar(sa.select(Chain).order_by(Chain.sort_order, Chain.id).limit(1))
    chain_name = chain.name if chain else ""
    examples = {
        ENTERPRISE_SHEET: {"name": "湘潭示例科技有限公司", "uscc": "91430300MA4L0000XX", "unit": "湘潭经开区",
                           "chains": chain_name, "masters": "", "above_scale_since": f"{today.year - 2}-06",
                           "liaison": "", "note": "示例行，导入前请删除"},
        PROJECT_SHEET: {"code": f"XM{today.year}-001", "name": "示例项目（导入前请删除）", "unit": "湘潭经开区",
                        "chain": chain_name, "lead_unit": "市工信局", "total_investment": 120000,
                        "source": "招商引资", "signed_on": f"{today.year - 1}-03-18", "is_top500": "否",
                        "stage": "开工", "planned_signed": f"{today.year - 1}-03-01",
                        "actual_signed": f"{today.year - 1}-03-18", "planned_started": f"{today.year - 1}-06-30",
                        "actual_started": f"{today.year - 1}-07-10", "year_plan": 30000},
        PROJECT_FIGURE_SHEET: {"code": f"XM{today.year}-001", "month": f"{today.year}-01", "invested": 2500,
                               "funds": 2000},
        ENTERPRISE_FIGURE_SHEET: {"uscc": "91430300MA4L0000XX", "month": f"{today.year}-01", "revenue": 8600,
                                  "output": 9100, "tax": 420},
    }
    wb = new_workbook("台账导入模板")
    for name, columns in SHEETS:
        ws = wb.create_sheet(name)
        for index, column in enumerate(columns, start=1):
            label = column.label + (" *" if column.required else "")
            write_cell(ws, 1, index, label, font=HEAD, alignment=WRAP_CENTER, border=BORDER, fill=HEADER_FILL)
            ws.set_width(index, column.width)
            value = examples[name].get(column.key)
            if value not in (None, ""):
                write_cell(ws, 2, index, value, font=EXAMPLE, alignment=WRAP_TOP)
        ws.freeze(2)
    help_ws = wb.create_sheet(HELP_SHEET)
    help_ws.set_widths([22, 24, 80])
    write_cell(help_ws, 1, 1, "台账导入说明", font=Font(name="黑体", size=14, bold=True))
    notes = [
        "四张工作表：企业、项目、项目月度数据、企业月度数据；不需要的表可以留空（保留表头）。"
        "第 2 行是示例，导入前请删除。",
        "带 * 的列必须填写。已在台账中的企业按统一社会信用代码、项目按项目编号更新；空白的选填列保留台账中原有的内容。",
        "上传后先预览（试导入）：列出将新增和修改的每一项（原值 → 新值）和每一处错误（工作表、行号、列名）；"
        "确认后才写入。",
        "文件中任何一行有错误时，整个文件都不会导入。月度数据为年初至本月累计数（万元），不能报送尚未结束的月份。",
        f"每张表最多 {MAX_ROWS} 行；文件不超过 {_mb(max_file_bytes())} MB；只接受 .xlsx 文件。",
    ]
    line = 2
    for note in notes:
        merge_cells(help_ws, line, 1, 3, note, font=BODY)
        line += 1
    line += 1
    for name, columns in SHEETS:
        for column in columns:
            write_cell(help_ws, line, 1, name, font=BODY)
            write_cell(help_ws, line, 2, column.label + ("（必填）" if column.required else ""), font=BODY)
            write_cell(help_ws, line, 3, column.note, font=BODY)
            line += 1
    return wb.save()


# --- reading the upload -----------------------------------------------------------------------------------------

def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_key(value) -> str:
    return re.sub(r"[\s*＊]", "", _cell_text(value))


def _sheet_rows(ws, name, columns, errors):
    rows = non_blank_rows(ws, max_col=MAX_COLUMNS, limit=MAX_ROWS + HEADER_SEARCH_ROWS, text=_cell_text)
    labels = {c.label: c for c in columns}
    for index, (number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [_header_key(v) for v in values]
        if columns[0].label not in keys:
            continue
        positions = {}
        for position, key in enumerate(keys):
            if key in labels:
                if labels[key].key in positions:
                    errors.append(RowError(name, number, key, "表头中该列出现了不止一次，请只保留一列。"))
                positions[labels[key].key] = position
        for column in columns:
            if column.required and column.key not in positions:
                errors.append(RowError(name, number, column.label,
                                       "表头缺少这一必填列：请使用导入模板，不要改动表头。"))
        data = rows[index + 1:]
        if len(data) > MAX_ROWS:
            errors.append(RowError(name, None, None, f"数据超过 {MAX_ROWS} 行，请拆分为多个文件分别导入。"))
            data = data[:MAX_ROWS]
        return [(n, {key: (vals[pos] if pos < len(vals) else None) for key, pos in positions.items()})
                for n, vals in data]
    if rows:
        errors.append(RowError(name, rows[0][0], None, f"找不到表头（第一列应为“{columns[0].label}”）：请使用导入模板，"
                                                     "不要删除或改动表头。"))
    return []


def max_file_bytes():
    """LEDGER_IMPORT_MAX_MB (default 5) in bytes."""
    from flask import current_app

    try:
        mb = float(current_app.config.get("LEDGER_IMPORT_MAX_MB") or MAX_FILE_BYTES / (1024 * 1024))
    except (TypeError, ValueError):
        mb = MAX_FILE_BYTES / (1024 * 1024)
    return int(mb * 1024 * 1024) if mb > 0 else MAX_FILE_BYTES


def _mb(size):
    return f"{size / 1024 / 1024:.3g}"


def read_workbook(data: bytes, filename: str = "") -> tuple[Workbook, list]:
    """The upload's rows per sheet, and the problems of its layout (RowError). Raises ImportRefused when the file
    cannot be read at all."""
    if filename and not filename.lower().endswith(".xlsx"):
        raise ImportRefused("只能导入 .xlsx 格式的 Excel 文件（不支持 .xls、.csv 等）：请用本页的导入模板填写后上传。",
                            field="file")
    limit = max_file_bytes()
    if len(data) > limit:
        raise ImportRefused(f"文件过大（超过 {_mb(limit)} MB）：台账导入文件不能超过 {_mb(limit)} MB，"
                            "请拆分为多个文件分别导入。", field="file")
    errors = []

    def read(wb):
        sheets = {}
        for name, columns in SHEETS:
            if name in wb.sheetnames:
                sheets[name] = _sheet_rows(wb[name], name, columns, errors)
        return sheets

    try:
        sheets = read_upload(data, read, max_bytes=MAX_UNCOMPRESSED_BYTES, what="ledger import file")
    except UnreadableUpload as problem:
        raise ImportRefused(UPLOAD_PROBLEMS[problem.problem], field="file") from None
    if not sheets:
        raise ImportRefused("文件中没有“企业”“项目”“项目月度数据”“企业月度数据”中的任何一张工作表："
                            "请使用本页的导入模板。",
                            field="file")
    if not any(sheets.values()) and not errors:
        raise ImportRefused("文件中没有任何数据行：请在模板的工作表中从第 2 行起填写。", field="file")
    return Workbook(sheets, filename), errors


# --- parsing cells ----------------------------------------------------------------------------------------------

class CellError(Exception):
    def __init__(self, column, message):
        super().__init__(message)
        self.column, self.message = column, message


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")


def _date(value, label):
    if value is None or _cell_text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.fullmatch(_cell_text(value))
    try:
        if match:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        pass
    raise CellError(label, f"“{_cell_text(value)[:20]}”不是有效的日期，请按 2026-03-18 这样的格式填写。")


def _month(value, label):
    if value is None or _cell_text(value) == "":
        return None
    if isinstance(value, datetime | date):
        return date(value.year, value.month, 1)
    text = _cell_text(value)
    match = _MONTH.fullmatch(text) or (_DATE.fullmatch(text) if _DATE.fullmatch(text) else None)
    if match and 1 <= int(match.group(2)) <= 12 and 1900 <= int(match.group(1)) <= 9000:
        return date(int(match.group(1)), int(match.group(2)), 1)
    raise CellError(label, f"“{text[:20]}”不是有效的月份，请按 2026-02 这样的格式填写。")


def _text(value):
    return _cell_text(value)


def _amount(value):
    """The cell as given (the services check amounts); a float cell exactly as Excel shows it."""
    if value is None or _cell_text(value) == "":
        return None
    if isinstance(value, float):
        return Decimal(repr(value)) if not value.is_integer() else Decimal(int(value))
    return _cell_text(value)


def _bool(value, label):
    text = _cell_text(value)
    if text in ("", "否", "N", "n", "no", "No", "0", "FALSE", "False", "false"):
        return False
    if text in ("是", "Y", "y", "yes", "Yes", "1", "TRUE", "True", "true"):
        return True
    raise CellError(label, f"“{text[:10]}”无法识别，请填写“是”或“否”。")


def _choice(value, enum_cls, label):
    text = _cell_text(value)
    if not text:
        return None
    for member in enum_cls:
        if text in (member.label, member.value):
            return member
    raise CellError(label, f"“{text[:20]}”无法识别，可填写：" + "、".join(m.label for m in enum_cls) + "。")


class Lookups:
    """Units, chains and people by name, read once per import."""

    def __init__(self):
        self.units = {}
        for unit in db.session.scalars(sa.select(Unit).order_by(Unit.sort_order, Unit.id)):
            self.units.setdefault(unit.name, unit)
            self.units.setdefault(unit.short_name, unit)
        self.chains = {c.name: c for c in db.session.scalars(sa.select(Chain))}
        self.chains_by_id = {c.id: c for c in self.chains.values()}
        self.people = {}
        for person in db.session.scalars(sa.select(Person).where(Person.is_active.is_(True))):
            self.people.setdefault(person.name, []).append(person)
        self.people_by_id = {p.id: p for ps in self.people.values() for p in ps}
        self.units_by_id = {u.id: u for u in self.units.values()}

    def unit(self, value, label, required=True):
        text = _cell_text(value)
        if not text:
            if required:
                raise CellError(label, f"请填写{label}。")
            return None
        unit = self.units.get(text)
        if unit is None:
            raise CellError(label, f"没有名为“{text[:30]}”的单位，请填写单位全称或简称（见系统中的单位列表）。")
        return unit

    def chain(self, value, label):
        text = _cell_text(value)
        if not text:
            return None
        chain = self.chains.get(text)
        if chain is None:
            raise CellError(label, f"没有名为“{text[:30]}”的产业链，可填写：" + "、".join(self.chains) + "。")
        return chain

    def chain_list(self, value, label):
        names = [n for n in re.split(r"[、,，;；\n]+", _cell_text(value)) if n.strip()]
        return [self.chain(n.strip(), label).id for n in names]

    def person(self, value, label):
        text = _cell_text(value)
        if not text:
            return None
        found = self.people.get(text, [])
        if not found:
            raise CellError(label, f"没有名为“{text[:20]}”的在职人员，请核对姓名。")
        if len(found) > 1:
            raise CellError(label, f"有 {len(found)} 位名为“{text[:20]}”的人员，无法确定是哪一位，"
                                   "请在系统中修改后再导入。")
        return found[0]


# --- states shown in the preview --------------------------------------------------------------------------------

def _show(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _enterprise_state(enterprise, lookups):
    if enterprise is None:
        return {}
    chains = "、".join(lookups.chains_by_id[link.chain_id].name + ("（链主）" if link.is_master else "")
                      for link in sorted(enterprise.chain_links, key=lambda link: link.chain_id))
    liaison = lookups.people_by_id.get(enterprise.liaison_id) if enterprise.liaison_id else None
    return {
        "企业名称": _show(enterprise.name), "统一社会信用代码": _show(enterprise.uscc),
        "所属县市区/园区": _show(lookups.units_by_id.get(enterprise.unit_id).name if enterprise.unit_id else None),
        "所属产业链": chains or "—", "规上时间": _show(enterprise.above_scale_since.strftime("%Y-%m")
                                                if enterprise.above_scale_since else None),
        "联点领导": _show(liaison.name if liaison else (enterprise.liaison_id and f"人员 {enterprise.liaison_id}")),
        "备注": _show(enterprise.note),
    }


def _project_state(project, lookups, year):
    if project is None:
        return {}
    unit = lookups.units_by_id.get(project.unit_id)
    lead = lookups.units_by_id.get(project.lead_unit_id) if project.lead_unit_id else None
    chain = lookups.chains_by_id.get(project.chain_id) if project.chain_id else None
    state = {
        "项目编号": _show(project.code), "项目名称": _show(project.name),
        "所在县市区/园区": _show(unit.name if unit else None),
        "产业链": _show(chain.name if chain else None), "牵头单位": _show(lead.name if lead else None),
        "总投资（万元）": _show(project.total_investment),
        "项目来源": _show(project.source.label if project.source else None),
        "签约日期": _show(project.signed_on), "三类500强": _show(bool(project.is_top500)),
        "当前阶段": _show(project.stage.label if project.stage else None),
    }
    milestones = {m.stage: m for m in project.milestones}
    for stage in STAGES:
        m = milestones.get(stage)
        state[f"{stage.label}计划日期"] = _show(m.planned_on if m else None)
        state[f"{stage.label}实际日期"] = _show(m.actual_on if m else None)
    plan = next((p for p in project.year_plans if p.year == year), None)
    state[f"{year}年计划投资（万元）"] = _show(plan.planned_investment if plan else None)
    state["备注"] = _show(project.note)
    return state


def _diff(before, after):
    return [(label, before.get(label, "—"), value) for label, value in after.items()
            if before.get(label, "—") != value]


# --- running the rows -------------------------------------------------------------------------------------------

def _service_error(sheet, number, error, columns):
    messages = getattr(error, "messages", None) or [error.message]
    column = columns.get(error.field) if error.field else None
    return [RowError(sheet, number, column, m) for m in messages]


def _enterprise_row(actor, number, values, lookups, today, seen, result):
    sheet = ENTERPRISE_SHEET
    uscc_raw = _text(values.get("uscc"))
    try:
        code = enterprise_services.normalise_uscc(uscc_raw)
    except ServiceError as error:
        result.errors.append(RowError(sheet, number, "统一社会信用代码", error.message))
        return
    if code in seen:
        result.errors.append(RowError(sheet, number, "统一社会信用代码",
                                      f"统一社会信用代码 {code} 与第{seen[code]}行重复，同一企业只能填写一行。"))
        return
    seen[code] = number
    existing = db.session.scalar(sa.select(Enterprise).where(Enterprise.uscc == code))
    unit = lookups.unit(values.get("unit"), "所属县市区/园区")
    chain_ids = lookups.chain_list(values.get("chains"), "所属产业链")
    masters = lookups.chain_list(values.get("masters"), "链主产业链") if _text(values.get("masters")) else None
    since = _month(values.get("above_scale_since"), "规上时间")
    liaison = lookups.person(values.get("liaison"), "联点领导")
    note = _text(values.get("note"))
    before = _enterprise_state(existing, lookups)
    if existing is None:
        enterprise = enterprise_services.create_enterprise(
            actor, unit=unit, today=today, name=_text(values.get("name")), uscc=code, chain_ids=chain_ids,
            master_ids=masters or [], above_scale_since=since, left_scale_on=None,
            liaison_id=liaison.id if liaison else None, note=note)
    else:
        current_masters = [link.chain_id for link in existing.chain_links if link.is_master]
        enterprise = enterprise_services.update_enterprise(
            actor, existing, unit=unit, today=today, name=_text(values.get("name")), uscc=code, chain_ids=chain_ids,
            master_ids=masters if masters is not None else [c for c in current_masters if c in chain_ids],
            above_scale_since=since if since is not None else existing.above_scale_since,
            left_scale_on=existing.left_scale_on,
            liaison_id=liaison.id if liaison else existing.liaison_id,
            note=note or existing.note)
    db.session.flush()
    changes = _diff(before, _enterprise_state(enterprise, lookups))
    if changes:
        result.changes.append(Change(sheet, number, "update" if existing else "create",
                                     f"{enterprise.name}（{enterprise.uscc}）", changes))
    else:
        result.unchanged += 1


def _project_row(actor, number, values, lookups, today, seen, result):
    sheet = PROJECT_SHEET
    code = _text(values.get("code"))
    if not code:
        result.errors.append(RowError(sheet, number, "项目编号", "请填写项目编号。"))
        return
    if code in seen:
        result.errors.append(RowError(sheet, number, "项目编号", f"项目编号“{code}”与第{seen[code]}行重复，"
                                                              "同一项目只能填写一行。"))
        return
    seen[code] = number
    existing = db.session.scalar(sa.select(Project).where(Project.code == code))
    unit = lookups.unit(values.get("unit"), "所在县市区/园区")
    chain = lookups.chain(values.get("chain"), "产业链")
    lead = lookups.unit(values.get("lead_unit"), "牵头单位", required=False)
    source = _choice(values.get("source"), ProjectSource, "项目来源")
    signed_on = _date(values.get("signed_on"), "签约日期")
    top500_given = _text(values.get("is_top500")) != ""
    is_top500 = _bool(values.get("is_top500"), "三类500强")
    stage = _choice(values.get("stage"), ProjectStage, "当前阶段")
    dates = {s: (_date(values.get(f"planned_{s.value}"), f"{s.label}计划日期"),
                 _date(values.get(f"actual_{s.value}"), f"{s.label}实际日期")) for s in STAGES}
    year_plan = _amount(values.get("year_plan"))
    before = _project_state(existing, lookups, today.year)
    data = project_services.ProjectInput(
        code=code, name=_text(values.get("name")), unit=unit, total_investment=_amount(values.get("total_investment")),
        chain=chain if chain is not None or existing is None else existing.chain,
        lead_unit=lead if lead is not None or existing is None else existing.lead_unit,
        leader=existing.leader if existing else None,
        enterprise_uscc=existing.enterprise.uscc if existing is not None and existing.enterprise else "",
        source=source or (existing.source if existing else ProjectSource.local),
        signed_on=signed_on if signed_on is not None or existing is None else existing.signed_on,
        is_top500=is_top500 if top500_given or existing is None else existing.is_top500,
        note=_text(values.get("note")) or (existing.note if existing else ""))
    if existing is None:
        project = project_services.create_project(actor, data, today)
    else:
        project = project_services.update_project(actor, existing, data, today)
    if stage is not None and stage is not project.stage:
        try:
            project_services.change_stage(actor, project, stage, dates[stage][1],
                                          _text(values.get("stage_reason")), today)
        except ServiceError as error:
            if error.field == "on":  # the day the stage was reached: its 实际日期 column
                error.field = f"actual_{stage.value}"
            raise
    if any(planned or actual for planned, actual in dates.values()):
        current = {m.stage: (m.planned_on, m.actual_on) for m in project.milestones}
        merged = {s: (dates[s][0] or current.get(s, (None, None))[0], dates[s][1] or current.get(s, (None, None))[1])
                  for s in STAGES}
        if any(merged[s] != current.get(s, (None, None)) for s in STAGES):
            project_services.set_milestones(actor, project, merged, today)
    if year_plan is not None:
        plan = next((p for p in project.year_plans if p.year == today.year), None)
        if plan is None or plan.planned_investment != _decimal_or_none(year_plan):
            project_services.set_year_plan(actor, project, today.year, year_plan, today)
    db.session.flush()
    changes = _diff(before, _project_state(project, lookups, today.year))
    if changes:
        result.changes.append(Change(sheet, number, "update" if existing else "create",
                                     f"{project.code} {project.name}", changes))
    else:
        result.unchanged += 1


def _decimal_or_none(value):
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except Exception:  # noqa: BLE001 - the service says what is wrong with it
        return None


def _row_in_savepoint(result, sheet, number, columns, work):
    """Run one row's services in a savepoint of its own: a refused row leaves nothing behind and the next rows
    still run (so that every bad row is reported)."""
    savepoint = db.session.begin_nested()
    try:
        work()
    except CellError as error:
        savepoint.rollback()
        result.errors.append(RowError(sheet, number, error.column, error.message))
        return
    except ServiceError as error:
        savepoint.rollback()
        result.errors.extend(_service_error(sheet, number, error, columns))
        return
    except Exception:
        savepoint.rollback()
        raise
    savepoint.commit()


FIGURE_KINDS = {
    PROJECT_FIGURE_SHEET: dict(model=ProjectFigure, owner=Project, key="code", owner_key=Project.code,
                               owner_id="project_id", fields=reporting.PROJECT_FIELDS,
                               save=reporting.save_project_figures, input=reporting.ProjectFigureInput,
                               what="项目", key_label="项目编号"),
    ENTERPRISE_FIGURE_SHEET: dict(model=EnterpriseFigure, owner=Enterprise, key="uscc", owner_key=Enterprise.uscc,
                                  owner_id="enterprise_id", fields=reporting.ENTERPRISE_FIELDS,
                                  save=reporting.save_enterprise_figures, input=reporting.EnterpriseFigureInput,
                                  what="企业", key_label="统一社会信用代码"),
}
FIGURE_LABELS = {"revenue": "营业收入（万元）", "output": "工业产值（万元）", "tax": "税收（万元）",
                 "invested": "完成投资（万元）", "funds": "到位资金（万元）"}


def _figure_rows(actor, sheet, rows, lookups, today, result):
    """The figures of one sheet, saved per (unit, month) through the reporting service (as a unit's submission)."""
    kind = FIGURE_KINDS[sheet]
    model, owner_model, owner_id = kind["model"], kind["owner"], kind["owner_id"]
    keys = {_text(v.get(kind["key"])).upper() if kind["key"] == "uscc" else _text(v.get(kind["key"]))
            for _, v in rows}
    owners = {getattr(o, kind["key"]): o for o in db.session.scalars(
        sa.select(owner_model).where(kind["owner_key"].in_(sorted(k for k in keys if k))))} if keys else {}
    groups, seen = {}, {}
    for number, values in rows:
        key = _text(values.get(kind["key"]))
        key = key.upper().replace(" ", "") if kind["key"] == "uscc" else key
        try:
            if not key:
                raise CellError(kind["key_label"], f"请填写{kind['key_label']}。")
            owner = owners.get(key)
            if owner is None:
                raise CellError(kind["key_label"], f"台账中没有{kind['key_label']}为“{key[:30]}”的{kind['what']}"
                                                   f"（也不在本文件的“{kind['what']}”表中）。")
            month = _month(values.get("month"), "月份")
            if month is None:
                raise CellError("月份", "请填写月份，如 2026-02。")
        except CellError as error:
            result.errors.append(RowError(sheet, number, error.column, error.message))
            continue
        if (owner.id, month) in seen:
            result.errors.append(RowError(sheet, number, "月份", f"{kind['what']}“{key}”{month.year}年{month.month}月的"
                                                               f"数据与第{seen[owner.id, month]}行重复。"))
            continue
        seen[owner.id, month] = number
        entry = kind["input"](owner.id, **{n: _amount(values.get(n)) for n, _ in kind["fields"]},
                              reason=_text(values.get("reason")) or None, label=f"第{number}行")
        groups.setdefault((owner.unit_id, month), []).append((number, owner, entry))
    for (unit_id, month), entries in groups.items():
        unit = lookups.units_by_id[unit_id]
        pairs = [(owner.id, month) for _, owner, _ in entries]
        before = _figure_values(model, owner_id, kind["fields"], pairs)
        savepoint = db.session.begin_nested()
        try:
            kind["save"](actor, unit, month, [entry for _, _, entry in entries])
        except ServiceError as error:
            savepoint.rollback()
            for message in getattr(error, "messages", None) or [error.message]:
                match = re.match(r"第(\d+)行：(.*)", message)
                if match:
                    result.errors.append(RowError(sheet, int(match.group(1)), None, match.group(2)))
                else:  # about the submission as a whole (its month): said of each of its rows
                    result.errors.extend(RowError(sheet, n, "月份" if error.field == "month" else None, message)
                                         for n, _, _ in entries)
            continue
        savepoint.commit()
        after = _figure_values(model, owner_id, kind["fields"], pairs)
        for number, owner, _ in entries:
            old, new = before.get((owner.id, month)), after.get((owner.id, month))
            label = f"{getattr(owner, kind['key'])} {owner.name} {month.year}年{month.month}月"
            changes = [(FIGURE_LABELS[n], _show(old[n]) if old else "—", _show(new[n]) if new else "—")
                       for n, _ in kind["fields"] if (old[n] if old else None) != (new[n] if new else None)]
            if changes:
                result.changes.append(Change(sheet, number, "update" if old else "create", label, changes))
            else:
                result.unchanged += 1


def _figure_values(model, owner_id, fields, pairs):
    ids = sorted({p for p, _ in pairs})
    months = sorted({m for _, m in pairs})
    found = {}
    for row in db.session.scalars(sa.select(model).where(getattr(model, owner_id).in_(ids), model.month.in_(months))
                                  .execution_options(populate_existing=True)):
        found[getattr(row, owner_id), row.month] = {n: getattr(row, n) for n, _ in fields}
    return found


def run_import(actor, workbook: Workbook, today: date, *, apply: bool = False, layout_errors=()) -> ImportResult:
    """Run every row through the services inside a savepoint; keep the changes only when `apply` and no row was
    refused (the caller commits), else roll them back. The result lists the changes and the errors."""
    result = ImportResult(errors=list(layout_errors))
    lookups = Lookups()
    outer = db.session.begin_nested()
    try:
        seen = {}
        for number, values in workbook.sheets.get(ENTERPRISE_SHEET, []):
            _row_in_savepoint(result, ENTERPRISE_SHEET, number, ENTERPRISE_FIELD_COLUMNS,
                              lambda n=number, v=values: _enterprise_row(actor, n, v, lookups, today, seen, result))
        seen = {}
        for number, values in workbook.sheets.get(PROJECT_SHEET, []):
            _row_in_savepoint(result, PROJECT_SHEET, number, PROJECT_FIELD_COLUMNS,
                              lambda n=number, v=values: _project_row(actor, n, v, lookups, today, seen, result))
        for sheet in (PROJECT_FIGURE_SHEET, ENTERPRISE_FIGURE_SHEET):
            rows = workbook.sheets.get(sheet, [])
            if rows:
                _figure_rows(actor, sheet, rows, lookups, today, result)
        if apply and result.ok and result.changes:
            record_change(actor, "ledger.import", _ImportMark(workbook.filename), None,
                          {"file": workbook.filename, "summary": result.summary,
                           "rows": {sheet: len(workbook.sheets.get(sheet, [])) for sheet, _ in SHEETS}},
                          object_type="ledger_import")
            outer.commit()
            result.applied = True
        else:
            outer.rollback()
    except Exception:
        if outer.is_active:
            outer.rollback()
        raise
    result.errors = result.errors[:MAX_ERRORS]
    return result


class _ImportMark:
    """What the audit entry of an import is about: the file."""

    __tablename__ = "ledger_import"

    def __init__(self, filename):
        self.id = (filename or "导入文件")[:60]
