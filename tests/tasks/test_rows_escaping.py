"""The rows of the task lists and of the dispatch list are written in Python (list_views.task_rows_markup,
dispatch_views.dispatch_rows_markup, issue #13): every value that comes from a user is escaped there, as Jinja
would, in text and in attributes alike."""

import pytest

from app.extensions import db
from app.tasks import services
from tests.factories import account, assign_task

TITLE = '<b>标题</b>"引号\'&'
PROGRESS = "<script>alert(1)</script>进展&"


@pytest.fixture
def marked_up(clock):
    task = assign_task(TITLE, lead="市工信局", co=("市发改委",), due="2026-03-31", assigned="2026-02-20")
    services.accept_task(account("gxj"), task)
    services.record_follow_up(account("gxj"), task, PROGRESS, 40, clock.today())
    services.record_follow_up(account("fgw"), task, PROGRESS, 20, clock.today())
    db.session.commit()
    return task


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("username", "url"), [("gxj", "/tasks/inbox"), ("admin", "/tasks/"),
                                               ("fushizhang2", "/tasks/dispatch")])
def test_titles_and_progress_from_users_are_escaped_in_the_rows(client, login_as, marked_up, username, url):
    login_as(username)
    html = _page(client, url)
    assert "&lt;b&gt;标题&lt;/b&gt;&#34;引号&#39;&amp;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;进展&amp;" in html
    assert "<b>标题</b>" not in html and "<script>alert(1)" not in html


def test_the_urge_checkbox_label_of_the_dispatch_list_is_an_escaped_attribute(client, login_as, marked_up):
    login_as("fushizhang2")
    html = _page(client, "/tasks/dispatch")
    assert 'aria-label="选择：&lt;b&gt;标题&lt;/b&gt;&#34;引号&#39;&amp;"' in html
