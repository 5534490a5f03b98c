"""Forms of the approval chain of results: the office's 考评意见, the year's 审定 and its reopening, and the record
of a result sheet sent to a superior department or parent company. The services check everything again."""

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired

from app.core.forms import ChineseDateField, MultiLine, OneLine, limit_note, max_length, required, strip
from app.scoring.forms.quarter import DOC_NUMBER_HINT


class OpinionForm(FlaskForm):
    opinion = TextAreaField("考评意见", description=limit_note(4000), validators=[
        MultiLine("考评意见"), required("考评意见"), max_length("考评意见", 4000)], filters=[strip])
    opinion_on = ChineseDateField("日期", validators=[InputRequired(message="请填写考评意见的日期。")])
    submit = SubmitField("保存考评意见")


class YearFinalizeForm(FlaskForm):
    evaluated_on = ChineseDateField("评价日期", validators=[InputRequired(message="请填写评价日期。")])
    approved_on = ChineseDateField("审定日期", validators=[InputRequired(message="请填写领导小组审定的日期。")])
    doc_number = StringField("审定文号", description=DOC_NUMBER_HINT, validators=[
        OneLine("审定文号"), required("审定文号"), max_length("审定文号", 100)], filters=[strip])
    submit = SubmitField("审定并冻结年度结果")


class YearReopenForm(FlaskForm):
    reason = TextAreaField("重新打开的理由", validators=[MultiLine(), required("重新打开的理由"),
                                                    max_length("理由", 2000)], filters=[strip])
    submit = SubmitField("重新打开年度结果")


class DispatchForm(FlaskForm):
    sent_on = ChineseDateField("报送日期", validators=[InputRequired(message="请填写报送日期。")])
    sent_to = StringField("报送对象", description="不填则为“上级主管部门”或“上级公司”", validators=[
        OneLine("报送对象"), max_length("报送对象", 100)], filters=[strip])
    doc_number = StringField("报送文号", validators=[OneLine("报送文号"), max_length("报送文号", 100)],
                             filters=[strip])
    note = TextAreaField("备注", validators=[MultiLine("备注"), max_length("备注", 2000)], filters=[strip])
    submit = SubmitField("记录报送")
