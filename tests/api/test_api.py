"""The JSON API v1 through HTTP: bearer tokens, the organisation endpoints, JSON errors with a Chinese message
and a machine code, and the OpenAPI document that must describe every route of the `api` blueprint."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from werkzeug.routing import Map, Rule

from app.auth import services as auth_services
from app.auth.models import ApiToken, hash_token
from app.core.errors import ServiceError
from app.core.models import AuditEntry
from app.demo.org import PORTFOLIOS
from app.extensions import db
from app.org.models import Person, Plan, PlanKind, PortfolioItem, Position, Target, Unit, UnitGroup, UnitKind
from tests.factories import person as person_named
from tests.helpers import CHINESE, assert_json_error, bearer

GROUP_SIZES = {"county": 5, "park1": 4, "park2": 4, "promotion": 20, "support": 26}


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def unit_id(name):
    return db.session.scalar(sa.select(Unit.id).where(Unit.name == name))


def flashed_token(client):
    with client.session_transaction() as sess:
        messages = [message for _, message in sess.get("_flashes", [])]
    found = [m for text in messages for m in re.findall(r"qbs_[A-Za-z0-9_-]+", text)]
    assert len(found) == 1, messages
    return found[0]


# --- tokens ---------------------------------------------------------------------------------------------

def test_token_is_stored_only_as_its_hash(api_token, user):
    plain = api_token("gxj")
    row = db.session.execute(sa.select(ApiToken.__table__).where(ApiToken.user_id == user("gxj").id)).one()
    assert row.token_hash == hash_token(plain)
    assert plain.startswith(row.prefix) and len(row.prefix) < len(plain) // 2
    for column, value in row._mapping.items():
        assert not (isinstance(value, str) and plain in value), f"plain token stored in api_tokens.{column}"
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(sa.cast(AuditEntry.after, sa.Text).contains(plain)))


def test_token_created_on_the_account_page_works_until_revoked_there(client, login_as):
    account = login_as("kjj")
    response = client.post("/auth/tokens", data={"name": "数据报送脚本"})
    assert response.status_code == 302
    plain = flashed_token(client)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    assert token.user_id == account.id and token.created_by_id == account.id and token.name == "数据报送脚本"

    # the session cookie of the signed-in client does not authenticate the API: only the bearer token does
    assert_json_error(client.get("/api/v1/me"), 401, "unauthorized")
    me = client.get("/api/v1/me", headers=bearer(plain))
    assert me.status_code == 200
    assert me.get_json()["username"] == "kjj" and me.get_json()["role"] == "staff"

    response = client.post(f"/auth/tokens/{token.id}/revoke")
    assert response.status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "api_tokens",
                                                                         AuditEntry.object_id == str(token.id))))
    assert actions == {"api_token.create", "api_token.revoke"}
    body = assert_json_error(client.get("/api/v1/me", headers=bearer(plain)), 401, "unauthorized")
    assert "吊销" in body["message"]


def test_staff_cannot_revoke_another_users_token(client, login_as, api_token):
    plain = api_token("fgw")
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    login_as("gxj")
    assert client.post(f"/auth/tokens/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200


def test_administrator_creates_a_token_for_another_user_and_staff_cannot(client, user):
    token, plain = auth_services.create_token(user("admin"), user("gxj"), "对接省平台")
    db.session.flush()
    assert token.user_id == user("gxj").id and token.created_by_id == user("admin").id
    assert client.get("/api/v1/me", headers=bearer(plain)).get_json()["username"] == "gxj"
    with pytest.raises(ServiceError) as refused:
        auth_services.create_token(user("gxj"), user("fgw"), "越权")
    assert refused.value.status == 403


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", "Token abc", "Basic YWRtaW46cGFzcw==", "Bearer qbs_not-a-real-token",
])
def test_api_refuses_missing_or_unknown_tokens_with_json_401(client, header):
    headers = {"Authorization": header} if header is not None else {}
    assert_json_error(client.get("/api/v1/units", headers=headers), 401, "unauthorized")


def test_the_bearer_scheme_is_case_insensitive(client, api_token):
    plain = api_token("guancha")
    assert client.get("/api/v1/me", headers={"Authorization": f"bearer {plain}"}).status_code == 200


def test_deactivated_users_token_is_refused(client, api_token, user):
    plain = api_token("fgw")
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    account = user("fgw")
    account.is_active_account = False
    db.session.flush()
    body = assert_json_error(client.get("/api/v1/me", headers=bearer(plain)), 401, "unauthorized")
    assert "停用" in body["message"]


def test_deactivating_a_user_revokes_the_users_tokens(client, api_token, user):
    plain = api_token("xtx")
    auth_services.set_active(user("admin"), user("xtx"), False)
    db.session.flush()
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    assert token.revoked_at is not None
    auth_services.set_active(user("admin"), user("xtx"), True)
    db.session.flush()
    assert_json_error(client.get("/api/v1/me", headers=bearer(plain)), 401, "unauthorized")


def test_token_last_use_is_kept_after_a_read_only_request(client, api_token):
    plain = api_token("gxj")
    db.session.commit()  # the token exists before the request, as in real use
    assert client.get("/api/v1/units", headers=bearer(plain)).status_code == 200
    db.session.rollback()  # what the end of a GET request does with anything it did not commit
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    assert token.last_used_at is not None


# --- GET endpoints --------------------------------------------------------------------------------------

def test_units_lists_the_59_assessed_units_in_their_groups(client, api_token):
    headers = bearer(api_token("gxj"))
    response = client.get("/api/v1/units?per_page=200", headers=headers)
    assert response.status_code == 200
    units = response.get_json()["items"]  # a page of the list contract; 200 rows hold every unit
    assert len(units) == response.get_json()["total"] == count(Unit)
    assessed = [u for u in units if u["group"] is not None]
    assert len(assessed) == 59
    assert {u["name"] for u in units} >= {"市工信局", "湘潭县人民政府", "湘潭高新区管委会"}
    office = next(u for u in units if u["kind"] == "office")
    assert office["group"] is None and office["group_label"] is None
    labels = {g.value: g.label for g in UnitGroup}
    for group, size in GROUP_SIZES.items():
        filtered = client.get(f"/api/v1/units?group={group}", headers=headers).get_json()["items"]
        assert len(filtered) == size, group
        assert {(u["group"], u["group_label"]) for u in filtered} == {(group, labels[group])}
    assert sum(GROUP_SIZES.values()) == 59


@pytest.mark.parametrize("group", ["nope", "County", "县市区组", "x" * 500])
def test_units_with_an_unknown_group_is_a_json_400(client, api_token, group):
    body = assert_json_error(client.get("/api/v1/units", query_string={"group": group},
                                        headers=bearer(api_token("gxj"))), 400, "bad_parameter")
    assert "county" in body["message"] and len(body["message"]) < 200
    assert body["errors"] == {"group": [body["message"]]}


def test_unit_detail_names_the_plans_the_unit_leads(client, api_token):
    headers = bearer(api_token("guancha"))
    body = client.get(f"/api/v1/units/{unit_id('市工信局')}", headers=headers).get_json()
    assert body["name"] == "市工信局" and body["group"] == "promotion"
    assert body["lead_plans"] == ["P1", "P4", "P5", "P6", "P8"]
    assert_json_error(client.get("/api/v1/units/999999", headers=headers), 404, "not_found")


def test_plans_lists_eight_plans_and_six_measures_with_their_lead_units(client, api_token):
    response = client.get("/api/v1/plans", headers=bearer(api_token("fushizhang")))
    assert response.status_code == 200
    plans = {p["code"]: p for p in response.get_json()["items"]}
    assert list(plans) == [f"P{i}" for i in range(1, 9)] + [f"M{i}" for i in range(1, 7)]
    assert {p["kind"] for c, p in plans.items() if c.startswith("P")} == {"plan"}
    assert {p["kind"] for c, p in plans.items() if c.startswith("M")} == {"measure"}
    assert all(p["lead_units"] for p in plans.values())
    assert [u["name"] for u in plans["P1"]["lead_units"]] == ["市工信局", "市发改委"]
    assert [u["name"] for u in plans["M2"]["lead_units"]] == ["市科技局", "市教育局"]
    assert plans["P1"]["lead_units"][0]["id"] == unit_id("市工信局")
    assert plans["P7"]["name"] == "企业上市“金芙蓉”跃升计划"
    assert any(t["text"] for p in plans.values() for t in p["targets"])


def test_people_lists_positions_and_current_portfolio_ids(client, api_token):
    response = client.get("/api/v1/people?per_page=200", headers=bearer(api_token("gxq")))
    assert response.status_code == 200
    people = {p["name"]: p for p in response.get_json()["items"]}
    assert len(people) == count(Person)
    for name, unit_names in PORTFOLIOS.items():
        assert people[name]["portfolio_unit_ids"] == sorted(unit_id(n) for n in unit_names), name
    yang = people["杨晓军"]
    assert [p["title"] for p in yang["positions"]] == ["副市长(负责日常工作)"]
    assert yang["positions"][0]["is_vice_mayor"] is True and yang["positions"][0]["ends_on"] is None
    assert people["刘志仁"]["portfolio_unit_ids"] == []


def test_people_leaves_out_portfolio_items_that_have_ended(client, api_token, clock):
    ding = person_named("丁诚")
    item = db.session.scalar(sa.select(PortfolioItem).where(PortfolioItem.person_id == ding.id,
                                                            PortfolioItem.unit_id == unit_id("市工信局")))
    item.ends_on = date(2026, 1, 31)
    db.session.flush()
    people = {p["name"]: p for p in
              client.get("/api/v1/people?per_page=200", headers=bearer(api_token())).get_json()["items"]}
    assert unit_id("市工信局") not in people["丁诚"]["portfolio_unit_ids"]
    assert len(people["丁诚"]["portfolio_unit_ids"]) == len(PORTFOLIOS["丁诚"]) - 1


# --- POST /api/v1/people --------------------------------------------------------------------------------

def test_administrator_creates_a_person_with_an_audit_entry(client, api_token, user):
    before = count(Person)
    response = client.post("/api/v1/people", json={"name": "  李新  ", "note": "新任副秘书长"},
                           headers=bearer(api_token("admin")))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["name"] == "李新" and body["is_active"] is True
    assert body["positions"] == [] and body["portfolio_unit_ids"] == []
    assert count(Person) == before + 1
    person = db.session.get(Person, body["id"])
    assert person.name == "李新" and person.note == "新任副秘书长"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "person.create",
                                                          AuditEntry.object_id == str(person.id)))
    assert entry is not None and entry.actor_id == user("admin").id and entry.after["name"] == "李新"


def test_a_name_of_exactly_fifty_characters_is_accepted(client, api_token):
    response = client.post("/api/v1/people", json={"name": "张" * 50}, headers=bearer(api_token()))
    assert response.status_code == 201


@pytest.mark.parametrize("username", ["gxj", "fushizhang", "guancha"])
def test_only_administrators_may_create_people(client, api_token, username):
    headers = bearer(api_token(username))
    before, audits = count(Person), count(AuditEntry)
    response = client.post("/api/v1/people", json={"name": "王五"}, headers=headers)
    assert_json_error(response, 403, "forbidden")
    assert (count(Person), count(AuditEntry)) == (before, audits)


BAD_BODIES = {
    "malformed JSON": dict(data='{"name": "张三",', content_type="application/json"),
    "JSON null": dict(data="null", content_type="application/json"),
    "JSON array": dict(json=["张三"]),
    "JSON string": dict(json="张三"),
    "JSON number": dict(json=42),
    "form instead of JSON": dict(data={"name": "张三"}),
    "no body": dict(),
    "invalid UTF-8": dict(data=b'{"name": "\xff\xfe"}', content_type="application/json"),
}


@pytest.mark.parametrize("kind", list(BAD_BODIES))
def test_a_body_that_is_not_a_json_object_is_a_400_and_writes_nothing(client, api_token, kind):
    headers = bearer(api_token())
    before, audits = count(Person), count(AuditEntry)
    body = assert_json_error(client.post("/api/v1/people", headers=headers, **BAD_BODIES[kind]), 400, "bad_json")
    assert "JSON" in body["message"]
    assert (count(Person), count(AuditEntry)) == (before, audits)


BAD_FIELDS = {
    "name missing": ({"note": "无姓名"}, "name", "请填写"),
    "name null": ({"name": None}, "name", "请填写"),
    "name empty": ({"name": ""}, "name", "请填写"),
    "name blank": ({"name": " \t "}, "name", "请填写"),
    "name a number": ({"name": 123}, "name", "必须是文本"),
    "name a boolean": ({"name": True}, "name", "必须是文本"),
    "name a list": ({"name": ["张三"]}, "name", "必须是文本"),
    "name an object": ({"name": {"text": "张三"}}, "name", "必须是文本"),
    "name too long": ({"name": "张" * 51}, "name", "不能超过 50 个字符"),
    "name far too long": ({"name": "x" * 100_000}, "name", "不能超过 50 个字符"),
    "note too long": ({"name": "张三", "note": "备" * 201}, "note", "不能超过 200 个字符"),
    "note a number": ({"name": "张三", "note": 5}, "note", "必须是文本"),
}


@pytest.mark.parametrize("kind", list(BAD_FIELDS))
def test_an_invalid_field_is_a_422_in_chinese_and_writes_nothing(client, api_token, kind):
    payload, field, phrase = BAD_FIELDS[kind]
    headers = bearer(api_token())
    before, audits = count(Person), count(AuditEntry)
    body = assert_json_error(client.post("/api/v1/people", json=payload, headers=headers), 422, "invalid")
    assert phrase in body["message"]
    assert body["errors"] == {field: [body["message"]]}
    assert (count(Person), count(AuditEntry)) == (before, audits)


@pytest.mark.parametrize("how", ["missing", "revoked", "deactivated"])
def test_post_without_a_valid_token_is_a_401_and_writes_nothing(client, api_token, user, how):
    plain = api_token("admin")
    headers = bearer(plain)
    if how == "missing":
        headers = {}
    elif how == "revoked":
        token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
        auth_services.revoke_token(user("admin"), token)
    else:
        user("admin").is_active_account = False
    db.session.flush()
    before, audits = count(Person), count(AuditEntry)
    assert_json_error(client.post("/api/v1/people", json={"name": "张三"}, headers=headers), 401, "unauthorized")
    assert (count(Person), count(AuditEntry)) == (before, audits)


# --- errors of the URL space ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/units/abc", "/api/v1/", "/api/v2/units",
                                  "/api/v1/units/1/plans"])
def test_unknown_api_paths_are_a_json_404_in_chinese(client, api_token, path):
    assert_json_error(client.get(path, headers=bearer(api_token())), 404, "not_found")
    assert_json_error(client.get(path), 404, "not_found")


def test_a_wrong_method_is_a_json_405_in_chinese(client, api_token):
    assert_json_error(client.delete("/api/v1/units", headers=bearer(api_token())), 405, "method_not_allowed")
    assert_json_error(client.put("/api/v1/people", json={}), 405, "method_not_allowed")


def test_api_errors_carry_no_csrf_requirement(app, client, api_token):
    """The API authenticates with bearer tokens only, so a POST must not be refused for a missing CSRF token."""
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/api/v1/people", json={"name": "赵六"}, headers=bearer(api_token()))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 201


# --- the OpenAPI document -------------------------------------------------------------------------------

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def openapi_path(rule):
    """/api/v1/units/<int:unit_id> -> /api/v1/units/{unit_id} (any converter, with or without arguments)."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>:]+)>", r"{\1}", rule)


