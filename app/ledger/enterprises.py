"""Enterprise services (issue #14 part 1): create and change an enterprise, its registry memberships and its
listing pipeline steps. Each checks who may act (app.ledger.permissions), refuses bad input with a Chinese
message naming the field (app.core.errors.ServiceError), flushes, writes the audit entry, and never commits.
"""

from datetime import date

import sqlalchemy as sa

from app.core.audit import diff, record_change, snapshot
from app.core.errors import Conflict, PermissionDenied, ServiceError
from app.core.text import multi_line, one_line
from app.extensions import db
from app.ledger import permissions
from app.ledger.models import (
    Enterprise,
    EnterpriseChain,
    ListingStage,
    ListingStep,
    Registry,
    RegistryMembership,
    SpecializedLevel,
)
from app.org.models import Chain, Person, Unit, UnitGroup, UnitKind

NAME_MAX = 100
NOTE_MAX = 500
REASON_MAX = 500
PLAN_DOCUMENT_MAX = 20000
YEAR_MIN = 1990

AUDITED = ("name", "uscc", "unit_id", "is_above_scale", "above_scale_since", "left_scale_on", "liaison_id", "note",
           "is_active")


# --- checks shared by the services ----------------------------------------------------------------------------

def is_owner_unit(unit) -> bool:
    """Only a county (党政机关 of the 县市区组) or a park keeps enterprises."""
    return unit is not None and (unit.kind is UnitKind.park
                                 or (unit.kind is UnitKind.government and unit.group is UnitGroup.county))


def owner_units_query():
    return (sa.select(Unit).where(Unit.is_active, sa.or_(Unit.kind == UnitKind.park,
                                                        sa.and_(Unit.kind == UnitKind.government,
                                                                Unit.group == UnitGroup.county)))
            .order_by(Unit.sort_order, Unit.id))


def normalise_uscc(value) -> str:
    """The 统一社会信用代码 compacted (spaces and dashes removed, upper case) and checked with python-stdnum."""
    from stdnum import exceptions
    from stdnum.cn import uscc

    raw = "" if value is None else str(value)
    if any(ord(ch) < 32 for ch in raw):
        raise ServiceError("“统一社会信用代码”不能包含换行符或其他控制字符。", field="uscc", status=400)
    code = uscc.compact(raw)
    if not code:
        raise ServiceError("请填写统一社会信用代码。", field="uscc")
    if len(code) != 18:
        raise ServiceError(f"统一社会信用代码应为 18 位（当前 {len(code)} 位），请核对后重新填写。", field="uscc")
    try:
        return uscc.validate(code)
    except exceptions.InvalidChecksum:
        raise ServiceError("统一社会信用代码的校验位（第 18 位）不正确，请核对后重新填写。", field="uscc") from None
    except exceptions.ValidationError:
        raise ServiceError("统一社会信用代码格式不正确：应为 18 位数字或大写字母（不含 I、O、S、V、Z），"
                           "请核对后重新填写。", field="uscc") from None


def _check_unique_uscc(actor, code, enterprise_id=None):
    other = db.session.execute(sa.select(Enterprise.id, Enterprise.name, Enterprise.unit_id)
                               .where(Enterprise.uscc == code, Enterprise.id != (enterprise_id or 0))).first()
    if other is not None:
        named = f"企业“{other.name}”" if permissions.can_read_unit_rows(actor, other.unit_id) else "另一家企业"
        raise ServiceError(f"统一社会信用代码 {code} 已登记为{named}，同一代码不能重复登记。", field="uscc",
                           code="duplicate", status=409)


def _check_day(day, label, field, today, *, required=False):
    if day is None:
        if required:
            raise ServiceError(f"请填写{label}。", field=field)
        return None
    if not isinstance(day, date):
        raise ServiceError(f"{label}格式不正确，请使用 2026-03-01 这样的格式。", field=field, status=400)
    if day > today:
        raise ServiceError(f"{label}不能晚于今天（{today.isoformat()}）。", field=field)
    return day


