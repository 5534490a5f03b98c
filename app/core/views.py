"""The role-specific home page."""

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.core.actions import perform
from app.core.clock import today
from app.core.forms import form_error_text
from app.core.permissions import require
from app.extensions import db
from app.org import queries
from app.org.models import Unit, UnitGroup

bp = Blueprint("core", __name__)


@bp.route("/")
@require("signed_in")
def home():
    on = today()
    context = {"on": on}
    if current_user.unit_id:
        from app.tasks.models import Light
        from app.tasks.queries import inbox_filter, light_counts, light_window

        counts = light_counts(inbox_filter(current_user.unit_id), light_window(on))
        context["inbox_counts"] = [(light, counts[light]) for light in (Light.red, Light.yellow, Light.green)]
        context["unit_plans"] = queries.plans_led_by(current_user.unit_id)
        context["unit_leader"] = queries.leader_of_unit(current_user.unit_id, on)
    if current_user.person_id:
        context["portfolio"] = queries.portfolio_units(current_user.person_id, on)
    counts = dict(db.session.execute(sa.select(Unit.group, sa.func.count()).where(Unit.group.isnot(None))
                                     .group_by(Unit.group)).all())
    context["group_counts"] = [(g, counts.get(g, 0)) for g in UnitGroup]
    context["members"] = queries.leadership(on)
    return render_template("core/home.html", **context)


@bp.route("/admin/calendar", methods=["GET", "POST"])
@require("admin")
def calendar():
    """Working-day calendar administration: overrides per year and CSV import of the State Council notice."""
    from app.core import calendar as cal_service
    from app.core.forms import CalendarOverrideForm, NoticeImportForm
    from app.core.models import CalendarOverride, CalendarYear
    from app.core.workdays import LIBRARY_FIRST_YEAR, LIBRARY_LAST_YEAR

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
    from app.core import calendar as cal_service
    from app.core.forms import NoticeImportForm

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
    from app.core import calendar as cal_service
    from app.core.forms import ConfirmForm
    from app.core.models import CalendarOverride

    row = db.get_or_404(CalendarOverride, override_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    year = row.day.year
    cal_service.delete_override(current_user, row)
    db.session.commit()
    flash("已删除该设置，恢复按内置日历计算。", "success")
    return redirect(url_for("core.calendar", year=year))
