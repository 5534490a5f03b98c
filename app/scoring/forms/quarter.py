"""Forms of a quarter's results page: finalizing (审定) with its evaluation date, and reopening with a reason."""

from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import InputRequired

from app.core.forms import ChineseDateField, MultiLine, ValidationError, max_length, required, strip


class FinalizeForm(FlaskForm):
    evaluated_on = ChineseDateField("评价日期", validators=[InputRequired(message="请填写评价日期。")])
    submit = SubmitField("审定")

    def __init__(self, *args, first_day=None, latest=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.first_day, self.latest = first_day, latest

    def validate_evaluated_on(self, field):
        if field.data is None:
            return
        if self.latest and field.data > self.latest:
            raise ValidationError(f"评价日期不能晚于今天（{self.latest.isoformat()}），请重新选择。")
        if self.first_day and field.data < self.first_day:
            raise ValidationError(f"评价日期不能早于本季度第一天（{self.first_day.isoformat()}），请重新选择。")


class ReopenForm(FlaskForm):
    reason = TextAreaField("重新打开的理由", validators=[MultiLine(), required("重新打开的理由"),
                                                    max_length("理由", 2000)], filters=[strip])
    submit = SubmitField("重新打开")
