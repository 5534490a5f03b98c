"""The yearly targets of a 考评细则 as an Excel sheet: one row per (indicator, assessed unit it applies to) with
the current target to fill in and hidden ids, read back all or nothing — every bad cell is named by its row and
column, and nothing is saved unless every row passes (`criteria.set_targets` checks them all before writing any).
Written with XlsxWriter and read with openpyxl through app.core.excel, as the score entry grid is."""

from app.core.errors import ServiceError
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
from app.scoring import criteria, engine

SHEET = "年度目标"
META_SHEET = "meta"
MAX_ROWS = 5000
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
HEADER_SEARCH_ROWS = 5
VALUE_HEADER = "年度目标"

# (key, header, width, hidden); hidden widths differ so each keeps its own <col> element (see entry_excel).
COLUMNS = (
    ("number", "序号", 6, False),
    ("indicator", "指标", 30, False),
    ("measure_unit", "计量单位", 10, False),
    ("unit", "被考评单位", 28, False),
    ("value", VALUE_HEADER, 14, False),
    ("required", "是否必填", 10, False),
    ("code", "指标代码", 12, True),
    ("unit_id", "单位编号", 11, True),
)
HEADERS = {header: key for key, header, _, _ in COLUMNS}
REQUIRED = ("value", "code", "unit_id")

