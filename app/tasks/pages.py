"""The tasks blueprint and what its page modules share: the light badges, the Excel type, and reading ids, dates
and choices from the query string. The routes live in views (assigning, a task's page and actions, evidence,
import), list_views (the inbox and the overview) and dispatch_views (the 10-day dispatch list), which
app/__init__.py imports before it registers the blueprint."""

from datetime import date
from functools import lru_cache

import sqlalchemy as sa
from flask import Blueprint, request, url_for
from markupsafe import Markup

from app.core.input_guards import ID_MAX
from app.extensions import db
from app.org.models import Plan, Unit
from app.tasks.models import Light

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

LIGHT_BADGE = {Light.green: "text-bg-success", Light.yellow: "text-bg-warning", Light.red: "text-bg-danger",
               Light.done_on_time: "text-bg-secondary", Light.done_late: "text-bg-dark",
               Light.cancelled: "text-bg-light border"}


bp.add_app_template_global(LIGHT_BADGE, "LIGHT_BADGE")


@lru_cache(maxsize=64)
def task_marks(is_key: bool, urge_count: int) -> Markup:
    """The badges after a task's title in a list: 重点, and 已催办 or 多次催办×N (urged more than once), as one
    piece of markup made once per combination instead of a macro call per row."""
    marks = ' <span class="badge text-bg-primary">重点</span>' if is_key else ""
    if urge_count > 1:
        marks += (f'<span class="badge bg-danger-subtle border border-danger text-danger-emphasis ms-1" '
                  f'title="已催办 {urge_count:d} 次">多次催办×{urge_count:d}</span>')
    elif urge_count == 1:
        marks += '<span class="badge text-bg-light border ms-1">已催办</span>'
    return Markup(marks)


bp.add_app_template_global(task_marks, "task_marks")


def _detail_url():
    """A task's page is this plus its id (likewise a unit's). Lists build it once instead of a url_for per row:
    werkzeug's URL building was about a tenth of a list page's time."""
    return url_for("tasks.detail", task_id=0).removesuffix("0")


def _active_units():
    return db.session.scalars(sa.select(Unit).where(Unit.is_active).order_by(Unit.sort_order)).all()


def _plans():
    return db.session.scalars(sa.select(Plan).order_by(Plan.sort_order)).all()


def _enum_arg(enum_cls, name):
    value = request.args.get(name) or None
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


def _date_arg(name):
    try:
        return date.fromisoformat(request.args.get(name, "")) if request.args.get(name) else None
    except ValueError:
        return None


def _int_arg(name):
    """An id from the query string: None when absent or not a number, -1 (no such row) when out of range."""
    try:
        value = int(request.args.get(name)) if request.args.get(name) else None
    except ValueError:
        return None
    return value if value is None or -ID_MAX <= value <= ID_MAX else -1
