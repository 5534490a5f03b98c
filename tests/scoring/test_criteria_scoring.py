"""The quarterly indicator scoring of the published 考评细则 (app.scoring.criteria_scoring) on the real database:
actuals from the ledger, entered by the assessor or absent, targets × the book's quarter share, the methods'
points, confirming and overriding (ScoreEntry + CriteriaScore + audit, all or nothing), every refusal of the
issue that falls here, and the entry grid's refusal of a sub-item a 细则 scores.

`publish` writes a published book and the year's rules as the publication part does: the component's sub-items
become the indicators (maximum = the indicator's points for the profile), a co-assessed indicator goes into
sub_item_assessors."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.auth.models import Role
from app.auth.services import create_user
from app.core.errors import ServiceError
from app.core.models import AuditEntry
from app.extensions import db
from app.ledger.models import IndicatorValue
from app.org.models import Target
from app.scoring import criteria_scoring as cs
from app.scoring.criteria_defaults import DEFAULT_INDICATORS
from app.scoring.entries import EntryItem, enter_scores
from app.scoring.models import (
    CriteriaActual,
    CriteriaScore,
    QuarterStatus,
    ScoreEntry,
    ScoringQuarter,
)
from app.scoring.reports import compute_quarter
from tests.factories import unit
from tests.scoring import matrix_criteria_entry

YEAR, QUARTER = 2026, 1
ON = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


def publish(admin, assessor, indicators=None, targets=None, co_assessors=None, year=YEAR, shares=None):
    return matrix_criteria_entry.publish(admin, year, assessor, indicators, targets, co_assessors, shares)


def only(*codes, assessor="miit"):
    return [d for d in DEFAULT_INDICATORS[assessor] if d.code in codes]


def enter_actual(assessor, code, name, value, quarter=QUARTER):
    db.session.add(CriteriaActual(year=YEAR, quarter=quarter, assessor=assessor, code=code, unit_id=unit(name).id,
                                  value=Decimal(str(value)), source_note="测试"))
    db.session.flush()


def sheet_cell(assessor, name, code, quarter=QUARTER):
    return cs.quarter_sheet(YEAR, quarter, assessor, ON).cell(unit(name).id, code)


def score_rows():
    return db.session.scalar(sa.select(sa.func.count()).select_from(CriteriaScore))


def entry_rows():
    return db.session.scalar(sa.select(sa.func.count()).select_from(ScoreEntry))


# --- computing ---------------------------------------------------------------------------------------------

def test_linear_points_follow_the_completion_of_the_quarters_share_of_the_yearly_target(user):
    publish(user("admin"), "most", targets={("rd", "湘潭县人民政府"): 40})
    enter_actual("most", "rd", "湘潭县人民政府", 8)
    cell = sheet_cell("most", "湘潭县人民政府", "rd")
    # quarter target 40 × 25 % = 10; completion 8 / 10 = 80 %; 5 points × 80 % = 4
    assert cell.target == Decimal(10)
    assert cell.completion == Decimal("80.00")
    assert cell.computed == Decimal("4.00")
    assert cell.maximum == Decimal(5)
    # a unit without an actual computes 0 and is not confirmed
    other = sheet_cell("most", "湘乡市人民政府", "rd")
    assert other.actual is None and other.computed == Decimal("0.00") and not other.confirmed


def test_steps_and_count_methods(user):
    publish(user("admin"), "miit", targets={("emerging", "湘潭县人民政府"): 100})
    enter_actual("miit", "emerging", "湘潭县人民政府", 20)  # 20 / 25 = 80 % → the 80 % step: 3 × 80 % = 2.4
    enter_actual("miit", "specialized", "湘潭县人民政府", 2)  # 2 × 1 point, of 3
    assert sheet_cell("miit", "湘潭县人民政府", "emerging").computed == Decimal("2.40")
    assert sheet_cell("miit", "湘潭县人民政府", "specialized").computed == Decimal("2.00")
    enter_actual("miit", "specialized", "湘乡市人民政府", 7)  # capped at the points
    assert sheet_cell("miit", "湘潭县人民政府", "specialized").maximum == Decimal(3)
    assert sheet_cell("miit", "湘乡市人民政府", "specialized").computed == Decimal("3.00")


def test_rank_is_within_the_units_group_among_the_units_of_the_indicator(user):
    publish(user("admin"), "ndrc")
    # land_index: parks only (park_a and park_b), each park's yearly target 100; an index is a level, so each
    # quarter is held to the whole target (engine.PROGRESS_LEVEL)
    for name, value in (("湘潭高新区管委会", 100), ("湘潭经开区管委会", 80), ("湘潭综保区管委会", 40),
                        ("湘潭天易经开区管委会", 20)):
        enter_actual("ndrc", "land_index", name, value)
    first = sheet_cell("ndrc", "湘潭高新区管委会", "land_index")
    second = sheet_cell("ndrc", "湘潭经开区管委会", "land_index")
    third = sheet_cell("ndrc", "湘潭综保区管委会", "land_index")  # 一类园区 too
    assert (first.rank, first.computed) == (1, Decimal("3.00"))
    assert (second.rank, second.computed) == (2, Decimal("2.70"))  # 90 % of 3
    assert (third.rank, third.computed) == (3, Decimal("2.40"))  # 80 % of 3
    # 湘潭天易经开区 is in the 二类园区 group: first there with 20 %, ahead of parks with no actual
    park2 = sheet_cell("ndrc", "湘潭天易经开区管委会", "land_index")
    assert (park2.completion, park2.rank, park2.computed) == (Decimal("20.00"), 1, Decimal("3.00"))
    assert sheet_cell("ndrc", "湘乡经开区管委会", "land_index").rank is None
    assert sheet_cell("ndrc", "湘潭县人民政府", "land_index") is None  # counties have no such indicator


def test_ledger_actuals_come_from_the_snapshot_of_the_quarters_last_month(user):
    publish(user("admin"), "samr", targets={("market_entities", "湘潭县人民政府"): 2})
    target = db.session.scalar(sa.select(Target).where(Target.code == "P3-1"))
    for month, value in ((date(2026, 2, 1), "0.2"), (date(2026, 3, 1), "0.4"), (date(2026, 4, 1), "9")):
        db.session.add(IndicatorValue(target_id=target.id, unit_id=unit("湘潭县人民政府").id, month=month,
                                      value=Decimal(value), source_note="市场监管局月报"))
    db.session.flush()
    cell = sheet_cell("samr", "湘潭县人民政府", "market_entities")
    # March's cumulative figure (April's is not in the first quarter): 0.4 of 2 × 25 % = 0.5 → 80 % of 3 points
    assert cell.actual == Decimal("0.4")
    assert cell.completion == Decimal("80.00")
    assert cell.computed == Decimal("2.40")


def test_manual_and_tasks_are_not_computed_for_confirmation(user):
    publish(user("admin"), "office", co_assessors={"approval_service": "市行政审批局"})
    manual = sheet_cell("office", "湘潭县人民政府", "approval_service")
    tasks = sheet_cell("office", "湘潭县人民政府", "tasks")
    assert manual.computed is None and manual.proposed is None
    assert tasks.is_system and tasks.confirmed
    # no task due in the quarter: the full points, as reports.compute_quarter gives them
    report = compute_quarter(YEAR, QUARTER, ON)
    row = next(r for r in report["units"] if r["unit_id"] == unit("湘潭县人民政府").id)
    assert str(tasks.computed) == row["office"]["value"]


# --- confirming ----------------------------------------------------------------------------------------------

def test_confirming_writes_the_entry_and_the_explanation_and_audits_them(user):
    publish(user("admin"), "most", targets={("rd", "湘潭县人民政府"): 40})
    enter_actual("most", "rd", "湘潭县人民政府", 8)
    county = unit("湘潭县人民政府").id
    changed = cs.confirm_scores(user("kjj"), YEAR, QUARTER, "most",
                                [cs.ScoreItem(county, "rd", "4.00", ""),
                                 cs.ScoreItem(county, "tech_contracts", "3", "合同登记滞后，按实际情况扣1分")], ON)
    assert changed == 2
    entry = db.session.scalar(sa.select(ScoreEntry).where(ScoreEntry.unit_id == county, ScoreEntry.sub_item == "rd"))
    assert entry.value == Decimal("4.00") and "完成率80%" in entry.note
    score = db.session.scalar(sa.select(CriteriaScore).where(CriteriaScore.unit_id == county,
                                                             CriteriaScore.code == "rd"))
    assert (score.actual, score.target, score.completion, score.computed, score.value, score.overridden) == (
        Decimal(8), Decimal(10), Decimal("80.00"), Decimal("4.00"), Decimal("4.00"), False)
    override = db.session.scalar(sa.select(CriteriaScore).where(CriteriaScore.code == "tech_contracts"))
    assert override.overridden and override.computed == Decimal("0.00") and override.reason.startswith("合同")
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("criteria.score") == 2 and actions.count("score.enter") == 2
    # the component is the sum of the sub-items
    report = compute_quarter(YEAR, QUARTER, ON)
    row = next(r for r in report["units"] if r["unit_id"] == county)
    assert {"most.high_tech", "most.tech_sme"} <= set(row["missing"]) and "most.rd" not in row["missing"]
    # confirming the same again changes nothing
    assert cs.confirm_scores(user("kjj"), YEAR, QUARTER, "most", [cs.ScoreItem(county, "rd", "4", "")], ON) == 0


@pytest.mark.parametrize("value, reason, message", [
    ("5", "", "改分须填写理由"),  # an override without a reason
    ("5.5", "超额完成", "不能超过该指标的分值"),  # above the indicator's points
    ("-1", "扣分", "不能为负数"),
    ("abc", "", "不是数字"),
])
def test_bad_scores_are_refused_and_nothing_is_written(user, value, reason, message):
    publish(user("admin"), "most", targets={("rd", "湘潭县人民政府"): 40})
    enter_actual("most", "rd", "湘潭县人民政府", 8)
    county = unit("湘潭县人民政府").id
    before = (score_rows(), entry_rows())
    with pytest.raises(ServiceError) as refused:
        cs.confirm_scores(user("kjj"), YEAR, QUARTER, "most",
                          [cs.ScoreItem(unit("湘乡市人民政府").id, "rd", "0", ""),  # a good one: not kept either
                           cs.ScoreItem(county, "rd", value, reason)], ON)
    assert message in refused.value.message
    assert (score_rows(), entry_rows()) == before


def test_a_manual_score_below_the_maximum_needs_a_reason(user):
    publish(user("admin"), "miit")
    county = unit("湘潭县人民政府").id
    with pytest.raises(ServiceError, match="人工评分未给满分"):
        cs.confirm_scores(user("gxj"), YEAR, QUARTER, "miit", [cs.ScoreItem(county, "chain", "3", "")], ON)
    assert cs.confirm_scores(user("gxj"), YEAR, QUARTER, "miit", [cs.ScoreItem(county, "chain", "4", "")], ON) == 1


def test_a_finalized_quarter_refuses_scores_and_actuals(user):
    publish(user("admin"), "most")
    db.session.add(ScoringQuarter(year=YEAR, quarter=QUARTER, status=QuarterStatus.finalized))
    db.session.flush()
    county = unit("湘潭县人民政府").id
    with pytest.raises(ServiceError, match="已审定"):
        cs.confirm_scores(user("kjj"), YEAR, QUARTER, "most", [cs.ScoreItem(county, "rd", "0", "")], ON)
    with pytest.raises(ServiceError, match="已审定"):
        cs.save_actuals(user("kjj"), YEAR, QUARTER, "most", "rd", [cs.ActualItem(county, "8", "统计")], ON)
    assert score_rows() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CriteriaActual)) == 0


def test_a_quarter_that_has_not_started_refuses_scores_and_actuals(user):
    publish(user("admin"), "most")
    county = unit("湘潭县人民政府").id
    with pytest.raises(ServiceError, match="尚未开始"):
        cs.confirm_scores(user("kjj"), YEAR, 2, "most", [cs.ScoreItem(county, "rd", "0", "")], ON)
    with pytest.raises(ServiceError, match="尚未开始"):
        cs.save_actuals(user("kjj"), YEAR, 2, "most", "rd", [cs.ActualItem(county, "8", "统计")], ON)
    assert score_rows() == 0


def test_only_the_assessor_and_the_co_assessor_of_an_indicator_enter_it(user):
    publish(user("admin"), "office", co_assessors={"approval_service": "市行政审批局"})
    publish(user("admin"), "most")
    county = unit("湘潭县人民政府").id
    with pytest.raises(ServiceError, match="不负责这项指标"):
        cs.confirm_scores(user("fgw"), YEAR, QUARTER, "most", [cs.ScoreItem(county, "rd", "0", "")], ON)
    with pytest.raises(ServiceError, match="不负责"):
        cs.save_actuals(user("fgw"), YEAR, QUARTER, "most", "rd", [cs.ActualItem(county, "1", "")], ON)
    approval = create_user(None, "spj", "市行政审批局联络员", "Demo2026qbs-test", Role.staff, unit("市行政审批局"))
    db.session.flush()
    # the co-assessor enters 产业项目审批服务 of the office, and nothing else of the office's
    assert cs.confirm_scores(approval, YEAR, QUARTER, "office",
                             [cs.ScoreItem(county, "approval_service", "4", "")], ON) == 1
    with pytest.raises(ServiceError, match="不负责这项指标"):
        cs.confirm_scores(approval, YEAR, QUARTER, "office", [cs.ScoreItem(county, "project_landing", "0", "")], ON)
    # the office's administrator acts for the office, the co-assessed indicator included
    assert cs.confirm_scores(user("admin"), YEAR, QUARTER, "office",
                             [cs.ScoreItem(county, "approval_service", "3.5", "审批超时一次")], ON) == 1
    # the system's task points are never confirmed here
    with pytest.raises(ServiceError, match="系统按交办事项"):
        cs.confirm_scores(user("admin"), YEAR, QUARTER, "office", [cs.ScoreItem(county, "tasks", "7", "")], ON)


def test_entered_actuals_are_checked_and_audited(user):
    publish(user("admin"), "most")
    county = unit("湘潭县人民政府").id
    for value, message in (("-3", "不能为负数"), ("x", "不是有效的数值"), ("1.23456", "最多保留 4 位小数")):
        with pytest.raises(ServiceError, match=message):
            cs.save_actuals(user("kjj"), YEAR, QUARTER, "most", "rd", [cs.ActualItem(county, value, "")], ON)
    with pytest.raises(ServiceError, match="台账自动取数"):
        cs.save_actuals(user("kjj"), YEAR, QUARTER, "most", "high_tech", [cs.ActualItem(county, "3", "")], ON)
    assert cs.save_actuals(user("kjj"), YEAR, QUARTER, "most", "rd",
                           [cs.ActualItem(county, "8.5", "市统计局快报")], ON) == 1
    row = db.session.scalar(sa.select(CriteriaActual))
    assert (row.value, row.source_note, row.code) == (Decimal("8.5"), "市统计局快报", "rd")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "criteria.actual")) == 1


# --- the entry grid and the 细则 ----------------------------------------------------------------------------

def test_the_entry_grid_refuses_a_sub_item_a_published_book_scores(user):
    publish(user("admin"), "most")
    county = unit("湘潭县人民政府").id
    with pytest.raises(ServiceError) as refused:
        enter_scores(user("kjj"), YEAR, QUARTER, [EntryItem(county, "most", "rd", "5", None)])
    assert "按考评细则计分" in refused.value.message and f"/scoring/{YEAR}/q{QUARTER}/criteria/most" in \
        refused.value.message
    assert entry_rows() == 0


def test_completion_summary_lists_the_units_short_of_their_points(user):
    publish(user("admin"), "most", targets={("rd", "湘潭县人民政府"): 40})
    enter_actual("most", "rd", "湘潭县人民政府", 8)
    summary = cs.completion_summary(YEAR, QUARTER)
    assert [s["assessor"] for s in summary] == ["most"]
    rd = next(i for i in summary[0]["indicators"] if i["code"] == "rd")
    assert rd["units"] == 5 + 6
    short = {name: (completion, shortfall) for name, completion, shortfall in rd["short"]}
    assert short["湘潭县人民政府"] == (Decimal("80.00"), Decimal("1.00"))


def test_a_completion_too_large_for_its_column_is_confirmed_without_storing_it(user):
    publish(user("admin"), "most", targets={("rd", "湘潭县人民政府"): "0.0004"})
    enter_actual("most", "rd", "湘潭县人民政府", "99999999999")  # of a quarter target of 0.0001
    county = unit("湘潭县人民政府").id
    assert cs.confirm_scores(user("kjj"), YEAR, QUARTER, "most", [cs.ScoreItem(county, "rd", "5")], ON) == 1
    db.session.flush()
    score = db.session.scalar(sa.select(CriteriaScore))
    assert (score.value, score.completion, score.actual) == (Decimal("5.00"), None, Decimal("99999999999"))
