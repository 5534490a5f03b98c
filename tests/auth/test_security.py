"""Security across the site: declared permissions, Chinese 403/404/405 pages, CSRF on every form, no state
change over GET, `next` validation, security headers and cookie flags (also under the production config)."""

import re

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from app import create_app
from app.auth.models import SignInAttempt, User
from app.auth.passwords import DEMO_PASSWORD
from app.core.models import AuditEntry
from app.core.permissions import PERMISSIONS, PUBLIC
from app.core.security import CSP
from app.core.urls import safe_next
from app.extensions import db
from app.org.models import Chain, Person, Plan, Unit
from config import ProductionConfig

WRITES = ("INSERT", "UPDATE", "DELETE")
CSRF_MESSAGE = "页面已过期或表单校验失败，请刷新页面后重新提交。"
NOT_VIEWS = {"static", "bootstrap.static"}


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def csrf_token_in(html):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


def writes(statements):
    return [s for s in statements if s.lstrip().upper().startswith(WRITES)]


def page_rules(app):
    """The URL rules of the pages (not the JSON API, which uses bearer tokens, and not static files)."""
    return sorted((r for r in app.url_map.iter_rules()
                   if r.endpoint not in NOT_VIEWS and not r.endpoint.startswith("api.")), key=lambda r: r.rule)


