"""API of the assigned tasks (交办事项): list with the overview's filters, create, read, follow-ups, every
workflow transition and the 10-day dispatch list (旬调度清单).

The views only parse and validate the JSON, load the task (404 also when the caller may not see it), call one
service of `app.tasks.services` and commit; the rules stay in the services. Dates are ISO 8601
(`YYYY-MM-DD`), times ISO 8601 with their UTC offset.
"""

from datetime import date, datetime

import sqlalchemy as sa
from flask import g, request

from app.api.base import ok, route
from app.api.paging import Column, Conditional, SortKey, latest, paging_args, sql_page
from app.api.params import (
    arg_date,
    arg_enum,
    arg_int,
    bad_parameter,
    choice_field,
    choices,
    date_field,
    int_field,
    json_body,
    not_found,
    renamed_fields,
    text_field,
    version_field,
)
from app.api.schemas import (
    DATE,
    DATETIME,
    FILE_SCHEMA,
    PAGE_PARAMETERS,
    REF,
    USER_REF,
    enum_schema,
    file_json,
    iso,
    nullable,
    page_schema,
    query_param,
    ref,
    text_schema,
    user_ref,
    version_property,
)
from app.auth.models import Role, User
from app.core.calendar import get_calendar
from app.core.clock import today
from app.core.errors import PermissionDenied, ServiceError
from app.core.periods import Xun
from app.extensions import db
from app.org.models import Person, Plan, Unit, UnitGroup
from app.tasks import dispatch_queries, queries, services
from app.tasks.models import (
    OPEN_STATES,
    Evidence,
    FollowUp,
    Light,
    RequestStatus,
    Task,
    TaskPriority,
    TaskSource,
    TaskState,
    Urge,
)

TAG = "督办事项"
MAX_QUERY_TEXT = 100
SOURCE_REF_MAX = 200


# --- OpenAPI schemas ----------------------------------------------------------------------------------------

FOLLOW_UP_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "unit": REF, "author": USER_REF, "text": {"type": "string"},
        "percent": {"type": "integer", "minimum": 0, "maximum": 100}, "reported_on": DATE,
        "created_at": DATETIME,
        "files": {"type": "array", "items": FILE_SCHEMA},
    },
}
LATEST_SCHEMA = nullable({"type": "object", "properties": {
    "id": {"type": "integer"}, "text": {"type": "string"}, "percent": {"type": "integer"}, "reported_on": DATE}})
