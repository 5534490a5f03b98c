"""Projects through the HTTP layer (issue #14 part 2): registering and editing, every bad input refused with a
Chinese message and nothing written, the 招商 fields kept by 市商务局, stages and milestones, year plans, photos,
problems turned into tasks in one step, audit entries, the list's filters and its constant statement count."""

import io
import os
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from app.auth.models import Role, User
from app.core.models import AuditEntry
from app.core.uploads import upload_folder
from app.extensions import db
from app.ledger import projects as services
from app.ledger.models import (
    ProblemState,
    Project,
    ProjectFigure,
    ProjectMilestone,
    ProjectPhoto,
    ProjectProblem,
    ProjectSource,
    ProjectStage,
    ProjectYearPlan,
    SubjectLink,
)
from app.org.models import Chain, Plan
from app.tasks.models import Task
from tests.factories import account, person, unit

TODAY = date(2026, 3, 10)  # the clock fixture's day
COUNTY = "湘潭县人民政府"  # unit B, xtx
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def make(code="P-1", name="样例项目", unit_name=COUNTY, total="150000", lead=None, **kwargs):
    data = services.ProjectInput(code=code, name=name, unit=unit(unit_name), total_investment=Decimal(total),
                                 lead_unit=unit(lead) if lead else None, **kwargs)
    project = services.create_project(account("admin"), data, TODAY)
    db.session.commit()  # as a request would: a refused request later rolls back only its own work
    return project


def form(**over):
    data = {"code": "XTX-001", "name": "湘潭县新材料产业园项目", "unit_id": str(unit(COUNTY).id), "chain_id": "",
            "lead_unit_id": "", "leader_id": "", "enterprise_uscc": "", "total_investment": "150000",
            "source": "local", "signed_on": "", "note": ""}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def projects_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Project))


