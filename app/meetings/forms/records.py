"""Forms of the record pages: one record form whose sections depend on the meeting type, the repeating decision
fieldset (several decisions at once, each with lead unit, co-units and due date), and the small action forms.

A form finds every mistake at once (issue #16, part 4): each field, and each field of each decision row, carries
its own message. The record services stop at the first mistake; the checks they make that a form can make first
are made here with the services' own messages, and `check_decision_rows` runs the services' per-decision checks on
every row, so that the service, which still checks everything, refuses only what changed meanwhile."""

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, FieldList, Form, FormField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Optional

from app.core import text as limits
from app.core.errors import ServiceError
from app.core.forms import (
    ChineseDateField,
    IdSelectField,
    MultiLine,
    OneLine,
    UnitMultiSelect,
    ValidationError,
    VersionedForm,
    limit_note,
    max_length,
    options,
    required,
    strip,
)
from app.extensions import db
from app.meetings import services
from app.meetings.models import MeetingType
from app.meetings.services import MAX_DECISIONS, UNIT_TYPES, DecisionInput, RecordInput
from app.org.models import Unit

MINUTES_LABELS = {
    MeetingType.weekly: "会议纪要", MeetingType.dispatch: "调度情况", MeetingType.monthly: "分析说明",
    MeetingType.quarterly: "讲评会情况", MeetingType.semiannual: "述职报告正文",
    MeetingType.consultation: "会商情况",
}
COMMENTS_LABELS = {
    MeetingType.dispatch: "副市长讲话要点", MeetingType.monthly: "市长讲评", MeetingType.quarterly: "书记讲评",
}
INSTRUCTION_PREFIX = "instruction-"
# InputRequired, not DataRequired: a date typed wrongly keeps its format message instead of "please fill in".
DATE_REQUIRED = InputRequired(message="请填写日期。")
# A visit is stored as one item text “project：note”, at most ITEM_TEXT_MAX with the project's 200 and the colon.
VISIT_NOTE_MAX = limits.ITEM_TEXT_MAX - 201


def _add_error(field, message):
    field.errors = [*field.errors, message]


def refusal_status(form, errors):
    """The answer's status for a refused form: the record service's own (403 for a unit the user may not assign,
    422 for a past due date, 409 for a signed record without a reason) when every mistake is one of its rules,
    else 400. `errors`: error_items(form)."""
    statuses = getattr(form, "refusal_statuses", ())
    return statuses[0] if statuses and len(statuses) == len(errors) else 400


def error_items(form):
    """(field id, message) of every error of a validated form, its decision rows' fields included, in the order
    of the page: the list at the top of the form, each linking to its field."""
    items = []
    for field in form:
        if field.type == "FieldList":
            for entry in field.entries:
                items.extend(error_items(entry.form) if hasattr(entry, "form") else
                             [(entry.id, message) for message in entry.errors])
        elif field.type == "FormField":
            items.extend(error_items(field.form))
        else:  # a hidden field's error (the form's token, its version) has no field to show it beside
            target = None if field.type in ("CSRFTokenField", "HiddenField") else field.id
            items.extend((target, str(message)) for message in field.errors)
    return items


class DecisionEntry(Form):
    """One decision of the repeating fieldset; a row left without text is ignored."""

    text = TextAreaField("决定事项", description=limit_note(limits.ITEM_TEXT_MAX), validators=[
        MultiLine(), Optional(), max_length("决定事项", limits.ITEM_TEXT_MAX)], filters=[strip])
    lead_unit_id = IdSelectField("牵头单位")
    co_unit_ids = UnitMultiSelect("配合单位（可多选）")
    due_on = ChineseDateField("完成时限", validators=[Optional()])
    make_task = BooleanField("同时交办为事项", default=True)

    def written(self):
        """The decision's text; a row without one is ignored."""
        return (self.text.data or "").strip()

    def validate(self, extra_validators=None):
        """The decision services' "required" checks (meetings.services._check_decision, its messages) on this row,
        beside the fields' own, so that a row missing both its lead unit and its due date shows both at once.
        (Here rather than as validate_<field>: the due date's Optional() would stop those when it is blank.)"""
        valid = super().validate(extra_validators)
        text = self.written()
        if text and self.lead_unit_id.data is None and not self.lead_unit_id.errors:
            _add_error(self.lead_unit_id, f"请为会议决定“{text[:30]}”选择牵头单位。")
            valid = False
        if text and self.make_task.data and self.due_on.data is None and not self.due_on.errors:
            _add_error(self.due_on, f"请为会议决定“{text[:30]}”填写完成时限。")
            valid = False
        return valid


