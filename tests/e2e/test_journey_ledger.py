"""Journey: a park reports its December figures by Excel, and the mayor's cockpit figure and light change.

On the frozen day (2026-04-14) the cockpit shows 2026年3月 by default. The setup gives 湘潭高新区 one enterprise
(registered through the ledger's service, with its November 2025 figures already reported) and the office sets
the 2026 target of G05 (100亿级企业) to one more than the city has today, so that this enterprise decides the
light. The mayor (shizhang) sees G05's figure and its light; the park's liaison (gxq) opens 台账 → 月度报送,
goes back to 2025年12月, downloads the Excel template, fills the enterprise's row (a full year's 营业收入 of
102亿元) and uploads it; a second upload with a negative amount is refused with the row's Chinese message and
nothing changes. The mayor then sees G05's figure one higher and its light green, clicks the figure and lands on
the enterprise list filtered to 100亿级, which holds the enterprise. The cockpit also fits a 390 px phone.
"""

from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.ledger.cockpit import light_of
from app.ledger.enterprises import create_enterprise
from app.ledger.indicators import set_yearly_target
from app.ledger.models import Enterprise, EnterpriseFigure
from app.ledger.reporting import EnterpriseFigureInput, save_enterprise_figures
from app.org.models import Chain, Target, Unit
from tests.e2e.helpers import click_and_wait, click_nav, expect_heading, flashes

pytestmark = [pytest.mark.browser, pytest.mark.no_db_transaction]

PARK = "湘潭高新区管委会"
PARK_USER = "gxq"
MAYOR = "shizhang"
INDICATOR = "G05"  # 重点引进培育12家以上100亿级企业 (enterprises_at_tier:100)
NAME = "湘潭宏远智能装备有限公司（浏览器测试）"
USCC = "91430300MA4LE2E017"  # a valid code (stdnum.cn.uscc), unknown to the demo
DECEMBER = date(2025, 12, 1)
NOVEMBER = date(2025, 11, 1)
# 2025年1–11月 and 1–12月 cumulative figures, 万元: 102亿元 of 营业收入 in the year makes a 100亿级 enterprise
NOVEMBER_FIGURES = (Decimal("930000"), Decimal("880000"), Decimal("41000"))
DECEMBER_FIGURES = (1020000, 965000.5, 45000)


def _count_at_tier(tier):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)
                             .where(Enterprise.is_active.is_(True), Enterprise.revenue_tier == tier))


@pytest.fixture
def park_enterprise(live_server):
    """The park's enterprise (its November 2025 figures reported) and G05's 2026 target: one more 100亿级
    enterprise than the city has now. Returns (enterprise id, the count of 100亿级 enterprises before)."""
    with live_server.app_context():
        office = db.session.scalar(sa.select(User).where(User.username == "admin"))
        park = db.session.scalar(sa.select(Unit).where(Unit.name == PARK))
        chain_id = db.session.scalar(sa.select(Chain.id).order_by(Chain.sort_order, Chain.id).limit(1))
        on = live_server.clock.now().date()
        enterprise = create_enterprise(office, unit=park, today=on, name=NAME, uscc=USCC, chain_ids=[chain_id],
                                       above_scale_since=date(2021, 1, 1))
        revenue, output, tax = NOVEMBER_FIGURES
        save_enterprise_figures(office, park, NOVEMBER, [EnterpriseFigureInput(enterprise.id, revenue, output, tax)])
        before = _count_at_tier(100)
        target = db.session.scalar(sa.select(Target).where(Target.code == INDICATOR))
        set_yearly_target(office, target, 2026, None, before + 1)
        db.session.commit()
        return enterprise.id, before


def _december_figure(live_server, enterprise_id):
    with live_server.app_context():
        row = db.session.scalar(sa.select(EnterpriseFigure).where(EnterpriseFigure.enterprise_id == enterprise_id,
                                                                  EnterpriseFigure.month == DECEMBER))
        tier = db.session.scalar(sa.select(Enterprise.revenue_tier).where(Enterprise.id == enterprise_id))
        return (None if row is None else (row.revenue, row.output, row.tax)), tier


def _open_ledger_menu_item(page, name):
    page.locator("nav.navbar").get_by_role("button", name="台账", exact=True).click()
    click_nav(page, name)


def _indicator_card(page):
    card = page.locator(f".cockpit-card[data-code='{INDICATOR}']")
    assert card.count() == 1, f"the cockpit shows {INDICATOR} once"
    return card


def _card_state(page):
    """(actual as shown, light) of the indicator's card."""
    card = _indicator_card(page)
    return card.locator("[data-actual]").inner_text().strip(), card.get_attribute("data-light")


def _tier_row(page):
    """(企业数, light class) of the 100亿级 row of the cockpit's enterprise table."""
    row = page.locator("#enterprises ~ .table-responsive tr", has=page.locator("td", has_text="100亿级"))
    assert row.count() == 1
    light = row.locator(".cockpit-light").get_attribute("class")
    return row.locator("td").nth(1).inner_text().strip(), light


def _open_cockpit(page):
    _open_ledger_menu_item(page, "驾驶舱")
    expect_heading(page, "驾驶舱")
    assert "2026年3月" in page.locator("h1").first.inner_text()


