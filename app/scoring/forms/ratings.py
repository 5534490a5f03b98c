"""The short form of a service rating (服务态度, 办事效率, 解决问题成效, 意见建议), on a county's or park's own behalf
or an enterprise's. The services check everything again (app.scoring.ratings.save_rating)."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from app.core.forms import ChineseIntegerField, MultiLine, OneLine, ValidationError, limit_note, max_length, strip
from app.scoring.ratings import COMMENT_MAX, ENTERPRISE_NAME_MAX


def _score(label):
    return ChineseIntegerField(label, validators=[
        InputRequired(message=f"请填写“{label}”评分（0–100 的整数）。"),
        NumberRange(min=0, max=100, message=f"“{label}”评分应在 0 到 100 之间，请修改。")])


class RatingForm(FlaskForm):
    """One rating. `rated_unit_id` is the 市直 unit rated (hidden on a unit's own form, a select on the
    enterprise form); `for_enterprise` marks the enterprise form, whose name is then required."""

    rated_unit_id = ChineseIntegerField("被评价单位", validators=[InputRequired(message="请选择要评价的市直单位。")])
    for_enterprise = HiddenField()
    enterprise_name = StringField("企业名称", validators=[OneLine(), max_length("企业名称", ENTERPRISE_NAME_MAX)],
                                  filters=[strip], description="可从本地台账企业中选择，台账外的企业直接填写名称")
    attitude = _score("服务态度")
    efficiency = _score("办事效率")
    effect = _score("解决问题成效")
    comment = TextAreaField("意见建议", validators=[MultiLine(), max_length("意见建议", COMMENT_MAX)],
                            filters=[strip], description=limit_note(COMMENT_MAX))
    submit = SubmitField("保存评价")

    def is_for_enterprise(self):
        return self.for_enterprise.data == "1"

    def validate_enterprise_name(self, field):
        if self.is_for_enterprise() and not field.data:
            raise ValidationError("请填写评价企业的名称（可从本地台账企业中选择）。")
