"""The organisation of the source document, as `flask seed` loads it from app/org/data/organisation.json.

The tables below are transcribed from the source document (/work/shared/seed/000_4493a32e1a6ef2b2.txt) by
hand, not read from the data file: they are the specification the data file is checked against.
"""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.core.models import AuditEntry
from app.extensions import db
from app.org import queries, services
from app.org.models import (
    Chain,
    GroupMembership,
    GroupRole,
    Person,
    Plan,
    PlanKind,
    Position,
    SuperiorReport,
    Target,
    Unit,
    UnitGroup,
    UnitKind,
    plan_lead_units,
)
from app.org.seed import seed_organisation
from tests.factories import person as person_named
from tests.factories import unit as unit_named

# 附件2 二、考评对象 — every assessed unit with its group, in the annex's order and spelling.
ANNEX2_UNITS = [
    # (一)县市区组(5家单位)
    ("湘潭县人民政府", "county"),
    ("湘乡市人民政府", "county"),
    ("韶山市人民政府", "county"),
    ("雨湖区人民政府", "county"),
    ("岳塘区人民政府", "county"),
    # (二)一类园区组(4家单位)
    ("湘潭高新区管委会", "park1"),
    ("湘潭经开区管委会", "park1"),
    ("湘潭综保区管委会", "park1"),
    ("岳塘经开区管委会", "park1"),
    # (三)二类园区组(4家单位)
    ("湘潭天易经开区管委会", "park2"),
    ("湘乡经开区管委会", "park2"),
    ("韶山高新区管委会", "park2"),
    ("雨湖高新区管委会", "park2"),
    # (四)1.产业推进单位(20家单位)
    ("市发改委", "promotion"),
    ("市科技局", "promotion"),
    ("市工信局", "promotion"),
    ("市商务局", "promotion"),
    ("市住房城乡建设局", "promotion"),
    ("市市场监管局", "promotion"),
    ("市农业农村局", "promotion"),
    ("市文旅广体局", "promotion"),
    ("市经研金融办", "promotion"),
    ("市人力资源社会保障局", "promotion"),
    ("市自然资源规划局", "promotion"),
    ("市生态环境局", "promotion"),
    ("市财政局", "promotion"),
    ("市行政审批局", "promotion"),
    ("市乡村振兴局", "promotion"),
    ("市优化营商环境协调事务中心(市优化办)", "promotion"),
    ("市优化人居环境事务中心", "promotion"),
    ("市税务局", "promotion"),
    ("湘潭银保监分局", "promotion"),
    ("人民银行市中心支行", "promotion"),
    # (四)2.服务保障单位(26家单位)
    ("市中级人民法院", "support"),
    ("市人民检察院", "support"),
    ("市教育局", "support"),
    ("市公安局", "support"),
    ("市卫生健康委", "support"),
    ("市交通运输局", "support"),
    ("市国资委", "support"),
    ("市民政局", "support"),
    ("市林业局", "support"),
    ("市应急管理局", "support"),
    ("市城管执法局", "support"),
    ("市信访局", "support"),
    ("市司法局", "support"),
    ("市水利局", "support"),
    ("市审计局", "support"),
    ("市机关事务局", "support"),
    ("市退役军人局", "support"),
    ("市总工会", "support"),
    ("市工商联", "support"),
    ("市科协", "support"),
    ("市大数据和产业创新发展中心", "support"),
    ("市通管办", "support"),
    ("国防光缆湘潭维护站", "support"),
    ("湘潭新奥燃气有限公司", "support"),
    ("国网湘潭供电公司", "support"),
    ("湘潭中环水务有限公司", "support"),
]

# Units the document names that are not assessed: the office (领导小组办公室), the bodies of annex 1, and
# 市委办公室 / 市人民政府办公室 of its last paragraph.
OTHER_UNITS = {
    "市产业强市“千百十”工程办": UnitKind.office,
    "中共湘潭市委": UnitKind.government,
    "湘潭市人民政府": UnitKind.government,
    "市人民政府办公室": UnitKind.government,
    "市委办公室": UnitKind.government,
    "市统计局": UnitKind.department,
}

