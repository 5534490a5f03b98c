"""Project services (issue #14 part 2): create and change a project, its stage and milestones, its year plans,
progress photos and problems (问题), the last turned into an assigned task in one step.

As every service: models and plain values in, rules checked, rows changed and flushed, an audit entry written,
never a commit; a refusal raises ServiceError (Chinese, naming the field) before anything is written.

Who may: the county's or park's staff keep their own projects (`permissions.can_keep`); the 招商引资 fields
(source 招商引资, 签约 date, 三类500强) are set by 市商务局 or the office (`permissions.can_keep_attraction`);
a problem is reported by the project's keepers or its lead unit, turned into a task by those who assign (the
office, the city leaders: `user.assigns`) and marked solved by them or the keepers.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from app.core import text as limits
from app.core.audit import record_change, record_update, snapshot
from app.core.errors import PermissionDenied, ServiceError
from app.core.uploads import (
    display_name,
    extension,
    remove_quietly,
    removed_on_rollback,
    save_upload,
    stored_file_path,
    stored_path,
)
from app.extensions import db
from app.ledger import permissions
from app.ledger.models import (
    Enterprise,
    ProblemState,
    Project,
    ProjectMilestone,
    ProjectPhoto,
    ProjectProblem,
    ProjectSource,
    ProjectStage,
    ProjectYearPlan,
    SubjectLink,
    project_tier,
)
from app.org.models import UnitGroup
from app.tasks import services as task_services
from app.tasks.models import TaskSource

PROJECT_FIELDS = ("code", "name", "unit_id", "chain_id", "lead_unit_id", "leader_id", "enterprise_id",
                  "total_investment", "tier", "source", "signed_on", "is_top500", "stage", "note", "is_active")
ATTRACTION_FIELDS = ("source", "signed_on", "is_top500")
PROJECT_UNIT_GROUPS = (UnitGroup.county, UnitGroup.park1, UnitGroup.park2)
CODE_MAX, NAME_MAX, NOTE_MAX, CAPTION_MAX = 30, 200, 500, 200
PROBLEM_MAX = 2000
REASON_MAX = limits.REASON_MAX
AMOUNT_MAX = Decimal("99999999999999")  # the column holds 16 digits with 2 decimals
PHOTO_TYPES = ("jpg", "jpeg", "png")
ATTRACTION_REFUSED = "只有市商务局或千百十办可以设置招商引资信息（项目来源“招商引资”、签约日期、三类500强）。"


# --- checks -----------------------------------------------------------------------------------------------------

def _require_keeper(actor, unit_id, message="只有项目所在县市区或园区的工作人员可以修改该项目。"):
    if not permissions.can_keep(actor, unit_id):
        raise PermissionDenied(message)


def amount(value, label, field, *, positive=False):
    """A 万元 amount: a number with at most two decimals, zero or more (more than zero if `positive`)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ServiceError(f"请填写{label}（万元）。", field=field)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ServiceError(f"{label}必须是数字（万元）。", field=field) from None
    if not number.is_finite():
        raise ServiceError(f"{label}必须是数字（万元）。", field=field)
    if positive and number <= 0:
        raise ServiceError(f"{label}必须大于 0（万元）。", field=field)
    if number < 0:
        raise ServiceError(f"{label}不能为负数（万元）。", field=field)
    if number > AMOUNT_MAX:
        raise ServiceError(f"{label}过大，请检查单位是否为万元。", field=field)
    if number != number.quantize(Decimal("0.01")):
        raise ServiceError(f"{label}最多保留两位小数（万元）。", field=field)
    return number.quantize(Decimal("0.01"))


def _not_future(day, label, today, field):
    if day is not None and day > today:
        raise ServiceError(f"{label} {day.isoformat()} 晚于今天，实际发生的日期不能是将来的日期。", field=field)


# --- the project ------------------------------------------------------------------------------------------------

@dataclass
class ProjectInput:
    """What the project form (or the API) gives: units, chain and leader as rows, the investing enterprise by
    its 统一社会信用代码."""

    code: str
    name: str
    unit: object
    total_investment: object
    chain: object = None
    lead_unit: object = None
    leader: object = None
    enterprise_uscc: str = ""
    source: ProjectSource = ProjectSource.local
    signed_on: date | None = None
    is_top500: bool = False
    note: str = ""


def _check_unit(unit):
    if unit is None:
        raise ServiceError("请选择项目所在县市区或园区。", field="unit_id")
    if unit.group not in PROJECT_UNIT_GROUPS:
        raise ServiceError(f"“{unit.name}”不是县市区或园区，项目须归属所在县市区或园区。", field="unit_id")