def _check_year(year, label, today, *, required):
    if year is None:
        if required:
            raise ServiceError(f"请填写{label}。", field="year")
        return None
    if not isinstance(year, int) or isinstance(year, bool) or not YEAR_MIN <= year <= today.year:
        raise ServiceError(f"{label}应在 {YEAR_MIN} 到 {today.year} 之间。", field="year")
    return year


def _chains(chain_ids, master_ids):
    chain_ids = list(dict.fromkeys(chain_ids or ()))
    master_ids = set(master_ids or ())
    if not chain_ids:
        raise ServiceError("请至少选择一条所属产业链。", field="chains")
    found = {c.id: c for c in db.session.scalars(sa.select(Chain).where(Chain.id.in_(chain_ids)))}
    if len(found) != len(chain_ids):
        raise ServiceError("所属产业链中有无效的选项，请从列表中选择。", field="chains")
    if not master_ids <= set(chain_ids):
        raise ServiceError("链主企业只能标在所属产业链上：请同时勾选该产业链。", field="masters")
    return [(chain_id, chain_id in master_ids) for chain_id in chain_ids]


def _liaison(liaison_id):
    if liaison_id is None:
        return None
    person = db.session.get(Person, liaison_id) if isinstance(liaison_id, int) else None
    if person is None or not person.is_active:
        raise ServiceError("请从列表中选择有效的联点领导。", field="liaison_id")
    return person.id


def _scale_dates(since, left, today):
    since = _check_day(since, "规上时间", "above_scale_since", today)
    left = _check_day(left, "退规时间", "left_scale_on", today)
    if since is not None:
        since = since.replace(day=1)
    if left is not None and since is None:
        raise ServiceError("填写退规时间前，请先填写规上时间。", field="left_scale_on")
    if left is not None and left < since:
        raise ServiceError("退规时间不能早于规上时间。", field="left_scale_on")
    return since, left


def chain_state(enterprise):
    """The chains as audited: ["3", "5*"] (* = 链主)."""
    return sorted(f"{link.chain_id}{'*' if link.is_master else ''}" for link in enterprise.chain_links)


def _state(enterprise):
    state = snapshot(enterprise, AUDITED)
    state["chains"] = chain_state(enterprise)
    return state


# --- enterprises ----------------------------------------------------------------------------------------------

def _apply(actor, enterprise, *, name, uscc, unit, chain_ids, master_ids=(), above_scale_since=None,
           left_scale_on=None, liaison_id=None, note="", is_active=None, today):
    name = one_line(name, "企业名称", NAME_MAX, required=True, field="name")
    code = normalise_uscc(uscc)
    if not is_owner_unit(unit) or not unit.is_active:
        raise ServiceError("所属县市区/园区必须是县市区人民政府或园区管委会，请从列表中选择。", field="unit_id")
    links = _chains(chain_ids, master_ids)
    liaison = _liaison(liaison_id)
    since, left = _scale_dates(above_scale_since, left_scale_on, today)
    note = multi_line(note, "备注", NOTE_MAX, field="note")
    _check_unique_uscc(actor, code, enterprise.id)
    enterprise.name, enterprise.uscc, enterprise.unit_id = name, code, unit.id
    enterprise.above_scale_since, enterprise.left_scale_on = since, left
    enterprise.is_above_scale = since is not None and left is None
    enterprise.liaison_id, enterprise.note = liaison, note
    if is_active is not None:  # None: unchanged (a new enterprise is active)
        enterprise.is_active = bool(is_active)
    existing = {link.chain_id: link for link in enterprise.chain_links}
    wanted = dict(links)
    for chain_id, link in existing.items():
        if chain_id not in wanted:
            enterprise.chain_links.remove(link)
        else:
            link.is_master = wanted[chain_id]
    for chain_id, is_master in links:
        if chain_id not in existing:
            enterprise.chain_links.append(EnterpriseChain(chain_id=chain_id, is_master=is_master))


