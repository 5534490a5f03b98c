"""The meetings API through HTTP: expected meetings and records (lists with filters, details with items and frozen
data), logging a record, editing (a signed record only with a reason), signing off, decisions that become tasks,
escalation up the ladder, compliance counts, the month's analysis, and their OpenAPI entries.

Refusals: 401 without a token, 403 for the wrong convener or role, 404 for unknown ids, 409 for duplicates, locked
records and stale versions, 400/422 (Chinese, with the field) for bad input — and nothing written by a refused
request."""

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app.core.models import AuditEntry
from app.extensions import db
from app.meetings.models import (
    Escalation,
    MeetingRecord,
    RecordAmendment,
    RecordItem,
)
from app.tasks.models import Task, TaskSource, TaskState
from tests.factories import make_task, unit
from tests.helpers import assert_json_error, assert_ok
from tests.meetings.records_helpers import dispatch, monthly, weekly

pytestmark = pytest.mark.usefixtures("clock")  # every test runs on the frozen clock (2026-03-10), tokens included

CHINESE = re.compile(r"[\u4e00-\u9fff]")
D = date.fromisoformat


# --- helpers --------------------------------------------------------------------------------------------

def written():
    """Row counts of everything the meetings API can write (audit entries of the test tokens excepted)."""
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in
              (MeetingRecord, RecordItem, Escalation, RecordAmendment, Task)]
    counts.append(db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                    .where(AuditEntry.object_type != "api_tokens")))
    counts.append(db.session.scalar(sa.select(sa.func.sum(MeetingRecord.version))))
    return tuple(counts)


def create(client, headers, meeting, **body):
    body.setdefault("held_on", "2026-03-09")
    return client.post(f"/api/v1/meetings/{meeting.id}/record", json=body, headers=headers)


@pytest.fixture
def week(clock):
    """市科技局's 周会商 of the week of 2026-03-09 (today is 2026-03-10), record due 03-12."""
    return weekly("2026-03-09", "市科技局")


@pytest.fixture
def record(client, tokens, week):
    """市科技局's draft record of that week, with one decision that became a task."""
    body = assert_ok(create(client, tokens["kjj"], week, place="科技局三楼会议室", topics="研发投入",
                            minutes="会商了研发投入统计。", unit_ids=[unit("市科技局").id, unit("市工信局").id],
                            decisions=[{"text": "三月底前完成研发投入摸底", "lead_unit_id": unit("市科技局").id,
                                        "co_unit_ids": [unit("市工信局").id], "due_on": "2026-03-31"}]), 201)
    return body


# --- authentication -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "url"), [
    ("GET", "/api/v1/meetings"), ("GET", "/api/v1/meetings/1"), ("GET", "/api/v1/meeting-records"),
    ("GET", "/api/v1/meeting-records/1"), ("POST", "/api/v1/meetings/1/record"),
    ("PATCH", "/api/v1/meeting-records/1"), ("POST", "/api/v1/meeting-records/1/sign-off"),
    ("POST", "/api/v1/meeting-records/1/decisions"), ("POST", "/api/v1/meeting-record-items/1/escalate"),
    ("GET", "/api/v1/compliance"), ("GET", "/api/v1/analysis/2026-03"),
])
def test_every_endpoint_needs_a_token(client, method, url):
    response = client.open(url, method=method, json={})
    assert_json_error(response, 401, code="unauthorized")


# --- expected meetings ----------------------------------------------------------------------------------

