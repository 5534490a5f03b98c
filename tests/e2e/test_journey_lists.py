"""Journey: the task lists on a phone (issue #16, section 4) and the overview's Excel file.

市工信局's liaison (gxj) opens the unit's inbox on a 390 px phone: the tasks are cards, the light and the deadline
first, then the title, the lead unit and the latest progress, with what the counts count said beside them; the page
does not scroll sideways. On a desktop the same inbox is a table. The office (admin) opens the overview on a phone:
it opens on the open tasks (在办), red first, as cards, without sideways scrolling; on a desktop it downloads the
filtered list as Excel and reads back its title and first rows. Every page is checked by axe-core (conftest).
"""


import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.helpers import expect_heading

pytestmark = [pytest.mark.browser, pytest.mark.no_db_transaction]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2}

# What sticks out of a 390 px page: the innermost elements whose right edge is beyond the screen.
SIDEWAYS = """(limit) => [...document.querySelectorAll('main *, body > *')]
    .filter(el => el.getBoundingClientRect().right > limit + 0.5
                  && ![...el.children].some(c => c.getBoundingClientRect().right > limit + 0.5))
    .map(el => el.tagName.toLowerCase() + '.' + [...el.classList].join('.')
               + ' “' + (el.innerText || '').trim().slice(0, 40) + '”')"""


def _resize(page, size):
    page.set_viewport_size(size)
    page.wait_for_function(f"() => window.innerWidth === {size['width']}")


def _assert_no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        culprits = page.evaluate(SIDEWAYS, PHONE["width"])
        raise AssertionError(f"{page.url} scrolls sideways at 390 px (scrollWidth {width}): {culprits}")


# A task row as the reader sees it: its cells in reading order (top to bottom, then left to right) with their text.
READING_ORDER = """row => Array.from(row.querySelectorAll(':scope > td'))
    .filter(td => td.offsetParent !== null && td.innerText.trim())
    .map(td => { const box = td.getBoundingClientRect();
                 return {cell: td.className.match(/col-(\\w+)/)[1], top: Math.round(box.top), left: box.left,
                         text: td.innerText.trim()}; })
    .sort((a, b) => a.top - b.top || a.left - b.left)"""


def _cards(page):
    """(light, the first line's text, title) of every task row shown as a card: the first line is what the reader
    sees on the card's top line (light, deadline, state)."""
    cards = []
    for row in page.locator("table.task-table tr.task-row").all():
        light = next(c.removeprefix("task-row-") for c in row.get_attribute("class").split()
                     if c.startswith("task-row-"))
        cells = row.evaluate(READING_ORDER)
        head = " ".join(c["text"] for c in cells if c["top"] == cells[0]["top"])
        cards.append((light, head, row.locator(".col-title a").inner_text()))
    return cards


def _reading_order(row):
    return [c["cell"] for c in row.evaluate(READING_ORDER)]


def _is_card(row):
    """A row laid out as a card: a flex box with a border on its left, its cells wrapping."""
    return row.evaluate("r => getComputedStyle(r).display === 'flex' && parseFloat(getComputedStyle(r)"
                        ".borderLeftWidth) > 3")


def test_inbox_and_overview_read_as_cards_on_a_phone_and_export_to_excel(page, sign_in, sign_out, shot):
    sign_in("gxj")
    _resize(page, PHONE)
    page.goto("/tasks/inbox")
    expect_heading(page, "交办事项")
    assert not page.locator("table.task-table thead").is_visible()
    assert _is_card(page.locator("tr.task-row").first)
    cards = _cards(page)
    assert cards, "the inbox of 市工信局 shows no task card"
    light, head, _ = cards[0]
    assert head.split()[0] in ("红灯", "黄灯", "绿灯") and "时限 2026-" in head  # the light and the deadline first
    assert [LIGHT_ORDER[c[0]] for c in cards] == sorted(LIGHT_ORDER[c[0]] for c in cards)
    first = page.locator("tr.task-row").first
    order = _reading_order(first)
    assert order[:3] == ["light", "due", "state"] and order.index("title") < order.index("lead"), order
    text = " ".join(c["text"] for c in first.evaluate(READING_ORDER))  # as read on the screen
    assert text.index("时限") < text.index(cards[0][2]) < text.index("牵头：")
    assert "红灯：本单位牵头或配合的在办事项中已逾期的" in page.locator("#inbox-counts-note").inner_text()
    assert page.get_by_text("有逾期事项").count() == 0  # no unit mark on the rows
    _assert_no_sideways_scroll(page)
    shot("inbox-390")
    _resize(page, DESKTOP)
    assert page.locator("table.task-table thead").is_visible() and not _is_card(page.locator("tr.task-row").first)
    shot("inbox-1366")
    sign_out()

    sign_in("admin")
    _resize(page, PHONE)
    page.goto("/tasks/")
    expect_heading(page, "交办事项总览")
    assert page.locator("select[name=state]").input_value() == "open"
    cards = _cards(page)
    assert cards and cards[0][0] == "red", cards[:3]  # the office opens on what is late
    assert {c[0] for c in cards} <= {"red", "yellow", "green"}  # open tasks only
    assert [LIGHT_ORDER[c[0]] for c in cards] == sorted(LIGHT_ORDER[c[0]] for c in cards)
    _assert_no_sideways_scroll(page)
    shot("overview-390")

    _resize(page, DESKTOP)
    page.goto("/tasks/?state=open&light=red")
    assert page.locator("table.task-table thead").is_visible()
    shot("overview-red-1366")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    ws = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert ws["A1"].value == "事项清单（在办 · 红灯）"
    assert ws["A2"].value.startswith("截至 2026年4月14日")
    assert [c.value for c in ws[3]][:3] == ["序号", "亮灯", "事项"]
    assert ws["B4"].value == "红灯"
