"""Forms of the 考评细则 approval chain: submit, return (comments required), accept, the leadership group's 审定
(date, 文号), publish, revise (reason required). Each carries the version the user saw."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Optional

from app.core import text
from app.core.forms import ChineseDateField, MultiLine, OneLine, limit_note, max_length, required, strip

DOC_NUMBER_MAX = 100


class _BookForm(FlaskForm):
    version = HiddenField()

    def version_value(self):
        """The version sent, None when absent, -1 (never a real version, so refused as stale) when garbled."""
        try:
            return int(self.version.data) if self.version.data else None
        except (TypeError, ValueError):
            return -1


class SubmitBookForm(_BookForm):
    submit = SubmitField("报千百十办审核")


class ReturnBookForm(_BookForm):
    comment = TextAreaField("退回意见", validators=[MultiLine(), required("退回意见"),
                                                  max_length("退回意见", text.REASON_MAX)],
                            filters=[strip], description=limit_note(text.REASON_MAX))
    submit = SubmitField("退回修改")


class AcceptBookForm(_BookForm):
    comment = TextAreaField("审核意见（可不填）", validators=[MultiLine(), Optional(),
                                                      max_length("审核意见", text.REASON_MAX)],
                            filters=[strip], description=limit_note(text.REASON_MAX))
    submit = SubmitField("审核通过")


class ApproveBookForm(_BookForm):
    approved_on = ChineseDateField("审定日期", validators=[InputRequired(message="请填写审定日期。")])
    doc_number = StringField("审定文号", validators=[OneLine(), required("审定文号"),
                                                 max_length("审定文号", DOC_NUMBER_MAX)],
                             filters=[strip], description="如：潭千百十〔2026〕3号")
    submit = SubmitField("记录审定")


class PublishBookForm(_BookForm):
    submit = SubmitField("发布")


class ReviseBookForm(_BookForm):
    reason = TextAreaField("修订理由", validators=[MultiLine(), required("修订理由"),
                                                max_length("修订理由", text.REASON_MAX)],
                           filters=[strip],
                           description="发布后修改须重新报审、重新审定；新版本发布前现行细则继续有效。")
    submit = SubmitField("修订（建立新版本）")


# action name -> (form, button text, what the action does)
ACTION_FORMS = {
    "submit": (SubmitBookForm, "报千百十办审核", "报送后不能再修改，千百十办审核通过后报领导小组审定。"),
    "accept": (AcceptBookForm, "审核通过", "审核通过后报领导小组审定。"),
    "return": (ReturnBookForm, "退回修改", "退回考评单位修改，须写明意见。"),
    "approve": (ApproveBookForm, "记录领导小组审定", "记录领导小组审定的日期和文号。"),
    "publish": (PublishBookForm, "发布", "发布后细则纳入本年度考评规则，各被考评单位可查看本单位的指标和目标。"),
    "revise": (ReviseBookForm, "修订", "建立新版本（起草中），按同样程序报审、审定、发布。"),
}
