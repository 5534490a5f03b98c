"""API of the cadence (周会商、旬调度、月分析、季考核、半年述职): expected meetings, their records with items and frozen
data, logging, editing (a signed record only with a reason), signing off, decisions that become tasks,
escalating an item up the ladder, the compliance counts and the month's analysis.

The views parse and validate the JSON, load the rows (app.meetings.queries), call one function of
`app.meetings.services` or `app.meetings.escalation` (which checks who may do it, writes the audit entry and
flushes) and commit; a refusal is a Chinese message with its field. Every signed-in account reads meetings and
records; who may log, edit and sign is the rule of `app.meetings.permissions`. Dates are ISO 8601 (`YYYY-MM-DD`),
times ISO 8601 with their UTC offset.
"""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import g

from app.api.base import ok, route
from app.api.paging import (
    Column,
    Conditional,
    SortKey,
    aggregate,
    keys_page,
    paging_args,
    sql_page,
    table_marks,
)
from app.api.params import (
    arg_bool,
    arg_date,
    arg_enum,
    arg_int,
    bad_parameter,
    choices,
    date_field,
    id_list,
    int_field,
    json_body,
    not_found,
    object_list,
    refuse_unknown,
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
from app.auth.models import User
from app.core.clock import today
from app.core.errors import PermissionDenied, ServiceError
from app.core.periods import month_key, parse_month
from app.extensions import db
from app.meetings import labels, permissions, queries, services
from app.meetings.analysis import month_analysis
from app.meetings.cadence import key_period_label
from app.meetings.compliance import (
    ComplianceStatus,
    classify,
    compliance_counts,
    compliance_rate,
    compliance_rows,
    counts_by_convener,
)
from app.meetings.escalation import escalate, escalation_path
from app.meetings.models import (
    REASON_MAX,
    EscalationStatus,
    ExpectedMeeting,
    ItemKind,
    MeetingRecord,
    MeetingType,
    RecordItem,
    RecordStatus,
)
from app.org.models import Person, Unit

TAG = "会议"
MAX_RANGE_DAYS = 366
MAX_LIST = 200  # items in one list field of a request (decisions, instructions, visits, unit_ids)
TEXT_FIELDS = {name: spec for name, spec in services.EDITABLE.items() if spec[1] is not None}
CREATE_FIELDS = {"held_on", *TEXT_FIELDS, "unit_ids", "decisions", "instructions", "visits"}
PATCH_FIELDS = {"held_on", *TEXT_FIELDS, "unit_ids", "reason", "version"}
DECISION_FIELDS = {"text", "lead_unit_id", "co_unit_ids", "due_on", "make_task"}


# --- OpenAPI schemas ----------------------------------------------------------------------------------------

PERSON_REF = nullable(REF)
TYPE = enum_schema(MeetingType, choices(MeetingType))
COMPLIANCE_STATUS = enum_schema(ComplianceStatus, choices(ComplianceStatus))
MEETING_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "type": TYPE, "type_label": {"type": "string"},
        "period_key": {"type": "string", "description": "如 2026-W48、2026-11-3、2026-11、2026-Q4、2026-H2"},
        "period_label": {"type": "string"}, "period_start": DATE, "period_end": DATE,
        "convener_key": {"type": "string"}, "convener_label": {"type": "string"},
        "convener_unit": nullable(REF), "convener_person": PERSON_REF,
        "scheduled_on": dict(DATE, description="拟召开日期（工作日）"),
        "record_due_on": dict(DATE, description="纪要录入期限"),
        "provisional": {"type": "boolean", "description": "所在年份节假日安排尚未公布，日期按周末和法定节日推定"},
        "is_cancelled": {"type": "boolean"},
        "status": COMPLIANCE_STATUS, "status_label": {"type": "string"},
        "record_id": nullable({"type": "integer"}), "logged_on": nullable(DATE),
    },
}
MEETING_DETAIL_SCHEMA = {
    "type": "object",
    "properties": dict(MEETING_SCHEMA["properties"],
                       can_log={"type": "boolean", "description": "当前账号可以填写该会议的纪要（尚未填写时）"}),
}
MEETING_PAGE_SCHEMA = page_schema(MEETING_SCHEMA)
RECORD_STATUS = enum_schema(RecordStatus, "draft（草稿）、signed（已签发，锁定）")
RECORD_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "expected_id": {"type": "integer"}, "type": TYPE, "type_label": {"type": "string"},
        "title": {"type": "string"}, "period_key": {"type": "string"}, "period_label": {"type": "string"},
        "convener_label": {"type": "string"}, "convener_unit": nullable(REF), "convener_person": PERSON_REF,
        "held_on": DATE, "place": {"type": "string"}, "chair": {"type": "string"},
        "status": RECORD_STATUS, "status_label": {"type": "string"},
        "created_by": USER_REF, "created_at": DATETIME, "updated_at": DATETIME,
        "signed_by": USER_REF, "signed_at": nullable(DATETIME),
        "version": {"type": "integer", "description": "乐观锁版本号；修改、签发时可回传以防覆盖他人的修改"},
    },
}
ESCALATION_SCHEMA = nullable({
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "reason": {"type": "string"},
        "status": enum_schema(EscalationStatus), "status_label": {"type": "string"},
        "target": MEETING_SCHEMA, "taken_up_item_id": nullable({"type": "integer"}),
        "created_by": USER_REF, "created_at": DATETIME,
    },
})
ITEM_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "record_id": {"type": "integer"},
        "kind": enum_schema(ItemKind), "kind_label": {"type": "string"},
        "text": {"type": "string"}, "unit": nullable(REF), "due_on": nullable(DATE),
        "resolved": {"type": "boolean"},
        "task": nullable({"type": "object", "description": "由该条形成或涉及的交办事项", "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"}, "state": {"type": "string"},
            "state_label": {"type": "string"}, "due_on": DATE}}),
        "escalated_from_id": nullable({"type": "integer"}), "submitted_by": USER_REF,
        "escalation": ESCALATION_SCHEMA,
    },
}
RECORD_DETAIL_SCHEMA = {
    "type": "object",
    "properties": dict(
        RECORD_SCHEMA["properties"],
        attendees={"type": "string"}, topics={"type": "string"}, minutes={"type": "string"},
        comments={"type": "string"}, units={"type": "array", "items": REF, "description": "参会单位（周会商）"},
        items={"type": "array", "items": ITEM_SCHEMA},
        attachments={"type": "array", "items": dict(FILE_SCHEMA, properties=dict(
            FILE_SCHEMA["properties"], uploaded_by=USER_REF, created_at=DATETIME))},
        amendments={"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "reason": {"type": "string"}, "changed": {"type": "string"},
            "user": USER_REF, "created_at": DATETIME}}},
        snapshot=nullable({"type": "object", "description": "会议时冻结的数据：旬调度清单、月度分析或季度考核结果"}),
        actions={"type": "array", "items": {"type": "string", "enum": ["edit", "sign_off"]},
                 "description": "当前账号可执行的操作"},
    ),
}
RECORD_PAGE_SCHEMA = page_schema(RECORD_SCHEMA)


