"""The shared Excel writer (app/core/excel.py), its files read back with openpyxl as Excel would open them: text stays
text (never a formula, link or number), values keep their types, every cell keeps the style it was given, the
print setup, the row-height estimate; and importing the Excel modules loads neither openpyxl nor XlsxWriter."""

import io
import math
import subprocess
import sys
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.core.excel import (
    BORDER,
    HEADER_FILL,
    WRAP_CENTER,
    Alignment,
    Fill,
    Font,
    fit_row_height,
    merge_cells,
    new_workbook,
    page_setup,
    print_setup,
    row_height,
    safe_value,
    save_workbook,
    text_width,
    write_cell,
    write_row,
    write_styled,
)
from app.tasks.models import TaskPriority

ROOT = Path(__file__).resolve().parents[2]
EXCEL_MODULES = ("app.core.excel", "app.tasks.excel", "app.meetings.excel", "app.meetings.analysis_excel",
                 "app.scoring.excel", "app.scoring.entry_excel")


def written(fill_sheet, title="测试"):
    """The first sheet of a workbook written by `fill_sheet(sheet)`, reopened with openpyxl."""
    wb = new_workbook(title)
    fill_sheet(wb.create_sheet("表"))
    return load_workbook(io.BytesIO(save_workbook(wb))).active


def fit_to_width(ws):
    """Pages across when fitted to the page: an absent fitToWidth means 1, the file format's default, as Excel
    itself writes it."""
    return ws.page_setup.fitToWidth or 1


# --- text stays text ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=1+1", "=HYPERLINK(\"http://x\",\"y\")", "+86 731", "-5", "@SUM(A1)", "\tx",
                                  "\rcmd"])
def test_formula_like_text_is_written_as_text_with_quote_prefix(text):
    def fill(ws):
        write_cell(ws, 1, 1, text)
        merge_cells(ws, 2, 1, 3, text, font=Font(), border=BORDER)

    ws = written(fill)
    for cell in (ws["A1"], ws["A2"]):
        assert cell.data_type == "s"
        assert cell.value == text.replace("\r", "\n")  # line ends are normalised
        assert cell.quotePrefix


def test_plain_values_keep_their_type_and_error_codes_links_numbers_and_control_characters_stay_harmless():
    values = ["普通文本", "#REF!", 42, date(2026, 3, 31), "a\x00b\x07c", None, "http://example.com/x", "00123",
              1.5, Decimal("85.50"), datetime(2026, 3, 31, 9, 30), True, "甲\r\n乙", TaskPriority.key]

    def fill(ws):
        for column, value in enumerate(values, start=1):
            write_cell(ws, 1, column, value)

    ws = written(fill)
    cells = list(ws[1])
    assert (cells[0].value, cells[0].data_type, cells[0].quotePrefix) == ("普通文本", "s", False)
    assert (cells[1].value, cells[1].data_type) == ("#REF!", "s")
    assert (cells[2].value, cells[2].data_type) == (42, "n")
    assert cells[3].value == datetime(2026, 3, 31) and cells[3].is_date and cells[3].number_format == "yyyy-mm-dd"
    assert cells[4].value == "abc"
    assert cells[5].value is None
    assert (cells[6].value, cells[6].data_type, cells[6].hyperlink) == ("http://example.com/x", "s", None)
    assert (cells[7].value, cells[7].data_type) == ("00123", "s")
    assert (cells[8].value, cells[9].value) == (1.5, 85.5) and cells[9].data_type == "n"
    assert cells[10].value == datetime(2026, 3, 31, 9, 30) and cells[10].number_format == "yyyy-mm-dd h:mm:ss"
    assert (cells[11].value, cells[11].data_type) == (True, "b")
    assert cells[12].value == "甲\n乙"
    assert cells[13].value == "重点"
    assert not any(c.data_type == "f" for c in cells)
    assert safe_value(TaskPriority.key) == "重点"
    assert len(safe_value("字" * 40000)) == 32767


def test_every_cell_keeps_its_own_style_and_the_quote_prefix_does_not_travel():
    """Formats are shared between cells of the same style: each cell still gets exactly the style it was given,
    and the quote prefix of formula-like text does not reach the cells written after it."""
    bold, small = Font(name="宋体", bold=True), Font(name="宋体", size=9)
    red = Fill("FFC7CE")
    center = Alignment(horizontal="center")
    values = ["=1+1", "普通文字", date(2026, 12, 1), 7, "@提及", "末行"]

    def fill(ws):
        for row in range(1, 41):
            value = values[row % len(values)]
            write_cell(ws, row, 1, value, font=bold, fill=red, border=BORDER)
            write_cell(ws, row, 2, value, font=Font(name="宋体", size=9), alignment=center, number_format="0.00")

    ws = written(fill)
    for row in range(1, 41):
        value = values[row % len(values)]
        first, second = ws.cell(row, 1), ws.cell(row, 2)
        assert first.font.b and first.fill.fgColor.rgb.endswith("FFC7CE") and first.border.left.style == "thin"
        assert first.fill.fill_type == "solid" and first.font.name == "宋体"
        assert not second.font.b and second.font.sz == small.size and second.alignment.horizontal == "center"
        assert second.fill.fill_type is None and second.number_format == "0.00"
        expected_first = "yyyy-mm-dd" if isinstance(value, date) else "General"
        assert first.number_format == expected_first
        risky = isinstance(value, str) and value[0] in "=@"
        assert first.quotePrefix is risky and second.quotePrefix is risky, (row, value)


