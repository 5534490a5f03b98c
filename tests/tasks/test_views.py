"""The task list pages through the real HTTP layer (issue #3): the unit's inbox /tasks/inbox, the overview
/tasks/ with its filters and pages, a plan's page /org/plans/<code>, and the number of SQL statements of the
inbox, overview and dispatch pages, which must not grow with the rows.

The clock stands at 2026-03-10 09:00 (a Tuesday): due before 03-10 is red, 03-10 … 03-15 yellow (3 working
days), later green. The detail page and the actions are in test_views_detail.py, the assign form and the bad
input of issue #3 in test_views_bad_input.py; the helpers here are shared by both.
"""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.demo.org import PORTFOLIOS
from app.extensions import db
from app.org.models import UnitGroup
from app.tasks import services
from app.tasks.models import TaskSource
from tests.factories import account, assign_task, plan
from tests.factories import unit as unit_named
from tests.tasks.helpers import add_reported_task

D = date.fromisoformat
TODAY = D("2026-03-10")
OLD_RED_PILL = ">红</span>"  # the bare pill beside a unit's name, which read as "this task is red"
OVERDUE_UNIT_BADGE = "有逾期事项"


# --- helpers shared by the view tests -----------------------------------------------------------------------

def unit_of(username):
    return account(username).unit


def complete(task, lead_user, on="2026-03-09"):
    services.accept_task(account(lead_user), task)
    services.request_completion(account(lead_user), task, D(on), "已完成", TODAY)
    services.approve_completion(account("admin"), task)
    db.session.flush()


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def order_of(html, *titles):
    """The positions of the titles in the page (each must be there)."""
    positions = [html.find(t) for t in titles]
    assert all(p >= 0 for p in positions), dict(zip(titles, positions, strict=True))
    return positions


def row_of(html, title):
    """The <tr> of the task list that shows `title`."""
    match = re.search(r"<tr[ >](?:(?!</tr>).)*?" + re.escape(title) + r".*?</tr>", html, re.S)
    assert match, f"no row for {title}"
    return match.group(0)


def tab(html, label):
    """The text of the inbox tab that starts with `label` ("红灯 1", "在办 4" ...)."""
    match = re.search(r'class="nav-link[^"]*"[^>]*>(?:<span[^>]*></span>)?\s*' + re.escape(label) + r"\s*(\d+)",
                      html)
    assert match, f"no tab {label}"
    return int(match.group(1))


# --- the unit's inbox ---------------------------------------------------------------------------------------

@pytest.fixture
def inbox_world(clock):
    """市工信局 (gxj) leads or co-handles five open tasks and two closed ones; one task it is not on."""
    gxj, fgw, kjj = unit_of("gxj"), unit_of("fgw"), unit_of("kjj")
    tasks = {
        "green_late": assign_task("收件箱绿灯晚到期", gxj, due="2026-04-30"),
        "red": assign_task("收件箱红灯逾期", gxj, due="2026-03-05", assigned="2026-02-02"),
        "green_soon": assign_task("收件箱绿灯三月底", gxj, co=[kjj], due="2026-03-31"),
        "yellow_co": assign_task("收件箱黄灯配合", fgw, co=[gxj], due="2026-03-12"),
        "yellow_today": assign_task("收件箱黄灯今天到期", gxj, due="2026-03-10"),
        "done": assign_task("收件箱已办结", gxj, due="2026-03-20", assigned="2026-03-02"),
        "cancelled": assign_task("收件箱已撤销配合", kjj, co=[gxj], due="2026-03-20"),
        "other": assign_task("收件箱无关事项", kjj, co=[fgw], due="2026-03-20"),
    }
    complete(tasks["done"], "gxj")
    services.cancel_task(account("admin"), tasks["cancelled"], "任务调整")
    for _ in range(3):
        services.urge_task(account("admin"), tasks["green_late"], 1, "请加快", TODAY, confirmed=True)
    services.urge_task(account("admin"), tasks["green_soon"], 2, "督办", TODAY)
    db.session.flush()
    return tasks