class VisitEntry(Form):
    project_id = IdSelectField("台账项目")
    project = StringField("观摩项目（台账外项目）", validators=[OneLine(), Optional(), max_length("观摩项目", 200)],
                          filters=[strip])
    note = TextAreaField("观摩情况", description=limit_note(VISIT_NOTE_MAX), validators=[
        MultiLine(), Optional(), max_length("观摩情况", VISIT_NOTE_MAX)], filters=[strip])


def _unit_choices(field, units, blank=None):
    pairs = [(u.id, u.name) for u in units]
    field.choices = options(([(None, blank)] if blank else []) + pairs)


def _decision_inputs(entries):
    result = []
    for entry in entries:
        data = entry.form
        if not (data.text.data or "").strip():
            continue
        result.append(DecisionInput(text=data.text.data, lead_unit_id=data.lead_unit_id.data,
                                    co_unit_ids=list(data.co_unit_ids.data or []), due_on=data.due_on.data,
                                    make_task=bool(data.make_task.data)))
    return result


class DecisionsMixin:
    def setup_decisions(self, units):
        for entry in self.decisions.entries:
            _unit_choices(entry.form.lead_unit_id, units, "（请选择）")
            _unit_choices(entry.form.co_unit_ids, units)

    def decision_inputs(self):
        return _decision_inputs(self.decisions.entries)

    def check_decision_rows(self, actor, expected, attending_units, today):
        """Run the services' checks of one decision (known units, due date not past, units the actor may assign
        to) on every written row not already marked, each refusal on the row's field it names. Returns whether
        every row passed."""
        passed = True
        for entry in self.decisions.entries:
            row = entry.form
            if not row.written():
                continue
            if any(f.errors for f in row):
                passed = False
                continue
            decision = _decision_inputs([entry])[0]
            # The row's units (the form checked they are among the choices) for the assignment check, made even
            # when the decision's own checks refuse it: a past due date and a unit not at the meeting both show.
            lead_unit = db.session.get(Unit, decision.lead_unit_id) if decision.lead_unit_id is not None else None
            co_units = [db.session.get(Unit, unit_id) for unit_id in decision.co_unit_ids]
            checks = [(services._resolve_decision, (decision, today))]
            if lead_unit is not None and None not in co_units:
                checks.append((services._check_assignable, (actor, expected, attending_units, lead_unit, co_units,
                                                            decision.make_task)))
            for check, args in checks:
                try:
                    check(*args)
                except ServiceError as error:
                    _add_error(getattr(row, error.field or "", None) or row.text, error.message)
                    self.refusal_statuses = [*getattr(self, "refusal_statuses", ()), error.status]
                    passed = False
        errors = [entry.errors for entry in self.decisions.entries]  # the list keeps what validate() found
        self.decisions.errors = errors if any(errors) else []
        return passed


