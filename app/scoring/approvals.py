"""The approval chain of results (附件2 一, 四, 五(一)3): the office's 考评意见 on a quarter's and on the year's
results; the leadership group's 审定 of the year, which freezes the annual results (YearSetting.annual_snapshot)
until it is reopened with a recorded reason; and the result sheets of the units whose annual result goes to a
superior department or parent company, with a record of when each was sent (ResultDispatch).

The 审定 of a quarter is `app.scoring.services.finalize_quarter`, which requires the quarter's 考评意见 and the
date and 文号 checked here. Services flush; the request commits.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload

from app.core.audit import record_change
from app.core.clock import today, utcnow
from app.core.errors import Conflict, PermissionDenied, ServiceError
from app.core.text import multi_line, one_line
from app.extensions import db
from app.org.models import Unit
from app.scoring import engine
from app.scoring.models import (
    AnnualReopening,
    QuarterStatus,
    ResultDispatch,
    ResultOpinion,
    ScoringQuarter,
    YearSetting,
)
from app.scoring.quarters import REASON_TEXT_MAX, check_period, quarter_state
from app.scoring.reports import frozen_year_report, year_report

OPINION_MAX = 4000
DOC_NUMBER_MAX = 100
DOC_NUMBER_EXAMPLE = "潭千百十〔2026〕5号"
SENT_TO_MAX = 100
NOTE_MAX = 2000
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
# where a unit's annual result is sent when the office does not name the department or company
DEFAULT_SENT_TO = {engine.ReportTarget.superior_authority.value: "上级主管部门",
                   engine.ReportTarget.parent_company.value: "上级公司"}


def _period_name(year, quarter):
    return f"{year}年{QUARTER_NAMES[quarter]}" if quarter else f"{year}年度"


def check_year(year):
    try:
        year = int(year)
    except (TypeError, ValueError, OverflowError):
        raise ServiceError("年份必须是整数。") from None
    if not 2000 <= year <= 2100:
        raise ServiceError("年份应在 2000 到 2100 之间。")
    return year


# --- the date and 文号 of a 审定 -------------------------------------------------------------------------------

def check_doc_number(raw, field="doc_number"):
    """The 文号 of the leadership group's document, e.g. 潭千百十〔2026〕5号: required, one line."""
    value = one_line(raw, "审定文号", DOC_NUMBER_MAX, field=field)
    if not value:
        raise ServiceError(f"请填写领导小组审定的文号（如 {DOC_NUMBER_EXAMPLE}）。", field=field)
    return value


def check_approved_on(approved_on, earliest: date, period: str, field="approved_on"):
    """The date of a 审定: given, not in the future, not before the end of the period it approves."""
    if approved_on is None:
        raise ServiceError("请填写领导小组审定的日期。", field=field)
    if not isinstance(approved_on, date):
        raise ServiceError("审定日期格式不正确，请使用 2026-04-15 这样的日期。", field=field)
    if approved_on > today():
        raise ServiceError(f"审定日期不能晚于今天（{today().isoformat()}），请填写领导小组实际审定的日期。",
                           field=field)
    if approved_on < earliest:
        raise ServiceError(f"审定日期不能早于{period}结束（{earliest.isoformat()}），请重新填写。", field=field)
    return approved_on


# --- 考评意见 --------------------------------------------------------------------------------------------------

def opinion_of(year, quarter=None):
    """The office's 考评意见 on a quarter (1..4) or on the year (None), or None."""
    query = sa.select(ResultOpinion).where(ResultOpinion.year == year)
    query = query.where(ResultOpinion.quarter.is_(None) if quarter is None else ResultOpinion.quarter == quarter)
    return db.session.scalar(query)


def opinion_json(row):
    """What a snapshot keeps of an opinion."""
    if row is None:
        return None
    return {"opinion": row.opinion, "opinion_on": row.opinion_on.isoformat() if row.opinion_on else None,
            "by": row.opinion_by.display_name if row.opinion_by else None}


