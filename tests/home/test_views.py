"""Each role's home through HTTP (real sessions, frozen clock at 2026-03-10): what it shows, that every count links
to its list, that the observer has no action buttons, and that the number of SQL statements does not grow with the
number of tasks, units with tasks and meetings."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.meetings.models import ExpectedMeeting, MeetingType
from app.org.models import Unit
from app.tasks.models import TaskParty
from tests.factories import account, make_task, unit

ON = date(2026, 3, 10)


def home(client, login_as, username):
    login_as(username)
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html[html.index("<main"):html.index("</main>")]


def test_vice_mayor_home_shows_his_units_red_first_and_the_dispatch_list(client, login_as, clock):
    make_task("市科技局", assigned="2026-02-01", due="2026-03-02", title="科技局逾期事项")
    html = home(client, login_as, "fushizhang")
    assert 'data-home="vice_mayor"' in html
    assert "分管单位事项（11 个单位）" in html
    tiles = html[html.index("home-tiles"):]
    assert tiles.index("市科技局") < tiles.index("市市场监管局")  # the red unit first
    assert f'href="/tasks/?unit={unit("市科技局").id}&amp;light=red"' in html
    assert "科技局逾期事项" in html and "逾期 6 个工作日" in html
    assert 'href="/tasks/dispatch"' in html and "2026年3月上旬调度清单" in html
    assert "考评对象" not in html and "领导小组" not in html


@pytest.mark.parametrize("username", ["shizhang", "shuji"])
def test_mayor_and_secretary_see_the_city_and_each_vice_mayors_list(client, login_as, clock, username):
    make_task("市工信局", assigned="2026-02-01", due="2026-03-02")
    html = home(client, login_as, username)
    assert 'data-home="city"' in html
    assert "分管单位（0）" not in html
    for heading in ("全市在办事项", "目标指标进度（2026年2月）", "红灯事项最多的单位", "本周会议",
                    "各副市长本旬调度清单"):
        assert heading in html, heading
    assert f'href="/tasks/?unit={unit("市工信局").id}&amp;light=red"' in html
    assert "尚无已审定的季度考评结果。" in html
    vice_mayor = account("fushizhang").person_id
    assert f'class="btn btn-outline-primary btn-sm" href="/tasks/dispatch?person={vice_mayor}"' in html


def test_observer_sees_the_city_read_only(client, login_as, clock):
    html = home(client, login_as, "guancha")
    assert 'data-home="observer"' in html and "全市在办事项" in html
    assert "btn" not in html and "<form" not in html


def test_office_home_is_its_queue_with_links_and_chinese_empty_states(client, login_as, clock):
    html = home(client, login_as, "admin")
    assert 'data-home="office"' in html and "待办事项" in html
    for empty in ("没有待审核的办结申请", "没有待审核的延期申请", "会议记录没有缺失", "月度报送没有逾期",
                  "没有发送失败的提醒"):
        assert empty in html, empty
    assert "本单位在办事项" not in html


def test_unit_staff_home_is_a_to_do_list(client, login_as, clock):
    make_task("市工信局", assigned="2026-02-01", due="2026-03-02")
    html = home(client, login_as, "gxj")
    assert 'data-home="staff"' in html and "市工信局待办" in html
    assert 'href="/tasks/inbox?light=red"' in html
    assert "没有待签收的事项" in html and "没有临近到期的事项" in html
    assert "考评对象" not in html and "领导小组" not in html


# --- statement counts ---------------------------------------------------------------------------------------

def _more_data(n_tasks, n_meetings, start=0):
    """Tasks led in turn by every active unit (red, yellow and green), with a co-unit each, and missing 周会商
    records of as many units."""
    units = db.session.scalars(sa.select(Unit).where(Unit.is_active).order_by(Unit.id)).all()
    for i in range(start, start + n_tasks):
        lead = units[i % len(units)]
        task = make_task(lead, assigned="2026-02-01", due=ON + timedelta(days=(i * 7 % 30) - 8), title=f"批量{i}")
        co = units[(i + 1) % len(units)]
        db.session.add(TaskParty(task_id=task.id, unit_id=co.id, is_lead=False))
    for i in range(start, start + n_meetings):
        u = units[i % len(units)]
        day = date(2026, 3, 2)
        db.session.add(ExpectedMeeting(type=MeetingType.weekly, period_key=f"2026-W10-{i}", period_start=day,
                                       period_end=day, convener_key=f"unit:{u.id}:{i}", convener_unit_id=u.id,
                                       scheduled_on=day, record_due_on=date(2026, 3, 4), provisional=False))
    db.session.flush()


@pytest.mark.parametrize("username", ["fushizhang", "shizhang", "guancha", "admin", "gxj", "xtx"])
def test_home_issues_the_same_number_of_statements_for_few_and_many_tasks(client, login_as, clock, count_queries,
                                                                          username):
    login_as(username)

    def measure():
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get("/").status_code == 200
        return counter.count

    _more_data(3, 1)
    client.get("/")  # warms the per-process caches (calendar, settings, rules)
    few = measure()
    _more_data(60, 12, start=3)
    many = measure()
    assert many == few, f"{username}: {few} statements for 3 tasks, {many} for 63"


def test_city_lists_this_weeks_meetings_of_every_vice_mayor(client, login_as, clock):
    person_id = account("fushizhang").person_id
    day = date(2026, 3, 11)
    db.session.add(ExpectedMeeting(type=MeetingType.dispatch, period_key="2026-03-1", period_start=date(2026, 3, 1),
                                   period_end=date(2026, 3, 10), convener_key=f"person:{person_id}",
                                   convener_person_id=person_id, scheduled_on=day, record_due_on=day,
                                   provisional=False))
    db.session.add(ExpectedMeeting(type=MeetingType.dispatch, period_key="2026-02-3", period_start=date(2026, 2, 21),
                                   period_end=date(2026, 2, 28), convener_key=f"person:{person_id}",
                                   convener_person_id=person_id, scheduled_on=date(2026, 3, 2),
                                   record_due_on=date(2026, 3, 2), provisional=False))  # last week's
    db.session.flush()
    html = home(client, login_as, "shizhang")
    week = html[html.index("本周会议"):html.index("会议日历")]
    assert "3月11日 旬调度 · 杨晓军" in week
    assert "3月2日" not in week
