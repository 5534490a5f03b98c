"""Journey: a quarter's assessment, from the assessors' grids to the annual results.

On the frozen day (2026-04-14) the first quarter of 2026 has ended and is open. Every assessor scores it by its
published 考评细则 (each indicator is a sub-item of the assessor's component), and the demo has confirmed the
indicator grids but for two assessors: 市工信局 has not yet given six 市直 units their manual indicator
(“千百扶培”工作情况), and 市文旅广体局 has not confirmed its grid at all (its actuals are entered, the points
computed).

1. 市工信局's liaison (gxj) opens the quarter's 得分录入 from the scoring index: the missing cells are marked
   “按考评细则计分”, read-only, with a link to the indicator grid, which it follows. There it gives the six units
   their points: one over the indicator's points and one below them without a reason are refused with both
   messages and nothing is written; with the points corrected and the reason given, the six are confirmed.
2. The office's 审定 of the still incomplete quarter is refused with the units missing.
3. 市文旅广体局's liaison corrects one unit's actual through the indicator's 实际值填报 form (the computed points
   follow) and confirms its grid as computed.
4. The office writes the quarter's 考评意见 and records the 审定 with its date and 文号; the quarter's results show it
   finalized, the units complete (市工信局's column the sum of the indicator points), and the annual results show
   the quarter as finalized with the same scores.

Finalizing 2026 Q1 freezes the year's rules: the 考评细则 journeys (test_journey_criteria.py) need 2026 Q1 open and
publish a revised 细则 of 2026, which a finalized quarter refuses. So this journey runs on a live server and
database of its own, a fresh copy of the same seeded data (the `live_server` below), in whatever order and on
whatever worker the journeys run.
"""

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.auth.models import Role, User
from app.extensions import db
from app.org.models import Unit
from app.scoring.models import CriteriaScore, ResultOpinion, ScoreEntry, ScoringQuarter
from tests.e2e import conftest as e2e
from tests.e2e.helpers import click_and_wait, click_nav, confirm_and_wait, expect_heading, flashes

pytestmark = [pytest.mark.browser, pytest.mark.no_db_transaction]

YEAR, QUARTER = 2026, 1
MIIT, CULTURE = "市工信局", "市文旅广体局"
MIIT_REASON = "一季度走访企业问题办结率偏低，“千百扶培”台账更新不及时"
ACTUAL_SOURCE = "市统计局一季度快报（修正数）"
OPINION = "一季度各考评单位已按考评细则逐项评分，得分经核对无误，建议领导小组审定。"
APPROVED_ON = "2026-04-14"
DOC_NUMBER = "潭千百十〔2026〕5号"


# --- this journey's own live server ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """As tests/e2e/conftest.py's `live_server` (which it overrides for this module: `page` and `sign_in` use it),
    on this journey's own copy of the seeded database (`<TEST_DATABASE_URL>_e2e_scoring[_<worker>]` or an SQLite
    file): it finalizes 2026 Q1, after which the other journeys could not publish a 2026 细则 any more."""
    yield from e2e.serve(*e2e._seeded_database(tmp_path_factory, "e2e_scoring"), "e2e-scoring-live-server")


# --- reading the data --------------------------------------------------------------------------------------------

def _staff_username(live_server, unit_name):
    with live_server.app_context():
        return db.session.scalar(sa.select(User.username).join(Unit, User.unit_id == Unit.id)
                                 .where(Unit.name == unit_name, User.role == Role.staff).order_by(User.id).limit(1))


def _written(live_server):
    """How many entries and indicator scores 2026 Q1 has."""
    with live_server.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                       .where(model.year == YEAR, model.quarter == QUARTER))
                     for model in (ScoreEntry, CriteriaScore))


def _component(live_server, unit_name, assessor):
    """The sum of a unit's entries of an assessor in 2026 Q1 (the component the results show)."""
    with live_server.app_context():
        return db.session.scalar(sa.select(sa.func.sum(ScoreEntry.value)).join(Unit, ScoreEntry.unit_id == Unit.id)
                                 .where(ScoreEntry.year == YEAR, ScoreEntry.quarter == QUARTER,
                                        ScoreEntry.assessor == assessor, Unit.name == unit_name))


# --- the pages ----------------------------------------------------------------------------------------------------

