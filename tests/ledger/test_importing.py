"""Importing an existing ledger from Excel (/ledger/import, the office only): the template, the dry run that lists
what would be created or changed (before → after) and writes nothing, the confirmation that applies it all (and
audits it), and the refusals — each bad row named by sheet, row and column, the whole file refused with nothing
written; malformed, non-xlsx and oversized workbooks refused clearly."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from app.core.models import AuditEntry
from app.extensions import db
from app.ledger import importing
from app.ledger.models import Enterprise, EnterpriseFigure, Project, ProjectFigure, ProjectStage, ProjectYearPlan
from tests.helpers import CHINESE
from tests.ledger.matrix_api import first_chain, make_enterprise, make_project, valid_uscc

E_HEAD = [c.label for c in importing.ENTERPRISE_COLUMNS]
P_HEAD = [c.label for c in importing.PROJECT_COLUMNS]
PF_HEAD = [c.label for c in importing.PROJECT_FIGURE_COLUMNS]
EF_HEAD = [c.label for c in importing.ENTERPRISE_FIGURE_COLUMNS]


@pytest.fixture
def office(login_as, clock):
    return login_as("admin")


def workbook(enterprises=(), projects=(), project_figures=(), enterprise_figures=()):
    """An .xlsx with the template's sheets; each row a dict by column label."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, head, rows in (("企业", E_HEAD, enterprises), ("项目", P_HEAD, projects),
                             ("项目月度数据", PF_HEAD, project_figures), ("企业月度数据", EF_HEAD, enterprise_figures)):
        ws = wb.create_sheet(name)
        ws.append([h + (" *" if h in ("企业名称", "项目编号") else "") for h in head])
        for row in rows:
            ws.append([row.get(h) for h in head])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, data, filename="台账.xlsx"):
    return client.post("/ledger/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def counts():
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                 for m in (Enterprise, Project, ProjectFigure, EnterpriseFigure, ProjectYearPlan, AuditEntry))


def chain_name():
    return first_chain().name


def an_enterprise_row(**changes):
    row = {"企业名称": "湘潭导入科技有限公司", "统一社会信用代码": valid_uscc(501), "所属县市区/园区": "湘潭经开区",
           "所属产业链": chain_name(), "规上时间": "2021-06"}
    row.update(changes)
    return row


def a_project_row(**changes):
    row = {"项目编号": "XM2026-IMP", "项目名称": "导入项目", "所在县市区/园区": "湘潭经开区", "产业链": chain_name(),
           "牵头单位": "市工信局", "总投资（万元）": 50000, "项目来源": "招商引资", "签约日期": "2025-03-18",
           "三类500强": "是", "当前阶段": "开工", "签约实际日期": "2025-03-18", "开工计划日期": "2025-06-30",
           "开工实际日期": "2025-07-10", "竣工计划日期": "2027-06-30", "本年计划投资（万元）": 12000}
    row.update(changes)
    return row


def errors_of(response):
    text = response.get_data(as_text=True)
    return re.findall(r"<li>([^<]*第\d+行[^<]*)</li>", text)


def token_of(response):
    match = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"|value="([0-9a-f]{32})"',
                      response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:3000]
    return match.group(1) or match.group(2)


# --- the template -------------------------------------------------------------------------------------------

def test_the_template_has_a_sheet_per_kind_with_the_columns_the_import_reads(client, office):
    response = client.get("/ledger/import/template.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data), read_only=True)
    assert wb.sheetnames == ["企业", "项目", "项目月度数据", "企业月度数据", "说明"]
    head = [c.value.replace(" *", "") for c in next(wb["项目"].iter_rows(max_row=1))]
    assert head == P_HEAD and "开工计划日期" in head and "本年计划投资（万元）" in head
    assert client.get("/ledger/import").status_code == 200


def test_only_the_office_imports(client, login_as, clock):
    for username in ("xtx", "gxj", "shizhang"):
        login_as(username)
        assert client.get("/ledger/import").status_code == 403
        assert upload(client, workbook(enterprises=[an_enterprise_row()])).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)) == 0


# --- dry run and apply --------------------------------------------------------------------------------------

