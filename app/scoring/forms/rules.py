"""The form of a year's rules, built per year (`rules_form`) because its fields follow the year's profiles and
units. It only reads what the office typed into plain values and a data dict of the shape
`YearRules.to_data()`; whether the rules add up is decided by `year_rules.validate_rule_data`, the one copy of
those checks.
"""

import copy
import re
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Optional

from app.core.forms import OneLine, ValidationError, limit_note, max_length, options, required, strip
from app.scoring import engine
from app.scoring.engine import decimal_text as fmt
from app.scoring.year_rules import TASK_ITEM

TWO_PLACES = Decimal("0.01")
SUB_ITEM_CODE = re.compile(r"^[A-Za-z0-9_]{1,32}$")
LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")


def _decimal(text, what):
    """A number with at most two decimals from text (a trailing % is allowed), or a Chinese ValueError."""
    text = (text or "").strip().rstrip("%％").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{what}”必须是数字（填写的是“{text[:20]}”）。") from None
    if not value.is_finite():
        raise ValueError(f"“{what}”必须是数字（填写的是“{text[:20]}”）。")
    if value != value.quantize(TWO_PLACES):
        raise ValueError(f"“{what}”最多保留两位小数（填写的是 {text[:20]}）。")
    return value


class DecimalText(StringField):
    """A number typed by the office, kept as a Decimal (never a float); blank is None; errors are Chinese."""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if text:
            self.data = _decimal(text, self.label.text)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return fmt(self.data)


def number(label, blank_allowed=False):
    return DecimalText(label, validators=[Optional() if blank_allowed else InputRequired(message=f"请填写{label}。")])


