"""Pages of the records: one per meeting type, sign-off and amendment, printable minutes and Excel."""

import io
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.auth.models import User
from app.core.actions import perform
from app.core.clock import today
from app.core.errors import ServiceError, error_response
from app.core.forms import form_error_text
from app.core.periods import Xun
from app.core.permissions import require
from app.core.text import download_name
from app.core.uploads import allowed_description
from app.extensions import db
from app.ledger import links
from app.ledger.chains import ChainReport, report_periods
from app.ledger.permissions import can_report_chain
from app.ledger.views.links import TagForm, UntagForm
from app.meetings import escalation, labels, permissions, queries, services
from app.meetings.excel import record_filename, record_workbook
from app.meetings.forms.records import (
    AttachmentForm,
    DecisionsForm,
    EscalateForm,
    ExplanationForm,
    InstructionForm,
    RecordEditForm,
    RecordForm,
    SignForm,
    VisitForm,
    error_items,
    refusal_status,
)
from app.meetings.models import ESCALATES_TO, ITEM_KIND_ORDER, ItemKind, MeetingType, RecordAttachment, RecordItem
from app.meetings.views import bp
from app.org.models import Chain, Person, Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _active_units():
    return db.session.scalars(sa.select(Unit).where(Unit.is_active).order_by(Unit.sort_order)).all()


def _expected_or_404(expected_id):
    expected = queries.meeting(expected_id)
    if expected is None:
        abort(404)
    return expected


def _record_or_404(record_id):
    """A record the user may read (permissions.can_read_record) with everything its page shows (the API's detail
    loads it the same way); an absent id and another's are the same 404."""
    record = queries.record_for_detail(record_id)
    if record is None or not permissions.can_read_record(current_user, record):
        abort(404)
    return record


def _item_or_404(item_id):
    item = db.session.get(RecordItem, item_id)
    if item is None or not permissions.can_read_record(current_user, item.record):
        abort(404)
    return item


# --- logging a record -----------------------------------------------------------------------------------------

def _dispatch_preview(expected):
    """The dispatch list as it stands now, for instructions on the form (the record freezes its own copy)."""
    if expected.type is not MeetingType.dispatch or expected.convener_person is None:
        return None
    return services.freeze_dispatch(expected.convener_person, Xun.of(expected.period_start),
                                    min(today(), expected.period_end))


@bp.route("/expected/<int:expected_id>/record", methods=["GET", "POST"])
@require("signed_in")
def new_record(expected_id):
    expected = _expected_or_404(expected_id)
    if expected.record is not None:
        flash(f"{labels.record_title(expected)}已经填写，不能重复填写；已为您打开已有纪要。", "warning")
        return redirect(url_for("meetings.record", record_id=expected.record.id))
    if not permissions.can_log(current_user, expected):
        return error_response(403, permissions.refusal_message(expected))
    projects = links.project_choices(current_user) if expected.type is MeetingType.quarterly else ()
    data = None
    if request.method == "GET":
        data = {"held_on": min(expected.scheduled_on, today())}
        if expected.type is MeetingType.consultation:
            data["unit_ids"] = [u.id for u in services.assessing_units(expected.period_start.year)]
    form = RecordForm(record_type=expected.type, units=_active_units(), projects=projects, data=data,
                      today=today())
    status = 200
    if form.is_submitted() and _every_check(form, expected):
        def create():
            visits = form.visit_rows(lambda project_id: links.get_subject(current_user, "project", project_id)) \
                if expected.type is MeetingType.quarterly else []
            record = services.create_record(current_user, expected,
                                            form.to_input(request.form, [text for text, _ in visits]), today())
            _store_files(record, form.files.name)
            _tag_visits(record, [project for _, project in visits])
            return record

        done = perform(create, lambda _: f"已保存：{labels.record_title(expected)}。", form=form)
        if done:
            return redirect(url_for("meetings.record", record_id=done.value.id))
        status = done.status
    errors = error_items(form)
    if errors and status == 200:
        status = refusal_status(form, errors)
    completion = services.consultation_completion(expected, today()) \
        if expected.type is MeetingType.consultation else None
    return render_template("meetings/record_new.html", form=form, expected=expected,
                           title=labels.record_title(expected), preview=_dispatch_preview(expected),
                           completion=completion, upload_help=allowed_description(), errors=errors), status


