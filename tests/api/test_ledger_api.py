"""The ledger's API (/api/v1/ledger/...): the one list contract on its lists (no row lost or repeated while rows
are added, per_page maximum, next keeping the filters, 304), the pages' filters, a county token's view (its own
rows only, 404 for another's), constant statements, the details, the monthly figures, and every bad input of the
writes refused with a Chinese message and a machine code, nothing written."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.clock import utcnow
from app.core.models import AuditEntry
from app.extensions import db
from app.ledger.models import (
    Enterprise,
    EnterpriseChain,
    EnterpriseFigure,
    ListingStage,
    Project,
    ProjectFigure,
    ProjectSource,
    ProjectStage,
    Registry,
    RegistryMembership,
    SpecializedLevel,
)
from app.org.models import Chain
from tests.factories import unit
from tests.helpers import CHINESE, assert_json_error
from tests.ledger.matrix_api import first_chain, make_enterprise, make_project, valid_uscc

COUNTY = "湘潭县人民政府"  # xtx's unit
PARK = "湘潭经开区管委会"


@pytest.fixture
def admin(user, clock):
    return user("admin")


def get(client, headers, url, status=200):
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    return response


def walk(client, headers, url, between=None):
    seen, pages = [], 0
    while url:
        body = get(client, headers, url).get_json()
        seen += [i["id"] for i in body["items"]]
        pages += 1
        assert pages < 100
        if between:
            between(pages)
        url = body["next"]
    return seen, pages


def ids(client, headers, url):
    body = get(client, headers, url).get_json()
    assert body["total"] == len(body["items"])
    return {i["id"] for i in body["items"]}


def written():
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                 for m in (Enterprise, EnterpriseChain, Project, ProjectFigure, EnterpriseFigure, AuditEntry))


def chains(n=2):
    return db.session.scalars(sa.select(Chain).order_by(Chain.sort_order, Chain.id).limit(n)).all()


# --- the list contract --------------------------------------------------------------------------------------

def test_walking_the_enterprise_and_project_lists_by_next_sees_every_row_once_while_rows_are_added(client, tokens,
                                                                                                    admin):
    start = [make_enterprise(f"企业{i}", serial=100 + i).id for i in range(11)]
    serial = iter(range(300, 400))

    def add_enterprises(n):
        make_enterprise(f"翻页时新增{n}", serial=next(serial))

    seen, pages = walk(client, tokens["admin"], "/api/v1/ledger/enterprises?per_page=4", between=add_enterprises)
    assert pages >= 3 and len(seen) == len(set(seen)) and set(start) <= set(seen)

    start = [make_project(f"XM-{i:03d}", f"项目{i}").id for i in range(9)]
    codes = iter(range(500, 600))

    def add_projects(n):
        make_project(f"XM-{next(codes)}", f"翻页时新增{n}")

    seen, pages = walk(client, tokens["admin"], "/api/v1/ledger/projects?per_page=4", between=add_projects)
    assert pages >= 3 and len(seen) == len(set(seen)) and set(start) <= set(seen)


def test_per_page_maximum_next_with_filters_and_bad_cursors(client, tokens, admin):
    for i in range(3):
        make_enterprise(f"县企{i}", unit=COUNTY, serial=10 + i)
    make_enterprise("园区企业", serial=20)
    headers = tokens["admin"]
    for url in ("/api/v1/ledger/enterprises", "/api/v1/ledger/projects", "/api/v1/ledger/chains",
                "/api/v1/ledger/indicators", "/api/v1/ledger/figures/projects?month=2026-02"):
        body = assert_json_error(client.get(url + ("&" if "?" in url else "?") + "per_page=201", headers=headers),
                                 400, "bad_parameter", "per_page")
        assert "200" in body["message"]
    url = f"/api/v1/ledger/enterprises?unit={unit(COUNTY).id}&per_page=2"
    body = get(client, headers, url).get_json()
    assert body["total"] == 3 and len(body["items"]) == 2 and f"unit={unit(COUNTY).id}" in body["next"]
    last = get(client, headers, body["next"]).get_json()
    assert len(last["items"]) == 1 and last["next"] is None
    cursor = body["next"].split("cursor=")[1]
    assert_json_error(client.get(f"/api/v1/ledger/projects?cursor={cursor}", headers=headers), 400,
                      "bad_parameter", "cursor")
    assert_json_error(client.get("/api/v1/ledger/enterprises?cursor=abc", headers=headers), 400, "bad_parameter",
                      "cursor")


def test_a_list_answers_304_until_a_row_changes(client, tokens, admin):
    enterprise = make_enterprise("条件请求企业", serial=30)
    make_project("XM-304", "条件请求项目")
    for url in ("/api/v1/ledger/enterprises", "/api/v1/ledger/projects", "/api/v1/ledger/chains",
                "/api/v1/ledger/indicators", f"/api/v1/ledger/enterprises/{enterprise.id}"):
        first = get(client, tokens["admin"], url)
        etag = first.headers["ETag"]
        again = client.get(url, headers={**tokens["admin"], "If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
    db.session.execute(sa.update(Enterprise).where(Enterprise.id == enterprise.id)
                       .values(name="改名企业", updated_at=utcnow() + timedelta(seconds=5)))
    db.session.flush()
    for url in ("/api/v1/ledger/enterprises", f"/api/v1/ledger/enterprises/{enterprise.id}"):
        etag = get(client, tokens["admin"], url).headers["ETag"]
        stale = client.get(url, headers={**tokens["admin"], "If-None-Match": '"0"'})
        assert stale.status_code == 200 and stale.headers["ETag"] == etag


def test_list_statements_do_not_grow_with_the_rows(client, tokens, admin, count_queries):
    chain_a, chain_b = chains(2)

    def fill(start, n):
        for i in range(start, start + n):
            enterprise = make_enterprise(f"企业{i}", serial=1000 + i, chains=[chain_a, chain_b])
            project = make_project(f"XM-S{i}", f"项目{i}", chain=chain_a)
            db.session.add_all([
                ProjectFigure(project_id=project.id, month=date(2026, 2, 1), invested=Decimal(i + 1)),
                EnterpriseFigure(enterprise_id=enterprise.id, month=date(2026, 2, 1), revenue=Decimal(i + 1))])
        db.session.flush()

    def statements(url):
        get(client, tokens["admin"], url)  # warm (the token's first use)
        with count_queries() as counter:
            get(client, tokens["admin"], url)
        return counter.count

    fill(0, 2)
    small = {u: statements(u) for u in ("/api/v1/ledger/enterprises", "/api/v1/ledger/projects",
                                        "/api/v1/ledger/chains", "/api/v1/ledger/indicators",
                                        "/api/v1/ledger/figures/projects?month=2026-02",
                                        "/api/v1/ledger/figures/enterprises?month=2026-02")}
    fill(2, 12)
    large = {u: statements(u) for u in small}
    assert large == small, (small, large)


# --- filters ------------------------------------------------------------------------------------------------

def test_the_enterprise_filters_of_the_page(client, tokens, admin):
    chain_a, chain_b = chains(2)
    on = date(2026, 3, 10)
    big = make_enterprise("百亿企业", serial=41, chains=[chain_a], revenue_tier=100, is_above_scale=True,
                          above_scale_since=date(2019, 1, 1), listing_stage=ListingStage.quoted.value)
    small = make_enterprise("小企业", unit=COUNTY, serial=42, chains=[chain_b])
    db.session.add_all([
        RegistryMembership(enterprise_id=small.id, kind=Registry.cultivation, starts_on=on - timedelta(days=30),
                           reason="培育"),
        RegistryMembership(enterprise_id=big.id, kind=Registry.specialized, level=SpecializedLevel.national,
                           starts_on=on - timedelta(days=300), reason="认定"),
        RegistryMembership(enterprise_id=big.id, kind=Registry.exit_risk, starts_on=on - timedelta(days=300),
                           ends_on=on - timedelta(days=10), reason="已出库"),
    ])
    db.session.flush()
    headers, url = tokens["admin"], "/api/v1/ledger/enterprises?"
    assert ids(client, headers, url + f"unit={unit(COUNTY).id}") == {small.id}
    assert ids(client, headers, url + f"chain={chain_a.id}") == {big.id}
    assert ids(client, headers, url + "tier=100") == {big.id}
    assert ids(client, headers, url + "registry=cultivation") == {small.id}
    assert ids(client, headers, url + "registry=exit_risk") == set()  # left the registry
    assert ids(client, headers, url + "level=national") == {big.id}
    assert ids(client, headers, url + "listing=quoted") == {big.id}
    assert ids(client, headers, url + "above_scale=true") == {big.id}
    assert ids(client, headers, url + "above_scale=false") == {small.id}
    assert ids(client, headers, url + "q=百亿") == {big.id}
    assert ids(client, headers, url + f"q={small.uscc[-6:]}") == {small.id}
    assert ids(client, headers, url + "tier=0") == {small.id}
    assert ids(client, headers, url + "liaison=false") == {big.id, small.id}
    assert ids(client, headers, url + "liaison=true") == set()
    assert ids(client, headers, url + "active=true") == {big.id, small.id}
    later = (utcnow() + timedelta(hours=1)).isoformat().replace("+00:00", "%2B00:00")
    assert ids(client, headers, url + f"updated_since={later}") == set()
    for bad in ("tier=30", "registry=none", "level=x", "above_scale=maybe", "updated_since=2026-01-01",
                "unit=abc"):
        name = bad.split("=")[0]
        body = assert_json_error(client.get(url + bad, headers=headers), 400, "bad_parameter", name)
        assert CHINESE.search(body["message"])


def test_the_project_filters_of_the_page(client, tokens, admin):
    chain_a, chain_b = chains(2)
    big = make_project("XM-BIG", "百亿项目", total=Decimal("1200000"), chain=chain_a, stage=ProjectStage.building,
                       source=ProjectSource.attracted, lead_unit_id=unit("市工信局").id)
    small = make_project("XM-SMALL", "小项目", unit=COUNTY, total=Decimal("15000"), chain=chain_b)
    headers, url = tokens["admin"], "/api/v1/ledger/projects?"
    assert ids(client, headers, url + f"unit={unit(COUNTY).id}") == {small.id}
    assert ids(client, headers, url + f"chain={chain_a.id}") == {big.id}
    assert ids(client, headers, url + "tier=100") == {big.id}
    assert ids(client, headers, url + "tier=1") == {small.id}
    assert ids(client, headers, url + "stage=building") == {big.id}
    assert ids(client, headers, url + "source=attracted") == {big.id}
    assert ids(client, headers, url + f"lead_unit={unit('市工信局').id}") == {big.id}
    assert ids(client, headers, url + "q=XM-SM") == {small.id}
    assert ids(client, headers, url + "top500=false") == {big.id, small.id}
    assert ids(client, headers, url + "active=false") == set()
    assert_json_error(client.get(url + "stage=done", headers=headers), 400, "bad_parameter", "stage")


# --- who sees what ------------------------------------------------------------------------------------------

def test_a_county_token_sees_only_its_own_rows_and_404_for_anothers(client, tokens, admin):
    own = make_enterprise("本县企业", unit=COUNTY, serial=51)
    other = make_enterprise("园区企业", serial=52)
    own_project = make_project("XM-OWN", "本县项目", unit=COUNTY)
    other_project = make_project("XM-OTHER", "园区项目")
    db.session.add_all([ProjectFigure(project_id=own_project.id, month=date(2026, 2, 1), invested=Decimal(10)),
                        ProjectFigure(project_id=other_project.id, month=date(2026, 2, 1), invested=Decimal(20))])
    db.session.flush()
    county = tokens["xtx"]
    assert ids(client, county, "/api/v1/ledger/enterprises") == {own.id}
    assert ids(client, county, f"/api/v1/ledger/enterprises?unit={unit(PARK).id}") == set()
    assert ids(client, county, "/api/v1/ledger/projects") == {own_project.id}
    assert {i["project"]["id"] for i in get(client, county, "/api/v1/ledger/figures/projects?month=2026-02")
            .get_json()["items"]} == {own_project.id}
    for url in (f"/api/v1/ledger/enterprises/{other.id}", f"/api/v1/ledger/enterprises/{other.id}/figures",
                f"/api/v1/ledger/projects/{other_project.id}", f"/api/v1/ledger/projects/{other_project.id}/figures",
                "/api/v1/ledger/enterprises/999999"):
        assert_json_error(client.get(url, headers=county), 404, "not_found")
    assert get(client, county, f"/api/v1/ledger/enterprises/{own.id}").get_json()["name"] == "本县企业"
    # the whole ledger for a city-wide reader
    assert {own.id, other.id} <= ids(client, tokens["gxj"], "/api/v1/ledger/enterprises")


# --- details and figures ------------------------------------------------------------------------------------

def test_details_carry_chains_registries_listing_milestones_and_year_plans(client, tokens, admin):
    chain_a = first_chain()
    enterprise = make_enterprise("详情企业", serial=61, chains=[chain_a])
    db.session.add(RegistryMembership(enterprise_id=enterprise.id, kind=Registry.hundred_billion,
                                      starts_on=date(2026, 1, 5), reason="培育名录", plan_document="一企一策正文"))
    db.session.add(EnterpriseFigure(enterprise_id=enterprise.id, month=date(2026, 2, 1), revenue=Decimal("1234.5")))
    db.session.flush()
    body = get(client, tokens["admin"], f"/api/v1/ledger/enterprises/{enterprise.id}").get_json()
    assert body["chains"] == [{"id": chain_a.id, "name": chain_a.name, "is_master": False}]
    assert body["registries"][0]["plan_document"] == "一企一策正文" and body["registries"][0]["is_current"]
    assert body["latest_figure"]["month"] == "2026-02" and body["latest_figure"]["revenue"] == "1234.50"
    figures = get(client, tokens["admin"], f"/api/v1/ledger/enterprises/{enterprise.id}/figures?year=2026")
    assert [f["month"] for f in figures.get_json()["items"]] == ["2026-02"]

    project = make_project("XM-DET", "详情项目", chain=chain_a)
    from app.ledger.models import ProjectMilestone, ProjectYearPlan

    db.session.add_all([ProjectMilestone(project_id=project.id, stage=ProjectStage.started,
                                         planned_on=date(2026, 6, 30)),
                        ProjectYearPlan(project_id=project.id, year=2026, planned_investment=Decimal(30000))])
    db.session.flush()
    body = get(client, tokens["admin"], f"/api/v1/ledger/projects/{project.id}").get_json()
    assert body["milestones"] == [{"stage": "started", "label": "开工", "planned_on": "2026-06-30",
                                   "actual_on": None}]
    assert body["year_plans"] == [{"year": 2026, "planned_investment": "30000.00"}]
    chain = get(client, tokens["admin"], f"/api/v1/ledger/chains/{chain_a.id}").get_json()
    assert chain["enterprise_count"] >= 1 and chain["projects_by_stage"]["signed"] >= 1
    assert_json_error(client.get("/api/v1/ledger/figures/projects?month=2026-13", headers=tokens["admin"]), 400,
                      "bad_parameter", "month")
    assert_json_error(client.get("/api/v1/ledger/figures/projects", headers=tokens["admin"]), 400,
                      "bad_parameter", "month")


def test_the_openapi_document_describes_the_ledger(client, clock):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/ledger/enterprises", "/api/v1/ledger/enterprises/{enterprise_id}",
                 "/api/v1/ledger/projects", "/api/v1/ledger/chains", "/api/v1/ledger/indicators",
                 "/api/v1/ledger/figures/projects", "/api/v1/ledger/projects/{project_id}/stage"):
        assert path in paths
    assert {"get", "post"} <= set(paths["/api/v1/ledger/enterprises"])
    names = {p["name"] for p in paths["/api/v1/ledger/enterprises"]["get"]["parameters"]}
    assert {"unit", "chain", "tier", "registry", "level", "listing", "above_scale", "q", "updated_since",
            "cursor", "per_page"} <= names


# --- writes -------------------------------------------------------------------------------------------------

def enterprise_body(**changes):
    body = {"name": "接口登记企业", "uscc": valid_uscc(71), "unit_id": unit(COUNTY).id,
            "chain_ids": [first_chain().id], "above_scale_since": "2024-05-01"}
    body.update(changes)
    return body


def test_a_county_registers_and_changes_its_enterprise_and_project(client, tokens, admin):
    county = tokens["xtx"]
    response = client.post("/api/v1/ledger/enterprises", json=enterprise_body(), headers=county)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["uscc"] == valid_uscc(71) and body["is_above_scale"] and body["unit"]["id"] == unit(COUNTY).id
    response = client.patch(f"/api/v1/ledger/enterprises/{body['id']}", json={"name": "接口改名企业"}, headers=county)
    assert response.status_code == 200 and response.get_json()["name"] == "接口改名企业"
    assert response.get_json()["chains"][0]["id"] == first_chain().id  # left out: kept
    assert_json_error(client.patch(f"/api/v1/ledger/enterprises/{body['id']}", json={"name": " "}, headers=county),
                      422, "invalid", "name", "企业名称")
    assert_json_error(client.patch(f"/api/v1/ledger/enterprises/{body['id']}", json={"unit_id": unit(PARK).id},
                                   headers=county), 403, "forbidden")
    moved = client.patch(f"/api/v1/ledger/enterprises/{body['id']}", json={"unit_id": unit(PARK).id},
                         headers=tokens["admin"])
    assert moved.status_code == 200 and moved.get_json()["unit"]["id"] == unit(PARK).id
    assert_json_error(client.get(f"/api/v1/ledger/enterprises/{body['id']}", headers=county), 404, "not_found")

    response = client.post("/api/v1/ledger/projects", headers=county, json={
        "code": "XM-API", "name": "接口项目", "unit_id": unit(COUNTY).id, "total_investment": 150000,
        "chain_id": first_chain().id})
    assert response.status_code == 201, response.get_json()
    project = response.get_json()
    assert project["tier"] == 10 and project["total_investment"] == "150000.00"
    response = client.post(f"/api/v1/ledger/projects/{project['id']}/stage", headers=county,
                           json={"stage": "started", "on": "2026-03-01"})
    assert response.status_code == 200 and response.get_json()["stage"] == "started"
    response = client.post("/api/v1/ledger/figures/projects", headers=county, json={
        "month": "2026-02", "rows": [{"project_id": project["id"], "invested": "3000", "funds": 2000}]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 1
    assert get(client, county, f"/api/v1/ledger/projects/{project['id']}").get_json()["latest_figure"]["invested"] \
        == "3000.00"


@pytest.mark.parametrize("changes, status, code, field, message", [
    ({"uscc": "91430300MA4L00001X"}, 422, "invalid", "uscc", "校验位"),
    ({"uscc": "123"}, 422, "invalid", "uscc", "18 位"),
    ({"name": ""}, 422, "invalid", "name", "企业名称"),
    ({"chain_ids": []}, 422, "invalid", "chain_ids", "产业链"),
    ({"unit_id": 999999}, 422, "invalid", "unit_id", "不存在"),
    ({"above_scale_since": "2099-01-01"}, 422, "invalid", "above_scale_since", "不能晚于今天"),
    ({"colour": "red"}, 422, "invalid", "colour", "不认识的字段"),
])
def test_bad_enterprises_are_refused_in_chinese_and_nothing_is_written(client, tokens, admin, changes, status, code,
                                                                        field, message):
    county = tokens["xtx"]  # made (and audited) before counting
    before = written()
    response = client.post("/api/v1/ledger/enterprises", json=enterprise_body(**changes), headers=county)
    assert_json_error(response, status, code, field, message)
    assert written() == before


def test_a_duplicate_uscc_is_a_409_and_another_units_enterprise_is_refused(client, tokens, admin):
    existing = make_enterprise("已登记企业", serial=72)
    tokens["xtx"]  # noqa: B018  (the token is made, and audited, before counting)
    before = written()
    body = assert_json_error(client.post("/api/v1/ledger/enterprises", headers=tokens["xtx"],
                                         json=enterprise_body(uscc=existing.uscc)), 409, "duplicate", "uscc")
    assert "已登记" in body["message"] and "已登记企业" not in body["message"]  # a county does not see its name
    # registering for another unit, changing or reporting another unit's enterprise
    assert_json_error(client.post("/api/v1/ledger/enterprises", headers=tokens["xtx"],
                                  json=enterprise_body(unit_id=unit(PARK).id)), 403, "forbidden")
    assert_json_error(client.patch(f"/api/v1/ledger/enterprises/{existing.id}", json={"name": "改"},
                                   headers=tokens["xtx"]), 404, "not_found")
    body = assert_json_error(client.post("/api/v1/ledger/figures/enterprises", headers=tokens["xtx"], json={
        "month": "2026-02", "rows": [{"enterprise_id": existing.id, "revenue": 100}]}), 422)
    assert "不属于" in body["message"] and "第1行" in body["message"]
    assert written() == before


def test_bad_figures_are_refused_in_chinese_and_nothing_is_written(client, tokens, admin):
    project = make_project("XM-FIG", "报送项目", unit=COUNTY, total=Decimal("10000"))
    enterprise = make_enterprise("报送企业", unit=COUNTY, serial=81)
    db.session.add_all([ProjectFigure(project_id=project.id, month=date(2026, 1, 1), invested=Decimal("4000")),
                        EnterpriseFigure(enterprise_id=enterprise.id, month=date(2026, 1, 1),
                                         revenue=Decimal("900"))])
    db.session.flush()
    county, before = tokens["xtx"], written()

    def refused(url, body, *words):
        result = assert_json_error(client.post(url, json=body, headers=county), 422)
        for word in words:
            assert word in result["message"], result
        return result

    projects, enterprises = "/api/v1/ledger/figures/projects", "/api/v1/ledger/figures/enterprises"
    refused(projects, {"month": "2026-02", "rows": [{"project_id": project.id, "invested": -5}]}, "负数", "第1行")
    refused(projects, {"month": "2026-02", "rows": [{"project_id": project.id, "invested": 12000}]}, "超过总投资")
    refused(projects, {"month": "2026-03", "rows": [{"project_id": project.id, "invested": 5000}]}, "尚未结束")
    refused(projects, {"month": "2026-02", "rows": [{"project_id": project.id, "invested": 3000}]}, "低于",
            "说明")
    refused(enterprises, {"month": "2026-02", "rows": [{"enterprise_id": enterprise.id, "revenue": 800}]}, "低于")
    refused(enterprises, {"month": "2026-02", "rows": [{"enterprise_id": enterprise.id, "tax": "-1"}]}, "负数")
    refused(projects, {"month": "2026/02", "rows": []}, "YYYY-MM")
    assert written() == before
    # with a reason, the lower cumulative figure is accepted
    response = client.post(projects, headers=county, json={
        "month": "2026-02", "rows": [{"project_id": project.id, "invested": 3000, "reason": "核减重复统计"}]})
    assert response.status_code == 200, response.get_json()


def test_bad_projects_and_a_stage_going_back_without_a_reason_are_refused(client, tokens, admin):
    county = tokens["xtx"]
    project = make_project("XM-BAD", "已有项目", unit=COUNTY, stage=ProjectStage.building)
    before = written()
    base = {"code": "XM-NEW", "name": "新项目", "unit_id": unit(COUNTY).id, "total_investment": 10000}
    for changes, field, word in (({"total_investment": -5}, "total_investment", "大于 0"),
                                 ({"total_investment": "很多"}, "total_investment", "数字"),
                                 ({"code": "XM-BAD"}, "code", "已被其他项目使用"),
                                 ({"chain_id": 999999}, "chain_id", "不存在")):
        assert_json_error(client.post("/api/v1/ledger/projects", json=dict(base, **changes), headers=county), 422,
                          "invalid", field, word)
    assert_json_error(client.post(f"/api/v1/ledger/projects/{project.id}/stage", json={"stage": "started"},
                                  headers=county), 422, "invalid", "reason", "原因")
    assert_json_error(client.post(f"/api/v1/ledger/projects/{project.id}/stage", json={"stage": "completed",
                                                                                         "on": "2099-01-01"},
                                  headers=county), 422, "invalid", "on")
    assert written() == before
    assert db.session.get(Project, project.id).stage is ProjectStage.building


def test_a_read_only_token_cannot_write(client, user, clock):
    from app.auth.models import TokenScope
    from app.auth.services import create_token
    from tests.helpers import bearer

    account = user("xtx")
    _, plain = create_token(account, account, "只读", scope=TokenScope.read)
    db.session.flush()
    assert_json_error(client.post("/api/v1/ledger/enterprises", json=enterprise_body(), headers=bearer(plain)),
                      403, "read_only_token")


def test_milestones_year_plans_and_chain_scale_through_the_api(client, tokens, admin):
    county = tokens["xtx"]
    project = make_project("XM-MS", "里程碑项目", unit=COUNTY, stage=ProjectStage.started)
    url = f"/api/v1/ledger/projects/{project.id}"
    response = client.put(url + "/milestones", headers=county, json={"milestones": [
        {"stage": "signed", "planned_on": "2025-12-01", "actual_on": "2025-12-20"},
        {"stage": "started", "planned_on": "2026-01-10", "actual_on": "2026-02-01"},
        {"stage": "completed", "planned_on": "2027-06-30"}]})
    assert response.status_code == 200, response.get_json()
    assert [(m["stage"], m["actual_on"]) for m in response.get_json()["milestones"]] == \
        [("signed", "2025-12-20"), ("started", "2026-02-01"), ("completed", None)]
    before = written()
    assert_json_error(client.put(url + "/milestones", headers=county, json={"milestones": [
        {"stage": "operating", "actual_on": "2026-02-01"}]}), 422, "invalid", "actual_operating", "尚未到达")
    assert_json_error(client.put(url + "/milestones", headers=county, json={"milestones": [
        {"stage": "signed", "planned_on": "2028-01-01", "actual_on": "2025-12-20"}]}), 422, "invalid",
        "planned_started")
    assert_json_error(client.put(url + "/year-plans/2026", headers=county, json={"planned_investment": -1}),
                      422, "invalid", "planned_investment", "负数")
    assert written() == before
    response = client.put(url + "/year-plans/2026", headers=county, json={"planned_investment": "2500.5"})
    assert response.status_code == 200 and response.get_json()["year_plans"] == [
        {"year": 2026, "planned_investment": "2500.50"}]

    chain = first_chain()
    chain.leader_unit_id = unit("市工信局").id
    db.session.flush()
    gxj = tokens["gxj"]
    before = written()
    assert_json_error(client.post("/api/v1/ledger/figures/chains", headers=gxj, json={
        "month": "2026-02", "rows": [{"chain_id": chain.id, "scale": -3}]}), 422, message="负数")
    assert_json_error(client.post("/api/v1/ledger/figures/chains", headers=county, json={
        "month": "2026-02", "rows": [{"chain_id": chain.id, "scale": 30}]}), 422)
    assert written() == before
    response = client.post("/api/v1/ledger/figures/chains", headers=gxj, json={
        "month": "2026-02", "rows": [{"chain_id": chain.id, "scale": 123.4}]})
    assert response.status_code == 200, response.get_json()
    latest = get(client, gxj, f"/api/v1/ledger/chains/{chain.id}").get_json()["latest_scale"]
    assert latest["month"] == "2026-02" and latest["scale"] == "123.40"
