"""Sign-in through the real form: argon2id, throttling in the database (growing waits per name and address, never an
account lock; tests/auth/test_throttling.py has the attacker's view), `next`, sign-out, deactivated accounts and
password changes ending sessions.

argon2 is slow on purpose, so only the tests about signing in post the form; the others use `login_as`.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import request_finished
from flask_login import current_user

from app.auth import models as auth_models
from app.auth import services
from app.auth.models import SignInAttempt, User
from app.auth.passwords import DEMO_PASSWORD
from app.auth.throttling import delayed_until
from app.core.models import AuditEntry
from app.extensions import db
from tests.helpers import client_signed_in_as, expect_sign_in_page

ADDRESS = "10.20.30.40"
OTHER_ADDRESS = "10.20.30.41"


def sign_in(client, username, password, next=None, address=ADDRESS, remember=False, **kwargs):
    url = "/auth/login" if next is None else f"/auth/login?next={next}"
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post(url, data=data, environ_base={"REMOTE_ADDR": address}, **kwargs)


def attempts(username=None):
    query = sa.select(SignInAttempt).order_by(SignInAttempt.id)
    if username is not None:
        query = query.where(SignInAttempt.username == username)
    return db.session.scalars(query).all()


def audit_count(action, account):
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.object_id == str(account.id)))


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def signed_in_user_id(client):
    with client.session_transaction() as sess:
        return sess.get("_user_id")


# --- passwords and a successful sign-in ----------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_hashes_never_in_clear(user):
    account = user("admin")
    assert account.password_hash.startswith("$argon2id$")
    assert DEMO_PASSWORD not in account.password_hash


def test_sign_in_with_the_demo_password_verifies_argon2_and_records_the_success(client, user, clock):
    response = sign_in(client, "admin", DEMO_PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    account = user("admin")
    assert signed_in_user_id(client) == account.get_session_id()
    assert account.last_sign_in_at == clock.now()
    [attempt] = attempts("admin")
    assert attempt.succeeded and attempt.address == ADDRESS and attempt.at == clock.now()
    assert not attempt.is_cleared
    home = client.get("/")
    assert home.status_code == 200
    assert "欢迎，千百十办管理员。" in home.text


def test_sign_in_ignores_case_and_surrounding_spaces_in_the_username(client, user):
    response = sign_in(client, "  GXJ ", DEMO_PASSWORD)

    assert response.status_code == 302
    assert signed_in_user_id(client) == user("gxj").get_session_id()
    assert [a.username for a in attempts()] == ["gxj"]


def test_sign_in_page_is_public_and_renders_in_chinese(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert "登录" in response.text and "用户名" in response.text and "密码" in response.text


# --- refusals ------------------------------------------------------------------------------------------------


def test_wrong_password_is_refused_in_chinese_and_counted_per_account_and_address(client, user, clock):
    response = sign_in(client, "gxj", "Wrong-password-1")

    assert response.status_code == 401
    assert "用户名或密码不正确。" in response.text
    assert signed_in_user_id(client) is None
    [attempt] = attempts()
    assert (attempt.username, attempt.address, attempt.succeeded, attempt.is_cleared) == ("gxj", ADDRESS, False, False)
    assert attempt.at == clock.now()
    assert delayed_until("gxj", ADDRESS, clock.now()) is None  # one failure: no wait yet


def test_unknown_username_gets_the_same_message_and_is_recorded_for_its_address(client):
    users_before = db.session.execute(sa.select(sa.func.count(), sa.func.max(User.updated_at))).one()

    response = sign_in(client, "Nobody-Here", "Whatever-123", address=OTHER_ADDRESS)

    assert response.status_code == 401
    assert "用户名或密码不正确。" in response.text
    assert db.session.execute(sa.select(sa.func.count(), sa.func.max(User.updated_at))).one() == users_before
    [attempt] = attempts()
    assert (attempt.username, attempt.address, attempt.succeeded) == ("nobody-here", OTHER_ADDRESS, False)


def test_unknown_username_costs_a_password_check_too_so_timing_does_not_reveal_accounts(client, monkeypatch):
    checked = []
    real = auth_models._hasher

    class Spy:
        def verify(self, hash_, password):
            checked.append(hash_)
            return real.verify(hash_, password)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(auth_models, "_hasher", Spy())

    response = sign_in(client, "nobody-here", "Whatever-123")

    assert response.status_code == 401
    assert len(checked) == 1 and checked[0].startswith("$argon2id$")


@pytest.mark.parametrize(("username", "password", "messages"), [
    ("", "", ["请填写用户名。", "请填写密码。"]),
    ("   ", DEMO_PASSWORD, ["请填写用户名。"]),
    ("admin", "", ["请填写密码。"]),
    ("a" * 51, DEMO_PASSWORD, ["用户名不能超过 50 个字符。"]),
    ("admin", "x" * 129, ["密码不能超过 128 个字符。"]),
], ids=["both-empty", "blank-username", "empty-password", "username-too-long", "password-too-long"])
def test_incomplete_or_oversized_sign_in_is_refused_in_chinese_without_counting(client, user, username, password,
                                                                               messages):
    response = sign_in(client, username, password)

    assert response.status_code == 400
    for message in messages:
        assert message in response.text
    assert signed_in_user_id(client) is None
    assert attempts() == []


def test_deactivated_account_cannot_sign_in_even_with_the_right_password(client, user):
    account = user("kjj")
    services.set_active(user("admin"), account, False)
    db.session.flush()

    response = sign_in(client, "kjj", DEMO_PASSWORD)

    assert response.status_code == 403
    assert "该账号已停用，请联系千百十办。" in response.text
    assert signed_in_user_id(client) is None
    assert [a.succeeded for a in attempts("kjj")] == [False]


# --- waits instead of lock-outs ------------------------------------------------------------------------------


def test_a_pair_waits_after_max_failures_and_is_let_in_once_the_wait_has_passed(app, client, user, clock):
    max_failures = app.config["LOGIN_MAX_FAILURES"]
    account = user("fgw")

    for _ in range(max_failures - 1):
        assert sign_in(client, "fgw", "Wrong-password-1").status_code == 401
    assert delayed_until("fgw", ADDRESS, clock.now()) is None
    assert audit_count("user.sign_in_delay", account) == 0

    last = sign_in(client, "fgw", "Wrong-password-1")
    assert last.status_code == 401 and "用户名或密码不正确。" in last.text
    assert delayed_until("fgw", ADDRESS, clock.now()) == clock.now() + timedelta(minutes=1)
    assert audit_count("user.sign_in_delay", account) == 1

    # Waiting: even the right password is refused, with a Chinese message saying how long; nothing is recorded.
    clock.set(clock.now() + timedelta(seconds=20))
    waiting = sign_in(client, "fgw", DEMO_PASSWORD)
    assert waiting.status_code == 429
    assert "登录尝试过于频繁，请 1 分钟后再试。" in waiting.text
    assert waiting.headers["Retry-After"] == "40"
    assert signed_in_user_id(client) is None
    assert len(attempts("fgw")) == max_failures
    assert not any(a.succeeded for a in attempts("fgw"))

    clock.set(clock.now() + timedelta(seconds=41))
    let_in = sign_in(client, "fgw", DEMO_PASSWORD)
    assert let_in.status_code == 302
    assert signed_in_user_id(client) == account.get_session_id()
    assert all(a.is_cleared for a in attempts("fgw") if not a.succeeded)


def test_failures_written_by_another_worker_count_towards_the_wait(app, client, clock, monkeypatch):
    """The count is read from the database, not kept in this worker."""
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 3)
    assert sign_in(client, "xtx", "Wrong-password-1").status_code == 401
    # Another gunicorn worker records a failure of its own: straight to the database, behind this session's back.
    db.session.execute(sa.text("INSERT INTO sign_in_attempts (username, address, at, succeeded) "
                               "VALUES ('xtx', :address, :at, :no)"),
                       {"address": ADDRESS, "at": clock.now(), "no": False})

    assert sign_in(client, "xtx", "Wrong-password-1").status_code == 401

    assert sign_in(client, "xtx", DEMO_PASSWORD).status_code == 429


def test_failures_from_different_addresses_do_not_add_up_for_the_same_account(app, client, clock, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 2)
    other_browser = app.test_client()

    sign_in(client, "gxq", "Wrong-password-1", address=ADDRESS)
    sign_in(other_browser, "gxq", "Wrong-password-1", address=OTHER_ADDRESS)

    assert {a.address for a in attempts("gxq")} == {ADDRESS, OTHER_ADDRESS}
    assert delayed_until("gxq", ADDRESS, clock.now()) is None
    assert delayed_until("gxq", OTHER_ADDRESS, clock.now()) is None
    assert sign_in(client, "gxq", DEMO_PASSWORD, address=ADDRESS).status_code == 302


def test_failures_older_than_the_window_are_forgotten(app, client, clock, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 2)
    window = timedelta(minutes=app.config["LOGIN_FAILURE_WINDOW_MINUTES"])

    sign_in(client, "kjj", "Wrong-password-1")
    clock.set(clock.now() + window + timedelta(minutes=1))
    sign_in(client, "kjj", "Wrong-password-1")

    assert delayed_until("kjj", ADDRESS, clock.now()) is None
    assert sign_in(client, "kjj", DEMO_PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_the_pairs_failures(app, client, clock):
    max_failures = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(max_failures - 1):
        sign_in(client, "fgw", "Wrong-password-1")

    assert sign_in(client, "fgw", DEMO_PASSWORD).status_code == 302
    client.post("/auth/logout")

    assert all(a.is_cleared for a in attempts("fgw") if not a.succeeded)
    for _ in range(max_failures - 1):  # would reach the wait if the earlier failures still counted
        assert sign_in(client, "fgw", "Wrong-password-1").status_code == 401
    assert delayed_until("fgw", ADDRESS, clock.now()) is None


def test_too_many_failures_from_one_address_make_it_wait_for_every_account(app, client, clock):
    limit = app.config["LOGIN_ADDRESS_MAX_FAILURES"]
    for i in range(limit):  # what a password-spraying client leaves behind
        db.session.add(SignInAttempt(username=f"guess{i}", address=ADDRESS, succeeded=False))
    db.session.flush()
    before = count(SignInAttempt)

    refused = sign_in(client, "admin", DEMO_PASSWORD, address=ADDRESS)

    assert refused.status_code == 429
    assert "登录尝试过于频繁，请 1 分钟后再试。" in refused.text
    assert signed_in_user_id(client) is None
    assert count(SignInAttempt) == before  # refused before looking at the password

    # Another address is not affected, and the address is let in again once its wait has passed.
    assert sign_in(app.test_client(), "admin", DEMO_PASSWORD, address=OTHER_ADDRESS).status_code == 302
    clock.set(clock.now() + timedelta(minutes=1, seconds=1))
    assert sign_in(client, "admin", DEMO_PASSWORD, address=ADDRESS).status_code == 302


# --- where to go after signing in ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/auth/account", "/auth/users", "/org/units"])
def test_anonymous_users_are_sent_to_sign_in_with_the_page_to_come_back_to(client, path):
    response = client.get(path)

    expect_sign_in_page(response)
    assert response.headers["Location"] == "/auth/login?next=" + path
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "登录" in page.text


def test_sign_in_returns_to_the_page_in_next(client):
    target = client.get("/auth/users?q=gxj").headers["Location"]

    response = client.post(target, data={"username": "admin", "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/users?q=gxj"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example"])
def test_sign_in_ignores_a_next_pointing_to_another_site(client, target):
    response = sign_in(client, "admin", DEMO_PASSWORD, next=target)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "http://evil.example/auth/users", "///evil.example",
    "/\\evil.example", "\\\\evil.example", "%2F%2Fevil.example", " //evil.example", "/%09/evil.example",
    "javascript:alert(1)", "evil.example", "https:evil.example",
])
def test_signed_in_visit_to_sign_in_page_ignores_a_foreign_next(client, login_as, target):
    login_as("gxj")

    response = client.get(f"/auth/login?next={target}")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_signed_in_visit_to_sign_in_page_follows_a_local_next(client, login_as):
    login_as("gxj")
    response = client.get("/auth/login?next=%2Forg%2Funits")
    assert response.headers["Location"] == "/org/units"


# --- sign-out and ending sessions ----------------------------------------------------------------------------


def test_sign_out_over_get_is_refused_and_changes_nothing(client, login_as):
    login_as("gxj")

    response = client.get("/auth/logout")

    assert response.status_code == 405
    assert "操作方式不正确" in response.text
    assert client.get("/").status_code == 200


def test_sign_out_over_post_ends_the_session(client, login_as):
    login_as("gxj")

    response = client.post("/auth/logout", follow_redirects=True)

    assert "您已退出登录。" in response.text
    assert signed_in_user_id(client) is None
    expect_sign_in_page(client.get("/"))


def test_existing_session_of_a_deactivated_user_ends(client, login_as, user):
    login_as("kjj")
    assert client.get("/").status_code == 200

    services.set_active(user("admin"), user("kjj"), False)
    db.session.flush()

    expect_sign_in_page(client.get("/"))


def test_a_session_from_before_a_password_reset_ends(client, login_as, user):
    login_as("gxq")
    services.reset_password(user("admin"), user("gxq"), "Fresh-pass-2026")
    db.session.flush()

    expect_sign_in_page(client.get("/"))


@pytest.mark.parametrize("session_id", ["garbage", "", "1", "1:x", "999999:1"])
def test_a_malformed_or_unknown_session_id_means_signed_out(client, session_id):
    with client.session_transaction() as sess:
        sess["_user_id"] = session_id
    expect_sign_in_page(client.get("/"))


def test_remember_me_cookie_stops_working_after_a_password_reset(client, user):
    assert sign_in(client, "gxj", DEMO_PASSWORD, remember=True).status_code == 302
    assert client.get_cookie("remember_token") is not None
    with client.session_transaction() as sess:  # the browser was closed: only the remember cookie is left
        sess.clear()
    assert client.get("/").status_code == 200

    services.reset_password(user("admin"), user("gxj"), "Fresh-pass-2026")
    db.session.flush()
    with client.session_transaction() as sess:
        sess.clear()

    expect_sign_in_page(client.get("/"))


# --- changing one's own password -----------------------------------------------------------------------------


def test_changing_own_password_keeps_this_session_and_ends_the_others(app, client, login_as, user):
    account = login_as("fgw")
    other_device = client_signed_in_as(app, account)
    old_hash = account.password_hash

    seen_after_the_view = []

    def read_current_user(sender, **extra):  # as logging or an after-request hook would
        seen_after_the_view.append(current_user.username)

    request_finished.connect(read_current_user, app)
    try:
        response = client.post("/auth/account", data={
            "current_password": DEMO_PASSWORD, "new_password": "Fresh-pass-2026", "confirm": "Fresh-pass-2026"})
    finally:
        request_finished.disconnect(read_current_user, app)

    assert response.status_code == 302
    assert seen_after_the_view == ["fgw"]
    assert account.password_hash != old_hash and account.password_hash.startswith("$argon2id$")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "密码已修改，其他设备上的登录和全部 API 令牌已失效。" in page.text
    expect_sign_in_page(other_device.get("/"))


@pytest.mark.parametrize(("data", "message"), [
    ({"current_password": "Not-my-password-1", "new_password": "Fresh-pass-2026", "confirm": "Fresh-pass-2026"},
     "当前密码不正确。"),
    ({"current_password": DEMO_PASSWORD, "new_password": "Fresh-pass-2026", "confirm": "Other-pass-2026"},
     "两次输入的新密码不一致。"),
    ({"current_password": DEMO_PASSWORD, "new_password": "short1", "confirm": "short1"},
     "密码至少需要 10 个字符。"),
    ({"current_password": DEMO_PASSWORD, "new_password": "1234567890", "confirm": "1234567890"},
     "该密码过于常见，容易被猜中，请换一个。"),
    ({"current_password": "", "new_password": "", "confirm": ""}, "请填写当前密码。"),
], ids=["wrong-current", "mismatch", "too-short", "common", "empty"])
def test_bad_own_password_change_is_refused_in_chinese_and_changes_nothing(client, login_as, data, message):
    account = login_as("fgw")
    old_hash = account.password_hash
    audits = count(AuditEntry)

    response = client.post("/auth/account", data=data)

    assert response.status_code == 400
    assert message in response.text
    assert account.password_hash == old_hash
    assert count(AuditEntry) == audits
    assert client.get("/").status_code == 200