PARTY_SCHEMA = {
    "type": "object",
    "description": "牵头单位或配合单位，各自带最新一次进展",
    "properties": {"unit": REF, "is_lead": {"type": "boolean"}, "last_reported_on": nullable(DATE),
                   "latest_follow_up": LATEST_SCHEMA},
}
TASK_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "source": enum_schema(TaskSource), "source_label": {"type": "string"},
        "source_ref": {"type": "string", "nullable": True},
        "plan": nullable({"type": "object", "properties": {"id": {"type": "integer"}, "code": {"type": "string"},
                                                           "name": {"type": "string"}}}),
        "lead_unit": REF, "parties": {"type": "array", "items": PARTY_SCHEMA},
        "priority": enum_schema(TaskPriority), "priority_label": {"type": "string"},
        "state": enum_schema(TaskState), "state_label": {"type": "string"},
        "assigned_on": DATE, "original_due_on": DATE, "due_on": DATE, "completed_on": nullable(DATE),
        "light": enum_schema(Light), "light_label": {"type": "string"},
        "days_overdue": {"type": "integer", "description": "逾期工作日数：未办结的算到今天，已办结的算到完成日期"},
        "urge_count": {"type": "integer"}, "last_urged_at": nullable(DATETIME),
        "version": {"type": "integer", "description": "乐观锁版本号；操作时可回传 version 以防覆盖他人的更新"},
    },
}
REQUEST_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "status": enum_schema(RequestStatus),
        "status_label": {"type": "string"}, "requested_by": USER_REF, "requested_at": DATETIME,
        "decided_by": USER_REF, "decided_at": nullable(DATETIME), "decision_note": {"type": "string",
                                                                                    "nullable": True},
        "requested_due_on": DATE, "previous_due_on": DATE, "reason": {"type": "string"},
        "completed_on": DATE, "summary": {"type": "string"},
    },
}
TASK_DETAIL_SCHEMA = {
    "type": "object",
    "properties": dict(
        TASK_SCHEMA["properties"],
        content={"type": "string"}, assigner=USER_REF, assigner_unit=nullable(REF),
        created_at=DATETIME, updated_at=DATETIME,
        light_provisional={"type": "boolean", "description": "亮灯所用的节假日安排尚未公布（按周末推算）"},
        pending_extension=nullable(REQUEST_SCHEMA), pending_completion=nullable(REQUEST_SCHEMA),
        extension_requests={"type": "array", "items": REQUEST_SCHEMA},
        completion_requests={"type": "array", "items": REQUEST_SCHEMA},
        urges={"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "level": {"type": "integer"}, "level_label": {"type": "string"},
            "note": {"type": "string"}, "by": USER_REF, "created_at": DATETIME}}},
        timeline={"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string"}, "kind_label": {"type": "string"},
            "at": DATETIME, "actor": USER_REF, "unit": nullable(REF), "from_state": {"type": "string",
                                                                                       "nullable": True},
            "to_state": {"type": "string", "nullable": True}, "note": {"type": "string", "nullable": True}}}},
        actions={"type": "array", "items": {"type": "string"}, "description": "当前账号可执行的操作"},
    ),
}
TASK_ROW_SCHEMA = {
    "type": "object",
    "description": "列表中的一行（完整内容见事项详情）",
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "lead_unit": REF,
        "plan": {"type": "string", "nullable": True, "description": "计划或举措编号"},
        "priority": enum_schema(TaskPriority), "state": enum_schema(TaskState), "state_label": {"type": "string"},
        "assigned_on": DATE, "due_on": DATE, "completed_on": nullable(DATE),
        "light": enum_schema(Light), "light_label": {"type": "string"},
        "days_overdue": {"type": "integer", "description": "逾期工作日数：未办结的算到今天，已办结的算到完成日期"},
        "last_reported_on": nullable(dict(DATE, description="牵头单位最近一次反馈进展的日期")),
        "updated_at": DATETIME, "version": {"type": "integer"},
    },
}
TASK_PAGE_SCHEMA = page_schema(TASK_ROW_SCHEMA)
DISPATCH_ROW_SCHEMA = {
    "type": "object",
    "properties": dict(
        TASK_ROW_SCHEMA["properties"],
        stale={"type": "boolean", "description": "牵头单位自上一旬开始以来未反馈进展"},
        follow_ups={"type": "array",
                    "description": "仅 include=follow_ups 时：牵头单位和各配合单位的最新进展（牵头在前）",
                    "items": {"type": "object", "properties": {
                        "unit": REF, "is_lead": {"type": "boolean"}, "latest_follow_up": LATEST_SCHEMA}}},
    ),
}
DISPATCH_SCHEMA = page_schema(
    DISPATCH_ROW_SCHEMA,
    title={"type": "string"}, person=REF, as_of=DATE, provisional={"type": "boolean"},
    xun={"type": "object", "properties": {
        "code": {"type": "string"}, "label": {"type": "string"}, "start": DATE, "end": DATE,
        "previous": {"type": "string"}, "next": {"type": "string"}}},
)

VERSION_PROPERTY = version_property("事项")


def _body(required=(), **properties):
    schema = {"type": "object", "properties": dict(properties, version=VERSION_PROPERTY)}
    if required:
        schema["required"] = list(required)
    return schema


CREATE_BODY = {
    "type": "object",
    "required": ["title", "lead_unit_id", "due_on"],
    "properties": {
        "title": text_schema(services.TITLE_MAX, "事项名称"),
        "content": text_schema(services.TEXT_MAX, "具体内容和要求"),
        "source": enum_schema(TaskSource, "来源；缺省时有 plan 为 plan，否则为 free"),
        "source_ref": text_schema(SOURCE_REF_MAX, "来源说明（会议、批示文号等）"),
        "plan": {"type": "string", "description": "计划或举措编号，如 P1、M2"},
        "lead_unit_id": {"type": "integer"},
        "co_unit_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": services.MAX_CO_UNITS},
        "priority": dict(enum_schema(TaskPriority), default="normal"),
        "due_on": dict(DATE, description="完成时限，不早于今天"),
    },
}
FOLLOW_UP_BODY = _body(["text", "percent"], text=text_schema(services.FOLLOW_UP_MAX, "进展情况"),
                       percent={"type": "integer", "minimum": 0, "maximum": 100},
                       decrease_reason=text_schema(services.REASON_MAX,
                                                   "进度低于本单位上次反馈时必填：说明进度下调的原因"))
COMPLETION_BODY = _body(["completed_on", "summary"],
                        completed_on=dict(DATE, description="实际完成日期：可补录过去的日期，不能晚于今天"),
                        summary=text_schema(services.SUMMARY_MAX, "办结情况"),
                        no_evidence_reason=text_schema(
                            services.REASON_MAX, "事项没有任何佐证材料时必填（设置“办结须有佐证材料”开启时）："
                            "说明为何没有佐证材料；佐证材料请在页面上传"))
