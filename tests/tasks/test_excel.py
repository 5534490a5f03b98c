"""Excel for tasks: the 旬调度清单 export read back with openpyxl, formula-like text staying text, the import
template parsing back, every class of import error with its Chinese message, and the all-or-nothing import."""

import io
import zipfile
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from app.core.errors import PermissionDenied
from app.core.periods import Xun
from app.extensions import db
from app.org.models import Person, Plan
from app.tasks import services
from app.tasks.dispatch_queries import dispatch_list
from app.tasks.excel import (
    MAX_IMPORT_ROWS,
    STALE_LABEL,
    UNREADABLE,
    TaskImportError,
    dispatch_workbook,
    import_lookups,
    import_tasks,
    parse_task_workbook,
    task_list_template,
)
from app.tasks.models import Light, Task, TaskPriority, TaskSource
from tests.factories import unit

TODAY = date(2026, 3, 10)
HEADER = ["事项名称*", "具体内容", "来源", "计划举措编号", "牵头单位*", "配合单位", "完成时限*", "优先级"]


def task_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Task))


def assign(admin, title, lead, co=(), due=date(2026, 3, 31), today=TODAY, priority=TaskPriority.normal):
    return services.assign_task(admin, title=title, lead_unit=unit(lead), co_units=[unit(n) for n in co],
                                due_on=due, today=today, priority=priority)


def xlsx(rows, header=HEADER):
    wb = Workbook()
    ws = wb.active
    if header is not None:
        ws.append(header)
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(title="推进项目开工", lead="市工信局", due="2026-06-30", content="", source="", plan="", co="", priority=""):
    return [title, content, source, plan, lead, co, due, priority]


def parse(data, today=TODAY):
    units, plans = import_lookups()
    return parse_task_workbook(data, units, plans, today)


def import_errors(data, today=TODAY):
    before = task_count()
    with pytest.raises(TaskImportError) as caught:
        parse(data, today)
    assert task_count() == before
    return caught.value.messages


def reopen(data):
    return load_workbook(io.BytesIO(data))


def fit_to_width(ws):
    """Pages across when fitted to the page: an absent fitToWidth means 1, the file format's default."""
    return ws.page_setup.fitToWidth or 1


# --- the 旬调度清单 -------------------------------------------------------------------------------------------

@pytest.fixture
def dispatch(clock, user):
    """Two tasks of 市科技局 (one green with follow-ups from the lead and the co-unit, one overdue and never
    reported) and one of 市市场监管局, all in the portfolio of vice mayor 杨晓军."""
    admin, kjj, gxj = user("admin"), user("kjj"), user("gxj")
    green = assign(admin, "-加快科技创新平台建设", "市科技局", co=("市工信局",), due=date(2026, 3, 31))
    services.accept_task(kjj, green)
    services.record_follow_up(kjj, green, '=HYPERLINK("http://example.com","点击")', 40, TODAY)
    services.record_follow_up(gxj, green, "配合完成企业调研", 20, TODAY)
    red = assign(admin, "完成高新技术企业认定申报", "市科技局", due=date(2026, 3, 5), today=date(2026, 2, 10),
                 priority=TaskPriority.key)
    other = assign(admin, "推进质量强市建设", "市市场监管局", due=date(2026, 4, 30))
    person = db.session.scalar(sa.select(Person).where(Person.name == "杨晓军"))
    dl = dispatch_list(person, Xun.of(TODAY), TODAY)
    return dl, green, red, other


def _rows(ws):
    return [[cell.value for cell in cells] for cells in ws.iter_rows(min_row=1, max_col=7)]


