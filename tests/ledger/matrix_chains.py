"""Permission matrix lines of the ledger parts: chains and indicators (same columns as tests/permission_matrix.py
ROUTES: anon A B asr vm+ vm- myr adm obs; A = 市工信局 gxj, B = 湘潭县 xtx, asr = 市发改委 fgw)."""
# ruff: noqa: E501  (one line per route keeps the table readable)

from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.ledger.models import IndicatorTarget
from app.org.models import Target


def _indicator_code(get):
    return db.session.scalar(sa.select(Target.code).where(Target.code.is_not(None)).order_by(Target.id))


def _indicator_target(get):
    target_id = db.session.scalar(sa.select(Target.id).where(Target.code == get("indicator")))
    row = db.session.scalar(sa.select(IndicatorTarget).where(IndicatorTarget.target_id == target_id,
                                                             IndicatorTarget.year == 2031))
    if row is None:
        row = IndicatorTarget(target_id=target_id, year=2031, value=Decimal(7))
        db.session.add(row)
        db.session.flush()
    return row.id


ROUTES = [
    #anon A   B   asr vm+ vm- myr adm obs
    ("L   200 200 200 200 200 200 200 200", "ledger.chains", "GET", "/ledger/chains"),
    ("L   200 200 200 200 200 200 200 200", "ledger.chain", "GET", "/ledger/chains/{chain}"),
    ("L   +   X   X   X   X   X   +   X  ", "ledger.write_chain_report", "POST", "/ledger/chains/{chain}/report"),
    ("L   403 403 403 403 403 403 200 403", "ledger.edit_chain_tier", "GET", "/ledger/chains/{chain}/tier"),
    ("L   403 403 403 403 403 403 +   403", "ledger.edit_chain_tier", "POST", "/ledger/chains/{chain}/tier"),
    ("L   200 200 200 200 200 200 200 200", "ledger.indicators", "GET", "/ledger/indicators"),
    ("L   200 200 200 200 200 200 200 200", "ledger.indicator", "GET", "/ledger/indicators/{indicator}"),
    ("L   403 403 403 403 403 403 +   403", "ledger.set_indicator_target", "POST", "/ledger/indicators/{indicator}/targets"),
    ("L   403 403 403 403 403 403 +   403", "ledger.delete_indicator_target", "POST", "/ledger/indicators/{indicator}/targets/{indicator_target}/delete"),
    ("L   403 403 403 403 403 403 200 403", "ledger.edit_indicator", "GET", "/ledger/indicators/{indicator}/edit"),
    ("L   403 403 403 403 403 403 +   403", "ledger.edit_indicator", "POST", "/ledger/indicators/{indicator}/edit"),
]

SAMPLES = {
    "indicator": _indicator_code,
    "indicator_target": _indicator_target,
}