def test_meeting_list_filters_by_type_period_convener_and_status(client, tokens, week, record):
    other = weekly("2026-03-16", "市科技局")
    gxj_week = weekly("2026-03-02", "市工信局")  # record due 03-05: missing today
    mayor_month = monthly("2026-03-01", scheduled_on="2026-03-31")
    cancelled = weekly("2026-03-02", "市发改委")
    cancelled.is_cancelled = True
    db.session.flush()
    headers = tokens["guancha"]
    body = assert_ok(client.get("/api/v1/meetings?start=2026-03-01&end=2026-03-31", headers=headers))
    ids = [m["id"] for m in body["items"]]
    assert body["total"] == 4 and set(ids) == {week.id, other.id, gxj_week.id, mayor_month.id}
    assert ids[0] == gxj_week.id  # by proposed day
    item = next(m for m in body["items"] if m["id"] == week.id)
    assert item["type"] == "weekly" and item["type_label"] == "周会商"
    assert item["period_label"] == "2026年第11周" and item["convener_unit"]["name"] == "市科技局"
    assert item["scheduled_on"] == "2026-03-09" and item["record_due_on"] == "2026-03-12"
    assert item["status"] == "recorded" and item["record_id"] == record["id"] and item["logged_on"] == "2026-03-10"

    body = assert_ok(client.get(f"/api/v1/meetings?type=weekly&convener_unit_id={unit('市科技局').id}",
                                headers=headers))
    assert {m["id"] for m in body["items"]} == {week.id, other.id}
    body = assert_ok(client.get("/api/v1/meetings?status=missing", headers=headers))
    assert [m["id"] for m in body["items"]] == [gxj_week.id] and body["total"] == 1
    assert body["items"][0]["status_label"] == "缺失"
    body = assert_ok(client.get("/api/v1/meetings?status=pending&type=monthly", headers=headers))
    assert [m["id"] for m in body["items"]] == [mayor_month.id]
    assert body["items"][0]["convener_person"]["name"] == "胡贺波"
    body = assert_ok(client.get("/api/v1/meetings?include_cancelled=true&type=weekly", headers=headers))
    assert cancelled.id in {m["id"] for m in body["items"]}
    body = assert_ok(client.get("/api/v1/meetings?per_page=2&page=2", headers=headers))
    assert body["total"] == 4 and body["page"] == 2 and len(body["items"]) == 2
    body = assert_ok(client.get("/api/v1/meetings?status=pending&per_page=1&page=2", headers=headers))
    assert body["total"] == 2 and len(body["items"]) == 1


@pytest.mark.parametrize(("query", "field"), [
    ("type=daily", "type"), ("start=2026-13-01", "start"), ("end=03/31/2026", "end"),
    ("start=2026-03-31&end=2026-03-01", "end"), ("status=done", "status"), ("per_page=0", "per_page"),
    ("per_page=500", "per_page"), ("page=x", "page"), ("convener_unit_id=-1", "convener_unit_id"),
    ("include_cancelled=maybe", "include_cancelled"),
])
def test_meeting_list_refuses_bad_parameters_in_chinese(client, tokens, query, field):
    assert_json_error(client.get(f"/api/v1/meetings?{query}", headers=tokens["admin"]), 400, field=field)


def test_meeting_detail_says_whether_the_caller_may_log_it(client, tokens, week):
    body = assert_ok(client.get(f"/api/v1/meetings/{week.id}", headers=tokens["kjj"]))
    assert body["id"] == week.id and body["status"] == "pending" and body["can_log"] is True
    assert assert_ok(client.get(f"/api/v1/meetings/{week.id}", headers=tokens["gxj"]))["can_log"] is False
    assert assert_ok(client.get(f"/api/v1/meetings/{week.id}", headers=tokens["guancha"]))["can_log"] is False
    assert_json_error(client.get("/api/v1/meetings/999999", headers=tokens["kjj"]), 404, code="not_found")


# --- records: create ------------------------------------------------------------------------------------

def test_the_convening_unit_logs_the_weekly_record_and_its_decision_becomes_a_linked_task(client, tokens, week,
                                                                                          record):
    assert record["type"] == "weekly" and record["status"] == "draft" and record["expected_id"] == week.id
    assert record["title"] == "市科技局 2026年第11周周会商纪要"
    assert record["held_on"] == "2026-03-09" and record["place"] == "科技局三楼会议室"
    assert [u["name"] for u in record["units"]] == ["市科技局", "市工信局"]
    assert record["actions"] == ["edit", "sign_off"]
    [decision] = record["items"]
    assert decision["kind"] == "decision" and decision["unit"]["name"] == "市科技局"
    assert decision["due_on"] == "2026-03-31" and decision["task"]["state"] == "assigned"
    task = db.session.get(Task, decision["task"]["id"])
    assert task.source is TaskSource.meeting and task.meeting_ref_id == record["id"]
    assert task.lead_unit.name == "市科技局" and [u.name for u in task.co_units] == ["市工信局"]
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"meeting_record.create", "meeting_item.create"} <= actions


