"""The assessors' entry grid through HTTP on the real database: who sees which cells, saving, every class of
refused input (Chinese message, 400, nothing written), finalized quarters, the office's view, the Excel round
trip and malformed uploads, and the index page."""

import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from app.auth.models import Role
from app.auth.services import create_user
from app.core.models import AuditEntry
from app.extensions import db
from app.scoring.models import QuarterStatus, ScoreEntry, ScoringQuarter
from app.scoring.year_rules import load_year_rules, save_rules
from tests.factories import unit

YEAR, QUARTER = 2026, 1
ENTRY = f"/scoring/{YEAR}/q{QUARTER}/entry"
XLSX = f"/scoring/{YEAR}/q{QUARTER}/entry.xlsx"
UPLOAD = f"/scoring/{YEAR}/q{QUARTER}/entry/upload"


@pytest.fixture(autouse=True)
def _frozen(clock):
    """Every page here is seen on 10 March 2026 (the clock fixture's day), in the first quarter."""
    return clock


def entry_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(ScoreEntry))


def stored(name, assessor, sub_item=""):
    return db.session.scalar(sa.select(ScoreEntry).where(
        ScoreEntry.year == YEAR, ScoreEntry.quarter == QUARTER, ScoreEntry.unit_id == unit(name).id,
        ScoreEntry.assessor == assessor, ScoreEntry.sub_item == sub_item))


def cell(name, assessor, value, note=None, sub_item=""):
    """The form fields of one grid cell."""
    key = f"{unit(name).id}:{assessor}:{sub_item}"
    fields = {f"score:{key}": value}
    if note is not None:
        fields[f"note:{key}"] = note
    return fields


def grid(*cells):
    data = {}
    for c in cells:
        data.update(c)
    return data


def score_names(html):
    return re.findall(r'name="score:([^"]+)"', html)


def finalize_directly(quarter=QUARTER):
    db.session.add(ScoringQuarter(year=YEAR, quarter=quarter, status=QuarterStatus.finalized))
    db.session.commit()


def save_office_sub_items(admin):
    """City units' 千百十办 component split into the task-computed part, a daily-work part the office enters and
    an approval-service part entered by 市行政审批局."""
    data = load_year_rules(YEAR).to_data()
    for profile in data["rules"]["profiles"]:
        if profile["code"] == "city":
            office = next(c for c in profile["components"] if c["assessor"] == "office")
            office["sub_items"] = [{"code": "tasks", "name": "交办事项落实", "maximum": "50"},
                                   {"code": "daily", "name": "日常工作开展", "maximum": "15"},
                                   {"code": "approval", "name": "产业项目审批服务", "maximum": "5"}]
    data["sub_item_assessors"] = {"office.approval": unit("市行政审批局").id}
    save_rules(admin, YEAR, data, "测试：千百十办细项")
    db.session.commit()


# --- who sees which cells ----------------------------------------------------------------------------------

def test_an_assessor_sees_only_its_own_cells_with_the_maximum(client, login_as):
    login_as("gxj")
    response = client.get(ENTRY)
    assert response.status_code == 200
    names = score_names(response.text)
    assert names and {n.split(":")[1] for n in names} == {"miit"}
    # 市工信局 scores every unit but 湘潭综保区 and 岳塘经开区 (annex 2 四(三))
    assert len(names) == 59 - 2
    assert f"{unit('湘潭综保区管委会').id}:miit:" not in names
    assert f"{unit('市发改委').id}:miit:" in names
    assert "/ 25" in response.text and "/ 30" in response.text
    assert "市工信局" in response.text


def test_the_science_bureau_sees_the_counties_and_parks_it_scores_and_nothing_else(client, login_as):
    login_as("kjj")
    names = score_names(client.get(ENTRY).text)
    assert {n.split(":")[1] for n in names} == {"most"}
    assert len(names) == 5 + 6  # the five counties and the six parks of the 湘潭高新区 row
    assert f"{unit('市发改委').id}:most:" not in names
    assert f"{unit('湘潭综保区管委会').id}:most:" not in names