# 附件2 五、(一)3: annual results reported to the superior authority / to the parent company.
REPORTED_UPWARD = {
    "市税务局": SuperiorReport.superior_authority,
    "湘潭银保监分局": SuperiorReport.superior_authority,
    "人民银行市中心支行": SuperiorReport.superior_authority,
    "市通管办": SuperiorReport.superior_authority,
    "国防光缆湘潭维护站": SuperiorReport.superior_authority,
    "国网湘潭供电公司": SuperiorReport.parent_company,
    "湘潭新奥燃气有限公司": SuperiorReport.parent_company,
    "湘潭中环水务有限公司": SuperiorReport.parent_company,
}

# 四、主要任务 (八大计划) and 五、工作举措: code -> (kind, name, lead units in the document's order).
PLANS = {
    "P1": ("plan", "优势产业链“强链”计划", ["市工信局", "市发改委"]),
    "P2": ("plan", "园区提质增效“升级”计划", ["市发改委"]),
    "P3": ("plan", "市场主体“倍增”计划", ["市市场监管局"]),
    "P4": ("plan", "规工企业“扩张”计划", ["市工信局"]),
    "P5": ("plan", "“专精特新”中小企业“裂变”计划", ["市工信局"]),
    "P6": ("plan", "100亿级企业“聚变”计划", ["市工信局"]),
    "P7": ("plan", "企业上市“金芙蓉”跃升计划", ["市经研金融办"]),
    "P8": ("plan", "助企纾困“千百扶培”计划", ["市工信局"]),
    "M1": ("measure", "突出抓精准招商", ["市商务局"]),
    "M2": ("measure", "突出抓科技创新", ["市科技局", "市教育局"]),
    "M3": ("measure", "突出抓金融服务", ["市经研金融办"]),
    "M4": ("measure", "突出抓争资争项", ["市发改委"]),
    "M5": ("measure", "突出抓环境优化", ["市优化营商环境协调事务中心(市优化办)"]),
    "M6": ("measure", "突出抓人才引进", ["市人力资源社会保障局"]),
}

# The numbers each plan commits to: code -> [(value, unit, period)].
PLAN_TARGETS = {
    "P1": [(12, "条", "2025年"), (3, "个", "2025年"), (3, "个", "2025年"), (4, "个", "2025年"), (2, "个", "2025年")],
    "P2": [(25, "万元", "2025年"), (15, "万元", "2025年"), (80, "%", "2025年"), (4, "个", "2025年")],
    "P3": [(3, "万户", "每年")],
    "P4": [(120, "家", "每年")],
    "P5": [(10, "家", "每年"), (30, "家", "每年"), (60, "家", "每年"), (5, "家", "2025年")],
    "P6": [(12, "家", "2025年"), (15, "家", "2025年"), (15, "家", "2025年"), (20, "家", "2025年")],
    "P7": [(10, "家", "2025年"), (15, "家", "2025年"), (10, "%", "2025年")],
}

# 四、1: the 12 chains and their tier (亿元).
CHAINS = [
    ("新能源和汽车制造", 1000),
    ("精品钢材及新材料", 1000),
    ("军工", 1000),
    ("绿色建材装配式建筑和建工", 800),
    ("生态绿色食品及槟榔制品", 800),
    ("文体旅游休闲", 800),
    ("先进电传动和新型能源装备", 500),
    ("高端装备制造", 500),
    ("电子信息和新一代信息技术", 500),
    ("现代商贸及物流", 500),
    ("高端医疗器械及生物医药", 200),
    ("省级优势产业配套", 200),
]

