"""The assessors' entry grid as an .xlsx file, read back with openpyxl: scores and ids as numbers with their formats,
the two columns to fill coloured, the id columns hidden, the meta sheet hidden, formula-like notes as text; and a
grid filled in another program (openpyxl) uploads. The page and upload rules are in test_entry_views.py."""

import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.scoring.models import ScoreEntry
from tests.factories import unit

YEAR, QUARTER = 2026, 1
ENTRY = f"/scoring/{YEAR}/q{QUARTER}/entry"
XLSX = f"/scoring/{YEAR}/q{QUARTER}/entry.xlsx"
UPLOAD = f"/scoring/{YEAR}/q{QUARTER}/entry/upload"


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


def download(client):
    response = client.get(XLSX)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def hidden_columns(ws):
    """Column numbers hidden, whether the file gives each column its own <col> element or one range."""
    return {n for d in ws.column_dimensions.values() if d.hidden for n in range(d.min, d.max + 1)}


def test_entry_grid_types_formats_hidden_ids_and_meta(client, login_as):
    login_as("gxj")
    key = f"{unit('湘潭县人民政府').id}:miit:"
    client.post(ENTRY, data={f"score:{key}": "23", f"note:{key}": "+扣分说明"})
    wb = download(client)
    assert wb.sheetnames == ["得分录入", "meta"]
    ws, meta = wb["得分录入"], wb["meta"]
    assert meta.sheet_state == "hidden"
    assert [(r[0], r[1]) for r in meta.iter_rows(values_only=True)] == [
        ("year", 2026), ("quarter", 1), ("enterer", unit("市工信局").id)]
    assert ws["A1"].value.startswith("2026年第1季度") and "A1:F1" in ws.merged_cells and "A2:F2" in ws.merged_cells
    assert ws["A1"].font.name == "黑体" and ws["A1"].font.sz == 14
    assert ws.freeze_panes == "A4"
    assert hidden_columns(ws) == {7, 8, 9}
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("D9D9D9") and c.border.left.style == "thin" for c in ws[3])
    row = next(r for r in ws.iter_rows(min_row=4) if r[1].value == "湘潭县人民政府")
    number, name, _item, maximum, value, note, unit_id, assessor, sub_item = row
    assert (number.value, number.data_type) == (1, "n")
    assert (maximum.value, maximum.number_format) == (25, "0.00") and maximum.data_type == "n"
    assert (value.value, value.number_format) == (23, "0.00") and value.fill.fgColor.rgb.endswith("FFF2CC")
    assert (note.value, note.data_type, note.quotePrefix) == ("+扣分说明", "s", True)
    assert note.fill.fgColor.rgb.endswith("FFF2CC") and note.alignment.wrap_text and name.alignment.wrap_text
    assert maximum.fill.fill_type is None
    assert (unit_id.value, assessor.value, sub_item.value) == (unit("湘潭县人民政府").id, "miit", None)
    assert all(c.font.name == "宋体" and c.font.sz == 11 and c.border.left.style == "thin" for c in row)


def test_entry_grid_filled_in_another_program_uploads(client, login_as):
    login_as("gxj")
    wb = download(client)
    ws = wb["得分录入"]
    row = next(r for r in ws.iter_rows(min_row=4) if r[1].value == "湘乡市人民政府")
    row[4].value = 24.5
    row[5].value = "产业链建设进度滞后"
    buffer = io.BytesIO()
    wb.save(buffer)
    response = client.post(UPLOAD, data={"file": (io.BytesIO(buffer.getvalue()), "录入表.xlsx"),
                                         "upload": "上传并保存"}, content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    entry = db.session.scalar(sa.select(ScoreEntry).where(ScoreEntry.unit_id == unit("湘乡市人民政府").id,
                                                          ScoreEntry.assessor == "miit", ScoreEntry.quarter == 1))
    assert (entry.value, entry.note) == (Decimal("24.50"), "产业链建设进度滞后")
