"""`flask users create` (password from a prompt or stdin, never an argument), through the real Click runner.

The command commits; under the test transaction a commit only releases a savepoint, which
`test_what_the_command_commits_stays_inside_the_test_transaction` checks."""

import types

import pytest
import sqlalchemy as sa

from app import cli as cli_module
from app.auth.models import Role, User
from app.core.models import AuditEntry
from app.core.transactions import READ_ONLY
from app.extensions import db
from tests.factories import account as find

PASSWORD = "Cli-secret-2026"
OFFICE = "市产业强市“千百十”工程办"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def create(runner, *args, input=PASSWORD + "\n"):
    return runner.invoke(args=["users", "create", *args], input=input)


def test_creates_a_unit_staff_account_with_the_password_from_stdin(runner):
    users_before = count(User)

    result = create(runner, "newstaff", "--role", "staff", "--unit", "市工信局", "--display-name", "新联络员")

    assert result.exit_code == 0, result.output
    assert "已创建账号 newstaff（单位工作人员）。" in result.output
    assert PASSWORD not in result.output
    assert count(User) == users_before + 1
    created = find("newstaff")
    assert (created.role, created.unit.name, created.display_name) == (Role.staff, "市工信局", "新联络员")
    assert created.password_hash.startswith("$argon2id$")
    assert created.check_password(PASSWORD)
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "user.create", AuditEntry.object_id == str(created.id)))
    assert entry is not None and entry.actor_id is None  # done by the system, not by a signed-in user


def test_what_the_command_commits_stays_inside_the_test_transaction(runner):
    result = create(runner, "newobserver", "--role", "observer")
    assert result.exit_code == 0, result.output

    assert find("newobserver") is not None  # seen by the test's own session ...
    # ... but not committed for anyone else: rolled back after the test. (A reader: outside a request a connection
    # begins as a writer on SQLite, and the test's own transaction holds the write lock.)
    with db.engine.connect().execution_options(**READ_ONLY) as elsewhere:
        assert elsewhere.scalar(sa.select(sa.func.count()).select_from(User).where(
            User.username == "newobserver")) == 0


def test_strips_a_windows_line_ending_from_the_piped_password(runner):
    result = create(runner, "newobserver", "--role", "observer", input=PASSWORD + "\r\n")
    assert result.exit_code == 0, result.output
    assert find("newobserver").check_password(PASSWORD)


def test_asks_twice_for_the_password_on_a_terminal_without_echoing_it(runner, monkeypatch):
    terminal = types.SimpleNamespace(stdin=types.SimpleNamespace(isatty=lambda: True))
    monkeypatch.setattr(cli_module, "sys", terminal)

    result = create(runner, "newobserver", "--role", "observer", input=f"{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "密码" in result.output and "再次输入密码" in result.output
    assert PASSWORD not in result.output
    assert find("newobserver") is not None


@pytest.mark.parametrize(("args", "check"), [
    (["--role", "leader", "--person", "杨晓军"], lambda u: u.person.name == "杨晓军"),
    (["--role", "admin", "--unit", OFFICE], lambda u: u.unit.is_office),
    (["--role", "observer"], lambda u: u.unit is None and u.person is None),
], ids=["leader", "admin", "observer"])
def test_creates_accounts_of_the_other_roles(runner, args, check):
    result = create(runner, "newaccount", *args)
    assert result.exit_code == 0, result.output
    assert check(find("newaccount"))


def test_the_password_is_never_accepted_as_an_argument(runner):
    users_before = count(User)

    result = create(runner, "newobserver", "--role", "observer", "--password", PASSWORD)

    assert result.exit_code == 2
    assert "No such option" in result.output and "--password" in result.output
    assert count(User) == users_before
    help_text = runner.invoke(args=["users", "create", "--help"]).output
    assert "--password" not in help_text
    assert "--role" in help_text and "--unit" in help_text


BAD_INPUT = [
    # wrong type
    (["newaccount", "--role", "boss"], PASSWORD, "未知的角色“boss”"),
    (["新账号", "--role", "observer"], PASSWORD, "用户名只能包含英文字母、数字、下划线、点和减号。"),
    (["new account", "--role", "observer"], PASSWORD, "用户名只能包含英文字母、数字、下划线、点和减号。"),
    (["newaccount", "--role", "observer"], "1234567890", "该密码过于常见，容易被猜中，请换一个。"),
    # empty
    (["newaccount"], PASSWORD, "请用 --role 指定角色"),
    (["newaccount", "--role", ""], PASSWORD, "请用 --role 指定角色"),
    (["   ", "--role", "observer"], PASSWORD, "请填写用户名。"),
    (["newaccount", "--role", "observer"], "", "密码至少需要 10 个字符。"),
    (["newaccount", "--role", "staff"], PASSWORD, "单位工作人员和千百十办管理员必须选择所属单位。"),
    (["newaccount", "--role", "leader"], PASSWORD, "市领导账号必须关联一位领导（人员）。"),
    # too long
    (["a" * 51, "--role", "observer"], PASSWORD, "用户名不能超过 50 个字符。"),
    (["newaccount", "--role", "observer", "--display-name", "长" * 51], PASSWORD,
     "姓名不能超过 50 个字符（当前 51 个）。"),
    (["newaccount", "--role", "observer"], "Ab1" * 43, "密码不能超过 128 个字符。"),
    # unknown unit or person, wrong unit for the role
    (["newaccount", "--role", "staff", "--unit", "不存在局"], PASSWORD, "找不到单位“不存在局”，请使用单位全称。"),
    (["newaccount", "--role", "leader", "--person", "查无此人"], PASSWORD, "找不到人员“查无此人”。"),
    (["newaccount", "--role", "admin", "--unit", "市工信局"], PASSWORD, "千百十办管理员必须属于千百十办。"),
    # duplicate username, whatever its case
    (["gxj", "--role", "staff", "--unit", "市工信局"], PASSWORD, "用户名“gxj”已被使用，请换一个。"),
    (["GXJ", "--role", "staff", "--unit", "市工信局"], PASSWORD, "用户名“gxj”已被使用，请换一个。"),
]


@pytest.mark.parametrize(("args", "password", "message"), BAD_INPUT,
                         ids=[f"{i}-{a[0][:10].strip() or 'blank'}" for i, (a, p, m) in enumerate(BAD_INPUT)])
def test_bad_input_gets_a_chinese_message_and_writes_nothing(runner, args, password, message):
    users_before, audits_before = count(User), count(AuditEntry)

    result = create(runner, *args, input=password + "\n")

    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert (count(User), count(AuditEntry)) == (users_before, audits_before)