def _enterprise(uscc):
    uscc = (uscc or "").strip().upper()
    if not uscc:
        return None
    found = db.session.scalar(sa.select(Enterprise).where(Enterprise.uscc == uscc))
    if found is None:
        raise ServiceError(f"台账中没有统一社会信用代码为 {uscc} 的企业，请核对或先登记该企业。",
                           field="enterprise_uscc")
    return found


def _check_attraction(actor, data, current, today):
    """Refuse a non-keeper changing any 招商 field; check the fields themselves."""
    wanted = (data.source, data.signed_on, bool(data.is_top500))
    if wanted != current and not permissions.can_keep_attraction(actor):
        raise PermissionDenied(ATTRACTION_REFUSED, field="source")
    if data.source is not ProjectSource.attracted and (data.signed_on is not None or data.is_top500):
        raise ServiceError("签约日期和三类500强只适用于招商引资项目：请将项目来源选为“招商引资”，或清空这两项。",
                           field="signed_on")
    _not_future(data.signed_on, "签约日期", today, "signed_on")


def _apply(actor, project, data, today):
    project.code = limits.one_line(data.code, "项目编号", CODE_MAX, required=True, field="code")
    project.name = limits.one_line(data.name, "项目名称", NAME_MAX, required=True, field="name")
    project.note = limits.one_line(data.note, "备注", NOTE_MAX, field="note")
    clash = db.session.scalar(sa.select(Project.id).where(Project.code == project.code,
                                                           Project.id != (project.id or 0)))
    if clash is not None:
        raise ServiceError(f"项目编号“{project.code}”已被其他项目使用，请换一个编号。", field="code")
    total = amount(data.total_investment, "总投资", "total_investment", positive=True)
    project.total_investment = total
    project.tier = project_tier(total)
    project.unit_id = data.unit.id
    project.chain_id = data.chain.id if data.chain is not None else None
    project.lead_unit_id = data.lead_unit.id if data.lead_unit is not None else None
    project.leader_id = data.leader.id if data.leader is not None else None
    enterprise = _enterprise(data.enterprise_uscc)
    project.enterprise_id = enterprise.id if enterprise is not None else None
    project.source, project.signed_on, project.is_top500 = data.source, data.signed_on, bool(data.is_top500)


def create_project(actor, data: ProjectInput, today: date) -> Project:
    _check_unit(data.unit)
    _require_keeper(actor, data.unit.id, "只能为本单位（县市区或园区）登记项目。")
    _check_attraction(actor, data, (ProjectSource.local, None, False), today)
    project = Project(stage=ProjectStage.signed, is_active=True)
    _apply(actor, project, data, today)
    db.session.add(project)
    db.session.flush()
    record_change(actor, "project.create", project, None, snapshot(project, PROJECT_FIELDS))
    return project


def update_project(actor, project, data: ProjectInput, today: date) -> Project:
    _require_keeper(actor, project.unit_id)
    _check_unit(data.unit)
    if data.unit.id != project.unit_id:
        _require_keeper(actor, data.unit.id, "只能把项目调整到本单位（县市区或园区）。")
    _check_attraction(actor, data, (project.source, project.signed_on, bool(project.is_top500)), today)
    before = snapshot(project, PROJECT_FIELDS)
    _apply(actor, project, data, today)
    db.session.flush()
    record_update(actor, "project.update", project, before, PROJECT_FIELDS)
    return project


def set_attraction(actor, project, source: ProjectSource, signed_on, is_top500, today: date):
    """市商务局 (or the office) sets the 招商引资 fields of any project."""
    if not permissions.can_keep_attraction(actor):
        raise PermissionDenied(ATTRACTION_REFUSED, field="source")
    if source is None:
        raise ServiceError("请选择项目来源。", field="source")
    data = ProjectInput(code=project.code, name=project.name, unit=project.unit, total_investment=None,
                        source=source, signed_on=signed_on, is_top500=is_top500)
    _check_attraction(actor, data, None, today)
    before = snapshot(project, ATTRACTION_FIELDS)
    project.source, project.signed_on, project.is_top500 = source, signed_on, bool(is_top500)
    db.session.flush()
    record_update(actor, "project.attraction", project, before, ATTRACTION_FIELDS)
    return project


# --- stage and milestones ---------------------------------------------------------------------------------------

STAGES = tuple(ProjectStage)


def _milestone(project, stage):
    found = next((m for m in project.milestones if m.stage is stage), None)
    if found is None:
        found = ProjectMilestone(stage=stage)
        project.milestones.append(found)
    return found


def _milestone_map(project):
    return {m.stage.value: [m.planned_on.isoformat() if m.planned_on else None,
                            m.actual_on.isoformat() if m.actual_on else None] for m in project.milestones}