def test_a_unit_that_assesses_nothing_gets_an_explanation_not_a_grid(client, login_as):
    login_as("xtx")
    response = client.get(ENTRY)
    assert response.status_code == 200
    assert "不负责考评其他单位" in response.text
    assert not score_names(response.text)


@pytest.mark.parametrize("username", ["fushizhang", "guancha"])
def test_leaders_and_observers_cannot_open_or_post_the_grid(client, login_as, username):
    login_as(username)
    assert client.get(ENTRY).status_code == 403
    assert client.post(ENTRY, data=cell("湘潭县人民政府", "miit", "25")).status_code == 403
    assert client.get(XLSX).status_code == 403
    assert entry_count() == 0


def test_an_unknown_quarter_is_not_found(client, login_as):
    login_as("gxj")
    assert client.get(f"/scoring/{YEAR}/q5/entry").status_code == 404
    assert client.get("/scoring/1999/q1/entry").status_code == 404


# --- saving ------------------------------------------------------------------------------------------------

def test_saving_the_grid_writes_the_filled_cells_and_skips_blank_ones(client, login_as):
    login_as("gxj")
    audits = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    response = client.post(ENTRY, data=grid(
        cell("湘潭县人民政府", "miit", "25"), cell("湘乡市人民政府", "miit", "20.5", "专精特新企业培育未达进度"),
        cell("韶山市人民政府", "miit", "", "")))
    assert response.status_code == 302
    assert entry_count() == 2
    assert stored("湘潭县人民政府", "miit").value == Decimal("25.00")
    saved = stored("湘乡市人民政府", "miit")
    assert saved.value == Decimal("20.50") and saved.note == "专精特新企业培育未达进度"
    assert saved.entered_by.username == "gxj"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audits + 2
    page = client.get(ENTRY).text
    assert 'value="20.5"' in page and "已录入 2 / 57 项" in page


def test_saving_the_same_values_again_changes_nothing(client, login_as):
    login_as("gxj")
    data = cell("湘潭县人民政府", "miit", "24", "高技术产业发展情况扣1分")
    client.post(ENTRY, data=data)
    audits = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    response = client.post(ENTRY, data=data, follow_redirects=True)
    assert "得分没有变化" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audits


BAD_VALUES = [
    pytest.param("12.345", "最多保留两位小数", id="three-decimals"),
    pytest.param("-1", "不能为负数", id="negative"),
    pytest.param("25.01", "不能超过满分 25.00 分", id="above-maximum"),
    pytest.param("二十", "不是数字", id="non-numeric"),
    pytest.param("NaN", "不是有效数字", id="not-a-number"),
]


@pytest.mark.parametrize(("value", "message"), BAD_VALUES)
def test_a_bad_score_is_refused_in_chinese_and_nothing_is_written(client, login_as, value, message):
    login_as("gxj")
    response = client.post(ENTRY, data=grid(cell("湘乡市人民政府", "miit", "25"),
                                            cell("湘潭县人民政府", "miit", value, "说明")))
    assert response.status_code == 400
    assert "得分未保存" in response.text and message in response.text
    assert entry_count() == 0  # the good cell beside it is not saved either
    assert f'value="{value}"' in response.text  # what was typed is shown again to be corrected


def test_less_than_full_marks_without_a_note_is_refused(client, login_as):
    login_as("gxj")
    response = client.post(ENTRY, data=cell("湘潭县人民政府", "miit", "20", "  "))
    assert response.status_code == 400
    assert "请填写扣分说明" in response.text
    assert entry_count() == 0


def test_a_cell_of_another_assessor_is_refused(client, login_as):
    login_as("gxj")
    response = client.post(ENTRY, data=cell("湘潭县人民政府", "ndrc", "20"))
    assert response.status_code == 400
    assert "您所在单位不负责湘潭县人民政府的“市发改委”考评" in response.text
    assert entry_count() == 0