def create_enterprise(actor, *, unit, today, **fields):
    """A new enterprise of `unit` (a county or park), kept by that unit's staff or the office."""
    if unit is None or not permissions.can_keep(actor, unit.id):
        raise PermissionDenied("您只能登记本单位（县市区或园区）的企业。", field="unit_id")
    enterprise = Enterprise(chain_links=[], is_active=True)
    _apply(actor, enterprise, unit=unit, today=today, **fields)
    db.session.add(enterprise)
    db.session.flush()
    record_change(actor, "enterprise.create", enterprise, None, _state(enterprise))
    return enterprise


def update_enterprise(actor, enterprise, *, unit, today, **fields):
    """Change an enterprise; only the office moves one to another county or park."""
    if not permissions.can_keep(actor, enterprise.unit_id):
        raise PermissionDenied("只有企业所属县市区或园区的工作人员（或千百十办）可以修改该企业。")
    if unit is None or (unit.id != enterprise.unit_id and not actor.is_admin):
        raise PermissionDenied("只有千百十办可以把企业调整到其他县市区或园区。", field="unit_id")
    before = _state(enterprise)
    _apply(actor, enterprise, unit=unit, today=today, **fields)
    db.session.flush()
    old, new = diff(before, _state(enterprise))
    if new:
        record_change(actor, "enterprise.update", enterprise, old, new)
    return enterprise


# --- registries -----------------------------------------------------------------------------------------------

def _keeper_check(actor, kind):
    if not permissions.can_keep_registry(actor, kind):
        keeper = permissions.REGISTRY_KEEPERS[kind]
        raise PermissionDenied(f"“{kind.label}”由{keeper}维护，您没有权限修改。", field="kind")


def membership_state(m):
    return {"enterprise_id": m.enterprise_id, "kind": m.kind.value, "level": m.level.value if m.level else None,
            "year": m.year, "starts_on": m.starts_on.isoformat(),
            "ends_on": m.ends_on.isoformat() if m.ends_on else None, "reason": m.reason,
            "plan_document": m.plan_document, "end_reason": m.end_reason}


def add_membership(actor, enterprise, *, kind, level=None, year=None, starts_on, reason, plan_document="",
                   today):
    """Enter the enterprise in a registry from `starts_on`, saying why (专精特新: level and year; 高企: year;
    100亿级培育名录: the 一企一策 plan)."""
    if not isinstance(kind, Registry):
        raise ServiceError("请从列表中选择名录（库）。", field="kind")
    _keeper_check(actor, kind)
    if kind is Registry.specialized:
        if not isinstance(level, SpecializedLevel):
            raise ServiceError("专精特新请选择认定层级。", field="level")
        year = _check_year(year, "认定年份", today, required=True)
    else:
        if level is not None:
            raise ServiceError("只有专精特新需要选择认定层级。", field="level")
        year = _check_year(year, "认定年份", today, required=kind is Registry.high_tech)
    starts_on = _check_day(starts_on, "入库日期", "starts_on", today, required=True)
    reason = one_line(reason, "入库理由", REASON_MAX, required=True, field="reason")
    if kind is Registry.hundred_billion:
        plan_document = multi_line(plan_document, "一企一策方案", PLAN_DOCUMENT_MAX, required=True,
                                   field="plan_document")
    elif plan_document and str(plan_document).strip():
        raise ServiceError("只有100亿级企业重点培育名录需要填写一企一策方案。", field="plan_document")
    else:
        plan_document = ""
    open_same = sa.select(RegistryMembership).where(
        RegistryMembership.enterprise_id == enterprise.id, RegistryMembership.kind == kind,
        RegistryMembership.ends_on.is_(None))
    if kind is Registry.specialized:
        open_same = open_same.where(RegistryMembership.level == level)
    current = db.session.scalars(open_same).first()
    if current is not None:
        raise Conflict(f"该企业已在“{current.label}”中（{current.starts_on.isoformat()} 入库，尚未移出），"
                        "不能重复入库。", field="kind")
    membership = RegistryMembership(enterprise_id=enterprise.id, kind=kind, level=level, year=year,
                                    starts_on=starts_on, reason=reason, plan_document=plan_document,
                                    added_by_id=actor.id)
    db.session.add(membership)
    db.session.flush()
    record_change(actor, "enterprise.registry_add", membership, None, membership_state(membership), reason=reason)
    return membership


