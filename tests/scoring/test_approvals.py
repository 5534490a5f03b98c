"""The approval chain of results (附件2 一, 四, 五(一)3) on the real database and over HTTP: the office's 考评意见,
the leadership group's 审定 of a quarter (date and 文号) and of the year, the annual results frozen when approved
(later changes to policy rates never move them) and reopened only with a recorded reason, and the result sheets of
the units reported to a superior department or parent company, with the record of when each was sent."""

import copy
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.core.clock import today
from app.core.errors import Conflict, PermissionDenied
from app.core.models import AuditEntry
from app.extensions import db
from app.scoring.approvals import finalize_year, opinion_of, record_dispatch, reopen_year, set_opinion
from app.scoring.models import (
    AnnualReopening,
    FailDecision,
    PolicyRate,
    ResultDispatch,
    ResultOpinion,
    ScoringQuarter,
    YearSetting,
)
from app.scoring.reports import quarter_report, year_report
from app.scoring.services import finalize_quarter, reopen_quarter
from app.scoring.year_inputs import delete_fail_decision, record_fail_decision, set_policy_rate, set_province_first
from app.scoring.year_rules import ensure_year_rules
from tests.factories import account, unit
from tests.helpers import refused_writing_nothing
from tests.scoring.test_results_views import row_of
from tests.scoring.test_services import approve, at, fill_quarter

D = date.fromisoformat
YEAR = 2025
COUNTY = "湘潭县人民政府"
TAX = "市税务局"  # reported to its superior department (五(一)3)
POWER = "国网湘潭供电公司"  # reported to its parent company
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def counts():
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in
                 (ScoringQuarter, ResultOpinion, YearSetting, AnnualReopening, ResultDispatch, PolicyRate,
                  FailDecision, AuditEntry))


def refused(call, *fragments, status=422):
    """`call()` is refused with a Chinese message containing `fragments`, and nothing is written."""
    return refused_writing_nothing(call, counts, *fragments, status=status)


@pytest.fixture
def admin(clock):
    at(clock, D("2026-01-20"))
    ensure_year_rules(account("admin"), YEAR)
    return account("admin")


def four_quarters(admin, quarters=(1, 2, 3, 4)):
    """Complete entries for every quarter; the given ones approved (opinion, 审定 at the quarter's end)."""
    for q in (1, 2, 3, 4):
        fill_quarter(YEAR, q)
    for q in quarters:
        approve(admin, YEAR, q, D(f"{YEAR}-{3 * q:02d}-{30 if q in (2, 3) else 31}"))


def freeze(admin, approved_on=D("2026-01-18"), doc_number="潭千百十〔2026〕2号"):
    if opinion_of(YEAR) is None:
        set_opinion(admin, YEAR, None, "2025年度考评结果经汇总核对，建议审定。", D("2026-01-15"))
    return finalize_year(admin, YEAR, D("2026-01-15"), approved_on, doc_number)


