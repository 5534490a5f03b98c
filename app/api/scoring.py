"""API of the assessment (考评): the rule set of a year, entering and reading component scores, quarterly and
annual results, the task-by-task explanation of the 千百十办 component, and finalizing / reopening a quarter.

The views parse and validate, call one service of the scoring package (`entries.enter_scores`,
`services.finalize_quarter`, `services.reopen_quarter`) and commit; the rules stay in the services. Who sees
what: the office, city leaders and observers see every unit; a unit's staff see the cells their unit enters and
their own unit's scores, results and explanation (another unit's explanation is a 404).
Scores travel as decimal strings with two places ("24.50"); numbers in requests may be JSON numbers or strings.
"""

import json
from decimal import Decimal

from flask import g, request

from app.api.base import ok, route
from app.api.params import (
    DATE_EXAMPLE,
    arg_date,
    choices,
    json_body,
    not_found,
    parse_iso_date,
    renamed_fields,
    text_field,
)
from app.api.schemas import DATE, DATETIME, USER_REF, enum_schema, nullable, query_param, user_ref
from app.core.clock import today
from app.core.errors import PermissionDenied, ServiceError
from app.core.permissions import allowed
from app.extensions import db
from app.scoring import engine, queries, services
from app.scoring.entries import EntryItem, cells_for_enterer, enter_scores
from app.scoring.models import QuarterStatus
from app.scoring.quarters import quarter_state
from app.scoring.reports import quarter_report, year_report
from app.scoring.year_rules import assessed_units, load_year_rules

TAG = "考评"
MAX_ITEMS = 2000
NOTE_MAX = 1000
SUB_ITEM_MAX = 32
REASON_MAX = 2000
ITEM_FIELDS = {"unit_id", "assessor", "sub_item", "value", "note"}


# --- OpenAPI schemas ----------------------------------------------------------------------------------------

QUARTER_STATUS = enum_schema(QuarterStatus)
SCORE = {"type": "string", "pattern": r"^\d+\.\d{2}$", "description": "两位小数的得分，如 24.50"}
ASSESSOR = enum_schema(engine.Assessor, "考评单位代码：" + choices(engine.Assessor))
AS_OF = query_param("as_of", DATE, f"交办事项得分的评价日期（ISO 8601，如 {DATE_EXAMPLE}）；缺省为今天。"
                                   "已审定的季度返回审定时的结果")