def test_inbox_lists_the_units_tasks_as_lead_and_as_co_unit_red_first_then_by_due_date(client, login_as,
                                                                                       inbox_world):
    login_as("gxj")
    html = page(client, "/tasks/inbox")
    assert "市工信局" in html and "交办事项" in html
    positions = order_of(html, "收件箱红灯逾期", "收件箱黄灯今天到期", "收件箱黄灯配合", "收件箱绿灯三月底",
                         "收件箱绿灯晚到期")
    assert positions == sorted(positions)
    for absent in ("收件箱无关事项", "收件箱已办结", "收件箱已撤销配合"):
        assert absent not in html
    # the lights of the rows, and the co-unit task shows its lead unit
    assert "红灯" in row_of(html, "收件箱红灯逾期")
    assert "黄灯" in row_of(html, "收件箱黄灯配合") and unit_of("fgw").short_name in row_of(html, "收件箱黄灯配合")
    assert "绿灯" in row_of(html, "收件箱绿灯晚到期")


def test_inbox_counts_each_light_and_the_closed_tasks(client, login_as, inbox_world):
    login_as("gxj")
    html = page(client, "/tasks/inbox")
    assert (tab(html, "在办"), tab(html, "红灯"), tab(html, "黄灯"), tab(html, "绿灯"),
            tab(html, "已办结/撤销")) == (5, 1, 2, 2, 2)
    login_as("kjj")  # 市科技局: leads the unrelated and the cancelled task, co-handles 绿灯三月底
    html = page(client, "/tasks/inbox")
    assert (tab(html, "在办"), tab(html, "红灯"), tab(html, "黄灯"), tab(html, "绿灯"),
            tab(html, "已办结/撤销")) == (2, 0, 0, 2, 1)


@pytest.mark.parametrize(("query", "shown"), [
    ("light=red", ["收件箱红灯逾期"]),
    ("light=yellow", ["收件箱黄灯今天到期", "收件箱黄灯配合"]),
    ("light=green", ["收件箱绿灯三月底", "收件箱绿灯晚到期"]),
    ("closed=1", ["收件箱已办结", "收件箱已撤销配合"]),
])
def test_inbox_filters_by_light_and_shows_closed_tasks_separately(client, login_as, inbox_world, query, shown):
    login_as("gxj")
    html = page(client, f"/tasks/inbox?{query}")
    every = [t.title for key, t in inbox_world.items() if key != "other"]
    assert [t for t in every if t in html] == sorted(shown, key=every.index)
    if len(shown) > 1 and query != "closed=1":
        positions = order_of(html, *shown)
        assert positions == sorted(positions)
    assert 'nav-link active' in html


def test_inbox_rows_carry_no_unit_pill_only_the_tasks_light_and_its_urges(client, login_as, inbox_world):
    """Issue #16: a "红" pill beside every unit name read as "this task is red". 市工信局 leads an overdue task,
    yet its green task's row says 绿灯 and nothing red about the unit."""
    login_as("gxj")
    html = page(client, "/tasks/inbox")
    green = row_of(html, "收件箱绿灯晚到期")
    assert "绿灯" in green and OLD_RED_PILL not in green and OVERDUE_UNIT_BADGE not in green
    assert "text-bg-danger" not in green
    assert OLD_RED_PILL not in html and "rounded-pill" not in html
    assert "红灯" in row_of(html, "收件箱红灯逾期")
    assert "多次催办×3" in green
    once = row_of(html, "收件箱绿灯三月底")
    assert "已催办" in once and "多次催办" not in once
    assert "催办" not in row_of(html, "收件箱红灯逾期")


def test_a_units_overdue_standing_is_said_in_words_where_the_unit_is_the_subject(client, login_as, inbox_world):
    """On a task's page (tasks/_macros.html unit_name) the unit leading an overdue task is marked 有逾期事项 with
    what it means, not a bare 红: here on a green task of 市工信局, whose other task is overdue."""
    login_as("gxj")
    html = page(client, f"/tasks/{inbox_world['green_late'].id}")
    assert OVERDUE_UNIT_BADGE in html and "该单位牵头的在办事项中有已逾期的" in html
    assert OLD_RED_PILL not in html
    login_as("kjj")  # 市科技局 leads no overdue task: no badge beside it
    html = page(client, f"/tasks/{inbox_world['other'].id}")
    assert OVERDUE_UNIT_BADGE not in html


