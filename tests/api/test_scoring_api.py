"""The assessment API through HTTP: the year's rules, entering and reading component scores, quarterly and
annual results, the task-by-task explanation, finalizing and reopening a quarter, and their OpenAPI entries.

Refusals: 401/403 by declared permission, 404 for another unit's explanation (staff), 409 for a finalized
quarter, 400/422 (Chinese, with the field) for bad input — and nothing written by a refused request."""

from datetime import date

import pytest
import sqlalchemy as sa

from app.core.models import AuditEntry
from app.extensions import db
from app.scoring.approvals import set_opinion
from app.scoring.entries import EntryItem, enter_scores
from app.scoring.models import QuarterReopening, RuleSetVersion, ScoreEntry, ScoringQuarter
from app.scoring.year_inputs import set_policy_rate
from app.scoring.year_rules import assessed_units, ensure_year_rules, load_year_rules, save_rules
from app.tasks.models import TaskPriority
from tests.helpers import CHINESE, assert_json_error, assert_ok
from tests.scoring.test_services import account, approve, assign, at, complete, fill_quarter, unit

pytestmark = pytest.mark.usefixtures("clock")  # every test runs on the frozen clock (2026-03-10), tokens included

D = date.fromisoformat
YEAR = 2026
COUNTY = "湘潭县人民政府"
BASE = "/api/v1/scoring"
Q1 = f"{BASE}/{YEAR}/q/1"


# --- helpers --------------------------------------------------------------------------------------------

def written():
    """Row counts of everything the assessment API can write (audit entries of the test tokens excepted)."""
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in
              (RuleSetVersion, ScoreEntry, ScoringQuarter, QuarterReopening)]
    counts.append(db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                    .where(AuditEntry.object_type != "api_tokens")))
    return tuple(counts)


def entered_cells():
    """Every entered (not computed) cell of every assessed unit under the current rules."""
    year_rules = load_year_rules(YEAR)
    return [(u.id, a, s) for u in assessed_units() for a, s, _m, computed in year_rules.entry_cells(u.id)
            if not computed]


@pytest.fixture
def finalized_q1(tokens, clock):
    """Q1 2026 complete (every entered cell at full marks, no task) and finalized as of 2026-03-31 on 04-02."""
    admin = account("admin")
    ensure_year_rules(admin, YEAR)
    fill_quarter(YEAR, 1)
    at(clock, D("2026-04-02"))
    approve(admin, YEAR, 1, D("2026-03-31"))
    return admin


# --- GET /scoring/{year}/rules ----------------------------------------------------------------------------

def test_the_rules_of_a_year_not_yet_created_are_shown_unsaved(client, tokens):
    body = assert_ok(client.get(f"{BASE}/{YEAR}/rules", headers=tokens["gxj"]))
    assert (body["year"], body["saved"], body["version"], body["rule_set_id"]) == (YEAR, False, None, None)
    data = body["data"]
    assert data["assessor_units"]["miit"] == unit("市工信局").id
    assert data["unit_profiles"][str(unit(COUNTY).id)] == "county_a"
    county = next(p for p in data["rules"]["profiles"] if p["code"] == "county_a")
    assert [(c["assessor"], c["maximum"]) for c in county["components"]][:2] == [("miit", "25"), ("ndrc", "20")]
    assert data["rules"]["tasks"] == {"weights": {"normal": "1", "key": "2"}, "late_credit": "0.5",
                                      "include_co_units": False}


def test_the_rules_show_the_current_saved_version(client, tokens):
    admin = account("admin")
    ensure_year_rules(admin, YEAR)
    data = load_year_rules(YEAR).to_data()
    data["rules"]["tasks"]["late_credit"] = "0.6"
    save_rules(admin, YEAR, data, note="逾期系数 0.6")
    body = assert_ok(client.get(f"{BASE}/{YEAR}/rules", headers=tokens["xtx"]))
    assert (body["saved"], body["version"], body["note"]) == (True, 2, "逾期系数 0.6")
    assert body["created_by"] == {"id": admin.id, "display_name": admin.display_name}
    assert body["data"]["rules"]["tasks"]["late_credit"] == "0.6"