# 附件1: every member of the leadership group with role and title as the annex lists them.
LEADER, EXEC, DEPUTY, MEMBER = (GroupRole.leader, GroupRole.executive_deputy, GroupRole.deputy, GroupRole.member)
ANNEX1 = [
    ("刘志仁", LEADER, "市委书记"),
    ("胡贺波", LEADER, "市委副书记、市人民政府市长"),
    ("吴志雄", EXEC, "市委常委、市人民政府常务副市长"),
    ("周晖", DEPUTY, "市委常委、市人民政府副市长"),
    ("董巍", DEPUTY, "市委常委、市人民政府副市长"),
    ("傅军", DEPUTY, "市人民政府副市长"),
    ("丁诚", DEPUTY, "市人民政府副市长"),
    ("周艳希", DEPUTY, "市人民政府副市长"),
    ("杨晓军", DEPUTY, "市人民政府副市长(负责日常工作)"),
    ("陈爱民", DEPUTY, "市人民政府副市长"),
    ("颜晓媚", DEPUTY, "市人民政府党组成员"),
    ("蒋文龙", DEPUTY, "市人民政府秘书长"),
    ("刘光明", MEMBER, "市人民政府副秘书长"),
    ("刘科", MEMBER, "市人民政府副秘书长"),
    ("章礼华", MEMBER, "市人民政府副秘书长"),
    ("黄勇", MEMBER, "市人民政府副秘书长"),
    ("朱可少", MEMBER, "市人民政府副秘书长"),
    ("周卫平", MEMBER, "市人民政府办公室副主任"),
    ("彭文发", MEMBER, "市人民政府办公室党组成员"),
    ("吴纯杰", MEMBER, "市发改委主任"),
    ("刘耀奇", MEMBER, "市科技局局长"),
    ("李伟清", MEMBER, "市工信局局长"),
    ("唐慧", MEMBER, "市财政局局长"),
    ("禹尚良", MEMBER, "市人力资源社会保障局局长"),
    ("王峰", MEMBER, "市自然资源规划局局长"),
    ("贺丰炎", MEMBER, "市生态环境局局长"),
    ("潘永其", MEMBER, "市住房城乡建设局局长"),
    ("黄建文", MEMBER, "市交通运输局局长"),
    ("刘良丰", MEMBER, "市农业农村局局长"),
    ("唐煜", MEMBER, "市商务局局长"),
    ("张湘汉", MEMBER, "市文旅广体局局长"),
    ("陈景泉", MEMBER, "市国资委主任"),
    ("赵波", MEMBER, "市市场监管局局长"),
    ("杨卫国", MEMBER, "市统计局局长"),
    ("赵雯纬", MEMBER, "市城管执法局局长"),
    ("黎杰", MEMBER, "市经研金融办主任"),
    ("张驰", MEMBER, "市行政审批局局长"),
    ("刘杰义", MEMBER, "市优化营商环境协调事务中心主任"),
    ("蒋文武", MEMBER, "市大数据和产业创新发展中心主任"),
    ("何玮", MEMBER, "市税务局局长"),
    ("陈翊高", MEMBER, "人民银行市中心支行行长"),
    ("杜伟宏", MEMBER, "湘潭银保监分局局长"),
]

# 附件1 members who head a unit, with that unit (述职 and the member-unit heads).
UNIT_HEADS = {
    "吴纯杰": "市发改委", "刘耀奇": "市科技局", "李伟清": "市工信局", "唐慧": "市财政局",
    "禹尚良": "市人力资源社会保障局", "王峰": "市自然资源规划局", "贺丰炎": "市生态环境局",
    "潘永其": "市住房城乡建设局", "黄建文": "市交通运输局", "刘良丰": "市农业农村局", "唐煜": "市商务局",
    "张湘汉": "市文旅广体局", "陈景泉": "市国资委", "赵波": "市市场监管局", "杨卫国": "市统计局",
    "赵雯纬": "市城管执法局", "黎杰": "市经研金融办", "张驰": "市行政审批局",
    "刘杰义": "市优化营商环境协调事务中心(市优化办)", "蒋文武": "市大数据和产业创新发展中心",
    "何玮": "市税务局", "陈翊高": "人民银行市中心支行", "杜伟宏": "湘潭银保监分局",
}

VICE_MAYORS = {"吴志雄", "周晖", "董巍", "傅军", "丁诚", "周艳希", "杨晓军", "陈爱民"}

ON = date(2026, 3, 10)

ORG_TABLES = ("units", "people", "positions", "group_memberships", "portfolio_items", "chains", "plans",
              "plan_lead_units", "targets", "users")


def table_rows():
    """Every row of the organisation's tables, in primary-key order: a fingerprint of the whole organisation."""
    rows = {}
    for name in ORG_TABLES:
        table = db.metadata.tables[name]
        rows[name] = [tuple(r) for r in db.session.execute(sa.select(table).order_by(*table.primary_key.columns))]
    return rows


# --- units ---------------------------------------------------------------------------------------------------

