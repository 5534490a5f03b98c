"""A unit's staff cannot assign tasks to any unit through a decision of their own 周会商 record.

Rule (issue #11, item 7): when the actor is a unit's staff, a decision becomes a task only with the convening unit
or a unit recorded as attending (the record's 参会单位) as its lead unit, and its co-units are limited the same way.
Anything else refuses the whole request (403, Chinese message naming the unit): no decision row, no task. A
decision that does not become a task (make_task false) only records what was decided and may name any unit. The
office (admin) and the city leaders keep their right to assign to any unit.

Checked in the service, through the API and through the record page's forms.
"""

import pytest
import sqlalchemy as sa

from app.core.errors import PermissionDenied
from app.core.models import AuditEntry
from app.extensions import db
from app.meetings import services
from app.meetings.models import MeetingRecord, RecordItem
from app.meetings.services import DecisionInput, RecordInput
from app.tasks.models import Task
from tests.factories import unit
from tests.helpers import assert_json_error, bearer
from tests.meetings.records_helpers import D, dispatch, weekly

TODAY = D("2026-03-10")
DUE = D("2026-03-31")
REFUSAL = "会议决定只能交办给召集单位或出席单位；如需交办其他单位，请联系千百十办。"


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


def counts():
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Task, RecordItem, MeetingRecord, AuditEntry))


@pytest.fixture
def record(user):
    """市科技局's 周会商 of the week of 9 March, attended by 市工信局 (kept: a refused page rolls back its request)."""
    made = services.create_record(user("kjj"), weekly(), RecordInput(
        held_on=D("2026-03-09"), topics="科技创新", unit_ids=[unit("市工信局").id]), TODAY)
    db.session.commit()
    return db.session.get(MeetingRecord, made.id)


def decision(lead, co=(), make_task=True):
    return DecisionInput(text=f"请{lead}牵头落实", lead_unit_id=unit(lead).id,
                         co_unit_ids=[unit(name).id for name in co], due_on=DUE, make_task=make_task)


# --- the service ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lead", "co"), [("市发改委", ()), ("市工信局", ("市发改委",)), ("市科技局", ("市财政局",))])
def test_staff_cannot_make_a_task_for_a_unit_that_neither_convened_nor_attended(user, record, lead, co):
    before = counts()
    with pytest.raises(PermissionDenied) as refused:
        services.add_decisions(user("kjj"), record, [decision(lead, co)], TODAY)
    assert REFUSAL in refused.value.message
    outsider = co[0] if co else lead
    assert f"“{outsider}”" in refused.value.message
    assert counts() == before


def test_one_outsider_refuses_the_whole_batch(user, record):
    before = counts()
    with pytest.raises(PermissionDenied):
        services.add_decisions(user("kjj"), record, [decision("市工信局"), decision("市发改委")], TODAY)
    assert counts() == before


def test_staff_may_make_tasks_for_the_convener_and_the_attending_units(user, record):
    items = services.add_decisions(user("kjj"), record, [decision("市科技局", ("市工信局",)), decision("市工信局")],
                                   TODAY)
    tasks = [db.session.get(Task, item.task_id) for item in items]
    assert [t.lead_unit.name for t in tasks] == ["市科技局", "市工信局"]
    assert [u.name for u in tasks[0].co_units] == ["市工信局"]


def test_a_decision_without_a_task_may_name_any_unit(user, record):
    [item] = services.add_decisions(user("kjj"), record, [decision("市发改委", make_task=False)], TODAY)
    assert item.task_id is None and item.unit.name == "市发改委"


def test_a_new_record_is_refused_whole_when_a_decision_goes_to_a_unit_not_attending(user):
    before = counts()
    with pytest.raises(PermissionDenied) as refused:
        services.create_record(user("kjj"), weekly(), RecordInput(
            held_on=D("2026-03-09"), unit_ids=[unit("市工信局").id],
            decisions=[decision("市工信局"), decision("市发改委")]), TODAY)
    assert REFUSAL in refused.value.message
    assert counts() == before
    # the units attending are those of the same form: listing 市发改委 makes it allowed
    record = services.create_record(user("kjj"), weekly(), RecordInput(
        held_on=D("2026-03-09"), unit_ids=[unit("市工信局").id, unit("市发改委").id],
        decisions=[decision("市发改委")]), TODAY)
    assert db.session.get(Task, record.items[0].task_id).lead_unit.name == "市发改委"