RULES_SCHEMA = {
    "type": "object",
    "properties": {
        "year": {"type": "integer"},
        "saved": {"type": "boolean", "description": "false：本年度规则尚未建立，显示的是将要沿用的规则"},
        "version": nullable({"type": "integer"}), "rule_set_id": nullable({"type": "integer"}),
        "note": nullable({"type": "string"}), "created_at": nullable(DATETIME),
        "created_by": USER_REF,
        "data": {"type": "object", "description": "rules（规则）、unit_profiles（单位 id → 得分构成）、"
                                                  "assessor_units（考评单位代码 → 单位 id）、sub_item_assessors"},
    },
}
CELL_SCHEMA = {
    "type": "object",
    "properties": {
        "unit_id": {"type": "integer"}, "unit_name": {"type": "string"}, "short_name": {"type": "string"},
        "assessor": ASSESSOR, "assessor_label": {"type": "string"},
        "sub_item": {"type": "string", "description": "细项代码；整项录入时为空文本"},
        "sub_item_name": nullable({"type": "string"}), "maximum": SCORE,
        "value": nullable(SCORE), "note": nullable({"type": "string"}), "entered_by": USER_REF,
        "updated_at": nullable(DATETIME),
        "editable": {"type": "boolean", "description": "当前账号可以录入或修改该项"},
    },
}
ENTRIES_SCHEMA = {
    "type": "object",
    "properties": {
        "year": {"type": "integer"}, "quarter": {"type": "integer"},
        "status": QUARTER_STATUS, "rule_version": nullable({"type": "integer"}),
        "items": {"type": "array", "items": CELL_SCHEMA},
    },
}
ENTRY_BODY = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS, "items": {
        "type": "object",
        "required": ["unit_id", "assessor", "value"],
        "additionalProperties": False,
        "properties": {
            "unit_id": {"type": "integer", "description": "被考评单位 id"},
            "assessor": ASSESSOR,
            "sub_item": {"type": "string", "maxLength": SUB_ITEM_MAX, "description": "细项代码（有考评细则时）"},
            "value": {"oneOf": [{"type": "number", "multipleOf": 0.01, "minimum": 0}, {"type": "string"}],
                      "description": "得分：0 到该项满分，最多两位小数"},
            "note": {"type": "string", "maxLength": NOTE_MAX, "description": "扣分说明；未给满分时必填"},
        },
    }}},
}
ENTRY_RESULT_SCHEMA = {
    "type": "object",
    "properties": {"changed": {"type": "integer", "description": "实际改变的得分项数"},
                   "items": {"type": "array", "items": CELL_SCHEMA}},
}
OFFICE_LINE_SCHEMA = {
    "type": "object",
    "properties": {
        "task_id": {"type": "integer"}, "title": nullable({"type": "string"}), "is_lead": {"type": "boolean"},
        "priority": enum_schema(engine.Priority), "priority_label": {"type": "string"},
        "due_on": DATE, "completed_on": nullable(DATE),
        "outcome": enum_schema(engine.TaskOutcome), "outcome_label": {"type": "string"},
        "weight": {"type": "string"}, "credit": {"type": "string"}, "contribution": SCORE,
        "explanation": {"type": "string"},
    },
}
OFFICE_SCHEMA = nullable({
    "type": "object",
    "properties": {"value": SCORE, "maximum": SCORE, "has_tasks": {"type": "boolean"},
                   "weight_total": {"type": "string"}, "earned": {"type": "string"}},
})
QUARTER_ROW_SCHEMA = {
    "type": "object",
    "properties": {
        "unit_id": {"type": "integer"}, "name": {"type": "string"}, "short_name": {"type": "string"},
        "group": {"type": "string"}, "profile": {"type": "string"},
        "components": {"type": "object", "additionalProperties": SCORE, "description": "考评单位代码 → 得分"},
        "maxima": {"type": "object", "additionalProperties": SCORE},
        "missing": {"type": "array", "items": {"type": "string"}, "description": "未录入的项（按0分计）"},
        "complete": {"type": "boolean"}, "total": SCORE, "final": SCORE,
        "blended_from": nullable({"type": "integer"}), "source_score": nullable(SCORE),
        "rank": {"type": "integer"}, "office": OFFICE_SCHEMA,
    },
}
QUARTER_SCHEMA = {
    "type": "object",
    "properties": {
        "year": {"type": "integer"}, "quarter": {"type": "integer"},
        "status": QUARTER_STATUS, "evaluated_on": DATE, "as_of": DATE,
        "rule_set_id": nullable({"type": "integer"}), "rule_version": nullable({"type": "integer"}),
        "complete": {"type": "boolean"}, "units": {"type": "array", "items": QUARTER_ROW_SCHEMA},
        "last_placed": {"type": "array", "items": {"type": "object"}},
        "finalized_at": {"type": "string", "format": "date-time", "description": "仅已审定的季度"},
        "entries": {"type": "array", "items": {"type": "object"}, "description": "仅已审定的季度：审定时的录入"},
    },
}
EXPLANATION_SCHEMA = {
    "type": "object",
    "properties": {
        "year": {"type": "integer"}, "quarter": {"type": "integer"},
        "status": QUARTER_STATUS, "evaluated_on": DATE,
        "unit": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                                  "short_name": {"type": "string"}}},
        "components": {"type": "object", "additionalProperties": SCORE},
        "maxima": {"type": "object", "additionalProperties": SCORE},
        "total": SCORE, "final": SCORE, "complete": {"type": "boolean"},
        "settings": {"type": "object", "properties": {
            "weights": {"type": "object", "additionalProperties": {"type": "string"}},
            "late_credit": {"type": "string"}, "include_co_units": {"type": "boolean"}}},
        "office": nullable(dict(OFFICE_SCHEMA, properties=dict(
            OFFICE_SCHEMA["properties"], lines={"type": "array", "items": OFFICE_LINE_SCHEMA}))),
        "formula": {"type": "string"},
    },
}
YEAR_SCHEMA = {
    "type": "object",
    "properties": {
        "year": {"type": "integer"}, "evaluated_on": DATE, "as_of": DATE, "province_first": {"type": "boolean"},
        "quarter_status": {"type": "object", "additionalProperties": {"type": "string",
                                                                      "enum": ["open", "finalized", "future"]}},
        "units": {"type": "array", "items": {"type": "object", "properties": {
            "unit_id": {"type": "integer"}, "name": {"type": "string"}, "group": {"type": "string"},
            "quarters": {"type": "array", "items": nullable(SCORE)}, "annual": SCORE, "score": SCORE,
            "rank": {"type": "integer"}, "points": SCORE, "deduction": nullable(SCORE),
            "grade": nullable({"type": "string"}), "grade_label": nullable({"type": "string"}),
            "awarded": {"type": "boolean"}, "complete": {"type": "boolean"}}}},
        "quotas": {"type": "object"}, "complete": {"type": "boolean"},
        "rule_version": nullable({"type": "integer"}),
    },
}
FINALIZE_BODY = {"type": "object", "required": ["evaluated_on", "approved_on", "doc_number"], "properties": {
    "evaluated_on": dict(DATE, description="交办事项得分的评价日期：不早于季度第一天，不晚于今天"),
    "approved_on": dict(DATE, description="领导小组审定的日期：不早于季度最后一天，不晚于今天"),
    "doc_number": {"type": "string", "maxLength": 100, "description": "审定文号，如 潭千百十〔2026〕5号"}}}
