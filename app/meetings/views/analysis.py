"""The live month's analysis (月分析) for the office and the city leaders: any month up to the current one, before
a record exists, on screen (with charts, printable) and as Excel. The 月分析 record freezes the same dict."""

import io

from flask import render_template, request, send_file
from flask_login import current_user

from app.core.clock import today
from app.core.errors import error_response
from app.core.periods import month_key, parse_month, shift_month
from app.core.permissions import allowed, require
from app.core.text import download_name
from app.meetings.analysis import month_analysis
from app.meetings.analysis_charts import analysis_charts
from app.meetings.analysis_excel import analysis_workbook
from app.meetings.views import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERMISSION = "read_all"


@bp.app_template_global("analysis_charts")
def _analysis_charts(a):
    """For meetings/_analysis.html: the charts of an analysis dict, live or frozen in a record."""
    return analysis_charts(a)


@bp.app_template_global("may_read_analysis")
def _may_read_analysis():
    """For the meetings section's tabs (a macro imported without the page's context): show 月度分析 or not."""
    return allowed(current_user, PERMISSION)


def _month():
    """(year, month) from ?month=2026-11 (default: this month), or a Chinese refusal."""
    on = today()
    text = request.args.get("month", "").strip()
    if not text:
        return (on.year, on.month), None
    month = parse_month(text)
    if month is None:
        return None, f"月份“{text[:20]}”格式不正确，请按“年-月”填写，如 {month_key(on.year, on.month)}。"
    if month > (on.year, on.month):
        return None, f"{month[0]}年{month[1]}月尚未开始，只能分析本月及以前的月份。"
    return month, None


@bp.route("/analysis")
@require(PERMISSION)
def analysis():
    month, problem = _month()
    if problem:
        return error_response(400, problem)
    on = today()
    a = month_analysis(*month, on)
    previous, following = shift_month(*month, -1), shift_month(*month, 1)
    return render_template("meetings/analysis.html", a=a, previous=month_key(*previous),
                           following=month_key(*following) if following <= (on.year, on.month) else None)


@bp.route("/analysis.xlsx")
@require(PERMISSION)
def analysis_excel():
    month, problem = _month()
    if problem:
        return error_response(400, problem)
    a = month_analysis(*month, today())
    return send_file(io.BytesIO(analysis_workbook(a)), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(f"{a['label']}分析.xlsx", fallback="月分析.xlsx"))
