"""The enterprise list (its query parameters are a contract other pages link to), its Excel export, the page of an
enterprise with its figures and projects, and the constant statement count of the list."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.ledger import enterprises as services
from app.ledger.models import EnterpriseFigure, Project, Registry, SpecializedLevel
from tests.factories import account, chain, person, unit
from tests.ledger.test_enterprises import COUNTY, PARK, TODAY, make, uscc


def figure(enterprise, month, revenue, output=None, tax=None):
    db.session.add(EnterpriseFigure(enterprise_id=enterprise.id, month=month, revenue=Decimal(revenue),
                                    output=Decimal(output) if output else None,
                                    tax=Decimal(tax) if tax else None))


def member(enterprise, kind, starts_on=date(2025, 1, 1), ends_on=None, level=None, year=None, plan=""):
    membership = services.add_membership(account("admin"), enterprise, kind=kind, level=level, year=year,
                                         starts_on=starts_on, reason="测试", plan_document=plan, today=TODAY)
    if ends_on:
        services.end_membership(account("admin"), membership, ends_on=ends_on, reason="测试", today=TODAY)
    return membership


@pytest.fixture
def three():
    """甲 (county, 100亿级, 规上, 联点, in 培育库, 挂牌), 乙 (park, no tier, not 规上, 国家级小巨人),
    丙 (county, 10亿级, 规上, its 培育库 entry ended)."""
    jia = make(name="甲机械股份有限公司", n=1, chains=("高端装备制造",), masters=("高端装备制造",),
               liaison=person("丁诚").id, revenue_tier=100, tier_year=2025, listing_stage="quoted")
    yi = make(name="乙新材料有限公司", n=2, unit_name=PARK, chains=("精品钢材及新材料",), since=None)
    bing = make(name="丙电子科技有限公司", n=3, chains=("电子信息和新一代信息技术",), revenue_tier=10)
    member(jia, Registry.cultivation)
    member(yi, Registry.specialized, level=SpecializedLevel.national, year=2024)
    member(yi, Registry.exit_risk, ends_on=date(2025, 6, 1))
    member(bing, Registry.cultivation, ends_on=date(2025, 12, 31))
    figure(jia, date(2026, 1, 1), "100000", tax="3000")
    figure(jia, date(2026, 2, 1), "1234567.8", tax="4567.25")
    db.session.flush()
    return {"甲": jia, "乙": yi, "丙": bing}


NAMES = {"甲": "甲机械股份有限公司", "乙": "乙新材料有限公司", "丙": "丙电子科技有限公司"}


def listed(client, query=""):
    response = client.get(f"/ledger/enterprises{query}")
    assert response.status_code == 200
    return {key for key, name in NAMES.items() if name in response.text}


@pytest.mark.parametrize(("query", "expected"), [
    ("", {"甲", "乙", "丙"}),
    ("?unit={county}", {"甲", "丙"}),
    ("?chain={machinery}", {"甲"}),
    ("?tier=100", {"甲"}),
    ("?tier=10", {"丙"}),
    ("?tier=0", {"乙"}),
    ("?registry=cultivation", {"甲"}),
    ("?registry=specialized&level=national", {"乙"}),
    ("?registry=specialized&level=city", set()),
    ("?level=national", {"乙"}),
    ("?registry=exit_risk", set()),
    ("?listing=quoted", {"甲"}),
    ("?listing=listed", set()),
    ("?above_scale=1", {"甲", "丙"}),
    ("?above_scale=0", {"乙"}),
    ("?liaison=1", {"甲"}),
    ("?liaison=0", {"乙", "丙"}),
    ("?q=机械", {"甲"}),
    ("?q={yi_code}", {"乙"}),
    ("?q=%25", set()),
    ("?unit={county}&above_scale=1&tier=10", {"丙"}),
    ("?tier=abc&unit=x&registry=nope&above_scale=2&page=-3", {"甲", "乙", "丙"}),
], ids=lambda value: value if isinstance(value, str) else None)
def test_each_filter_of_the_list(client, login_as, clock, three, query, expected):
    login_as("admin")
    query = query.format(county=unit(COUNTY).id, machinery=chain("高端装备制造").id, yi_code=uscc(2))
    assert listed(client, query) == expected


def test_the_list_shows_active_enterprises_unless_asked_for_the_others(client, login_as, clock, three):
    three["乙"].is_active = False
    db.session.flush()
    login_as("admin")
    assert listed(client) == {"甲", "丙"}
    assert listed(client, "?active=0") == {"乙"}
    assert listed(client, "?active=0&tier=0") == {"乙"}
    assert listed(client, "?active=1") == {"甲", "丙"}


def test_a_row_shows_chains_tier_latest_cumulative_figures_and_current_registries(client, login_as, clock, three):
    login_as("admin")
    text = client.get("/ledger/enterprises?unit=" + str(unit(COUNTY).id)).text
    assert "1,234,567.80" in text and "4,567.25" in text and "2026-02" in text
    assert "链主" in text and "100亿级" in text and "10亿级" in text
    assert "小升规重点企业培育库" in text.split(NAMES["甲"])[1].split("</tr>")[0]
    assert "小升规重点企业培育库" not in text.split(NAMES["丙"])[1].split("</tr>")[0]  # ended
    assert "共 <strong>2</strong> 家" in text and "100亿级 1 家" in text


def test_the_list_sorts_by_tier_then_name(client, login_as, clock, three):
    login_as("admin")
    text = client.get("/ledger/enterprises?sort=tier").text
    assert text.index(NAMES["甲"]) < text.index(NAMES["丙"]) < text.index(NAMES["乙"])
    text = client.get("/ledger/enterprises?sort=name").text
    positions = sorted(NAMES.values(), key=text.index)
    assert positions == sorted(NAMES.values())


def test_units_see_only_their_own_enterprises_and_city_wide_readers_all(client, login_as, clock, three):
    login_as("xtx")
    assert listed(client) == {"甲", "丙"}
    login_as("gxq")
    assert listed(client) == {"乙"}
    assert listed(client, f"?unit={unit(COUNTY).id}") == set()
    for who in ("gxj", "shizhang", "guancha"):
        login_as(who)
        assert listed(client) == {"甲", "乙", "丙"}


def test_the_list_reads_a_constant_number_of_statements(client, login_as, clock, count_queries, app):
    login_as("admin")
    app.config["PAGE_SIZE"], size = 50, app.config["PAGE_SIZE"]
    try:
        def statements(n, start):
            for i in range(start, start + n):
                e = make(name=f"企业{i:03d}", n=100 + i, chains=("高端装备制造", "军工"), masters=("军工",),
                         liaison=person("丁诚").id, revenue_tier=(10, 20, 50, 100)[i % 4])
                member(e, Registry.cultivation)
                member(e, Registry.specialized, level=SpecializedLevel.city, year=2024)
                figure(e, date(2026, 1, 1), "1000", tax="10")
                figure(e, date(2026, 2, 1), "2000", tax="20")
            db.session.flush()
            db.session.commit()
            with count_queries() as counter:
                response = client.get("/ledger/enterprises?sort=tier")
            assert response.status_code == 200
            return counter.count, response.text.count("企业0")

        small, shown_small = statements(5, 0)
        large, shown_large = statements(25, 5)
    finally:
        app.config["PAGE_SIZE"] = size
    assert (shown_small, shown_large) == (5, 30)
    assert small == large, f"{small} statements for 5 enterprises, {large} for 30"


def test_the_export_opens_with_openpyxl_and_holds_the_filtered_rows(client, login_as, clock, three):
    make(name="=HYPERLINK(\"x\")公司", n=9)
    login_as("admin")
    response = client.get(f"/ledger/enterprises.xlsx?unit={unit(COUNTY).id}&sort=name")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0][:3] == ("序号", "企业名称", "统一社会信用代码")
    names = [row[1] for row in rows[1:]]
    assert sorted(names) == sorted([NAMES["甲"], NAMES["丙"], "=HYPERLINK(\"x\")公司"])
    jia = next(row for row in rows[1:] if row[1] == NAMES["甲"])
    assert jia[2] == uscc(1) and jia[3] == unit(COUNTY).short_name
    assert jia[5] == "100亿级" and jia[10] == pytest.approx(1234567.8) and jia[12] == pytest.approx(4567.25)
    assert "高端装备制造（链主）" in jia[4] and jia[13] == "小升规重点企业培育库"
    assert sheet.cell(row=3 + names.index("=HYPERLINK(\"x\")公司") + 1, column=2).data_type == "s"


def test_the_export_of_a_unit_holds_only_its_own_rows(client, login_as, clock, three):
    login_as("gxq")
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/ledger/enterprises.xlsx").data)).active
    assert [row[1] for row in sheet.iter_rows(min_row=4, values_only=True)] == [NAMES["乙"]]


def test_the_page_shows_24_months_the_december_rows_projects_and_registry_history(client, login_as, clock,
                                                                                 three):
    jia = three["甲"]
    figure(jia, date(2023, 12, 1), "777777", tax="7")
    figure(jia, date(2024, 2, 1), "222", tax="2")  # 25 months before March 2026: out of the monthly table
    figure(jia, date(2024, 4, 1), "444", tax="4")  # 24th month back: in it
    figure(jia, date(2025, 12, 1), "888888", output="999999", tax="8")
    db.session.add(Project(code="XM-ENT-001", name="甲机械智能产线项目", unit_id=unit(COUNTY).id,
                           enterprise_id=jia.id, total_investment=Decimal("150000")))
    db.session.flush()
    login_as("xtx")
    text = client.get(f"/ledger/enterprises/{jia.id}").text
    monthly, _, rest = text.partition("年度数据")
    assert "2026-02" in monthly and "2024-04" in monthly and "2024-02" not in monthly and "2023-12" not in monthly
    yearly = rest.split("相关交办事项")[0]
    assert "2023" in yearly and "777,777.00" in yearly and "999,999.00" in yearly and "2024" not in yearly
    assert "甲机械智能产线项目" in text and "150,000.00" in text
    assert "丁诚" in text and "挂牌" in text and "小升规重点企业培育库" in text
    # 乙's ended 退规风险库 entry shows its end and reason
    login_as("admin")
    text = client.get(f"/ledger/enterprises/{three['乙'].id}").text
    assert "已移出" in text and "2025-06-01" in text and "国家级专精特新“小巨人”" in text


def test_an_absent_or_unreadable_enterprise_answers_404(client, login_as, three):
    login_as("gxq")
    assert client.get(f"/ledger/enterprises/{three['甲'].id}").status_code == 404
    assert client.get("/ledger/enterprises/999999").status_code == 404
    assert client.get(f"/ledger/enterprises/{three['乙'].id}").status_code == 200


def test_the_list_statement_reads_the_registry_filter_with_its_level_only_for_current_entries():
    jia = make(n=1)
    member(jia, Registry.specialized, level=SpecializedLevel.city, year=2023, ends_on=date(2025, 1, 1))
    db.session.flush()
    from app.ledger import enterprise_queries as queries

    f = queries.EnterpriseFilters(registry=Registry.specialized, level=SpecializedLevel.city)
    assert db.session.scalars(queries.ids_statement(f, None, TODAY)).all() == []
    assert db.session.scalars(queries.ids_statement(f, None, date(2025, 1, 1))).all() == [jia.id]
    assert db.session.scalars(sa.select(sa.func.count()).select_from(
        queries.ids_statement(queries.EnterpriseFilters(), set(), TODAY).subquery())).one() == 0


def test_the_page_shows_its_tagged_tasks_with_lights_and_reads_constant_statements(client, login_as, clock,
                                                                                  count_queries, three):
    from app.ledger import links
    from tests.factories import assign_task

    jia = three["甲"]
    login_as("admin")

    def statements():
        db.session.commit()
        with count_queries() as counter:
            response = client.get(f"/ledger/enterprises/{jia.id}")
        assert response.status_code == 200
        return counter.count, response.text

    def add(i):
        task = assign_task(title=f"甲机械帮扶事项{i}", lead=COUNTY, assigned="2026-03-01",
                           due="2026-03-05" if i == 0 else "2026-04-30")
        links.tag_task(account("admin"), task, jia)
        member(jia, Registry.high_tech if i == 0 else Registry.exit_risk, starts_on=date(2024, 1, 1 + i),
               ends_on=date(2024, 2, 1) if i else None, year=2024 if i == 0 else None)
        figure(jia, date(2025, 1 + i, 1), "10", tax="1")

    add(0)
    before, _ = statements()
    for i in range(1, 5):
        add(i)
    after, text = statements()
    assert all(f"甲机械帮扶事项{i}" in text for i in range(5)) and "红灯" in text  # the overdue one lights red
    assert after == before, f"{before} statements with one task, {after} with five tasks, registries and months"


def test_the_cockpit_lists_behind_net_new_and_new_recognitions_filter_by_year(client, login_as):
    """The cockpit's 净增规上 figure opens the enterprises that entered 规上 in the year; a 新增专精特新 figure the
    entries recognised in the year."""
    from datetime import date

    from app.extensions import db
    from app.ledger.models import Enterprise, Registry, RegistryMembership, SpecializedLevel
    from tests.factories import unit as unit_named

    county = unit_named("湘潭县人民政府")
    codes = iter(["91430321MA4L0000X1", "91430321MA4L0001X2", "91430321MA4L0002X3"])
    this_year = Enterprise(name="今年新进规上企业", uscc=next(codes), unit_id=county.id, is_above_scale=True,
                           above_scale_since=date(2026, 3, 1))
    last_year = Enterprise(name="去年新进规上企业", uscc=next(codes), unit_id=county.id, is_above_scale=True,
                           above_scale_since=date(2025, 6, 1))
    db.session.add_all([this_year, last_year])
    db.session.flush()
    db.session.add_all([
        RegistryMembership(enterprise_id=this_year.id, kind=Registry.specialized, level=SpecializedLevel.national,
                           year=2026, starts_on=date(2026, 2, 1), reason="认定"),
        RegistryMembership(enterprise_id=last_year.id, kind=Registry.specialized, level=SpecializedLevel.national,
                           year=2025, starts_on=date(2025, 2, 1), reason="认定")])
    db.session.commit()
    login_as("admin")
    html = client.get("/ledger/enterprises?above_scale=1&scale_year=2026").text
    assert "今年新进规上企业" in html and "去年新进规上企业" not in html and "2026年新进规上" in html
    html = client.get("/ledger/enterprises?registry=specialized&level=national&registry_year=2025").text
    assert "去年新进规上企业" in html and "今年新进规上企业" not in html
    html = client.get("/ledger/enterprises?above_scale=1&scale_year=abc").text  # a bad year is ignored
    assert "今年新进规上企业" in html and "去年新进规上企业" in html