def _quarter_row(page):
    """From the scoring index: the 2026 card's row of the first quarter."""
    click_nav(page, "考评")
    expect_heading(page, "考评")
    year_card = page.locator(".card", has=page.locator(".card-header strong", has_text=f"{YEAR} 年度"))
    return year_card.locator("tr", has_text=f"第{QUARTER}季度")


def _unconfirmed(page):
    """The indicator grid's rows still to confirm (marked yellow): [(unit name, unit short name, indicator name,
    points input, reason input, maximum)]."""
    rows = []
    for section in page.locator("section.card").all():
        unit_name = section.get_attribute("aria-label")
        for row in section.locator(".row.bg-warning-subtle").all():
            points = row.locator("input[inputmode=decimal]")
            short, _, indicator = points.get_attribute("aria-label").removesuffix(" 确认得分").partition(" ")
            rows.append((unit_name, short, indicator, points, row.get_by_placeholder("改分或扣分理由"),
                         Decimal(row.locator(".input-group-text").inner_text().strip("/ "))))
    return rows


def _grid_row(page, unit_name, indicator):
    section = page.get_by_role("region", name=unit_name, exact=True)
    return section.locator(".row", has=page.locator("strong", has_text=indicator))


def _computed(row):
    """The computed points shown in a grid row."""
    return Decimal(row.locator(".col-md-1").inner_text().replace("计算得分", "").strip())


def _quarter_results(page):
    click_and_wait(page, _quarter_row(page).get_by_role("link", name="季度结果"))
    expect_heading(page, f"{YEAR}年第一季度考评结果")


def _fill_approval(page):
    page.get_by_label("评价日期").last.fill(APPROVED_ON)
    page.get_by_label("审定日期").fill(APPROVED_ON)
    page.get_by_label("审定文号").fill(DOC_NUMBER)
    confirm_and_wait(page, page.get_by_role("button", name=re.compile(r"^审定并冻结")), "得分和排名将冻结")


@pytest.fixture
def snap(page, artifacts):
    """snap("name"): a screenshot NN-name.png of the whole page; snap("name", part, ...): of those parts of it only,
    NN-name-<i>.png (a grid of every unit is some 13,000 pixels tall)."""
    counter = iter(range(1, 1000))

    def take(name, *parts):
        number = next(counter)
        if not parts:
            page.screenshot(path=str(artifacts / f"{number:02d}-{name}.png"), full_page=True)
        for i, part in enumerate(parts, 1):
            part.screenshot(path=str(artifacts / f"{number:02d}-{name}-{i}.png"))

    return take