def test_dispatch_workbook_has_title_date_header_group_rows_and_task_rows(dispatch):
    dl, green, red, other = dispatch
    ws = reopen(dispatch_workbook(dl)).active
    merged = {str(r) for r in ws.merged_cells.ranges}

    assert ws["A1"].value == dl.title == "副市长杨晓军 2026年3月上旬调度清单"
    assert "A1:G1" in merged and "A2:G2" in merged
    assert ws["A2"].value.startswith("截至 2026年3月10日")
    assert ("待确认" in ws["A2"].value) == dl.provisional
    assert [c.value for c in ws[3]] == ["序号", "事项", "牵头单位", "配合单位", "时限", "最新进展", "状态"]

    rows = _rows(ws)
    assert rows[3][0] == "市科技局（2项）" and "A4:G4" in merged
    by_title = {r[1]: r for r in rows if isinstance(r[0], int)}
    assert [r[0] for r in rows if isinstance(r[0], int)] == [1, 2, 3]
    red_row = by_title["【重点】完成高新技术企业认定申报"]
    green_row = by_title["-加快科技创新平台建设"]
    assert rows.index(red_row) == 4 and rows.index(green_row) == 5  # by due date within the unit
    group = next(i for i, r in enumerate(rows) if r[0] == "市市场监管局（1项）")
    assert rows[group + 1][1] == "推进质量强市建设" and rows[group + 1][2] == "市市场监管局"

    assert green_row[2:5] == ["市科技局", "市工信局", datetime(2026, 3, 31)]
    assert green_row[5] == ('=HYPERLINK("http://example.com","点击")（3月10日，进度40%）\n'
                            "市工信局：配合完成企业调研（3月10日）")
    assert green_row[6] == "绿灯"
    red_dispatch_row = next(r for r in dl.rows if r.task.id == red.id)
    assert red_dispatch_row.light is Light.red and red_dispatch_row.days_overdue > 0 and red_dispatch_row.stale
    assert red_row[5] == "（牵头单位暂无反馈）"
    assert red_row[6] == f"红灯\n逾期{red_dispatch_row.days_overdue}个工作日\n{STALE_LABEL}"
    assert rows[-1][0] == "合计 3 项：红灯1项、绿灯2项"


def test_dispatch_workbook_keeps_formula_like_titles_and_progress_as_text(dispatch):
    dl, *_ = dispatch
    ws = reopen(dispatch_workbook(dl)).active
    cells = {c.value: c for r in ws.iter_rows() for c in r if isinstance(c.value, str)}
    title = cells["-加快科技创新平台建设"]
    progress = next(c for v, c in cells.items() if v.startswith("=HYPERLINK"))
    for cell in (title, progress):
        assert cell.data_type == "s" and cell.quotePrefix
    assert not any(c.data_type == "f" for r in ws.iter_rows() for c in r)


def test_dispatch_workbook_prints_a4_landscape_fit_to_width_with_repeated_header(dispatch):
    dl, *_ = dispatch
    ws = reopen(dispatch_workbook(dl)).active
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert fit_to_width(ws) == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows.replace("$", "") == "1:3"
    assert ws.freeze_panes == "A4"
    assert ws["F4"].font.name == "宋体" or ws["F5"].font.name == "宋体"
    assert ws["F6"].alignment.wrap_text and ws["F6"].border.left.style == "thin"
    assert ws.column_dimensions["F"].width > ws.column_dimensions["A"].width


