"""The monthly reporting as an Excel file: a template for a unit, subject and month (the unit's rows prefilled with
names, codes and last month's values, an instructions row, in Chinese), and the filled copy read back.

The upload is all or nothing: `parse_report_workbook` refuses a malformed, oversized or foreign workbook and every
row it cannot identify (one message per bad row, naming its number and column); the rows it reads go to
`reporting.save_submission` together, which checks every one (negative, bad number, another unit's row, lower
than last month, 完成投资 above 总投资, a late correction without a reason) before writing any. Written with
XlsxWriter, read with openpyxl (app.core.excel).
"""

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from app.core.excel import (
    BORDER,
    HEADER_FILL,
    Alignment,
    Fill,
    Font,
    UnreadableUpload,
    cell_text,
    merge_cells,
    new_workbook,
    non_blank_rows,
    read_meta_sheet,
    read_upload,
    save_workbook,
    write_cell,
    write_meta_sheet,
)
from app.core.uploads import max_upload_mb
from app.extensions import db
from app.ledger.models import Enterprise, Project, ReportSubject
from app.ledger.reporting import (
    ChainScaleInput,
    EnterpriseFigureInput,
    IndicatorValueInput,
    ProjectFigureInput,
    report_lines,
    reporting_areas,
)
from app.ledger.reporting_calendar import month_code, month_label
from app.org.models import Chain, Target

SHEET = "月度报送"
META_SHEET = "meta"
MAX_ROWS = 5000
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # a zip bomb is refused before openpyxl expands it
HEADER_SEARCH_ROWS = 6
CITY = "全市"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    is_input: bool = False
    is_number: bool = False


COLUMNS = {
    ReportSubject.enterprise_figures: (
        Column("number", "序号", 6), Column("code", "统一社会信用代码", 22), Column("name", "企业名称", 30),
        Column("prev_revenue", "上月营业收入（万元）", 14, is_number=True),
        Column("revenue", "营业收入（万元）", 14, True, True),
        Column("prev_output", "上月工业产值（万元）", 14, is_number=True),
        Column("output", "工业产值（万元）", 14, True, True),
        Column("prev_tax", "上月税收（万元）", 14, is_number=True),
        Column("tax", "税收（万元）", 14, True, True),
        Column("reason", "说明（更正原因）", 30, True)),
    ReportSubject.project_figures: (
        Column("number", "序号", 6), Column("code", "项目编号", 16), Column("name", "项目名称", 30),
        Column("total", "总投资（万元）", 14, is_number=True),
        Column("prev_invested", "上月完成投资（万元）", 14, is_number=True),
        Column("invested", "完成投资（万元）", 14, True, True),
        Column("prev_funds", "上月到位资金（万元）", 14, is_number=True),
        Column("funds", "到位资金（万元）", 14, True, True),
        Column("reason", "说明（更正原因）", 30, True)),
    ReportSubject.chain_scale: (
        Column("number", "序号", 6), Column("code", "产业链", 24), Column("tier", "规模目标", 10),
        Column("prev_scale", "上月规模（亿元）", 14, is_number=True),
        Column("scale", "产业链规模（亿元）", 14, True, True),
        Column("reason", "说明（更正原因）", 30, True)),
    ReportSubject.indicator: (
        Column("number", "序号", 6), Column("code", "指标代码", 10), Column("name", "指标", 36),
        Column("area", "区域", 12), Column("measure", "计量单位", 8),
        Column("prev_value", "上期值", 12, is_number=True),
        Column("value", "本期值", 12, True, True),
        Column("source_note", "数据来源", 24, True),
        Column("reason", "说明（更正原因）", 30, True)),
}
REQUIRED = {
    ReportSubject.enterprise_figures: ("code", "revenue", "output", "tax"),
    ReportSubject.project_figures: ("code", "invested", "funds"),
    ReportSubject.chain_scale: ("code", "scale"),
    ReportSubject.indicator: ("code", "area", "value", "source_note"),
}
INSTRUCTIONS = {
    ReportSubject.enterprise_figures: "金额单位为万元，填写年初至本月累计数（不是当月数）；",
    ReportSubject.project_figures: "金额单位为万元，填写本年年初至本月累计数；完成投资（含以前年度）不能超过总投资；",
    ReportSubject.chain_scale: "产业链规模单位为亿元，填写年初至本月累计数；",
    ReportSubject.indicator: "本期值按指标的计量单位填写，并写明数据来源；",
}
CODE_NAMES = {
    ReportSubject.enterprise_figures: "统一社会信用代码",
    ReportSubject.project_figures: "项目编号",
    ReportSubject.chain_scale: "产业链",
    ReportSubject.indicator: "指标代码",
}

