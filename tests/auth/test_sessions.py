"""Server-side sessions: signing out, a password change, an administrator's reset or deactivation and the account
page's "退出此会话" / "退出全部其他会话" end the session on the server, so that a copied session cookie or
remember_token is worth nothing afterwards; idle and absolute lifetimes; remember-me lasts 14 days, not a year.

A thief's browser is a fresh test client given the copied cookie values (get_cookie / set_cookie).
"""

import sqlite3
from contextlib import closing
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.auth import services
from app.auth.models import User, UserSession, describe_user_agent
from app.auth.passwords import DEMO_PASSWORD
from app.core.models import AuditEntry
from app.extensions import db
from tests.conftest import is_postgres
from tests.core.test_sqlite_writers import _another_writer_commits_after_reading
from tests.core.test_sqlite_writers import seeded as seeded  # noqa: F401 (the fixture: an SQLite file app)
from tests.helpers import client_signed_in_as, expect_sign_in_page

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Safari/537.36")
FIREFOX_UOS = "Mozilla/5.0 (X11; UOS; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0"
ADDRESS = "10.20.30.40"
NEW_PASSWORD = "Fresh-pass-2026"
COOKIES = ("session", "remember_token")


def sign_in(client, username="gxj", remember=False, address=ADDRESS, agent=CHROME):
    data = {"username": username, "password": DEMO_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/login", data=data, environ_base={"REMOTE_ADDR": address},
                           headers={"User-Agent": agent})
    assert response.status_code == 302, response.text
    return response


def copy_cookies(client):
    """What a thief copies from the browser: the session cookie and the remember_token, when there are."""
    copied = {}
    for name in COOKIES:
        cookie = client.get_cookie(name)
        if cookie is not None:
            copied[name] = cookie.decoded_value
    return copied


def replay(app, copied, name):
    """A fresh browser holding only the copied cookie `name`."""
    thief = app.test_client()
    thief.set_cookie(name, copied[name])
    return thief


def assert_replays_fail(app, copied):
    assert set(copied) == set(COOKIES), copied
    for name in COOKIES:
        expect_sign_in_page(replay(app, copied, name).get("/tasks/inbox"))


def assert_replays_work(app, copied):
    for name in COOKIES:
        assert replay(app, copied, name).get("/tasks/inbox").status_code == 200, name


def sessions_of(account):
    return db.session.scalars(sa.select(UserSession).where(UserSession.user_id == account.id)
                              .order_by(UserSession.id)).all()


# --- signing out ---------------------------------------------------------------------------------------------


def test_a_session_cookie_copied_before_logout_leads_to_the_sign_in_page(app, client):
    sign_in(client)
    copied = copy_cookies(client)
    assert replay(app, copied, "session").get("/tasks/inbox").status_code == 200

    response = client.post("/auth/logout")

    expect_sign_in_page(response)
    expect_sign_in_page(replay(app, copied, "session").get("/tasks/inbox"))
    expect_sign_in_page(client.get("/tasks/inbox"))


def test_a_remember_token_copied_before_logout_no_longer_signs_in(app, client, user):
    sign_in(client, remember=True)
    copied = copy_cookies(client)
    assert_replays_work(app, copied)

    client.post("/auth/logout")

    assert_replays_fail(app, copied)
    [ended] = sessions_of(user("gxj"))
    assert ended.revoked_at is not None and ended.revoked_reason == "退出登录"


def test_signing_in_records_the_session_with_a_hashed_id_address_and_browser(client, user, clock):
    sign_in(client, remember=True)

    [row] = sessions_of(user("gxj"))
    assert row.created_at == row.last_seen_at == clock.now()
    assert row.is_remembered and row.expires_at == clock.now() + timedelta(days=14)
    assert row.address == ADDRESS and row.user_agent == CHROME
    assert row.revoked_at is None
    with client.session_transaction() as sess:
        plain = sess["_user_id"]
    assert plain not in row.token_hash and len(row.token_hash) == 64  # only a SHA-256 is stored


# --- password changes, resets and deactivation end the sessions ----------------------------------------------


