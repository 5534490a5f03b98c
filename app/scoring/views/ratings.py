"""Service ratings of 市直 units by counties and parks (and enterprises through them), each quarter (附件2 三(二)1):
the rater's page with one short form per 市直 unit, the office's overview and its Excel export, a rated unit's own
averages and comments (without who wrote them)."""

import io

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.core.actions import perform
from app.core.clock import today
from app.core.permissions import require
from app.core.text import download_name
from app.scoring.engine import quantize_score
from app.scoring.forms.ratings import RatingForm
from app.scoring.ratings import (
    QUARTER_NAMES,
    QUESTIONS,
    delete_rating,
    is_rated,
    is_rater,
    ledger_enterprise_names,
    own_ratings,
    quarter_is_open,
    rated_units,
    rating_of,
    rating_summary,
    ratings_of_rater,
    save_rating,
    summary_workbook,
    unit_by_id,
)
from app.scoring.views import XLSX, bp, link, period_or_404


def two_places(value):
    """A 0–100 average shown to two places (ROUND_HALF_UP); "—" for none."""
    return "—" if value is None else f"{quantize_score(value):f}"


def _summary_or_403(year, quarter):
    """A user who is not the page's kind of unit: the office, the leaders and the observer go to the overview,
    anyone else is refused."""
    if request.method == "GET" and current_user.reads_all:
        return redirect(url_for(".ratings_summary", year=year, quarter=quarter))
    abort(403)


def form_messages(form):
    """Every message of a refused form, once each (field errors, then the service's form-level refusal)."""
    messages = [e for f in form for e in f.errors if isinstance(e, str)] + list(form.form_errors)
    return list(dict.fromkeys(messages))


def _form_of(row, rated_id, enterprise=False):
    data = {"rated_unit_id": rated_id, "for_enterprise": "1" if enterprise else ""}
    if row is not None:
        data.update(enterprise_name=row.enterprise_name, attitude=row.attitude, efficiency=row.efficiency,
                    effect=row.effect, comment=row.comment or "")
    return RatingForm(formdata=None, data=data)


def _rater_page(year, quarter, rater, posted=None):
    """The rater's page: per 市直 unit its own form (or the posted one, with its errors) and the enterprises'
    ratings entered for it; the enterprise form."""
    started, finalized = quarter_is_open(year, quarter, today())
    mine = ratings_of_rater(year, quarter, rater.id)
    posted_key = None
    if posted is not None:
        posted_key = (posted.rated_unit_id.data, posted.enterprise_name.data or "" if posted.is_for_enterprise()
                      else "")
    units, done = [], 0
    for unit in rated_units():
        own = mine.get((unit.id, ""))
        done += own is not None
        enterprises = [{"row": row, "form": posted if posted_key == key else _form_of(row, unit.id, True),
                        "open": posted_key == key,
                        "delete_url": url_for(".delete_rating", year=year, quarter=quarter, rating_id=row.id)}
                       for key, row in mine.items() if key[0] == unit.id and key[1]]
        units.append({"unit": unit, "own": own, "enterprises": enterprises,
                      "form": posted if posted_key == (unit.id, "") else _form_of(own, unit.id),
                      "open": posted_key == (unit.id, "")})
    enterprise_open = posted is not None and posted.is_for_enterprise() and posted_key not in mine
    enterprise_form = posted if enterprise_open else _form_of(None, "", True)
    placed = enterprise_open or any(row["open"] or any(e["open"] for e in row["enterprises"]) for row in units)
    # a refusal of a form the page does not show (a unit not in the list, the unit itself): said at the top
    errors = form_messages(posted) if posted is not None and not placed else []
    return render_template(
        "scoring/ratings.html", year=year, quarter=quarter, quarter_name=QUARTER_NAMES[quarter], rater=rater,
        units=units, done=done, editable=started and not finalized, started=started, finalized=finalized,
        enterprise_form=enterprise_form, enterprise_open=enterprise_open, errors=errors,
        enterprise_names=ledger_enterprise_names(rater.id), questions=QUESTIONS,
        action=url_for(".ratings", year=year, quarter=quarter)), 400 if posted is not None else 200


