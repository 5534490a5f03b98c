"""Excel plumbing every package's exports and imports share: the workbook and sheet being written, the safe cell
writer, the styles, row heights, print setup, the published-table frame (title rows, header, sheet names), and
the guarded loader of uploads.

Exports are written with XlsxWriter (made for writing .xlsx: the stress dispatch list takes 40 % of openpyxl's
time, whose cell objects and style tables cost most of an export); uploads are read with openpyxl. Neither is
imported at module level: `create_app()` imports the views, and with them this module and every domain's Excel
module, so every `flask` command (the reminders' cron scan too) would pay for both packages. They are imported
where a file is written (`Book`) or read (`read_upload`).

Every exported value goes through `write_cell`, which stores a string as text: a follow-up that begins with "="
(or + - @, a tab or a carriage return) must never become a live formula in the leader's copy (CSV/formula
injection). The workbook is opened with `strings_to_formulas`, `strings_to_urls` and `strings_to_numbers` off,
strings are written with `write_string`, and text that looks like a formula also gets Excel's quote prefix, so that
editing the cell keeps it text.
An uploaded workbook is opened only through `read_upload`, which refuses an empty file, a damaged archive and a zip
bomb before openpyxl expands it, and turns any failure inside openpyxl into one "cannot read" answer.
The domain modules (`tasks.excel`, `scoring.excel`, `scoring.entry_excel`, `meetings.excel`,
`meetings.analysis_excel`) keep only their own sheets. Rows and columns are numbered from 1 here, as Excel shows
them; `Sheet` turns them into XlsxWriter's numbers from 0.
"""

import io
import logging
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter

log = logging.getLogger(__name__)

CREATOR = "湘潭市产业强市“千百十”工程督考系统"
FONT_NAME = "宋体"
TITLE_FONT_NAME = "黑体"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CELL_TEXT_MAX = 32767  # Excel refuses to open a file with a longer cell
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"
# A date is stored as its day number counted from 1899-12-30 (Excel's 1900 date system, which counts a 29 February
# 1900 that never was: day numbers from 1 March 1900 on).
EXCEL_EPOCH_ORDINAL = date(1899, 12, 30).toordinal()
EXCEL_SERIAL_FROM = date(1900, 3, 1)
A4 = 9  # Excel's paper size code
# Page margins in inches (left and right, top and bottom, header and footer): openpyxl's, which the exports have
# always had (XlsxWriter's own are Excel's newer 0.7, 0.75 and 0.3).
DEFAULT_MARGINS = (0.75, 1.0, 0.5)
DIGIT_PIXELS = 7  # the width of a digit of the default font (Calibri 11), the unit of column widths
# Control characters an XML file cannot hold (tab, line feed and carriage return can).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# --- styles -------------------------------------------------------------------------------------------------
# Plain values, so that defining them costs no import; `Book.format` turns each combination into one XlsxWriter
# format per workbook. Colours are RRGGBB.

@dataclass(frozen=True)
class Font:
    name: str = FONT_NAME
    size: float = 10.5
    bold: bool = False
    color: str | None = None


@dataclass(frozen=True)
class Alignment:
    horizontal: str | None = None  # left, center, right
    vertical: str | None = None  # top, center, bottom
    wrap_text: bool = False


@dataclass(frozen=True)
class Fill:
    """A solid fill."""

    color: str


@dataclass(frozen=True)
class Border:
    """The same line on all four sides."""

    style: str = "thin"
    color: str = "000000"


BORDER = Border()
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
HEADER_FILL = Fill("D9D9D9")

# The published-table frame (result tables, the month's analysis): title, subtitle, header on row 3.
TABLE_HEADER_ROW = 3
BODY = Font(name=FONT_NAME, size=10.5)
BOLD = Font(name=FONT_NAME, size=10.5, bold=True)
HEADER = Font(name=TITLE_FONT_NAME, size=10.5, bold=True)
TITLE = Font(name=TITLE_FONT_NAME, size=16, bold=True)
RIGHT = Alignment(horizontal="right", vertical="center")
LEFT_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)

_VERTICAL = {"center": "vcenter", "top": "top", "bottom": "bottom"}
_BORDER_STYLES = {"thin": 1, "medium": 2}