def test_merged_cells_hold_the_value_and_the_style_over_the_whole_range():
    def fill(ws):
        merge_cells(ws, 1, 1, 4, "标题", font=Font(name="黑体", size=16, bold=True), alignment=WRAP_CENTER,
                    border=BORDER, fill=HEADER_FILL)
        merge_cells(ws, 2, 2, 3, date(2026, 3, 9), number_format="yyyy-mm-dd")

    ws = written(fill)
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:D1", "B2:C2"}
    assert ws["A1"].value == "标题" and ws["A1"].font.b and ws["A1"].font.sz == 16
    assert ws["A1"].alignment.wrap_text and ws["A1"].alignment.vertical == "center"
    assert ws["A1"].fill.fgColor.rgb.endswith("D9D9D9") and ws["A1"].border.top.style == "thin"
    assert ws["B2"].value == datetime(2026, 3, 9) and ws["B2"].is_date


# --- sheets and print setup ---------------------------------------------------------------------------------

def test_print_setup_is_a4_landscape_fitted_to_width_with_the_header_repeated_and_panes_frozen():
    def fill(ws):
        ws.set_widths([6, 30])
        write_cell(ws, 3, 1, "表头")
        write_cell(ws, 12, 4, "末行")
        print_setup(ws, 3, 4, 12, freeze_column=3)

    ws = written(fill)
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert fit_to_width(ws) == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows.replace("$", "") == "1:3"
    assert ws.print_area.replace("$", "").endswith("A1:D12")
    assert ws.freeze_panes == "C4"
    assert ws.print_options.horizontalCentered
    margins = ws.page_margins
    assert (margins.left, margins.right, margins.top, margins.bottom) == (0.4, 0.4, 0.6, 0.6)
    assert (margins.header, margins.footer) == (0.5, 0.5)
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width


def test_page_setup_portrait_keeps_the_default_margins():
    def fill(ws):
        write_cell(ws, 1, 1, "纪要")
        page_setup(ws, landscape=False)

    ws = written(fill)
    assert ws.page_setup.orientation == "portrait" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert fit_to_width(ws) == 1 and ws.page_setup.fitToHeight == 0
    margins = ws.page_margins
    assert (margins.left, margins.right, margins.top, margins.bottom) == (0.75, 0.75, 1.0, 1.0)
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_workbook_carries_title_and_creator_and_hidden_sheets_and_columns():
    wb = new_workbook("副市长 调度清单")
    visible = wb.create_sheet("数据")
    visible.set_width(2, 12, hidden=True)
    write_cell(visible, 1, 1, "甲")
    meta = wb.create_sheet("meta")
    write_cell(meta, 1, 1, "year")
    meta.hide()
    book = load_workbook(io.BytesIO(save_workbook(wb)))
    assert book.properties.title == "副市长 调度清单"
    assert book.properties.creator == "湘潭市产业强市“千百十”工程督考系统"
    assert book.sheetnames == ["数据", "meta"]
    assert book["meta"].sheet_state == "hidden" and book["数据"].sheet_state == "visible"
    assert book["数据"].column_dimensions["B"].hidden


# --- row heights --------------------------------------------------------------------------------------------

def _reference_width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@pytest.mark.parametrize("text", ["", "abc", "市科技局", "“引号”—…·", "（全角）ＡＢ１", "emoji 😀", "ｶﾀｶﾅ",
                                  "进展：按计划推进（3月10日，进度40%）"])
def test_text_width_counts_wide_characters_twice(text):
    assert text_width(text) == _reference_width(text)


def test_row_height_grows_with_wrapped_lines_and_stops_at_excels_maximum():
    one_line = row_height([("短", 10), (42, 6), (date(2026, 3, 1), 13)])
    assert one_line == 20  # the minimum
    # 57 usable units: 29 CJK characters take two lines, 28 one; a line break adds one
    assert row_height([("字" * 28, 58)]) == row_height([("a" * 56, 58)]) == 20
    assert row_height([("字" * 29, 58)]) == 2 * 14 + 4
    assert row_height([("字" * 29 + "\n短", 58)]) == 3 * 14 + 4
    assert row_height([("行\n" * 100, 58)]) == 409

    def fill(ws):
        write_cell(ws, 1, 1, "字" * 29)
        fit_row_height(ws, 1, [("字" * 29, 58)])

    # Excel shows row heights in whole pixels (0.75 pt): 32 pt is stored as 32.25
    assert written(fill).row_dimensions[1].height == pytest.approx(32, abs=0.75)