def test_inbox_says_what_its_counts_count(client, login_as, inbox_world):
    login_as("gxj")
    html = page(client, "/tasks/inbox")
    note = re.search(r'id="inbox-counts-note">(.*?)</p>', html, re.S).group(1)
    assert "红灯：本单位牵头或配合的在办事项中已逾期的" in note
    assert "不含已办结、已撤销" in note and "黄灯：2026-03-15 前（含）到期的" in note
    assert "月分析中的红灯按评价日、只按牵头单位统计，数目可能不同" in note
    tabs = html[html.find('class="nav nav-pills'):html.find('id="inbox-counts-note"')]
    assert order_of(tabs, "红灯", "黄灯", "绿灯") == sorted(order_of(tabs, "红灯", "黄灯", "绿灯"))  # red first


def test_light_dots_are_images_with_a_name(client, login_as, inbox_world):
    """axe flagged aria-label on a plain <span>: the dot is role="img" with its label."""
    login_as("gxj")
    html = page(client, "/tasks/inbox")
    dots = re.findall(r'<span class="light [^"]*"[^>]*>', html)
    assert dots and all('role="img"' in d and 'aria-label="' in d for d in dots)


def test_list_pages_render_each_task_once_as_a_row_that_phones_show_as_a_card(client, login_as, inbox_world):
    """Every list built by task_table (inbox, overview, plan page) has one row per task — not a table and a second
    list of cards (issue #13: rendering every task twice cost a third of the inbox's time). The row carries its
    light in its class and the labels a card needs (牵头：, 时限), which task_lists.css shows below 768 px, where it
    lays the row out as a card: the light, the deadline and the state first, then the title, the units and the
    latest progress."""
    login_as("gxj")
    html = page(client, "/tasks/inbox")
    assert 'css/task_lists.css' in html and "task-card" not in html
    rows = re.findall(r'<tr class="task-row task-row-(\w+)">(.*?)</tr>', html, re.S)
    assert [light for light, _ in rows] == ["red", "yellow", "yellow", "green", "green"]
    assert html.count("收件箱红灯逾期") == 1  # the task's title once: one markup per task
    red = rows[0][1]
    cells = re.findall(r'<td class="col-(\w+)', red)
    assert cells == ["light", "title", "lead", "co", "due", "state", "progress"]
    assert '<span class="card-label">牵头：</span>' in red and '<span class="card-label">时限 </span>2026-03-05' in red
    assert "暂无反馈" in red


def test_the_card_layout_puts_the_light_and_the_deadline_first_on_phones():
    """The phone layout lives in task_lists.css: below 768 px the table's rows become flex boxes ordered light,
    deadline, state, title, lead unit, co-units, progress; the header row is hidden and nothing keeps its width."""
    css = (Path(__file__).parents[2] / "app/static/css/task_lists.css").read_text()
    phone = css[css.index("@media (max-width: 767.98px)"):]
    order = {name: int(number) for name, number in
             re.findall(r"\.task-table \.col-(\w+) \{ order: (\d+);", phone)}
    assert sorted(order, key=order.get) == ["light", "due", "state", "title", "lead", "co", "progress"]
    assert ".task-table thead { display: none; }" in phone
    assert "overflow-wrap: anywhere" in phone


def test_inbox_malformed_filters_show_the_open_tasks_and_never_fail(client, login_as, inbox_world):
    login_as("gxj")
    for query in ("light=purple", "light=", "closed=yes", "page=abc", "page=-3", "page=99999", "light=red&page=0"):
        html = page(client, f"/tasks/inbox?{query}")
        assert "交办事项" in html, query


def test_inbox_of_a_unit_without_tasks_says_so(client, login_as, clock):
    login_as("xtx")
    html = page(client, "/tasks/inbox")
    assert "没有符合条件的事项。" in html
    assert tab(html, "在办") == 0


# --- the overview -------------------------------------------------------------------------------------------

