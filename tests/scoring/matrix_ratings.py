"""Permission matrix lines of the assessment's ratings part (same columns as tests/permission_matrix.py ROUTES:
anon A B asr vm+ vm- myr adm obs; A = 市工信局 gxj (the 工信局 assessor), B = 湘潭县 xtx (an assessed county),
asr = 市发改委 fgw (the 发改委 assessor)).

Service ratings: B (a county) rates 市直 units on /ratings and withdraws its own ratings; A and asr (市直 units) see
their own averages on /ratings/mine; the office, the leaders and the observer read the overview and its Excel.
The office, the leaders and the observer opening /ratings or /ratings/mine are sent to the overview.
{rating} is B's rating of unit A in the first quarter of this year."""
# ruff: noqa: E501  (one line per route keeps the table readable)

from app.extensions import db
from app.scoring.models import ServiceRating
from tests.factories import account, unit

ROUTES = [
    #anon A   B   asr vm+ vm- myr adm obs
    ("L   X   200 X   302 302 302 302 302", "scoring.ratings", "GET", "/scoring/{year}/q{quarter}/ratings"),
    ("L   X   +   X   X   X   X   X   X", "scoring.ratings", "POST", "/scoring/{year}/q{quarter}/ratings"),
    ("L   404 +   404 403 403 403 404 403", "scoring.delete_rating", "POST", "/scoring/{year}/q{quarter}/ratings/{rating}/delete"),
    ("L   403 403 403 200 200 200 200 200", "scoring.ratings_summary", "GET", "/scoring/{year}/q{quarter}/ratings/summary"),
    ("L   403 403 403 200 200 200 200 200", "scoring.ratings_summary_xlsx", "GET", "/scoring/{year}/q{quarter}/ratings/summary.xlsx"),
    ("L   200 X   200 302 302 302 302 302", "scoring.ratings_mine", "GET", "/scoring/{year}/q{quarter}/ratings/mine"),
]


def _rating(get):
    """B's (湘潭县) own rating of unit A (市工信局), made directly: the services have their own tests."""
    row = ServiceRating(year=int(get("year")), quarter=int(get("quarter")), rater_unit_id=unit("湘潭县人民政府").id,
                        rated_unit_id=unit("市工信局").id, enterprise_name="", attitude=90, efficiency=85, effect=80,
                        comment="权限矩阵样例评价", entered_by_id=account("xtx").id)
    db.session.add(row)
    db.session.flush()
    return row.id


SAMPLES = {"rating": _rating}