class RecordFieldsMixin:
    """The text fields a record is created and later edited with; `setup_record_fields` labels them by type."""

    held_on = ChineseDateField("会议日期", validators=[DATE_REQUIRED])
    place = StringField("地点", validators=[OneLine(), Optional(), max_length("地点", 200)], filters=[strip])
    chair = StringField("主持人", validators=[OneLine(), Optional(), max_length("主持人", 100)], filters=[strip])
    unit_ids = UnitMultiSelect("参会单位（可多选）")
    attendees = TextAreaField("参会人员", description=limit_note(limits.ATTENDEES_MAX), validators=[
        MultiLine(), Optional(), max_length("参会人员", limits.ATTENDEES_MAX)])
    topics = TextAreaField("议题", description=limit_note(limits.TOPICS_MAX), validators=[
        MultiLine(), Optional(), max_length("议题", limits.TOPICS_MAX)])
    minutes = TextAreaField("会议纪要", description=limit_note(limits.MINUTES_MAX), validators=[
        MultiLine("正文"), Optional(), max_length("正文", limits.MINUTES_MAX)])
    comments = TextAreaField("领导讲评", description=limit_note(limits.COMMENTS_MAX), validators=[
        MultiLine(), Optional(), max_length("领导讲评", limits.COMMENTS_MAX)])

    def check_required_texts(self):
        """A 半年述职 needs its text (the record services' rule and message). Run after the fields' validation,
        which resets their errors."""
        minutes = self.minutes
        if self.record_type is MeetingType.semiannual and not (minutes.data or "").strip() and not minutes.errors:
            _add_error(minutes, "请填写述职报告正文。")
            return False
        return True

    def setup_record_fields(self, record_type, units):
        self.record_type = record_type
        _unit_choices(self.unit_ids, units)
        self.minutes.label.text = MINUTES_LABELS.get(record_type, "会议纪要")
        if record_type is MeetingType.consultation:
            self.unit_ids.label.text = "参加会商的考评单位（可多选）"
        self.comments.label.text = COMMENTS_LABELS.get(record_type, "领导讲评")
        if record_type is MeetingType.semiannual:
            self.held_on.label.text = "提交日期"