def _fill_template(path, out, values, reason=None):
    """Fill the enterprise's row of the downloaded template (found by its code); returns the row's number."""
    wb = openpyxl.load_workbook(path)
    ws = wb["月度报送"]
    headers = {ws.cell(3, col).value: col for col in range(1, ws.max_column + 1)}
    for header in ("统一社会信用代码", "营业收入（万元）", "工业产值（万元）", "税收（万元）", "说明（更正原因）"):
        assert header in headers, f"the template has no column {header!r}: {list(headers)}"
    rows = [r for r in range(4, ws.max_row + 1) if ws.cell(r, headers["统一社会信用代码"]).value == USCC]
    assert len(rows) == 1, "the template lists the park's enterprise once"
    row = rows[0]
    assert ws.cell(row, headers["企业名称"]).value == NAME
    assert ws.cell(row, headers["上月营业收入（万元）"]).value == float(NOVEMBER_FIGURES[0])  # November prefilled
    for header, value in zip(("营业收入（万元）", "工业产值（万元）", "税收（万元）"), values, strict=True):
        ws.cell(row, headers[header]).value = value
    if reason:
        ws.cell(row, headers["说明（更正原因）"]).value = reason
    wb.save(out)
    return row


def _upload(page, path):
    page.get_by_label("填好的报送表（.xlsx）").set_input_files(str(path))
    click_and_wait(page, page.get_by_role("button", name="上传并报送"))


def test_park_reports_december_by_excel_and_mayor_sees_cockpit_figure_and_light_change(
        page, sign_in, sign_out, shot, live_server, artifacts, park_enterprise):
    enterprise_id, before_count = park_enterprise
    light_before = light_of(Decimal(before_count) / Decimal(before_count + 1), Decimal(1))
    assert light_before != "green"

    # --- the mayor's cockpit before: G05 at the city's count, not green -----------------------------------
    sign_in(MAYOR)
    _open_cockpit(page)
    assert _card_state(page) == (str(before_count), light_before)
    card_text = _indicator_card(page).inner_text()
    assert f"目标 {before_count + 1}家" in card_text, card_text
    count, light = _tier_row(page)
    assert count == str(before_count) and f"cockpit-light-{light_before}" in light
    shot("mayor-cockpit-before")
    _indicator_card(page).screenshot(path=str(artifacts / "card-before.png"))
    sign_out()

    # --- the park's liaison reports December by Excel ------------------------------------------------------
    sign_in(PARK_USER)
    _open_ledger_menu_item(page, "月度报送")
    expect_heading(page, "月度报送")
    assert "湘潭高新区" in page.locator("h1").first.inner_text()
    click_and_wait(page, page.get_by_role("link", name="企业月度数据", exact=True))
    expect_heading(page, "2026年3月")
    for shown in ("2026年2月", "2026年1月", "2025年12月"):  # back to the month of the full year's figures
        click_and_wait(page, page.get_by_role("link", name=f"‹ {shown}"))
        expect_heading(page, shown)
    assert page.get_by_text(NAME).is_visible()
    shot("park-december-form")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载2025年12月报送表").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    template = artifacts / "template.xlsx"
    download.save_as(str(template))

    filled = artifacts / "filled.xlsx"
    row = _fill_template(template, filled, DECEMBER_FIGURES)
    _upload(page, filled)
    expect_heading(page, "2025年12月")
    assert flashes(page) == ["报送表已上传。2025年12月数据已报送：1 条，其中新增 1 条、更正 0 条。"], \
        page.locator(".alert").all_inner_texts()
    expected = (Decimal("1020000.00"), Decimal("965000.50"), Decimal("45000.00"))
    assert _december_figure(live_server, enterprise_id) == (expected, 100)
    assert page.locator("input[name$='-revenue']").first.input_value() == "1020000"
    shot("park-uploaded")

    # a corrected copy with a negative amount is refused with the row's message; nothing changes
    wrong = artifacts / "wrong.xlsx"
    _fill_template(template, wrong, (1020000, 965000.5, -45000), reason="税收更正")
    _upload(page, wrong)
    alert = page.locator(".alert-danger").filter(has_text="报送表未保存")
    assert alert.is_visible(), page.locator(".alert").all_inner_texts()
    assert alert.locator("li").all_inner_texts() == [f"第{row}行：税收不能为负数（填写的是 -45000）。"]
    assert flashes(page) == []
    assert _december_figure(live_server, enterprise_id) == (expected, 100)
    shot("park-negative-refused")
    sign_out()

    # --- the mayor's cockpit after: one more 100亿级 enterprise, the light green ---------------------------
    sign_in(MAYOR)
    _open_cockpit(page)
    assert _card_state(page) == (str(before_count + 1), "green")
    card_text = _indicator_card(page).inner_text()
    assert "达到进度" in card_text and "完成 100.0%" in card_text, card_text
    count, light = _tier_row(page)
    assert count == str(before_count + 1) and "cockpit-light-green" in light
    shot("mayor-cockpit-after")
    _indicator_card(page).screenshot(path=str(artifacts / "card-after.png"))

    # the cockpit on a phone: no sideways scroll of the page
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_load_state()
    _indicator_card(page).scroll_into_view_if_needed()
    shot("mayor-cockpit-390px")
    page.screenshot(path=str(artifacts / "cockpit-390px-card.png"))  # the screen the mayor's phone shows
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the cockpit scrolls sideways at 390 px: scrollWidth {width}"
    page.set_viewport_size({"width": 1366, "height": 900})

    # the figure opens the list behind it: the 100亿级 enterprises, with the park's enterprise
    click_and_wait(page, _indicator_card(page).locator("[data-actual] a"))
    expect_heading(page, "企业台账")
    assert "tier=100" in page.url, page.url
    assert page.get_by_label("营收规模").input_value() == "100"
    assert f"共 {before_count + 1} 家" in page.locator("main").inner_text()
    assert page.get_by_role("link", name=NAME, exact=True).is_visible()
    shot("mayor-enterprise-list")
