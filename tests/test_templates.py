"""Every template under app/templates/ keeps to the app's Content-Security-Policy (app/core/security.py: scripts
and styles from the app only, no 'unsafe-inline'): no inline <script> body, no on…= event handler, no style
attribute or <style> element, no javascript: URL. The browser would refuse each of them (the meetings calendar
once logged 36 such errors), so behaviour goes into app/static/js/ and looks into app/static/css/.

The scan reads the template sources, so it covers every page and every branch of it, not only the pages a test
happens to render; what Python renders into a page (charts, form widgets) is checked by the tests of those."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates"

# A <script> with no src= can only hold inline code; the body of a <script src=…> never runs, so it is a mistake too.
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>((?:(?!</script).)*)", re.IGNORECASE | re.DOTALL)
CHECKS = [
    # on + at least three letters (the shortest handler is oncut), so that Jinja names such as one= or only= pass
    ("event handler attribute", re.compile(r"(?<![\w.-])on[a-z]{3,}\s*=", re.IGNORECASE)),
    ("style attribute", re.compile(r"(?<![\w-])style\s*=", re.IGNORECASE)),
    ("<style> element", re.compile(r"<style\b", re.IGNORECASE)),
    ("javascript: URL", re.compile(r"javascript:", re.IGNORECASE)),
]


def inline_code(source):
    """[(line, what)] for each piece of a template the CSP would refuse to run or apply."""
    found = []

    def line_of(offset):
        return source.count("\n", 0, offset) + 1

    for match in SCRIPT_TAG.finditer(source):
        if not re.search(r"\bsrc\s*=", match.group(1), re.IGNORECASE):
            found.append((line_of(match.start()), "inline <script> (no src=)"))
        elif match.group(2).strip():
            found.append((line_of(match.start()), "<script src=…> with a body"))
    for what, pattern in CHECKS:
        found += [(line_of(match.start()), what) for match in pattern.finditer(source)]
    return sorted(found)


def template_files():
    return sorted(path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*") if path.is_file())


def test_the_scan_reads_every_template():
    names = template_files()

    assert len(names) > 50 and "base.html" in names and "meetings/calendar.html" in names
    assert all(name.endswith(".html") for name in names), "a template the scan may not read as HTML"


@pytest.mark.parametrize("name", template_files())
def test_no_template_has_inline_script_handler_or_style(name):
    source = (TEMPLATES / name).read_text(encoding="utf-8")

    assert inline_code(source) == [], f"app/templates/{name}: the CSP blocks these; use app/static/js or css"


@pytest.mark.parametrize("snippet", [
    "<script>window.print()</script>",
    "<script type=\"module\">\nimport './x.js';\n</script>",
    "<script src=\"{{ url_for('static', filename='js/a.js') }}\">alert(1)</script>",
    "<input id=\"feed-url\" readonly onclick=\"this.select()\">",
    "<body onload='go()'>",
    "<form ONSUBMIT=\"return check()\">",
    "{{ form.when(onchange=\"this.form.submit()\") }}",
    "<td class=\"small\" style=\"height: 6rem\">",
    "<table STYLE='table-layout: fixed'>",
    "{{ form.text(style=\"width: 4em\") }}",
    "<style>.x { color: red }</style>",
    "<script>",
    "<a href=\"javascript:history.back()\">返回</a>",
])
def test_the_scan_finds_each_kind_of_inline_code(snippet):
    assert inline_code(f"<div>\n{snippet}\n</div>") != []


@pytest.mark.parametrize("snippet", [
    "<script src=\"{{ url_for('static', filename='js/print.js') }}\"></script>",
    "<input data-select-all readonly>",
    "<button type=\"button\" data-print>打印</button>",
    "<td class=\"align-top\" data-day=\"2026-04-14\">",
    "<span data-style=\"x\" data-onclick=\"y\">",
    "{% set one = 1 %}{{ url_for('x', only=1, monthly=2) }}",
    "<p>on=off, style is a word</p>",
])
def test_the_scan_lets_scripts_from_files_and_data_attributes_pass(snippet):
    assert inline_code(snippet) == []
