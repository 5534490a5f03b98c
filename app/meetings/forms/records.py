"""Forms of the record pages: one record form whose sections depend on the meeting type, the repeating decision
fieldset (several decisions at once, each with lead unit, co-units and due date), and the small action forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, FieldList, Form, FormField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Optional

from app.core import text as limits
from app.core.forms import (
    ChineseDateField,
    IdSelectField,
    MultiLine,
    OneLine,
    UnitMultiSelect,
    VersionedForm,
    limit_note,
    max_length,
    options,
    required,
    strip,
)
from app.meetings.models import MeetingType
from app.meetings.services import MAX_DECISIONS, UNIT_TYPES, DecisionInput, RecordInput

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


class DecisionEntry(Form):
    """One decision of the repeating fieldset; a row left without text is ignored."""

    text = TextAreaField("决定事项", description=limit_note(limits.ITEM_TEXT_MAX), validators=[
        MultiLine(), Optional(), max_length("决定事项", limits.ITEM_TEXT_MAX)], filters=[strip])
    lead_unit_id = IdSelectField("牵头单位")
    co_unit_ids = UnitMultiSelect("配合单位（可多选）")
    due_on = ChineseDateField("完成时限", validators=[Optional()])
    make_task = BooleanField("同时交办为事项", default=True)


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

    def __init__(self, *args, record_type=None, units=(), projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_record_fields(record_type, units)
        self.setup_decisions(units)
        for entry in self.visits.entries:
            entry.form.project_id.choices = options([(None, "（从台账选择项目）")] + list(projects))
        if record_type is MeetingType.semiannual:
            self.submit.label.text = "提交述职报告"

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

    def __init__(self, *args, record_type=None, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_record_fields(record_type, units)

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