def test_a_component_the_unit_does_not_have_is_refused(client, login_as):
    login_as("gxj")
    response = client.post(ENTRY, data=cell("湘潭综保区管委会", "miit", "20", "说明"))
    assert response.status_code == 400
    assert "湘潭综保区管委会的季度得分不含“市工信局”这一项" in response.text
    assert entry_count() == 0


def test_a_unit_that_is_not_assessed_or_a_garbled_cell_is_refused(client, login_as):
    login_as("gxj")
    office = unit("市产业强市“千百十”工程办")
    response = client.post(ENTRY, data={f"score:{office.id}:miit:": "30"})
    assert response.status_code == 400 and "不是考评对象" in response.text
    response = client.post(ENTRY, data={"score:abc:miit:": "30"})
    assert response.status_code == 400 and "无法识别" in response.text
    assert entry_count() == 0


def test_the_task_computed_office_score_cannot_be_typed_in(client, login_as):
    login_as("admin")
    response = client.post(ENTRY, data=cell("市发改委", "office", "70"))
    assert response.status_code == 400
    assert "由系统按交办事项办结情况计算" in response.text
    assert entry_count() == 0


def test_a_finalized_quarter_shows_a_banner_disables_the_grid_and_refuses_entries(client, login_as):
    finalize_directly()
    login_as("gxj")
    page = client.get(ENTRY).text
    assert "本季度已审定" in page
    assert "disabled" in page and 'name="submit"' not in page and "上传并保存" not in page
    response = client.post(ENTRY, data=cell("湘潭县人民政府", "miit", "25"))
    assert response.status_code == 400
    assert "已审定，不能再修改得分" in response.text
    assert entry_count() == 0


# --- the office --------------------------------------------------------------------------------------------

def test_the_office_without_manual_sub_items_sees_the_assessor_selector_only(client, login_as):
    login_as("admin")
    response = client.get(ENTRY)
    assert response.status_code == 200
    assert not score_names(response.text)
    assert "没有需要手工录入的得分" in response.text
    assert "市工信局" in response.text and "市科技局" in response.text  # the selector


def test_the_office_views_an_assessors_grid_read_only(client, login_as):
    login_as("gxj")
    client.post(ENTRY, data=cell("湘潭县人民政府", "miit", "25"))
    login_as("admin")
    response = client.get(ENTRY, query_string={"unit": unit("市工信局").id})
    assert response.status_code == 200
    assert "您正在查看<strong>市工信局</strong>的录入情况（只读" in response.text
    assert len(score_names(response.text)) == 57 and 'value="25"' in response.text
    assert 'name="submit"' not in response.text and "上传并保存" not in response.text
    assert client.get(ENTRY, query_string={"unit": unit("湘潭县人民政府").id}).status_code == 404


def test_staff_cannot_look_at_another_assessors_grid(client, login_as):
    login_as("gxj")
    response = client.get(ENTRY, query_string={"unit": unit("市科技局").id})
    assert {n.split(":")[1] for n in score_names(response.text)} == {"miit"}


def test_the_office_enters_its_manual_sub_items_and_another_unit_enters_its_own(client, login_as, user):
    save_office_sub_items(user("admin"))
    login_as("admin")
    names = score_names(client.get(ENTRY).text)
    assert len(names) == 46 and {n.split(":", 1)[1] for n in names} == {"office:daily"}
    response = client.post(ENTRY, data=grid(cell("市发改委", "office", "15", sub_item="daily"),
                                            cell("市科技局", "office", "14", "季度工作总结迟报", sub_item="daily")))
    assert response.status_code == 302
    assert stored("市科技局", "office", "daily").value == Decimal("14.00")
    refused = client.post(ENTRY, data=cell("市发改委", "office", "5", sub_item="approval"))
    assert refused.status_code == 400 and "您所在单位不负责市发改委的" in refused.text
    create_user(None, "spj", "市行政审批局联络员", "Demo2026qbs-test", Role.staff, unit("市行政审批局"))
    db.session.commit()
    login_as("spj")
    names = score_names(client.get(ENTRY).text)
    assert len(names) == 46 and {n.split(":", 1)[1] for n in names} == {"office:approval"}
    assert client.post(ENTRY, data=cell("市发改委", "office", "5", sub_item="approval")).status_code == 302
    assert stored("市发改委", "office", "approval").value == Decimal("5.00")