def _reference_row_height(values_by_width):
    """The row height with every value measured, character by character."""
    def lines(value, width):
        if value is None or value == "":
            return 1
        usable = max(width - 1, 1)
        return sum(max(1, math.ceil(_reference_width(part) / usable)) for part in str(value).split("\n"))

    most = max((lines(value, width) for value, width in values_by_width), default=1)
    return min(max(20.0, most * 14.0 + 4), 409)


def test_row_height_measures_only_what_could_be_longest_and_still_finds_the_longest():
    """row_height skips values that cannot take more lines than one already measured: the result must equal the
    height with every value measured, for rows of wide, narrow and mixed text, line breaks and short values."""
    import random

    pieces = ["字", "a", "，", "“", "1", " ", "ｶ", "😀", "\n"]
    rng = random.Random(13)
    for _ in range(2000):
        row = []
        for _ in range(rng.randint(1, 7)):
            kind = rng.random()
            if kind < 0.1:
                value = rng.choice([None, "", 42, date(2026, 3, 1), Decimal("3.5")])
            else:
                value = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 140)))
            row.append((value, rng.choice([2, 6, 13, 18, 30, 58])))
        assert row_height(row) == _reference_row_height(row), row


ROW_VALUES = ["进展顺利", "第一行\n第二行", "=1+1", "\r=2", "+86 731", "含\x07控制字符", "长" * 40000, "", None, 7,
              Decimal("2.50"), 3.25, True, date(2026, 12, 7), date(1900, 1, 15), date(1900, 3, 1),
              datetime(2026, 12, 7, 8, 30), TaskPriority.key, "2026-12-07", "全角\u3000空格\n第二行", "行\r\n尾",
              "-\n减号开头", "\n=3", "控制\n字符\x0b", 0, -12, "长\n" * 20000]


def test_a_row_written_at_once_is_written_as_cell_by_cell():
    """write_row takes a short way for plain text and dates: every kind of value must come out of it as
    write_styled writes it — value, type, number format, quote prefix and style."""
    def fill(ws):
        book = ws.book
        plain = book.style(font=Font(name="宋体", size=10.5), border=BORDER, alignment=WRAP_CENTER)
        dated = book.style(font=Font(name="宋体", size=10.5), number_format="yyyy-mm-dd")
        styles = [dated if isinstance(value, date) else plain for value in ROW_VALUES]
        styles[6] = dated  # a date style on text
        write_row(ws, 1, ROW_VALUES, styles)
        for column, (value, style) in enumerate(zip(ROW_VALUES, styles, strict=True), start=1):
            write_styled(ws, 2, column, value, style)
        write_row(ws, 3, ROW_VALUES[:3], styles[:3], first_column=4)

    sheet = written(fill)
    for column in range(1, len(ROW_VALUES) + 1):
        at_once, one_by_one = sheet.cell(1, column), sheet.cell(2, column)
        assert (at_once.value, at_once.data_type, at_once.number_format, at_once.quotePrefix) == (
            one_by_one.value, one_by_one.data_type, one_by_one.number_format, one_by_one.quotePrefix), column
        assert list(at_once._style) == list(one_by_one._style), column  # the same format (font, fill …) of the file
    assert sheet.cell(1, 14).value == datetime(2026, 12, 7) and sheet.cell(1, 14).number_format == "yyyy-mm-dd"
    assert sheet.cell(1, 3).value == "=1+1" and sheet.cell(1, 3).data_type == "s" and sheet.cell(1, 3).quotePrefix
    assert [sheet.cell(3, column).value for column in (4, 5, 6)] == ROW_VALUES[:3]
    assert sheet.cell(3, 3).value is None


# --- start-up -----------------------------------------------------------------------------------------------

def test_importing_the_excel_modules_loads_neither_openpyxl_nor_xlsxwriter():
    """create_app() and every `flask` command import these modules (through the views): the two packages are
    imported only when a file is written or read."""
    code = (f"import {', '.join(EXCEL_MODULES)}; import sys; "
            "print('openpyxl' in sys.modules, 'xlsxwriter' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            check=True)
    assert result.stdout.split() == ["False", "False"], result.stderr


def test_a_meta_sheet_is_hidden_and_read_back_and_cells_read_as_text():
    import io as _io

    import openpyxl as _openpyxl

    from app.core.excel import cell_text, new_workbook, read_meta_sheet, save_workbook, write_meta_sheet

    book = new_workbook("表")
    book.create_sheet("报送表")
    write_meta_sheet(book, "_meta", (("subject", "enterprise_figures"), ("unit", 7)))
    wb = _openpyxl.load_workbook(_io.BytesIO(save_workbook(book)))
    assert wb["_meta"].sheet_state == "hidden"
    assert read_meta_sheet(wb, "_meta") == {"subject": "enterprise_figures", "unit": "7"}
    assert read_meta_sheet(wb, "nothing") == {}
    assert (cell_text(None), cell_text(12.0), cell_text(12.5), cell_text("  甲 ")) == ("", "12", "12.5", "甲")