def test_assessors_score_indicators_office_finalizes_quarter_and_opens_annual_results(
        page, sign_in, sign_out, snap, live_server):
    written = _written(live_server)

    # --- 1. 市工信局: from the entry grid's read-only cells to its indicator grid --------------------------------
    sign_in("gxj")
    click_and_wait(page, _quarter_row(page).get_by_role("link", name="录入得分"))
    expect_heading(page, f"{YEAR}年第{QUARTER}季度 考评得分录入")
    missing = page.locator("td.table-warning")
    assert missing.count() == 6, "the demo leaves six of 市工信局's cells of 2026 Q1 unconfirmed"
    for cell in missing.all():  # each is an indicator of the published 细则: confirmed on the indicator grid
        assert "按考评细则计分" in cell.inner_text() and cell.locator("input").count() == 0, cell.inner_text()
    snap("miit-entry-grid")
    click_and_wait(page, missing.first.get_by_role("link", name="到考评细则评分页面确认"))
    expect_heading(page, f"{YEAR}年第{QUARTER}季度 考评细则评分 · {MIIT}")
    rows = _unconfirmed(page)
    assert len(rows) == 6, [r[:3] for r in rows]
    assert all(points.input_value() == "" for *_, points, _, _ in rows), "manual indicators are not prefilled"
    snap("miit-criteria-grid", page.get_by_role("region", name=rows[0][0], exact=True))

    # one over the indicator's points, one below them without a reason: both refused, nothing written
    (_, over_short, over_ind, over, _, over_max), (_, low_short, low_ind, low, _, low_max), *others = rows
    over.fill(f"{over_max + 5:.2f}")
    low.fill(f"{low_max - 2:.2f}")
    for *_, points, _, maximum in others:
        points.fill(f"{maximum:.2f}")
    click_and_wait(page, page.get_by_role("button", name="确认", exact=True))
    alert = page.locator(".alert-danger")
    assert "评分未保存，请修改以下问题后重新提交" in alert.inner_text(), alert.inner_text()
    assert alert.locator("li").all_inner_texts() == [
        f"{over_short}·{over_ind}：得分不能超过该指标的分值 {over_max:.2f} 分（填写的是 {over_max + 5:.2f}）。",
        f"{low_short}·{low_ind}：人工评分未给满分（{low_max - 2:.2f}/{low_max:.2f}），请填写扣分理由。"]
    assert flashes(page) == []
    assert _written(live_server) == written  # all or nothing: the four valid cells were not saved either
    snap("miit-refused", alert, page.get_by_role("region", name=rows[0][0], exact=True))

    rows = _unconfirmed(page)  # shown again with what was typed
    assert [points.input_value() for *_, points, _, _ in rows] == \
        [f"{over_max + 5:.2f}", f"{low_max - 2:.2f}"] + [f"{m:.2f}" for *_, m in others]
    reduced_unit = rows[0][0]  # the unit given less than the indicator's points
    rows[0][3].fill(f"{over_max - 1:.2f}")
    rows[0][4].fill(MIIT_REASON)
    rows[1][4].fill(MIIT_REASON)
    click_and_wait(page, page.get_by_role("button", name="确认", exact=True))
    assert flashes(page) == ["已确认 6 项指标得分。"], page.locator(".alert").all_inner_texts()
    assert _unconfirmed(page) == []
    row = _grid_row(page, reduced_unit, over_ind)
    assert row.get_by_label(f"{over_short} {over_ind} 确认得分").input_value() == f"{over_max - 1:.2f}"
    assert row.get_by_label(f"{over_short} {over_ind} 理由").input_value() == MIIT_REASON
    assert _written(live_server) == (written[0] + 6, written[1] + 6)
    snap("miit-confirmed", page.locator("main > .alert-success"),
         page.get_by_role("region", name=reduced_unit, exact=True))
    sign_out()

    # --- 2. the office cannot finalize an incomplete quarter ---------------------------------------------------
    sign_in("admin")
    _quarter_results(page)
    _fill_approval(page)
    refused = flashes(page, "danger")
    assert len(refused) == 1 and "个单位的得分未录入完整" in refused[0] and "不能审定" in refused[0], refused
    assert "已审定" not in page.locator(".results-status").first.inner_text()
    snap("office-finalize-refused")
    sign_out()

    # --- 3. 市文旅广体局 corrects one actual and confirms its grid ---------------------------------------------
    sign_in(_staff_username(live_server, CULTURE))
    click_and_wait(page, _quarter_row(page).get_by_role("link", name=f"{CULTURE}指标打分"))
    expect_heading(page, f"{YEAR}年第{QUARTER}季度 考评细则评分 · {CULTURE}")
    rows = _unconfirmed(page)
    assert rows, "the demo leaves 市文旅广体局's grid of 2026 Q1 unconfirmed"
    assert all(points.input_value() for *_, points, _, _ in rows), "its points are computed from its actuals"
    # a unit short of an indicator whose actual the assessor enters: its actual is corrected to the quarter's target
    unit_name, short, indicator = next(
        (unit_name, short, indicator) for unit_name, short, indicator, points, _, maximum in rows
        if Decimal(points.input_value()) < maximum and "考评单位填报" in _grid_row(page, unit_name, indicator)
        .inner_text())
    before = _computed(_grid_row(page, unit_name, indicator))
    snap("culture-criteria-grid")
    click_and_wait(page, page.get_by_role("link", name=indicator, exact=True))
    expect_heading(page, f"{indicator} 实际值填报 · {CULTURE}")
    unit_row = page.locator(".row", has=page.get_by_label(f"{short} 实际值"))
    target = unit_row.inner_text().split("季度目标")[1].split()[0]
    page.get_by_label(f"{short} 实际值").fill(target)
    page.get_by_label(f"{short} 数据来源").fill(ACTUAL_SOURCE)
    click_and_wait(page, page.get_by_role("button", name="保存实际值"))
    assert flashes(page) == ["已保存 1 个实际值。"], page.locator(".alert").all_inner_texts()
    expect_heading(page, f"{YEAR}年第{QUARTER}季度 考评细则评分 · {CULTURE}")
    row = _grid_row(page, unit_name, indicator)
    assert f"实际 {target}" in row.inner_text() and f"来源：{ACTUAL_SOURCE}" in row.inner_text(), row.inner_text()
    after = _computed(row)
    assert after > before, (before, after)
    assert row.get_by_label(f"{short} {indicator} 确认得分").input_value() == f"{after:.2f}"
    snap("culture-actual-corrected")

    rows = _unconfirmed(page)
    click_and_wait(page, page.get_by_role("button", name="确认", exact=True))
    assert flashes(page) == [f"已确认 {len(rows)} 项指标得分。"], page.locator(".alert").all_inner_texts()
    assert _unconfirmed(page) == []
    assert "已确认" in _grid_row(page, unit_name, indicator).inner_text()
    snap("culture-confirmed")
    sign_out()

    # --- 4. the office writes the 考评意见, finalizes, and opens the results -------------------------------------
    sign_in("admin")
    _quarter_results(page)
    assert "个单位得分未录入完整" not in page.locator(".results-status").inner_text()
    opinion = page.locator(".results-opinion")
    summary = opinion.locator("summary")
    if summary.inner_text().strip() == "修改考评意见":  # an opinion already written: its form is folded
        summary.click()
    opinion.get_by_label("考评意见").fill(OPINION)
    opinion.get_by_label("日期").fill(APPROVED_ON)
    click_and_wait(page, opinion.get_by_role("button", name="保存考评意见"))
    assert flashes(page) == [f"{YEAR}年第一季度考评意见已保存。"], flashes(page, "danger")
    _fill_approval(page)
    assert flashes(page) == [
        f"{YEAR}年第一季度考评结果已审定（{DOC_NUMBER}，审定日期 {APPROVED_ON}，评价日期 {APPROVED_ON}）。"], \
        flashes(page, "danger")
    status = page.locator(".results-status").first.inner_text()
    assert "已审定" in status and DOC_NUMBER in status, status
    assert OPINION in page.locator(".results-opinion").inner_text()
    with live_server.app_context():
        state = db.session.scalar(sa.select(ScoringQuarter).where(ScoringQuarter.year == YEAR,
                                                                  ScoringQuarter.quarter == QUARTER))
        assert state is not None and state.is_finalized and state.doc_number == DOC_NUMBER
        assert state.approved_on.isoformat() == APPROVED_ON
        saved = db.session.scalar(sa.select(ResultOpinion).where(ResultOpinion.year == YEAR,
                                                                 ResultOpinion.quarter == QUARTER))
        assert saved is not None and saved.opinion == OPINION

    # the unit 市工信局 gave the reduced points: complete, its 工信局 column the sum of its indicators' points
    group = page.locator("section.results-group", has=page.locator("td.unit-col", has_text=reduced_unit))
    headers = [text.strip() for text in group.locator("thead th").all_inner_texts()]
    column = next(i for i, text in enumerate(headers) if text.startswith("市工信局"))
    unit_row = group.locator("tbody tr", has=page.locator("td.unit-col", has_text=reduced_unit))
    assert "未录入" not in unit_row.inner_text()
    miit_cell = unit_row.locator("td").nth(column).inner_text().strip()
    assert Decimal(miit_cell.split("/")[0]) == _component(live_server, reduced_unit, "miit"), miit_cell
    first_row = page.locator("table.results-table tbody tr").first
    first_unit = first_row.locator("td.unit-col").inner_text().strip()
    quarter_final = first_row.locator("td.num strong").first.inner_text().strip()
    snap("office-quarter-finalized")

    click_and_wait(page, page.get_by_role("link", name=f"{YEAR}年度", exact=True))
    expect_heading(page, str(YEAR))
    status = page.locator(".results-status").filter(has_text="暂定结果").inner_text()
    assert "一季度：已审定" in status, status
    annual_row = page.locator("table.results-table tbody tr", has=page.get_by_role("link", name=first_unit,
                                                                                    exact=True))
    assert annual_row.locator("td.num").first.inner_text().strip() == quarter_final
    snap("office-annual-results")