def test_the_transcribed_table_itself_has_59_units_in_groups_of_5_4_4_20_26():
    names = [name for name, _ in ANNEX2_UNITS]
    assert len(names) == len(set(names)) == 59
    counts = {g: sum(1 for _, group in ANNEX2_UNITS if group == g) for g in ("county", "park1", "park2",
                                                                           "promotion", "support")}
    assert counts == {"county": 5, "park1": 4, "park2": 4, "promotion": 20, "support": 26}


def test_every_assessed_unit_is_in_its_annex_2_group_with_the_annex_2_name():
    stored = db.session.execute(sa.select(Unit.name, Unit.group).where(Unit.group.isnot(None))
                                .order_by(Unit.sort_order)).all()
    assert [(name, group.value) for name, group in stored] == ANNEX2_UNITS


def test_group_counts_are_5_4_4_20_26_and_the_city_units_are_46():
    counts = dict(db.session.execute(sa.select(Unit.group, sa.func.count()).where(Unit.group.isnot(None))
                                     .group_by(Unit.group)).all())
    assert counts == {UnitGroup.county: 5, UnitGroup.park1: 4, UnitGroup.park2: 4, UnitGroup.promotion: 20,
                      UnitGroup.support: 26}
    assert counts[UnitGroup.promotion] + counts[UnitGroup.support] == 46


def test_the_office_and_every_other_named_unit_exist_and_are_not_assessed():
    for name, kind in OTHER_UNITS.items():
        unit = unit_named(name)
        assert unit.kind is kind, name
        assert unit.group is None and not unit.is_assessed, name
    assert unit_named("市产业强市“千百十”工程办").is_office
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(Unit.kind == UnitKind.office)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 59 + len(OTHER_UNITS)


def test_parks_are_park_kind_and_the_three_utilities_are_enterprises():
    for name, group in ANNEX2_UNITS:
        kind = unit_named(name).kind
        if group in ("park1", "park2"):
            assert kind is UnitKind.park, name
        elif group == "county":
            assert kind is UnitKind.government, name
    for name in ("湘潭新奥燃气有限公司", "国网湘潭供电公司", "湘潭中环水务有限公司"):
        assert unit_named(name).kind is UnitKind.enterprise


def test_the_units_whose_annual_result_is_reported_upward_follow_annex_2_section_5():
    stored = dict(db.session.execute(sa.select(Unit.name, Unit.superior_report)
                                     .where(Unit.superior_report.isnot(None))).all())
    assert stored == REPORTED_UPWARD


def test_every_unit_is_active_with_a_short_name_after_seeding():
    for unit in db.session.scalars(sa.select(Unit)):
        assert unit.is_active and unit.short_name, unit.name


# --- leadership group (annex 1) ----------------------------------------------------------------------------

def test_the_leadership_group_has_annex_1_roles_and_titles_in_order():
    members = [m for m in queries.leadership(ON) if m.role in (LEADER, EXEC, DEPUTY, MEMBER)]
    assert [(m.person.name, m.role, m.title) for m in members] == ANNEX1


def test_the_leadership_group_counts_two_leaders_one_executive_deputy_nine_deputies_thirty_members():
    counts = dict(db.session.execute(sa.select(GroupMembership.role, sa.func.count())
                                     .group_by(GroupMembership.role)).all())
    assert counts == {LEADER: 2, EXEC: 1, DEPUTY: 9, MEMBER: 30, GroupRole.office_director: 1,
                      GroupRole.office_deputy_director: 1}


def test_the_office_is_directed_by_zhu_keshao_with_li_weiqing_as_deputy():
    director = db.session.scalars(sa.select(GroupMembership).where(
        GroupMembership.role == GroupRole.office_director)).one()
    deputy = db.session.scalars(sa.select(GroupMembership).where(
        GroupMembership.role == GroupRole.office_deputy_director)).one()
    assert director.person.name == "朱可少"
    assert deputy.person.name == "李伟清"
    # both keep their annex 1 membership besides the office role
    assert {m.role for m in person_named("朱可少").memberships} == {MEMBER, GroupRole.office_director}
    assert {m.role for m in person_named("李伟清").memberships} == {MEMBER, GroupRole.office_deputy_director}


