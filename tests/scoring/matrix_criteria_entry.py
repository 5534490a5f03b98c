"""Permission matrix lines of the assessment's criteria_entry part (same columns as tests/permission_matrix.py ROUTES:
anon A B asr vm+ vm- myr adm obs; A = 市工信局 gxj (the 工信局 assessor), B = 湘潭县 xtx (an assessed county),
asr = 市发改委 fgw (the 发改委 assessor)).

The indicator grid of an assessor is its staff's (and the office's, read-only but for the office's own grid); a
co-assessor unit sees the indicators it enters; others get a 404. A unit reads its own indicator page; the office,
leaders, observers and the assessors' staff read every unit's. {miit_book} publishes 市工信局's default 考评细则 for
the year (as the publication part would: the rules' sub-items become the indicators) and is the assessor code.

`publish` is also what the part's tests use to publish a book."""
# ruff: noqa: E501  (one line per route keeps the table readable)

from decimal import Decimal

from app.extensions import db
from app.scoring.criteria_defaults import DEFAULT_INDICATORS
from app.scoring.models import (
    CriteriaBook,
    CriteriaIndicator,
    CriteriaMethod,
    CriteriaSource,
    CriteriaStatus,
    CriteriaTarget,
)
from app.scoring.year_rules import assessed_units, load_year_rules, save_rules
from tests.factories import account, unit

ROUTES = [
    #anon A   B   asr vm+ vm- myr adm obs
    ("L   200 404 404 403 403 403 200 403", "scoring.criteria_grid", "GET", "/scoring/{year}/q{quarter}/criteria/{miit_book}"),
    ("L   +   404 404 403 403 403 +   403", "scoring.criteria_grid", "POST", "/scoring/{year}/q{quarter}/criteria/{miit_book}"),
    ("L   200 404 404 403 403 403 200 403", "scoring.criteria_actuals", "GET", "/scoring/{year}/q{quarter}/criteria/{miit_book}/actuals/specialized"),
    ("L   +   404 404 403 403 403 +   403", "scoring.criteria_actuals", "POST", "/scoring/{year}/q{quarter}/criteria/{miit_book}/actuals/specialized"),
    ("L   200 404 200 200 200 200 200 200", "scoring.unit_indicators_page", "GET", "/scoring/units/{unit}/{year}/q{quarter}/indicators"),
]

NEEDS_TARGET = ("linear", "steps", "rank")


def publish(admin, year, assessor, indicators=None, targets=None, co_assessors=None, shares=None):
    """A published book of `assessor` (the annex-2 default indicators unless given) with a yearly target for
    every unit an indicator needs one for (`targets`: {(code, unit name): value}, else 100), and the year's rules
    rewritten with the indicators as the component's sub-items (co-assessed ones in sub_item_assessors)."""
    defs = list(indicators if indicators is not None else DEFAULT_INDICATORS[assessor])
    year_rules = load_year_rules(year)
    data = year_rules.to_data()
    units = {u.id: u for u in assessed_units()}
    book = CriteriaBook(year=year, assessor=assessor, version=1, status=CriteriaStatus.published,
                        quarter_shares=shares or ["25", "50", "75", "100"], doc_number=f"潭千百十发〔{year}〕1号")
    db.session.add(book)
    for position, d in enumerate(defs):
        row = CriteriaIndicator(code=d.code, name=d.name, sort_order=position, method=CriteriaMethod(d.method),
                                params=dict(d.params), source=CriteriaSource(d.source), ledger_key=d.ledger_key,
                                measure_unit=d.measure_unit, points=dict(d.points))
        book.indicators.append(row)
        if d.method in NEEDS_TARGET:
            for unit_id, profile in year_rules.unit_profiles.items():
                if profile in d.points and year_rules.profile_of(unit_id).component(assessor) is not None:
                    value = (targets or {}).get((d.code, units[unit_id].name), 100)
                    row.targets.append(CriteriaTarget(unit_id=unit_id, value=Decimal(str(value))))
    for profile in data["rules"]["profiles"]:
        comp = next((c for c in profile["components"] if c["assessor"] == assessor), None)
        subs = [{"code": d.code, "name": d.name, "maximum": d.points[profile["code"]]} for d in defs
                if profile["code"] in d.points]
        if comp is not None and subs:
            comp["sub_items"] = subs
    for key, name in (co_assessors or {}).items():
        data["sub_item_assessors"][f"{assessor}.{key}"] = unit(name).id
    save_rules(admin, year, data, f"测试：发布{assessor}考评细则")
    db.session.flush()
    return book


def _miit_book(get):
    publish(account("admin"), int(get("year")), "miit")
    return "miit"


SAMPLES = {"miit_book": _miit_book}