DECISION_BODY = {
    "type": "object",
    "required": ["text", "lead_unit_id"],
    "additionalProperties": False,
    "properties": {
        "text": text_schema(services.ITEM_TEXT_MAX, "会议决定"),
        "lead_unit_id": {"type": "integer", "description": "牵头单位 id"},
        "co_unit_ids": {"type": "array", "items": {"type": "integer"}, "description": "配合单位 id"},
        "due_on": dict(DATE, description="完成时限，不早于今天；形成交办事项时必填"),
        "make_task": {"type": "boolean", "default": True, "description": "是否形成交办事项（默认是）"},
    },
}
RECORD_TEXT_PROPERTIES = {name: text_schema(max_length, label) for name, (label, max_length) in TEXT_FIELDS.items()}
CREATE_BODY = {
    "type": "object",
    "required": ["held_on"],
    "additionalProperties": False,
    "properties": dict(
        RECORD_TEXT_PROPERTIES,
        held_on=dict(DATE, description="会议日期（或述职报告提交日期），不晚于今天"),
        unit_ids={"type": "array", "items": {"type": "integer"}, "maxItems": MAX_LIST,
                  "description": "参会单位 id（周会商）"},
        decisions={"type": "array", "items": DECISION_BODY, "maxItems": services.MAX_DECISIONS,
                   "description": "会议决定（周会商、旬调度、月分析、季考核），默认形成交办事项"},
        instructions={"type": "array", "maxItems": MAX_LIST, "description": "对清单事项的指示（旬调度）",
                      "items": {"type": "object", "required": ["task_id", "text"], "additionalProperties": False,
                                "properties": {"task_id": {"type": "integer"},
                                               "text": text_schema(services.ITEM_TEXT_MAX, "指示内容")}}},
        visits={"type": "array", "maxItems": MAX_LIST, "description": "观摩项目及情况（季考核）",
                "items": text_schema(services.ITEM_TEXT_MAX, "观摩项目及情况")},
    ),
}
REASON = text_schema(REASON_MAX, "修改理由：已签发的纪要必填")
VERSION = version_property("纪要")
PATCH_BODY = {
    "type": "object",
    "additionalProperties": False,
    "properties": dict(RECORD_TEXT_PROPERTIES, held_on=dict(DATE, description="会议日期"),
                       unit_ids=CREATE_BODY["properties"]["unit_ids"], reason=REASON, version=VERSION),
}
SIGN_BODY = {"type": "object", "additionalProperties": False, "properties": {"version": VERSION}}
DECISION_CREATE_BODY = dict(DECISION_BODY, properties=dict(DECISION_BODY["properties"], reason=REASON))
ESCALATE_BODY = {"type": "object", "required": ["reason"], "additionalProperties": False,
                 "properties": {"reason": text_schema(REASON_MAX, "上报理由")}}