def change_stage(actor, project, stage: ProjectStage, on: date | None, reason, today: date):
    """Move the project to `stage`. Forward: the day it was reached (`on`, not in the future, not before the
    stage before it) becomes the actual date of the stage and of any skipped stage without one. Backwards: only
    with a reason; the stages after the new one lose their actual dates."""
    _require_keeper(actor, project.unit_id)
    if stage is None:
        raise ServiceError("请选择项目阶段。", field="stage")
    if stage is project.stage:
        raise ServiceError(f"项目已处于“{stage.label}”阶段，无需变更。", field="stage")
    reason = limits.multi_line(reason, "变更原因", REASON_MAX, field="reason")
    before = {"stage": project.stage.value, "milestones": _milestone_map(project)}
    if stage.order > project.stage.order:
        if on is None:
            raise ServiceError(f"请填写到达“{stage.label}”的实际日期。", field="on")
        _not_future(on, f"“{stage.label}”的实际日期", today, "on")
        earlier = [m.actual_on for m in project.milestones
                   if m.stage.order < stage.order and m.actual_on is not None and m.stage.order <= project.stage.order]
        if earlier and on < max(earlier):
            raise ServiceError(f"“{stage.label}”的实际日期 {on.isoformat()} 早于上一阶段的实际日期 "
                               f"{max(earlier).isoformat()}，请核对。", field="on")
        for step in STAGES[project.stage.order + 1: stage.order + 1]:
            milestone = _milestone(project, step)
            if milestone.actual_on is None or step is stage:
                milestone.actual_on = on
        action = "project.stage_forward"
    else:
        if not reason:
            raise ServiceError(f"阶段从“{project.stage.label}”退回“{stage.label}”，请填写原因。", field="reason")
        for milestone in project.milestones:
            if milestone.stage.order > stage.order:
                milestone.actual_on = None
        action = "project.stage_back"
    project.stage = stage
    db.session.flush()
    record_change(actor, action, project, before, {"stage": stage.value, "milestones": _milestone_map(project)},
                  reason=reason or None)
    return project


def set_milestones(actor, project, dates: dict, today: date):
    """`dates`: ProjectStage -> (planned_on, actual_on). Actual dates only for stages reached and never in the
    future; a reached stage with a planned date needs its actual date too (else its light would turn red);
    planned dates in stage order."""
    _require_keeper(actor, project.unit_id)
    previous = None
    for stage in STAGES:
        planned, actual = dates.get(stage, (None, None))
        if actual is not None:
            if stage.order > project.stage.order:
                raise ServiceError(f"“{stage.label}”尚未到达（当前阶段：{project.stage.label}），不能填写实际日期；"
                                   "到达时请变更项目阶段。", field=f"actual_{stage.value}")
            _not_future(actual, f"“{stage.label}”的实际日期", today, f"actual_{stage.value}")
        elif planned is not None and stage.order <= project.stage.order:
            raise ServiceError(f"“{stage.label}”已经到达（当前阶段：{project.stage.label}），请同时填写它的实际日期。",
                               field=f"actual_{stage.value}")
        if planned is not None:
            if previous is not None and planned < previous[1]:
                raise ServiceError(f"“{stage.label}”的计划日期 {planned.isoformat()} 早于“{previous[0].label}”的"
                                   f"计划日期 {previous[1].isoformat()}：计划日期须按阶段先后排列。",
                                   field=f"planned_{stage.value}")
            previous = (stage, planned)
    before = _milestone_map(project)
    for stage in STAGES:
        planned, actual = dates.get(stage, (None, None))
        existing = next((m for m in project.milestones if m.stage is stage), None)
        if existing is None and planned is None and actual is None:
            continue
        milestone = existing or _milestone(project, stage)
        milestone.planned_on, milestone.actual_on = planned, actual
    db.session.flush()
    after = _milestone_map(project)
    if after != before:
        record_change(actor, "project.milestones", project, before, after)
    return project


# --- year plans -------------------------------------------------------------------------------------------------

def set_year_plan(actor, project, year, planned, today: date) -> ProjectYearPlan:
    _require_keeper(actor, project.unit_id)
    if not isinstance(year, int) or not 2000 <= year <= today.year + 10:
        raise ServiceError(f"年份须在 2000 年到 {today.year + 10} 年之间。", field="year")
    value = amount(planned, "年度计划投资", "planned_investment")
    plan = next((p for p in project.year_plans if p.year == year), None)
    before = {"year": year, "planned_investment": str(plan.planned_investment) if plan else None}
    if plan is None:
        plan = ProjectYearPlan(year=year, planned_investment=value)
        project.year_plans.append(plan)
    else:
        plan.planned_investment = value
    db.session.flush()
    record_change(actor, "project.year_plan", project, before, {"year": year, "planned_investment": str(value)})
    return plan


# --- progress photos --------------------------------------------------------------------------------------------

