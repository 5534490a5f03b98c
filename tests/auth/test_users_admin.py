"""User administration by the 千百十办 through HTTP: create, edit, reset password, deactivate and reactivate;
every refusal in Chinese with nothing written; other roles get the Chinese 403 page."""


import pytest
import sqlalchemy as sa

from app.auth import services
from app.auth.models import ApiToken, Role, SignInAttempt, User, UserSession
from app.auth.throttling import delayed_until
from app.core.models import AuditEntry
from app.extensions import db
from app.org.models import Unit, UnitKind
from tests.factories import person as person_named
from tests.factories import unit as unit_named
from tests.helpers import client_signed_in_as, expect_sign_in_page

NEW_PASSWORD = "Fresh-pass-2026"
FAILING_ADDRESS = "10.9.8.7"


def make_wait(username, clock):
    """Enough recent failures of (username, FAILING_ADDRESS) for that pair to wait."""
    for _ in range(10):
        db.session.add(SignInAttempt(username=username, address=FAILING_ADDRESS, succeeded=False, at=clock.now()))
    db.session.flush()
    assert delayed_until(username, FAILING_ADDRESS, clock.now()) is not None


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def audits(action, account):
    return db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.object_type == "users", AuditEntry.object_id == str(account.id))).all()


def office():
    return db.session.scalar(sa.select(Unit).where(Unit.kind == UnitKind.office))


def new_user_form(**changes):
    data = {"username": "newstaff", "display_name": "新联络员", "role": "staff",
            "unit_id": str(unit_named("市工信局").id), "person_id": "", "email": "", "phone": "",
            "password": NEW_PASSWORD}
    data.update(changes)
    return data


# --- who may administer users --------------------------------------------------------------------------------


def test_the_office_administrator_sees_the_user_list(client, login_as):
    login_as("admin")

    response = client.get("/auth/users")

    assert response.status_code == 200
    for username in ("admin", "shuji", "gxj", "guancha"):
        assert username in response.text
    assert "只读观察员" in response.text and "市领导" in response.text


def test_the_user_list_can_be_searched(client, login_as):
    login_as("admin")

    response = client.get("/auth/users?q=fushizhang")

    assert "fushizhang2" in response.text
    assert ">gxj<" not in response.text


@pytest.mark.parametrize("username", ["shuji", "fushizhang", "gxj", "guancha"])
@pytest.mark.parametrize("path", ["/auth/users", "/auth/users/new", "/auth/users/{admin}"])
def test_other_roles_get_the_chinese_403_page_for_user_administration(client, login_as, user, username, path):
    login_as(username)

    response = client.get(path.format(admin=user("admin").id))

    assert response.status_code == 403
    assert "没有权限" in response.text
    assert "联系千百十办" in response.text


@pytest.mark.parametrize("username", ["shizhang", "kjj", "guancha"])
def test_other_roles_cannot_change_accounts_over_post(client, login_as, user, username):
    login_as(username)
    target = user("gxq")
    old_hash, users_before, audits_before = target.password_hash, count(User), count(AuditEntry)

    responses = [
        client.post("/auth/users/new", data=new_user_form()),
        client.post(f"/auth/users/{target.id}", data={"display_name": "改名", "role": "admin"}),
        client.post(f"/auth/users/{target.id}/password", data={"password": NEW_PASSWORD}),
        client.post(f"/auth/users/{target.id}/active", data={"active": "0"}),
    ]

    assert [r.status_code for r in responses] == [403] * 4
    assert all("没有权限" in r.text for r in responses)
    assert (target.password_hash, target.is_active_account, target.role) == (old_hash, True, Role.staff)
    assert (count(User), count(AuditEntry)) == (users_before, audits_before)


def test_anonymous_user_administration_goes_to_sign_in_and_changes_nothing(client, user):
    target = user("gxq")

    expect_sign_in_page(client.get("/auth/users"))
    expect_sign_in_page(client.post(f"/auth/users/{target.id}/active", data={"active": "0"}))

    assert target.is_active_account


