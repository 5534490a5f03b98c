"""The task API through HTTP: list with the overview's filters (restricted to the caller's unit for staff),
create, read, follow-ups, every workflow transition, the dispatch list, their OpenAPI entries, and the
refusals: 401/403 by declared permission, 404 for a task the caller may not see, 409 for a stale version or a
wrong state, 422 (Chinese, with the field) for bad input — and nothing written by a refused request."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.core.models import AuditEntry
from app.extensions import db
from app.tasks import services
from app.tasks.models import (
    CompletionRequest,
    ExtensionRequest,
    FollowUp,
    Task,
    TaskEvent,
    TaskParty,
    TaskState,
    Urge,
)
from tests.factories import assign_task, person, plan, unit
from tests.helpers import CHINESE, assert_json_error

TODAY = date(2026, 3, 10)  # the frozen clock of tests/conftest.py: a Tuesday


# --- helpers --------------------------------------------------------------------------------------------

def written():
    """Row counts of everything a task request can write (audit entries of tokens made lazily excepted)."""
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in
              (Task, TaskParty, FollowUp, TaskEvent, CompletionRequest, ExtensionRequest, Urge)]
    counts.append(db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                    .where(AuditEntry.object_type != "api_tokens")))
    return tuple(counts)


def task_row(task_id):
    db.session.expire_all()
    return db.session.get(Task, task_id)


@pytest.fixture
def admin(user, clock):
    return user("admin")


@pytest.fixture
def task(admin):
    """A task of the office for 市工信局 (lead) with 市发改委 and 市科技局 (co-units), due 2026-03-31."""
    return assign_task(by=admin, co=("市发改委", "市科技局"), content="年底前完成", source_ref="第 3 次调度会")


@pytest.fixture
def accepted(task, user):
    services.accept_task(user("gxj"), task)
    return task


@pytest.fixture
def back_dated(admin, user):
    """A task assigned on 2026-02-02, due 2026-03-02 (overdue by 6 working days today), already accepted."""
    task = assign_task(by=admin, title="补录的历史事项", assigned="2026-02-02", due="2026-03-02", co=("市发改委",))
    services.accept_task(user("gxj"), task)
    return task


# --- GET /api/v1/tasks ----------------------------------------------------------------------------------

def test_list_returns_every_task_with_its_light_and_paging_for_the_office(client, tokens, admin):
    red = assign_task(by=admin, title="逾期事项", assigned=date(2026, 2, 2), due=date(2026, 3, 9))
    yellow = assign_task(by=admin, title="临期事项", due=date(2026, 3, 13), lead="市发改委")
    green = assign_task(by=admin, title="正常事项", due=date(2026, 3, 16), lead="市科技局", co=("市工信局",),
                      plan=plan("P1"), source=services.TaskSource.plan)
    response = client.get("/api/v1/tasks", headers=tokens["admin"])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 50
    items = {i["id"]: i for i in body["items"]}
    assert [i["id"] for i in body["items"]] == [red.id, yellow.id, green.id]  # by due date
    assert (items[red.id]["light"], items[yellow.id]["light"], items[green.id]["light"]) == ("red", "yellow", "green")
    assert items[red.id]["light_label"] == "红灯" and items[red.id]["days_overdue"] == 1
    assert items[green.id]["days_overdue"] == 0
    item = items[green.id]
    assert item["plan"] == "P1"  # a compact row: the plan's code; the detail has the plan and the parties
    assert item["lead_unit"] == {"id": unit("市科技局").id, "name": "市科技局"}
    assert "parties" not in item and item["last_reported_on"] is None
    assert item["due_on"] == "2026-03-16" and item["assigned_on"] == "2026-03-10" and item["completed_on"] is None
    assert item["state"] == "assigned" and item["state_label"] == "已交办" and item["version"] == 1

    page = client.get("/api/v1/tasks?per_page=2&page=2", headers=tokens["admin"]).get_json()
    assert page["total"] == 3 and page["per_page"] == 2 and page["page"] == 2
    assert [i["id"] for i in page["items"]] == [green.id]
    assert client.get("/api/v1/tasks?per_page=200", headers=tokens["admin"]).status_code == 200


@pytest.mark.parametrize("username", ["shuji", "shizhang", "fushizhang", "guancha"])
def test_leaders_and_the_observer_see_every_task(client, tokens, admin, username):
    assign_task(by=admin, lead="市工信局")
    assign_task(by=admin, lead="湘潭县人民政府")
    assign_task(by=admin, lead="市教育局")
    assert client.get("/api/v1/tasks", headers=tokens[username]).get_json()["total"] == 3


def test_staff_list_is_restricted_in_the_query_to_tasks_of_their_unit(client, tokens, admin):
    as_lead = assign_task(by=admin, title="工信局牵头", lead="市工信局")
    as_co = assign_task(by=admin, title="工信局配合", lead="市发改委", co=("市工信局",))
    # 附件2 六(二): 市工信局 also reads the tasks of the units it assesses (app/scoring/assessor_scope.py): 湘潭县 but
    # not 湘潭综保区, which has no 市工信局 component (附件2 四(三))
    assign_task(by=admin, title="与工信局无关", lead="湘潭综保区管委会", co=("市科技局",))
    county = assign_task(by=admin, title="县里的事", lead="湘潭县人民政府")
    # a task assigned by someone of 市工信局 (its assigner unit) is visible there too
    by_unit = assign_task(by=admin, title="工信局交办", lead="市科技局")
    by_unit.assigner_unit_id = unit("市工信局").id
    db.session.flush()

    body = client.get("/api/v1/tasks", headers=tokens["gxj"]).get_json()
    assert {i["id"] for i in body["items"]} == {as_lead.id, as_co.id, by_unit.id, county.id}
    assert body["total"] == 4
    one = client.get("/api/v1/tasks?per_page=1&page=4", headers=tokens["gxj"]).get_json()
    assert one["total"] == 4 and len(one["items"]) == 1  # totals and pages count only what the user sees
    assert client.get("/api/v1/tasks?per_page=1&page=5", headers=tokens["gxj"]).get_json()["items"] == []
    assert client.get("/api/v1/tasks", headers=tokens["xtx"]).get_json()["total"] == 1
    assert client.get("/api/v1/tasks", headers=tokens["gxq"]).get_json() == {
        "items": [], "total": 0, "page": 1, "per_page": 50, "next": None}
    # a filter never widens the restriction
    other = client.get(f"/api/v1/tasks?unit_id={unit('湘潭综保区管委会').id}", headers=tokens["gxj"]).get_json()
    assert other["total"] == 0


def test_list_filters_like_the_overview(client, tokens, admin, user):
    p1 = assign_task(by=admin, title="产业链招商", lead="市工信局", co=("市发改委",), plan=plan("P1"),
                   source=services.TaskSource.plan, content="引进链主企业", due=date(2026, 3, 12))
    county = assign_task(by=admin, title="园区标准厂房", lead="湘潭县人民政府", due=date(2026, 4, 30))
    late = assign_task(by=admin, title="已逾期的统计报送", lead="市科技局", assigned="2026-02-02", due="2026-03-02")
    done = assign_task(by=admin, title="已办结的事项", lead="市发改委", assigned="2026-02-02", due="2026-03-31")
    services.accept_task(user("fgw"), done)
    services.request_completion(user("fgw"), done, date(2026, 3, 5), "已完成", TODAY)
    services.approve_completion(admin, done)

    def ids(query):
        response = client.get("/api/v1/tasks?" + query, headers=tokens["admin"])
        assert response.status_code == 200, response.get_data(as_text=True)
        return {i["id"] for i in response.get_json()["items"]}

    assert ids("plan=P1") == ids("plan=p1") == ids(f"plan={plan('P1').id}") == {p1.id}
    assert ids("plan=P2") == set()
    assert ids(f"unit_id={unit('市发改委').id}") == {p1.id, done.id}  # as lead or as co-unit
    assert ids("group=county") == {county.id}
    assert ids("light=red") == {late.id}
    assert ids("light=yellow") == {p1.id}
    assert ids("light=green") == {county.id}
    assert ids("light=done_on_time") == {done.id}
    assert ids("light=done_late") == set()
    assert ids("state=completed") == {done.id}
    assert ids("state=assigned") == {p1.id, county.id, late.id}
    assert ids("due_from=2026-03-12&due_to=2026-03-31") == {p1.id, done.id}
    assert ids("due_to=2026-03-02") == {late.id}
    assert ids("q=链主") == {p1.id}  # in the content
    assert ids("q=标准厂房") == {county.id}
    assert ids("q=100%25") == set()  # % is a character, not a wildcard
    assert ids("plan=P1&light=green") == set()
    assert ids("q=&state=&light=") == {p1.id, county.id, late.id, done.id}  # empty parameters are ignored


@pytest.mark.parametrize(("query", "field"), [
    ("plan=P99", "plan"), ("plan=999999", "plan"), ("unit_id=abc", "unit_id"), ("unit_id=-1", "unit_id"),
    ("group=nope", "group"), ("light=blue", "light"), ("state=done", "state"), ("due_from=2026-13-01", "due_from"),
    ("due_to=31/03/2026", "due_to"), ("due_from=2026-04-01&due_to=2026-03-01", "due_to"), ("page=abc", "page"),
    ("page=0", "page"), ("per_page=201", "per_page"), ("per_page=0", "per_page"), ("q=" + "查" * 101, "q"),
])
def test_list_with_a_malformed_parameter_is_a_json_400_naming_it(client, tokens, query, field):
    assert_json_error(client.get("/api/v1/tasks?" + query, headers=tokens["admin"]), 400, "bad_parameter", field)


def test_list_without_a_token_is_a_401(client):
    assert_json_error(client.get("/api/v1/tasks"), 401, "unauthorized")


def test_list_query_count_does_not_grow_with_the_rows(client, tokens, admin, user, count_queries):
    gxj, fgw = user("gxj"), user("fgw")

    def grow(n):
        for i in range(n):
            task = assign_task(by=admin, title=f"批量事项{i}", lead="市工信局", co=("市发改委", "市科技局"),
                             plan=plan("P1"), source=services.TaskSource.plan, due=date(2026, 3, 12 + i % 10))
            services.accept_task(gxj, task)
            services.record_follow_up(gxj, task, f"进展{i}", 30, TODAY)
            services.record_follow_up(fgw, task, f"配合进展{i}", 20, TODAY)
        db.session.flush()

    counts = {}
    grow(5)
    for username in ("admin", "gxj"):
        assert client.get("/api/v1/tasks", headers=tokens[username]).status_code == 200  # warm up: token use
    for size in (5, 30):
        if size == 30:
            grow(25)
        for username in ("admin", "gxj"):
            db.session.expire_all()
            with count_queries() as counter:
                body = client.get("/api/v1/tasks?per_page=200", headers=tokens[username]).get_json()
            assert body["total"] == len(body["items"]) == size
            assert all(i["last_reported_on"] == "2026-03-10" and i["state"] == "in_progress" for i in body["items"])
            counts[username, size] = counter.count
    assert counts["admin", 5] == counts["admin", 30], counts
    assert counts["gxj", 5] == counts["gxj", 30], counts
    assert counts["admin", 30] <= 10, counts


# --- POST /api/v1/tasks ---------------------------------------------------------------------------------

VALID = {"title": "  推进精品钢材产业链项目  ", "content": "完成可研和用地报批", "plan": "P1",
         "lead_unit_id": None, "co_unit_ids": None, "priority": "key", "due_on": "2026-04-30"}


def valid_body(**changes):
    body = dict(VALID, lead_unit_id=unit("市工信局").id, co_unit_ids=[unit("市发改委").id, unit("市科技局").id])
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def test_office_creates_a_task_with_co_units_timeline_and_audit(client, tokens, admin):
    before = written()
    response = client.post("/api/v1/tasks", json=valid_body(unknown_field="忽略", source_ref="市委批示"),
                           headers=tokens["admin"])
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["title"] == "推进精品钢材产业链项目" and body["content"] == "完成可研和用地报批"
    assert body["source"] == "plan" and body["plan"]["code"] == "P1" and body["source_ref"] == "市委批示"
    assert body["priority"] == "key" and body["state"] == "assigned"
    assert body["assigned_on"] == "2026-03-10" and body["due_on"] == body["original_due_on"] == "2026-04-30"
    assert [p["unit"]["name"] for p in body["parties"]] == ["市工信局", "市发改委", "市科技局"]
    assert body["assigner"] == {"id": admin.id, "display_name": admin.display_name}
    assert body["assigner_unit"]["name"] == "市产业强市“千百十”工程办"
    assert [e["kind"] for e in body["timeline"]] == ["assigned"]
    assert body["actions"] == ["cancel", "urge"]
    task = db.session.get(Task, body["id"])
    assert task.lead_unit_id == unit("市工信局").id
    assert task.co_unit_ids == sorted([unit("市发改委").id, unit("市科技局").id])
    assert written()[0] == before[0] + 1
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "task.assign",
                                                         AuditEntry.object_id == str(task.id))) is not None


def test_a_leader_creates_a_task_with_the_defaults(client, tokens, user, clock):
    response = client.post("/api/v1/tasks", json={"title": "调研企业", "lead_unit_id": unit("市科技局").id,
                                                  "due_on": "2026-03-10"}, headers=tokens["fushizhang"])
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["source"] == "free" and body["priority"] == "normal" and body["plan"] is None
    assert body["assigner"]["id"] == user("fushizhang").id and body["assigner_unit"] is None
    assert body["content"] == "" and [p["unit"]["name"] for p in body["parties"]] == ["市科技局"]
    assert body["light"] == "yellow"


@pytest.mark.parametrize("username", ["gxj", "guancha"])
def test_staff_and_observers_cannot_create_tasks(client, tokens, clock, username):
    before = written()
    assert_json_error(client.post("/api/v1/tasks", json=valid_body(), headers=tokens[username]), 403, "forbidden")
    assert written() == before


BAD_CREATE = {
    "title missing": (dict(title=...), "title", "请填写"),
    "title blank": (dict(title="   "), "title", "请填写"),
    "title a number": (dict(title=5), "title", "必须是文本"),
    "title too long": (dict(title="事" * 201), "title", "不能超过 200 个字符"),
    "content a list": (dict(content=["a"]), "content", "必须是文本"),
    "content too long": (dict(content="x" * 5001), "content", "不能超过 5000 个字符"),
    "source unknown": (dict(source="leader"), "source", "只能是"),
    "source a number": (dict(source=1), "source", "只能是"),
    "plan source without plan": (dict(plan=..., source="plan"), "plan", "请填写计划或举措编号"),
    "plan unknown": (dict(plan="P99"), "plan", "未知的计划或举措"),
    "plan a number": (dict(plan=1), "plan", "编号文本"),
    "source_ref too long": (dict(source_ref="x" * 201), "source_ref", "不能超过 200 个字符"),
    "priority unknown": (dict(priority="urgent"), "priority", "只能是"),
    "lead unit missing": (dict(lead_unit_id=...), "lead_unit_id", "请填写"),
    "lead unit a string": (dict(lead_unit_id="1"), "lead_unit_id", "必须是整数"),
    "lead unit a boolean": (dict(lead_unit_id=True), "lead_unit_id", "必须是整数"),
    "lead unit a float": (dict(lead_unit_id=1.5), "lead_unit_id", "必须是整数"),
    "lead unit unknown": (dict(lead_unit_id=999999), "lead_unit_id", "不存在"),
    "lead unit inactive": ("inactive-lead", "lead_unit_id", "已停用"),
    "co-units not a list": (dict(co_unit_ids=3), "co_unit_ids", "列表"),
    "co-units with a string": (dict(co_unit_ids=["3"]), "co_unit_ids", "列表"),
    "co-unit unknown": (dict(co_unit_ids=[999999]), "co_unit_ids", "不存在的单位：999999"),
    "co-unit inactive": ("inactive-co", "co_unit_ids", "已停用"),
    "due_on a number": (dict(due_on=5), "due_on", "必须是 ISO 8601 日期文本"),
    "due_on missing": (dict(due_on=...), "due_on", "请填写"),
    "due_on not ISO": (dict(due_on="2026/04/30"), "due_on", "不是有效的日期"),
    "due_on impossible": (dict(due_on="2026-02-30"), "due_on", "不是有效的日期"),
    "due_on with a time": (dict(due_on="2026-04-30T00:00:00"), "due_on", "不是有效的日期"),
    "due_on in the past": (dict(due_on="2026-03-09"), "due_on", "早于今天"),
}


@pytest.mark.parametrize("kind", list(BAD_CREATE))
def test_an_invalid_create_field_is_a_422_naming_it_and_writes_nothing(client, tokens, clock, kind):
    changes, field, phrase = BAD_CREATE[kind]
    if changes == "inactive-lead":
        unit("市工信局").is_active = False
        changes = {}
    elif changes == "inactive-co":
        unit("市科技局").is_active = False
        changes = {}
    db.session.flush()
    before = written()
    body = assert_json_error(client.post("/api/v1/tasks", json=valid_body(**changes), headers=tokens["admin"]),
                             422, "invalid", field)
    assert phrase in body["message"], body
    assert written() == before


@pytest.mark.parametrize("raw", ['{"title": "x",', "null", "[1, 2]", '"标题"', ""])
def test_a_create_body_that_is_not_a_json_object_is_a_400_and_writes_nothing(client, tokens, clock, raw):
    before = written()
    assert_json_error(client.post("/api/v1/tasks", data=raw, content_type="application/json",
                                  headers=tokens["admin"]), 400, "bad_json")
    assert_json_error(client.post("/api/v1/tasks", data={"title": "表单"}, headers=tokens["admin"]), 400, "bad_json")
    assert written() == before


# --- GET /api/v1/tasks/<id> -----------------------------------------------------------------------------

def test_detail_shows_each_units_latest_progress_requests_and_timeline(client, tokens, back_dated, user, admin):
    services.record_follow_up(user("gxj"), back_dated, "完成一半", 50, TODAY)
    services.record_follow_up(user("fgw"), back_dated, "配合第一次", 10, date(2026, 3, 5))
    services.record_follow_up(user("fgw"), back_dated, "配合第二次", 40, TODAY)
    services.request_extension(user("gxj"), back_dated, date(2026, 4, 15), "等待省里批复", TODAY)
    services.urge_task(admin, back_dated, 2, "请加快", TODAY)
    response = client.get(f"/api/v1/tasks/{back_dated.id}", headers=tokens["fushizhang2"])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    lead, co = body["parties"]
    assert lead["is_lead"] and lead["unit"]["name"] == "市工信局"
    assert lead["latest_follow_up"]["text"] == "完成一半" and lead["latest_follow_up"]["percent"] == 50
    assert co["unit"]["name"] == "市发改委" and co["latest_follow_up"]["text"] == "配合第二次"
    assert co["latest_follow_up"]["percent"] == 40 and co["last_reported_on"] == "2026-03-10"
    assert body["light"] == "red" and body["days_overdue"] == 6 and body["light_provisional"] is False
    assert body["state"] == "in_progress" and body["urge_count"] == 1 and body["last_urged_at"]
    pending = body["pending_extension"]
    assert pending["requested_due_on"] == "2026-04-15" and pending["previous_due_on"] == "2026-03-02"
    assert pending["status"] == "pending" and pending["reason"] == "等待省里批复"
    assert pending["requested_by"]["id"] == user("gxj").id
    assert body["pending_completion"] is None and body["completion_requests"] == []
    assert [(u["level"], u["level_label"], u["note"]) for u in body["urges"]] == [(2, "督办", "请加快")]
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds == ["assigned", "accepted", "follow_up", "follow_up", "follow_up", "extension_requested", "urged"]
    assert body["timeline"][1]["from_state"] == "assigned" and body["timeline"][1]["to_state"] == "accepted"
    assert body["timeline"][1]["unit"]["name"] == "市工信局"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", body["timeline"][0]["at"])
    assert body["actions"] == ["urge"]  # 丁诚's portfolio has 市工信局
    assert client.get(f"/api/v1/tasks/{back_dated.id}", headers=tokens["admin"]).get_json()["actions"] == [
        "cancel", "decide_extension", "urge"]
    assert client.get(f"/api/v1/tasks/{back_dated.id}", headers=tokens["gxj"]).get_json()["actions"] == [
        "follow_up", "request_completion", "request_extension"]


@pytest.mark.parametrize("username", ["gxj", "fgw", "kjj", "admin", "shuji", "fushizhang", "guancha"])
def test_parties_leaders_and_the_observer_can_read_a_task(client, tokens, task, username):
    assert client.get(f"/api/v1/tasks/{task.id}", headers=tokens[username]).status_code == 200
    assert client.get(f"/api/v1/tasks/{task.id}/follow-ups", headers=tokens[username]).status_code == 200


@pytest.mark.parametrize("path", ["", "/follow-ups"])
def test_staff_of_another_unit_get_the_same_404_as_for_a_missing_task(client, tokens, task, path):
    hidden = assert_json_error(client.get(f"/api/v1/tasks/{task.id}{path}", headers=tokens["xtx"]), 404, "not_found")
    missing = assert_json_error(client.get(f"/api/v1/tasks/999999{path}", headers=tokens["xtx"]), 404, "not_found")
    assert hidden == missing
    assert str(task.id) not in hidden["message"] and task.title not in hidden["message"]


# --- follow-ups -----------------------------------------------------------------------------------------

def test_lead_and_co_units_report_progress_and_list_it(client, tokens, accepted, user):
    response = client.post(f"/api/v1/tasks/{accepted.id}/follow-ups", json={"text": " 已完成选址 ", "percent": 30,
                                                                            "version": accepted.version},
                           headers=tokens["gxj"])
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["text"] == "已完成选址" and body["percent"] == 30 and body["reported_on"] == "2026-03-10"
    assert body["unit"]["name"] == "市工信局" and body["author"]["id"] == user("gxj").id and body["files"] == []
    assert body["task_state"] == "in_progress" and body["task_version"] == task_row(accepted.id).version
    response = client.post(f"/api/v1/tasks/{accepted.id}/follow-ups", json={"text": "配合完成", "percent": 100},
                           headers=tokens["kjj"])
    assert response.status_code == 201, response.get_data(as_text=True)

    listed = client.get(f"/api/v1/tasks/{accepted.id}/follow-ups", headers=tokens["guancha"]).get_json()
    assert [(f["unit"]["name"], f["percent"]) for f in listed["items"]] == [("市科技局", 100), ("市工信局", 30)]
    assert listed["total"] == 2 and listed["next"] is None
    detail = client.get(f"/api/v1/tasks/{accepted.id}", headers=tokens["guancha"]).get_json()
    assert {p["unit"]["name"]: (p["latest_follow_up"] or {}).get("percent") for p in detail["parties"]} == {
        "市工信局": 30, "市发改委": None, "市科技局": 100}


BAD_FOLLOW_UPS = {
    "percent a word": ({"text": "进展", "percent": "abc"}, "percent", "必须是整数"),
    "percent a numeric string": ({"text": "进展", "percent": "50"}, "percent", "必须是整数"),
    "percent a float": ({"text": "进展", "percent": 50.5}, "percent", "必须是整数"),
    "percent a boolean": ({"text": "进展", "percent": True}, "percent", "必须是整数"),
    "percent 101": ({"text": "进展", "percent": 101}, "percent", "0 到 100"),
    "percent negative": ({"text": "进展", "percent": -1}, "percent", "0 到 100"),
    "percent missing": ({"text": "进展"}, "percent", "请填写"),
    "text missing": ({"percent": 10}, "text", "请填写"),
    "text a number": ({"text": 10, "percent": 10}, "text", "必须是文本"),
    "text too long": ({"text": "长" * 2001, "percent": 10}, "text", "不能超过 2000 个字符"),  # core.text.FOLLOW_UP_MAX
    "version a string": ({"text": "进展", "percent": 10, "version": "1"}, "version", "必须是整数"),
}


@pytest.mark.parametrize("kind", list(BAD_FOLLOW_UPS))
def test_an_invalid_follow_up_is_a_422_naming_the_field_and_writes_nothing(client, tokens, accepted, kind):
    payload, field, phrase = BAD_FOLLOW_UPS[kind]
    before, version = written(), accepted.version
    body = assert_json_error(client.post(f"/api/v1/tasks/{accepted.id}/follow-ups", json=payload,
                                         headers=tokens["gxj"]), 422, "invalid", field)
    assert phrase in body["message"]
    assert written() == before and task_row(accepted.id).version == version


def test_follow_up_refusals(client, tokens, task):
    before = written()
    url = f"/api/v1/tasks/{task.id}/follow-ups"
    payload = {"text": "进展", "percent": 10}
    assert_json_error(client.post(url, json=payload, headers=tokens["xtx"]), 404, "not_found")  # not a party
    assert_json_error(client.post(url, json=payload, headers=tokens["fushizhang"]), 403, "forbidden")  # no unit
    assert_json_error(client.post(url, json=payload, headers=tokens["guancha"]), 403, "forbidden")
    assert_json_error(client.post(url, json=payload, headers=tokens["admin"]), 403, "forbidden")  # not a party
    body = assert_json_error(client.post(url, json=payload, headers=tokens["gxj"]), 409, "bad_state")
    assert "签收" in body["message"]  # the lead unit must accept first
    assert_json_error(client.post(url, json=payload, headers=tokens["fgw"]), 409, "bad_state")
    assert_json_error(client.post(url, data="{", content_type="application/json", headers=tokens["gxj"]),
                      400, "bad_json")
    assert written() == before


# --- the workflow ---------------------------------------------------------------------------------------

def post(client, headers, task_id, action, payload=None):
    return client.post(f"/api/v1/tasks/{task_id}/{action}", json=payload if payload is not None else {},
                       headers=headers)


def test_the_whole_workflow_with_a_back_filled_completion_date(client, tokens, admin, user):
    task = assign_task(by=admin, title="补录办结", assigned=date(2026, 2, 2), due=date(2026, 2, 27), co=("市发改委",))
    version = task.version
    response = post(client, tokens["gxj"], task.id, "accept", {"version": version})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["state"] == "accepted" and body["version"] == version + 1

    response = post(client, tokens["gxj"], task.id, "request-completion",
                    {"completed_on": "2026-02-26", "summary": "已于 2 月 26 日完成", "version": body["version"]})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["state"] == "completion_requested"
    assert body["pending_completion"]["completed_on"] == "2026-02-26"
    assert body["pending_completion"]["summary"] == "已于 2 月 26 日完成"
    assert body["completed_on"] is None

    response = post(client, tokens["admin"], task.id, "approve-completion", {"note": "同意"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["state"] == "completed" and body["completed_on"] == "2026-02-26"
    assert body["light"] == "done_on_time" and body["days_overdue"] == 0
    assert body["completion_requests"][0]["status"] == "approved"
    assert body["completion_requests"][0]["decision_note"] == "同意" and body["pending_completion"] is None
    assert task_row(task.id).completed_on == date(2026, 2, 26)
    listed = client.get("/api/v1/tasks?state=completed", headers=tokens["gxj"]).get_json()["items"]
    assert [(i["id"], i["completed_on"], i["light"]) for i in listed] == [(task.id, "2026-02-26", "done_on_time")]
    assert [e["kind"] for e in body["timeline"]] == ["assigned", "accepted", "completion_requested", "completed"]
    # a closed task takes no more actions
    assert_json_error(post(client, tokens["admin"], task.id, "cancel", {"reason": "重复"}), 409, "bad_state")


def test_a_late_completion_counts_its_working_days_overdue(client, tokens, back_dated, admin):
    assert post(client, tokens["gxj"], back_dated.id, "request-completion",
                {"completed_on": "2026-03-04", "summary": "完成"}).status_code == 200
    body = post(client, tokens["admin"], back_dated.id, "approve-completion").get_json()
    assert body["light"] == "done_late" and body["completed_on"] == "2026-03-04" and body["days_overdue"] == 2


BAD_COMPLETIONS = {
    "in the future": ({"completed_on": "2026-03-11", "summary": "完成"}, "completed_on", "晚于今天"),
    "a number": ({"completed_on": 20260301, "summary": "完成"}, "completed_on", "ISO 8601"),
    "not a date": ({"completed_on": "昨天", "summary": "完成"}, "completed_on", "不是有效的日期"),
    "missing": ({"summary": "完成"}, "completed_on", "请填写"),
    "before assignment": ({"completed_on": "2026-02-01", "summary": "完成"}, "completed_on", "早于交办日期"),
    "no summary": ({"completed_on": "2026-03-01"}, "summary", "请填写"),
    "summary not text": ({"completed_on": "2026-03-01", "summary": {"a": 1}}, "summary", "必须是文本"),
}


@pytest.mark.parametrize("kind", list(BAD_COMPLETIONS))
def test_an_invalid_completion_request_is_a_422_and_writes_nothing(client, tokens, back_dated, kind):
    payload, field, phrase = BAD_COMPLETIONS[kind]
    before, version = written(), back_dated.version
    body = assert_json_error(post(client, tokens["gxj"], back_dated.id, "request-completion", payload),
                             422, "invalid", field)
    assert phrase in body["message"]
    assert written() == before
    row = task_row(back_dated.id)
    assert (row.state, row.version, row.completed_on) == (TaskState.accepted, version, None)


def test_completion_today_is_accepted(client, tokens, back_dated):
    response = post(client, tokens["gxj"], back_dated.id, "request-completion",
                    {"completed_on": "2026-03-10", "summary": "今天完成"})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_return_sends_the_task_back_to_in_progress_with_a_reason(client, tokens, back_dated):
    post(client, tokens["gxj"], back_dated.id, "request-completion", {"completed_on": "2026-03-09", "summary": "完成"})
    before = written()
    assert_json_error(post(client, tokens["admin"], back_dated.id, "return", {}), 422, "invalid", "note")
    assert_json_error(post(client, tokens["admin"], back_dated.id, "return", {"note": 3}), 422, "invalid", "note")
    assert written() == before
    response = post(client, tokens["admin"], back_dated.id, "return", {"note": "佐证材料不全"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["state"] == "in_progress" and body["completion_requests"][0]["status"] == "returned"
    assert body["timeline"][-1]["kind"] == "returned" and body["timeline"][-1]["note"] == "佐证材料不全"
    assert_json_error(post(client, tokens["admin"], back_dated.id, "return", {"note": "再退"}), 409, "bad_state")


def test_extension_requested_then_approved_moves_the_due_date(client, tokens, back_dated):
    before = written()
    for payload, field in [({"due_on": 5, "reason": "等批复"}, "due_on"),
                           ({"due_on": "2026-03-01", "reason": "等批复"}, "due_on"),  # not after the deadline
                           ({"due_on": "2026-04-15"}, "reason")]:
        assert_json_error(post(client, tokens["gxj"], back_dated.id, "request-extension", payload),
                          422, "invalid", field)
    assert written() == before
    response = post(client, tokens["gxj"], back_dated.id, "request-extension",
                    {"due_on": "2026-04-15", "reason": "等待省里批复"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["pending_extension"]["requested_due_on"] == "2026-04-15"
    assert_json_error(post(client, tokens["gxj"], back_dated.id, "request-extension",
                           {"due_on": "2026-04-20", "reason": "再延"}), 409, "duplicate")
    assert_json_error(post(client, tokens["gxj"], back_dated.id, "approve-extension"), 403, "forbidden")
    response = post(client, tokens["admin"], back_dated.id, "approve-extension", {"note": "同意"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["due_on"] == "2026-04-15" and body["original_due_on"] == "2026-03-02"
    assert body["light"] == "green" and body["days_overdue"] == 0 and body["pending_extension"] is None
    assert body["extension_requests"][0]["status"] == "approved"
    assert task_row(back_dated.id).due_on == date(2026, 4, 15)


def test_extension_refused_needs_a_note_and_keeps_the_due_date(client, tokens, accepted):
    post(client, tokens["gxj"], accepted.id, "request-extension", {"due_on": "2026-04-30", "reason": "理由"})
    assert_json_error(post(client, tokens["admin"], accepted.id, "refuse-extension", {}), 422, "invalid", "note")
    response = post(client, tokens["admin"], accepted.id, "refuse-extension", {"note": "时限不能再延"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["due_on"] == "2026-03-31" and body["extension_requests"][0]["status"] == "refused"
    assert body["extension_requests"][0]["decision_note"] == "时限不能再延"
    assert_json_error(post(client, tokens["admin"], accepted.id, "refuse-extension", {"note": "再拒"}),
                      409, "bad_state")


def test_urge_by_the_office_and_by_the_vice_mayor_in_charge(client, tokens, task):
    response = post(client, tokens["admin"], task.id, "urge", {"level": 1, "note": "请本周内反馈进展"})
    assert response.status_code == 200, response.get_data(as_text=True)
    # a second urge within the hour asks for confirmation first, and writes nothing until it is given
    before = written()
    assert_json_error(post(client, tokens["fushizhang2"], task.id, "urge", {"level": 3, "note": "全市通报"}),
                      409, "confirm_urge")
    assert written() == before
    response = post(client, tokens["fushizhang2"], task.id, "urge", {"level": 3, "note": "全市通报", "confirmed": True})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["urge_count"] == 2 and [u["level_label"] for u in body["urges"]] == ["催办", "通报"]
    before = written()
    # 杨晓军's portfolio does not include 市工信局 and he did not assign the task
    assert_json_error(post(client, tokens["fushizhang"], task.id, "urge", {"level": 1, "note": "催"}), 403, "forbidden")
    for payload in ({"level": 4, "note": "催"}, {"level": 0, "note": "催"}, {"level": "1", "note": "催"},
                    {"level": True, "note": "催"}, {"note": "催"}, {"level": 1, "note": 5}, {"level": 1},
                    {"level": 1, "note": "  "}):
        field = "level" if not isinstance(payload.get("level"), int) or payload["level"] not in (1, 2, 3) \
            or payload["level"] is True else "note"
        assert_json_error(post(client, tokens["admin"], task.id, "urge", payload), 422, "invalid", field)
    assert written() == before


def test_cancel_needs_a_reason_and_closes_the_task(client, tokens, task):
    before = written()
    assert_json_error(post(client, tokens["admin"], task.id, "cancel", {"reason": " "}), 422, "invalid", "reason")
    assert_json_error(post(client, tokens["gxj"], task.id, "cancel", {"reason": "不做了"}), 403, "forbidden")
    assert written() == before
    response = post(client, tokens["admin"], task.id, "cancel", {"reason": "并入其他事项"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["state"] == "cancelled" and body["light"] == "cancelled" and body["actions"] == []
    assert client.get("/api/v1/tasks?state=cancelled", headers=tokens["admin"]).get_json()["total"] == 1


def test_a_leader_decides_only_on_tasks_they_assigned(client, tokens, user, clock):
    mine = assign_task(by=user("fushizhang"), title="副市长交办", lead="市科技局")
    services.accept_task(user("kjj"), mine)
    services.request_completion(user("kjj"), mine, TODAY, "完成", TODAY)
    before = written()
    assert_json_error(post(client, tokens["fushizhang2"], mine.id, "approve-completion"), 403, "forbidden")
    assert_json_error(post(client, tokens["shizhang"], mine.id, "return", {"note": "不行"}), 403, "forbidden")
    assert written() == before
    response = post(client, tokens["fushizhang"], mine.id, "approve-completion")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["state"] == "completed"


ACTIONS = {
    "accept": {},
    "request-completion": {"completed_on": "2026-03-10", "summary": "完成"},
    "approve-completion": {},
    "return": {"note": "退回"},
    "request-extension": {"due_on": "2026-04-30", "reason": "理由"},
    "approve-extension": {},
    "refuse-extension": {"note": "不同意"},
    "urge": {"level": 1},
    "cancel": {"reason": "撤销"},
}
UNIT_ACTIONS = {"accept", "request-completion", "request-extension"}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_is_refused_to_outsiders_without_writing(client, tokens, task, action):
    before = written()
    # staff of a unit that is not on the task: the task does not exist for them, or the action is not theirs
    status = 404 if action in UNIT_ACTIONS else 403
    assert_json_error(post(client, tokens["xtx"], task.id, action, ACTIONS[action]), status)
    assert_json_error(post(client, tokens["guancha"], task.id, action, ACTIONS[action]), 403, "forbidden")
    assert_json_error(post(client, {}, task.id, action, ACTIONS[action]), 401, "unauthorized")
    # a co-unit is on the task, but only the lead unit accepts, completes and asks for more time
    assert_json_error(post(client, tokens["fgw"], task.id, action, ACTIONS[action]), 403, "forbidden")
    assert_json_error(post(client, tokens["admin"], 999999, action, ACTIONS[action]), 404, "not_found")
    assert written() == before


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_refuses_malformed_json_with_400(client, tokens, task, action):
    username = "gxj" if action in UNIT_ACTIONS else "admin"
    before = written()
    assert_json_error(client.post(f"/api/v1/tasks/{task.id}/{action}", data='{"version": 1',
                                  content_type="application/json", headers=tokens[username]), 400, "bad_json")
    assert written() == before


def test_a_stale_version_is_a_409_and_the_right_one_succeeds(client, tokens, task):
    before = written()
    body = assert_json_error(post(client, tokens["gxj"], task.id, "accept", {"version": task.version + 5}),
                             409, "conflict")
    assert "刷新" in body["message"]
    assert_json_error(post(client, tokens["gxj"], task.id, "accept", {"version": "x"}), 422, "invalid", "version")
    assert_json_error(post(client, tokens["gxj"], task.id, "accept", {"version": 0}), 422, "invalid", "version")
    assert written() == before
    assert post(client, tokens["gxj"], task.id, "accept", {"version": task.version}).status_code == 200
    assert_json_error(post(client, tokens["gxj"], task.id, "accept"), 409, "bad_state")


# --- GET /api/v1/dispatch -------------------------------------------------------------------------------

def test_a_vice_mayor_gets_their_own_dispatch_list(client, tokens, back_dated, admin, user):
    services.record_follow_up(user("fgw"), back_dated, "配合推进", 20, TODAY)
    other = assign_task(by=admin, title="科技局事项", lead="市科技局")
    response = client.get("/api/v1/dispatch?xun=2026-03-1", headers=tokens["fushizhang2"])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["person"]["name"] == "丁诚" and body["as_of"] == "2026-03-10"
    assert body["xun"] == {"code": "2026-03-1", "label": "2026年3月上旬", "start": "2026-03-01",
                           "end": "2026-03-10", "previous": "2026-02-3", "next": "2026-03-2"}
    assert body["title"] == "副市长丁诚 2026年3月上旬调度清单"
    (row,) = body["items"]  # one row per task of the portfolio's units, paged like every list
    assert body["total"] == 1 and body["next"] is None
    assert row["id"] == back_dated.id and row["lead_unit"]["name"] == "市工信局" and row["light"] == "red"
    assert row["days_overdue"] == 6 and row["stale"] is True and "follow_ups" not in row
    with_follow_ups = client.get("/api/v1/dispatch?xun=2026-03-1&include=follow_ups",
                                 headers=tokens["fushizhang2"]).get_json()
    (row,) = with_follow_ups["items"]
    assert row["follow_ups"] == [
        {"unit": {"id": unit("市工信局").id, "name": "市工信局"}, "is_lead": True, "latest_follow_up": None},
        {"unit": {"id": unit("市发改委").id, "name": "市发改委"}, "is_lead": False,
         "latest_follow_up": {"id": row["follow_ups"][1]["latest_follow_up"]["id"], "text": "配合推进",
                              "percent": 20, "reported_on": "2026-03-10"}}]
    assert other.id not in {r["id"] for r in body["items"]}
    own = client.get(f"/api/v1/dispatch?person_id={person('丁诚').id}", headers=tokens["fushizhang2"]).get_json()
    assert own["xun"]["code"] == "2026-03-1"  # the current 旬 by default


@pytest.mark.parametrize("username", ["admin", "guancha"])
def test_the_office_and_the_observer_get_any_leaders_dispatch_list(client, tokens, back_dated, username):
    response = client.get(f"/api/v1/dispatch?person_id={person('丁诚').id}&xun=2026-3-1", headers=tokens[username])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [r["id"] for r in response.get_json()["items"]] == [back_dated.id]
    assert_json_error(client.get("/api/v1/dispatch", headers=tokens[username]), 400, "bad_parameter", "person_id")
    assert_json_error(client.get("/api/v1/dispatch?person_id=999999", headers=tokens[username]), 404, "not_found")


def test_dispatch_refusals(client, tokens, clock):
    assert_json_error(client.get(f"/api/v1/dispatch?person_id={person('丁诚').id}", headers=tokens["gxj"]),
                      403, "forbidden")
    assert_json_error(client.get(f"/api/v1/dispatch?person_id={person('丁诚').id}", headers=tokens["fushizhang"]),
                      403, "forbidden")  # another leader's list
    for xun in ("2026-13-1", "2026-11-4", "下旬", "2026-11"):
        assert_json_error(client.get(f"/api/v1/dispatch?xun={xun}", headers=tokens["fushizhang"]),
                          400, "bad_parameter", "xun")
    assert_json_error(client.get("/api/v1/dispatch?person_id=abc", headers=tokens["admin"]),
                      400, "bad_parameter", "person_id")


# --- the OpenAPI document -------------------------------------------------------------------------------

NEW_OPERATIONS = {
    ("/api/v1/tasks", "get"), ("/api/v1/tasks", "post"), ("/api/v1/tasks/{task_id}", "get"),
    ("/api/v1/tasks/{task_id}/follow-ups", "get"), ("/api/v1/tasks/{task_id}/follow-ups", "post"),
    *{(f"/api/v1/tasks/{{task_id}}/{action}", "post") for action in ACTIONS},
    ("/api/v1/dispatch", "get"),
}


def test_openapi_lists_every_task_endpoint_with_its_schemas(client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert documented >= NEW_OPERATIONS, NEW_OPERATIONS - documented
    for path, method in NEW_OPERATIONS:
        operation = document["paths"][path][method]
        assert CHINESE.search(operation["summary"]) and operation["security"] == [{"bearerAuth": []}]
        success = next(s for s in operation["responses"] if s.startswith("2"))
        assert operation["responses"][success]["content"]["application/json"]["schema"]["type"] in ("object", "array")
        if method == "post":
            assert operation["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
    listing = document["paths"]["/api/v1/tasks"]["get"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert set(params) == {"plan", "unit_id", "group", "light", "state", "due_from", "due_to", "q", "page",
                           "per_page", "cursor", "updated_since"}
    assert all(p["in"] == "query" for p in params.values())
    assert params["per_page"]["schema"]["maximum"] == 200 and params["due_from"]["schema"]["format"] == "date"
    assert {"green", "yellow", "red", "done_on_time", "done_late"} <= set(params["light"]["schema"]["enum"])
    create = document["paths"]["/api/v1/tasks"]["post"]
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"title", "lead_unit_id", "due_on"}
    assert schema["properties"]["due_on"]["format"] == "date" and "201" in create["responses"]
    completion = document["paths"]["/api/v1/tasks/{task_id}/request-completion"]["post"]
    body = completion["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["completed_on"]["format"] == "date" and "version" in body["properties"]
    assert {p["name"] for p in document["paths"]["/api/v1/dispatch"]["get"]["parameters"]} == {
        "person_id", "xun", "unit_id", "light", "state", "due_from", "due_to", "updated_since", "include", "page",
        "per_page", "cursor"}


# --- the task page's rules hold for the API too (#16) ------------------------------------------------------

def test_a_decreasing_percent_needs_its_reason_through_the_api(client, tokens, accepted):
    url = f"/api/v1/tasks/{accepted.id}/follow-ups"
    assert client.post(url, json={"text": "完成选址", "percent": 60}, headers=tokens["gxj"]).status_code == 201
    before = written()
    assert_json_error(client.post(url, json={"text": "方案调整", "percent": 40}, headers=tokens["gxj"]), 422,
                      "invalid", "decrease_reason")
    assert written() == before
    response = client.post(url, json={"text": "方案调整", "percent": 40, "decrease_reason": "用地方案被退回重做"},
                           headers=tokens["gxj"])
    assert response.status_code == 201, response.get_data(as_text=True)
    assert db.session.get(FollowUp, response.get_json()["id"]).decrease_reason == "用地方案被退回重做"


def test_completion_without_evidence_needs_the_reason_through_the_api(app, client, tokens, accepted):
    app.config["COMPLETION_NEEDS_EVIDENCE"] = True
    try:
        url = f"/api/v1/tasks/{accepted.id}/request-completion"
        payload = {"completed_on": "2026-03-10", "summary": "已完成"}
        before = written()
        body = assert_json_error(client.post(url, json=payload, headers=tokens["gxj"]), 422, "invalid",
                                 "no_evidence_reason")
        assert CHINESE.search(body["message"])
        assert written() == before
        response = client.post(url, json=dict(payload, no_evidence_reason="会议纪要尚未印发"), headers=tokens["gxj"])
        assert response.status_code == 200, response.get_data(as_text=True)
        assert task_row(accepted.id).state is TaskState.completion_requested
        assert db.session.scalar(sa.select(CompletionRequest.no_evidence_reason).where(
            CompletionRequest.task_id == accepted.id)) == "会议纪要尚未印发"
    finally:
        app.config["COMPLETION_NEEDS_EVIDENCE"] = False