def test_a_record_for_a_meeting_the_users_unit_does_not_convene_is_refused_and_nothing_written(
        client, tokens, week):
    headers = tokens["gxj"]
    before = written()
    response = create(client, headers, week, minutes="越权填写")
    assert_json_error(response, 403, code="forbidden", message="市科技局的周会商纪要只能由召集单位或千百十办填写")
    # refused before the body is read: the same answer to a body that is not even JSON
    assert_json_error(client.post(f"/api/v1/meetings/{week.id}/record", data="x", headers=headers), 403)
    for username in ("guancha", "fushizhang"):
        assert_json_error(create(client, tokens[username], week), 403)
    assert written() == before


def test_a_duplicate_record_for_the_same_meeting_is_refused(client, tokens, week, record):
    before = written()
    assert_json_error(create(client, tokens["kjj"], week), 409, code="duplicate", message="不能重复填写")
    assert_json_error(create(client, tokens["admin"], week), 409, code="duplicate")
    assert written() == before


@pytest.mark.parametrize(("decision", "field", "message"), [
    ({"text": "摸底", "lead_unit_id": 999999, "due_on": "2026-03-31"}, "lead_unit_id", "牵头单位不存在"),
    ({"text": "摸底", "lead_unit_id": "UNIT", "due_on": "2026-03-31"}, "lead_unit_id", "必须是整数"),
    ({"text": "摸底", "lead_unit_id": "KJJ", "due_on": "2026-03-01"}, "due_on", "早于今天"),
    ({"text": "摸底", "lead_unit_id": "KJJ", "due_on": "2026-02-30"}, "due_on", "不是有效的日期"),
    ({"text": "摸底", "lead_unit_id": "KJJ"}, "due_on", "完成时限"),
    ({"text": "", "lead_unit_id": "KJJ", "due_on": "2026-03-31"}, "text", "内容"),
    ({"text": "摸底", "lead_unit_id": "KJJ", "due_on": "2026-03-31", "co_unit_ids": [999999]}, "co_unit_ids",
     "配合单位"),
    ({"text": "摸底", "lead_unit_id": "KJJ", "due_on": "2026-03-31", "owner": "x"}, "owner", "不认识的字段"),
])
def test_a_record_with_a_bad_decision_is_refused_and_nothing_written(client, tokens, week, decision, field,
                                                                     message):
    if decision.get("lead_unit_id") == "KJJ":
        decision = dict(decision, lead_unit_id=unit("市科技局").id)
    before = written()
    response = create(client, tokens["kjj"], week, minutes="会商", decisions=[decision])
    assert response.status_code == 422, response.get_data(as_text=True)
    assert_json_error(response, 422, message=message)
    assert written() == before


@pytest.mark.parametrize(("body", "status", "message"), [
    ({}, 422, "请填写会议日期"),
    ({"held_on": "2026-03-11"}, 422, "晚于今天"),
    ({"held_on": "9 March"}, 422, "ISO 8601"),
    ({"held_on": "2026-03-09", "minutes": 12}, 422, "必须是文本"),
    ({"held_on": "2026-03-09", "unit_ids": "科技局"}, 422, "列表"),
    ({"held_on": "2026-03-09", "unit_ids": [999999]}, 422, "参会单位"),
    ({"held_on": "2026-03-09", "decisions": {"text": "x"}}, 422, "必须是列表"),
    ({"held_on": "2026-03-09", "visits": ["观摩"]}, 422, "季考核"),
    ({"held_on": "2026-03-09", "instructions": [{"task_id": 1, "text": "抓紧"}]}, 422, "旬调度"),
    ({"held_on": "2026-03-09", "minutes": "纪" * 50001}, 422, "不能超过"),
    ({"held_on": "2026-03-09", "signed": True}, 422, "不认识的字段"),
])
def test_a_record_with_bad_fields_is_refused_in_chinese_and_nothing_written(client, tokens, week, body, status,
                                                                           message):
    before = written()
    response = client.post(f"/api/v1/meetings/{week.id}/record", json=body, headers=tokens["kjj"])
    assert_json_error(response, status, message=message)
    assert written() == before


def test_a_body_that_is_not_a_json_object_is_refused(client, tokens, week):
    url = f"/api/v1/meetings/{week.id}/record"
    assert_json_error(client.post(url, data="held_on=2026-03-09", headers=tokens["kjj"]), 400, code="bad_json")
    assert_json_error(client.post(url, json=["2026-03-09"], headers=tokens["kjj"]), 400, code="bad_json")
    assert_json_error(client.post("/api/v1/meetings/999999/record", json={"held_on": "2026-03-09"},
                                  headers=tokens["kjj"]), 404)