def _attending_units(form, expected):
    """The units the form records as attending (a staff member's decisions may go only to them and his own)."""
    if expected.type not in services.UNIT_TYPES or form.unit_ids.errors:
        return []
    ids = [i for i in form.unit_ids.data or () if isinstance(i, int)]
    units = db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids))).all() if ids else []
    if not units and expected.type is MeetingType.consultation:
        units = services.assessing_units(expected.period_start.year)
    return units


def _every_check(form, expected):
    """The form's checks and the decision services' on every row, all of them (not stopping at the first
    mistake), so that the page shows every mistake at once beside its field. Nothing is written."""
    valid = form.validate()
    rows_valid = form.check_decision_rows(current_user, expected, _attending_units(form, expected), today())
    return valid and rows_valid


def _tag_visits(record, projects):
    """Tag the record's visits, in the order written, with the ledger's projects picked for them (None: none)."""
    if not any(projects):
        return
    visits = sorted((i for i in record.items if i.kind is ItemKind.visit), key=lambda i: (i.sort_order, i.id))
    may_write = permissions.can_edit(current_user, record)
    for item, project in zip(visits, projects, strict=True):
        if project is not None:
            links.tag_item(current_user, item, project, may_write=may_write)


def _store_files(record, field_name, reason=None):
    """Store every uploaded file of the request; a refused one rolls back the request, the files stored with it too
    (core.uploads.removed_on_rollback)."""
    return [services.store_attachment(current_user, record, upload, reason).stored_name
            for upload in request.files.getlist(field_name) if upload and upload.filename]


# --- the record -------------------------------------------------------------------------------------------------

@dataclass
class ChainSection:
    """One chain's section of a 链长's 半年述职 (ledger.chains.ChainReport; None: not written yet)."""

    chain: Chain
    report: ChainReport | None
    writer: User | None  # who wrote it last
    other_leader: Person | None  # the 链长 the section was written for, when not the reporter (a predecessor)
    may_write: bool  # the user may write it on the chain's page now (its reporting unit or the office, period open)


def chain_sections(expected, user):
    """The per-chain sections of a 链长's 半年述职 (issue #14 part 3): one per chain the reporter leads, or whose
    section of the half-year was written for him, in the document's order of the chains; [] for any other record.
    One statement, whatever the number of chains."""
    if expected.type is not MeetingType.semiannual or expected.convener_person_id is None:
        return []
    person_id = expected.convener_person_id
    rows = db.session.execute(
        sa.select(Chain, ChainReport, User, Person)
        .outerjoin(ChainReport, sa.and_(ChainReport.chain_id == Chain.id,
                                        ChainReport.period_key == expected.period_key))
        .outerjoin(User, User.id == ChainReport.written_by_id)
        .outerjoin(Person, sa.and_(Person.id == ChainReport.leader_id, Person.id != person_id))
        .where(sa.or_(Chain.leader_id == person_id, ChainReport.leader_id == person_id))
        .order_by(Chain.sort_order, Chain.id)).all()
    is_open = expected.period_key in report_periods(today())
    return [ChainSection(chain, report, writer, other, is_open and can_report_chain(user, chain))
            for chain, report, writer, other in rows]


def _page_context(record):
    user = current_user
    items = {kind: [] for kind in ITEM_KIND_ORDER}
    for item in record.items:
        items.setdefault(item.kind, []).append(item)
    ids = [i.id for i in record.items]
    escalations = queries.escalations_of(ids)
    linked = [i for i in record.items if i.escalated_from_id or i.id in escalations]
    paths = {i.id: escalation.escalation_path(i) for i in linked}
    can_edit = permissions.can_edit(user, record)
    version = {"version": record.version}
    snap_rows = services.snapshot_rows(record)
    taggable = {i.id for i in record.items if i.kind.value in links.TAGGABLE_ITEMS}
    return dict(
        record=record, expected=record.expected, title=labels.record_title(record.expected), items=items,
        kind_order=ITEM_KIND_ORDER, escalations=escalations, paths=paths, can_edit=can_edit,
        can_sign=permissions.can_sign(user, record),
        escalatable={i.id for i in record.items if i.id not in escalations and escalation.can_escalate(user, i)},
        explainable={i.id for i in items.get(ItemKind.explanation, ()) if permissions.can_explain(user, i)},
        escalates_to=ESCALATES_TO.get(record.type), decisions_allowed=record.type in services.DECISION_TYPES,
        sign_form=SignForm(data=version), escalate_form=EscalateForm(), explanation_form=ExplanationForm(),
        decisions_form=DecisionsForm(units=_active_units()) if can_edit else None,
        instruction_form=InstructionForm(rows=snap_rows) if can_edit and snap_rows else None,
        visit_form=VisitForm(projects=links.project_choices(user))
        if can_edit and record.type is MeetingType.quarterly else None,
        item_tags=links.tags_of_items(taggable, user), taggable=taggable,
        tag_form=TagForm() if can_edit and taggable else None, untag_form=UntagForm() if can_edit else None,
        attachment_form=AttachmentForm() if can_edit else None, snap_rows=snap_rows,
        chain_sections=chain_sections(record.expected, user),
        **_completion(record),
    )