def undocumented_operations(rules, document):
    """(rule, method) of the `api` blueprint that the document does not describe."""
    missing = []
    for rule in rules:
        if not rule.endpoint.startswith("api."):
            continue
        operations = document["paths"].get(openapi_path(rule.rule), {})
        missing += [(rule.rule, m) for m in sorted(rule.methods - IGNORED_METHODS) if m.lower() not in operations]
    return missing


@pytest.fixture
def openapi_document(client):
    response = client.get("/api/v1/openapi.json")  # public: no token
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def test_openapi_document_is_an_openapi_3_document(openapi_document):
    doc = openapi_document
    assert re.fullmatch(r"3\.\d+\.\d+", doc["openapi"])
    assert doc["info"]["title"] and doc["info"]["version"]
    scheme = doc["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer") and "只读" in scheme["description"]
    assert set(doc["components"]["schemas"]["Error"]["required"]) == {"code", "message"}
    operation_ids = []
    for path, operations in doc["paths"].items():
        assert path.startswith("/api/v1/"), path
        placeholders = set(re.findall(r"{([^}]+)}", path))
        for method, operation in operations.items():
            assert method in {"get", "post", "put", "patch", "delete"}, (path, method)
            assert operation["summary"] and CHINESE.search(operation["summary"]), (path, method)
            assert operation["responses"] and all(re.fullmatch(r"[1-5]\d\d", s) for s in operation["responses"])
            assert any(s.startswith("2") for s in operation["responses"]), (path, method)
            assert {p["name"] for p in operation["parameters"] if p["in"] == "path"} == placeholders
            operation_ids.append(operation["operationId"])
    assert len(operation_ids) == len(set(operation_ids)), "operationId must be unique"
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(doc))
    assert refs and set(refs) <= set(doc["components"]["schemas"])


