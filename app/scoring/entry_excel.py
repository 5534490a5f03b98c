"""An assessor's entry grid for a quarter, shown as a page and exchanged as an Excel file.

`entry_grid` lays out the cells `entries.cells_for_enterer` gives (the units the enterer assesses × its
component or sub-items) with their current entries. `grid_workbook` writes the same grid as one row per cell
with hidden id columns; `parse_entry_workbook` reads a filled copy back into `EntryItem`s. The upload is all or
nothing because the items go to `entries.enter_scores` together, which checks every one before writing any.
The grid is written with XlsxWriter and read back with openpyxl, each imported only then (see app.core.excel).
"""

from dataclasses import dataclass, field
from decimal import Decimal

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
from app.scoring import engine
from app.scoring.engine import decimal_text as fmt
from app.scoring.entries import EntryItem, cells_for_enterer, criteria_path, governed_cells
from app.scoring.models import ScoreEntry
from app.scoring.queries import quarter_entries
from app.scoring.year_rules import assessed_units

SHEET = "得分录入"
META_SHEET = "meta"
MAX_ROWS = 5000
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # refused before openpyxl expands a zip bomb
HEADER_SEARCH_ROWS = 5
UNREADABLE = "文件无法读取，请上传从本页面下载、填写后保存的 .xlsx 录入表。"

# (key, header, width, hidden). The hidden columns' widths differ so that each keeps its own <col> element in the
# file: XlsxWriter joins equal neighbours into one range, of which openpyxl-based readers see only the first column.
COLUMNS = (
    ("number", "序号", 6, False),
    ("unit", "被考评单位", 30, False),
    ("item", "考评项目", 30, False),
    ("maximum", "满分", 8, False),
    ("value", "得分", 10, False),
    ("note", "扣分说明（未给满分时必填）", 50, False),
    ("unit_id", "单位编号", 10, True),
    ("assessor", "考评项代码", 12, True),
    ("sub_item", "细项代码", 11, True),
)
HEADERS = {header: key for key, header, _, _ in COLUMNS}
REQUIRED = ("value", "unit_id", "assessor", "sub_item")


# --- the grid ----------------------------------------------------------------------------------------------

@dataclass
class GridCell:
    unit: object
    assessor: str
    sub_item: str
    maximum: Decimal
    entry: ScoreEntry | None = None
    sub_name: str = ""
    governed: bool = False  # scored by a published 考评细则: confirmed on the indicator grid, read-only here
    criteria_url: str | None = None

    @property
    def label(self):
        return item_label(self.assessor, self.sub_name)

    @property
    def key(self):
        """What the grid's inputs are named after (`forms.entry.cell_name`)."""
        return f"{self.unit.id}:{self.assessor}:{self.sub_item}"


@dataclass
class GridColumn:
    assessor: str
    sub_item: str
    label: str
    maxima: set = field(default_factory=set)

    @property
    def key(self):
        return (self.assessor, self.sub_item)

    @property
    def maximum_text(self):
        values = sorted(self.maxima)
        if len(values) == 1:
            return f"满分 {fmt(values[0])} 分"
        return f"满分 {fmt(values[0])}–{fmt(values[-1])} 分（因单位而异）"


@dataclass
class GridRow:
    unit: object
    cells: dict  # column key -> GridCell


@dataclass
class EntryGrid:
    year: int
    quarter: int
    enterer: object  # the Unit that enters
    columns: list
    rows: list

    @property
    def cells(self):
        return [cell for row in self.rows for cell in row.cells.values()]

    @property
    def entered(self):
        return sum(1 for cell in self.cells if cell.entry is not None)

    @property
    def typed_cells(self):
        """The cells typed on this grid or its Excel file (not those a 考评细则 scores)."""
        return [cell for cell in self.cells if not cell.governed]

    def groups(self):
        """[(group label, rows)] in unit order, for section headings."""
        sections = []
        for row in self.rows:
            label = row.unit.group.label if row.unit.group else ""
            if not sections or sections[-1][0] != label:
                sections.append((label, []))
            sections[-1][1].append(row)
        return sections


