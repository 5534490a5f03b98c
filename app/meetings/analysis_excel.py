"""Excel export of a month's analysis (月分析): sheets 概况, 按单位, 按分组, 按计划, 红灯单位, 会议落实, and 指标完成
(when the analysis has its indicators section: records frozen before it have none).

Takes the analysis dict (live from `month_analysis`, or frozen in a 月分析 record's snapshot), so the export shows
exactly what the page shows. Every text goes through `app.core.excel.write_cell`: a unit or plan name that begins
with "=" stays text, never a live formula (formula injection). Counts are numbers. Written with XlsxWriter, imported
only when a file is written (see app.core.excel).
"""

from app.core.excel import (
    BODY,
    BORDER,
    FONT_NAME,
    HEADER_FILL,
    LEFT_WRAP,
    TABLE_HEADER_ROW,
    TITLE_FONT_NAME,
    WRAP_CENTER,
    WRAP_TOP,
    Font,
    merge_cells,
    new_workbook,
    save_workbook,
    sheet_title,
    table_header,
    table_print_setup,
    title_rows,
    write_cell,
)

TITLE_PREFIX = "湘潭市产业强市“千百十”工程"
MEASURE_COLUMNS = (("新交办", "assigned"), ("办结", "completed"), ("其中按时办结", "completed_on_time"),
                   ("其中逾期办结", "completed_late"), ("逾期未办结", "overdue"))
SECTION = Font(name=TITLE_FONT_NAME, size=11, bold=True)
BOLD = Font(name=FONT_NAME, size=10.5, bold=True)


def _title(a):
    return f"{TITLE_PREFIX}{a['label']}分析"


def _subtitle(a):
    text = f"统计期：{a['start']} 至 {a['end']}　评价日：{a['evaluated_on']}"
    if not a["closed"]:
        text += "（本月尚未结束，为截至评价日的数据）"
    if a.get("provisional"):
        text += "　亮灯所用节假日安排尚未公布，按周末和法定节日推定"
    return text


def _cell(ws, row, column, value, *, bold=False, centre=False):
    return write_cell(ws, row, column, "—" if value is None else value, font=BOLD if bold else BODY,
                      alignment=WRAP_CENTER if centre or not isinstance(value, str) else WRAP_TOP, border=BORDER)


def _table(ws, a, labels, widths, rows):
    """Title, header and one line per row of values; returns the last row written."""
    title_rows(ws, _title(a), _subtitle(a), len(labels))
    table_header(ws, labels, widths)
    row_no = TABLE_HEADER_ROW
    for values in rows:
        row_no += 1
        for column, value in enumerate(values, start=1):
            _cell(ws, row_no, column, value, bold=values is rows[-1] and values[0] == "合计")
    if not rows:
        row_no += 1
        merge_cells(ws, row_no, 1, len(labels), "本月无数据。", font=BODY, alignment=LEFT_WRAP)
    table_print_setup(ws, len(labels), row_no)
    return row_no


def _measures(row):
    return [row[key] for _, key in MEASURE_COLUMNS] + [row["on_time_rate"]]


def _signed(value):
    return f"+{value}" if value > 0 else str(value)


