"""Links (issue #14 part 7) over HTTP: a task tagged with a chain, an enterprise and a project shows its tags; the
overview filters by them; a meeting decision is tagged on its record; a 季考核 visit picks a project from the ledger;
who may, bad input, duplicates, the audit, and constant statements for the tagged tasks."""

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.auth.models import Role, User
from app.core.models import AuditEntry
from app.extensions import db
from app.ledger import links
from app.ledger.models import Enterprise, Project, SubjectLink
from app.meetings import services as meeting_services
from app.meetings.models import ItemKind
from app.meetings.permissions import can_read_record
from app.meetings.services import RecordInput
from app.org.models import Unit
from tests.factories import account, assign_task, chain, make_task, unit
from tests.meetings.records_helpers import D, quarterly, weekly

TODAY = D("2026-03-10")
CHAIN = "新能源和汽车制造"
USCC = "91430300MA4L000001"


@pytest.fixture(autouse=True)
def _setup(app, clock):
    links.register(app)  # the lead calls it from app.ledger.register; registering twice replaces the same entries
    return clock


def enterprise(name="湘电动力有限公司", unit_name="湘潭县人民政府", uscc=USCC, active=True):
    row = Enterprise(name=name, uscc=uscc, unit_id=unit(unit_name).id, is_active=active)
    db.session.add(row)
    db.session.flush()
    return row


def project(code="XM-2026-001", name="电驱系统产业园", unit_name="湘潭县人民政府", active=True):
    row = Project(code=code, name=name, unit_id=unit(unit_name).id, total_investment=Decimal("150000"),
                  is_active=active)
    db.session.add(row)
    db.session.flush()
    return row


def text(response):
    return response.get_data(as_text=True)


def shown(response):
    """The page's text without its tags (a tag's name links to the object's page where it has one)."""
    return re.sub(r"<[^>]+>", "", text(response))


def audit(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def link_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(SubjectLink))


def tag(client, task_id, kind, subject):
    return client.post(f"/ledger/links/tasks/{task_id}", data={"kind": kind, "subject": subject},
                       follow_redirects=True)


# --- tasks --------------------------------------------------------------------------------------------------------

def test_the_lead_unit_tags_its_task_with_each_kind_the_page_shows_them_and_untags(client, login_as):
    task = assign_task("推进电驱系统项目建设", lead="湘潭县人民政府")
    firm, plant = enterprise(), project()
    db.session.commit()
    login_as("xtx")
    assert "已关联产业链" in text(tag(client, task.id, "chain", CHAIN))
    assert "已关联企业" in text(tag(client, task.id, "enterprise", USCC.lower()))  # the code, any case
    assert "已关联项目" in text(tag(client, task.id, "project", "XM-2026-001"))
    rows = db.session.scalars(sa.select(SubjectLink).where(SubjectLink.task_id == task.id)
                              .order_by(SubjectLink.id)).all()
    assert [(r.chain_id, r.enterprise_id, r.project_id) for r in rows] == [
        (chain(CHAIN).id, None, None), (None, firm.id, None), (None, None, plant.id)]
    assert all(r.created_by_id == account("xtx").id for r in rows)
    created = audit("subject_link.create")
    assert [e.object_id for e in created] == [str(r.id) for r in rows]
    assert created[1].actor_id == account("xtx").id and created[1].after["enterprise_id"] == firm.id

    page = shown(client.get(f"/tasks/{task.id}"))
    assert f"产业链：{CHAIN}" in page and "企业：湘电动力有限公司" in page and "项目：电驱系统产业园" in page
    assert f"/ledger/links/tasks/{task.id}/{rows[1].id}/delete" in text(client.get(f"/tasks/{task.id}"))

    response = client.post(f"/ledger/links/tasks/{task.id}/{rows[1].id}/delete", follow_redirects=True)
    assert "已取消关联" in text(response) and "企业：湘电动力有限公司" not in shown(response)
    assert link_count() == 2
    deleted = audit("subject_link.delete")
    assert len(deleted) == 1 and deleted[0].before["enterprise_id"] == firm.id and deleted[0].after is None


def test_leaders_and_the_office_tag_any_task_by_name(client, login_as):
    task = assign_task("钢材新材料项目调度", lead="市工信局")
    db.session.commit()
    for username in ("fushizhang", "admin"):
        login_as(username)
        kind = "chain"
        name = "精品钢材及新材料" if username == "admin" else "军工"
        assert "已关联" in text(tag(client, task.id, kind, name))
    assert link_count() == 2


