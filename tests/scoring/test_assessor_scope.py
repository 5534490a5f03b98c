"""附件2 六(二): “各考评责任单位,要加强对县市区(园区)推进‘千百十’工程的督促指导,及时掌握各地、各部门工作开展
情况。” The staff of an assessing unit read — and only read — the tasks and the ledger rows of the units it assesses in
the current year's rules (app/scoring/assessor_scope.py, registered through app/core/scopes.py).

Default rules (附件2 四): 市发改委 assesses the counties and the parks, not the 市直 units; 市工信局 every unit but
湘潭综保区 and 岳塘经开区 (四(三) gives them no 市工信局 component); 市文旅广体局 the counties only.
"""

from datetime import datetime

import pytest
import sqlalchemy as sa

from app.core.clock import today as clock_day
from app.core.scopes import extra_read_unit_ids, register_read_scope
from app.extensions import db
from app.ledger import permissions as ledger_permissions
from app.scoring.assessor_scope import assessed_unit_ids
from app.scoring.year_rules import assessed_units, save_rules
from app.tasks import services as task_services
from app.tasks.models import Task, TaskEvent, TaskState
from tests.factories import account, make_task, unit
from tests.helpers import bearer
from tests.ledger.test_enterprises import form as enterprise_form
from tests.ledger.test_enterprises import make as make_enterprise
from tests.scoring.test_services import component, rule_data, staff_of

COUNTY = "湘潭县人民政府"
OTHER_COUNTY = "湘乡市人民政府"
PARK = "湘潭高新区管委会"
CITY_UNIT = "市科技局"
YEAR = 2026  # the frozen clock's year


@pytest.fixture
def tasks(clock):
    return {name: make_task(lead=name, title=f"{name}的事项") for name in (COUNTY, OTHER_COUNTY, PARK, CITY_UNIT)}


def _events():
    return db.session.scalar(sa.select(sa.func.count()).select_from(TaskEvent))


# --- who assesses whom --------------------------------------------------------------------------------------

def test_assessed_units_follow_the_current_years_components(clock):
    ids = {u.name: u.id for u in assessed_units()}
    ndrc = assessed_unit_ids(account("fgw"))
    assert {ids[COUNTY], ids[OTHER_COUNTY], ids[PARK], ids["湘潭综保区管委会"]} <= ndrc
    assert ids[CITY_UNIT] not in ndrc and ids["市住房城乡建设局"] not in ndrc
    miit = assessed_unit_ids(account("gxj"))
    assert miit == set(ids.values()) - {ids["市工信局"], ids["湘潭综保区管委会"], ids["岳塘经开区管委会"]}
    culture = assessed_unit_ids(staff_of("市文旅广体局", "wlj"))
    assert culture == {ids[n] for n in (COUNTY, OTHER_COUNTY, "韶山市人民政府", "雨湖区人民政府", "岳塘区人民政府")}
    assert assessed_unit_ids(account("xtx")) == set()  # a county assesses nobody


def test_the_office_and_the_readers_of_everything_are_not_asked(clock, count_queries):
    for username in ("admin", "guancha", "shizhang"):
        user = account(username)
        with count_queries() as counter:
            assert assessed_unit_ids(user) == set()
        assert counter.count == 0


def test_a_co_assessor_of_a_sub_item_reads_the_units_of_that_profile(clock):
    """三(一)8 “市产业强市‘千百十’工程办牵头,会同市行政审批局负责考评产业项目审批服务”: 市行政审批局 co-assesses the
    office's sub-item of the counties (county_a) and so reads their rows; without the sub-item it reads nothing more."""
    approval = staff_of("市行政审批局", "spj")
    assert assessed_unit_ids(approval) == set()
    data = rule_data(YEAR)
    component(data, "county_a", "office")["sub_items"] = [
        {"code": "tasks", "name": "交办事项落实", "maximum": "10"},
        {"code": "approval", "name": "产业项目审批服务", "maximum": "5"}]
    data["sub_item_assessors"] = {"office.approval": unit("市行政审批局").id}
    save_rules(account("admin"), YEAR, data)
    county_a = {int(k) for k, v in data["unit_profiles"].items() if v == "county_a"}
    assert unit(COUNTY).id in county_a and unit("韶山市人民政府").id not in county_a
    assert assessed_unit_ids(approval) == county_a


