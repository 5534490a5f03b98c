"""考评细则 drafting: each year's books by assessor, a book's page, its indicators (method, parameters, source, points
per profile) and the yearly targets per unit (a grid and its Excel sheet).

Who reads: the office, leaders, observers and every assessor's staff read every version; an assessed unit reads a
book once it is published (a draft is a 404 for it). Who edits: the assessor's staff and the office's
administrators (403 for the other readers); the services refuse a book that is not a draft or returned."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.core.actions import perform
from app.core.forms import ConfirmForm
from app.core.permissions import require
from app.core.text import download_name
from app.extensions import db
from app.scoring import criteria, criteria_approval, criteria_queries, engine, queries
from app.scoring.criteria_excel import TargetsImportError, filename, target_rows, targets_workbook, upload_targets
from app.scoring.engine import decimal_text as fmt
from app.scoring.forms.criteria import (
    TARGET_PREFIX,
    BookSettingsForm,
    StartBookForm,
    TargetsForm,
    TargetsUploadForm,
    indicator_form,
    show_indicator_error,
    target_name,
    target_values,
)
from app.scoring.models import CriteriaIndicator, CriteriaStatus
from app.scoring.views import XLSX, bp, link, year_or_404
from app.scoring.year_rules import assessed_units, load_year_rules

APPROVED = (CriteriaStatus.approved, CriteriaStatus.published, CriteriaStatus.superseded)


def _assessor_or_404(assessor):
    if assessor not in criteria_queries.ASSESSOR_ORDER:
        abort(404)
    return assessor


def _load(year, assessor, lock=False):
    """(year, year rules, the book the user may read with its rows or None); 404 when the user may not read it:
    an assessed unit reads only the published version."""
    year, assessor = year_or_404(year), _assessor_or_404(assessor)
    year_rules = load_year_rules(year)
    if criteria.reads_drafts(current_user, year_rules):
        book = criteria_queries.current_book(year, assessor, lock=lock)
    else:
        book = criteria_queries.published_book(year, assessor)
        if book is None:
            abort(404)
    return year, year_rules, criteria.book_with_rows(book.id) if book is not None else None


def _load_for_edit(year, assessor):
    """As `_load`, locked, and 403 unless the user edits the assessor's book; the services refuse a book that is
    no longer a draft."""
    year, year_rules, book = _load(year, assessor, lock=True)
    if not criteria.may_edit(current_user, assessor, year_rules):
        abort(403)
    return year, year_rules, book


def _no_book(year, assessor):
    flash(f"{year} 年度{engine.assessor_label(assessor)}的考评细则尚未起草。", "warning")
    return redirect(url_for(".criteria_book", year=year, assessor=assessor))


# --- the year's overview ------------------------------------------------------------------------------------

@bp.route("/<int:year>/criteria")
@require("signed_in")
def criteria_year(year):
    """All eight assessors' books of a year: status, version, 审定 文号, problems, links."""
    year = year_or_404(year)
    year_rules = load_year_rules(year)
    drafts = criteria.reads_drafts(current_user, year_rules)
    current = criteria.current_books(year) if drafts else {}
    published = {b.assessor: b for versions in criteria_queries.books_of_year(year).values() for b in versions
                 if b.status is CriteriaStatus.published}
    names = {u.id: u.short_name for u in queries.units()}
    rows = []
    for assessor in criteria_queries.ASSESSOR_ORDER:
        book = current.get(assessor) if drafts else published.get(assessor)
        in_force = published.get(assessor)
        rows.append({
            "assessor": assessor, "label": engine.assessor_label(assessor), "book": book, "in_force": in_force,
            "approved": book if book is not None and book.status in APPROVED else in_force,
            "problems": len(criteria.book_problems(book, year_rules, names))
            if drafts and book is not None and book.status in criteria_queries.EDITABLE else None,
            "url": url_for(".criteria_book", year=year, assessor=assessor) if drafts or book is not None else None,
            "can_edit": criteria.may_edit(current_user, assessor, year_rules)})
    return render_template("scoring/criteria_year.html", year=year, rows=rows, drafts=drafts,
                           rules_url=link("scoring.rules", year=year))


# --- a book -------------------------------------------------------------------------------------------------