# --- Excel -------------------------------------------------------------------------------------------------

def download(client):
    response = client.get(XLSX)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data))


def rows_by_unit(ws):
    header = [c.value for c in ws[3]]
    rows = {}
    for row in ws.iter_rows(min_row=4):
        rows[row[header.index("被考评单位")].value] = {h: c for h, c in zip(header, row, strict=True)}
    return header, rows


def upload(client, wb_or_bytes, name="录入表.xlsx"):
    if isinstance(wb_or_bytes, bytes):
        data = wb_or_bytes
    else:
        buffer = io.BytesIO()
        wb_or_bytes.save(buffer)
        data = buffer.getvalue()
    return client.post(UPLOAD, data={"file": (io.BytesIO(data), name), "upload": "上传并保存"},
                       content_type="multipart/form-data")


def test_the_excel_grid_round_trips_download_fill_upload(client, login_as):
    login_as("gxj")
    client.post(ENTRY, data=cell("湘潭县人民政府", "miit", "23", "=原说明"))
    wb = download(client)
    ws = wb["得分录入"]
    header, rows = rows_by_unit(ws)
    assert len(rows) == 57
    assert header[:6] == ["序号", "被考评单位", "考评项目", "满分", "得分", "扣分说明（未给满分时必填）"]
    assert ws.column_dimensions["G"].hidden and ws.column_dimensions["I"].hidden
    note = rows["湘潭县人民政府"]["扣分说明（未给满分时必填）"]
    assert rows["湘潭县人民政府"]["得分"].value == 23
    assert note.value == "=原说明" and note.data_type == "s"  # formula-like text stays text
    assert rows["市发改委"]["满分"].value == 30
    rows["湘乡市人民政府"]["得分"].value = 24.5
    rows["湘乡市人民政府"]["扣分说明（未给满分时必填）"].value = "产业链建设进度滞后"
    rows["韶山市人民政府"]["得分"].value = "25"
    rows["市发改委"]["得分"].value = 30
    response = upload(client, wb)
    assert response.status_code == 302, response.text
    assert entry_count() == 4
    assert stored("湘乡市人民政府", "miit").value == Decimal("24.50")
    assert stored("湘乡市人民政府", "miit").note == "产业链建设进度滞后"
    assert stored("韶山市人民政府", "miit").value == Decimal("25.00")
    assert stored("湘潭县人民政府", "miit").note == "=原说明"
    _, again = rows_by_unit(download(client)["得分录入"])
    assert again["湘乡市人民政府"]["得分"].value == 24.5


def test_an_upload_with_one_bad_row_saves_nothing(client, login_as):
    login_as("gxj")
    wb = download(client)
    _, rows = rows_by_unit(wb["得分录入"])
    rows["湘乡市人民政府"]["得分"].value = 25
    rows["韶山市人民政府"]["得分"].value = 26  # above the maximum of 25
    rows["雨湖区人民政府"]["得分"].value = 12.345
    response = upload(client, wb)
    assert response.status_code == 400
    assert "整份文件都没有保存" in response.text
    assert "不能超过满分 25.00 分" in response.text and "最多保留两位小数" in response.text
    assert entry_count() == 0


@pytest.mark.parametrize(("content", "message"), [
    pytest.param(b"", "上传的文件是空的", id="empty"),
    pytest.param(b"not a spreadsheet at all", "文件无法读取", id="not-xlsx"),
    pytest.param(b"PK\x03\x04garbage", "文件无法读取", id="broken-zip"),
])
def test_a_malformed_upload_gets_a_chinese_message(client, login_as, content, message):
    login_as("gxj")
    response = upload(client, content)
    assert response.status_code == 400
    assert message in response.text
    assert entry_count() == 0


