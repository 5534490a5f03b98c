"""API of the ledger (台账, issue #14): enterprises, projects, chains and indicators as paged lists with the
pages' filters (the one list contract of app/api/paging.py), their details, the monthly figures (per object, and
per unit and month), and the writes — create and change an enterprise or a project, report a month's figures —
through the ledger's services (app.ledger.enterprises, .projects, .reporting), which validate and audit.

Visibility: a unit that does not read the whole ledger (app.ledger.permissions.visible_unit_ids) sees only its
own enterprises and projects; another unit's row answers 404, like an absent id. Amounts are decimal texts
("1234.50"): enterprise and project figures in 万元, a chain's scale in 亿元; `month` is `YYYY-MM`.
"""

import hashlib
import json
import re
from datetime import date, datetime

import sqlalchemy as sa
from flask import g, request
from sqlalchemy.orm import joinedload, selectinload

from app.api.base import ok, route
from app.api.paging import Column, Conditional, SortKey, paging_args, sql_page
from app.api.params import (
    arg_enum,
    arg_int,
    bad_parameter,
    choice_field,
    choices,
    date_field,
    id_list,
    int_field,
    json_body,
    not_found,
    object_list,
    refuse_unknown,
    renamed_fields,
    text_field,
)
from app.api.schemas import (
    DATE,
    DATETIME,
    PAGE_PARAMETERS,
    REF,
    USER_REF,
    enum_schema,
    iso,
    nullable,
    page_schema,
    query_param,
    ref,
    user_ref,
)
from app.core.clock import today
from app.core.errors import ServiceError, error_response
from app.extensions import db
from app.ledger import enterprises as enterprise_services
from app.ledger import projects as project_services
from app.ledger import reporting
from app.ledger.models import (
    ENTERPRISE_TIERS,
    PROJECT_TIERS,
    ChainFigure,
    Enterprise,
    EnterpriseChain,
    EnterpriseFigure,
    IndicatorTarget,
    IndicatorValue,
    ListingStage,
    Project,
    ProjectFigure,
    ProjectSource,
    ProjectStage,
    Registry,
    RegistryMembership,
    SpecializedLevel,
)
from app.ledger.permissions import visible_unit_ids
from app.org.models import Chain, Person, Target, Unit

TAG = "台账"
MAX_QUERY_TEXT = 100
MONTH = re.compile(r"(\d{4})-(\d{1,2})")

# --- OpenAPI schemas ----------------------------------------------------------------------------------------

AMOUNT = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "金额（十进制文本）"}
MONTH_SCHEMA = {"type": "string", "pattern": r"^\d{4}-\d{2}$", "description": "月份，如 2026-02"}
CHAIN_REF = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                              "is_master": {"type": "boolean", "description": "链主企业"}}}
ENTERPRISE_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"},
        "uscc": {"type": "string", "description": "统一社会信用代码"},
        "unit": dict(REF, description="所属县市区或园区"), "chains": {"type": "array", "items": CHAIN_REF},
        "is_above_scale": {"type": "boolean", "description": "规上企业"}, "above_scale_since": nullable(DATE),
        "left_scale_on": nullable(DATE),
        "revenue_tier": {"type": "integer", "nullable": True, "enum": list(ENTERPRISE_TIERS),
                         "description": "营收层级（亿级），按最近完整年度营业收入"},
        "tier_label": {"type": "string"}, "tier_year": {"type": "integer", "nullable": True},
        "listing_stage": nullable(enum_schema(ListingStage)), "listing_label": {"type": "string", "nullable": True},
        "liaison": nullable(dict(REF, description="联点领导")), "is_active": {"type": "boolean"},
        "updated_at": DATETIME,
    },
}
FIGURE_ENTERPRISE = {
    "type": "object",
    "description": "企业某月的年初至本月累计数（万元）",
    "properties": {"id": {"type": "integer"}, "month": MONTH_SCHEMA, "revenue": nullable(AMOUNT),
                   "output": nullable(AMOUNT), "tax": nullable(AMOUNT), "reported_by": USER_REF,
                   "reported_at": DATETIME, "correction_reason": {"type": "string", "nullable": True},
                   "enterprise": REF},
}
MEMBERSHIP_SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "kind": enum_schema(Registry), "label": {"type": "string"},
                   "level": nullable(enum_schema(SpecializedLevel)), "year": {"type": "integer", "nullable": True},
                   "starts_on": DATE, "ends_on": nullable(DATE), "reason": {"type": "string"},
                   "plan_document": {"type": "string", "description": "一企一策"}, "added_by": USER_REF,
                   "end_reason": {"type": "string", "nullable": True}, "is_current": {"type": "boolean"}},
}
ENTERPRISE_DETAIL_SCHEMA = {
    "type": "object",
    "properties": dict(
        ENTERPRISE_SCHEMA["properties"], note={"type": "string"}, created_at=DATETIME,
        registries={"type": "array", "items": MEMBERSHIP_SCHEMA},
        listing_steps={"type": "array", "items": {"type": "object", "properties": {
            "stage": enum_schema(ListingStage), "label": {"type": "string"}, "reached_on": DATE,
            "note": {"type": "string"}}}},
        latest_figure=nullable(FIGURE_ENTERPRISE),
    ),
}
PROJECT_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
        "unit": dict(REF, description="所在县市区或园区"), "chain": nullable(REF),
        "lead_unit": nullable(dict(REF, description="牵头单位")),
        "leader": nullable(dict(REF, description="联系市领导")),
        "enterprise": nullable(REF), "total_investment": dict(AMOUNT, description="总投资（万元）"),
        "tier": {"type": "integer", "nullable": True, "enum": list(PROJECT_TIERS)}, "tier_label": {"type": "string"},
        "source": enum_schema(ProjectSource, choices(ProjectSource)), "source_label": {"type": "string"},
        "signed_on": nullable(DATE), "is_top500": {"type": "boolean", "description": "三类500强投资"},
        "stage": enum_schema(ProjectStage, choices(ProjectStage)), "stage_label": {"type": "string"},
        "is_active": {"type": "boolean"}, "updated_at": DATETIME,
    },
}
FIGURE_PROJECT = {
    "type": "object",
    "description": "项目某月的年初至本月累计数（万元）",
    "properties": {"id": {"type": "integer"}, "month": MONTH_SCHEMA, "invested": dict(AMOUNT, description="完成投资"),
                   "funds": nullable(dict(AMOUNT, description="到位资金")), "reported_by": USER_REF,
                   "reported_at": DATETIME, "correction_reason": {"type": "string", "nullable": True},
                   "project": REF},
}
PROJECT_DETAIL_SCHEMA = {
    "type": "object",
    "properties": dict(
        PROJECT_SCHEMA["properties"], note={"type": "string"}, created_at=DATETIME,
        milestones={"type": "array", "items": {"type": "object", "properties": {
            "stage": enum_schema(ProjectStage), "label": {"type": "string"}, "planned_on": nullable(DATE),
            "actual_on": nullable(DATE)}}},
        year_plans={"type": "array", "items": {"type": "object", "properties": {
            "year": {"type": "integer"}, "planned_investment": AMOUNT}}},
        latest_figure=nullable(FIGURE_PROJECT),
    ),
}
CHAIN_FIGURE = {"type": "object", "description": "产业链某月规模（亿元，年初至本月累计）",
                "properties": {"id": {"type": "integer"}, "month": MONTH_SCHEMA, "scale": AMOUNT,
                               "reported_by": USER_REF, "reported_at": DATETIME,
                               "correction_reason": {"type": "string", "nullable": True}}}