def item_label(assessor, sub_name):
    return f"{engine.Assessor(assessor).label}·{sub_name}" if sub_name else engine.Assessor(assessor).label


def entry_grid(year_rules, year, quarter, enterer) -> EntryGrid:
    """The enterer's cells for the quarter with the current entries (two queries)."""
    cells = cells_for_enterer(year_rules, enterer.id, assessed_units())
    assessors = {assessor for _, assessor, _, _ in cells}
    entries, governed = {}, set()
    if cells:
        entries = quarter_entries(year, quarter, assessors)
        governed = governed_cells(year)
    columns, rows = {}, {}
    for unit, assessor, sub_item, maximum in cells:
        sub_name = ""
        if sub_item:
            comp = year_rules.profile_of(unit.id).component(assessor)
            sub_name = next((s.name for s in comp.sub_items if s.code == sub_item), sub_item)
        column = columns.setdefault((assessor, sub_item),
                                    GridColumn(assessor, sub_item, item_label(assessor, sub_name)))
        column.maxima.add(maximum)
        row = rows.setdefault(unit.id, GridRow(unit, {}))
        ruled = (assessor, sub_item) in governed
        row.cells[column.key] = GridCell(unit, assessor, sub_item, maximum, entries.get((unit.id, assessor, sub_item)),
                                         sub_name, ruled, criteria_path(year, quarter, assessor) if ruled else None)
    return EntryGrid(year, quarter, enterer, list(columns.values()), list(rows.values()))


# --- writing -----------------------------------------------------------------------------------------------

