"""Ledger pages: enterprises (issue #14 part 1) — the filtered list and its Excel export, a new enterprise, its
page (facts, chains, registries, listing steps, monthly figures, tagged tasks, projects), its edit form, and the
registry and listing actions.

A row the user may not read (permissions.visible_unit_ids) answers 404 like an absent id; one the user reads but
may not keep answers 403."""

import io

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from app.core import excel
from app.core.actions import perform
from app.core.clock import today
from app.core.pagination import paginate_rows
from app.core.permissions import require
from app.core.text import download_name
from app.extensions import db
from app.ledger import enterprise_queries as queries
from app.ledger import enterprises as services
from app.ledger import permissions
from app.ledger.forms.enterprises import EndRegistryForm, EnterpriseForm, ListingStepForm, RegistryForm
from app.ledger.links import tagged_tasks
from app.ledger.models import (
    ENTERPRISE_TIERS,
    Enterprise,
    ListingStage,
    Registry,
    RegistryMembership,
    SpecializedLevel,
    tier_label,
)
from app.ledger.views import bp
from app.org.models import Chain, Person
from app.tasks.queries import light_window

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _readable_or_404(enterprise_id):
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None or not permissions.can_read_unit_rows(current_user, enterprise.unit_id):
        abort(404)
    return enterprise


def _chains():
    return db.session.scalars(sa.select(Chain).order_by(Chain.sort_order, Chain.id)).all()


def _people():
    return db.session.scalars(sa.select(Person).where(Person.is_active).order_by(Person.name, Person.id)).all()


def _keepable_units(current_unit=None):
    """The counties and parks the user may give an enterprise to: any (the office), else the user's own."""
    units = db.session.scalars(services.owner_units_query()).all()
    if not current_user.is_admin:
        units = [u for u in units if permissions.can_keep(current_user, u.id)]
    if current_unit is not None and current_unit not in units:
        units.append(current_unit)
    return units


# --- the list ---------------------------------------------------------------------------------------------------

def _list_context(f, on):
    visible = permissions.visible_unit_ids(current_user)
    units = db.session.scalars(services.owner_units_query()).all()
    if visible is not None:
        units = [u for u in units if u.id in visible]
    return visible, {
        "f": f, "units": units, "chains": _chains(), "tiers": ENTERPRISE_TIERS, "registries": list(Registry),
        "levels": list(SpecializedLevel), "stages": list(ListingStage), "sorts": queries.SORTS,
    }


@bp.route("/enterprises")
@require("signed_in")
def enterprises():
    on = today()
    f = queries.filters_from_args(request.args)
    visible, context = _list_context(f, on)
    counts = queries.tier_counts(f, visible, on)
    page = paginate_rows(queries.ids_statement(f, visible, on), lambda ids: queries.load_rows(ids, on),
                         total=sum(counts.values()))
    can_create = bool(_keepable_units()) if current_user.works_in_unit else False
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("ledger/enterprises.html", page=page, counts=counts, can_create=can_create,
                           tier_label=tier_label, excel_url=url_for("ledger.enterprises_excel", **args),
                           detail_url=url_for("ledger.enterprise", enterprise_id=0).removesuffix("0"), **context)


EXPORT_COLUMNS = [("序号", 6), ("企业名称", 30), ("统一社会信用代码", 22), ("所属县市区/园区", 16), ("所属产业链", 28),
                  ("营收规模", 10), ("规上", 6), ("上市梯队", 12), ("联点领导", 10), ("数据月份", 10),
                  ("营业收入（万元，年初至本月累计）", 16), ("工业总产值（万元）", 14), ("税收（万元）", 12),
                  ("所在名录（库）", 30)]