def sample_url(rule, samples):
    values = {}
    for name in rule.arguments:
        if name in samples:
            values[name] = samples[name]
        else:  # a view added later: any well-formed value still exercises the rule
            values[name] = 1 if isinstance(rule._converters.get(name), IntegerConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


@pytest.fixture
def samples(user):
    def first(column):
        return db.session.scalar(sa.select(column).order_by(column).limit(1))

    return {"unit_id": first(Unit.id), "person_id": first(Person.id), "chain_id": first(Chain.id),
            "code": first(Plan.code), "user_id": user("gxj").id, "token_id": 1, "record_id": 1,
            "kind": "positions"}


# --- permissions ---------------------------------------------------------------------------------------------


def test_every_view_declares_a_known_permission(app):
    missing = [r.endpoint for r in app.url_map.iter_rules()
               if r.endpoint not in NOT_VIEWS
               and getattr(app.view_functions[r.endpoint], "permission", None) not in PERMISSIONS]
    assert missing == []


def test_every_page_but_sign_in_sends_anonymous_users_to_sign_in(app, client, samples):
    public = []
    for rule in page_rules(app):
        permission = app.view_functions[rule.endpoint].permission
        url = sample_url(rule, samples)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        if permission == PUBLIC:
            public.append(rule.endpoint)
            continue
        assert response.status_code == 302, (method, url, response.status_code)
        assert response.headers["Location"].startswith("/auth/login"), (method, url)
    # the sign-in page, and the iCalendar feed that calendar programs fetch with the secret token in its URL
    # (an unknown token is a 404: tests/meetings/test_calendar_feed.py)
    assert public == ["auth.login", "meetings.ical_feed"]


ROLES = {"shuji": "leader", "fushizhang": "leader", "gxj": "staff", "guancha": "observer"}


@pytest.mark.parametrize("username", list(ROLES))
def test_every_administrator_page_and_action_gives_other_roles_the_chinese_403(app, client, login_as, samples,
                                                                             username, count_queries):
    login_as(username)
    admin_rules = [r for r in page_rules(app) if app.view_functions[r.endpoint].permission == "admin"]
    assert {"auth.users", "auth.create_user", "auth.reset_password", "auth.set_active"} <= {
        r.endpoint for r in admin_rules}

    with count_queries() as counter:
        for rule in admin_rules:
            url = sample_url(rule, samples)
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = client.open(url, method=method, data={"active": "0", "password": "Fresh-pass-2026"})
                assert response.status_code == 403, (method, url, response.status_code)
                assert "没有权限" in response.text, (method, url)
    assert writes(counter.statements) == []


def test_the_observer_is_refused_every_action_behind_a_role_permission(app, client, login_as, samples,
                                                                       count_queries):
    """Read-only: the only POSTs an observer passes the permission check of are sign-out and its own account
    (`signed_in`), whose services check the object itself."""
    login_as("guancha")
    guarded = [r for r in page_rules(app) if "POST" in r.methods
               and app.view_functions[r.endpoint].permission not in (PUBLIC, "signed_in")]
    assert len(guarded) >= 10

    with count_queries() as counter:
        for rule in guarded:
            response = client.post(sample_url(rule, samples), data={"active": "0"})
            assert response.status_code == 403, (rule.rule, response.status_code)
    assert writes(counter.statements) == []


def test_the_forbidden_page_is_chinese_and_offers_the_way_home(client, login_as):
    login_as("guancha")
    response = client.get("/auth/users")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "403 · 没有权限" in response.text
    assert "您的账号没有访问此页面或执行此操作的权限。如需开通，请联系千百十办。" in response.text
    assert "返回首页" in response.text


def test_the_api_refuses_a_non_administrator_in_chinese_json(client, api_token):
    token = api_token("guancha")

    response = client.post("/api/v1/people", json={"name": "某某"}, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 403
    assert response.json == {"code": "forbidden", "message": "您的账号无权执行此操作。"}


def test_the_api_refuses_a_missing_token_in_chinese_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "Bearer" in response.json["message"] and "令牌" in response.json["message"]


# --- CSRF on every form --------------------------------------------------------------------------------------


def test_sign_in_without_a_csrf_token_is_refused_in_chinese_and_not_counted(client, csrf_on):
    response = client.post("/auth/login", data={"username": "admin", "password": DEMO_PASSWORD})

    assert response.status_code == 400
    assert CSRF_MESSAGE in response.text
    assert count(SignInAttempt) == 0
    with client.session_transaction() as sess:
        assert "_user_id" not in sess


def test_sign_in_with_the_token_of_the_form_works(client, csrf_on):
    token = csrf_token_in(client.get("/auth/login").text)

    response = client.post("/auth/login", data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": token})

    assert response.status_code == 302
    assert client.get("/auth/account").status_code == 200


def test_a_forged_csrf_token_is_refused(client, csrf_on):
    client.get("/auth/login")
    response = client.post("/auth/login", data={"username": "admin", "password": DEMO_PASSWORD,
                                                "csrf_token": "forged.token.value"})
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.text


def test_sign_out_needs_the_token_of_the_page(client, login_as, csrf_on):
    login_as("gxj")

    refused = client.post("/auth/logout")
    assert refused.status_code == 400 and CSRF_MESSAGE in refused.text
    assert client.get("/auth/account").status_code == 200

    token = csrf_token_in(client.get("/auth/account").text)
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/auth/account").status_code == 302


def test_every_form_post_without_a_csrf_token_is_refused_and_writes_nothing(app, client, login_as, samples,
                                                                           csrf_on, count_queries):
    login_as("admin")
    post_rules = [r for r in page_rules(app) if "POST" in r.methods]
    assert len(post_rules) >= 10
    users, audits = count(User), count(AuditEntry)

    with count_queries() as counter:
        for rule in post_rules:
            url = sample_url(rule, samples)
            response = client.post(url, data={"active": "0", "password": "Fresh-pass-2026", "name": "x"})
            assert response.status_code == 400, (url, response.status_code)
            assert CSRF_MESSAGE in response.text, url
    assert writes(counter.statements) == []
    assert (count(User), count(AuditEntry)) == (users, audits)


def post_forms(html):
    return re.findall(r"<form[^>]*method=\"post\".*?</form>", html, flags=re.S)


def test_every_form_renders_a_csrf_token(app, client, login_as, user, csrf_on):
    [sign_in_form] = post_forms(client.get("/auth/login").text)
    assert 'name="csrf_token"' in sign_in_form
    login_as("admin")
    for url in ("/", "/auth/account", "/auth/users", "/auth/users/new", f"/auth/users/{user('gxj').id}"):
        forms = post_forms(client.get(url).text)
        assert forms, url
        for form in forms:
            assert 'name="csrf_token"' in form, (url, form[:120])


# --- no state change over GET --------------------------------------------------------------------------------


def test_no_page_changes_anything_over_get(app, client, login_as, samples, count_queries):
    login_as("admin")
    get_rules = [r for r in page_rules(app) if "GET" in r.methods]

    with count_queries() as counter:
        for rule in get_rules:
            client.get(sample_url(rule, samples)).close()
    assert writes(counter.statements) == []


def test_actions_refuse_get_with_the_chinese_405_page(app, client, login_as, samples):
    login_as("admin")
    get_urls = {r.rule for r in page_rules(app) if "GET" in r.methods}
    # a POST-only action whose URL is also a page (e.g. /meetings/feed: the page, and "make a new feed URL")
    # answers GET with that page, not with a 405
    post_only = [r for r in page_rules(app) if "POST" in r.methods and "GET" not in r.methods
                 and r.rule not in get_urls]
    assert {"auth.logout", "auth.reset_password", "auth.set_active", "auth.create_token"} <= {
        r.endpoint for r in post_only}
    for rule in post_only:
        response = client.get(sample_url(rule, samples))
        assert response.status_code == 405, rule.rule
        assert "操作方式不正确" in response.text


# --- `next` --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "/", "/auth/users", "/auth/users?q=gxj", "/org/units/3", "/tasks/?page=2#top",
])
def test_a_path_on_this_site_is_a_safe_next(target):
    assert safe_next(target, "DEFAULT") == target


@pytest.mark.parametrize("target", [
    None, "", "   ", "//evil.example", "https://evil.example", "http://evil.example/auth/login",
    "HTTPS://evil.example", "///evil.example", "////evil.example", "/\\evil.example", "\\\\evil.example",
    "\\/evil.example", "/\t/evil.example", "/\n/evil.example", " //evil.example", "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "evil.example", "auth/users", "https:evil.example",
    "//evil.example/%2F..", 42, ["/"],
])
def test_anything_else_is_not_a_safe_next(target):
    assert safe_next(target, "DEFAULT") == "DEFAULT"


# --- headers and cookies -------------------------------------------------------------------------------------


def header_cases():
    return [
        ("sign-in page", None, "GET", "/auth/login", 200),
        ("redirect to sign-in", None, "GET", "/", 302),
        ("home page", "gxj", "GET", "/", 200),
        ("forbidden", "gxj", "GET", "/auth/users", 403),
        ("not found", "gxj", "GET", "/no/such/page", 404),
        ("wrong method", "gxj", "GET", "/auth/logout", 405),
        ("form error", None, "POST", "/auth/login", 400),
        ("static file", None, "GET", "/static/css/app.css", 200),
        ("api error", None, "GET", "/api/v1/me", 401),
    ]


@pytest.mark.parametrize(("who", "method", "path", "status"), [c[1:] for c in header_cases()],
                         ids=[c[0] for c in header_cases()])
def test_every_response_carries_the_security_headers(client, login_as, who, method, path, status):
    if who:
        login_as(who)

    response = client.open(path, method=method)
    response.close()

    assert response.status_code == status
    csp = response.headers["Content-Security-Policy"]
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";")}
    assert directives["default-src"] == "default-src 'self'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # only when cookies are Secure (production)