def test_dispatch_workbook_formats_header_groups_lights_dates_and_heights(dispatch):
    dl, green, red, other = dispatch
    ws = reopen(dispatch_workbook(dl)).active
    rows = {ws.cell(r, 2).value: r for r in range(1, ws.max_row + 1)}
    red_row, green_row = rows["【重点】完成高新技术企业认定申报"], rows["-加快科技创新平台建设"]
    title = ws["A1"]
    assert title.font.name == "黑体" and title.font.b and title.font.sz == 16 and title.alignment.horizontal == "center"
    assert ws["A2"].alignment.horizontal == "right"
    for cell in ws[3]:
        assert cell.font.b and cell.font.name == "黑体" and cell.fill.fgColor.rgb.endswith("D9D9D9")
        assert cell.alignment.wrap_text and cell.border.bottom.style == "thin"
    group = ws["A4"]
    assert group.font.b and group.fill.fgColor.rgb.endswith("F2F2F2") and group.border.top.style == "thin"
    for row, colour in ((red_row, "FFC7CE"), (green_row, "C6EFCE")):
        status = ws.cell(row, 7)
        assert status.fill.fill_type == "solid" and status.fill.fgColor.rgb.endswith(colour)
        assert ws.cell(row, 6).fill.fill_type is None  # only the status column is coloured
        number, due = ws.cell(row, 1), ws.cell(row, 5)
        assert isinstance(number.value, int) and number.data_type == "n"
        assert due.is_date and due.number_format == "yyyy-mm-dd" and due.alignment.horizontal == "center"
        assert ws.cell(row, 6).alignment.wrap_text and ws.cell(row, 6).alignment.vertical == "top"
        assert ws.cell(row, 2).font.name == "宋体" and not ws.cell(row, 2).font.b
    other_row = rows["推进质量强市建设"]
    assert ws.cell(other_row, 7).fill.fgColor.rgb.endswith("C6EFCE")
    # the two-line progress of the green task makes its row taller than a one-line row; header rows fixed
    heights = ws.row_dimensions
    assert heights[green_row].height > heights[other_row].height >= 20
    assert heights[1].height == pytest.approx(32, abs=0.75) and heights[3].height == pytest.approx(24, abs=0.75)
    last = ws.max_row
    assert ws.cell(last, 1).value.startswith("合计") and f"A{last}:G{last}" in {str(r) for r in ws.merged_cells}
    assert ws.print_area.replace("$", "").endswith(f"A1:G{last}")
    assert ws.print_options.horizontalCentered
    margins = ws.page_margins
    assert (margins.left, margins.right, margins.top, margins.bottom) == (0.4, 0.4, 0.6, 0.6)
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    widths = [ws.column_dimensions[letter].width for letter in "ABCDEFG"]
    assert widths.index(max(widths)) == 5 and widths.index(min(widths)) == 0  # 最新进展 widest, 序号 narrowest
    assert not any(c.data_type == "f" for r in ws.iter_rows() for c in r)


def test_dispatch_workbook_of_an_empty_portfolio_says_so(clock):
    person = db.session.scalar(sa.select(Person).where(Person.name == "傅军"))
    ws = reopen(dispatch_workbook(dispatch_list(person, Xun.of(TODAY), TODAY))).active
    assert ws["A1"].value == "副市长傅军 2026年3月上旬调度清单"
    assert ws["A4"].value == "本旬无调度事项。"


# --- the template -------------------------------------------------------------------------------------------

def test_template_has_header_example_and_help_sheet_and_parses_back_to_the_example(clock):
    data = task_list_template(TODAY)
    wb = reopen(data)
    ws = wb["交办事项"]
    assert [c.value for c in ws[1]] == HEADER
    help_text = [c.value for r in wb["说明"].iter_rows() for c in r if c.value]
    assert "市工信局" in help_text and "湘潭高新区管委会" in help_text
    assert any("计划举措、会议决定、领导批示、考核说明、其他" in t for t in help_text)
    assert any("、" in t and "，" in t for t in help_text if t.startswith("选填，可填多个"))

    [draft] = parse(data)
    assert draft.row == 2
    assert draft.title == ws["A2"].value
    assert draft.lead_unit.name == "市工信局"
    assert draft.source is TaskSource.plan and draft.plan.code == "P1"
    assert draft.priority is TaskPriority.key
    assert draft.due_on == date(2026, 12, 31)
    assert len(draft.co_units) == 2 and all(u.name != "市工信局" for u in draft.co_units)


def test_template_example_row_imports_as_a_task(user, clock):
    before = task_count()
    [task] = import_tasks(user("admin"), parse(task_list_template(TODAY)), TODAY)
    assert task_count() == before + 1
    assert task.lead_unit.name == "市工信局" and task.assigned_on == TODAY and len(task.co_units) == 2


def test_template_offers_drop_down_lists_frozen_header_and_a_grey_dated_example(clock):
    wb = reopen(task_list_template(TODAY))
    ws = wb["交办事项"]
    assert ws.freeze_panes == "A2"
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("D9D9D9") and c.border.left.style == "thin" for c in ws[1])
    example_due = ws["G2"]
    assert example_due.is_date and example_due.number_format == "yyyy-mm-dd"
    assert ws["A2"].font.color.rgb.endswith("808080") and ws["A2"].alignment.wrap_text
    lists = {str(v.sqref): v for v in ws.data_validations.dataValidation}
    assert set(lists) == {"C2:C2001", "H2:H2001", "E2:E2001"}
    assert lists["C2:C2001"].formula1 == '"计划举措,会议决定,领导批示,考核说明,其他"'
    assert lists["H2:H2001"].formula1 == '"一般,重点"'
    assert lists["E2:E2001"].formula1 == "UnitNames"
    assert all(v.type == "list" and v.allow_blank and v.showErrorMessage for v in lists.values())
    assert lists["E2:E2001"].errorTitle == "牵头单位不正确"
    help_ws = wb["说明"]
    target = wb.defined_names["UnitNames"].attr_text.replace("$", "")
    sheet, cells = target.split("!")
    first, last = cells.split(":")
    assert sheet.strip("'") == "说明"
    names = [help_ws[f"A{row}"].value for row in range(int(first[1:]), int(last[1:]) + 1)]
    assert "市工信局" in names and help_ws[f"A{int(first[1:]) - 1}"].value == "可用的单位名称（全称）"
    assert not any(c.data_type == "f" for r in help_ws.iter_rows() for c in r)


