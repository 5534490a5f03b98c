"""Permission matrix lines of the assessment's approvals part (same columns as tests/permission_matrix.py ROUTES:
anon A B asr vm+ vm- myr adm obs; A = 市工信局 gxj (the 工信局 assessor), B = 湘潭县 xtx (an assessed county),
asr = 市发改委 fgw (the 发改委 assessor)).

The office writes the 考评意见, records the 审定 of the year and reopens it, and records result sheets sent; the
leaders and the observer read the result sheets. {frozen_year} is 2020 with its annual results frozen (the snapshot
written directly: the services have their own tests); {reported_unit} is a unit of it reported upward (五(一)3)."""
# ruff: noqa: E501  (one line per route keeps the table readable)

from datetime import UTC, date, datetime

from app.extensions import db
from app.scoring.models import YearSetting
from app.scoring.reports import year_report

FROZEN_YEAR = 2020

ROUTES = [
    #anon A   B   asr vm+ vm- myr adm obs
    ("L   403 403 403 403 403 403 +   403", "scoring.quarter_opinion", "POST", "/scoring/{year}/q{quarter}/opinion"),
    ("L   403 403 403 403 403 403 +   403", "scoring.year_opinion", "POST", "/scoring/{year}/opinion"),
    ("L   403 403 403 403 403 403 +   403", "scoring.finalize_year", "POST", "/scoring/{year}/finalize"),
    ("L   403 403 403 403 403 403 +   403", "scoring.reopen_year", "POST", "/scoring/{year}/reopen"),
    ("L   403 403 403 200 200 200 200 200", "scoring.result_sheets", "GET", "/scoring/{frozen_year}/result-sheets"),
    ("L   403 403 403 200 200 200 200 200", "scoring.result_sheet_page", "GET", "/scoring/{frozen_year}/result-sheets/{reported_unit}"),
    ("L   403 403 403 200 200 200 200 200", "scoring.result_sheet_xlsx", "GET", "/scoring/{frozen_year}/result-sheets/{reported_unit}.xlsx"),
    ("L   403 403 403 403 403 403 +   403", "scoring.record_dispatch", "POST", "/scoring/{frozen_year}/result-sheets/{reported_unit}/dispatch"),
]


def _frozen_year(get):
    setting = db.session.get(YearSetting, FROZEN_YEAR)
    if setting is None or setting.annual_snapshot is None:
        report = year_report(FROZEN_YEAR, date(FROZEN_YEAR + 1, 1, 20), live=True)
        setting = setting or YearSetting(year=FROZEN_YEAR)
        db.session.add(setting)
        setting.annual_finalized_at = datetime(FROZEN_YEAR + 1, 1, 25, 2, 0, tzinfo=UTC)
        setting.annual_approved_on, setting.annual_doc_number = date(FROZEN_YEAR + 1, 1, 25), "潭千百十〔2021〕1号"
        setting.annual_snapshot = dict(report, finalized_at=setting.annual_finalized_at.isoformat(),
                                       approved_on="2021-01-25", doc_number="潭千百十〔2021〕1号", opinion=None)
        db.session.flush()
    return FROZEN_YEAR


def _reported_unit(get):
    setting = db.session.get(YearSetting, get("frozen_year"))
    return next(row["unit_id"] for row in setting.annual_snapshot["units"] if row.get("report_to"))


SAMPLES = {"frozen_year": _frozen_year, "reported_unit": _reported_unit}