class RulesFormBase(FlaskForm):
    weight_normal = number("“一般”交办事项权重")
    weight_key = number("“重点”交办事项权重")
    late_credit = number("逾期办结得分系数")
    include_co_units = BooleanField("配合单位也计入交办事项得分（默认只计牵头单位）")
    blends = TextAreaField("折算（每行：行业指导单位|被折算单位|指导单位比例|被折算单位比例）",
                           validators=[Optional(), max_length("折算", 2000)])
    rank_points_total = number("县市区（园区）组“千百十”工程分值")
    rank_percentages = StringField("按名次得分比例（%，第一名起，用逗号分隔）", validators=[
        OneLine("按名次得分比例"), required("按名次得分比例")], filters=[strip])
    policy_rate_line = number("政策兑现率扣分线（%）")
    policy_deduction = number("低于扣分线扣分")
    grade_points_total = number("市直单位组“千百十”工程分值")
    grade_ratio = StringField("优秀:良好:合格 比例", validators=[OneLine("等次比例"), required("等次比例")],
                              filters=[strip])
    fail_threshold = number("不合格分数线（年度得分低于此分）")
    note = TextAreaField("修改说明", description=limit_note(2000), validators=[
        required("修改说明（改了什么、依据）"), max_length("修改说明", 2000)])
    submit = SubmitField("保存为新版本")

    # set by `rules_form`
    profiles: list = []
    units: list = []
    units_by_name: dict = {}

    def validate_rank_percentages(self, field):
        try:
            self.rank_values = [_decimal(p, "按名次得分比例") for p in LIST_SEPARATORS.split(field.data) if p]
        except ValueError as error:
            raise ValidationError(str(error)) from None
        if not self.rank_values:
            raise ValidationError("请填写按名次得分比例，如“100, 90, 80, 70, 60”。")

    def validate_grade_ratio(self, field):
        parts = [p for p in re.split(r"[:：,，、\s]+", field.data) if p]
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            raise ValidationError("等次比例请按“3:6:1”的格式填写三个非负整数（优秀:良好:合格）。")
        self.ratio_values = [int(p) for p in parts]

    def validate_blends(self, field):
        self.blend_values = []
        for number_, line in enumerate((field.data or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in re.split(r"[|｜]", line)]
            if len(parts) != 4:
                raise ValidationError(f"折算第{number_}行应为“行业指导单位|被折算单位|比例|比例”四项，"
                                      "如“市发改委|国网湘潭供电公司|85|15”。")
            target, source = (self.units_by_name.get(p) for p in parts[:2])
            for name, unit in zip(parts[:2], (target, source), strict=True):
                if unit is None:
                    raise ValidationError(f"折算第{number_}行：找不到单位“{name[:30]}”，请填写单位全称。")
            try:
                percents = [_decimal(p, "折算比例") for p in parts[2:]]
            except ValueError as error:
                raise ValidationError(f"折算第{number_}行：{error}") from None
            self.blend_values.append({"target": target.id, "source": source.id,
                                      "target_percent": str(percents[0]), "source_percent": str(percents[1])})

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        return self._validate_sub_items() and ok

    def _validate_sub_items(self):
        """Read every component's sub-item lines: “代码|名称|满分[|录入单位全称]”."""
        self.sub_values, self.sub_assessors = {}, {}
        ok = True
        for pi, profile in enumerate(self.profiles):
            for assessor in engine.Assessor:
                field = self[sub_field(pi, assessor)]
                maximum = self[max_field(pi, assessor)].data
                try:
                    subs = self._parse_sub_items(field.data or "", assessor)
                except ValueError as error:
                    field.errors = list(field.errors) + [str(error)]
                    ok = False
                    continue
                if subs and maximum is None and not self[max_field(pi, assessor)].errors:
                    field.errors = list(field.errors) + [
                        f"{profile.label}没有“{assessor.label}”这一项（满分为空），不能设置细项；请先填写满分或清空细项。"]
                    ok = False
                self.sub_values[pi, assessor] = subs
        return ok

    def _parse_sub_items(self, text, assessor):
        subs, codes = [], set()
        for number_, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in re.split(r"[|｜]", line)]
            if len(parts) not in (3, 4):
                raise ValueError(f"细项第{number_}行应为“代码|名称|满分”（可加第4项“录入单位全称”），"
                                 f"如“approval|产业项目审批服务|5|市行政审批局”。")
            code, name, maximum = parts[:3]
            if not SUB_ITEM_CODE.match(code):
                raise ValueError(f"细项第{number_}行：代码“{code[:32]}”只能由英文字母、数字和下划线组成"
                                 "（不超过32个字符）。")
            if code in codes:
                raise ValueError(f"细项第{number_}行：代码“{code}”重复。")
            codes.add(code)
            if not name or len(name) > 100:
                raise ValueError(f"细项第{number_}行：请填写细项名称（不超过100个字符）。")
            value = _decimal(maximum, f"细项“{name}”的满分")
            if len(parts) == 4 and parts[3]:
                if code == TASK_ITEM and assessor is engine.Assessor.office:
                    raise ValueError(f"细项第{number_}行：“{TASK_ITEM}”由系统按交办事项计算，不能指定录入单位。")
                unit = self.units_by_name.get(parts[3])
                if unit is None:
                    raise ValueError(f"细项第{number_}行：找不到录入单位“{parts[3][:30]}”，请填写单位全称。")
                key = f"{assessor}.{code}"
                if self.sub_assessors.get(key, unit.id) != unit.id:
                    raise ValueError(f"细项第{number_}行：同一考评项下的细项“{code}”在各构成中应由同一单位录入。")
                self.sub_assessors[key] = unit.id
            subs.append({"code": code, "name": name, "maximum": str(value)})
        return subs

    def rule_data(self, base):
        """The data dict to save: `base` (the current `to_data()`) with everything the form edits replaced."""
        data = copy.deepcopy(base)
        rules = data["rules"]
        profiles = []
        for pi, profile in enumerate(self.profiles):
            present = [str(c.assessor) for c in profile.components]
            order = present + [str(a) for a in engine.Assessor if str(a) not in present]
            components = []
            for code in order:
                assessor = engine.Assessor(code)
                maximum = self[max_field(pi, assessor)].data
                if maximum is None:
                    continue
                components.append({"assessor": code, "maximum": str(maximum),
                                   "sub_items": self.sub_values.get((pi, assessor), [])})
            profiles.append({"code": profile.code, "label": profile.label, "components": components})
        rules["profiles"] = profiles
        rules["blends"] = self.blend_values
        rules["quarter_weights"] = {str(g): [str(self[weight_field(g, q)].data) for q in (1, 2, 3, 4)]
                                    for g in engine.Group}
        rules["rank_points_total"] = str(self.rank_points_total.data)
        rules["rank_percentages"] = [str(p) for p in self.rank_values]
        rules["policy_rate_line"] = str(self.policy_rate_line.data)
        rules["policy_deduction"] = str(self.policy_deduction.data)
        rules["grade_points_total"] = str(self.grade_points_total.data)
        rules["grade_ratio"] = self.ratio_values
        rules["grade_percentages"] = {str(g): str(self[grade_field(g)].data) for g in engine.Grade}
        rules["fail_threshold"] = str(self.fail_threshold.data)
        rules["award_counts"] = {str(g): int(self[award_field(g)].data) for g in engine.Group}
        rules["tasks"] = {"weights": {str(engine.Priority.normal): str(self.weight_normal.data),
                                      str(engine.Priority.key): str(self.weight_key.data)},
                          "late_credit": str(self.late_credit.data),
                          "include_co_units": bool(self.include_co_units.data)}
        data["unit_profiles"] = {str(u.id): self[unit_field(u.id)].data for u in self.units}
        data["sub_item_assessors"] = dict(self.sub_assessors)
        return data


