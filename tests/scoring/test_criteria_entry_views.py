"""The quarterly indicator grid, an indicator's entered actuals and a unit's indicator page through HTTP on the
real database: what the grid shows (actual, quarter target, completion, computed points), “确认” saving all or
nothing, each refusal of the issue (Chinese, nothing written), the entry grid's read-only cells for what a 细则
scores, who reads a unit's indicators, the statement count, and one county's quarter computed by hand from its
indicator page matching the quarter report."""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa

from app.auth.models import Role
from app.auth.services import create_user
from app.core.models import AuditEntry
from app.extensions import db
from app.ledger.models import IndicatorValue
from app.org.models import Target
from app.scoring import criteria_scoring as cs
from app.scoring.criteria_defaults import DEFAULT_INDICATORS, DefaultIndicator
from app.scoring.models import CriteriaActual, CriteriaScore, QuarterStatus, ScoreEntry, ScoringQuarter
from app.scoring.reports import compute_quarter
from app.scoring.year_rules import ASSESSOR_UNIT_NAMES, load_year_rules
from tests.factories import unit
from tests.scoring.matrix_criteria_entry import publish

YEAR, QUARTER = 2026, 1
GRID = f"/scoring/{YEAR}/q{QUARTER}/criteria"
COUNTY = "湘潭县人民政府"


@pytest.fixture(autouse=True)
def _frozen(clock):
    """10 March 2026: the first quarter is open, the second has not started."""
    return clock


def uid(name=COUNTY):
    return unit(name).id


def points(name, code, value, reason=None):
    fields = {f"points:{uid(name)}:{code}": value}
    if reason is not None:
        fields[f"reason:{uid(name)}:{code}"] = reason
    return fields


def form(*cells):
    data = {}
    for c in cells:
        data.update(c)
    return data


def counts():
    return (db.session.scalar(sa.select(sa.func.count()).select_from(CriteriaScore)),
            db.session.scalar(sa.select(sa.func.count()).select_from(ScoreEntry)))


def set_actual(assessor, code, name, value):
    db.session.add(CriteriaActual(year=YEAR, quarter=QUARTER, assessor=assessor, code=code, unit_id=uid(name),
                                  value=Decimal(str(value)), source_note="测试"))
    db.session.commit()


@pytest.fixture
def most(user):
    """市科技局's book published: 研发经费投入 target 40 for 湘潭县 (quarter target 10), actual 8 entered."""
    publish(user("admin"), YEAR, "most", targets={("rd", COUNTY): 40})
    db.session.commit()
    set_actual("most", "rd", COUNTY, 8)


# --- the grid ---------------------------------------------------------------------------------------------

def test_the_grid_shows_actual_target_completion_and_computed_points_per_unit(client, login_as, most):
    login_as("kjj")
    response = client.get(f"{GRID}/most")
    assert response.status_code == 200
    html = response.text
    assert "研发经费投入" in html and "湘潭县人民政府" in html
    assert "实际 8亿元" in html and "目标 10亿元" in html and "完成率 80%" in html
    # prefilled with the computed 4.00 of 5, one card per unit (stacked on a phone)
    assert re.search(rf'name="points:{uid()}:rd" value="4.00"', html)
    assert html.count('<section class="card mb-3"') == 5 + 6
    assert "需填报实际值的指标" in html


def test_confirm_saves_every_cell_at_once_and_the_unit_page_explains_it(client, login_as, most):
    login_as("kjj")
    response = client.post(f"{GRID}/most", data=form(
        points(COUNTY, "rd", "4.00"), points(COUNTY, "tech_contracts", "3", "合同登记滞后，按实际情况给3分"),
        points("湘乡市人民政府", "rd", "")))
    assert response.status_code == 302
    assert counts() == (2, 2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "criteria.score")) == 2
    login_as("xtx")
    page = client.get(f"/scoring/units/{uid()}/{YEAR}/q{QUARTER}/indicators")
    assert page.status_code == 200
    assert "合同登记滞后" in page.text and "改分" in page.text
    assert "−1.00" in page.text  # rd: 4 of 5


@pytest.mark.parametrize("cell, message", [
    (("rd", "5", None), "改分须填写理由"),  # an override without a reason
    (("rd", "6", "超额"), "不能超过该指标的分值"),
    (("rd", "-1", "扣分"), "不能为负数"),
    (("chain", "1", None), "不是市科技局考评细则中适用于该单位的指标"),
])
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(client, login_as, most, cell, message):
    login_as("kjj")
    response = client.post(f"{GRID}/most", data=form(points("湘乡市人民政府", "rd", "0"), points(COUNTY, *cell)))
    assert response.status_code == 400
    assert message in response.text
    assert counts() == (0, 0)