def test_only_the_current_years_rules_count(clock):
    """Next year's rules take 市文旅广体局 off the county component: it still reads this year, not the next."""
    culture = staff_of("市文旅广体局", "wlj")
    data = rule_data(YEAR + 1)
    data["assessor_units"]["culture"] = unit("市住房城乡建设局").id
    save_rules(account("admin"), YEAR + 1, data)
    assert unit(COUNTY).id in assessed_unit_ids(culture)
    clock.set(datetime(YEAR + 1, 1, 10, 9, 0))
    assert assessed_unit_ids(culture) == set()
    assert unit(COUNTY).id in assessed_unit_ids(staff_of("市住房城乡建设局", "zjj"))


# --- tasks: read, never act ---------------------------------------------------------------------------------

def test_an_assessor_reads_an_assessed_units_task_but_not_a_city_units(client, login_as, tasks):
    login_as("fgw")
    page = client.get(f"/tasks/{tasks[COUNTY].id}")
    assert page.status_code == 200 and f"{COUNTY}的事项" in page.get_data(as_text=True)
    assert client.get(f"/tasks/{tasks[PARK].id}").status_code == 200
    assert client.get(f"/tasks/{tasks[CITY_UNIT].id}").status_code == 404


def test_an_assessor_may_not_act_on_the_task_it_reads(client, login_as, tasks):
    task = tasks[COUNTY]
    fgw = account("fgw")
    assert task_services.can_view(fgw, task)
    assert task_services.allowed_actions(fgw, task, clock_day()) == set()
    assert not task_services.is_lead_staff(fgw, task) and not task_services.is_party_staff(fgw, task)
    assert not task_services.can_decide(fgw, task) and not task_services.can_urge(fgw, task, clock_day())
    login_as("fgw")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    for label in ("签收", "提交进展", "申请办结", "申请延期", "催办", "撤销事项"):
        assert f">{label}<" not in page and f'value="{label}"' not in page, label
    before, version = _events(), task.version
    posts = {
        "accept": {"version": version},
        "follow-up": {"text": "评估单位代填的进展", "percent": "50"},
        "request-completion": {"version": version, "completed_on": "2026-03-09", "summary": "已完成"},
        "request-extension": {"version": version, "new_due_on": "2026-04-30", "reason": "需要延期"},
        "urge": {"version": version, "level": "1", "note": "请抓紧"},
        "cancel": {"version": version, "reason": "不需要了"},
        "approve-completion": {"version": version, "note": "同意"},
        "return": {"version": version, "note": "退回"},
    }
    for action, data in posts.items():
        response = client.post(f"/tasks/{task.id}/{action}", data=data)
        assert response.status_code == 403, (action, response.status_code)
    db.session.expire_all()
    assert _events() == before
    assert db.session.get(Task, task.id).state is TaskState.in_progress


def test_a_county_that_assesses_nobody_still_reads_only_its_own_tasks(client, login_as, tasks):
    login_as("xtx")
    assert client.get(f"/tasks/{tasks[COUNTY].id}").status_code == 200
    for name in (OTHER_COUNTY, PARK, CITY_UNIT):
        assert client.get(f"/tasks/{tasks[name].id}").status_code == 404


def test_the_industry_bureau_assesses_everyone_and_reads_a_city_units_task(client, login_as, tasks):
    login_as("gxj")
    for name in (COUNTY, OTHER_COUNTY, PARK, CITY_UNIT):
        assert client.get(f"/tasks/{tasks[name].id}").status_code == 200, name


def _api_titles(client, token):
    body = client.get("/api/v1/tasks?per_page=100", headers=bearer(token)).get_json()
    return body["total"], {item["title"] for item in body["items"]}


def test_the_task_list_counts_the_assessed_units_tasks(client, api_token, tasks):
    total, titles = _api_titles(client, api_token("fgw"))
    assert {f"{COUNTY}的事项", f"{OTHER_COUNTY}的事项", f"{PARK}的事项"} <= titles
    assert f"{CITY_UNIT}的事项" not in titles
    assert total == len(titles)
    fgw = account("fgw")
    visible = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(task_services.visible_to(fgw)))
    assert visible == total
    _, county_titles = _api_titles(client, api_token("xtx"))
    assert f"{COUNTY}的事项" in county_titles and not {f"{OTHER_COUNTY}的事项", f"{PARK}的事项"} & county_titles


def test_the_task_list_costs_the_same_statements_whatever_the_number_of_assessed_tasks(client, api_token, tasks,
                                                                                      count_queries):
    token = api_token("fgw")
    client.get("/api/v1/tasks", headers=bearer(token))  # warm: the calendar and the like
    with count_queries() as few:
        assert client.get("/api/v1/tasks", headers=bearer(token)).status_code == 200
    for n in range(6):
        make_task(lead=OTHER_COUNTY if n % 2 else PARK, title=f"更多事项{n}")
    with count_queries() as many:
        total, _ = _api_titles(client, token)
    assert total >= 9
    assert many.count == few.count