def test_an_upload_without_a_file_asks_for_one(client, login_as):
    login_as("gxj")
    response = client.post(UPLOAD, data={"upload": "上传并保存"}, content_type="multipart/form-data")
    assert response.status_code == 400 and "请选择要上传的 .xlsx 录入表" in response.text


def test_an_upload_without_the_header_or_the_hidden_columns_is_refused(client, login_as):
    login_as("gxj")
    wb = Workbook()
    wb.active.append(["单位", "分数"])
    wb.active.append(["湘潭县人民政府", 25])
    response = upload(client, wb)
    assert response.status_code == 400 and "找不到表头" in response.text
    wb = download(client)
    ws = wb["得分录入"]
    _, rows = rows_by_unit(ws)
    rows["湘潭县人民政府"]["得分"].value = 25
    ws.delete_cols(7, 3)
    response = upload(client, wb)
    assert response.status_code == 400 and "表头缺少" in response.text
    assert entry_count() == 0


def test_an_upload_with_a_changed_id_or_of_another_quarter_is_refused(client, login_as):
    login_as("gxj")
    wb = download(client)
    _, rows = rows_by_unit(wb["得分录入"])
    rows["湘潭县人民政府"]["得分"].value = 25
    rows["湘潭县人民政府"]["单位编号"].value = "湘潭县"
    response = upload(client, wb)
    assert response.status_code == 400 and "单位编号缺失或被改动" in response.text
    wb = download(client)
    _, rows = rows_by_unit(wb["得分录入"])
    rows["湘潭县人民政府"]["得分"].value = 25
    response = client.post(f"/scoring/{YEAR}/q2/entry/upload", data={
        "file": (io.BytesIO(_bytes(wb)), "x.xlsx"), "upload": "上传并保存"}, content_type="multipart/form-data")
    assert response.status_code == 400 and "不能上传到2026年第2季度" in response.text
    assert entry_count() == 0


def test_an_upload_into_a_finalized_quarter_is_refused(client, login_as):
    login_as("gxj")
    wb = download(client)
    _, rows = rows_by_unit(wb["得分录入"])
    rows["湘潭县人民政府"]["得分"].value = 25
    finalize_directly()
    response = upload(client, wb)
    assert response.status_code == 400 and "已审定" in response.text
    assert entry_count() == 0


def test_a_unit_that_assesses_nothing_gets_no_workbook(client, login_as):
    login_as("xtx")
    response = client.get(XLSX)
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200


def _bytes(wb):
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- the index ---------------------------------------------------------------------------------------------

def test_the_index_shows_each_quarters_status_and_the_assessors_progress(client, login_as):
    login_as("gxj")
    client.post(ENTRY, data=cell("湘潭县人民政府", "miit", "25"))
    finalize_directly(quarter=4)  # a stray row for a future quarter is still shown as finalized
    response = client.get("/scoring/")
    assert response.status_code == 200
    text = response.text
    assert "2026 年度" in text and "2025 年度" in text
    assert "1 / 57 项" in text and "录入中" in text and "已审定" in text and "未开始" in text
    assert f'href="{ENTRY}"' in text
    # staff cannot read the rules or the city-wide results: no links to pages that would answer 403
    assert f'href="/scoring/{YEAR}/rules"' not in text and f'href="/scoring/{YEAR}/q1"' not in text


def test_the_index_tells_a_unit_that_assesses_nothing_and_gives_the_office_its_links(client, login_as):
    login_as("xtx")
    text = client.get("/scoring/").text
    assert "不是考评单位" in text and f'href="{ENTRY}"' not in text
    assert f'href="/scoring/units/{unit("湘潭县人民政府").id}?year={YEAR}"' in text  # its own results
    login_as("admin")
    text = client.get("/scoring/").text
    assert f'href="/scoring/{YEAR}/rules"' in text and f'href="/scoring/{YEAR}/admin"' in text
    assert "建立本年度规则" in text and f'href="{ENTRY}"' in text
    assert f'href="/scoring/{YEAR}/q1"' in text and f'href="/scoring/{YEAR}"' in text


def test_the_index_is_for_signed_in_users(client):
    response = client.get("/scoring/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