INPUT_FILL = Fill("FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="center")
FONT = Font(name="宋体", size=11)
BOLD = Font(name="宋体", size=11, bold=True)


class TargetsImportError(ServiceError):
    """The file was refused (nothing saved); `messages` names each bad cell by its row and column."""

    def __init__(self, messages):
        self.messages = list(messages)
        super().__init__("目标表未保存：" + "；".join(self.messages[:20]), status=400)


UPLOAD_PROBLEMS = {
    "empty": "上传的文件是空的，请选择填写好的目标表（.xlsx）。",
    "unreadable": "文件无法读取，请上传从本页面下载、填写后保存的 .xlsx 目标表。",
    "too_large": "文件内容过大，无法读取；请使用从本页面下载的目标表。",
}


def target_rows(book, year_rules, units):
    """[(indicator row, unit, current target or None)] in the book's order, units in the organisation's order."""
    rows = []
    for indicator in book.indicators:
        current = {t.unit_id: t.value for t in indicator.targets}
        for unit in criteria.applicable_units(indicator, year_rules, units):
            rows.append((indicator, unit, current.get(unit.id)))
    return rows


def filename(book):
    return f"{book.year}年度{engine.assessor_label(book.assessor)}考评细则年度目标（第{book.version}版）.xlsx"


def targets_workbook(book, year_rules, units) -> bytes:
    title = f"{book.year}年度 {engine.assessor_label(book.assessor)}考评细则 年度目标（第{book.version}版）"
    wb = new_workbook(title)
    ws = wb.create_sheet(SHEET)
    merge_cells(ws, 1, 1, 6, title, font=Font(name="黑体", size=14))
    merge_cells(ws, 2, 1, 6, "只填写“年度目标”一列：大于 0 的数，最多四位小数，单位见“计量单位”列；留空表示不设目标"
                             "（已设的目标将删除）。“是否必填”为“必填”的指标按完成率计分，每个单位都要有目标。"
                             "请勿改动其他列、删除隐藏列。整份文件校验通过才会保存。", font=FONT, alignment=WRAP)
    ws.set_height(2, 46)
    for column, (_key, header, width, hidden) in enumerate(COLUMNS, start=1):
        write_cell(ws, 3, column, header, font=BOLD, border=BORDER, fill=HEADER_FILL, alignment=WRAP)
        ws.set_width(column, width, hidden=hidden)
    styles = [dict(font=FONT, border=BORDER, fill=INPUT_FILL if key == "value" else None,
                   alignment=WRAP if key in ("indicator", "unit") else None) for key, _, _, _ in COLUMNS]
    for number, (indicator, unit, value) in enumerate(target_rows(book, year_rules, units), start=1):
        needs = engine.Method(indicator.method.value).needs_target
        values = (number, indicator.name, indicator.measure_unit or "", unit.name,
                  float(value) if value is not None else None, "必填" if needs else "选填", indicator.code, unit.id)
        for column, cell in enumerate(values, start=1):
            write_cell(ws, number + 3, column, cell, **styles[column - 1])
    ws.freeze(4)
    write_meta_sheet(wb, META_SHEET, (("year", book.year), ("assessor", book.assessor), ("book", book.id)))
    return save_workbook(wb)


def _read(wb):
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    rows = non_blank_rows(ws, max_col=len(COLUMNS) + 5, limit=MAX_ROWS + HEADER_SEARCH_ROWS, text=cell_text)
    return rows, read_meta_sheet(wb, META_SHEET)


def parse_targets_workbook(data: bytes, book):
    """({(indicator code, unit id): typed text}, {same key: row number}) of a filled sheet, or TargetsImportError."""
    try:
        rows, meta = read_upload(data, _read, max_bytes=MAX_UNCOMPRESSED_BYTES, what="criteria targets file")
    except UnreadableUpload as problem:
        raise TargetsImportError([UPLOAD_PROBLEMS[problem.problem]]) from None
    if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise TargetsImportError([f"文件超过 {MAX_ROWS} 行，请使用从本页面下载的目标表。"])
    if meta.get("assessor") and (meta.get("year"), meta.get("assessor")) != (str(book.year), book.assessor):
        raise TargetsImportError([f"这不是{book.year}年度{engine.assessor_label(book.assessor)}的目标表，"
                                  "请从本页面下载目标表填写。"])
    header_at, positions = None, {}
    for index, (_number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {HEADERS[cell_text(v)]: i for i, v in enumerate(values) if cell_text(v) in HEADERS}
        if "value" in found:
            header_at, positions = index, found
            break
    if header_at is None:
        raise TargetsImportError(["找不到表头（应有“年度目标”列），请使用从本页面下载的目标表，不要改动表头。"])
    missing = [header for key, header, _, _ in COLUMNS if key in REQUIRED and key not in positions]
    if missing:
        raise TargetsImportError([f"表头缺少“{'”“'.join(missing)}”列（可能是隐藏列被删除了），"
                                  "请重新下载目标表填写，不要删除任何列。"])
    column = chr(ord("A") + positions["value"])
    values, numbers, errors = {}, {}, []
    for number, cells in rows[header_at + 1:]:
        def cell(key, cells=cells):
            position = positions.get(key)
            return cells[position] if position is not None and position < len(cells) else None

        code, unit_id = cell_text(cell("code")), cell_text(cell("unit_id"))
        if not code or not unit_id.isdigit() or len(unit_id) > 9:
            errors.append(f"第{number}行：指标代码或单位编号缺失或被改动，无法识别；请重新下载目标表填写。")
            continue
        key = (code, int(unit_id))
        if key in numbers:
            errors.append(f"第{number}行：与第{numbers[key]}行是同一指标、同一单位，请删除重复的行。")
            continue
        value = cell("value")
        if isinstance(value, bool) or not isinstance(value, int | float | str | type(None)):
            errors.append(f"第{number}行“{VALUE_HEADER}”列（{column}列）：“{cell_text(value)[:20]}”不是数字。")
            continue
        # a number cell is read through its shortest text form (12.35, not 12.3499999...): what was typed
        raw = repr(value) if isinstance(value, float) and not value.is_integer() else cell_text(value)
        values[key], numbers[key] = raw, number
    if errors:
        more = [f"……另有 {len(errors) - 50} 处问题未列出。"] if len(errors) > 50 else []
        raise TargetsImportError(errors[:50] + more)
    if not values:
        raise TargetsImportError(["文件中没有目标行，请使用从本页面下载的目标表。"])
    return values, numbers, column


def upload_targets(actor, book, data: bytes, year_rules, units):
    """Read a filled sheet and set its targets, all or nothing; returns the number changed."""
    values, numbers, column = parse_targets_workbook(data, book)
    try:
        return criteria.set_targets(actor, book, values, year_rules, units)
    except criteria.TargetErrors as error:
        messages = list(error.other)
        for key, message in sorted(error.cells.items(), key=lambda item: numbers.get(item[0], 0)):
            messages.append(f"第{numbers.get(key, '?')}行“{VALUE_HEADER}”列（{column}列）：{message}")
        raise TargetsImportError(messages) from None
