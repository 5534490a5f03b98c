"""Small hand-built ledger rows for the measures' and the cockpit's tests (inserted directly: the computations,
not the keeping services, are under test)."""

from datetime import date
from decimal import Decimal
from itertools import count

import sqlalchemy as sa

from app.extensions import db
from app.ledger.models import (
    ChainFigure,
    Enterprise,
    EnterpriseFigure,
    IndicatorTarget,
    IndicatorValue,
    Project,
    ProjectFigure,
    ProjectMilestone,
    ProjectStage,
    ProjectYearPlan,
    RegistryMembership,
)
from app.org.models import Chain, Person, Target, Unit

_serial = count(1)


def unit_id(short_name):
    return db.session.scalar(sa.select(Unit.id).where(Unit.short_name == short_name))


def target(code):
    return db.session.scalar(sa.select(Target).where(Target.code == code))


def chains():
    return db.session.scalars(sa.select(Chain).order_by(Chain.sort_order, Chain.id)).all()


def a_person():
    return db.session.scalar(sa.select(Person).order_by(Person.id))


def enterprise(unit="湘潭县", **fields):
    n = next(_serial)
    e = Enterprise(name=f"测试企业{n}", uscc=f"T{n:017d}", unit_id=unit_id(unit), **fields)
    db.session.add(e)
    db.session.flush()
    return e


def membership(e, kind, starts_on, **fields):
    m = RegistryMembership(enterprise_id=e.id, kind=kind, starts_on=starts_on, reason="测试", **fields)
    db.session.add(m)
    db.session.flush()
    return m


def enterprise_figure(e, month, revenue=None, output=None):
    db.session.add(EnterpriseFigure(enterprise_id=e.id, month=month, revenue=revenue, output=output))
    db.session.flush()


def project(unit="湘潭县", tier=10, stage=ProjectStage.started, total=Decimal(150000), **fields):
    n = next(_serial)
    p = Project(code=f"TP{n:06d}", name=f"测试项目{n}", unit_id=unit_id(unit), total_investment=total, tier=tier,
                stage=stage, **fields)
    db.session.add(p)
    db.session.flush()
    return p


def milestone(p, stage, planned_on=None, actual_on=None):
    db.session.add(ProjectMilestone(project_id=p.id, stage=stage, planned_on=planned_on, actual_on=actual_on))
    db.session.flush()


def project_figure(p, month, invested, funds=None):
    db.session.add(ProjectFigure(project_id=p.id, month=month, invested=invested, funds=funds))
    db.session.flush()


def year_plan(p, year, planned):
    db.session.add(ProjectYearPlan(project_id=p.id, year=year, planned_investment=planned))
    db.session.flush()


def chain_figure(chain, month, scale):
    db.session.add(ChainFigure(chain_id=chain.id, month=month, scale=Decimal(scale)))
    db.session.flush()


def indicator_value(code, month, value, unit=None, source="市统计局月报"):
    row = IndicatorValue(target_id=target(code).id, unit_id=unit_id(unit) if unit else None, month=month,
                         value=Decimal(value), source_note=source)
    db.session.add(row)
    db.session.flush()
    return row


def indicator_target(code, year, value, unit=None):
    db.session.add(IndicatorTarget(target_id=target(code).id, year=year, unit_id=unit_id(unit) if unit else None,
                                   value=Decimal(value)))
    db.session.flush()


def d(text):
    return date.fromisoformat(text)
