"""Forms of a quarter's results page: the 审定 (finalizing) with its evaluation date and the leadership group's
date and 文号, and reopening with a reason."""

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired

from app.core.forms import ChineseDateField, MultiLine, OneLine, ValidationError, max_length, required, strip

DOC_NUMBER_HINT = "如 潭千百十〔2026〕5号"


class FinalizeForm(FlaskForm):
    evaluated_on = ChineseDateField("评价日期", validators=[InputRequired(message="请填写评价日期。")])
    approved_on = ChineseDateField("审定日期", validators=[InputRequired(message="请填写领导小组审定的日期。")])
    doc_number = StringField("审定文号", description=DOC_NUMBER_HINT, validators=[
        OneLine("审定文号"), required("审定文号"), max_length("审定文号", 100)], filters=[strip])
    submit = SubmitField("审定")

    def __init__(self, *args, first_day=None, latest=None, last_day=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.first_day, self.latest, self.last_day = first_day, latest, last_day

    def validate_evaluated_on(self, field):
        if field.data is None:
            return
        if self.latest and field.data > self.latest:
            raise ValidationError(f"评价日期不能晚于今天（{self.latest.isoformat()}），请重新选择。")
        if self.first_day and field.data < self.first_day:
            raise ValidationError(f"评价日期不能早于本季度第一天（{self.first_day.isoformat()}），请重新选择。")

    def validate_approved_on(self, field):
        if field.data is None:
            return
        if self.latest and field.data > self.latest:
            raise ValidationError(f"审定日期不能晚于今天（{self.latest.isoformat()}），请填写领导小组实际审定的日期。")
        if self.last_day and field.data < self.last_day:
            raise ValidationError(f"审定日期不能早于本季度结束（{self.last_day.isoformat()}），请重新填写。")


class ReopenForm(FlaskForm):
    reason = TextAreaField("重新打开的理由", validators=[MultiLine(), required("重新打开的理由"),
                                                    max_length("理由", 2000)], filters=[strip])
    submit = SubmitField("重新打开")
