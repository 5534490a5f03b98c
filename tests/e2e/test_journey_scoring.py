"""Journey: a quarter's assessment, from the assessors' entry grids to the annual results.

On the frozen day (2026-04-14) the first quarter of 2026 has ended and is open, with a few cells missing: six of
市工信局's and all of 市文旅广体局's. 市工信局's liaison fills its cells; one value over the maximum is refused with
the message shown and nothing saved. The office's attempt to finalize the still incomplete quarter is refused
with the units missing; 市文旅广体局 enters its cells; the office finalizes the quarter and opens the annual
results, where the quarter's scores appear as finalized.
"""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.auth.models import Role, User
from app.extensions import db
from app.org.models import Unit
from app.scoring.models import ScoreEntry, ScoringQuarter
from tests.e2e.helpers import click_and_wait, click_nav, expect_heading, flashes

pytestmark = [pytest.mark.browser, pytest.mark.no_db_transaction]

NOTE = "规模工业增加值增速低于全市平均"


def _staff_username(live_server, unit_name):
    with live_server.app_context():
        return db.session.scalar(sa.select(User.username).join(Unit, User.unit_id == Unit.id)
                                 .where(Unit.name == unit_name, User.role == Role.staff).order_by(User.id).limit(1))


def _entry_count(live_server):
    with live_server.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ScoreEntry)
                                 .where(ScoreEntry.year == 2026, ScoreEntry.quarter == 1))


def _open_entry_grid(page):
    click_nav(page, "考评")
    expect_heading(page, "考评")
    year_card = page.locator(".card", has=page.locator(".card-header strong", has_text="2026 年度"))
    click_and_wait(page, year_card.locator("tr", has_text="第1季度").get_by_role("link", name="录入得分"))
    expect_heading(page, "2026年第1季度 考评得分录入")


def _missing_cells(page):
    """The grid's cells still to enter (marked yellow): (score input, note input, maximum)."""
    cells = page.locator("td.table-warning")
    return [(cell.locator("input[inputmode=decimal]"), cell.locator("input[placeholder^='扣分说明']"),
             Decimal(cell.locator(".input-group-text").inner_text().strip("/ ")))
            for cell in cells.all()]


def _quarter_results_link(page):
    click_nav(page, "考评")
    year_card = page.locator(".card", has=page.locator(".card-header strong", has_text="2026 年度"))
    click_and_wait(page, year_card.locator("tr", has_text="第1季度").get_by_role("link", name="季度结果"))
    expect_heading(page, "2026年")


def test_assessors_enter_scores_office_finalizes_quarter_and_opens_annual_results(
        page, sign_in, sign_out, shot, live_server):
    entries_before = _entry_count(live_server)

    # --- 市工信局 enters its missing cells; one over the maximum is refused --------------------------------
    sign_in("gxj")
    _open_entry_grid(page)
    missing = _missing_cells(page)
    assert len(missing) == 6, "the demo leaves six of 市工信局's cells of 2026 Q1 empty"
    shot("miit-entry-grid")
    (first, first_note, first_max), *others = missing
    first.fill(str(first_max + 5))
    for score, _, maximum in others:
        score.fill(str(maximum))
    click_and_wait(page, page.get_by_role("button", name="保存得分"))
    alert = page.locator(".alert-danger")
    assert "得分未保存，请修改以下问题后重新提交" in alert.inner_text()
    errors = alert.locator("li").all_inner_texts()
    over = f"得分不能超过满分 {first_max:.2f} 分（录入的是 {first_max + 5:.2f}）"
    assert len(errors) == 1 and over in errors[0], errors
    assert _entry_count(live_server) == entries_before  # all or nothing: the five valid cells were not saved
    shot("miit-over-maximum-refused")

    missing = _missing_cells(page)  # the grid is shown again with what was typed
    assert [score.input_value() for score, _, _ in missing[1:]] == [str(m) for _, _, m in others]
    missing[0][0].fill(str(first_max - 1))
    missing[0][1].fill(NOTE)
    click_and_wait(page, page.get_by_role("button", name="保存得分"))
    assert flashes(page) == ["已保存 6 项得分。"], page.locator(".alert").all_inner_texts()
    assert page.locator("td.table-warning").count() == 0
    shot("miit-saved")
    sign_out()

    # --- the office cannot finalize an incomplete quarter ----------------------------------------------
    sign_in("admin")
    _quarter_results_link(page)
    page.get_by_label("评价日期").last.fill("2026-04-14")
    page.get_by_label("审定日期").fill("2026-04-14")
    page.get_by_label("审定文号").fill("潭千百十〔2026〕5号")
    click_and_wait(page, page.get_by_role("button", name="审定"))
    refused = flashes(page, "danger")
    assert len(refused) == 1 and "个单位的得分未录入完整" in refused[0] and "不能审定" in refused[0], refused
    assert "已审定" not in page.locator(".results-status").first.inner_text()
    shot("office-finalize-refused")
    sign_out()

    # --- 市文旅广体局 enters its cells ----------------------------------------------------------------------
    sign_in(_staff_username(live_server, "市文旅广体局"))
    _open_entry_grid(page)
    missing = _missing_cells(page)
    assert missing, "the demo leaves 市文旅广体局's cells of 2026 Q1 empty"
    for score, _, maximum in missing:
        score.fill(str(maximum))
    click_and_wait(page, page.get_by_role("button", name="保存得分"))
    assert flashes(page) == [f"已保存 {len(missing)} 项得分。"], page.locator(".alert").all_inner_texts()
    shot("culture-saved")
    sign_out()

    # --- the office finalizes the quarter and opens the annual results -----------------------------------
    sign_in("admin")
    _quarter_results_link(page)
    page.get_by_label("考评意见").fill("各单位得分经核对无误，建议审定。")
    click_and_wait(page, page.get_by_role("button", name="保存考评意见"))
    assert flashes(page) == ["2026年第一季度考评意见已保存。"], flashes(page, "danger")
    page.get_by_label("评价日期").last.fill("2026-04-14")
    page.get_by_label("审定日期").fill("2026-04-14")
    page.get_by_label("审定文号").fill("潭千百十〔2026〕5号")
    click_and_wait(page, page.get_by_role("button", name="审定"))
    assert flashes(page) == [
        "2026年第一季度考评结果已审定（潭千百十〔2026〕5号，审定日期 2026-04-14，评价日期 2026-04-14）。"], \
        flashes(page, "danger")
    assert "已审定" in page.locator(".results-status").first.inner_text()
    first_row = page.locator("table.results-table tbody tr").first
    unit_name = first_row.locator("td.unit-col").inner_text().strip()
    quarter_final = first_row.locator("td.num strong").first.inner_text().strip()
    shot("office-quarter-finalized")
    with live_server.app_context():
        state = db.session.scalar(sa.select(ScoringQuarter).where(ScoringQuarter.year == 2026,
                                                                  ScoringQuarter.quarter == 1))
        assert state is not None and state.is_finalized

    click_and_wait(page, page.get_by_role("link", name="2026年度", exact=True))
    expect_heading(page, "2026")
    status = page.locator(".results-status").filter(has_text="暂定结果").inner_text()
    assert "一季度：已审定" in status, status
    annual_row = page.locator("table.results-table tbody tr", has=page.get_by_role("link", name=unit_name,
                                                                                    exact=True))
    assert annual_row.locator("td.num").first.inner_text().strip() == quarter_final
    shot("office-annual-results")
