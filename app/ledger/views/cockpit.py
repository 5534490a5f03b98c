"""The cockpit (驾驶舱) for the mayor, the secretary, the office and the observers: /ledger/cockpit (any month up to
last month, default last month) and its Excel export."""

import io

from flask import render_template, request, send_file

from app.core.clock import today
from app.core.errors import error_response
from app.core.periods import month_key, parse_month, shift_month
from app.core.permissions import require
from app.core.text import download_name
from app.ledger.charts import cockpit_charts
from app.ledger.cockpit import cockpit as build_cockpit
from app.ledger.cockpit import cockpit_workbook
from app.ledger.views import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERMISSION = "read_all"


def _month():
    """(year, month) from ?month=2026-11 (default: last month), or a Chinese refusal."""
    on = today()
    current = (on.year, on.month)
    text = request.args.get("month", "").strip()
    if not text:
        return shift_month(*current, -1), None
    month = parse_month(text)
    if month is None:
        return None, f"月份“{text[:20]}”格式不正确，请按“年-月”填写，如 {month_key(*shift_month(*current, -1))}。"
    if month > current:
        return None, f"{month[0]}年{month[1]}月尚未开始，只能查看本月及以前的月份。"
    return month, None


@bp.route("/cockpit")
@require(PERMISSION)
def cockpit():
    month, problem = _month()
    if problem:
        return error_response(400, problem)
    on = today()
    c = build_cockpit(*month, on)
    previous, following = shift_month(*month, -1), shift_month(*month, 1)
    return render_template("ledger/cockpit.html", c=c, charts=cockpit_charts(c), previous=month_key(*previous),
                           following=month_key(*following) if following <= (on.year, on.month) else None)


@bp.route("/cockpit.xlsx")
@require(PERMISSION)
def cockpit_excel():
    month, problem = _month()
    if problem:
        return error_response(400, problem)
    c = build_cockpit(*month, today())
    return send_file(io.BytesIO(cockpit_workbook(c)), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(f"驾驶舱{c['key']}.xlsx", fallback="驾驶舱.xlsx"))