PATH_SCHEMA = {"type": "array", "description": "该事项沿会议层级上报的路径（最早的在前）", "items": {
    "type": "object", "properties": {
        "type": TYPE, "type_label": {"type": "string"}, "title": {"type": "string"}, "day": DATE,
        "record_id": nullable({"type": "integer"}), "item_id": nullable({"type": "integer"}),
        "text": {"type": "string"}, "reason": nullable({"type": "string"}), "pending": {"type": "boolean"}}}}
ESCALATE_RESPONSE = {"type": "object", "properties": {"escalation": ESCALATION_SCHEMA, "path": PATH_SCHEMA}}
COUNTS = {"type": "object", "properties": {
    "expected": {"type": "integer", "description": "应开"}, "recorded": {"type": "integer", "description": "按时录入"},
    "late": {"type": "integer", "description": "逾期录入"}, "missing": {"type": "integer", "description": "缺失"},
    "pending": {"type": "integer", "description": "待录入（未到期限）"},
    "logged": {"type": "integer", "description": "已录入 = 按时 + 逾期"},
    "rate": nullable({"type": "number", "description": "录入率（%）：已录入 ÷ 已到期限的会议"})}}
COMPLIANCE_SCHEMA = {
    "type": "object",
    "properties": {
        "start": DATE, "end": DATE, "as_of": DATE,
        "by_type": {"type": "array", "items": dict(COUNTS, properties=dict(
            COUNTS["properties"], type=TYPE, label={"type": "string"}))},
        "by_convener": {"type": "array", "items": dict(COUNTS, properties=dict(
            COUNTS["properties"], type=TYPE, convener_label={"type": "string"}))},
        "total": COUNTS,
    },
}
ANALYSIS_SCHEMA = {"type": "object", "description": "月度分析：与月分析页面和纪要冻结的数据相同", "properties": {
    "key": {"type": "string"}, "label": {"type": "string"}, "start": DATE, "end": DATE, "as_of": DATE,
    "evaluated_on": DATE, "closed": {"type": "boolean"}, "totals": {"type": "object"},
    "previous": {"type": "object"}, "change": {"type": "object"}, "lights": {"type": "array", "items": {}},
    "by_unit": {"type": "array", "items": {}}, "by_group": {"type": "array", "items": {}},
    "by_plan": {"type": "array", "items": {}}, "red_units": {"type": "array", "items": {}},
    "compliance": {"type": "object"}, "trend": {"type": "array", "items": {}}}}

