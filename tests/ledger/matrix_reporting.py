"""Permission matrix lines of the ledger part: reporting (same columns as tests/permission_matrix.py ROUTES:
anon A B asr vm+ vm- myr adm obs; A = 市工信局 gxj, B = 湘潭县 xtx, asr = 市发改委 fgw).

A unit's staff (and the office, for any unit with ?unit=) report their own unit's figures: the reporting pages,
the template and the upload need a unit (unit_member); leaders and observers read the compliance view; only the
office sets the duties. {month} is the current month: its page shows, a submission for it is refused (422, "+").
{report_duty} is a duty of unit A (市工信局, chain scale)."""
# ruff: noqa: E501  (one line per route keeps the table readable)

from tests.factories import account, unit


def sample_duty(get):
    from app.ledger import reporting_calendar
    from app.ledger.models import ReportSubject

    return reporting_calendar.create_duty(account("admin"), unit("市工信局").id, ReportSubject.chain_scale).id


ROUTES = [
    #anon A   B   asr vm+ vm- myr adm obs
    ("L   200 200 200 403 403 403 200 403", "ledger.reporting", "GET", "/ledger/reporting"),
    ("L   200 200 200 403 403 403 200 403", "ledger.reporting_form", "GET", "/ledger/reporting/enterprise_figures/{month}"),
    ("L   +   +   +   403 403 403 +   403", "ledger.reporting_form", "POST", "/ledger/reporting/enterprise_figures/{month}"),
    ("L   200 200 200 403 403 403 200 403", "ledger.reporting_template", "GET", "/ledger/reporting/chain_scale/{month}/template.xlsx"),
    ("L   +   +   +   403 403 403 +   403", "ledger.reporting_upload", "POST", "/ledger/reporting/enterprise_figures/{month}/upload"),
    ("L   403 403 403 200 200 200 200 200", "ledger.reporting_compliance", "GET", "/ledger/reporting/compliance"),
    ("L   403 403 403 403 403 403 200 403", "ledger.reporting_duties", "GET", "/ledger/reporting/duties"),
    ("L   403 403 403 403 403 403 +   403", "ledger.reporting_duties", "POST", "/ledger/reporting/duties"),
    ("L   403 403 403 403 403 403 200 403", "ledger.reporting_duty", "GET", "/ledger/reporting/duties/{report_duty}"),
    ("L   403 403 403 403 403 403 +   403", "ledger.reporting_duty", "POST", "/ledger/reporting/duties/{report_duty}"),
    ("L   403 403 403 403 403 403 +   403", "ledger.reporting_default_duties", "POST", "/ledger/reporting/default-duties"),
]

SAMPLES = {
    "report_duty": sample_duty,
}
