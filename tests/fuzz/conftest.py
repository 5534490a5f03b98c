"""Shared pieces of the fuzz suite: example budgets, a savepoint per example, and the "Chinese message" check.

The budget per test is small so that the whole fuzz suite stays under a minute per database pass; set
FUZZ_EXAMPLES=500 (for instance) for a longer, randomised run. Without it the runs are derandomised, so CI
sees the same examples every time.
"""

import os
import re
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa
from flask import g
from hypothesis import HealthCheck, settings

from app.extensions import db
from app.tasks import services as task_services
from tests.factories import account, unit

FUZZ_TODAY = date(2026, 3, 10)  # the frozen clock's day (tests/conftest.py)

CJK = re.compile(r"[\u4e00-\u9fff]")
DEFAULT_EXAMPLES = 20
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or DEFAULT_EXAMPLES)
RANDOMISED = bool(os.environ.get("FUZZ_EXAMPLES"))


def fuzz_settings(scale=1.0, **overrides):
    """Hypothesis settings for a fuzz test: `scale` times the budget, no deadline (database round trips vary),
    no example database on disk, and the function-scoped fixtures of tests/conftest.py allowed (each example
    runs inside its own savepoint, see `example_savepoint`)."""
    options = dict(max_examples=max(1, int(EXAMPLES * scale)), deadline=None, database=None,
                   derandomize=not RANDOMISED, print_blob=True,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                          HealthCheck.data_too_large, HealthCheck.filter_too_much])
    options.update(overrides)
    return settings(**options)


def has_chinese(text):
    return bool(CJK.search(text or ""))


@contextmanager
def example_savepoint():
    """Run one hypothesis example inside a savepoint of the test's transaction and roll it back afterwards, so
    that every example starts from the same data. The session's own commits (views commit once per request)
    release inner savepoints and stay inside this one."""
    db.session.remove()
    connection = db.session.get_bind()
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        db.session.remove()
        if savepoint.is_active:
            savepoint.rollback()
        g.pop("_workday_calendar", None)  # a rolled-back calendar override must not stay cached
        g.pop("_login_user", None)


def row_counts(*models):
    """{table: row count} for the given models (autoflushes first, so pending rows would show)."""
    return {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models}


@pytest.fixture
def task_world(clock):
    """Tasks in every state, led by 市工信局 (gxj) with 市发改委 (fgw) as co-unit, assigned by the office."""
    admin, gxj = account("admin"), account("gxj")
    lead, co = unit("市工信局"), unit("市发改委")

    def new(title):
        return task_services.assign_task(admin, title=title, lead_unit=lead, co_units=[co],
                                         due_on=date(2026, 3, 31), today=FUZZ_TODAY)

    tasks = {"assigned": new("待签收")}
    tasks["accepted"] = new("已签收")
    task_services.accept_task(gxj, tasks["accepted"])
    tasks["in_progress"] = new("办理中")
    task_services.accept_task(gxj, tasks["in_progress"])
    task_services.record_follow_up(gxj, tasks["in_progress"], "已开工", 30, FUZZ_TODAY)
    task_services.request_extension(gxj, tasks["in_progress"], date(2026, 4, 30), "设备未到", FUZZ_TODAY)
    tasks["completion_requested"] = new("申请办结")
    task_services.accept_task(gxj, tasks["completion_requested"])
    task_services.request_completion(gxj, tasks["completion_requested"], FUZZ_TODAY, "已完成", FUZZ_TODAY)
    tasks["completed"] = new("已办结")
    task_services.accept_task(gxj, tasks["completed"])
    task_services.request_completion(gxj, tasks["completed"], FUZZ_TODAY, "已完成", FUZZ_TODAY)
    task_services.approve_completion(admin, tasks["completed"])
    tasks["cancelled"] = new("已撤销")
    task_services.cancel_task(admin, tasks["cancelled"], "重复交办")
    db.session.commit()
    return {key: task.id for key, task in tasks.items()}