MEETING_PARAMETERS = [
    query_param("type", TYPE, "会议类型"),
    query_param("start", DATE, "周期结束不早于该日"),
    query_param("end", DATE, "周期开始不晚于该日"),
    query_param("convener_unit_id", {"type": "integer"}, "召集（述职）单位 id"),
    query_param("status", COMPLIANCE_STATUS, "纪要录入情况（按今天计算）"),
    query_param("include_cancelled", {"type": "boolean", "default": False}, "包括已取消的会议"),
    *PAGE_PARAMETERS,
]
RECORD_PARAMETERS = [
    query_param("type", TYPE, "会议类型"),
    query_param("start", DATE, "会议日期不早于"),
    query_param("end", DATE, "会议日期不晚于"),
    query_param("convener_unit_id", {"type": "integer"}, "召集（述职）单位 id"),
    query_param("status", RECORD_STATUS, "草稿或已签发"),
    *PAGE_PARAMETERS,
]
COMPLIANCE_PARAMETERS = [
    query_param("start", DATE, "起始日期（按会议拟召开日期计），缺省为本月第一天"),
    query_param("end", DATE, "截止日期，缺省为本月最后一天；范围不超过 366 天"),
]


# The orders of the lists (the id last: a total order for the cursor).
MEETING_ORDER = SortKey("meetings", (Column(ExpectedMeeting.scheduled_on, "scheduled_on", date),
                                     Column(ExpectedMeeting.type, "type", MeetingType),
                                     Column(ExpectedMeeting.convener_key, "convener_key", str),
                                     Column(ExpectedMeeting.id, "id")))
RECORD_ORDER = SortKey("meeting-records", (Column(MeetingRecord.held_on, "held_on", date, descending=True),
                                           Column(MeetingRecord.id, "id", descending=True)))


# --- JSON ---------------------------------------------------------------------------------------------------

def meeting_json(meeting, on, created_at=None):
    record = meeting.record
    status, logged_on = classify(meeting.record_due_on, record.created_at if record else created_at, on)
    return {
        "id": meeting.id, "type": meeting.type.value, "type_label": meeting.type.label,
        "period_key": meeting.period_key, "period_label": key_period_label(meeting.type, meeting.period_key),
        "period_start": meeting.period_start.isoformat(), "period_end": meeting.period_end.isoformat(),
        "convener_key": meeting.convener_key, "convener_label": meeting.convener_label,
        "convener_unit": ref(meeting.convener_unit), "convener_person": ref(meeting.convener_person),
        "scheduled_on": meeting.scheduled_on.isoformat(), "record_due_on": meeting.record_due_on.isoformat(),
        "provisional": meeting.provisional, "is_cancelled": meeting.is_cancelled,
        "status": status.value, "status_label": status.label,
        "record_id": record.id if record else None, "logged_on": iso(logged_on),
    }


def record_json(record):
    expected = record.expected
    return {
        "id": record.id, "expected_id": record.expected_id, "type": record.type.value,
        "type_label": record.type.label, "title": labels.record_title(expected),
        "period_key": expected.period_key, "period_label": key_period_label(expected.type, expected.period_key),
        "convener_label": expected.convener_label, "convener_unit": ref(expected.convener_unit),
        "convener_person": ref(expected.convener_person),
        "held_on": record.held_on.isoformat(), "place": record.place, "chair": record.chair,
        "status": record.status.value, "status_label": record.status.label,
        "created_by": user_ref(record.created_by), "created_at": iso(record.created_at),
        "updated_at": iso(record.updated_at), "signed_by": user_ref(record.signed_by),
        "signed_at": iso(record.signed_at), "version": record.version,
    }


def escalation_json(escalation, on):
    if escalation is None:
        return None
    return {
        "id": escalation.id, "reason": escalation.reason, "status": escalation.status.value,
        "status_label": escalation.status.label, "target": meeting_json(escalation.target, on),
        "taken_up_item_id": escalation.taken_up_item_id, "created_by": user_ref(escalation.created_by),
        "created_at": iso(escalation.created_at),
    }


