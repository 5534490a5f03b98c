"""The 10-day dispatch list (旬调度清单) of a vice mayor: the page, its print and its Excel file."""

import io

from flask import abort, current_app, render_template, request, send_file
from flask_login import current_user

from app.core.clock import today
from app.core.pagination import page_number
from app.core.periods import Xun
from app.core.permissions import require
from app.core.text import download_name
from app.extensions import db
from app.org.models import Person
from app.org.queries import vice_mayors
from app.tasks import excel, queries
from app.tasks.views import XLSX, _detail_url, _int_arg, bp


def _dispatch_target():
    """The leader and 旬 asked for; leaders see only their own list, the office and observers any."""
    on = today()
    xun = Xun.parse(request.args.get("xun", "")) or Xun.of(on)
    if current_user.is_leader:
        person = current_user.person
        asked = _int_arg("person")
        if asked is not None and asked != person.id:
            abort(403)
    else:
        person_id = _int_arg("person")
        leaders = vice_mayors(on)
        person = db.session.get(Person, person_id) if person_id else (leaders[0] if leaders else None)
        if person is None:
            abort(404)
    return person, xun, on


@bp.route("/dispatch")
@require("dispatch")
def dispatch():
    person, xun, on = _dispatch_target()
    show_all = request.args.get("all") == "1"
    dl = queries.dispatch_list(person, xun, on, page=None if show_all else page_number(),
                               per_page=current_app.config["DISPATCH_PAGE_SIZE"])
    leaders = [] if current_user.is_leader else vice_mayors(on)
    return render_template("tasks/dispatch.html", dl=dl, leaders=leaders,
                           red_units=queries.units_with_red_tasks(on, [u.id for u, _ in dl.units]),
                           detail_url=_detail_url())


@bp.route("/dispatch.xlsx")
@require("dispatch")
def dispatch_excel():
    person, xun, on = _dispatch_target()
    dl = queries.dispatch_list(person, xun, on)
    data = excel.dispatch_workbook(dl)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(f"{dl.title}.xlsx".replace(" ", "_"), fallback="旬调度清单.xlsx"))
