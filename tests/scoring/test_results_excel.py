"""The Excel exports of the result pages, downloaded through HTTP and read back with openpyxl: the published-table
layout (title, one sheet per group, header with maxima, rows in rank order, 注 lines), scores as numbers, every
text cell text (never a formula), and the finalized snapshot exported unchanged."""

import io
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.scoring.models import ScoreEntry
from app.scoring.services import reopen_quarter
from app.scoring.year_rules import ensure_year_rules
from tests.factories import account
from tests.factories import unit as unit_named
from tests.scoring.test_results_views import QUARTER_URL, YEAR, build_quarter, fill_entries
from tests.scoring.test_services import approve

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEETS = ["县市区组", "一类园区组", "二类园区组", "市直·产业推进单位", "市直·服务保障单位"]
GROUP_SIZES = [5, 4, 4, 20, 26]
QUARTER_TITLE = "湘潭市产业强市“千百十”工程 2026年第一季度考评结果"
FIRST_ROW = 4  # title, group and status line, header


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == XLSX
    return load_workbook(io.BytesIO(response.data)), response


def values(ws, row):
    return [ws.cell(row=row, column=c).value for c in range(1, ws.max_column + 1)]


def data_rows(ws, count):
    return [values(ws, row) for row in range(FIRST_ROW, FIRST_ROW + count)]


def notes(ws, count):
    return [ws.cell(row=row, column=1).value for row in range(FIRST_ROW + count, ws.max_row + 1)]


