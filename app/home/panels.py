"""The unit page's panels (app.org.panels) for the packages org may not import: the unit's tasks with their lights,
its meetings (recent and upcoming) and its ledger figures. Each panel reads in a constant number of statements and
returns None for a viewer who may not read what it shows."""

from datetime import timedelta

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import contains_eager

from app.core.scopes import extra_read_unit_ids
from app.extensions import db
from app.home.queries import LIGHTS, unit_light_counts
from app.ledger.models import IndicatorValue
from app.ledger.reporting_calendar import last_reportable_month, month_label, month_statuses, unit_duties
from app.meetings.models import ExpectedMeeting, MeetingRecord
from app.meetings.views.cadence import record_link
from app.org.models import Target
from app.org.panels import register_unit_panel
from app.tasks.models import Task, TaskParty
from app.tasks.queries import light_window, load_task_lines, open_clause

TASKS_SHOWN = 10
MEETING_DAYS = 30  # recent: held in the last 30 days; upcoming: in the next 30


def _reads_unit(viewer, unit):
    return viewer.reads_all or viewer.unit_id == unit.id or unit.id in extra_read_unit_ids(viewer)


def tasks_panel(unit, on, viewer):
    """The unit's open tasks (as lead or co-unit), the longest overdue first, with the light counts and a link to
    all of them."""
    if not _reads_unit(viewer, unit):
        return None
    window = light_window(on)
    counts = unit_light_counts([unit.id], window)[unit.id]
    ids = db.session.scalars(
        sa.select(Task.id).join(TaskParty, TaskParty.task_id == Task.id)
        .where(TaskParty.unit_id == unit.id, open_clause()).order_by(Task.due_on, Task.id).limit(TASKS_SHOWN)).all()
    position = {task_id: n for n, task_id in enumerate(ids)}
    tasks = sorted(load_task_lines(ids), key=lambda t: position[t.id])
    own = viewer.unit_id == unit.id
    all_url = url_for("tasks.inbox") if own and not viewer.reads_all else url_for("tasks.overview", unit=unit.id)
    light_url = (lambda light: url_for("tasks.inbox", light=light.value)) if own and not viewer.reads_all else \
        (lambda light: url_for("tasks.overview", unit=unit.id, light=light.value))
    return "home/panels/unit_tasks.html", {
        "tasks": tasks, "window": window, "counts": [(light, counts[light], light_url(light)) for light in LIGHTS],
        "total": sum(counts.values()), "all_url": all_url}


def meetings_panel(unit, on, viewer):
    """The meetings the unit convenes: held in the last 30 days (with their records) and the next 30."""
    rows = db.session.scalars(
        sa.select(ExpectedMeeting).outerjoin(MeetingRecord, MeetingRecord.expected_id == ExpectedMeeting.id)
        .where(ExpectedMeeting.convener_unit_id == unit.id, ExpectedMeeting.is_cancelled.is_(False),
               ExpectedMeeting.scheduled_on.between(on - timedelta(days=MEETING_DAYS),
                                                    on + timedelta(days=MEETING_DAYS)))
        .options(contains_eager(ExpectedMeeting.record))
        .order_by(ExpectedMeeting.scheduled_on, ExpectedMeeting.type)).all()
    recent = [(m, record_link(m)) for m in reversed(rows) if m.scheduled_on <= on]
    upcoming = [(m, record_link(m)) for m in rows if m.scheduled_on > on]
    return "home/panels/unit_meetings.html", {"recent": recent, "upcoming": upcoming, "days": MEETING_DAYS,
                                               "on": on}


def ledger_panel(unit, on, viewer):
    """The unit's reporting duties for the month reported now, and the indicator values of its latest month."""
    if not _reads_unit(viewer, unit):
        return None
    month = last_reportable_month(on)
    statuses = month_statuses(month, on, unit_duties(unit.id))
    latest = sa.select(sa.func.max(IndicatorValue.month)).where(IndicatorValue.unit_id == unit.id).scalar_subquery()
    values = db.session.execute(
        sa.select(IndicatorValue.month, IndicatorValue.value, Target.code, Target.text, Target.unit_label)
        .join(Target, Target.id == IndicatorValue.target_id)
        .where(IndicatorValue.unit_id == unit.id, IndicatorValue.month == latest)
        .order_by(Target.sort_order, Target.id)).all()
    if not statuses and not values:
        return "home/panels/unit_ledger.html", {"statuses": [], "values": [], "month_label": month_label(month),
                                                "values_label": None}
    return "home/panels/unit_ledger.html", {
        "statuses": statuses, "month_label": month_label(month), "values": values,
        "values_label": month_label(values[0].month) if values else None}


def register_unit_panels(app):
    register_unit_panel(app, "tasks", 10, tasks_panel)
    register_unit_panel(app, "meetings", 20, meetings_panel)
    register_unit_panel(app, "ledger", 30, ledger_panel)