def test_a_unique_part_of_a_name_is_enough_an_ambiguous_one_is_refused_naming_the_candidates(client, login_as):
    task = assign_task("项目推进", lead="市工信局")
    enterprise("湘潭电机股份有限公司", uscc="91430300MA4L000002")
    enterprise("湘潭电化科技股份有限公司", uscc="91430300MA4L000003")
    db.session.commit()
    login_as("admin")
    response = text(tag(client, task.id, "enterprise", "湘潭电"))
    assert "名称包含“湘潭电”的企业不止一个" in response and "湘潭电机股份有限公司" in response
    assert link_count() == 0
    assert "已关联企业" in text(tag(client, task.id, "enterprise", "电机"))
    assert link_count() == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "chain", "subject": "没有这条链"}, "没有找到名称或代码为“没有这条链”的产业链"),
    ({"kind": "planet", "subject": CHAIN}, "请选择关联类型"),
    ({"kind": "chain", "subject": ""}, "请填写名称或代码"),
    ({"kind": "chain", "subject": "新能源\n汽车"}, "名称或代码"),
    ({"kind": "chain", "subject": "链" * 201}, "名称或代码不能超过 200 个字符"),
    ({"kind": "enterprise", "subject": "已注销企业"}, "已不在册"),
])
def test_bad_input_is_refused_with_a_chinese_message_and_nothing_written(client, login_as, data, message):
    task = assign_task("项目推进", lead="市工信局")
    enterprise("已注销企业", active=False)
    db.session.commit()
    login_as("admin")
    response = client.post(f"/ledger/links/tasks/{task.id}", data=data, follow_redirects=True)
    assert response.status_code == 200 and message in text(response)
    assert link_count() == 0 and audit("subject_link.create") == []


def test_a_duplicate_tag_is_refused(client, login_as):
    task = assign_task("项目推进", lead="市工信局")
    db.session.commit()
    login_as("admin")
    tag(client, task.id, "chain", CHAIN)
    response = text(tag(client, task.id, "chain", CHAIN))
    assert f"该事项已关联产业链“{CHAIN}”，不能重复关联" in response
    assert link_count() == 1 and len(audit("subject_link.create")) == 1


def test_an_object_the_user_may_not_read_is_refused(client, login_as):
    """湘潭县 reads its own enterprises and projects only: another county's are refused as if absent."""
    task = assign_task("项目推进", lead="湘潭县人民政府")
    enterprise("高新区企业", unit_name="湘潭高新区管委会")
    project("XM-GX-1", "高新区项目", unit_name="湘潭高新区管委会")
    db.session.commit()
    login_as("xtx")
    assert "没有找到名称或代码为“高新区企业”的企业" in text(tag(client, task.id, "enterprise", "高新区企业"))
    assert "没有找到名称或代码为“XM-GX-1”的项目" in text(tag(client, task.id, "project", "XM-GX-1"))
    assert link_count() == 0


def test_who_may_not_tag_or_untag(client, login_as):
    task = assign_task("项目推进", lead="市工信局", co=["市科技局"])
    db.session.commit()
    login_as("admin")
    tag(client, task.id, "chain", CHAIN)
    link = db.session.scalar(sa.select(SubjectLink))
    for username, status in (("kjj", 403), ("guancha", 403), ("xtx", 404)):  # co-unit, observer, no part
        login_as(username)
        assert client.post(f"/ledger/links/tasks/{task.id}", data={"kind": "chain", "subject": "军工"}) \
            .status_code == status
        assert client.post(f"/ledger/links/tasks/{task.id}/{link.id}/delete").status_code == status
    assert link_count() == 1
    login_as("kjj")  # the co-unit sees the tag, without the forms
    page = client.get(f"/tasks/{task.id}")
    assert f"产业链：{CHAIN}" in shown(page) and f"/ledger/links/tasks/{task.id}" not in text(page)
    other = assign_task("另一事项", lead="市工信局")
    db.session.commit()
    login_as("admin")  # a link of another task is not found through this one
    assert client.post(f"/ledger/links/tasks/{other.id}/{link.id}/delete").status_code == 404
    assert client.post("/ledger/links/tasks/999999", data={"kind": "chain", "subject": CHAIN}).status_code == 404
    assert link_count() == 1


def test_the_task_page_hides_a_tag_to_an_enterprise_the_viewer_may_not_read(client, login_as):
    task = assign_task("项目推进", lead="湘潭县人民政府")
    enterprise("高新区企业", unit_name="湘潭高新区管委会")
    db.session.commit()
    login_as("admin")
    tag(client, task.id, "enterprise", "高新区企业")
    assert "企业：高新区企业" in shown(client.get(f"/tasks/{task.id}"))
    login_as("xtx")
    assert "高新区企业" not in text(client.get(f"/tasks/{task.id}"))


