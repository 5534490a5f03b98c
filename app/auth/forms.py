from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import EqualTo, NumberRange, Optional, Regexp, ValidationError

from app.auth.models import Role, TokenScope
from app.auth.passwords import RULES_HINT
from app.core.forms import (
    ChineseIntegerField,
    EmailAddress,
    IdSelectField,
    OneLine,
    max_length,
    options,
    required,
    strip,
)

# The policy's length and content rules live in app.auth.passwords, checked by the services (one copy).
TOKEN_DAYS_MESSAGE = "令牌有效期最长 365 天，请填写 1 到 365 之间的天数。"


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[required("用户名"), max_length("用户名", 50)], filters=[strip])
    password = PasswordField("密码", validators=[required("密码"), max_length("密码", 128)])
    remember = BooleanField("在本机保持登录")
    submit = SubmitField("登录")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("当前密码", validators=[required("当前密码")])
    new_password = PasswordField("新密码", validators=[required("新密码")], description=RULES_HINT)
    confirm = PasswordField("再次输入新密码", validators=[EqualTo("new_password", message="两次输入的新密码不一致。")])
    submit = SubmitField("修改密码")


class UserForm(FlaskForm):
    username = StringField("用户名", validators=[
        required("用户名"), max_length("用户名", 50),
        Regexp(r"^[A-Za-z0-9_.-]+$", message="用户名只能包含英文字母、数字、下划线、点和减号。")], filters=[strip])
    display_name = StringField("姓名", validators=[OneLine(), required("姓名"), max_length("姓名", 50)],
                               filters=[strip])
    role = SelectField("角色", choices=options(Role.choices()), validate_choice=True)
    unit_id = IdSelectField("所属单位")
    person_id = IdSelectField("关联领导")
    email = EmailField("电子邮箱", validators=[OneLine(), Optional(), EmailAddress(message="电子邮箱格式不正确。"),
                                           max_length("电子邮箱", 120)], filters=[strip])
    phone = StringField("电话", validators=[OneLine(), Optional(), max_length("电话", 30)], filters=[strip])
    password = PasswordField("初始密码", validators=[Optional()], description=RULES_HINT)
    submit = SubmitField("保存")

    def __init__(self, *args, units=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = Role.choices()
        self.unit_id.choices = [(None, "（无）")] + [(u.id, u.name) for u in units]
        self.person_id.choices = [(None, "（无）")] + [(p.id, p.name) for p in people]
        self.role.pre_validate = self._role_pre_validate

    def _role_pre_validate(self, form):
        if self.role.data not in {v for v, _ in Role.choices()}:
            raise ValidationError("请从列表中选择有效的角色。")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("新密码", validators=[required("新密码")], description=RULES_HINT)
    submit = SubmitField("重置密码")


class TokenForm(FlaskForm):
    name = StringField("用途", validators=[OneLine("令牌用途"), required("令牌用途"), max_length("令牌用途", 100)],
                       filters=[strip])
    scope = SelectField("权限", choices=options(TokenScope.choices()), default=TokenScope.read.value,
                        validate_choice=True, description="只读令牌只能查询；新增、修改等写操作需要读写令牌。")
    # Left empty (or not sent): the default of 90 days.
    expires_in_days = ChineseIntegerField("有效期（天）", default=90, validators=[
        Optional(), NumberRange(1, 365, message=TOKEN_DAYS_MESSAGE)],
        description="默认 90 天，最长 365 天；到期后令牌自动失效。")
    submit = SubmitField("创建令牌")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope.pre_validate = self._scope_pre_validate

    def _scope_pre_validate(self, form):
        if self.scope.data not in {value for value, _ in TokenScope.choices()}:
            raise ValidationError("请选择令牌权限：只读或读写。")
