"""Finalizing and reopening a quarter: the actions around the assessment's lifecycle.

The rest of the assessment is in modules along its lines, each importing only those before it: `year_rules` (the
year's rules: load, validate, save, start a year), `quarters` (a quarter's period and lifecycle row), `entries`
(scores entered by assessors), `reports` (the quarter's and the year's results, computed live or from the
frozen snapshot), `year_inputs` (policy rates, the province-first flag, 不合格 decisions), `approvals` (考评意见, the
year frozen and reopened, result sheets) and `queries` (the pages', the API's and the reminders' reads). Callers
import each name from the module that defines it.
"""

import logging
from datetime import date

import sqlalchemy as sa

from app.core.audit import record_change
from app.core.clock import utcnow
from app.core.errors import Conflict, PermissionDenied, ServiceError
from app.core.text import multi_line
from app.extensions import db
from app.scoring import engine
from app.scoring.approvals import check_approved_on, check_doc_number, opinion_json, require_opinion
from app.scoring.models import QuarterReopening, QuarterStatus, ScoreEntry, ScoringQuarter
from app.scoring.quarters import REASON_TEXT_MAX, check_period, quarter_state
from app.scoring.reports import compute_quarter
from app.scoring.year_inputs import require_year_open
from app.scoring.year_rules import load_year_rules

log = logging.getLogger(__name__)


# --- finalizing and reopening a quarter -------------------------------------------------------------------

def finalize_quarter(actor, year, quarter, evaluated_on: date, *, approved_on: date | None = None,
                     doc_number: str | None = None):
    """The leadership group's 审定 of the quarter (附件2 一), recorded by the office: its date (`approved_on`, not in
    the future, not before the quarter's end) and 文号 (`doc_number`) are required, and so is the office's 考评意见
    on the quarter; only complete quarters. Stores the snapshot (inputs, rules version, results, the opinion and
    the 审定). Keyword arguments, so that a caller without them is refused with a message, not a TypeError."""
    year, quarter = check_period(year, quarter)
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以审定季度考评结果。")
    state = quarter_state(year, quarter, lock=True)
    if state is not None and state.is_finalized:
        raise Conflict(f"{year}年第{quarter}季度已经审定。")
    approved_on = check_approved_on(approved_on, engine.quarter_dates(year, quarter)[1], f"{year}年第{quarter}季度")
    doc_number = check_doc_number(doc_number)
    year_rules = load_year_rules(year)
    if year_rules.version is None:
        raise ServiceError(f"{year} 年度的考评规则尚未建立，请先在“考评规则”中建立本年度规则。", code="no_rules")
    report = compute_quarter(year, quarter, evaluated_on, year_rules)
    if not report["complete"]:
        missing = [r["short_name"] for r in report["units"] if not r["complete"]]
        raise ServiceError(f"还有 {len(missing)} 个单位的得分未录入完整（如：{'、'.join(missing[:8])}），不能审定。",
                           code="incomplete")
    opinion = require_opinion(year, quarter)
    report["entries"] = [
        {"unit_id": e.unit_id, "assessor": e.assessor, "sub_item": e.sub_item, "value": str(e.value), "note": e.note}
        for e in db.session.scalars(sa.select(ScoreEntry).where(ScoreEntry.year == year,
                                                                ScoreEntry.quarter == quarter))]
    if state is None:
        state = ScoringQuarter(year=year, quarter=quarter)
        db.session.add(state)
    state.status = QuarterStatus.finalized
    state.finalized_at, state.finalized_by_id = utcnow(), actor.id
    state.evaluated_on, state.rule_set_id = evaluated_on, year_rules.version.id
    state.approved_on, state.doc_number = approved_on, doc_number
    state.snapshot = dict(report, finalized_at=state.finalized_at.isoformat(), approved_on=approved_on.isoformat(),
                          doc_number=doc_number, opinion=opinion_json(opinion))
    db.session.flush()
    record_change(actor, "quarter.finalize", state, {"status": "open"},
                  {"status": "finalized", "evaluated_on": evaluated_on.isoformat(),
                   "approved_on": approved_on.isoformat(), "doc_number": doc_number,
                   "rule_set_id": year_rules.version.id})
    return state


def reopen_quarter(actor, year, quarter, reason):
    """Reopen a finalized quarter, with a recorded reason; the old snapshot is kept with the reopening."""
    year, quarter = check_period(year, quarter)
    if not actor.is_admin:
        raise PermissionDenied("只有千百十办可以重新打开已审定的季度。")
    require_year_open(year, f"第{quarter}季度的考评结果（重新打开季度）")
    reason = multi_line(reason, "理由", REASON_TEXT_MAX, field="reason")
    if not reason:
        raise ServiceError("重新打开已审定的季度必须说明理由。", field="reason")
    state = quarter_state(year, quarter, lock=True)
    if state is None or not state.is_finalized:
        raise ServiceError(f"{year}年第{quarter}季度尚未审定，无需重新打开。", code="not_finalized", status=409)
    db.session.add(QuarterReopening(scoring_quarter_id=state.id, reason=reason, by_id=actor.id,
                                    previous_snapshot=state.snapshot))
    before = {"status": "finalized", "approved_on": state.approved_on.isoformat() if state.approved_on else None,
              "doc_number": state.doc_number}
    state.status = QuarterStatus.open
    state.snapshot = None
    state.approved_on = state.doc_number = None  # a new 审定 is needed; the old one stays in previous_snapshot
    db.session.flush()
    record_change(actor, "quarter.reopen", state, before, {"status": "open"}, reason=reason)
    return state
