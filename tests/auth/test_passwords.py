"""The password policy of ASVS 5.0 V6.2: 10 to 128 characters, no composition rules, not a common password, not
containing the user name, not the published demo password outside `flask demo`. A weak password from before the
policy still signs in, but its owner must change it before doing anything else.
"""

import pytest
import sqlalchemy as sa

from app.auth import passwords, services
from app.auth.models import Role, User
from app.auth.passwords import DEMO_PASSWORD
from app.core.errors import ServiceError
from app.extensions import db
from tests.helpers import bearer

TOO_SHORT = "密码至少需要 10 个字符。"
TOO_LONG = "密码不能超过 128 个字符。"
COMMON = "该密码过于常见，容易被猜中，请换一个。"
USERNAME = "密码不能包含用户名。"
DEMO = "该密码是公开的演示密码，请换一个。"


def create(user, username="zhangsan", password="Plenty-long-2026"):
    return services.create_user(user("admin"), username, "张三", password, Role.observer)


# --- the rules ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("password", "message"), [
    ("", TOO_SHORT),
    ("Abcdef123", TOO_SHORT),  # 9 characters
    ("x" * 129, TOO_LONG),
    ("qwertyuiop", COMMON),
    ("QwertyUIOP", COMMON),  # compared case-insensitively
    ("password123", COMMON),
    ("1q2w3e4r5t", COMMON),
    ("my-zhangsan-key", USERNAME),
    ("ZhangSan-2026!", USERNAME),  # the user name in any case
    (DEMO_PASSWORD, DEMO),
], ids=["empty", "nine", "129", "common", "common-mixed-case", "password123", "keyboard", "username",
        "username-case", "demo"])
def test_a_password_breaking_a_rule_is_refused_with_what_to_fix(user, password, message):
    accounts = db.session.scalar(sa.select(sa.func.count()).select_from(User))

    with pytest.raises(ServiceError) as refused:
        create(user, password=password)

    assert refused.value.message == message and refused.value.field == "password"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == accounts


@pytest.mark.parametrize("password", [
    "correcthorsebatterystaple",  # letters only: no composition rules
    "1234509876123",  # digits only, not a common password
    "天王盖地虎宝塔镇河妖啊",  # ten Chinese characters
    "x" * 128,
    "Abcdef1234",  # exactly ten
])
def test_a_long_uncommon_password_is_accepted_without_composition_rules(user, password):
    created = create(user, password=password)

    assert created.check_password(password)


def test_the_common_list_holds_at_least_ten_thousand_passwords_loaded_once():
    common = passwords.common_passwords()

    assert isinstance(common, frozenset) and len(common) >= 10_000
    assert {"123456", "password", "qwertyuiop", "iloveyou"} <= common
    assert passwords.common_passwords() is common
    assert all(word == word.lower() for word in common)


def test_the_demo_password_is_allowed_only_through_the_demo_path(user):
    created = services.create_user(None, "demo_extra", "演示", DEMO_PASSWORD, Role.observer,
                                   allow_demo_password=True)
    assert created.check_password(DEMO_PASSWORD)

    with pytest.raises(ServiceError, match=DEMO):
        services.reset_password(user("admin"), created, DEMO_PASSWORD)


def test_the_demo_accounts_still_sign_in_with_the_demo_password(client):
    response = client.post("/auth/login", data={"username": "gxj", "password": DEMO_PASSWORD})

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/tasks/inbox").status_code == 200


@pytest.mark.parametrize(("new", "message"), [
    ("short-pw", TOO_SHORT), ("iloveyou12", COMMON), ("fgw-is-my-unit", USERNAME), (DEMO_PASSWORD, DEMO),
], ids=["short", "common", "username", "demo"])
def test_the_own_password_change_page_says_what_to_fix(client, login_as, new, message):
    login_as("fgw")

    response = client.post("/auth/account", data={"current_password": DEMO_PASSWORD, "new_password": new,
                                                  "confirm": new})

    assert response.status_code == 400
    assert message in response.text


def test_the_reset_by_an_administrator_says_what_to_fix(client, login_as, user):
    login_as("admin")
    target = user("kjj")
    old_hash = target.password_hash

    response = client.post(f"/auth/users/{target.id}/password", data={"password": "qwertyuiop"},
                           follow_redirects=True)

    assert COMMON in response.text
    assert target.password_hash == old_hash


def test_the_account_page_states_the_rules(client, login_as):
    login_as("fgw")

    page = client.get("/auth/account").text

    assert "至少 10 个字符" in page and "不能包含用户名" in page and "常见密码" in page


# --- a weak password from before the policy -----------------------------------------------------------------


@pytest.fixture
def weak_account(user):
    """An account whose password predates the policy (set without the service's checks)."""
    account = services.create_user(user("admin"), "olduser", "老账号", "Plenty-long-2026", Role.staff,
                                   user("gxj").unit)
    account.set_password("Pass1234")
    db.session.flush()
    return account


def test_a_weak_password_still_signs_in_but_must_be_changed_before_anything_else(client, weak_account,
                                                                                   api_token):
    response = client.post("/auth/login", data={"username": "olduser", "password": "Pass1234"})

    assert response.status_code == 302
    assert weak_account.must_change_password
    for url in ("/", "/tasks/inbox", "/auth/users"):
        moved = client.get(url)
        assert moved.status_code == 302 and moved.headers["Location"] == "/auth/account", url
    page = client.get("/auth/account")
    assert page.status_code == 200
    assert "您的密码不符合安全要求，请先修改密码再继续使用系统。" in page.text
    refused = client.post("/tasks/new", data={})
    assert refused.status_code == 302 and refused.headers["Location"] == "/auth/account"

    changed = client.post("/auth/account", data={"current_password": "Pass1234", "new_password": "Plenty-long-2027",
                                                 "confirm": "Plenty-long-2027"})

    assert changed.status_code == 302
    assert not weak_account.must_change_password
    assert client.get("/tasks/inbox").status_code == 200


def test_a_forced_change_leaves_api_tokens_alone(client, weak_account):
    _, plain = services.create_token(weak_account, weak_account, "同步")
    db.session.flush()

    client.post("/auth/login", data={"username": "olduser", "password": "Pass1234"})

    assert weak_account.must_change_password
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200


def test_a_good_password_at_sign_in_asks_for_nothing(client, user):
    account = services.create_user(user("admin"), "newuser", "新账号", "Plenty-long-2026", Role.observer)
    db.session.flush()

    client.post("/auth/login", data={"username": "newuser", "password": "Plenty-long-2026"})

    assert not account.must_change_password
    assert client.get("/").status_code == 200


def test_the_demo_password_at_sign_in_forces_a_change_where_configured(app, client, user):
    app.config["DEMO_PASSWORD_FORCES_CHANGE"] = True
    try:
        client.post("/auth/login", data={"username": "guancha", "password": DEMO_PASSWORD})
    finally:
        app.config["DEMO_PASSWORD_FORCES_CHANGE"] = False

    assert user("guancha").must_change_password
