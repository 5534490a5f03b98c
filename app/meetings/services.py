"""Records of the cadence's meetings (纪要, 述职报告): creating one per expected meeting, decisions that become
tasks, instructions and carried-over tasks of a 旬调度, the frozen dispatch list, the month's analysis and the
quarter's results, the 考评会商's indicator completion (frozen at sign-off), last-placed units' explanations,
sign-off, reasoned amendments and attachments. Who may do each is in app.meetings.permissions; sending an item
up the ladder (周会商 → 旬调度 → 月分析) in app.meetings.escalation.

Pure of HTTP: every function takes the acting user, models and plain values, checks who may do it, changes the
rows, writes the audit entry and flushes. It never commits; a refusal raises ServiceError (Chinese) and, where
several rows are written, the writes happen inside a savepoint, so a refusal half-way leaves nothing behind.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from app.auth.models import Role
from app.core import text as limits
from app.core.audit import record_change, snapshot
from app.core.clock import today as clock_today
from app.core.clock import utcnow
from app.core.errors import Conflict, PermissionDenied, ServiceError
from app.core.periods import Xun, quarter_of
from app.core.uploads import delete_stored, removed_on_rollback, save_upload, stored_file_path
from app.extensions import db
from app.meetings.analysis import month_analysis
from app.meetings.cadence import QUARTER_NAMES
from app.meetings.labels import record_title, source_ref
from app.meetings.models import (
    REASON_MAX,
    Escalation,
    EscalationStatus,
    ItemKind,
    MeetingRecord,
    MeetingType,
    RecordAmendment,
    RecordAttachment,
    RecordItem,
    RecordStatus,
)
from app.meetings.permissions import can_edit, can_explain, can_log, can_sign, refusal_message
from app.org.models import Unit, UnitGroup
from app.scoring.criteria_scoring import completion_summary
from app.scoring.queries import assessor_unit_ids
from app.scoring.reports import quarter_report
from app.tasks.dispatch_queries import dispatch_list
from app.tasks.models import Task, TaskSource
from app.tasks.services import assign_task, validate_units

RECORD_FIELDS = ("held_on", "place", "chair", "attendees", "topics", "minutes", "comments", "status")
EDITABLE = {  # field -> (label, max length or None for a date)
    "held_on": ("会议日期", None),
    "place": ("地点", 200),
    "chair": ("主持人", 100),
    "attendees": ("参会人员", limits.ATTENDEES_MAX),
    "topics": ("议题", limits.TOPICS_MAX),
    "minutes": ("会议纪要", limits.MINUTES_MAX),
    "comments": ("领导讲评", limits.COMMENTS_MAX),
}
ONE_LINE_FIELDS = ("place", "chair")  # the others are multi-line (议题 may list several topics, one a line)
ITEM_TEXT_MAX = limits.ITEM_TEXT_MAX
TITLE_MAX = 200
MAX_DECISIONS = 50
DECISION_TYPES = (MeetingType.weekly, MeetingType.dispatch, MeetingType.monthly, MeetingType.quarterly,
                  MeetingType.consultation)
# the records whose attending units are chosen on the form (the 考评会商: the assessing units by default)
UNIT_TYPES = (MeetingType.weekly, MeetingType.consultation)


# --- helpers ------------------------------------------------------------------------------------------------

def _text(value, label, max_length, required=False, field=None):
    """A multi-line text (line breaks as LF, other control characters refused) of at most `max_length`."""
    return limits.multi_line(value, label, max_length, required=required, field=field or label)


def _record_text(name, value):
    """One of the record's EDITABLE text fields, one-line or multi-line as the field is."""
    label, max_length = EDITABLE[name]
    if name in ONE_LINE_FIELDS:
        return limits.one_line(value, label, max_length, field=name)
    return _text(value, label, max_length, field=name)


def _reason(reason):
    return limits.multi_line(reason, "修改理由", REASON_MAX, field="reason")


def _require_open_or_reason(record, reason, what="修改"):
    """A signed record changes only with a reason: returns the reason ('' for a draft)."""
    reason = _reason(reason)
    if record.is_signed and not reason:
        raise ServiceError(f"该纪要已签发锁定，{what}必须填写修改理由。", field="reason", code="locked", status=409)
    return reason if record.is_signed else ""