@bp.route("/<int:year>/q<int:quarter>/ratings", methods=["GET", "POST"])
@require("signed_in")
def ratings(year, quarter):
    """A county's or park's ratings of the 市直 units' service in the quarter."""
    year, quarter = period_or_404(year, quarter)
    rater = current_user.unit
    if not is_rater(rater):
        return _summary_or_403(year, quarter)
    if request.method == "GET":
        return _rater_page(year, quarter, rater)
    form = RatingForm()
    if form.validate_on_submit():
        rated = unit_by_id(form.rated_unit_id.data)
        done = perform(lambda: save_rating(
            current_user, year, quarter, rater, rated, attitude=form.attitude.data, efficiency=form.efficiency.data,
            effect=form.effect.data, comment=form.comment.data,
            enterprise_name=form.enterprise_name.data if form.is_for_enterprise() else "", on=today()),
            lambda row: f"已保存对{row.rated_unit.short_name}的评价"
                        + (f"（{row.enterprise_name}）。" if row.enterprise_name else "。"), form=form)
        if done:
            return redirect(url_for(".ratings", year=year, quarter=quarter) + f"#unit-{rated.id}")
    return _rater_page(year, quarter, rater, posted=form)


@bp.route("/<int:year>/q<int:quarter>/ratings/<int:rating_id>/delete", methods=["POST"], endpoint="delete_rating")
@require("unit_member")
def delete_rating_view(year, quarter, rating_id):
    """Withdraw an enterprise's (or the unit's own) rating before the quarter is finalized."""
    year, quarter = period_or_404(year, quarter)
    row = rating_of(rating_id)
    if row is None or (row.year, row.quarter) != (year, quarter) or row.rater_unit_id != current_user.unit_id:
        abort(404)
    anchor = f"#unit-{row.rated_unit_id}"
    perform(lambda: delete_rating(current_user, row, on=today()), "已撤回该条评价。")
    return redirect(url_for(".ratings", year=year, quarter=quarter) + anchor)


@bp.route("/<int:year>/q<int:quarter>/ratings/summary")
@require("read_all")
def ratings_summary(year, quarter):
    """The office's overview: per 市直 unit the ratings' count and averages (lowest first) with the comments and who
    wrote them, and the counties and parks that have not rated every 市直 unit yet."""
    year, quarter = period_or_404(year, quarter)
    return render_template("scoring/ratings_summary.html", summary=rating_summary(year, quarter), year=year,
                           quarter=quarter, quarter_name=QUARTER_NAMES[quarter], questions=QUESTIONS, two=two_places,
                           excel_url=url_for(".ratings_summary_xlsx", year=year, quarter=quarter),
                           index_url=url_for(".index"))


@bp.route("/<int:year>/q<int:quarter>/ratings/summary.xlsx")
@require("read_all")
def ratings_summary_xlsx(year, quarter):
    year, quarter = period_or_404(year, quarter)
    title = f"{year}年{QUARTER_NAMES[quarter]}市直单位服务质量评价汇总"
    data = summary_workbook(rating_summary(year, quarter), title)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(f"{title}.xlsx", fallback="服务质量评价.xlsx"))


@bp.route("/<int:year>/q<int:quarter>/ratings/mine")
@require("signed_in")
def ratings_mine(year, quarter):
    """A 市直 unit's own averages and the comments, without who wrote them."""
    year, quarter = period_or_404(year, quarter)
    unit = current_user.unit
    if not is_rated(unit):
        return _summary_or_403(year, quarter)
    return render_template("scoring/ratings_mine.html", year=year, quarter=quarter,
                           quarter_name=QUARTER_NAMES[quarter], unit=unit, own=own_ratings(year, quarter, unit.id),
                           questions=QUESTIONS, two=two_places, index_url=url_for(".index"),
                           result_url=link("scoring.unit", unit_id=unit.id, year=year))
