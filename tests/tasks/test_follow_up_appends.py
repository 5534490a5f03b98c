"""A follow-up (进展反馈) is an append: it overwrites nothing, so it never conflicts with another append.

- Without a `version` every append is saved, however many arrive at once (50 concurrent API posts from three
  units: 50 × 201 on SQLite and PostgreSQL; it was 5 × 201 and 45 × 409 on PostgreSQL).
- With a `version` that is stale the request keeps its 409: the caller asked to act on what it saw.
- The task page's follow-up form sends no version (an append from the page is not refused because another unit
  reported meanwhile); the task's state is still checked against the row as it is now.
"""

import threading
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from app.auth.models import ApiToken
from app.core.models import AuditEntry
from app.extensions import db
from app.tasks import services
from app.tasks.models import FollowUp, Task, TaskEvent, TaskState
from tests.factories import account, unit
from tests.helpers import assert_json_error, bearer
from tests.tasks.test_concurrency import bump_version_elsewhere

TODAY = date(2026, 3, 10)
APPENDS = 50


def accepted_task():
    """A task of 市工信局 (gxj) with 市发改委 (fgw) and 市科技局 (kjj) as co-units, accepted and reported on once."""
    task = services.assign_task(account("admin"), title="并发进展反馈", lead_unit=unit("市工信局"),
                                co_units=[unit("市发改委"), unit("市科技局")], due_on=date(2026, 3, 31), today=TODAY)
    services.accept_task(account("gxj"), task)
    services.record_follow_up(account("gxj"), task, "开工准备", 10, TODAY)
    return task


def post_follow_up(client, token, task_id, text, **extra):
    return client.post(f"/api/v1/tasks/{task_id}/follow-ups", json={"text": text, "percent": 50, **extra},
                       headers=bearer(token))


@pytest.mark.no_db_transaction
def test_fifty_concurrent_follow_ups_without_a_version_are_all_saved(app, api_token, clock):
    clock.set(datetime(2026, 3, 10, 9, 0))
    task = accepted_task()
    tokens = [api_token(name) for name in ("gxj", "fgw", "kjj")]
    db.session.commit()
    task_id, start_version = task.id, task.version
    token_ids = list(db.session.scalars(sa.select(ApiToken.id).order_by(ApiToken.id.desc()).limit(3)))
    db.session.remove()

    barrier = threading.Barrier(APPENDS, timeout=60)
    answers = {}

    def append(n):
        client = app.test_client()
        barrier.wait()  # every request starts at the same moment
        response = post_follow_up(client, tokens[n % 3], task_id, f"并发进展{n:02d}")
        answers[n] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=append, args=(n,)) for n in range(APPENDS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
        refused = {n: answer for n, answer in answers.items() if answer[0] != 201}
        assert refused == {}, f"{len(refused)} of {APPENDS} appends refused: {list(refused.values())[:3]}"

        db.session.expire_all()
        texts = list(db.session.scalars(sa.select(FollowUp.text).where(FollowUp.task_id == task_id,
                                                                       FollowUp.text.like("并发进展%"))))
        assert sorted(texts) == [f"并发进展{n:02d}" for n in range(APPENDS)]  # each saved once
        row = db.session.get(Task, task_id)
        assert row.state is TaskState.in_progress
        # every append bumped the version once (the optimistic lock still sees every change)
        assert row.version == start_version + APPENDS
        events = db.session.scalar(sa.select(sa.func.count()).select_from(TaskEvent).where(
            TaskEvent.task_id == task_id, TaskEvent.note.like("%并发进展%")))
        assert events == APPENDS
    finally:
        db.session.rollback()
        follow_up_ids = [str(i) for i in db.session.scalars(sa.select(FollowUp.id).where(
            FollowUp.task_id == task_id))]
        db.session.execute(sa.delete(AuditEntry).where(sa.or_(
            sa.and_(AuditEntry.object_type == "tasks", AuditEntry.object_id == str(task_id)),
            sa.and_(AuditEntry.object_type == "follow_ups", AuditEntry.object_id.in_(follow_up_ids)),
            sa.and_(AuditEntry.object_type == "api_tokens",
                    AuditEntry.object_id.in_([str(i) for i in token_ids])))))
        db.session.execute(sa.delete(ApiToken.__table__).where(ApiToken.__table__.c.id.in_(token_ids)))
        db.session.execute(sa.delete(Task.__table__).where(Task.__table__.c.id == task_id))  # cascades
        db.session.commit()
        assert db.session.get(Task, task_id) is None


def test_an_append_without_a_version_after_a_write_committed_meanwhile_is_saved(clock):
    """The session still holds the old version (another request committed since it loaded the task): the append
    re-reads the task row under a lock and goes through, where any other action is a Conflict
    (tests/tasks/test_concurrency.py)."""
    task = accepted_task()
    db.session.commit()
    task = db.session.get(Task, task.id)
    stored_version = task.version
    bump_version_elsewhere(task)
    follow_up = services.record_follow_up(account("fgw"), task, "配合进展", 40, TODAY)
    assert follow_up.id is not None
    assert db.session.scalar(sa.select(Task.version).where(Task.id == task.id)) == stored_version + 2


def test_an_append_sending_a_stale_version_keeps_its_409(client, api_token, clock):
    task = accepted_task()
    token = api_token("fgw")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp).where(FollowUp.task_id == task.id))
    body = assert_json_error(post_follow_up(client, token, task.id, "旧页面的进展", version=task.version - 1),
                             409, "conflict")
    assert "刷新" in body["message"]
    after = db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp).where(FollowUp.task_id == task.id))
    assert after == before
    response = post_follow_up(client, token, task.id, "当前版本的进展", version=task.version)
    assert response.status_code == 201, response.get_json()


def test_the_page_follow_up_is_saved_although_another_unit_reported_meanwhile(client, login_as, clock):
    task = accepted_task()
    login_as("fgw")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    form = page[page.index('id="follow-up"'):]
    form = form[:form.index("</form>")]
    assert 'name="version"' not in form  # the page's append carries no version
    services.record_follow_up(account("kjj"), task, "科技局配合进展", 20, TODAY)  # meanwhile, another unit
    response = client.post(f"/tasks/{task.id}/follow-up", data={"text": "发改委配合进展", "percent": "30"})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    texts = set(db.session.scalars(sa.select(FollowUp.text).where(FollowUp.task_id == task.id)))
    assert {"科技局配合进展", "发改委配合进展"} <= texts
