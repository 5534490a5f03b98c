"""The office's form for a chain's tier target (the 链长 and reporting unit are set on org's chain form)."""

from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import InputRequired

from app.core.forms import ChineseIntegerField


class ChainTierForm(FlaskForm):
    tier = ChineseIntegerField("目标规模（亿元级）", validators=[InputRequired("请填写目标规模（亿元级）。")],
                               description="如 1000、800、500、200，单位亿元")
    submit = SubmitField("保存")