def item_json(item, escalation, on):
    task = item.task
    return {
        "id": item.id, "record_id": item.record_id, "kind": item.kind.value, "kind_label": item.kind.label,
        "text": item.text, "unit": ref(item.unit), "due_on": iso(item.due_on), "resolved": item.resolved,
        "task": {"id": task.id, "title": task.title, "state": task.state.value, "state_label": task.state.label,
                 "due_on": task.due_on.isoformat()} if task is not None else None,
        "escalated_from_id": item.escalated_from_id, "submitted_by": user_ref(item.submitted_by),
        "escalation": escalation_json(escalation, on),
    }


def record_detail_json(record_id):
    user, on = g.api_user, today()
    db.session.expire_all()  # the services changed rows through relationships: read them back as stored
    record = queries.record_for_detail(record_id)
    if record is None or not permissions.can_read_record(user, record):
        raise not_found("纪要不存在。")
    escalations = queries.escalations_of([i.id for i in record.items])
    actions = []
    if permissions.can_edit(user, record):
        actions.append("edit")
    if permissions.can_sign(user, record):
        actions.append("sign_off")
    return dict(
        record_json(record), attendees=record.attendees, topics=record.topics, minutes=record.minutes,
        comments=record.comments, units=[ref(u) for u in record.units],
        items=[item_json(i, escalations.get(i.id), on) for i in record.items],
        attachments=[dict(file_json(a), uploaded_by=user_ref(a.uploaded_by), created_at=iso(a.created_at))
                     for a in record.attachments],
        amendments=[{"id": m.id, "reason": m.reason, "changed": m.changed, "user": user_ref(m.user),
                     "created_at": iso(m.created_at)} for m in record.amendments],
        snapshot=record.snapshot, actions=actions,
    )


# --- parsing ------------------------------------------------------------------------------------------------

def _range_args(start_label, end_label):
    start, end = arg_date("start", start_label), arg_date("end", end_label)
    if start and end and start > end:
        raise bad_parameter("end", "截止日期（end）不能早于起始日期（start）。")
    return start, end


def _optional_text(data, name):
    label, max_length = TEXT_FIELDS[name]
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ServiceError(f"{label}（{name}）必须是文本。", field=name)
    if len(value) > max_length:
        raise ServiceError(f"{label}（{name}）不能超过 {max_length} 个字符。", field=name)
    return value


def _decision(data, index=None):
    where = f"第 {index + 1} 条会议决定" if index is not None else "会议决定"
    field = f"decisions[{index}]" if index is not None else None
    if not isinstance(data, dict):
        raise ServiceError(f"{where}必须是 JSON 对象。", field=field or "decisions")
    refuse_unknown(data, DECISION_FIELDS if index is not None else DECISION_FIELDS | {"reason"})
    text = text_field(data, "text", f"{where}的内容", services.ITEM_TEXT_MAX)
    lead_unit_id = int_field(data, "lead_unit_id", f"{where}的牵头单位 id", minimum=1)
    co_unit_ids = id_list(data, "co_unit_ids", f"{where}的配合单位", MAX_LIST)
    make_task = data.get("make_task", True)
    if not isinstance(make_task, bool):
        raise ServiceError(f"{where}的 make_task 只能是 true 或 false。", field="make_task")
    due_on = date_field(data, "due_on", f"{where}的完成时限") if data.get("due_on") is not None or make_task \
        else None
    return services.DecisionInput(text=text, lead_unit_id=lead_unit_id, co_unit_ids=co_unit_ids, due_on=due_on,
                                  make_task=make_task)


def _instructions(data):
    result = []
    for index, entry in enumerate(object_list(data, "instructions", "调度指示", MAX_LIST)):
        if not isinstance(entry, dict):
            raise ServiceError(f"第 {index + 1} 条指示必须是 JSON 对象（task_id、text）。", field="instructions")
        refuse_unknown(entry, {"task_id", "text"})
        task_id = int_field(entry, "task_id", f"第 {index + 1} 条指示的事项 id", minimum=1)
        result.append((task_id, text_field(entry, "text", f"第 {index + 1} 条指示的内容", services.ITEM_TEXT_MAX)))
    return result