def test_roles_are_the_four_of_the_issue_with_chinese_labels(user):
    assert {r.value: r.label for r in Role} == {
        "admin": "千百十办管理员", "leader": "市领导", "staff": "单位工作人员", "observer": "只读观察员"}
    assert user("admin").is_admin and user("shuji").is_leader and user("gxj").is_staff
    assert user("guancha").is_observer


# --- creating ------------------------------------------------------------------------------------------------


def test_admin_creates_a_unit_staff_account(client, login_as):
    admin = login_as("admin")
    users_before = count(User)

    response = client.post("/auth/users/new", data=new_user_form(username="  NewStaff "))

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/users"
    assert count(User) == users_before + 1
    created = db.session.scalar(sa.select(User).where(User.username == "newstaff"))
    assert (created.display_name, created.role, created.unit.name) == ("新联络员", Role.staff, "市工信局")
    assert created.is_active_account and not created.must_change_password
    assert created.password_hash.startswith("$argon2id$") and NEW_PASSWORD not in created.password_hash
    [entry] = audits("user.create", created)
    assert (entry.actor_id, entry.object_id) == (admin.id, str(created.id))
    assert "password_hash" not in entry.after
    assert "已创建账号“newstaff”。" in client.get("/auth/users").text


@pytest.mark.parametrize(("changes", "check"), [
    ({"role": "leader", "unit_id": "", "person_id": "{person}"}, lambda u: u.person.name == "杨晓军"),
    ({"role": "observer", "unit_id": ""}, lambda u: u.unit is None and u.person is None),
    ({"role": "admin", "unit_id": "{office}"}, lambda u: u.unit.is_office),
], ids=["leader", "observer", "admin"])
def test_admin_creates_accounts_of_every_role(client, login_as, changes, check):
    login_as("admin")
    values = {"person": person_named("杨晓军").id, "office": office().id}
    data = new_user_form(**{k: v.format(**values) for k, v in changes.items()})

    response = client.post("/auth/users/new", data=data)

    assert response.status_code == 302
    created = db.session.scalar(sa.select(User).where(User.username == "newstaff"))
    assert created.role.value == changes["role"]
    assert check(created)