def test_the_rules_need_a_token_and_a_real_year(client, tokens):
    assert_json_error(client.get(f"{BASE}/{YEAR}/rules"), 401, "unauthorized")
    assert_json_error(client.get(f"{BASE}/1999/rules", headers=tokens["gxj"]), 404, "not_found")


# --- GET /scoring/{year}/q/{quarter}/entries ----------------------------------------------------------------

def test_an_assessors_staff_see_the_cells_their_unit_enters(client, tokens):
    body = assert_ok(client.get(f"{Q1}/entries", headers=tokens["gxj"]))
    assert (body["year"], body["quarter"], body["status"]) == (YEAR, 1, "open")
    items = body["items"]
    assert {i["assessor"] for i in items} == {"miit"} and all(i["editable"] for i in items)
    assert len(items) == 57  # every unit but 湘潭综保区 and 岳塘经开区, whose rows have no 工信局 component
    assert unit("市工信局").id in {i["unit_id"] for i in items}  # its own 30 points, entered by itself
    first = items[0]
    assert first == {"unit_id": unit(COUNTY).id, "unit_name": COUNTY, "short_name": "湘潭县", "assessor": "miit",
                     "assessor_label": "市工信局", "sub_item": "", "sub_item_name": None, "maximum": "25.00",
                     "value": None, "note": None, "entered_by": None, "updated_at": None, "editable": True}


def test_a_units_staff_see_their_own_units_entries_read_only(client, tokens):
    enter_scores(account("gxj"), YEAR, 1, [EntryItem(unit(COUNTY).id, "miit", "", "24", "扣1分")])
    items = assert_ok(client.get(f"{Q1}/entries", headers=tokens["xtx"]))["items"]
    assert [i["assessor"] for i in items] == ["miit", "ndrc", "most", "commerce", "samr", "finance", "culture"]
    assert {i["unit_id"] for i in items} == {unit(COUNTY).id}
    assert not any(i["editable"] for i in items)
    assert (items[0]["value"], items[0]["note"], items[0]["entered_by"]["id"]) == ("24.00", "扣1分",
                                                                                   account("gxj").id)
    assert items[1]["value"] is None


@pytest.mark.parametrize("username", ["admin", "shizhang", "guancha"])
def test_the_office_leaders_and_observers_see_every_entered_cell(client, tokens, username):
    items = assert_ok(client.get(f"{Q1}/entries", headers=tokens[username]))["items"]
    assert [(i["unit_id"], i["assessor"], i["sub_item"]) for i in items] == entered_cells()
    assert not any(i["editable"] for i in items)  # the office's own component is computed from tasks


def test_the_entries_of_a_finalized_quarter_are_not_editable(client, tokens, finalized_q1):
    body = assert_ok(client.get(f"{Q1}/entries", headers=tokens["gxj"]))
    assert body["status"] == "finalized" and body["rule_version"] == 1
    assert not any(i["editable"] for i in body["items"]) and body["items"][0]["value"] == "25.00"


def test_the_entries_need_a_token_and_a_real_quarter(client, tokens):
    assert_json_error(client.get(f"{Q1}/entries"), 401, "unauthorized")
    assert_json_error(client.get(f"{BASE}/{YEAR}/q/5/entries", headers=tokens["gxj"]), 404, "not_found")
    assert_json_error(client.get(f"{BASE}/{YEAR}/q/0/entries", headers=tokens["admin"]), 404, "not_found")


# --- POST /scoring/{year}/q/{quarter}/entries ---------------------------------------------------------------

def test_an_assessor_enters_scores_as_numbers_or_text(client, tokens):
    county, xiangxiang, shaoshan = unit(COUNTY).id, unit("湘乡市人民政府").id, unit("韶山市人民政府").id
    body = assert_ok(client.post(f"{Q1}/entries", headers=tokens["gxj"], json={"items": [
        {"unit_id": county, "assessor": "miit", "value": 24.5, "note": "规上工业企业培育未达序时进度"},
        {"unit_id": xiangxiang, "assessor": "miit", "value": "25"},
        {"unit_id": shaoshan, "assessor": "miit", "sub_item": "", "value": 25, "note": None},
    ]}))
    assert body["changed"] == 3
    assert [(i["unit_id"], i["value"], i["note"]) for i in body["items"]] == [
        (county, "24.50", "规上工业企业培育未达序时进度"), (xiangxiang, "25.00", None), (shaoshan, "25.00", None)]
    db.session.expire_all()
    row = db.session.scalar(sa.select(ScoreEntry).where(ScoreEntry.unit_id == county))
    assert (str(row.value), row.entered_by_id) == ("24.50", account("gxj").id)
    audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "score.enter")).all()
    assert len(audit) == 3

    again = assert_ok(client.post(f"{Q1}/entries", headers=tokens["gxj"], json={"items": [
        {"unit_id": county, "assessor": "miit", "value": "24.50", "note": "规上工业企业培育未达序时进度"}]}))
    assert again["changed"] == 0
    changed = assert_ok(client.post(f"{Q1}/entries", headers=tokens["gxj"], json={"items": [
        {"unit_id": county, "assessor": "miit", "value": 25}]}))
    assert changed["changed"] == 1 and changed["items"][0]["value"] == "25.00"