def test_template_filled_in_with_another_program_imports(clock):
    """The template as a user fills it: opened and saved by another program (openpyxl here), the example row
    replaced and a second row added, then imported."""
    wb = reopen(task_list_template(TODAY))
    ws = wb["交办事项"]
    for column, value in enumerate(row(title="甲：改写的示例", due=date(2026, 5, 1), co="市科技局"), start=1):
        ws.cell(2, column, value)
    for column, value in enumerate(row(title="乙", lead="市科技局", due="2026-06-30", source="计划举措", plan="P1",
                                       priority="重点"), start=1):
        ws.cell(3, column, value)
    buffer = io.BytesIO()
    wb.save(buffer)
    first, second = parse(buffer.getvalue())
    assert (first.row, first.title, first.due_on, [u.name for u in first.co_units]) == (
        2, "甲：改写的示例", date(2026, 5, 1), ["市科技局"])
    assert (second.row, second.lead_unit.name, second.plan.code, second.priority) == (
        3, "市科技局", "P1", TaskPriority.key)


# --- parsing: what is accepted ------------------------------------------------------------------------------

def test_import_accepts_date_cells_and_text_dates_lists_of_co_units_and_blank_rows():
    data = xlsx([
        row(title="甲", due=datetime(2026, 4, 1), co="市科技局、市发改委", source="会议决定"),
        [None] * 8,
        row(title="乙", due="2026/4/2", co="市科技局，市工信局", lead="  市工信局 ", priority="重点"),
        row(title="丙", due="2026-04-03", source="计划举措", plan="p2"),
        row(title="丁", due=date(2026, 3, 10), content="今天到期也可以"),
    ])
    drafts = parse(data)
    assert [d.row for d in drafts] == [2, 4, 5, 6]
    assert [d.due_on for d in drafts] == [date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 3), TODAY]
    assert [u.name for u in drafts[0].co_units] == ["市科技局", "市发改委"]
    assert [u.name for u in drafts[1].co_units] == ["市科技局"]  # the lead unit is not its own co-unit
    assert drafts[0].source is TaskSource.meeting and drafts[3].source is TaskSource.free
    assert drafts[1].priority is TaskPriority.key and drafts[0].priority is TaskPriority.normal
    assert drafts[2].plan.code == "P2" and drafts[2].source is TaskSource.plan
    assert drafts[3].content == "今天到期也可以"


def test_import_matches_full_names_ignoring_whitespace_and_full_width_brackets():
    assert unit("市优化营商环境协调事务中心(市优化办)") is not None
    [draft] = parse(xlsx([row(lead="市优化营商环境协调事务中心（市优化办）", co=" 市 科技局 ", source="计划举措",
                              plan="Ｐ１")]))
    assert draft.lead_unit.name == "市优化营商环境协调事务中心(市优化办)"
    assert [u.name for u in draft.co_units] == ["市科技局"] and draft.plan.code == "P1"


def test_import_finds_columns_by_header_in_any_order_below_a_title_row():
    data = xlsx([["交办事项清单"], ["牵头单位", "完成时限", "事项名称"], ["市工信局", "2026-05-01", "调换列序"]],
                header=None)
    [draft] = parse(data)
    assert (draft.title, draft.lead_unit.name, draft.due_on, draft.row) == ("调换列序", "市工信局",
                                                                           date(2026, 5, 1), 3)


# --- parsing: every error, with its message, and nothing written -------------------------------------------

