"""Excel in and out for tasks: the 旬调度清单 export, a filtered task list's export (the overview's 导出 Excel), the
task-list import template, and the import itself.

Every exported string goes through `app.core.excel.write_cell`, which stores it as text (never a live formula).
The exports are written with XlsxWriter and the import read with openpyxl, both imported only when a file is
written or read (`app.core.excel` says why).

The import is all or nothing. `parse_task_workbook` reads and checks every row and raises `TaskImportError` with
every problem found (Chinese, naming row and column, as the spreadsheet numbers rows); `import_tasks` then calls
`services.assign_task` for each draft inside a savepoint, so a refusal half-way leaves nothing behind.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from app.core.clock import get_clock
from app.core.errors import PermissionDenied, ServiceError
from app.core.excel import (
    BORDER,
    FONT_NAME,
    HEADER_FILL,
    TITLE_FONT_NAME,
    WRAP_CENTER,
    WRAP_TOP,
    Alignment,
    Fill,
    Font,
    UnreadableUpload,
    fit_row_height,
    merge_cells,
    new_workbook,
    non_blank_rows,
    print_setup,
    read_upload,
    save_workbook,
    write_cell,
    write_row,
)
from app.core.text import has_control
from app.extensions import db
from app.org.models import Plan, Unit
from app.tasks import services
from app.tasks.dispatch_queries import DispatchList, DispatchRow
from app.tasks.models import Light, TaskPriority, TaskSource

log = logging.getLogger(__name__)

MAX_IMPORT_ROWS = 2000
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # a zip bomb is refused before openpyxl expands it
HEADER_SEARCH_ROWS = 5  # the header may sit below a title row or two
MAX_IMPORT_COLUMNS = 40
STALE_LABEL = "（上旬以来未反馈）"
UNREADABLE = "文件无法读取，请上传由模板填写的 .xlsx 文件"

LIGHT_FILLS = {
    Light.red: Fill("FFC7CE"),
    Light.yellow: Fill("FFEB9C"),
    Light.green: Fill("C6EFCE"),
}
GROUP_FILL = Fill("F2F2F2")
BODY = Font(name=FONT_NAME, size=10.5)
BOLD = Font(name=FONT_NAME, size=10.5, bold=True)
HEAD = Font(name=TITLE_FONT_NAME, size=11, bold=True)
TITLE = Font(name=TITLE_FONT_NAME, size=16, bold=True)
EXAMPLE = Font(name=FONT_NAME, size=10.5, color="808080")


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _short_date(day: date, year: int) -> str:
    return f"{day.month}月{day.day}日" if day.year == year else _cn_date(day)


# --- the 旬调度清单 -------------------------------------------------------------------------------------------

DISPATCH_COLUMNS = (("序号", 6), ("事项", 30), ("牵头单位", 16), ("配合单位", 18), ("时限", 13),
                    ("最新进展", 58), ("状态", 14))
HEADER_ROW = 3
SUMMARY_ORDER = (Light.red, Light.yellow, Light.green, Light.done_on_time, Light.done_late, Light.cancelled)


def _status_text(row: DispatchRow) -> str:
    parts = [row.light.label]
    if row.days_overdue > 0:
        parts.append(f"逾期{row.days_overdue}个工作日")
    if row.stale:
        parts.append(STALE_LABEL)
    return "\n".join(parts)


def _progress_text(row: DispatchRow, year: int) -> str:
    """The lead unit's latest follow-up with its date and percent, then one line per co-unit."""
    lead = row.lead_progress
    if lead is None:
        lines = ["（牵头单位暂无反馈）"]
    else:
        lines = [f"{lead.text.strip()}（{_short_date(lead.reported_on, year)}，进度{lead.percent}%）"]
    for unit, follow_up in row.co_progress:
        if follow_up is None:
            lines.append(f"{unit.name}：暂无反馈")
        else:
            lines.append(f"{unit.name}：{follow_up.text.strip()}（{_short_date(follow_up.reported_on, year)}）")
    return "\n".join(lines)


