"""Permission matrix lines of the assessment's criteria part (same columns as tests/permission_matrix.py ROUTES:
anon A B asr vm+ vm- myr adm obs; A = 市工信局 gxj (the 工信局 assessor), B = 湘潭县 xtx (an assessed county),
asr = 市发改委 fgw (the 发改委 assessor)).

The sample is 市工信局's draft 考评细则 of the sample year (started from the annex-2 defaults): every assessor,
the office, leaders and the observer read it; 湘潭县 (assessed, not an assessor) does not see a draft (404); only
市工信局's staff and the office edit it (X: an object rule's 403 for the other readers, whom the declared
permission lets in)."""
# ruff: noqa: E501  (one line per route keeps the table readable)

from tests.factories import account

ROUTES = [
    #anon A   B   asr vm+ vm- myr adm obs
    ("L   200 200 200 200 200 200 200 200", "scoring.criteria_year", "GET", "/scoring/{year}/criteria"),
    ("L   200 404 200 200 200 200 200 200", "scoring.criteria_book", "GET", "/scoring/{year}/criteria/{criteria_assessor}"),
    ("L   +   404 X   X   X   X   +   X", "scoring.criteria_start", "POST", "/scoring/{year}/criteria/{criteria_assessor}/start"),
    ("L   200 404 X   X   X   X   200 X", "scoring.criteria_settings", "GET", "/scoring/{year}/criteria/{criteria_assessor}/settings"),
    ("L   +   404 X   X   X   X   +   X", "scoring.criteria_settings", "POST", "/scoring/{year}/criteria/{criteria_assessor}/settings"),
    ("L   200 404 X   X   X   X   200 X", "scoring.criteria_indicator_new", "GET", "/scoring/{year}/criteria/{criteria_assessor}/indicators/new"),
    ("L   +   404 X   X   X   X   +   X", "scoring.criteria_indicator_new", "POST", "/scoring/{year}/criteria/{criteria_assessor}/indicators/new"),
    ("L   200 404 X   X   X   X   200 X", "scoring.criteria_indicator_edit", "GET", "/scoring/{year}/criteria/{criteria_assessor}/indicators/{criteria_indicator}"),
    ("L   +   404 X   X   X   X   +   X", "scoring.criteria_indicator_edit", "POST", "/scoring/{year}/criteria/{criteria_assessor}/indicators/{criteria_indicator}"),
    ("L   +   404 X   X   X   X   +   X", "scoring.criteria_indicator_delete", "POST", "/scoring/{year}/criteria/{criteria_assessor}/indicators/{criteria_indicator}/delete"),
    ("L   200 404 200 200 200 200 200 200", "scoring.criteria_targets", "GET", "/scoring/{year}/criteria/{criteria_assessor}/targets"),
    ("L   +   404 X   X   X   X   +   X", "scoring.criteria_targets", "POST", "/scoring/{year}/criteria/{criteria_assessor}/targets"),
    ("L   200 404 200 200 200 200 200 200", "scoring.criteria_targets_xlsx", "GET", "/scoring/{year}/criteria/{criteria_assessor}/targets.xlsx"),
    ("L   +   404 X   X   X   X   +   X", "scoring.criteria_targets_upload", "POST", "/scoring/{year}/criteria/{criteria_assessor}/targets/upload"),
]


def _draft_book(get):
    """市工信局's draft book of the sample year (started once per resolution)."""
    from app.scoring import criteria, criteria_queries

    year = get("year")
    book = criteria_queries.current_book(year, "miit")
    if book is None:
        book = criteria.start_from_defaults(account("admin"), year, "miit")
    return book


SAMPLES = {
    "criteria_assessor": lambda get: _draft_book(get).assessor,
    "criteria_indicator": lambda get: _draft_book(get).indicators[0].id,
}
