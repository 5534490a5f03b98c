"""What the journeys share besides fixtures: the frozen moment and a few ways of looking at a page."""

from datetime import datetime

# A Tuesday, a working day, in the morning: the demo data is laid out around it (the current 旬 is 2026年4月中旬,
# 2026 Q1 has ended and is open with a few entries missing, 2025 is a finalized year).
E2E_NOW = datetime(2026, 4, 14, 9, 30)
PASSWORD = "Demo2026qbs"


def click_and_wait(page, target):
    """Click what loads a new page (a link, a form's button) and wait until that page has loaded. The page being
    left is marked first, so that no check after the click can read it while the next one is still coming."""
    page.evaluate("window.__e2eLeaving = true")
    target.click()
    page.wait_for_function("() => window.__e2eLeaving === undefined")
    page.wait_for_load_state()


def click_nav(page, name):
    """Click an item of the top navigation bar, as a user finds it there."""
    click_and_wait(page, page.locator("nav.navbar").get_by_role("link", name=name, exact=True))


def expect_heading(page, text):
    heading = page.locator("h1").first.inner_text()
    assert text in heading, f"expected a page about {text!r}, got {heading!r} at {page.url}"


def flashes(page, category="success"):
    """The texts of the flashed messages of one category (success, danger, info ...)."""
    return [text.strip() for text in page.locator(f"main > .alert-dismissible.alert-{category}").all_inner_texts()]
