"""Small helpers shared by several test modules (fixtures live in tests/conftest.py)."""

import re

CHINESE = re.compile(r"[\u4e00-\u9fff]")


# --- browser sessions ---------------------------------------------------------------------------------------

def client_signed_in_as(app, account):
    """A second browser for the same or another account (login_as only drives the default client)."""
    from app.auth.services import open_session
    from app.extensions import db

    _, token = open_session(account, address="127.0.0.1", user_agent="pytest")
    db.session.commit()  # as a sign-in commits (see login_as in conftest)
    other = app.test_client()
    with other.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
    return other


def expect_sign_in_page(response):
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


# --- JSON API -----------------------------------------------------------------------------------------------

def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def assert_json_error(response, status, code=None, field=None, message=None):
    """A refusal of the API: JSON with a machine `code`, a Chinese `message` (containing `message` when given)
    and, for a bad field, that field's message under `errors`."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert isinstance(body.get("code"), str) and re.fullmatch(r"[a-z_]+", body["code"]), body
    if code is not None:
        assert body["code"] == code, body
    assert isinstance(body.get("message"), str) and CHINESE.search(body["message"]), body
    if field is not None:
        assert body["errors"] == {field: [body["message"]]}, body
    if message is not None:
        assert message in body["message"], body
    return body


def assert_ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def refused_writing_nothing(call, counts, *fragments, status=422):
    """`call()` raises a ServiceError with `status` and a Chinese message containing `fragments`, and `counts()`
    (the row counts a test cares about) are the same afterwards: a refusal writes nothing."""
    import pytest

    from app.core.errors import ServiceError

    before = counts()
    with pytest.raises(ServiceError) as caught:
        call()
    assert caught.value.status == status, caught.value.message
    assert CHINESE.search(caught.value.message)
    for fragment in fragments:
        assert fragment in caught.value.message, caught.value.message
    assert counts() == before
    return caught.value