REOPEN_BODY = {"type": "object", "required": ["reason"], "properties": {
    "reason": {"type": "string", "maxLength": REASON_MAX, "description": "重新打开的理由（必填）"}}}
REOPEN_RESULT_SCHEMA = {
    "type": "object",
    "properties": {"year": {"type": "integer"}, "quarter": {"type": "integer"}, "status": {"type": "string"},
                   "reopenings": {"type": "array", "items": {"type": "object", "properties": {
                       "reason": {"type": "string"}, "by": USER_REF,
                       "at": DATETIME}}}},
}


# --- helpers ------------------------------------------------------------------------------------------------

def _period(year, quarter=None):
    """The year (and quarter) of the path, or 404: no other periods exist."""
    if not 2000 <= year <= 2100:
        raise not_found("年份应在 2000 到 2100 之间。")
    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise not_found("季度应为 1 到 4。")


def _scope():
    """None when the caller sees every unit (office, leaders, observers); else the caller's own unit id."""
    user = g.api_user
    if allowed(user, "read_all"):
        return None
    if allowed(user, "unit_member"):
        return user.unit_id
    raise PermissionDenied("您的账号没有所属单位，无法查看考评得分。")


def _as_of():
    return arg_date("as_of", "评价日期") or today()


def _exact_json():
    """The JSON object with its decimal numbers as Decimal, so that 24.555 is not silently read as a float."""
    json_body()  # the shared checks and their messages

    def refuse_constant(name):
        raise ValueError(name)

    try:
        return json.loads(request.get_data(), parse_float=Decimal, parse_constant=refuse_constant)
    except ValueError:
        raise ServiceError("请求体不是有效的 JSON（不支持 NaN、Infinity）。", code="bad_json", status=400) from None


def _d(value):
    return None if value is None else str(engine.quantize_score(Decimal(value)))


# --- the rule set -------------------------------------------------------------------------------------------

@route("/scoring/<int:year>/rules", summary="年度考评规则（当前版本；尚未建立时为将沿用的规则）",
       response=RULES_SCHEMA, tag=TAG)
def scoring_rules(year):
    _period(year)
    rules = load_year_rules(year)
    version = rules.version
    return ok({
        "year": year, "saved": rules.saved,
        "version": version.version if version else None, "rule_set_id": version.id if version else None,
        "note": version.note if version else None,
        "created_at": version.created_at.isoformat() if version else None,
        "created_by": user_ref(version.created_by) if version else None,
        "data": rules.to_data(),
    })


# --- entries ------------------------------------------------------------------------------------------------

def _cells(year_rules, scope, user):
    """(unit, assessor, sub_item, maximum) of the entered cells the caller sees, in table order: every cell for
    the office and leaders; for staff, the cells their unit enters and then those of their own unit."""
    units = [u for u in assessed_units() if u.id in year_rules.unit_profiles]
    if scope is None:
        return [(u, a, s, m) for u in units for a, s, m, computed in year_rules.entry_cells(u.id) if not computed]
    cells = cells_for_enterer(year_rules, user.unit_id, units)
    seen = {(u.id, a, s) for u, a, s, _ in cells}
    own = next((u for u in units if u.id == scope), None)
    if own is not None:
        cells += [(own, a, s, m) for a, s, m, computed in year_rules.entry_cells(own.id)
                  if not computed and (own.id, a, s) not in seen]
    return cells


def _sub_item_name(year_rules, unit_id, assessor, sub_item):
    if not sub_item:
        return None
    comp = year_rules.profile_of(unit_id).component(assessor)
    return next((s.name for s in comp.sub_items if s.code == sub_item), None) if comp else None


