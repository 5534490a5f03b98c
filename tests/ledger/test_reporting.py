"""Monthly reporting (报送) through the HTTP layer: a unit's month of figures saved whole or refused whole (negative,
future month, lower than last month without a reason, 完成投资 above 总投资, a late correction without a reason),
the submission with its due date on Chinese working days and its lateness, the revenue tier from a December
figure, the audit of every figure, chains by their leader unit, indicators per county / park, the compliance
view and the office's duties."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.calendar import set_override
from app.core.models import AuditEntry
from app.extensions import db
from app.ledger.models import (
    ChainFigure,
    Enterprise,
    EnterpriseFigure,
    IndicatorValue,
    Project,
    ProjectFigure,
    ReportingDuty,
    ReportSubject,
    ReportSubmission,
)
from app.ledger.reporting_calendar import due_date
from app.org.models import Chain, Target
from tests.factories import unit as unit_named

COUNTY = "湘潭县人民政府"  # xtx's unit
OTHER_COUNTY = "湘乡市人民政府"
FEB = "2026-02"


def enterprise(unit_name=COUNTY, uscc="914303000000000001", name="湘潭测试电机有限公司"):
    row = Enterprise(name=name, uscc=uscc, unit_id=unit_named(unit_name).id)
    db.session.add(row)
    db.session.flush()
    return row


def project(unit_name=COUNTY, code="XT-2026-001", total="1000"):
    row = Project(code=code, name=f"测试项目{code}", unit_id=unit_named(unit_name).id,
                  total_investment=Decimal(total))
    db.session.add(row)
    db.session.flush()
    return row


def figure(ent, month, revenue=None, output=None, tax=None):
    row = EnterpriseFigure(enterprise_id=ent.id, month=month, revenue=revenue, output=output, tax=tax)
    db.session.add(row)
    db.session.flush()
    return row


def post_enterprise(client, ent, month=FEB, revenue="100", output="", tax="", reason="", unit=None):
    prefix = f"r{ent.id}-0"
    query = f"?unit={unit}" if unit else ""
    return client.post(f"/ledger/reporting/enterprise_figures/{month}{query}",
                       data={f"{prefix}-revenue": revenue, f"{prefix}-output": output, f"{prefix}-tax": tax,
                             "reason": reason})


def page(response):
    return response.get_data(as_text=True)


def submissions():
    return db.session.scalars(sa.select(ReportSubmission)).all()


@pytest.fixture
def on_time(clock):
    clock.set(datetime(2026, 3, 3, 10, 0))  # February is due by the 5th working day of March: 2026-03-06
    return clock


def test_the_due_date_is_the_nth_working_day_of_the_following_month(app, user):
    assert due_date(date(2026, 2, 1), 5) == date(2026, 3, 6)  # March 2026 starts on a Monday
    assert due_date(date(2026, 2, 1), 1) == date(2026, 3, 2)
    set_override(user("admin"), date(2026, 3, 4), False, "测试：临时休息日")
    assert due_date(date(2026, 2, 1), 5) == date(2026, 3, 9)  # skips the day off and the weekend
    set_override(user("admin"), date(2026, 3, 7), True, "测试：调休上班")
    assert due_date(date(2026, 2, 1), 5) == date(2026, 3, 7)  # a Saturday made a working day counts


def test_a_county_reports_its_enterprise_figures_on_time_and_every_figure_is_audited(client, login_as, on_time):
    ent = enterprise()
    login_as("xtx")

    response = post_enterprise(client, ent, revenue="1234.5", output="2000", tax="88.12")

    assert response.status_code == 302
    row = db.session.scalar(sa.select(EnterpriseFigure).where(EnterpriseFigure.enterprise_id == ent.id))
    assert (row.month, row.revenue, row.output, row.tax) == (date(2026, 2, 1), Decimal("1234.50"),
                                                              Decimal("2000.00"), Decimal("88.12"))
    [submission] = submissions()
    assert (submission.month, submission.due_on, submission.is_late, submission.rows) == (
        date(2026, 2, 1), date(2026, 3, 6), False, 1)
    assert submission.duty.subject is ReportSubject.enterprise_figures
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "ledger.enterprise_figure.create"))
    assert audit.object_id == str(row.id) and audit.before is None
    assert audit.after == {"month": "2026-02-01", "revenue": "1234.50", "output": "2000.00", "tax": "88.12"}
    follow = client.get("/ledger/reporting/enterprise_figures/2026-02")
    assert "1234.5" in page(follow) and "湘潭测试电机有限公司" in page(follow)


def test_a_first_submission_after_the_due_date_is_late(client, login_as, clock):
    clock.set(datetime(2026, 3, 10, 9, 0))
    ent = enterprise()
    login_as("xtx")

    assert post_enterprise(client, ent).status_code == 302

    [submission] = submissions()
    assert submission.is_late is True and submission.due_on == date(2026, 3, 6)
    # the office's reporting page for the unit shows it yellow
    response = client.get("/ledger/reporting")
    assert "逾期报送" in page(response)


def test_a_negative_amount_is_refused_naming_the_row_and_field(client, login_as, on_time):
    ent = enterprise()
    login_as("xtx")

    response = post_enterprise(client, ent, revenue="-5")

    assert response.status_code == 422
    assert "企业“湘潭测试电机有限公司”：营业收入不能为负数" in page(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnterpriseFigure)) == 0
    assert submissions() == []


def test_a_bad_number_is_refused(client, login_as, on_time):
    ent = enterprise()
    login_as("xtx")

    response = post_enterprise(client, ent, tax="十万")

    assert response.status_code == 422 and "税收“十万”不是数字" in page(response)
    assert submissions() == []


@pytest.mark.parametrize("month", ["2026-03", "2026-04"])
def test_a_month_that_has_not_ended_is_refused(client, login_as, on_time, month):
    ent = enterprise()
    login_as("xtx")

    response = post_enterprise(client, ent, month=month)

    assert response.status_code == 422 and "尚未结束，不能报送" in page(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnterpriseFigure)) == 0


def test_a_cumulative_figure_lower_than_last_month_needs_a_reason(client, login_as, on_time):
    ent = enterprise()
    figure(ent, date(2026, 1, 1), revenue=Decimal("500"))
    login_as("xtx")

    refused = post_enterprise(client, ent, revenue="400")

    assert refused.status_code == 422
    assert "营业收入为年初至本月累计数，400 低于1月的累计数 500" in page(refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnterpriseFigure)) == 1

    accepted = post_enterprise(client, ent, revenue="400", reason="1月数据经统计局核减")
    assert accepted.status_code == 302
    row = db.session.scalar(sa.select(EnterpriseFigure).where(EnterpriseFigure.month == date(2026, 2, 1)))
    assert row.revenue == Decimal("400") and row.correction_reason == "1月数据经统计局核减"


def test_january_is_not_compared_with_last_december(client, login_as, clock):
    clock.set(datetime(2026, 2, 3, 10, 0))
    ent = enterprise()
    figure(ent, date(2025, 12, 1), revenue=Decimal("9000"))
    login_as("xtx")

    assert post_enterprise(client, ent, month="2026-01", revenue="700").status_code == 302


def test_a_correction_after_the_deadline_needs_a_reason_and_is_audited(client, login_as, clock):
    clock.set(datetime(2026, 3, 3, 10, 0))
    ent = enterprise()
    login_as("xtx")
    assert post_enterprise(client, ent, revenue="100").status_code == 302
    clock.set(datetime(2026, 3, 12, 10, 0))
    login_as("xtx")  # the session of nine days ago has lapsed

    refused = post_enterprise(client, ent, revenue="120")
    assert refused.status_code == 422
    assert "报送截止日（2026-03-06）已过，更正已报数据须填写说明" in page(refused)
    row = db.session.scalar(sa.select(EnterpriseFigure))
    db.session.refresh(row)
    assert row.revenue == Decimal("100")

    assert post_enterprise(client, ent, revenue="120", reason="企业补报发票").status_code == 302
    db.session.refresh(row)
    assert row.revenue == Decimal("120")
    update = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "ledger.enterprise_figure.update"))
    assert (update.before, update.after) == ({"revenue": "100.00"}, {"revenue": "120.00"})
    assert update.reason == "企业补报发票"
    [submission] = submissions()
    assert submission.is_late is False  # the first submission was on time; the correction does not change it


def test_the_same_figures_again_after_the_deadline_need_no_reason(client, login_as, clock):
    clock.set(datetime(2026, 3, 3, 10, 0))
    ent = enterprise()
    login_as("xtx")
    assert post_enterprise(client, ent, revenue="100").status_code == 302
    clock.set(datetime(2026, 3, 12, 10, 0))
    login_as("xtx")

    assert post_enterprise(client, ent, revenue="100").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action.like("ledger.enterprise_figure.%"))) == 1


def test_a_december_revenue_sets_the_tier_from_the_latest_full_year(client, login_as, clock):
    clock.set(datetime(2026, 1, 5, 10, 0))
    ent = enterprise()
    login_as("xtx")

    assert post_enterprise(client, ent, month="2025-12", revenue="1200000").status_code == 302  # 120亿元
    db.session.refresh(ent)
    assert (ent.revenue_tier, ent.tier_year) == (100, 2025)
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "ledger.enterprise.tier"))
    assert audit.after == {"revenue_tier": 100, "tier_year": 2025}

    # an older year's December does not override the latest full year
    assert post_enterprise(client, ent, month="2024-12", revenue="150000").status_code == 302
    db.session.refresh(ent)
    assert (ent.revenue_tier, ent.tier_year) == (100, 2025)
    # a correction of the latest December does
    assert post_enterprise(client, ent, month="2025-12", revenue="250000", reason="年报核定").status_code == 302
    db.session.refresh(ent)
    assert (ent.revenue_tier, ent.tier_year) == (20, 2025)


def test_a_non_december_month_leaves_the_tier(client, login_as, on_time):
    ent = enterprise()
    login_as("xtx")
    assert post_enterprise(client, ent, revenue="2000000").status_code == 302
    db.session.refresh(ent)
    assert ent.revenue_tier is None


def post_project(client, proj, month=FEB, invested="", funds="", reason=""):
    prefix = f"r{proj.id}-0"
    return client.post(f"/ledger/reporting/project_figures/{month}",
                       data={f"{prefix}-invested": invested, f"{prefix}-funds": funds, "reason": reason})


def test_project_investment_to_date_may_not_exceed_the_total(client, login_as, on_time):
    proj = project(total="1000")
    db.session.add(ProjectFigure(project_id=proj.id, month=date(2025, 11, 1), invested=Decimal("300")))
    db.session.add(ProjectFigure(project_id=proj.id, month=date(2025, 12, 1), invested=Decimal("600")))
    db.session.add(ProjectFigure(project_id=proj.id, month=date(2024, 12, 1), invested=Decimal("100")))
    db.session.flush()
    login_as("xtx")

    refused = post_project(client, proj, invested="350", funds="200")
    assert refused.status_code == 422
    assert "完成投资累计（开工以来 1050 万元，含以前年度 700 万元）超过总投资 1000 万元" in page(refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProjectFigure)
                             .where(ProjectFigure.month == date(2026, 2, 1))) == 0

    assert post_project(client, proj, invested="300", funds="200").status_code == 302
    row = db.session.scalar(sa.select(ProjectFigure).where(ProjectFigure.month == date(2026, 2, 1)))
    assert (row.invested, row.funds) == (Decimal("300"), Decimal("200"))


def test_funds_without_investment_are_refused(client, login_as, on_time):
    proj = project()
    login_as("xtx")

    response = post_project(client, proj, funds="50")
    assert response.status_code == 422 and "完成投资不能为空" in page(response)


def test_another_units_form_is_not_theirs_to_submit(client, login_as, on_time):
    ent = enterprise(OTHER_COUNTY)
    login_as("xtx")

    # the form of 湘潭县 does not list 湘乡市's enterprise: a posted field for it is not read
    response = post_enterprise(client, ent)
    assert response.status_code == 422 and "没有填写任何数据" in page(response)
    # and a unit cannot choose another unit's page (only the office may)
    response = post_enterprise(client, ent, unit=unit_named(OTHER_COUNTY).id)
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnterpriseFigure)) == 0


def test_the_office_reports_for_a_unit(client, login_as, on_time):
    ent = enterprise(OTHER_COUNTY)
    login_as("admin")

    assert post_enterprise(client, ent, unit=unit_named(OTHER_COUNTY).id).status_code == 302
    [submission] = submissions()
    assert submission.duty.unit_id == unit_named(OTHER_COUNTY).id


def test_a_chain_scale_is_reported_by_the_unit_that_runs_the_chain(client, login_as, on_time):
    chain = db.session.scalar(sa.select(Chain).where(Chain.leader_unit_id == unit_named("市工信局").id)
                              .order_by(Chain.sort_order))
    login_as("xtx")
    assert chain.name not in page(client.get(f"/ledger/reporting/chain_scale/{FEB}"))

    login_as("gxj")
    response = client.get(f"/ledger/reporting/chain_scale/{FEB}")
    assert chain.name in page(response)
    response = client.post(f"/ledger/reporting/chain_scale/{FEB}", data={f"r{chain.id}-0-scale": "123.45"})
    assert response.status_code == 302
    row = db.session.scalar(sa.select(ChainFigure).where(ChainFigure.chain_id == chain.id))
    assert row.scale == Decimal("123.45")
    [submission] = submissions()
    assert submission.duty.subject is ReportSubject.chain_scale


def test_an_indicator_is_reported_per_county_by_its_responsible_unit(client, login_as, on_time):
    target = db.session.scalar(sa.select(Target).where(Target.measure.is_(None), Target.breaks_down.is_(True),
                                                       Target.responsible_unit_id == unit_named("市发改委").id))
    county = unit_named(COUNTY)
    login_as("fgw")
    response = client.get(f"/ledger/reporting/indicator/{FEB}")
    assert target.text in page(response) and "湘潭县" in page(response)

    missing_source = client.post(f"/ledger/reporting/indicator/{FEB}",
                                 data={f"r{target.id}-{county.id}-value": "26.5"})
    assert missing_source.status_code == 422 and "请填写数据来源" in page(missing_source)

    response = client.post(f"/ledger/reporting/indicator/{FEB}",
                           data={f"r{target.id}-{county.id}-value": "26.5",
                                 f"r{target.id}-{county.id}-source_note": "市统计局2月月报",
                                 f"r{target.id}-0-value": "24", f"r{target.id}-0-source_note": "市统计局"})
    assert response.status_code == 302
    values = {v.unit_id: v.value for v in db.session.scalars(sa.select(IndicatorValue))}
    assert values == {county.id: Decimal("26.5"), None: Decimal("24")}
    negative = client.post(f"/ledger/reporting/indicator/{FEB}",
                           data={f"r{target.id}-0-value": "-1", f"r{target.id}-0-source_note": "市统计局",
                                 "reason": "更正"})
    assert negative.status_code == 422 and "指标值不能为负数" in page(negative)


def test_the_compliance_view_shows_missing_red_and_late_yellow(client, login_as, clock):
    clock.set(datetime(2026, 3, 10, 9, 0))
    county, other = unit_named(COUNTY), unit_named(OTHER_COUNTY)
    db.session.add(ReportingDuty(unit_id=other.id, subject=ReportSubject.enterprise_figures, due_workday=5))
    db.session.flush()
    ent = enterprise()
    login_as("xtx")
    assert post_enterprise(client, ent).status_code == 302  # late: due 2026-03-06

    login_as("shizhang")
    response = client.get(f"/ledger/reporting/compliance?month={FEB}")
    text = page(response)
    assert response.status_code == 200
    assert "2026年2月 月度报送情况" in text
    late_row = text[text.index(f"<td>{county.short_name}</td>") - 40:text.index(f"<td>{county.short_name}</td>")]
    assert "table-warning" in late_row
    missing_row = text[text.index(f"<td>{other.short_name}</td>") - 40:text.index(f"<td>{other.short_name}</td>")]
    assert "table-danger" in missing_row
    assert "未报送（已逾期） 1" in text and "逾期报送 1" in text
    # before the due date nothing is red yet
    clock.set(datetime(2026, 3, 4, 9, 0))
    assert "未报送（已逾期） 0" in page(client.get(f"/ledger/reporting/compliance?month={FEB}"))


def test_the_compliance_view_has_constant_statements(client, login_as, clock, count_queries):
    clock.set(datetime(2026, 3, 10, 9, 0))
    login_as("admin")
    unit_ids = [unit_named(name).id for name in (COUNTY, OTHER_COUNTY)]

    def statements():
        with count_queries() as counter:
            assert client.get(f"/ledger/reporting/compliance?month={FEB}").status_code == 200
        return counter.count

    db.session.add(ReportingDuty(unit_id=unit_ids[0], subject=ReportSubject.enterprise_figures))
    db.session.flush()
    statements()  # the first request of the test loads what later ones reuse
    few = statements()
    for unit_id in unit_ids:
        db.session.add(ReportingDuty(unit_id=unit_id, subject=ReportSubject.project_figures))
    db.session.add(ReportingDuty(unit_id=unit_ids[1], subject=ReportSubject.enterprise_figures))
    db.session.flush()
    assert statements() == few


def test_the_office_sets_duties(client, login_as, on_time):
    enterprise()
    login_as("admin")
    county = unit_named(COUNTY)

    bad = client.post("/ledger/reporting/duties", data={"unit_id": county.id, "subject": "enterprise_figures",
                                                        "target_id": "", "due_workday": "0"})
    assert bad.status_code == 400 and "截止日应为次月第 1 至第 20 个工作日" in page(bad)
    no_target = client.post("/ledger/reporting/duties", data={"unit_id": county.id, "subject": "indicator",
                                                              "target_id": "", "due_workday": "5"})
    assert no_target.status_code == 400 and "请选择一项由单位填报的指标" in page(no_target)

    assert client.post("/ledger/reporting/duties", data={"unit_id": county.id, "subject": "enterprise_figures",
                                                         "target_id": "", "due_workday": "3"}).status_code == 302
    duty = db.session.scalar(sa.select(ReportingDuty))
    assert (duty.unit_id, duty.subject, duty.due_workday) == (county.id, ReportSubject.enterprise_figures, 3)
    twice = client.post("/ledger/reporting/duties", data={"unit_id": county.id, "subject": "enterprise_figures",
                                                          "target_id": "", "due_workday": "4"})
    assert twice.status_code == 400 and "已有" in page(twice)

    assert client.post(f"/ledger/reporting/duties/{duty.id}", data={"due_workday": "7"}).status_code == 302
    db.session.refresh(duty)
    assert (duty.due_workday, duty.is_active) == (7, False)
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "ledger.duty.update")).after == {
        "due_workday": 7, "is_active": False}

    assert client.post("/ledger/reporting/default-duties").status_code == 302
    keys = {(d.unit_id, d.subject, d.target_id) for d in db.session.scalars(sa.select(ReportingDuty))}
    assert (county.id, ReportSubject.enterprise_figures, None) in keys
    assert (unit_named("市工信局").id, ReportSubject.chain_scale, None) in keys
    assert any(subject is ReportSubject.indicator and unit_id == unit_named("市发改委").id
               for unit_id, subject, _ in keys)
    assert (county.id, ReportSubject.project_figures, None) not in keys  # no project there
    db.session.refresh(duty)
    assert duty.is_active is False  # left as the office set it
    assert "湘潭县" in page(client.get("/ledger/reporting/duties"))


def test_the_units_page_lists_its_duties_of_last_month(client, login_as, on_time):
    db.session.add(ReportingDuty(unit_id=unit_named(COUNTY).id, subject=ReportSubject.enterprise_figures,
                                 due_workday=5))
    db.session.flush()
    login_as("xtx")

    text = page(client.get("/ledger/reporting"))
    assert "2026年2月" in text and "企业月度数据" in text and "2026-03-06" in text and "未到截止日" in text


def test_the_reporting_form_has_constant_statements(client, login_as, on_time, count_queries):
    first = enterprise()
    figure(first, date(2026, 1, 1), revenue=Decimal("5"))
    login_as("xtx")

    def statements():
        with count_queries() as counter:
            assert client.get(f"/ledger/reporting/enterprise_figures/{FEB}").status_code == 200
        return counter.count

    statements()  # the first request of the test loads what later ones reuse
    few = statements()
    for n in range(2, 7):
        figure(enterprise(uscc=f"91430300000000010{n}", name=f"测试企业{n}"), date(2026, 1, 1), revenue=Decimal(n))
    db.session.commit()
    assert statements() == few