def _check_version(record, expected_version):
    if expected_version is None:
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        expected = None
    if expected != record.version:
        raise Conflict("该纪要已被他人修改，请刷新页面查看最新内容后再操作。")


def _touch(record):
    """Every change to a record or its items bumps its version (the optimistic lock covers them all)."""
    record.updated_at = utcnow()
    flag_modified(record, "updated_at")


def _flush():
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("该纪要刚被他人修改，您的操作未保存。请刷新页面后重试。") from None


def _amend(actor, record, reason, changed):
    record.amendments.append(RecordAmendment(record_id=record.id, reason=reason, changed=changed[:500],
                                             user_id=actor.id))


def _held_on(value, today):
    if value is None:
        raise ServiceError("请填写会议日期。", field="held_on")
    if not isinstance(value, date):
        raise ServiceError("会议日期格式不正确，请使用 2026-03-01 这样的格式。", field="held_on")
    if value > today:
        raise ServiceError(f"会议日期 {value.isoformat()} 晚于今天，请在会议召开后再填写纪要。", field="held_on")
    if value.year < 2000:
        raise ServiceError("会议日期不正确。", field="held_on")
    return value


def _plain(value):
    """Make analysis data JSON: dates as ISO text, decimals as text, enums as their value."""
    if isinstance(value, dict):
        return {str(k.value if isinstance(k, Enum) else k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _next_sort(record, kind):
    return 1 + max((i.sort_order for i in record.items if i.kind is kind), default=0)


# --- decisions ----------------------------------------------------------------------------------------------

@dataclass
class DecisionInput:
    """A decision as typed in a form: its lead unit and co-units by id."""

    text: str
    lead_unit_id: int | None
    co_unit_ids: list = field(default_factory=list)
    due_on: date | None = None
    make_task: bool = True


def _resolve_decision(data, today):
    """Check a decision before anything is written: the text, a known active lead unit, known co-units, a due
    date not in the past. Returns (text, lead_unit, co_units, due_on, make_task)."""
    if isinstance(data, dict):
        data = DecisionInput(**data)
    text = _text(data.text, "会议决定", ITEM_TEXT_MAX, required=True)
    lead_unit = None
    if data.lead_unit_id is not None:
        try:
            lead_unit = db.session.get(Unit, int(data.lead_unit_id))
        except (TypeError, ValueError):
            lead_unit = None
        if lead_unit is None:
            raise ServiceError("会议决定的牵头单位不存在，请从列表中选择。", field="lead_unit_id")
    co_units = []
    for unit_id in data.co_unit_ids or ():
        try:
            unit = db.session.get(Unit, int(unit_id))
        except (TypeError, ValueError):
            unit = None
        if unit is None:
            raise ServiceError("会议决定的配合单位中有不存在的单位，请从列表中选择。", field="co_unit_ids")
        co_units.append(unit)
    _check_decision(text, lead_unit, co_units, data.due_on, today, data.make_task)
    return text, lead_unit, co_units, data.due_on, data.make_task


def _check_decision(text, lead_unit, co_units, due_on, today, make_task):
    if lead_unit is None:
        raise ServiceError(f"请为会议决定“{text[:30]}”选择牵头单位。", field="lead_unit_id")
    validate_units(lead_unit, co_units)
    if due_on is None:
        if make_task:
            raise ServiceError(f"请为会议决定“{text[:30]}”填写完成时限。", field="due_on")
    elif due_on < today:
        raise ServiceError(f"会议决定的完成时限 {due_on.isoformat()} 早于今天，请选择今天或以后的日期。",
                           field="due_on")


ASSIGN_REFUSAL = "会议决定只能交办给召集单位或出席单位；如需交办其他单位，请联系千百十办。"


def may_assign_to(actor, expected, attending_units, unit) -> bool:
    """Whether a decision of this meeting logged by `actor` may become a task with `unit` as lead or co-unit.

    A unit's staff log their own 周会商, and a decision that becomes a task is assigned in the convener's name
    (tasks.services.assign_task, `on_behalf_of`), a right /tasks/new does not give them: so it is limited to the
    units in the room, the convening unit and the units recorded as attending (the record's 参会单位). The office
    and the city leaders, who may assign any task anyway, are not limited."""
    if actor.role is not Role.staff:
        return True
    return unit.id == expected.convener_unit_id or unit.id in {u.id for u in attending_units}


def _check_assignable(actor, expected, attending_units, lead_unit, co_units, make_task):
    """Refuse (before anything is written) a decision whose task would go to a unit the actor may not assign."""
    if not make_task:
        return  # a decision kept as a record only assigns nothing
    for unit in (lead_unit, *co_units):
        if not may_assign_to(actor, expected, attending_units, unit):
            raise PermissionDenied(f"“{unit.name}”不是本次会议的召集单位或出席单位：{ASSIGN_REFUSAL}",
                                   field="co_unit_ids" if unit is not lead_unit else "lead_unit_id")


def _task_title(text):
    first = text.split("\n", 1)[0].strip()
    return first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1] + "…"


def _write_decision(actor, record, text, lead_unit, co_units, due_on, today, make_task):
    item = RecordItem(record_id=record.id, kind=ItemKind.decision, text=text, unit_id=lead_unit.id, due_on=due_on,
                      submitted_by_id=actor.id, sort_order=_next_sort(record, ItemKind.decision))
    record.items.append(item)
    if make_task:
        expected = record.expected
        task = assign_task(actor, title=_task_title(text), content=text, lead_unit=lead_unit, co_units=co_units,
                           due_on=due_on, today=today, source=TaskSource.meeting, source_ref=source_ref(expected),
                           meeting_ref_id=record.id, on_behalf_of=expected.convener_unit)
        item.task_id = task.id
    db.session.flush()
    record_change(actor, "meeting_item.create", item, None, {
        "record_id": record.id, "kind": item.kind.value, "text": text, "unit_id": lead_unit.id,
        "co_unit_ids": [u.id for u in co_units], "due_on": due_on.isoformat() if due_on else None,
        "task_id": item.task_id})
    return item


def _require_decisions_allowed(record):
    if record.type not in DECISION_TYPES:
        raise ServiceError(f"{record.type.label}不设会议决定。", code="bad_type")


def add_decision(actor, record, text, lead_unit, co_units, due_on, today, make_task=True, reason=None):
    """A decision of the meeting (kind=decision), which becomes a task assigned in the name of the convener
    (source 会议决定, linked both ways) unless `make_task` is False. A signed record needs a reason."""
    if not can_edit(actor, record):
        raise PermissionDenied("只有会议召集方（或千百十办）可以填写会议决定。")
    _require_decisions_allowed(record)
    reason = _require_open_or_reason(record, reason, "增加会议决定")
    text = _text(text, "会议决定", ITEM_TEXT_MAX, required=True)
    _check_decision(text, lead_unit, list(co_units or ()), due_on, today, make_task)
    _check_assignable(actor, record.expected, record.units, lead_unit, list(co_units or ()), make_task)
    with db.session.begin_nested():
        item = _write_decision(actor, record, text, lead_unit, list(co_units or ()), due_on, today, make_task)
        if reason:
            _amend(actor, record, reason, f"增加会议决定：{text[:100]}")
        _touch(record)
        _flush()
    return item


def add_decisions(actor, record, decisions, today, reason=None):
    """Several decisions at once (the form's repeating fieldset): all are checked before any is written."""
    if not can_edit(actor, record):
        raise PermissionDenied("只有会议召集方（或千百十办）可以填写会议决定。")
    _require_decisions_allowed(record)
    reason = _require_open_or_reason(record, reason, "增加会议决定")
    resolved = [_resolve_decision(d, today) for d in decisions]
    if not resolved:
        raise ServiceError("请至少填写一条会议决定。", field="decisions")
    if len(resolved) > MAX_DECISIONS:
        raise ServiceError(f"一次最多填写 {MAX_DECISIONS} 条会议决定。", field="decisions")
    for _, lead_unit, co_units, _, make_task in resolved:
        _check_assignable(actor, record.expected, record.units, lead_unit, co_units, make_task)
    with db.session.begin_nested():
        items = [_write_decision(actor, record, text, lead_unit, co_units, due_on, today, make_task)
                 for text, lead_unit, co_units, due_on, make_task in resolved]
        if reason:
            _amend(actor, record, reason, f"增加会议决定 {len(items)} 条")
        _touch(record)
        _flush()
    return items


# --- other items --------------------------------------------------------------------------------------------

def snapshot_rows(record) -> list[dict]:
    """The task rows of the dispatch list a 旬调度 record froze, unit after unit (none for other records)."""
    if record.type is not MeetingType.dispatch:
        return []
    return [row for unit in (record.snapshot or {}).get("units", ()) for row in unit.get("rows", ())]


def _snapshot_task_ids(record):
    return {row["task_id"] for row in snapshot_rows(record)}


def add_instruction(actor, record, task_id, text, reason=None):
    """A vice mayor's instruction on a task of the frozen dispatch list (kind=instruction)."""
    if not can_edit(actor, record):
        raise PermissionDenied("只有副市长本人（或千百十办）可以填写调度指示。")
    if record.type is not MeetingType.dispatch:
        raise ServiceError("只有旬调度纪要有对清单事项的指示。", code="bad_type")
    reason = _require_open_or_reason(record, reason, "增加指示")
    item = _instruction_item(actor, record, task_id, text)
    if reason:
        _amend(actor, record, reason, f"增加指示：{item.text[:100]}")
    _touch(record)
    _flush()
    return item


def _instruction_item(actor, record, task_id, text):
    text = _text(text, "指示内容", ITEM_TEXT_MAX, required=True)
    try:
        task_id = int(task_id)
    except (TypeError, ValueError):
        task_id = None
    if task_id not in _snapshot_task_ids(record):
        raise ServiceError("该事项不在本旬调度清单上，请从清单中选择事项。", field="task_id")
    task = db.session.get(Task, task_id)
    item = RecordItem(record_id=record.id, kind=ItemKind.instruction, text=text, task_id=task_id,
                      unit_id=task.lead_unit_id if task else None, submitted_by_id=actor.id,
                      sort_order=_next_sort(record, ItemKind.instruction))
    record.items.append(item)
    db.session.flush()
    record_change(actor, "meeting_item.create", item, None, {
        "record_id": record.id, "kind": item.kind.value, "task_id": task_id, "text": text})
    return item


def add_visit(actor, record, text, reason=None):
    """A project visited at the quarterly review (产业项目观摩) with its note (kind=visit)."""
    if not can_edit(actor, record):
        raise PermissionDenied("只有市委书记（或千百十办）可以填写项目观摩情况。")
    if record.type is not MeetingType.quarterly:
        raise ServiceError("只有季考核纪要记录项目观摩。", code="bad_type")
    reason = _require_open_or_reason(record, reason, "增加观摩项目")
    item = _visit_item(actor, record, text)
    if reason:
        _amend(actor, record, reason, f"增加观摩项目：{item.text[:100]}")
    _touch(record)
    _flush()
    return item


def _visit_item(actor, record, text):
    text = _text(text, "观摩项目及情况", ITEM_TEXT_MAX, required=True)
    item = RecordItem(record_id=record.id, kind=ItemKind.visit, text=text, submitted_by_id=actor.id,
                      sort_order=_next_sort(record, ItemKind.visit))
    record.items.append(item)
    db.session.flush()
    record_change(actor, "meeting_item.create", item, None, {"record_id": record.id, "kind": "visit", "text": text})
    return item


def submit_explanation(actor, item, text, reason=None):
    """A last-placed unit's explanation (六、(三)), written by that unit. On a signed record only with a reason."""
    if item.kind is not ItemKind.explanation:
        raise ServiceError("这一条不是末位单位说明。", code="bad_type")
    if not can_explain(actor, item):
        raise PermissionDenied("末位说明只能由该单位填写。")
    record = item.record
    reason = _require_open_or_reason(record, reason, "修改末位说明")
    text = _text(text, "情况说明", ITEM_TEXT_MAX, required=True)
    before = {"text": item.text, "submitted_by_id": item.submitted_by_id}
    if text == item.text:
        return item
    item.text, item.submitted_by_id = text, actor.id
    if reason:
        _amend(actor, record, reason, f"修改末位说明（{item.unit.short_name if item.unit else ''}）")
    _touch(record)
    _flush()
    record_change(actor, "meeting_item.explain", item, before, {"text": text, "submitted_by_id": actor.id},
                  reason=reason or None)
    return item


# --- frozen data --------------------------------------------------------------------------------------------

def _progress_json(follow_up):
    if follow_up is None:
        return None
    return {"text": follow_up.text, "percent": follow_up.percent, "reported_on": follow_up.reported_on.isoformat()}


def freeze_dispatch(person, xun, as_of):
    """The whole dispatch list (all pages) as plain JSON, so the record never changes when the tasks do."""
    dl = dispatch_list(person, xun, as_of)
    counts = {}
    units = []
    for unit, rows in dl.units:
        out = []
        for row in rows:
            task = row.task
            if task.assigned_on > as_of:  # a record logged later: the list as it stood on the meeting day
                continue
            counts[row.light.value] = counts.get(row.light.value, 0) + 1
            out.append({
                "task_id": task.id, "title": task.title, "priority": task.priority.value,
                "state": task.state.value, "state_label": task.state.label, "is_open": task.is_open,
                "lead_unit": {"id": task.lead_unit_id, "name": task.lead_unit.name,
                              "short_name": task.lead_unit.short_name},
                "co_units": [{"id": u.id, "name": u.name, "short_name": u.short_name,
                              "progress": _progress_json(f)} for u, f in row.co_progress],
                "assigned_on": task.assigned_on.isoformat(), "due_on": task.due_on.isoformat(),
                "light": row.light.value, "light_label": row.light.label, "days_overdue": row.days_overdue,
                "stale": row.stale, "lead_progress": _progress_json(row.lead_progress),
            })
        units.append({"id": unit.id, "name": unit.name, "short_name": unit.short_name, "rows": out})
    return {
        "kind": "dispatch", "title": dl.title, "person": {"id": person.id, "name": person.name},
        "xun": xun.code, "xun_label": xun.label, "start": xun.start.isoformat(), "end": xun.end.isoformat(),
        "as_of": as_of.isoformat(), "provisional": dl.provisional, "total": sum(counts.values()),
        "light_counts": counts,
        "units": units, "frozen_at": utcnow().isoformat(),
    }


def freeze_quarter(year, quarter, evaluated_on):
    """The quarter's results from the scoring engine, reduced to ranks per group and each group's last place."""
    report = quarter_report(year, quarter, evaluated_on)
    groups = []
    for group in UnitGroup:
        rows = sorted((r for r in report["units"] if r["group"] == group.value),
                      key=lambda r: (r["rank"], r["short_name"]))
        if rows:
            groups.append({"group": group.value, "label": group.label, "units": [
                {"unit_id": r["unit_id"], "name": r["name"], "short_name": r["short_name"], "rank": r["rank"],
                 "total": r["total"], "final": r["final"], "complete": r["complete"]} for r in rows]})
    return {
        "kind": "quarterly", "year": year, "quarter": quarter, "status": report.get("status"),
        "evaluated_on": report["evaluated_on"], "complete": report["complete"],
        "rule_version": report.get("rule_version"), "groups": groups,
        "last_placed": [dict(lp, groups=list(lp["groups"]), unit_ids=list(lp["unit_ids"]))
                        for lp in report["last_placed"]],
    }


def freeze_month(year, month, as_of):
    return _plain(month_analysis(year, month, as_of))


def _short_row(entry):
    """One unit short of target, from the summary's (unit name, completion, shortfall) or a dict of the same."""
    if isinstance(entry, dict):
        unit, completion, shortfall = entry.get("unit"), entry.get("completion"), entry.get("shortfall")
    else:
        values = list(entry) + [None, None, None]
        unit, completion, shortfall = values[:3]
    return {"unit": "" if unit is None else str(unit), "completion": _plain(completion),
            "shortfall": _plain(shortfall)}


def consultation_snapshot(year, quarter, summary, as_of):
    """The 考评会商's indicator completion of the quarter as plain JSON: per assessor its indicators, and for each
    the units short of target with their completion and shortfall (`completion_summary`'s shape, tuples as
    dicts). What a draft shows live and what sign-off freezes into the record."""
    assessors = []
    for entry in summary or ():
        indicators = []
        for indicator in entry.get("indicators", ()):
            units = indicator.get("units")
            indicators.append({
                "code": str(indicator.get("code") or ""), "name": str(indicator.get("name") or ""),
                "units": len(units) if isinstance(units, (list, tuple, set)) else _plain(units),
                "short": [_short_row(row) for row in indicator.get("short", ())]})
        assessors.append({"assessor": str(entry.get("assessor") or ""),
                          "label": str(entry.get("label") or entry.get("assessor") or ""),
                          "indicators": indicators})
    return {"kind": "consultation", "year": year, "quarter": quarter,
            "label": f"{year}年第{QUARTER_NAMES.get(quarter, quarter)}季度", "as_of": as_of.isoformat(),
            "assessors": assessors, "short_total": sum(len(i["short"]) for a in assessors for i in a["indicators"]),
            "frozen_at": utcnow().isoformat()}


def consultation_quarter(expected):
    """(year, quarter) a 考评会商 consults on: its period's."""
    return expected.period_start.year, quarter_of(expected.period_start)


def consultation_completion(expected, as_of):
    """The quarter's indicator completion as it stands now (app.scoring.criteria_scoring.completion_summary)."""
    year, quarter = consultation_quarter(expected)
    return consultation_snapshot(year, quarter, completion_summary(year, quarter), as_of)


def assessing_units(year):
    """The units that assess under the year's rules (assessors and sub-item assessors), in the organisation's
    order: the 考评会商's attendees unless the office picks others."""
    ids = assessor_unit_ids(year)
    if not ids:
        return []
    return db.session.scalars(sa.select(Unit).where(Unit.id.in_(sorted(ids)))
                              .order_by(Unit.sort_order, Unit.id)).all()


# --- creating a record --------------------------------------------------------------------------------------

@dataclass
class RecordInput:
    """What a record form sends; which fields count depends on the meeting type."""

    held_on: date | None = None
    place: str = ""
    chair: str = ""
    attendees: str = ""
    topics: str = ""
    minutes: str = ""
    comments: str = ""
    unit_ids: list = field(default_factory=list)  # 周会商, 考评会商: attending units
    decisions: list = field(default_factory=list)  # [DecisionInput | dict]
    instructions: list = field(default_factory=list)  # 旬调度: [(task_id, text)]
    visits: list = field(default_factory=list)  # 季考核: [text]


def _fields(data: RecordInput, record_type):
    values = {}
    for name, (_label, max_length) in EDITABLE.items():
        if max_length is None:
            continue
        values[name] = _record_text(name, getattr(data, name, ""))
    if record_type is MeetingType.semiannual and not values["minutes"]:
        raise ServiceError("请填写述职报告正文。", field="minutes")
    return values


def _units(unit_ids):
    units = []
    for unit_id in dict.fromkeys(unit_ids or ()):
        try:
            unit = db.session.get(Unit, int(unit_id))
        except (TypeError, ValueError):
            unit = None
        if unit is None:
            raise ServiceError("参会单位中有不存在的单位，请从列表中选择。", field="unit_ids")
        units.append(unit)
    return units


def create_record(actor, expected, data: RecordInput, today: date):
    """Log the record of an expected meeting (one each). Everything is checked before anything is written;
    the frozen data (dispatch list, month's analysis, quarter's results) is taken now. Open escalations aimed
    at this meeting become its items (kind=escalated)."""
    if expected is None:
        raise ServiceError("会议不存在。", status=404, code="not_found")
    if expected.is_cancelled:
        raise ServiceError("该会议已取消，不能填写纪要。", code="cancelled", status=409)
    if not can_log(actor, expected):
        raise PermissionDenied(refusal_message(expected))
    if expected.record is not None:
        raise Conflict(f"{record_title(expected)}已经填写过了，不能重复填写；如需补充，请打开已有纪要修改。",
                       code="duplicate")
    data = data if isinstance(data, RecordInput) else RecordInput(**data)
    held_on = _held_on(data.held_on, today)
    values = _fields(data, expected.type)
    units = _units(data.unit_ids) if expected.type in UNIT_TYPES else []
    if expected.type is MeetingType.consultation and not units:
        units = assessing_units(expected.period_start.year)
    decisions = [_resolve_decision(d, today) for d in data.decisions]
    if decisions and expected.type not in DECISION_TYPES:
        raise ServiceError(f"{expected.type.label}不设会议决定。", field="decisions")
    if len(decisions) > MAX_DECISIONS:
        raise ServiceError(f"一次最多填写 {MAX_DECISIONS} 条会议决定。", field="decisions")
    for _, lead_unit, co_units, _, make_task in decisions:
        _check_assignable(actor, expected, units, lead_unit, co_units, make_task)
    if data.instructions and expected.type is not MeetingType.dispatch:
        raise ServiceError("只有旬调度纪要有对清单事项的指示。", field="instructions")
    if data.visits and expected.type is not MeetingType.quarterly:
        raise ServiceError("只有季考核纪要记录项目观摩。", field="visits")

    snap = _frozen_data(expected, held_on)
    try:
        with db.session.begin_nested():
            record = MeetingRecord(expected=expected, type=expected.type, held_on=held_on, snapshot=snap,
                                   status=RecordStatus.draft, created_by_id=actor.id, units=units, **values)
            db.session.add(record)
            db.session.flush()
            record_change(actor, "meeting_record.create", record, None,
                          dict(snapshot(record, RECORD_FIELDS), expected_id=expected.id, type=expected.type.value,
                               unit_ids=[u.id for u in units]))
            for text, lead_unit, co_units, due_on, make_task in decisions:
                _write_decision(actor, record, text, lead_unit, co_units, due_on, today, make_task)
            if expected.type is MeetingType.dispatch:
                for task_id, text in data.instructions:
                    _instruction_item(actor, record, task_id, text)
                _carry_over(actor, record)
            if expected.type is MeetingType.quarterly:
                for text in data.visits:
                    _visit_item(actor, record, text)
                _explanation_items(record)
            _take_up_escalations(actor, record)
            db.session.flush()
    except IntegrityError:
        # Someone logged the same meeting at the same moment: the unique expected_id refused the second row.
        if db.session.scalar(sa.select(MeetingRecord.id).where(MeetingRecord.expected_id == expected.id)) is None:
            raise
        raise Conflict(f"{record_title(expected)}已经由他人填写，不能重复填写。请刷新页面查看。",
                       code="duplicate") from None
    return record


def _frozen_data(expected, held_on):
    start = expected.period_start
    if expected.type is MeetingType.dispatch:
        if expected.convener_person is None:
            raise ServiceError("该旬调度没有召集的副市长，无法生成调度清单。")
        return freeze_dispatch(expected.convener_person, Xun.of(start), held_on)
    if expected.type is MeetingType.monthly:
        return freeze_month(start.year, start.month, held_on)
    if expected.type is MeetingType.quarterly:
        return freeze_quarter(start.year, quarter_of(start), held_on)
    return None


def _carry_over(actor, record):
    """Every task on the frozen list still open at the meeting goes on to the next 旬 (kind=carry_over)."""
    open_rows = [row for row in snapshot_rows(record) if row["is_open"]]
    for order, row in enumerate(open_rows, start=1):
        record.items.append(RecordItem(
            record_id=record.id, kind=ItemKind.carry_over, text=row["title"], task_id=row["task_id"],
            unit_id=row["lead_unit"]["id"], due_on=date.fromisoformat(row["due_on"]), sort_order=order))


def _explanation_items(record):
    """One item per last-placed unit of each group, for that unit to write its explanation into."""
    order = 0
    seen = set()
    for entry in (record.snapshot or {}).get("last_placed", ()):
        for unit_id in entry["unit_ids"]:
            if unit_id in seen:
                continue
            seen.add(unit_id)
            order += 1
            record.items.append(RecordItem(record_id=record.id, kind=ItemKind.explanation, text="",
                                           unit_id=unit_id, sort_order=order))


def _take_up_escalations(actor, record):
    escalations = db.session.scalars(sa.select(Escalation).where(
        Escalation.target_id == record.expected_id, Escalation.status == EscalationStatus.open)
        .order_by(Escalation.id)).all()
    for order, escalation in enumerate(escalations, start=1):
        source = escalation.item
        item = RecordItem(record_id=record.id, kind=ItemKind.escalated, text=source.text, task_id=source.task_id,
                          unit_id=source.unit_id, due_on=source.due_on, escalated_from_id=source.id,
                          submitted_by_id=escalation.created_by_id, sort_order=order)
        record.items.append(item)
        db.session.flush()
        escalation.status, escalation.taken_up_item_id = EscalationStatus.taken_up, item.id
        record_change(actor, "meeting_escalation.take_up", escalation, {"status": "open"},
                      {"status": "taken_up", "taken_up_item_id": item.id, "record_id": record.id})


# --- editing, sign-off, amendment ---------------------------------------------------------------------------

def update_record(actor, record, data: dict, reason=None, expected_version=None):
    """Change the record's text fields (and, for 周会商, the attending units). A signed record changes only with
    a reason, kept as an amendment beside the record. The frozen data never changes."""
    _check_version(record, expected_version)
    if not can_edit(actor, record):
        raise PermissionDenied("只有会议召集方（或千百十办）可以修改纪要。")
    reason = _require_open_or_reason(record, reason)
    before = snapshot(record, RECORD_FIELDS)
    before_units = [u.id for u in record.units]
    values = {}
    for name, (_label, max_length) in EDITABLE.items():
        if name not in data:
            continue
        if max_length is None:
            values[name] = _held_on(data[name], date.max)  # a later edit need not re-check "not in the future"
        else:
            values[name] = _record_text(name, data[name])
    if record.type is MeetingType.semiannual and "minutes" in values and not values["minutes"]:
        raise ServiceError("请填写述职报告正文。", field="minutes")
    units = _units(data["unit_ids"]) if "unit_ids" in data and record.type in UNIT_TYPES else None
    if units is not None and not units and record.type is MeetingType.consultation:
        raise ServiceError("请选择参加会商的考评单位。", field="unit_ids")
    changed = [EDITABLE[k][0] for k, v in values.items() if getattr(record, k) != v]
    if units is not None and [u.id for u in units] != before_units:
        changed.append("参会单位")
    if not changed:
        if reason:
            raise ServiceError("没有修改任何内容。", code="unchanged")
        return record
    for name, value in values.items():
        setattr(record, name, value)
    if units is not None:
        record.units = units
    if reason:
        _amend(actor, record, reason, "、".join(changed))
    _touch(record)
    _flush()
    after = snapshot(record, RECORD_FIELDS)
    keys = [k for k in after if before.get(k) != after[k]]
    extra_before, extra_after = ({"unit_ids": before_units}, {"unit_ids": [u.id for u in record.units]}) \
        if units is not None and "参会单位" in changed else ({}, {})
    record_change(actor, "meeting_record.amend" if reason else "meeting_record.update", record,
                  dict({k: before[k] for k in keys}, **extra_before), dict({k: after[k] for k in keys}, **extra_after),
                  reason=reason or None)
    return record


def sign_off(actor, record, expected_version=None):
    """签发: the convener locks the record; later changes need a reason. A 考评会商 freezes the quarter's
    indicator completion into the record now (its draft showed it live)."""
    _check_version(record, expected_version)
    if record.is_signed:
        raise ServiceError("该纪要已经签发。", code="signed", status=409)
    if not can_sign(actor, record):
        raise PermissionDenied("只有会议召集方（或千百十办）可以签发纪要。")
    record.status, record.signed_by_id, record.signed_at = RecordStatus.signed, actor.id, utcnow()
    after = {"status": "signed", "signed_at": record.signed_at.isoformat()}
    if record.type is MeetingType.consultation:
        record.snapshot = consultation_completion(record.expected, clock_today())
        after["completion_frozen"] = {"assessors": len(record.snapshot["assessors"]),
                                      "short": record.snapshot["short_total"]}
    _touch(record)
    _flush()
    record_change(actor, "meeting_record.sign", record, {"status": "draft"}, after)
    return record


# --- attachments --------------------------------------------------------------------------------------------

def store_attachment(actor, record, file_storage, reason=None):
    """A file attached to the record (述职 materials, a scan of signed minutes), checked and stored like task
    evidence. Only the convener's side (for 半年述职: the reporter's unit) attaches; a signed record needs a
    reason."""
    if not can_edit(actor, record):
        raise PermissionDenied("只有述职人所在单位可以上传述职材料。" if record.type is MeetingType.semiannual
                               else "只有会议召集方（或千百十办）可以上传附件。")
    reason = _require_open_or_reason(record, reason, "增加附件")
    saved = save_upload(file_storage)
    try:
        attachment = RecordAttachment(record_id=record.id, filename=saved.filename, stored_name=saved.stored_name,
                                      content_type=saved.content_type, size=saved.size, uploaded_by_id=actor.id)
        record.attachments.append(attachment)
        if reason:
            _amend(actor, record, reason, f"增加附件：{saved.filename}")
        _touch(record)
        _flush()
        record_change(actor, "meeting_attachment.upload", attachment, None, {
            "record_id": record.id, "filename": saved.filename, "size": saved.size, "sha256": saved.sha256,
            "stored_name": saved.stored_name})
    except Exception:
        delete_stored(saved.stored_name)
        raise
    removed_on_rollback(saved.stored_name)
    return attachment


def attachment_path(attachment):
    return stored_file_path(attachment)  # the same storage rules: only names this app made, inside the folder
