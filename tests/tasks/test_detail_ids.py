"""The task page renders some action forms twice (approve/return, the two extension decisions): every id on the
page is unique and every label points at its own field."""

import re
from collections import Counter
from datetime import date

from app.extensions import db
from app.tasks import services
from tests.factories import account, assign_task
from tests.tasks.test_views import unit_of


def _ids_of_page(client, task):
    body = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', body)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    targets = re.findall(r'<label[^>]*\sfor="([^"]+)"', body)
    assert targets and set(targets) <= set(ids)
    return set(ids)


def test_every_id_on_the_task_page_is_unique_and_labels_point_at_their_fields(client, login_as, clock):
    gxj, today = account("gxj"), date(2026, 3, 10)
    extension = assign_task("页面编号检查：延期", unit_of("gxj"), co=[unit_of("fgw")])
    completion = assign_task("页面编号检查：办结", unit_of("gxj"))
    for task in (extension, completion):
        services.accept_task(gxj, task)
    services.request_extension(gxj, extension, date(2026, 4, 30), "等待批复", today)
    services.request_completion(gxj, completion, today, "已完成", today)
    db.session.commit()
    login_as("admin")
    assert {"decide-extension-note", "refuse-extension-note"} <= _ids_of_page(client, extension)
    assert {"decide-note", "return-note", "return-submit"} <= _ids_of_page(client, completion)
