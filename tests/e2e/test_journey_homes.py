"""Journey: every role signs in and its home answers its first question, at 1440 px and at 390 px (a phone in
政务微信), with no sideways scrolling on the phone.

- 杨晓军 (fushizhang), a vice mayor: his portfolio's units as tiles, red first, and this 旬's dispatch list;
- the mayor (shizhang) and the party secretary (shuji): the city at a glance and each vice mayor's list;
- the office (admin): its queue;
- 市工信局 (gxj) and 湘潭县 (xtx): the unit's to-do list;
- the observer (guancha): the city view with no action buttons.
"""

import pytest

from tests.e2e.helpers import expect_heading

pytestmark = [pytest.mark.browser, pytest.mark.no_db_transaction]

# (account, data-home kind, a heading the first-question panel carries)
HOMES = [
    ("fushizhang", "vice_mayor", "分管单位事项"),
    ("shizhang", "city", "全市在办事项"),
    ("shuji", "city", "全市在办事项"),
    ("admin", "office", "待办事项"),
    ("gxj", "staff", "待办"),
    ("xtx", "staff", "待办"),
    ("guancha", "observer", "全市在办事项"),
]


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px: scrollWidth {width} at {page.url}"


@pytest.mark.parametrize(("username", "kind", "heading"), HOMES, ids=[h[0] for h in HOMES])
def test_each_role_home_answers_its_first_question_at_desktop_and_phone_widths(page, sign_in, shot, username, kind,
                                                                              heading):
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(username)
    page.goto("/")
    expect_heading(page, "您好")
    home = page.locator(f".home[data-home='{kind}']")
    assert home.count() == 1, f"{username} does not get the {kind} home"
    assert home.get_by_role("heading", name=heading).count() >= 1
    assert "考评对象" not in home.inner_text() and "领导小组" not in home.inner_text()
    shot(f"{username}-1440")
    if kind == "vice_mayor":
        tiles = home.locator(".home-tile")
        assert tiles.count() > 0
        reds = [int(t.locator(".home-tile-lights a").first.inner_text().split()[-1]) for t in tiles.all()]
        assert reds == sorted(reds, reverse=True), f"tiles not red first: {reds}"
        assert home.get_by_role("link", name="调度清单").count() >= 1
    if kind in ("city", "observer"):
        assert home.get_by_role("heading", name="各副市长本旬调度清单").count() == 1
    if kind == "observer":
        assert home.locator(".btn, form").count() == 0, "the observer's home offers an action"
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _no_sideways_scroll(page)
    shot(f"{username}-390")


def test_unit_page_lists_tasks_meetings_and_figures(page, sign_in, shot):
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in("gxj")
    page.goto("/")
    page.get_by_role("link", name="本单位页面").click()
    page.wait_for_load_state()
    for name in ("在办事项", "会议", "台账数据"):
        assert page.get_by_role("heading", name=name).count() >= 1, name
    shot("unit-1440")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _no_sideways_scroll(page)
    shot("unit-390")