def test_the_mayors_monthly_record_freezes_the_months_analysis(client, tokens, clock):
    clock.set(datetime(2026, 4, 2, 9, 0))
    make_task("市工信局", assigned="2026-03-02", due="2026-03-20")
    meeting = monthly("2026-03-01", scheduled_on="2026-03-31")
    body = assert_ok(create(client, tokens["shizhang"], meeting, held_on="2026-04-01", comments="抓紧清零逾期事项"),
                     201)
    snap = body["snapshot"]
    assert snap["key"] == "2026-03" and snap["totals"]["assigned"] == 1 and snap["totals"]["overdue"] == 1
    assert body["comments"] == "抓紧清零逾期事项"
    # later changes to the tasks do not change the frozen analysis
    task = db.session.scalar(sa.select(Task).where(Task.assigned_on == D("2026-03-02")))
    task.state, task.completed_on = TaskState.completed, D("2026-03-15")
    db.session.flush()
    again = assert_ok(client.get(f"/api/v1/meeting-records/{body['id']}", headers=tokens["guancha"]))
    assert again["snapshot"]["totals"]["overdue"] == 1
    assert_json_error(create(client, tokens["fushizhang"], monthly("2026-02-01", scheduled_on="2026-02-27"),
                             held_on="2026-03-02"), 403)


# --- records: read --------------------------------------------------------------------------------------

def test_record_list_filters_and_detail_for_every_signed_in_user(client, tokens, week, record):
    other = assert_ok(create(client, tokens["gxj"], weekly("2026-03-02", "市工信局"), held_on="2026-03-03"), 201)
    for username in ("guancha", "gxj", "fushizhang"):
        body = assert_ok(client.get("/api/v1/meeting-records", headers=tokens[username]))
        assert body["total"] == 2 and [r["id"] for r in body["items"]] == [record["id"], other["id"]]
    headers = tokens["guancha"]
    body = assert_ok(client.get(f"/api/v1/meeting-records?convener_unit_id={unit('市工信局').id}", headers=headers))
    assert [r["id"] for r in body["items"]] == [other["id"]]
    body = assert_ok(client.get("/api/v1/meeting-records?start=2026-03-05&type=weekly&status=draft",
                                headers=headers))
    assert [r["id"] for r in body["items"]] == [record["id"]]
    assert assert_ok(client.get("/api/v1/meeting-records?status=signed", headers=headers))["total"] == 0
    detail = assert_ok(client.get(f"/api/v1/meeting-records/{record['id']}", headers=headers))
    assert detail["minutes"] == "会商了研发投入统计。" and detail["snapshot"] is None
    assert detail["actions"] == [] and len(detail["items"]) == 1
    assert_json_error(client.get("/api/v1/meeting-records/999999", headers=headers), 404)
    assert_json_error(client.get("/api/v1/meeting-records?status=open", headers=headers), 400, field="status")


# --- records: edit and sign off -------------------------------------------------------------------------

def test_a_draft_is_edited_and_a_stale_version_is_refused(client, tokens, record):
    url = f"/api/v1/meeting-records/{record['id']}"
    body = assert_ok(client.patch(url, json={"minutes": "补充：请工信局配合。", "version": record["version"]},
                                  headers=tokens["kjj"]))
    assert body["minutes"] == "补充：请工信局配合。" and body["version"] > record["version"]
    assert body["amendments"] == []
    before = written()
    assert_json_error(client.patch(url, json={"minutes": "旧版本上的修改", "version": record["version"]},
                                   headers=tokens["kjj"]), 409, code="conflict")
    assert_json_error(client.patch(url, json={"minutes": "别人的纪要"}, headers=tokens["gxj"]), 403)
    assert_json_error(client.patch(url, json={"place": 3}, headers=tokens["kjj"]), 422, field="place")
    assert_json_error(client.patch(url, json={"status": "signed"}, headers=tokens["kjj"]), 422, message="不认识的字段")
    assert_json_error(client.patch("/api/v1/meeting-records/999999", json={}, headers=tokens["kjj"]), 404)
    assert written() == before


