"""Administrative changes to the organisation: units, people, positions, leadership, portfolios, chains.

Each function checks its input, flushes, writes an audit entry and leaves the commit to the caller.
"""

from datetime import date

import sqlalchemy as sa

from app.core.audit import record_change, record_update, snapshot
from app.core.errors import ServiceError
from app.core.text import one_line
from app.extensions import db
from app.org.models import Chain, GroupMembership, GroupRole, Person, PortfolioItem, Position, Unit

UNIT_FIELDS = ("name", "short_name", "contact", "is_active", "sort_order")
PERSON_FIELDS = ("name", "note", "is_active")
PERIOD_FIELDS = ("starts_on", "ends_on")


def _check_period(starts_on: date, ends_on: date | None):
    if starts_on is None:
        raise ServiceError("请填写开始日期。", field="starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise ServiceError("结束日期不能早于开始日期。", field="ends_on")


def _require_active_unit(unit, field="unit_id"):
    if unit is None:
        raise ServiceError("请选择单位。", field=field)
    if not unit.is_active:
        raise ServiceError(f"单位“{unit.name}”已停用。", field=field)


def update_unit(actor, unit, name, short_name, contact, is_active, sort_order):
    name = one_line(name, "单位全称", 100, required=True, field="name")
    short_name = one_line(short_name, "简称", 50, required=True, field="short_name")
    contact = one_line(contact, "联系人及电话", 200, field="contact")
    clash = db.session.scalar(sa.select(Unit.id).where(Unit.name == name, Unit.id != unit.id))
    if clash:
        raise ServiceError(f"已有名为“{name}”的单位。", field="name")
    before = snapshot(unit, UNIT_FIELDS)
    unit.name, unit.short_name, unit.contact = name, short_name, (contact or None)
    unit.is_active, unit.sort_order = is_active, sort_order
    db.session.flush()
    record_update(actor, "unit.update", unit, before, UNIT_FIELDS)


def _person_values(name, note):
    return (one_line(name, "姓名", 50, required=True, field="name"),
            one_line(note, "备注", 200, field="note") or None)


def create_person(actor, name, note=None):
    name, note = _person_values(name, note)
    person = Person(name=name, note=note)
    db.session.add(person)
    db.session.flush()
    record_change(actor, "person.create", person, None, snapshot(person, PERSON_FIELDS))
    return person


def update_person(actor, person, name, note, is_active):
    name, note = _person_values(name, note)
    before = snapshot(person, PERSON_FIELDS)
    person.name, person.note, person.is_active = name, note, is_active
    db.session.flush()
    record_update(actor, "person.update", person, before, PERSON_FIELDS)


POSITION_FIELDS = ("unit_id", "title", "is_vice_mayor", "is_mayor", "is_secretary", "is_unit_head") + PERIOD_FIELDS


def add_position(actor, person, unit, title, starts_on, ends_on=None, is_vice_mayor=False, is_mayor=False,
                 is_secretary=False, is_unit_head=False):
    _require_active_unit(unit)
    _check_period(starts_on, ends_on)
    title = one_line(title, "职务", 100, required=True, field="title")
    position = Position(person=person, unit=unit, title=title, starts_on=starts_on, ends_on=ends_on,
                        is_vice_mayor=is_vice_mayor, is_mayor=is_mayor, is_secretary=is_secretary,
                        is_unit_head=is_unit_head)
    db.session.add(position)
    db.session.flush()
    record_change(actor, "position.create", position, None, snapshot(position, POSITION_FIELDS))
    return position


MEMBERSHIP_FIELDS = ("role", "title", "sort_order") + PERIOD_FIELDS


def add_membership(actor, person, role: GroupRole, title, starts_on, ends_on=None, sort_order=0):
    _check_period(starts_on, ends_on)
    title = one_line(title, "职务表述", 200, required=True, field="title")
    overlapping = db.session.scalar(sa.select(GroupMembership.id).where(
        GroupMembership.person_id == person.id, GroupMembership.role == role,
        GroupMembership.starts_on <= (ends_on or date.max),
        sa.or_(GroupMembership.ends_on.is_(None), GroupMembership.ends_on >= starts_on)))
    if overlapping:
        raise ServiceError(f"{person.name}已担任“{role.label}”，请先结束原任职再添加。", field="role")
    membership = GroupMembership(person=person, role=role, title=title, starts_on=starts_on,
                                 ends_on=ends_on, sort_order=sort_order)
    db.session.add(membership)
    db.session.flush()
    record_change(actor, "membership.create", membership, None, snapshot(membership, MEMBERSHIP_FIELDS))
    return membership


def add_portfolio_item(actor, person, unit, starts_on, ends_on=None):
    _require_active_unit(unit)
    _check_period(starts_on, ends_on)
    clash = db.session.scalar(sa.select(PortfolioItem).where(
        PortfolioItem.unit_id == unit.id,
        PortfolioItem.starts_on <= (ends_on or date.max),
        sa.or_(PortfolioItem.ends_on.is_(None), PortfolioItem.ends_on >= starts_on)))
    if clash is not None:
        raise ServiceError(
            f"“{unit.name}”在该期间已由{clash.person.name}分管，请先结束原分管关系。", field="unit_id")
    item = PortfolioItem(person=person, unit=unit, starts_on=starts_on, ends_on=ends_on)
    db.session.add(item)
    db.session.flush()
    record_change(actor, "portfolio.create", item, None, {"person_id": person.id, "unit_id": unit.id,
                                                          "starts_on": starts_on.isoformat()})
    return item


def end_period(actor, record, ends_on: date, action):
    """End a position, membership or portfolio item on `ends_on` (kept as history, never deleted)."""
    if record.ends_on is not None:
        raise ServiceError("该记录已经结束。")
    if ends_on < record.starts_on:
        raise ServiceError("结束日期不能早于开始日期。", field="ends_on")
    before = snapshot(record, PERIOD_FIELDS)
    record.ends_on = ends_on
    db.session.flush()
    record_update(actor, action, record, before, PERIOD_FIELDS)


def set_chain_leader(actor, chain: Chain, person, unit):
    before = snapshot(chain, ("leader_id", "leader_unit_id"))
    if unit is not None:
        _require_active_unit(unit, "leader_unit_id")
    chain.leader = person
    chain.leader_unit = unit
    db.session.flush()
    record_update(actor, "chain.update", chain, before, ("leader_id", "leader_unit_id"))
