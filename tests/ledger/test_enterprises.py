"""Enterprises through the HTTP layer (issue #14 part 1): create and edit, each bad input refused with its Chinese
message and nothing written, who may keep what (404 for a row a unit may not read, 403 for one it reads but may not
keep), registries and the listing pipeline with their audit entries."""

from datetime import date

import pytest
import sqlalchemy as sa

from app.auth import services as auth_services
from app.auth.models import Role
from app.core.models import AuditEntry
from app.extensions import db
from app.ledger import enterprises as services
from app.ledger.models import Enterprise, ListingStage, ListingStep, Registry, RegistryMembership
from tests.factories import account, chain, person, unit
from tests.ledger.matrix_enterprises import valid_uscc

COUNTY = "湘潭县人民政府"  # xtx
PARK = "湘潭高新区管委会"  # gxq
TODAY = date(2026, 3, 10)  # the frozen clock's day


def uscc(n):
    return valid_uscc(f"9143030{n:010d}")


def bad_check_char(n):
    code = uscc(n)
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def counts():
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)),
            db.session.scalar(sa.select(sa.func.count()).select_from(RegistryMembership)),
            db.session.scalar(sa.select(sa.func.count()).select_from(ListingStep)),
            db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)))


def make(name="样例企业", n=1, unit_name=COUNTY, chains=("高端装备制造",), masters=(), since=date(2020, 1, 1),
         liaison=None, **extra):
    enterprise = services.create_enterprise(
        account("admin"), unit=unit(unit_name), today=TODAY, name=name, uscc=uscc(n),
        chain_ids=[chain(c).id for c in chains], master_ids=[chain(c).id for c in masters],
        above_scale_since=since, left_scale_on=None, liaison_id=liaison, note="")
    for key, value in extra.items():
        setattr(enterprise, key, value)
    db.session.flush()
    return enterprise


