"""The scoring index is where assessors, counties, 市直 units and the office start: each year and quarter links the
pages of issue #15 that the user has work on — the indicator grid of the components whose published 考评细则 the
user's unit scores (as assessor or co-assessor), the service ratings (counties and parks rate, 市直 units read
their own, the office reads the summary), the unit's own indicator page, the 细则 overview, the targets and the
result sheets."""

import re

import pytest

from app.auth.models import User
from app.extensions import db
from tests.factories import unit
from tests.scoring.matrix_criteria_entry import publish

YEAR = 2026


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock  # 10 March 2026: the first quarter is open


def _hrefs(html):
    return set(re.findall(r'href="([^"]+)"', html))


def _publish(assessor, co_assessors=None):
    admin = db.session.scalar(db.select(User).where(User.username == "admin"))
    publish(admin, YEAR, assessor, co_assessors=co_assessors)
    db.session.commit()


def test_an_assessor_finds_its_indicator_grid_only_once_its_criteria_are_published(client, login_as):
    login_as("gxj")  # 市工信局, the 工信局 assessor
    grid = f"/scoring/{YEAR}/q1/criteria/miit"
    page = client.get("/scoring/")
    assert page.status_code == 200
    assert grid not in _hrefs(page.text)
    _publish("miit")
    page = client.get("/scoring/")
    assert grid in _hrefs(page.text)
    assert "市工信局指标打分" in page.text
    assert f"/scoring/{YEAR}/q2/criteria/miit" not in _hrefs(page.text)  # the second quarter has not started
    assert f"/scoring/{YEAR}/q1/criteria/ndrc" not in _hrefs(page.text)  # not its component


def test_a_co_assessor_finds_the_office_grid_of_its_indicator(client, login_as):
    from app.auth.models import Role
    from app.auth.services import create_user

    create_user(None, "spj", "市行政审批局联络员", "Demo2026qbs-test", Role.staff, unit("市行政审批局"))
    _publish("office", co_assessors={"approval_service": "市行政审批局"})
    login_as("spj")
    page = client.get("/scoring/")
    assert f"/scoring/{YEAR}/q1/criteria/office" in _hrefs(page.text)


def test_a_county_finds_its_ratings_its_indicators_and_its_targets(client, login_as):
    _publish("ndrc")
    account = login_as("xtx")  # 湘潭县
    hrefs = _hrefs(client.get("/scoring/").text)
    assert f"/scoring/{YEAR}/q1/ratings" in hrefs
    assert f"/scoring/units/{account.unit_id}/{YEAR}/q1/indicators" in hrefs
    assert f"/scoring/{YEAR}/my-targets" in hrefs
    assert f"/scoring/{YEAR}/criteria" in hrefs
    assert f"/scoring/{YEAR}/q1/ratings/summary" not in hrefs
    assert f"/scoring/{YEAR}/result-sheets" not in hrefs
    assert not any("/criteria/" in h and "/q1/" in h for h in hrefs)  # it scores nothing


def test_a_city_unit_reads_its_own_ratings_and_the_office_the_summary(client, login_as):
    login_as("gxj")  # 市工信局 is itself a 市直 unit that counties rate
    hrefs = _hrefs(client.get("/scoring/").text)
    assert f"/scoring/{YEAR}/q1/ratings/mine" in hrefs
    assert f"/scoring/{YEAR}/q1/ratings" not in hrefs
    login_as("admin")
    hrefs = _hrefs(client.get("/scoring/").text)
    assert f"/scoring/{YEAR}/q1/ratings/summary" in hrefs
    assert f"/scoring/{YEAR}/result-sheets" in hrefs


def test_the_targets_page_links_the_units_indicator_pages_of_started_quarters(client, login_as):
    _publish("miit")
    account = login_as("xtx")
    page = client.get(f"/scoring/{YEAR}/my-targets")
    assert page.status_code == 200
    hrefs = _hrefs(page.text)
    assert f"/scoring/units/{account.unit_id}/{YEAR}/q1/indicators" in hrefs
    assert f"/scoring/units/{account.unit_id}/{YEAR}/q2/indicators" not in hrefs  # not started on 10 March
    assert "本单位的季度得分构成按附件2 四中“湘潭县、湘乡市、雨湖区”一行" in page.text
    assert "above_scale" not in page.text  # the indicators' codes are for the editors, not the units


def test_the_grid_links_each_units_tasks_for_its_assessor(client, login_as):
    _publish("ndrc")
    login_as("fgw")  # 市发改委
    county = unit("湘潭县人民政府")
    grid = client.get(f"/scoring/{YEAR}/q1/criteria/ndrc").text
    assert f"/tasks/?unit={county.id}" in _hrefs(grid)
    listing = client.get(f"/tasks/?unit={county.id}")
    assert listing.status_code == 200  # the overview, restricted to the units 市发改委 assesses