CHAIN_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "tier": {"type": "integer"},
        "tier_label": {"type": "string"}, "sort_order": {"type": "integer"}, "leader": nullable(REF),
        "leader_unit": nullable(REF), "latest_scale": nullable(CHAIN_FIGURE), "updated_at": DATETIME,
    },
}
CHAIN_DETAIL_SCHEMA = {
    "type": "object",
    "properties": dict(
        CHAIN_SCHEMA["properties"],
        masters={"type": "array", "items": REF, "description": "链主企业（您可查看的）"},
        enterprise_count={"type": "integer", "description": "成员企业数（您可查看的）"},
        project_count={"type": "integer", "description": "项目数（您可查看的）"},
        projects_by_stage={"type": "object", "additionalProperties": {"type": "integer"}},
    ),
}
INDICATOR_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "code": {"type": "string"}, "text": {"type": "string"},
        "value": nullable(AMOUNT), "unit_label": {"type": "string", "nullable": True},
        "period": {"type": "string", "nullable": True}, "plan": {"type": "string", "nullable": True},
        "measure": {"type": "string", "nullable": True, "description": "由台账计算的口径；为空表示由责任单位填报"},
        "is_computed": {"type": "boolean"}, "responsible_unit": nullable(REF), "breaks_down": {"type": "boolean"},
        "targets": {"type": "array", "items": {"type": "object", "properties": {
            "year": {"type": "integer"}, "unit": nullable(REF), "value": AMOUNT}}},
        "values": {"type": "array", "description": "填报的实际值（最近 24 条）",
                   "items": {"type": "object", "properties": {
            "month": MONTH_SCHEMA, "unit": nullable(REF), "value": AMOUNT, "source_note": {"type": "string"},
            "correction_reason": {"type": "string", "nullable": True}}}},
        "updated_at": DATETIME,
    },
}

UPDATED_SINCE = query_param("updated_since", DATETIME,
                            "只要该时间（含）之后有变化的，ISO 8601 带时区；给出时按变化时间排序")
Q_PARAMETER = query_param("q", {"type": "string", "maxLength": MAX_QUERY_TEXT}, "在名称（和信用代码、项目编号）中查找")
ENTERPRISE_PARAMETERS = [
    query_param("unit", {"type": "integer"}, "所属县市区或园区（单位 id）"),
    query_param("chain", {"type": "integer"}, "产业链 id"),
    query_param("tier", {"type": "integer", "enum": [*ENTERPRISE_TIERS, 0]}, "营收层级（亿级）；0 为 10亿以下"),
    query_param("registry", enum_schema(Registry), "目前在库的名录：" + choices(Registry)),
    query_param("level", enum_schema(SpecializedLevel), "专精特新层级（目前有效）：" + choices(SpecializedLevel)),
    query_param("listing", enum_schema(ListingStage), "上市培育阶段：" + choices(ListingStage)),
    query_param("above_scale", {"type": "boolean"}, "true 只要规上企业，false 只要规下企业"),
    query_param("liaison", {"type": "boolean"}, "true 只要已有联点领导的，false 只要暂无联点领导的"),
    query_param("active", {"type": "boolean"}, "true 只要在营的，false 只要已不在营的；缺省为全部（便于同步）"),
    Q_PARAMETER, UPDATED_SINCE, *PAGE_PARAMETERS,
]
PROJECT_PARAMETERS = [
    query_param("unit", {"type": "integer"}, "所在县市区或园区（单位 id）"),
    query_param("chain", {"type": "integer"}, "产业链 id"),
    query_param("tier", {"type": "integer", "enum": list(PROJECT_TIERS)},
                "投资层级：100（100亿级）、10（10亿级）、1（亿元级）"),
    query_param("stage", enum_schema(ProjectStage), "阶段：" + choices(ProjectStage)),
    query_param("source", enum_schema(ProjectSource), "来源：" + choices(ProjectSource)),
    query_param("lead_unit", {"type": "integer"}, "牵头单位 id"),
    query_param("leader", {"type": "integer"}, "联系市领导（人员 id）"),
    query_param("top500", {"type": "boolean"}, "true 只要三类500强投资的项目"),
    query_param("active", {"type": "boolean"}, "true 只要未取消的，false 只要已取消的；缺省为全部（便于同步）"),
    Q_PARAMETER, UPDATED_SINCE, *PAGE_PARAMETERS,
]
UNIT_PARAMETER = query_param("unit", {"type": "integer"}, "县市区或园区（单位 id）；缺省为可查看的全部")
MONTH_PARAMETER = query_param("month", MONTH_SCHEMA, "月份 YYYY-MM（必填）")
YEAR_PARAMETER = query_param("year", {"type": "integer"}, "只要该年的月份")

ENTERPRISE_ORDER = SortKey("ledger:enterprises", (Column(Enterprise.id, "id"),))
ENTERPRISE_CHANGES = SortKey("ledger:enterprises:updated", (Column(Enterprise.updated_at, "updated_at", datetime),
                                                            Column(Enterprise.id, "id")))
PROJECT_ORDER = SortKey("ledger:projects", (Column(Project.id, "id"),))
PROJECT_CHANGES = SortKey("ledger:projects:updated", (Column(Project.updated_at, "updated_at", datetime),
                                                      Column(Project.id, "id")))
CHAIN_ORDER = SortKey("ledger:chains", (Column(Chain.sort_order, "sort_order"), Column(Chain.id, "id")))
INDICATOR_ORDER = SortKey("ledger:indicators", (Column(Target.sort_order, "sort_order"), Column(Target.id, "id")))
ENTERPRISE_FIGURE_ORDER = SortKey("ledger:enterprise-figures",
                                  (Column(EnterpriseFigure.month, "month", date), Column(EnterpriseFigure.id, "id")))
PROJECT_FIGURE_ORDER = SortKey("ledger:project-figures",
                               (Column(ProjectFigure.month, "month", date), Column(ProjectFigure.id, "id")))
CHAIN_FIGURE_ORDER = SortKey("ledger:chain-figures",
                             (Column(ChainFigure.month, "month", date), Column(ChainFigure.id, "id")))
UNIT_ENTERPRISE_FIGURES = SortKey("ledger:unit-enterprise-figures", (Column(EnterpriseFigure.enterprise_id,
                                                                            "enterprise_id"),
                                                                     Column(EnterpriseFigure.id, "id")))
UNIT_PROJECT_FIGURES = SortKey("ledger:unit-project-figures", (Column(ProjectFigure.project_id, "project_id"),
                                                               Column(ProjectFigure.id, "id")))


# --- parsing ------------------------------------------------------------------------------------------------

def _arg_text():
    text = request.args.get("q", "").strip()
    if len(text) > MAX_QUERY_TEXT:
        raise bad_parameter("q", f"查找内容（q）不能超过 {MAX_QUERY_TEXT} 个字符。")
    return text or None


def _arg_datetime(name, label):
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


def _arg_tier(tiers, label, minimum=1):
    value = arg_int("tier", label, minimum=minimum)
    if value is not None and value not in tiers:
        raise bad_parameter("tier", f"参数 tier（{label}）只能是 " + "、".join(str(t) for t in tiers) + "。")
    return value


def _arg_optional_bool(name, label):
    value = request.args.get(name, "").strip().lower()
    if not value:
        return None
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    raise bad_parameter(name, f"参数 {name}（{label}）只能是 true 或 false。")


def parse_month(value):
    """The first day of the month of `YYYY-MM`, or None."""
    match = MONTH.fullmatch(value or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 1900 <= year <= 9000):
        return None
    return date(year, month, 1)


def _arg_month(required=True):
    value = request.args.get("month", "").strip()
    if not value:
        if required:
            raise bad_parameter("month", "请给出参数 month（月份），如 2026-02。")
        return None
    parsed = parse_month(value)
    if parsed is None:
        raise bad_parameter("month", "参数 month（月份）必须是 YYYY-MM，如 2026-02。")
    return parsed