def test_sign_off_locks_the_record_and_an_edit_without_a_reason_is_refused(client, tokens, record):
    url = f"/api/v1/meeting-records/{record['id']}"
    assert_json_error(client.post(f"{url}/sign-off", json={}, headers=tokens["gxj"]), 403)
    signed = assert_ok(client.post(f"{url}/sign-off", json={"version": record["version"]}, headers=tokens["kjj"]))
    assert signed["status"] == "signed" and signed["status_label"] == "已签发" and signed["signed_at"]
    assert signed["signed_by"]["id"] and signed["actions"] == ["edit"]
    before = written()
    assert_json_error(client.post(f"{url}/sign-off", json={}, headers=tokens["kjj"]), 409, message="已经签发")
    response = client.patch(url, json={"minutes": "签发后改"}, headers=tokens["kjj"])
    assert_json_error(response, 409, code="locked", field="reason", message="必须填写修改理由")
    assert written() == before
    amended = assert_ok(client.patch(url, json={"minutes": "签发后改", "reason": "补记会上遗漏的意见"},
                                     headers=tokens["kjj"]))
    assert amended["minutes"] == "签发后改" and amended["status"] == "signed"
    assert [(a["reason"], a["changed"]) for a in amended["amendments"]] == [("补记会上遗漏的意见", "会议纪要")]
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "meeting_record.amend")).reason == \
        "补记会上遗漏的意见"


# --- decisions ------------------------------------------------------------------------------------------

def test_a_decision_added_later_becomes_a_task_and_on_a_signed_record_needs_a_reason(client, tokens, record):
    url = f"/api/v1/meeting-records/{record['id']}/decisions"
    kjj = unit("市科技局").id
    item = assert_ok(client.post(url, json={"text": "四月十日前报送统计表", "lead_unit_id": kjj,
                                            "due_on": "2026-04-10"}, headers=tokens["kjj"]), 201)
    assert item["kind"] == "decision" and item["task"]["due_on"] == "2026-04-10"
    assert db.session.get(Task, item["task"]["id"]).meeting_ref_id == record["id"]
    note = assert_ok(client.post(url, json={"text": "只作记录", "lead_unit_id": kjj, "make_task": False},
                                 headers=tokens["kjj"]), 201)
    assert note["task"] is None
    assert_ok(client.post(f"/api/v1/meeting-records/{record['id']}/sign-off", json={}, headers=tokens["kjj"]))
    before = written()
    body = {"text": "补充决定", "lead_unit_id": kjj, "due_on": "2026-04-10"}
    assert_json_error(client.post(url, json=body, headers=tokens["kjj"]), 409, code="locked")
    assert_json_error(client.post(url, json=body, headers=tokens["gxj"]), 403)
    assert_json_error(client.post(url, json=dict(body, lead_unit_id=999999, reason="补记"), headers=tokens["kjj"]),
                      422, message="牵头单位不存在")
    assert_json_error(client.post(url, json=dict(body, due_on="2026-03-09", reason="补记"), headers=tokens["kjj"]),
                      422, field="due_on", message="早于今天")
    assert_json_error(client.post("/api/v1/meeting-records/999999/decisions", json=body, headers=tokens["kjj"]), 404)
    assert written() == before
    late = assert_ok(client.post(url, json=dict(body, reason="会后补记"), headers=tokens["kjj"]), 201)
    assert late["task"] is not None


# --- escalation -----------------------------------------------------------------------------------------

def test_an_unresolved_decision_is_escalated_to_the_vice_mayors_next_dispatch(client, tokens, record):
    target = dispatch("2026-03-11", "杨晓军", scheduled_on="2026-03-11")  # 杨晓军's portfolio has 市科技局
    item_id = record["items"][0]["id"]
    url = f"/api/v1/meeting-record-items/{item_id}/escalate"
    before = written()
    assert_json_error(client.post(url, json={}, headers=tokens["kjj"]), 422, field="reason")
    assert_json_error(client.post(url, json={"reason": "需副市长协调"}, headers=tokens["gxj"]), 403)
    assert written() == before
    body = assert_ok(client.post(url, json={"reason": "需副市长协调统计口径"}, headers=tokens["kjj"]), 201)
    escalation = body["escalation"]
    assert escalation["target"]["id"] == target.id and escalation["target"]["type"] == "dispatch"
    assert escalation["status"] == "open" and escalation["reason"] == "需副市长协调统计口径"
    assert [(s["type"], s["pending"]) for s in body["path"]] == [("weekly", False), ("dispatch", True)]
    assert body["path"][0]["reason"] == "需副市长协调统计口径"
    detail = assert_ok(client.get(f"/api/v1/meeting-records/{record['id']}", headers=tokens["guancha"]))
    assert detail["items"][0]["escalation"]["target"]["id"] == target.id
    before = written()
    assert_json_error(client.post(url, json={"reason": "再报一次"}, headers=tokens["kjj"]), 409, code="duplicate")
    assert_json_error(client.post("/api/v1/meeting-record-items/999999/escalate", json={"reason": "x"},
                                  headers=tokens["kjj"]), 404)
    assert written() == before


