"""Accessible to everyone (issue #16, section 6): at 320 px nothing scrolls sideways (the brand shortens to
千百十督考), the first Tab reaches 跳到正文 and shows a clear focus ring, and the skip link lands in the main content.
axe-core runs on every page visited here as in every journey (tests/e2e/conftest.py)."""

import pytest

from tests.e2e.helpers import click_and_wait

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{page.url} scrolls sideways at 320 px: {width} px wide"


def focus_ring(page):
    """The focused element's tag, text and computed outline."""
    return page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return {tag: el.tagName, text: el.textContent.trim(), style: style.outlineStyle,
                width: parseFloat(style.outlineWidth), color: style.outlineColor,
                visible: el.getBoundingClientRect().width > 1 && el.getBoundingClientRect().height > 1};
    }""")


def test_unit_staff_reads_home_inbox_and_a_form_at_320_px_without_sideways_scrolling(page, sign_in, shot):
    sign_in("gxj")  # at the default width: sign_in looks for the expanded navigation
    page.set_viewport_size(NARROW)

    for path in ["/", "/tasks/inbox", "/auth/account"]:
        page.goto(path)
        no_sideways_scroll(page)
        assert page.locator(".navbar-brand .brand-short").is_visible()
        full = page.locator(".navbar-brand .brand-full").bounding_box()
        assert full["width"] <= 1, f"the full name still takes {full['width']} px"  # kept for screen readers only
    shot("account-320")


def test_keyboard_user_skips_to_the_content_with_a_visible_focus_ring(page, sign_in, shot):
    sign_in("gxj")
    page.goto("/tasks/inbox")

    page.keyboard.press("Tab")
    ring = focus_ring(page)
    assert (ring["tag"], ring["text"]) == ("A", "跳到正文") and ring["visible"], ring
    assert ring["style"] == "solid" and ring["width"] >= 3, ring
    shot("skip-link-focused")

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    inside_main = page.evaluate("document.getElementById('main').contains(document.activeElement)")
    assert inside_main, "the Tab after the skip link should reach the content, not the navigation"
    ring = focus_ring(page)
    assert ring["style"] == "solid" and ring["width"] >= 3, ring


def test_a_navbar_link_shows_a_white_focus_ring_on_the_red_bar(page, sign_in):
    sign_in("gxj")
    page.goto("/")
    page.keyboard.press("Tab")  # 跳到正文
    page.keyboard.press("Tab")  # the brand, in the red bar

    ring = focus_ring(page)
    assert ring["tag"] == "A" and ring["style"] == "solid" and ring["width"] >= 3, ring
    assert ring["color"] == "rgb(255, 255, 255)", ring


def test_a_refused_form_moves_the_focus_to_the_first_field_to_fix(page, sign_in):
    sign_in("admin")
    page.goto("/auth/users/new")
    click_and_wait(page, page.get_by_role("button", name="保存"))

    assert page.locator("[data-form-errors][role=alert]").is_visible()
    focused = page.evaluate("[document.activeElement.id, document.activeElement.getAttribute('aria-invalid')]")
    assert focused == ["username", "true"], focused
