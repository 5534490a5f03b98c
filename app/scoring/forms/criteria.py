"""Forms of 考评细则 drafting: starting a book, its settings (quarter shares, note), an indicator (method and
parameters, source, points per profile), the targets grid and its Excel upload. The forms read what is typed;
the services (`app.scoring.criteria`) check it and say in Chinese what to fix."""

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from app.core.forms import (
    IdSelectField,
    MultiLine,
    OneLine,
    ValidationError,
    max_length,
    options,
    strip,
)
from app.scoring import engine
from app.scoring.criteria import IndicatorInput
from app.scoring.engine import decimal_text as fmt
from app.scoring.models import CriteriaSource

TARGET_PREFIX = "target:"
SEPARATORS = re.compile(r"[,，、;；\s]+")
PARAM_FIELDS = {"linear": ("cap", "floor"), "steps": ("steps",), "rank": ("shares",), "count": ("per_event",)}


def target_name(code, unit_id):
    """The input name of a targets grid cell."""
    return f"{TARGET_PREFIX}{code}:{unit_id}"


def target_values(formdata):
    """{(indicator code, unit id): typed text} of a submitted targets grid; and messages for unreadable names."""
    values, errors = {}, []
    for name in formdata:
        if not name.startswith(TARGET_PREFIX):
            continue
        code, _, unit_id = name[len(TARGET_PREFIX):].rpartition(":")
        if not code or not unit_id.isdigit() or len(unit_id) > 9:
            errors.append("提交的目标表格无法识别，请刷新页面后重新填写。")
            continue
        values[(code, int(unit_id))] = (formdata.get(name) or "").strip()
    return values, list(dict.fromkeys(errors))


class StartBookForm(FlaskForm):
    source = SelectField("起草方式", choices=options([("defaults", "按《考核评价办法》附件2的默认指标起草"),
                                                   ("previous", "沿用上一年度已发布的考评细则（含年度目标）")]),
                         invalid_choice_message="请选择起草方式。")
    submit = SubmitField("开始起草")


def _number_field(label, description=None):
    name = label.split("（")[0]  # "满分完成率（%）": a % in a Length message would be read as a format
    return StringField(label, description=description, validators=[OneLine(name), Optional(),
                                                                    max_length(name, 20)], filters=[strip])


class BookSettingsForm(FlaskForm):
    q1 = _number_field("第一季度末（%）")
    q2 = _number_field("第二季度末（%）")
    q3 = _number_field("第三季度末（%）")
    q4 = _number_field("第四季度末（%）")
    note = TextAreaField("说明", validators=[MultiLine("说明"), max_length("说明", 2000)])
    submit = SubmitField("保存设置")

    def shares(self):
        return [self.q1.data, self.q2.data, self.q3.data, self.q4.data]