def test_escalation_without_a_scheduled_target_is_refused(client, tokens, record):
    before = written()
    response = client.post(f"/api/v1/meeting-record-items/{record['items'][0]['id']}/escalate",
                           json={"reason": "需协调"}, headers=tokens["kjj"])
    assert_json_error(response, 409, code="no_target", message="尚未排定")
    assert written() == before


# --- compliance -----------------------------------------------------------------------------------------

def test_compliance_counts_by_type_and_convener(client, tokens, week, record):
    weekly("2026-03-02", "市工信局")  # due 03-05, no record: missing
    weekly("2026-03-16", "市工信局")  # pending
    late = weekly("2026-02-23", "市发改委", scheduled_on="2026-03-02")
    db.session.add(MeetingRecord(expected_id=late.id, type=late.type, held_on=D("2026-03-02"),
                                 created_at=datetime(2026, 3, 8, 2, 0, tzinfo=UTC)))
    db.session.flush()
    body = assert_ok(client.get("/api/v1/compliance?start=2026-03-01&end=2026-03-31", headers=tokens["guancha"]))
    assert body["start"] == "2026-03-01" and body["end"] == "2026-03-31" and body["as_of"] == "2026-03-10"
    weekly_counts = next(t for t in body["by_type"] if t["type"] == "weekly")
    assert (weekly_counts["expected"], weekly_counts["recorded"], weekly_counts["late"], weekly_counts["missing"],
            weekly_counts["pending"], weekly_counts["logged"]) == (4, 1, 1, 1, 1, 2)
    assert weekly_counts["rate"] == pytest.approx(66.7) and weekly_counts["label"] == "周会商"
    assert body["total"]["expected"] == 4
    conveners = {c["convener_label"]: c for c in body["by_convener"]}
    assert conveners["市工信局"]["missing"] == 1 and conveners["市工信局"]["pending"] == 1
    assert conveners["市发改委"]["late"] == 1
    default = assert_ok(client.get("/api/v1/compliance", headers=tokens["gxj"]))
    assert (default["start"], default["end"]) == ("2026-03-01", "2026-03-31")


@pytest.mark.parametrize(("query", "field"), [
    ("start=2026-03-31&end=2026-03-01", "end"), ("start=2026-3-1", "start"), ("start=2025-01-01&end=2026-03-01",
                                                                             "end"),
])
def test_compliance_refuses_bad_ranges(client, tokens, query, field):
    assert_json_error(client.get(f"/api/v1/compliance?{query}", headers=tokens["admin"]), 400, field=field)


# --- the month's analysis -------------------------------------------------------------------------------

def test_analysis_of_a_month_for_the_office_leaders_and_observers(client, tokens, clock):
    make_task("市工信局", assigned="2026-03-02", due="2026-03-05")
    for username in ("admin", "shizhang", "guancha"):
        body = assert_ok(client.get("/api/v1/analysis/2026-03", headers=tokens[username]))
        assert body["key"] == "2026-03" and body["evaluated_on"] == "2026-03-10" and not body["closed"]
        assert body["totals"]["assigned"] == 1 and body["totals"]["overdue"] == 1
        assert body["red_units"][0]["name"] == "市工信局"
    assert assert_ok(client.get("/api/v1/analysis/2026-02", headers=tokens["admin"]))["closed"] is True
    assert_json_error(client.get("/api/v1/analysis/2026-03", headers=tokens["gxj"]), 403)