def form(**changes):
    data = {"name": "湘潭县新能源科技有限公司", "uscc": uscc(7), "unit_id": str(unit(COUNTY).id),
            "chains": [str(chain("新能源和汽车制造").id), str(chain("高端装备制造").id)],
            "masters": [str(chain("新能源和汽车制造").id)], "above_scale_since": "2021-05-01",
            "left_scale_on": "", "liaison_id": str(person("丁诚").id), "note": "重点培育", "is_active": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def audits(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


@pytest.fixture
def listing_keeper():
    return auth_services.create_user(account("admin"), "jrb_test", "金融办联络员", "Plenty-long-2026", Role.staff,
                                     unit=unit("市经研金融办"))


# --- create and edit -------------------------------------------------------------------------------------------

def test_county_staff_create_an_enterprise_with_chains_and_its_audit_entry(client, login_as, clock):
    login_as("xtx")
    response = client.post("/ledger/enterprises/new", data=form())
    assert response.status_code == 302, response.text
    enterprise = db.session.scalar(sa.select(Enterprise).where(Enterprise.uscc == uscc(7)))
    assert enterprise.unit_id == unit(COUNTY).id and enterprise.is_above_scale
    assert enterprise.above_scale_since == date(2021, 5, 1) and enterprise.liaison_id == person("丁诚").id
    assert {(link.chain.name, link.is_master) for link in enterprise.chain_links} == {
        ("新能源和汽车制造", True), ("高端装备制造", False)}
    entry = audits("enterprise.create")[-1]
    assert entry.object_id == str(enterprise.id) and entry.actor_id == account("xtx").id
    assert entry.after["uscc"] == uscc(7) and entry.after["name"] == "湘潭县新能源科技有限公司"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "湘潭县新能源科技有限公司" in page.text and "链主" in page.text


def test_the_uscc_is_stored_compacted_and_in_upper_case(client, login_as, clock):
    login_as("xtx")
    code = uscc(8)
    response = client.post("/ledger/enterprises/new", data=form(uscc=f" {code[:6].lower()} {code[6:].lower()} "))
    assert response.status_code == 302, response.text
    assert db.session.scalar(sa.select(Enterprise.uscc).where(Enterprise.name == "湘潭县新能源科技有限公司")) == code


def test_county_staff_edit_their_enterprise_and_the_audit_keeps_before_and_after(client, login_as, clock):
    enterprise = make()
    login_as("xtx")
    response = client.post(f"/ledger/enterprises/{enterprise.id}/edit",
                           data=form(name="改名后的企业", uscc=enterprise.uscc, masters=[], left_scale_on="2026-02-01"))
    assert response.status_code == 302, response.text
    db.session.refresh(enterprise)
    assert enterprise.name == "改名后的企业" and not enterprise.is_above_scale
    entry = audits("enterprise.update")[-1]
    assert entry.before["name"] == "样例企业" and entry.after["name"] == "改名后的企业"
    assert entry.before["is_above_scale"] is True and entry.after["is_above_scale"] is False
    assert "chains" in entry.after
    response = client.post(f"/ledger/enterprises/{enterprise.id}/edit",
                           data=form(name="改名后的企业", uscc=enterprise.uscc, masters=[], is_active=None))
    assert response.status_code == 302
    db.session.refresh(enterprise)
    assert enterprise.is_active is False
    assert audits("enterprise.update")[-1].after == {"is_active": False, "is_above_scale": True,
                                                     "left_scale_on": None}


def test_the_edit_form_shows_the_enterprise_as_it_is(client, login_as):
    enterprise = make(masters=("高端装备制造",))
    login_as("xtx")
    page = client.get(f"/ledger/enterprises/{enterprise.id}/edit")
    assert page.status_code == 200
    master = chain("高端装备制造").id
    assert f'name="masters" value="{master}" id="master-{master}" checked' in page.text
    assert enterprise.uscc in page.text


def test_the_office_moves_an_enterprise_to_another_park(client, login_as):
    enterprise = make()
    login_as("admin")
    response = client.post(f"/ledger/enterprises/{enterprise.id}/edit",
                           data=form(uscc=enterprise.uscc, unit_id=str(unit(PARK).id)))
    assert response.status_code == 302, response.text
    db.session.refresh(enterprise)
    assert enterprise.unit_id == unit(PARK).id
    assert audits("enterprise.update")[-1].after["unit_id"] == unit(PARK).id


def test_a_county_may_not_move_its_enterprise_to_another_unit(client, login_as):
    enterprise = make()
    login_as("xtx")
    before = counts()
    response = client.post(f"/ledger/enterprises/{enterprise.id}/edit",
                           data=form(uscc=enterprise.uscc, unit_id=str(unit(PARK).id)))
    assert response.status_code == 400
    assert "请从列表中选择有效的所属县市区/园区" in response.text
    assert counts() == before
    db.session.refresh(enterprise)
    assert enterprise.unit_id == unit(COUNTY).id


def test_the_service_refuses_a_move_by_a_unit_and_an_owner_that_is_no_county_or_park():
    enterprise = make()
    with pytest.raises(services.PermissionDenied, match="只有千百十办"):
        services.update_enterprise(account("xtx"), enterprise, unit=unit(PARK), today=TODAY, name="x",
                                   uscc=enterprise.uscc, chain_ids=[chain("军工").id], master_ids=[],
                                   above_scale_since=None, left_scale_on=None, liaison_id=None, note="")
    with pytest.raises(services.ServiceError, match="所属县市区/园区必须是"):
        services.create_enterprise(account("admin"), unit=unit("市工信局"), today=TODAY, name="x", uscc=uscc(3),
                                   chain_ids=[chain("军工").id], master_ids=[], above_scale_since=None,
                                   left_scale_on=None, liaison_id=None, note="")


# --- bad input: refused with a Chinese message naming the field, nothing written ----------------------------

BAD_INPUTS = [
    ("check_character", {"uscc": bad_check_char(7)}, "统一社会信用代码的校验位（第 18 位）不正确"),
    ("too_short", {"uscc": "91430300000000"}, "统一社会信用代码应为 18 位（当前 14 位）"),
    ("bad_characters", {"uscc": "91430300000000000I"}, "统一社会信用代码格式不正确"),
    ("blank_uscc", {"uscc": ""}, "请填写统一社会信用代码"),
    ("blank_name", {"name": "  "}, "请填写企业名称"),
    ("name_with_line_break", {"name": "甲\r\n乙"}, "“企业名称”不能包含换行符"),
    ("no_chain", {"chains": [], "masters": []}, "请至少选择一条所属产业链"),
    ("garbled_chain", {"chains": ["abc"]}, "所属产业链中有无效的选项"),
    ("unknown_chain", {"chains": ["99999"]}, "所属产业链中有无效的选项"),
    ("master_of_another_chain", {"masters": [str(0)]}, "链主企业（所在产业链）中有无效的选项"),
    ("malformed_date", {"above_scale_since": "2021-13-01"}, "日期格式不正确"),
    ("negative_date", {"above_scale_since": "-2021-01-01"}, "日期格式不正确"),
    ("future_date", {"above_scale_since": "2027-01-01"}, "规上时间不能晚于今天"),
    ("left_before_since", {"left_scale_on": "2020-01-01"}, "退规时间不能早于规上时间"),
    ("left_without_since", {"above_scale_since": "", "left_scale_on": "2020-01-01"}, "请先填写规上时间"),
    ("garbled_liaison", {"liaison_id": "-5x"}, "请从列表中选择有效的联点领导"),
    ("another_units_id", {"unit_id": "park"}, "请从列表中选择有效的所属县市区/园区"),
]


@pytest.mark.parametrize(("changes", "message"), [pytest.param(c, m, id=i) for i, c, m in BAD_INPUTS])
def test_each_bad_input_is_refused_with_its_message_and_nothing_written(client, login_as, clock, changes,
                                                                          message):
    login_as("xtx")
    if changes.get("unit_id") == "park":
        changes = {"unit_id": str(unit(PARK).id)}
    before = counts()
    response = client.post("/ledger/enterprises/new", data=form(**changes))
    assert 400 <= response.status_code < 500, response.status_code
    assert message in response.text
    assert counts() == before


def test_a_master_chain_not_among_the_chains_is_refused(client, login_as, clock):
    login_as("xtx")
    before = counts()
    response = client.post("/ledger/enterprises/new", data=form(masters=[str(chain("军工").id)]))
    assert response.status_code == 422 and "链主企业只能标在所属产业链上" in response.text
    assert counts() == before


def test_a_duplicate_uscc_is_refused_naming_the_enterprise_only_to_who_may_read_it(client, login_as, clock):
    make(name="高新区已有企业", n=7, unit_name=PARK)
    login_as("xtx")
    before = counts()
    response = client.post("/ledger/enterprises/new", data=form())
    assert response.status_code == 409
    assert f"统一社会信用代码 {uscc(7)} 已登记为另一家企业" in response.text
    assert "高新区已有企业" not in response.text
    assert counts() == before
    login_as("admin")
    response = client.post("/ledger/enterprises/new", data=form())
    assert response.status_code == 409 and "已登记为企业“高新区已有企业”" in response.text


def test_editing_to_another_enterprises_uscc_is_refused(client, login_as, clock):
    make(name="甲企业", n=1)
    other = make(name="乙企业", n=2)
    login_as("xtx")
    before = counts()
    response = client.post(f"/ledger/enterprises/{other.id}/edit", data=form(uscc=uscc(1)))
    assert response.status_code == 409 and "已登记为企业“甲企业”" in response.text
    assert counts() == before


def test_another_units_staff_get_404_and_a_reader_who_may_not_keep_gets_403(client, login_as):
    enterprise = make()
    before = counts()
    login_as("gxq")  # a park's staff do not read 湘潭县's enterprises
    assert client.get(f"/ledger/enterprises/{enterprise.id}").status_code == 404
    assert client.get(f"/ledger/enterprises/{enterprise.id}/edit").status_code == 404
    assert client.post(f"/ledger/enterprises/{enterprise.id}/edit", data=form(uscc=enterprise.uscc)).status_code == 404
    login_as("gxj")  # 市工信局 reads the whole ledger but keeps no enterprise
    assert client.get(f"/ledger/enterprises/{enterprise.id}").status_code == 200
    assert client.post(f"/ledger/enterprises/{enterprise.id}/edit",
                       data=form(uscc=enterprise.uscc, name="工信局改的")).status_code == 403
    assert client.get("/ledger/enterprises/new").status_code == 403
    assert counts() == before
    assert db.session.get(Enterprise, enterprise.id).name == "样例企业"


# --- registries ------------------------------------------------------------------------------------------------

def registry_form(**changes):
    data = {"kind": "cultivation", "level": "", "year": "", "starts_on": "2026-03-01", "reason": "营收增长快",
            "plan_document": ""}
    data.update(changes)
    return data


def test_the_registry_keeper_adds_and_ends_a_membership_with_who_and_why(client, login_as, clock):
    enterprise = make()
    login_as("gxj")
    response = client.post(f"/ledger/enterprises/{enterprise.id}/registries", data=registry_form())
    assert response.status_code == 302, response.text
    membership = db.session.scalar(sa.select(RegistryMembership)
                                   .where(RegistryMembership.enterprise_id == enterprise.id))
    assert membership.kind is Registry.cultivation and membership.added_by_id == account("gxj").id
    entry = audits("enterprise.registry_add")[-1]
    assert entry.after["reason"] == "营收增长快" and entry.reason == "营收增长快"
    response = client.post(f"/ledger/enterprises/{enterprise.id}/registries/{membership.id}/end",
                           data={"ends_on": "2026-03-09", "end_reason": "已纳入规上"})
    assert response.status_code == 302, response.text
    db.session.refresh(membership)
    assert membership.ends_on == date(2026, 3, 9) and membership.ended_by_id == account("gxj").id
    entry = audits("enterprise.registry_end")[-1]
    assert entry.before["ends_on"] is None and entry.after["end_reason"] == "已纳入规上"
    page = client.get(f"/ledger/enterprises/{enterprise.id}")
    assert "已纳入规上" in page.text and "市工信局联络员" in page.text


def test_specialized_hundred_billion_and_high_tech_entries_keep_level_year_and_plan(client, login_as, clock):
    enterprise = make()
    login_as("gxj")
    assert client.post(f"/ledger/enterprises/{enterprise.id}/registries", data=registry_form(
        kind="specialized", level="province", year="2025")).status_code == 302
    assert client.post(f"/ledger/enterprises/{enterprise.id}/registries", data=registry_form(
        kind="hundred_billion", plan_document="一、目标\n二、举措")).status_code == 302
    login_as("kjj")
    assert client.post(f"/ledger/enterprises/{enterprise.id}/registries", data=registry_form(
        kind="high_tech", year="2024")).status_code == 302
    rows = {m.kind: m for m in db.session.scalars(sa.select(RegistryMembership)
                                                   .where(RegistryMembership.enterprise_id == enterprise.id))}
    assert rows[Registry.specialized].level.value == "province" and rows[Registry.specialized].year == 2025
    assert rows[Registry.hundred_billion].plan_document == "一、目标\n二、举措"
    assert rows[Registry.high_tech].year == 2024
    page = client.get(f"/ledger/enterprises/{enterprise.id}")
    assert "省级专精特新“小巨人”" in page.text and "二、举措" in page.text


REGISTRY_BAD = [
    ("no_level", {"kind": "specialized", "year": "2025"}, "专精特新请选择认定层级", 422),
    ("no_year", {"kind": "specialized", "level": "city"}, "请填写认定年份", 422),
    ("negative_year", {"kind": "specialized", "level": "city", "year": "-2025"}, "认定年份应在", 400),
    ("garbled_year", {"kind": "specialized", "level": "city", "year": "二〇二五"}, "“认定年份”必须是整数", 400),
    ("future_year", {"kind": "specialized", "level": "city", "year": "2030"}, "认定年份应在 1990 到 2026 之间", 422),
    ("level_elsewhere", {"level": "city"}, "只有专精特新需要选择认定层级", 422),
    ("no_plan", {"kind": "hundred_billion"}, "请填写一企一策方案", 422),
    ("no_reason", {"reason": ""}, "请填写入库理由", 400),
    ("future_start", {"starts_on": "2026-04-01"}, "入库日期不能晚于今天", 422),
    ("malformed_start", {"starts_on": "2026/03/01x"}, "日期格式不正确", 400),
    ("unknown_registry", {"kind": "nonsense"}, "请从列表中选择名录（库）", 400),
]


@pytest.mark.parametrize(("changes", "message", "status"), [pytest.param(c, m, s, id=i) for i, c, m, s in REGISTRY_BAD])
def test_each_bad_registry_entry_is_refused_and_nothing_written(client, login_as, clock, changes, message, status):
    enterprise = make()
    login_as("gxj")
    before = counts()
    response = client.post(f"/ledger/enterprises/{enterprise.id}/registries", data=registry_form(**changes))
    assert response.status_code == status and message in response.text
    assert counts() == before


def test_a_second_open_membership_of_the_same_registry_is_refused(client, login_as, clock):
    enterprise = make()
    login_as("gxj")
    assert client.post(f"/ledger/enterprises/{enterprise.id}/registries", data=registry_form()).status_code == 302
    before = counts()
    response = client.post(f"/ledger/enterprises/{enterprise.id}/registries", data=registry_form())
    assert response.status_code == 409 and "该企业已在“小升规重点企业培育库”中" in response.text
    assert counts() == before
    # another 专精特新 level may be open beside the first; the same level may not
    data = registry_form(kind="specialized", level="city", year="2024")
    assert client.post(f"/ledger/enterprises/{enterprise.id}/registries", data=data).status_code == 302
    assert client.post(f"/ledger/enterprises/{enterprise.id}/registries", data=registry_form(
        kind="specialized", level="province", year="2025")).status_code == 302
    assert client.post(f"/ledger/enterprises/{enterprise.id}/registries", data=data).status_code == 409


def test_registries_are_refused_to_who_does_not_keep_them(client, login_as, clock):
    enterprise = make()
    membership = services.add_membership(account("gxj"), enterprise, kind=Registry.cultivation,
                                         starts_on=date(2026, 1, 1), reason="样例", today=TODAY)
    db.session.flush()
    before = counts()
    login_as("kjj")  # 市科技局 keeps 高企 only
    response = client.post(f"/ledger/enterprises/{enterprise.id}/registries", data=registry_form())
    assert response.status_code == 403 and "“小升规重点企业培育库”由市工信局维护" in response.text
    assert client.post(f"/ledger/enterprises/{enterprise.id}/registries/{membership.id}/end",
                       data={"ends_on": "2026-03-01", "end_reason": "x"}).status_code == 403
    login_as("xtx")  # the county keeps the enterprise, not the registries
    assert client.post(f"/ledger/enterprises/{enterprise.id}/registries", data=registry_form()).status_code == 403
    login_as("gxq")  # a park does not even read 湘潭县's enterprise
    assert client.post(f"/ledger/enterprises/{enterprise.id}/registries", data=registry_form()).status_code == 404
    assert counts() == before


def test_ending_a_membership_refuses_bad_dates_a_second_end_and_another_enterprises_row(client, login_as, clock):
    enterprise, other = make(), make(name="另一家", n=2)
    membership = services.add_membership(account("gxj"), enterprise, kind=Registry.exit_risk,
                                         starts_on=date(2026, 2, 1), reason="样例", today=TODAY)
    db.session.flush()
    login_as("gxj")
    url = f"/ledger/enterprises/{enterprise.id}/registries/{membership.id}/end"
    before = counts()
    response = client.post(url, data={"ends_on": "2026-01-01", "end_reason": "x"})
    assert response.status_code == 422 and "移出日期不能早于入库日期（2026-02-01）" in response.text
    response = client.post(url, data={"ends_on": "2026-03-01", "end_reason": ""})
    assert response.status_code == 400 and "请填写移出理由" in response.text
    assert client.post(f"/ledger/enterprises/{other.id}/registries/{membership.id}/end",
                       data={"ends_on": "2026-03-01", "end_reason": "x"}).status_code == 404
    assert counts() == before
    assert client.post(url, data={"ends_on": "2026-03-01", "end_reason": "风险解除"}).status_code == 302
    before = counts()
    response = client.post(url, data={"ends_on": "2026-03-02", "end_reason": "again"})
    assert response.status_code == 409 and "该记录已于 2026-03-01 移出" in response.text
    assert counts() == before


# --- the listing pipeline --------------------------------------------------------------------------------------

def test_listing_steps_keep_the_furthest_stage_and_an_earlier_stage_needs_a_reason(client, login_as, clock,
                                                                                   listing_keeper):
    enterprise = make()
    login_as("jrb_test")
    url = f"/ledger/enterprises/{enterprise.id}/listing"
    assert client.post(url, data={"stage": "shareholding", "reached_on": "2025-06-01", "note": "股改完成"}
                       ).status_code == 302
    db.session.refresh(enterprise)
    assert enterprise.listing is ListingStage.shareholding
    before = counts()
    response = client.post(url, data={"stage": "high_tech", "reached_on": "2024-01-01"})
    assert response.status_code == 422 and "“高新技术企业”早于当前阶段“完成股改”，请填写理由" in response.text
    assert counts() == before
    response = client.post(url, data={"stage": "high_tech", "reached_on": "2024-01-01", "reason": "补录"})
    assert response.status_code == 302
    db.session.refresh(enterprise)
    assert enterprise.listing is ListingStage.shareholding
    assert audits("enterprise.listing_step")[-1].reason == "补录"
    before = counts()
    response = client.post(url, data={"stage": "high_tech", "reached_on": "2024-02-01", "reason": "再录"})
    assert response.status_code == 409 and "“高新技术企业”已于 2024-01-01 记录" in response.text
    for data, message in [({"stage": "listed", "reached_on": "2026-12-01"}, "达到日期不能晚于今天"),
                          ({"stage": "listed", "reached_on": "2026-99-01"}, "日期格式不正确"),
                          ({"stage": "ipo", "reached_on": "2026-01-01"}, "请从列表中选择上市梯队阶段")]:
        response = client.post(url, data=data)
        assert 400 <= response.status_code < 500 and message in response.text
    assert counts() == before
    assert client.post(url, data={"stage": "counselling", "reached_on": "2026-03-01"}).status_code == 302
    db.session.refresh(enterprise)
    assert enterprise.listing is ListingStage.counselling
    entry = audits("enterprise.update")[-1]
    assert entry.before == {"listing_stage": "shareholding"} and entry.after == {"listing_stage": "counselling"}
    page = client.get(f"/ledger/enterprises/{enterprise.id}")
    assert "股改完成" in page.text and "辅导备案" in page.text


def test_an_earlier_step_keeps_a_stage_set_without_steps(client, login_as, clock, listing_keeper):
    enterprise = make(listing_stage="listed")
    login_as("jrb_test")
    response = client.post(f"/ledger/enterprises/{enterprise.id}/listing",
                           data={"stage": "applied", "reached_on": "2025-01-01", "reason": "补录申报日期"})
    assert response.status_code == 302
    db.session.refresh(enterprise)
    assert enterprise.listing is ListingStage.listed


def test_listing_steps_are_refused_to_who_does_not_keep_the_pipeline(client, login_as, clock):
    enterprise = make()
    before = counts()
    for who in ("gxj", "xtx"):
        login_as(who)
        response = client.post(f"/ledger/enterprises/{enterprise.id}/listing",
                               data={"stage": "high_tech", "reached_on": "2026-01-01"})
        assert response.status_code == 403
    assert counts() == before