def test_the_dry_run_lists_what_would_be_created_and_writes_nothing_then_confirming_applies_it(client, office):
    before = counts()
    data = workbook(enterprises=[an_enterprise_row()], projects=[a_project_row()],
                    project_figures=[{"项目编号": "XM2026-IMP", "月份": "2026-01", "完成投资（万元）": 3000,
                                      "到位资金（万元）": 2500},
                                     {"项目编号": "XM2026-IMP", "月份": "2026-02", "完成投资（万元）": 5200}],
                    enterprise_figures=[{"统一社会信用代码": valid_uscc(501), "月份": "2026-02",
                                         "营业收入（万元）": 8600, "税收（万元）": 420}])
    response = upload(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, errors_of(response) or page[:2000]
    assert "新增" in page and "湘潭导入科技有限公司" in page and "XM2026-IMP 导入项目" in page
    assert "开工实际日期" in page and "2025-07-10" in page and "完成投资（万元）" in page and "5200" in page
    assert "确认导入" in page
    assert counts() == before  # the dry run wrote nothing, audit included

    token = token_of(response)
    response = client.post("/ledger/import/apply", data={"token": token, "filename": "台账.xlsx"})
    assert response.status_code == 302
    enterprise = db.session.scalar(sa.select(Enterprise).where(Enterprise.uscc == valid_uscc(501)))
    assert enterprise.is_above_scale and enterprise.above_scale_since == date(2021, 6, 1)
    assert [link.chain_id for link in enterprise.chain_links] == [first_chain().id]
    project = db.session.scalar(sa.select(Project).where(Project.code == "XM2026-IMP"))
    assert project.stage is ProjectStage.started and project.is_top500 and project.tier == 1
    assert {m.stage: m.actual_on for m in project.milestones}[ProjectStage.started] == date(2025, 7, 10)
    assert [(p.year, p.planned_investment) for p in project.year_plans] == [(2026, Decimal("12000.00"))]
    figures = db.session.scalars(sa.select(ProjectFigure).where(ProjectFigure.project_id == project.id)
                                 .order_by(ProjectFigure.month)).all()
    assert [(f.month, f.invested) for f in figures] == [(date(2026, 1, 1), 3000), (date(2026, 2, 1), 5200)]
    assert db.session.scalar(sa.select(EnterpriseFigure.revenue).where(
        EnterpriseFigure.enterprise_id == enterprise.id)) == Decimal("8600.00")
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.id > 0)))
    assert {"ledger.import", "enterprise.create", "project.create"} <= actions
    # the kept upload is gone: confirming again (or with a made-up token) applies nothing
    applied = counts()
    for again in (token, "0" * 32, "../../etc/passwd"):
        response = client.post("/ledger/import/apply", data={"token": again}, follow_redirects=True)
        assert "预览已过期" in response.get_data(as_text=True)
    assert counts() == applied