def test_the_overview_filters_by_chain_enterprise_and_project_and_keeps_the_filter_when_paging(app, client,
                                                                                               login_as):
    tagged = [assign_task(f"已关联事项{i}", lead="市工信局") for i in range(3)]
    assign_task("未关联事项", lead="市工信局")
    firm, plant = enterprise(), project()
    db.session.commit()
    login_as("admin")
    for task in tagged:
        tag(client, task.id, "chain", CHAIN)
    tag(client, tagged[0].id, "enterprise", USCC)
    tag(client, tagged[1].id, "project", "XM-2026-001")

    page = text(client.get(f"/tasks/?chain={chain(CHAIN).id}"))
    assert all(f"已关联事项{i}" in page for i in range(3)) and "未关联事项" not in page
    page = text(client.get(f"/tasks/?enterprise={firm.id}"))
    assert "已关联事项0" in page and "已关联事项1" not in page and "未关联事项" not in page
    page = text(client.get(f"/tasks/?project={plant.id}"))
    assert "已关联事项1" in page and "已关联事项0" not in page
    assert "湘电动力有限公司" in page and "电驱系统产业园" in page  # the selects list the tagged objects
    assert "已关联事项" in text(client.get("/tasks/?chain=abc"))  # not a number: no filter, no error
    assert "没有符合条件的事项" in text(client.get("/tasks/?chain=99999999999"))

    app.config["PAGE_SIZE"], size = 2, app.config["PAGE_SIZE"]
    try:
        page = text(client.get(f"/tasks/?chain={chain(CHAIN).id}"))
    finally:
        app.config["PAGE_SIZE"] = size
    assert f"chain={chain(CHAIN).id}&amp;page=2" in page or f"page=2&amp;chain={chain(CHAIN).id}" in page


def test_the_chain_enterprise_and_project_pages_list_their_tagged_tasks_with_lights(client, login_as):
    overdue = assign_task("逾期的链上事项", lead="湘潭县人民政府", assigned="2026-02-10", due="2026-03-02")
    later = assign_task("按期推进事项", lead="湘潭县人民政府", due="2026-06-30")
    assign_task("无关事项", lead="湘潭县人民政府")
    firm, plant = enterprise(), project()
    db.session.commit()
    login_as("admin")
    for task in (overdue, later):
        tag(client, task.id, "chain", CHAIN)
        tag(client, task.id, "enterprise", USCC)
        tag(client, task.id, "project", plant.code)
    for url in (f"/ledger/chains/{chain(CHAIN).id}", f"/ledger/enterprises/{firm.id}",
                f"/ledger/projects/{plant.id}"):
        page = shown(client.get(url))
        assert "逾期的链上事项" in page and "按期推进事项" in page and "无关事项" not in page, url
        assert "红灯" in page and "绿灯" in page, url


# --- meeting decisions and visits ----------------------------------------------------------------------------

def _weekly_record_with_a_decision():
    record = meeting_services.create_record(account("kjj"), weekly(), RecordInput(held_on=TODAY), TODAY)
    item = meeting_services.add_decision(account("kjj"), record, "推进高端装备项目", unit("市科技局"), [],
                                         D("2026-03-31"), TODAY)
    db.session.commit()
    return record, item