def test_changing_own_password_ends_the_other_sessions_and_their_remember_tokens(app, client):
    sign_in(client, remember=True)
    other_device = app.test_client()
    sign_in(other_device, remember=True, address="10.20.30.99")
    copied = copy_cookies(other_device)

    response = client.post("/auth/account", data={
        "current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert_replays_fail(app, copied)
    assert client.get("/tasks/inbox").status_code == 200  # this session stays


def test_an_administrators_password_reset_ends_every_session_and_remember_token(app, client, user):
    sign_in(client, remember=True)
    copied = copy_cookies(client)
    office = client_signed_in_as(app, user("admin"))

    response = office.post(f"/auth/users/{user('gxj').id}/password", data={"password": NEW_PASSWORD})

    assert response.status_code == 302
    assert_replays_fail(app, copied)
    expect_sign_in_page(client.get("/tasks/inbox"))


def test_deactivation_ends_every_session_and_remember_token(app, client, user):
    sign_in(client, remember=True)
    copied = copy_cookies(client)

    services.set_active(user("admin"), user("gxj"), False)
    db.session.flush()

    assert_replays_fail(app, copied)
    assert all(s.revoked_at is not None for s in sessions_of(user("gxj")))


# --- the account page's session list -------------------------------------------------------------------------


def test_the_account_page_lists_the_active_sessions_and_marks_the_current_one(app, client, user, clock):
    sign_in(client, agent=CHROME)
    other = app.test_client()
    sign_in(other, address="10.9.8.7", agent=FIREFOX_UOS)
    gone = app.test_client()
    sign_in(gone, address="10.9.8.6")
    gone.post("/auth/logout")

    page = client.get("/auth/account")

    assert page.status_code == 200
    assert "当前会话" in page.text
    assert "Chrome 浏览器（Windows）" in page.text
    assert "Firefox 浏览器（统信 UOS）" in page.text
    assert "10.9.8.7" in page.text and "10.9.8.6" not in page.text  # ended sessions are not listed
    assert "退出此会话" in page.text and "退出全部其他会话" in page.text
    assert clock.now().astimezone(clock.tz).strftime("%Y-%m-%d %H:%M") in page.text


@pytest.mark.parametrize(("agent", "label"), [
    (CHROME, "Chrome 浏览器（Windows）"),
    (FIREFOX_UOS, "Firefox 浏览器（统信 UOS）"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 "
     "Edg/120.0", "Edge 浏览器（Windows）"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
     "MicroMessenger/8.0.40", "微信内置浏览器（iPhone/iPad）"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 "
     "Safari/605.1.15", "Safari 浏览器（macOS）"),
    ("Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
     "Chrome 浏览器（安卓）"),
    ("curl/8.5.0", "命令行工具"),
    ("", "未知浏览器"),
], ids=["chrome", "firefox-uos", "edge", "wechat", "safari", "android", "curl", "empty"])
def test_the_browser_summary_is_readable_chinese(agent, label):
    assert describe_user_agent(agent) == label


def test_ending_one_other_session_signs_that_browser_out_and_is_audited(app, client, user):
    sign_in(client)
    other = app.test_client()
    sign_in(other, remember=True, address="10.9.8.7")
    copied = copy_cookies(other)
    mine, theirs = sessions_of(user("gxj"))

    response = client.post(f"/auth/sessions/{theirs.id}/revoke")

    assert response.status_code == 302
    assert "已退出该会话。" in client.get(response.headers["Location"]).text
    assert_replays_fail(app, copied)
    assert client.get("/tasks/inbox").status_code == 200
    assert theirs.revoked_at is not None and mine.revoked_at is None
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user_session.revoke"))
    assert entry.actor_id == user("gxj").id and entry.object_id == str(theirs.id)


def test_ending_all_other_sessions_keeps_only_this_one(app, client, user):
    sign_in(client)
    others = [app.test_client(), app.test_client()]
    copies = []
    for n, browser in enumerate(others):
        sign_in(browser, remember=True, address=f"10.9.8.{n}")
        copies.append(copy_cookies(browser))

    response = client.post("/auth/sessions/revoke-others")

    assert response.status_code == 302
    assert "已退出其他 2 个会话。" in client.get(response.headers["Location"]).text
    for copied in copies:
        assert_replays_fail(app, copied)
    assert client.get("/tasks/inbox").status_code == 200
    assert [s.revoked_at is None for s in sessions_of(user("gxj"))] == [True, False, False]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "user_session.revoke_others")) == 1


def test_nobody_can_end_someone_elses_session(app, client, user, login_as):
    other = client_signed_in_as(app, user("kjj"))
    [theirs] = sessions_of(user("kjj"))
    login_as("gxj")

    assert client.post(f"/auth/sessions/{theirs.id}/revoke").status_code == 404
    assert client.post("/auth/sessions/999999/revoke").status_code == 404
    assert theirs.revoked_at is None
    assert other.get("/tasks/inbox").status_code == 200