@pytest.fixture
def overview_world(clock):
    gxj, fgw, kjj, xtx = unit_of("gxj"), unit_of("fgw"), unit_of("kjj"), unit_of("xtx")
    assert xtx.group is UnitGroup.county and gxj.group is not UnitGroup.county
    tasks = {
        "plan_red": assign_task("总览甲计划逾期", gxj, due="2026-03-05", assigned="2026-02-02",
                              source=TaskSource.plan, plan=plan("P1"), content="涉及钢铁产业链招商"),
        "county_yellow": assign_task("总览乙县域黄灯", xtx, co=[gxj], due="2026-03-12"),
        "percent_green": assign_task("总览丙完成率100%目标", kjj, due="2026-05-20"),
        "done": assign_task("总览丁已办结", fgw, due="2026-04-10", assigned="2026-03-02",
                          source=TaskSource.plan, plan=plan("P2")),
    }
    services.accept_task(account("xtx"), tasks["county_yellow"])
    complete(tasks["done"], "fgw")
    return tasks


def overview_titles(client, query=""):
    html = page(client, f"/tasks/?{query}")
    return {t for t in ("总览甲计划逾期", "总览乙县域黄灯", "总览丙完成率100%目标", "总览丁已办结") if t in html}


def test_overview_lists_every_task_with_its_light_counts(client, login_as, overview_world):
    login_as("admin")
    html = page(client, "/tasks/?state=all")
    positions = order_of(html, "总览甲计划逾期", "总览乙县域黄灯", "总览丙完成率100%目标", "总览丁已办结")
    assert positions == sorted(positions)  # red, yellow, green, then the closed ones
    counts = re.search(r'</form>\s*<p class="small">(.*?)</p>', html, re.S).group(1)  # above the table
    words = re.sub(r"<[^>]+>|\s+", " ", counts).split()
    assert dict(zip(words[::2], words[1::2], strict=True)) == {"红灯": "1", "黄灯": "1", "绿灯": "1", "按时办结": "1"}
    assert "P1 " in row_of(html, "总览甲计划逾期")
    assert '<option value="all" selected>' in html


@pytest.fixture
def red_first_world(clock):
    """Open tasks of every light and closed ones due earlier than all of them (they came first when the overview
    listed every task by due date)."""
    gxj, kjj = unit_of("gxj"), unit_of("kjj")
    tasks = {
        "done_early": assign_task("次序早已办结", kjj, due="2026-02-20", assigned="2026-02-02"),
        "cancelled_early": assign_task("次序早已撤销", kjj, due="2026-02-21", assigned="2026-02-02"),
        "green": assign_task("次序绿灯", gxj, due="2026-04-20"),
        "red_recent": assign_task("次序红灯近", kjj, due="2026-03-09", assigned="2026-02-02"),
        "yellow": assign_task("次序黄灯", gxj, due="2026-03-12"),
        "red_old": assign_task("次序红灯早", gxj, due="2026-02-27", assigned="2026-02-02"),
        "done_late": assign_task("次序晚已办结", gxj, due="2026-05-20", assigned="2026-02-02"),
    }
    complete(tasks["done_early"], "kjj", on="2026-02-19")
    complete(tasks["done_late"], "gxj")
    services.cancel_task(account("admin"), tasks["cancelled_early"], "任务调整")
    db.session.flush()
    return tasks


OPEN_ORDER = ["次序红灯早", "次序红灯近", "次序黄灯", "次序绿灯"]
CLOSED = ["次序早已办结", "次序早已撤销", "次序晚已办结"]


def test_overview_opens_on_the_open_tasks_red_first_then_by_due_date(client, login_as, red_first_world):
    """Issue #16: with no filter the overview shows the open tasks (在办), red first: the office opens it to see
    what is late, not the tasks closed long ago."""
    login_as("admin")
    html = page(client, "/tasks/")
    positions = order_of(html, *OPEN_ORDER)
    assert positions == sorted(positions)
    assert not [t for t in CLOSED if t in html]
    assert '<option value="open" selected>在办（未办结）</option>' in html
    assert "共 4 条" in html or "按红灯、黄灯、绿灯排列" in html
    # the light counts above the list are the open tasks'
    counts = re.search(r'</form>\s*<p class="small">(.*?)</p>', html, re.S).group(1)
    words = re.sub(r"<[^>]+>|\s+", " ", counts).split()
    assert dict(zip(words[::2], words[1::2], strict=True)) == {"红灯": "2", "黄灯": "1", "绿灯": "1"}
    # the 在办 choice with other filters, as the form sends it
    html = page(client, f"/tasks/?state=open&unit={unit_of('gxj').id}")
    assert [t for t in OPEN_ORDER + CLOSED if t in html] == ["次序红灯早", "次序黄灯", "次序绿灯"]


