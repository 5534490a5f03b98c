"""催办 (issue 16, section 3): an empty urge is refused, and a second one within an hour asks for confirmation
first — in the service (injected clock) and on the task page (the form comes back with “仍要催办”)."""

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from app.core.errors import ServiceError
from app.extensions import db
from app.tasks import services
from app.tasks.models import Task, TaskEvent, Urge
from tests.factories import account, assign_task

TODAY = datetime(2026, 3, 10).date()


def _open_task():
    task = assign_task("催办规则检查", "市工信局")
    services.accept_task(account("gxj"), task)
    return task


def _counts(task):
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Urge).where(Urge.task_id == task.id)),
            db.session.scalar(sa.select(sa.func.count()).select_from(TaskEvent).where(TaskEvent.task_id == task.id)),
            db.session.scalar(sa.select(Task.urge_count).where(Task.id == task.id)))


@pytest.mark.parametrize("note", ["", "   ", None, "\n\t"])
def test_an_empty_urge_is_refused_naming_the_note_and_writes_nothing(note, clock):
    task = _open_task()
    before = _counts(task)
    with pytest.raises(ServiceError) as info:
        services.urge_task(account("admin"), task, 1, note, TODAY)
    assert info.value.field == "note" and "请填写催办说明" in info.value.message
    assert _counts(task) == before


def test_a_second_urge_within_an_hour_asks_for_confirmation_then_goes_through_when_confirmed(clock):
    task = _open_task()
    clock.set(datetime(2026, 3, 10, 9, 0))
    services.urge_task(account("admin"), task, 1, "请加快进度", TODAY)
    clock.set(datetime(2026, 3, 10, 9, 25))
    before = _counts(task)
    with pytest.raises(ServiceError) as info:
        services.urge_task(account("fushizhang2"), task, 2, "请主要负责同志调度", TODAY)
    assert info.value.code == "confirm_urge" and info.value.status == 409
    assert info.value.message == "该事项 25 分钟前已催办过，确定要再次催办吗？"
    assert _counts(task) == before
    services.urge_task(account("fushizhang2"), task, 2, "请主要负责同志调度", TODAY, confirmed=True)
    assert task.urge_count == 2


def test_an_urge_an_hour_or_more_after_the_last_needs_no_confirmation(clock):
    task = _open_task()
    clock.set(datetime(2026, 3, 10, 9, 0))
    services.urge_task(account("admin"), task, 1, "请加快进度", TODAY)
    clock.set(datetime(2026, 3, 10, 9, 59, 30))
    with pytest.raises(ServiceError, match="59 分钟前"):
        services.urge_task(account("admin"), task, 1, "再次催办", TODAY)
    clock.set(datetime(2026, 3, 10, 10, 0))
    services.urge_task(account("admin"), task, 1, "再次催办", TODAY)
    assert task.urge_count == 2


def test_the_task_page_marks_an_empty_urge_note(client, login_as, clock):
    task = _open_task()
    db.session.commit()
    login_as("admin")
    response = client.post(f"/tasks/{task.id}/urge", data={"level": "1", "note": "  ", "version": task.version})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert re.search(r'<textarea[^>]*class="[^"]*is-invalid[^"]*"[^>]*id="urge-note"', body) or \
        re.search(r'<textarea[^>]*id="urge-note"[^>]*class="[^"]*is-invalid', body), body
    assert "请填写催办说明" in body
    assert _counts(task)[0] == 0


def test_the_task_page_asks_again_with_a_still_urge_button_and_a_confirmed_post_urges(client, login_as, clock):
    task = _open_task()
    services.urge_task(account("admin"), task, 1, "请加快进度", TODAY)
    db.session.commit()
    login_as("admin")
    clock.set(datetime(2026, 3, 10, 9, 10))
    response = client.post(f"/tasks/{task.id}/urge",
                           data={"level": "2", "note": "请三日内报送", "version": task.version})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "该事项 10 分钟前已催办过，确定要再次催办吗？" in body
    assert 'value="仍要催办"' in body
    assert re.search(r'name="confirmed"[^>]*value="1"|value="1"[^>]*name="confirmed"', body)
    assert "请三日内报送" in body  # what was typed is kept
    assert _counts(task)[0] == 1
    version = re.search(r'id="urge-version" name="version"[^>]*value="(\d+)"', body).group(1)
    response = client.post(f"/tasks/{task.id}/urge", data={"level": "2", "note": "请三日内报送",
                                                           "version": version, "confirmed": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert _counts(task)[0] == 2