BAD_NEW_USERS = [
    # empty
    ({"username": ""}, "请填写用户名。"),
    ({"username": "   "}, "请填写用户名。"),
    ({"display_name": ""}, "请填写姓名。"),
    ({"password": ""}, "密码至少需要 10 个字符。"),
    ({"role": ""}, "请从列表中选择有效的角色。"),
    # too long
    ({"username": "a" * 51}, "用户名不能超过 50 个字符。"),
    ({"display_name": "长" * 51}, "姓名不能超过 50 个字符。"),
    ({"email": "a" * 60 + "@" + "b" * 60 + ".com"}, "电子邮箱不能超过 120 个字符。"),
    ({"phone": "1" * 31}, "电话不能超过 30 个字符。"),
    ({"password": "Ab1" * 43}, "密码不能超过 128 个字符。"),
    # wrong type or format
    ({"username": "张三"}, "用户名只能包含英文字母、数字、下划线、点和减号。"),
    ({"username": "new staff"}, "用户名只能包含英文字母、数字、下划线、点和减号。"),
    ({"role": "superuser"}, "请从列表中选择有效的角色。"),
    ({"unit_id": "abc"}, "请从列表中选择有效的所属单位。"),
    ({"person_id": "1.5"}, "请从列表中选择有效的关联领导。"),
    ({"email": "not-an-email"}, "电子邮箱格式不正确。"),
    ({"password": "short1"}, "密码至少需要 10 个字符。"),
    ({"password": "1234567890"}, "该密码过于常见，容易被猜中，请换一个。"),
    ({"password": "NewStaff-2026-key"}, "密码不能包含用户名。"),
    # unknown unit or person
    ({"unit_id": "999999"}, "请从列表中选择有效的所属单位。"),
    ({"role": "leader", "unit_id": "", "person_id": "999999"}, "请从列表中选择有效的关联领导。"),
    # duplicate username, whatever its case
    ({"username": "gxj"}, "用户名“gxj”已被使用，请换一个。"),
    ({"username": "GXJ"}, "用户名“gxj”已被使用，请换一个。"),
    # the role's binding
    ({"unit_id": ""}, "单位工作人员和千百十办管理员必须选择所属单位。"),
    ({"role": "admin"}, "千百十办管理员必须属于千百十办。"),
    ({"role": "leader", "unit_id": ""}, "市领导账号必须关联一位领导（人员）。"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_NEW_USERS,
                         ids=[f"{i}-{'-'.join(c)}" for i, (c, m) in enumerate(BAD_NEW_USERS)])
def test_bad_new_account_is_refused_in_chinese_and_nothing_is_written(client, login_as, changes, message):
    login_as("admin")
    users_before, audits_before = count(User), count(AuditEntry)

    response = client.post("/auth/users/new", data=new_user_form(**changes))

    assert response.status_code == 400
    assert message in response.text
    assert (count(User), count(AuditEntry)) == (users_before, audits_before)


def test_a_deactivated_unit_is_not_offered_for_new_accounts(client, login_as):
    login_as("admin")
    unit = unit_named("市科技局")
    unit.is_active = False
    db.session.flush()
    users_before = count(User)

    response = client.post("/auth/users/new", data=new_user_form(unit_id=str(unit.id)))

    assert response.status_code == 400
    assert "请从列表中选择有效的所属单位。" in response.text
    assert count(User) == users_before


# --- editing -------------------------------------------------------------------------------------------------


def test_admin_edits_an_account_and_the_change_is_audited(client, login_as, user):
    admin = login_as("admin")
    target = user("kjj")

    form = client.get(f"/auth/users/{target.id}")
    assert form.status_code == 200 and "市科技局联络员" in form.text
    response = client.post(f"/auth/users/{target.id}", data={
        "display_name": "科技局新联络员", "role": "staff", "unit_id": str(target.unit_id), "person_id": "",
        "email": "kjj@example.cn", "phone": "0731-1234567"})

    assert response.status_code == 302
    assert (target.display_name, target.email, target.phone) == ("科技局新联络员", "kjj@example.cn", "0731-1234567")
    [entry] = audits("user.update", target)
    assert entry.actor_id == admin.id
    assert entry.before["display_name"] == "市科技局联络员" and entry.after["display_name"] == "科技局新联络员"


@pytest.mark.parametrize(("changes", "message"), [
    ({"display_name": ""}, "请填写姓名。"),
    ({"display_name": "长" * 51}, "姓名不能超过 50 个字符。"),
    ({"role": "root"}, "请从列表中选择有效的角色。"),
    ({"unit_id": "x"}, "请从列表中选择有效的所属单位。"),
    ({"role": "leader"}, "市领导账号必须关联一位领导（人员）。"),
], ids=["empty-name", "long-name", "bad-role", "bad-unit", "leader-without-person"])
def test_bad_account_edit_is_refused_in_chinese_and_nothing_changes(client, login_as, user, changes, message):
    login_as("admin")
    target = user("kjj")
    before = (target.display_name, target.role, target.unit_id)
    audits_before = count(AuditEntry)
    data = {"display_name": "科技局新联络员", "role": "staff", "unit_id": str(target.unit_id), "person_id": "",
            "email": "", "phone": ""}
    data.update(changes)

    response = client.post(f"/auth/users/{target.id}", data=data)

    assert response.status_code == 400
    assert message in response.text
    db.session.refresh(target)
    assert (target.display_name, target.role, target.unit_id) == before
    assert count(AuditEntry) == audits_before


def test_editing_an_unknown_account_is_a_chinese_404(client, login_as):
    login_as("admin")
    response = client.get("/auth/users/999999")
    assert response.status_code == 404
    assert "页面不存在" in response.text


# --- resetting a password ------------------------------------------------------------------------------------


def test_password_reset_sets_a_new_hash_ends_the_old_sessions_and_ends_the_waits(app, client, login_as, user, clock):
    target = user("gxq")
    their_browser = client_signed_in_as(app, target)
    assert their_browser.get("/").status_code == 200
    make_wait("gxq", clock)
    old_hash = target.password_hash
    admin = login_as("admin")

    response = client.post(f"/auth/users/{target.id}/password", data={"password": NEW_PASSWORD},
                           follow_redirects=True)

    assert "已重置“gxq”的密码，原有登录已全部失效。" in response.text
    assert target.password_hash != old_hash and target.password_hash.startswith("$argon2id$")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
        UserSession.user_id == target.id, UserSession.revoked_at.is_(None))) == 0
    assert delayed_until("gxq", FAILING_ADDRESS, clock.now()) is None
    [entry] = audits("user.reset_password", target)
    assert entry.actor_id == admin.id and entry.after is None  # the password never reaches the audit log
    expect_sign_in_page(their_browser.get("/"))