def test_overview_all_choice_lists_the_closed_tasks_after_the_open_ones(client, login_as, red_first_world):
    login_as("admin")
    html = page(client, "/tasks/?state=all")
    positions = order_of(html, *OPEN_ORDER, *CLOSED)
    assert positions == sorted(positions)
    assert '<option value="all" selected>全部状态</option>' in html
    # a link with other filters and no state (e.g. the home page's light counts) keeps every state
    assert "次序晚已办结" in page(client, "/tasks/?q=次序")
    # a real state is still a choice
    html = page(client, "/tasks/?state=completed")
    assert [t for t in OPEN_ORDER + CLOSED if t in html] == ["次序早已办结", "次序晚已办结"]


@pytest.mark.parametrize(("query", "shown"), [
    ("plan={P1}", {"总览甲计划逾期"}),
    ("plan={P2}", {"总览丁已办结"}),
    ("unit={gxj}", {"总览甲计划逾期", "总览乙县域黄灯"}),  # as lead and as co-unit
    ("unit={kjj}", {"总览丙完成率100%目标"}),
    ("group=county", {"总览乙县域黄灯"}),
    ("light=red", {"总览甲计划逾期"}),
    ("light=yellow", {"总览乙县域黄灯"}),
    ("light=green", {"总览丙完成率100%目标"}),
    ("light=done_on_time", {"总览丁已办结"}),
    ("state=accepted", {"总览乙县域黄灯"}),
    ("state=completed", {"总览丁已办结"}),
    ("state=assigned", {"总览甲计划逾期", "总览丙完成率100%目标"}),
    ("due_from=2026-03-10&due_to=2026-04-30", {"总览乙县域黄灯", "总览丁已办结"}),
    ("due_from=2026-04-11", {"总览丙完成率100%目标"}),
    ("due_to=2026-03-05", {"总览甲计划逾期"}),
    ("q=钢铁", {"总览甲计划逾期"}),  # in the content
    ("q=县域", {"总览乙县域黄灯"}),  # in the title
    ("q=100%25", {"总览丙完成率100%目标"}),  # a literal %, not a wildcard
    ("q=_", set()),
    ("unit={gxj}&light=yellow&state=accepted&group=county", {"总览乙县域黄灯"}),
    ("plan={P1}&light=green", set()),
])
def test_overview_filters(client, login_as, overview_world, query, shown):
    login_as("shizhang")  # a city leader reads everything
    ids = {"P1": plan("P1").id, "P2": plan("P2").id, "gxj": unit_of("gxj").id, "kjj": unit_of("kjj").id}
    assert overview_titles(client, query.format(**ids)) == shown


def test_overview_keeps_the_chosen_filters_in_the_form(client, login_as, overview_world):
    login_as("admin")
    html = page(client, f"/tasks/?plan={plan('P1').id}&group=county&light=red&state=assigned"
                        "&due_from=2026-03-01&due_to=2026-03-31&q=钢铁")
    assert re.search(rf'<option value="{plan("P1").id}" selected>P1 ', html)
    for value in ("county", "red", "assigned"):
        assert re.search(rf'<option value="{value}" selected>', html), value
    assert 'name="due_from" value="2026-03-01"' in html and 'name="due_to" value="2026-03-31"' in html
    assert 'name="q" value="钢铁"' in html


@pytest.mark.parametrize("query", [
    "plan=abc", "plan=-1", "plan=99999999", "plan=1e9", "unit=x", "unit=0", "unit=99999999999999999999999",
    "group=nope", "light=purple", "state=done", "due_from=2026-13-45", "due_to=yesterday", "due_from=2026-02-30",
    "q=" + "长" * 500, "q=%27%3B%20drop%20table%20tasks", "page=abc", "page=-1", "page=0", "page=99999",
    "plan=&unit=&group=&light=&state=&due_from=&due_to=&q=", "plan=99999999999999999999999",
])
def test_overview_malformed_filter_values_are_ignored_not_a_500(client, login_as, overview_world, query):
    login_as("admin")
    html = page(client, f"/tasks/?{query}")
    assert "交办事项总览" in html