def _completion(record):
    """A 考评会商's indicator completion: the copy frozen at sign-off, or while a draft the quarter's as it stands."""
    if record.type is not MeetingType.consultation:
        return {}
    label = labels.period_label(record.expected)
    if record.is_signed and record.snapshot:
        return {"completion": record.snapshot, "completion_frozen": True, "completion_label": label}
    return {"completion": services.consultation_completion(record.expected, today()), "completion_frozen": False,
            "completion_label": label}


@bp.route("/records/<int:record_id>")
@require("signed_in")
def record(record_id):
    record = _record_or_404(record_id)
    return render_template("meetings/record.html", **_page_context(record))


@bp.route("/records/<int:record_id>/edit", methods=["GET", "POST"])
@require("signed_in")
def edit_record(record_id):
    """Edit a draft, or amend a signed record with a reason (kept beside the record)."""
    record = _record_or_404(record_id)
    if not permissions.can_edit(current_user, record):
        return error_response(403, "只有会议召集方（或千百十办）可以修改纪要。")
    data = None
    if request.method == "GET":
        data = {name: getattr(record, name) for name in RecordEditForm.FIELDS}
        data.update(unit_ids=[u.id for u in record.units], version=record.version)
    form = RecordEditForm(record_type=record.type, units=_active_units(), data=data, signed=record.is_signed)
    status = 200
    if form.validate_on_submit():
        done = perform(lambda: services.update_record(current_user, record, form.changes(), form.reason.data,
                                                      form.version_value()),
                       lambda _: "纪要已修改，修改理由已记录。" if record.is_signed else "纪要已保存。", form=form)
        if done:
            return redirect(url_for("meetings.record", record_id=record.id))
        status = done.status
    errors = error_items(form)
    if errors and status == 200:
        status = refusal_status(form, errors)
    return render_template("meetings/record_edit.html", form=form, record=record,
                           title=labels.record_title(record.expected), errors=errors), status


def _act(record_id, form, action, success, anchor=None, check=None):
    """The shape of every record action: validate, call one service, commit; refusals flash in Chinese, every
    mistake of the form at once. `check(form)`: further checks after the form's own (all are run)."""
    valid = form.validate_on_submit()
    if check is not None and form.is_submitted():
        valid = check(form) and valid
    if valid:
        perform(lambda: action(form), success)
    else:
        flash(form_error_text(form, "提交的内容有误。"), "danger")
    return redirect(url_for("meetings.record", record_id=record_id, _anchor=anchor))


@bp.route("/records/<int:record_id>/sign", methods=["POST"])
@require("signed_in")
def sign_record(record_id):
    record = _record_or_404(record_id)
    return _act(record_id, SignForm(), lambda f: services.sign_off(current_user, record, f.version_value()),
                "纪要已签发，此后修改须说明理由。")


@bp.route("/records/<int:record_id>/decisions", methods=["POST"])
@require("signed_in")
def add_decisions(record_id):
    record = _record_or_404(record_id)
    form = DecisionsForm(units=_active_units())
    return _act(record_id, form, lambda f: services.add_decisions(current_user, record, f.decision_inputs(), today(),
                                                                   f.reason.data),
                "会议决定已保存，需交办的已生成交办事项。", "decisions",
                check=lambda f: f.check_decision_rows(current_user, record.expected, record.units, today()))


@bp.route("/records/<int:record_id>/instructions", methods=["POST"])
@require("signed_in")
def add_instruction(record_id):
    record = _record_or_404(record_id)
    return _act(record_id, InstructionForm(rows=services.snapshot_rows(record)), lambda f: services.add_instruction(
        current_user, record, f.task_id.data, f.text.data, f.reason.data), "指示已保存。", "instructions")


