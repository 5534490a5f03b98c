"""The one list contract of the API (app/api/paging.py) on every list endpoint: per_page with its maximum, the
total, the `next` link walked with keyset cursors (no row lost or repeated while rows are added between pages),
refused cursors, the new task filters, compact rows, include=follow_ups in a constant number of statements, and
conditional requests (ETag / Last-Modified, 304 without a body, and a new ETag after every change)."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.core.clock import utcnow
from app.core.models import CalendarOverride
from app.extensions import db
from app.meetings.models import ExpectedMeeting, MeetingType
from app.org.models import Plan, PortfolioItem, Unit, UnitKind
from app.tasks import services
from app.tasks.models import Task
from tests.factories import assign_task, person, unit
from tests.helpers import CHINESE, assert_json_error

TODAY = date(2026, 3, 10)  # the frozen clock of tests/conftest.py


@pytest.fixture
def admin(user, clock):
    return user("admin")


def get(client, headers, url, status=200):
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    return response


def settle():
    """Move every change of the rows an answer is made of 5 minutes back: a Last-Modified is only sent once the
    second of the latest change is over, and under the frozen clock everything happened "now"."""
    earlier = utcnow() - timedelta(minutes=5)
    for model in (Task, Unit, Plan, User, CalendarOverride):
        db.session.execute(sa.update(model).values(updated_at=earlier))
    db.session.flush()
    db.session.expire_all()


def walk(client, headers, url, between=None):
    """Every item id of the list, following `next` from `url`; `between(n)` runs after page n (to add rows)."""
    seen, pages = [], 0
    while url:
        body = get(client, headers, url).get_json()
        seen += [i["id"] for i in body["items"]]
        pages += 1
        assert pages < 100, "the next links never end"
        if body["next"]:
            assert body["next"].startswith("/api/v1/") and "cursor=" in body["next"]
        if between:
            between(pages)
        url = body["next"]
    return seen, pages


# --- the task list ------------------------------------------------------------------------------------------

def test_walking_the_task_list_by_next_sees_every_task_once_while_tasks_are_added(client, tokens, admin):
    """Rows added between page requests (before, inside and after the pages already read) neither hide nor
    repeat a row that existed at the start; with page numbers, the same additions shift the pages."""
    start = [assign_task(by=admin, title=f"事项{i}", due=TODAY + timedelta(days=i % 7)).id for i in range(23)]

    def add(n):
        for day in (0, 3, 9):  # due dates before, among and after the rows still to come
            assign_task(by=admin, title=f"翻页时新增{n}-{day}", due=TODAY + timedelta(days=day))
        db.session.flush()

    seen, pages = walk(client, tokens["admin"], "/api/v1/tasks?per_page=5", between=add)
    assert pages >= 5
    assert len(seen) == len(set(seen))  # nothing repeated
    assert set(start) <= set(seen)  # nothing lost
    # offset paging (still accepted) is what shifts: a row added before page 2 pushes page 1's last row onto it
    first = get(client, tokens["admin"], "/api/v1/tasks?per_page=5&page=1").get_json()["items"]
    assign_task(by=admin, title="最早到期", assigned="2026-02-02", due="2026-02-09")
    db.session.flush()
    second = get(client, tokens["admin"], "/api/v1/tasks?per_page=5&page=2").get_json()["items"]
    assert first[-1]["id"] == second[0]["id"]


def test_the_next_link_keeps_the_filters_and_is_null_on_the_last_page(client, tokens, admin):
    for i in range(3):
        assign_task(by=admin, title=f"工信{i}", lead="市工信局")
    assign_task(by=admin, title="发改", lead="市发改委")
    url = f"/api/v1/tasks?unit_id={unit('市工信局').id}&per_page=2"
    body = get(client, tokens["admin"], url).get_json()
    assert body["total"] == 3 and body["per_page"] == 2 and body["page"] == 1 and len(body["items"]) == 2
    assert f"unit_id={unit('市工信局').id}" in body["next"] and "per_page=2" in body["next"]
    last = get(client, tokens["admin"], body["next"]).get_json()
    assert len(last["items"]) == 1 and last["next"] is None and last["total"] == 3 and last["page"] is None
    exact = get(client, tokens["admin"], url.replace("per_page=2", "per_page=3")).get_json()
    assert exact["next"] is None  # a full last page has no next link


def test_per_page_above_the_maximum_is_a_chinese_400_naming_it(client, tokens, clock):
    for url in ("/api/v1/tasks", "/api/v1/meetings", "/api/v1/meeting-records", "/api/v1/units", "/api/v1/plans",
                "/api/v1/people", f"/api/v1/dispatch?person_id={person('丁诚').id}"):
        body = assert_json_error(client.get(url + ("&" if "?" in url else "?") + "per_page=201",
                                            headers=tokens["admin"]), 400, "bad_parameter", "per_page")
        assert "200" in body["message"] and CHINESE.search(body["message"])
        assert get(client, tokens["admin"], url + ("&" if "?" in url else "?") + "per_page=200")


@pytest.mark.parametrize("cursor", ["abc", "", "x" * 600, "WyJ0YXNrczpkdWUiLCBbIjIwMjYtMDMtMTAiLCAxXV0"])
def test_a_malformed_cursor_is_a_chinese_400(client, tokens, clock, cursor):
    response = client.get(f"/api/v1/tasks?cursor={cursor}", headers=tokens["admin"])
    if cursor == "":
        assert response.status_code == 200  # an empty parameter is no cursor
        return
    body = assert_json_error(response, 400, "bad_parameter", "cursor")
    assert CHINESE.search(body["message"])


def test_a_tampered_or_foreign_cursor_is_a_chinese_400_never_a_500(client, tokens, admin):
    for i in range(3):
        assign_task(by=admin, title=f"事项{i}")
    next_link = get(client, tokens["admin"], "/api/v1/tasks?per_page=1").get_json()["next"]
    cursor = next_link.split("cursor=")[1]
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    assert_json_error(client.get(f"/api/v1/tasks?cursor={tampered}", headers=tokens["admin"]),
                      400, "bad_parameter", "cursor")
    # a task list cursor on another list (another order) is refused too
    assert_json_error(client.get(f"/api/v1/meeting-records?cursor={cursor}", headers=tokens["admin"]),
                      400, "bad_parameter", "cursor")
    assert_json_error(client.get(f"/api/v1/tasks?cursor={cursor}&page=2", headers=tokens["admin"]),
                      400, "bad_parameter", "page")
    assert get(client, tokens["admin"], f"/api/v1/tasks?cursor={cursor}").get_json()["items"]


def test_list_rows_are_compact_and_the_detail_carries_the_full_task(client, tokens, admin, user):
    task = assign_task(by=admin, title="紧凑行", co=("市发改委",), content="很长的内容" * 50)
    services.accept_task(user("gxj"), task)
    services.record_follow_up(user("gxj"), task, "已开工", 40, TODAY)
    (row,) = get(client, tokens["admin"], "/api/v1/tasks").get_json()["items"]
    assert set(row) == {"id", "title", "lead_unit", "plan", "priority", "state", "state_label", "assigned_on",
                        "due_on", "completed_on", "light", "light_label", "days_overdue", "last_reported_on",
                        "updated_at", "version"}
    assert row["last_reported_on"] == "2026-03-10" and row["state"] == "in_progress"
    detail = get(client, tokens["admin"], f"/api/v1/tasks/{task.id}").get_json()
    assert detail["content"].startswith("很长的内容") and len(detail["parties"]) == 2 and "timeline" in detail


# --- filters ------------------------------------------------------------------------------------------------

def ids(client, headers, query, url="/api/v1/tasks"):
    body = get(client, headers, url + ("&" if "?" in url else "?") + query).get_json()
    assert body["total"] == len(body["items"])
    return {i["id"] for i in body["items"]}


def test_state_open_closed_all_and_the_default_of_every_state(client, tokens, admin, user):
    open_task = assign_task(by=admin, title="未办结")
    done = assign_task(by=admin, title="已办结", lead="市发改委")
    services.accept_task(user("fgw"), done)
    services.request_completion(user("fgw"), done, TODAY, "已完成", TODAY)
    services.approve_completion(admin, done)
    cancelled = assign_task(by=admin, title="已撤销")
    services.cancel_task(admin, cancelled, "重复交办")
    headers = tokens["admin"]
    assert ids(client, headers, "state=open") == {open_task.id}
    assert ids(client, headers, "state=closed") == {done.id, cancelled.id}
    assert ids(client, headers, "state=all") == ids(client, headers, "") == {open_task.id, done.id, cancelled.id}
    assert ids(client, headers, "state=completed") == {done.id}  # a single state, as before
    body = assert_json_error(client.get("/api/v1/tasks?state=opened", headers=headers), 400, "bad_parameter",
                             "state")
    assert "open" in body["message"] and "closed" in body["message"]


def test_a_units_open_tasks_due_in_a_window_with_light_and_plan(client, tokens, admin):
    inside = assign_task(by=admin, title="窗口内", lead="市工信局", due=TODAY + timedelta(days=2))
    assign_task(by=admin, title="窗口外", lead="市工信局", due=TODAY + timedelta(days=40))
    assign_task(by=admin, title="别的单位", lead="市发改委", due=TODAY + timedelta(days=2))
    query = f"unit_id={unit('市工信局').id}&state=open&due_from={TODAY}&due_to={TODAY + timedelta(days=10)}"
    assert ids(client, tokens["admin"], query) == {inside.id}
    assert ids(client, tokens["admin"], query + "&light=yellow") == {inside.id}
    assert ids(client, tokens["admin"], query + "&light=green") == set()
    assert ids(client, tokens["admin"], query + "&plan=P1") == set()


def test_updated_since_returns_what_changed_at_or_after_the_time_in_change_order(client, tokens, admin, user,
                                                                                  clock):
    old = assign_task(by=admin, title="早先的")
    other = assign_task(by=admin, title="没变的")
    db.session.flush()
    since = utcnow() + timedelta(seconds=1)
    db.session.execute(sa.update(Task).where(Task.id.in_([old.id, other.id]))
                       .values(updated_at=since - timedelta(hours=1)))
    db.session.execute(sa.update(Task).where(Task.id == old.id).values(updated_at=since + timedelta(minutes=5)))
    new = assign_task(by=admin, title="新的")
    db.session.execute(sa.update(Task).where(Task.id == new.id).values(updated_at=since))
    db.session.flush()
    stamp = since.isoformat().replace("+00:00", "%2B00:00")
    body = get(client, tokens["admin"], f"/api/v1/tasks?updated_since={stamp}").get_json()
    assert [i["id"] for i in body["items"]] == [new.id, old.id]  # at the time included, oldest change first
    local = (since + timedelta(hours=8)).isoformat().replace("+00:00", "%2B08:00")  # the same instant, UTC+8
    assert ids(client, tokens["admin"], f"updated_since={local}") == {new.id, old.id}
    for bad in ("2026-03-10", "2026-03-10T08:00:00", "yesterday"):
        assert_json_error(client.get(f"/api/v1/tasks?updated_since={bad}", headers=tokens["admin"]), 400,
                          "bad_parameter", "updated_since")


def test_the_dispatch_list_filters_by_state_light_and_unit(client, tokens, admin, user):
    overdue = assign_task(by=admin, title="逾期", lead="市工信局", assigned="2026-02-02", due="2026-03-02")
    soon = assign_task(by=admin, title="临期", lead="市工信局", due=TODAY + timedelta(days=1))
    url = f"/api/v1/dispatch?person_id={person('丁诚').id}&xun=2026-03-1"
    all_ids = ids(client, tokens["admin"], "", url=url)
    assert {overdue.id, soon.id} <= all_ids
    assert ids(client, tokens["admin"], "light=red", url=url) == {overdue.id}
    assert ids(client, tokens["admin"], "state=closed", url=url) == set()
    assert ids(client, tokens["admin"], f"unit_id={unit('市工信局').id}", url=url) == {overdue.id, soon.id}
    assert_json_error(client.get(url + "&include=everything", headers=tokens["admin"]), 400, "bad_parameter",
                      "include")


# --- the dispatch list: paging and include=follow_ups -------------------------------------------------------

def test_walking_the_dispatch_list_sees_every_row_once_while_tasks_are_added(client, tokens, admin):
    leads = ("市工信局", "市大数据和产业创新发展中心")  # both in 丁诚's portfolio
    start = [assign_task(by=admin, title=f"调度{i}", lead=leads[i % 2], due=TODAY + timedelta(days=i % 5)).id
             for i in range(11)]

    def add(n):
        for lead in leads:
            assign_task(by=admin, title=f"新增{n}{lead}", lead=lead, due=TODAY)
        db.session.flush()

    url = f"/api/v1/dispatch?person_id={person('丁诚').id}&per_page=3"
    seen, pages = walk(client, tokens["admin"], url, between=add)
    assert pages >= 4 and len(seen) == len(set(seen)) and set(start) <= set(seen)


def test_include_follow_ups_takes_the_same_statements_for_3_rows_as_for_30(client, tokens, admin, user,
                                                                           count_queries):
    gxj, fgw = user("gxj"), user("fgw")
    url = f"/api/v1/dispatch?person_id={person('丁诚').id}&per_page=100&include=follow_ups"

    def grow(n):
        for i in range(n):
            task = assign_task(by=admin, title=f"批量{i}", lead="市工信局", co=("市发改委", "市科技局"))
            services.accept_task(gxj, task)
            services.record_follow_up(gxj, task, f"进展{i}", 30, TODAY)
            services.record_follow_up(fgw, task, f"配合{i}", 20, TODAY)
        db.session.flush()

    counts = {}
    grow(3)
    get(client, tokens["admin"], url)  # the token's first use is written once
    for size in (3, 30):
        if size == 30:
            grow(27)
        db.session.expire_all()
        with count_queries() as counter:
            body = get(client, tokens["admin"], url).get_json()
        assert len(body["items"]) == size
        assert all(i["follow_ups"][0]["is_lead"] and i["follow_ups"][0]["latest_follow_up"]["percent"] == 30
                   for i in body["items"])
        counts[size] = counter.count
    assert counts[3] == counts[30], counts


# --- meetings, records and follow-ups -----------------------------------------------------------------------

def expected_meeting(n, on):
    meeting = ExpectedMeeting(type=MeetingType.weekly, period_key=f"2026-W{n:02d}", convener_key=f"unit:{n}",
                              convener_unit_id=unit("市工信局").id, period_start=on, period_end=on,
                              scheduled_on=on, record_due_on=on + timedelta(days=3))
    db.session.add(meeting)
    return meeting


def test_walking_the_meetings_sees_every_meeting_once_while_meetings_are_added(client, tokens, admin):
    for n in range(1, 10):
        expected_meeting(n, TODAY + timedelta(days=n % 4))
    db.session.flush()
    start = set(ids(client, tokens["admin"], "per_page=200", url="/api/v1/meetings"))
    added = iter(range(20, 40))

    def add(n):
        expected_meeting(next(added), TODAY + timedelta(days=1))
        db.session.flush()

    for query in ("", "&status=pending"):
        seen, pages = walk(client, tokens["admin"], "/api/v1/meetings?per_page=2" + query, between=add)
        assert pages >= 3 and len(seen) == len(set(seen))
        if not query:
            assert start <= set(seen)


def test_walking_a_tasks_follow_ups_sees_each_once_while_follow_ups_are_added(client, tokens, admin, user):
    task = assign_task(by=admin, co=("市发改委",))
    services.accept_task(user("gxj"), task)
    start = [services.record_follow_up(user("gxj"), task, f"进展{i}", i, TODAY).id for i in range(7)]
    db.session.flush()

    def add(n):
        services.record_follow_up(user("fgw"), task, f"新进展{n}", 50, TODAY)
        db.session.flush()

    seen, pages = walk(client, tokens["admin"], f"/api/v1/tasks/{task.id}/follow-ups?per_page=2", between=add)
    assert pages >= 4 and len(seen) == len(set(seen)) and set(start) <= set(seen)


def test_walking_the_units_sees_every_unit_once_while_units_are_added_and_the_etag_changes(client, tokens, clock):
    start = ids(client, tokens["admin"], "per_page=200", url="/api/v1/units")
    etag = get(client, tokens["admin"], "/api/v1/units").headers["ETag"]
    added = iter(range(100))

    def add(n):
        i = next(added)
        db.session.add(Unit(name=f"新单位{i}", short_name=f"新{i}", kind=UnitKind.department, sort_order=i))
        db.session.flush()

    seen, pages = walk(client, tokens["admin"], "/api/v1/units?per_page=20", between=add)
    assert pages >= 4 and len(seen) == len(set(seen)) and start <= set(seen)
    assert get(client, tokens["admin"], "/api/v1/units").headers["ETag"] != etag


def test_the_records_list_is_paged_by_next_too(client, tokens, clock):
    body = get(client, tokens["admin"], "/api/v1/meeting-records?per_page=1").get_json()
    assert set(body) == {"items", "total", "per_page", "page", "next"}


# --- conditional requests -----------------------------------------------------------------------------------

LISTS = ["/api/v1/tasks", "/api/v1/meetings", "/api/v1/meeting-records", "/api/v1/dispatch?person_id={leader}",
         "/api/v1/units", "/api/v1/plans", "/api/v1/people"]


@pytest.mark.parametrize("url", LISTS)
def test_every_list_answers_a_matching_if_none_match_with_a_304_without_a_body(client, tokens, admin, url):
    assign_task(by=admin)
    url = url.format(leader=person("丁诚").id)
    first = get(client, tokens["admin"], url)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.headers["Cache-Control"] == "private, no-cache"
    again = client.get(url, headers={**tokens["admin"], "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    assert client.get(url, headers={**tokens["admin"], "If-None-Match": '"other"'}).status_code == 200
    # another account, another query string: another ETag
    assert get(client, tokens["guancha"], url).headers["ETag"] != etag
    assert get(client, tokens["admin"], url + ("&" if "?" in url else "?") + "per_page=7").headers["ETag"] != etag


def test_a_304_is_decided_before_any_row_is_loaded(client, tokens, admin, count_queries):
    for i in range(5):
        assign_task(by=admin, title=f"事项{i}")
    etag = get(client, tokens["admin"], "/api/v1/tasks").headers["ETag"]
    with count_queries() as counter:
        response = client.get("/api/v1/tasks", headers={**tokens["admin"], "If-None-Match": etag})
    assert response.status_code == 304
    assert not any("lead_unit_name" in s for s in counter.statements)  # the page's rows were never selected
    with count_queries() as full:
        assert get(client, tokens["admin"], "/api/v1/tasks").status_code == 200
    assert counter.count < full.count


def test_a_follow_up_a_state_change_or_a_new_task_changes_the_etag(client, tokens, admin, user):
    """Under the frozen clock every change happens at the same instant: the ETag must change all the same."""
    task = assign_task(by=admin, co=("市发改委",))
    urls = ["/api/v1/tasks", f"/api/v1/tasks/{task.id}", f"/api/v1/tasks/{task.id}/follow-ups",
            f"/api/v1/dispatch?person_id={person('丁诚').id}"]

    def etags():
        db.session.flush()
        return [get(client, tokens["admin"], url).headers["ETag"] for url in urls]

    before = etags()
    assert etags() == before  # nothing changed: the same ETags
    services.accept_task(user("gxj"), task)  # a state change
    after_state = etags()
    assert all(a != b for a, b in zip(after_state, before, strict=True))
    services.record_follow_up(user("fgw"), task, "配合进展", 10, TODAY)  # a follow-up (the state stays)
    after_follow_up = etags()
    assert all(a != b for a, b in zip(after_follow_up, after_state, strict=True))
    assign_task(by=admin, title="新事项")  # a new task changes the lists
    after_new = etags()
    assert after_new[0] != after_follow_up[0] and after_new[3] != after_follow_up[3]
    for url, etag in zip(urls, after_new, strict=True):
        assert client.get(url, headers={**tokens["admin"], "If-None-Match": etag}).status_code == 304


def test_the_etag_changes_with_the_day_because_lights_do(client, tokens, admin, clock):
    assign_task(by=admin)
    etag = get(client, tokens["admin"], "/api/v1/tasks").headers["ETag"]
    clock.set(datetime(2026, 3, 11, 9, 0))
    assert get(client, tokens["admin"], "/api/v1/tasks").headers["ETag"] != etag


def test_the_detail_answers_if_modified_since_by_its_last_modified(client, tokens, admin, user):
    task = assign_task(by=admin)
    settle()
    first = get(client, tokens["admin"], f"/api/v1/tasks/{task.id}")
    stamp = first.headers["Last-Modified"]
    assert stamp.endswith("GMT")
    assert client.get(f"/api/v1/tasks/{task.id}",
                      headers={**tokens["admin"], "If-Modified-Since": stamp}).status_code == 304
    services.accept_task(user("gxj"), task)  # updated_at: now, later than the stamp
    db.session.flush()
    assert client.get(f"/api/v1/tasks/{task.id}",
                      headers={**tokens["admin"], "If-Modified-Since": stamp}).status_code == 200
    # If-None-Match wins over If-Modified-Since
    assert client.get(f"/api/v1/tasks/{task.id}", headers={**tokens["admin"], "If-Modified-Since": stamp,
                                                            "If-None-Match": first.headers["ETag"]}).status_code == 200


def test_a_renamed_unit_changes_the_etag_and_the_last_modified_of_a_task_and_its_lists(client, tokens, admin):
    task = assign_task(by=admin, co=("市发改委",))
    settle()
    urls = [f"/api/v1/tasks/{task.id}", f"/api/v1/tasks/{task.id}/follow-ups", "/api/v1/tasks", "/api/v1/units"]
    before = {url: get(client, tokens["admin"], url).headers for url in urls}
    stamp = before[urls[0]]["Last-Modified"]
    renamed = unit("市发改委")
    renamed.name, renamed.updated_at = "市发展和改革委员会", utcnow()  # what onupdate sets: the frozen now
    db.session.flush()
    for url in urls:
        assert get(client, tokens["admin"], url).headers["ETag"] != before[url]["ETag"], url
    assert client.get(urls[0], headers={**tokens["admin"], "If-Modified-Since": stamp}).status_code == 200


def test_a_changed_portfolio_changes_the_dispatch_lists_etag(client, tokens, admin):
    url = f"/api/v1/dispatch?person_id={person('丁诚').id}"
    etag = get(client, tokens["admin"], url).headers["ETag"]
    item = db.session.scalar(sa.select(PortfolioItem).where(PortfolioItem.person_id == person("丁诚").id)
                             .order_by(PortfolioItem.id).limit(1))
    item.ends_on = TODAY - timedelta(days=1)  # a unit leaves the portfolio
    db.session.flush()
    assert get(client, tokens["admin"], url).headers["ETag"] != etag


def test_the_openapi_document_describes_the_contract_once_and_the_304s(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "cursor" in doc["info"]["description"] and "304" in doc["info"]["description"]
    for path in ("/api/v1/tasks", "/api/v1/dispatch", "/api/v1/tasks/{task_id}/follow-ups", "/api/v1/meetings",
                 "/api/v1/meeting-records", "/api/v1/units", "/api/v1/plans", "/api/v1/people"):
        operation = doc["paths"][path]["get"]
        assert {"per_page", "cursor", "page"} <= {p["name"] for p in operation["parameters"]}
        assert "304" in operation["responses"] and "ETag" in operation["responses"]["200"]["headers"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert {"items", "total", "per_page", "page", "next"} <= set(schema["properties"])