def _format_properties(font, alignment, border, fill, number_format, quote_prefix) -> dict:
    properties = {}
    if font is not None:
        properties.update(font_name=font.name, font_size=font.size)
        if font.bold:
            properties["bold"] = True
        if font.color:
            properties["font_color"] = f"#{font.color}"
    if alignment is not None:
        if alignment.horizontal:
            properties["align"] = alignment.horizontal
        if alignment.vertical:
            properties["valign"] = _VERTICAL[alignment.vertical]
        if alignment.wrap_text:
            properties["text_wrap"] = True
    if border is not None:
        properties.update(border=_BORDER_STYLES[border.style], border_color=f"#{border.color}")
    if fill is not None:
        properties.update(pattern=1, bg_color=f"#{fill.color}")  # XlsxWriter stores a solid bg_color as fgColor
    if number_format is not None:
        properties["num_format"] = number_format
    if quote_prefix:
        properties["quote_prefix"] = True
    return properties


# --- the workbook being written -----------------------------------------------------------------------------

class Book:
    """An .xlsx file being written in memory (no temporary files on the server). XlsxWriter's constant_memory
    mode would need them (it cannot be combined with in_memory) and is no faster at these sizes: the stress
    dispatch list took as long and came out 14 % larger (inline strings instead of the shared string table).
    Each combination of styles becomes one XlsxWriter format, created the first time a cell asks for it."""

    def __init__(self, title: str):
        import xlsxwriter  # here, not at module level: see the module docstring

        self._buffer = io.BytesIO()
        self._workbook = xlsxwriter.Workbook(self._buffer, {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        })
        self._workbook.set_properties({"title": title, "author": CREATOR})
        self._formats = {}
        self._styles = {}

    def create_sheet(self, name: str) -> "Sheet":
        """A new sheet at the end, with the page margins the exports always had."""
        sheet = Sheet(self, self._workbook.add_worksheet(name))
        sheet.set_margins(*DEFAULT_MARGINS)
        return sheet

    def format(self, font=None, alignment=None, border=None, fill=None, number_format=None, quote_prefix=False):
        """The workbook's format for this combination (None for no style at all)."""
        key = (font, alignment, border, fill, number_format, quote_prefix)
        found = self._formats.get(key)
        if found is None and key not in self._formats:
            properties = _format_properties(*key)
            found = self._workbook.add_format(properties) if properties else None
            self._formats[key] = found
        return found

    def style(self, font=None, alignment=None, border=None, fill=None, number_format=None) -> "Style":
        """The workbook's `Style` for this combination: resolved once, then any number of cells take it."""
        key = (font, alignment, border, fill, number_format)
        found = self._styles.get(key)
        if found is None:
            found = self._styles[key] = Style(self, key)
        return found

    def define_name(self, name: str, formula: str):
        self._workbook.define_name(name, formula)

    def save(self) -> bytes:
        """The workbook as the bytes of an .xlsx file (the book cannot be written to afterwards)."""
        self._workbook.close()
        return self._buffer.getvalue()


class Sheet:
    """A worksheet of a `Book`; rows and columns numbered from 1."""

    def __init__(self, book: Book, worksheet):
        self.book = book
        self.worksheet = worksheet  # the XlsxWriter worksheet, for what has no helper here

    def set_width(self, column: int, width: float, *, hidden: bool = False):
        """`width` as it is stored in the file, as the exports always gave it (Excel shows it about 0.7 smaller):
        XlsxWriter's own width would add Excel's cell padding, so it is given in pixels of the default font's
        7-pixel digits instead."""
        self.worksheet.set_column_pixels(column - 1, column - 1, round(width * DIGIT_PIXELS), None,
                                         {"hidden": True} if hidden else None)

    def set_widths(self, widths):
        """Column widths from column A on."""
        for column, width in enumerate(widths, start=1):
            self.set_width(column, width)

    def set_height(self, row: int, height: float):
        self.worksheet.set_row(row - 1, height)

    def freeze(self, row: int, column: int = 1):
        """Freeze the panes above `row` and left of `column` (the first cell that scrolls)."""
        self.worksheet.freeze_panes(row - 1, column - 1)

    def repeat_rows(self, first: int, last: int):
        """Print rows `first`..`last` on top of every page."""
        self.worksheet.repeat_rows(first - 1, last - 1)

    def print_area(self, last_row: int, ncols: int):
        self.worksheet.print_area(0, 0, last_row - 1, ncols - 1)

    def hide(self):
        self.worksheet.hide()

    def set_margins(self, sides: float, top: float, footer: float = 0.5):
        """Page margins in inches: left and right, top and bottom, and the header's and footer's."""
        self.worksheet.set_margins(left=sides, right=sides, top=top, bottom=top)
        # set_header()/set_footer() would also replace their text: the two margins are set on their own
        self.worksheet.margin_header = self.worksheet.margin_footer = footer


