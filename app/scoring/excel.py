"""Excel exports of the result pages, in the layout of a published assessment table.

Each workbook has one sheet per assessment group: the title (“湘潭市产业强市“千百十”工程 2026年第三季度考评结果”),
the group and status line, a header naming each component with its maximum, one row per unit in rank order, and
the 注 lines (blends, status, reopenings, rules). The writers take the page models built in
`app.scoring.pages` (`QuarterPage`, `YearPage`), so the export shows exactly what the page shows.

Text goes through `app.core.excel.write_cell` (always a text cell, never a formula); scores are written as
Decimal numbers with a two-place format, stored as the decimal digits themselves (no binary float). The files are
written with XlsxWriter, imported only when one is written (see app.core.excel).
"""

from decimal import Decimal

from app.core.excel import (
    BODY,
    BOLD,
    BORDER,
    HEADER,
    HEADER_FILL,
    LEFT_WRAP,
    RIGHT,
    TABLE_HEADER_ROW,
    WRAP_CENTER,
    WRAP_TOP,
    fit_row_height,
    merge_cells,
    new_workbook,
    page_setup,
    save_workbook,
    sheet_title,
    table_header,
    table_print_setup,
    title_rows,
    write_cell,
)

SCORE_FORMAT = "0.00"


def write_score(ws, row, column, value, *, bold=False):
    """A score cell: a Decimal number shown with two places; "—" when there is none."""
    if value is None or value == "":
        return write_cell(ws, row, column, "—", font=BODY, alignment=WRAP_CENTER, border=BORDER)
    return write_cell(ws, row, column, Decimal(str(value)), font=BOLD if bold else BODY, alignment=RIGHT,
                      border=BORDER, number_format=SCORE_FORMAT)


def _notes(ws, row_no, lines, ncols, width):
    """The 注 block under the table, one merged row per line."""
    for number, line in enumerate(lines, start=1):
        row_no += 1
        text = f"注：{number}. {line}" if number == 1 else f"　　{number}. {line}"
        merge_cells(ws, row_no, 1, ncols, text, font=BODY, alignment=LEFT_WRAP)
        fit_row_height(ws, row_no, [(text, width)], minimum=18)
    return row_no


# --- a quarter --------------------------------------------------------------------------------------------

def quarter_workbook(page) -> bytes:
    """A quarter's results (`pages.QuarterPage`): one sheet per group, columns 序号, 单位, each
    component with its maximum, 季度得分, 最终得分, 排名, 较上季度 (when the page compares ranks), 备注; the
    page's 注 lines under each table."""
    wb = new_workbook(page.title)
    used = set()
    status = ("已审定" if page.is_finalized else "录入中（暂定）") + f"　评价日期：{page.evaluated_on.isoformat()}"
    for group in page.groups:
        ws = wb.create_sheet(sheet_title(group.label, used))
        labels = ["序号", "单位"] + [f"{c.label}\n（{c.maximum}分）" for c in group.columns] + \
            ["季度得分\n（100分）", "最终得分", "排名"] + (["较上季度"] if page.compared_with else []) + ["备注"]
        widths = [6, 24] + [11] * len(group.columns) + [11, 12, 7] + ([9] if page.compared_with else []) + [30]
        ncols = len(labels)
        title_rows(ws, page.title, f"考评组：{group.label}（{len(group.rows)}家）　　{status}", ncols)
        table_header(ws, labels, widths)
        row_no = TABLE_HEADER_ROW
        for number, row in enumerate(group.rows, start=1):
            row_no += 1
            write_cell(ws, row_no, 1, number, font=BODY, alignment=WRAP_CENTER, border=BORDER)
            write_cell(ws, row_no, 2, row.name, font=BODY, alignment=WRAP_TOP, border=BORDER)
            for offset, cell in enumerate(row.cells):
                column = 3 + offset
                if cell.value is None:
                    write_cell(ws, row_no, column, "—", font=BODY, alignment=WRAP_CENTER, border=BORDER)
                elif cell.missing:
                    write_cell(ws, row_no, column, "未录入", font=BODY, alignment=WRAP_CENTER, border=BORDER)
                else:
                    write_score(ws, row_no, column, cell.value)
            column = 3 + len(row.cells)
            write_score(ws, row_no, column, row.total)
            write_score(ws, row_no, column + 1, row.final, bold=True)
            write_cell(ws, row_no, column + 2, row.rank, font=BODY, alignment=WRAP_CENTER, border=BORDER)
            if page.compared_with:
                column += 1
                write_cell(ws, row_no, column + 2, row.movement["text"] if row.movement else "",
                           font=BODY, alignment=WRAP_CENTER, border=BORDER)
            remarks = ([row.blend] if row.blend else []) + row.remarks
            write_cell(ws, row_no, column + 3, "\n".join(remarks), font=BODY, alignment=WRAP_TOP, border=BORDER)
            fit_row_height(ws, row_no, [(row.name, widths[1]), ("\n".join(remarks), widths[-1])])
        lines = group.notes + page.notes
        last = _notes(ws, row_no, lines, ncols, sum(widths))
        table_print_setup(ws, ncols, last)
    return save_workbook(wb)


# --- the year ---------------------------------------------------------------------------------------------