def number(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


def assert_no_formula(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def test_quarter_export_is_the_published_table_one_sheet_per_group(client, login_as, clock):
    build_quarter(clock)
    login_as("admin")

    wb, response = download(client, f"{QUARTER_URL}.xlsx")

    assert "attachment" in response.headers["Content-Disposition"]
    assert wb.sheetnames == SHEETS
    ws = wb["县市区组"]
    assert ws["A1"].value == QUARTER_TITLE
    assert ws["A2"].value.startswith("考评组：县市区组（5家）") and "录入中（暂定）" in ws["A2"].value
    assert values(ws, 3) == ["序号", "单位", "市工信局\n（25分）", "市发改委\n（15～20分）", "市科技局\n（10～15分）",
                             "市商务局\n（10分）", "市市场监管局\n（5分）", "市经研金融办\n（5分）",
                             "市文旅广体局\n（5～15分）", "千百十办\n（15分）", "季度得分\n（100分）", "最终得分",
                             "排名", "备注"]
    rows = data_rows(ws, 5)
    assert [r[1] for r in rows] == ["湘乡市人民政府", "韶山市人民政府", "雨湖区人民政府", "岳塘区人民政府",
                                    "湘潭县人民政府"]  # in rank order
    county = rows[-1]
    assert county[0] == 5 and [number(v) for v in county[2:12]] == [
        Decimal(v) for v in ("25", "20", "15", "10", "5", "5", "5", "10", "95", "95")]
    assert county[12] == 5 and county[13] == "本组末位（须在季度讲评会上作出说明）"
    assert ws.cell(row=FIRST_ROW + 4, column=11).number_format == "0.00"
    lines = notes(ws, 5)
    assert lines[0] == "注：1. 市发改委满分：湘潭县、湘乡市、雨湖区、岳塘区20分，韶山市15分"
    assert any("状态：录入中：截至 2026-03-10 计算的暂定结果" in line for line in lines)
    assert any("市发改委最终得分 = 市发改委季度得分 × 85% + 国网湘潭供电公司季度得分 × 15%" in line for line in lines)

    for name, size in zip(SHEETS, GROUP_SIZES, strict=True):
        sheet = wb[name]
        assert sheet.cell(row=FIRST_ROW + size, column=1).value.startswith("注："), name
        assert isinstance(sheet.cell(row=FIRST_ROW + size - 1, column=1).value, int), name
    promotion = {r[1]: r for r in data_rows(wb["市直·产业推进单位"], 20)}
    assert number(promotion["市发改委"][5]) == Decimal("98.50")
    assert promotion["市发改委"][7] == "含国网湘潭供电公司15%\n本组末位（须在季度讲评会上作出说明）"  # 98.50 < 100
    park1 = {r[1]: r for r in data_rows(wb["一类园区组"], 4)}
    assert park1["湘潭综保区管委会"][2] == "—"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$3"
    assert_no_formula(wb)


def test_quarter_export_types_formats_and_print_setup(client, login_as, clock):
    build_quarter(clock)
    login_as("admin")

    wb, _ = download(client, f"{QUARTER_URL}.xlsx")

    assert wb.properties.title == QUARTER_TITLE
    assert wb.properties.creator == "湘潭市产业强市“千百十”工程督考系统"
    ws = wb["县市区组"]
    title = ws["A1"]
    assert title.font.name == "黑体" and title.font.b and title.font.sz == 16 and "A1:N1" in ws.merged_cells
    assert "A2:N2" in ws.merged_cells and ws["A2"].alignment.wrap_text
    for cell in ws[3]:
        assert cell.font.b and cell.fill.fgColor.rgb.endswith("D9D9D9") and cell.border.left.style == "thin"
        assert cell.alignment.wrap_text and cell.alignment.horizontal == "center"
    assert ws.row_dimensions[3].height >= 30  # two-line headers (name, maximum)
    last = FIRST_ROW + 4
    scores = [ws.cell(row=last, column=c) for c in range(3, 13)]
    assert all(c.data_type == "n" and c.number_format == "0.00" and c.alignment.horizontal == "right"
               for c in scores)
    assert scores[-1].font.b and not scores[-2].font.b  # 最终得分 bold, 季度得分 not
    assert ws.cell(row=last, column=1).data_type == "n" and ws.cell(row=last, column=13).data_type == "n"
    assert ws.cell(row=last, column=14).alignment.wrap_text
    note = ws.cell(row=last + 1, column=1)
    assert note.value.startswith("注：") and f"A{last + 1}:N{last + 1}" in ws.merged_cells
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and (ws.page_setup.fitToWidth or 1) == 1
    assert ws.page_setup.fitToHeight == 0 and ws.freeze_panes == "C4"
    assert ws.print_area.replace("$", "").endswith(f"A1:N{ws.max_row}")
    margins = ws.page_margins
    assert (margins.left, margins.top) == (0.4, 0.6) and ws.print_options.horizontalCentered
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_incomplete_units_are_marked_in_the_export(client, login_as, clock):
    build_quarter(clock, skip={("湘乡市人民政府", "ndrc")})
    login_as("guancha")

    wb, _ = download(client, f"{QUARTER_URL}.xlsx")

    rows = {r[1]: r for r in data_rows(wb["县市区组"], 5)}
    assert rows["湘乡市人民政府"][3] == "未录入"
    assert "未录入完整（缺市发改委）" in rows["湘乡市人民政府"][13]
    assert any("1 个单位得分未录入完整，缺项按 0 分计" in line for line in notes(wb["县市区组"], 5))


def test_finalized_export_keeps_the_snapshot_and_formula_like_text_stays_text(client, login_as, clock):
    build_quarter(clock)
    admin = account("admin")
    ensure_year_rules(admin, YEAR)
    clock.set(datetime(2026, 4, 2, 10, 0))
    approve(admin, YEAR, 1, date(2026, 4, 1))
    entry = db.session.scalar(sa.select(ScoreEntry).where(ScoreEntry.unit_id == unit_named("湘乡市人民政府").id,
                                                          ScoreEntry.assessor == "miit", ScoreEntry.quarter == 1))
    entry.value = Decimal(1)
    county = unit_named("湘潭县人民政府")
    county.name = "=HYPERLINK(\"http://evil.example\",\"点我\")"
    db.session.flush()
    login_as("admin")

    wb, _ = download(client, f"{QUARTER_URL}.xlsx")

    ws = wb["县市区组"]
    assert "已审定" in ws["A2"].value
    rows = data_rows(ws, 5)
    assert rows[0][1] == "湘乡市人民政府" and number(rows[0][10]) == Decimal("99.00")  # the snapshot
    # the snapshot keeps the name as it was; a live export with the odd name writes it as text
    assert rows[-1][1] == "湘潭县人民政府"
    reopen_quarter(admin, YEAR, 1, "=1+1 更正")
    db.session.flush()
    wb, _ = download(client, f"{QUARTER_URL}.xlsx")
    ws = wb["县市区组"]
    cell = next(c for row in ws.iter_rows(min_row=FIRST_ROW, max_row=FIRST_ROW + 4) for c in row
                if c.value == county.name)
    assert cell.data_type == "s" and cell.quotePrefix
    assert any("理由：=1+1 更正" in line for line in notes(ws, 5))
    assert_no_formula(wb)


def test_year_export_has_quarters_annual_rank_points_grades_and_flags(client, login_as, clock):
    build_quarter(clock)
    for q in (2, 3, 4):
        fill_entries(quarter=q)
    clock.set(datetime(2027, 1, 10, 9, 0))
    login_as("fushizhang")

    wb, _ = download(client, f"/scoring/{YEAR}.xlsx")

    assert wb.sheetnames == SHEETS
    ws = wb["县市区组"]
    assert ws["A1"].value == "湘潭市产业强市“千百十”工程 2026年度考评结果"
    assert "暂定结果" in ws["A2"].value
    assert values(ws, 3) == ["序号", "单位", "一季度", "二季度", "三季度", "四季度", "年度得分", "排名", "名次得分",
                             "政策兑现率", "扣分", "千百十工程得分\n（满分15分）", "备注"]
    first = data_rows(ws, 5)[0]
    assert first[1] == "湘潭县人民政府"
    assert [number(v) for v in first[2:7]] == [Decimal(v) for v in ("95", "100", "100", "100", "99.25")]
    assert first[7] == 1 and number(first[8]) == Decimal(15) and first[9] == "未录入" and first[10] == "—"
    assert number(first[11]) == Decimal(15) and first[12] == "真抓实干督查奖励对象"
    support = wb["市直·服务保障单位"]
    assert values(support, 3)[7:10] == ["排名", "等次", "等次得分\n（满分10分）"]
    rows = {r[1]: r for r in data_rows(support, 26)}
    assert rows["国网湘潭供电公司"][8] == "合格" and number(rows["国网湘潭供电公司"][9]) == Decimal(8)
    assert "年度考评结果报上级公司" in rows["国网湘潭供电公司"][10]
    assert any("服务保障单位年度得分 = 一季度×15% + 二季度×25% + 三季度×30% + 四季度×30%" in line
               for line in notes(support, 26))
    assert_no_formula(wb)


def test_exports_are_for_the_office_leaders_and_observers_only(client, login_as, clock):
    login_as("xtx")
    assert client.get(f"{QUARTER_URL}.xlsx").status_code == 403
    assert client.get(f"/scoring/{YEAR}.xlsx").status_code == 403
