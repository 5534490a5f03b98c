"""API of the organisation: units, plans, people, and the caller's own account."""

import sqlalchemy as sa
from flask import g, request
from sqlalchemy.orm import selectinload

from app.api.base import ok, route
from app.api.paging import Column, Conditional, SortKey, aggregate, paging_args, sql_page, table_marks
from app.api.params import bad_parameter, json_body, not_found, text_field, unknown_choice
from app.api.schemas import PAGE_PARAMETERS, enum_schema, page_schema
from app.core.clock import today
from app.extensions import db
from app.org import queries, services
from app.org.models import Person, Plan, PortfolioItem, Position, Target, Unit, UnitGroup, plan_lead_units

UNIT_ORDER = SortKey("units", (Column(Unit.sort_order, "sort_order"), Column(Unit.id, "id")))
PLAN_ORDER = SortKey("plans", (Column(Plan.sort_order, "sort_order"), Column(Plan.id, "id")))
PERSON_ORDER = SortKey("people", (Column(Person.id, "id"),))

UNIT_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "short_name": {"type": "string"},
        "kind": {"type": "string"}, "group": {"type": "string", "nullable": True},
        "group_label": {"type": "string", "nullable": True}, "is_active": {"type": "boolean"},
        "superior_report": {"type": "string", "nullable": True},
    },
}
PERSON_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "is_active": {"type": "boolean"},
        "positions": {"type": "array", "items": {"type": "object"}},
        "portfolio_unit_ids": {"type": "array", "items": {"type": "integer"}},
    },
}


def unit_json(unit):
    return {
        "id": unit.id, "name": unit.name, "short_name": unit.short_name, "kind": unit.kind.value,
        "group": unit.group.value if unit.group else None, "group_label": unit.group.label if unit.group else None,
        "is_active": unit.is_active,
        "superior_report": unit.superior_report.value if unit.superior_report else None,
    }


@route("/units", summary="单位列表（可按考评组筛选）", response=page_schema(UNIT_SCHEMA),
       parameters=[{"name": "group", "in": "query", "required": False,
                    "schema": enum_schema(UnitGroup)}, *PAGE_PARAMETERS], conditional=True)
def units():
    where = []
    group = request.args.get("group")
    if group:
        try:
            where.append(Unit.group == UnitGroup(group))
        except ValueError:
            raise bad_parameter("group", unknown_choice("考评组", group, UnitGroup)) from None
    paging = paging_args(UNIT_ORDER)
    total, *parts = aggregate(Unit, where)
    conditional = Conditional(total, *parts)
    if conditional.fresh():
        return conditional.not_modified()
    page = sql_page(sa.select(Unit).where(*where), paging, total)
    return conditional.answer(page.envelope([unit_json(u) for u in page.rows]))


@route("/units/<int:unit_id>", summary="单位详情", response=UNIT_SCHEMA)
def unit(unit_id):
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise not_found("单位不存在。")
    data = unit_json(unit)
    data["lead_plans"] = [p.code for p in queries.plans_led_by(unit.id)]
    return ok(data)


@route("/plans", summary="八大计划和六项工作举措（含牵头单位和量化目标）",
       response=page_schema({"type": "object"}), parameters=PAGE_PARAMETERS, conditional=True)
def plans():
    paging = paging_args(PLAN_ORDER)
    leads = [sa.select(f).select_from(plan_lead_units).scalar_subquery() for f in (
        sa.func.count(), sa.func.sum(plan_lead_units.c.plan_id * 1000 + plan_lead_units.c.unit_id))]
    total, *parts = db.session.execute(sa.select(*table_marks(Plan, Target, Unit), *leads)).one()
    conditional = Conditional(total, *parts)
    if conditional.fresh():
        return conditional.not_modified()
    page = sql_page(sa.select(Plan).options(selectinload(Plan.lead_units), selectinload(Plan.targets)), paging,
                    total)
    return conditional.answer(page.envelope([{
        "code": p.code, "kind": p.kind.value, "name": p.name, "summary": p.summary,
        "lead_units": [{"id": u.id, "name": u.name} for u in p.lead_units],
        "targets": [{"text": t.text, "value": str(t.value) if t.value is not None else None,
                     "unit": t.unit_label, "period": t.period} for t in p.targets],
    } for p in page.rows]))


def person_json(person, portfolio_ids):
    return {
        "id": person.id, "name": person.name, "is_active": person.is_active,
        "positions": [{"title": pos.title, "unit_id": pos.unit_id, "starts_on": pos.starts_on.isoformat(),
                       "ends_on": pos.ends_on.isoformat() if pos.ends_on else None,
                       "is_vice_mayor": pos.is_vice_mayor} for pos in person.positions],
        "portfolio_unit_ids": sorted(portfolio_ids.get(person.id, ())),
    }


@route("/people", summary="人员及其任职、分管单位", response=page_schema(PERSON_SCHEMA), parameters=PAGE_PARAMETERS,
       conditional=True)
def people():
    on = today()
    paging = paging_args(PERSON_ORDER)
    total, *parts = db.session.execute(sa.select(*table_marks(Person, Position, PortfolioItem))).one()
    conditional = Conditional(total, *parts)  # the day is in every ETag: portfolios are those in force today
    if conditional.fresh():
        return conditional.not_modified()
    page = sql_page(sa.select(Person).options(selectinload(Person.positions)), paging, total)
    portfolio_ids = {}
    for person, items in queries.portfolios(on).items():
        portfolio_ids[person.id] = [i.unit_id for i in items]
    return conditional.answer(page.envelope([person_json(p, portfolio_ids) for p in page.rows]))


@route("/people", method="POST", permission="admin", summary="新增人员（千百十办管理员）", status=201,
       body={"type": "object", "required": ["name"],
             "properties": {"name": {"type": "string", "maxLength": 50}, "note": {"type": "string", "maxLength": 200}}},
       response=PERSON_SCHEMA)
def people_create():
    data = json_body()
    name = text_field(data, "name", "姓名", 50)
    note = text_field(data, "note", "备注", 200, required=False)
    person = services.create_person(g.api_user, name, note)
    db.session.commit()
    return ok(person_json(person, {}), 201)


@route("/me", summary="当前令牌对应的账号", response={"type": "object"})
def me():
    user = g.api_user
    return ok({"id": user.id, "username": user.username, "display_name": user.display_name,
               "role": user.role.value, "role_label": user.role.label, "unit_id": user.unit_id,
               "person_id": user.person_id})


