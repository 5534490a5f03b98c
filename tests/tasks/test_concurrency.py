"""Two people acting on the same task at once cannot both win.

`Task.version` is SQLAlchemy's version counter: a page posts the version it showed (`expected_version`), and every
UPDATE of the task is conditional on the version the session read, so the later of two writers gets a Conflict
(HTTP 409, Chinese message) and nothing of its action is kept. The race itself is run on PostgreSQL with two
threads; the version checks are tested on both backends.
"""

import threading
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from app.core.errors import Conflict
from app.core.models import AuditEntry
from app.extensions import db
from app.tasks import services
from app.tasks.models import (
    CompletionRequest,
    EventKind,
    ExtensionRequest,
    FollowUp,
    RequestStatus,
    Task,
    TaskEvent,
    TaskParty,
    TaskState,
    Urge,
)
from tests.conftest import is_postgres
from tests.factories import account, unit

D = date.fromisoformat
TODAY = D("2026-03-10")
TABLES = (Task, TaskParty, TaskEvent, AuditEntry, FollowUp, ExtensionRequest, CompletionRequest, Urge)


def task_requesting_completion():
    gxj = account("gxj")
    task = services.assign_task(account("admin"), title="并发审核测试", lead_unit=unit("市工信局"),
                                co_units=[unit("市发改委")], due_on=D("2026-03-31"), today=TODAY)
    services.accept_task(gxj, task)
    services.record_follow_up(gxj, task, "进展", 80, TODAY)
    services.request_extension(gxj, task, D("2026-04-30"), "理由", TODAY)
    services.request_completion(gxj, task, TODAY, "已完成", TODAY)
    return task


def row_counts():
    return [db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in TABLES]


def bump_version_elsewhere(task):
    """What another request's committed write looks like to this session: the row's version moved on."""
    table = Task.__table__
    db.session.execute(sa.update(table).where(table.c.id == task.id).values(version=table.c.version + 1))


ACTIONS = {
    "accept": lambda t, **kw: services.accept_task(account("gxj"), t, **kw),
    "follow_up": lambda t, **kw: services.record_follow_up(account("gxj"), t, "进展", 90, TODAY, **kw),
    "co_unit_follow_up": lambda t, **kw: services.record_follow_up(account("fgw"), t, "配合进展", 90, TODAY, **kw),
    "request_completion": lambda t, **kw: services.request_completion(account("gxj"), t, TODAY, "已完成", TODAY,
                                                                      **kw),
    "request_extension": lambda t, **kw: services.request_extension(account("gxj"), t, D("2026-05-31"), "理由",
                                                                    TODAY, **kw),
    "approve_completion": lambda t, **kw: services.approve_completion(account("admin"), t, "同意", **kw),
    "return": lambda t, **kw: services.return_task(account("admin"), t, "退回", **kw),
    "approve_extension": lambda t, **kw: services.decide_extension(account("admin"), t, approve=True, **kw),
    "urge": lambda t, **kw: services.urge_task(account("admin"), t, 1, "请加快", TODAY, **kw),
    "cancel": lambda t, **kw: services.cancel_task(account("admin"), t, "撤销", **kw),
}


APPENDS = ("follow_up", "co_unit_follow_up")  # without a version, an append never conflicts


def task_ready_for(action):
    gxj = account("gxj")
    if action in ("approve_completion", "return", "cancel", "co_unit_follow_up"):
        return task_requesting_completion()
    task = services.assign_task(account("admin"), title="版本检查", lead_unit=unit("市工信局"),
                                co_units=[unit("市发改委")], due_on=D("2026-03-31"), today=TODAY)
    if action == "accept":
        return task
    services.accept_task(gxj, task)
    if action == "approve_extension":
        services.request_extension(gxj, task, D("2026-04-30"), "理由", TODAY)
    return task


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_expected_version_mismatch_is_a_conflict_on_every_backend(action, clock):
    task = task_ready_for(action)
    before = row_counts(), task.version
    with pytest.raises(Conflict) as info:
        ACTIONS[action](task, expected_version=task.version - 1)  # the page showed the version before the last change
    assert info.value.status == 409 and "刷新" in info.value.message
    assert (row_counts(), task.version) == before
    ACTIONS[action](task, expected_version=task.version)  # the current version goes through