INPUT_FILL = Fill("FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="center")
FONT = Font(name="宋体", size=11)
BOLD = Font(name="宋体", size=11, bold=True)


def template_filename(unit, subject, month) -> str:
    return f"{month_label(month)}{ReportSubject(subject).label}报送表_{unit.short_name}.xlsx"


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def template_workbook(unit, subject, month) -> bytes:
    """The unit's rows for the month with last month's values (and this month's, when already reported)."""
    subject = ReportSubject(subject)
    columns = COLUMNS[subject]
    lines = report_lines(unit, subject, month)
    title = f"{month_label(month)} {subject.label}报送表（{unit.name}）"
    wb = new_workbook(title)
    ws = wb.create_sheet(SHEET)
    merge_cells(ws, 1, 1, len(columns), title, font=Font(name="黑体", size=14))
    merge_cells(ws, 2, 1, len(columns),
                "填写说明：只填写黄色列；" + INSTRUCTIONS[subject]
                + "数字不带单位、不用千分位，最多两位小数，不能为负数；"
                "累计数低于上月、或截止日后更正已报数据的，须在“说明”列写明原因；整行留空的不报送。"
                "请勿改动表头、代码列和其他列，不要增删列。整份文件校验通过才会保存。",
                font=FONT, alignment=WRAP)
    ws.set_height(2, 48)
    for position, column in enumerate(columns, start=1):
        write_cell(ws, 3, position, column.header, font=BOLD, border=BORDER, fill=HEADER_FILL, alignment=WRAP)
        ws.set_width(position, column.width)
    styles = [dict(font=FONT, border=BORDER, fill=INPUT_FILL if c.is_input else None,
                   number_format="0.00" if c.is_number else None,
                   alignment=WRAP if c.key in ("name", "reason", "source_note") else None) for c in columns]
    for number, line in enumerate(lines, start=1):
        values = {"number": number, "code": line.code, "name": line.name, "area": line.area or CITY,
                  "measure": line.extra, "total": line.extra, "tier": line.extra, "reason": line.reason,
                  "source_note": line.source_note or line.previous_source}
        for name, value in line.previous.items():
            values[f"prev_{name}"] = value
        values.update(line.current)
        if subject is ReportSubject.project_figures:
            values["total"] = Decimal(line.extra.replace(",", "")) if line.extra not in ("", "—") else None
        for position, column in enumerate(columns, start=1):
            write_cell(ws, 3 + number, position, _number(values.get(column.key)), **styles[position - 1])
    ws.freeze(4)
    write_meta_sheet(wb, META_SHEET, (("subject", subject.value), ("month", month_code(month)),
                                        ("unit", unit.id)))
    return save_workbook(wb)


# --- reading --------------------------------------------------------------------------------------------------

class ReportImportError(ValueError):
    """The file was refused; `messages` says why, in Chinese, naming rows as the spreadsheet numbers them."""

    def __init__(self, messages):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


UNREADABLE = "文件无法读取：请上传从本页面下载、填写后保存的 .xlsx 报送表（不支持 .xls、.csv 或改了扩展名的文件）。"
UPLOAD_PROBLEMS = {
    "empty": "上传的文件是空的，请选择填写好的报送表（.xlsx）。",
    "unreadable": UNREADABLE,
    "too_large": "文件内容过大，无法读取；请使用从本页面下载的报送表，删除多余的工作表和图片。",
}


def _read(wb):
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    rows = non_blank_rows(ws, max_col=15, limit=MAX_ROWS + HEADER_SEARCH_ROWS, text=cell_text)
    return rows, read_meta_sheet(wb, META_SHEET)


def _load(data: bytes, filename: str):
    limit = max_upload_mb() * 1024 * 1024
    if len(data) > limit:
        raise ReportImportError([f"文件过大：报送表不能超过 {max_upload_mb()} MB，请使用从本页面下载的报送表。"])
    if filename and not filename.lower().endswith(".xlsx"):
        raise ReportImportError([UNREADABLE])
    try:
        return read_upload(data, _read, max_bytes=MAX_UNCOMPRESSED_BYTES, what="reporting file")
    except UnreadableUpload as problem:
        raise ReportImportError([UPLOAD_PROBLEMS[problem.problem]]) from None


def _raw_number(value):
    """A number cell through its shortest text form (12.35, not 12.3499999...), text as typed."""
    if isinstance(value, float):
        return repr(value)
    return value


def parse_report_workbook(data: bytes, unit, subject, month, filename: str = "") -> list:
    """The filled rows of a downloaded template as the service's inputs (each labelled “第N行”)."""
    subject = ReportSubject(subject)
    rows, meta = _load(data, filename)
    if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise ReportImportError([f"文件超过 {MAX_ROWS} 行，请使用从本页面下载的报送表。"])
    if meta.get("subject") and meta["subject"] != subject.value:
        raise ReportImportError(["这不是本页的报送表（报送内容不同），请下载本页的报送表填写。"])
    if meta.get("month") and meta["month"] != month_code(month):
        raise ReportImportError([f"这是{meta['month']}的报送表，不能上传到{month_label(month)}；"
                                 "请下载本月的报送表填写。"])
    if meta.get("unit") and meta["unit"] != str(unit.id):
        raise ReportImportError([f"这不是{unit.name}的报送表，请下载本单位的报送表填写。"])
    columns = COLUMNS[subject]
    headers = {c.header: c.key for c in columns}
    header_at, positions = None, {}
    for index, (_number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {headers[cell_text(v)]: i for i, v in enumerate(values) if cell_text(v) in headers}
        if "code" in found or len(found) >= 2:
            header_at, positions = index, found
            break
    if header_at is None:
        raise ReportImportError([f"找不到表头（第3行应有“{CODE_NAMES[subject]}”等列），请使用从本页面下载的报送表，"
                                 "不要改动表头。"])
    missing = [c.header for c in columns if c.key in REQUIRED[subject] and c.key not in positions]
    if missing:
        raise ReportImportError([f"表头缺少“{'”“'.join(missing)}”列（或列名被改动），请重新下载报送表填写，"
                                 "不要改动或删除任何列。"])
    records = []
    for number, values in rows[header_at + 1:]:
        def cell(key, values=values):
            position = positions.get(key)
            return values[position] if position is not None and position < len(values) else None

        inputs = [k for k in REQUIRED[subject] if k not in ("code", "area", "source_note")]
        if all(cell_text(cell(k)) == "" for k in inputs):
            continue
        records.append((number, cell))
    return _inputs(subject, records)


def _inputs(subject, records):
    codes = {cell_text(cell("code")) for _, cell in records}
    errors, inputs = [], []
    lookups = {
        ReportSubject.enterprise_figures: (Enterprise.uscc, Enterprise.id),
        ReportSubject.project_figures: (Project.code, Project.id),
        ReportSubject.chain_scale: (Chain.name, Chain.id),
        ReportSubject.indicator: (Target.code, Target.id),
    }
    code_column, id_column = lookups[subject]
    wanted = sorted({c.upper() for c in codes} if subject is ReportSubject.enterprise_figures else codes)
    found = dict(db.session.execute(sa.select(code_column, id_column).where(code_column.in_(wanted))).all()) \
        if wanted else {}
    areas = {}
    if subject is ReportSubject.indicator:
        for area in reporting_areas():
            areas[area.short_name] = areas[area.name] = area.id
    for number, cell in records:
        label = f"第{number}行"
        code = cell_text(cell("code"))
        key = found.get(code.upper() if subject is ReportSubject.enterprise_figures else code)
        if not code:
            errors.append(f"{label}：“{CODE_NAMES[subject]}”列为空，无法识别是哪一行；请重新下载报送表填写。")
            continue
        if key is None:
            errors.append(f"{label}：{CODE_NAMES[subject]}“{code[:30]}”不在台账中，请核对（新企业、新项目请先在台账中登记）。")
            continue
        reason = cell_text(cell("reason")) or None
        if subject is ReportSubject.enterprise_figures:
            inputs.append(EnterpriseFigureInput(key, _raw_number(cell("revenue")), _raw_number(cell("output")),
                                                _raw_number(cell("tax")), reason, label))
        elif subject is ReportSubject.project_figures:
            inputs.append(ProjectFigureInput(key, _raw_number(cell("invested")), _raw_number(cell("funds")), reason,
                                             label))
        elif subject is ReportSubject.chain_scale:
            inputs.append(ChainScaleInput(key, _raw_number(cell("scale")), reason, label))
        else:
            area = cell_text(cell("area"))
            if area in ("", CITY):
                area_id = None
            elif area in areas:
                area_id = areas[area]
            else:
                errors.append(f"{label}：区域“{area[:20]}”不是县市区或园区的名称。")
                continue
            inputs.append(IndicatorValueInput(key, area_id, _raw_number(cell("value")), cell_text(cell("source_note")),
                                              reason, label))
    if errors:
        more = [f"……另有 {len(errors) - 50} 处问题未列出。"] if len(errors) > 50 else []
        raise ReportImportError(errors[:50] + more)
    if not inputs:
        raise ReportImportError(["文件中没有填写任何数据（黄色列都是空的）。"])
    return inputs
