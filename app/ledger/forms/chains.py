"""The office's form for a chain's tier target (the 链长 and reporting unit are set on org's chain form)."""

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired

from app.core.forms import ChineseIntegerField, MultiLine, strip


class ChainTierForm(FlaskForm):
    tier = ChineseIntegerField("目标规模（亿元级）", validators=[InputRequired("请填写目标规模（亿元级）。")],
                               description="如 1000、800、500、200，单位亿元")
    submit = SubmitField("保存")


class ChainReportForm(FlaskForm):
    """The chain's section of its 链长's 半年述职."""

    period_key = SelectField("述职期间", validate_choice=False)  # the service refuses a half-year not open
    text = TextAreaField("本链述职内容", filters=[strip], validators=[MultiLine("本链述职内容")],
                         description="本链半年工作情况、存在问题、下一步打算；不超过 5000 字",
                         render_kw={"rows": 6})
    submit = SubmitField("保存本链述职")

    def __init__(self, *args, periods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.period_key.choices = list(periods)