def end_membership(actor, membership, *, ends_on, reason, today):
    """Take the enterprise out of the registry on `ends_on`, saying why."""
    _keeper_check(actor, membership.kind)
    if membership.ends_on is not None:
        raise ServiceError(f"该记录已于 {membership.ends_on.isoformat()} 移出，不能再次移出。", field="ends_on",
                           code="conflict", status=409)
    ends_on = _check_day(ends_on, "移出日期", "ends_on", today, required=True)
    if ends_on < membership.starts_on:
        raise ServiceError(f"移出日期不能早于入库日期（{membership.starts_on.isoformat()}）。", field="ends_on")
    reason = one_line(reason, "移出理由", REASON_MAX, required=True, field="end_reason")
    before = membership_state(membership)
    membership.ends_on, membership.end_reason, membership.ended_by_id = ends_on, reason, actor.id
    db.session.flush()
    old, new = diff(before, membership_state(membership))
    record_change(actor, "enterprise.registry_end", membership, old, new, reason=reason)
    return membership


# --- listing pipeline -----------------------------------------------------------------------------------------

def record_listing_step(actor, enterprise, *, stage, reached_on, note="", reason="", today):
    """Record a stage of the listing pipeline reached on `reached_on`; the enterprise's stage is the furthest one
    reached. A stage before the current one needs a reason (kept in the audit entry)."""
    if not permissions.can_keep_listing(actor):
        raise PermissionDenied(f"上市梯队由{permissions.LISTING_KEEPER}维护，您没有权限修改。", field="stage")
    if not isinstance(stage, ListingStage):
        raise ServiceError("请从列表中选择上市梯队阶段。", field="stage")
    reached_on = _check_day(reached_on, "达到日期", "reached_on", today, required=True)
    note = one_line(note, "说明", NOTE_MAX, field="note")
    reason = one_line(reason, "理由", REASON_MAX, field="reason")
    steps = db.session.scalars(sa.select(ListingStep).where(ListingStep.enterprise_id == enterprise.id)).all()
    same = next((s for s in steps if s.stage is stage), None)
    if same is not None:
        raise ServiceError(f"“{stage.label}”已于 {same.reached_on.isoformat()} 记录，不能重复记录。", field="stage",
                           code="conflict", status=409)
    current = enterprise.listing
    if current is not None and stage.order < current.order and not reason:
        raise ServiceError(f"“{stage.label}”早于当前阶段“{current.label}”，请填写理由。", field="reason")
    step = ListingStep(enterprise_id=enterprise.id, stage=stage, reached_on=reached_on, note=note,
                       recorded_by_id=actor.id)
    db.session.add(step)
    # the stage kept on the enterprise counts too: the import and the demo may set it without its steps
    furthest = max([s.stage for s in steps] + [stage] + ([current] if current else []), key=lambda s: s.order)
    before_stage = enterprise.listing_stage
    enterprise.listing_stage = furthest.value
    db.session.flush()
    record_change(actor, "enterprise.listing_step", step, None,
                  {"enterprise_id": enterprise.id, "stage": stage.value, "reached_on": reached_on.isoformat(),
                   "note": note}, reason=reason or None)
    if before_stage != enterprise.listing_stage:
        record_change(actor, "enterprise.update", enterprise, {"listing_stage": before_stage},
                      {"listing_stage": enterprise.listing_stage}, reason=reason or None)
    return step
