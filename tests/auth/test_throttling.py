"""Issue #11, 4: sign-in throttling that an attacker cannot turn against users.

Failures are counted per (account, address) pair and per address; both answer with a growing wait, never a
lock-out of the account or a permanent refusal of an address. A known and an unknown name are answered alike,
and the office sees the recent failures with the addresses behind them.
"""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth import services
from app.auth.models import SignInAttempt, User, verify_password
from app.auth.passwords import DEMO_PASSWORD
from app.core.models import AuditEntry
from app.extensions import db

ATTACKER = "203.0.113.7"
DESK = "10.20.30.40"
PROXY = "10.0.0.1"
WRONG = "Wrong-password-1"
TOO_MANY = re.compile(r"登录尝试过于频繁，请 (\d+) 分钟后再试。")


def sign_in(app, username, password, address):
    """A fresh browser each time: the attacker and the user share nothing but the server."""
    return app.test_client().post("/auth/login", data={"username": username, "password": password},
                                  environ_base={"REMOTE_ADDR": address})


def wait_minutes(response):
    assert response.status_code == 429, response.status_code
    found = TOO_MANY.search(response.text)
    assert found, response.text[-600:]
    assert int(response.headers["Retry-After"]) > 0
    return int(found.group(1))


def fail(app, clock, username, address, times):
    """`times` wrong passwords for the pair, each after the previous one's wait (if any) has passed."""
    for _ in range(times):
        response = sign_in(app, username, WRONG, address)
        if response.status_code == 429:
            clock.set(clock.now() + timedelta(minutes=wait_minutes(response), seconds=1))
            response = sign_in(app, username, WRONG, address)
        assert response.status_code == 401, response.status_code
        assert "用户名或密码不正确。" in response.text


def failures(username=None, address=None):
    query = sa.select(sa.func.count()).select_from(SignInAttempt).where(SignInAttempt.succeeded.is_(False))
    if username is not None:
        query = query.where(SignInAttempt.username == username)
    if address is not None:
        query = query.where(SignInAttempt.address == address)
    return db.session.scalar(query)


def signed_in(response):
    return response.status_code == 302 and response.headers["Location"] == "/"


# --- per (account, address) pair -----------------------------------------------------------------------------


def test_an_attackers_failures_from_one_address_do_not_stop_the_right_password_from_another(app, clock):
    limit = app.config["LOGIN_MAX_FAILURES"]
    fail(app, clock, "fgw", ATTACKER, limit)
    hammered = sign_in(app, "fgw", WRONG, ATTACKER)
    assert hammered.status_code == 429  # the attacker's pair waits

    at_the_desk = sign_in(app, "fgw", DEMO_PASSWORD, DESK)

    assert signed_in(at_the_desk)
    # The attacker's pair is still delayed: the user's success elsewhere does not lift it.
    assert sign_in(app, "fgw", DEMO_PASSWORD, ATTACKER).status_code == 429


def test_a_pair_waits_1_2_4_8_minutes_up_to_the_cap_then_the_right_password_lets_it_in(app, clock):
    limit, cap = app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_MAX_DELAY_MINUTES"]
    fail(app, clock, "gxq", ATTACKER, limit - 1)
    assert sign_in(app, "gxq", WRONG, ATTACKER).status_code == 401  # the limit-th failure is still answered

    waits = []
    for extra in range(7):
        clock.set(clock.now() + timedelta(seconds=1))
        expected = min(cap, 2 ** extra)
        early = sign_in(app, "gxq", DEMO_PASSWORD, ATTACKER)  # even the right password waits
        assert wait_minutes(early) == expected
        recorded = failures("gxq")
        clock.set(clock.now() + timedelta(minutes=expected) - timedelta(seconds=2))
        assert sign_in(app, "gxq", DEMO_PASSWORD, ATTACKER).status_code == 429  # a second before the end
        assert failures("gxq") == recorded  # a refused attempt spends no password check and adds no failure
        clock.set(clock.now() + timedelta(seconds=2))
        waits.append(expected)
        if extra < 6:
            assert sign_in(app, "gxq", WRONG, ATTACKER).status_code == 401
    assert waits == [1, 2, 4, 8, 16, min(cap, 32), min(cap, 64)]
    assert waits[-1] == cap  # capped, never a lock-out

    assert signed_in(sign_in(app, "gxq", DEMO_PASSWORD, ATTACKER))
    # The success starts the pair's count again: a typo afterwards is answered at once, without a wait.
    assert sign_in(app, "gxq", WRONG, ATTACKER).status_code == 401
    assert sign_in(app, "gxq", WRONG, ATTACKER).status_code == 401