EXTENSION_BODY = _body(["due_on", "reason"], due_on=dict(DATE, description="申请延期到的日期"),
                       reason=text_schema(services.REASON_MAX, "延期理由"))
NOTE_BODY = _body(note=text_schema(services.REASON_MAX, "意见（可选）"))
NOTE_REQUIRED_BODY = _body(["note"], note=text_schema(services.REASON_MAX, "理由或意见"))
VERSION_BODY = _body()
URGE_BODY = _body(["level", "note"], level={"type": "integer", "enum": sorted(Urge.LEVELS),
                                            "description": "1 催办、2 督办、3 通报"},
                  note=text_schema(services.REASON_MAX, "催办说明（必填：催什么、何时前办好）"),
                  confirmed={"type": "boolean", "description": "同一事项一小时内再次催办时须为 true（否则答 409 "
                                                              "confirm_urge，说明上次催办在多少分钟前）"})
CANCEL_BODY = _body(["reason"], reason=text_schema(services.REASON_MAX, "撤销理由"))


STATE_GROUPS = {"open": False, "closed": True, "all": None}  # state=open|closed|all -> TaskFilter.closed
STATE_PARAMETER = query_param(
    "state", {"type": "string", "enum": [*STATE_GROUPS, *(s.value for s in TaskState)], "default": "all"},
    "状态：open（未办结）、closed（已办结或已撤销）、all（全部，缺省），或单个状态（" + choices(TaskState) + "）")
UPDATED_SINCE_PARAMETER = query_param(
    "updated_since", DATETIME,
    "只要该时间（含）之后有变化的事项，ISO 8601 带时区，如 2026-03-31T08:00:00+08:00；给出时按变化时间排序，"
    "便于增量同步")
FILTER_PARAMETERS = [
    query_param("light", enum_schema(Light), "亮灯（按今天计算）"),
    STATE_PARAMETER,
    query_param("due_from", DATE, "完成时限不早于"),
    query_param("due_to", DATE, "完成时限不晚于"),
    UPDATED_SINCE_PARAMETER,
]
LIST_PARAMETERS = [
    query_param("plan", {"type": "string"}, "计划或举措：编号（如 P1）或 id"),
    query_param("unit_id", {"type": "integer"}, "牵头或配合该单位的事项"),
    query_param("group", enum_schema(UnitGroup), "牵头单位所在考评组"),
    *FILTER_PARAMETERS,
    query_param("q", {"type": "string", "maxLength": MAX_QUERY_TEXT}, "在名称和内容中查找"),
    *PAGE_PARAMETERS,
]
DISPATCH_PARAMETERS = [
    query_param("person_id", {"type": "integer"}, "市领导（人员 id）；市领导本人可省略，只能查看本人的清单"),
    query_param("xun", {"type": "string", "pattern": r"^\d{4}-\d{1,2}-[123]$"}, "旬，如 2026-11-3（下旬）；缺省为本旬"),
    query_param("unit_id", {"type": "integer"}, "只看该牵头单位的事项"),
    *FILTER_PARAMETERS,
    query_param("include", {"type": "string", "enum": ["follow_ups"]},
                "follow_ups：每行附牵头单位和各配合单位的最新进展"),
    *PAGE_PARAMETERS,
]
FOLLOW_UP_PARAMETERS = list(PAGE_PARAMETERS)

# The orders of the lists (the id last: a total order for the cursor).
BY_DUE = SortKey("tasks:due", (Column(Task.due_on, "due_on", date), Column(Task.id, "id")))
BY_CHANGE = SortKey("tasks:updated", (Column(Task.updated_at, "updated_at", datetime), Column(Task.id, "id")))
DISPATCH_ORDER = SortKey("dispatch", (Column(Unit.sort_order, "unit_sort_order"), Column(Task.lead_unit_id,
                                                                                          "lead_unit_id"),
                                      Column(Task.due_on, "due_on", date), Column(Task.id, "id")))
FOLLOW_UP_ORDER = SortKey("follow-ups", (Column(FollowUp.created_at, "created_at", datetime, descending=True),
                                         Column(FollowUp.id, "id", descending=True)))


# Accounts are shown by name (authors, assigners, deciders): a renamed account changes this mark.
_PEOPLE_MARK = sa.select(sa.func.max(User.updated_at)).scalar_subquery()


# --- visibility ---------------------------------------------------------------------------------------------

def _task_or_404(task_id, detail=False):
    task = queries.task_for_detail(task_id) if detail else db.session.get(Task, task_id)
    if task is None or not services.can_view(g.api_user, task):
        raise not_found("事项不存在，或您无权查看。")
    return task


# --- parsing ------------------------------------------------------------------------------------------------