def _item(name=COUNTY, assessor="miit", **extra):
    def build():
        data = {"unit_id": unit(name).id, "assessor": assessor, "value": "25"}
        data.update(extra)
        return {k: v for k, v in data.items() if v is not ...}
    return build


@pytest.mark.parametrize(("username", "make", "message"), [
    ("gxj", _item(value=24.555, note="扣分"), "最多保留两位小数"),
    ("gxj", _item(value="24.555", note="扣分"), "最多保留两位小数"),
    ("gxj", _item(value=-1, note="扣分"), "不能为负数"),
    ("gxj", _item(value="-0.5", note="扣分"), "不能为负数"),
    ("gxj", _item(value=25.01), "不能超过满分 25.00 分"),
    ("gxj", _item(value="二十五"), "不是数字"),
    ("gxj", _item(value="1e400"), "超出了得分的范围"),
    ("gxj", _item(value=True), "得分（value）必须是数字或数字文本"),
    ("gxj", _item(value=False), "得分（value）必须是数字或数字文本"),
    ("gxj", _item(value=[25]), "得分（value）必须是数字或数字文本"),
    ("gxj", _item(value=None), "请填写得分（value）"),
    ("gxj", _item(value=...), "请填写得分（value）"),
    ("gxj", _item(value="  "), "请填写得分（value）"),
    ("gxj", _item(value=24), "未给满分（24.00/25.00），请填写扣分说明"),
    ("gxj", _item(value=24, note=12), "扣分说明（note）必须是"),
    ("gxj", _item(value=24, note="扣" * 1001), "扣分说明（note）必须是不超过 1000 个字符的文本"),
    ("gxj", _item("湘潭综保区管委会"), "湘潭综保区管委会的季度得分不含“市工信局”这一项"),
    ("gxj", _item(assessor="ndrc"), "您所在单位不负责湘潭县人民政府的“市发改委”考评"),
    ("fgw", _item(), "您所在单位不负责湘潭县人民政府的“市工信局”考评"),
    ("admin", _item(assessor="office", value="15"), "由系统按交办事项办结情况计算，不能手工录入"),
    ("gxj", _item(sub_item="chain"), "不含“市工信局·chain”这一项"),
    ("gxj", _item(sub_item=5), "细项代码（sub_item）必须是"),
    ("gxj", _item(assessor="xyz"), "未知的考评单位代码“xyz”"),
    ("gxj", _item(assessor=None), "请填写考评单位代码（assessor）"),
    ("gxj", _item(unit_id="1"), "被考评单位（unit_id）必须是正整数"),
    ("gxj", _item(unit_id=True), "被考评单位（unit_id）必须是正整数"),
    ("gxj", _item(unit_id=0), "被考评单位（unit_id）必须是正整数"),
    ("gxj", _item(unit_id=None), "请填写被考评单位（unit_id）"),
    ("gxj", _item(unit_id=99999), "得分对应的单位不是考评对象"),
    ("gxj", _item("市产业强市“千百十”工程办"), "得分对应的单位不是考评对象"),
    ("gxj", _item(valu="25"), "含有不支持的字段：valu"),
])
def test_a_bad_score_is_refused_in_chinese_and_nothing_is_written(client, tokens, username, make, message):
    headers = tokens[username]
    before = written()
    body = assert_json_error(client.post(f"{Q1}/entries", headers=headers, json={"items": [make()]}), 422,
                             "invalid", field="items")
    assert message in body["message"] and body["message"].startswith("得分未保存：")
    assert written() == before