def test_a_finalized_quarter_is_refused(client, login_as, most):
    db.session.add(ScoringQuarter(year=YEAR, quarter=QUARTER, status=QuarterStatus.finalized))
    db.session.commit()
    login_as("kjj")
    response = client.post(f"{GRID}/most", data=points(COUNTY, "rd", "4"))
    assert response.status_code == 400 and "已审定" in response.text
    assert "本季度已审定" in client.get(f"{GRID}/most").text
    response = client.post(f"{GRID}/most/actuals/rd", data={f"actual:{uid()}": "9"})
    assert response.status_code == 400 and "已审定" in response.text
    assert counts() == (0, 0)
    assert db.session.scalar(sa.select(CriteriaActual.value)) == Decimal(8)


def test_a_quarter_that_has_not_started_is_refused(client, login_as, most):
    login_as("kjj")
    response = client.post(f"/scoring/{YEAR}/q2/criteria/most", data=points(COUNTY, "rd", "0"))
    assert response.status_code == 400 and "尚未开始" in response.text
    assert "本季度尚未开始" in client.get(f"/scoring/{YEAR}/q2/criteria/most").text
    assert counts() == (0, 0)


def test_another_unit_cannot_open_or_post_the_grid(client, login_as, most):
    for username in ("fgw", "xtx"):
        login_as(username)
        assert client.get(f"{GRID}/most").status_code == 404
        assert client.post(f"{GRID}/most", data=points(COUNTY, "rd", "4")).status_code == 404
        assert client.post(f"{GRID}/most/actuals/rd", data={f"actual:{uid()}": "1"}).status_code == 404
    login_as("admin")  # the office reads every assessor's grid, and may not score for it
    assert client.get(f"{GRID}/most").status_code == 200
    response = client.post(f"{GRID}/most", data=points(COUNTY, "rd", "4"))
    assert response.status_code == 400 and "不负责这项指标" in response.text
    assert counts() == (0, 0)


def test_the_co_assessor_enters_its_indicator_and_the_office_acts_for_the_office(client, login_as, user):
    publish(user("admin"), YEAR, "office", co_assessors={"approval_service": "市行政审批局"})
    create_user(None, "spj", "市行政审批局联络员", "Demo2026qbs-test", Role.staff, unit("市行政审批局"))
    db.session.commit()
    login_as("spj")
    html = client.get(f"{GRID}/office").text
    assert f'name="points:{uid()}:approval_service"' in html
    assert f'name="points:{uid()}:project_landing"' not in html  # the office's own indicator
    response = client.post(f"{GRID}/office", data=points(COUNTY, "project_landing", "0"))
    assert response.status_code == 400 and "不负责这项指标" in response.text
    assert client.post(f"{GRID}/office", data=points(COUNTY, "approval_service", "4")).status_code == 302
    login_as("admin")
    html = client.get(f"{GRID}/office").text
    assert "系统计算" in html  # the task points: shown, not an input
    assert f'name="points:{uid()}:tasks"' not in html
    response = client.post(f"{GRID}/office", data=points(COUNTY, "approval_service", "3", "审批材料退回一次"))
    assert response.status_code == 302
    score = db.session.scalar(sa.select(CriteriaScore).where(CriteriaScore.code == "approval_service",
                                                             CriteriaScore.unit_id == uid()))
    assert (score.value, score.reason, score.computed) == (Decimal(3), "审批材料退回一次", None)


def test_entered_actuals_are_saved_and_bad_ones_refused(client, login_as, most):
    login_as("kjj")
    page = client.get(f"{GRID}/most/actuals/tech_contracts")
    assert page.status_code == 200 and "年度目标 100" in page.text
    response = client.post(f"{GRID}/most/actuals/tech_contracts", data={
        f"actual:{uid()}": "-2", f"actual:{uid('湘乡市人民政府')}": "3"})
    assert response.status_code == 400 and "不能为负数" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CriteriaActual)) == 1
    response = client.post(f"{GRID}/most/actuals/tech_contracts", data={
        f"actual:{uid()}": "12.5", f"source:{uid()}": "省技术市场登记"})
    assert response.status_code == 302
    assert client.get(f"{GRID}/most/actuals/high_tech").status_code == 404  # a ledger indicator
    html = client.get(f"{GRID}/most").text
    assert "实际 12.5亿元" in html and "来源：省技术市场登记" in html