def _cell_json(year_rules, cell, entry, editable):
    unit, assessor, sub_item, maximum = cell
    return {
        "unit_id": unit.id, "unit_name": unit.name, "short_name": unit.short_name,
        "assessor": assessor, "assessor_label": engine.assessor_label(assessor),
        "sub_item": sub_item, "sub_item_name": _sub_item_name(year_rules, unit.id, assessor, sub_item),
        "maximum": _d(maximum),
        "value": _d(entry.value) if entry else None, "note": entry.note if entry else None,
        "entered_by": user_ref(entry.entered_by) if entry else None,
        "updated_at": entry.updated_at.isoformat() if entry else None,
        "editable": editable,
    }


def _entries_json(year, quarter, only=None):
    """The cells the caller sees with their current entries (`only`: just these (unit, assessor, sub_item))."""
    user, scope = g.api_user, _scope()
    year_rules = load_year_rules(year)
    state = quarter_state(year, quarter)
    finalized = state is not None and state.is_finalized
    entries = queries.quarter_entries(year, quarter)
    items = []
    for cell in _cells(year_rules, scope, user):
        key = (cell[0].id, cell[1], cell[2])
        if only is not None and key not in only:
            continue
        editable = not finalized and user.unit_id is not None and \
            year_rules.enterer_of(cell[1], cell[2]) == user.unit_id and allowed(user, "unit_member")
        items.append(_cell_json(year_rules, cell, entries.get(key), editable))
    return {"year": year, "quarter": quarter, "status": "finalized" if finalized else "open",
            "rule_version": year_rules.version.version if year_rules.version else None, "items": items}


@route("/scoring/<int:year>/q/<int:quarter>/entries",
       summary="季度得分录入情况（单位工作人员：本单位负责录入的项和本单位的得分；千百十办、市领导、观察员：全部）",
       response=ENTRIES_SCHEMA, tag=TAG)
def scoring_entries(year, quarter):
    _period(year, quarter)
    return ok(_entries_json(year, quarter))


def _item(index, raw, problems):
    """One item of the body as an EntryItem, or None after adding its problems (Chinese, numbered)."""
    where = f"第 {index} 项"
    if not isinstance(raw, dict):
        problems.append(f"{where}必须是 JSON 对象。")
        return None
    before = len(problems)
    unknown = sorted(set(raw) - ITEM_FIELDS)
    if unknown:
        problems.append(f"{where}含有不支持的字段：{'、'.join(str(k)[:20] for k in unknown[:5])}"
                        f"（可用：unit_id、assessor、sub_item、value、note）。")
    unit_id = raw.get("unit_id")
    if unit_id is None:
        problems.append(f"{where}：请填写被考评单位（unit_id）。")
    elif isinstance(unit_id, bool) or not isinstance(unit_id, int) or unit_id < 1:
        problems.append(f"{where}：被考评单位（unit_id）必须是正整数。")
    assessor = raw.get("assessor")
    codes = {a.value for a in engine.Assessor}
    if assessor is None or assessor == "":
        problems.append(f"{where}：请填写考评单位代码（assessor）。")
    elif not isinstance(assessor, str) or assessor not in codes:
        problems.append(f"{where}：未知的考评单位代码“{str(assessor)[:20]}”（assessor），可选："
                        + "、".join(f"{a.value}（{a.label}）" for a in engine.Assessor) + "。")
    sub_item = raw.get("sub_item")
    if sub_item is None:
        sub_item = ""
    elif not isinstance(sub_item, str) or len(sub_item.strip()) > SUB_ITEM_MAX:
        problems.append(f"{where}：细项代码（sub_item）必须是不超过 {SUB_ITEM_MAX} 个字符的文本。")
    value = raw.get("value")
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(f"{where}：请填写得分（value）。")
    elif isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        problems.append(f"{where}：得分（value）必须是数字或数字文本，如 24.5 或 \"24.50\"。")
    note = raw.get("note")
    if note is not None and (not isinstance(note, str) or len(note.strip()) > NOTE_MAX):
        problems.append(f"{where}：扣分说明（note）必须是不超过 {NOTE_MAX} 个字符的文本。")
    if len(problems) > before:
        return None
    return EntryItem(unit_id=unit_id, assessor=assessor, sub_item=sub_item.strip(), value=value,
                              note=note)


def _problems(problems):
    shown = "；".join(problems[:20]) + ("……" if len(problems) > 20 else "")
    return ServiceError("得分未保存：" + shown, field="items")