def _visible(column):
    """The clause limiting `column` (a unit id) to the units the token may read; None for the whole ledger."""
    visible = visible_unit_ids(g.api_user)
    if visible is None:
        return None
    return column.in_(sorted(visible)) if visible else sa.false()


def _detail_answer(payload):
    """A detail with an ETag made from its own content (it is loaded anyway: the 304 spares the transfer)."""
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    conditional = Conditional(digest)
    if conditional.fresh():
        return conditional.not_modified()
    return conditional.answer(payload)


# --- JSON ---------------------------------------------------------------------------------------------------

def amount(value):
    return None if value is None else f"{value:f}"


def month_text(value):
    return value.strftime("%Y-%m") if value else None


def enterprise_json(enterprise):
    listing = enterprise.listing
    return {
        "id": enterprise.id, "name": enterprise.name, "uscc": enterprise.uscc, "unit": ref(enterprise.unit),
        "chains": [{"id": link.chain_id, "name": link.chain.name, "is_master": link.is_master}
                   for link in enterprise.chain_links],
        "is_above_scale": enterprise.is_above_scale, "above_scale_since": iso(enterprise.above_scale_since),
        "left_scale_on": iso(enterprise.left_scale_on), "revenue_tier": enterprise.revenue_tier,
        "tier_label": enterprise.tier_label, "tier_year": enterprise.tier_year,
        "listing_stage": listing.value if listing else None, "listing_label": listing.label if listing else None,
        "liaison": ref(enterprise.liaison), "is_active": enterprise.is_active,
        "updated_at": iso(enterprise.updated_at),
    }


def enterprise_figure_json(figure, enterprise=None):
    data = {"id": figure.id, "month": month_text(figure.month), "revenue": amount(figure.revenue),
            "output": amount(figure.output), "tax": amount(figure.tax), "reported_by_id": figure.reported_by_id,
            "reported_at": iso(figure.reported_at), "correction_reason": figure.correction_reason}
    if enterprise is not None:
        data["enterprise"] = {"id": enterprise.id, "name": enterprise.name}
    return data


def project_json(project):
    return {
        "id": project.id, "code": project.code, "name": project.name, "unit": ref(project.unit),
        "chain": ref(project.chain), "lead_unit": ref(project.lead_unit), "leader": ref(project.leader),
        "enterprise": ref(project.enterprise), "total_investment": amount(project.total_investment),
        "tier": project.tier, "tier_label": project.tier_label,
        "source": project.source.value, "source_label": project.source.label, "signed_on": iso(project.signed_on),
        "is_top500": project.is_top500, "stage": project.stage.value, "stage_label": project.stage.label,
        "is_active": project.is_active, "updated_at": iso(project.updated_at),
    }


def project_figure_json(figure, project=None):
    data = {"id": figure.id, "month": month_text(figure.month), "invested": amount(figure.invested),
            "funds": amount(figure.funds), "reported_by_id": figure.reported_by_id,
            "reported_at": iso(figure.reported_at), "correction_reason": figure.correction_reason}
    if project is not None:
        data["project"] = {"id": project.id, "name": project.name, "code": project.code}
    return data


def chain_figure_json(figure):
    if figure is None:
        return None
    return {"id": figure.id, "month": month_text(figure.month), "scale": amount(figure.scale),
            "reported_by_id": figure.reported_by_id, "reported_at": iso(figure.reported_at),
            "correction_reason": figure.correction_reason}


def chain_json(chain, latest):
    return {"id": chain.id, "name": chain.name, "tier": chain.tier, "tier_label": chain.tier_label,
            "sort_order": chain.sort_order, "leader": ref(chain.leader), "leader_unit": ref(chain.leader_unit),
            "latest_scale": chain_figure_json(latest), "updated_at": iso(chain.updated_at)}


def _latest_chain_figures(chain_ids):
    """{chain id: its latest ChainFigure} in one statement."""
    if not chain_ids:
        return {}
    newest = sa.select(ChainFigure.chain_id, sa.func.max(ChainFigure.month).label("month"))\
        .where(ChainFigure.chain_id.in_(chain_ids)).group_by(ChainFigure.chain_id).subquery()
    rows = db.session.scalars(sa.select(ChainFigure).join(newest, sa.and_(
        ChainFigure.chain_id == newest.c.chain_id, ChainFigure.month == newest.c.month)))
    return {f.chain_id: f for f in rows}


# --- enterprises --------------------------------------------------------------------------------------------

def enterprise_filter():
    """The WHERE clauses of the enterprise list (the page's filters), visibility included."""
    on = today()
    where = []
    visible = _visible(Enterprise.unit_id)
    if visible is not None:
        where.append(visible)
    unit_id = arg_int("unit", "单位 id")
    if unit_id:
        where.append(Enterprise.unit_id == unit_id)
    chain_id = arg_int("chain", "产业链 id")
    if chain_id:
        where.append(Enterprise.id.in_(sa.select(EnterpriseChain.enterprise_id)
                                       .where(EnterpriseChain.chain_id == chain_id)))
    tier = _arg_tier((*ENTERPRISE_TIERS, 0), "营收层级", minimum=0)
    if tier == 0:
        where.append(Enterprise.revenue_tier.is_(None))
    elif tier:
        where.append(Enterprise.revenue_tier == tier)
    current = sa.and_(RegistryMembership.starts_on <= on,
                      sa.or_(RegistryMembership.ends_on.is_(None), RegistryMembership.ends_on >= on))
    registry = arg_enum("registry", "名录", Registry)
    if registry:
        where.append(Enterprise.id.in_(sa.select(RegistryMembership.enterprise_id)
                                       .where(RegistryMembership.kind == registry, current)))
    level = arg_enum("level", "专精特新层级", SpecializedLevel)
    if level:
        where.append(Enterprise.id.in_(sa.select(RegistryMembership.enterprise_id).where(
            RegistryMembership.kind == Registry.specialized, RegistryMembership.level == level, current)))
    listing = arg_enum("listing", "上市培育阶段", ListingStage)
    if listing:
        where.append(Enterprise.listing_stage == listing.value)
    above = _arg_optional_bool("above_scale", "规上")
    if above is not None:
        where.append(Enterprise.is_above_scale.is_(above))
    liaison = _arg_optional_bool("liaison", "联点领导")
    if liaison is not None:
        where.append(Enterprise.liaison_id.is_not(None) if liaison else Enterprise.liaison_id.is_(None))
    active = _arg_optional_bool("active", "在营")
    if active is not None:
        where.append(Enterprise.is_active.is_(active))
    text = _arg_text()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(sa.or_(Enterprise.name.like(pattern, escape="\\"), Enterprise.uscc.like(pattern, escape="\\")))
    since = _arg_datetime("updated_since", "变化时间起")
    if since:
        where.append(Enterprise.updated_at >= since)
    return where, since


def _names_mark():
    """What the rows show of other tables (units, people, chains by name; chain memberships)."""
    marks = []
    for model in (Unit, Person, Chain):
        marks.append(sa.select(sa.func.max(model.updated_at)).scalar_subquery())
    marks += [sa.select(sa.func.count()).select_from(EnterpriseChain).scalar_subquery(),
              sa.select(sa.func.sum(EnterpriseChain.enterprise_id * 97 + EnterpriseChain.chain_id
                                    + sa.case((EnterpriseChain.is_master, 1000003), else_=0))).scalar_subquery()]
    return marks


@route("/ledger/enterprises", summary="企业台账列表（筛选同企业列表页；县市区、园区只看到本单位企业）",
       parameters=ENTERPRISE_PARAMETERS, response=page_schema(ENTERPRISE_SCHEMA), tag=TAG, conditional=True)