def test_import_refuses_an_unknown_unit_naming_row_and_column():
    messages = import_errors(xlsx([row(), row(lead="市工信厅")]))
    assert messages == ["第3行“牵头单位”列：找不到单位“市工信厅”，请使用单位全称（见“说明”工作表）"]


def test_import_refuses_short_names_only_full_names_match():
    assert unit("湘潭高新区管委会").short_name == "湘潭高新区"
    messages = import_errors(xlsx([row(lead="湘潭高新区"), row(co="市科技局、湘潭县")]))
    assert messages == ["第2行“牵头单位”列：找不到单位“湘潭高新区”，请使用单位全称（见“说明”工作表）",
                        "第3行“配合单位”列：找不到单位“湘潭县”，请使用单位全称（见“说明”工作表）"]


def test_import_refuses_an_inactive_unit():
    unit("市科技局").is_active = False
    db.session.flush()
    messages = import_errors(xlsx([row(lead="市科技局"), row(co="市科技局")]))
    assert messages == ["第2行“牵头单位”列：单位“市科技局”已停用，不能交办",
                        "第3行“配合单位”列：单位“市科技局”已停用，不能交办"]


def test_import_refuses_bad_missing_and_past_dates():
    messages = import_errors(xlsx([row(due="2026-13-01"), row(due="下月底"), row(due=None), row(due="2026-03-09"),
                                   row(due=datetime(2025, 12, 31)), row(due=46000)]))
    assert messages == [
        "第2行“完成时限”列：无法识别的日期“2026-13-01”，请填写日期格式的单元格或 2026-12-31 这样的文本",
        "第3行“完成时限”列：无法识别的日期“下月底”，请填写日期格式的单元格或 2026-12-31 这样的文本",
        "第4行“完成时限”列：缺少完成时限，请填写日期，如 2026-12-31",
        "第5行“完成时限”列：2026-03-09 早于今天（2026-03-10），请填写今天或以后的日期",
        "第6行“完成时限”列：2025-12-31 早于今天（2026-03-10），请填写今天或以后的日期",
        "第7行“完成时限”列：无法识别的日期“46000”，请填写日期格式的单元格或 2026-12-31 这样的文本",
    ]


def test_import_refuses_a_missing_or_too_long_title():
    messages = import_errors(xlsx([row(title=None), row(title="项" * 201), row(title="项" * 200)]))
    assert messages == ["第2行“事项名称”列：缺少事项名称，请填写",
                        "第3行“事项名称”列：不能超过 200 个字符（当前 201 个），请精简，详细内容可写在“具体内容”列"]


def test_import_refuses_a_title_with_a_line_break_at_once_naming_row_and_column():
    """Review finding: a title typed with Alt+Enter passed the check and was refused only when importing."""
    assert import_errors(xlsx([row(title="推进重点项目\n建设")])) == [
        "第2行“事项名称”列：不能包含换行符或其他控制字符，请改为一行"]


def test_import_refuses_unknown_source_and_priority():
    messages = import_errors(xlsx([row(source="市长交办"), row(priority="紧急")]))
    assert messages == ["第2行“来源”列：无法识别“市长交办”，请填写 计划举措、会议决定、领导批示、考核说明、其他 之一",
                        "第3行“优先级”列：无法识别“紧急”，请填写 一般 或 重点"]


def test_import_requires_an_existing_plan_code_when_the_source_is_a_plan():
    messages = import_errors(xlsx([row(source="计划举措"), row(source="计划举措", plan="P99")]))
    assert messages[0] == "第2行“计划举措编号”列：来源为“计划举措”时必须填写计划举措编号（如 P1、M2，见“说明”工作表）"
    assert messages[1].startswith("第3行“计划举措编号”列：找不到编号“P99”，可用编号：")
    assert "P1" in messages[1] and "M6" in messages[1]


def test_import_collects_every_error_of_every_row_in_one_pass():
    messages = import_errors(xlsx([row(title=None, lead="不存在的局", due="不是日期", priority="特急"), row(),
                                   row(source="其它")]))
    assert [m[:3] for m in messages] == ["第2行"] * 4 + ["第4行"]
    assert "“事项名称”列" in messages[0] and "“牵头单位”列" in messages[1]
    assert "“完成时限”列" in messages[2] and "“优先级”列" in messages[3]