def enterprise_workbook(rows, subtitle):
    book = excel.new_workbook("企业台账")
    ws = book.create_sheet("企业台账")
    ncols = len(EXPORT_COLUMNS)
    excel.title_rows(ws, "企业台账", subtitle, ncols)
    excel.table_header(ws, [label for label, _ in EXPORT_COLUMNS], [width for _, width in EXPORT_COLUMNS])
    text = book.style(excel.BODY, excel.WRAP_TOP, excel.BORDER)
    number = book.style(excel.BODY, excel.RIGHT, excel.BORDER, number_format="#,##0.00")
    row_number = excel.TABLE_HEADER_ROW
    for n, r in enumerate(rows, start=1):
        row_number += 1
        values = [n, r.name, r.uscc, r.unit_name, "、".join(name + ("（链主）" if m else "") for name, m in r.chains),
                  r.tier_label, "是" if r.is_above_scale else "否", r.listing.label if r.listing else "",
                  r.liaison_name or "", r.month.strftime("%Y-%m") if r.month else ""]
        for column, value in enumerate(values, start=1):
            excel.write_styled(ws, row_number, column, value, text)
        for column, value in enumerate((r.revenue, r.output, r.tax), start=len(values) + 1):
            excel.write_styled(ws, row_number, column, value, number)
        excel.write_styled(ws, row_number, ncols, "、".join(r.registries), text)
    excel.table_print_setup(ws, ncols, row_number)
    return book.save()


@bp.route("/enterprises.xlsx")
@require("signed_in")
def enterprises_excel():
    on = today()
    f = queries.filters_from_args(request.args)
    visible = permissions.visible_unit_ids(current_user)
    rows = queries.ordered_rows(queries.ids_statement(f, visible, on), on)
    subtitle = f"导出日期：{on.isoformat()}　共 {len(rows)} 家" + ("（按筛选条件）" if f.narrowed else "")
    return send_file(io.BytesIO(enterprise_workbook(rows, subtitle)), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(f"企业台账_{on.isoformat()}.xlsx"))


# --- a new enterprise and its edit form -------------------------------------------------------------------------

def _fields(form):
    return {"name": form.name.data, "uscc": form.uscc.data, "chain_ids": form.chains.data or [],
            "master_ids": form.masters.data or [], "above_scale_since": form.above_scale_since.data,
            "left_scale_on": form.left_scale_on.data, "liaison_id": form.liaison_id.data, "note": form.note.data,
            "is_active": form.is_active.data}


def _unit_of(units, unit_id):
    return next((u for u in units if u.id == unit_id), None)


@bp.route("/enterprises/new", methods=["GET", "POST"])
@require("unit_member")
def create_enterprise():
    units = _keepable_units()
    if not units:
        abort(403)
    form = EnterpriseForm(units=units, chains=_chains(), people=_people())
    status = 200
    if form.validate_on_submit():
        done = perform(lambda: services.create_enterprise(
            current_user, unit=_unit_of(units, form.unit_id.data), today=today(), **_fields(form)),
            lambda e: f"已登记企业“{e.name}”。", form=form)
        if done:
            return redirect(url_for("ledger.enterprise", enterprise_id=done.value.id))
        status = done.status
    elif form.errors:
        status = 400
    return render_template("ledger/enterprise_form.html", form=form, enterprise=None), status


@bp.route("/enterprises/<int:enterprise_id>/edit", methods=["GET", "POST"])
@require("unit_member")
def edit_enterprise(enterprise_id):
    enterprise = _readable_or_404(enterprise_id)
    if not permissions.can_keep(current_user, enterprise.unit_id):
        abort(403)
    units = _keepable_units(enterprise.unit)
    form = EnterpriseForm(obj=enterprise, units=units, chains=_chains(), people=_people())
    if not form.is_submitted():
        form.chains.data = [link.chain_id for link in enterprise.chain_links]
        form.masters.data = [link.chain_id for link in enterprise.chain_links if link.is_master]
    status = 200
    if form.validate_on_submit():
        done = perform(lambda: services.update_enterprise(
            current_user, enterprise, unit=_unit_of(units, form.unit_id.data), today=today(), **_fields(form)),
            "企业信息已保存。", form=form)
        if done:
            return redirect(url_for("ledger.enterprise", enterprise_id=enterprise_id))
        status = done.status
    elif form.errors:
        status = 400
    return render_template("ledger/enterprise_form.html", form=form, enterprise=enterprise), status


# --- the enterprise's page --------------------------------------------------------------------------------------

def _project_url():
    try:
        return url_for("ledger.project", project_id=0).removesuffix("0")
    except BuildError:
        return None  # the projects part has no page yet