def _visits(data):
    visits = object_list(data, "visits", "观摩项目", MAX_LIST)
    if any(not isinstance(v, str) or not v.strip() for v in visits):
        raise ServiceError("观摩项目（visits）必须是非空文本的列表。", field="visits")
    return visits


def _reason(data, label="修改理由"):
    return text_field(data, "reason", label, REASON_MAX, required=False)


def _meeting_or_404(meeting_id):
    meeting = queries.meeting(meeting_id)
    if meeting is None:
        raise not_found("会议不存在。")
    return meeting


def _record_or_404(record_id):
    record = queries.record(record_id)
    if record is None or not permissions.can_read_record(g.api_user, record):
        raise not_found("纪要不存在。")
    return record


def _may(allowed, message):
    """The object rule of the services, checked before the body is read: a caller who may not act learns that
    first (403), not what is wrong with a body he may not send. The services check it again when they act."""
    if not allowed:
        raise PermissionDenied(message)


WHO_LOGS = {MeetingType.weekly: "召集单位", MeetingType.semiannual: "述职人所在单位",
            MeetingType.dispatch: "召集的副市长本人", MeetingType.monthly: "市长本人",
            MeetingType.quarterly: "市委书记本人"}


def _may_log(meeting):
    who = WHO_LOGS.get(meeting.type)
    _may(permissions.can_log(g.api_user, meeting),
         f"{meeting.convener_label}的{meeting.type.label}纪要只能由{who}或千百十办填写和修改。" if who
         else permissions.refusal_message(meeting))


# --- expected meetings --------------------------------------------------------------------------------------

@route("/meetings", summary="应召开的会议（周会商、旬调度、月分析、季考核、考评会商、半年述职）及纪要录入情况",
       parameters=MEETING_PARAMETERS, response=MEETING_PAGE_SCHEMA, tag=TAG, conditional=True)
def meeting_list():
    on = today()
    kind = arg_enum("type", "会议类型", MeetingType)
    start, end = _range_args("周期起", "周期止")
    unit_id = arg_int("convener_unit_id", "召集单位 id")
    status = arg_enum("status", "录入情况", ComplianceStatus)
    include_cancelled = arg_bool("include_cancelled", "包括已取消的会议")
    paging = paging_args(MEETING_ORDER)
    where = queries.meeting_filter(kind, start, end, unit_id, include_cancelled)
    # a row shows its record's state: the records of these meetings are part of the validator
    of_these = MeetingRecord.expected_id.in_(sa.select(ExpectedMeeting.id).where(*where))
    records = [sa.select(f(c)).where(of_these).scalar_subquery()
               for f, c in ((sa.func.count, MeetingRecord.id), (sa.func.max, MeetingRecord.updated_at))]
    # and so are the names of the convening units and people
    count, *parts = aggregate(ExpectedMeeting, where, *records, *table_marks(Unit, Person))
    conditional = Conditional(count, *parts)
    if conditional.fresh():
        return conditional.not_modified()
    keys = sa.select(ExpectedMeeting.id, ExpectedMeeting.scheduled_on, ExpectedMeeting.type,
                     ExpectedMeeting.convener_key).where(*where)
    if status is None:
        page = sql_page(keys, paging, count, scalars=False)
    else:
        # the status depends on the local date a record was made: classified here, on narrow rows
        rows = db.session.execute(
            keys.add_columns(ExpectedMeeting.record_due_on, MeetingRecord.created_at.label("logged_at"))
            .outerjoin(MeetingRecord, MeetingRecord.expected_id == ExpectedMeeting.id)).all()
        page = keys_page([r for r in rows if classify(r.record_due_on, r.logged_at, on)[0] is status], paging)
    meetings = queries.meetings_by_ids([r.id for r in page.rows])
    return conditional.answer(page.envelope([meeting_json(m, on) for m in meetings]))


@route("/meetings/<int:meeting_id>", summary="一次应召开的会议", response=MEETING_DETAIL_SCHEMA, tag=TAG)
def meeting_detail(meeting_id):
    meeting = _meeting_or_404(meeting_id)
    return ok(dict(meeting_json(meeting, today()),
                   can_log=meeting.record is None and permissions.can_log(g.api_user, meeting)))


# --- records ------------------------------------------------------------------------------------------------