def _arg_plan():
    value = request.args.get("plan", "").strip()
    if not value:
        return None
    by_id = value.isdigit() and len(value) < 10
    plan_id = db.session.scalar(sa.select(Plan.id).where(Plan.id == int(value) if by_id else
                                                         Plan.code == value.upper()))
    if plan_id is None:
        raise bad_parameter("plan", f"未知的计划或举措“{value[:20]}”，请填写编号（如 P1、M2）或 id。")
    return plan_id


def _arg_state():
    """(TaskFilter.closed, TaskFilter.state) of `state`: open, closed, all (the default), or one state."""
    value = request.args.get("state", "").strip()
    if not value or value in STATE_GROUPS:
        return STATE_GROUPS.get(value), None
    try:
        return None, TaskState(value)
    except ValueError:
        raise bad_parameter("state", f"未知的状态“{value[:20]}”，可选：open（未办结）、closed（已办结或已撤销）、"
                                     "all（全部）或 " + "、".join(s.value for s in TaskState)) from None


def _arg_datetime(name, label):
    """An aware ISO 8601 time (with its offset), or None."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00")) if len(value) <= 40 else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or not 1900 <= parsed.year <= 9000:
        raise bad_parameter(name, f"参数 {name}（{label}）必须是带时区的 ISO 8601 时间，如 2026-03-31T08:00:00+08:00。")
    return parsed


def _filter_args(**fields):
    """The filters the task list and the dispatch list share, as a TaskFilter (with `fields` added)."""
    due_from, due_to = arg_date("due_from", "完成时限起"), arg_date("due_to", "完成时限止")
    if due_from and due_to and due_from > due_to:
        raise bad_parameter("due_to", "完成时限止（due_to）不能早于完成时限起（due_from）。")
    closed, state = _arg_state()
    return queries.TaskFilter(light=arg_enum("light", "亮灯", Light), state=state, closed=closed, due_from=due_from,
                              due_to=due_to, updated_since=_arg_datetime("updated_since", "变化时间起"), **fields)


def _list_filter():
    text = request.args.get("q", "").strip()
    if len(text) > MAX_QUERY_TEXT:
        raise bad_parameter("q", f"查找内容（q）不能超过 {MAX_QUERY_TEXT} 个字符。")
    return _filter_args(plan_id=_arg_plan(), unit_id=arg_int("unit_id", "单位 id"),
                        group=arg_enum("group", "考评组", UnitGroup), text=text or None)


def _note(data, required=False, label="意见"):
    return text_field(data, "note", label, services.REASON_MAX, required=required)


# --- JSON ---------------------------------------------------------------------------------------------------

def _latest(follow_up):
    if follow_up is None:
        return None
    return {"id": follow_up.id, "text": follow_up.text, "percent": follow_up.percent,
            "reported_on": follow_up.reported_on.isoformat()}


def _days_overdue(task, on, calendar):
    if task.is_open:
        return calendar.workdays_overdue(task.due_on, on)
    if task.state is TaskState.completed and task.completed_on:
        return calendar.workdays_overdue(task.due_on, task.completed_on)
    return 0


def row_json(row, window, calendar):
    """TASK_ROW_SCHEMA of a narrow row of queries.list_rows."""
    light = Task.light(row, window.today, window.yellow_limit)  # the model's rule, on the row's columns
    if row.state in OPEN_STATES:
        overdue = calendar.workdays_overdue(row.due_on, window.today)
    elif row.state is TaskState.completed and row.completed_on:
        overdue = calendar.workdays_overdue(row.due_on, row.completed_on)
    else:
        overdue = 0
    return {
        "id": row.id, "title": row.title, "lead_unit": {"id": row.lead_unit_id, "name": row.lead_unit_name},
        "plan": row.plan_code, "priority": row.priority.value,
        "state": row.state.value, "state_label": row.state.label,
        "assigned_on": row.assigned_on.isoformat(), "due_on": row.due_on.isoformat(),
        "completed_on": iso(row.completed_on), "light": light.value, "light_label": light.label,
        "days_overdue": overdue, "last_reported_on": iso(row.last_reported_on), "updated_at": iso(row.updated_at),
        "version": row.version,
    }


def task_json(task, window, calendar, light=None, days_overdue=None):
    light = light or window.of(task)
    return {
        "id": task.id, "title": task.title,
        "source": task.source.value, "source_label": task.source.label, "source_ref": task.source_ref,
        "plan": {"id": task.plan.id, "code": task.plan.code, "name": task.plan.name} if task.plan else None,
        "lead_unit": ref(task.lead_unit),
        "parties": [{"unit": ref(p.unit), "is_lead": p.is_lead, "last_reported_on": iso(p.last_reported_on),
                     "latest_follow_up": _latest(p.last_follow_up)} for p in task.parties],
        "priority": task.priority.value, "priority_label": task.priority.label,
        "state": task.state.value, "state_label": task.state.label,
        "assigned_on": task.assigned_on.isoformat(), "original_due_on": task.original_due_on.isoformat(),
        "due_on": task.due_on.isoformat(), "completed_on": iso(task.completed_on),
        "light": light.value, "light_label": light.label,
        "days_overdue": days_overdue if days_overdue is not None else _days_overdue(task, window.today, calendar),
        "urge_count": task.urge_count, "last_urged_at": iso(task.last_urged_at), "version": task.version,
    }


def _request_json(item):
    data = {"id": item.id, "status": item.status.value, "status_label": item.status.label,
            "requested_by": user_ref(item.requested_by), "requested_at": iso(item.requested_at),
            "decided_by": user_ref(item.decided_by), "decided_at": iso(item.decided_at),
            "decision_note": item.decision_note}
    if hasattr(item, "requested_due_on"):
        data.update(requested_due_on=item.requested_due_on.isoformat(),
                    previous_due_on=item.previous_due_on.isoformat(), reason=item.reason)
    else:
        data.update(completed_on=item.completed_on.isoformat(), summary=item.summary)
    return data


def follow_up_json(follow_up):
    return {
        "id": follow_up.id, "unit": ref(follow_up.unit), "author": user_ref(follow_up.author),
        "text": follow_up.text, "percent": follow_up.percent, "reported_on": follow_up.reported_on.isoformat(),
        "created_at": iso(follow_up.created_at),
        "files": [file_json(f) for f in follow_up.files],
    }


def detail_json(task_id, task=None):
    """The task as its detail page shows it, reloaded with its eager loading (unless `task` is that already)."""
    user, on = g.api_user, today()
    task = task or _task_or_404(task_id, detail=True)
    window = queries.light_window(on)
    data = task_json(task, window, get_calendar())
    extensions, completions, urges = queries.requests_of(task.id)
    data.update(
        content=task.content, assigner=user_ref(task.assigner), assigner_unit=ref(task.assigner_unit),
        created_at=iso(task.created_at), updated_at=iso(task.updated_at), light_provisional=window.provisional,
        pending_extension=next((_request_json(r) for r in extensions if r.status is RequestStatus.pending), None),
        pending_completion=next((_request_json(r) for r in completions if r.status is RequestStatus.pending), None),
        extension_requests=[_request_json(r) for r in extensions],
        completion_requests=[_request_json(r) for r in completions],
        urges=[{"id": u.id, "level": u.level, "level_label": u.level_label, "note": u.note, "by": user_ref(u.by),
                "created_at": iso(u.created_at)} for u in urges],
        timeline=[{"id": e.id, "kind": e.kind.value, "kind_label": e.kind.label, "at": iso(e.at),
                   "actor": user_ref(e.actor), "unit": ref(e.unit), "from_state": e.from_state,
                   "to_state": e.to_state, "note": e.note} for e in queries.timeline(task.id)],
        actions=sorted(services.allowed_actions(user, task, on)),
    )
    return data


# --- list, create, read -------------------------------------------------------------------------------------

@route("/tasks", summary="交办事项列表（筛选同总览页；单位工作人员只看到本单位相关事项）",
       parameters=LIST_PARAMETERS, response=TASK_PAGE_SCHEMA, tag=TAG, conditional=True)
def task_list():
    window = queries.light_window(today())
    task_filter = _list_filter()
    paging = paging_args(BY_CHANGE if task_filter.updated_since else BY_DUE)
    where = task_filter.clauses(window)
    visible = services.visible_to(g.api_user)
    if visible is not None:
        where.append(visible)
    total, *parts = queries.list_validator(where)
    conditional = Conditional(total, *parts, window.yellow_limit, window.provisional)
    if conditional.fresh():
        return conditional.not_modified()
    page = sql_page(queries.list_rows(), paging, total, scalars=False, keys=queries.list_keys().where(*where))
    calendar = get_calendar()
    return conditional.answer(page.envelope([row_json(r, window, calendar) for r in page.rows]))


@route("/tasks", method="POST", permission="assign", summary="交办事项（千百十办、市领导）", body=CREATE_BODY,
       response=TASK_DETAIL_SCHEMA, status=201, tag=TAG)
def task_create():
    data = json_body()
    title = text_field(data, "title", "事项名称", services.TITLE_MAX)
    content = text_field(data, "content", "具体内容", services.TEXT_MAX, required=False) or ""
    source_ref = text_field(data, "source_ref", "来源说明", SOURCE_REF_MAX, required=False)
    plan = _plan_field(data)
    source = choice_field(data, "source", "来源", TaskSource, TaskSource.plan if plan else TaskSource.free)
    if source is TaskSource.plan and plan is None:
        raise ServiceError("来源为计划举措（plan）时，请填写计划或举措编号（plan，如 P1）。", field="plan")
    priority = choice_field(data, "priority", "优先级", TaskPriority, TaskPriority.normal)
    lead_unit, co_units = _units_fields(data)
    due_on = date_field(data, "due_on", "完成时限")
    with renamed_fields(plan_id="plan"):
        task = services.assign_task(g.api_user, title=title, content=content, lead_unit=lead_unit, co_units=co_units,
                                    due_on=due_on, today=today(), source=source, plan=plan, source_ref=source_ref,
                                    priority=priority)
    db.session.commit()
    return ok(detail_json(task.id), 201)


def _plan_field(data):
    value = data.get("plan")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ServiceError("计划或举措（plan）必须是编号文本，如 \"P1\"。", field="plan")
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == value.strip().upper()))
    if plan is None:
        raise ServiceError(f"未知的计划或举措编号“{value.strip()[:20]}”（plan），请填写 P1–P8 或 M1–M6。",
                           field="plan")
    return plan


def _units_fields(data):
    lead_id = int_field(data, "lead_unit_id", "牵头单位 id", minimum=1)
    co_ids = data.get("co_unit_ids")
    if co_ids is None:
        co_ids = []
    if not isinstance(co_ids, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in co_ids):
        raise ServiceError("配合单位（co_unit_ids）必须是单位 id（整数）的列表。", field="co_unit_ids")
    if len(set(co_ids)) > services.MAX_CO_UNITS:
        raise ServiceError(f"配合单位（co_unit_ids）最多 {services.MAX_CO_UNITS} 个。", field="co_unit_ids")
    units = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_({lead_id, *co_ids})))}
    if lead_id not in units:
        raise ServiceError(f"牵头单位（lead_unit_id）{lead_id} 不存在。", field="lead_unit_id")
    missing = [str(i) for i in dict.fromkeys(co_ids) if i not in units]
    if missing:
        raise ServiceError(f"配合单位（co_unit_ids）中有不存在的单位：{'、'.join(missing[:5])}。",
                           field="co_unit_ids")
    return units[lead_id], [units[i] for i in co_ids]


@route("/tasks/<int:task_id>", summary="事项详情：各单位最新进展、亮灯、逾期工作日、待审申请、时间线",
       response=TASK_DETAIL_SCHEMA, tag=TAG, conditional=True)
def task_detail(task_id):
    task = _task_or_404(task_id, detail=True)
    # every action on a task (a follow-up too) bumps its version and updated_at; the names of the units and
    # people shown with it change the marks
    marks = db.session.execute(sa.select(*queries.change_marks(), _PEOPLE_MARK)).one()
    conditional = Conditional(task.version, task.updated_at, *marks, last_modified=latest(task.updated_at, *marks))
    if conditional.fresh():
        return conditional.not_modified()
    return conditional.answer(detail_json(task_id, task))


# --- follow-ups ---------------------------------------------------------------------------------------------

@route("/tasks/<int:task_id>/follow-ups", summary="事项的进展反馈（新的在前）", parameters=FOLLOW_UP_PARAMETERS,
       response=page_schema(FOLLOW_UP_SCHEMA), tag=TAG, conditional=True)
def task_follow_ups(task_id):
    task = _task_or_404(task_id)
    paging = paging_args(FOLLOW_UP_ORDER)
    where = [FollowUp.task_id == task.id]
    files = [sa.select(f).where(Evidence.task_id == task.id).scalar_subquery()
             for f in (sa.func.count(Evidence.id), sa.func.max(Evidence.created_at))]
    total, *marks = db.session.execute(sa.select(sa.func.count(), sa.func.max(FollowUp.id), *files,
                                                 *queries.change_marks(), _PEOPLE_MARK).where(*where)).one()
    # a follow-up bumps the task's version and updated_at; a file is a new Evidence row
    conditional = Conditional(total, *marks, task.version, task.updated_at,
                              last_modified=latest(task.updated_at, *marks))
    if conditional.fresh():
        return conditional.not_modified()
    page = sql_page(queries.follow_ups_query(task.id), paging, total)
    return conditional.answer(page.envelope([follow_up_json(f) for f in page.rows]))


@route("/tasks/<int:task_id>/follow-ups", method="POST", permission="unit_member",
       summary="反馈进展（牵头单位或配合单位）", body=FOLLOW_UP_BODY,
       response=dict(FOLLOW_UP_SCHEMA, properties=dict(FOLLOW_UP_SCHEMA["properties"],
                                                      task_version={"type": "integer"},
                                                      task_state={"type": "string"})),
       status=201, tag=TAG)
def task_follow_up_create(task_id):
    task = _task_or_404(task_id)
    data = json_body()
    text = text_field(data, "text", "进展情况", services.FOLLOW_UP_MAX)
    percent = int_field(data, "percent", "完成进度", minimum=0, maximum=100)
    version = version_field(data)
    decrease_reason = text_field(data, "decrease_reason", "进度下调原因", services.REASON_MAX, required=False)
    # the same rules as the task page (a decrease needs its reason)
    follow_up = services.record_follow_up(g.api_user, task, text, percent, today(), expected_version=version,
                                          decrease_reason=decrease_reason, strict=True)
    db.session.commit()
    return ok(dict(follow_up_json(follow_up), task_version=task.version, task_state=task.state.value), 201)


# --- transitions --------------------------------------------------------------------------------------------

def _transition(task_id, act):
    """Load the task (404 when not visible), read the JSON object, let `act(task, data)` call the service,
    commit, and answer with the task as it is now."""
    task = _task_or_404(task_id)
    act(task, json_body())
    db.session.commit()
    return ok(detail_json(task_id))


@route("/tasks/<int:task_id>/accept", method="POST", permission="unit_member", summary="签收（牵头单位）",
       body=VERSION_BODY, response=TASK_DETAIL_SCHEMA, tag=TAG)
def task_accept(task_id):
    return _transition(task_id, lambda task, data: services.accept_task(g.api_user, task, version_field(data)))


@route("/tasks/<int:task_id>/request-completion", method="POST", permission="unit_member",
       summary="申请办结（牵头单位；完成日期可补录过去的日期，不能晚于今天）", body=COMPLETION_BODY,
       response=TASK_DETAIL_SCHEMA, tag=TAG)
def task_request_completion(task_id):
    def act(task, data):
        completed_on = date_field(data, "completed_on", "完成日期")
        summary = text_field(data, "summary", "办结情况", services.SUMMARY_MAX)
        reason = text_field(data, "no_evidence_reason", "无佐证材料的原因", services.REASON_MAX, required=False)
        # the same rules as the task page: evidence, or the reason there is none, when the setting asks for it
        services.request_completion(g.api_user, task, completed_on, summary, today(), version_field(data),
                                    no_evidence_reason=reason, strict=True)

    return _transition(task_id, act)


@route("/tasks/<int:task_id>/approve-completion", method="POST", permission="assign",
       summary="审核办结（交办单位或交办领导）", body=NOTE_BODY, response=TASK_DETAIL_SCHEMA, tag=TAG)
def task_approve_completion(task_id):
    return _transition(task_id, lambda task, data: services.approve_completion(
        g.api_user, task, _note(data, label="审核意见"), version_field(data)))


@route("/tasks/<int:task_id>/return", method="POST", permission="assign",
       summary="退回办结申请（交办单位或交办领导，须写明理由）", body=NOTE_REQUIRED_BODY,
       response=TASK_DETAIL_SCHEMA, tag=TAG)
def task_return(task_id):
    return _transition(task_id, lambda task, data: services.return_task(
        g.api_user, task, _note(data, required=True, label="退回理由"), version_field(data)))


@route("/tasks/<int:task_id>/request-extension", method="POST", permission="unit_member",
       summary="申请延期（牵头单位）", body=EXTENSION_BODY, response=TASK_DETAIL_SCHEMA, tag=TAG)
def task_request_extension(task_id):
    def act(task, data):
        due_on = date_field(data, "due_on", "申请延期到的日期")
        reason = text_field(data, "reason", "延期理由", services.REASON_MAX)
        with renamed_fields(new_due_on="due_on"):
            services.request_extension(g.api_user, task, due_on, reason, today(), version_field(data))

    return _transition(task_id, act)


@route("/tasks/<int:task_id>/approve-extension", method="POST", permission="assign",
       summary="同意延期（交办单位或交办领导）", body=NOTE_BODY, response=TASK_DETAIL_SCHEMA, tag=TAG)
def task_approve_extension(task_id):
    return _transition(task_id, lambda task, data: services.decide_extension(
        g.api_user, task, True, _note(data, label="审核意见"), version_field(data)))


@route("/tasks/<int:task_id>/refuse-extension", method="POST", permission="assign",
       summary="不同意延期（交办单位或交办领导，须写明意见）", body=NOTE_REQUIRED_BODY,
       response=TASK_DETAIL_SCHEMA, tag=TAG)
def task_refuse_extension(task_id):
    return _transition(task_id, lambda task, data: services.decide_extension(
        g.api_user, task, False, _note(data, required=True, label="审核意见"), version_field(data)))


@route("/tasks/<int:task_id>/urge", method="POST", permission="assign",
       summary="催办、督办或通报（交办单位、交办领导或分管市领导）", body=URGE_BODY,
       response=TASK_DETAIL_SCHEMA, tag=TAG)
def task_urge(task_id):
    def act(task, data):
        level = int_field(data, "level", "催办级别", minimum=min(Urge.LEVELS), maximum=max(Urge.LEVELS))
        note = _note(data, label="催办说明")
        services.urge_task(g.api_user, task, level, note, today(), version_field(data),
                           confirmed=data.get("confirmed") is True)

    return _transition(task_id, act)


@route("/tasks/<int:task_id>/cancel", method="POST", permission="assign",
       summary="撤销事项（交办单位或交办领导，须写明理由）", body=CANCEL_BODY, response=TASK_DETAIL_SCHEMA, tag=TAG)
def task_cancel(task_id):
    return _transition(task_id, lambda task, data: services.cancel_task(
        g.api_user, task, text_field(data, "reason", "撤销理由", services.REASON_MAX), version_field(data)))


# --- the dispatch list --------------------------------------------------------------------------------------

@route("/dispatch", permission="dispatch",
       summary="旬调度清单（副市长本人；市长、市委书记、千百十办、观察员可看任一副市长的），按分管单位和完成时限排序",
       parameters=DISPATCH_PARAMETERS, response=DISPATCH_SCHEMA, tag=TAG, conditional=True)
def dispatch():
    user, on = g.api_user, today()
    person_id = arg_int("person_id", "人员 id")
    if user.role is Role.leader and not dispatch_queries.opens_every_list(user, on):
        if user.person_id is None:
            raise PermissionDenied("您的账号未关联市领导，无法查看调度清单。")
        if person_id is not None and person_id != user.person_id:
            raise PermissionDenied("分管副市长只能查看本人的调度清单。")
        person_id = user.person_id
    elif person_id is None:
        raise bad_parameter("person_id", "请用参数 person_id 指定要查看哪位市领导的调度清单。")
    code = request.args.get("xun", "").strip()
    xun = Xun.parse(code) if code else Xun.of(on)
    if xun is None:
        raise bad_parameter("xun", f"参数 xun 的格式应为“年-月-旬”，如 2026-11-3（1 上旬、2 中旬、3 下旬），"
                                    f"收到“{code[:20]}”。")
    include = request.args.get("include", "").strip()
    if include not in ("", "follow_ups"):
        raise bad_parameter("include", f"参数 include 只能是 follow_ups（附各单位最新进展），收到“{include[:20]}”。")
    lead_unit_id = arg_int("unit_id", "单位 id")
    task_filter = _filter_args(unit_ids=[lead_unit_id] if lead_unit_id else [])
    paging = paging_args(DISPATCH_ORDER)
    person = db.session.get(Person, person_id)
    if person is None:
        raise not_found("人员不存在。")
    window, calendar = queries.light_window(on), get_calendar()
    unit_ids, where = dispatch_queries.dispatch_filter(person, xun, on)
    where += task_filter.clauses(window)
    # the portfolio (which units; their order is in the units' change mark) is part of the list
    portfolio = unit_ids.subquery()
    total, *parts = queries.list_validator(where, *(
        sa.select(f).select_from(portfolio).scalar_subquery()
        for f in (sa.func.count(), sa.func.sum(portfolio.c.unit_id * portfolio.c.unit_id))))
    conditional = Conditional(total, *parts, window.yellow_limit, window.provisional)
    if conditional.fresh():
        return conditional.not_modified()
    page = sql_page(queries.list_rows(), paging, total, scalars=False,
                    keys=queries.list_keys(by_unit=True).where(*where))
    latest = queries.latest_follow_ups([r.id for r in page.rows]) if include and page.rows else {}
    items, since = [], dispatch_queries.stale_before(xun)
    for row in page.rows:
        item = dict(row_json(row, window, calendar), stale=dispatch_queries.is_stale(row, row.last_reported_on, since))
        if include:
            item["follow_ups"] = [{
                "unit": {"id": p.unit_id, "name": p.unit_name}, "is_lead": p.is_lead,
                "latest_follow_up": None if p.follow_up_id is None else {
                    "id": p.follow_up_id, "text": p.text, "percent": p.percent,
                    "reported_on": p.reported_on.isoformat()}} for p in latest.get(row.id, [])]
        items.append(item)
    title = dispatch_queries.position_title(person, min(on, xun.end))
    return conditional.answer(page.envelope(
        items, title=f"{title}{person.name} {xun.label}调度清单", person={"id": person.id, "name": person.name},
        as_of=on.isoformat(), provisional=window.provisional or calendar.range_is_provisional(xun.start, xun.end),
        xun={"code": xun.code, "label": xun.label, "start": xun.start.isoformat(), "end": xun.end.isoformat(),
             "previous": xun.previous().code, "next": xun.next().code}))
