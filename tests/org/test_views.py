"""The organisation's pages and its administration through HTTP."""

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.models import AuditEntry
from app.extensions import db
from app.org import services
from app.org.models import (
    GroupMembership,
    GroupRole,
    Plan,
    PortfolioItem,
    Position,
    Target,
)
from tests.factories import chain as chain_named
from tests.factories import person as person_named
from tests.factories import unit as unit_named

DATE_MESSAGE = "日期格式不正确，请使用 2026-03-01 这样的格式。"
ORG_TABLES = ("units", "people", "positions", "group_memberships", "portfolio_items", "chains", "plans",
              "plan_lead_units", "targets", "audit_entries")

GROUP_HEADINGS = {
    "county": "县市区组（5 家）",
    "park1": "一类园区组（4 家）",
    "park2": "二类园区组（4 家）",
    "promotion": "市直·产业推进单位（20 家）",
    "support": "市直·服务保障单位（26 家）",
}

# A sample of annex 2's groups, checked against the page's sections (tests/org/test_seed.py checks them all).
GROUP_SAMPLES = {
    "county": {"湘潭县人民政府", "岳塘区人民政府"},
    "park1": {"湘潭综保区管委会", "岳塘经开区管委会"},
    "park2": {"湘潭天易经开区管委会", "雨湖高新区管委会"},
    "promotion": {"市优化营商环境协调事务中心(市优化办)", "人民银行市中心支行"},
    "support": {"国防光缆湘潭维护站", "湘潭中环水务有限公司"},
}

PLAN_LEADS = {
    "P1": ["市工信局", "市发改委"], "P2": ["市发改委"], "P3": ["市市场监管局"], "P4": ["市工信局"],
    "P5": ["市工信局"], "P6": ["市工信局"], "P7": ["市经研金融办"], "P8": ["市工信局"],
    "M1": ["市商务局"], "M2": ["市科技局", "市教育局"], "M3": ["市经研金融办"], "M4": ["市发改委"],
    "M5": ["市优化营商环境协调事务中心(市优化办)"], "M6": ["市人力资源社会保障局"],
}


@pytest.fixture(autouse=True)
def _frozen(clock):
    """Every page here is seen on 10 March 2026 (the clock fixture's day)."""
    return clock