def ledger_enterprises():
    where, since = enterprise_filter()
    paging = paging_args(ENTERPRISE_CHANGES if since else ENTERPRISE_ORDER)
    total, *parts = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Enterprise.updated_at), sa.func.sum(Enterprise.id), *_names_mark())
        .select_from(Enterprise).where(*where)).one()
    conditional = Conditional(total, *parts)
    if conditional.fresh():
        return conditional.not_modified()
    select = sa.select(Enterprise).where(*where).options(
        joinedload(Enterprise.unit), joinedload(Enterprise.liaison),
        selectinload(Enterprise.chain_links).joinedload(EnterpriseChain.chain))
    page = sql_page(select, paging, total)
    return conditional.answer(page.envelope([enterprise_json(e) for e in page.rows]))


def enterprise_or_404(enterprise_id, detail=False):
    query = sa.select(Enterprise).where(Enterprise.id == enterprise_id)
    if detail:
        query = query.options(joinedload(Enterprise.unit), joinedload(Enterprise.liaison),
                              selectinload(Enterprise.chain_links).joinedload(EnterpriseChain.chain),
                              selectinload(Enterprise.memberships).joinedload(RegistryMembership.added_by),
                              selectinload(Enterprise.listing_steps))
    enterprise = db.session.scalar(query)
    visible = visible_unit_ids(g.api_user)
    if enterprise is None or (visible is not None and enterprise.unit_id not in visible):
        raise not_found("企业不存在，或您无权查看。")
    return enterprise


def enterprise_detail_json(enterprise):
    on = today()
    data = enterprise_json(enterprise)
    latest = db.session.scalar(sa.select(EnterpriseFigure).where(EnterpriseFigure.enterprise_id == enterprise.id)
                               .order_by(EnterpriseFigure.month.desc()).limit(1))
    data.update(
        note=enterprise.note, created_at=iso(enterprise.created_at),
        registries=[{"id": m.id, "kind": m.kind.value, "label": m.label,
                     "level": m.level.value if m.level else None, "year": m.year, "starts_on": iso(m.starts_on),
                     "ends_on": iso(m.ends_on), "reason": m.reason, "plan_document": m.plan_document,
                     "added_by": user_ref(m.added_by), "end_reason": m.end_reason, "is_current": m.is_current(on)}
                    for m in enterprise.memberships],
        listing_steps=[{"stage": s.stage.value, "label": s.stage.label, "reached_on": iso(s.reached_on),
                        "note": s.note} for s in enterprise.listing_steps],
        latest_figure=enterprise_figure_json(latest) if latest else None,
    )
    return data


@route("/ledger/enterprises/<int:enterprise_id>",
       summary="企业详情：产业链、名录（入库时间、理由、一企一策）、上市培育阶段、最新月度数据",
       response=ENTERPRISE_DETAIL_SCHEMA, tag=TAG, conditional=True)
def ledger_enterprise(enterprise_id):
    return _detail_answer(enterprise_detail_json(enterprise_or_404(enterprise_id, detail=True)))


def _figure_parts(model, where, *values):
    return db.session.execute(sa.select(sa.func.count(), sa.func.sum(model.id), sa.func.max(model.reported_at),
                                        *[sa.func.sum(v) for v in values]).where(*where)).one()


@route("/ledger/enterprises/<int:enterprise_id>/figures",
       summary="企业月度数据（年初至本月累计，万元），按月份排序",
       parameters=[YEAR_PARAMETER, *PAGE_PARAMETERS], response=page_schema(FIGURE_ENTERPRISE), tag=TAG,
       conditional=True)
def ledger_enterprise_figures(enterprise_id):
    enterprise = enterprise_or_404(enterprise_id)
    where = [EnterpriseFigure.enterprise_id == enterprise.id, *_year_clause(EnterpriseFigure.month)]
    paging = paging_args(ENTERPRISE_FIGURE_ORDER)
    total, *parts = _figure_parts(EnterpriseFigure, where, EnterpriseFigure.revenue, EnterpriseFigure.output,
                                  EnterpriseFigure.tax)
    conditional = Conditional(total, *map(str, parts))
    if conditional.fresh():
        return conditional.not_modified()
    page = sql_page(sa.select(EnterpriseFigure).where(*where), paging, total)
    return conditional.answer(page.envelope([enterprise_figure_json(f) for f in page.rows]))


def _year_clause(column):
    year = arg_int("year", "年份", minimum=1900, maximum=9000)
    if year is None:
        return []
    return [column >= date(year, 1, 1), column <= date(year, 12, 1)]


@route("/ledger/figures/enterprises", summary="某单位某月的企业月度数据（万元）：本单位企业的报送",
       parameters=[MONTH_PARAMETER, UNIT_PARAMETER, *PAGE_PARAMETERS],
       response=page_schema(FIGURE_ENTERPRISE, month=MONTH_SCHEMA), tag=TAG, conditional=True)
def ledger_unit_enterprise_figures():
    month = _arg_month()
    unit_id = arg_int("unit", "单位 id")
    where = [EnterpriseFigure.month == month]
    visible = _visible(Enterprise.unit_id)
    if visible is not None:
        where.append(visible)
    if unit_id:
        where.append(Enterprise.unit_id == unit_id)
    paging = paging_args(UNIT_ENTERPRISE_FIGURES)
    total, *parts = db.session.execute(
        sa.select(sa.func.count(), sa.func.sum(EnterpriseFigure.id), sa.func.max(EnterpriseFigure.reported_at),
                  sa.func.sum(EnterpriseFigure.revenue), sa.func.sum(EnterpriseFigure.output),
                  sa.func.sum(EnterpriseFigure.tax), sa.func.max(Enterprise.updated_at))
        .select_from(EnterpriseFigure).join(Enterprise, Enterprise.id == EnterpriseFigure.enterprise_id)
        .where(*where)).one()
    conditional = Conditional(total, *map(str, parts))
    if conditional.fresh():
        return conditional.not_modified()
    select = sa.select(EnterpriseFigure).join(Enterprise, Enterprise.id == EnterpriseFigure.enterprise_id)\
        .where(*where)
    page = sql_page(select, paging, total)
    owners = _by_id(Enterprise, {f.enterprise_id for f in page.rows})
    return conditional.answer(page.envelope([enterprise_figure_json(f, owners[f.enterprise_id]) for f in page.rows],
                                            month=month_text(month)))


def _by_id(model, ids):
    return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(sorted(ids))))} \
        if ids else {}


# --- projects -----------------------------------------------------------------------------------------------

def project_filter():
    where = []
    visible = _visible(Project.unit_id)
    if visible is not None:
        where.append(visible)
    for name, label, column in (("unit", "单位 id", Project.unit_id), ("chain", "产业链 id", Project.chain_id),
                                ("lead_unit", "牵头单位 id", Project.lead_unit_id),
                                ("leader", "联系市领导 id", Project.leader_id)):
        value = arg_int(name, label)
        if value:
            where.append(column == value)
    tier = _arg_tier(PROJECT_TIERS, "投资层级")
    if tier:
        where.append(Project.tier == tier)
    stage = arg_enum("stage", "阶段", ProjectStage)
    if stage:
        where.append(Project.stage == stage)
    source = arg_enum("source", "来源", ProjectSource)
    if source:
        where.append(Project.source == source)
    top500 = _arg_optional_bool("top500", "三类500强")
    if top500 is not None:
        where.append(Project.is_top500.is_(top500))
    active = _arg_optional_bool("active", "未取消")
    if active is not None:
        where.append(Project.is_active.is_(active))
    text = _arg_text()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(sa.or_(Project.name.like(pattern, escape="\\"), Project.code.like(pattern, escape="\\")))
    since = _arg_datetime("updated_since", "变化时间起")
    if since:
        where.append(Project.updated_at >= since)
    return where, since


def _project_options():
    return (joinedload(Project.unit), joinedload(Project.lead_unit), joinedload(Project.chain),
            joinedload(Project.leader), joinedload(Project.enterprise))