@pytest.mark.parametrize("action", [a for a in ACTIONS if a not in APPENDS])
def test_a_write_committed_by_someone_else_meanwhile_is_a_conflict_on_every_backend(action, clock):
    """The session still holds the old version: its UPDATE matches no row, and the action is undone as a whole
    (not a bare StaleDataError from an autoflush in the middle of the service). The clock is frozen, so this also
    holds when the action's timestamp equals the stored one. Appends (follow-ups) are the exception: they re-read
    the row under a lock and go through (tests/tasks/test_follow_up_appends.py)."""
    task = task_ready_for(action)
    db.session.commit()  # keep the setup (the per-test savepoint is released, the test is still rolled back)
    task_id, counts = task.id, row_counts()
    task = db.session.get(Task, task_id)
    stored_version = task.version
    bump_version_elsewhere(task)
    with pytest.raises(Conflict) as info:
        ACTIONS[action](task)
    assert info.value.status == 409 and "刷新" in info.value.message
    assert row_counts() == counts
    assert db.session.scalar(sa.select(Task.version).where(Task.id == task_id)) == stored_version


# --- two threads at once (PostgreSQL) ------------------------------------------------------------------------

RACES = [
    ("approve_completion", "return"),
    ("approve_completion", "cancel"),
    ("return", "cancel"),
    ("approve_completion", "approve_completion"),
]


@pytest.mark.postgres_only
@pytest.mark.no_db_transaction
@pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL: SQLite serialises writers, so two connections "
                                              "never race on one row; set TEST_DATABASE_URL to run it")
@pytest.mark.parametrize(("first", "second"), RACES)
def test_two_deciders_acting_at_once_cannot_both_win(app, clock, first, second):
    clock.set(datetime(2026, 3, 10, 9, 0))
    task = task_requesting_completion()
    db.session.commit()
    task_id, start_version = task.id, task.version
    follow_up_ids = list(db.session.scalars(sa.select(FollowUp.id).where(FollowUp.task_id == task_id)))
    db.session.remove()

    barrier = threading.Barrier(2, timeout=20)
    outcomes = {}

    def act(name, slot):
        with app.app_context():
            session = db.session()
            waited = []

            def before_flush(session, flush_context, instances):
                # Both actors have read the task and passed every check; now they write at the same moment.
                if not waited:
                    waited.append(True)
                    barrier.wait()

            sa.event.listen(session, "before_flush", before_flush)
            try:
                loaded = db.session.get(Task, task_id)
                ACTIONS[name](loaded)
                db.session.commit()
                outcomes[slot] = ("won", name)
            except Conflict as error:
                db.session.rollback()
                outcomes[slot] = ("conflict", error.message)
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                outcomes[slot] = ("error", repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=act, args=(name, slot)) for slot, name in enumerate((first, second))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
        kinds = sorted(outcome[0] for outcome in outcomes.values())
        assert kinds == ["conflict", "won"], outcomes
        [winner] = [outcome[1] for outcome in outcomes.values() if outcome[0] == "won"]

        db.session.expire_all()
        task = db.session.get(Task, task_id)
        assert task.version == start_version + 1
        expected_state = {"approve_completion": TaskState.completed, "return": TaskState.in_progress,
                          "cancel": TaskState.cancelled}[winner]
        assert task.state is expected_state
        assert (task.completed_on == TODAY) == (winner == "approve_completion")
        request_status = db.session.scalar(sa.select(CompletionRequest.status)
                                           .where(CompletionRequest.task_id == task_id))
        assert request_status is {"approve_completion": RequestStatus.approved, "return": RequestStatus.returned,
                                  "cancel": RequestStatus.withdrawn}[winner]
        decided = db.session.scalars(sa.select(TaskEvent.kind).where(
            TaskEvent.task_id == task_id,
            TaskEvent.kind.in_([EventKind.completed, EventKind.returned, EventKind.cancelled]))).all()
        assert len(decided) == 1
        actions = db.session.scalars(sa.select(AuditEntry.action).where(
            AuditEntry.object_type == "tasks", AuditEntry.object_id == str(task_id),
            AuditEntry.action.in_(["task.approve_completion", "task.return", "task.cancel"]))).all()
        assert len(actions) == 1
    finally:
        db.session.rollback()
        db.session.execute(sa.delete(AuditEntry).where(sa.or_(
            sa.and_(AuditEntry.object_type == "tasks", AuditEntry.object_id == str(task_id)),
            sa.and_(AuditEntry.object_type == "follow_ups",
                    AuditEntry.object_id.in_([str(i) for i in follow_up_ids])))))
        db.session.execute(sa.delete(Task.__table__).where(Task.__table__.c.id == task_id))  # cascades in the DB
        db.session.commit()
        assert db.session.get(Task, task_id) is None
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(TaskEvent)
                                     .where(TaskEvent.task_id == task_id))
