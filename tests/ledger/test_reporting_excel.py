"""Monthly reporting by Excel, through the HTTP layer: the template of a unit and month (its rows prefilled with names,
codes and last month's values, an instructions row, in Chinese) and the filled copy uploaded back, all or nothing,
with one Chinese message per bad row naming its number and column; wrong headers, a bad number, an unknown code,
another unit's row, an oversized file and a file that is not an .xlsx are refused with nothing written."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from app.extensions import db
from app.ledger.models import EnterpriseFigure, ProjectFigure, ReportSubmission
from tests.ledger.test_reporting import COUNTY, OTHER_COUNTY, enterprise, figure, page, project

URL = "/ledger/reporting/enterprise_figures/2026-02"


@pytest.fixture
def prepared(clock, login_as):
    clock.set(datetime(2026, 3, 3, 10, 0))
    own = enterprise(COUNTY, "914303000000000001", "湘潭测试电机有限公司")
    second = enterprise(COUNTY, "914303000000000002", "湘潭测试材料有限公司")
    figure(own, date(2026, 1, 1), revenue=Decimal("500"), output=Decimal("600"), tax=Decimal("20"))
    other = enterprise(OTHER_COUNTY, "914303000000000099", "湘乡其他单位企业")
    login_as("xtx")
    return own, second, other


def download(client, url=URL):
    response = client.get(f"{url}/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data))


def upload(client, wb_or_bytes, url=URL, filename="报送表.xlsx", reason=""):
    if isinstance(wb_or_bytes, bytes):
        data = wb_or_bytes
    else:
        buffer = io.BytesIO()
        wb_or_bytes.save(buffer)
        data = buffer.getvalue()
    return client.post(f"{url}/upload", data={"file": (io.BytesIO(data), filename), "reason": reason},
                       content_type="multipart/form-data")


def rows_of(ws):
    return {ws.cell(row, 2).value: row for row in range(4, ws.max_row + 1) if ws.cell(row, 2).value}


def figures():
    return db.session.scalar(sa.select(sa.func.count()).select_from(EnterpriseFigure)
                             .where(EnterpriseFigure.month == date(2026, 2, 1)))


def test_the_template_has_the_units_rows_last_months_values_and_instructions(client, prepared):
    wb = download(client)
    ws = wb["月度报送"]

    assert "2026年2月" in ws.cell(1, 1).value and "湘潭县" in ws.cell(1, 1).value
    assert ws.cell(2, 1).value.startswith("填写说明")
    assert [ws.cell(3, c).value for c in range(1, 11)] == [
        "序号", "统一社会信用代码", "企业名称", "上月营业收入（万元）", "营业收入（万元）", "上月工业产值（万元）",
        "工业产值（万元）", "上月税收（万元）", "税收（万元）", "说明（更正原因）"]
    rows = rows_of(ws)
    assert set(rows) == {"914303000000000001", "914303000000000002"}  # not the other county's
    row = rows["914303000000000001"]
    assert (ws.cell(row, 3).value, ws.cell(row, 4).value, ws.cell(row, 6).value, ws.cell(row, 8).value) == (
        "湘潭测试电机有限公司", 500, 600, 20)


def test_a_filled_template_is_saved_whole(client, prepared):
    wb = download(client)
    ws = wb["月度报送"]
    rows = rows_of(ws)
    for code, values in (("914303000000000001", (800, 900, 30.5)), ("914303000000000002", (10, None, 1))):
        for column, value in zip((5, 7, 9), values, strict=True):
            ws.cell(rows[code], column).value = value

    response = upload(client, wb)

    assert response.status_code == 302
    saved = {f.enterprise_id: (f.revenue, f.output, f.tax) for f in db.session.scalars(
        sa.select(EnterpriseFigure).where(EnterpriseFigure.month == date(2026, 2, 1)))}
    own, second, _ = prepared
    assert saved == {own.id: (Decimal("800"), Decimal("900"), Decimal("30.5")), second.id: (Decimal("10"), None,
                                                                                            Decimal("1"))}
    [submission] = db.session.scalars(sa.select(ReportSubmission)).all()
    assert submission.rows == 2 and submission.is_late is False


def test_bad_rows_are_each_named_and_nothing_is_written(client, prepared):
    wb = download(client)
    ws = wb["月度报送"]
    rows = rows_of(ws)
    ws.cell(rows["914303000000000001"], 5).value = "一百"  # a bad number
    ws.cell(rows["914303000000000002"], 5).value = -3  # negative
    ws.append([3, "914303000000000077", "不存在的企业", None, 5])  # unknown code
    ws.append([4, "914303000000000099", "湘乡其他单位企业", None, 6])  # another unit's row

    response = upload(client, wb)

    text = page(response)
    assert response.status_code == 422
    assert f"第{ws.max_row - 1}行：统一社会信用代码“914303000000000077”不在台账中" in text
    assert figures() == 0 and db.session.scalar(sa.select(sa.func.count()).select_from(ReportSubmission)) == 0

    # with the unknown code gone, the remaining rows are checked by the service, each named by its row
    ws.delete_rows(ws.max_row - 1)
    response = upload(client, wb)
    text = page(response)
    assert f"第{rows['914303000000000001']}行：营业收入“一百”不是数字" in text
    assert f"第{rows['914303000000000002']}行：营业收入不能为负数" in text
    assert f"第{ws.max_row}行：企业“湘乡其他单位企业”不属于湘潭县人民政府，不能代其他单位报送" in text
    assert figures() == 0


def test_lower_than_last_month_needs_the_reason_column(client, prepared):
    wb = download(client)
    ws = wb["月度报送"]
    row = rows_of(ws)["914303000000000001"]
    ws.cell(row, 5).value = 400

    refused = upload(client, wb)
    assert refused.status_code == 422 and f"第{row}行：营业收入为年初至本月累计数" in page(refused)

    ws.cell(row, 10).value = "统计口径调整"
    assert upload(client, wb).status_code == 302
    saved = db.session.scalar(sa.select(EnterpriseFigure).where(EnterpriseFigure.month == date(2026, 2, 1)))
    assert saved.revenue == Decimal("400") and saved.correction_reason == "统计口径调整"


def test_wrong_headers_are_refused(client, prepared):
    wb = download(client)
    ws = wb["月度报送"]
    ws.cell(3, 5).value = "收入"

    response = upload(client, wb)
    assert response.status_code == 422 and "表头缺少“营业收入（万元）”列" in page(response)

    blank = Workbook()
    blank.active.append(["名称", "金额"])
    blank.active.append(["某企业", 5])
    response = upload(client, blank)
    assert response.status_code == 422 and "找不到表头" in page(response)
    assert figures() == 0


def test_a_file_that_is_not_an_xlsx_is_refused(client, prepared):
    response = upload(client, "企业,营业收入\n甲,5\n".encode(), filename="报送表.csv")
    assert response.status_code == 422 and "文件无法读取" in page(response)

    response = upload(client, b"PK\x03\x04 not really a zip", filename="报送表.xlsx")
    assert response.status_code == 422 and "文件无法读取" in page(response)
    assert figures() == 0


def test_an_oversized_file_is_refused(client, prepared, app, monkeypatch):
    wb = download(client)
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_MB", 0.001)  # about 1 KB: the template is larger

    response = upload(client, wb)
    assert response.status_code == 422 and "文件过大" in page(response)

    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    response = upload(client, wb)
    assert response.status_code == 413 and "文件过大" in page(response)
    assert figures() == 0


def test_a_template_of_another_month_or_unit_is_refused(client, prepared):
    wb = download(client)
    response = upload(client, wb, url="/ledger/reporting/enterprise_figures/2026-01")
    assert response.status_code == 422 and "不能上传到2026年1月" in page(response)


def test_projects_by_excel_check_the_total(client, prepared):
    proj = project(total="1000")
    db.session.commit()  # as a request would have: a refused upload rolls back the request's own work only
    url = "/ledger/reporting/project_figures/2026-02"
    wb = download(client, url)
    ws = wb["月度报送"]
    row = rows_of(ws)["XT-2026-001"]
    assert ws.cell(row, 4).value == 1000  # 总投资
    ws.cell(row, 6).value = 1200

    response = upload(client, wb, url=url)
    assert response.status_code == 422 and f"第{row}行：完成投资累计" in page(response)

    ws.cell(row, 6).value = 300
    ws.cell(row, 8).value = 250
    response = upload(client, wb, url=url)
    assert response.status_code == 302, page(response)[page(response).find("alert-danger"):][:400]
    saved = db.session.scalar(sa.select(ProjectFigure).where(ProjectFigure.project_id == proj.id))
    assert (saved.invested, saved.funds) == (Decimal("300"), Decimal("250"))


def test_chain_scale_and_indicators_by_excel(client, login_as, clock):
    from app.ledger.models import ChainFigure, IndicatorValue
    from app.org.models import Chain, Target
    from tests.factories import unit

    clock.set(datetime(2026, 3, 3, 10, 0))
    login_as("gxj")
    url = "/ledger/reporting/chain_scale/2026-02"
    wb = download(client, url)
    ws = wb["月度报送"]
    rows = rows_of(ws)
    chain = db.session.scalar(sa.select(Chain).where(Chain.leader_unit_id == unit("市工信局").id)
                              .order_by(Chain.sort_order))
    assert chain.name in rows and "高端医疗器械及生物医药" not in rows  # only the chains 市工信局 runs
    ws.cell(rows[chain.name], 5).value = 321.5
    assert upload(client, wb, url=url).status_code == 302
    assert db.session.scalar(sa.select(ChainFigure.scale).where(ChainFigure.chain_id == chain.id)) == Decimal("321.5")

    login_as("fgw")
    url = "/ledger/reporting/indicator/2026-02"
    wb = download(client, url)
    ws = wb["月度报送"]
    target = db.session.scalar(sa.select(Target).where(Target.code == "P2-1"))
    lines = {(ws.cell(r, 2).value, ws.cell(r, 4).value): r for r in range(4, ws.max_row + 1)}
    city, county = lines[("P2-1", "全市")], lines[("P2-1", "湘潭县")]
    ws.cell(county, 7).value = 27
    ws.cell(county, 8).value = "市税务局"
    ws.cell(city, 7).value = 30  # no source
    refused = upload(client, wb, url=url)
    assert refused.status_code == 422 and f"第{city}行：请填写数据来源" in page(refused)

    ws.cell(city, 8).value = "市税务局"
    ws.cell(county, 4).value = "不存在的区"
    refused = upload(client, wb, url=url)
    assert refused.status_code == 422 and f"第{county}行：区域“不存在的区”不是县市区或园区的名称" in page(refused)

    ws.cell(county, 4).value = "湘潭县"
    assert upload(client, wb, url=url).status_code == 302
    values = {v.unit_id: v.value for v in db.session.scalars(sa.select(IndicatorValue)
                                                             .where(IndicatorValue.target_id == target.id))}
    assert values == {None: Decimal("30"), unit(COUNTY).id: Decimal("27")}