def audit(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def commerce_staff():
    staff = User(username="swj", display_name="市商务局联络员", password_hash="x", role=Role.staff,
                 unit_id=unit("市商务局").id)
    db.session.add(staff)
    db.session.commit()
    return staff


def text(response):
    return response.get_data(as_text=True)


# --- registering and editing ----------------------------------------------------------------------------------

def test_a_county_registers_its_project_with_the_tier_from_the_total_and_an_audit_entry(client, login_as, clock):
    login_as("xtx")
    response = client.post("/ledger/projects/new", data=form())
    assert response.status_code == 302, text(response)
    project = db.session.scalar(sa.select(Project).where(Project.code == "XTX-001"))
    assert project.unit_id == unit(COUNTY).id and project.tier == 10 and project.stage is ProjectStage.signed
    [entry] = audit("project.create")
    assert entry.actor_id == account("xtx").id and entry.after["code"] == "XTX-001"
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_duplicate_code_is_refused_naming_the_field_and_nothing_is_written(client, login_as, clock):
    make(code="XTX-001")
    before = projects_count()
    login_as("xtx")
    response = client.post("/ledger/projects/new", data=form(name="另一个项目"))
    assert response.status_code == 422
    assert "项目编号“XTX-001”已被其他项目使用" in text(response)
    assert projects_count() == before and not audit("project.create")[1:]


@pytest.mark.parametrize("total, message", [("0", "总投资必须大于 0"), ("-100", "总投资必须大于 0"),
                                            ("abc", "总投资必须是数字")])
def test_a_zero_negative_or_garbled_total_investment_is_refused(client, login_as, clock, total, message):
    login_as("xtx")
    response = client.post("/ledger/projects/new", data=form(total_investment=total))
    assert response.status_code == 422
    assert message in text(response)
    assert projects_count() == 0


def test_a_county_cannot_register_a_project_for_another_county(client, login_as, clock):
    login_as("xtx")
    response = client.post("/ledger/projects/new", data=form(unit_id=str(unit("雨湖区人民政府").id)))
    assert response.status_code == 400
    assert "请从列表中选择有效的所在县市区或园区" in text(response)
    assert projects_count() == 0


def test_a_unit_outside_the_project_gets_404_and_a_reader_who_does_not_keep_it_403(client, login_as, clock):
    project = make()
    login_as("gxq")  # 湘潭高新区: reads its own projects only
    assert client.get(f"/ledger/projects/{project.id}").status_code == 404
    assert client.post(f"/ledger/projects/{project.id}/edit", data=form(name="改名")).status_code == 404
    login_as("gxj")  # 市工信局 reads the whole ledger but keeps no county's project
    assert client.get(f"/ledger/projects/{project.id}").status_code == 200
    assert client.post(f"/ledger/projects/{project.id}/edit", data=form(name="改名")).status_code == 403
    assert client.post(f"/ledger/projects/{project.id}/stage",
                       data={"stage": "started", "on": "2026-03-01"}).status_code == 403
    db.session.expire_all()
    assert project.name == "样例项目" and project.stage is ProjectStage.signed


def test_the_keeper_edits_the_project_and_the_change_is_audited(client, login_as, clock):
    project = make()
    login_as("xtx")
    response = client.post(f"/ledger/projects/{project.id}/edit", data=form(
        code="P-1", name="样例项目（二期）", total_investment="1200000", lead_unit_id=str(unit("市发改委").id),
        leader_id=str(person("丁诚").id)))
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    assert project.tier == 100 and project.lead_unit_id == unit("市发改委").id
    [entry] = audit("project.update")
    assert entry.before["name"] == "样例项目" and entry.after["name"] == "样例项目（二期）"


# --- the 招商 fields ---------------------------------------------------------------------------------------------

def test_only_the_commerce_bureau_or_the_office_sets_the_attraction_fields(client, login_as, clock):
    login_as("xtx")
    response = client.post("/ledger/projects/new", data=form(source="attracted", signed_on="2026-01-05",
                                                             is_top500="y"))
    assert response.status_code == 403
    assert "只有市商务局或千百十办可以设置招商引资信息" in text(response)
    assert projects_count() == 0

    project = make()
    response = client.post(f"/ledger/projects/{project.id}/edit", data=form(code="P-1", is_top500="y"))
    assert response.status_code == 403 and "三类500强" in text(response)
    assert client.post(f"/ledger/projects/{project.id}/attraction",
                       data={"source": "attracted"}).status_code == 403

    staff = commerce_staff()
    login_as(staff.username)
    response = client.post(f"/ledger/projects/{project.id}/attraction",
                           data={"source": "attracted", "signed_on": "2026-01-05", "is_top500": "y"})
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    assert (project.source, project.signed_on, project.is_top500) == (ProjectSource.attracted, date(2026, 1, 5),
                                                                      True)
    [entry] = audit("project.attraction")
    assert entry.actor_id == staff.id and entry.after["source"] == "attracted"

    # the county edits its project afterwards, keeping the 招商 fields as they are
    login_as("xtx")
    response = client.post(f"/ledger/projects/{project.id}/edit", data=form(
        code="P-1", name="样例项目", source="attracted", signed_on="2026-01-05", is_top500="y"))
    assert response.status_code == 302, text(response)


def test_a_signing_date_in_the_future_is_refused(client, login_as, clock):
    project = make()
    login_as("admin")
    response = client.post(f"/ledger/projects/{project.id}/attraction",
                           data={"source": "attracted", "signed_on": "2026-04-01"})
    assert response.status_code == 422 and "签约日期 2026-04-01 晚于今天" in text(response)
    db.session.expire_all()
    assert project.source is ProjectSource.local


# --- stage, milestones, year plans --------------------------------------------------------------------------------

def test_moving_forward_records_the_actual_date_and_going_back_needs_a_reason(client, login_as, clock):
    project = make()
    login_as("xtx")
    url = f"/ledger/projects/{project.id}/stage"
    response = client.post(url, data={"stage": "started", "on": "2026-03-20"})
    assert response.status_code == 422 and "晚于今天" in text(response)
    response = client.post(url, data={"stage": "building", "on": "2026-03-02"})
    assert response.status_code == 302, text(response)
    response = client.post(url, data={"stage": "completed", "on": "2026-03-01"})
    assert response.status_code == 422 and "早于上一阶段的实际日期 2026-03-02" in text(response)
    db.session.expire_all()
    actual = {m.stage: m.actual_on for m in project.milestones}
    assert project.stage is ProjectStage.building
    assert actual[ProjectStage.building] == actual[ProjectStage.started] == date(2026, 3, 2)

    response = client.post(url, data={"stage": "signed"})
    assert response.status_code == 422
    assert "阶段从“在建”退回“签约”，请填写原因" in text(response)
    db.session.expire_all()
    assert project.stage is ProjectStage.building and not audit("project.stage_back")

    response = client.post(url, data={"stage": "started", "reason": "施工许可被暂停，重新办理"})
    assert response.status_code == 302
    db.session.expire_all()
    assert project.stage is ProjectStage.started
    assert {m.stage: m.actual_on for m in project.milestones}[ProjectStage.building] is None
    [back] = audit("project.stage_back")
    assert back.reason == "施工许可被暂停，重新办理" and back.before["stage"] == "building"


def test_milestone_dates_actual_not_in_the_future_and_planned_in_stage_order(client, login_as, clock):
    project = make()
    login_as("xtx")
    url = f"/ledger/projects/{project.id}/milestones"
    response = client.post(url, data={"planned_signed": "2026-01-10", "actual_signed": "2026-03-11"})
    assert response.status_code == 422 and "“签约”的实际日期 2026-03-11 晚于今天" in text(response)
    response = client.post(url, data={"planned_started": "2026-05-01", "planned_building": "2026-04-01"})
    assert response.status_code == 422 and "“在建”的计划日期 2026-04-01 早于“开工”的计划日期" in text(response)
    response = client.post(url, data={"planned_started": "2026-04-01", "actual_started": "2026-03-01"})
    assert response.status_code == 422 and "“开工”尚未到达" in text(response)
    response = client.post(url, data={"planned_signed": "2026-01-10"})
    assert response.status_code == 422 and "“签约”已经到达（当前阶段：签约），请同时填写它的实际日期" in text(response)
    assert not db.session.scalars(sa.select(ProjectMilestone)).all()

    response = client.post(url, data={"planned_signed": "2026-01-10", "actual_signed": "2026-01-12",
                                      "planned_started": "2026-04-01", "planned_completed": "2027-06-30"})
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    assert {m.stage: (m.planned_on, m.actual_on) for m in project.milestones}[ProjectStage.started] == \
        (date(2026, 4, 1), None)
    [entry] = audit("project.milestones")
    assert entry.after["started"] == ["2026-04-01", None]


def test_a_negative_year_plan_is_refused_and_a_valid_one_saved(client, login_as, clock):
    project = make()
    login_as("xtx")
    url = f"/ledger/projects/{project.id}/year-plans"
    response = client.post(url, data={"year": "2026", "planned_investment": "-1"})
    assert response.status_code == 422 and "年度计划投资不能为负数" in text(response)
    assert not db.session.scalars(sa.select(ProjectYearPlan)).all()
    assert client.post(url, data={"year": "2026", "planned_investment": "30000"}).status_code == 302
    assert client.post(url, data={"year": "2026", "planned_investment": "40000"}).status_code == 302
    [plan] = db.session.scalars(sa.select(ProjectYearPlan)).all()
    assert plan.planned_investment == Decimal("40000.00")
    assert [e.after["planned_investment"] for e in audit("project.year_plan")] == ["30000.00", "40000.00"]


# --- photos -------------------------------------------------------------------------------------------------------

def _stored_files():
    root = upload_folder()
    return {os.path.join(d, f) for d, _, files in os.walk(root) for f in files} if os.path.isdir(root) else set()


@pytest.mark.parametrize("name, content, message", [
    ("现场.png", b"this is not an image at all", "内容与扩展名 .png 不符"),
    ("现场.pdf", b"%PDF-1.4\n%%EOF\n", "只能上传 JPG、PNG 格式"),
    ("现场.jpg", b"", "空文件"),
])
def test_a_bad_photo_file_is_refused_and_nothing_is_stored(client, login_as, clock, name, content, message):
    project = make()
    login_as("xtx")
    files_before = _stored_files()
    response = client.post(f"/ledger/projects/{project.id}/photos", content_type="multipart/form-data",
                           data={"photo": (io.BytesIO(content), name), "caption": "基础施工"})
    assert response.status_code == 422
    assert message in text(response)
    assert not db.session.scalars(sa.select(ProjectPhoto)).all() and _stored_files() == files_before


def test_a_photo_is_stored_outside_the_web_root_served_to_readers_and_audited(client, login_as, clock):
    project = make()
    login_as("xtx")
    response = client.post(f"/ledger/projects/{project.id}/photos", content_type="multipart/form-data",
                           data={"photo": (io.BytesIO(JPEG), "基础.jpg"), "caption": "基础施工",
                                 "taken_on": "2026-03-09"})
    assert response.status_code == 302, text(response)
    [photo] = db.session.scalars(sa.select(ProjectPhoto)).all()
    assert photo.content_type == "image/jpeg" and photo.caption == "基础施工"
    assert os.path.isfile(os.path.join(upload_folder(), *photo.stored_name.split("/")))
    with client.get(f"/ledger/projects/{project.id}/photos/{photo.id}") as served:
        assert served.status_code == 200 and served.data == JPEG
    assert audit("project.photo")[0].after["stored_name"] == photo.stored_name
    login_as("gxq")
    assert client.get(f"/ledger/projects/{project.id}/photos/{photo.id}").status_code == 404


# --- problems -----------------------------------------------------------------------------------------------------

def test_the_office_turns_a_problem_into_a_task_of_the_lead_unit_in_one_step(client, login_as, clock):
    project = make(lead="市发改委")
    login_as("xtx")
    response = client.post(f"/ledger/projects/{project.id}/problems", data={"text": "用地报批滞后\n需市里协调"})
    assert response.status_code == 302
    problem = db.session.scalar(sa.select(ProjectProblem))
    assert problem.state is ProblemState.open and problem.raised_by_id == account("xtx").id
    url = f"/ledger/projects/{project.id}/problems/{problem.id}/task"
    assert client.post(url, data={"due_on": "2026-04-30"}).status_code == 403

    login_as("admin")
    response = client.post(url, data={"due_on": "2026-03-01"})
    assert response.status_code == 422 and "早于今天" in text(response)
    db.session.expire_all()
    assert problem.state is ProblemState.open and not db.session.scalars(sa.select(Task)).all()

    response = client.post(url, data={"due_on": "2026-04-30"})
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    task = db.session.get(Task, problem.task_id)
    assert problem.state is ProblemState.tasked
    assert task.lead_unit_id == unit("市发改委").id and task.due_on == date(2026, 4, 30)
    assert task.title == "样例项目：用地报批滞后" and "需市里协调" in task.content
    assert db.session.scalar(sa.select(SubjectLink).where(SubjectLink.task_id == task.id)).project_id == project.id
    assert audit("project.problem_to_task")[0].after == {"state": "tasked", "task_id": task.id}
    assert audit("task.assign")
    # the lead unit finds it in its inbox
    login_as("fgw")
    assert "样例项目：用地报批滞后" in text(client.get("/tasks/inbox"))
    # a problem already turned into a task is not turned again
    login_as("admin")
    response = client.post(url, data={"due_on": "2026-04-30"})
    assert response.status_code == 422 and "只有待处理的问题可以转为交办事项" in text(response)


def test_without_a_lead_unit_the_task_goes_to_the_projects_county_and_the_problem_can_be_solved(
        client, login_as, clock):
    project = make()
    problem = services.report_problem(account("xtx"), project, "电力接入", TODAY)
    db.session.commit()
    login_as("admin")
    plan = db.session.scalars(sa.select(Plan).order_by(Plan.sort_order)).first()
    response = client.post(f"/ledger/projects/{project.id}/problems/{problem.id}/task",
                           data={"due_on": "2026-05-01", "plan_id": str(plan.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert problem.task.lead_unit_id == unit(COUNTY).id and problem.task.plan_id == plan.id
    login_as("xtx")
    assert client.post(f"/ledger/projects/{project.id}/problems/{problem.id}/solve").status_code == 302
    db.session.expire_all()
    assert problem.state is ProblemState.solved and problem.solved_on == TODAY
    assert audit("project.problem_solved")


def test_an_empty_problem_is_refused(client, login_as, clock):
    project = make()
    login_as("xtx")
    response = client.post(f"/ledger/projects/{project.id}/problems", data={"text": "  "})
    assert response.status_code == 400 and "请填写问题描述" in text(response)
    assert not db.session.scalars(sa.select(ProjectProblem)).all()


# --- the list -----------------------------------------------------------------------------------------------------

def _codes(body, codes):
    return {c for c in codes if c in body}


def test_the_list_filters_by_each_contract_parameter(client, login_as, clock):
    chain_row = db.session.scalars(sa.select(Chain).order_by(Chain.sort_order)).first()
    a = make(code="F-A", name="甲项目", total="1500000", lead="市发改委", chain=chain_row, leader=person("丁诚"))
    b = make(code="F-B", name="乙项目", unit_name="湘潭高新区管委会", total="50000")
    c = make(code="F-C", name="丙项目", total="120000")
    services.set_attraction(account("admin"), c, ProjectSource.attracted, date(2026, 1, 2), True, TODAY)
    services.change_stage(account("admin"), b, ProjectStage.started, date(2026, 3, 1), "", TODAY)
    db.session.commit()
    login_as("admin")
    every = {"F-A", "F-B", "F-C"}
    cases = {
        f"unit={unit('湘潭高新区管委会').id}": {"F-B"}, f"chain={chain_row.id}": {"F-A"}, "tier=100": {"F-A"},
        "tier=10": {"F-C"}, "tier=1": {"F-B"}, "stage=started": {"F-B"}, "source=attracted": {"F-C"},
        f"lead_unit={unit('市发改委').id}": {"F-A"}, f"leader={person('丁诚').id}": {"F-A"}, "top500=1": {"F-C"},
        "q=乙": {"F-B"}, "q=F-C": {"F-C"}, "": every, "tier=abc&stage=nonsense": every,
        "stage=begun": {"F-B"},  # 开工 or later: the cockpit's "实施" projects
        "tier=1&stage=begun": {"F-B"}, "tier=10&stage=begun": set(),
    }
    for query, expected in cases.items():
        response = client.get(f"/ledger/projects?{query}")
        assert response.status_code == 200
        assert _codes(text(response), every) == expected, query
    assert a.tier == 100


def test_the_list_of_projects_under_one_yi_behind_the_cockpit(client, login_as, clock):
    make(code="SMALL-1", total="9000")  # 0.9亿: no tier
    make(code="BIG-1", total="150000")
    login_as("admin")
    assert _codes(text(client.get("/ledger/projects?tier=0")), {"SMALL-1", "BIG-1"}) == {"SMALL-1"}


def test_a_county_lists_only_its_own_projects(client, login_as, clock):
    make(code="OWN-1")
    make(code="PARK-1", unit_name="湘潭高新区管委会")
    login_as("xtx")
    assert _codes(text(client.get("/ledger/projects")), {"OWN-1", "PARK-1"}) == {"OWN-1"}
    book = openpyxl.load_workbook(io.BytesIO(client.get("/ledger/projects.xlsx").data))
    values = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert "OWN-1" in values and "PARK-1" not in values


def test_the_row_shows_this_years_plan_latest_figures_and_completion_rate(client, login_as, clock):
    project = make(code="FIG-1")
    services.set_year_plan(account("admin"), project, 2026, "40000", TODAY)
    db.session.add_all([
        ProjectFigure(project_id=project.id, month=date(2025, 12, 1), invested=Decimal("99999"), funds=None),
        ProjectFigure(project_id=project.id, month=date(2026, 1, 1), invested=Decimal("5000"), funds=Decimal("4000")),
        ProjectFigure(project_id=project.id, month=date(2026, 2, 1), invested=Decimal("10000"), funds=Decimal("8000")),
    ])
    db.session.commit()
    login_as("admin")
    body = text(client.get("/ledger/projects"))
    assert "40,000.00" in body and "10,000.00" in body and "8,000.00" in body and "25.0%" in body
    assert "99,999.00" not in body
    book = openpyxl.load_workbook(io.BytesIO(client.get("/ledger/projects.xlsx?year=2026").data))
    row = next(r for r in book.active.iter_rows(values_only=True) if "FIG-1" in r)
    assert row[9:13] == (40000, 10000, 8000, 25)
    page = text(client.get(f"/ledger/projects/{project.id}"))
    assert "2026-02" in page and "2025-12" in page


def test_the_list_costs_the_same_statements_for_5_or_30_projects(client, login_as, clock, count_queries):
    login_as("admin")

    def add(n, start):
        for i in range(start, start + n):
            project = make(code=f"N-{i}", name=f"项目{i}", total=str(10000 + i))
            services.set_year_plan(account("admin"), project, 2026, "1000", TODAY)
            services.set_milestones(account("admin"), project,
                                    {ProjectStage.started: (date(2026, 3, 1 + i % 20), None)}, TODAY)
            db.session.add(ProjectFigure(project_id=project.id, month=date(2026, 2, 1), invested=Decimal("10")))
        db.session.commit()

    def statements():
        client.get("/ledger/projects")  # warm the per-process caches
        with count_queries() as counter:
            response = client.get("/ledger/projects")
        assert response.status_code == 200
        return counter.count, text(response).count("/ledger/projects/")

    add(5, 0)
    few, links_few = statements()
    add(25, 5)
    many, links_many = statements()
    assert links_many > links_few
    assert few == many


def test_a_projects_page_costs_the_same_statements_with_few_or_many_rows(client, login_as, clock, count_queries):
    from werkzeug.datastructures import FileStorage

    project = make(code="PAGE-1", lead="市发改委")
    admin = account("admin")

    def add(n, start):
        for i in range(start, start + n):
            services.report_problem(admin, project, f"问题{i}", TODAY)
            upload = FileStorage(stream=io.BytesIO(PNG), filename=f"照片{i}.png", content_type="image/png")
            services.store_photo(admin, project, upload, f"照片{i}", None, TODAY)
            services.set_year_plan(admin, project, 2000 + i, "100", TODAY)
            db.session.add(ProjectFigure(project_id=project.id, month=date(2020 + i, 1, 1), invested=Decimal("1")))
        first = db.session.scalar(sa.select(ProjectProblem).where(ProjectProblem.state == ProblemState.open))
        services.problem_to_task(admin, first, date(2026, 4, 30), None, TODAY)
        db.session.commit()

    def statements():
        client.get(f"/ledger/projects/{project.id}")
        with count_queries() as counter:
            response = client.get(f"/ledger/projects/{project.id}")
        assert response.status_code == 200
        return counter.count, text(response).count("/photos/")

    login_as("admin")
    add(1, 0)
    few, photos_few = statements()
    add(5, 1)
    many, photos_many = statements()
    assert photos_many > photos_few
    assert few == many