@route("/ledger/projects", summary="项目台账列表（筛选同项目列表页；县市区、园区只看到本单位项目）",
       parameters=PROJECT_PARAMETERS, response=page_schema(PROJECT_SCHEMA), tag=TAG, conditional=True)
def ledger_projects():
    where, since = project_filter()
    paging = paging_args(PROJECT_CHANGES if since else PROJECT_ORDER)
    marks = [sa.select(sa.func.max(m.updated_at)).scalar_subquery() for m in (Unit, Person, Chain, Enterprise)]
    total, *parts = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Project.updated_at), sa.func.sum(Project.id), *marks)
        .select_from(Project).where(*where)).one()
    conditional = Conditional(total, *parts)
    if conditional.fresh():
        return conditional.not_modified()
    page = sql_page(sa.select(Project).where(*where).options(*_project_options()), paging, total)
    return conditional.answer(page.envelope([project_json(p) for p in page.rows]))


def project_or_404(project_id, detail=False):
    query = sa.select(Project).where(Project.id == project_id)
    if detail:
        query = query.options(*_project_options(), selectinload(Project.milestones),
                              selectinload(Project.year_plans))
    project = db.session.scalar(query)
    visible = visible_unit_ids(g.api_user)
    if project is None or (visible is not None and project.unit_id not in visible):
        raise not_found("项目不存在，或您无权查看。")
    return project


def project_detail_json(project):
    data = project_json(project)
    latest = db.session.scalar(sa.select(ProjectFigure).where(ProjectFigure.project_id == project.id)
                               .order_by(ProjectFigure.month.desc()).limit(1))
    data.update(
        note=project.note, created_at=iso(project.created_at),
        milestones=[{"stage": m.stage.value, "label": m.stage.label, "planned_on": iso(m.planned_on),
                     "actual_on": iso(m.actual_on)}
                    for m in sorted(project.milestones, key=lambda m: m.stage.order)],
        year_plans=[{"year": p.year, "planned_investment": amount(p.planned_investment)}
                    for p in project.year_plans],
        latest_figure=project_figure_json(latest) if latest else None,
    )
    return data


@route("/ledger/projects/<int:project_id>", summary="项目详情：各阶段计划和实际日期、年度计划投资、最新月度数据",
       response=PROJECT_DETAIL_SCHEMA, tag=TAG, conditional=True)
def ledger_project(project_id):
    return _detail_answer(project_detail_json(project_or_404(project_id, detail=True)))


@route("/ledger/projects/<int:project_id>/figures", summary="项目月度数据（完成投资、到位资金，年初至本月累计，万元）",
       parameters=[YEAR_PARAMETER, *PAGE_PARAMETERS], response=page_schema(FIGURE_PROJECT), tag=TAG,
       conditional=True)
def ledger_project_figures(project_id):
    project = project_or_404(project_id)
    where = [ProjectFigure.project_id == project.id, *_year_clause(ProjectFigure.month)]
    paging = paging_args(PROJECT_FIGURE_ORDER)
    total, *parts = _figure_parts(ProjectFigure, where, ProjectFigure.invested, ProjectFigure.funds)
    conditional = Conditional(total, *map(str, parts))
    if conditional.fresh():
        return conditional.not_modified()
    page = sql_page(sa.select(ProjectFigure).where(*where), paging, total)
    return conditional.answer(page.envelope([project_figure_json(f) for f in page.rows]))


@route("/ledger/figures/projects", summary="某单位某月的项目月度数据（万元）：本单位项目的报送",
       parameters=[MONTH_PARAMETER, UNIT_PARAMETER, *PAGE_PARAMETERS],
       response=page_schema(FIGURE_PROJECT, month=MONTH_SCHEMA), tag=TAG, conditional=True)
def ledger_unit_project_figures():
    month = _arg_month()
    unit_id = arg_int("unit", "单位 id")
    where = [ProjectFigure.month == month]
    visible = _visible(Project.unit_id)
    if visible is not None:
        where.append(visible)
    if unit_id:
        where.append(Project.unit_id == unit_id)
    paging = paging_args(UNIT_PROJECT_FIGURES)
    total, *parts = db.session.execute(
        sa.select(sa.func.count(), sa.func.sum(ProjectFigure.id), sa.func.max(ProjectFigure.reported_at),
                  sa.func.sum(ProjectFigure.invested), sa.func.sum(ProjectFigure.funds),
                  sa.func.max(Project.updated_at))
        .select_from(ProjectFigure).join(Project, Project.id == ProjectFigure.project_id).where(*where)).one()
    conditional = Conditional(total, *map(str, parts))
    if conditional.fresh():
        return conditional.not_modified()
    select = sa.select(ProjectFigure).join(Project, Project.id == ProjectFigure.project_id).where(*where)
    page = sql_page(select, paging, total)
    owners = _by_id(Project, {f.project_id for f in page.rows})
    return conditional.answer(page.envelope([project_figure_json(f, owners[f.project_id]) for f in page.rows],
                                            month=month_text(month)))


# --- chains -------------------------------------------------------------------------------------------------

@route("/ledger/chains", summary="十二条产业链：层级、链长、牵头单位、最新规模（亿元）",
       parameters=PAGE_PARAMETERS, response=page_schema(CHAIN_SCHEMA), tag=TAG, conditional=True)