def audits(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


# --- 考评意见 -------------------------------------------------------------------------------------------------

def test_the_office_writes_and_edits_an_opinion_audited_and_only_the_office(admin):
    row = set_opinion(admin, YEAR, 2, "第二季度结果经核对无误。", D("2025-07-08"))
    set_opinion(admin, YEAR, 2, "第二季度结果经核对无误，建议审定。", D("2025-07-09"))
    assert (row.quarter, row.opinion, row.opinion_on, row.opinion_by_id) == (
        2, "第二季度结果经核对无误，建议审定。", D("2025-07-09"), admin.id)
    first, second = audits("result_opinion.set")
    assert first.before is None and first.after["opinion"] == "第二季度结果经核对无误。"
    assert second.before == {"opinion": "第二季度结果经核对无误。", "opinion_on": "2025-07-08"}
    with pytest.raises(PermissionDenied):
        set_opinion(account("gxj"), YEAR, 2, "越权", D("2025-07-09"))
    assert refused(lambda: set_opinion(admin, YEAR, 2, "   ", D("2025-07-09")), "请填写考评意见").field == "opinion"
    assert refused(lambda: set_opinion(admin, YEAR, 2, "意见", None), "日期").field == "opinion_on"
    assert refused(lambda: set_opinion(admin, YEAR, 2, "意见", today() + timedelta(days=1)), "不能晚于今天")
    assert refused(lambda: set_opinion(admin, YEAR, 2, "意见\x00", D("2025-07-09")), "控制字符", status=400)
    refused(lambda: set_opinion(admin, YEAR, 2, "长" * 4001, D("2025-07-09")), "不能超过 4000")
    # the year's opinion is its own row (quarter NULL)
    set_opinion(admin, YEAR, None, "年度意见", D("2026-01-10"))
    assert opinion_of(YEAR).opinion == "年度意见" and opinion_of(YEAR, 2).opinion.endswith("建议审定。")


# --- the 审定 of a quarter ---------------------------------------------------------------------------------------

def test_a_quarter_approval_needs_its_date_its_doc_number_and_the_opinion(admin):
    fill_quarter(YEAR, 1)
    ok = {"approved_on": D("2025-04-10"), "doc_number": "潭千百十〔2025〕5号"}

    def finalize(**changes):
        return lambda: finalize_quarter(admin, YEAR, 1, D("2025-03-31"), **dict(ok, **changes))

    assert refused(finalize(doc_number=None), "请填写领导小组审定的文号").field == "doc_number"
    assert refused(finalize(doc_number="   "), "潭千百十〔2026〕5号").field == "doc_number"
    assert refused(finalize(approved_on=None), "请填写领导小组审定的日期").field == "approved_on"
    tomorrow = today() + timedelta(days=1)
    assert refused(finalize(approved_on=tomorrow), "审定日期不能晚于今天（2026-01-20）").field == "approved_on"
    assert refused(finalize(approved_on=D("2025-03-30")), "不能早于2025年第1季度结束（2025-03-31）").field == \
        "approved_on"
    assert refused(finalize(), "尚无千百十办的考评意见").code == "no_opinion"
    with pytest.raises(TypeError):  # positional approval details are not accepted: they are named
        finalize_quarter(admin, YEAR, 1, D("2025-03-31"), D("2025-04-10"), "潭千百十〔2025〕5号")

    set_opinion(admin, YEAR, 1, "一季度结果经核对无误，建议审定。", D("2025-04-08"))
    state = finalize()()

    assert (state.approved_on, state.doc_number) == (D("2025-04-10"), "潭千百十〔2025〕5号")
    assert state.snapshot["approved_on"] == "2025-04-10" and state.snapshot["doc_number"] == "潭千百十〔2025〕5号"
    assert state.snapshot["opinion"]["opinion"] == "一季度结果经核对无误，建议审定。"
    audit = audits("quarter.finalize")[-1]
    assert audit.after["doc_number"] == "潭千百十〔2025〕5号" and audit.after["approved_on"] == "2025-04-10"
    # the opinion is frozen with the quarter: changing it is refused, the snapshot keeps it
    assert refused(lambda: set_opinion(admin, YEAR, 1, "改", D("2025-04-12")), "重新打开本季度", status=409)
    reopen_quarter(admin, YEAR, 1, "更正")
    assert (state.approved_on, state.doc_number) == (None, None)
    assert set_opinion(admin, YEAR, 1, "更正后的意见", D("2025-04-12")).opinion == "更正后的意见"


def test_the_quarter_page_shows_the_opinion_and_the_approval_and_its_form_requires_them(client, login_as, admin):
    fill_quarter(YEAR, 1)
    login_as("admin")
    url = f"/scoring/{YEAR}/q1"
    form = client.get(url).text
    assert 'name="approved_on"' in form and 'name="doc_number"' in form and 'name="opinion-opinion"' in form

    def post(**data):
        data = {"evaluated_on": "2025-03-31", "approved_on": "2025-04-10", "doc_number": "潭千百十〔2025〕5号", **data}
        return client.post(f"{url}/finalize", data=data, follow_redirects=True).text

    assert "请填写审定文号。" in post(doc_number="")
    assert "请填写领导小组审定的日期。" in post(approved_on="")
    assert "审定日期不能晚于今天（2026-01-20），请填写领导小组实际审定的日期。" in post(approved_on="2026-01-21")
    assert "审定日期不能早于本季度结束（2025-03-31），请重新填写。" in post(approved_on="2025-03-30")
    assert "尚无千百十办的考评意见" in post()
    assert db.session.scalar(sa.select(ScoringQuarter.id)) is None

    client.post(f"{url}/opinion", data={"opinion-opinion": "经核对无误，\n建议审定。",
                                        "opinion-opinion_on": "2025-04-08"})
    page = post()
    assert "考评结果已审定（潭千百十〔2025〕5号，审定日期 2025-04-10，评价日期 2025-03-31）。" in page
    assert "领导小组审定：2025-04-10，潭千百十〔2025〕5号" in page
    assert "经核对无误，<br>建议审定。" in page
    assert "千百十办考评意见（2025-04-08，千百十办管理员）：经核对无误，\n建议审定。" in page
    assert 'name="opinion-opinion"' not in page  # frozen: no form


# --- the year: frozen when approved ------------------------------------------------------------------------------

def test_finalizing_the_year_needs_four_approved_quarters_its_opinion_and_the_approval(admin):
    four_quarters(admin, quarters=(1, 2, 3))
    set_opinion(admin, YEAR, None, "年度结果经汇总核对，建议审定。", D("2026-01-15"))
    call = lambda **kw: lambda: finalize_year(admin, YEAR, D("2026-01-15"), **{  # noqa: E731
        "approved_on": D("2026-01-18"), "doc_number": "潭千百十〔2026〕2号", **kw})
    assert refused(call(), "第四季度考评结果尚未审定").code == "quarters_open"
    approve(admin, YEAR, 4, D("2025-12-31"))
    db.session.delete(opinion_of(YEAR))
    db.session.flush()
    assert refused(call(), "2025年度尚无千百十办的考评意见").code == "no_opinion"
    set_opinion(admin, YEAR, None, "年度结果经汇总核对，建议审定。", D("2026-01-15"))
    assert refused(call(doc_number=""), "文号").field == "doc_number"
    assert refused(call(approved_on=D("2026-01-21")), "不能晚于今天").field == "approved_on"
    assert refused(call(approved_on=D("2025-12-30")), "不能早于2025年度结束（2025-12-31）").field == "approved_on"
    with pytest.raises(PermissionDenied):
        finalize_year(account("shizhang"), YEAR, D("2026-01-15"), D("2026-01-18"), "潭千百十〔2026〕2号")

    setting = call()()

    assert (setting.annual_approved_on, setting.annual_doc_number) == (D("2026-01-18"), "潭千百十〔2026〕2号")
    assert setting.annual_finalized_by_id == admin.id and setting.annual_finalized_at is not None
    live = year_report(YEAR, D("2026-01-15"), live=True)
    frozen = year_report(YEAR, D("2026-06-30"))
    assert frozen["status"] == "frozen" and frozen["units"] == live["units"]
    assert frozen["quarter_status"] == {1: "finalized", 2: "finalized", 3: "finalized", 4: "finalized"}
    assert frozen["opinion"]["opinion"] == "年度结果经汇总核对，建议审定。"
    assert frozen["doc_number"] == "潭千百十〔2026〕2号"
    assert audits("year.finalize")[-1].after["doc_number"] == "潭千百十〔2026〕2号"
    with pytest.raises(Conflict):
        call()()


def test_a_frozen_years_page_does_not_move_when_a_policy_rate_changes_until_it_is_reopened(client, login_as, admin):
    four_quarters(admin)
    county = unit(COUNTY)
    set_policy_rate(admin, YEAR, county, "95")
    freeze(admin)
    login_as("admin")
    url = f"/scoring/{YEAR}"
    before = client.get(url).text
    cells = row_of(before, county.name)
    assert cells[7:11] == ["15.00", "95.00%", "—", "15.00"]  # 名次得分, 政策兑现率, 扣分, 千百十工程得分
    assert "年度结果已审定" in before and "领导小组审定：2026-01-18，潭千百十〔2026〕2号" in before

    # the rate changes behind the services' back (they refuse while frozen): the frozen figures stay
    db.session.execute(sa.update(PolicyRate).where(PolicyRate.unit_id == county.id).values(rate=Decimal("80")))
    db.session.execute(sa.update(YearSetting).where(YearSetting.year == YEAR).values(province_first=True))
    db.session.expire_all()
    assert row_of(client.get(url).text, county.name)[7:11] == cells[7:11]
    assert year_report(YEAR, D("2026-01-20"))["province_first"] is False

    reopened = client.post(f"{url}/reopen", data={"reason": "市财政局更正湘潭县政策兑现率"}, follow_redirects=True)
    assert "2025年度考评结果已重新打开，理由已记录。" in reopened.text
    assert "市财政局更正湘潭县政策兑现率" in reopened.text  # the reopening is shown on the year page
    db.session.execute(sa.update(YearSetting).where(YearSetting.year == YEAR).values(province_first=False))
    db.session.expire_all()
    moved = row_of(client.get(url).text, county.name)
    assert moved[7:11] == ["15.00", "80.00%", "−3.00", "12.00"]


def test_the_years_inputs_are_refused_while_it_is_frozen(admin):
    four_quarters(admin)
    decision = record_fail_decision(admin, YEAR, unit("市科协"), "年度重点任务未完成", D("2026-01-10"))
    freeze(admin)
    county = unit(COUNTY)
    for call in (lambda: set_policy_rate(admin, YEAR, county, "80"),
                 lambda: set_province_first(admin, YEAR, True, "省通报"),
                 lambda: record_fail_decision(admin, YEAR, unit("市统计局"), "未完成", D("2026-01-19")),
                 lambda: delete_fail_decision(admin, decision, "撤销")):
        error = refused(call, "已经领导小组审定并冻结", "重新打开年度结果", status=409)
        assert error.code == "year_frozen"
    assert refused(lambda: reopen_quarter(admin, YEAR, 2, "更正"), "重新打开年度结果", status=409).code == \
        "year_frozen"
    assert refused(lambda: set_opinion(admin, YEAR, None, "改", D("2026-01-19")), "重新打开年度结果", status=409)
    reopen_year(admin, YEAR, "更正政策兑现率")
    assert set_policy_rate(admin, YEAR, county, "80").rate == Decimal("80")


def test_the_year_admin_page_says_the_year_is_frozen(client, login_as, admin):
    four_quarters(admin)
    freeze(admin)
    login_as("admin")
    county = unit(COUNTY)
    response = client.post(f"/scoring/{YEAR}/admin", data={f"rates-rate_{county.id}": "80",
                                                            "rates-submit": "保存政策兑现率"})
    assert response.status_code == 400
    assert "2025年度考评结果已经领导小组审定并冻结，不能再修改政策兑现率" in response.text
    assert db.session.scalar(sa.select(PolicyRate.id)) is None
    notice = "2025年度考评结果已经领导小组审定并冻结（潭千百十〔2026〕2号，2026-01-18）：本页各项不能再修改。"
    assert notice in client.get(f"/scoring/{YEAR}/admin").text
    reopen_year(admin, YEAR, "更正")
    db.session.commit()
    assert notice not in client.get(f"/scoring/{YEAR}/admin").text


def test_reopening_the_year_needs_a_reason_and_keeps_the_previous_snapshot(admin):
    assert refused(lambda: reopen_year(admin, YEAR, "更正"), "尚未审定", status=409).code == "not_finalized"
    four_quarters(admin)
    setting = freeze(admin)
    snapshot = copy.deepcopy(setting.annual_snapshot)
    for reason in (None, "", "  "):
        assert refused(lambda r=reason: reopen_year(admin, YEAR, r), "必须说明理由").field == "reason"
    with pytest.raises(PermissionDenied):
        reopen_year(account("gxj"), YEAR, "更正")

    reopen_year(admin, YEAR, "人民银行市中心支行等次更正")

    row = db.session.scalar(sa.select(AnnualReopening))
    assert (row.year, row.reason, row.by_id) == (YEAR, "人民银行市中心支行等次更正", admin.id)
    assert row.previous_snapshot == snapshot
    assert setting.annual_snapshot is None and setting.annual_finalized_at is None
    assert (setting.annual_approved_on, setting.annual_doc_number) == (None, None)
    assert year_report(YEAR, D("2026-01-20"))["status"] == "open"
    audit = audits("year.reopen")[-1]
    assert audit.reason == "人民银行市中心支行等次更正" and audit.before["doc_number"] == "潭千百十〔2026〕2号"
    # approved again, with another 文号
    assert freeze(admin, doc_number="潭千百十〔2026〕3号").annual_doc_number == "潭千百十〔2026〕3号"


def test_the_year_page_form_freezes_and_refuses_an_open_quarter(client, login_as, admin):
    four_quarters(admin, quarters=(1, 2, 3))
    login_as("admin")
    url = f"/scoring/{YEAR}"
    data = {"evaluated_on": "2026-01-15", "approved_on": "2026-01-18", "doc_number": "潭千百十〔2026〕2号"}
    assert "请填写审定文号。" in client.post(f"{url}/finalize", data=dict(data, doc_number=""),
                                        follow_redirects=True).text
    assert "2025年第四季度考评结果尚未审定" in client.post(f"{url}/finalize", data=data, follow_redirects=True).text
    approve(admin, YEAR, 4, D("2025-12-31"))
    db.session.commit()  # as a request would: the refused request below rolls back what is not committed
    assert "2025年度尚无千百十办的考评意见" in client.post(f"{url}/finalize", data=data, follow_redirects=True).text
    client.post(f"{url}/opinion", data={"opinion-opinion": "年度结果建议审定。", "opinion-opinion_on": "2026-01-15"})
    page = client.post(f"{url}/finalize", data=data, follow_redirects=True).text
    assert "2025年度考评结果已审定（潭千百十〔2026〕2号，2026-01-18），结果已冻结。" in page
    assert "千百十办考评意见（2026-01-15，千百十办管理员）：年度结果建议审定。" in page
    assert "请说明理由" in page or "重新打开的理由" in page
    assert "请填写重新打开的理由。" in client.post(f"{url}/reopen", data={"reason": ""}, follow_redirects=True).text
    assert db.session.get(YearSetting, YEAR).annual_finalized_at is not None


# --- result sheets (五(一)3) ---------------------------------------------------------------------------------------

def test_result_sheets_list_print_and_excel_of_the_units_reported_upward(client, login_as, admin):
    four_quarters(admin)
    freeze(admin)
    tax, power = unit(TAX), unit(POWER)
    login_as("shizhang")  # the leaders read them

    listing = client.get(f"/scoring/{YEAR}/result-sheets")
    assert listing.status_code == 200
    for name in ("市税务局", "湘潭银保监分局", "人民银行市中心支行", "市通管办", "国防光缆湘潭维护站",
                 "国网湘潭供电公司", "湘潭新奥燃气有限公司", "湘潭中环水务有限公司"):
        assert f'<td class="unit-col">{name}</td>' in listing.text, name
    assert COUNTY not in listing.text and "已报送 0 家" in listing.text

    sheet = client.get(f"/scoring/{YEAR}/result-sheets/{tax.id}")
    assert sheet.status_code == 200
    report = year_report(YEAR, D("2026-01-20"))
    row = next(r for r in report["units"] if r["unit_id"] == tax.id)
    text = sheet.text
    assert "湘潭市产业强市“千百十”工程2025年度考评结果" in text and "单位：<strong>市税务局</strong>" in text
    for value in row["quarters"] + [row["assessed_score"], row["points"]]:
        assert value in text
    assert f"第 {row['rank']} 名" in text and f"等次：{row['grade_label']}" in text
    assert "领导小组审定：2026-01-18，潭千百十〔2026〕2号" in text and "报上级主管部门：上级主管部门" in text
    assert "记录报送" not in text  # only the office records
    assert "报上级公司：上级公司" in client.get(f"/scoring/{YEAR}/result-sheets/{power.id}").text

    response = client.get(f"/scoring/{YEAR}/result-sheets/{tax.id}.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    ws = load_workbook(io.BytesIO(response.data)).worksheets[0]
    cells = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert ws.cell(1, 1).value == "湘潭市产业强市“千百十”工程2025年度考评结果"
    assert ws.cell(2, 1).value.startswith("单位：市税务局")
    assert Decimal(str(cells["第一季度"])) == Decimal(row["quarters"][0])
    assert Decimal(str(cells["年度得分"])) == Decimal(row["assessed_score"])
    assert cells["领导小组审定"] == "2026-01-18，潭千百十〔2026〕2号"
    assert cells["报送"] == "报上级主管部门：上级主管部门"
    assert (ws.page_setup.orientation, str(ws.page_setup.paperSize)) == ("portrait", "9")  # A4

    assert client.get(f"/scoring/{YEAR}/result-sheets/{unit(COUNTY).id}").status_code == 404
    login_as("xtx")
    assert client.get(f"/scoring/{YEAR}/result-sheets/{tax.id}").status_code == 403


def test_the_office_records_a_dispatch_audited_and_listed_as_sent(client, login_as, admin):
    four_quarters(admin)
    freeze(admin)
    tax = unit(TAX)
    login_as("admin")
    url = f"/scoring/{YEAR}/result-sheets/{tax.id}"
    assert "记录报送" in client.get(url).text
    page = client.post(f"{url}/dispatch", data={"sent_on": "2026-01-19", "sent_to": "",
                                                "doc_number": "潭千百十函〔2026〕1号", "note": ""},
                       follow_redirects=True).text
    assert "已记录：市税务局的年度考评结果于 2026-01-19 报送上级主管部门。" in page
    dispatch = db.session.scalar(sa.select(ResultDispatch))
    assert (dispatch.unit_id, dispatch.sent_on, dispatch.sent_to, dispatch.doc_number, dispatch.sent_by_id) == (
        tax.id, D("2026-01-19"), "上级主管部门", "潭千百十函〔2026〕1号", admin.id)
    # corrected: one row, audited with before and after
    record_dispatch(admin, YEAR, tax.id, D("2026-01-20"), "国家税务总局湘潭市税务局上级局", None, "快递")
    first, second = audits("result_dispatch.set")
    assert first.before is None and second.before["sent_on"] == "2026-01-19"
    assert second.after["sent_to"] == "国家税务总局湘潭市税务局上级局"
    listing = client.get(f"/scoring/{YEAR}/result-sheets").text
    assert "已报送 1 家" in listing and "2026-01-20 国家税务总局湘潭市税务局上级局" in listing
    assert listing.count("未报送") == 7

    assert "请填写报送日期。" in client.post(f"{url}/dispatch", data={"sent_on": ""}, follow_redirects=True).text
    assert refused(lambda: record_dispatch(admin, YEAR, tax.id, today() + timedelta(days=1)), "不能晚于今天")
    assert refused(lambda: record_dispatch(admin, YEAR, tax.id, D("2026-01-17")), "不能早于年度考评结果的审定日期")
    with pytest.raises(PermissionDenied):
        record_dispatch(account("shizhang"), YEAR, tax.id, D("2026-01-19"))


def test_a_dispatch_for_a_unit_not_reported_upward_or_a_year_not_frozen_is_refused(client, login_as, admin):
    four_quarters(admin)
    tax, county = unit(TAX), unit(COUNTY)
    error = refused(lambda: record_dispatch(admin, YEAR, tax.id, D("2026-01-19")), "尚未经领导小组审定冻结", status=409)
    assert error.code == "year_not_frozen"
    login_as("admin")
    assert client.get(f"/scoring/{YEAR}/result-sheets/{tax.id}").status_code == 404
    assert "尚未经领导小组审定冻结" in client.get(f"/scoring/{YEAR}/result-sheets").text
    freeze(admin)
    error = refused(lambda: record_dispatch(admin, YEAR, county.id, D("2026-01-19")),
                    "湘潭县人民政府的年度考评结果不报送")
    assert error.code == "not_reported"
    page = client.post(f"/scoring/{YEAR}/result-sheets/{county.id}/dispatch", data={"sent_on": "2026-01-19"},
                       follow_redirects=True)
    assert "湘潭县人民政府的年度考评结果不报送上级主管部门或上级公司" in page.text
    assert db.session.scalar(sa.select(ResultDispatch.id)) is None


# --- the frozen year's page reads one row: its statements do not grow ---------------------------------------

def test_the_frozen_year_page_reads_the_snapshot_without_computing(client, login_as, admin, count_queries):
    four_quarters(admin)
    freeze(admin)
    login_as("admin")
    url = f"/scoring/{YEAR}"
    client.get(url)
    with count_queries() as first:
        client.get(url)
    for i in range(3):
        reopen_year(admin, YEAR, f"第 {i + 1} 次更正")
        freeze(admin)
    db.session.flush()
    with count_queries() as later:
        assert "第 3 次更正" in client.get(url).text
    assert later.count == first.count
    assert not any("score_entries" in s for s in later.statements)  # nothing computed: the snapshot
    assert quarter_report(YEAR, 1, D("2026-01-20"))["status"] == "finalized"



def test_the_result_sheets_list_reads_a_constant_number_of_statements(client, login_as, admin, count_queries):
    four_quarters(admin)
    freeze(admin)
    login_as("admin")
    url = f"/scoring/{YEAR}/result-sheets"
    client.get(url)
    with count_queries() as none_sent:
        assert "已报送 0 家" in client.get(url).text
    for name in (TAX, POWER, "市通管办"):
        record_dispatch(admin, YEAR, unit(name).id, D("2026-01-19"))
    db.session.flush()
    with count_queries() as three_sent:
        assert "已报送 3 家" in client.get(url).text
    assert three_sent.count == none_sent.count