def test_overview_huge_ids_match_nothing_instead_of_overflowing_the_database(client, login_as, overview_world):
    """unit=99999999999999999999999 once overflowed SQLite's INTEGER: an English-logged 500."""
    login_as("admin")
    assert overview_titles(client, "unit=99999999999999999999999") == set()
    assert overview_titles(client, "plan=-99999999999999999999999") == set()
    assert overview_titles(client, f"unit={2**31 - 1}") == set()


def test_dispatch_page_with_a_huge_person_id_is_a_chinese_404_or_403(client, login_as, clock):
    login_as("admin")
    assert "页面不存在" in page(client, "/tasks/dispatch?person=99999999999999999999999", status=404)
    login_as("fushizhang2")  # a leader asking for someone else's list
    assert "没有权限" in page(client, "/tasks/dispatch?person=99999999999999999999999", status=403)


def test_overview_search_with_a_nul_character_is_refused_in_chinese(client, login_as, overview_world):
    login_as("admin")
    html = page(client, "/tasks/?q=%00", status=400)
    assert "控制字符" in html


def test_overview_pages_keep_their_filters(client, login_as, clock, monkeypatch, app):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    gxj = unit_of("gxj")
    for n in range(5):
        assign_task(f"分页事项{n}号", gxj, due=(TODAY + timedelta(days=20 + n)).isoformat())
    assign_task("分页其他单位", unit_of("kjj"), due="2026-03-20")
    login_as("admin")
    first = page(client, f"/tasks/?unit={gxj.id}")
    assert [f"分页事项{n}号" in first for n in range(5)] == [True, True, False, False, False]
    assert "共 5 条，第 1/3 页" in first
    assert f"unit={gxj.id}" in re.search(r'<a class="page-link" href="([^"]*page=2[^"]*)"', first).group(1)
    last = page(client, f"/tasks/?unit={gxj.id}&page=3")
    assert [f"分页事项{n}号" in last for n in range(5)] == [False, False, False, False, True]
    assert "共 5 条，第 3/3 页" in last
    beyond = page(client, f"/tasks/?unit={gxj.id}&page=9")
    assert "没有符合条件的事项。" in beyond
    # with a light filter the total is counted instead of summed from the light counts
    filtered = page(client, f"/tasks/?unit={gxj.id}&light=green&page=2")
    assert "共 5 条，第 2/3 页" in filtered and "分页事项2号" in filtered


def test_overview_is_for_the_readers_of_the_city_and_the_assessors_of_the_units_they_assess(
        client, login_as, overview_world):
    login_as("xtx")  # a county: it assesses nobody
    html = page(client, "/tasks/", status=403)
    assert "没有权限" in html and "总览甲计划逾期" not in html
    login_as("fgw")  # 市发改委 assesses the counties and parks (附件2 六(二)), not the 市直 units
    assert overview_titles(client) == {"总览乙县域黄灯"}
    login_as("guancha")
    assert "总览甲计划逾期" in page(client, "/tasks/")


# --- a plan's page ------------------------------------------------------------------------------------------