# --- the entry grid ---------------------------------------------------------------------------------------

def test_the_entry_grid_shows_criteria_cells_read_only_and_refuses_them(client, login_as, most):
    login_as("kjj")
    html = client.get(f"/scoring/{YEAR}/q{QUARTER}/entry").text
    assert "按考评细则计分" in html and f'href="/scoring/{YEAR}/q{QUARTER}/criteria/most"' in html
    assert f'name="score:{uid()}:most:rd"' not in html
    response = client.post(f"/scoring/{YEAR}/q{QUARTER}/entry", data={f"score:{uid()}:most:rd": "5"})
    assert response.status_code == 400
    assert "按考评细则计分" in response.text and f"/scoring/{YEAR}/q{QUARTER}/criteria/most" in response.text
    assert counts() == (0, 0)


# --- a unit's indicators ----------------------------------------------------------------------------------

def test_who_reads_a_units_indicators(client, login_as, most):
    url = f"/scoring/units/{uid()}/{YEAR}/q{QUARTER}/indicators"
    for username, status in (("xtx", 200), ("admin", 200), ("guancha", 200), ("shizhang", 200), ("kjj", 200),
                             ("gxq", 404)):
        login_as(username)
        assert client.get(url).status_code == status, username
    login_as("xtx")
    assert client.get(f"/scoring/units/{uid('湘乡市人民政府')}/{YEAR}/q{QUARTER}/indicators").status_code == 404
    assert "指标得分明细" in client.get(f"/scoring/units/{uid()}?year={YEAR}").text


# --- statements -------------------------------------------------------------------------------------------

def _one_indicator(profiles, year):
    """One 发改委 indicator worth the whole component for the given profiles (entered, linear)."""
    rules = load_year_rules(year)
    maxima = {code: str(p.component("ndrc").maximum) for code, p in rules.rules.profiles.items()
              if code in profiles}
    return [DefaultIndicator("x", "测试指标", "linear", maxima, {"cap": "100", "floor": "0"}, "entered",
                             measure_unit="亿元")]


def test_the_grids_statement_count_does_not_grow_with_its_units(client, login_as, user, count_queries):
    measured = []
    for year, profiles in ((2025, ("park_b",)), (2026, ("park_a", "park_b"))):
        publish(user("admin"), year, "ndrc", indicators=_one_indicator(profiles, year))
        db.session.commit()
        sheet = cs.quarter_sheet(year, 1, "ndrc")
        for unit_row, _cells in sheet.rows:
            db.session.add(CriteriaActual(year=year, quarter=1, assessor="ndrc", code="x", unit_id=unit_row.id,
                                          value=Decimal(20)))
        db.session.commit()
        sheet = cs.quarter_sheet(year, 1, "ndrc")
        cs.confirm_scores(user("fgw"), year, 1, "ndrc",
                          [cs.ScoreItem(u.id, "x", str(c["x"].computed)) for u, c in sheet.rows])
        db.session.commit()
        login_as("fgw")
        client.get(f"/scoring/{year}/q1/criteria/ndrc")  # warm
        with count_queries() as counter:
            response = client.get(f"/scoring/{year}/q1/criteria/ndrc")
        assert response.status_code == 200
        measured.append((len(sheet.rows), counter.count))
    assert [n for n, _ in measured] == [2, 8]
    assert measured[0][1] == measured[1][1], measured


# --- one county's quarter by hand -------------------------------------------------------------------------

ROW = re.compile(r'<tr [^>]*data-assessor="(\w+)" data-code="(\w+)" data-method="(\w+)" data-actual="([^"]*)" '
                 r'data-target="([^"]*)" data-points="([^"]*)" data-maximum="([^"]*)"')
TOTAL = re.compile(r'data-component="(\w+)" data-total="([^"]*)"')
CENT = Decimal("0.01")


def by_hand(method, params, actual, target, maximum):
    """The 细则's rule in plain arithmetic (附件2 六(一) as the office wrote the methods)."""
    if method == "linear":
        if actual is None or not target:
            return Decimal(0)
        rate = actual * 100 / target
        return min(maximum, maximum * rate / Decimal(params["cap"]))
    if method == "steps":
        rate = actual * 100 / target if actual is not None and target else Decimal(-1)
        share = max([Decimal(s) for t, s in params["steps"] if rate >= Decimal(t)], default=Decimal(0))
        return maximum * share / 100
    if method == "count":
        return Decimal(0) if actual is None else min(maximum, actual * Decimal(params["per_event"]))
    raise AssertionError(method)