def test_one_bad_item_keeps_the_good_ones_from_being_written_and_every_problem_is_listed(client, tokens):
    county, xiangxiang = unit(COUNTY).id, unit("湘乡市人民政府").id
    before = written()
    body = assert_json_error(client.post(f"{Q1}/entries", headers=tokens["gxj"], json={"items": [
        {"unit_id": county, "assessor": "miit", "value": True},
        {"unit_id": xiangxiang, "assessor": "miit", "value": "25"},
        {"unit_id": xiangxiang, "assessor": "miit", "value": 20, "bogus": 1},
    ]}), 422, field="items")
    assert "第 1 项" in body["message"] and "第 3 项" in body["message"] and "第 2 项" not in body["message"]
    body = assert_json_error(client.post(f"{Q1}/entries", headers=tokens["gxj"], json={"items": [
        {"unit_id": xiangxiang, "assessor": "miit", "value": "25"},
        {"unit_id": county, "assessor": "miit", "value": "30"},
        {"unit_id": county, "assessor": "ndrc", "value": "20"},
        {"unit_id": xiangxiang, "assessor": "miit", "value": "24", "note": "扣1分"},
    ]}), 422, field="items")
    assert "不能超过满分" in body["message"] and "不负责" in body["message"] and "不止一次" in body["message"]
    assert written() == before


@pytest.mark.parametrize(("payload", "status", "code", "message"), [
    ({"items": []}, 422, "invalid", "至少一项"),
    ({"items": "25"}, 422, "invalid", "至少一项"),
    ({}, 422, "invalid", "至少一项"),
    ({"items": ["25"]}, 422, "invalid", "第 1 项必须是 JSON 对象"),
    ([{"unit_id": 1}], 400, "bad_json", "请求体必须是 JSON 对象"),
])
def test_a_malformed_body_is_refused(client, tokens, payload, status, code, message):
    before = written()
    body = assert_json_error(client.post(f"{Q1}/entries", headers=tokens["gxj"], json=payload), status, code)
    assert message in body["message"]
    assert written() == before


def test_a_number_is_read_exactly_as_written_not_as_a_float(client, tokens):
    headers = dict(tokens["gxj"], **{"Content-Type": "application/json"})
    raw = f'{{"items": [{{"unit_id": {unit(COUNTY).id}, "assessor": "miit", "value": 24.50000000000000001, ' \
        '"note": "扣分"}]}'
    body = assert_json_error(client.post(f"{Q1}/entries", headers=headers, data=raw), 422, field="items")
    assert "最多保留两位小数" in body["message"]  # as a float it would have been 24.5
    assert written()[1] == 0


def test_a_body_that_is_not_strict_json_is_refused(client, tokens):
    headers = dict(tokens["gxj"], **{"Content-Type": "application/json"})
    raw = f'{{"items": [{{"unit_id": {unit(COUNTY).id}, "assessor": "miit", "value": NaN}}]}}'
    assert_json_error(client.post(f"{Q1}/entries", headers=headers, data=raw), 400, "bad_json")
    assert_json_error(client.post(f"{Q1}/entries", headers=tokens["gxj"], data="items=1"), 400, "bad_json")
    assert written()[1] == 0


def test_scores_cannot_be_entered_into_a_finalized_quarter(client, tokens, finalized_q1):
    before = written()
    body = assert_json_error(client.post(f"{Q1}/entries", headers=tokens["gxj"], json={"items": [
        {"unit_id": unit(COUNTY).id, "assessor": "miit", "value": "20", "note": "更正"}]}), 409, "finalized")
    assert "已审定" in body["message"]
    assert written() == before


@pytest.mark.parametrize("username", ["shizhang", "guancha"])
def test_leaders_and_observers_cannot_enter_scores(client, tokens, username):
    before = written()
    assert_json_error(client.post(f"{Q1}/entries", headers=tokens[username], json={"items": [
        {"unit_id": unit(COUNTY).id, "assessor": "miit", "value": "25"}]}), 403, "forbidden")
    assert_json_error(client.post(f"{Q1}/entries", json={"items": []}), 401, "unauthorized")
    assert written() == before