@route("/meeting-records", summary="会议纪要和述职报告列表", parameters=RECORD_PARAMETERS,
       response=RECORD_PAGE_SCHEMA, tag=TAG, conditional=True)
def record_list():
    kind = arg_enum("type", "会议类型", MeetingType)
    start, end = _range_args("会议日期起", "会议日期止")
    unit_id = arg_int("convener_unit_id", "召集单位 id")
    status = arg_enum("status", "纪要状态", RecordStatus)
    paging = paging_args(RECORD_ORDER)
    where = queries.record_filter(permissions.readable_records_clause(g.api_user), kind, start, end, unit_id, status)
    # a row shows its meeting, the convener's and the authors' names too
    total, *parts = aggregate(MeetingRecord, where, sa.func.sum(MeetingRecord.version),
                              *table_marks(ExpectedMeeting, Unit, Person, User))
    conditional = Conditional(total, *parts)
    if conditional.fresh():
        return conditional.not_modified()
    page = sql_page(sa.select(MeetingRecord).where(*where).options(*queries.record_options()), paging, total)
    return conditional.answer(page.envelope([record_json(r) for r in page.rows]))


@route("/meeting-records/<int:record_id>", summary="纪要详情：内容、参会单位、会议决定等条目、附件、修改记录、冻结数据",
       response=RECORD_DETAIL_SCHEMA, tag=TAG)
def record_detail(record_id):
    return ok(record_detail_json(record_id))


@route("/meetings/<int:meeting_id>/record", method="POST", summary="填写会议纪要或述职报告（每次会议一份）",
       body=CREATE_BODY, response=RECORD_DETAIL_SCHEMA, status=201, tag=TAG,
       conflict="该会议已有纪要（不能重复填写），或会议已取消")
def record_create(meeting_id):
    meeting = _meeting_or_404(meeting_id)
    if meeting.record is None and not meeting.is_cancelled:
        _may_log(meeting)  # (a duplicate or a cancelled meeting: the service says so, to anyone)
    data = json_body()
    refuse_unknown(data, CREATE_FIELDS)
    held_on = date_field(data, "held_on", "会议日期")
    values = {name: _optional_text(data, name) for name in TEXT_FIELDS}
    decisions = [_decision(d, i) for i, d in enumerate(object_list(data, "decisions", "会议决定",
                                                                   services.MAX_DECISIONS))]
    record_input = services.RecordInput(held_on=held_on, unit_ids=id_list(data, "unit_ids", "参会单位", MAX_LIST),
                                        decisions=decisions, instructions=_instructions(data),
                                        visits=_visits(data), **values)
    record = services.create_record(g.api_user, meeting, record_input, today())
    db.session.commit()
    return ok(record_detail_json(record.id), 201)


@route("/meeting-records/<int:record_id>", method="PATCH",
       summary="修改纪要（已签发的纪要须填写修改理由，留痕）", body=PATCH_BODY, response=RECORD_DETAIL_SCHEMA, tag=TAG,
       conflict="纪要已签发而未填写修改理由，或版本号不一致（他人已修改）")
def record_update(record_id):
    record = _record_or_404(record_id)
    _may_log(record.expected)
    data = json_body()
    refuse_unknown(data, PATCH_FIELDS)
    changes = {name: _optional_text(data, name) for name in TEXT_FIELDS if name in data}
    if "held_on" in data:
        changes["held_on"] = date_field(data, "held_on", "会议日期")
    if "unit_ids" in data:
        changes["unit_ids"] = id_list(data, "unit_ids", "参会单位", MAX_LIST)
    services.update_record(g.api_user, record, changes, reason=_reason(data), expected_version=version_field(data))
    db.session.commit()
    return ok(record_detail_json(record_id))


@route("/meeting-records/<int:record_id>/sign-off", method="POST", summary="签发纪要（签发后锁定，修改须说明理由）",
       body=SIGN_BODY, response=RECORD_DETAIL_SCHEMA, tag=TAG, conflict="纪要已经签发，或版本号不一致")
def record_sign_off(record_id):
    record = _record_or_404(record_id)
    _may_log(record.expected)
    data = json_body()
    refuse_unknown(data, {"version"})
    services.sign_off(g.api_user, record, expected_version=version_field(data))
    db.session.commit()
    return ok(record_detail_json(record_id))