def test_seeded_roles_start_on_the_document_date_and_are_open_ended():
    periods = set(db.session.execute(sa.select(GroupMembership.starts_on, GroupMembership.ends_on)).all())
    assert periods == {(date(2022, 3, 17), None)}


def test_positions_mark_the_secretary_the_mayor_and_the_eight_vice_mayors():
    assert {p.name for p in queries.vice_mayors(ON)} == VICE_MAYORS
    secretary = db.session.scalars(sa.select(Person).join(Position).where(Position.is_secretary)).all()
    mayor = db.session.scalars(sa.select(Person).join(Position).where(Position.is_mayor)).all()
    assert [p.name for p in secretary] == ["刘志仁"]
    assert [p.name for p in mayor] == ["胡贺波"]
    mayor_position = db.session.scalars(sa.select(Position).where(Position.is_mayor)).one()
    assert mayor_position.unit.name == "湘潭市人民政府"


def test_member_unit_heads_are_recorded_as_heads_of_their_units():
    heads = db.session.execute(
        sa.select(Person.name, Unit.name).join(Position, Position.person_id == Person.id)
        .join(Unit, Position.unit_id == Unit.id)
        .where(Position.is_unit_head, Person.note.is_(None))).all()
    assert dict(heads) == UNIT_HEADS


# --- chains, plans, targets ----------------------------------------------------------------------------------

def test_the_12_chains_have_their_tier_in_document_order():
    assert [(c.name, c.tier) for c in queries.chains()] == CHAINS
    tiers = [c.tier_label for c in queries.chains()]
    assert tiers.count("1000亿级") == 3 and tiers.count("800亿级") == 3
    assert tiers.count("500亿级") == 4 and tiers.count("200亿级") == 2


def test_every_plan_and_measure_has_the_lead_units_of_the_document():
    stored = {p.code: (p.kind.value, p.name, [u.name for u in p.lead_units]) for p in queries.plans_with_leads()}
    assert stored == PLANS
    assert [p.code for p in queries.plans_with_leads()] == list(PLANS)


def test_there_are_eight_plans_and_six_measures():
    counts = dict(db.session.execute(sa.select(Plan.kind, sa.func.count()).group_by(Plan.kind)).all())
    assert counts == {PlanKind.plan: 8, PlanKind.measure: 6}


@pytest.mark.parametrize("code", list(PLAN_TARGETS))
def test_the_quantified_targets_of_each_plan(code):
    plan = db.session.scalars(sa.select(Plan).where(Plan.code == code)).one()
    assert [(t.value, t.unit_label, t.period) for t in plan.targets] == [
        (Decimal(v), unit, period) for v, unit, period in PLAN_TARGETS[code]]


def test_plan_8_covers_every_large_enterprise_as_a_coverage_rate_and_measures_have_no_targets():
    # "实现规上企业覆盖" has no number in the document: as an indicator it is the share of 规上 enterprises with a
    # 联点 leader, whose target is all of them.
    p8 = db.session.scalars(sa.select(Plan).where(Plan.code == "P8")).one()
    assert len(p8.targets) == 1 and "规上企业覆盖" in p8.targets[0].text
    assert (p8.targets[0].value, p8.targets[0].unit_label, p8.targets[0].measure) == (
        Decimal(100), "%", "liaison_coverage")
    measures = db.session.scalars(sa.select(Plan).where(Plan.kind == PlanKind.measure)).all()
    assert all(m.targets == [] for m in measures)


def test_every_target_is_an_indicator_with_a_code_a_responsible_unit_and_a_source():
    targets = db.session.scalars(sa.select(Target)).all()
    assert len({t.code for t in targets}) == len(targets) == 41
    assert all(t.responsible_unit is not None for t in targets)
    by_code = {t.code: t for t in targets}
    assert by_code["G05"].measure == "enterprises_at_tier:100"
    assert by_code["G05"].responsible_unit.short_name == "市工信局"
    assert by_code["G12"].measure is None and by_code["G12"].responsible_unit.short_name == "市统计局"  # entered
    assert by_code["P2-1"].breaks_down and by_code["P2-1"].measure is None  # 亩均税收, per park
    assert by_code["P4-1"].measure == "above_scale_net_new" and by_code["P4-1"].is_yearly


