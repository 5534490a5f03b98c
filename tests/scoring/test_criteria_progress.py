"""进度口径 of an indicator with a target: a flow accumulated over the year is held each quarter to the book's
share of the yearly target (25 % by the end of Q1 by default); a level at a point in time — a stock such as the
number of 规上 enterprises, a share, a rate — is held each quarter to the yearly target itself. Spreading a stock
over the quarters would let every unit score full marks until December (found on the demo: 300 % in Q1)."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.scoring import criteria, engine
from app.scoring.criteria_defaults import DEFAULT_INDICATORS
from app.scoring.models import CriteriaBook, CriteriaIndicator
from tests.factories import account

YEAR = 2026
BOOK = f"/scoring/{YEAR}/criteria/miit"


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


def _indicator(progress=None):
    params = {"cap": "100", "floor": "0", **({"progress": progress} if progress else {})}
    return engine.Indicator("above_scale", "规模工业企业培育", "linear", params, {"county_a": "4"})


def test_a_level_is_held_to_the_whole_target_each_quarter_a_flow_to_the_quarters_share():
    """Q1 (share 25 %), yearly target 200 家, 190 家 at the end of March: as a flow the quarter's target is 50 and
    the unit is at 380 % (4 points); as a level the target is 200 and it is at 95 % (3.8 points)."""
    flow = engine.compute_indicator(_indicator(), "county_a", actual=190, yearly_target=200, quarter_share=25)
    level = engine.compute_indicator(_indicator("level"), "county_a", actual=190, yearly_target=200,
                                     quarter_share=25)
    assert (flow.target, flow.completion, flow.points) == (Decimal(50), Decimal(380), Decimal(4))
    assert (level.target, level.completion, level.points) == (Decimal(200), Decimal(95), Decimal("3.8"))


def test_a_level_ranks_on_the_whole_target_too():
    rank = engine.Indicator("land", "园区土地节约集约利用指数", "rank",
                            {"shares": ["100", "50"], "progress": "level"}, {"park_a": "3"})
    result = engine.compute_group(rank, {1: "park_a", 2: "park_a"}, {1: 80, 2: 90}, {1: 100, 2: 100}, 25)
    assert (result[1].target, result[1].completion, result[1].rank) == (Decimal(100), Decimal(80), 2)
    assert result[2].points == Decimal(3) and result[1].points == Decimal("1.5")


def test_an_unknown_progress_is_refused_in_chinese_and_a_level_says_so_in_the_rule_text():
    assert engine.check_params("linear", {"progress": "weekly"}) == [
        "进度口径只能是“按季度累计进度”或“按年度目标时点值”。"]
    assert engine.normalize_params("steps", {"steps": [[60, 60]], "progress": "level"})["progress"] == "level"
    assert "progress" not in engine.normalize_params("linear", {"progress": "cumulative"})
    assert "每季度对照年度目标" in engine.params_text("linear", {"cap": "100", "progress": "level"})
    assert "每季度对照年度目标" not in engine.params_text("linear", {"cap": "100"})


def test_the_annex_defaults_hold_stocks_and_rates_as_levels_and_flows_cumulatively():
    params = {(a, i.code): i.params for a, inds in DEFAULT_INDICATORS.items() for i in inds}
    for key in (("miit", "above_scale"), ("most", "high_tech"), ("ndrc", "key_projects"), ("commerce", "funds_rate"),
                ("miit", "mfg_share")):
        assert engine.progress_of(params[key]) == engine.PROGRESS_LEVEL, key
    for key in (("ndrc", "investment"), ("most", "rd"), ("commerce", "retail")):
        assert engine.progress_of(params[key]) == engine.PROGRESS_CUMULATIVE, key


def test_the_assessor_chooses_the_progress_on_the_indicator_form_and_a_bad_one_changes_nothing(client, login_as):
    criteria.start_from_defaults(account("admin"), YEAR, "miit")
    db.session.commit()
    login_as("gxj")
    data = {"code": "digital", "name": "数字化转型企业数", "method": "linear", "cap": "100", "floor": "0",
            "progress": "level", "source": "entered", "measure_unit": "家", "points_county_a": "1"}
    assert client.post(f"{BOOK}/indicators/new", data=data).status_code == 302
    row = db.session.scalar(sa.select(CriteriaIndicator).join(CriteriaBook).where(
        CriteriaBook.year == YEAR, CriteriaIndicator.code == "digital"))
    assert row.params == {"cap": "100", "floor": "0", "progress": "level"}
    page = client.get(BOOK).get_data(as_text=True)
    assert "每季度对照年度目标" in page
    response = client.post(f"{BOOK}/indicators/{row.id}", data={**data, "progress": "weekly"})
    assert response.status_code == 400 and "进度口径" in response.get_data(as_text=True)
    db.session.refresh(row)
    assert row.params["progress"] == "level"


def test_the_grid_marks_a_level_indicator(client, login_as):
    from tests.scoring.matrix_criteria_entry import publish

    publish(account("admin"), YEAR, "miit")  # 规模工业企业培育 is a level in the defaults, 高技术产业 a flow
    db.session.commit()
    login_as("gxj")
    page = client.get(f"/scoring/{YEAR}/q1/criteria/miit").get_data(as_text=True)
    start = page.index("规模工业企业培育")
    assert "时点值" in page[start:start + 400]
    start = page.index("高技术产业发展情况")
    assert "时点值" not in page[start:start + 300]
