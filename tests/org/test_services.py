"""Administrative changes to the organisation: each checks its input, flushes and writes an audit entry."""

from datetime import date

import pytest
import sqlalchemy as sa

from app.core.errors import ServiceError
from app.core.models import AuditEntry
from app.extensions import db
from app.org import queries, services
from app.org.models import Chain, GroupMembership, GroupRole, PortfolioItem, Position
from tests.factories import person as person_named
from tests.factories import unit as unit_named

ON = date(2026, 3, 10)


@pytest.fixture
def admin(user):
    return user("admin")


def audit_entries(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- units -------------------------------------------------------------------------------------------------

def test_update_unit_audits_only_the_changed_fields(admin):
    unit = unit_named("市科技局")
    services.update_unit(admin, unit, " 市科学技术局 ", "科技局", "李四 0731-7654321", True, unit.sort_order)
    [entry] = audit_entries("unit.update")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (admin.id, "units", str(unit.id))
    assert entry.before == {"name": "市科技局", "short_name": "市科技局", "contact": None}
    assert entry.after == {"name": "市科学技术局", "short_name": "科技局", "contact": "李四 0731-7654321"}
    assert unit.name == "市科学技术局"


def test_update_unit_refuses_a_name_another_unit_has(admin):
    unit = unit_named("市科技局")
    with pytest.raises(ServiceError) as refused:
        services.update_unit(admin, unit, "市工信局", "科技局", None, True, 1)
    assert refused.value.message == "已有名为“市工信局”的单位。" and refused.value.field == "name"
    db.session.expire_all()
    assert unit_named("市科技局").short_name == "市科技局"
    assert audit_entries("unit.update") == []


def test_saving_a_unit_unchanged_writes_no_audit_entry(admin):
    unit = unit_named("市科技局")
    services.update_unit(admin, unit, unit.name, unit.short_name, unit.contact, unit.is_active, unit.sort_order)
    assert audit_entries("unit.update") == []


# --- people and positions over time ------------------------------------------------------------------------

def test_create_person_audits_the_new_record(admin):
    person = services.create_person(admin, " 王小明 ", "新任副市长")
    [entry] = audit_entries("person.create")
    assert entry.object_id == str(person.id) and entry.before is None
    assert entry.after == {"name": "王小明", "note": "新任副市长", "is_active": True}


def test_a_person_holds_positions_over_time_and_only_current_ones_count(admin):
    person = services.create_person(admin, "王小明")
    government = unit_named("湘潭市人民政府")
    old = services.add_position(admin, person, unit_named("市工信局"), "局长", date(2020, 1, 1),
                                date(2025, 12, 31), is_unit_head=True)
    new = services.add_position(admin, person, government, "副市长", date(2026, 1, 1), is_vice_mayor=True)
    assert [p.title for p in person.positions] == ["局长", "副市长"]
    assert old.is_current(date(2025, 12, 31)) and not old.is_current(ON)
    assert new.is_current(ON) and not new.is_current(date(2025, 12, 31))
    assert person in queries.vice_mayors(ON)
    assert person not in queries.vice_mayors(date(2025, 6, 1))
    entry = audit_entries("position.create")[-1]
    assert entry.after["title"] == "副市长" and entry.after["unit_id"] == government.id
    assert entry.after["starts_on"] == "2026-01-01" and entry.after["ends_on"] is None


def test_ending_a_vice_mayors_position_removes_him_from_the_vice_mayors_after_that_day(admin):
    person = person_named("杨晓军")
    position = next(p for p in person.positions if p.is_vice_mayor)
    services.end_period(admin, position, date(2026, 2, 28), "position.end")
    assert person in queries.vice_mayors(date(2026, 2, 28))
    assert person not in queries.vice_mayors(ON)
    [entry] = audit_entries("position.end")
    assert entry.before == {"ends_on": None} and entry.after == {"ends_on": "2026-02-28"}
    assert entry.object_type == "positions" and entry.object_id == str(position.id)


def test_add_position_refuses_an_inactive_unit_and_an_end_before_the_start(admin):
    person = person_named("杨晓军")
    unit = unit_named("市科技局")
    unit.is_active = False
    with pytest.raises(ServiceError, match="单位“市科技局”已停用。"):
        services.add_position(admin, person, unit, "兼职", date(2026, 1, 1))
    with pytest.raises(ServiceError, match="请选择单位。"):
        services.add_position(admin, person, None, "兼职", date(2026, 1, 1))
    with pytest.raises(ServiceError, match="结束日期不能早于开始日期。"):
        services.add_position(admin, person, unit_named("市工信局"), "兼职", date(2026, 1, 2), date(2026, 1, 1))
    assert len(person.positions) == 1
    assert audit_entries("position.create") == []


def test_end_period_refuses_an_end_before_the_start_and_a_second_end(admin):
    position = person_named("杨晓军").positions[0]
    with pytest.raises(ServiceError, match="结束日期不能早于开始日期。"):
        services.end_period(admin, position, date(2022, 3, 16), "position.end")
    services.end_period(admin, position, date(2022, 3, 17), "position.end")  # a one-day period is allowed
    with pytest.raises(ServiceError, match="该记录已经结束。"):
        services.end_period(admin, position, date(2026, 1, 1), "position.end")
    assert position.ends_on == date(2022, 3, 17)
    assert len(audit_entries("position.end")) == 1


# --- leadership group memberships -------------------------------------------------------------------------

def test_membership_change_without_code_end_one_role_and_take_another(admin):
    person = person_named("蒋文龙")
    deputy = next(m for m in person.memberships if m.role is GroupRole.deputy)
    services.end_period(admin, deputy, date(2026, 2, 28), "membership.end")
    services.add_membership(admin, person, GroupRole.executive_deputy, "市委常委、市人民政府常务副市长",
                            date(2026, 3, 1), sort_order=3)
    current = {(m.person.name, m.role) for m in queries.leadership(ON)}
    assert ("蒋文龙", GroupRole.executive_deputy) in current
    assert ("蒋文龙", GroupRole.deputy) not in current
    assert ("蒋文龙", GroupRole.deputy) in {(m.person.name, m.role) for m in queries.leadership(date(2026, 2, 1))}
    [entry] = audit_entries("membership.create")
    assert entry.before is None
    assert entry.after == {"role": "executive_deputy", "title": "市委常委、市人民政府常务副市长", "sort_order": 3,
                           "starts_on": "2026-03-01", "ends_on": None}


def test_add_membership_refuses_a_second_overlapping_term_in_the_same_role(admin):
    person = person_named("蒋文龙")
    with pytest.raises(ServiceError) as refused:
        services.add_membership(admin, person, GroupRole.deputy, "市人民政府秘书长", date(2026, 1, 1))
    assert refused.value.message == "蒋文龙已担任“副组长”，请先结束原任职再添加。"
    assert count(GroupMembership) == 44
    assert audit_entries("membership.create") == []


def test_add_membership_accepts_an_earlier_term_that_ended_before_the_current_one(admin):
    # Recording history: a term that ended before the current term began does not overlap it.
    person = person_named("蒋文龙")
    earlier = services.add_membership(admin, person, GroupRole.deputy, "市人民政府秘书长", date(2019, 1, 1),
                                      date(2021, 12, 31))
    assert earlier.id is not None
    assert not earlier.is_current(ON)


def test_add_membership_refuses_an_end_before_the_start(admin):
    with pytest.raises(ServiceError, match="结束日期不能早于开始日期。"):
        services.add_membership(admin, person_named("刘光明"), GroupRole.deputy, "副组长", date(2026, 3, 2),
                                date(2026, 3, 1))


# --- portfolios (分管) ----------------------------------------------------------------------------------------

def test_a_vice_mayor_has_a_portfolio_of_units(admin):
    names = {u.name for u in queries.portfolio_units(person_named("丁诚").id, ON)}
    assert names == {"市工信局", "市大数据和产业创新发展中心", "市通管办", "国防光缆湘潭维护站", "国网湘潭供电公司",
                     "湘乡市人民政府", "湘乡经开区管委会"}
    assert queries.leader_of_unit(unit_named("市工信局").id, ON).name == "丁诚"


def test_a_unit_in_another_leaders_current_portfolio_is_refused(admin):
    with pytest.raises(ServiceError) as refused:
        services.add_portfolio_item(admin, person_named("杨晓军"), unit_named("市工信局"), date(2026, 3, 1))
    assert refused.value.message == "“市工信局”在该期间已由丁诚分管，请先结束原分管关系。"
    assert refused.value.field == "unit_id"
    assert queries.leader_of_unit(unit_named("市工信局").id, ON).name == "丁诚"
    assert audit_entries("portfolio.create") == []


def test_a_portfolio_unit_moves_to_another_leader_after_the_old_item_ends(admin):
    unit = unit_named("市工信局")
    old = db.session.scalars(sa.select(PortfolioItem).where(PortfolioItem.unit_id == unit.id)).one()
    services.end_period(admin, old, date(2026, 2, 28), "portfolio.end")
    with pytest.raises(ServiceError, match="已由丁诚分管"):  # overlaps the last day of the old item
        services.add_portfolio_item(admin, person_named("杨晓军"), unit, date(2026, 2, 28))
    item = services.add_portfolio_item(admin, person_named("杨晓军"), unit, date(2026, 3, 1))
    assert queries.leader_of_unit(unit.id, ON).name == "杨晓军"
    assert queries.leader_of_unit(unit.id, date(2026, 2, 28)).name == "丁诚"
    assert unit.id in queries.portfolio_unit_ids(person_named("杨晓军").id, ON)
    assert unit.id not in queries.portfolio_unit_ids(person_named("丁诚").id, ON)
    [entry] = audit_entries("portfolio.create")
    assert entry.object_id == str(item.id)
    assert entry.after == {"person_id": person_named("杨晓军").id, "unit_id": unit.id, "starts_on": "2026-03-01"}


def test_a_portfolio_item_ending_before_anothers_start_does_not_clash(admin):
    # 市统计局 is in 吴志雄's portfolio from 2022-03-17: a past item for another leader ends before that.
    item = services.add_portfolio_item(admin, person_named("杨晓军"), unit_named("市统计局"), date(2021, 1, 1),
                                       date(2022, 3, 16))
    assert item.id is not None


def test_add_portfolio_item_refuses_an_inactive_unit(admin):
    unit = unit_named("市委办公室")
    unit.is_active = False
    with pytest.raises(ServiceError, match="单位“市委办公室”已停用。"):
        services.add_portfolio_item(admin, person_named("杨晓军"), unit, date(2026, 3, 1))


# --- chains ----------------------------------------------------------------------------------------------------

def test_every_chain_has_a_demo_leader_and_setting_one_is_audited(admin):
    assert all(c.leader is not None for c in queries.chains())
    chain = db.session.scalars(sa.select(Chain).where(Chain.name == "军工")).one()
    before = (chain.leader_id, chain.leader_unit_id)
    services.set_chain_leader(admin, chain, person_named("丁诚"), unit_named("市发改委"))
    [entry] = audit_entries("chain.update")
    assert entry.before == {"leader_id": before[0], "leader_unit_id": before[1]}
    assert entry.after == {"leader_id": person_named("丁诚").id, "leader_unit_id": unit_named("市发改委").id}


def test_set_chain_leader_refuses_an_inactive_unit(admin):
    chain = db.session.scalars(sa.select(Chain).where(Chain.name == "军工")).one()
    leader = chain.leader
    unit = unit_named("市发改委")
    unit.is_active = False
    with pytest.raises(ServiceError, match="已停用"):
        services.set_chain_leader(admin, chain, person_named("丁诚"), unit)
    assert chain.leader is leader
    assert audit_entries("chain.update") == []


def test_positions_are_kept_as_history_never_deleted(admin):
    before = count(Position)
    position = person_named("李伟清").positions[0]
    services.end_period(admin, position, date(2026, 1, 1), "position.end")
    assert count(Position) == before