@route("/meeting-records/<int:record_id>/decisions", method="POST",
       summary="增加会议决定（默认形成交办事项，与纪要互相关联；已签发的纪要须填写修改理由）",
       body=DECISION_CREATE_BODY, response=ITEM_SCHEMA, status=201, tag=TAG,
       conflict="纪要已签发而未填写修改理由，或他人刚修改了纪要")
def record_decision_create(record_id):
    record = _record_or_404(record_id)
    _may_log(record.expected)
    data = json_body()
    decision = _decision(data)
    items = services.add_decisions(g.api_user, record, [decision], today(), reason=_reason(data))
    db.session.commit()
    item = db.session.get(RecordItem, items[0].id)
    return ok(item_json(item, None, today()), 201)


@route("/meeting-record-items/<int:item_id>/escalate", method="POST",
       summary="上报未解决的事项（周会商 → 旬调度 → 月分析），返回该事项的上报路径", body=ESCALATE_BODY,
       response=ESCALATE_RESPONSE, status=201, tag=TAG, conflict="已经上报过、已在会上解决，或下一次上级会议尚未排定")
def item_escalate(item_id):
    item = db.session.get(RecordItem, item_id)
    if item is None or not permissions.can_read_record(g.api_user, item.record):
        raise not_found("纪要条目不存在。")
    _may_log(item.record.expected)
    data = json_body()
    refuse_unknown(data, {"reason"})
    reason = text_field(data, "reason", "上报理由", REASON_MAX)
    escalation = escalate(g.api_user, item, reason, today())
    db.session.commit()
    on = today()
    return ok({"escalation": escalation_json(escalation, on), "path": [{
        "type": step.type.value, "type_label": step.type.label, "title": step.title, "day": step.day.isoformat(),
        "record_id": step.record_id, "item_id": step.item_id, "text": step.text, "reason": step.reason,
        "pending": step.pending} for step in escalation_path(item)]}, 201)


# --- compliance and the month's analysis --------------------------------------------------------------------

def _counts_json(counts):
    return dict(counts, rate=compliance_rate(counts))


@route("/compliance", summary="会议落实情况：应开、按时录入、逾期录入、缺失、待录入（按类型和召集方）",
       parameters=COMPLIANCE_PARAMETERS, response=COMPLIANCE_SCHEMA, tag=TAG)
def compliance():
    on = today()
    start, end = _range_args("起始日期", "截止日期")
    first = on.replace(day=1)
    start = start or first
    end = end or (date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1))
    if start > end:
        raise bad_parameter("end", "截止日期（end）不能早于起始日期（start）。")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise bad_parameter("end", f"查询范围不能超过 {MAX_RANGE_DAYS} 天，请缩小 start 到 end 的范围。")
    counts = compliance_counts(start, end, on)
    total = {key: sum(c[key] for c in counts.values()) for key in next(iter(counts.values()))}
    return ok({
        "start": start.isoformat(), "end": end.isoformat(), "as_of": on.isoformat(),
        "by_type": [dict(_counts_json(counts[t]), type=t.value, label=t.label) for t in MeetingType],
        "by_convener": [dict(_counts_json(c), type=t.value, convener_label=label)
                        for t, label, c in counts_by_convener(compliance_rows(start, end, today=on))],
        "total": _counts_json(total),
    })


@route("/analysis/<month>", permission="read_all",
       summary="月度分析（月分析）：交办、办结、逾期按单位/考评组/计划举措，亮灯，红灯单位，会议落实，环比与走势",
       response=ANALYSIS_SCHEMA, tag=TAG)
def analysis(month):
    on = today()
    parsed = parse_month(month)
    if parsed is None:
        example = month_key(on.year, on.month)
        raise bad_parameter("month", f"月份“{month[:20]}”格式不正确，请按“年-月”填写，如 {example}。")
    if parsed > (on.year, on.month):
        raise ServiceError(f"{parsed[0]}年{parsed[1]}月尚未开始，只能分析本月及以前的月份。", field="month")
    return ok(month_analysis(*parsed, on))
