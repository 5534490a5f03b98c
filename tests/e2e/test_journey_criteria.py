"""Journeys of the 考评细则: an assessor's quarterly indicator grid, a county reading its targets and where it fell
short on a phone, and the office walking a revised 细则 through its approval chain and the quarter's results
through 考评意见 and 审定.

On the frozen day (2026-04-14) the demo has published the 2025 and 2026 细则 of all eight assessors (审定 on
2026-03-27, 潭千百十发〔2026〕2号), confirmed the indicators of 2026 Q1 on 市工信局's grid, left 市文旅广体局's second
version of its 2026 细则 in the office's review and 2026 Q1 open with some units' cells missing; 2025 is finalized
quarter by quarter with a 文号 each.

1. 市工信局's liaison (gxj) opens 2026 Q1's indicator grid from the scoring index at desktop width and overrides
   one county's points: without a reason the whole grid is refused with the Chinese message naming the cell and
   nothing is written; with the reason the points are saved and shown as overridden.
2. 湘潭县's liaison (xtx), on a 390 px phone, opens the county's 2026 targets and its 2026 Q1 indicator page from
   the scoring index: neither page scrolls sideways, the targets are the published ones, and each indicator where
   it lost points is shown by name with the points lost and the assessor's reason.
3. The office (admin) opens the 2026 overview (the eight assessors), the 细则 waiting for its review, and walks it
   through 审核通过, 领导小组审定 (date, 文号) and 发布 with the panel's buttons, the status shown after each; then it
   records the 考评意见 of 2026 Q1, whose 审定 is refused while units' cells are missing, reads the 文号 of the
   finalized 2025 Q4, and opens 市工信局's 细则 in force.

Each key step is shot at 1280 px and at 390 px (`NN-<step>-1280.png`, `NN-<step>-390.png`); at 390 px no page may
scroll sideways, and a unit's indicator page reads as a list there (points and what was lost first).
"""

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.org.models import Unit
from app.scoring import engine
from app.scoring.criteria_queries import ASSESSOR_ORDER
from app.scoring.models import (
    CriteriaBook,
    CriteriaIndicator,
    CriteriaScore,
    CriteriaStatus,
    CriteriaTarget,
    ResultOpinion,
    ScoreEntry,
    ScoringQuarter,
)
from tests.e2e.helpers import click_and_wait, click_nav, confirm_and_wait, expect_heading, flashes

pytestmark = [pytest.mark.browser, pytest.mark.no_db_transaction]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
YEAR, QUARTER = 2026, 1

ASSESSOR_USER, ASSESSOR = "gxj", "miit"  # 市工信局's liaison
OVERRIDDEN_UNIT = "湘乡市人民政府"
OVERRIDDEN_INDICATOR = "工业战略性新兴产业发展情况"
OVERRIDE_REASON = "省统计局反馈一季度战新产业产值口径调整，经核实按补充数据计分"

COUNTY_USER, COUNTY = "xtx", "湘潭县人民政府"

REVIEW_NOTE = "指标与目标符合附件2要求，同意报领导小组审定"
APPROVED_ON = "2026-04-14"  # the demo submitted the revision this morning
BOOK_DOC_NUMBER = "潭千百十发〔2026〕5号"
REVISION_REASON = "根据一季度运行情况调整考评要点"  # only when the demo leaves no 细则 in review
OPINION = "一季度各考评单位按考评细则逐项评分，市直单位服务评价已汇总；建议领导小组审定后通报。"
QUARTER_DOC_NUMBER = "潭千百十〔2026〕1号"


# --- looking at pages ---------------------------------------------------------------------------------------