@pytest.mark.parametrize("who", [None, "admin", "gxj"])
def test_pages_load_scripts_and_styles_from_the_app_not_a_cdn(client, login_as, user, who):
    # No inline script, handler or style in any template: tests/test_templates.py scans them all.
    if who:
        login_as(who)
    for path in ("/auth/login", "/", "/auth/account", "/auth/users", f"/auth/users/{user('gxj').id}"):
        html = client.get(path, follow_redirects=True).text
        for src in re.findall(r"<(?:script|link)[^>]*(?:src|href)=\"([^\"]+)\"", html):
            assert src == "data:," or (src.startswith("/") and not src.startswith("//")), (path, src)  # no CDN


def test_the_session_cookie_is_http_only_and_same_site_lax(client, csrf_on):
    response = client.get("/auth/login")  # the CSRF token goes into the session

    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the test and development configs serve plain HTTP


def test_a_tampered_session_cookie_means_signed_out(client, login_as):
    login_as("admin")
    value = client.get_cookie("session").value
    client.set_cookie("session", value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB"))

    response = client.get("/auth/users")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.fixture(scope="module")
def production_app(app):
    return create_app(ProductionConfig, {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "production-test-secret-0123456789abcdef",
    })


def test_production_config_makes_cookies_secure(production_app):
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True
    assert production_app.config["SESSION_COOKIE_SECURE"] is True
    assert production_app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert production_app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert production_app.config["WTF_CSRF_ENABLED"] is True
    assert production_app.config["DEBUG"] is False and production_app.config["TESTING"] is False


def test_production_sets_secure_cookies_and_hsts_on_sign_in(production_app):
    browser = production_app.test_client()
    https = {"base_url": "https://qbs.example.gov.cn"}

    page = browser.get("/auth/login", **https)
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == CSP
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    session_cookie = page.headers["Set-Cookie"]
    assert session_cookie.startswith("session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in session_cookie

    response = browser.post("/auth/login", data={
        "username": "guancha", "password": DEMO_PASSWORD, "remember": "y", "csrf_token": csrf_token_in(page.text),
    }, headers={"Referer": "https://qbs.example.gov.cn/auth/login"}, **https)  # HTTPS: CSRF checks the referrer

    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) >= {"session", "remember_token"}
    for cookie in cookies.values():
        for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
            assert flag in cookie, cookie