def ledger_chains():
    paging = paging_args(CHAIN_ORDER)
    total, *parts = db.session.execute(sa.select(
        sa.select(sa.func.count()).select_from(Chain).scalar_subquery(),
        sa.select(sa.func.max(Chain.updated_at)).scalar_subquery(),
        sa.select(sa.func.max(Person.updated_at)).scalar_subquery(),
        sa.select(sa.func.max(Unit.updated_at)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(ChainFigure).scalar_subquery(),
        sa.select(sa.func.sum(ChainFigure.id)).scalar_subquery(),
        sa.select(sa.func.max(ChainFigure.reported_at)).scalar_subquery(),
        sa.select(sa.func.sum(ChainFigure.scale)).scalar_subquery())).one()
    conditional = Conditional(total, *map(str, parts))
    if conditional.fresh():
        return conditional.not_modified()
    page = sql_page(sa.select(Chain).options(joinedload(Chain.leader), joinedload(Chain.leader_unit)), paging,
                    total)
    latest = _latest_chain_figures([c.id for c in page.rows])
    return conditional.answer(page.envelope([chain_json(c, latest.get(c.id)) for c in page.rows]))


@route("/ledger/chains/<int:chain_id>", summary="产业链详情：最新规模、链主企业、成员企业数、各阶段项目数",
       response=CHAIN_DETAIL_SCHEMA, tag=TAG, conditional=True)
def ledger_chain(chain_id):
    chain = db.session.get(Chain, chain_id)
    if chain is None:
        raise not_found("产业链不存在。")
    data = chain_json(chain, _latest_chain_figures([chain.id]).get(chain.id))
    enterprise_visible = _visible(Enterprise.unit_id)
    members = sa.select(Enterprise.id, Enterprise.name, EnterpriseChain.is_master)\
        .join(EnterpriseChain, EnterpriseChain.enterprise_id == Enterprise.id)\
        .where(EnterpriseChain.chain_id == chain.id, *([enterprise_visible] if enterprise_visible is not None else []))
    rows = db.session.execute(members.order_by(Enterprise.id)).all()
    project_visible = _visible(Project.unit_id)
    stages = dict(db.session.execute(
        sa.select(Project.stage, sa.func.count()).where(
            Project.chain_id == chain.id, Project.is_active.is_(True),
            *([project_visible] if project_visible is not None else [])).group_by(Project.stage)).all())
    data.update(masters=[{"id": r.id, "name": r.name} for r in rows if r.is_master], enterprise_count=len(rows),
                project_count=sum(stages.values()),
                projects_by_stage={s.value: stages.get(s, 0) for s in ProjectStage})
    return _detail_answer(data)


@route("/ledger/chains/<int:chain_id>/figures", summary="产业链月度规模（亿元，年初至本月累计）",
       parameters=[YEAR_PARAMETER, *PAGE_PARAMETERS], response=page_schema(CHAIN_FIGURE), tag=TAG,
       conditional=True)
def ledger_chain_figures(chain_id):
    if db.session.get(Chain, chain_id) is None:
        raise not_found("产业链不存在。")
    where = [ChainFigure.chain_id == chain_id, *_year_clause(ChainFigure.month)]
    paging = paging_args(CHAIN_FIGURE_ORDER)
    total, *parts = _figure_parts(ChainFigure, where, ChainFigure.scale)
    conditional = Conditional(total, *map(str, parts))
    if conditional.fresh():
        return conditional.not_modified()
    page = sql_page(sa.select(ChainFigure).where(*where), paging, total)
    return conditional.answer(page.envelope([chain_figure_json(f) for f in page.rows]))


# --- indicators ---------------------------------------------------------------------------------------------

def indicator_json(target, targets, values):
    return {
        "id": target.id, "code": target.code, "text": target.text, "value": amount(target.value),
        "unit_label": target.unit_label, "period": target.period, "plan": target.plan.code if target.plan else None,
        "measure": target.measure, "is_computed": target.is_computed, "responsible_unit": ref(target.responsible_unit),
        "breaks_down": target.breaks_down,
        "targets": [{"year": t.year, "unit": ref(t_unit), "value": amount(t.value)} for t, t_unit in targets],
        "values": [{"month": month_text(v.month), "unit": ref(v_unit), "value": amount(v.value),
                    "source_note": v.source_note, "correction_reason": v.correction_reason}
                   for v, v_unit in values],
        "updated_at": iso(target.updated_at),
    }


def _indicator_children(target_ids, values_limit=24):
    """({target id: [(IndicatorTarget, unit)]}, {target id: [(IndicatorValue, unit)] newest first}) in two
    statements."""
    targets, values = {}, {}
    if not target_ids:
        return targets, values
    for row, unit in db.session.execute(
            sa.select(IndicatorTarget, Unit).outerjoin(Unit, Unit.id == IndicatorTarget.unit_id)
            .where(IndicatorTarget.target_id.in_(target_ids))
            .order_by(IndicatorTarget.target_id, IndicatorTarget.year, IndicatorTarget.unit_id)):
        targets.setdefault(row.target_id, []).append((row, unit))
    for row, unit in db.session.execute(
            sa.select(IndicatorValue, Unit).outerjoin(Unit, Unit.id == IndicatorValue.unit_id)
            .where(IndicatorValue.target_id.in_(target_ids))
            .order_by(IndicatorValue.target_id, IndicatorValue.month.desc(), IndicatorValue.id)):
        bucket = values.setdefault(row.target_id, [])
        if len(bucket) < values_limit:
            bucket.append((row, unit))
    return targets, values


def _indicator_marks():
    return [sa.select(sa.func.count()).select_from(IndicatorTarget).scalar_subquery(),
            sa.select(sa.func.sum(IndicatorTarget.id)).scalar_subquery(),
            sa.select(sa.func.sum(IndicatorTarget.value)).scalar_subquery(),
            sa.select(sa.func.count()).select_from(IndicatorValue).scalar_subquery(),
            sa.select(sa.func.sum(IndicatorValue.id)).scalar_subquery(),
            sa.select(sa.func.max(IndicatorValue.reported_at)).scalar_subquery(),
            sa.select(sa.func.max(Unit.updated_at)).scalar_subquery()]


@route("/ledger/indicators",
       summary="指标：2025 年目标、分年度和分县市区园区目标、数据来源（台账计算或责任单位填报）、填报的实际值",
       parameters=[query_param("kind", {"type": "string", "enum": ["computed", "entered"]},
                               "computed 只要由台账计算的，entered 只要由责任单位填报的"), *PAGE_PARAMETERS],
       response=page_schema(INDICATOR_SCHEMA), tag=TAG, conditional=True)
def ledger_indicators():
    where = [Target.code.is_not(None)]
    kind = request.args.get("kind", "").strip()
    if kind == "computed":
        where.append(Target.measure.is_not(None))
    elif kind == "entered":
        where.append(Target.measure.is_(None))
    elif kind:
        raise bad_parameter("kind", f"未知的数据来源“{kind[:20]}”，"
                                    "可选：computed（台账计算）、entered（责任单位填报）。")
    paging = paging_args(INDICATOR_ORDER)
    total, *parts = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Target.updated_at), sa.func.sum(Target.id), *_indicator_marks())
        .select_from(Target).where(*where)).one()
    conditional = Conditional(total, *map(str, parts))
    if conditional.fresh():
        return conditional.not_modified()
    page = sql_page(sa.select(Target).where(*where).options(joinedload(Target.plan),
                                                            joinedload(Target.responsible_unit)), paging, total)
    targets, values = _indicator_children([t.id for t in page.rows])
    return conditional.answer(page.envelope([indicator_json(t, targets.get(t.id, []), values.get(t.id, []))
                                             for t in page.rows]))


@route("/ledger/indicators/<int:indicator_id>", summary="指标详情", response=INDICATOR_SCHEMA, tag=TAG,
       conditional=True)
def ledger_indicator(indicator_id):
    target = db.session.get(Target, indicator_id)
    if target is None or target.code is None:
        raise not_found("指标不存在。")
    targets, values = _indicator_children([target.id], values_limit=240)
    return _detail_answer(indicator_json(target, targets.get(target.id, []), values.get(target.id, [])))


# --- writes (through the ledger's services, which check who may, validate, and audit) --------------------------

def _optional_date(data, name, label):
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return date_field(data, name, label)


def _optional_id(data, name, label):
    return int_field(data, name, label, required=False, minimum=1)


def _row(model, row_id, name, label):
    """The row `row_id` of `model`, or a 422 naming the field."""
    if row_id is None:
        return None
    row = db.session.get(model, row_id)
    if row is None:
        raise ServiceError(f"{label}（{name}）{row_id} 不存在。", field=name)
    return row


def _bool_field(data, name, label, default):
    value = data.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ServiceError(f"{label}（{name}）只能是 true 或 false。", field=name)
    return value


def _amount_field(data, name):
    """An amount as sent (a number or a decimal text); the service checks it."""
    value = data.get(name)
    if isinstance(value, bool) or not (value is None or isinstance(value, int | float | str)):
        raise ServiceError(f"{name} 必须是数字或数字文本。", field=name)
    if isinstance(value, float):
        return repr(value)
    return value


ENTERPRISE_BODY_FIELDS = {"name", "uscc", "unit_id", "chain_ids", "master_chain_ids", "above_scale_since",
                          "left_scale_on", "liaison_id", "note"}
ENTERPRISE_BODY = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 100, "description": "企业名称"},
        "uscc": {"type": "string", "description": "统一社会信用代码（18 位，校验位须正确，不能与已登记企业重复）"},
        "unit_id": {"type": "integer", "description": "所属县市区或园区；只有千百十办可以改为其他单位"},
        "chain_ids": {"type": "array", "items": {"type": "integer"}, "description": "所属产业链（至少一条）"},
        "master_chain_ids": {"type": "array", "items": {"type": "integer"}, "description": "为链主的产业链"},
        "above_scale_since": nullable(dict(DATE, description="规上时间（取当月 1 日）")),
        "left_scale_on": nullable(dict(DATE, description="退规时间")),
        "liaison_id": {"type": "integer", "nullable": True, "description": "联点领导（人员 id）"},
        "note": {"type": "string", "maxLength": 500},
    },
}


