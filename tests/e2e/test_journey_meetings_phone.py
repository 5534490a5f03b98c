"""Journey (#16 section 5): the meetings page on a phone — the last 30 days and the next 30, each labelled, each
row opening its meeting — with no sideways scrolling at 390 px."""

from tests.e2e.helpers import click_and_wait, expect_heading


def test_the_meetings_page_lists_past_and_coming_meetings_and_each_row_opens_on_a_phone(page, sign_in, shot):
    sign_in("admin")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/meetings/")
    for heading in ("今天及未来 30 天的会议", "过去 30 天的会议"):
        assert page.get_by_role("heading", name=heading).count() == 1, heading
    upcoming, past = page.locator("#upcoming > li"), page.locator("#past > li")
    assert upcoming.count() > 0 and past.count() > 0, "the demo has meetings on both sides of the frozen day"
    days = [li.locator(".fw-semibold").first.inner_text()[:10] for li in past.all()]
    assert days == sorted(days, reverse=True), f"the past is not most recent first: {days}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the meetings page scrolls sideways at 390 px: {width}"
    shot("meetings-390")
    row = past.filter(has=page.locator("a")).first
    title = row.locator("a").first.inner_text()
    click_and_wait(page, row.locator("a").first)
    assert "/meetings/" in page.url and page.locator("h1").count() == 1, (title, page.url)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways at 390 px: {width}"
    expect_heading(page, title.split(" · ")[0])
    shot("meeting-opened-390")