def _summary(wb, a, used):
    ws = wb.create_sheet(sheet_title("概况", used))
    labels, widths = ["项目", "本月", f"上月（{a['previous']['label']}）", "增减"], [22, 14, 20, 12]
    previous, change = a["previous"], a["change"]
    rows = [
        ["新交办", a["totals"]["assigned"], previous["assigned"], _signed(change["assigned"])],
        ["办结", a["totals"]["completed"], previous["completed"], _signed(change["completed"])],
        ["其中按时办结", a["totals"]["completed_on_time"], None, None],
        ["其中逾期办结", a["totals"]["completed_late"], None, None],
        ["逾期未办结", a["totals"]["overdue"], previous["overdue"], _signed(change["overdue"])],
        ["按时办结率", a["totals"]["on_time_rate"], None, None],
    ]
    row_no = _table(ws, a, labels, widths, rows)
    row_no += 2
    write_cell(ws, row_no, 1, f"评价日（{a['evaluated_on']}）亮灯", font=SECTION)
    for light in a["lights"]:
        row_no += 1
        _cell(ws, row_no, 1, light["label"])
        _cell(ws, row_no, 2, light["count"])
    row_no += 2
    write_cell(ws, row_no, 1, "近十二个月走势", font=SECTION)
    row_no += 1
    for column, label in enumerate(("月份", "新交办", "办结", "逾期未办结"), start=1):
        write_cell(ws, row_no, column, label, font=BOLD, alignment=WRAP_CENTER, border=BORDER, fill=HEADER_FILL)
    for point in a["trend"]:
        row_no += 1
        for column, value in enumerate((point["key"], point["assigned"], point["completed"], point["overdue"]),
                                       start=1):
            _cell(ws, row_no, column, value, centre=True)
    table_print_setup(ws, len(labels), row_no)


def analysis_workbook(a: dict) -> bytes:
    """The .xlsx bytes of an analysis dict."""
    wb = new_workbook(_title(a))
    used = set()
    _summary(wb, a, used)

    measure_labels = [label for label, _ in MEASURE_COLUMNS] + ["按时办结率"]
    measure_widths = [10] * len(MEASURE_COLUMNS) + [11]

    rows = [[n, r["group_label"], r["short_name"], *_measures(r)] for n, r in enumerate(a["by_unit"], start=1)]
    if rows:
        rows.append(["合计", None, None, *_measures(a["totals"])])
    _table(wb.create_sheet(sheet_title("按单位", used)), a, ["序号", "考评组", "单位", *measure_labels],
           [6, 18, 22, *measure_widths], rows)

    rows = [[n, r["label"], *_measures(r)] for n, r in enumerate(a["by_group"], start=1)]
    rows.append(["合计", None, *_measures(a["totals"])])
    _table(wb.create_sheet(sheet_title("按分组", used)), a, ["序号", "考评组", *measure_labels],
           [6, 22, *measure_widths], rows)

    rows = [[n, r["code"], r["name"], *_measures(r)] for n, r in enumerate(a["by_plan"], start=1)]
    rows.append(["合计", None, None, *_measures(a["totals"])])
    _table(wb.create_sheet(sheet_title("按计划", used)), a, ["序号", "编号", "计划举措", *measure_labels],
           [6, 8, 34, *measure_widths], rows)

    rows = [[r["rank"], r["short_name"], r["group_label"], r["red"], r["assigned"]] for r in a["red_units"]]
    _table(wb.create_sheet(sheet_title("红灯单位", used)), a,
           ["名次", "单位", "考评组", f"红灯事项（{a['evaluated_on']}）", "本月新交办"], [7, 24, 20, 18, 12], rows)

    c = a["compliance"]
    labels = ["会议", "应开", "按时记录", "逾期记录", "缺记录", "未到期", "记录率"]

    def line(label, x):
        return [label, x["expected"], x["recorded"], x["late"], x["missing"], x["pending"], x["rate"]]

    rows = [line(x["label"], x) for x in c["by_type"]] + [line("合计", c["total"])]
    _table(wb.create_sheet(sheet_title("会议落实", used)), a, labels, [14, 9, 10, 10, 10, 10, 10], rows)

    if "indicators" in a:
        rows = [[r["code"], r["text"], r["unit_label"] or None, r["actual"], r["target"],
                 None if r["share"] is None else f"{r['share']}%", f"{r['expected']}%", r["light_label"],
                 f"{r['source']}（{r['whose']}）"] for r in a["indicators"]]
        _table(wb.create_sheet(sheet_title("指标完成", used)), a,
               ["编号", "指标", "计量单位", "实际", "目标", "完成", "应达进度", "亮灯", "来源"],
               [8, 40, 9, 11, 11, 9, 9, 11, 24], rows)
    return save_workbook(wb)
