"""A record as .xlsx: title, meta lines, items with their units and tasks, amendments; the frozen dispatch list and
the quarter's ranks on their own sheets; text that looks like a formula stays text."""

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from app.meetings import labels, services
from app.meetings.services import DecisionInput, RecordInput
from tests.factories import make_task, unit
from tests.meetings.records_helpers import D, dispatch, quarterly, weekly

TODAY = D("2026-03-10")


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


def workbook(client, record_id):
    response = client.get(f"/meetings/records/{record_id}.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    data = response.data
    response.close()
    return response, load_workbook(io.BytesIO(data))


def cells(ws):
    return [c.value for row in ws.iter_rows() for c in row if c.value is not None]


def test_weekly_record_exports_title_meta_items_and_amendments(client, login_as, user):
    record = services.create_record(user("kjj"), weekly(), RecordInput(
        held_on=D("2026-03-09"), place="市科技局会议室", topics="科技创新", minutes="纪要正文",
        unit_ids=[unit("市工信局").id], decisions=[DecisionInput(
            text="建设中试基地", lead_unit_id=unit("市科技局").id, due_on=D("2026-03-31"))]), TODAY)
    services.sign_off(user("kjj"), record)
    services.update_record(user("kjj"), record, {"place": "市政府"}, reason="地点更正")
    login_as("guancha")
    response, wb = workbook(client, record.id)
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    ws = wb["纪要"]
    assert ws["A1"].value == labels.record_title(record.expected)
    values = cells(ws)
    for expected in ("周会商", "市政府", "市工信局", "科技创新", "纪要正文", "会议决定", "建设中试基地", "市科技局",
                     f"#{record.items[0].task_id}"):
        assert any(expected in str(v) for v in values), expected
    assert any("地点更正" in str(v) for v in values) and any("已签发" in str(v) for v in values)
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.page_setup.orientation == "portrait"


def test_formula_like_text_stays_text(client, login_as, user):
    record = services.create_record(user("kjj"), weekly(), RecordInput(
        held_on=D("2026-03-09"), minutes='=HYPERLINK("http://evil.example","点我")', topics="+1+2",
        decisions=[DecisionInput(text="=1+1", lead_unit_id=unit("市科技局").id, due_on=D("2026-03-31"))]), TODAY)
    login_as("kjj")
    _, wb = workbook(client, record.id)
    ws = wb["纪要"]
    risky = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=+"]
    assert {c.value for c in risky} >= {'=HYPERLINK("http://evil.example","点我")', "+1+2", "=1+1"}
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)


def test_dispatch_record_exports_the_frozen_list(client, login_as, user):
    task = make_task("市科技局", title="科技局逾期事项", due="2026-03-05")
    record = services.create_record(user("fushizhang"), dispatch(), RecordInput(
        held_on=TODAY, instructions=[(task.id, "三日内办结")]), TODAY)
    task.title = "会后改名"
    login_as("fushizhang")
    _, wb = workbook(client, record.id)
    assert wb.sheetnames == ["纪要", "调度清单（会议时）"]
    frozen = cells(wb["调度清单（会议时）"])
    assert "科技局逾期事项" in frozen and "会后改名" not in frozen
    assert any("三日内办结" in str(v) for v in cells(wb["纪要"]))


def test_quarterly_record_exports_ranks_per_group(client, login_as, user):
    record = services.create_record(user("shuji"), quarterly(), RecordInput(held_on=TODAY, visits=["某项目"]),
                                    TODAY)
    login_as("admin")
    _, wb = workbook(client, record.id)
    ranks = cells(wb["季度考评结果"])
    assert "县市区组" in ranks and "湘潭县人民政府" in ranks and "末位，须作说明" in ranks


def fit_to_width(ws):
    """Pages across when fitted to the page: an absent fitToWidth means 1, the file format's default."""
    return ws.page_setup.fitToWidth or 1