def test_import_refuses_an_empty_file_an_empty_sheet_and_a_header_without_rows():
    assert import_errors(b"") == ["上传的文件是空的，请选择填写好的模板文件（.xlsx）"]
    assert import_errors(xlsx([], header=None)) == ["文件中没有内容，请在模板的“交办事项”工作表中填写后再上传"]
    assert import_errors(xlsx([[None] * 8, ["  "] * 8])) == ["文件中没有数据行：请从第2行起填写交办事项"]


def test_import_refuses_missing_header_columns():
    header = ["事项名称", "具体内容", "完成时限"]
    assert import_errors(xlsx([["甲", "", "2026-05-01"]], header=header)) == [
        "第1行：表头缺少必填列“牵头单位”，请使用导入模板，不要改动表头"]
    assert import_errors(xlsx([["甲", "市工信局", "2026-05-01"]], header=["标题", "单位", "日期"])) == [
        "第1行：找不到表头（应包含 “事项名称”、“牵头单位”、“完成时限” 等列），请使用导入模板，不要删除或改动表头"]
    assert import_errors(xlsx([row()], header=HEADER + ["牵头单位"])) == [
        "第1行：表头中“牵头单位”列出现了不止一次，请只保留一列"]


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    pytest.param(b"not a spreadsheet at all", id="text"),
    pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, id="old-xls"),
    pytest.param(_zip({"hello.txt": "hi"}), id="zip-without-workbook"),
    pytest.param(_zip({"[Content_Types].xml": "<broken", "xl/workbook.xml": "<<<"}), id="broken-xml"),
])
def test_import_refuses_files_that_are_not_xlsx(data):
    assert import_errors(data) == [UNREADABLE]


def test_import_refuses_a_truncated_xlsx():
    data = xlsx([row()])
    assert import_errors(data[: len(data) // 2]) == [UNREADABLE]


def test_import_refuses_more_than_2000_rows():
    messages = import_errors(xlsx([row(title=f"事项{i}") for i in range(MAX_IMPORT_ROWS + 1)]))
    assert messages == ["数据行超过 2000 行，一次最多导入 2000 个事项，请拆分为多个文件分别导入"]


def test_import_accepts_exactly_2000_rows():
    assert len(parse(xlsx([row(title=f"事项{i}") for i in range(MAX_IMPORT_ROWS)]))) == MAX_IMPORT_ROWS


def test_import_error_summary_limits_a_long_list():
    error = TaskImportError([f"第{i}行：错误" for i in range(2, 32)])
    summary = error.summary(20)
    assert len(summary) == 21 and summary[-1].startswith("……另有 10 处问题")


# --- importing ----------------------------------------------------------------------------------------------

def test_import_tasks_assigns_every_draft(user):
    drafts = parse(xlsx([row(title="甲", co="市科技局"), row(title="乙", lead="市科技局", source="计划举措",
                                                            plan="P1", priority="重点")]))
    before = task_count()
    tasks = import_tasks(user("admin"), drafts, TODAY)
    assert task_count() == before + 2
    assert [t.title for t in tasks] == ["甲", "乙"]
    assert tasks[0].co_units == [unit("市科技局")]
    assert tasks[1].plan == db.session.scalar(sa.select(Plan).where(Plan.code == "P1"))
    assert tasks[1].priority is TaskPriority.key and tasks[1].due_on == date(2026, 6, 30)


def test_import_tasks_is_all_or_nothing_and_names_the_row_the_service_refused(user):
    drafts = parse(xlsx([row(title="甲"), row(title="乙", lead="市科技局")]))
    unit("市科技局").is_active = False  # deactivated between the check and the import
    db.session.flush()
    before = task_count()
    with pytest.raises(TaskImportError) as caught:
        import_tasks(user("admin"), drafts, TODAY)
    assert caught.value.messages == ["第3行：牵头单位“市科技局”已停用，不能交办。"]
    assert task_count() == before
    assert db.session.scalar(sa.select(Task).where(Task.title == "甲")) is None


def test_import_tasks_needs_someone_who_may_assign(user):
    drafts = parse(xlsx([row()]))
    before = task_count()
    with pytest.raises(PermissionDenied):
        import_tasks(user("gxj"), drafts, TODAY)
    assert task_count() == before
