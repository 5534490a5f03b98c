"""Permission matrix lines of the ledger part: enterprises (same columns as tests/permission_matrix.py ROUTES:
anon A B asr vm+ vm- myr adm obs; A = 市工信局 gxj, B = 湘潭县 xtx, asr = 市发改委 fgw).

{enterprise} is an enterprise of 湘潭县 (unit B): B keeps it; 市工信局 (A) reads the whole ledger and keeps the
registries but not the enterprise; only the office (of these roles) keeps the listing pipeline (市经研金融办 has no
demo account). {enterprise_membership} is its open entry in the 小升规培育库, kept by A."""
# ruff: noqa: E501  (one line per route keeps the table readable)

from datetime import date

from app.core.clock import today
from app.ledger import enterprises as services
from app.ledger.models import Registry
from tests.factories import account, chain, unit

SAMPLE_NAME = "权限矩阵样例企业（湘潭县）"


def valid_uscc(body17):
    """`body17` (17 characters) with its check character (python-stdnum's cn.uscc)."""
    from stdnum.cn import uscc

    return body17 + uscc.calc_check_digit(body17)


def sample_enterprise():
    return services.create_enterprise(
        account("admin"), unit=unit("湘潭县人民政府"), today=today(), name=SAMPLE_NAME,
        uscc=valid_uscc("91430321MA4L9X7Q0"), chain_ids=[chain("高端装备制造").id], master_ids=[],
        above_scale_since=date(2020, 1, 1), left_scale_on=None, liaison_id=None, note="")


def sample_membership(get):
    from app.extensions import db
    from app.ledger.models import Enterprise

    enterprise = db.session.get(Enterprise, get("enterprise"))
    return services.add_membership(account("admin"), enterprise, kind=Registry.cultivation, starts_on=today(),
                                   reason="权限矩阵样例", today=today()).id


ROUTES = [
    #anon A   B   asr vm+ vm- myr adm obs
    ("L   200 200 200 200 200 200 200 200", "ledger.enterprises", "GET", "/ledger/enterprises"),
    ("L   200 200 200 200 200 200 200 200", "ledger.enterprises_excel", "GET", "/ledger/enterprises.xlsx"),
    ("L   X   200 X   403 403 403 200 403", "ledger.create_enterprise", "GET", "/ledger/enterprises/new"),
    ("L   X   +   X   403 403 403 +   403", "ledger.create_enterprise", "POST", "/ledger/enterprises/new"),
    ("L   200 200 200 200 200 200 200 200", "ledger.enterprise", "GET", "/ledger/enterprises/{enterprise}"),
    ("L   X   200 X   403 403 403 200 403", "ledger.edit_enterprise", "GET", "/ledger/enterprises/{enterprise}/edit"),
    ("L   X   +   X   403 403 403 +   403", "ledger.edit_enterprise", "POST", "/ledger/enterprises/{enterprise}/edit"),
    ("L   +   X   X   403 403 403 +   403", "ledger.add_registry", "POST", "/ledger/enterprises/{enterprise}/registries"),
    ("L   +   X   X   403 403 403 +   403", "ledger.end_registry", "POST", "/ledger/enterprises/{enterprise}/registries/{enterprise_membership}/end"),
    ("L   X   X   X   403 403 403 +   403", "ledger.add_listing_step", "POST", "/ledger/enterprises/{enterprise}/listing"),
]

SAMPLES = {
    "enterprise": lambda get: sample_enterprise().id,
    "enterprise_membership": sample_membership,
}