@bp.route("/<int:year>/criteria/<assessor>")
@require("signed_in")
def criteria_book(year, assessor):
    year, year_rules, book = _load(year, assessor)
    editor = criteria.may_edit(current_user, assessor, year_rules)
    context = {"year": year, "assessor": assessor, "label": engine.assessor_label(assessor), "book": book,
               "columns": criteria.profile_columns(year_rules, assessor), "fmt": fmt,
               "overview_url": url_for(".criteria_year", year=year)}
    if book is None:
        return render_template("scoring/criteria_book.html", **context, can_start=editor,
                               start_form=StartBookForm(),
                               has_previous=criteria_queries.published_book(year - 1, assessor) is not None)
    units = assessed_units()
    names = {u.id: u.short_name for u in units}
    indicators, totals = criteria.book_summary(book, year_rules, units)
    visible = criteria.reads_drafts(current_user, year_rules)
    return render_template(
        "scoring/criteria_book.html", **context, indicators=indicators, totals=totals,
        problems=criteria.book_problems(book, year_rules, names) if visible else [],
        can_edit=editor and book.status in criteria_queries.EDITABLE, editor=editor,
        versions=criteria_queries.books_of_year(year).get(assessor, []) if visible else [],
        delete_form=ConfirmForm(), workflow=criteria_approval.workflow_panel(current_user, book))


@bp.route("/<int:year>/criteria/<assessor>/start", methods=["POST"])
@require("signed_in")
def criteria_start(year, assessor):
    """Start version 1 of the year's book from the annex-2 defaults or the previous year's published book."""
    year, _, _ = _load_for_edit(year, assessor)
    form = StartBookForm()
    if form.validate_on_submit():
        start = criteria.start_from_previous if form.source.data == "previous" else criteria.start_from_defaults
        perform(lambda: start(current_user, year, assessor),
                lambda book: f"已建立 {year} 年度{engine.assessor_label(assessor)}考评细则"
                             f"（第 1 版，起草中）：{book.note}。")
    else:
        flash("；".join(e for errors in form.errors.values() for e in errors) or "请选择起草方式。", "danger")
    return redirect(url_for(".criteria_book", year=year, assessor=assessor))


@bp.route("/<int:year>/criteria/<assessor>/settings", methods=["GET", "POST"])
@require("signed_in")
def criteria_settings(year, assessor):
    """The book's quarter shares of a yearly target and its note."""
    year, _, book = _load_for_edit(year, assessor)
    if book is None:
        return _no_book(year, assessor)
    shares = book.quarter_shares or ["25", "50", "75", "100"]
    form = BookSettingsForm(data={"q1": shares[0], "q2": shares[1], "q3": shares[2], "q4": shares[3],
                                  "note": book.note or ""})
    if form.validate_on_submit() and perform(
            lambda: criteria.set_book_settings(current_user, book, form.shares(), form.note.data), "设置已保存。",
            form=form):
        return redirect(url_for(".criteria_book", year=year, assessor=assessor))
    return render_template("scoring/criteria_settings.html", year=year, assessor=assessor, book=book, form=form,
                           label=engine.assessor_label(assessor)), 400 if form.errors or form.form_errors else 200


# --- indicators ---------------------------------------------------------------------------------------------