# --- GET /scoring/{year}/q/{quarter} ------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["admin", "shizhang", "guancha"])
def test_the_quarter_shows_every_unit_to_the_office_leaders_and_observers(client, tokens, username):
    body = assert_ok(client.get(Q1, headers=tokens[username]))
    assert (body["year"], body["quarter"], body["status"], body["as_of"]) == (YEAR, 1, "open", "2026-03-10")
    assert body["evaluated_on"] == "2026-03-10" and body["complete"] is False
    assert len(body["units"]) == 59 and len(body["last_placed"]) == 5
    county = body["units"][0]
    assert (county["name"], county["total"], county["final"], county["rank"]) == (COUNTY, "15.00", "15.00", 1)
    assert county["office"]["value"] == "15.00" and "miit" in county["missing"]


@pytest.mark.parametrize(("username", "unit_name"), [("xtx", COUNTY), ("gxj", "市工信局")])
def test_a_units_staff_get_only_their_own_row_of_the_quarter(client, tokens, username, unit_name):
    body = assert_ok(client.get(Q1, headers=tokens[username]))
    assert [r["name"] for r in body["units"]] == [unit_name]
    assert all(lp["unit_ids"] == [unit(unit_name).id] for lp in body["last_placed"])


def test_the_quarter_is_computed_as_of_the_requested_date(client, tokens, clock):
    task = assign(clock, due=D("2026-03-20"), title="推进产业项目签约落地")
    complete(clock, task, D("2026-03-25"))  # late: 15 × 0.5 = 7.50
    at(clock, D("2026-04-01"))
    before = assert_ok(client.get(Q1, query_string={"as_of": "2026-03-24"}, headers=tokens["xtx"]))
    after = assert_ok(client.get(Q1, query_string={"as_of": "2026-03-31"}, headers=tokens["xtx"]))
    assert (before["as_of"], before["units"][0]["office"]["value"]) == ("2026-03-24", "0.00")
    assert (after["as_of"], after["units"][0]["office"]["value"]) == ("2026-03-31", "7.50")
    assert assert_ok(client.get(Q1, headers=tokens["xtx"]))["as_of"] == "2026-04-01"  # today by default


@pytest.mark.parametrize("as_of", ["2026-13-01", "2026-3-1", "yesterday", "20260331"])
def test_a_bad_as_of_date_is_refused(client, tokens, as_of):
    assert_json_error(client.get(Q1, query_string={"as_of": as_of}, headers=tokens["admin"]), 400,
                      "bad_parameter", field="as_of")


def test_a_finalized_quarter_shows_its_snapshot_and_staff_only_their_entries(client, tokens, finalized_q1, clock):
    assign(clock, due=D("2026-04-10"))  # changes nothing in Q1
    body = assert_ok(client.get(Q1, query_string={"as_of": "2026-06-30"}, headers=tokens["xtx"]))
    assert (body["status"], body["evaluated_on"], body["rule_version"]) == ("finalized", "2026-03-31", 1)
    assert [r["total"] for r in body["units"]] == ["100.00"]
    assert {e["unit_id"] for e in body["entries"]} == {unit(COUNTY).id} and len(body["entries"]) == 7
    everyone = assert_ok(client.get(Q1, headers=tokens["shizhang"]))
    assert len(everyone["units"]) == 59 and len(everyone["entries"]) == len(entered_cells())


def test_the_quarter_needs_a_token_and_a_real_period(client, tokens):
    assert_json_error(client.get(Q1), 401, "unauthorized")
    assert_json_error(client.get(f"{BASE}/2101/q/1", headers=tokens["admin"]), 404, "not_found")


# --- GET /scoring/{year}/q/{quarter}/units/{unit_id}/explanation --------------------------------------------