def max_field(pi, assessor):
    return f"p{pi}_{assessor}_max"


def sub_field(pi, assessor):
    return f"p{pi}_{assessor}_subs"


def weight_field(group, quarter):
    return f"qw_{group}_{quarter}"


def grade_field(grade):
    return f"grade_{grade}"


def award_field(group):
    return f"award_{group}"


def unit_field(unit_id):
    return f"unit_{unit_id}"


class ProfileSelect(SelectField):
    def pre_validate(self, form):
        if self.data not in {c.value for c in self.choices}:
            raise ValidationError(f"请为{self.label.text}选择有效的季度得分构成。")


class AwardCount(StringField):
    """A non-negative whole number of places, with a Chinese message."""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if text:
            if not text.isdigit():
                raise ValueError(f"“{self.label.text}”必须是不小于0的整数。")
            self.data = int(text)


def rules_form(year_rules, units, all_units):
    """The rules form of a year: a field per (profile, assessor) maximum and sub-items, per quarter weight,
    grade percentage, award count and unit profile, prefilled from `year_rules` on a GET."""
    rules = year_rules.rules
    profiles = list(rules.profiles.values())

    class RulesForm(RulesFormBase):
        pass

    RulesForm.profiles = profiles
    RulesForm.units = list(units)
    RulesForm.units_by_name = {**{u.short_name: u for u in all_units}, **{u.name: u for u in all_units}}
    data = {
        "weight_normal": rules.tasks.weights.get(engine.Priority.normal),
        "weight_key": rules.tasks.weights.get(engine.Priority.key),
        "late_credit": rules.tasks.late_credit, "include_co_units": rules.tasks.include_co_units,
        "rank_points_total": rules.rank_points_total,
        "rank_percentages": ", ".join(fmt(p) for p in rules.rank_percentages),
        "policy_rate_line": rules.policy_rate_line, "policy_deduction": rules.policy_deduction,
        "grade_points_total": rules.grade_points_total,
        "grade_ratio": ":".join(str(r) for r in rules.grade_ratio),
        "fail_threshold": rules.fail_threshold,
    }
    names = {u.id: u.name for u in all_units}
    data["blends"] = "\n".join(f"{names.get(b.target, b.target)}|{names.get(b.source, b.source)}|"
                               f"{fmt(b.target_percent)}|{fmt(b.source_percent)}" for b in rules.blends)
    for pi, profile in enumerate(profiles):
        for assessor in engine.Assessor:
            setattr(RulesForm, max_field(pi, assessor), DecimalText(f"{profile.label}·{assessor.label}满分",
                                                                    validators=[Optional()]))
            setattr(RulesForm, sub_field(pi, assessor), TextAreaField(
                f"{profile.label}·{assessor.label}细项", validators=[Optional(), max_length("细项", 4000)]))
            comp = profile.component(assessor)
            if comp is not None:
                data[max_field(pi, assessor)] = comp.maximum
                data[sub_field(pi, assessor)] = "\n".join(
                    f"{s.code}|{s.name}|{fmt(s.maximum)}" + (
                        f"|{names.get(year_rules.sub_item_assessors[f'{assessor}.{s.code}'], '')}"
                        if f"{assessor}.{s.code}" in year_rules.sub_item_assessors else "")
                    for s in comp.sub_items)
    for group in engine.Group:
        weights = rules.quarter_weights.get(group, ())
        for q in (1, 2, 3, 4):
            setattr(RulesForm, weight_field(group, q), number(f"{group.label}第{q}季度权重"))
            if len(weights) == 4:
                data[weight_field(group, q)] = weights[q - 1]
        setattr(RulesForm, award_field(group), AwardCount(f"{group.label}表彰名额", validators=[
            InputRequired(message=f"请填写{group.label}表彰名额。")]))
        data[award_field(group)] = rules.award_counts.get(group)
    for grade in engine.Grade:
        setattr(RulesForm, grade_field(grade), number(f"“{grade.label}”得分比例（%）"))
        data[grade_field(grade)] = rules.grade_percentages.get(grade)
    profile_choices = options((p.code, p.label) for p in profiles)
    for unit in units:
        setattr(RulesForm, unit_field(unit.id), ProfileSelect(unit.name, choices=profile_choices))
        data[unit_field(unit.id)] = year_rules.unit_profiles.get(unit.id)
    return RulesForm(data=data)