def test_ending_the_current_session_from_the_list_is_a_sign_out(client, user, login_as):
    login_as("gxj")
    [mine] = sessions_of(user("gxj"))

    response = client.post(f"/auth/sessions/{mine.id}/revoke")

    expect_sign_in_page(response)
    expect_sign_in_page(client.get("/tasks/inbox"))


# --- lifetimes -----------------------------------------------------------------------------------------------


def test_a_session_idle_for_longer_than_two_hours_ends(client, login_as, clock):
    start = clock.now()
    login_as("gxj")
    clock.set(start + timedelta(hours=1, minutes=59))
    assert client.get("/tasks/inbox").status_code == 200  # activity moves the idle deadline

    clock.set(start + timedelta(hours=3, minutes=58))
    assert client.get("/tasks/inbox").status_code == 200

    clock.set(start + timedelta(hours=6))
    expect_sign_in_page(client.get("/tasks/inbox"))


def test_last_seen_is_written_at_most_once_a_minute(client, login_as, user, clock):
    start = clock.now()
    login_as("gxj")
    [row] = sessions_of(user("gxj"))

    clock.set(start + timedelta(seconds=59))
    assert client.get("/tasks/inbox").status_code == 200
    assert row.last_seen_at == start

    clock.set(start + timedelta(seconds=61))
    assert client.get("/tasks/inbox").status_code == 200
    db.session.refresh(row)
    assert row.last_seen_at == start + timedelta(seconds=61)


def test_an_active_session_still_ends_after_twelve_hours(client, login_as, clock):
    start = clock.now()
    login_as("gxj")
    for hour in range(1, 12):
        clock.set(start + timedelta(hours=hour))
        assert client.get("/tasks/inbox").status_code == 200, hour

    clock.set(start + timedelta(hours=12, minutes=1))
    expect_sign_in_page(client.get("/tasks/inbox"))


def test_remember_me_lasts_fourteen_days_not_a_year(app, client, clock):
    start = clock.now()
    sign_in(client, remember=True)
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
    lifetime = cookie.expires - datetime.now(cookie.expires.tzinfo)
    assert timedelta(days=13, hours=23) < lifetime <= timedelta(days=14)
    copied = copy_cookies(client)

    clock.set(start + timedelta(days=13, hours=23))  # idle for days: remember-me outlives the idle limit
    assert replay(app, copied, "remember_token").get("/tasks/inbox").status_code == 200

    clock.set(start + timedelta(days=14, minutes=1))
    expect_sign_in_page(replay(app, copied, "remember_token").get("/tasks/inbox"))


# --- the last-seen write of a GET on SQLite --------------------------------------------------------------------


@pytest.mark.no_db_transaction
@pytest.mark.skipif(is_postgres(), reason="the failure mode (SQLITE_BUSY on a stale read snapshot) is SQLite's")
def test_a_get_notes_the_sessions_last_seen_although_another_writer_committed_meanwhile(seeded):  # noqa: F811
    """The session row is read by a GET (a deferred, reading transaction); if the scheduler commits right then, the
    last-seen write must still succeed: ensure_writer() turns the request into a writer before it changes the row."""
    app = seeded["app"]
    with app.app_context():
        path = db.engine.url.database
        staff = db.session.scalar(sa.select(User).where(User.username == "gxj"))
        row, plain = services.open_session(staff)
        row.last_seen_at -= timedelta(minutes=5)
        row_id = row.id
        db.session.commit()
        db.session.remove()  # nothing of the setup stays open (outside a request a transaction begins as a writer)
        browser = app.test_client()
        with browser.session_transaction() as sess:
            sess["_user_id"] = plain
        with _another_writer_commits_after_reading(db.engine, path, "user_sessions") as fired:
            answer = browser.get("/tasks/inbox")
        db.session.remove()
    assert fired, "the session was read"
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    with closing(sqlite3.connect(path)) as check:
        seen, created = check.execute("SELECT last_seen_at, created_at FROM user_sessions WHERE id = ?",
                                      (row_id,)).fetchone()
    assert seen > created  # written now, no longer five minutes before the sign-in


def test_an_administrator_resetting_their_own_password_keeps_the_session_it_is_done_from(client, login_as, user):
    login_as("admin")
    admin = user("admin")
    answer = client.post(f"/auth/users/{admin.id}/password", data={"password": "Harbour-Violet-2047"})
    assert answer.status_code == 302
    assert client.get(answer.headers["Location"]).status_code == 200  # still signed in: the edit page, not 登录