def test_the_city_goals_of_section_3_are_loaded():
    goals = {t.text: (t.value, t.unit_label) for t in queries.city_goals()}
    assert goals["培育3个1000亿级产业"] == (Decimal(3), "个")
    assert goals["重点引进培育12家以上100亿级企业"] == (Decimal(12), "家")
    assert goals["实施500个以上亿元级项目"] == (Decimal(500), "个")
    assert goals["制造业增加值占GDP比重稳定在40%以上"] == (Decimal(40), "%")
    assert goals["规模工业企业力争达到1800家以上"] == (Decimal(1800), "家")
    assert goals["高新技术企业个数超过1000家"] == (Decimal(1000), "家")
    assert goals["全社会研究与试验发展经费投入占GDP比重达到3%"] == (Decimal(3), "%")
    assert goals["工业战略性新兴产业总产值占工业总产值比重达到35%"] == (Decimal(35), "%")
    assert goals["高新技术产业增加值占GDP比重达到36.5%以上"] == (Decimal("36.5"), "%")
    assert goals["规模工业增加值年均增速8%"] == (Decimal(8), "%")
    assert len(goals) == 18


# --- idempotence -------------------------------------------------------------------------------------------

def test_seed_twice_changes_nothing(app):
    before = table_rows()
    assert seed_organisation() == {"units": 0, "people": 0, "chains": 0, "plans": 0, "targets": 0}
    assert table_rows() == before


def test_flask_seed_command_twice_changes_nothing(app):
    before = table_rows()
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        assert "units 新增 0" in result.output and "plans 新增 0" in result.output
    assert table_rows() == before


def test_flask_seed_on_an_empty_organisation_creates_everything_once(app):
    # Start from nothing inside the test's transaction: seed creates the whole organisation, then nothing.
    db.session.execute(sa.delete(AuditEntry))
    db.session.execute(sa.update(User).values(unit_id=None, person_id=None))
    for name in ("plan_lead_units", "targets", "plans", "portfolio_items", "group_memberships", "positions",
                 "chains", "people", "units"):
        db.session.execute(sa.delete(db.metadata.tables[name]))
    created = seed_organisation()
    assert created == {"units": 65, "people": 42, "chains": 12, "plans": 14, "targets": 23 + 18}
    assert seed_organisation() == {"units": 0, "people": 0, "chains": 0, "plans": 0, "targets": 0}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(plan_lead_units)) == 16


def test_seed_does_not_undo_edits_of_an_administrator(app, user):
    admin = user("admin")
    unit = unit_named("市发改委")
    services.update_unit(admin, unit, "市发改委", "发改委", "张三 0731-1234567", False, 99)
    membership = next(m for m in person_named("蒋文龙").memberships if m.role is DEPUTY)
    services.end_period(admin, membership, date(2025, 12, 31), "membership.end")
    chain = db.session.scalars(sa.select(Chain).where(Chain.name == "军工")).one()
    services.set_chain_leader(admin, chain, person_named("丁诚"), unit_named("市工信局"))
    db.session.commit()
    before = table_rows()

    result = app.test_cli_runner().invoke(args=["seed"])

    assert result.exit_code == 0, result.output
    assert table_rows() == before
    db.session.expire_all()
    unit = unit_named("市发改委")
    assert (unit.short_name, unit.contact, unit.is_active, unit.sort_order) == ("发改委", "张三 0731-1234567",
                                                                                False, 99)
    assert db.session.get(GroupMembership, membership.id).ends_on == date(2025, 12, 31)
    assert db.session.get(Chain, chain.id).leader.name == "丁诚"


def test_seed_does_not_recreate_a_unit_or_person_an_administrator_renamed(app, user):
    admin = user("admin")
    services.update_unit(admin, unit_named("市发改委"), "市发展和改革委员会", "市发改委", None, True, 14)
    services.update_person(admin, person_named("周晖"), "周晖（已更正）", None, True)
    db.session.commit()
    before = table_rows()

    assert seed_organisation() == {"units": 0, "people": 0, "chains": 0, "plans": 0, "targets": 0}

    assert table_rows() == before
    assert db.session.scalar(sa.select(Unit).where(Unit.name == "市发改委")) is None
    assert db.session.scalar(sa.select(Person).where(Person.name == "周晖")) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(Unit.group.isnot(None))) == 59