def test_the_record_writer_tags_a_decision_which_its_page_and_tagged_decisions_show(client, login_as):
    record, item = _weekly_record_with_a_decision()
    plant = project()
    db.session.commit()
    login_as("kjj")
    response = client.post(f"/meetings/items/{item.id}/tags", data={"kind": "chain", "subject": "高端装备制造"},
                           follow_redirects=True)
    assert "已关联" in text(response) and "产业链：高端装备制造" in shown(response)
    client.post(f"/meetings/items/{item.id}/tags", data={"kind": "project", "subject": plant.name})
    assert "不能重复关联" in text(client.post(f"/meetings/items/{item.id}/tags",
                                          data={"kind": "project", "subject": plant.code}, follow_redirects=True))
    rows = db.session.scalars(sa.select(SubjectLink).where(SubjectLink.record_item_id == item.id)
                              .order_by(SubjectLink.id)).all()
    assert len(rows) == 2 and rows[0].chain_id == chain("高端装备制造").id and rows[1].project_id == plant.id
    assert len(audit("subject_link.create")) == 2

    decisions = links.tagged_decisions(chain_id=chain("高端装备制造").id, user=account("admin"))
    assert [(d.id, d.record_id, d.kind.value, d.text) for d in decisions] == [
        (item.id, record.id, "decision", "推进高端装备项目")]
    assert decisions[0].task_id == item.task_id and decisions[0].unit_name == "市科技局"
    assert decisions[0].record.held_on == TODAY and decisions[0].record.type.label == "周会商"

    login_as("gxj")  # another unit: may read the 周会商 record, may not tag it
    assert client.post(f"/meetings/items/{item.id}/tags", data={"kind": "chain", "subject": CHAIN}) \
        .status_code == 403
    assert client.post(f"/meetings/items/{item.id}/tags/{rows[0].id}/delete").status_code == 403
    assert f"/meetings/items/{item.id}/tags" not in text(client.get(f"/meetings/records/{record.id}"))
    login_as("kjj")
    response = client.post(f"/meetings/items/{item.id}/tags/{rows[0].id}/delete", follow_redirects=True)
    assert "已取消关联" in text(response) and "产业链：高端装备制造" not in shown(response)
    assert len(audit("subject_link.delete")) == 1
    assert links.tagged_decisions(chain_id=chain("高端装备制造").id, user=account("admin")) == []


def test_tagged_decisions_of_a_leaders_meeting_are_for_those_who_read_its_record():
    record = meeting_services.create_record(account("shuji"), quarterly(), RecordInput(held_on=TODAY), TODAY)
    plant = project()
    item = meeting_services.add_visit(account("shuji"), record, "电驱系统产业园")
    links.tag_item(account("shuji"), item, plant, may_write=True)
    db.session.flush()
    assert [d.id for d in links.tagged_decisions(project_id=plant.id, user=account("guancha"))] == [item.id]
    # a unit's staff: only when its unit has a line in the record (the meetings' own rule)
    outside = db.session.scalar(sa.select(Unit.id).where(Unit.id.not_in({i.unit_id for i in record.items
                                                                          if i.unit_id})).limit(1))
    db.session.add(User(username="outside", display_name="无关单位联络员", password_hash="x", role=Role.staff,
                        unit_id=outside))
    db.session.flush()
    staff = [account(name) for name in ("xtx", "gxq", "kjj", "fgw", "gxj", "outside")]
    readers = {u.username for u in staff if can_read_record(u, record)}
    assert "outside" not in readers
    for user in staff:
        found = [d.id for d in links.tagged_decisions(project_id=plant.id, user=user)]
        assert found == ([item.id] if user.username in readers else []), user.username


def test_a_quarterly_visit_picks_a_project_from_the_ledger(client, login_as):
    record = meeting_services.create_record(account("shuji"), quarterly(), RecordInput(held_on=TODAY), TODAY)
    plant = project()
    project("XM-OLD", "已取消项目", active=False)
    db.session.commit()
    login_as("shuji")
    page = text(client.get(f"/meetings/records/{record.id}"))
    assert "XM-2026-001 电驱系统产业园" in page and "已取消项目" not in page
    response = client.post(f"/meetings/records/{record.id}/visits",
                           data={"project_id": str(plant.id), "note": "厂房主体完工"}, follow_redirects=True)
    assert "观摩项目已保存" in text(response)
    item = next(i for i in db.session.scalars(sa.select(type(record.items[0])).where(
        type(record.items[0]).record_id == record.id)) if i.kind is ItemKind.visit)
    assert item.text == "电驱系统产业园：厂房主体完工"
    link = db.session.scalar(sa.select(SubjectLink).where(SubjectLink.record_item_id == item.id))
    assert link.project_id == plant.id
    assert "项目：电驱系统产业园" in shown(client.get(f"/meetings/records/{record.id}"))
    assert [d.id for d in links.tagged_decisions(project_id=plant.id, user=account("shuji"))] == [item.id]

    before = link_count()
    for data, message in (({"project_id": "", "project": ""}, "请从台账选择观摩项目"),
                          ({"project_id": "999999"}, "请从列表中选择有效的台账项目")):
        response = client.post(f"/meetings/records/{record.id}/visits", data=data, follow_redirects=True)
        assert message in text(response)
    assert link_count() == before
    # a project not in the ledger is still named by hand, without a tag
    client.post(f"/meetings/records/{record.id}/visits", data={"project": "台账外项目"})
    assert link_count() == before