def year_workbook(page) -> bytes:
    """The annual results (`pages.YearPage`): one sheet per group with the four quarterly finals, the
    annual score, rank, then points by rank with the policy deduction (counties and parks) or the grade and its
    points (市直 groups), awards and report flags; the status of each quarter and the rules as 注 lines."""
    wb = new_workbook(page.title)
    used = set()
    quarters = "；".join(f"{q.name}{q.label}" for q in page.quarters)
    status = ("正式结果" if page.complete else "暂定结果") + f"（{quarters}）"
    for group in page.groups:
        ws = wb.create_sheet(sheet_title(group.label, used))
        labels = ["序号", "单位", "一季度", "二季度", "三季度", "四季度",
                  "考评得分" if page.province_first else "年度得分"]
        if page.province_first:
            labels.append("年度得分\n（调整后）")
        labels.append("排名")
        if group.ranked:
            labels += ["名次得分", "政策兑现率", "扣分", f"千百十工程得分\n（满分{group.points_total}分）"]
        else:
            labels += ["等次", f"等次得分\n（满分{group.points_total}分）"]
        labels.append("备注")
        widths = [6, 24] + [10] * (len(labels) - 3) + [26]
        ncols = len(labels)
        subtitle = f"考评组：{group.label}（{len(group.rows)}家）　　{status}"
        if group.quota:
            subtitle += f"　　等次名额：{group.quota}"
        title_rows(ws, page.title, subtitle, ncols)
        table_header(ws, labels, widths)
        row_no = TABLE_HEADER_ROW
        for number, row in enumerate(group.rows, start=1):
            row_no += 1
            write_cell(ws, row_no, 1, number, font=BODY, alignment=WRAP_CENTER, border=BORDER)
            write_cell(ws, row_no, 2, row.name, font=BODY, alignment=WRAP_TOP, border=BORDER)
            column = 3
            for value in row.quarters:
                write_score(ws, row_no, column, value)
                column += 1
            write_score(ws, row_no, column, row.annual)
            column += 1
            if page.province_first:
                write_score(ws, row_no, column, row.score, bold=True)
                column += 1
            write_cell(ws, row_no, column, row.rank, font=BODY, alignment=WRAP_CENTER, border=BORDER)
            column += 1
            if group.ranked:
                write_score(ws, row_no, column, row.base_points)
                write_cell(ws, row_no, column + 1, f"{row.policy_rate}%" if row.policy_rate else "未录入",
                           font=BODY, alignment=WRAP_CENTER, border=BORDER)
                write_score(ws, row_no, column + 2, row.deduction)
                write_score(ws, row_no, column + 3, row.points, bold=True)
                column += 4
            else:
                write_cell(ws, row_no, column, row.grade or "", font=BODY, alignment=WRAP_CENTER, border=BORDER)
                write_score(ws, row_no, column + 1, row.points, bold=True)
                column += 2
            remarks = "\n".join(row.remarks)
            write_cell(ws, row_no, column, remarks, font=BODY, alignment=WRAP_TOP, border=BORDER)
            fit_row_height(ws, row_no, [(row.name, widths[1]), (remarks, widths[-1])])
        last = _notes(ws, row_no, page.notes, ncols, sum(widths))
        table_print_setup(ws, ncols, last)
    return save_workbook(wb)


# --- a result sheet of a unit reported upward (附件2 五(一)3) ---------------------------------------------------

def result_sheet_workbook(sheet) -> bytes:
    """One unit's annual result (`pages.ResultSheet`) on one A4 portrait sheet: the title, the unit, its four
    quarterly scores, the annual score, its standing and points, the 审定 (date and 文号) and where it is sent."""
    wb = new_workbook(sheet.title)
    ws = wb.create_sheet(sheet_title(sheet.name, set()))
    widths = (22, 40)
    ws.set_width(1, widths[0])
    ws.set_width(2, widths[1])
    title_rows(ws, sheet.title, f"单位：{sheet.name}（{sheet.group_label}）", 2)
    lines = [(name, value) for name, value in sheet.quarter_lines]
    lines.append(("考评得分" if sheet.province_first else "年度得分", sheet.annual))
    if sheet.province_first:
        lines.append(("年度得分（调整后）", sheet.score))
    lines.append(("排名与等次", sheet.standing))
    lines.append((f"{'千百十工程得分' if sheet.ranked else '等次得分'}（满分{sheet.points_total}分）", sheet.points))
    lines.append(("领导小组审定", "，".join(x for x in (
        sheet.approved_on.isoformat() if sheet.approved_on else None, sheet.doc_number) if x) or "—"))
    lines.append(("报送", f"{sheet.target_label}：{sheet.sent_to}"))
    if sheet.sent_on:
        lines.append(("报送日期", sheet.sent_on.isoformat() + (f"（{sheet.sent_doc_number}）"
                                                              if sheet.sent_doc_number else "")))
    row_no = TABLE_HEADER_ROW
    write_cell(ws, row_no, 1, "项目", font=HEADER, alignment=WRAP_CENTER, border=BORDER, fill=HEADER_FILL)
    write_cell(ws, row_no, 2, "内容", font=HEADER, alignment=WRAP_CENTER, border=BORDER, fill=HEADER_FILL)
    for label, value in lines:
        row_no += 1
        write_cell(ws, row_no, 1, label, font=BODY, alignment=WRAP_TOP, border=BORDER)
        if isinstance(value, str) and _is_score(value):
            write_score(ws, row_no, 2, value, bold=label.startswith(("年度得分", "千百十", "等次得分")))
        elif value is None:
            write_score(ws, row_no, 2, None)
        else:
            write_cell(ws, row_no, 2, value, font=BODY, alignment=WRAP_TOP, border=BORDER)
        fit_row_height(ws, row_no, [(label, widths[0]), (str(value or ""), widths[1])])
    notes = [f"{sheet.opinion.line}"] if sheet.opinion else []
    notes.append("依据《湘潭市产业强市“千百十”工程考核评价办法》（附件2）五(一)3，本单位年度考评结果"
                 f"{sheet.target_label}。")
    last = _notes(ws, row_no, notes, 2, sum(widths))
    page_setup(ws, landscape=False)
    ws.print_area(last, 2)
    return save_workbook(wb)


def _is_score(text):
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True
