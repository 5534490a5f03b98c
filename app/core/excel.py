"""Excel plumbing every package's exports and imports share: the safe cell writer, the styles, row heights,
print setup, the published-table frame (title rows, header, sheet names), saving, and the guarded loader.

Every exported string goes through `write_cell`, which stores it as text: a follow-up that begins with "=" (or
+ - @, a tab or a carriage return) must never become a live formula in the leader's copy (CSV/formula injection).
An uploaded workbook is opened only through `read_upload`, which refuses an empty file, a damaged archive and a zip
bomb before openpyxl expands it, and turns any failure inside openpyxl into one "cannot read" answer.
The domain modules (`tasks.excel`, `scoring.excel`, `scoring.entry_excel`, `meetings.excel`,
`meetings.analysis_excel`) keep only their own sheets.
"""

import copy
import io
import logging
import math
import unicodedata
import warnings
import zipfile
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

log = logging.getLogger(__name__)

CREATOR = "湘潭市产业强市“千百十”工程督考系统"
FONT_NAME = "宋体"
TITLE_FONT_NAME = "黑体"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CELL_TEXT_MAX = 32767  # Excel refuses to open a file with a longer cell

_thin = Side(style="thin", color="000000")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")

# The published-table frame (result tables, the month's analysis): title, subtitle, header on row 3.
TABLE_HEADER_ROW = 3
BODY = Font(name=FONT_NAME, size=10.5)
BOLD = Font(name=FONT_NAME, size=10.5, bold=True)
HEADER = Font(name=TITLE_FONT_NAME, size=10.5, bold=True)
TITLE = Font(name=TITLE_FONT_NAME, size=16, bold=True)
RIGHT = Alignment(horizontal="right", vertical="center")
LEFT_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)


# --- writing cells safely -----------------------------------------------------------------------------------

def is_formula_like(text) -> bool:
    return isinstance(text, str) and text.startswith(FORMULA_PREFIXES)


def safe_value(value):
    """A value openpyxl can store and Excel can open: strings get "\n" line ends (browsers send CRLF), lose the
    control characters XML cannot hold and are cut to Excel's cell limit; enums show their Chinese label; dates
    and numbers pass unchanged."""
    if value is None:
        return None
    label = getattr(value, "label", None)
    if isinstance(label, str):
        value = label
    if isinstance(value, (bool, int, float, date, datetime)):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) > CELL_TEXT_MAX:
        text = text[: CELL_TEXT_MAX - 1] + "…"
    return text


def write_cell(ws, row, column, value, *, font=None, alignment=None, border=None, fill=None, number_format=None):
    """Write one cell. A string is always stored as text (data type "s"), never as a formula or an error code;
    one that looks like a formula also gets Excel's quote prefix, so editing the cell keeps it text."""
    cell = ws.cell(row=row, column=column)
    fresh = not cell.has_style  # asked before the value: a date value gives the cell a number format
    risky = is_formula_like(value)
    value = safe_value(value)
    cell.value = value
    _style_cell(ws, cell, fresh, font, alignment, border, fill, number_format)
    if isinstance(value, str):
        cell.data_type = "s"
        if risky or is_formula_like(value):
            cell.quotePrefix = True
    return cell


def _style_cell(ws, cell, fresh, font, alignment, border, fill, number_format):
    """Setting a style object makes openpyxl hash it into the workbook's style tables, which cost more than the
    rest of an export together; so a fresh cell given the same style objects as an earlier fresh cell takes a
    copy of its style array (the cache lives on the workbook and holds the objects, so their ids stay theirs)."""
    if font is None and alignment is None and border is None and fill is None and number_format is None:
        return
    key = (id(font), id(alignment), id(border), id(fill), number_format)
    cache = ws.parent.__dict__.setdefault("_qbs_style_cache", {})
    if fresh and key in cache:
        cell._style = copy.copy(cache[key][0])
        return
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    if border is not None:
        cell.border = border
    if fill is not None:
        cell.fill = fill
    if number_format is not None:
        cell.number_format = number_format
    if fresh:
        cache[key] = (copy.copy(cell._style), (font, alignment, border, fill))


