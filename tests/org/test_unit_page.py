"""A unit's page lists its tasks with their lights, its meetings and its ledger figures (panels registered by
app.home through app.org.panels), to those who may read them, in a constant number of statements."""

from datetime import date, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.ledger.models import IndicatorValue
from app.meetings.models import ExpectedMeeting, MeetingType
from app.org.models import Target
from app.org.panels import register_unit_panel, unit_panels
from app.tasks.models import TaskParty
from tests.factories import account, make_task, unit

ON = date(2026, 3, 10)


def unit_page(client, unit_id, status=200):
    response = client.get(f"/org/units/{unit_id}")
    assert response.status_code == status
    return response.get_data(as_text=True)


def test_unit_page_lists_open_tasks_red_first_with_a_link_to_all(client, login_as, clock):
    gxj = unit("市工信局")
    make_task(gxj, assigned="2026-02-01", due="2026-04-30", title="绿灯的事项")
    make_task(gxj, assigned="2026-02-01", due="2026-03-02", title="红灯的事项")
    co = make_task("市科技局", assigned="2026-02-01", due="2026-03-11", title="配合的黄灯事项")
    db.session.add(TaskParty(task_id=co.id, unit_id=gxj.id, is_lead=False))
    make_task(gxj, assigned="2026-02-01", due="2026-03-02", title="已办结的事项", state="completed",
              completed="2026-03-01")
    db.session.flush()
    login_as("admin")
    html = unit_page(client, gxj.id)
    assert "在办事项（3，含牵头和配合）" in html
    assert html.index("红灯的事项") < html.index("配合的黄灯事项") < html.index("绿灯的事项")
    assert "已办结的事项" not in html
    assert f'href="/tasks/?unit={gxj.id}"' in html
    assert f'href="/tasks/?unit={gxj.id}&amp;light=red"' in html


def test_unit_page_shows_recent_and_upcoming_meetings(client, login_as, clock):
    gxj = unit("市工信局")
    for day in (date(2026, 3, 2), date(2026, 3, 16)):
        db.session.add(ExpectedMeeting(type=MeetingType.weekly, period_key=f"w{day.day}", period_start=day,
                                       period_end=day, convener_key=f"unit:{gxj.id}", convener_unit_id=gxj.id,
                                       scheduled_on=day, record_due_on=day + timedelta(days=2), provisional=False))
    db.session.flush()
    login_as("guancha")
    html = unit_page(client, gxj.id)
    recent, upcoming = html[html.index("近 30 天已召开"):html.index("今后 30 天")], html[html.index("今后 30 天"):]
    assert "3月2日 周会商" in recent and "未录入" in recent
    assert "3月16日 周会商" in upcoming


def test_unit_page_shows_the_latest_indicator_values_to_its_own_staff_only(client, login_as, clock):
    xtx = unit("湘潭县人民政府")
    target = db.session.scalars(sa.select(Target).where(Target.code.is_not(None)).order_by(Target.id)).first()
    db.session.add(IndicatorValue(target_id=target.id, unit_id=xtx.id, month=date(2026, 1, 1), value=12,
                                  source_note="县统计局"))
    db.session.add(IndicatorValue(target_id=target.id, unit_id=xtx.id, month=date(2026, 2, 1), value=34,
                                  source_note="县统计局"))
    db.session.flush()
    login_as("xtx")
    html = unit_page(client, xtx.id)
    assert "台账数据" in html and "2026年2月指标数据" in html and "<strong>34</strong>" in html
    assert "<strong>12</strong>" not in html
    login_as("gxq")  # another unit's staff (not its assessor) read neither its tasks nor its figures
    html = unit_page(client, xtx.id)
    assert "台账数据" not in html and "在办事项" not in html
    assert "会议" in html


def test_a_registered_panel_is_rendered_in_order_and_none_hides_it(app, client, login_as, clock):
    calls = []

    def panel(unit_, on, viewer):
        calls.append((unit_.id, on, viewer.username))
        return None

    register_unit_panel(app, "test-none", 5, panel)
    try:
        login_as("gxj")
        unit_page(client, unit("市工信局").id)
        assert calls == [(unit("市工信局").id, ON, "gxj")]
        from flask import current_app
        with current_app.test_request_context():
            keys = [p.key for p in unit_panels(unit("市工信局"), ON, account("admin"))]
        assert keys == ["tasks", "meetings", "ledger"]
    finally:
        app.extensions["unit_panels"].pop("test-none")


def test_unit_page_issues_the_same_number_of_statements_for_few_and_many_tasks(client, login_as, clock,
                                                                                count_queries):
    gxj = unit("市工信局")
    login_as("admin")

    def add(n, start):
        for i in range(start, start + n):
            make_task(gxj, assigned="2026-02-01", due=ON + timedelta(days=(i * 7 % 30) - 8), title=f"批量{i}")
            day = ON + timedelta(days=(i % 50) - 25)
            db.session.add(ExpectedMeeting(type=MeetingType.weekly, period_key=f"b{i}", period_start=day,
                                           period_end=day, convener_key=f"unit:{gxj.id}:{i}",
                                           convener_unit_id=gxj.id, scheduled_on=day,
                                           record_due_on=day + timedelta(days=2), provisional=False))
        db.session.flush()

    def measure():
        db.session.expire_all()
        with count_queries() as counter:
            html = unit_page(client, gxj.id)
        return counter.count, html

    add(2, 0)
    unit_page(client, gxj.id)
    few, _ = measure()
    add(30, 2)
    many, html = measure()
    assert html.count("批量") >= 10
    assert many == few, f"{few} statements for 2 tasks, {many} for 32"
