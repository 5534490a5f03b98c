"""One-line fields refuse control characters; multi-line texts have per-field limits stated on their forms.

A unit name with CR LF was accepted and then every Excel download naming that unit answered 500; a progress
report of 15,000 characters was accepted and printed on seven pages. The rule lives in app/core/text.py, is
enforced by the services (pages, API and CLI pass through them) and shown on the field by the forms'
validators (app/core/forms.py).
"""

from datetime import date

import pytest
import sqlalchemy as sa

from app.core import text
from app.core.errors import ServiceError
from app.extensions import db
from app.meetings import services as meetings
from app.meetings.services import RecordInput
from app.org import services as org
from app.org.models import Person, Unit
from app.tasks import services as tasks
from app.tasks.models import FollowUp, Task
from tests.factories import unit
from tests.helpers import assert_json_error, bearer
from tests.meetings.records_helpers import weekly

TODAY = date(2026, 3, 10)
HOSTILE = ["市科技局\r\n伪造", "市科技局\n", "市科\x00技局", "市科\t技局", "市科\x85技局", "市科\u2028技局",
           "市科\x1b技局", "市科\x7f技局"]


# --- the shared rule -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", HOSTILE)
def test_one_line_refuses_every_control_character_naming_the_field(value):
    with pytest.raises(ServiceError) as refused:
        text.one_line(value, "单位名称", 100, field="name")
    assert refused.value.message == "“单位名称”不能包含换行符或其他控制字符。"
    assert (refused.value.status, refused.value.field) == (400, "name")


def test_one_line_keeps_ordinary_text_and_strips_spaces():
    assert text.one_line("  湘潭市 科技局（市知识产权局） ", "单位名称", 100) == "湘潭市 科技局（市知识产权局）"
    with pytest.raises(ServiceError, match="不能超过 5 个字符"):
        text.one_line("长" * 6, "简称", 5)


def test_multi_line_keeps_line_breaks_refuses_other_controls_and_limits_length():
    assert text.multi_line("第一行\r\n第二行\r第三行\t完", "进展情况", 100) == "第一行\n第二行\n第三行\t完"
    with pytest.raises(ServiceError, match="控制字符"):
        text.multi_line("进展\x1b[31m", "进展情况", 100)
    with pytest.raises(ServiceError, match="进展情况不能超过 2000 个字符"):
        text.multi_line("长" * 2001, "进展情况", text.FOLLOW_UP_MAX)


# --- the services --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["市科技局\r\n伪造", "市科\t技局"])
def test_a_unit_name_with_a_line_break_is_refused_by_the_service(user, value):
    kjj = unit("市科技局")
    with pytest.raises(ServiceError) as refused:
        org.update_unit(user("admin"), kjj, value, kjj.short_name, None, True, kjj.sort_order)
    assert refused.value.message == "“单位全称”不能包含换行符或其他控制字符。"
    db.session.expire_all()
    assert unit("市科技局") is not None


def test_person_position_and_task_title_refuse_line_breaks(user):
    admin = user("admin")
    with pytest.raises(ServiceError, match="“姓名”不能包含换行符"):
        org.create_person(admin, "张三\r\n李四")
    with pytest.raises(ServiceError, match="“事项名称”不能包含换行符"):
        tasks.assign_task(admin, title="标题\n第二行", lead_unit=unit("市科技局"), due_on=date(2026, 3, 31),
                          today=TODAY)
    with pytest.raises(ServiceError, match="“地点”不能包含换行符"):
        meetings.create_record(user("kjj"), weekly(), RecordInput(held_on=date(2026, 3, 9), place="会议室\r\n"),
                               TODAY)


