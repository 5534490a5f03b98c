"""API tokens: an expiry chosen at creation (90 days by default, a year at most), a scope (只读 / 读写: a read-only
token is refused every write), the last use (when and from where), and revocation when the owner's password
changes (own or reset) or the owner is deactivated. The account page shows all of this; the value only once.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth import services
from app.auth.models import ApiToken, TokenScope
from app.auth.passwords import DEMO_PASSWORD
from app.core.errors import ServiceError
from app.extensions import db
from tests.helpers import assert_json_error, bearer

NEW_PASSWORD = "Fresh-pass-2026"


def token_of(user, plain):
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.prefix == plain[:10], ApiToken.user_id == user.id))


# --- revocation with the owner's password or account ---------------------------------------------------------


def test_a_token_stops_answering_after_the_owner_changes_the_password(client, login_as, api_token):
    plain = api_token("gxj")
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    login_as("gxj")

    response = client.post("/auth/account", data={
        "current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert_json_error(client.get("/api/v1/me", headers=bearer(plain)), 401, code="unauthorized")


def test_a_token_stops_answering_after_an_administrator_resets_the_password(client, user, api_token):
    plain = api_token("gxj")

    services.reset_password(user("admin"), user("gxj"), NEW_PASSWORD)
    db.session.flush()

    assert_json_error(client.get("/api/v1/me", headers=bearer(plain)), 401, code="unauthorized")
    assert token_of(user("gxj"), plain).revoked_at is not None


def test_a_token_stops_answering_after_the_owner_is_deactivated_and_stays_revoked(client, user, api_token):
    plain = api_token("gxj")

    services.set_active(user("admin"), user("gxj"), False)
    services.set_active(user("admin"), user("gxj"), True)
    db.session.flush()

    assert_json_error(client.get("/api/v1/me", headers=bearer(plain)), 401, code="unauthorized")


# --- expiry ---------------------------------------------------------------------------------------------------


def test_a_token_expires_after_ninety_days_by_default_with_a_chinese_401(client, user, clock):
    account = user("gxj")
    token, plain = services.create_token(account, account, "报表同步")
    db.session.flush()
    assert token.expires_at == clock.now() + timedelta(days=90)

    clock.set(clock.now() + timedelta(days=89, hours=23))
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200

    clock.set(clock.now() + timedelta(hours=2))
    assert_json_error(client.get("/api/v1/me", headers=bearer(plain)), 401, code="token_expired", message="已过期")


def test_the_expiry_is_chosen_on_the_account_page_and_a_year_at_most(client, login_as, clock):
    account = login_as("gxj")

    response = client.post("/auth/tokens", data={"name": "季度填报", "scope": "read", "expires_in_days": "365"})

    assert response.status_code == 302
    [token] = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == account.id)).all()
    assert token.expires_at == clock.now() + timedelta(days=365)
    assert token.scope is TokenScope.read

    refused = client.post("/auth/tokens", data={"name": "太久", "scope": "read", "expires_in_days": "366"},
                          follow_redirects=True)
    assert "令牌有效期最长 365 天，请填写 1 到 365 之间的天数。" in refused.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)
                             .where(ApiToken.user_id == account.id)) == 1


@pytest.mark.parametrize("days", [0, -1, 366, 10_000])
def test_the_service_refuses_an_expiry_outside_one_to_365_days(user, days):
    account = user("gxj")
    with pytest.raises(ServiceError) as refused:
        services.create_token(account, account, "测试", days=days)
    assert refused.value.message == "令牌有效期最长 365 天，请填写 1 到 365 之间的天数。"
    assert refused.value.field == "expires_in_days"


# --- scope ----------------------------------------------------------------------------------------------------


def test_a_read_only_token_reads_but_every_write_is_a_chinese_403(client, user):
    account = user("admin")
    _, plain = services.create_token(account, account, "只读看板", scope=TokenScope.read)
    db.session.flush()

    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    writes = [("POST", "/api/v1/tasks/1/follow-ups"), ("PATCH", "/api/v1/meeting-records/1")]
    for method, url in writes:
        response = client.open(url, method=method, json={"text": "进展"}, headers=bearer(plain))
        assert_json_error(response, 403, code="read_only_token", message="只读令牌")


def test_a_read_write_token_may_write(client, user):
    account = user("gxj")
    _, plain = services.create_token(account, account, "读写", scope=TokenScope.read_write)
    db.session.flush()

    response = client.post("/api/v1/tasks/999999/follow-ups", json={}, headers=bearer(plain))

    assert response.status_code == 404  # past the scope check: the task does not exist


# --- last use -------------------------------------------------------------------------------------------------


def test_the_last_use_records_when_and_from_where(client, user, clock):
    account = user("gxj")
    token, plain = services.create_token(account, account, "同步")
    db.session.flush()

    assert client.get("/api/v1/me", headers=bearer(plain), environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200

    db.session.refresh(token)
    assert token.last_used_at == clock.now() and token.last_used_from == "10.1.2.3"


def test_the_account_page_lists_scope_expiry_and_last_use(client, login_as, clock):
    account = login_as("gxj")
    _, plain = services.create_token(account, account, "只读看板", scope=TokenScope.read, days=30)
    services.create_token(account, account, "读写同步", scope=TokenScope.read_write)
    db.session.flush()
    client.get("/api/v1/me", headers=bearer(plain), environ_base={"REMOTE_ADDR": "10.1.2.3"})

    page = client.get("/auth/account")

    assert page.status_code == 200
    for text in ("只读看板", "读写同步", "只读", "读写", "有效期至", "最近使用", "10.1.2.3", "有效",
                 (clock.now() + timedelta(days=30)).astimezone(clock.tz).strftime("%Y-%m-%d")):
        assert text in page.text, text
    assert plain not in page.text  # the value is shown once, when created


def test_the_value_is_shown_once_on_creation(client, login_as):
    login_as("gxj")

    shown = client.post("/auth/tokens", data={"name": "一次", "scope": "read_write", "expires_in_days": "90"},
                        follow_redirects=True)

    assert "只显示这一次" in shown.text
    plain = shown.text.split("只显示这一次）：")[1].split("<")[0].strip()
    assert plain.startswith("qbs_")
    assert plain not in client.get("/auth/account").text


def test_the_openapi_document_describes_scopes_and_expiry(client):
    scheme = client.get("/api/v1/openapi.json").get_json()["components"]["securitySchemes"]["bearerAuth"]

    assert "只读" in scheme["description"] and "过期" in scheme["description"]