def test_openapi_document_describes_every_route_of_the_api_blueprint(app, openapi_document):
    missing = undocumented_operations(app.url_map.iter_rules(), openapi_document)
    assert not missing, ("API routes missing from /api/v1/openapi.json (register them with app.api.base.route, "
                         f"not bp.route): {missing}")
    routed = {(openapi_path(r.rule), m.lower()) for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")
              for m in r.methods - IGNORED_METHODS}
    documented = {(path, m) for path, ops in openapi_document["paths"].items() for m in ops}
    assert documented == routed, f"documented operations that no route serves: {documented - routed}"


def test_an_undocumented_api_route_is_detected(app, openapi_document):
    """Guard for the test above: a route added with bp.route instead of `route` must be reported."""
    rules = [Rule(r.rule, endpoint=r.endpoint, methods=r.methods) for r in app.url_map.iter_rules()]
    rules += [Rule("/api/v1/units/<int:unit_id>/tasks", endpoint="api.unit_tasks", methods=["GET"]),
              Rule("/api/v1/units", endpoint="api.units_post", methods=["POST"])]
    Map(rules)  # the rules must be valid together
    assert undocumented_operations(rules, openapi_document) == [
        ("/api/v1/units/<int:unit_id>/tasks", "GET"), ("/api/v1/units", "POST")]