def test_the_office_and_leaders_keep_their_right_to_assign_any_unit(user, record):
    [item] = services.add_decisions(user("admin"), record, [decision("市发改委")], TODAY)
    assert db.session.get(Task, item.task_id).lead_unit.name == "市发改委"
    leader_record = services.create_record(user("fushizhang"), dispatch(), RecordInput(held_on=D("2026-03-02")), TODAY)
    [item] = services.add_decisions(user("fushizhang"), leader_record, [decision("市财政局")], TODAY)
    assert db.session.get(Task, item.task_id).lead_unit.name == "市财政局"


# --- the API -------------------------------------------------------------------------------------------------

def test_the_api_refuses_a_decision_task_for_a_unit_not_attending(client, api_token, record):
    token = api_token("kjj")
    before = counts()
    body = {"text": "请市发改委牵头落实", "lead_unit_id": unit("市发改委").id, "due_on": "2026-03-31",
            "make_task": True}
    response = client.post(f"/api/v1/meeting-records/{record.id}/decisions", json=body, headers=bearer(token))
    assert_json_error(response, 403, "forbidden", message=REFUSAL)
    assert counts() == before
    body["lead_unit_id"] = unit("市工信局").id
    response = client.post(f"/api/v1/meeting-records/{record.id}/decisions", json=body, headers=bearer(token))
    assert response.status_code == 201, response.get_json()


def test_the_api_refuses_a_new_record_whose_decision_goes_to_a_unit_not_attending(client, api_token):
    token = api_token("kjj")
    meeting = weekly()
    before = counts()
    response = client.post(f"/api/v1/meetings/{meeting.id}/record", headers=bearer(token), json={
        "held_on": "2026-03-09", "unit_ids": [unit("市工信局").id],
        "decisions": [{"text": "请市发改委牵头落实", "lead_unit_id": unit("市发改委").id, "due_on": "2026-03-31"}]})
    assert_json_error(response, 403, "forbidden", message=REFUSAL)
    assert counts() == before


# --- the pages -----------------------------------------------------------------------------------------------

def decision_form(lead, co=(), prefix="decisions-0-"):
    return {f"{prefix}text": f"请{lead}牵头落实", f"{prefix}lead_unit_id": str(unit(lead).id),
            f"{prefix}co_unit_ids": [str(unit(name).id) for name in co], f"{prefix}due_on": "2026-03-31",
            f"{prefix}make_task": "y"}


def test_the_record_page_refuses_a_decision_task_for_a_unit_not_attending(client, login_as, record):
    login_as("kjj")
    before = counts()
    response = client.post(f"/meetings/records/{record.id}/decisions", data=decision_form("市工信局", ("市发改委",)),
                           follow_redirects=True)
    assert REFUSAL in response.get_data(as_text=True)
    assert counts() == before
    login_as("kjj")
    response = client.post(f"/meetings/records/{record.id}/decisions", data=decision_form("市工信局"))
    assert response.status_code == 302 and f"/meetings/records/{record.id}" in response.headers["Location"]
    assert counts()[0] == before[0] + 1


def test_the_new_record_page_refuses_a_decision_task_for_a_unit_not_attending(client, login_as):
    login_as("kjj")
    meeting = weekly()
    db.session.commit()
    before = counts()
    response = client.post(f"/meetings/expected/{meeting.id}/record", data={
        "held_on": "2026-03-09", "unit_ids": [str(unit("市工信局").id)], **decision_form("市发改委")})
    assert response.status_code == 403
    assert REFUSAL in response.get_data(as_text=True)
    assert counts() == before