def test_the_explanation_lists_each_task_with_its_title_weight_credit_and_points(client, tokens, clock):
    on_time = assign(clock, due=D("2026-03-20"), title="推进产业项目签约落地")
    late = assign(clock, due=D("2026-03-25"), title="重点产业链招商", priority=TaskPriority.key)
    assign(clock, due=D("2026-03-31"), title="园区标准厂房建设")
    complete(clock, on_time, D("2026-03-19"))
    complete(clock, late, D("2026-03-27"))
    at(clock, D("2026-04-01"))
    url = f"{Q1}/units/{unit(COUNTY).id}/explanation"
    body = assert_ok(client.get(url, query_string={"as_of": "2026-03-31"}, headers=tokens["admin"]))
    # Σw = 1 + 2 + 1 = 4; Σw·c = 1 + 2 × 0.5 + 0 = 2; 15 × 2 / 4 = 7.50
    office = body["office"]
    assert (office["value"], office["maximum"], office["weight_total"], office["earned"]) == ("7.50", "15.00",
                                                                                              "4", "2.0")
    assert [(line["title"], line["priority_label"], line["outcome_label"], line["weight"], line["credit"],
             line["contribution"]) for line in office["lines"]] == [
        ("推进产业项目签约落地", "一般", "按期办结", "1", "1", "3.75"),
        ("重点产业链招商", "重点", "逾期办结", "2", "0.5", "3.75"),
        ("园区标准厂房建设", "一般", "未办结", "1", "0", "0.00"),
    ]
    assert office["lines"][1]["completed_on"] == "2026-03-27" and office["lines"][1]["is_lead"] is True
    assert "逾期办结" in office["lines"][1]["explanation"] and "3.75" in office["lines"][1]["explanation"]
    assert (body["unit"]["name"], body["status"], body["evaluated_on"]) == (COUNTY, "open", "2026-03-31")
    assert body["components"]["office"] == "7.50" and body["total"] == "7.50"
    assert body["settings"] == {"weights": {"normal": "1", "key": "2"}, "late_credit": "0.5",
                                "include_co_units": False}
    assert CHINESE.search(body["formula"])
    own = assert_ok(client.get(url, query_string={"as_of": "2026-03-31"}, headers=tokens["xtx"]))
    assert own["office"] == office


def test_the_explanation_of_a_finalized_quarter_comes_from_its_snapshot(client, tokens, finalized_q1, clock):
    task = assign(clock, due=D("2026-03-31"), title="补交的事项")  # due in Q1, but assigned after finalizing
    assert task.id
    body = assert_ok(client.get(f"{Q1}/units/{unit(COUNTY).id}/explanation", headers=tokens["guancha"]))
    assert body["status"] == "finalized" and body["office"]["has_tasks"] is False
    assert body["settings"]["late_credit"] == "0.5"


@pytest.mark.parametrize(("username", "unit_name"), [
    ("xtx", "湘乡市人民政府"),  # another unit: staff see their own only
    ("gxj", COUNTY),
    ("admin", "市产业强市“千百十”工程办"),  # not assessed
])
def test_another_or_an_unassessed_units_explanation_is_not_found(client, tokens, username, unit_name):
    assert_json_error(client.get(f"{Q1}/units/{unit(unit_name).id}/explanation", headers=tokens[username]), 404,
                      "not_found")


def test_an_unknown_units_explanation_is_not_found(client, tokens):
    assert_json_error(client.get(f"{Q1}/units/99999/explanation", headers=tokens["admin"]), 404, "not_found")
    assert_json_error(client.get(f"{Q1}/units/1/explanation"), 401, "unauthorized")


# --- POST /scoring/{year}/q/{quarter}/finalize and /reopen --------------------------------------------------

APPROVAL = {"approved_on": "2026-04-02", "doc_number": "潭千百十〔2026〕5号"}


def test_the_office_finalizes_a_complete_quarter(client, tokens, clock):
    ensure_year_rules(account("admin"), YEAR)
    fill_quarter(YEAR, 1)
    at(clock, D("2026-04-02"))
    payload = {"evaluated_on": "2026-03-31", **APPROVAL}
    body = assert_json_error(client.post(f"{Q1}/finalize", headers=tokens["admin"], json=payload), 422, "no_opinion")
    assert "考评意见" in body["message"]
    set_opinion(account("admin"), YEAR, 1, "经核对无误，建议审定。", D("2026-04-02"))
    db.session.commit()
    for missing, field in (("approved_on", "approved_on"), ("doc_number", "doc_number")):
        assert_json_error(client.post(f"{Q1}/finalize", headers=tokens["admin"],
                                      json={k: v for k, v in payload.items() if k != missing}), 422, field=field)
    assert_json_error(client.post(f"{Q1}/finalize", headers=tokens["admin"], json=dict(payload, approved_on="4月2日")),
                      422, field="approved_on")
    body = assert_ok(client.post(f"{Q1}/finalize", headers=tokens["admin"], json=payload))
    assert (body["status"], body["evaluated_on"], body["complete"], body["rule_version"]) == \
        ("finalized", "2026-03-31", True, 1)
    assert (body["approved_on"], body["doc_number"]) == ("2026-04-02", "潭千百十〔2026〕5号")
    assert body["finalized_at"].startswith("2026-04-02")
    state = db.session.scalar(sa.select(ScoringQuarter))
    assert state.is_finalized and state.finalized_by_id == account("admin").id
    assert_json_error(client.post(f"{Q1}/finalize", headers=tokens["admin"], json=payload), 409, "conflict")


