"""The demo and stress seeders: every state and light on the demo day, idempotence, consistent bulk history."""

from collections import defaultdict

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from app.core.clock import today, utcnow
from app.core.periods import Xun
from app.demo.tasks import seed_demo_tasks
from app.extensions import db
from app.org.models import Unit
from app.tasks.dispatch_queries import dispatch_list
from app.tasks.models import (
    CompletionRequest,
    ExtensionRequest,
    FollowUp,
    Light,
    RequestStatus,
    Task,
    TaskEvent,
    TaskParty,
    TaskState,
)
from app.tasks.queries import light_window
from benchmarks.stress_data import seed_stress_tasks


@pytest.fixture
def cheap_passwords(monkeypatch):
    """The demo creates a few dozen unit accounts; argon2's production cost is not what these tests measure."""
    monkeypatch.setattr("app.auth.models._hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def _latest_follow_ups():
    """{(task id, unit id): the latest FollowUp}, by the order the pages use (created_at, then id)."""
    latest = {}
    for follow_up in db.session.scalars(sa.select(FollowUp).order_by(FollowUp.created_at, FollowUp.id)):
        latest[(follow_up.task_id, follow_up.unit_id)] = follow_up
    return latest


def _assert_parties_point_at_their_latest_follow_up():
    latest = _latest_follow_ups()
    for party in db.session.scalars(sa.select(TaskParty)):
        follow_up = latest.get((party.task_id, party.unit_id))
        assert party.last_follow_up_id == (follow_up.id if follow_up else None)
        assert party.last_reported_on == (follow_up.reported_on if follow_up else None)


def test_demo_tasks_cover_every_state_and_light_on_the_demo_day(clock, cheap_passwords, user):
    day = today()
    created = seed_demo_tasks(day)
    assert created["tasks"] >= 140
    window = light_window(day)
    tasks = db.session.scalars(sa.select(Task)).all()

    assert {t.state for t in tasks} == set(TaskState)
    assert {window.of(t) for t in tasks} == set(Light)
    assert all(t.source_ref.startswith("演示") for t in tasks)
    assert any(t.urge_count >= 2 for t in tasks)
    assert any(t.due_on > t.original_due_on for t in tasks)  # an approved extension
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExtensionRequest)
                             .where(ExtensionRequest.status == RequestStatus.pending))
    assert {t.lead_unit.group.value for t in tasks} == {"county", "park1", "park2", "promotion", "support"}
    assert {t.plan.code for t in tasks} == {f"P{i}" for i in range(1, 9)} | {f"M{i}" for i in range(1, 7)}
    co_reports = db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp).join(
        TaskParty, sa.and_(TaskParty.task_id == FollowUp.task_id, TaskParty.unit_id == FollowUp.unit_id))
        .where(TaskParty.is_lead.is_(False)))
    assert co_reports > 0

    # history stays in the past and agrees with the tasks
    assert all(t.completed_on <= day for t in tasks if t.completed_on)
    assert all(t.assigned_on <= day for t in tasks)
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(TaskEvent).where(TaskEvent.at > utcnow()))
    _assert_parties_point_at_their_latest_follow_up()

    # both demo vice mayors see every light of the dispatch list in the current 旬, and a stale task
    for username in ("fushizhang", "fushizhang2"):
        listing = dispatch_list(user(username).person, Xun.of(day), day)
        assert {row.light for row in listing.rows} >= {Light.red, Light.yellow, Light.green, Light.done_on_time,
                                                        Light.done_late}
        assert any(row.stale for row in listing.rows)

    # the demo staff units lead several tasks and help on others
    for name in ("市工信局", "市发改委", "市科技局", "湘潭县人民政府", "湘潭高新区管委会"):
        unit = db.session.scalar(sa.select(Unit).where(Unit.name == name))
        assert sum(t.lead_unit_id == unit.id for t in tasks) >= 3, name
        assert sum(unit.id in t.co_unit_ids for t in tasks) >= 3, name


def test_demo_tasks_are_created_only_once(clock, cheap_passwords):
    day = today()
    first = seed_demo_tasks(day)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
    second = seed_demo_tasks(day)
    assert first["tasks"] == count
    assert second == {"tasks": 0, "follow_ups": 0, "users": 0}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == count


def test_stress_seeder_writes_consistent_history_at_a_small_scale(clock):
    day = today()
    result = seed_stress_tasks(day, tasks=500, follow_ups_per_task=5, batch_size=200, echo=None)
    assert result["tasks"] == 500
    assert result["follow_ups"] == 2500
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 2500
    tasks = db.session.scalars(sa.select(Task)).all()
    assert len(tasks) == 500
    units = {t.lead_unit_id for t in tasks}
    assert len(units) > 40  # spread over the assessed units
    assert min(t.assigned_on for t in tasks) < day.replace(year=day.year - 1)
    assert max(t.due_on for t in tasks) > day

    _assert_parties_point_at_their_latest_follow_up()
    leads = defaultdict(int)
    for party in db.session.scalars(sa.select(TaskParty).where(TaskParty.is_lead)):
        leads[party.task_id] += 1
    assert all(leads[t.id] == 1 for t in tasks)

    approved = dict(db.session.execute(sa.select(CompletionRequest.task_id, CompletionRequest.completed_on)
                                       .where(CompletionRequest.status == RequestStatus.approved)).all())
    completed = [t for t in tasks if t.state is TaskState.completed]
    assert completed
    for task in completed:
        assert task.completed_on is not None and task.assigned_on <= task.completed_on <= day
        assert approved[task.id] == task.completed_on
    assert all(t.completed_on is None for t in tasks if t.state is not TaskState.completed)
    assert all(t.due_on >= t.original_due_on for t in tasks)

    reported = db.session.execute(sa.select(FollowUp.reported_on, Task.assigned_on).join(Task)).all()
    assert all(assigned <= on <= day for on, assigned in reported)
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(TaskEvent).where(TaskEvent.at > utcnow()))
    if db.session.get_bind().dialect.name == "postgresql":  # the load's trigger setting does not outlive it
        assert db.session.scalar(sa.text("SHOW session_replication_role")) == "origin"
    in_progress = {t.id for t in tasks if t.state is TaskState.in_progress}
    with_lead_report = set(db.session.scalars(sa.select(TaskParty.task_id).where(
        TaskParty.is_lead, TaskParty.last_follow_up_id.is_not(None))))
    assert in_progress <= with_lead_report


def test_stress_seeder_skips_when_that_many_tasks_exist(clock):
    day = today()
    seed_stress_tasks(day, tasks=120, follow_ups_per_task=2, echo=None)
    again = seed_stress_tasks(day, tasks=120, follow_ups_per_task=2, echo=None)
    assert again["skipped"] is True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 120