def _enterprise_fields(data, current=None):
    """The keyword arguments of enterprises.create/update_enterprise: the body's fields, the current values for
    those it leaves out (a PATCH)."""
    refuse_unknown(data, ENTERPRISE_BODY_FIELDS)

    def given(name):
        return current is None or name in data

    fields = {}
    fields["name"] = text_field(data, "name", "企业名称", 100) if given("name") else current.name
    fields["uscc"] = text_field(data, "uscc", "统一社会信用代码", 40) if given("uscc") else current.uscc
    unit_id = int_field(data, "unit_id", "所属单位 id", minimum=1) if given("unit_id") else current.unit_id
    unit = _row(Unit, unit_id, "unit_id", "所属县市区或园区")
    if given("chain_ids"):
        fields["chain_ids"] = id_list(data, "chain_ids", "所属产业链", 12)
    else:
        fields["chain_ids"] = [link.chain_id for link in current.chain_links]
    if given("master_chain_ids"):
        fields["master_ids"] = id_list(data, "master_chain_ids", "链主产业链", 12)
    else:
        fields["master_ids"] = [link.chain_id for link in current.chain_links if link.is_master
                                and link.chain_id in fields["chain_ids"]]
    fields["above_scale_since"] = _optional_date(data, "above_scale_since", "规上时间") \
        if given("above_scale_since") else current.above_scale_since
    fields["left_scale_on"] = _optional_date(data, "left_scale_on", "退规时间") \
        if given("left_scale_on") else current.left_scale_on
    fields["liaison_id"] = _optional_id(data, "liaison_id", "联点领导 id") if given("liaison_id") \
        else current.liaison_id
    fields["note"] = (text_field(data, "note", "备注", 500, required=False) or "") if given("note") else current.note
    return unit, fields


@route("/ledger/enterprises", method="POST", summary="登记企业（县市区、园区登记本单位企业；千百十办可登记任何单位的）",
       body=dict(ENTERPRISE_BODY, required=["name", "uscc", "unit_id", "chain_ids"]),
       response=ENTERPRISE_DETAIL_SCHEMA, status=201, tag=TAG, conflict="统一社会信用代码已登记（code 为 duplicate）")
def ledger_enterprise_create():
    data = json_body()
    unit, fields = _enterprise_fields(data)
    with renamed_fields(chains="chain_ids", masters="master_chain_ids"):
        enterprise = enterprise_services.create_enterprise(g.api_user, unit=unit, today=today(), **fields)
    db.session.commit()
    return ok(enterprise_detail_json(enterprise_or_404(enterprise.id, detail=True)), 201)


@route("/ledger/enterprises/<int:enterprise_id>", method="PATCH",
       summary="修改企业（只改请求中给出的字段；本单位或千百十办）", body=ENTERPRISE_BODY,
       response=ENTERPRISE_DETAIL_SCHEMA, tag=TAG, conflict="统一社会信用代码已登记（code 为 duplicate）")
def ledger_enterprise_update(enterprise_id):
    enterprise = enterprise_or_404(enterprise_id)
    data = json_body()
    unit, fields = _enterprise_fields(data, enterprise)
    with renamed_fields(chains="chain_ids", masters="master_chain_ids"):
        enterprise_services.update_enterprise(g.api_user, enterprise, unit=unit, today=today(), **fields)
    db.session.commit()
    return ok(enterprise_detail_json(enterprise_or_404(enterprise.id, detail=True)))


PROJECT_BODY_FIELDS = {"code", "name", "unit_id", "total_investment", "chain_id", "lead_unit_id", "leader_id",
                       "enterprise_uscc", "source", "signed_on", "is_top500", "note"}
PROJECT_BODY = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "maxLength": 30, "description": "项目编号（不能与其他项目重复）"},
        "name": {"type": "string", "maxLength": 200},
        "unit_id": {"type": "integer", "description": "所在县市区或园区"},
        "total_investment": dict(AMOUNT, description="总投资（万元，大于 0；数字或数字文本）"),
        "chain_id": {"type": "integer", "nullable": True}, "lead_unit_id": {"type": "integer", "nullable": True},
        "leader_id": {"type": "integer", "nullable": True, "description": "联系市领导（人员 id）"},
        "enterprise_uscc": {"type": "string", "description": "投资企业的统一社会信用代码（须已在台账中）"},
        "source": enum_schema(ProjectSource,
                              "项目来源：" + choices(ProjectSource) + "；招商引资信息由市商务局或千百十办设置"),
        "signed_on": nullable(DATE), "is_top500": {"type": "boolean"}, "note": {"type": "string", "maxLength": 500},
    },
}


def _project_input(data, current=None):
    refuse_unknown(data, PROJECT_BODY_FIELDS)

    def given(name):
        return current is None or name in data

    unit_id = int_field(data, "unit_id", "所在单位 id", minimum=1) if given("unit_id") else current.unit_id
    chain = _row(Chain, _optional_id(data, "chain_id", "产业链 id"), "chain_id", "产业链") if given("chain_id") \
        else current.chain
    lead = _row(Unit, _optional_id(data, "lead_unit_id", "牵头单位 id"), "lead_unit_id", "牵头单位") \
        if given("lead_unit_id") else current.lead_unit
    leader = _row(Person, _optional_id(data, "leader_id", "联系市领导 id"), "leader_id", "联系市领导") \
        if given("leader_id") else current.leader
    return project_services.ProjectInput(
        code=(text_field(data, "code", "项目编号", 30) if given("code") else current.code),
        name=(text_field(data, "name", "项目名称", 200) if given("name") else current.name),
        unit=_row(Unit, unit_id, "unit_id", "所在县市区或园区"),
        total_investment=(_amount_field(data, "total_investment") if given("total_investment")
                          else current.total_investment),
        chain=chain, lead_unit=lead, leader=leader,
        enterprise_uscc=((text_field(data, "enterprise_uscc", "投资企业信用代码", 40, required=False) or "")
                         if given("enterprise_uscc") else (current.enterprise.uscc if current.enterprise else "")),
        source=(choice_field(data, "source", "项目来源", ProjectSource, ProjectSource.local) if given("source")
                else current.source),
        signed_on=_optional_date(data, "signed_on", "签约日期") if given("signed_on") else current.signed_on,
        is_top500=_bool_field(data, "is_top500", "三类500强", False) if given("is_top500") else current.is_top500,
        note=((text_field(data, "note", "备注", 500, required=False) or "") if given("note") else current.note),
    )


@route("/ledger/projects", method="POST", summary="登记项目（县市区、园区登记本单位项目；千百十办可登记任何单位的）",
       body=dict(PROJECT_BODY, required=["code", "name", "unit_id", "total_investment"]),
       response=PROJECT_DETAIL_SCHEMA, status=201, tag=TAG)
def ledger_project_create():
    data = project_services.create_project(g.api_user, _project_input(json_body()), today())
    db.session.commit()
    return ok(project_detail_json(project_or_404(data.id, detail=True)), 201)


@route("/ledger/projects/<int:project_id>", method="PATCH", summary="修改项目（只改请求中给出的字段）",
       body=PROJECT_BODY, response=PROJECT_DETAIL_SCHEMA, tag=TAG)
def ledger_project_update(project_id):
    project = project_or_404(project_id)
    project_services.update_project(g.api_user, project, _project_input(json_body(), project), today())
    db.session.commit()
    return ok(project_detail_json(project_or_404(project.id, detail=True)))


STAGE_BODY = {"type": "object", "required": ["stage"], "properties": {
    "stage": enum_schema(ProjectStage, choices(ProjectStage)),
    "on": dict(DATE, description="到达该阶段的实际日期（前进时必填，不能晚于今天）"),
    "reason": {"type": "string", "maxLength": 500, "description": "原因（阶段退回时必填）"}}}


