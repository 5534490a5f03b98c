"""What the journeys share besides fixtures: the frozen moment and a few ways of looking at a page."""

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

# A Tuesday, a working day, in the morning: the demo data is laid out around it (the current 旬 is 2026年4月中旬,
# 2026 Q1 has ended and is open with a few entries missing, 2025 is a finalized year).
E2E_NOW = datetime(2026, 4, 14, 9, 30)
PASSWORD = "Demo2026qbs"


def click_and_wait(page, target):
    """Click what loads a new page (a link, a form's button) and wait until that page has loaded. The page being
    left is marked first, so that no check after the click can read it while the next one is still coming."""
    check_accessibility(page)  # the page being left, if it was reached without a helper
    page.evaluate("window.__e2eLeaving = true")
    target.click()
    page.wait_for_function("() => window.__e2eLeaving === undefined")
    page.wait_for_load_state()
    check_accessibility(page)


def click_nav(page, name):
    """Click an item of the top navigation bar, as a user finds it there."""
    click_and_wait(page, page.locator("nav.navbar").get_by_role("link", name=name, exact=True))


def expect_heading(page, text):
    heading = page.locator("h1").first.inner_text()
    assert text in heading, f"expected a page about {text!r}, got {heading!r} at {page.url}"


def flashes(page, category="success"):
    """The texts of the flashed messages of one category (success, danger, info ...)."""
    return [text.strip() for text in page.locator(f"main > .alert-dismissible.alert-{category}").all_inner_texts()]


# --- accessibility: axe-core on every page a journey visits ---------------------------------------------------

AXE_FILE = Path(__file__).with_name("vendor") / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # WCAG 2.1 A and AA, which GB/T 37668-2019 follows
AXE_FAILING_IMPACTS = ("serious", "critical")

# TEMPORARY exceptions, each a known violation in a template owned by another part of issue #16, until that part
# lands: (rule id, regular expression searched in the page's path, why). The lead removes each entry once fixed.
AXE_ALLOWED = [
]

_audits = {}  # id(page) -> AccessibilityAudit, while the page fixture lives


def _axe_run_script():
    return """async ([tags, impacts]) => {
        const result = await window.axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                        resultTypes: ['violations']});
        window.__e2eAxeChecked = true;
        return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')), count: v.nodes.length,
            first: (v.nodes[0].failureSummary || '').replace(/\\s+/g, ' ').slice(0, 300)}));
    }"""


class AccessibilityAudit:
    """Runs axe-core on each document the page loads, once per document, and remembers which loads were checked.

    Every main-frame navigation is recorded (page.on("framenavigated"); a change of the #fragment only is the
    same document). The check runs at the journeys' own steps: after page.goto (wrapped by the page fixture),
    before and after click_and_wait (so a page reached by a plain click is checked before it is left), before each
    shot(), and at the end of the test. A document is checked once (a flag in its window). At the end, any load
    that was never checked fails the test: a journey must leave each page through these helpers.
    """

    def __init__(self, page, allowed=None):
        self.page = page
        self.allowed = AXE_ALLOWED if allowed is None else allowed
        self.visits = []  # [url, checked]
        self.checked_urls = []
        self.source = None
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame):
        if frame != self.page.main_frame:
            return
        url = frame.url
        if self.visits and "#" in url and url.split("#")[0] == self.visits[-1][0].split("#")[0]:
            return  # a jump within the same document
        self.visits.append([url, False])

    def _mark_checked(self):
        for visit in self.visits:
            if visit[0].split("#")[0] == self.page.url.split("#")[0]:
                visit[1] = True
        if self.visits:
            self.visits[-1][1] = True

    def check(self):
        page = self.page
        if not page.url.startswith("http"):
            return  # about:blank before the first load
        page.wait_for_load_state()
        if page.evaluate("() => window.__e2eAxeChecked === true"):
            self._mark_checked()
            return
        if not page.evaluate("() => typeof window.axe === 'object'"):
            if self.source is None:
                self.source = AXE_FILE.read_text(encoding="utf-8")
            # Evaluated through the DevTools protocol: the app's Content-Security-Policy stays on and untouched.
            page.evaluate(self.source + "\n;0")
        violations = page.evaluate(_axe_run_script(), [AXE_TAGS, list(AXE_FAILING_IMPACTS)])
        self._mark_checked()
        self.checked_urls.append(page.url)
        path = urlsplit(page.url).path + (f"?{urlsplit(page.url).query}" if urlsplit(page.url).query else "")
        failing = [v for v in violations
                   if not any(v["id"] == rule and re.search(pattern, path) for rule, pattern, _ in self.allowed)]
        if failing:
            lines = [f"axe-core: {len(failing)} serious or critical WCAG 2.1 AA violation(s) on {page.url}"]
            for v in failing:
                lines.append(f"- {v['id']} ({v['impact']}): {v['help']} — {v['count']} element(s), e.g. "
                             + "; ".join(v["nodes"]) + f" (first: {v['first']})")
            raise AssertionError("\n".join(lines))

    def unchecked(self):
        return [url for url, checked in self.visits if not checked]


def audit(page):
    """This page's AccessibilityAudit (None when the page fixture did not set one up)."""
    return _audits.get(id(page))


def check_accessibility(page):
    """Run axe-core on the current document now (once per document); fails on serious or critical violations."""
    current = audit(page)
    if current is not None:
        current.check()


def confirm_and_wait(page, target, expect=""):
    """Click a button that asks first (data-confirm, js/confirm.js: the browser's own dialog), check the dialog
    names `expect`, accept it, and wait for the next page."""
    seen = []

    def accept(dialog):
        seen.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    click_and_wait(page, target)
    assert seen and expect in seen[0], f"expected a confirmation naming {expect!r}, got {seen}"
    return seen[0]