@route("/scoring/<int:year>/q/<int:quarter>/entries", method="POST", permission="unit_member",
       summary="录入或修改季度得分（考评单位；全部通过才保存，任何一项有误则都不保存；已审定的季度返回 409）",
       body=ENTRY_BODY, response=ENTRY_RESULT_SCHEMA, tag=TAG, conflict="该季度已审定，不能再修改得分")
def scoring_entries_save(year, quarter):
    _period(year, quarter)
    data = _exact_json()
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise ServiceError("请在 items 中提交至少一项得分（unit_id、assessor、value，未给满分时加 note）。",
                           field="items")
    if len(raw_items) > MAX_ITEMS:
        raise ServiceError(f"一次最多提交 {MAX_ITEMS} 项得分。", field="items")
    problems = []
    items = [_item(i, raw, problems) for i, raw in enumerate(raw_items, start=1)]
    if problems:
        raise _problems(problems)
    with renamed_fields(scores="items"):
        changed = enter_scores(g.api_user, year, quarter, items)
    db.session.commit()
    keys = {(i.unit_id, i.assessor, i.sub_item) for i in items}
    return ok({"changed": changed, "items": _entries_json(year, quarter, only=keys)["items"]})


# --- quarterly results --------------------------------------------------------------------------------------

def _visible_report(report, scope):
    """The report as the caller may see it: staff get their own unit's row (and its entries) only."""
    report = dict(report)
    if scope is None:
        return report
    report["units"] = [r for r in report["units"] if r["unit_id"] == scope]
    report["last_placed"] = [dict(lp, unit_ids=[scope]) for lp in report.get("last_placed", ())
                             if scope in lp["unit_ids"]]
    if "entries" in report:
        report["entries"] = [e for e in report["entries"] if e["unit_id"] == scope]
    return report


@route("/scoring/<int:year>/q/<int:quarter>", parameters=[AS_OF],
       summary="季度考评结果：各单位各项得分、季度得分、最终得分、组内名次（单位工作人员只看到本单位）",
       response=QUARTER_SCHEMA, tag=TAG)
def scoring_quarter(year, quarter):
    _period(year, quarter)
    scope, as_of = _scope(), _as_of()
    report = quarter_report(year, quarter, as_of)
    return ok(dict(_visible_report(report, scope), as_of=as_of.isoformat()))


def _line_json(line, tasks, unit_id):
    task = tasks.get(line["task_id"])
    priority, outcome = engine.Priority(line["priority"]), engine.TaskOutcome(line["outcome"])
    return {
        "task_id": line["task_id"], "title": task.title if task else None,
        "is_lead": task.lead_unit_id == unit_id if task else True,
        "priority": priority.value, "priority_label": priority.label,
        "due_on": line["due_on"], "completed_on": line["completed_on"],
        "outcome": outcome.value, "outcome_label": outcome.label,
        "weight": line["weight"], "credit": line["credit"], "contribution": line["contribution"],
        "explanation": f"{priority.label}事项（权重 {line['weight']}），时限 {line['due_on']}，"
                       + (f"{line['completed_on']} 完成，" if line["completed_on"] else "")
                       + f"{outcome.label}（系数 {line['credit']}），计 {line['contribution']} 分",
    }


def _task_settings(report):
    """The task settings of the rules the report was computed with (the frozen version once finalized)."""
    rules = queries.report_rules(report)
    return {"weights": {str(p): str(w) for p, w in rules.tasks.weights.items()},
            "late_credit": str(rules.tasks.late_credit), "include_co_units": rules.tasks.include_co_units}


@route("/scoring/<int:year>/q/<int:quarter>/units/<int:unit_id>/explanation", parameters=[AS_OF],
       summary="某单位季度得分的说明：千百十办交办事项得分逐项计算（单位工作人员只能查看本单位）",
       response=EXPLANATION_SCHEMA, tag=TAG)
