"""The overview's Excel file /tasks/export.xlsx (issue #16, for a 通报), through the real HTTP layer and read back
with openpyxl: the same filters and scope as the page, a title naming the filters and the date, the columns, the
light's fill, print settings, formula-like text kept as text, a cap with a message instead of a huge file or a 500,
and a constant number of statements.

The clock stands at 2026-03-10 09:00: due before 03-10 is red, up to 03-15 yellow, later green.
"""

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.tasks import services
from tests.factories import account, assign_task
from tests.tasks.test_views import bulk_tasks, complete, page, unit_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["序号", "亮灯", "事项", "牵头单位", "配合单位", "时限", "状态", "最新进展", "计划"]
TODAY = date(2026, 3, 10)


def workbook(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data)).active


def task_rows(ws):
    """The task rows (between the header on row 3 and the closing count), as lists of values."""
    return [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=ws.max_row - 1, max_col=9)]


@pytest.fixture
def export_world(clock):
    gxj, kjj, xtx = unit_of("gxj"), unit_of("kjj"), unit_of("xtx")
    tasks = {
        "formula": assign_task("=SUM(A1:A2)*10", gxj, co=[kjj], due="2026-03-05", assigned="2026-02-02"),
        "red_kjj": assign_task("导出科技局逾期", kjj, due="2026-03-02", assigned="2026-02-02"),
        "yellow": assign_task("导出工信局黄灯", gxj, due="2026-03-12"),
        "green": assign_task("导出工信局绿灯", gxj, due="2026-04-30"),
        "county": assign_task("导出县域黄灯", xtx, due="2026-03-13"),
        "done": assign_task("导出已办结", gxj, due="2026-02-20", assigned="2026-02-02"),
    }
    services.accept_task(account("gxj"), tasks["formula"])
    services.record_follow_up(account("gxj"), tasks["formula"], "+已完成调研，待审定", 60, TODAY)
    complete(tasks["done"], "gxj", on="2026-02-19")
    db.session.flush()
    return tasks


def test_export_names_its_filters_and_date_and_lists_the_filtered_tasks_red_first(client, login_as, export_world):
    login_as("admin")
    gxj = unit_of("gxj")
    ws = workbook(client, f"/tasks/export.xlsx?state=open&light=red&unit={gxj.id}")
    assert ws["A1"].value == f"事项清单（在办 · 红灯 · {gxj.short_name}）"
    assert ws["A2"].value == "截至 2026年3月10日，共 1 项"
    assert [c.value for c in ws[3]] == HEADER
    [row] = task_rows(ws)
    assert row[:7] == [1, "红灯", "=SUM(A1:A2)*10", gxj.name, unit_of("kjj").name, row[5], "办理中"]
    assert row[5].date() == date(2026, 3, 5)
    assert row[7] == "+已完成调研，待审定（3月10日，进度60%）"
    assert ws.cell(ws.max_row, 1).value == "合计 1 项：红灯1项"


def test_export_without_filters_is_the_overviews_default_the_open_tasks_red_first(client, login_as, export_world):
    login_as("admin")
    ws = workbook(client, "/tasks/export.xlsx")
    assert ws["A1"].value == "事项清单（在办）"
    titles = [row[2] for row in task_rows(ws)]
    assert titles == ["导出科技局逾期", "=SUM(A1:A2)*10", "导出工信局黄灯", "导出县域黄灯", "导出工信局绿灯"]
    assert [row[1] for row in task_rows(ws)] == ["红灯", "红灯", "黄灯", "黄灯", "绿灯"]
    assert [row[0] for row in task_rows(ws)] == [1, 2, 3, 4, 5]
    assert ws.cell(ws.max_row, 1).value == "合计 5 项：红灯2项、黄灯2项、绿灯1项"
    everything = workbook(client, "/tasks/export.xlsx?state=all")
    assert everything["A1"].value == "事项清单（全部）"
    assert [row[2] for row in task_rows(everything)][-1] == "导出已办结"