def indicator_form(columns, units, ledger_keys, row=None, formdata=None):
    """The form of one indicator: `columns` the [(profile, label, maximum)] it may have points for, `units` the
    co-assessing units to choose from, `ledger_keys` {key: label}; prefilled from `row` when editing."""

    class IndicatorForm(FlaskForm):
        code = StringField("指标代码",
                           description="英文字母、数字或下划线，如 above_scale；千百十办的交办事项指标为 tasks",
                           validators=[OneLine("指标代码"), max_length("指标代码", 32)], filters=[strip])
        name = StringField("指标名称", validators=[OneLine("指标名称"), max_length("指标名称", 100)], filters=[strip])
        description = TextAreaField("考评要点", validators=[MultiLine("考评要点"), max_length("考评要点", 2000)])
        method = SelectField("计分方法", choices=options([(m.value, m.label) for m in engine.Method]),
                             invalid_choice_message="请从列表中选择计分方法。")
        cap = _number_field("满分完成率（%）", "按完成率计分：完成率达到此值得满分，默认 100")
        floor = _number_field("起评完成率（%）", "按完成率计分：低于此值不得分，默认 0")
        steps = TextAreaField("分档（每行：完成率门槛%，得分比例%）",
                              description="分档计分：如“60,60”“80,80”“100,100”各占一行，门槛逐档递增",
                              validators=[MultiLine("分档"), max_length("分档", 500)])
        shares = StringField("各名次得分比例（%）", description="组内排名计分：第1名、第2名……依次，如 100,90,80,70,60",
                             validators=[OneLine("各名次得分比例"), max_length("各名次得分比例", 200)], filters=[strip])
        per_event = _number_field("每项得分", "按事项计分：每个事项得几分，得满为止")
        progress = SelectField("进度口径", choices=options(list(engine.PROGRESS_LABELS.items())),
                               default=engine.PROGRESS_CUMULATIVE, invalid_choice_message="请从列表中选择进度口径。",
                               description="按完成率、分档、排名计分时：累计量（投资、成交额等）按季度进度考核；"
                                           "存量、占比、比率（企业数、占GDP比重、开工率等）每季度对照年度目标")
        source = SelectField("实际值来源", choices=options([(s.value, s.label) for s in CriteriaSource]),
                             invalid_choice_message="请从列表中选择实际值来源。",
                             description="人工评分、交办事项、服务质量评价无需实际值")
        ledger_key = SelectField("台账指标", choices=options([("", "（不取台账）")] + list(ledger_keys.items())),
                                 validate_choice=False, description="实际值取自台账时选择")
        measure_unit = StringField("计量单位", validators=[OneLine("计量单位"), max_length("计量单位", 20)],
                                   filters=[strip])
        co_assessor_unit_id = IdSelectField("会同考评单位",
                                            choices=options([(None, "（无）")] + [(u.id, u.name) for u in units]))
        sort_order = _number_field("排序号", "小的在前；留空排在最后")
        submit = SubmitField("保存指标")

        def validate_sort_order(self, field):
            if field.data and not re.fullmatch(r"-?\d{1,6}", field.data):
                raise ValidationError("排序号应为整数。")

        def point_fields(self):
            return [(code, label, maximum, self[f"points_{code}"]) for code, label, maximum in columns]

        def param_fields(self):
            return [self[name] for names in PARAM_FIELDS.values() for name in names]

        def indicator_input(self):
            method = self.method.data
            return IndicatorInput(
                code=self.code.data or "", name=self.name.data or "", method=method, params=_params(self, method),
                points={code: self[f"points_{code}"].data for code, _, _ in columns},
                source=self.source.data, ledger_key=self.ledger_key.data or None,
                measure_unit=self.measure_unit.data, description=self.description.data,
                co_assessor_unit_id=self.co_assessor_unit_id.data,
                sort_order=int(self.sort_order.data) if self.sort_order.data else None)

    for code, label, maximum in columns:
        setattr(IndicatorForm, f"points_{code}", StringField(
            f"{label}（满分 {fmt(maximum)} 分）", validators=[OneLine(f"{label}分值"), max_length("分值", 20)],
            filters=[strip]))
    data = None
    if row is not None:
        params = row.params or {}
        data = {"code": row.code, "name": row.name, "description": row.description or "", "method": row.method.value,
                "cap": params.get("cap", ""), "floor": params.get("floor", ""),
                "steps": "\n".join(f"{t},{s}" for t, s in params.get("steps", [])),
                "shares": ",".join(params.get("shares", [])), "per_event": params.get("per_event", ""),
                "progress": engine.progress_of(params),
                "source": row.source.value, "ledger_key": row.ledger_key or "", "measure_unit": row.measure_unit or "",
                "co_assessor_unit_id": row.co_assessor_unit_id, "sort_order": str(row.sort_order),
                **{f"points_{code}": (row.points or {}).get(code, "") for code, _, _ in columns}}
    return IndicatorForm(formdata=formdata, data=data) if formdata is not None else IndicatorForm(data=data)


def _params(form, method):
    level = {"progress": engine.PROGRESS_LEVEL} if form.progress.data == engine.PROGRESS_LEVEL else {}
    if method == "linear":
        return {"cap": form.cap.data or "100", "floor": form.floor.data or "0", **level}
    if method == "steps":
        lines = [line.strip() for line in (form.steps.data or "").splitlines() if line.strip()]
        return {"steps": [[part for part in SEPARATORS.split(line) if part] for line in lines], **level}
    if method == "rank":
        return {"shares": [part for part in SEPARATORS.split(form.shares.data or "") if part], **level}
    if method == "count":
        return {"per_event": form.per_event.data or None}
    return {}


def show_indicator_error(form, error):
    """A refusal of the service on the field it names: parameters on the method's own fields, points above the
    points table (form-level)."""
    if error.field == "params":
        names = PARAM_FIELDS.get(form.method.data, ())
        if names:
            form[names[0]].errors = list(form[names[0]].errors) + [error.message]
            return
    field_ = getattr(form, error.field, None) if error.field and error.field != "points" else None
    if field_ is not None:
        field_.errors = list(field_.errors) + [error.message]
    else:
        form.form_errors.append(error.message)


class TargetsForm(FlaskForm):
    """The grid's inputs are named by `target_name` and read by `target_values`; the form carries the CSRF token."""

    submit = SubmitField("保存年度目标")


class TargetsUploadForm(FlaskForm):
    file = FileField("填好的目标表（.xlsx）")
    upload = SubmitField("上传并保存")

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("请选择要上传的 .xlsx 目标表。")