def dispatch_filename(dl: DispatchList) -> str:
    return f"{dl.title}.xlsx"


def dispatch_workbook(dl: DispatchList) -> bytes:
    """The 旬调度清单 as officials print it: title, date line, header, then each unit's tasks under a group row
    (units with no task are left out), and a closing count by light. A4 landscape, fit to width, the three
    top rows repeated on every page, panes frozen below the header."""
    wb = new_workbook(dl.title)
    ws = wb.create_sheet("调度清单")
    ncols = len(DISPATCH_COLUMNS)
    widths = [width for _, width in DISPATCH_COLUMNS]
    ws.set_widths(widths)

    merge_cells(ws, 1, 1, ncols, dl.title, font=TITLE,
                alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    ws.set_height(1, 32)
    as_of = f"截至 {_cn_date(dl.as_of)}" + ("（日期按周末和法定节日推定，待确认）" if dl.provisional else "")
    merge_cells(ws, 2, 1, ncols, as_of, font=BODY, alignment=Alignment(horizontal="right", vertical="center"))
    ws.set_height(2, 20)
    for index, (label, _) in enumerate(DISPATCH_COLUMNS, start=1):
        write_cell(ws, HEADER_ROW, index, label, font=HEAD, alignment=WRAP_CENTER, border=BORDER, fill=HEADER_FILL)
    ws.set_height(HEADER_ROW, 24)

    # The task rows' styles by column (the status column's fill by light): looked up once, not per cell.
    styles = [wb.style(font=BODY, border=BORDER, alignment=WRAP_CENTER if column in (1, 5, 7) else WRAP_TOP,
                       number_format="yyyy-mm-dd" if column == 5 else None) for column in range(1, ncols + 1)]
    status_styles = {light: wb.style(font=BODY, border=BORDER, alignment=WRAP_CENTER, fill=LIGHT_FILLS.get(light))
                     for light in Light}
    row_no = HEADER_ROW
    number = 0
    counts = {}
    for unit, rows in dl.units:
        if not rows:
            continue
        row_no += 1
        merge_cells(ws, row_no, 1, ncols, f"{unit.name}（{len(rows)}项）", font=BOLD,
                    alignment=Alignment(vertical="center"), border=BORDER, fill=GROUP_FILL)
        ws.set_height(row_no, 20)
        for row in rows:
            row_no += 1
            number += 1
            counts[row.light] = counts.get(row.light, 0) + 1
            task = row.task
            values = (
                number,
                ("【重点】" if task.priority is TaskPriority.key else "") + task.title,
                task.lead_unit.name,
                "、".join(unit.name for unit, _ in row.co_progress),
                task.due_on,
                _progress_text(row, dl.as_of.year),
                _status_text(row),
            )
            styles[6] = status_styles[row.light]
            write_row(ws, row_no, values, styles)
            fit_row_height(ws, row_no, zip(values, widths, strict=True))

    return _close_with_summary(wb, ws, row_no + 1, ncols, number, counts, "本旬无调度事项。")


def _close_with_summary(wb, ws, row_no, ncols, number, counts, empty):
    """The closing row (合计 N 项 by light, or `empty`), the print settings, and the file's bytes."""
    summary = empty if number == 0 else f"合计 {number} 项：" + "、".join(
        f"{light.label}{counts[light]}项" for light in SUMMARY_ORDER if counts.get(light))
    merge_cells(ws, row_no, 1, ncols, summary, font=BODY, alignment=Alignment(vertical="center", wrap_text=True),
                border=BORDER)
    ws.set_height(row_no, 22)
    print_setup(ws, HEADER_ROW, ncols, row_no)
    return save_workbook(wb)


# --- a filtered task list (the overview's 导出 Excel) ----------------------------------------------------------

LIST_COLUMNS = (("序号", 6), ("亮灯", 9), ("事项", 34), ("牵头单位", 14), ("配合单位", 18), ("时限", 12),
                ("状态", 10), ("最新进展", 46), ("计划", 18))
LIST_LIGHT_COLUMN = 2
LIST_DUE_COLUMN = 6


def _line_progress(line, year: int) -> str:
    progress = line.progress
    if progress is None:
        return "（牵头单位暂无反馈）"
    return f"{progress.text.strip()}（{_short_date(progress.reported_on, year)}，进度{progress.percent}%）"


def task_list_workbook(title: str, window, lines) -> bytes:
    """A filtered task list as a 通报 prints it: `title` (naming the filters), the date line, the header, one row
    per task (queries.TaskLine, in the list's order) with its light's fill, and a closing count by light. A4
    landscape, fit to width, the three top rows repeated on every page, panes frozen below the header."""
    wb = new_workbook(title)
    ws = wb.create_sheet("事项清单")
    ncols = len(LIST_COLUMNS)
    widths = [width for _, width in LIST_COLUMNS]
    ws.set_widths(widths)

    merge_cells(ws, 1, 1, ncols, title, font=TITLE,
                alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    ws.set_height(1, 32)
    as_of = f"截至 {_cn_date(window.today)}，共 {len(lines)} 项" + (
        "（亮灯日期按周末和法定节日推定，待确认）" if window.provisional else "")
    merge_cells(ws, 2, 1, ncols, as_of, font=BODY, alignment=Alignment(horizontal="right", vertical="center"))
    ws.set_height(2, 20)
    for index, (label, _) in enumerate(LIST_COLUMNS, start=1):
        write_cell(ws, HEADER_ROW, index, label, font=HEAD, alignment=WRAP_CENTER, border=BORDER, fill=HEADER_FILL)
    ws.set_height(HEADER_ROW, 24)

    centred = (1, LIST_LIGHT_COLUMN, LIST_DUE_COLUMN, 7)
    styles = [wb.style(font=BODY, border=BORDER, alignment=WRAP_CENTER if column in centred else WRAP_TOP,
                       number_format="yyyy-mm-dd" if column == LIST_DUE_COLUMN else None)
              for column in range(1, ncols + 1)]
    light_styles = {light: wb.style(font=BODY, border=BORDER, alignment=WRAP_CENTER, fill=LIGHT_FILLS.get(light))
                    for light in Light}
    counts = {}
    row_no = HEADER_ROW
    year = window.today.year
    for number, line in enumerate(lines, start=1):
        row_no += 1
        light = window.of(line)
        counts[light] = counts.get(light, 0) + 1
        values = (
            number,
            light.label,
            ("【重点】" if line.priority is TaskPriority.key else "") + line.title,
            line.lead_unit.name,
            "、".join(unit.name for unit, _ in line.co_units),
            line.due_on,
            line.state.label,
            _line_progress(line, year),
            f"{line.plan_code} {line.plan_name}" if line.plan_code else "",
        )
        styles[LIST_LIGHT_COLUMN - 1] = light_styles[light]
        write_row(ws, row_no, values, styles)
        fit_row_height(ws, row_no, zip(values, widths, strict=True))

    return _close_with_summary(wb, ws, row_no + 1, ncols, len(lines), counts, "没有符合条件的事项。")


# --- the import template ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool
    width: int
    help: str


COLUMNS = (
    Column("title", "事项名称", True, 36, "必填，一句话说明要办的事，不超过 200 个字符。"),
    Column("content", "具体内容", False, 40, "选填，工作要求和标准，不超过 5000 个字符。"),
    Column("source", "来源", False, 12, "选填，填 计划举措、会议决定、领导批示、考核说明、其他 之一；不填视为“其他”。"),
    Column("plan", "计划举措编号", False, 14, "来源为“计划举措”时必填，如 P1、M2（见下方列表）；其他来源可不填。"),
    Column("lead_unit", "牵头单位", True, 26, "必填，一个单位，须与下方单位名称完全一致（使用全称，不用简称）。"),
    Column("co_units", "配合单位", False, 30, "选填，可填多个，用顿号“、”或逗号“，”分隔，须使用单位全称。"),
    Column("due_on", "完成时限", True, 14,
           "必填，日期格式的单元格，或文本 YYYY-MM-DD（如 2026-12-31），也可写 2026/12/31；不能早于导入当天。"),
    Column("priority", "优先级", False, 10, "选填，填 一般 或 重点；不填视为“一般”。"),
)
TEMPLATE_SHEET = "交办事项"
HELP_SHEET = "说明"
SOURCE_BY_LABEL = {source.label: source for source in TaskSource}
PRIORITY_BY_LABEL = {priority.label: priority for priority in TaskPriority}


def _header_label(column: Column) -> str:
    return column.label + ("*" if column.required else "")


def task_list_template(today: date | None = None) -> bytes:
    """The import template: one sheet to fill (header and one example row, drop-down lists for 来源, 优先级 and
    牵头单位), and a 说明 sheet explaining each column and listing the active units' full names and the plans."""
    today = today or get_clock().today()
    units = db.session.scalars(sa.select(Unit).where(Unit.is_active.is_(True))
                               .order_by(Unit.sort_order, Unit.id)).all()
    plans = db.session.scalars(sa.select(Plan).order_by(Plan.sort_order, Plan.id)).all()

    wb = new_workbook("交办事项导入模板")
    ws = wb.create_sheet(TEMPLATE_SHEET)
    for index, column in enumerate(COLUMNS, start=1):
        write_cell(ws, 1, index, _header_label(column), font=HEAD, alignment=WRAP_CENTER, border=BORDER,
                   fill=HEADER_FILL)
        ws.set_width(index, column.width)
    ws.freeze(2)

    example_unit = next((u for u in units if u.name == "市工信局"), units[0] if units else None)
    example_co = [u.name for u in units if example_unit is not None and u.id != example_unit.id][:2]
    example_plan = plans[0] if plans else None
    example_due = date(today.year, 12, 31) if (today.month, today.day) < (12, 1) else date(today.year + 1, 6, 30)
    example = {
        "title": "推进重点产业链项目开工建设",
        "content": "按月报送项目进度，确保年底前开工。",
        "source": TaskSource.plan.label if example_plan else TaskSource.free.label,
        "plan": example_plan.code if example_plan else None,
        "lead_unit": example_unit.name if example_unit else None,
        "co_units": "、".join(example_co),
        "due_on": example_due,
        "priority": TaskPriority.key.label,
    }
    for index, column in enumerate(COLUMNS, start=1):
        write_cell(ws, 2, index, example[column.key], font=EXAMPLE, alignment=WRAP_TOP,
                   number_format="yyyy-mm-dd" if column.key == "due_on" else None)

    help_ws = wb.create_sheet(HELP_SHEET)
    help_ws.set_widths([40, 90])
    write_cell(help_ws, 1, 1, "交办事项导入说明", font=Font(name=TITLE_FONT_NAME, size=14, bold=True))
    notes = [
        "在“交办事项”工作表中从第 2 行起每行填写一个事项；第 2 行是示例，导入前请删除或改写。",
        "带 * 的列必须填写；空行会被跳过；一次最多导入 2000 个事项。",
        "文件中任何一行有错误时，整个文件都不会导入；请按提示的行号和列名修改后重新上传。",
    ]
    line = 2
    for note in notes:
        merge_cells(help_ws, line, 1, 2, note, font=BODY)
        line += 1
    line += 1
    write_cell(help_ws, line, 1, "列名", font=HEAD, border=BORDER, fill=HEADER_FILL)
    write_cell(help_ws, line, 2, "填写要求", font=HEAD, border=BORDER, fill=HEADER_FILL)
    for column in COLUMNS:
        line += 1
        write_cell(help_ws, line, 1, _header_label(column), font=BODY, border=BORDER)
        write_cell(help_ws, line, 2, column.help, font=BODY, border=BORDER, alignment=WRAP_TOP)

    line += 2
    write_cell(help_ws, line, 1, "计划举措编号", font=HEAD, border=BORDER, fill=HEADER_FILL)
    write_cell(help_ws, line, 2, "名称", font=HEAD, border=BORDER, fill=HEADER_FILL)
    for plan in plans:
        line += 1
        write_cell(help_ws, line, 1, plan.code, font=BODY, border=BORDER)
        write_cell(help_ws, line, 2, plan.name, font=BODY, border=BORDER)

    line += 2
    write_cell(help_ws, line, 1, "可用的单位名称（全称）", font=HEAD, border=BORDER, fill=HEADER_FILL)
    first_unit_line = line + 1
    for unit in units:
        line += 1
        write_cell(help_ws, line, 1, unit.name, font=BODY, border=BORDER)

    _add_validations(wb, ws, units, first_unit_line, line)
    return save_workbook(wb)


def _add_validations(wb, ws, units, first_unit_line, last_unit_line):
    """Drop-down lists on the rows users fill (they may still type; the import checks again)."""
    positions = {column.key: index for index, column in enumerate(COLUMNS)}
    last = MAX_IMPORT_ROWS  # rows 2 .. MAX_IMPORT_ROWS + 1, numbered from 0
    lists = (("source", "来源", [s.label for s in TaskSource]), ("priority", "优先级", [p.label for p in TaskPriority]))
    for key, label, values in lists:
        ws.worksheet.data_validation(1, positions[key], last, positions[key], {
            "validate": "list", "source": values, "ignore_blank": True, "show_input": False, "show_error": True,
            "error_title": f"{label}不正确", "error_message": f"请从下拉列表中选择：{'、'.join(values)}"})
    if units:
        name = "UnitNames"
        wb.define_name(name, f"='{HELP_SHEET}'!$A${first_unit_line}:$A${last_unit_line}")
        ws.worksheet.data_validation(1, positions["lead_unit"], last, positions["lead_unit"], {
            "validate": "list", "source": f"={name}", "ignore_blank": True, "show_input": False,
            "show_error": True, "error_title": "牵头单位不正确",
            "error_message": "请从下拉列表中选择单位全称（见“说明”工作表）"})


# --- parsing an uploaded list -------------------------------------------------------------------------------

class TaskImportError(ValueError):
    """The file was refused; `messages` lists every problem found, in Chinese, naming the row and column."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))

    def summary(self, limit=20) -> list[str]:
        """The first `limit` messages, and a closing line counting the rest (for a flash message)."""
        if len(self.messages) <= limit:
            return list(self.messages)
        return self.messages[:limit] + [f"……另有 {len(self.messages) - limit} 处问题未列出，请修改以上问题后重新上传。"]


@dataclass
class TaskDraft:
    """One checked row of the import, ready for `services.assign_task`."""

    title: str
    content: str
    source: TaskSource
    plan: Plan | None
    lead_unit: Unit
    co_units: list = field(default_factory=list)
    due_on: date | None = None
    priority: TaskPriority = TaskPriority.normal
    row: int = 0  # the spreadsheet row, for messages raised later by the services


def import_lookups():
    """The dictionaries `parse_task_workbook` takes: every unit by full name (inactive ones too, so that the
    message can say the unit is inactive rather than unknown) and every plan by code."""
    units = {u.name: u for u in db.session.scalars(sa.select(Unit))}
    plans = {p.code.upper(): p for p in db.session.scalars(sa.select(Plan))}
    return units, plans


UPLOAD_PROBLEMS = {
    "empty": "上传的文件是空的，请选择填写好的模板文件（.xlsx）",
    "unreadable": UNREADABLE,
    "too_large": "文件内容过大，无法读取。请删除多余的工作表、图片和格式，或拆分为多个文件后重新上传",
}


def _read_rows(data: bytes) -> list[tuple[int, tuple]]:
    """The non-blank rows of the sheet to import, with their row numbers, stopping once there are more than the
    header and MAX_IMPORT_ROWS data rows. Any failure inside openpyxl means the file cannot be read."""
    def read(wb):
        ws = wb[TEMPLATE_SHEET] if TEMPLATE_SHEET in wb.sheetnames else wb.worksheets[0]
        return non_blank_rows(ws, max_col=MAX_IMPORT_COLUMNS, limit=MAX_IMPORT_ROWS + HEADER_SEARCH_ROWS + 1,
                              text=_cell_text)

    try:
        return read_upload(data, read, max_bytes=MAX_UNCOMPRESSED_BYTES, what="task import file")
    except UnreadableUpload as problem:
        raise TaskImportError([UPLOAD_PROBLEMS[problem.problem]]) from None


def _cell_text(value) -> str:
    """A cell as stripped text (numbers without a trailing .0, dates as YYYY-MM-DD)."""
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


def _find_header(rows):
    """The index in `rows` of the header (the first row naming 事项名称), its column positions, and errors."""
    labels = {column.label: column for column in COLUMNS}
    for index, (number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [_header_key(v) for v in values]
        if COLUMNS[0].label not in keys:
            continue
        positions, errors = {}, []
        for position, key in enumerate(keys):
            if key not in labels:
                continue
            if labels[key].key in positions:
                errors.append(f"第{number}行：表头中“{key}”列出现了不止一次，请只保留一列")
            else:
                positions[labels[key].key] = position
        for column in COLUMNS:
            if column.required and column.key not in positions:
                errors.append(f"第{number}行：表头缺少必填列“{column.label}”，请使用导入模板，不要改动表头")
        return index, positions, errors
    first = rows[0][0] if rows else 1
    required = "、".join(f"“{c.label}”" for c in COLUMNS if c.required)
    return None, {}, [f"第{first}行：找不到表头（应包含 {required} 等列），请使用导入模板，不要删除或改动表头"]


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def _parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    match = _DATE_TEXT.fullmatch(value.strip())
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _key(text: str) -> str:
    """How names and codes are matched: NFKC (full-width brackets, letters and digits become ASCII), no
    whitespace anywhere. Still the full name: short names are not looked up."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def parse_task_workbook(data: bytes, units_by_name: dict, plans_by_code: dict, today: date) -> list[TaskDraft]:
    """Read an uploaded task list (the template's layout; columns found by their header, in any order) and check
    every row. Returns one draft per non-blank row, or raises TaskImportError listing every problem.

    `units_by_name` maps full names (only full names match; whitespace and full-width/half-width differences
    are ignored) to units, inactive ones included; `plans_by_code` maps codes such as P1 to plans.
    `import_lookups()` builds both."""
    rows = _read_rows(data)
    if not rows:
        raise TaskImportError(["文件中没有内容，请在模板的“交办事项”工作表中填写后再上传"])
    header_index, positions, errors = _find_header(rows)
    if errors:
        raise TaskImportError(errors)
    body = rows[header_index + 1:]
    if not body:
        raise TaskImportError([f"文件中没有数据行：请从第{rows[header_index][0] + 1}行起填写交办事项"])
    if len(body) > MAX_IMPORT_ROWS:
        raise TaskImportError([f"数据行超过 {MAX_IMPORT_ROWS} 行，一次最多导入 {MAX_IMPORT_ROWS} 个事项，"
                               "请拆分为多个文件分别导入"])
    units = {_key(name): unit for name, unit in units_by_name.items()}
    plans = {_key(code).upper(): plan for code, plan in plans_by_code.items()}
    drafts = []
    for number, values in body:
        draft = _parse_row(number, values, positions, units, plans, today, errors)
        if draft is not None:
            drafts.append(draft)
    if errors:
        raise TaskImportError(errors)
    return drafts


def _parse_row(number, values, positions, units, plans, today, errors):
    """One data row as a draft, or None after appending its problems to `errors`."""
    def raw(key):
        position = positions.get(key)
        return values[position] if position is not None and position < len(values) else None

    def text(key):
        return _cell_text(raw(key))

    def problem(key, message):
        label = next(c.label for c in COLUMNS if c.key == key)
        errors.append(f"第{number}行“{label}”列：{message}")

    before = len(errors)
    title = text("title")
    if not title:
        problem("title", "缺少事项名称，请填写")
    elif len(title) > services.TITLE_MAX:
        problem("title", f"不能超过 {services.TITLE_MAX} 个字符（当前 {len(title)} 个），"
                         "请精简，详细内容可写在“具体内容”列")
    elif has_control(title):  # a line break typed with Alt+Enter: refused here, not only when importing
        problem("title", "不能包含换行符或其他控制字符，请改为一行")
    content = text("content")
    if len(content) > services.TEXT_MAX:
        problem("content", f"不能超过 {services.TEXT_MAX} 个字符（当前 {len(content)} 个）")

    source_text = text("source")
    source = SOURCE_BY_LABEL.get(source_text) if source_text else TaskSource.free
    if source is None:
        problem("source", f"无法识别“{source_text}”，请填写 {'、'.join(SOURCE_BY_LABEL)} 之一")
    plan_code = _key(text("plan")).upper()
    plan = None
    if plan_code:
        plan = plans.get(plan_code)
        if plan is None:
            problem("plan", f"找不到编号“{plan_code}”，可用编号：{'、'.join(sorted(plans)) or '无'}")
    elif source is TaskSource.plan:
        problem("plan", "来源为“计划举措”时必须填写计划举措编号（如 P1、M2，见“说明”工作表）")

    lead_name = text("lead_unit")
    lead_unit = None
    if not lead_name:
        problem("lead_unit", "缺少牵头单位，请填写单位全称")
    else:
        lead_unit = _unit_or_problem(lead_name, units, lambda m: problem("lead_unit", m))
    co_units = []
    for name in re.split(r"[、，,；;\n]+", text("co_units")):
        name = name.strip()
        if name:
            unit = _unit_or_problem(name, units, lambda m: problem("co_units", m))
            if unit is not None and unit not in co_units and unit is not lead_unit:
                co_units.append(unit)
    if len(co_units) > services.MAX_CO_UNITS:
        problem("co_units", f"配合单位最多 {services.MAX_CO_UNITS} 个（当前 {len(co_units)} 个）")

    due_raw = raw("due_on")
    due_on = _parse_date(due_raw)
    if _cell_text(due_raw) == "":
        problem("due_on", "缺少完成时限，请填写日期，如 2026-12-31")
    elif due_on is None:
        problem("due_on", f"无法识别的日期“{_cell_text(due_raw)}”，请填写日期格式的单元格或 2026-12-31 这样的文本")
    elif due_on < today:
        problem("due_on", f"{due_on.isoformat()} 早于今天（{today.isoformat()}），请填写今天或以后的日期")

    priority_text = text("priority")
    priority = PRIORITY_BY_LABEL.get(priority_text) if priority_text else TaskPriority.normal
    if priority is None:
        problem("priority", f"无法识别“{priority_text}”，请填写 一般 或 重点")

    if len(errors) > before:
        return None
    return TaskDraft(title=title, content=content, source=source, plan=plan, lead_unit=lead_unit,
                     co_units=co_units, due_on=due_on, priority=priority, row=number)


def _unit_or_problem(name, units, report):
    unit = units.get(_key(name))
    if unit is None:
        report(f"找不到单位“{name}”，请使用单位全称（见“说明”工作表）")
        return None
    if not unit.is_active:
        report(f"单位“{name}”已停用，不能交办")
        return None
    return unit


def import_tasks(actor, drafts, today: date) -> list:
    """Assign every draft through `services.assign_task`. All or nothing: the tasks are created inside a
    savepoint, so when one is refused the ones before it are rolled back too, and the refusal is raised as a
    TaskImportError naming the row. The caller commits once."""
    if not services.can_assign(actor):
        raise PermissionDenied("只有千百十办和市领导可以交办事项。")
    if not drafts:
        raise TaskImportError(["文件中没有数据行，没有可导入的事项"])
    tasks = []
    with db.session.begin_nested():
        for draft in drafts:
            try:
                tasks.append(services.assign_task(
                    actor, title=draft.title, lead_unit=draft.lead_unit, due_on=draft.due_on, today=today,
                    content=draft.content, co_units=draft.co_units, source=draft.source, plan=draft.plan,
                    priority=draft.priority))
            except ServiceError as error:
                raise TaskImportError([f"第{draft.row}行：{error.message}"]) from error
    log.info("imported %d tasks by user %s", len(tasks), getattr(actor, "id", None))
    return tasks