def test_the_quarterly_record_form_picks_visited_projects_from_the_ledger(client, login_as):
    meeting = quarterly()
    plant = project()
    db.session.commit()
    login_as("shuji")
    assert "XM-2026-001 电驱系统产业园" in text(client.get(f"/meetings/expected/{meeting.id}/record"))
    response = client.post(f"/meetings/expected/{meeting.id}/record", data={
        "held_on": "2026-03-10", "visits-0-project_id": str(plant.id), "visits-0-note": "已投产",
        "visits-1-project_id": "", "visits-1-project": "台账外项目", "visits-1-note": "",
        "visits-2-project_id": str(plant.id), "visits-2-note": ""})
    assert response.status_code == 302
    record = meeting.record
    visits = sorted((i for i in record.items if i.kind is ItemKind.visit), key=lambda i: i.sort_order)
    assert [i.text for i in visits] == ["电驱系统产业园：已投产", "台账外项目", "电驱系统产业园"]
    tagged = db.session.execute(sa.select(SubjectLink.record_item_id, SubjectLink.project_id)
                                .where(SubjectLink.record_item_id.in_([i.id for i in visits]))).all()
    assert sorted(tagged) == sorted([(visits[0].id, plant.id), (visits[2].id, plant.id)])


def test_a_refused_project_on_the_quarterly_record_form_writes_nothing(client, login_as):
    meeting = quarterly()
    gone = project("XM-OLD", "已取消项目", active=False)
    db.session.commit()
    login_as("shuji")
    response = client.post(f"/meetings/expected/{meeting.id}/record", data={
        "held_on": "2026-03-10", "visits-0-project_id": str(gone.id)})
    assert response.status_code == 400 and "请从列表中选择有效的台账项目" in text(response)
    assert meeting.record is None and link_count() == 0


# --- speed --------------------------------------------------------------------------------------------------------

def test_tagged_tasks_reads_in_constant_statements_with_lights(count_queries):
    chain_id = chain(CHAIN).id
    admin = account("admin")

    def tag_tasks(n, start):
        for i in range(n):
            task = make_task(lead="市工信局" if i % 2 else "市科技局", due="2026-03-01" if i % 3 == 0 else "2026-04-30",
                             title=f"链上事项{start + i}")
            db.session.add(SubjectLink(task_id=task.id, chain_id=chain_id))
        db.session.flush()

    tag_tasks(3, 0)
    links.tagged_tasks(chain_id=chain_id, today=TODAY, user=admin)  # the calendar is read once per process
    with count_queries() as small:
        few = links.tagged_tasks(chain_id=chain_id, today=TODAY, user=admin)
    tag_tasks(17, 3)
    with count_queries() as large:
        many = links.tagged_tasks(chain_id=chain_id, today=TODAY, user=admin)
    assert len(few) == 3 and len(many) == 20
    assert small.count == large.count <= 2  # the tasks with their co-units; the calendar (per request)
    lights = {t.id: many.window.of(t).value for t in many}
    assert set(lights.values()) == {"red", "green"}
    assert [many.window.of(t).value for t in many][:7] == ["red"] * 7  # overdue first (earliest due)
    assert links.tagged_tasks(chain_id=chain_id, today=TODAY, user=account("xtx")) == []  # none of 湘潭县's


def test_tagged_decisions_of_a_consultation_are_for_those_who_read_its_record():
    """The 考评会商 is a meeting of the office with the assessing units (附件2 六(二)): a decision of it tagged to a
    project is listed only to those who may open its record — not to an assessed county outside the room."""
    from app.meetings.models import MeetingType
    from tests.meetings.records_helpers import expected

    day = D("2026-04-03")
    meeting = expected(MeetingType.consultation, "2026-01-01", unit_name="市产业强市“千百十”工程办", scheduled_on=day)
    record = meeting_services.create_record(account("admin"), meeting, RecordInput(
        held_on=day, minutes="会商一季度考评指标完成情况。", unit_ids=[unit("市工信局").id, unit("市发改委").id]), day)
    item = meeting_services.add_decision(account("admin"), record, "核实规上企业数据", unit("市工信局"), [],
                                         D("2026-04-20"), day)
    plant = project()
    links.tag_item(account("admin"), item, plant, may_write=True)
    db.session.flush()
    assert not can_read_record(account("xtx"), record)
    assert links.tagged_decisions(project_id=plant.id, user=account("xtx")) == []
    for reader in ("gxj", "admin", "guancha"):
        assert can_read_record(account(reader), record)
        assert [d.id for d in links.tagged_decisions(project_id=plant.id, user=account(reader))] == [item.id]