def test_the_first_delay_of_a_known_accounts_pair_is_audited_with_its_address(app, clock, user):
    fail(app, clock, "kjj", ATTACKER, app.config["LOGIN_MAX_FAILURES"])

    [entry] = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "user.sign_in_delay", AuditEntry.object_id == str(user("kjj").id))).all()
    assert entry.after["address"] == ATTACKER and entry.reason


# --- known and unknown names answer alike ----------------------------------------------------------------------


def _normalised(response, username):
    return response.status_code, response.headers.get("Retry-After"), response.text.replace(username, "NAME")


@pytest.mark.parametrize("known", ["fgw", "deactivated"])
def test_a_known_or_deactivated_account_and_an_unknown_name_get_byte_identical_answers(app, clock, user, known):
    if known == "deactivated":
        services.set_active(user("admin"), user("xtx"), False)
        db.session.commit()
        known = "xtx"
    unknown = "nobody-here"
    limit = app.config["LOGIN_MAX_FAILURES"]
    answers = {}
    for name in (known, unknown):
        answers[name] = [_normalised(sign_in(app, name, WRONG, ATTACKER), name) for _ in range(limit)]
        answers[name].append(_normalised(sign_in(app, name, WRONG, ATTACKER), name))  # delayed now

    assert answers[known] == answers[unknown]
    assert answers[known][0][0] == 401 and "用户名或密码不正确。" in answers[known][0][2]
    assert answers[known][-1][0] == 429 and TOO_MANY.search(answers[known][-1][2])
    assert "锁定" not in answers[known][-1][2]
    assert failures(known) == failures(unknown) == limit


def test_a_deactivated_account_answers_differently_only_after_the_right_password(app, user):
    services.set_active(user("admin"), user("xtx"), False)
    db.session.commit()

    wrong = sign_in(app, "xtx", WRONG, DESK)
    right = sign_in(app, "xtx", DEMO_PASSWORD, DESK)

    assert wrong.status_code == 401 and "用户名或密码不正确。" in wrong.text
    assert right.status_code == 403 and "该账号已停用，请联系千百十办。" in right.text


# --- per address -------------------------------------------------------------------------------------------------


def test_many_failures_from_one_address_delay_it_with_growing_waits_but_never_refuse_it_for_good(app, clock):
    limit, cap = app.config["LOGIN_ADDRESS_MAX_FAILURES"], app.config["LOGIN_ADDRESS_MAX_DELAY_MINUTES"]
    assert limit > 20  # higher than the old flat refusal: a whole office may sit behind one proxy address
    for i in range(limit):  # what a password-spraying client leaves behind: one guess per name
        db.session.add(SignInAttempt(username=f"guess{i}", address=PROXY, succeeded=False, at=clock.now()))
    db.session.commit()

    delayed = sign_in(app, "admin", DEMO_PASSWORD, PROXY)
    assert wait_minutes(delayed) == 1
    assert signed_in(sign_in(app, "admin", DEMO_PASSWORD, DESK))  # another address is not affected

    clock.set(clock.now() + timedelta(minutes=1, seconds=1))
    assert sign_in(app, "guess-more", WRONG, PROXY).status_code == 401  # the wait is over: one more guess
    clock.set(clock.now() + timedelta(seconds=1))
    assert wait_minutes(sign_in(app, "admin", DEMO_PASSWORD, PROXY)) == 2  # and the wait grows

    # However many failures the address has, its wait never exceeds the cap.
    for i in range(20):
        db.session.add(SignInAttempt(username=f"late{i}", address=PROXY, succeeded=False, at=clock.now()))
    db.session.commit()
    assert wait_minutes(sign_in(app, "admin", DEMO_PASSWORD, PROXY)) == cap
    clock.set(clock.now() + timedelta(minutes=cap, seconds=1))
    assert signed_in(sign_in(app, "admin", DEMO_PASSWORD, PROXY))


# --- the office ----------------------------------------------------------------------------------------------


def test_the_administrator_unlocks_an_account_and_the_delays_of_all_its_pairs_end(app, client, clock, login_as,
                                                                                   user):
    fail(app, clock, "fgw", ATTACKER, app.config["LOGIN_MAX_FAILURES"])
    assert sign_in(app, "fgw", DEMO_PASSWORD, ATTACKER).status_code == 429
    admin = login_as("admin")

    response = client.post(f"/auth/users/{user('fgw').id}/unlock", follow_redirects=True)

    assert response.status_code == 200
    assert "已解除账号“fgw”的登录限制。" in response.text
    [entry] = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "user.unlock", AuditEntry.object_id == str(user("fgw").id))).all()
    assert entry.actor_id == admin.id
    assert signed_in(sign_in(app, "fgw", DEMO_PASSWORD, ATTACKER))


