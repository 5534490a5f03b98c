"""The working-day calendar's administration (the office): overrides per year and the State Council notice."""

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.core import calendar as cal_service
from app.core.actions import perform
from app.core.clock import today
from app.core.forms import CalendarOverrideForm, ConfirmForm, NoticeImportForm, form_error_text
from app.core.models import CalendarOverride, CalendarYear
from app.core.permissions import require
from app.core.workdays import LIBRARY_FIRST_YEAR, LIBRARY_LAST_YEAR
from app.extensions import db

bp = Blueprint("core", __name__)


@bp.route("/admin/calendar", methods=["GET", "POST"])
@require("admin")
def calendar():
    """Working-day calendar administration: overrides per year and CSV import of the State Council notice."""
    try:
        year = int(request.args.get("year", today().year))
    except ValueError:
        year = today().year
    year = min(max(year, 2000), 2100)
    form = CalendarOverrideForm(prefix="o")
    if form.submit.data and form.validate_on_submit():
        cal_service.set_override(current_user, form.day.data, form.is_workday.data == "1", form.note.data or None)
        db.session.commit()
        flash(f"已保存 {form.day.data.isoformat()} 的设置。", "success")
        return redirect(url_for("core.calendar", year=form.day.data.year))
    rows = db.session.scalars(sa.select(CalendarOverride).where(
        CalendarOverride.day.between(date(year, 1, 1), date(year, 12, 31))).order_by(CalendarOverride.day)).all()
    cal = cal_service.get_calendar()
    return render_template("core/calendar.html", year=year, rows=rows, form=form, import_form=NoticeImportForm(),
                           entered=db.session.get(CalendarYear, year), provisional=cal.is_year_provisional(year),
                           library_range=(LIBRARY_FIRST_YEAR, LIBRARY_LAST_YEAR)), 400 if form.errors else 200


@bp.route("/admin/calendar/import", methods=["POST"])
@require("admin")
def calendar_import():

    form = NoticeImportForm()
    if not form.validate_on_submit():
        flash(form_error_text(form), "danger")
        return redirect(url_for("core.calendar"))
    perform(lambda: cal_service.import_notice(current_user, form.file.data.read(), form.year.data, form.source.data),
            lambda count: f"已导入 {count} 天的放假/调休安排。", prefix="未导入：")
    return redirect(url_for("core.calendar", year=form.year.data or today().year))


@bp.route("/admin/calendar/<int:override_id>/delete", methods=["POST"])
@require("admin")
def calendar_delete(override_id):

    row = db.get_or_404(CalendarOverride, override_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    year = row.day.year
    cal_service.delete_override(current_user, row)
    db.session.commit()
    flash("已删除该设置，恢复按内置日历计算。", "success")
    return redirect(url_for("core.calendar", year=year))