INPUT_FILL = Fill("FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="center")
FONT = Font(name="宋体", size=11)
BOLD = Font(name="宋体", size=11, bold=True)


def grid_filename(grid: EntryGrid) -> str:
    return f"{grid.year}年第{grid.quarter}季度考评得分录入表_{grid.enterer.short_name}.xlsx"


def grid_workbook(grid: EntryGrid) -> bytes:
    """One row per cell: unit, item, maximum, the current value and note (to fill), and hidden ids."""
    title = f"{grid.year}年第{grid.quarter}季度 产业强市“千百十”工程考评得分录入表（{grid.enterer.name}）"
    wb = new_workbook(title)
    ws = wb.create_sheet(SHEET)
    merge_cells(ws, 1, 1, 6, title, font=Font(name="黑体", size=14))
    merge_cells(ws, 2, 1, 6, "只填写“得分”和“扣分说明”两列；得分在 0 到满分之间，最多两位小数；未给满分须写扣分说明；"
                             "得分留空的行不保存。请勿改动其他列、删除隐藏列。整份文件校验通过才会保存。", font=FONT,
                alignment=WRAP)
    ws.set_height(2, 32)
    for column, (_key, header, width, hidden) in enumerate(COLUMNS, start=1):
        write_cell(ws, 3, column, header, font=BOLD, border=BORDER, fill=HEADER_FILL, alignment=WRAP)
        ws.set_width(column, width, hidden=hidden)
    styles = [dict(font=FONT, border=BORDER, fill=INPUT_FILL if key in ("value", "note") else None,
                   number_format="0.00" if key in ("maximum", "value") else None,
                   alignment=WRAP if key in ("unit", "item", "note") else None) for key, _, _, _ in COLUMNS]
    row_number = 4
    for number, cell in enumerate(grid.typed_cells, start=1):
        entry = cell.entry
        values = (number, cell.unit.name, cell.label, engine.quantize_score(cell.maximum),
                  entry.value if entry else None, entry.note if entry else None,
                  cell.unit.id, cell.assessor, cell.sub_item)
        for column, value in enumerate(values, start=1):
            if isinstance(value, Decimal):
                value = float(value)  # an Excel number cell; read back through its shortest text form
            write_cell(ws, row_number, column, value, **styles[column - 1])
        row_number += 1
    ws.freeze(4)
    write_meta_sheet(wb, META_SHEET, (("year", grid.year), ("quarter", grid.quarter),
                                        ("enterer", grid.enterer.id)))
    return save_workbook(wb)


# --- reading -----------------------------------------------------------------------------------------------

class EntryImportError(ValueError):
    """The file was refused; `messages` says why, in Chinese, naming rows as the spreadsheet numbers them."""

    def __init__(self, messages):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


UPLOAD_PROBLEMS = {
    "empty": "上传的文件是空的，请选择填写好的录入表（.xlsx）。",
    "unreadable": UNREADABLE,
    "too_large": "文件内容过大，无法读取；请使用从本页面下载的录入表。",
}


def _read(wb):
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    rows = non_blank_rows(ws, max_col=len(COLUMNS) + 5, limit=MAX_ROWS + HEADER_SEARCH_ROWS, text=cell_text)
    return rows, read_meta_sheet(wb, META_SHEET)


def _load(data: bytes):
    try:
        return read_upload(data, _read, max_bytes=MAX_UNCOMPRESSED_BYTES, what="score entry file")
    except UnreadableUpload as problem:
        raise EntryImportError([UPLOAD_PROBLEMS[problem.problem]]) from None


def parse_entry_workbook(data: bytes, year: int, quarter: int, enterer) -> list[EntryItem]:
    """The filled rows of a downloaded grid as EntryItems (rows with a blank value are skipped)."""
    rows, meta = _load(data)
    if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise EntryImportError([f"文件超过 {MAX_ROWS} 行，请使用从本页面下载的录入表。"])
    if meta.get("year") and (meta.get("year"), meta.get("quarter")) != (str(year), str(quarter)):
        raise EntryImportError([f"这是{meta.get('year')}年第{meta.get('quarter')}季度的录入表，"
                                f"不能上传到{year}年第{quarter}季度；请下载本季度的录入表填写。"])
    if meta.get("enterer") and meta["enterer"] != str(enterer.id):
        raise EntryImportError([f"这不是{enterer.name}的录入表，请下载本单位的录入表填写。"])
    header_at, positions = None, {}
    for index, (_number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {HEADERS[cell_text(v)]: i for i, v in enumerate(values) if cell_text(v) in HEADERS}
        if "value" in found:
            header_at, positions = index, found
            break
    if header_at is None:
        raise EntryImportError(["找不到表头（应有“得分”“扣分说明”等列），请使用从本页面下载的录入表，不要改动表头。"])
    missing = [header for key, header, _, _ in COLUMNS if key in REQUIRED and key not in positions]
    if missing:
        raise EntryImportError([f"表头缺少“{'”“'.join(missing)}”列（可能是隐藏列被删除了），"
                                "请重新下载录入表填写，不要删除任何列。"])
    items, errors = [], []
    for number, values in rows[header_at + 1:]:
        def cell(key, values=values):
            position = positions.get(key)
            return values[position] if position is not None and position < len(values) else None

        value = cell("value")
        if cell_text(value) == "":
            continue
        try:
            unit_id = int(cell_text(cell("unit_id")))
        except ValueError:
            errors.append(f"第{number}行：单位编号缺失或被改动，无法识别是哪个单位；请重新下载录入表填写。")
            continue
        assessor, sub_item = cell_text(cell("assessor")), cell_text(cell("sub_item"))
        if assessor not in {str(a) for a in engine.Assessor}:
            errors.append(f"第{number}行：考评项代码缺失或被改动；请重新下载录入表填写。")
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            errors.append(f"第{number}行：得分“{cell_text(value)[:20]}”不是数字。")
            continue
        # a number cell is read through its shortest text form (12.35, not 12.3499999...): what was typed
        raw = repr(value) if isinstance(value, float) else cell_text(value)
        note = cell("note")
        items.append(EntryItem(unit_id, assessor, sub_item, raw, cell_text(note) or None))
    if errors:
        more = [f"……另有 {len(errors) - 50} 处问题未列出。"] if len(errors) > 50 else []
        raise EntryImportError(errors[:50] + more)
    if not items:
        raise EntryImportError(["文件中没有填写任何得分（“得分”列都是空的）。"])
    return items