def _spray(clock, names, addresses):
    for name in names:
        for address in addresses:
            db.session.add(SignInAttempt(username=name, address=address, succeeded=False, at=clock.now()))
    db.session.commit()


def test_the_office_page_lists_recent_failures_by_account_and_by_address(app, client, clock, login_as):
    fail(app, clock, "fgw", ATTACKER, app.config["LOGIN_MAX_FAILURES"])
    fail(app, clock, "fgw", DESK, 1)
    fail(app, clock, "ghost-user", "198.51.100.9", 2)
    login_as("admin")

    by_account = client.get("/auth/sign-in-failures")
    by_address = client.get("/auth/sign-in-failures?by=address")

    assert by_account.status_code == by_address.status_code == 200
    assert "登录失败记录" in by_account.text
    row = by_account.text.split("fgw", 1)[1].split("</tr>", 1)[0]
    assert ATTACKER in row and DESK in row and "限制中" in row
    assert "ghost-user" in by_account.text and "198.51.100.9" in by_account.text
    assert "无此账号" in by_account.text.split("ghost-user", 1)[1].split("</tr>", 1)[0]
    for address in (ATTACKER, DESK, "198.51.100.9"):
        assert address in by_address.text
    attacker_row = by_address.text.split(ATTACKER, 1)[1].split("</tr>", 1)[0]
    assert "fgw" in attacker_row and ">5<" in attacker_row


def test_the_office_pages_query_count_does_not_grow_with_its_rows(client, clock, login_as, count_queries):
    login_as("admin")
    _spray(clock, ["few-a", "few-b"], ["192.0.2.1", "192.0.2.2"])
    counts = {}
    for label in ("few", "many"):
        if label == "many":
            _spray(clock, [f"many-{i}" for i in range(20)], [f"192.0.2.{i}" for i in range(10, 16)])
        for by in ("account", "address"):
            with count_queries() as counter:
                assert client.get(f"/auth/sign-in-failures?by={by}").status_code == 200
            counts[label, by] = counter.count
    assert counts["few", "account"] == counts["many", "account"]
    assert counts["few", "address"] == counts["many", "address"]


@pytest.mark.parametrize("username", ["gxj", "fushizhang2", "shizhang", "guancha"])
def test_only_the_office_administrator_sees_the_failures(client, login_as, username):
    login_as(username)
    assert client.get("/auth/sign-in-failures").status_code == 403
    assert client.post(f"/auth/users/{login_as(username).id}/unlock").status_code == 403


# --- the account page's "current password" is a password check too (review finding) ------------------------------

def test_guessing_the_current_password_on_the_account_page_is_throttled_like_a_sign_in(client, login_as):
    """A stolen session must not be a free oracle for the password (which, once found, changes it and ends every
    other session): wrong current passwords count for the (name, address) pair, and the pair then waits."""
    login_as("gxj")
    answers = [client.post("/auth/account", data={"current_password": f"Guess-number-{n}",
                                                  "new_password": "Harbour-Violet-2047",
                                                  "confirm": "Harbour-Violet-2047"}) for n in range(6)]
    assert [a.status_code for a in answers[:5]] == [400] * 5
    assert all("当前密码不正确。" in a.get_data(as_text=True) for a in answers[:5])
    assert answers[5].status_code == 429
    assert "登录尝试过于频繁" in answers[5].get_data(as_text=True)
    failures = db.session.scalar(sa.select(sa.func.count()).select_from(SignInAttempt).where(
        SignInAttempt.username == "gxj", SignInAttempt.succeeded.is_(False)))
    assert failures == 5
    # the right password is refused too while the pair waits, and nothing changes
    refused = client.post("/auth/account", data={"current_password": "Demo2026qbs",
                                                 "new_password": "Harbour-Violet-2047",
                                                 "confirm": "Harbour-Violet-2047"})
    assert refused.status_code == 429
    assert verify_password(db.session.scalar(sa.select(User.password_hash).where(User.username == "gxj")),
                           "Demo2026qbs")[0]


def test_a_policy_refusal_of_the_new_password_is_shown_under_the_new_password_field(client, login_as):
    login_as("gxj")
    page = client.post("/auth/account", data={"current_password": "Demo2026qbs", "new_password": "short",
                                              "confirm": "short"})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    field = html[html.index('name="new_password"'):]
    assert "密码至少需要 10 个字符" in field[:1500]