def test_record_export_types_formats_and_print_setup(client, login_as, user):
    record = services.create_record(user("kjj"), weekly(), RecordInput(
        held_on=D("2026-03-09"), place="市科技局会议室", minutes="纪要第一行\n纪要第二行\n纪要第三行",
        decisions=[DecisionInput(text="建设中试基地", lead_unit_id=unit("市科技局").id, due_on=D("2026-03-31"))]),
        TODAY)
    login_as("kjj")
    _, wb = workbook(client, record.id)
    ws = wb["纪要"]
    assert wb.properties.creator == "湘潭市产业强市“千百十”工程督考系统"
    assert wb.properties.title == labels.record_title(record.expected)
    title = ws["A1"]
    assert title.font.name == "黑体" and title.font.b and title.font.sz == 16 and "A1:G1" in ws.merged_cells
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    held = ws.cell(rows["会议日期"], 3)
    assert held.value == datetime(2026, 3, 9) and held.is_date and held.number_format == "yyyy-mm-dd"
    assert held.alignment.horizontal == "left"
    label = ws.cell(rows["地点"], 1)
    assert label.font.b and label.fill.fgColor.rgb.endswith("D9D9D9") and label.border.left.style == "thin"
    place = rows["地点"]
    assert f"A{place}:B{place}" in ws.merged_cells and f"C{place}:G{place}" in ws.merged_cells
    minutes_row = rows["纪要"]
    assert ws.row_dimensions[minutes_row].height > ws.row_dimensions[place].height  # three lines
    header = rows["序号"]
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("D9D9D9") for c in ws[header])
    item = [c for c in ws[header + 1]]
    assert (item[0].value, item[0].data_type) == (1, "n")
    assert item[4].value == datetime(2026, 3, 31) and item[4].is_date and item[4].number_format == "yyyy-mm-dd"
    assert item[2].alignment.wrap_text and item[2].border.left.style == "thin"
    assert ws.page_setup.orientation == "portrait" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and fit_to_width(ws) == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows.replace("$", "") == "1:1"
    assert ws.print_area.replace("$", "").endswith(f"A1:G{ws.max_row}")
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert not any(c.data_type == "f" for r in ws.iter_rows() for c in r)


def test_dispatch_and_quarter_sheets_print_with_their_headers(client, login_as, user):
    task = make_task("市科技局", title="科技局逾期事项", due="2026-03-05")
    record = services.create_record(user("fushizhang"), dispatch(), RecordInput(
        held_on=TODAY, instructions=[(task.id, "三日内办结")]), TODAY)
    login_as("fushizhang")
    _, wb = workbook(client, record.id)
    ws = wb["调度清单（会议时）"]
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.print_title_rows.replace("$", "") == "1:3"
    assert [c.value for c in ws[3]] == ["序号", "事项", "牵头单位", "配合单位", "时限", "最新进展", "状态"]
    assert "A2:G2" in ws.merged_cells and ws["A2"].alignment.horizontal == "right"
    group = next(r for r in range(4, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("市科技局（"))
    assert ws.cell(group, 1).font.b and f"A{group}:G{group}" in ws.merged_cells
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value == "科技局逾期事项")
    assert ws.cell(row, 1).value == 1 and ws.cell(row, 7).value.startswith("红灯")

    record = services.create_record(user("shuji"), quarterly(), RecordInput(held_on=TODAY, visits=["某项目"]), TODAY)
    login_as("admin")
    _, wb = workbook(client, record.id)
    ws = wb["季度考评结果"]
    assert ws.page_setup.orientation == "portrait" and ws.print_title_rows.replace("$", "") == "1:2"
    assert [c.value for c in ws[2]] == ["组别", "名次", "单位", "得分", "最终得分", "备注"]
    ranks = [ws.cell(r, 2) for r in range(3, ws.max_row + 1)]
    assert ranks and all(c.data_type == "n" and isinstance(c.value, int) for c in ranks)