@pytest.mark.parametrize(("payload", "message"), [
    ({}, "请填写评价日期（evaluated_on）"),
    ({"evaluated_on": ""}, "请填写评价日期"),
    ({"evaluated_on": "2026/03/31"}, "必须是 ISO 8601 日期"),
    ({"evaluated_on": "2026-02-30"}, "必须是 ISO 8601 日期"),
    ({"evaluated_on": 20260331}, "必须是 ISO 8601 日期"),
    ({"evaluated_on": "2025-12-31"}, "不能早于该季度的第一天 2026-01-01"),
    ({"evaluated_on": "2026-04-03"}, "不能晚于今天"),
])
def test_finalize_refuses_a_bad_evaluation_date(client, tokens, clock, payload, message):
    ensure_year_rules(account("admin"), YEAR)
    fill_quarter(YEAR, 1)
    at(clock, D("2026-04-02"))
    before = written()
    body = assert_json_error(client.post(f"{Q1}/finalize", headers=tokens["admin"], json=payload), 422,
                             field="evaluated_on")
    assert message in body["message"]
    assert written() == before


def test_finalize_refuses_an_incomplete_quarter_or_a_year_without_rules(client, tokens, clock):
    fill_quarter(YEAR, 1, skip={(unit(COUNTY).id, "culture")})
    at(clock, D("2026-04-02"))
    before = written()
    assert_json_error(client.post(f"{Q1}/finalize", headers=tokens["admin"],
                                  json={"evaluated_on": "2026-03-31", **APPROVAL}), 422, "no_rules")
    assert written() == before
    ensure_year_rules(account("admin"), YEAR)
    before = written()
    body = assert_json_error(client.post(f"{Q1}/finalize", headers=tokens["admin"],
                                         json={"evaluated_on": "2026-03-31", **APPROVAL}), 422, "incomplete")
    assert "湘潭县" in body["message"]
    assert written() == before


@pytest.mark.parametrize("username", ["gxj", "shizhang", "guancha"])
def test_only_the_office_finalizes_and_reopens(client, tokens, finalized_q1, username):
    before = written()
    assert_json_error(client.post(f"{BASE}/{YEAR}/q/2/finalize", headers=tokens[username],
                                  json={"evaluated_on": "2026-03-31"}), 403, "forbidden")
    assert_json_error(client.post(f"{Q1}/reopen", headers=tokens[username], json={"reason": "更正"}), 403,
                      "forbidden")
    assert written() == before


def test_the_office_reopens_a_finalized_quarter_with_a_reason(client, tokens, finalized_q1):
    snapshot = dict(db.session.scalar(sa.select(ScoringQuarter)).snapshot)
    body = assert_ok(client.post(f"{Q1}/reopen", headers=tokens["admin"], json={"reason": "市工信局更正湘潭县得分"}))
    assert (body["status"], len(body["reopenings"])) == ("open", 1)
    assert body["reopenings"][0]["reason"] == "市工信局更正湘潭县得分"
    assert body["reopenings"][0]["by"]["id"] == finalized_q1.id
    assert db.session.scalar(sa.select(QuarterReopening)).previous_snapshot == snapshot
    assert assert_ok(client.get(Q1, headers=tokens["admin"]))["status"] == "open"
    before = written()
    assert_json_error(client.post(f"{Q1}/reopen", headers=tokens["admin"], json={"reason": "再次打开"}), 409,
                      "not_finalized")
    assert written() == before