def scoring_explanation(year, quarter, unit_id):
    _period(year, quarter)
    scope, as_of = _scope(), _as_of()
    if scope is not None and scope != unit_id:
        raise not_found("该单位的考评结果不存在，或您无权查看。")
    report = quarter_report(year, quarter, as_of)
    row = next((r for r in report["units"] if r["unit_id"] == unit_id), None)
    if row is None:
        raise not_found("该单位的考评结果不存在，或您无权查看。")
    office = row.get("office")
    if office is not None:
        ids = [line["task_id"] for line in office["lines"]]
        tasks = queries.tasks_by_id(ids)
        office = dict(office, lines=[_line_json(line, tasks, unit_id) for line in office["lines"]])
    return ok({
        "year": year, "quarter": quarter, "status": report["status"], "evaluated_on": report["evaluated_on"],
        "unit": {"id": row["unit_id"], "name": row["name"], "short_name": row["short_name"]},
        "components": row["components"], "maxima": row["maxima"], "missing": row["missing"],
        "complete": row["complete"], "total": row["total"], "final": row["final"],
        "blended_from": row["blended_from"], "source_score": row["source_score"],
        "settings": _task_settings(report), "office": office,
        "formula": "千百十办交办事项得分 = 满分 × Σ(权重 × 系数) ÷ Σ权重；没有到期事项的得满分。"
                   "权重：一般 1、重点 2（以年度规则为准）；系数：按期办结 1、逾期办结按规则（默认 0.5）、"
                   "评价日未办结 0；完成日期为获批办结申请中填写的日期。",
    })


@route("/scoring/<int:year>/q/<int:quarter>/finalize", method="POST", permission="admin",
       summary="录入领导小组对季度考评结果的审定（千百十办；须全部得分录入完整、已填写考评意见，审定后结果冻结）",
       body=FINALIZE_BODY,
       response=QUARTER_SCHEMA, tag=TAG, conflict="该季度已经审定")
def scoring_finalize(year, quarter):
    _period(year, quarter)
    data = json_body()
    value = data.get("evaluated_on")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ServiceError("请填写评价日期（evaluated_on）。", field="evaluated_on")
    evaluated_on = parse_iso_date(value.strip()) if isinstance(value, str) else None
    if evaluated_on is None:
        raise ServiceError(f"评价日期（evaluated_on）必须是 ISO 8601 日期，如 {DATE_EXAMPLE}。", field="evaluated_on")
    start, _end = engine.quarter_dates(year, quarter)
    if evaluated_on < start:
        raise ServiceError(f"评价日期不能早于该季度的第一天 {start.isoformat()}。", field="evaluated_on")
    if evaluated_on > today():
        raise ServiceError("评价日期不能晚于今天。", field="evaluated_on")
    approved, approved_on = data.get("approved_on"), None  # absent or blank: the service asks for it
    if approved is not None and not (isinstance(approved, str) and not approved.strip()):
        approved_on = parse_iso_date(approved.strip()) if isinstance(approved, str) else None
        if approved_on is None:
            raise ServiceError(f"审定日期（approved_on）必须是 ISO 8601 日期，如 {DATE_EXAMPLE}。", field="approved_on")
    doc_number = data.get("doc_number")
    services.finalize_quarter(g.api_user, year, quarter, evaluated_on, approved_on=approved_on,
                              doc_number=doc_number if isinstance(doc_number, str) else None)
    db.session.commit()
    return ok(dict(quarter_report(year, quarter, evaluated_on), as_of=evaluated_on.isoformat()))


@route("/scoring/<int:year>/q/<int:quarter>/reopen", method="POST", permission="admin",
       summary="重新打开已审定的季度（千百十办，须说明理由；原审定结果留存）", body=REOPEN_BODY,
       response=REOPEN_RESULT_SCHEMA, tag=TAG, conflict="该季度尚未审定")
def scoring_reopen(year, quarter):
    _period(year, quarter)
    reason = text_field(json_body(), "reason", "重新打开的理由", REASON_MAX)
    state = services.reopen_quarter(g.api_user, year, quarter, reason)
    db.session.commit()
    return ok({"year": year, "quarter": quarter, "status": state.status.value,
               "reopenings": [{"reason": r.reason, "by": user_ref(r.by), "at": r.at.isoformat()}
                              for r in state.reopenings]})


# --- the year -----------------------------------------------------------------------------------------------

@route("/scoring/<int:year>", parameters=[AS_OF],
       summary="年度考评结果：年度得分、名次、绩效分值、等次、表彰和报送（单位工作人员只看到本单位）",
       response=YEAR_SCHEMA, tag=TAG)
def scoring_year(year):
    _period(year)
    scope, as_of = _scope(), _as_of()
    report = year_report(year, as_of)
    if scope is not None:
        report["units"] = [r for r in report["units"] if r["unit_id"] == scope]
    report["quarter_status"] = {str(q): status for q, status in report["quarter_status"].items()}
    return ok(dict(report, as_of=as_of.isoformat()))