@pytest.mark.parametrize(("month", "status", "message"), [
    ("2026-13", 400, "格式不正确"), ("March", 400, "格式不正确"), ("2026-04", 422, "尚未开始"),
])
def test_analysis_refuses_bad_or_future_months(client, tokens, month, status, message):
    assert_json_error(client.get(f"/api/v1/analysis/{month}", headers=tokens["admin"]), status, message=message,
                      field="month")


# --- OpenAPI --------------------------------------------------------------------------------------------

def test_every_meetings_operation_is_in_the_openapi_document_with_schemas(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    expected = {
        "/api/v1/meetings": ["get"], "/api/v1/meetings/{meeting_id}": ["get"],
        "/api/v1/meetings/{meeting_id}/record": ["post"], "/api/v1/meeting-records": ["get"],
        "/api/v1/meeting-records/{record_id}": ["get", "patch"],
        "/api/v1/meeting-records/{record_id}/sign-off": ["post"],
        "/api/v1/meeting-records/{record_id}/decisions": ["post"],
        "/api/v1/meeting-record-items/{item_id}/escalate": ["post"], "/api/v1/compliance": ["get"],
        "/api/v1/analysis/{month}": ["get"],
    }
    for path, methods in expected.items():
        for method in methods:
            operation = doc["paths"][path][method]
            assert operation["tags"] == ["会议"] and CHINESE.search(operation["summary"])
            success = next(code for code in operation["responses"] if code.startswith("2"))
            assert operation["responses"][success]["content"]["application/json"]["schema"]["type"] in (
                "object", "array")
            if method in ("post", "patch"):
                assert operation["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
    create_body = doc["paths"]["/api/v1/meetings/{meeting_id}/record"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    assert create_body["required"] == ["held_on"] and "decisions" in create_body["properties"]
    for path, method in (("/api/v1/meetings/{meeting_id}/record", "post"), ("/api/v1/meeting-records/{record_id}",
                                                                           "patch")):
        assert CHINESE.search(doc["paths"][path][method]["responses"]["409"]["description"])
    params = {p["name"] for p in doc["paths"]["/api/v1/meetings"]["get"]["parameters"]}
    assert {"type", "start", "end", "convener_unit_id", "status", "page", "per_page"} <= params



def test_record_list_shows_unit_staff_only_the_records_they_may_open(client, tokens, week, record):
    """A leaders' meeting record (here 杨晓军's 旬调度, which freezes his portfolio's tasks) is listed for the office,
    leaders and observers, not for a unit's staff without a line in it: the list matches the detail's 404."""
    from app.auth.models import User
    from app.meetings.services import RecordInput
    from tests.meetings.records_helpers import D, dispatch

    vice_mayor = db.session.scalar(sa.select(User).where(User.username == "fushizhang"))
    from app.meetings import services

    leaders = services.create_record(vice_mayor, dispatch(day="2026-03-01"),
                                     RecordInput(held_on=D("2026-03-02"), minutes="调度"), D("2026-03-10"))
    db.session.commit()
    for username in ("guancha", "admin", "shizhang"):
        ids = [r["id"] for r in assert_ok(client.get("/api/v1/meeting-records", headers=tokens[username]))["items"]]
        assert leaders.id in ids and record["id"] in ids, username
    body = assert_ok(client.get("/api/v1/meeting-records", headers=tokens["xtx"]))
    assert [r["id"] for r in body["items"]] == [record["id"]] and body["total"] == 1
    assert_json_error(client.get(f"/api/v1/meeting-records/{leaders.id}", headers=tokens["xtx"]), 404)


def test_a_consultation_record_by_anyone_but_the_office_is_refused_in_chinese_not_a_500(client, tokens):
    """The 考评会商 (附件2 六(二)) is the office's meeting: an assessor's token posting its record gets a 403 that
    says so, and nothing is written (it was a KeyError on the refusal's wording)."""
    from app.meetings.models import MeetingType
    from tests.meetings.records_helpers import expected

    meeting = expected(MeetingType.consultation, "2026-01-01", unit_name="市产业强市“千百十”工程办",
                       scheduled_on="2026-04-03")
    before = written()
    response = create(client, tokens["gxj"], meeting, held_on="2026-04-03", minutes="越权填写")
    assert_json_error(response, 403, code="forbidden", message="考评会商只能由千百十办填写")
    assert written() == before