def test_one_countys_quarter_computed_by_hand_from_its_indicator_page_matches_the_report(client, login_as, user):
    admin = user("admin")
    for assessor in DEFAULT_INDICATORS:
        publish(admin, YEAR, assessor, co_assessors={"approval_service": "市行政审批局"} if assessor == "office"
                else None)
    # the ledger's market entities (P3-1, entered per county): 15 by March of a yearly 100 → 60 %
    p31 = db.session.scalar(sa.select(Target).where(Target.code == "P3-1"))
    db.session.add(IndicatorValue(target_id=p31.id, unit_id=uid(), month=date(2026, 3, 1),
                                  value=Decimal(15), source_note="市场监管局月报"))
    # entered actuals: linear 20 of 25 (80 %), steps 16 of 25 (64 %), counts 1, 2, 3 ...
    counted = iter((2, 1, 1, 0, 1, 3))
    for assessor, defs in DEFAULT_INDICATORS.items():
        for d in defs:
            if d.source == "entered" and d.method in ("linear", "steps", "count") and \
                    "county_a" in d.points:
                value = {"linear": 20, "steps": 16}.get(d.method) or next(counted)
                db.session.add(CriteriaActual(year=YEAR, quarter=QUARTER, assessor=assessor, code=d.code,
                                              unit_id=uid(), value=Decimal(value), source_note="测试"))
    db.session.commit()
    # every assessor confirms the computed points; manual ones: one point off with a reason
    for assessor, name in ASSESSOR_UNIT_NAMES.items():
        sheet = cs.quarter_sheet(YEAR, QUARTER, assessor)
        items = []
        county_cells = next(cells for u, cells in sheet.rows if u.id == uid())
        for code, cell in county_cells.items():
            if cell.is_system:
                continue
            if cell.computed is None:
                items.append(cs.ScoreItem(uid(), code, str(cell.maximum - 1), "工作推进偏慢，扣1分"))
            else:
                items.append(cs.ScoreItem(uid(), code, str(cell.computed)))
        actor = admin if assessor == "office" else create_user(
            None, f"t_{assessor}", f"{name}联络员", "Demo2026qbs-test", Role.staff, unit(name))
        cs.confirm_scores(actor, YEAR, QUARTER, assessor, items)
        db.session.commit()

    login_as("xtx")
    html = client.get(f"/scoring/units/{uid()}/{YEAR}/q{QUARTER}/indicators").text
    rows = ROW.findall(html)
    params = {(a, d.code): d.params for a, defs in DEFAULT_INDICATORS.items() for d in defs}
    assert len(rows) == sum(1 for defs in DEFAULT_INDICATORS.values() for d in defs if "county_a" in d.points)
    components = {}
    for assessor, code, method, actual, target, given, maximum in rows:
        actual = Decimal(actual) if actual else None
        target = Decimal(target) if target else None
        maximum, given = Decimal(maximum), Decimal(given)
        if method == "manual":
            expected = maximum - 1
        elif method == "tasks":
            expected = maximum  # no task was due for 湘潭县 in the quarter: the full points
        else:
            expected = by_hand(method, params[(assessor, code)], actual, target, maximum)
        assert given == expected.quantize(CENT, rounding=ROUND_HALF_UP), (assessor, code, actual, target)
        components[assessor] = components.get(assessor, Decimal(0)) + given
    # a few rows spelled out: 60 % of 3 (市场主体), 80 % of 4 (规模工业: none in the ledger → 0), 64 % → 60 % step
    by_code = {code: (actual, target, given) for _a, code, _m, actual, target, given, _x in rows}
    assert by_code["market_entities"] == ("15", "25", "1.80")
    assert by_code["emerging"] == ("16", "25", "1.80")
    assert by_code["rd"] == ("20", "25", "4.00")
    totals = dict(TOTAL.findall(html))
    assert {a: Decimal(t) for a, t in totals.items()} == components
    report = compute_quarter(YEAR, QUARTER, date(2026, 3, 10))
    row = next(r for r in report["units"] if r["unit_id"] == uid())
    assert row["complete"], row["missing"]
    assert {a: Decimal(v) for a, v in row["components"].items()} == components
    assert Decimal(row["total"]) == sum(components.values())