def store_photo(actor, project, file_storage, caption, taken_on, today: date) -> ProjectPhoto:
    """Check and store a progress photo (JPG or PNG, type checked on its bytes, size capped; core.uploads) with
    its row; the file goes again if the transaction rolls back."""
    _require_keeper(actor, project.unit_id, "只有项目所在县市区或园区的工作人员可以上传进度照片。")
    caption = limits.one_line(caption, "照片说明", CAPTION_MAX, field="caption")
    _not_future(taken_on, "拍摄日期", today, "taken_on")
    if file_storage is None or not file_storage.filename:
        raise ServiceError("请选择要上传的照片。", field="photo")
    name = display_name(file_storage.filename)
    if extension(name) not in PHOTO_TYPES:
        raise ServiceError(f"“{name}”不是 JPG 或 PNG 图片：进度照片只能上传 JPG、PNG 格式。", field="photo",
                           code="bad_type")
    saved = save_upload(file_storage, field="photo")
    photo = ProjectPhoto(project_id=project.id, caption=caption, taken_on=taken_on, filename=saved.filename,
                         stored_name=saved.stored_name, content_type=saved.content_type, size=saved.size,
                         sha256=saved.sha256, uploaded_by_id=getattr(actor, "id", None))
    try:
        db.session.add(photo)
        db.session.flush()
        record_change(actor, "project.photo", photo, None, {
            "project_id": project.id, "filename": saved.filename, "size": saved.size, "sha256": saved.sha256,
            "stored_name": saved.stored_name, "caption": caption})
    except Exception:
        remove_quietly(stored_path(saved.stored_name))
        raise
    removed_on_rollback(saved.stored_name)
    return photo


def photo_path(photo) -> str:
    return stored_file_path(photo)


# --- problems ---------------------------------------------------------------------------------------------------

def can_report_problem(user, project) -> bool:
    return permissions.can_keep(user, project.unit_id) or (
        user.is_authenticated and user.works_in_unit and project.lead_unit_id is not None
        and user.unit_id == project.lead_unit_id)


def report_problem(actor, project, text, today: date) -> ProjectProblem:
    if not can_report_problem(actor, project):
        raise PermissionDenied("只有项目所在县市区或园区、项目牵头单位可以反映项目问题。")
    text = limits.multi_line(text, "问题描述", PROBLEM_MAX, required=True, field="text")
    problem = ProjectProblem(project_id=project.id, text=text, raised_on=today,
                             raised_by_id=getattr(actor, "id", None), state=ProblemState.open)
    db.session.add(problem)
    db.session.flush()
    record_change(actor, "project.problem", problem, None, {"project_id": project.id, "text": text,
                                                            "state": ProblemState.open.value})
    return problem


def problem_task_title(project, text):
    first = text.strip().splitlines()[0] if text.strip() else ""
    title = f"{project.name}：{first}"
    return title if len(title) <= task_services.TITLE_MAX else title[: task_services.TITLE_MAX - 1] + "…"


def problem_to_task(actor, problem, due_on: date | None, plan, today: date):
    """转为交办事项: one step from a problem to a task assigned to the project's lead unit (or, without one, the
    unit where it is built), tagged with the project; the problem becomes 已交办 and names the task."""
    if not actor.assigns:
        raise PermissionDenied("只有千百十办和市领导可以把项目问题转为交办事项。")
    if problem.state is not ProblemState.open:
        raise ServiceError(f"该问题当前为“{problem.state.label}”，只有待处理的问题可以转为交办事项。",
                           field="due_on")
    project = problem.project
    lead = project.lead_unit or project.unit
    task = task_services.assign_task(
        actor, title=problem_task_title(project, problem.text), lead_unit=lead, due_on=due_on, today=today,
        content=f"项目问题（{project.code} {project.name}，{problem.raised_on.isoformat()} 反映）：\n{problem.text}",
        source=TaskSource.plan if plan is not None else TaskSource.free, plan=plan,
        source_ref=f"项目问题：{project.code}"[:task_services.SOURCE_REF_MAX])
    db.session.add(SubjectLink(task_id=task.id, project_id=project.id, created_by_id=getattr(actor, "id", None)))
    before = snapshot(problem, ("state", "task_id"))
    problem.state, problem.task_id = ProblemState.tasked, task.id
    db.session.flush()
    record_change(actor, "project.problem_to_task", problem, before, snapshot(problem, ("state", "task_id")))
    return task


def solve_problem(actor, problem, today: date):
    if not (actor.assigns or permissions.can_keep(actor, problem.project.unit_id)):
        raise PermissionDenied("只有千百十办、市领导或项目所在单位可以标记问题已解决。")
    if problem.state is ProblemState.solved:
        raise ServiceError("该问题已经标记为已解决。")
    before = snapshot(problem, ("state", "solved_on"))
    problem.state, problem.solved_on = ProblemState.solved, today
    db.session.flush()
    record_change(actor, "project.problem_solved", problem, before, snapshot(problem, ("state", "solved_on")))
    return problem
