"""Loading the organisation of the source document from `data/organisation.json`.

Idempotent and respectful of edits: a record is created only when its natural key (a unit's name, a person's
name, a plan's code, ...) is absent. An existing record is never changed, so running `flask seed` after an
administrator edited or ended something changes nothing. A unit or person that an administrator renamed is
found under its old name through the audit log, so a rename is not undone by re-creating the old record.
"""

import json
import logging
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from app.core.models import AuditEntry
from app.extensions import db
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

log = logging.getLogger(__name__)

DATA_FILE = Path(__file__).parent / "data" / "organisation.json"
# The document was signed on 17 March 2022; the positions of annex 1 are taken to start then.
DOCUMENT_DATE = date(2022, 3, 17)
HEAD_TITLES = ("局长", "主任", "行长", "院长", "检察长", "书记", "总经理")


def load_data(path=DATA_FILE):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def seed_organisation(data=None):
    """Create what is missing; return a dict of counts of created records."""
    data = data or load_data()
    created = {"units": 0, "people": 0, "chains": 0, "plans": 0, "targets": 0}

    units = {u.name: u for u in db.session.scalars(sa.select(Unit))}
    units = _renamed(Unit, "unit.update") | units
    for row in data["units"]:
        if row["name"] in units:
            continue
        unit = Unit(
            name=row["name"],
            short_name=row["short_name"],
            kind=UnitKind(row["kind"]),
            group=UnitGroup(row["group"]) if row["group"] else None,
            superior_report=SuperiorReport(row["superior_report"]) if row["superior_report"] else None,
            sort_order=row["sort_order"],
        )
        db.session.add(unit)
        units[unit.name] = unit
        created["units"] += 1
    db.session.flush()

    people = {p.name: p for p in db.session.scalars(sa.select(Person))}
    people = _renamed(Person, "person.update") | people
    office = data["office"]
    for row in data["people"]:
        if row["name"] in people:
            continue
        person = Person(name=row["name"])
        for pos in row["positions"]:
            title = pos["title"]
            person.positions.append(
                Position(
                    unit=units[pos["unit"]],
                    title=title,
                    starts_on=DOCUMENT_DATE,
                    is_vice_mayor="副市长" in title,
                    is_mayor=title == "市长",
                    is_secretary=title == "市委书记",
                    is_unit_head=title in HEAD_TITLES and pos["unit"] not in ("中共湘潭市委",),
                )
            )
        person.memberships.append(
            GroupMembership(
                role=GroupRole(row["group_role"]),
                title=row["annex_title"],
                sort_order=row["sort_order"],
                starts_on=DOCUMENT_DATE,
            )
        )
        if row["name"] == office["director"]:
            person.memberships.append(GroupMembership(
                role=GroupRole.office_director, title="领导小组办公室主任", sort_order=900,
                starts_on=DOCUMENT_DATE))
        if row["name"] == office["deputy_director"]:
            person.memberships.append(GroupMembership(
                role=GroupRole.office_deputy_director, title="领导小组办公室副主任", sort_order=901,
                starts_on=DOCUMENT_DATE))
        db.session.add(person)
        people[person.name] = person
        created["people"] += 1

    chains = set(db.session.scalars(sa.select(Chain.name)))
    for row in data["chains"]:
        if row["name"] not in chains:
            db.session.add(Chain(name=row["name"], tier=row["tier"], sort_order=row["sort_order"]))
            created["chains"] += 1

    plans = set(db.session.scalars(sa.select(Plan.code)))
    for row in data["plans"]:
        if row["code"] in plans:
            continue
        plan = Plan(code=row["code"], kind=PlanKind(row["kind"]), name=row["name"], summary=row["summary"],
                    sort_order=row["sort_order"])
        plan.targets = [_target(t, i, units) for i, t in enumerate(row["targets"])]
        db.session.add(plan)
        db.session.flush()
        for position, name in enumerate(row["lead_units"]):
            db.session.execute(plan_lead_units.insert().values(
                plan_id=plan.id, unit_id=units[name].id, position=position))
        created["plans"] += 1
        created["targets"] += len(plan.targets)

    has_goals = db.session.scalar(sa.select(sa.func.count()).select_from(Target).where(Target.plan_id.is_(None)))
    if not has_goals:
        for i, row in enumerate(data["city_goals"]):
            db.session.add(_target(row, i, units))
            created["targets"] += 1
    db.session.flush()
    log.info("seed created %s", created)
    return created


def _renamed(model, action):
    """{former name: record} for the records an administrator renamed (the audit log keeps the old names)."""
    entries = db.session.execute(
        sa.select(AuditEntry.object_id, AuditEntry.before).where(AuditEntry.action == action)
        .order_by(AuditEntry.id)).all()
    ids = {int(object_id) for object_id, before in entries if before and "name" in before}
    records = {r.id: r for r in db.session.scalars(sa.select(model).where(model.id.in_(ids)))} if ids else {}
    return {before["name"]: records[int(object_id)] for object_id, before in entries
            if before and "name" in before and int(object_id) in records}


def _target(row, index, units):
    """A target of the document, as an indicator: its code, the ledger measure giving its actuals (none: the
    responsible unit enters them) and whether it breaks down by county / park."""
    value = row.get("value")
    responsible = next((u for u in units.values() if u.short_name == row.get("responsible")), None)
    return Target(
        text=row["text"],
        value=Decimal(str(value)) if value is not None else None,
        unit_label=row.get("unit"),
        period=row.get("period"),
        sort_order=index,
        code=row.get("code"),
        measure=row.get("measure"),
        responsible_unit=responsible,
        breaks_down=bool(row.get("breaks_down")),
    )
