"""The yearly targets of a 考评细则 as an Excel sheet through HTTP: download, fill, upload; every bad cell named by
its row and column with nothing saved; files that are not the sheet refused in Chinese."""

import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from app.extensions import db
from app.scoring import criteria
from app.scoring.models import CriteriaTarget
from app.scoring.year_rules import load_year_rules
from tests.factories import account

YEAR = 2026
BOOK = f"/scoring/{YEAR}/criteria/miit"


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


@pytest.fixture
def book():
    started = criteria.start_from_defaults(account("admin"), YEAR, "miit")
    db.session.commit()
    return started


def targets():
    return {(t.indicator.code, t.unit_id): t.value for t in db.session.scalars(sa.select(CriteriaTarget))}


def download(client):
    response = client.get(f"{BOOK}/targets.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def columns(ws):
    return {cell.value: cell.column for cell in ws[3]}


def upload(client, wb, name="目标.xlsx"):
    buffer = io.BytesIO()
    wb.save(buffer)
    return client.post(f"{BOOK}/targets/upload", data={"file": (io.BytesIO(buffer.getvalue()), name)},
                       content_type="multipart/form-data")


def rows_of(ws, code):
    col = columns(ws)
    return [r for r in range(4, ws.max_row + 1) if ws.cell(r, col["指标代码"]).value == code]


def test_the_targets_sheet_round_trips(client, login_as, book):
    login_as("gxj")
    wb = download(client)
    ws = wb["年度目标"]
    col = columns(ws)
    rows = rows_of(ws, "above_scale")
    applies = [u for u, p in load_year_rules(YEAR).unit_profiles.items()
               if p in ("county_a", "shaoshan", "yuetang", "park_a")]
    assert len(rows) == len(applies) and ws.cell(rows[0], col["是否必填"]).value == "必填"
    for number, r in enumerate(rows, start=1):
        ws.cell(r, col["年度目标"]).value = 100 + number + 0.25

    response = upload(client, wb)

    assert response.status_code == 302
    saved = targets()
    assert len(saved) == len(applies) and sorted(saved.values())[0] == Decimal("101.25")
    problems = criteria.book_problems(criteria.book_with_rows(book.id))
    assert not any("规模工业企业培育" in p for p in problems)
    again = download(client)["年度目标"]
    assert again.cell(rows[0], col["年度目标"]).value == 101.25


def test_each_bad_cell_is_named_by_row_and_column_and_nothing_is_saved(client, login_as, book):
    login_as("gxj")
    wb = download(client)
    ws = wb["年度目标"]
    col = columns(ws)
    first, second, third = rows_of(ws, "above_scale")[:3]
    ws.cell(first, col["年度目标"]).value = 50
    ws.cell(second, col["年度目标"]).value = -3
    ws.cell(third, col["年度目标"]).value = "很多"

    response = upload(client, wb)

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"第{second}行“年度目标”列（E列）：" in page and "应大于 0" in page
    assert f"第{third}行“年度目标”列（E列）：" in page and "“很多”不是有效的数值" in page
    assert f"第{first}行" not in page
    assert targets() == {}


def test_a_changed_id_column_is_refused(client, login_as, book):
    login_as("gxj")
    wb = download(client)
    ws = wb["年度目标"]
    row = rows_of(ws, "above_scale")[0]
    ws.cell(row, columns(ws)["单位编号"]).value = "abc"

    response = upload(client, wb)

    assert response.status_code == 400
    assert f"第{row}行：指标代码或单位编号缺失或被改动" in response.get_data(as_text=True)
    assert targets() == {}


def test_files_that_are_not_the_sheet_are_refused_in_chinese(client, login_as, book):
    login_as("gxj")
    other = Workbook()
    other.active.append(["随便", "什么"])

    broken = client.post(f"{BOOK}/targets/upload", data={"file": (io.BytesIO(b"PK\x03\x04broken"), "x.xlsx")},
                         content_type="multipart/form-data")
    headless = upload(client, other)
    nothing = client.post(f"{BOOK}/targets/upload", data={}, content_type="multipart/form-data")

    assert broken.status_code == 400 and "文件无法读取" in broken.get_data(as_text=True)
    assert headless.status_code == 400 and "找不到表头" in headless.get_data(as_text=True)
    assert nothing.status_code == 400 and "请选择要上传的 .xlsx 目标表" in nothing.get_data(as_text=True)
    assert targets() == {}


def test_another_books_sheet_is_refused(client, login_as, book):
    criteria.start_from_defaults(account("admin"), YEAR, "ndrc")
    db.session.commit()
    login_as("admin")
    response = client.get(f"/scoring/{YEAR}/criteria/ndrc/targets.xlsx")
    wb = load_workbook(io.BytesIO(response.data))

    refused = upload(client, wb)

    assert refused.status_code == 400 and "这不是2026年度市工信局的目标表" in refused.get_data(as_text=True)
    assert targets() == {}