class Style:
    """A combination of font, alignment, border, fill and number format with its formats in one workbook: as it
    is (`plain`), with the quote prefix for formula-like text (`quoted`), and with the date format that a date or
    a datetime gets when the style names no number format. Each is created when a cell first needs it, so the
    file holds only the formats its cells use."""

    __slots__ = ("_book", "_key", "_formats")

    def __init__(self, book: Book, key):
        self._book, self._key, self._formats = book, key, {}

    def _format(self, variant):
        font, alignment, border, fill, number_format = self._key
        if variant == "quoted":
            return self._book.format(font, alignment, border, fill, number_format, True)
        if number_format is None and variant in ("date", "datetime"):
            number_format = DATETIME_FORMAT if variant == "datetime" else DATE_FORMAT
        return self._book.format(font, alignment, border, fill, number_format)

    def format(self, variant="plain"):
        found = self._formats.get(variant)
        if found is None and variant not in self._formats:
            found = self._formats[variant] = self._format(variant)
        return found


def new_workbook(title: str) -> Book:
    """An empty workbook (no sheet yet) titled `title`, created by the system."""
    return Book(title)


def save_workbook(book: Book) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    return book.save()


# --- writing cells safely -----------------------------------------------------------------------------------

def _clean_text(text: str) -> str:
    """`text` with "\n" line ends (browsers send CRLF), without the control characters XML cannot hold, cut to
    Excel's cell limit."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isprintable():  # the regular expression only for text with something unusual in it
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > CELL_TEXT_MAX:
        text = text[: CELL_TEXT_MAX - 1] + "…"
    return text


def safe_value(value):
    """A value Excel can open: strings cleaned (`_clean_text`); enums show their Chinese label; dates and numbers
    pass unchanged (a Decimal is written as the number it is, without a detour through a binary float); anything
    else as its text."""
    if value is None:
        return None
    if value.__class__ is str:
        return _clean_text(value)
    label = getattr(value, "label", None)
    if isinstance(label, str):
        value = label
    if isinstance(value, (bool, int, float, Decimal, date, datetime)):
        return value
    return _clean_text(str(value))


def write_styled(ws: Sheet, row, column, value, style: Style):
    """Write one cell with a `Style` (see `write_cell`); rows written in a loop resolve their styles once with
    `Book.style` and write each cell through here."""
    sheet, row, column = ws.worksheet, row - 1, column - 1
    if value.__class__ is not str:
        if value is not None:
            value = safe_value(value)
        kind = value.__class__
        if value is None:
            sheet.write_blank(row, column, None, style.format())
            return
        if kind is bool:
            sheet.write_boolean(row, column, value, style.format())
            return
        if isinstance(value, date):
            sheet.write_datetime(row, column, value, style.format("datetime" if kind is datetime else "date"))
            return
        if kind is not str:
            sheet.write_number(row, column, value, style.format())
            return
    text = _clean_text(value)
    # the original text too: a carriage return at the start becomes a line feed
    risky = value.startswith(FORMULA_PREFIXES) or (text is not value and text.startswith(FORMULA_PREFIXES))
    if text:
        sheet.write_string(row, column, text, style.format("quoted" if risky else "plain"))
    else:
        sheet.write_blank(row, column, None, style.format())


def write_row(ws: Sheet, row, values, styles, first_column: int = 1):
    """Write a table's row: `values` from `first_column` on, each with its `Style`, exactly as `write_styled` would
    write them one by one. The long exports (the stress dispatch list has some 8,500 cells) spend much of their time
    per cell, so the common cells take a short way here: text with nothing to clean or guard (one line, or several
    without a carriage return or a character XML cannot hold), whole numbers, blanks, and dates (stored as Excel's
    day number with the date format, which is what XlsxWriter's write_datetime stores)."""
    sheet, r = ws.worksheet, row - 1
    write_string, write_number, write_blank = sheet.write_string, sheet.write_number, sheet.write_blank
    illegal = ILLEGAL_CHARACTERS_RE.search
    for column, (value, style) in enumerate(zip(values, styles, strict=True), start=first_column - 1):
        kind = value.__class__
        if kind is str:
            if not value:
                write_blank(r, column, None, style.format())
                continue
            if len(value) <= CELL_TEXT_MAX and not value.startswith(FORMULA_PREFIXES) and (
                    value.isprintable() or ("\r" not in value and illegal(value) is None)):
                write_string(r, column, value, style.format())
                continue
        elif kind is int:
            write_number(r, column, value, style.format())
            continue
        elif kind is date and value >= EXCEL_SERIAL_FROM:
            write_number(r, column, value.toordinal() - EXCEL_EPOCH_ORDINAL, style.format("date"))
            continue
        elif value is None:
            write_blank(r, column, None, style.format())
            continue
        write_styled(ws, row, column + 1, value, style)


def write_cell(ws: Sheet, row, column, value, *, font=None, alignment=None, border=None, fill=None,
               number_format=None):
    """Write one cell. A string is always stored as text (never a formula, an error code, a link or a number);
    one that looks like a formula also gets Excel's quote prefix, so editing the cell keeps it text. A date gets
    the date format unless `number_format` says otherwise; None (or "") leaves a blank cell with the style."""
    write_styled(ws, row, column, value, ws.book.style(font, alignment, border, fill, number_format))


def merge_cells(ws: Sheet, row, first_column, last_column, value, *, font=None, alignment=None, border=None,
                fill=None, number_format=None):
    """One row's cells `first_column`..`last_column` merged, holding `value` (written as `write_cell` does);
    every cell of the range gets the style, so a border runs round the whole range."""
    style = ws.book.style(font, alignment, border, fill, number_format)
    ws.worksheet.merge_range(row - 1, first_column - 1, row - 1, last_column - 1, None, style.format())
    write_styled(ws, row, first_column, value, style)


class _Widths(dict):
    """Character -> display width in Excel column units, filled as characters are met."""

    def __missing__(self, ch):
        width = self[ch] = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        return width


_width_of = _Widths().__getitem__


def text_width(text: str) -> int:
    """Display width in Excel column units: a CJK character takes two."""
    if text.isascii():
        return len(text)
    return sum(map(_width_of, text))


def _count_lines(text: str, usable: int) -> int:
    """Lines `text` wraps into at `usable` width units (each "\n" starts a line)."""
    if "\n" not in text:
        # at most half the usable width takes one line whatever its characters: no need to measure it
        return 1 if 2 * len(text) <= usable else max(1, -(-text_width(text) // usable))
    return sum(1 if 2 * len(part) <= usable else max(1, -(-text_width(part) // usable))
               for part in text.split("\n"))


def _most_lines(text: str, usable: int) -> int:
    """An upper bound of `_count_lines` without measuring: every character taken as wide."""
    if "\n" not in text:
        return max(1, -(-2 * len(text) // usable))
    return sum(max(1, -(-2 * len(part) // usable)) for part in text.split("\n"))


def row_height(values_by_width, line_height=14.0, minimum=20.0) -> float:
    """Excel does not grow a row for wrapped text written by a program; estimate it so that nothing is cut off
    when printed (409 points is Excel's maximum). Only the values that could take more lines than the longest
    measured so far are measured (the exports' rows have one long text and several short ones)."""
    lines, candidates = 1, []
    for value, width in values_by_width:
        if value is None or value == "":
            continue
        text = value if value.__class__ is str else str(value)
        usable = max(width - 1, 1)
        if "\n" not in text and text.isascii():  # numbers, dates, codes: measured by their length
            count = -(-len(text) // usable)
            if count > lines:
                lines = count
            continue
        most = _most_lines(text, usable)
        if most > 1:
            candidates.append((most, text, usable))
    candidates.sort(key=itemgetter(0), reverse=True)
    for most, text, usable in candidates:
        if most <= lines:
            break
        count = _count_lines(text, usable)
        if count > lines:
            lines = count
    return min(max(minimum, lines * line_height + 4), 409)


def fit_row_height(ws: Sheet, row, values_by_width, line_height=14.0, minimum=20.0):
    """Set the row's height to `row_height` of its values."""
    ws.set_height(row, row_height(values_by_width, line_height, minimum))


def page_setup(ws: Sheet, *, landscape: bool):
    """A4, fitted to the page width (as many pages down as needed), 第 n 页 in the footer."""
    sheet = ws.worksheet
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    sheet.set_footer("&C第 &P 页，共 &N 页", margin=sheet.margin_footer)


def print_setup(ws: Sheet, header_row, ncols, last_row, freeze_column=1):
    """A landscape A4 table: panes frozen under the header (and left of `freeze_column`), the header repeated on
    every page, fitted to the page width, centred, 第 n 页 in the footer."""
    ws.freeze(header_row + 1, freeze_column)
    ws.repeat_rows(1, header_row)
    ws.print_area(last_row, ncols)
    page_setup(ws, landscape=True)
    ws.set_margins(0.4, 0.6)
    ws.worksheet.center_horizontally()


# --- the published-table frame ------------------------------------------------------------------------------

def sheet_title(label, used):
    """A valid, unique sheet name (at most 31 characters, none of []:*?/\\)."""
    name = "".join("·" if ch in "[]:*?/\\" else ch for ch in label)[:31] or "Sheet"
    base, n = name, 2
    while name in used:
        name = f"{base[:28]}({n})"
        n += 1
    used.add(name)
    return name


def title_rows(ws: Sheet, title, subtitle, ncols):
    """Row 1 the title, row 2 the subtitle, each merged across the table."""
    merge_cells(ws, 1, 1, ncols, title, font=TITLE,
                alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    ws.set_height(1, 34)
    merge_cells(ws, 2, 1, ncols, subtitle, font=BODY, alignment=LEFT_WRAP)
    ws.set_height(2, 20)


def table_header(ws: Sheet, labels, widths):
    """The header on TABLE_HEADER_ROW, setting the column widths."""
    for index, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
        write_cell(ws, TABLE_HEADER_ROW, index, label, font=HEADER, alignment=WRAP_CENTER, border=BORDER,
                   fill=HEADER_FILL)
        ws.set_width(index, width)
    fit_row_height(ws, TABLE_HEADER_ROW, list(zip(labels, widths, strict=True)), minimum=30)


def table_print_setup(ws: Sheet, ncols, last_row):
    """The published tables' print setup: the title rows repeated, the first two columns (序号, 单位) frozen."""
    print_setup(ws, TABLE_HEADER_ROW, ncols, last_row, freeze_column=3)


# --- reading an upload --------------------------------------------------------------------------------------

def write_meta_sheet(book: Book, name: str, pairs) -> None:
    """A hidden sheet of (key, value) rows that tells an uploaded template what it was made for (the subject,
    month, unit ...), read back by `read_meta_sheet`."""
    meta = book.create_sheet(name)
    for row, (key, value) in enumerate(pairs, start=1):
        write_cell(meta, row, 1, key)
        write_cell(meta, row, 2, value)
    meta.hide()


def read_meta_sheet(wb, name: str) -> dict:
    """{key: value text} of an uploaded workbook's meta sheet (openpyxl); empty when the sheet is missing."""
    if name not in wb.sheetnames:
        return {}
    return {cell_text(key): cell_text(value)
            for key, value in wb[name].iter_rows(min_row=1, max_row=10, max_col=2, values_only=True) if key}


def cell_text(value) -> str:
    """An uploaded cell as text: '' for empty, a whole float without its '.0', the rest stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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
    from openpyxl import load_workbook  # here, not at module level: see the module docstring

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
    """The rows of `ws` (an openpyxl worksheet) with some non-blank cell (by `text(value)`), with their 1-based
    numbers, stopping once there are more than `limit`."""
    rows = []
    for number, values in enumerate(ws.iter_rows(min_row=1, max_col=max_col, values_only=True), start=1):
        if any(text(v) for v in values):
            rows.append((number, tuple(values)))
            if len(rows) > limit:
                break
    return rows