class RecordForm(RecordFieldsMixin, DecisionsMixin, FlaskForm):
    """The record of one expected meeting; the template shows the sections of its type."""

    decisions = FieldList(FormField(DecisionEntry), min_entries=1, max_entries=MAX_DECISIONS)
    visits = FieldList(FormField(VisitEntry), min_entries=1, max_entries=MAX_DECISIONS)
    files = MultipleFileField("述职材料（可选，可多选）")
    submit = SubmitField("保存纪要")

    def __init__(self, *args, record_type=None, units=(), projects=(), today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.setup_record_fields(record_type, units)
        self.setup_decisions(units)
        for entry in self.visits.entries:
            entry.form.project_id.choices = options([(None, "（从台账选择项目）")] + list(projects))
        if record_type is MeetingType.semiannual:
            self.submit.label.text = "提交述职报告"

    def validate_held_on(self, field):
        if self.today is not None and field.data is not None:
            try:
                services._held_on(field.data, self.today)  # not after today (the service's rule and message)
            except ServiceError as error:
                raise ValidationError(error.message) from None

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        return self.check_required_texts() and valid

    def instruction_inputs(self, formdata):
        """(task_id, text) of every filled `instruction-<task id>` field of the dispatch form."""
        result = []
        for key, value in formdata.items():
            if key.startswith(INSTRUCTION_PREFIX) and (value or "").strip():
                result.append((key[len(INSTRUCTION_PREFIX):], value))
        return result

    def visit_rows(self, project_of=lambda project_id: None):
        """(text, project) of each filled visit row; `project_of(id)` gives the ledger's project picked (or
        refuses it), whose name then heads the text."""
        rows = []
        for entry in self.visits.entries:
            project = project_of(entry.form.project_id.data) if entry.form.project_id.data else None
            name = project.name if project is not None else entry.form.project.data or ""
            note = entry.form.note.data or ""
            if name or note:
                rows.append((f"{name}：{note}" if name and note else name or note, project))
        return rows

    def visit_texts(self):
        return [text for text, _ in self.visit_rows()]

    def to_input(self, formdata, visits=None) -> RecordInput:
        """`visits`: the visit texts when the caller read them already (visit_rows with the ledger's projects)."""
        kind = self.record_type
        return RecordInput(
            held_on=self.held_on.data, place=self.place.data, chair=self.chair.data, attendees=self.attendees.data,
            topics=self.topics.data, minutes=self.minutes.data, comments=self.comments.data,
            unit_ids=list(self.unit_ids.data or []) if kind in UNIT_TYPES else [],
            decisions=self.decision_inputs() if kind is not MeetingType.semiannual else [],
            instructions=self.instruction_inputs(formdata) if kind is MeetingType.dispatch else [],
            visits=(self.visit_texts() if visits is None else visits) if kind is MeetingType.quarterly else [])


class ReasonMixin:
    reason = TextAreaField("修改理由（纪要已签发时必填）",
                           validators=[MultiLine(), Optional(), max_length("修改理由", 500)], filters=[strip])


class RecordEditForm(RecordFieldsMixin, ReasonMixin, VersionedForm):
    submit = SubmitField("保存修改")

    FIELDS = ("held_on", "place", "chair", "attendees", "topics", "minutes", "comments")

    def __init__(self, *args, record_type=None, units=(), signed=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.signed = signed
        self.setup_record_fields(record_type, units)

    def validate(self, extra_validators=None):
        """update_record's checks, with its messages, beside the fields' own: every mistake at once."""
        valid = super().validate(extra_validators)
        valid = self.check_required_texts() and valid
        if self.record_type is MeetingType.consultation and not self.unit_ids.data and not self.unit_ids.errors:
            _add_error(self.unit_ids, "请选择参加会商的考评单位。")
            valid = False
        if self.signed and not (self.reason.data or "").strip() and not self.reason.errors:
            _add_error(self.reason, "该纪要已签发锁定，修改必须填写修改理由。")
            self.refusal_statuses = [409]  # as the service's refusal (code "locked")
            valid = False
        return valid

    def changes(self):
        data = {name: getattr(self, name).data for name in self.FIELDS}
        if self.record_type in UNIT_TYPES:
            data["unit_ids"] = list(self.unit_ids.data or [])
        return data


class SignForm(VersionedForm):
    submit = SubmitField("签发（签发后锁定）")


class DecisionsForm(DecisionsMixin, ReasonMixin, FlaskForm):
    decisions = FieldList(FormField(DecisionEntry), min_entries=1, max_entries=MAX_DECISIONS)
    submit = SubmitField("保存会议决定")

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_decisions(units)


class InstructionForm(ReasonMixin, FlaskForm):
    task_id = IdSelectField("清单事项")
    text = TextAreaField("指示内容", description=limit_note(limits.ITEM_TEXT_MAX), validators=[
        MultiLine(), required("指示内容"), max_length("指示内容", limits.ITEM_TEXT_MAX)])
    submit = SubmitField("增加指示")

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.task_id.choices = options([(None, "（请选择）")] + [(r["task_id"], r["title"]) for r in rows])


class VisitForm(ReasonMixin, FlaskForm):
    """A project visited: picked from the ledger's active projects, or named when it is not in the ledger."""

    project_id = IdSelectField("台账项目")
    project = StringField("观摩项目（台账外项目）", description="台账中没有的项目，在此填写名称。",
                          validators=[OneLine(), Optional(), max_length("观摩项目", 200)], filters=[strip])
    note = TextAreaField("观摩情况", description=limit_note(VISIT_NOTE_MAX), validators=[
        MultiLine(), Optional(), max_length("观摩情况", VISIT_NOTE_MAX)])
    submit = SubmitField("增加观摩项目")

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.project_id.choices = options([(None, "（从台账选择项目）")] + list(projects))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid and not self.project_id.data and not self.project.data:
            self.project.errors = ["请从台账选择观摩项目，或填写台账外项目的名称。"]
            return False
        return valid

    def text(self, project=None):
        name = project.name if project is not None else self.project.data
        return f"{name}：{self.note.data.strip()}" if (self.note.data or "").strip() else name


class ExplanationForm(ReasonMixin, FlaskForm):
    text = TextAreaField("情况说明", description=limit_note(limits.ITEM_TEXT_MAX), validators=[
        MultiLine(), required("情况说明"), max_length("情况说明", limits.ITEM_TEXT_MAX)])
    submit = SubmitField("提交说明")


class EscalateForm(FlaskForm):
    reason = TextAreaField("上报理由", validators=[MultiLine(), required("上报理由"), max_length("上报理由", 500)],
                           filters=[strip])
    submit = SubmitField("上报")


class AttachmentForm(ReasonMixin, FlaskForm):
    files = MultipleFileField("附件（可多选）")
    submit = SubmitField("上传")
