"""Builders shared by the tests: the demo accounts' names, rows of the seeded organisation looked up by name, and
tasks made for a test (fixtures live in tests/conftest.py, HTTP and JSON helpers in tests/helpers.py).

The lookups assert that the row exists, so a misspelt name fails at the line that asked for it."""

from datetime import date

import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.org.models import Chain, Person, Plan, Unit
from app.tasks import services as task_services
from app.tasks.models import Task, TaskParty, TaskSource, TaskState

# --- the demo accounts (README "Demo accounts"; seeded by tests/conftest.py from app/org/demo.py) ----------------

ADMIN = "admin"  # 千百十办管理员
SECRETARY = "shuji"  # 市委书记 刘志仁
MAYOR = "shizhang"  # 市长 胡贺波
VICE_MAYOR = "fushizhang"  # 副市长 杨晓军
VICE_MAYOR_2 = "fushizhang2"  # 副市长 丁诚
UNIT_STAFF = "gxj"  # 市工信局
FGW_STAFF = "fgw"  # 市发改委
KJJ_STAFF = "kjj"  # 市科技局
COUNTY_STAFF = "xtx"  # 湘潭县人民政府
PARK_STAFF = "gxq"  # 湘潭高新区管委会
OBSERVER = "guancha"  # 只读观察员


# --- rows of the seeded organisation ----------------------------------------------------------------------------

def _found(statement, name):
    found = db.session.scalar(statement)
    assert found is not None, name
    return found


def account(username):
    """The User called `username`."""
    return _found(sa.select(User).where(User.username == username), username)


def unit(name):
    return _found(sa.select(Unit).where(Unit.name == name), name)


def person(name):
    return _found(sa.select(Person).where(Person.name == name), name)


def chain(name):
    return _found(sa.select(Chain).where(Chain.name == name), name)


def plan(code):
    return _found(sa.select(Plan).where(Plan.code == code), code)


# --- tasks ------------------------------------------------------------------------------------------------------

def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _unit(value):
    return unit(value) if isinstance(value, str) else value


def assign_task(title="测试事项", lead="市工信局", co=(), due="2026-03-31", assigned="2026-03-10", by=ADMIN,
                **fields):
    """A task assigned through the service (so it has its event, audit entry and parties): `lead` and `co` are units
    or their names, `due` and `assigned` dates or ISO strings, `by` an account or its username; `fields` go to
    tasks.services.assign_task (content, source, plan, ...). Flushed, so that the event and the audit entry are
    stamped with the clock's time now, not at a later flush."""
    actor = account(by) if isinstance(by, str) else by
    task = task_services.assign_task(actor, title=title, lead_unit=_unit(lead), co_units=[_unit(u) for u in co],
                                     due_on=_day(due), today=_day(assigned), **fields)
    db.session.flush()
    return task


def make_task(lead="市工信局", assigned="2026-02-20", due="2026-03-20", state=TaskState.in_progress, completed=None,
              *, title="测试事项", plan=None, flush=True):
    """A task led by `lead` (a unit or its name) with no co-units, inserted directly: no service, no event, no
    audit, any state. Dates are dates or ISO strings; `plan` is a plan's code (the task's source is then the plan);
    flush=False leaves the task pending in the session."""
    lead_unit = _unit(lead)
    task = Task(title=title, source=TaskSource.plan if plan else TaskSource.free,
                plan_id=_plan_id(plan) if plan else None, lead_unit_id=lead_unit.id, assigned_on=_day(assigned),
                original_due_on=_day(due), due_on=_day(due), state=state, completed_on=_day(completed))
    task.parties = [TaskParty(unit_id=lead_unit.id, is_lead=True)]
    db.session.add(task)
    if flush:
        db.session.flush()
    return task


def _plan_id(code):
    return db.session.scalar(sa.select(Plan.id).where(Plan.code == code))
