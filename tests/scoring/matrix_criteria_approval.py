"""Permission matrix lines of the assessment's criteria_approval part (same columns as tests/permission_matrix.py
ROUTES: anon A B asr vm+ vm- myr adm obs; A = 市工信局 gxj (the 工信局 assessor), B = 湘潭县 xtx (an assessed county),
asr = 市发改委 fgw (the 发改委 assessor)).

The sample is 市工信局's complete draft 考评细则 of the sample year: its staff and the office submit and revise it
(a refused revision of a draft is a flashed redirect, "+"); another assessor's staff reads the books but may not act
(403); 湘潭县 is not told the book exists (404); only the office reviews, records the 审定 and publishes. A unit's
targets ({unit} = 市工信局, itself assessed): its own staff, every assessor's staff, the office, leaders and the
observer read them; 湘潭县 does not (404)."""
# ruff: noqa: E501  (one line per route keeps the table readable)

ROUTES = [
    #anon A   B   asr vm+ vm- myr adm obs
    ("L   +   404 X   403 403 403 +   403", "scoring.criteria_submit", "POST", "/scoring/{year}/criteria/{approval_assessor}/submit"),
    ("L   403 403 403 403 403 403 +   403", "scoring.criteria_return", "POST", "/scoring/{year}/criteria/{approval_assessor}/return"),
    ("L   403 403 403 403 403 403 +   403", "scoring.criteria_accept", "POST", "/scoring/{year}/criteria/{approval_assessor}/accept"),
    ("L   403 403 403 403 403 403 +   403", "scoring.criteria_approve", "POST", "/scoring/{year}/criteria/{approval_assessor}/approve"),
    ("L   403 403 403 403 403 403 +   403", "scoring.criteria_publish", "POST", "/scoring/{year}/criteria/{approval_assessor}/publish"),
    ("L   +   404 X   403 403 403 +   403", "scoring.criteria_revise", "POST", "/scoring/{year}/criteria/{approval_assessor}/revise"),
    ("L   200 200 200 200 200 200 200 200", "scoring.my_targets", "GET", "/scoring/{year}/my-targets"),
    ("L   200 404 200 200 200 200 200 200", "scoring.unit_targets", "GET", "/scoring/{year}/units/{unit}/targets"),
]


def _complete_draft(get):
    """市工信局's newest book of the sample year; a complete draft (every target set) when there is none."""
    from app.scoring.criteria_queries import current_book
    from tests.scoring.test_criteria_approval import complete_book

    year = get("year")
    book = current_book(year, "miit") or complete_book("miit", year=year)
    return book.assessor


SAMPLES = {
    "approval_assessor": _complete_draft,
}