def _render_detail(enterprise_id, status=200, **forms):
    enterprise = queries.enterprise_detail(enterprise_id)
    on = today()
    tasks = tagged_tasks(enterprise_id=enterprise.id, today=on)
    # the links part returns the window with the rows; computed here only when it does not
    window = getattr(tasks, "window", None) or light_window(on)
    kept_registries = [kind for kind in Registry if permissions.can_keep_registry(current_user, kind)]
    memberships = sorted(enterprise.memberships, key=lambda m: (m.ends_on is not None, m.starts_on, m.id))
    context = {
        "enterprise": enterprise, "on": on, "tasks": tasks, "window": window,
        "memberships": memberships,
        "names": queries.user_names([m.ended_by_id for m in memberships]
                                    + [s.recorded_by_id for s in enterprise.listing_steps]),
        "steps": sorted(enterprise.listing_steps, key=lambda s: (s.stage.order, s.reached_on)),
        "figures": queries.recent_figures(enterprise.id, on), "yearly": queries.yearly_figures(enterprise.id),
        "projects": queries.enterprise_projects(enterprise.id), "project_url": _project_url(),
        "can_edit": permissions.can_keep(current_user, enterprise.unit_id),
        "kept_registries": kept_registries, "can_listing": permissions.can_keep_listing(current_user),
        "registry_form": forms.get("registry_form") or RegistryForm(formdata=None),
        "end_forms": {m.id: (forms.get("end_forms") or {}).get(m.id) or EndRegistryForm(formdata=None)
                      for m in memberships if m.ends_on is None and m.kind in kept_registries},
        "listing_form": forms.get("listing_form") or ListingStepForm(formdata=None),
    }
    return render_template("ledger/enterprise.html", **context), status


@bp.route("/enterprises/<int:enterprise_id>")
@require("signed_in")
def enterprise(enterprise_id):
    _readable_or_404(enterprise_id)
    return _render_detail(enterprise_id)


def _act(enterprise_id, form, form_name, action, success, anchor):
    """Validate the form, run the service (commit or refuse), and redirect or show the page again with the
    refusal on the form."""
    if form.validate_on_submit():
        done = perform(action, success, form=form)
        if done:
            return redirect(url_for("ledger.enterprise", enterprise_id=enterprise_id, _anchor=anchor))
        status = done.status
    else:
        status = 400
    return _render_detail(enterprise_id, status, **{form_name: form})


@bp.route("/enterprises/<int:enterprise_id>/registries", methods=["POST"])
@require("unit_member")
def add_registry(enterprise_id):
    enterprise = _readable_or_404(enterprise_id)
    if not any(permissions.can_keep_registry(current_user, kind) for kind in Registry):
        abort(403)
    form = RegistryForm()
    return _act(enterprise_id, form, "registry_form", lambda: services.add_membership(
        current_user, enterprise, kind=form.registry, level=form.level_value, year=form.year.data,
        starts_on=form.starts_on.data, reason=form.reason.data, plan_document=form.plan_document.data,
        today=today()), lambda m: f"已将企业纳入“{m.label}”。", "registries")


@bp.route("/enterprises/<int:enterprise_id>/registries/<int:membership_id>/end", methods=["POST"])
@require("unit_member")
def end_registry(enterprise_id, membership_id):
    _readable_or_404(enterprise_id)
    membership = db.session.get(RegistryMembership, membership_id)
    if membership is None or membership.enterprise_id != enterprise_id:
        abort(404)
    if not permissions.can_keep_registry(current_user, membership.kind):
        abort(403)
    form = EndRegistryForm()
    if form.validate_on_submit():
        done = perform(lambda: services.end_membership(current_user, membership, ends_on=form.ends_on.data,
                                                       reason=form.end_reason.data, today=today()),
                       lambda m: f"已将企业移出“{m.label}”。",
                       form=form if membership.ends_on is None else None)  # an ended row shows no form: flash
        if done:
            return redirect(url_for("ledger.enterprise", enterprise_id=enterprise_id, _anchor="registries"))
        status = done.status
    else:
        status = 400
    return _render_detail(enterprise_id, status, end_forms={membership_id: form})


@bp.route("/enterprises/<int:enterprise_id>/listing", methods=["POST"])
@require("unit_member")
def add_listing_step(enterprise_id):
    enterprise = _readable_or_404(enterprise_id)
    if not permissions.can_keep_listing(current_user):
        abort(403)
    form = ListingStepForm()
    return _act(enterprise_id, form, "listing_form", lambda: services.record_listing_step(
        current_user, enterprise, stage=form.stage_value, reached_on=form.reached_on.data, note=form.note.data,
        reason=form.reason.data, today=today()), lambda s: f"已记录上市梯队阶段“{s.stage.label}”。", "listing")