# --- the ledger: read, never keep ---------------------------------------------------------------------------

def test_an_assessor_reads_the_enterprises_of_the_units_it_assesses_and_keeps_none(client, login_as, clock):
    """市文旅广体局 (no registry, no plan: it does not read the whole ledger) reads 湘潭县's enterprise, which it
    assesses, not 湘潭高新区's, which it does not; it may not edit the one it reads."""
    county = make_enterprise(name="湘潭县文旅企业", n=11, unit_name=COUNTY)
    park = make_enterprise(name="高新区企业", n=12, unit_name=PARK)
    staff_of("市文旅广体局", "wlj")
    culture = account("wlj")
    assert not ledger_permissions.reads_whole_ledger(culture)
    login_as("wlj")
    assert client.get(f"/ledger/enterprises/{county.id}").status_code == 200
    assert client.get(f"/ledger/enterprises/{park.id}").status_code == 404
    edit = client.post(f"/ledger/enterprises/{county.id}/edit",
                       data=enterprise_form(uscc=county.uscc, name="文旅局改的"))
    assert edit.status_code == 403
    listing = client.get("/ledger/enterprises").get_data(as_text=True)
    assert "湘潭县文旅企业" in listing and "高新区企业" not in listing
    assert ledger_permissions.can_read_unit_rows(culture, unit(COUNTY).id)
    assert not ledger_permissions.can_keep(culture, unit(COUNTY).id)
    assert db.session.get(type(county), county.id).name == "湘潭县文旅企业"


def test_the_ndrc_reads_a_county_enterprise_and_a_county_reads_only_its_own(client, login_as, clock):
    county = make_enterprise(name="湘潭县企业", n=13, unit_name=COUNTY)
    other = make_enterprise(name="湘乡市企业", n=14, unit_name=OTHER_COUNTY)
    login_as("fgw")
    assert client.get(f"/ledger/enterprises/{county.id}").status_code == 200
    login_as("xtx")
    assert client.get(f"/ledger/enterprises/{county.id}").status_code == 200
    assert client.get(f"/ledger/enterprises/{other.id}").status_code == 404
    assert ledger_permissions.visible_unit_ids(account("xtx")) == {unit(COUNTY).id}


# --- the extension point ------------------------------------------------------------------------------------

def test_scopes_are_computed_once_per_request_and_unioned(app, clock, count_queries):
    extra = 987654
    register_read_scope(app, "test_scope", lambda user: {extra} if user.username == "xtx" else set())
    try:
        with app.test_request_context("/"):
            fgw = account("fgw")
            with count_queries() as first:
                ids = extra_read_unit_ids(fgw)
            with count_queries() as again:
                assert extra_read_unit_ids(fgw) == ids
            assert first.count >= 1 and again.count == 0
            assert unit(COUNTY).id in ids and extra not in ids
            assert extra_read_unit_ids(account("xtx")) == {extra}
        with app.test_request_context("/"):  # a new request asks again
            fgw = account("fgw")
            with count_queries() as next_request:
                extra_read_unit_ids(fgw)
            assert next_request.count >= 1
    finally:
        app.extensions["read_scopes"].pop("test_scope")


def test_an_assessor_browses_the_overview_of_the_units_it_assesses_only(client, login_as, tasks):
    """六(二) “及时掌握各地、各部门工作开展情况”: an assessor opens 事项总览 (it reached the tasks only through links
    and the API), restricted in the query to the units it assesses, with those units to filter by; a county that
    assesses nobody still has no overview."""
    login_as("fgw")
    page = client.get("/tasks/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"{COUNTY}的事项" in text and f"{PARK}的事项" in text and f"{CITY_UNIT}的事项" not in text
    assert f'>{CITY_UNIT}</option>' not in text and f'>{COUNTY}</option>' in text
    one = client.get(f"/tasks/?unit={unit(OTHER_COUNTY).id}").get_data(as_text=True)
    assert f"{OTHER_COUNTY}的事项" in one and f"{COUNTY}的事项" not in one
    forged = client.get(f"/tasks/?unit={unit(CITY_UNIT).id}").get_data(as_text=True)
    assert f"{CITY_UNIT}的事项" not in forged  # a unit outside the scope filters to nothing
    assert 'href="/tasks/"' in client.get("/scoring/").get_data(as_text=True)  # the scoring index offers it
    login_as("xtx")
    assert client.get("/tasks/").status_code == 403