@bp.route("/records/<int:record_id>/visits", methods=["POST"])
@require("signed_in")
def add_visit(record_id):
    """A project visited at the 季考核: picked from the ledger's projects (the item then carries a tag to it, and the
    project's page lists the visit) or, for a project not in the ledger, named."""
    record = _record_or_404(record_id)

    def action(form):
        project = links.get_subject(current_user, "project", form.project_id.data) if form.project_id.data else None
        item = services.add_visit(current_user, record, form.text(project), form.reason.data)
        if project is not None:
            links.tag_item(current_user, item, project, may_write=permissions.can_edit(current_user, record))
        return item

    return _act(record_id, VisitForm(projects=links.project_choices(current_user)), action, "观摩项目已保存。",
                "visits")


def _taggable_item_or_404(item_id):
    item = _item_or_404(item_id)
    if item.kind.value not in links.TAGGABLE_ITEMS:
        abort(404)
    return item


@bp.route("/items/<int:item_id>/tags", methods=["POST"])
@require("signed_in")
def tag_item(item_id):
    """Tag a decision (or a project visit) with a chain, an enterprise or a project: the record's writer."""
    item = _taggable_item_or_404(item_id)
    may_write = permissions.can_edit(current_user, item.record)
    if not may_write:
        return error_response(403, "只有纪要的填写方（会议召集方或千百十办）可以关联产业链、企业或项目。")
    return _act(item.record_id, TagForm(), lambda f: links.tag_item(current_user, item, f.resolve(current_user),
                                                                     may_write=may_write),
                "已关联。", f"item-{item.id}")


@bp.route("/items/<int:item_id>/tags/<int:link_id>/delete", methods=["POST"])
@require("signed_in")
def untag_item(item_id, link_id):
    item = _taggable_item_or_404(item_id)
    may_write = permissions.can_edit(current_user, item.record)
    if not may_write:
        return error_response(403, "只有纪要的填写方（会议召集方或千百十办）可以取消关联。")
    return _act(item.record_id, UntagForm(), lambda f: links.untag_item(current_user, item, link_id,
                                                                         may_write=may_write),
                "已取消关联。", f"item-{item.id}")


@bp.route("/items/<int:item_id>/explanation", methods=["POST"])
@require("signed_in")
def submit_explanation(item_id):
    item = _item_or_404(item_id)
    return _act(item.record_id, ExplanationForm(), lambda f: services.submit_explanation(
        current_user, item, f.text.data, f.reason.data), "情况说明已提交。", f"item-{item.id}")


@bp.route("/items/<int:item_id>/escalate", methods=["POST"])
@require("signed_in")
def escalate_item(item_id):
    item = _item_or_404(item_id)
    return _act(item.record_id, EscalateForm(), lambda f: escalation.escalate(current_user, item, f.reason.data,
                                                                               today()),
                "已上报，将列入下一次会议。", f"item-{item.id}")


@bp.route("/records/<int:record_id>/attachments", methods=["POST"])
@require("signed_in")
def upload_attachment(record_id):
    record = _record_or_404(record_id)
    form = AttachmentForm()

    def action(f):
        if not any(u and u.filename for u in request.files.getlist(f.files.name)):
            raise ServiceError("请选择要上传的文件。")
        _store_files(record, f.files.name, f.reason.data)

    return _act(record_id, form, action, "附件已上传。", "attachments")


@bp.route("/records/<int:record_id>/attachments/<int:attachment_id>")
@require("signed_in")
def attachment(record_id, attachment_id):
    item = db.session.get(RecordAttachment, attachment_id)
    if item is None or item.record_id != record_id or not permissions.can_read_files(current_user, item.record):
        abort(404)
    try:
        path = services.attachment_path(item)
    except (OSError, ServiceError):
        abort(404)
    return send_file(path, mimetype=item.content_type, as_attachment=True,
                     download_name=download_name(item.filename, fallback="会议附件"))


@bp.route("/records/<int:record_id>.xlsx")
@require("signed_in")
def record_xlsx(record_id):
    record = _record_or_404(record_id)
    sections = chain_sections(record.expected, current_user)
    return send_file(io.BytesIO(record_workbook(record, sections=sections)), mimetype=XLSX, as_attachment=True,
                     download_name=download_name(record_filename(record), fallback="会议纪要.xlsx"))