def set_opinion(actor, year, quarter, text, opinion_on: date):
    """Write or change the office's 考评意见 on a quarter's (quarter 1..4) or the year's (quarter None) results.
    Refused once that period has been approved: the opinion went to the leadership group with the results."""
    if quarter is None:
        year = check_year(year)
    else:
        year, quarter = check_period(year, quarter)
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以填写考评意见。")
    name = _period_name(year, quarter)
    if quarter is None:
        setting = db.session.get(YearSetting, year)
        approved, reopen = setting is not None and setting.annual_finalized_at is not None, "年度结果"
    else:
        state = quarter_state(year, quarter)
        approved, reopen = state is not None and state.is_finalized, "本季度"
    if approved:
        raise ServiceError(f"{name}考评结果已经领导小组审定，考评意见不能再修改；"
                           f"如需更正，请先说明理由重新打开{reopen}。", code="frozen", status=409)
    text = multi_line(text, "考评意见", OPINION_MAX, field="opinion")
    if not text:
        raise ServiceError("请填写考评意见（对本期考评结果的意见，提交领导小组审定）。", field="opinion")
    if opinion_on is None:
        raise ServiceError("请填写考评意见的日期。", field="opinion_on")
    if opinion_on > today():
        raise ServiceError(f"考评意见的日期不能晚于今天（{today().isoformat()}）。", field="opinion_on")
    start = engine.quarter_dates(year, quarter or 1)[0]
    if opinion_on < start:
        raise ServiceError(f"考评意见的日期不能早于{name}开始（{start.isoformat()}）。", field="opinion_on")
    row = opinion_of(year, quarter)
    before = {"opinion": row.opinion, "opinion_on": row.opinion_on.isoformat() if row.opinion_on else None} \
        if row is not None else None
    if row is None:
        row = ResultOpinion(year=year, quarter=quarter)
        db.session.add(row)
    row.opinion, row.opinion_on, row.opinion_by_id = text, opinion_on, actor.id
    db.session.flush()
    record_change(actor, "result_opinion.set", row, before,
                  {"year": year, "quarter": quarter, "opinion": text, "opinion_on": opinion_on.isoformat()})
    return row


def require_opinion(year, quarter=None):
    row = opinion_of(year, quarter)
    if row is None or not (row.opinion or "").strip():
        where = "季度结果页" if quarter else "年度考评结果页"
        raise ServiceError(f"{_period_name(year, quarter)}尚无千百十办的考评意见：请先在{where}填写考评意见，"
                           "再提交领导小组审定。", code="no_opinion")
    return row


# --- the year: frozen when approved, reopened with a reason -----------------------------------------------------

def _setting(year, lock=False):
    query = sa.select(YearSetting).where(YearSetting.year == year)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def finalize_year(actor, year, evaluated_on: date, approved_on: date, doc_number):
    """The leadership group's 审定 of the year (附件2 四: by 30 January of the next year): all four quarters
    approved and the year's 考评意见 written; stores the annual results as the frozen snapshot."""
    year = check_year(year)
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以录入年度考评结果的审定。")
    setting = _setting(year, lock=True)
    if setting is not None and setting.annual_finalized_at is not None:
        raise Conflict(f"{year}年度考评结果已经审定并冻结。")
    if evaluated_on is None:
        raise ServiceError("请填写评价日期。", field="evaluated_on")
    approved_on = check_approved_on(approved_on, engine.quarter_dates(year, 4)[1], f"{year}年度")
    doc_number = check_doc_number(doc_number)
    finalized = set(db.session.scalars(sa.select(ScoringQuarter.quarter).where(
        ScoringQuarter.year == year, ScoringQuarter.status == QuarterStatus.finalized)))
    open_quarters = [QUARTER_NAMES[q] for q in (1, 2, 3, 4) if q not in finalized]
    if open_quarters:
        raise ServiceError(f"{year}年{'、'.join(open_quarters)}考评结果尚未审定：四个季度均审定后才能审定年度结果。",
                           code="quarters_open")
    opinion = require_opinion(year)
    report = year_report(year, evaluated_on, live=True)
    report["quarter_status"] = {str(q): status for q, status in report["quarter_status"].items()}  # as JSON keeps it
    if setting is None:
        setting = YearSetting(year=year)
        db.session.add(setting)
    now = utcnow()
    setting.annual_finalized_at, setting.annual_finalized_by_id = now, actor.id
    setting.annual_approved_on, setting.annual_doc_number = approved_on, doc_number
    setting.annual_snapshot = dict(report, finalized_at=now.isoformat(), finalized_by=actor.display_name,
                                   approved_on=approved_on.isoformat(),
                                   doc_number=doc_number, opinion=opinion_json(opinion))
    db.session.flush()
    record_change(actor, "year.finalize", setting, {"annual_finalized": False},
                  {"annual_finalized": True, "evaluated_on": evaluated_on.isoformat(),
                   "approved_on": approved_on.isoformat(), "doc_number": doc_number,
                   "rule_set_id": report.get("rule_set_id")}, object_type="scoring_years")
    return setting


def reopen_year(actor, year, reason):
    """Reopen the frozen annual results, with a recorded reason; the old snapshot is kept with the reopening."""
    year = check_year(year)
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以重新打开已审定的年度考评结果。")
    reason = multi_line(reason, "理由", REASON_TEXT_MAX, field="reason")
    if not reason:
        raise ServiceError("重新打开已审定的年度考评结果必须说明理由。", field="reason")
    setting = _setting(year, lock=True)
    if setting is None or setting.annual_finalized_at is None:
        raise ServiceError(f"{year}年度考评结果尚未审定，无需重新打开。", code="not_finalized", status=409)
    before = {"annual_finalized": True, "approved_on": setting.annual_approved_on.isoformat()
              if setting.annual_approved_on else None, "doc_number": setting.annual_doc_number}
    db.session.add(AnnualReopening(year=year, reason=reason, by_id=actor.id, previous_snapshot=setting.annual_snapshot))
    setting.annual_finalized_at = setting.annual_finalized_by_id = setting.annual_snapshot = None
    setting.annual_approved_on = setting.annual_doc_number = None
    db.session.flush()
    record_change(actor, "year.reopen", setting, before, {"annual_finalized": False}, reason=reason,
                  object_type="scoring_years")
    return setting