@pytest.mark.parametrize(("password", "message"), [
    ("", "请填写新密码。"),
    ("short1", "密码至少需要 10 个字符。"),
    ("x1" * 65, "密码不能超过 128 个字符。"),
    ("1234567890", "该密码过于常见，容易被猜中，请换一个。"),
], ids=["empty", "too-short", "too-long", "common"])
def test_bad_password_reset_is_refused_in_chinese_and_the_sessions_stay(app, client, login_as, user, password,
                                                                       message):
    target = user("gxq")
    their_browser = client_signed_in_as(app, target)
    old_hash = target.password_hash
    audits_before = count(AuditEntry)
    login_as("admin")

    response = client.post(f"/auth/users/{target.id}/password", data={"password": password},
                           follow_redirects=True)

    assert message in response.text
    assert target.password_hash == old_hash
    assert count(AuditEntry) == audits_before
    assert their_browser.get("/").status_code == 200


def test_resetting_an_unknown_account_is_a_chinese_404(client, login_as):
    login_as("admin")
    response = client.post("/auth/users/999999/password", data={"password": NEW_PASSWORD})
    assert response.status_code == 404
    assert "页面不存在" in response.text


# --- deactivating and reactivating ---------------------------------------------------------------------------


def test_deactivating_ends_sessions_revokes_tokens_and_is_audited(app, client, login_as, user, api_token):
    target = user("fgw")
    plain = api_token("fgw")
    their_browser = client_signed_in_as(app, target)
    assert their_browser.get("/").status_code == 200
    admin = login_as("admin")

    response = client.post(f"/auth/users/{target.id}/active", data={"active": "0"}, follow_redirects=True)

    assert "账号“fgw”已停用。" in response.text
    assert "已停用" in response.text  # the badge in the list
    assert not target.is_active_account
    expect_sign_in_page(their_browser.get("/"))
    assert all(t.revoked_at is not None for t in db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == target.id)))
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    [entry] = audits("user.deactivate", target)
    assert entry.actor_id == admin.id and entry.after == {"is_active_account": False}


def test_reactivating_lets_the_account_in_again_and_ends_its_waits(client, login_as, user, clock):
    target = user("fgw")
    services.set_active(None, target, False)
    make_wait("fgw", clock)
    login_as("admin")

    response = client.post(f"/auth/users/{target.id}/active", data={"active": "1"}, follow_redirects=True)

    assert "账号“fgw”已启用。" in response.text
    assert target.is_active_account and delayed_until("fgw", FAILING_ADDRESS, clock.now()) is None
    assert len(audits("user.activate", target)) == 1 and len(audits("user.unlock", target)) == 1


def test_the_administrator_cannot_deactivate_their_own_account(client, login_as):
    admin = login_as("admin")
    audits_before = count(AuditEntry)

    response = client.post(f"/auth/users/{admin.id}/active", data={"active": "0"}, follow_redirects=True)

    assert "不能停用自己的账号。" in response.text
    assert admin.is_active_account
    assert count(AuditEntry) == audits_before
    assert client.get("/auth/users").status_code == 200


def test_deactivation_is_refused_over_get(client, login_as, user):
    login_as("admin")
    target = user("fgw")

    response = client.get(f"/auth/users/{target.id}/active?active=0")

    assert response.status_code == 405
    assert "操作方式不正确" in response.text
    assert target.is_active_account


def test_deactivating_an_unknown_account_is_a_chinese_404(client, login_as):
    login_as("admin")
    response = client.post("/auth/users/999999/active", data={"active": "0"})
    assert response.status_code == 404
    assert "页面不存在" in response.text