def audit_entries(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def table_rows():
    """Every row of the organisation's tables and the audit log: equal before and after means nothing written."""
    db.session.expire_all()
    rows = {}
    for name in ORG_TABLES:
        table = db.metadata.tables[name]
        rows[name] = [tuple(r) for r in db.session.execute(sa.select(table).order_by(*table.primary_key.columns))]
    return rows


def section(html, anchor):
    """The part of the units page under the heading with id=anchor, up to the next heading."""
    start = html.index(f'id="{anchor}"')
    end = html.find("<h2", start)
    return html[start:end if end != -1 else None]


def links(html):
    return re.findall(r"<a [^>]*>([^<]+)</a>", html)


@pytest.fixture
def ids():
    jiang = person_named("蒋文龙")
    return {
        "jiang": jiang.id,
        "jiang_position": jiang.positions[0].id,
        "yang": person_named("杨晓军").id,
        "gxj": unit_named("市工信局").id,
        "kjj": unit_named("市科技局").id,
        "chain": chain_named("军工").id,
    }


# --- pages for signed-in users --------------------------------------------------------------------------------

def test_pages_send_anonymous_visitors_to_sign_in(client):
    for url in ("/org/units", "/org/plans", "/org/plans/P1", "/org/leadership", "/org/people"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/auth/login" in response.headers["Location"]


def test_units_page_lists_every_group_with_its_count_and_units(client, login_as):
    login_as("gxj")
    response = client.get("/org/units")
    assert response.status_code == 200
    html = response.text
    for group, heading in GROUP_HEADINGS.items():
        assert heading in html
        names = set(links(section(html, group)))
        assert GROUP_SAMPLES[group] <= names, group
        assert len(names) == int(re.search(r"（(\d+) 家）", heading).group(1))
    others = html[html.index("其他单位（不参加考评）"):]
    assert "市产业强市“千百十”工程办" in links(others)
    assert "市发改委" not in links(others)


def test_units_page_strikes_through_an_inactive_unit(client, login_as, user):
    services.update_unit(user("admin"), unit_named("市信访局"), "市信访局", "市信访局", None, False, 45)
    login_as("guancha")
    html = client.get("/org/units").text
    assert re.search(r'class="text-decoration-line-through text-muted">市信访局</a>', html)


def test_unit_page_shows_group_portfolio_leader_and_the_plans_it_leads(client, login_as):
    login_as("kjj")
    gxj = unit_named("市工信局")
    response = client.get(f"/org/units/{gxj.id}")
    assert response.status_code == 200
    html = response.text
    assert "市直·产业推进单位" in html
    assert "丁诚" in html  # 分管市领导 from the demo portfolio
    for code in ("P1", "P4", "P5", "P6", "P8"):
        assert f'href="/org/plans/{code}"' in html
    assert "共同牵头：市发改委" in html
    assert "编辑" not in html  # only administrators edit units


def test_unit_page_states_where_a_utilitys_result_is_reported_and_that_the_office_is_not_assessed(
        client, login_as):
    login_as("guancha")
    assert "年度考评结果报上级公司" in client.get(f"/org/units/{unit_named('国网湘潭供电公司').id}").text
    assert "年度考评结果报上级主管部门" in client.get(f"/org/units/{unit_named('市税务局').id}").text
    office = client.get(f"/org/units/{unit_named('市产业强市“千百十”工程办').id}").text
    assert "不参加考评" in office and "千百十办" in office
    assert client.get("/org/units/999999").status_code == 404


def test_unit_page_lists_accounts_only_to_the_units_own_staff(client, login_as):
    gxj, fgw = unit_named("市工信局"), unit_named("市发改委")
    login_as("gxj")
    assert "市工信局联络员（gxj" in client.get(f"/org/units/{gxj.id}").text
    html = client.get(f"/org/units/{fgw.id}").text
    assert "本单位账号" not in html and "fgw" not in html


def test_unit_page_lists_accounts_and_an_edit_link_to_administrators(client, login_as):
    fgw = unit_named("市发改委")
    login_as("admin")
    html = client.get(f"/org/units/{fgw.id}").text
    assert "市发改委联络员（fgw" in html and f'href="/org/units/{fgw.id}/edit"' in html


def test_plans_page_lists_eight_plans_and_six_measures_with_their_lead_units(client, login_as):
    login_as("fushizhang")
    response = client.get("/org/plans")
    assert response.status_code == 200
    rows = re.findall(r"<tr>\s*<td>(\w\d)</td>(.*?)</tr>", response.text, re.S)
    assert [code for code, _ in rows] == list(PLAN_LEADS)
    for code, row in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert links(cells[1]) == PLAN_LEADS[code], code
    assert "全市发展目标" in response.text and "规模工业企业力争达到1800家以上" in response.text


def test_plan_page_shows_lead_units_and_quantified_targets(client, login_as):
    login_as("xtx")
    html = client.get("/org/plans/P2").text
    assert "园区提质增效“升级”计划" in html and "市发改委" in html
    for text, value in (("国家级园区亩均税收达到25万元以上", "25万元"), ("省级园区亩均税收达到15万元以上", "15万元"),
                        ("园区规模工业增加值占全市比重达80%以上", "80%"), ("打造4个千亿级园区", "4个")):
        assert re.search(rf"<td>{text}</td><td>{value}</td><td>2025年</td>", html), text
    assert "<td>3万户</td><td>每年</td>" in client.get("/org/plans/p3").text  # the code is case-insensitive
    assert "<td>100%</td>" in client.get("/org/plans/P8").text  # covering every 规上 enterprise: 100 %
    assert client.get("/org/plans/X9").status_code == 404


def test_plan_page_shows_a_decimal_target_exactly(client, login_as):
    plan = db.session.scalars(sa.select(Plan).where(Plan.code == "P7")).one()
    db.session.add(Target(plan=plan, text="测试目标", value=Decimal("10.05"), unit_label="%", period="每年",
                          sort_order=99))
    db.session.flush()
    login_as("guancha")
    html = client.get("/org/plans/P7").text
    assert "<td>10.05%</td>" in html
    assert "<td>10%</td>" in html  # 资产证券化率提高10%以上: Decimal('10.00') shown without decimals


def test_leadership_page_shows_roles_office_portfolios_and_chains(client, login_as):
    login_as("shuji")
    response = client.get("/org/leadership")
    assert response.status_code == 200
    html = response.text
    leaders = html[html.index(">组长</h2>"):html.index(">常务副组长</h2>")]
    assert "刘志仁" in leaders and "胡贺波" in leaders and "市委副书记、市人民政府市长" in leaders
    assert "吴志雄" in html[html.index(">常务副组长</h2>"):html.index(">副组长</h2>")]
    office = html[html.index(">办公室主任</h2>"):html.index("市领导分管单位")]
    assert "朱可少" in office and "李伟清" in office
    portfolio_row = re.search(r'<td class="text-nowrap">丁诚</td><td>(.*?)</td>', html).group(1)
    assert {"市工信局", "供电公司", "湘乡市"} <= set(links(portfolio_row))
    chains = html[html.index("12 条优势产业链及链长"):]
    assert re.search(r"<td>军工</td><td>1000亿级</td><td>吴志雄</td><td>市工信局</td>", chains)
    assert chains.count("亿级</td>") == 12
    assert "设置" not in chains  # only administrators set chain leaders


def test_leadership_page_query_count_does_not_grow_with_portfolios(client, login_as, user, count_queries):
    login_as("admin")
    client.get("/org/leadership")
    db.session.expire_all()  # both requests load the signed-in user the same way
    with count_queries() as first:
        client.get("/org/leadership")
    admin = user("admin")
    person = services.create_person(admin, "新副市长")
    for name in ("中共湘潭市委", "湘潭市人民政府", "市委办公室"):
        services.add_portfolio_item(admin, person, unit_named(name), date(2026, 1, 1))
    db.session.flush()
    db.session.expire_all()
    with count_queries() as second:
        html = client.get("/org/leadership").text
    assert "新副市长" in html
    assert second.count == first.count


# --- permissions -----------------------------------------------------------------------------------------------

ADMIN_GETS = ("/org/people", "/org/people/new", "/org/people/{jiang}", "/org/units/{gxj}/edit", "/org/chains/{chain}")
ADMIN_POSTS = {
    "/org/people/new": {"name": "王小明"},
    "/org/people/{jiang}": {"p-name": "改名"},
    "/org/people/{jiang}/positions": {"pos-unit_id": "{gxj}", "pos-title": "兼职", "pos-starts_on": "2026-03-01"},
    "/org/people/{jiang}/memberships": {"m-role": "member", "m-title": "成员", "m-starts_on": "2026-03-01"},
    "/org/people/{jiang}/portfolio": {"pf-unit_id": "{gxj}", "pf-starts_on": "2026-03-01"},
    "/org/people/{jiang}/position/{jiang_position}/end": {"end-ends_on": "2026-03-01"},
    "/org/units/{gxj}/edit": {"name": "改名", "short_name": "改名", "sort_order": "1", "is_active": "y"},
    "/org/chains/{chain}": {"leader_id": "{jiang}", "leader_unit_id": "{gxj}"},
}


@pytest.mark.parametrize("username", ["gxj", "fushizhang", "guancha"])
def test_only_administrators_reach_the_admin_pages(client, login_as, ids, username):
    login_as(username)
    for url in ADMIN_GETS:
        assert client.get(url.format(**ids)).status_code == 403, url
    before = table_rows()
    for url, data in ADMIN_POSTS.items():
        response = client.post(url.format(**ids), data={k: v.format(**ids) for k, v in data.items()})
        assert response.status_code == 403, url
        assert "没有权限" in response.text
    assert table_rows() == before


def test_administrators_see_the_admin_menu_and_pages(client, login_as, ids):
    login_as("admin")
    for url in ADMIN_GETS:
        assert client.get(url.format(**ids)).status_code == 200, url
    html = client.get("/org/leadership").text
    assert "人员与分管" in html and f'href="/org/chains/{ids["chain"]}"' in html


# --- administration: the happy paths ----------------------------------------------------------------------

def test_admin_adds_a_person(client, login_as):
    admin = login_as("admin")
    response = client.post("/org/people/new", data={"name": " 王小明 ", "note": "拟任副市长"})
    assert response.status_code == 302
    person = person_named("王小明")
    assert response.headers["Location"].endswith(f"/org/people/{person.id}")
    assert person.note == "拟任副市长" and person.is_active
    [entry] = audit_entries("person.create")
    assert entry.actor_id == admin.id and entry.object_id == str(person.id)
    assert entry.before is None and entry.after == {"name": "王小明", "note": "拟任副市长", "is_active": True}
    page = client.get(response.headers["Location"])
    assert "已添加人员“王小明”。" in page.text


def test_admin_edits_a_person(client, login_as, ids):
    login_as("admin")
    response = client.post(f"/org/people/{ids['jiang']}",
                           data={"p-name": "蒋文龙", "p-note": "兼任", "p-is_active": "y"})
    assert response.status_code == 302
    [entry] = audit_entries("person.update")
    assert entry.before == {"note": None} and entry.after == {"note": "兼任"}


def test_admin_adds_and_ends_a_position(client, login_as, ids):
    login_as("admin")
    response = client.post(f"/org/people/{ids['jiang']}/positions", data={
        "pos-unit_id": str(ids["gxj"]), "pos-title": "联系副秘书长", "pos-starts_on": "2026-03-01",
        "pos-is_unit_head": "y"})
    assert response.status_code == 302
    position = db.session.scalars(sa.select(Position).where(Position.title == "联系副秘书长")).one()
    assert (position.person_id, position.unit_id, position.starts_on, position.ends_on) == (
        ids["jiang"], ids["gxj"], date(2026, 3, 1), None)
    assert position.is_unit_head and not position.is_vice_mayor
    [created] = audit_entries("position.create")
    assert created.after["title"] == "联系副秘书长" and created.after["is_unit_head"] is True
    assert "已添加职务。" in client.get(response.headers["Location"]).text

    response = client.post(f"/org/people/{ids['jiang']}/position/{position.id}/end",
                           data={"end-ends_on": "2026-03-09"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Position, position.id).ends_on == date(2026, 3, 9)
    [ended] = audit_entries("position.end")
    assert ended.before == {"ends_on": None} and ended.after == {"ends_on": "2026-03-09"}
    page = client.get(response.headers["Location"]).text
    assert "已结束该记录（历史保留）。" in page
    assert "2026-03-09" in page  # kept as history


def test_admin_adds_and_ends_a_leadership_membership(client, login_as, ids):
    login_as("admin")
    response = client.post(f"/org/people/{ids['yang']}/memberships", data={
        "m-role": "executive_deputy", "m-title": "市人民政府常务副市长", "m-starts_on": "2026-03-01",
        "m-sort_order": "3"})
    assert response.status_code == 302
    membership = db.session.scalars(sa.select(GroupMembership).where(
        GroupMembership.person_id == ids["yang"], GroupMembership.role == GroupRole.executive_deputy)).one()
    [created] = audit_entries("membership.create")
    assert created.after["role"] == "executive_deputy" and created.after["starts_on"] == "2026-03-01"
    html = client.get("/org/leadership").text
    assert "杨晓军" in html[html.index(">常务副组长</h2>"):html.index(">副组长</h2>")]

    response = client.post(f"/org/people/{ids['yang']}/membership/{membership.id}/end",
                           data={"end-ends_on": "2026-03-09"})
    assert response.status_code == 302
    [ended] = audit_entries("membership.end")
    assert ended.after == {"ends_on": "2026-03-09"}
    html = client.get("/org/leadership").text
    assert "杨晓军" not in html[html.index(">常务副组长</h2>"):html.index(">副组长</h2>")]


def test_admin_moves_a_unit_from_one_vice_mayors_portfolio_to_another(client, login_as, ids):
    login_as("admin")
    ding = person_named("丁诚")
    item = db.session.scalars(sa.select(PortfolioItem).where(PortfolioItem.unit_id == ids["gxj"])).one()
    response = client.post(f"/org/people/{ding.id}/portfolio/{item.id}/end", data={"end-ends_on": "2026-02-28"})
    assert response.status_code == 302
    response = client.post(f"/org/people/{ids['yang']}/portfolio", data={
        "pf-unit_id": str(ids["gxj"]), "pf-starts_on": "2026-03-01"})
    assert response.status_code == 302
    assert "已添加分管单位。" in client.get(response.headers["Location"]).text
    [ended] = audit_entries("portfolio.end")
    [created] = audit_entries("portfolio.create")
    assert ended.after == {"ends_on": "2026-02-28"}
    assert created.after == {"person_id": ids["yang"], "unit_id": ids["gxj"], "starts_on": "2026-03-01"}
    html = client.get(f"/org/units/{ids['gxj']}").text
    assert re.search(r"分管市领导</dt><dd[^>]*>杨晓军</dd>", html)


def test_a_unit_in_another_leaders_current_portfolio_is_refused(client, login_as, ids):
    login_as("admin")
    before = table_rows()
    response = client.post(f"/org/people/{ids['yang']}/portfolio", data={
        "pf-unit_id": str(ids["gxj"]), "pf-starts_on": "2026-03-01"})
    assert response.status_code == 400
    assert "“市工信局”在该期间已由丁诚分管，请先结束原分管关系。" in response.text
    assert table_rows() == before


def test_admin_edits_a_unit(client, login_as, ids):
    login_as("admin")
    assert 'value="市科技局"' in client.get(f"/org/units/{ids['kjj']}/edit").text
    response = client.post(f"/org/units/{ids['kjj']}/edit", data={
        "name": "市科技局", "short_name": "科技局", "contact": "王五 0731-5555555", "sort_order": "15",
        "is_active": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/org/units/{ids['kjj']}")
    [entry] = audit_entries("unit.update")
    assert entry.before == {"short_name": "市科技局", "contact": None}
    assert entry.after == {"short_name": "科技局", "contact": "王五 0731-5555555"}
    page = client.get(response.headers["Location"]).text
    assert "单位信息已保存。" in page and "王五 0731-5555555" in page


def test_a_deactivated_unit_can_no_longer_be_chosen(client, login_as, ids):
    login_as("admin")
    response = client.post(f"/org/units/{ids['kjj']}/edit", data={
        "name": "市科技局", "short_name": "市科技局", "sort_order": "15"})  # is_active unticked
    assert response.status_code == 302
    [entry] = audit_entries("unit.update")
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}
    assert "已停用" in client.get(f"/org/units/{ids['kjj']}").text
    before = table_rows()
    cases = [
        (f"/org/people/{ids['jiang']}/positions",
         {"pos-unit_id": str(ids["kjj"]), "pos-title": "兼职", "pos-starts_on": "2026-03-01"},
         "请从列表中选择有效的单位。"),
        (f"/org/people/{ids['jiang']}/portfolio",
         {"pf-unit_id": str(ids["kjj"]), "pf-starts_on": "2026-03-01"}, "请从列表中选择有效的分管单位。"),
        (f"/org/chains/{ids['chain']}",
         {"leader_id": str(ids["jiang"]), "leader_unit_id": str(ids["kjj"])}, "请从列表中选择有效的述职材料报送单位。"),
    ]
    for url, data, message in cases:
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert message in response.text, url
    assert table_rows() == before


def test_admin_sets_and_clears_a_chain_leader(client, login_as, ids):
    login_as("admin")
    assert "设置链长：军工（1000亿级）" in client.get(f"/org/chains/{ids['chain']}").text
    response = client.post(f"/org/chains/{ids['chain']}", data={
        "leader_id": str(ids["jiang"]), "leader_unit_id": str(ids["kjj"])})
    assert response.status_code == 302 and response.headers["Location"].endswith("/org/leadership")
    html = client.get("/org/leadership").text
    assert "链长已保存。" in html
    assert re.search(r"<td>军工</td><td>1000亿级</td><td>蒋文龙</td><td>市科技局</td>", html)
    [entry] = audit_entries("chain.update")
    assert entry.after == {"leader_id": ids["jiang"], "leader_unit_id": ids["kjj"]}

    response = client.post(f"/org/chains/{ids['chain']}", data={"leader_id": "", "leader_unit_id": ""})
    assert response.status_code == 302
    assert chain_named("军工").leader is None
    assert re.search(r"<td>军工</td><td>1000亿级</td><td>（未指定）</td>", client.get("/org/leadership").text)


def test_an_inactive_person_cannot_be_made_chain_leader(client, login_as, ids, user):
    services.update_person(user("admin"), person_named("蒋文龙"), "蒋文龙", None, False)
    login_as("admin")
    before = table_rows()
    response = client.post(f"/org/chains/{ids['chain']}", data={"leader_id": str(ids["jiang"]), "leader_unit_id": ""})
    assert response.status_code == 400
    assert "请从列表中选择有效的链长。" in response.text
    assert table_rows() == before


def test_ending_a_record_twice_is_refused(client, login_as, ids):
    login_as("admin")
    url = f"/org/people/{ids['jiang']}/position/{ids['jiang_position']}/end"
    assert client.post(url, data={"end-ends_on": "2026-03-01"}).status_code == 302
    before = table_rows()
    response = client.post(url, data={"end-ends_on": "2026-03-05"})
    assert response.status_code == 400
    assert "该记录已经结束。" in response.text
    assert table_rows() == before


def test_ending_another_persons_record_or_an_unknown_kind_is_not_found(client, login_as, ids):
    login_as("admin")
    url = f"/org/people/{ids['yang']}/position/{ids['jiang_position']}/end"
    assert client.post(url, data={"end-ends_on": "2026-03-01"}).status_code == 404
    url = f"/org/people/{ids['jiang']}/chain/{ids['jiang_position']}/end"
    assert client.post(url, data={"end-ends_on": "2026-03-01"}).status_code == 404


# --- administration: bad input ---------------------------------------------------------------------------------

POSITION = {"pos-unit_id": "{gxj}", "pos-title": "兼职", "pos-starts_on": "2026-03-01"}
MEMBERSHIP = {"m-role": "member", "m-title": "成员", "m-starts_on": "2026-03-01", "m-sort_order": "100"}
PORTFOLIO = {"pf-unit_id": "{gxj}", "pf-starts_on": "2026-03-01"}
UNIT = {"name": "市科技局", "short_name": "市科技局", "sort_order": "15", "is_active": "y"}
PEOPLE, JIANG = "/org/people/new", "/org/people/{jiang}"

BAD_INPUT = [
    ("person empty", PEOPLE, {"name": "  "}, "请填写姓名。"),
    ("person too long", PEOPLE, {"name": "张" * 51}, "姓名不能超过 50 个字符。"),
    ("person note too long", PEOPLE, {"name": "张三", "note": "备" * 201}, "备注不能超过 200 个字符。"),
    ("person edit empty", JIANG, {"p-name": ""}, "请填写姓名。"),
    ("position empty title", JIANG + "/positions", {**POSITION, "pos-title": ""}, "请填写职务。"),
    ("position title too long", JIANG + "/positions", {**POSITION, "pos-title": "职" * 101},
     "职务不能超过 100 个字符。"),
    ("position empty start", JIANG + "/positions", {**POSITION, "pos-starts_on": ""}, "请填写开始日期。"),
    ("position bad date", JIANG + "/positions", {**POSITION, "pos-starts_on": "2026-02-30"}, DATE_MESSAGE),
    ("position bad date format", JIANG + "/positions", {**POSITION, "pos-starts_on": "2026/03/01"}, DATE_MESSAGE),
    ("position end before start", JIANG + "/positions", {**POSITION, "pos-ends_on": "2026-02-28"},
     "结束日期不能早于开始日期。"),
    ("position unknown unit", JIANG + "/positions", {**POSITION, "pos-unit_id": "999999"},
     "请从列表中选择有效的单位。"),
    ("position unit not a number", JIANG + "/positions", {**POSITION, "pos-unit_id": "abc"},
     "请从列表中选择有效的单位。"),
    ("position no unit", JIANG + "/positions", {**POSITION, "pos-unit_id": ""}, "请从列表中选择有效的单位。"),
    ("membership unknown role", JIANG + "/memberships", {**MEMBERSHIP, "m-role": "boss"},
     "请从列表中选择有效的领导小组职务。"),
    ("membership empty title", JIANG + "/memberships", {**MEMBERSHIP, "m-title": ""}, "请填写职务表述。"),
    ("membership title too long", JIANG + "/memberships", {**MEMBERSHIP, "m-title": "职" * 201},
     "职务表述不能超过 200 个字符。"),
    ("membership bad date", JIANG + "/memberships", {**MEMBERSHIP, "m-starts_on": "明天"}, DATE_MESSAGE),
    ("membership end before start", JIANG + "/memberships", {**MEMBERSHIP, "m-ends_on": "2026-01-01"},
     "结束日期不能早于开始日期。"),
    ("membership bad sort order", JIANG + "/memberships", {**MEMBERSHIP, "m-sort_order": "x"},
     "“名单排序”必须是整数。"),
    ("membership overlapping term", JIANG + "/memberships", {**MEMBERSHIP, "m-role": "deputy"},
     "蒋文龙已担任“副组长”，请先结束原任职再添加。"),
    ("portfolio unknown unit", JIANG + "/portfolio", {**PORTFOLIO, "pf-unit_id": "999999"},
     "请从列表中选择有效的分管单位。"),
    ("portfolio empty start", JIANG + "/portfolio", {**PORTFOLIO, "pf-starts_on": ""}, "请填写开始日期。"),
    ("portfolio end before start", JIANG + "/portfolio", {**PORTFOLIO, "pf-ends_on": "2026-02-01"},
     "结束日期不能早于开始日期。"),
    ("portfolio held by another leader", JIANG + "/portfolio", PORTFOLIO,
     "“市工信局”在该期间已由丁诚分管，请先结束原分管关系。"),
    ("end before start", JIANG + "/position/{jiang_position}/end", {"end-ends_on": "2022-03-16"},
     "结束日期不能早于开始日期。"),
    ("end bad date", JIANG + "/position/{jiang_position}/end", {"end-ends_on": "2026-13-01"}, DATE_MESSAGE),
    ("end empty", JIANG + "/position/{jiang_position}/end", {"end-ends_on": ""}, "请填写结束日期。"),
    ("unit empty name", "/org/units/{kjj}/edit", {**UNIT, "name": ""}, "请填写单位全称。"),
    ("unit name too long", "/org/units/{kjj}/edit", {**UNIT, "name": "单" * 101}, "单位全称不能超过 100 个字符。"),
    ("unit short name too long", "/org/units/{kjj}/edit", {**UNIT, "short_name": "简" * 51},
     "简称不能超过 50 个字符。"),
    ("unit contact too long", "/org/units/{kjj}/edit", {**UNIT, "contact": "电" * 201},
     "联系人及电话不能超过 200 个字符。"),
    ("unit name of another unit", "/org/units/{kjj}/edit", {**UNIT, "name": "市发改委"}, "已有名为“市发改委”的单位。"),
    ("unit sort order not a number", "/org/units/{kjj}/edit", {**UNIT, "sort_order": "abc"}, "“排序”必须是整数。"),
    ("unit sort order out of range", "/org/units/{kjj}/edit", {**UNIT, "sort_order": "10000"},
     "排序应为 0 到 9999 的整数。"),
    ("chain unknown leader", "/org/chains/{chain}", {"leader_id": "999999", "leader_unit_id": ""},
     "请从列表中选择有效的链长。"),
    ("chain unknown unit", "/org/chains/{chain}", {"leader_id": "", "leader_unit_id": "999999"},
     "请从列表中选择有效的述职材料报送单位。"),
]


@pytest.mark.parametrize(("url", "data", "message"), [case[1:] for case in BAD_INPUT],
                         ids=[case[0] for case in BAD_INPUT])
def test_bad_input_is_refused_with_a_chinese_message_and_nothing_is_written(client, login_as, ids, url, data,
                                                                           message):
    login_as("admin")
    before = table_rows()
    response = client.post(url.format(**ids), data={k: v.format(**ids) for k, v in data.items()})
    assert response.status_code == 400
    assert message in response.text
    assert not re.search(r"Not a valid|Invalid Choice|This field", response.text)
    assert table_rows() == before


def test_a_blank_date_asks_for_the_date_not_for_its_format(client, login_as, ids):
    login_as("admin")
    response = client.post(f"/org/people/{ids['jiang']}/positions",
                           data={k: v.format(**ids) for k, v in {**POSITION, "pos-starts_on": ""}.items()})
    assert response.status_code == 400
    assert "请填写开始日期。" in response.text and DATE_MESSAGE not in response.text


def test_an_earlier_term_in_the_same_role_can_be_recorded_as_history(client, login_as, ids):
    login_as("admin")
    response = client.post(f"/org/people/{ids['jiang']}/memberships", data={
        **MEMBERSHIP, "m-role": "deputy", "m-starts_on": "2019-01-01", "m-ends_on": "2021-12-31"})
    assert response.status_code == 302
    terms = db.session.scalars(sa.select(GroupMembership).where(
        GroupMembership.person_id == ids["jiang"], GroupMembership.role == GroupRole.deputy)
        .order_by(GroupMembership.starts_on)).all()
    assert [(m.starts_on, m.ends_on) for m in terms] == [(date(2019, 1, 1), date(2021, 12, 31)),
                                                        (date(2022, 3, 17), None)]
