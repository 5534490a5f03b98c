"""Reads of the organisation, with explicit eager loading."""

from datetime import date
from functools import cache

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import selectinload

from app.core.sql import select_rows
from app.extensions import db
from app.org.models import (
    Chain,
    GroupMembership,
    Person,
    Plan,
    PortfolioItem,
    Position,
    Target,
    Unit,
    UnitGroup,
    plan_lead_units,
)


def units_by_group():
    units = db.session.scalars(sa.select(Unit).order_by(Unit.sort_order, Unit.id)).all()
    groups = {g: [] for g in UnitGroup}
    others = []
    for unit in units:
        (groups[unit.group] if unit.group else others).append(unit)
    return groups, others


def group_sizes():
    """[(UnitGroup, number of units)] for every group, in the groups' order (zeros included): one query."""
    counts = dict(db.session.execute(sa.select(Unit.group, sa.func.count()).where(Unit.group.isnot(None))
                                     .group_by(Unit.group)).all())
    return [(group, counts.get(group, 0)) for group in UnitGroup]


def plans_with_leads():
    return db.session.scalars(sa.select(Plan).options(selectinload(Plan.lead_units), selectinload(Plan.targets))
                              .order_by(Plan.sort_order, Plan.id)).all()


def plan_by_code(code):
    """The plan whose code is `code` (any case), with its lead units and targets; None when there is none."""
    return db.session.scalar(sa.select(Plan).where(Plan.code == code.upper()[:8])
                             .options(selectinload(Plan.lead_units), selectinload(Plan.targets)))


def plans_led_by(unit_id):
    return db.session.scalars(
        sa.select(Plan).join(plan_lead_units).where(plan_lead_units.c.unit_id == unit_id)
        .options(selectinload(Plan.lead_units)).order_by(Plan.sort_order)).all()


def city_goals():
    return db.session.scalars(sa.select(Target).where(Target.plan_id.is_(None)).order_by(Target.sort_order)).all()


def leadership(on: date):
    """Current members of the leadership group, in the annex's order, with their people loaded."""
    return db.session.scalars(
        sa.select(GroupMembership).where(GroupMembership.current_on(on))
        .options(selectinload(GroupMembership.person))
        .order_by(GroupMembership.sort_order, GroupMembership.id)).all()


def portfolio_units(person_id, on: date):
    return db.session.scalars(
        sa.select(Unit).join(PortfolioItem, PortfolioItem.unit_id == Unit.id)
        .where(PortfolioItem.person_id == person_id, PortfolioItem.current_on(on))
        .order_by(Unit.sort_order)).all()


@cache
def _portfolio_statement():
    # built once (a dispatch list and its urge rights ask on every view): the values are bound parameters
    return sa.select(PortfolioItem.unit_id).where(PortfolioItem.person_id == sa.bindparam("person_id"),
                                                  PortfolioItem.current_on(sa.bindparam("on")))


def portfolio_unit_ids(person_id, on: date):
    return set(select_rows(_portfolio_statement(), {"person_id": person_id, "on": on}).scalars().all())


@cache
def _positions_statement():
    return (sa.select(Position).where(Position.person_id == sa.bindparam("person_id"),
                                      Position.current_on(sa.bindparam("on")))
            .order_by(Position.starts_on, Position.id))


def current_positions(person_id, on: date) -> list:
    """The person's posts in force on `on`, earliest first; read once per request (or job) and person: a dispatch
    list asks both who may open it (the reader's posts) and how to title it (its leader's, often the same)."""
    memo = g.setdefault("_current_positions", {}) if has_app_context() else {}
    found = memo.get((person_id, on))
    if found is None:
        found = memo[(person_id, on)] = db.session.scalars(_positions_statement(),
                                                           {"person_id": person_id, "on": on}).all()
    return found


def vice_mayors(on: date):
    return db.session.scalars(
        sa.select(Person).join(Position).where(Position.is_vice_mayor, Position.current_on(on))
        .distinct().order_by(Person.id)).all()


def portfolios(on: date):
    """{person: [units]} for the current portfolio of every leader who has one, in two queries."""
    items = db.session.scalars(
        sa.select(PortfolioItem).where(PortfolioItem.current_on(on))
        .options(selectinload(PortfolioItem.unit), selectinload(PortfolioItem.person))).all()
    result = {}
    for item in items:
        result.setdefault(item.person, []).append(item)
    for values in result.values():
        values.sort(key=lambda i: i.unit.sort_order)
    return result


def leader_of_unit(unit_id, on: date):
    return db.session.scalar(sa.select(Person).join(PortfolioItem, PortfolioItem.person_id == Person.id)
                             .where(PortfolioItem.unit_id == unit_id, PortfolioItem.current_on(on)))


def chains():
    return db.session.scalars(sa.select(Chain).options(selectinload(Chain.leader), selectinload(Chain.leader_unit))
                              .order_by(Chain.sort_order)).all()


def person_detail(person_id):
    return db.session.scalar(
        sa.select(Person).where(Person.id == person_id).options(
            selectinload(Person.positions).selectinload(Position.unit), selectinload(Person.memberships)))


def people_list():
    return db.session.scalars(
        sa.select(Person).options(selectinload(Person.positions).selectinload(Position.unit),
                                  selectinload(Person.memberships))
        .order_by(Person.is_active.desc(), Person.id)).all()
