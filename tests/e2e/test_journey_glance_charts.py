"""Journey: charts at a glance, on a desktop (1440 px) and a phone (390 px) — issue 16, sections 3 and 4.

On the frozen day (2026-04-14) the mayor (shizhang) opens the month's analysis of 2026年3月 and the cockpit: every
chart takes its container's full width, every label and axis value is drawn at 12 px or more at both widths, each
chart is an image named by its title with every value in its description, the analysis says what its red counts
count, and the analysis fits the phone (its wide tables scroll inside their own box). He then opens the first
quarter's results of 2026: the ranks show their movement against 2025's fourth quarter (finalized in the demo)
with words for screen readers, and the page fits the phone. Last, the office (admin) presses 审定 on the quarter:
the browser's dialog names the consequence, and 取消 leaves the quarter open.
"""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.scoring.models import ScoringQuarter
from tests.e2e.helpers import click_and_wait

pytestmark = [pytest.mark.browser, pytest.mark.no_db_transaction]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
ANALYSIS = "/meetings/analysis?month=2026-03"
COCKPIT = "/ledger/cockpit"
QUARTER = "/scoring/2026/q1"

# Every text of every chart: its rendered font size (the computed size times the chart's scale on screen), and
# how wide each chart is against its container.
CHART_TEXT = """(selector) => [...document.querySelectorAll(selector)].filter(svg => svg.getClientRects().length)
    .map(svg => {
        const scale = svg.getScreenCTM().a;
        const texts = [...svg.querySelectorAll('text')].filter(t => t.getClientRects().length);
        const box = getComputedStyle(svg.parentElement);
        return {
            id: svg.dataset.chart, role: svg.getAttribute('role'),
            named: !!svg.querySelector('title') && !!svg.querySelector('desc'),
            width: svg.getBoundingClientRect().width,
            container: svg.parentElement.clientWidth - parseFloat(box.paddingLeft) - parseFloat(box.paddingRight),
            smallest: Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize) * scale)),
            count: texts.length,
        };
    })"""

SIDEWAYS = """(limit) => [...document.querySelectorAll('main *')]
    .filter(el => el.getBoundingClientRect().right > limit + 0.5 && !el.closest('.table-responsive')
                  && ![...el.children].some(c => c.getBoundingClientRect().right > limit + 0.5))
    .map(el => el.tagName.toLowerCase() + '.' + [...el.classList].join('.')
               + ' “' + el.innerText.trim().slice(0, 40) + '”')"""


def _at(page, size):
    page.set_viewport_size(size)
    page.wait_for_function(f"() => window.innerWidth === {size['width']}")


def _fits(page, width):
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width} px (scrollWidth {scroll}): " \
                            f"{page.evaluate(SIDEWAYS, width)}"


def _charts_readable(page, selector, expected):
    charts = page.evaluate(CHART_TEXT, selector)
    assert len(charts) == expected, charts
    for chart in charts:
        assert chart["role"] == "img" and chart["named"], chart
        assert chart["count"] > 0 and chart["smallest"] >= 12, chart  # readable labels and axis values
        assert chart["width"] >= chart["container"] - 1, chart  # the container's full width
    return charts


def test_charts_and_results_at_a_glance_on_desktop_and_phone(page, sign_in, shot):
    sign_in("shizhang")

    page.goto(ANALYSIS)
    assert "红灯：评价日（2026-03-31）已过完成时限仍未办结的交办事项，按牵头单位统计" in page.inner_text("main")
    for size in (DESKTOP, PHONE):
        _at(page, size)
        _charts_readable(page, "svg.analysis-chart", 3)
        shot(f"analysis-{size['width']}")
    _fits(page, PHONE["width"])
    # the twelve months as a table too, for whoever does not read the chart
    page.get_by_text("近十二个月数据表").click()
    assert page.get_by_role("region", name="近十二个月数据表").locator("tbody tr").count() == 12

    _at(page, DESKTOP)
    page.goto(COCKPIT)
    for size in (DESKTOP, PHONE):
        _at(page, size)
        _charts_readable(page, "svg.ledger-chart", 4)  # the projects by stage and three trends
        shot(f"cockpit-{size['width']}")

    _at(page, DESKTOP)
    page.goto(QUARTER)
    moves = page.locator("[data-movement]")
    assert moves.count() > 0, "no rank movement against 2025's fourth quarter"
    first = moves.first
    assert first.get_attribute("title").startswith(("较上季度", "与上季度", "上季度"))
    assert first.locator(".visually-hidden").inner_text() == first.get_attribute("title")
    assert page.locator("thead th", has_text="较上季度（与2025年第四季度相比）").count() >= 1
    shot("quarter-1440")
    _at(page, PHONE)
    shot("quarter-390")
    _fits(page, PHONE["width"])


def test_cancelling_the_quarters_finalize_dialog_leaves_it_open(page, sign_in, live_server):
    sign_in("admin")
    page.goto(QUARTER)
    asked = []

    def answer(dialog):
        asked.append((dialog.type, dialog.message))
        dialog.dismiss()

    page.on("dialog", answer)
    button = page.get_by_role("button", name="审定并冻结2026年第一季度结果")
    page.get_by_label("审定文号").fill("潭千百十〔2026〕9号")
    button.click()
    page.wait_for_timeout(300)
    assert asked == [("confirm", "确认审定后2026年第一季度得分和排名将冻结，不能再修改，只能由千百十办说明理由、"
                                 "记录在案后重新打开。确定审定吗？")]
    assert page.url.endswith(QUARTER)
    with live_server.app_context():
        state = db.session.scalar(sa.select(ScoringQuarter).where(ScoringQuarter.year == 2026,
                                                                  ScoringQuarter.quarter == 1))
        assert state is None or not state.is_finalized
    click_and_wait(page, page.get_by_role("link", name="2026年度"))