@pytest.mark.parametrize(("payload", "message"), [
    ({}, "请填写重新打开的理由（reason）"),
    ({"reason": "   "}, "请填写重新打开的理由"),
    ({"reason": 5}, "必须是文本"),
    ({"reason": "理" * 2001}, "不能超过 2000 个字符"),
])
def test_reopen_refuses_a_missing_or_bad_reason(client, tokens, finalized_q1, payload, message):
    before = written()
    body = assert_json_error(client.post(f"{Q1}/reopen", headers=tokens["admin"], json=payload), 422,
                             field="reason")
    assert message in body["message"]
    assert written() == before
    assert db.session.scalar(sa.select(ScoringQuarter)).is_finalized


# --- GET /scoring/{year} ------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["admin", "shizhang", "guancha"])
def test_the_year_shows_every_unit_to_the_office_leaders_and_observers(client, tokens, username):
    body = assert_ok(client.get(f"{BASE}/{YEAR}", headers=tokens[username]))
    assert (body["year"], body["as_of"], body["province_first"], body["complete"]) == (YEAR, "2026-03-10", False,
                                                                                       False)
    assert body["quarter_status"] == {"1": "open", "2": "future", "3": "future", "4": "future"}
    assert len(body["units"]) == 59
    county = body["units"][0]
    # only Q1 so far: 15 × 15% = 2.25
    assert (county["quarters"], county["annual"]) == (["15.00", None, None, None], "2.25")


def test_the_year_as_of_december_with_a_policy_deduction(client, tokens):
    set_policy_rate(account("admin"), YEAR, unit(COUNTY), "85")
    body = assert_ok(client.get(f"{BASE}/{YEAR}", query_string={"as_of": "2026-12-31"}, headers=tokens["xtx"]))
    assert body["quarter_status"] == {"1": "open", "2": "open", "3": "open", "4": "open"}
    [row] = body["units"]
    assert (row["name"], row["annual"], row["rank"], row["points"], row["deduction"]) == (COUNTY, "15.00", 1,
                                                                                          "12.00", "3.00")


def test_the_year_gives_staff_only_their_own_row_and_refuses_bad_input(client, tokens):
    body = assert_ok(client.get(f"{BASE}/{YEAR}", headers=tokens["gxj"]))
    assert [r["name"] for r in body["units"]] == ["市工信局"]
    assert_json_error(client.get(f"{BASE}/{YEAR}", query_string={"as_of": "2026-02-30"}, headers=tokens["admin"]),
                      400, "bad_parameter", field="as_of")
    assert_json_error(client.get(f"{BASE}/1999", headers=tokens["admin"]), 404, "not_found")
    assert_json_error(client.get(f"{BASE}/{YEAR}"), 401, "unauthorized")


# --- the OpenAPI document -----------------------------------------------------------------------------------

OPERATIONS = [
    ("/api/v1/scoring/{year}/rules", "get"),
    ("/api/v1/scoring/{year}/q/{quarter}/entries", "get"),
    ("/api/v1/scoring/{year}/q/{quarter}/entries", "post"),
    ("/api/v1/scoring/{year}/q/{quarter}", "get"),
    ("/api/v1/scoring/{year}/q/{quarter}/units/{unit_id}/explanation", "get"),
    ("/api/v1/scoring/{year}/q/{quarter}/finalize", "post"),
    ("/api/v1/scoring/{year}/q/{quarter}/reopen", "post"),
    ("/api/v1/scoring/{year}", "get"),
]


def test_openapi_lists_every_scoring_operation(client):
    document = assert_ok(client.get("/api/v1/openapi.json"))
    scoring = {(path, method) for path, ops in document["paths"].items() if path.startswith("/api/v1/scoring")
               for method in ops}
    assert scoring == set(OPERATIONS)
    for path, method in OPERATIONS:
        operation = document["paths"][path][method]
        assert operation["tags"] == ["考评"] and CHINESE.search(operation["summary"]), (path, method)
        assert operation["security"] == [{"bearerAuth": []}]
        assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])
        if method == "post":
            assert operation["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
            assert "409" in operation["responses"]
    entries = document["paths"]["/api/v1/scoring/{year}/q/{quarter}/entries"]["post"]
    item = entries["requestBody"]["content"]["application/json"]["schema"]["properties"]["items"]["items"]
    assert item["required"] == ["unit_id", "assessor", "value"]
    quarter = document["paths"]["/api/v1/scoring/{year}/q/{quarter}"]["get"]
    assert [p["name"] for p in quarter["parameters"]] == ["year", "quarter", "as_of"]
