"""Permission matrix lines of the ledger part: api and import (same columns as tests/permission_matrix.py ROUTES:
anon A B asr vm+ vm- myr adm obs; A = 市工信局 gxj, B = 湘潭县 xtx, asr = 市发改委 fgw).

The sample enterprise and project belong to 湘潭经开区 (not B's): B, a county that reads only its own rows, gets 404.
Also the small row makers the API and import tests share."""
# ruff: noqa: E501  (one line per route keeps the table readable)

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.ledger.models import Enterprise, EnterpriseChain, Project, ProjectStage, project_tier
from app.org.models import Chain, Unit

SAMPLE_UNIT = "湘潭经开区管委会"

ROUTES = [
    ("401 200 404 200 200 200 200 200 200", "api.ledger_enterprise", "GET", "/api/v1/ledger/enterprises/{api_enterprise}"),
    ("401 200 404 200 200 200 200 200 200", "api.ledger_enterprise_figures", "GET", "/api/v1/ledger/enterprises/{api_enterprise}/figures"),
    ("401 200 200 200 200 200 200 200 200", "api.ledger_enterprises", "GET", "/api/v1/ledger/enterprises"),
    ("401 200 404 200 200 200 200 200 200", "api.ledger_project", "GET", "/api/v1/ledger/projects/{api_project}"),
    ("401 200 404 200 200 200 200 200 200", "api.ledger_project_figures", "GET", "/api/v1/ledger/projects/{api_project}/figures"),
    ("401 200 200 200 200 200 200 200 200", "api.ledger_projects", "GET", "/api/v1/ledger/projects"),
    ("401 200 200 200 200 200 200 200 200", "api.ledger_unit_enterprise_figures", "GET", "/api/v1/ledger/figures/enterprises?month=2026-02"),
    ("401 200 200 200 200 200 200 200 200", "api.ledger_unit_project_figures", "GET", "/api/v1/ledger/figures/projects?month=2026-02"),
    ("401 200 200 200 200 200 200 200 200", "api.ledger_chains", "GET", "/api/v1/ledger/chains"),
    ("401 200 200 200 200 200 200 200 200", "api.ledger_chain", "GET", "/api/v1/ledger/chains/{chain}"),
    ("401 200 200 200 200 200 200 200 200", "api.ledger_chain_figures", "GET", "/api/v1/ledger/chains/{chain}/figures"),
    ("401 200 200 200 200 200 200 200 200", "api.ledger_indicators", "GET", "/api/v1/ledger/indicators"),
    ("401 200 200 200 200 200 200 200 200", "api.ledger_indicator", "GET", "/api/v1/ledger/indicators/{api_indicator}"),
    ("401 +   +   +   +   +   +   +   +  ", "api.ledger_enterprise_create_post", "POST", "/api/v1/ledger/enterprises"),
    ("401 X   404 X   X   X   X   +   X  ", "api.ledger_enterprise_update_patch", "PATCH", "/api/v1/ledger/enterprises/{api_enterprise}"),
    ("401 +   +   +   +   +   +   +   +  ", "api.ledger_project_create_post", "POST", "/api/v1/ledger/projects"),
    ("401 X   404 X   X   X   X   +   X  ", "api.ledger_project_update_patch", "PATCH", "/api/v1/ledger/projects/{api_project}"),
    ("401 +   404 +   +   +   +   +   +  ", "api.ledger_project_stage_post", "POST", "/api/v1/ledger/projects/{api_project}/stage"),
    ("401 +   +   +   +   +   +   +   +  ", "api.ledger_report_enterprise_figures_post", "POST", "/api/v1/ledger/figures/enterprises"),
    ("401 +   +   +   +   +   +   +   +  ", "api.ledger_report_project_figures_post", "POST", "/api/v1/ledger/figures/projects"),
    ("401 +   +   +   +   +   +   +   +  ", "api.ledger_report_chain_scale_post", "POST", "/api/v1/ledger/figures/chains"),
    ("401 X   404 X   X   X   X   +   X  ", "api.ledger_project_milestones_put", "PUT", "/api/v1/ledger/projects/{api_project}/milestones"),
    ("401 X   404 X   X   X   X   +   X  ", "api.ledger_project_year_plan_put", "PUT", "/api/v1/ledger/projects/{api_project}/year-plans/2026"),
    ("L   403 403 403 403 403 403 200 403", "ledger.import_ledger", "GET", "/ledger/import"),
    ("L   403 403 403 403 403 403 +   403", "ledger.import_ledger", "POST", "/ledger/import"),
    ("L   403 403 403 403 403 403 +   403", "ledger.import_apply", "POST", "/ledger/import/apply"),
    ("L   403 403 403 403 403 403 200 403", "ledger.import_template", "GET", "/ledger/import/template.xlsx"),
]


def valid_uscc(serial):
    """A 统一社会信用代码 with a correct check character (serial: a small number making it unique)."""
    from stdnum.cn import uscc

    body = f"91430300MA{serial:07d}"[:17]
    return body + uscc.calc_check_digit(body)


def make_enterprise(name="样本企业", unit=SAMPLE_UNIT, serial=1, chains=(), **fields):
    unit_row = db.session.scalar(sa.select(Unit).where(Unit.name == unit))
    enterprise = Enterprise(name=name, uscc=valid_uscc(serial), unit_id=unit_row.id, **fields)
    enterprise.chain_links = [EnterpriseChain(chain_id=c.id) for c in chains]
    db.session.add(enterprise)
    db.session.flush()
    return enterprise


def make_project(code="XM-0001", name="样本项目", unit=SAMPLE_UNIT, total=Decimal("120000"), chain=None, **fields):
    unit_row = db.session.scalar(sa.select(Unit).where(Unit.name == unit))
    project = Project(code=code, name=name, unit_id=unit_row.id, total_investment=total, tier=project_tier(total),
                      chain_id=chain.id if chain else None, stage=fields.pop("stage", ProjectStage.signed), **fields)
    db.session.add(project)
    db.session.flush()
    return project


def first_chain():
    return db.session.scalar(sa.select(Chain).order_by(Chain.sort_order, Chain.id).limit(1))


def _indicator(get):
    from app.org.models import Target

    return db.session.scalar(sa.select(Target.id).where(Target.code.is_not(None)).order_by(Target.id).limit(1))


SAMPLES = {
    "api_enterprise": lambda get: make_enterprise("矩阵样本企业", serial=9001, chains=[first_chain()],
                                                  above_scale_since=date(2020, 1, 1), is_above_scale=True).id,
    "api_project": lambda get: make_project("XM-MATRIX", "矩阵样本项目", chain=first_chain()).id,
    "api_indicator": _indicator,
}