def text_width(text: str) -> int:
    """Display width in Excel column units: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text, column_width) -> int:
    if text is None or text == "":
        return 1
    usable = max(column_width - 1, 1)
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in str(text).split("\n"))


def fit_row_height(ws, row, values_by_width, line_height=14.0, minimum=20.0):
    """Excel does not grow a row for wrapped text written by a program; estimate it so that nothing is cut off
    when printed (409 points is Excel's maximum)."""
    lines = max(_lines(value, width) for value, width in values_by_width)
    ws.row_dimensions[row].height = min(max(minimum, lines * line_height + 4), 409)


def print_setup(ws, header_row, ncols, last_row, freeze_column=1):
    """A landscape A4 table: panes frozen under the header (and left of `freeze_column`), the header repeated on
    every page, fitted to the page width, 第 n 页 in the footer."""
    ws.freeze_panes = ws.cell(row=header_row + 1, column=freeze_column)
    ws.print_title_rows = f"1:{header_row}"
    ws.print_area = f"A1:{get_column_letter(ncols)}{last_row}"
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def save_workbook(wb) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- the published-table frame ------------------------------------------------------------------------------

def new_workbook(title):
    """An empty workbook (no sheet yet) titled `title`, created by the system."""
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = title
    wb.properties.creator = CREATOR
    return wb


def sheet_title(label, used):
    """A valid, unique sheet name (at most 31 characters, none of []:*?/\\)."""
    name = "".join("·" if ch in "[]:*?/\\" else ch for ch in label)[:31] or "Sheet"
    base, n = name, 2
    while name in used:
        name = f"{base[:28]}({n})"
        n += 1
    used.add(name)
    return name


def title_rows(ws, title, subtitle, ncols):
    """Row 1 the title, row 2 the subtitle, each merged across the table."""
    write_cell(ws, 1, 1, title, font=TITLE, alignment=Alignment(horizontal="center", vertical="center",
                                                                 wrap_text=True))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 34
    write_cell(ws, 2, 1, subtitle, font=BODY, alignment=LEFT_WRAP)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    ws.row_dimensions[2].height = 20


def table_header(ws, labels, widths):
    """The header on TABLE_HEADER_ROW, setting the column widths."""
    for index, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
        write_cell(ws, TABLE_HEADER_ROW, index, label, font=HEADER, alignment=WRAP_CENTER, border=BORDER,
                   fill=HEADER_FILL)
        ws.column_dimensions[get_column_letter(index)].width = width
    fit_row_height(ws, TABLE_HEADER_ROW, list(zip(labels, widths, strict=True)), minimum=30)


def table_print_setup(ws, ncols, last_row):
    """The published tables' print setup: the title rows repeated, the first two columns (序号, 单位) frozen."""
    print_setup(ws, TABLE_HEADER_ROW, ncols, last_row, freeze_column=3)


# --- reading an upload --------------------------------------------------------------------------------------

class UnreadableUpload(ValueError):
    """An uploaded workbook that cannot be read. `problem` is "empty", "too_large" or "unreadable"; the caller
    turns it into its own Chinese message."""

    def __init__(self, problem):
        super().__init__(problem)
        self.problem = problem


def read_upload(data: bytes, read, *, max_bytes: int, what: str = "upload"):
    """`read(workbook)` on the uploaded .xlsx `data`, opened read-only with cached values. Raises UnreadableUpload
    for an empty file, one that is not a zip archive or expands to more than `max_bytes` (a zip bomb is refused
    before openpyxl expands it), or any failure inside openpyxl or the XML parser (logged as `what`)."""
    if not data:
        raise UnreadableUpload("empty")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise UnreadableUpload("unreadable") from None
    if expanded > max_bytes:
        raise UnreadableUpload("too_large")
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it drops (extensions, unknown styles); none matter for reading values.
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                return read(wb)
            finally:
                wb.close()
    except Exception:  # noqa: BLE001 - a malformed upload can fail anywhere inside openpyxl or the XML parser
        log.info("unreadable %s", what, exc_info=True)
        raise UnreadableUpload("unreadable") from None


def non_blank_rows(ws, *, max_col: int, limit: int, text):
    """The rows of `ws` with some non-blank cell (by `text(value)`), with their 1-based numbers, stopping once
    there are more than `limit`."""
    rows = []
    for number, values in enumerate(ws.iter_rows(min_row=1, max_col=max_col, values_only=True), start=1):
        if any(text(v) for v in values):
            rows.append((number, tuple(values)))
            if len(rows) > limit:
                break
    return rows
