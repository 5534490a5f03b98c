"""A quarter's period and lifecycle row (open → finalized → reopened with a reason): the checks every quarter
action and page starts with. Finalizing and reopening are in app.scoring.services."""

import sqlalchemy as sa

from app.core.errors import ServiceError
from app.extensions import db
from app.scoring.models import ScoringQuarter

REASON_TEXT_MAX = 2000  # reasons for reopening a quarter and for the leadership group's 不合格 decisions


def check_period(year, quarter):
    try:
        year, quarter = int(year), int(quarter)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float (found by tests/fuzz)
        raise ServiceError("年份和季度必须是整数。") from None
    if not 2000 <= year <= 2100 or quarter not in (1, 2, 3, 4):
        raise ServiceError("年份应在 2000 到 2100 之间，季度应为 1 到 4。")
    return year, quarter


def quarter_state(year, quarter, lock=False):
    query = sa.select(ScoringQuarter).where(ScoringQuarter.year == year, ScoringQuarter.quarter == quarter)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def require_open(year, quarter):
    """Refuse a change to the quarter's scores once it is finalized."""
    state = quarter_state(year, quarter)
    if state is not None and state.is_finalized:
        raise ServiceError(f"{year}年第{quarter}季度已审定，不能再修改得分；如需更正，请由千百十办说明理由后重新打开。",
                           code="finalized", status=409)