def test_export_keeps_formula_like_text_as_text_and_prints_a4_landscape(client, login_as, export_world):
    login_as("admin")
    ws = workbook(client, "/tasks/export.xlsx?q=SUM")
    cells = [c for r in ws.iter_rows(min_row=4) for c in r if isinstance(c.value, str)
             and c.value.startswith(("=", "+"))]
    assert {c.value for c in cells} == {"=SUM(A1:A2)*10", "+已完成调研，待审定（3月10日，进度60%）"}
    for cell in cells:
        assert cell.data_type == "s" and cell.quotePrefix
    assert not any(c.data_type == "f" for r in ws.iter_rows() for c in r)
    # print settings: A4 landscape, fitted to the width, the title rows repeated, frozen under the header
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and (ws.page_setup.fitToWidth or 1) == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows.replace("$", "") == "1:3"
    assert ws.freeze_panes == "A4"
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert ws.print_area.replace("$", "").endswith(f"A1:I{ws.max_row}")
    # formats: the title, the header, the light's fill, the date
    assert ws["A1"].font.name == "黑体" and ws["A1"].font.b and "A1:I1" in {str(r) for r in ws.merged_cells}
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("D9D9D9") for c in ws[3])
    light, due = ws["B4"], ws["F4"]
    assert light.fill.fill_type == "solid" and light.fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["C4"].fill.fill_type is None
    assert due.is_date and due.number_format == "yyyy-mm-dd"
    assert ws["H4"].alignment.wrap_text and ws["C4"].font.name == "宋体"


def test_export_for_an_assessor_holds_only_the_units_it_assesses(client, login_as, export_world):
    login_as("fgw")  # 市发改委 assesses the counties and parks (附件2 六(二))
    ws = workbook(client, "/tasks/export.xlsx?state=all")
    assert [row[2] for row in task_rows(ws)] == ["导出县域黄灯"]
    # a unit it does not assess, asked for by id, adds nothing
    ws = workbook(client, f"/tasks/export.xlsx?unit={unit_of('gxj').id}")
    assert task_rows(ws) == []
    assert ws.cell(ws.max_row, 1).value == "没有符合条件的事项。"
    login_as("xtx")  # a county assesses nobody
    assert client.get("/tasks/export.xlsx").status_code == 403


def test_export_over_the_row_cap_is_refused_with_a_message_not_a_file(client, login_as, export_world, app,
                                                                      monkeypatch):
    monkeypatch.setitem(app.config, "TASK_EXPORT_MAX_ROWS", 4)
    login_as("admin")
    response = client.get("/tasks/export.xlsx?state=open&group=")
    assert response.status_code == 302
    assert re.search(r"/tasks/\?(.*&)?state=open", response.headers["Location"])
    html = page(client, response.headers["Location"])
    assert "符合条件的事项超过 4 项，无法导出为一个 Excel 文件。请增加筛选条件" in html
    assert workbook(client, "/tasks/export.xlsx?light=red")["A2"].value.endswith("共 2 项")  # under the cap


def test_overview_export_link_carries_the_current_filters(client, login_as, export_world):
    login_as("admin")
    html = page(client, f"/tasks/?light=red&unit={unit_of('gxj').id}&q=SUM&page=2")
    href = re.search(r'href="([^"]*/tasks/export\.xlsx[^"]*)"[^>]*>导出 Excel', html).group(1).replace("&amp;", "&")
    assert "light=red" in href and f"unit={unit_of('gxj').id}" in href and "q=SUM" in href
    assert "state=all" in href and "page=" not in href
    default = re.search(r'href="([^"]*/tasks/export\.xlsx[^"]*)"', page(client, "/tasks/")).group(1)
    assert default.endswith("export.xlsx?state=open")


@pytest.mark.parametrize("query", ["state=done", "light=purple", "unit=abc", "due_from=2026-13-45", "plan=-1",
                                   "unit=99999999999999999999999", "q=" + "长" * 500])
def test_export_with_malformed_filters_is_a_file_not_a_500(client, login_as, export_world, query):
    login_as("admin")
    assert workbook(client, f"/tasks/export.xlsx?{query}")["A1"].value.startswith("事项清单（")


def test_export_issues_the_same_number_of_statements_for_few_and_many_tasks(client, login_as, clock, count_queries):
    login_as("admin")

    def measure():
        db.session.expire_all()
        with count_queries() as counter:
            rows = len(task_rows(workbook(client, "/tasks/export.xlsx?state=all")))
        return counter.count, rows

    bulk_tasks(3)
    workbook(client, "/tasks/export.xlsx")  # warms the per-process caches
    few, few_rows = measure()
    bulk_tasks(33, start=3)
    many, many_rows = measure()
    assert few_rows < many_rows
    assert many == few, f"{few} statements for {few_rows} tasks, {many} for {many_rows}"