@route("/ledger/projects/<int:project_id>/stage", method="POST", summary="变更项目阶段（退回须填写原因）",
       body=STAGE_BODY, response=PROJECT_DETAIL_SCHEMA, tag=TAG)
def ledger_project_stage(project_id):
    project = project_or_404(project_id)
    data = json_body()
    refuse_unknown(data, {"stage", "on", "reason"})
    stage = choice_field(data, "stage", "项目阶段", ProjectStage, None)
    if stage is None:
        raise ServiceError("请填写项目阶段（stage）。", field="stage")
    project_services.change_stage(g.api_user, project, stage, _optional_date(data, "on", "实际日期"),
                                  text_field(data, "reason", "原因", 500, required=False) or "", today())
    db.session.commit()
    return ok(project_detail_json(project_or_404(project.id, detail=True)))


FIGURES_RESULT = {"type": "object", "properties": {
    "month": MONTH_SCHEMA, "rows": {"type": "integer"}, "created": {"type": "integer"},
    "changed": {"type": "integer"}, "message": {"type": "string"}}}


def _figures_body(row_properties):
    return {"type": "object", "required": ["month", "rows"], "properties": {
        "unit_id": {"type": "integer", "description": "报送单位（县市区或园区）；缺省为本账号所在单位"},
        "month": MONTH_SCHEMA,
        "reason": {"type": "string", "maxLength": 500, "description": "说明（逾期更正、累计数调减时必填），对各行适用"},
        "rows": {"type": "array", "maxItems": MAX_FIGURE_ROWS, "items": {"type": "object", "properties": dict(
            row_properties, reason={"type": "string", "maxLength": 500, "description": "该行的说明"})}}}}


MAX_FIGURE_ROWS = 2000


def _report(data, id_name, make, save):
    """Parse a month's figures and save them through the reporting service (one submission, all or nothing)."""
    refuse_unknown(data, {"unit_id", "month", "reason", "rows"})
    month_value = data.get("month")
    month = parse_month(month_value.strip()) if isinstance(month_value, str) else None
    if month is None:
        raise ServiceError("月份（month）必须是 YYYY-MM，如 2026-02。", field="month")
    unit_id = _optional_id(data, "unit_id", "报送单位 id") or g.api_user.unit_id
    if unit_id is None:
        raise ServiceError("请填写报送单位（unit_id）。", field="unit_id")
    unit = _row(Unit, unit_id, "unit_id", "报送单位")
    entries = object_list(data, "rows", "数据行", MAX_FIGURE_ROWS)
    if not entries:
        raise ServiceError("请至少填写一行数据（rows）。", field="rows")
    inputs = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ServiceError(f"第{index}行（rows）必须是对象。", field="rows")
        refuse_unknown(entry, {id_name, "reason", *make.amounts})
        object_id = int_field(entry, id_name, f"第{index}行的 {id_name}", minimum=1)
        inputs.append(make.cls(object_id, **{n: _amount_field(entry, n) for n in make.amounts},
                               reason=text_field(entry, "reason", "说明", 500, required=False),
                               label=f"第{index}行"))
    try:
        result = save(g.api_user, unit, month, inputs,
                      reason=text_field(data, "reason", "说明", 500, required=False))
    except reporting.ReportRefused as refused:
        return error_response(refused.status, refused.message, code=refused.code,
                              errors={refused.field or "rows": refused.messages})
    db.session.commit()
    return ok({"month": month_text(month), "rows": result.rows, "created": result.created,
               "changed": result.changed, "message": result.message})


class _Rows:
    def __init__(self, cls, amounts):
        self.cls, self.amounts = cls, amounts


@route("/ledger/figures/enterprises", method="POST",
       summary="报送本单位企业某月的数据（年初至本月累计，万元；整批保存或整批退回）",
       body=_figures_body({"enterprise_id": {"type": "integer"}, "revenue": nullable(AMOUNT),
                           "output": nullable(AMOUNT), "tax": nullable(AMOUNT)}),
       response=FIGURES_RESULT, tag=TAG)
def ledger_report_enterprise_figures():
    return _report(json_body(), "enterprise_id",
                   _Rows(reporting.EnterpriseFigureInput, ("revenue", "output", "tax")),
                   reporting.save_enterprise_figures)


@route("/ledger/figures/projects", method="POST",
       summary="报送本单位项目某月的数据（完成投资、到位资金，年初至本月累计，万元；整批保存或整批退回）",
       body=_figures_body({"project_id": {"type": "integer"}, "invested": AMOUNT, "funds": nullable(AMOUNT)}),
       response=FIGURES_RESULT, tag=TAG)
def ledger_report_project_figures():
    return _report(json_body(), "project_id", _Rows(reporting.ProjectFigureInput, ("invested", "funds")),
                   reporting.save_project_figures)


@route("/ledger/figures/chains", method="POST",
       summary="报送产业链某月规模（亿元，年初至本月累计；由牵头该产业链的单位报送，整批保存或整批退回）",
       body=_figures_body({"chain_id": {"type": "integer"}, "scale": dict(AMOUNT, description="规模（亿元）")}),
       response=FIGURES_RESULT, tag=TAG)
def ledger_report_chain_scale():
    return _report(json_body(), "chain_id", _Rows(reporting.ChainScaleInput, ("scale",)), reporting.save_chain_scale)


MILESTONES_BODY = {"type": "object", "required": ["milestones"], "properties": {"milestones": {
    "type": "array", "maxItems": len(ProjectStage), "description": "给出的阶段按此设置，未给出的阶段保持不变",
    "items": {"type": "object", "required": ["stage"], "properties": {
        "stage": enum_schema(ProjectStage), "planned_on": nullable(DATE),
        "actual_on": nullable(dict(DATE, description="只能填写已到达阶段的实际日期，不能晚于今天"))}}}}}


@route("/ledger/projects/<int:project_id>/milestones", method="PUT",
       summary="设置项目各阶段的计划日期和实际日期（计划日期须按阶段先后排列）", body=MILESTONES_BODY,
       response=PROJECT_DETAIL_SCHEMA, tag=TAG)
def ledger_project_milestones(project_id):
    project = project_or_404(project_id, detail=True)
    data = json_body()
    refuse_unknown(data, {"milestones"})
    dates = {m.stage: (m.planned_on, m.actual_on) for m in project.milestones}
    for index, entry in enumerate(object_list(data, "milestones", "阶段日期", len(ProjectStage)), start=1):
        if not isinstance(entry, dict):
            raise ServiceError(f"第{index}项（milestones）必须是对象。", field="milestones")
        refuse_unknown(entry, {"stage", "planned_on", "actual_on"})
        stage = choice_field(entry, "stage", f"第{index}项的阶段", ProjectStage, None)
        if stage is None:
            raise ServiceError(f"第{index}项：请填写阶段（stage）。", field="milestones")
        dates[stage] = (_optional_date(entry, "planned_on", f"“{stage.label}”的计划日期"),
                        _optional_date(entry, "actual_on", f"“{stage.label}”的实际日期"))
    project_services.set_milestones(g.api_user, project, dates, today())
    db.session.commit()
    return ok(project_detail_json(project_or_404(project.id, detail=True)))


@route("/ledger/projects/<int:project_id>/year-plans/<int:year>", method="PUT",
       summary="设置项目某年的年度计划投资（万元）",
       body={"type": "object", "required": ["planned_investment"],
             "properties": {"planned_investment": dict(AMOUNT, description="年度计划投资（万元）")}},
       response=PROJECT_DETAIL_SCHEMA, tag=TAG)
def ledger_project_year_plan(project_id, year):
    project = project_or_404(project_id, detail=True)
    data = json_body()
    refuse_unknown(data, {"planned_investment"})
    project_services.set_year_plan(g.api_user, project, year, _amount_field(data, "planned_investment"), today())
    db.session.commit()
    return ok(project_detail_json(project_or_404(project.id, detail=True)))
