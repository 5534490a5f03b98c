"""A record as .xlsx: title, meta lines, items with their units and tasks, amendments; the frozen dispatch list and
the quarter's ranks on their own sheets; text that looks like a formula stays text."""

import io

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