def test_openapi_documents_the_request_body_and_security_of_post_people(openapi_document):
    operation = openapi_document["paths"]["/api/v1/people"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["name"] and schema["properties"]["name"]["maxLength"] == 50
    assert operation["security"] == [{"bearerAuth": []}]
    assert {"201", "400", "401", "403", "422"} <= set(operation["responses"])
    assert "security" not in openapi_document["paths"]["/api/v1/openapi.json"]["get"]
    group = openapi_document["paths"]["/api/v1/units"]["get"]["parameters"][0]
    assert group["name"] == "group" and set(group["schema"]["enum"]) == set(GROUP_SIZES)


# --- query counts ---------------------------------------------------------------------------------------

def _add_people_with_portfolios(n):
    units = db.session.scalars(sa.select(Unit).where(Unit.group.isnot(None)).order_by(Unit.id).limit(n)).all()
    for i, unit in enumerate(units):
        person = Person(name=f"测试人员{i}")
        person.positions.append(Position(unit=unit, title="副市长", starts_on=date(2025, 1, 1), is_vice_mayor=True))
        person.positions.append(Position(unit=unit, title="党组成员", starts_on=date(2025, 1, 1)))
        db.session.add(person)
        db.session.add(PortfolioItem(person=person, unit=unit, starts_on=date(2025, 1, 1)))
    db.session.flush()


def _add_units(n):
    for i in range(n):
        db.session.add(Unit(name=f"测试单位{i}", short_name=f"测试{i}", kind=UnitKind.department,
                            group=UnitGroup.support, sort_order=900 + i))
    db.session.flush()


def _add_plans(n):
    units = db.session.scalars(sa.select(Unit).order_by(Unit.id).limit(3)).all()
    for i in range(n):
        plan = Plan(code=f"T{i}", kind=PlanKind.measure, name=f"测试举措{i}", summary="", sort_order=900 + i)
        plan.lead_units.extend(units)
        plan.targets.append(Target(text=f"测试目标{i}", value=Decimal(i), unit_label="个", period="每年"))
        db.session.add(plan)
    db.session.flush()


@pytest.mark.parametrize(("path", "grow"), [("/api/v1/people", _add_people_with_portfolios),
                                            ("/api/v1/units", _add_units),
                                            ("/api/v1/plans", _add_plans)])
def test_list_endpoints_do_not_query_once_per_row(client, api_token, count_queries, clock, path, grow):
    headers = bearer(api_token("fushizhang"))
    assert client.get(path, headers=headers).status_code == 200  # warm up: the token's last use is recorded
    db.session.expire_all()
    with count_queries() as small:
        rows_before = len(client.get(path + "?per_page=200", headers=headers).get_json()["items"])
    grow(10)
    db.session.expire_all()
    with count_queries() as large:
        rows_after = len(client.get(path + "?per_page=200", headers=headers).get_json()["items"])
    assert rows_after == rows_before + 10
    assert large.count == small.count, (small.statements, large.statements)
    assert small.count <= 8, small.statements