def test_a_follow_up_longer_than_its_limit_is_refused(user, clock):
    task = tasks.assign_task(user("admin"), title="长文本", lead_unit=unit("市科技局"), due_on=date(2026, 3, 31),
                             today=TODAY)
    tasks.accept_task(user("kjj"), task)
    with pytest.raises(ServiceError, match=f"不能超过 {text.FOLLOW_UP_MAX} 个字符"):
        tasks.record_follow_up(user("kjj"), task, "长" * (text.FOLLOW_UP_MAX + 1), 50, TODAY)
    assert tasks.record_follow_up(user("kjj"), task, "长" * text.FOLLOW_UP_MAX, 50, TODAY).id


# --- the pages -----------------------------------------------------------------------------------------------

def test_the_unit_page_shows_the_message_on_the_field_and_saves_nothing(client, login_as):
    login_as("admin")
    kjj = unit("市科技局")
    response = client.post(f"/org/units/{kjj.id}/edit", data={
        "name": "市科技局\r\n伪造", "short_name": kjj.short_name, "sort_order": str(kjj.sort_order), "is_active": "y"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert '<div class="invalid-feedback">“单位全称”不能包含换行符或其他控制字符。</div>' in html
    db.session.expire_all()
    assert db.session.get(Unit, kjj.id).name == "市科技局"


def test_the_new_person_page_refuses_a_tab_in_the_name(client, login_as):
    login_as("admin")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
    response = client.post("/org/people/new", data={"name": "张\t三", "is_active": "y"})
    assert response.status_code == 400
    assert "“姓名”不能包含换行符或其他控制字符。" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == before


def test_the_follow_up_form_states_its_limit_and_refuses_a_longer_text(client, login_as, user, clock):
    task = tasks.assign_task(user("admin"), title="长文本", lead_unit=unit("市科技局"), due_on=date(2026, 3, 31),
                             today=TODAY)
    tasks.accept_task(user("kjj"), task)
    login_as("kjj")
    html = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f"最多 {text.FOLLOW_UP_MAX} 字" in html
    response = client.post(f"/tasks/{task.id}/follow-up", data={"text": "长" * 15000, "percent": "50"})
    assert response.status_code == 400
    assert f"不能超过 {text.FOLLOW_UP_MAX} 个字符" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp).where(FollowUp.task_id == task.id)) == 0


def test_the_assign_page_shows_the_message_on_the_title(client, login_as):
    login_as("admin")
    response = client.post("/tasks/new", data={"title": "标题\r\n第二行", "source": "free",
                                               "lead_unit_id": str(unit("市科技局").id), "priority": "normal",
                                               "due_on": "2026-03-31"})
    assert response.status_code == 400
    assert "“事项名称”不能包含换行符或其他控制字符。" in response.get_data(as_text=True)


# --- the API -------------------------------------------------------------------------------------------------

def test_the_api_refuses_a_title_with_a_line_break_with_400(client, api_token, clock):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
    response = client.post("/api/v1/tasks", headers=bearer(api_token("admin")), json={
        "title": "标题\r\n第二行", "lead_unit_id": unit("市科技局").id, "due_on": "2026-03-31"})
    assert_json_error(response, 400, "bad_input", message="“事项名称”不能包含换行符或其他控制字符。")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == before


def test_the_api_refuses_a_person_name_with_a_line_break_with_400(client, api_token):
    response = client.post("/api/v1/people", headers=bearer(api_token("admin")), json={"name": "张三\n李四"})
    assert_json_error(response, 400, "bad_input", message="“姓名”不能包含换行符或其他控制字符。")


def test_the_api_refuses_a_follow_up_over_its_limit(client, api_token, user, clock):
    task = tasks.assign_task(user("admin"), title="长文本", lead_unit=unit("市科技局"), due_on=date(2026, 3, 31),
                             today=TODAY)
    tasks.accept_task(user("kjj"), task)
    response = client.post(f"/api/v1/tasks/{task.id}/follow-ups", headers=bearer(api_token("kjj")),
                           json={"text": "长" * 15000, "percent": 50})
    assert_json_error(response, 422, field="text", message=f"不能超过 {text.FOLLOW_UP_MAX} 个字符")