def _indicator_page(year, assessor, book, year_rules, row=None):
    form = indicator_form(criteria.profile_columns(year_rules, assessor), queries.units(), criteria.ledger_keys(),
                          row=row, formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        if row is None:
            action = lambda: criteria.add_indicator(current_user, book, form.indicator_input())  # noqa: E731
        else:
            action = lambda: criteria.update_indicator(current_user, row, form.indicator_input())  # noqa: E731
        if perform(action, lambda saved: f"指标“{saved.name}”已保存。",
                   on_refusal=lambda error: show_indicator_error(form, error)):
            return redirect(url_for(".criteria_book", year=year, assessor=assessor))
    return render_template("scoring/criteria_indicator.html", year=year, assessor=assessor, book=book, form=form,
                           row=row, label=engine.assessor_label(assessor),
                           methods=[(m.label, engine.params_text(m, _example(m))) for m in engine.Method]), \
        400 if form.errors or form.form_errors else 200


def _example(method):
    return {"linear": {"cap": "100", "floor": "0"}, "steps": {"steps": [["60", "60"], ["100", "100"]]},
            "rank": {"shares": ["100", "90", "80"]}, "count": {"per_event": "1"}}.get(method.value, {})


@bp.route("/<int:year>/criteria/<assessor>/indicators/new", methods=["GET", "POST"])
@require("signed_in")
def criteria_indicator_new(year, assessor):
    year, year_rules, book = _load_for_edit(year, assessor)
    if book is None:
        return _no_book(year, assessor)
    return _indicator_page(year, assessor, book, year_rules)


def _indicator_or_404(book, indicator_id):
    row = db.session.get(CriteriaIndicator, indicator_id) if book is not None and indicator_id < 2**31 else None
    if row is None or row.book_id != book.id:
        abort(404)
    return row


@bp.route("/<int:year>/criteria/<assessor>/indicators/<int:indicator_id>", methods=["GET", "POST"])
@require("signed_in")
def criteria_indicator_edit(year, assessor, indicator_id):
    year, year_rules, book = _load_for_edit(year, assessor)
    return _indicator_page(year, assessor, book, year_rules, _indicator_or_404(book, indicator_id))


@bp.route("/<int:year>/criteria/<assessor>/indicators/<int:indicator_id>/delete", methods=["POST"])
@require("signed_in")
def criteria_indicator_delete(year, assessor, indicator_id):
    year, _, book = _load_for_edit(year, assessor)
    row = _indicator_or_404(book, indicator_id)
    name = row.name
    perform(lambda: criteria.delete_indicator(current_user, row), f"指标“{name}”已删除。")
    return redirect(url_for(".criteria_book", year=year, assessor=assessor))


# --- targets ------------------------------------------------------------------------------------------------

def _targets_page(year, assessor, book, year_rules, units, errors=(), cell_errors=None, submitted=None,
                  upload_errors=(), upload_form=None, status=200):
    editor = criteria.may_edit(current_user, assessor, year_rules)
    sections = {}
    for row, unit, value in target_rows(book, year_rules, units):
        name = target_name(row.code, unit.id)
        shown = submitted.get(name, "") if submitted is not None else fmt(value)
        section = sections.setdefault(row.code, {"row": row, "cells": [],
                                                 "needs": engine.Method(row.method.value).needs_target})
        section["cells"].append({"unit": unit, "name": name, "value": shown,
                                 "error": (cell_errors or {}).get((row.code, unit.id))})
    return render_template(
        "scoring/criteria_targets.html", year=year, assessor=assessor, book=book, label=engine.assessor_label(assessor),
        sections=list(sections.values()), errors=errors, upload_errors=upload_errors, form=TargetsForm(),
        upload_form=upload_form or TargetsUploadForm(), can_edit=editor and book.status in criteria_queries.EDITABLE,
        prefix=TARGET_PREFIX), status


@bp.route("/<int:year>/criteria/<assessor>/targets", methods=["GET", "POST"])
@require("signed_in")
def criteria_targets(year, assessor):
    """The yearly target of each indicator for each unit it applies to; POST saves the grid, all or nothing."""
    if request.method == "POST":
        year, year_rules, book = _load_for_edit(year, assessor)
    else:
        year, year_rules, book = _load(year, assessor)
    if book is None:
        return _no_book(year, assessor)
    units = assessed_units()
    form = TargetsForm()
    if request.method == "POST":
        errors, cell_errors = [], {}
        if form.validate_on_submit():
            values, errors = target_values(request.form)

            def refused(error):
                errors.extend(getattr(error, "other", []) or ([] if getattr(error, "cells", None) else [error.message]))
                errors.extend(getattr(error, "cells", {}).values())
                cell_errors.update(getattr(error, "cells", {}))

            if not errors and perform(lambda: criteria.set_targets(current_user, book, values, year_rules, units),
                                      lambda n: f"已保存，{n} 个目标有变化。" if n else "年度目标没有变化。",
                                      on_refusal=refused):
                return redirect(url_for(".criteria_targets", year=year, assessor=assessor))
            book = criteria.book_with_rows(book.id)  # the refusal rolled the session back
        else:
            errors = [e for field_errors in form.errors.values() for e in field_errors] \
                or ["提交无效，请刷新页面后重试。"]
        return _targets_page(year, assessor, book, year_rules, units, errors=errors, cell_errors=cell_errors,
                             submitted=request.form, status=400)
    return _targets_page(year, assessor, book, year_rules, units)


@bp.route("/<int:year>/criteria/<assessor>/targets.xlsx")
@require("signed_in")
def criteria_targets_xlsx(year, assessor):
    year, year_rules, book = _load(year, assessor)
    if book is None:
        return _no_book(year, assessor)
    data = targets_workbook(book, year_rules, assessed_units())
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(filename(book), fallback="考评细则年度目标.xlsx"))


@bp.route("/<int:year>/criteria/<assessor>/targets/upload", methods=["POST"])
@require("signed_in")
def criteria_targets_upload(year, assessor):
    """A filled targets sheet: every row is checked, and nothing is saved unless all of them pass."""
    year, year_rules, book = _load_for_edit(year, assessor)
    if book is None:
        return _no_book(year, assessor)
    units = assessed_units()
    form = TargetsUploadForm()
    errors = []
    if form.validate_on_submit():
        if perform(lambda: upload_targets(current_user, book, form.file.data.read(), year_rules, units),
                   lambda n: f"目标表已上传，{n} 个目标有变化。" if n else "目标表已上传，年度目标没有变化。",
                   on_refusal=lambda error: errors.extend(
                       error.messages if isinstance(error, TargetsImportError) else [error.message])):
            return redirect(url_for(".criteria_targets", year=year, assessor=assessor))
        book = criteria.book_with_rows(book.id)
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    return _targets_page(year, assessor, book, year_rules, units, upload_errors=errors or ["文件未上传。"],
                         upload_form=form, status=400)