def test_plan_page_lists_its_open_tasks_with_counts_by_light(client, login_as, clock):
    gxj, fgw = unit_of("gxj"), unit_of("fgw")
    p1 = plan("P1")
    assign_task("计划页逾期事项", gxj, due="2026-03-05", assigned="2026-02-02", source=TaskSource.plan, plan=p1)
    assign_task("计划页绿灯一", fgw, co=[gxj], due="2026-04-01", source=TaskSource.plan, plan=p1)
    assign_task("计划页绿灯二", gxj, due="2026-05-01", source=TaskSource.plan, plan=p1)
    done = assign_task("计划页已办结", fgw, due="2026-03-20", assigned="2026-03-02", source=TaskSource.plan, plan=p1)
    complete(done, "fgw")
    assign_task("其他计划的事项", gxj, due="2026-04-01", source=TaskSource.plan, plan=plan("P2"))
    login_as("gxj")  # any signed-in user reads a plan's page
    html = page(client, "/org/plans/P1")
    section = html[html.index("<h2 class=\"h5 mt-4\">交办事项</h2>"):]
    assert "红灯 1" in section and "绿灯 2" in section and "按时办结 1" in section and "黄灯" not in section
    positions = order_of(section, "计划页逾期事项", "计划页绿灯一", "计划页绿灯二")
    assert positions == sorted(positions)
    assert "计划页已办结" not in section and "其他计划的事项" not in section
    assert "在总览中查看全部" not in section and "交办该计划的事项" not in section  # not the office
    login_as("admin")
    html = page(client, "/org/plans/p1")  # the code is not case-sensitive
    assert f"/tasks/?plan={p1.id}" in html and "/tasks/new?plan=P1" in html


def test_plan_page_without_tasks_says_so_and_an_unknown_plan_is_a_404(client, login_as, clock):
    login_as("gxj")
    assert "暂无交办事项。" in page(client, "/org/plans/P3")
    assert "页面不存在" in page(client, "/org/plans/P99", status=404)


def test_plan_link_on_the_assign_form_preselects_the_plan(client, login_as):
    login_as("admin")
    html = page(client, "/tasks/new?plan=P2")
    assert re.search(rf'<option selected value="{plan("P2").id}">|<option value="{plan("P2").id}" selected>', html)
    assert "交办事项" in page(client, "/tasks/new?plan=" + "X" * 300)


# --- query counts -------------------------------------------------------------------------------------------

def bulk_tasks(n, start=0):
    """n open tasks led in turn by 丁诚's portfolio units (市工信局 among them), each with two co-units (one of
    them 市工信局's partner 市科技局), a follow-up by the lead and one by a co-unit, every third urged twice,
    spread over red, yellow and green, and a plan for every other."""
    leads = [unit_named(name) for name in PORTFOLIOS["丁诚"]]
    co_units = [unit_of("fgw"), unit_of("kjj")]
    plans = [plan("P1"), None]
    for i in range(start, start + n):
        lead = leads[i % len(leads)]
        due = TODAY + timedelta(days=(i * 7 % 30) - 8)  # 0, 1: red; 2: green
        add_reported_task(f"批量{i}", lead, [u for u in co_units if u.id != lead.id], D("2026-02-01"), due,
                          [(0, D("2026-03-06"), f"进展{i}", i % 100), (1, D("2026-03-02"), f"进展{i}", i % 100)],
                          plan=plans[i % 2], urge_count=2 if i % 3 == 0 else 0)


@pytest.mark.parametrize(("username", "url", "marker"), [
    ("gxj", "/tasks/inbox", None),
    ("gxj", "/tasks/inbox?light=red", None),
    ("admin", "/tasks/", None),
    ("admin", "/tasks/?light=green&q=批量", None),
    ("admin", "/tasks/?plan={P1}&unit={fgw}", None),
    ("admin", "/tasks/?state=all", None),
    ("admin", "/tasks/?state=open&light=red", None),
    ("fushizhang2", "/tasks/dispatch", "调度清单"),
    ("admin", "/tasks/dispatch?person={dingcheng}&all=1", "调度清单"),
    ("guancha", "/org/plans/P1", None),
])
def test_list_pages_issue_the_same_number_of_statements_for_few_and_many_tasks(client, login_as, clock,
                                                                               count_queries, username, url,
                                                                               marker):
    url = url.format(P1=plan("P1").id, fgw=unit_of("fgw").id, dingcheng=account("fushizhang2").person_id)
    login_as(username)

    def measure():
        db.session.expire_all()
        with count_queries() as counter:
            html = page(client, url)
        return counter.count, html

    bulk_tasks(3)
    page(client, url)  # the first request warms the per-process caches (calendar, settings)
    few, few_html = measure()
    bulk_tasks(33, start=3)
    many, many_html = measure()
    assert few_html.count("批量") < many_html.count("批量")  # the page did show more rows
    if marker:
        assert marker in many_html
    assert many == few, f"{url}: {few} statements for 3 tasks, {many} for 36"