def test_an_update_shows_each_changed_field_before_and_after(client, office):
    make_enterprise("旧名称有限公司", serial=601, chains=[first_chain()])
    make_project("XM-OLD", "旧项目", total=Decimal("80000"), chain=first_chain())
    before = counts()
    response = upload(client, workbook(
        enterprises=[an_enterprise_row(**{"企业名称": "新名称有限公司", "统一社会信用代码": valid_uscc(601)})],
        projects=[a_project_row(**{"项目编号": "XM-OLD", "项目名称": "旧项目", "总投资（万元）": 90000,
                                   "当前阶段": "", "项目来源": "", "签约日期": "", "三类500强": "",
                                   "签约实际日期": "", "开工计划日期": "", "开工实际日期": "", "竣工计划日期": "",
                                   "本年计划投资（万元）": ""})]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, errors_of(response)
    assert "修改" in page
    assert re.search(r"企业名称：<span class=\"text-muted\">旧名称有限公司</span> → "
                     r"<strong>新名称有限公司</strong>", page)
    assert re.search(r"总投资（万元）：<span class=\"text-muted\">80000</span> → <strong>90000</strong>", page)
    assert counts() == before
    assert db.session.scalar(sa.select(Enterprise.name).where(Enterprise.uscc == valid_uscc(601))) == "旧名称有限公司"


# --- refusals -----------------------------------------------------------------------------------------------

def test_bad_rows_are_each_named_and_nothing_of_the_file_is_written(client, office):
    existing = make_enterprise("已有企业", serial=701, chains=[first_chain()])
    make_project("XM-LOW", "已报项目", total=Decimal("10000"), chain=first_chain())
    db.session.add(ProjectFigure(project_id=db.session.scalar(sa.select(Project.id).where(Project.code == "XM-LOW")),
                                 month=date(2026, 1, 1), invested=Decimal("4000")))
    db.session.flush()
    before = counts()
    bad_check = valid_uscc(702)[:-1] + ("0" if valid_uscc(702)[-1] != "0" else "1")
    response = upload(client, workbook(
        enterprises=[an_enterprise_row(),  # a good row: not written either
                     an_enterprise_row(**{"企业名称": "校验位错", "统一社会信用代码": bad_check}),
                     an_enterprise_row(**{"企业名称": "重复代码"}),
                     an_enterprise_row(**{"企业名称": "未知园区", "统一社会信用代码": valid_uscc(703),
                                          "所属县市区/园区": "火星园区"}),
                     an_enterprise_row(**{"企业名称": "与已有企业同码但改名", "统一社会信用代码": existing.uscc,
                                          "所属县市区/园区": "湘潭县"})],
        projects=[a_project_row(**{"项目编号": "XM-NEG", "总投资（万元）": -5})],
        project_figures=[{"项目编号": "XM-LOW", "月份": "2026-02", "完成投资（万元）": 20000},
                         {"项目编号": "XM-LOW", "月份": "2026-03", "完成投资（万元）": 100},
                         {"项目编号": "XM-NONE", "月份": "2026-02", "完成投资（万元）": 1}]))
    assert response.status_code == 400
    errors = errors_of(response)
    text = "\n".join(errors)
    assert all(CHINESE.search(e) for e in errors)
    assert re.search(r"企业第3行“统一社会信用代码”列：.*校验位", text)
    assert re.search(r"企业第4行“统一社会信用代码”列：.*与第2行重复", text)
    assert re.search(r"企业第5行“所属县市区/园区”列：.*火星园区", text)
    assert re.search(r"项目第2行“总投资（万元）”列：.*(负数|大于 0)", text)
    assert re.search(r"项目月度数据第2行：.*超过总投资", text)
    assert re.search(r"项目月度数据第3行“月份”列：.*尚未结束", text)
    assert re.search(r"项目月度数据第4行“项目编号”列：.*XM-NONE", text)
    assert counts() == before
    assert "/ledger/import/apply" not in response.get_data(as_text=True)


def test_a_cumulative_figure_lower_than_last_month_needs_a_reason(client, office):
    project = make_project("XM-CUM", "累计项目", total=Decimal("100000"), chain=first_chain())
    db.session.add(ProjectFigure(project_id=project.id, month=date(2026, 1, 1), invested=Decimal("5000")))
    db.session.flush()
    lower = {"项目编号": "XM-CUM", "月份": "2026-02", "完成投资（万元）": 4000}
    response = upload(client, workbook(project_figures=[lower]))
    assert response.status_code == 400
    assert any("项目月度数据第2行" in e and "低于" in e for e in errors_of(response))
    response = upload(client, workbook(project_figures=[dict(lower, **{"说明": "统计口径调整，核减重复计算部分"})]))
    assert response.status_code == 200, errors_of(response)


def test_a_stage_going_backwards_needs_a_reason(client, office):
    make_project("XM-BACK", "退回项目", chain=first_chain(), stage=ProjectStage.building)
    row = {"项目编号": "XM-BACK", "项目名称": "退回项目", "所在县市区/园区": "湘潭经开区", "总投资（万元）": 120000,
           "当前阶段": "开工"}
    response = upload(client, workbook(projects=[row]))
    assert response.status_code == 400
    assert any("项目第2行“阶段变更原因”列" in e for e in errors_of(response)), errors_of(response)
    response = upload(client, workbook(projects=[dict(row, **{"阶段变更原因": "主体工程停工整改"})]))
    assert response.status_code == 200, errors_of(response)
    assert "在建</span> → <strong>开工" in response.get_data(as_text=True)


@pytest.mark.parametrize("data, filename, message", [
    (b"name,uscc\n", "台账.csv", ".xlsx"),
    (b"this is not a workbook", "台账.xlsx", "无法读取"),
    (b"PK\x03\x04 not really a zip", "台账.xlsx", "无法读取"),
    (b"", "台账.xlsx", "请选择"),
])
def test_malformed_and_non_xlsx_workbooks_are_refused_clearly(client, office, data, filename, message):
    before = counts()
    response = upload(client, data, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counts() == before


def test_an_oversized_workbook_is_refused(client, office, app, monkeypatch):
    data = workbook(enterprises=[an_enterprise_row()])
    before = counts()
    monkeypatch.setitem(app.config, "LEDGER_IMPORT_MAX_MB", 0.001)  # about 1 KB: the workbook is larger
    response = upload(client, data)
    assert response.status_code == 400 and "文件过大" in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)  # the whole request: the app's own 413
    response = upload(client, data)
    assert response.status_code == 413 and "文件过大" in response.get_data(as_text=True)
    assert counts() == before


def test_a_workbook_without_the_template_sheets_is_refused(client, office):
    wb = Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(["随便", "什么"])
    out = io.BytesIO()
    wb.save(out)
    response = upload(client, out.getvalue())
    assert response.status_code == 400 and "导入模板" in response.get_data(as_text=True)


def test_liaison_and_chain_masters_by_name_and_an_unchanged_file_offers_nothing_to_confirm(client, office):
    from tests.factories import person

    row = an_enterprise_row(**{"联点领导": "丁诚", "链主产业链": chain_name()})
    response = upload(client, workbook(enterprises=[row]))
    assert response.status_code == 200, errors_of(response)
    client.post("/ledger/import/apply", data={"token": token_of(response), "filename": "台账.xlsx"})
    enterprise = db.session.scalar(sa.select(Enterprise).where(Enterprise.uscc == valid_uscc(501)))
    assert enterprise.liaison_id == person("丁诚").id
    assert [(link.chain_id, link.is_master) for link in enterprise.chain_links] == [(first_chain().id, True)]

    response = upload(client, workbook(enterprises=[row]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 行与台账相同" in page and "/ledger/import/apply" not in page

    response = upload(client, workbook(enterprises=[dict(row, **{"联点领导": "查无此人"})]))
    assert response.status_code == 400
    assert any("企业第2行“联点领导”列" in e and "查无此人" in e for e in errors_of(response)), errors_of(response)
