"""Permission matrix lines of the ledger part: projects (same columns as tests/permission_matrix.py ROUTES:
anon A B asr vm+ vm- myr adm obs; A = 市工信局 gxj, B = 湘潭县 xtx, asr = 市发改委 fgw).

{proj} is a project of 湘潭县 (unit B) led by 市发改委 and created by the office: B keeps it; A (市工信局, a
registry keeper), asr (市发改委, a plan lead unit), the leaders, the office and the observer read it; only B and the
office change it. {proj_photo} is one of its photos, {proj_problem} an open problem of it."""
# ruff: noqa: E501  (one line per route keeps the table readable)

import io
from decimal import Decimal

from werkzeug.datastructures import FileStorage

from app.core.clock import today
from app.ledger import projects as project_services
from tests.factories import account as user_named
from tests.factories import unit as unit_named

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

ROUTES = [
    #anon A   B   asr vm+ vm- myr adm obs
    ("L   200 200 200 200 200 200 200 200", "ledger.projects", "GET", "/ledger/projects"),
    ("L   200 200 200 200 200 200 200 200", "ledger.projects_excel", "GET", "/ledger/projects.xlsx"),
    ("L   X   200 X   403 403 403 200 403", "ledger.new_project", "GET", "/ledger/projects/new"),
    ("L   X   +   X   403 403 403 +   403", "ledger.new_project", "POST", "/ledger/projects/new"),
    ("L   200 200 200 200 200 200 200 200", "ledger.project", "GET", "/ledger/projects/{proj}"),
    ("L   X   200 X   X   X   X   200 X  ", "ledger.edit_project", "GET", "/ledger/projects/{proj}/edit"),
    ("L   X   +   X   X   X   X   +   X  ", "ledger.edit_project", "POST", "/ledger/projects/{proj}/edit"),
    ("L   X   +   X   X   X   X   +   X  ", "ledger.project_stage", "POST", "/ledger/projects/{proj}/stage"),
    ("L   X   +   X   X   X   X   +   X  ", "ledger.project_milestones", "POST", "/ledger/projects/{proj}/milestones"),
    ("L   X   +   X   X   X   X   +   X  ", "ledger.project_year_plan", "POST", "/ledger/projects/{proj}/year-plans"),
    ("L   X   X   X   X   X   X   +   X  ", "ledger.project_attraction", "POST", "/ledger/projects/{proj}/attraction"),
    ("L   X   +   X   X   X   X   +   X  ", "ledger.upload_project_photo", "POST", "/ledger/projects/{proj}/photos"),
    ("L   200 200 200 200 200 200 200 200", "ledger.project_photo", "GET", "/ledger/projects/{proj}/photos/{proj_photo}"),
    ("L   X   +   +   X   X   X   +   X  ", "ledger.report_project_problem", "POST", "/ledger/projects/{proj}/problems"),
    ("L   403 403 403 +   +   +   +   403", "ledger.project_problem_task", "POST", "/ledger/projects/{proj}/problems/{proj_problem}/task"),
    ("L   X   +   X   +   +   +   +   X  ", "ledger.solve_project_problem", "POST", "/ledger/projects/{proj}/problems/{proj_problem}/solve"),
]


def sample_project():
    """A project of 湘潭县 (unit B) led by 市发改委, created by the office."""
    data = project_services.ProjectInput(
        code="MATRIX-P1", name="权限矩阵样例项目（湘潭县）", unit=unit_named("湘潭县人民政府"),
        total_investment=Decimal("120000"), lead_unit=unit_named("市发改委"))
    return project_services.create_project(user_named("admin"), data, today())


def _photo(get):
    project = _project(get)
    upload = FileStorage(stream=io.BytesIO(PNG_BYTES), filename="现场.png", content_type="image/png")
    return project_services.store_photo(user_named("admin"), project, upload, "现场", None, today()).id


def _problem(get):
    return project_services.report_problem(user_named("admin"), _project(get), "用地指标待落实", today()).id


def _project(get):
    from app.extensions import db
    from app.ledger.models import Project

    return db.session.get(Project, get("proj"))


SAMPLES = {
    "proj": lambda get: sample_project().id,
    "proj_photo": _photo,
    "proj_problem": _problem,
}