def annual_reopenings(year):
    """The year's reopenings with who reopened each (one query)."""
    return db.session.scalars(sa.select(AnnualReopening).where(AnnualReopening.year == year)
                              .options(joinedload(AnnualReopening.by), defer(AnnualReopening.previous_snapshot))
                              .order_by(AnnualReopening.at, AnnualReopening.id)).all()


# --- result sheets of the units reported upward (五(一)3) and their dispatch ---------------------------------------

@dataclass
class SheetUnit:
    """A unit whose annual result is reported to a superior department or parent company, from the frozen year."""

    row: dict  # its row of the frozen annual report
    target: str  # engine.ReportTarget value
    dispatch: ResultDispatch | None

    @property
    def unit_id(self):
        return self.row["unit_id"]

    @property
    def name(self):
        return self.row["name"]

    @property
    def default_sent_to(self):
        return DEFAULT_SENT_TO.get(self.target, "上级主管部门")

    @property
    def target_label(self):
        return engine.ReportTarget(self.target).label


def reported_rows(report):
    """The rows of an annual report whose result goes upward, in the report's order."""
    return [row for row in report["units"] if row.get("report_to")]


def sheet_units(year, report=None):
    """The units reported upward of a frozen year, each with its dispatch (two queries); [] when not frozen."""
    report = report if report is not None else frozen_year_report(year)
    if report is None:
        return []
    dispatches = {d.unit_id: d for d in db.session.scalars(sa.select(ResultDispatch).where(
        ResultDispatch.year == year))}
    return [SheetUnit(row, row["report_to"], dispatches.get(row["unit_id"])) for row in reported_rows(report)]


def record_dispatch(actor, year, unit_id, sent_on: date, sent_to=None, doc_number=None, note=None):
    """Record (or correct) when a unit's annual result sheet was sent to its superior department or parent
    company: only for a frozen year and a unit reported upward."""
    year = check_year(year)
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以记录结果报送。")
    report = frozen_year_report(year)
    if report is None:
        raise ServiceError(f"{year}年度考评结果尚未经领导小组审定冻结，不能报送；请先审定年度结果。",
                           code="year_not_frozen", status=409)
    unit = db.session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    row = next((r for r in report["units"] if r["unit_id"] == unit_id), None)
    if unit is None or row is None or not row.get("report_to"):
        name = unit.name if unit is not None else "该单位"
        raise ServiceError(f"{name}的年度考评结果不报送上级主管部门或上级公司（附件2 五(一)3 只列了市税务局、"
                           "国网湘潭供电公司等单位），无需记录报送。", field="unit_id", code="not_reported")
    if sent_on is None:
        raise ServiceError("请填写报送日期。", field="sent_on")
    if sent_on > today():
        raise ServiceError(f"报送日期不能晚于今天（{today().isoformat()}）。", field="sent_on")
    approved = date.fromisoformat(report["approved_on"]) if report.get("approved_on") else None
    if approved is not None and sent_on < approved:
        raise ServiceError(f"报送日期不能早于年度考评结果的审定日期（{approved.isoformat()}）。", field="sent_on")
    sent_to = one_line(sent_to, "报送对象", SENT_TO_MAX, field="sent_to") or DEFAULT_SENT_TO.get(
        row["report_to"], "上级主管部门")
    doc_number = one_line(doc_number, "报送文号", DOC_NUMBER_MAX, field="doc_number") or None
    note = multi_line(note, "备注", NOTE_MAX, field="note") or None
    dispatch = db.session.scalar(sa.select(ResultDispatch).where(ResultDispatch.year == year,
                                                                 ResultDispatch.unit_id == unit.id))
    before = None
    if dispatch is None:
        dispatch = ResultDispatch(year=year, unit_id=unit.id)
        db.session.add(dispatch)
    else:
        before = {"sent_on": dispatch.sent_on.isoformat(), "sent_to": dispatch.sent_to,
                  "doc_number": dispatch.doc_number, "note": dispatch.note}
    dispatch.sent_on, dispatch.sent_to, dispatch.doc_number, dispatch.note = sent_on, sent_to, doc_number, note
    dispatch.sent_by_id = actor.id
    db.session.flush()
    record_change(actor, "result_dispatch.set", dispatch, before,
                  {"year": year, "unit_id": unit.id, "sent_on": sent_on.isoformat(), "sent_to": sent_to,
                   "doc_number": doc_number, "note": note})
    return dispatch