def _width(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def snap(page, artifacts):
    """snap("name", part=None): a screenshot NN-name.png of the whole page, of what the screen shows
    (part="screen"), or of one part of it (a long grid's unit, where the whole page is tens of thousands of pixels
    tall)."""
    counter = iter(range(1, 1000))

    def take(name, part=None):
        path = artifacts / f"{next(counter):02d}-{name}.png"
        if part in (None, "screen"):
            page.screenshot(path=str(path), full_page=part is None)
        else:
            part.screenshot(path=str(path))
        return path

    return take


# What sticks out of a 390 px page: the innermost elements whose right edge is beyond the screen.
SIDEWAYS = """(limit) => [...document.querySelectorAll('main *')]
    .filter(el => el.getBoundingClientRect().right > limit + 0.5
                  && ![...el.children].some(c => c.getBoundingClientRect().right > limit + 0.5))
    .map(el => el.tagName.toLowerCase() + '.' + [...el.classList].join('.')
               + ' “' + el.innerText.trim().slice(0, 40) + '”')"""

def _both_widths(page, snap, name, *parts):
    """Shoot the page (or the given parts of it) at 1280 px and at 390 px and return to 1280 px; at 390 px the
    page must not scroll sideways."""
    for width in (DESKTOP["width"], PHONE["width"]):
        page.set_viewport_size(DESKTOP if width == DESKTOP["width"] else PHONE)
        page.wait_for_function(f"() => window.innerWidth === {width}")
        if parts:
            for i, part in enumerate(parts, 1):
                snap(f"{name}-{i}-{width}" if len(parts) > 1 else f"{name}-{width}", part)
        else:
            snap(f"{name}-{width}")
        if width == PHONE["width"] and _width(page) > width:
            culprits = page.evaluate(SIDEWAYS, width)
            raise AssertionError(f"{page.url} scrolls sideways at {width} px (scrollWidth {_width(page)}): {culprits}")
    page.set_viewport_size(DESKTOP)
    page.wait_for_function(f"() => window.innerWidth === {DESKTOP['width']}")


def _open_menu_if_collapsed(page):
    toggler = page.get_by_role("button", name="展开导航")
    if toggler.is_visible():
        toggler.click()
        page.locator("#nav.show").wait_for()


def _scoring_index(page):
    _open_menu_if_collapsed(page)
    click_nav(page, "考评")
    expect_heading(page, "考评")


def _year_card(page, year):
    return page.locator(".card", has=page.locator(".card-header strong", has_text=f"{year} 年度"))


def _quarter_link(page, year, quarter, name):
    """From the scoring index: the link `name` of a quarter's row in the year's card."""
    row = _year_card(page, year).locator("tr", has_text=f"第{quarter}季度")
    click_and_wait(page, row.get_by_role("link", name=name, exact=True))


def _danger_texts(page):
    return [text.strip() for text in page.locator(".alert-danger").all_inner_texts()]


# --- reading back what the UI did ---------------------------------------------------------------------------

def _unit(name):
    return db.session.scalar(sa.select(Unit).where(Unit.name == name))


def _cell_state(live_server, unit_name, assessor, indicator_name):
    """(CriteriaScore value, overridden, reason, ScoreEntry score) of a unit's indicator in 2026 Q1."""
    with live_server.app_context():
        unit = _unit(unit_name)
        score = db.session.scalar(
            sa.select(CriteriaScore).join(CriteriaBook, CriteriaScore.book_id == CriteriaBook.id)
            .join(CriteriaIndicator, sa.and_(CriteriaIndicator.book_id == CriteriaBook.id,
                                             CriteriaIndicator.code == CriteriaScore.code))
            .where(CriteriaScore.year == YEAR, CriteriaScore.quarter == QUARTER, CriteriaScore.unit_id == unit.id,
                   CriteriaScore.assessor == assessor, CriteriaIndicator.name == indicator_name))
        assert score is not None, f"the demo confirmed {unit_name}'s {indicator_name} in {YEAR} Q{QUARTER}"
        entry = db.session.scalar(sa.select(ScoreEntry.value).where(
            ScoreEntry.year == YEAR, ScoreEntry.quarter == QUARTER, ScoreEntry.unit_id == unit.id,
            ScoreEntry.assessor == assessor, ScoreEntry.sub_item == score.code))
        return score.value, score.overridden, score.reason, entry


def _book(live_server, year, assessor):
    """The newest version of an assessor's 细则: (version, status, approved_on, doc_number)."""
    with live_server.app_context():
        book = db.session.scalar(sa.select(CriteriaBook).where(CriteriaBook.year == year,
                                                               CriteriaBook.assessor == assessor)
                                 .order_by(CriteriaBook.version.desc()).limit(1))
        return book.version, book.status, book.approved_on, book.doc_number


# --- 1. an assessor overrides one unit's points ----------------------------------------------------------------

def _grid_row(page, unit_name, indicator_name):
    section = page.get_by_role("region", name=unit_name, exact=True)
    assert section.count() == 1, f"the grid shows {unit_name} once"
    return section.locator(".row", has=page.locator("strong", has_text=indicator_name))


def test_assessor_overrides_a_units_points_only_with_a_reason(page, sign_in, snap, live_server):
    page.set_viewport_size(DESKTOP)
    before = _cell_state(live_server, OVERRIDDEN_UNIT, ASSESSOR, OVERRIDDEN_INDICATOR)
    with live_server.app_context():
        short = _unit(OVERRIDDEN_UNIT).short_name

    sign_in(ASSESSOR_USER)
    _scoring_index(page)
    _quarter_link(page, YEAR, QUARTER, "市工信局指标打分")
    expect_heading(page, f"{YEAR}年第{QUARTER}季度 考评细则评分 · 市工信局")
    row = _grid_row(page, OVERRIDDEN_UNIT, OVERRIDDEN_INDICATOR)
    points = row.get_by_label(f"{short} {OVERRIDDEN_INDICATOR} 确认得分")
    reason = row.get_by_label(f"{short} {OVERRIDDEN_INDICATOR} 理由")
    computed = row.locator(".col-md-1").inner_text().replace("计算得分", "").strip()
    assert points.input_value() == computed == f"{before[0]:.2f}", "the demo confirmed the computed points"
    assert reason.input_value() == ""
    maximum = Decimal(row.locator(".input-group-text").inner_text().strip("/ "))
    new_points = (Decimal(computed) + Decimal("0.30")) if Decimal(computed) + Decimal("0.30") <= maximum \
        else Decimal(computed) - Decimal("0.30")
    snap("grid-1280")
    _both_widths(page, snap, "grid-unit", page.get_by_role("region", name=OVERRIDDEN_UNIT, exact=True))

    # an override without a reason: the grid is refused with the cell named, nothing is written
    points.fill(f"{new_points:.2f}")
    click_and_wait(page, page.get_by_role("button", name="确认", exact=True))
    alert = page.locator(".alert-danger")
    assert "评分未保存，请修改以下问题后重新提交" in alert.inner_text(), _danger_texts(page)
    assert alert.locator("li").all_inner_texts() == [
        f"{short}·{OVERRIDDEN_INDICATOR}：得分 {new_points:.2f} 与按细则计算的 {computed} 不同，改分须填写理由。"]
    assert flashes(page) == []
    assert _cell_state(live_server, OVERRIDDEN_UNIT, ASSESSOR, OVERRIDDEN_INDICATOR) == before
    row = _grid_row(page, OVERRIDDEN_UNIT, OVERRIDDEN_INDICATOR)  # shown again with what was typed
    assert row.get_by_label(f"{short} {OVERRIDDEN_INDICATOR} 确认得分").input_value() == f"{new_points:.2f}"
    _both_widths(page, snap, "override-without-reason-refused", alert,
                 page.get_by_role("region", name=OVERRIDDEN_UNIT, exact=True))

    # with the reason: saved, and shown as the unit's overridden points
    row.get_by_label(f"{short} {OVERRIDDEN_INDICATOR} 理由").fill(OVERRIDE_REASON)
    click_and_wait(page, page.get_by_role("button", name="确认", exact=True))
    assert flashes(page) == ["已确认 1 项指标得分。"], page.locator(".alert").all_inner_texts()
    row = _grid_row(page, OVERRIDDEN_UNIT, OVERRIDDEN_INDICATOR)
    assert row.get_by_label(f"{short} {OVERRIDDEN_INDICATOR} 确认得分").input_value() == f"{new_points:.2f}"
    assert row.get_by_label(f"{short} {OVERRIDDEN_INDICATOR} 理由").input_value() == OVERRIDE_REASON
    assert "已确认（已改分）" in row.inner_text()
    assert _cell_state(live_server, OVERRIDDEN_UNIT, ASSESSOR, OVERRIDDEN_INDICATOR) == (
        new_points, True, OVERRIDE_REASON, new_points)
    _both_widths(page, snap, "override-saved", page.locator("main > .alert-success"),
                 page.get_by_role("region", name=OVERRIDDEN_UNIT, exact=True))


# --- 2. a county reads its targets and shortfalls on a phone ---------------------------------------------------

def _county_facts(live_server):
    """What the county's pages must show, from the database: one published target (indicator name, target text,
    measure unit) and the 2026 Q1 indicators where it lost points {(assessor, code): (points, maximum, reason)}."""
    with live_server.app_context():
        unit = _unit(COUNTY)
        target = db.session.execute(
            sa.select(CriteriaIndicator.name, CriteriaTarget.value, CriteriaIndicator.measure_unit)
            .join(CriteriaTarget, CriteriaTarget.indicator_id == CriteriaIndicator.id)
            .join(CriteriaBook, CriteriaIndicator.book_id == CriteriaBook.id)
            .where(CriteriaBook.year == YEAR, CriteriaBook.assessor == ASSESSOR,
                   CriteriaBook.status == CriteriaStatus.published, CriteriaTarget.unit_id == unit.id)
            .order_by(CriteriaIndicator.sort_order, CriteriaIndicator.id).limit(1)).one()
        short = {(s.assessor, s.code): (s.value, s.maximum, s.reason) for s in db.session.scalars(
            sa.select(CriteriaScore).where(CriteriaScore.year == YEAR, CriteriaScore.quarter == QUARTER,
                                           CriteriaScore.unit_id == unit.id, CriteriaScore.value.is_not(None),
                                           CriteriaScore.value < CriteriaScore.maximum))}
        return unit.id, target, short


def test_county_reads_its_targets_and_shortfalls_on_a_phone(page, sign_in, snap, live_server):
    unit_id, (target_name, target_value, measure_unit), shortfalls = _county_facts(live_server)
    assert shortfalls, f"the demo leaves {COUNTY} short of some indicators in {YEAR} Q{QUARTER}"
    assert any(reason for _, _, reason in shortfalls.values()), "and gives a reason for one of them"

    sign_in(COUNTY_USER)
    page.set_viewport_size(PHONE)
    _scoring_index(page)
    click_and_wait(page, _year_card(page, YEAR).get_by_role("link", name="考评指标和目标", exact=True))
    expect_heading(page, f"{COUNTY} {YEAR}年度考评指标和目标")
    assert page.url.endswith(f"/scoring/{YEAR}/my-targets"), page.url
    assert _width(page) <= PHONE["width"], f"the targets page scrolls sideways at 390 px: {_width(page)}"
    section = page.locator("section.card", has=page.locator(".card-header strong", has_text="市工信局"))
    assert "已发布" in section.locator(".card-header").inner_text()
    target_row = section.locator("li.list-group-item", has=page.locator("strong", has_text=target_name))
    assert f"{engine.decimal_text(target_value)} {measure_unit or ''}".strip() in target_row.inner_text()
    snap("targets-390")
    page.set_viewport_size(DESKTOP)
    snap("targets-1280")
    page.set_viewport_size(PHONE)

    page.go_back()
    page.wait_for_load_state()
    expect_heading(page, "考评")
    _quarter_link(page, YEAR, QUARTER, "本单位指标得分")
    expect_heading(page, f"{COUNTY} {YEAR}年第{QUARTER}季度 考评指标得分")
    assert page.url.endswith(f"/scoring/units/{unit_id}/{YEAR}/q{QUARTER}/indicators"), page.url
    assert _width(page) <= PHONE["width"], f"the indicator page scrolls sideways at 390 px: {_width(page)}"
    with live_server.app_context():
        names = {(i.book.assessor, i.code): i.name for i in db.session.scalars(
            sa.select(CriteriaIndicator).join(CriteriaBook)
            .where(CriteriaBook.year == YEAR, CriteriaBook.status == CriteriaStatus.published))}
    # on the phone: one line per indicator, the points given and what was lost first, the reason under it
    for (assessor, code), (points, maximum, reason) in shortfalls.items():
        item = page.locator(f"ul.indicator-list li[data-assessor='{assessor}'][data-code='{code}']")
        item.scroll_into_view_if_needed()
        text = item.inner_text()
        assert names[assessor, code] in text and f"{points:.2f} / " in text, text
        assert f"失分 {maximum - points:.2f} 分" in text, text
        if reason:
            assert reason in text, text
        box = item.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, box
    assert page.locator("table.indicator-table").first.is_hidden()  # the table is for wider screens
    snap("indicators-390")

    # at desktop width: the table, each marked row with its 失分 and the assessor's reason
    page.set_viewport_size(DESKTOP)
    page.wait_for_function(f"() => window.innerWidth === {DESKTOP['width']}")
    for red in page.locator("tbody tr.table-danger").all():  # each marked row lost points: the 失分 shown
        points, maximum = Decimal(red.get_attribute("data-points")), Decimal(red.get_attribute("data-maximum"))
        assert points < maximum and red.locator("td").nth(4).inner_text() == f"−{maximum - points:.2f}"
    for (assessor, code), (points, maximum, reason) in shortfalls.items():
        row = page.locator(f"tbody tr[data-assessor='{assessor}'][data-code='{code}']")
        assert "table-danger" in row.get_attribute("class")
        assert names[assessor, code] in row.locator("th").inner_text()
        cells = row.locator("td").all_inner_texts()
        assert cells[3].startswith(f"{points:.2f} / "), cells
        assert cells[4] == f"−{maximum - points:.2f}", cells
        if reason:
            assert reason in cells[5], cells
    snap("indicators-1280")


# --- 3. the office: the 细则's approval chain, 考评意见 and 审定 ----------------------------------------------------

def _workflow_badge(page):
    return page.locator("#criteria-workflow .card-header .badge").inner_text().strip()


def _panel_button(page, name):
    return page.locator("#criteria-workflow").get_by_role("button", name=name, exact=True)


def _book_in_review(page, live_server):
    """On the overview: the row of a 细则 waiting for the office's review; without one (a demo that leaves none),
    the office starts a revision of 市工信局's published 细则 through its page and submits it."""
    rows = page.locator("table tbody tr", has=page.get_by_text(CriteriaStatus.submitted.label))
    if rows.count():
        return rows.first
    row = page.locator("table tbody tr", has=page.get_by_text("市工信局", exact=True))
    click_and_wait(page, row.get_by_role("link"))
    page.locator("#criteria-workflow").get_by_label("修订理由").fill(REVISION_REASON)
    click_and_wait(page, _panel_button(page, "修订（建立新版本）"))
    confirm_and_wait(page, _panel_button(page, "报千百十办审核"), "提交后本细则交千百十办审核")
    assert flashes(page) == ["考评细则已报千百十办审核。"], _danger_texts(page)
    click_and_wait(page, page.get_by_role("link", name="全部考评细则"))
    return page.locator("table tbody tr", has=page.get_by_text(CriteriaStatus.submitted.label)).first


def test_office_approves_a_revised_book_and_records_the_quarters_opinion(page, sign_in, snap, live_server):
    page.set_viewport_size(DESKTOP)
    sign_in("admin")
    _scoring_index(page)
    click_and_wait(page, _year_card(page, YEAR).get_by_role("link", name="考评细则", exact=True))
    expect_heading(page, f"{YEAR} 年度考评细则")
    labels = [text.strip() for text in page.locator("table tbody tr th").all_inner_texts()]
    assert labels == [engine.assessor_label(a) for a in ASSESSOR_ORDER], labels
    _both_widths(page, snap, "criteria-overview")

    # the 细则 in review: accept, 审定 with date and 文号, publish — the status after each
    row = _book_in_review(page, live_server)
    label = row.locator("th").inner_text().strip()
    assessor = ASSESSOR_ORDER[labels.index(label)]
    click_and_wait(page, row.get_by_role("link", name="查看"))
    expect_heading(page, f"{YEAR} 年度{label}考评细则")
    version, status, _, _ = _book(live_server, YEAR, assessor)
    assert status is CriteriaStatus.submitted
    assert _workflow_badge(page) == f"第 {version} 版 · {CriteriaStatus.submitted.label}"
    _both_widths(page, snap, "book-in-review")

    page.locator("#criteria-workflow").get_by_label("审核意见（可不填）").fill(REVIEW_NOTE)
    click_and_wait(page, _panel_button(page, "审核通过"))
    assert flashes(page) == ["考评细则已审核通过，待领导小组审定。"], _danger_texts(page)
    assert _workflow_badge(page) == f"第 {version} 版 · {CriteriaStatus.accepted.label}"
    assert REVIEW_NOTE in page.locator("#criteria-workflow").inner_text()
    assert _book(live_server, YEAR, assessor)[1] is CriteriaStatus.accepted
    _both_widths(page, snap, "book-accepted")

    page.locator("#criteria-workflow").get_by_label("审定日期").fill(APPROVED_ON)
    page.locator("#criteria-workflow").get_by_label("审定文号").fill(BOOK_DOC_NUMBER)
    confirm_and_wait(page, _panel_button(page, "记录审定"), "记录审定后本细则即可发布")
    assert flashes(page) == ["领导小组审定已记录。"], _danger_texts(page)
    assert _workflow_badge(page) == f"第 {version} 版 · {CriteriaStatus.approved.label}"
    assert BOOK_DOC_NUMBER in page.locator("#criteria-workflow").inner_text()
    assert _book(live_server, YEAR, assessor) == (version, CriteriaStatus.approved, date.fromisoformat(APPROVED_ON),
                                                   BOOK_DOC_NUMBER)
    _both_widths(page, snap, "book-approved")

    confirm_and_wait(page, _panel_button(page, "发布"), "发布后本细则即为本年度考评依据")
    assert flashes(page) == [f"{YEAR}年{label}考评细则（第{version}版）已发布，已纳入考评规则并通知各被考评单位。"], \
        _danger_texts(page)
    assert _workflow_badge(page) == f"第 {version} 版 · {CriteriaStatus.published.label}"
    assert _book(live_server, YEAR, assessor)[1] is CriteriaStatus.published
    _both_widths(page, snap, "book-published")

    click_and_wait(page, page.get_by_role("link", name="全部考评细则"))
    published_row = page.locator("table tbody tr", has=page.get_by_text(label, exact=True))
    assert f"第 {version} 版" in published_row.inner_text() and BOOK_DOC_NUMBER in published_row.inner_text(), \
        published_row.inner_text()

    # the quarter's 考评意见; its 审定 is refused while units' cells are missing
    _scoring_index(page)
    _quarter_link(page, YEAR, QUARTER, "季度结果")
    expect_heading(page, f"{YEAR}年第一季度考评结果")
    assert "录入中" in page.locator(".results-status").inner_text()
    assert "个单位得分未录入完整" in page.locator(".results-status").inner_text(), \
        "the demo leaves 2026 Q1 incomplete (otherwise this journey should record its 审定)"
    opinion = page.locator(".results-opinion")
    opinion.get_by_label("考评意见").fill(OPINION)
    opinion.get_by_label("日期").fill("2026-04-14")
    click_and_wait(page, opinion.get_by_role("button", name="保存考评意见"))
    assert flashes(page) == [f"{YEAR}年第一季度考评意见已保存。"], _danger_texts(page)
    assert OPINION in page.locator(".results-opinion").inner_text()
    with live_server.app_context():
        saved = db.session.scalar(sa.select(ResultOpinion).where(ResultOpinion.year == YEAR,
                                                                 ResultOpinion.quarter == QUARTER))
        assert saved is not None and saved.opinion == OPINION
    _both_widths(page, snap, "quarter-opinion")

    page.get_by_label("审定日期").fill("2026-04-14")
    page.get_by_label("审定文号").fill(QUARTER_DOC_NUMBER)
    confirm_and_wait(page, page.get_by_role("button", name=re.compile(r"^审定并冻结")), "得分和排名将冻结")
    refused = flashes(page, "danger")
    assert len(refused) == 1 and "个单位的得分未录入完整" in refused[0] and "不能审定" in refused[0], refused
    assert "录入中" in page.locator(".results-status").inner_text()
    with live_server.app_context():
        state = db.session.scalar(sa.select(ScoringQuarter).where(ScoringQuarter.year == YEAR,
                                                                  ScoringQuarter.quarter == QUARTER))
        assert state is None or not state.is_finalized
    _both_widths(page, snap, "quarter-finalize-refused")

    # a finalized quarter shows its 审定 and 文号
    with live_server.app_context():
        finalized = db.session.scalar(sa.select(ScoringQuarter).where(ScoringQuarter.year == YEAR - 1,
                                                                      ScoringQuarter.quarter == 4))
        assert finalized is not None and finalized.is_finalized and finalized.doc_number
        doc_number, approved_on = finalized.doc_number, finalized.approved_on
    _scoring_index(page)
    _quarter_link(page, YEAR - 1, 4, "季度结果")
    expect_heading(page, f"{YEAR - 1}年第四季度考评结果")
    status = page.locator(".results-status").inner_text()
    assert "已审定" in status and doc_number in status and approved_on.isoformat() in status, status
    _both_widths(page, snap, "finalized-quarter")

    # the 细则 in force of an assessor that scores the parks too (points for three profiles), from the overview
    _scoring_index(page)
    click_and_wait(page, _year_card(page, YEAR).get_by_role("link", name="考评细则", exact=True))
    expect_heading(page, f"{YEAR} 年度考评细则")
    row = page.locator("table tbody tr", has=page.locator("th", has_text=engine.assessor_label(ASSESSOR)))
    click_and_wait(page, row.get_by_role("link", name="查看"))
    expect_heading(page, f"{YEAR} 年度{engine.assessor_label(ASSESSOR)}考评细则")
    assert "湘潭高新区" in page.locator("main").inner_text()
    _both_widths(page, snap, "book-in-force")



@pytest.fixture(autouse=True)
def _needs_published_criteria(live_server):
    """The journeys need the demo's 考评细则 (app.demo.criteria) in the live server's data."""
    with live_server.app_context():
        books = db.session.scalar(sa.select(sa.func.count()).select_from(CriteriaBook)
                                  .where(CriteriaBook.year == YEAR))
        users = db.session.scalar(sa.select(sa.func.count()).select_from(User)
                                  .where(User.username.in_((ASSESSOR_USER, COUNTY_USER, "admin"))))
    assert users == 3
    assert books, ("the live server's data has no 考评细则: tests/e2e/conftest.py _seed must load "
                   "app.demo.criteria.seed_demo_criteria before seed_demo_scores, as `flask demo` does")
