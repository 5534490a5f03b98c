"""The year's inputs besides scores, entered by the office: the counties' and parks' policy fulfilment rates,
the province-first flag, and the leadership group's 不合格 decisions. None of them may change while the year's
annual results are frozen (approved by the leadership group, see app.scoring.approvals): `require_year_open`."""

from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from app.core.audit import record_change
from app.core.errors import PermissionDenied, ServiceError
from app.core.text import multi_line, one_line
from app.extensions import db
from app.scoring import engine
from app.scoring.models import FailDecision, PolicyRate, YearSetting
from app.scoring.quarters import REASON_TEXT_MAX


def year_frozen(year) -> bool:
    """Whether the year's annual results have been approved and frozen (YearSetting.annual_finalized_at)."""
    setting = db.session.get(YearSetting, year)
    return bool(setting is not None and setting.annual_finalized_at is not None)


def require_year_open(year, what="年度考评的输入"):
    """Refuse a change to the year's inputs while its annual results are frozen."""
    if year_frozen(year):
        raise ServiceError(f"{year}年度考评结果已经领导小组审定并冻结，不能再修改{what}；如需更正，"
                           "请由千百十办在年度考评结果页说明理由，重新打开年度结果后再修改。",
                           code="year_frozen", status=409)


def set_policy_rate(actor, year, unit, raw_rate, note=None):
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以录入政策兑现率。")
    require_year_open(year, "政策兑现率")
    if unit is None or unit.group is None or unit.group.value not in ("county", "park1", "park2"):
        raise ServiceError("政策兑现率只适用于县市区和园区。", field="unit_id")
    text = str(raw_rate).strip().rstrip("%") if raw_rate is not None else ""
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise ServiceError(f"政策兑现率“{text[:20]}”不是数字，请填写 0 到 100 之间的百分数。", field="rate") from None
    if not rate.is_finite() or not 0 <= rate <= 100:
        raise ServiceError("政策兑现率应在 0% 到 100% 之间。", field="rate")
    if rate != rate.quantize(engine.CENT):
        raise ServiceError("政策兑现率最多保留两位小数。", field="rate")
    note = one_line(note, "备注", 500, field="note")
    row = db.session.scalar(sa.select(PolicyRate).where(PolicyRate.year == year, PolicyRate.unit_id == unit.id))
    before = {"rate": str(row.rate)} if row else None
    if row is None:
        row = PolicyRate(year=year, unit_id=unit.id, rate=rate, note=note or None, entered_by_id=actor.id)
        db.session.add(row)
    else:
        row.rate, row.note, row.entered_by_id = rate, note or None, actor.id
    db.session.flush()
    record_change(actor, "policy_rate.set", row, before, {"year": year, "unit_id": unit.id, "rate": str(rate)})
    return row


def set_province_first(actor, year, flag: bool, note=None):
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以设置该项。")
    require_year_open(year, "“省真抓实干督查激励排名第一”的设置")
    setting = db.session.get(YearSetting, year)
    before = {"province_first": setting.province_first} if setting else None
    if setting is None:
        setting = YearSetting(year=year)
        db.session.add(setting)
    setting.province_first, setting.note = bool(flag), note or None
    db.session.flush()
    record_change(actor, "year.province_first", setting, before, {"province_first": bool(flag), "note": note},
                  object_type="scoring_years")
    return setting


def record_fail_decision(actor, year, unit, reason, decided_on: date):
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以录入领导小组的不合格决定。")
    require_year_open(year, "不合格决定")
    if unit is None or unit.group is None or unit.group.value not in ("promotion", "support"):
        raise ServiceError("“不合格”等次只适用于市直单位和相关企业。", field="unit_id")
    reason = multi_line(reason, "理由", REASON_TEXT_MAX, field="reason")
    if not reason:
        raise ServiceError("请填写领导小组决定的理由。", field="reason")
    if decided_on is None:
        raise ServiceError("请填写决定日期。", field="decided_on")
    if db.session.scalar(sa.select(FailDecision.id).where(FailDecision.year == year, FailDecision.unit_id == unit.id)):
        raise ServiceError(f"{unit.name}在 {year} 年已有不合格决定。", code="duplicate", status=409)
    row = FailDecision(year=year, unit_id=unit.id, reason=reason, decided_on=decided_on, entered_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    record_change(actor, "fail_decision.create", row, None, {"year": year, "unit_id": unit.id, "reason": reason})
    return row


def delete_fail_decision(actor, row, reason):
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以撤销不合格决定。")
    require_year_open(row.year, "不合格决定")
    reason = multi_line(reason, "理由", REASON_TEXT_MAX, field="reason")
    if not reason:
        raise ServiceError("撤销不合格决定必须说明理由。", field="reason")
    record_change(actor, "fail_decision.delete", row, {"year": row.year, "unit_id": row.unit_id,
                                                       "reason": row.reason}, None, reason=reason)
    db.session.delete(row)
    db.session.flush()
