"""The permission matrix: every endpoint of the app, what each role gets, and checks that keep the matrix whole.

ROUTES has one line per (endpoint, method). When you add a route, add its line here: the test
`test_the_matrix_lists_every_route` fails until you do and prints the line to start from.

URL samples use placeholders such as {unit} that are resolved at test time (see SAMPLES) to rows of the
seeded organisation, or to rows a sample creates through the services where nothing is seeded (a task, its
evidence, a notification ...). Expected results, per role column:
  200, 302, 403, 401 ...  exactly this status
  LOGIN                   302 to the sign-in page (anonymous on a page or a form)
  DONE                    the request was allowed: not 401/403 and not 5xx (an empty form may well be a 400)
API routes (endpoint api.*) are called with a bearer token of the role's demo user (none for anonymous).
"""

import io
import re
import string
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.auth import services as auth_services
from app.auth.models import User
from app.core.calendar import set_override
from app.core.clock import today
from app.core.models import AuditEntry
from app.core.permissions import PERMISSIONS, PUBLIC, allowed
from app.extensions import db
from app.org.models import Chain, Person, Plan, Position, Unit
from app.reminders.models import Channel, Notification, OutboxMessage
from app.tasks import services as task_services
from app.tasks.files import store_evidence
from app.tasks.models import Task

LOGIN = "LOGIN"
DONE = "DONE"

# role column -> demo account (None: not signed in)
ROLES = {"anonymous": None, "staff": "gxj", "leader": "fushizhang", "observer": "guancha", "admin": "admin"}

# A line per endpoint and method:
# (endpoint, method, sample URL, anonymous, staff, leader, observer, admin)
ROUTES = [
    ("core.home", "GET", "/", LOGIN, 200, 200, 200, 200),
    # auth: sign-in, own account and tokens
    ("auth.login", "GET", "/auth/login", 200, 302, 302, 302, 302),
    ("auth.login", "POST", "/auth/login", DONE, DONE, DONE, DONE, DONE),
    ("auth.logout", "POST", "/auth/logout", LOGIN, DONE, DONE, DONE, DONE),
    ("auth.account", "GET", "/auth/account", LOGIN, 200, 200, 200, 200),
    ("auth.account", "POST", "/auth/account", LOGIN, DONE, DONE, DONE, DONE),
    ("auth.create_token", "POST", "/auth/tokens", LOGIN, DONE, DONE, DONE, DONE),
    ("auth.revoke_token", "POST", "/auth/tokens/{token}/revoke", LOGIN, DONE, DONE, DONE, DONE),
    # auth: user administration
    ("auth.users", "GET", "/auth/users", LOGIN, 403, 403, 403, 200),
    ("auth.create_user", "GET", "/auth/users/new", LOGIN, 403, 403, 403, 200),
    ("auth.create_user", "POST", "/auth/users/new", LOGIN, 403, 403, 403, DONE),
    ("auth.edit_user", "GET", "/auth/users/{user}", LOGIN, 403, 403, 403, 200),
    ("auth.edit_user", "POST", "/auth/users/{user}", LOGIN, 403, 403, 403, DONE),
    ("auth.reset_password", "POST", "/auth/users/{user}/password", LOGIN, 403, 403, 403, DONE),
    ("auth.set_active", "POST", "/auth/users/{user}/active", LOGIN, 403, 403, 403, DONE),
    # org: pages everyone signed in reads
    ("org.units", "GET", "/org/units", LOGIN, 200, 200, 200, 200),
    ("org.unit", "GET", "/org/units/{unit}", LOGIN, 200, 200, 200, 200),
    ("org.plans", "GET", "/org/plans", LOGIN, 200, 200, 200, 200),
    ("org.plan", "GET", "/org/plans/{plan}", LOGIN, 200, 200, 200, 200),
    ("org.leadership", "GET", "/org/leadership", LOGIN, 200, 200, 200, 200),
    # org: administration
    ("org.edit_unit", "GET", "/org/units/{unit}/edit", LOGIN, 403, 403, 403, 200),
    ("org.edit_unit", "POST", "/org/units/{unit}/edit", LOGIN, 403, 403, 403, DONE),
    ("org.people", "GET", "/org/people", LOGIN, 403, 403, 403, 200),
    ("org.create_person", "GET", "/org/people/new", LOGIN, 403, 403, 403, 200),
    ("org.create_person", "POST", "/org/people/new", LOGIN, 403, 403, 403, DONE),
    ("org.person", "GET", "/org/people/{person}", LOGIN, 403, 403, 403, 200),
    ("org.person", "POST", "/org/people/{person}", LOGIN, 403, 403, 403, DONE),
    ("org.add_position", "POST", "/org/people/{person}/positions", LOGIN, 403, 403, 403, DONE),
    ("org.add_membership", "POST", "/org/people/{person}/memberships", LOGIN, 403, 403, 403, DONE),
    ("org.add_portfolio", "POST", "/org/people/{person}/portfolio", LOGIN, 403, 403, 403, DONE),
    ("org.end_record", "POST", "/org/people/{person}/position/{position}/end", LOGIN, 403, 403, 403, DONE),
    ("org.edit_chain", "GET", "/org/chains/{chain}", LOGIN, 403, 403, 403, 200),
    ("org.edit_chain", "POST", "/org/chains/{chain}", LOGIN, 403, 403, 403, DONE),
    # core: working-day calendar administration
    ("core.calendar", "GET", "/admin/calendar", LOGIN, 403, 403, 403, 200),
    ("core.calendar", "POST", "/admin/calendar", LOGIN, 403, 403, 403, DONE),
    ("core.calendar_import", "POST", "/admin/calendar/import", LOGIN, 403, 403, 403, DONE),
    ("core.calendar_delete", "POST", "/admin/calendar/{override}/delete", LOGIN, 403, 403, 403, DONE),
    # tasks: lists, assigning, import, dispatch list ({task}: a task of 市工信局, gxj's unit, assigned by admin)
    ("tasks.inbox", "GET", "/tasks/inbox", LOGIN, 200, 403, 403, 200),
    ("tasks.overview", "GET", "/tasks/", LOGIN, 403, 200, 200, 200),
    ("tasks.assign", "GET", "/tasks/new", LOGIN, 403, 200, 403, 200),
    ("tasks.assign", "POST", "/tasks/new", LOGIN, 403, DONE, 403, DONE),
    ("tasks.workday", "GET", "/tasks/workday?date=2026-03-10", LOGIN, 403, 200, 403, 200),
    ("tasks.import_tasks", "GET", "/tasks/import", LOGIN, 403, 200, 403, 200),
    ("tasks.import_tasks", "POST", "/tasks/import", LOGIN, 403, DONE, 403, DONE),
    ("tasks.import_template", "GET", "/tasks/import/template.xlsx", LOGIN, 403, 200, 403, 200),
    ("tasks.dispatch", "GET", "/tasks/dispatch?person={person}", LOGIN, 403, 200, 200, 200),
    ("tasks.dispatch_excel", "GET", "/tasks/dispatch.xlsx?person={person}", LOGIN, 403, 200, 200, 200),
    # tasks: one task (object rules are checked by the services: 404 or a flashed refusal, never 403)
    ("tasks.detail", "GET", "/tasks/{task}", LOGIN, 200, 200, 200, 200),
    ("tasks.evidence", "GET", "/tasks/{task}/files/{file}", LOGIN, 200, 200, 200, 200),
    ("tasks.accept", "POST", "/tasks/{task}/accept", LOGIN, DONE, DONE, DONE, DONE),
    ("tasks.follow_up", "POST", "/tasks/{task}/follow-up", LOGIN, DONE, DONE, DONE, DONE),
    ("tasks.request_completion", "POST", "/tasks/{task}/request-completion", LOGIN, DONE, DONE, DONE, DONE),
    ("tasks.approve_completion", "POST", "/tasks/{task}/approve-completion", LOGIN, DONE, DONE, DONE, DONE),
    ("tasks.return_task", "POST", "/tasks/{task}/return", LOGIN, DONE, DONE, DONE, DONE),
    ("tasks.request_extension", "POST", "/tasks/{task}/request-extension", LOGIN, DONE, DONE, DONE, DONE),
    ("tasks.approve_extension", "POST", "/tasks/{task}/approve-extension", LOGIN, DONE, DONE, DONE, DONE),
    ("tasks.refuse_extension", "POST", "/tasks/{task}/refuse-extension", LOGIN, DONE, DONE, DONE, DONE),
    ("tasks.urge", "POST", "/tasks/{task}/urge", LOGIN, DONE, DONE, DONE, DONE),
    ("tasks.cancel", "POST", "/tasks/{task}/cancel", LOGIN, DONE, DONE, DONE, DONE),
    # scoring ({year}: this year, {quarter}: its first quarter, {unit}: 市工信局, gxj's own unit)
    ("scoring.index", "GET", "/scoring/", LOGIN, 200, 200, 200, 200),
    ("scoring.entry", "GET", "/scoring/{year}/q{quarter}/entry", LOGIN, 200, 403, 403, 200),
    ("scoring.entry", "POST", "/scoring/{year}/q{quarter}/entry", LOGIN, DONE, 403, 403, DONE),
    ("scoring.entry_excel", "GET", "/scoring/{year}/q{quarter}/entry.xlsx?unit={unit}", LOGIN, 200, 403, 403, 200),
    ("scoring.entry_upload", "POST", "/scoring/{year}/q{quarter}/entry/upload", LOGIN, DONE, 403, 403, DONE),
    ("scoring.rules", "GET", "/scoring/{year}/rules", LOGIN, 403, 200, 200, 200),
    ("scoring.start_rules", "POST", "/scoring/{year}/rules/start", LOGIN, 403, 403, 403, DONE),
    ("scoring.edit_rules", "GET", "/scoring/{year}/rules/edit", LOGIN, 403, 403, 403, 200),
    ("scoring.edit_rules", "POST", "/scoring/{year}/rules/edit", LOGIN, 403, 403, 403, DONE),
    ("scoring.year_admin", "GET", "/scoring/{year}/admin", LOGIN, 403, 403, 403, 200),
    ("scoring.year_admin", "POST", "/scoring/{year}/admin", LOGIN, 403, 403, 403, DONE),
    ("scoring.quarter", "GET", "/scoring/{year}/q{quarter}", LOGIN, 403, 200, 200, 200),
    ("scoring.quarter_xlsx", "GET", "/scoring/{year}/q{quarter}.xlsx", LOGIN, 403, 200, 200, 200),
    ("scoring.finalize_quarter", "POST", "/scoring/{year}/q{quarter}/finalize", LOGIN, 403, 403, 403, DONE),
    ("scoring.reopen_quarter", "POST", "/scoring/{year}/q{quarter}/reopen", LOGIN, 403, 403, 403, DONE),
    ("scoring.year", "GET", "/scoring/{year}", LOGIN, 403, 200, 200, 200),
    ("scoring.year_xlsx", "GET", "/scoring/{year}.xlsx", LOGIN, 403, 200, 200, 200),
    ("scoring.unit", "GET", "/scoring/units/{unit}", LOGIN, 200, 200, 200, 200),
    ("scoring.unit_trend", "GET", "/scoring/units/{unit}/trend.svg", LOGIN, 200, 200, 200, 200),
    ("scoring.office_explain", "GET", "/scoring/{year}/q{quarter}/units/{unit}/office", LOGIN, 200, 200, 200, 200),
    # reminders ({notification}: one of gxj's; {message}: an outbox message to gxj)
    ("reminders.index", "GET", "/reminders/", LOGIN, 200, 200, 200, 200),
    ("reminders.read", "POST", "/reminders/{notification}/read", LOGIN, DONE, DONE, DONE, DONE),
    ("reminders.read_all", "POST", "/reminders/read-all", LOGIN, DONE, DONE, DONE, DONE),
    ("reminders.preferences", "GET", "/reminders/preferences", LOGIN, 200, 200, 200, 200),
    ("reminders.preferences", "POST", "/reminders/preferences", LOGIN, DONE, DONE, DONE, DONE),
    ("reminders.units", "GET", "/reminders/units", LOGIN, 403, 403, 403, 200),
    ("reminders.unit_channels", "GET", "/reminders/units/{unit}/channels", LOGIN, 403, 403, 403, 200),
    ("reminders.unit_channels", "POST", "/reminders/units/{unit}/channels", LOGIN, 403, 403, 403, DONE),
    ("reminders.office", "GET", "/reminders/office", LOGIN, 403, 403, 403, 200),
    ("reminders.retry", "POST", "/reminders/outbox/{message}/retry", LOGIN, 403, 403, 403, DONE),
    ("reminders.cancel", "POST", "/reminders/outbox/{message}/cancel", LOGIN, 403, 403, 403, DONE),
    ("reminders.rules", "GET", "/reminders/rules", LOGIN, 403, 403, 403, 200),
    ("reminders.rules", "POST", "/reminders/rules", LOGIN, 403, 403, 403, DONE),
    # JSON API v1 (bearer tokens)
    ("api.openapi", "GET", "/api/v1/openapi.json", 200, 200, 200, 200, 200),
    ("api.me", "GET", "/api/v1/me", 401, 200, 200, 200, 200),
    ("api.units", "GET", "/api/v1/units", 401, 200, 200, 200, 200),
    ("api.unit", "GET", "/api/v1/units/{unit}", 401, 200, 200, 200, 200),
    ("api.plans", "GET", "/api/v1/plans", 401, 200, 200, 200, 200),
    ("api.people", "GET", "/api/v1/people", 401, 200, 200, 200, 200),
    ("api.people_create_post", "POST", "/api/v1/people", 401, 403, 403, 403, DONE),
    ("api.task_list", "GET", "/api/v1/tasks", 401, 200, 200, 200, 200),
    ("api.task_create_post", "POST", "/api/v1/tasks", 401, 403, DONE, 403, DONE),
    ("api.task_detail", "GET", "/api/v1/tasks/{task}", 401, 200, 200, 200, 200),
    ("api.task_follow_ups", "GET", "/api/v1/tasks/{task}/follow-ups", 401, 200, 200, 200, 200),
    ("api.task_follow_up_create_post", "POST", "/api/v1/tasks/{task}/follow-ups", 401, DONE, 403, 403, DONE),
    ("api.task_accept_post", "POST", "/api/v1/tasks/{task}/accept", 401, DONE, 403, 403, DONE),
    ("api.task_request_completion_post", "POST", "/api/v1/tasks/{task}/request-completion", 401, DONE, 403, 403, DONE),
    ("api.task_approve_completion_post", "POST", "/api/v1/tasks/{task}/approve-completion", 401, 403, DONE, 403, DONE),
    ("api.task_return_post", "POST", "/api/v1/tasks/{task}/return", 401, 403, DONE, 403, DONE),
    ("api.task_request_extension_post", "POST", "/api/v1/tasks/{task}/request-extension", 401, DONE, 403, 403, DONE),
    ("api.task_approve_extension_post", "POST", "/api/v1/tasks/{task}/approve-extension", 401, 403, DONE, 403, DONE),
    ("api.task_refuse_extension_post", "POST", "/api/v1/tasks/{task}/refuse-extension", 401, 403, DONE, 403, DONE),
    ("api.task_urge_post", "POST", "/api/v1/tasks/{task}/urge", 401, 403, DONE, 403, DONE),
    ("api.task_cancel_post", "POST", "/api/v1/tasks/{task}/cancel", 401, 403, DONE, 403, DONE),
    ("api.scoring_rules", "GET", "/api/v1/scoring/{year}/rules", 401, 200, 200, 200, 200),
    ("api.scoring_entries", "GET", "/api/v1/scoring/{year}/q/{quarter}/entries", 401, 200, 200, 200, 200),
    ("api.scoring_entries_save_post", "POST", "/api/v1/scoring/{year}/q/{quarter}/entries", 401, DONE, 403, 403, DONE),
    ("api.scoring_quarter", "GET", "/api/v1/scoring/{year}/q/{quarter}", 401, 200, 200, 200, 200),
    ("api.scoring_explanation", "GET", "/api/v1/scoring/{year}/q/{quarter}/units/{unit}/explanation", 401, 200, 200, 200, 200),  # noqa: E501
    ("api.scoring_finalize_post", "POST", "/api/v1/scoring/{year}/q/{quarter}/finalize", 401, 403, 403, 403, DONE),
    ("api.scoring_reopen_post", "POST", "/api/v1/scoring/{year}/q/{quarter}/reopen", 401, 403, 403, 403, DONE),
    ("api.scoring_year", "GET", "/api/v1/scoring/{year}", 401, 200, 200, 200, 200),
    ("api.dispatch", "GET", "/api/v1/dispatch?person_id={person}", 401, 403, 200, 200, 200),
]

IGNORED_ENDPOINTS = {"static", "bootstrap.static"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _user(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def _first(statement):
    found = db.session.scalar(statement.limit(1))
    assert found is not None, f"the seeded data has no row for {statement}"
    return found


def _token_id(get):
    token, _ = auth_services.create_token(_user("fgw"), _user("fgw"), "权限矩阵")
    db.session.flush()
    return token.id


def _task_id(get):
    """No task is seeded: assign one to 市工信局 (gxj's unit) through the service, as the office would."""
    gxj_unit = db.session.get(Unit, _user("gxj").unit_id)
    task = task_services.assign_task(_user("admin"), title="权限矩阵样例事项", lead_unit=gxj_unit,
                                     due_on=today() + timedelta(days=30), today=today())
    return task.id


def _evidence_id(get):
    task = db.session.get(Task, get("task"))
    upload = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="佐证材料.pdf", content_type="application/pdf")
    return store_evidence(_user("gxj"), task, None, upload).id


def _override_id(get):
    return set_override(_user("admin"), date(2031, 10, 11), True, "调休上班").id


def _notification_id(get):
    notification = Notification(user_id=_user("gxj").id, title="事项即将到期", body="请及时办理。", link="/tasks/")
    db.session.add(notification)
    db.session.flush()
    return notification.id


def _outbox_id(get):
    gxj = _user("gxj")
    message = OutboxMessage(rule="task_due_soon", subject_type="task", subject_id="0", recipient_key=f"user:{gxj.id}",
                            user_id=gxj.id, occasion="权限矩阵", channel=Channel.email, title="事项即将到期",
                            body="请及时办理。")
    db.session.add(message)
    db.session.flush()
    return message.id


# placeholder -> function(get) returning the value of a real row, called only when a URL needs it;
# get(name) gives another placeholder's value for the same URL (a task's file belongs to that task)
SAMPLES = {
    "unit": lambda get: _first(sa.select(Unit.id).where(Unit.name == "市工信局")),
    "plan": lambda get: _first(sa.select(Plan.code).order_by(Plan.sort_order)),
    "person": lambda get: _first(sa.select(Person.id).where(Person.name == "杨晓军")),
    "position": lambda get: _first(sa.select(Position.id).join(Person).where(Person.name == "杨晓军")),
    "chain": lambda get: _first(sa.select(Chain.id).order_by(Chain.sort_order)),
    "user": lambda get: _user("kjj").id,
    "token": _token_id,
    "task": _task_id,
    "file": _evidence_id,
    "override": _override_id,
    "notification": _notification_id,
    "message": _outbox_id,
    "year": lambda get: today().year,
    "quarter": lambda get: 1,
}


def resolve(template):
    """The sample URL with its placeholders replaced by ids of real rows."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    unknown = names - set(SAMPLES)
    assert not unknown, f"add a sample for {sorted(unknown)} to SAMPLES in tests/test_permissions.py"
    values = {}

    def get(name):
        if name not in values:
            values[name] = SAMPLES[name](get)
        return values[name]

    return template.format(**{name: get(name) for name in names})


def sample_template(rule):
    """/tasks/<int:task_id>/files/<int:file_id> -> /tasks/{task}/files/{file}: a starting point for a new line."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>:]+?)(?:_id)?>", r"{\1}", rule)


def _route_rules(app):
    return {(rule.endpoint, method): rule.rule for rule in app.url_map.iter_rules()
            if rule.endpoint not in IGNORED_ENDPOINTS for method in rule.methods - IGNORED_METHODS}


def _cases():
    for endpoint, method, url, *expected in ROUTES:
        for role, expect in zip(ROLES, expected, strict=True):
            yield pytest.param(endpoint, method, url, role, expect, id=f"{endpoint}-{method}-{role}")


def _request(client, login_as, api_token, endpoint, method, url, role):
    username = ROLES[role]
    headers = {}
    if endpoint.startswith("api."):
        if username:
            headers["Authorization"] = f"Bearer {api_token(username)}"
    elif username:
        login_as(username)
    path = resolve(url)
    response = client.open(path, method=method, headers=headers)
    response.get_data()
    response.close()  # keep the body, release a sent file
    return response, path


# --- the matrix is complete and consistent ---------------------------------------------------------------

def test_the_matrix_lists_every_route(app):
    listed = [(endpoint, method) for endpoint, method, *_ in ROUTES]
    duplicates = {line for line in listed if listed.count(line) > 1}
    assert not duplicates, f"ROUTES lists these more than once: {sorted(duplicates)}"
    routes = _route_rules(app)
    missing = sorted(set(routes) - set(listed))
    assert not missing, (
        "endpoints missing from ROUTES in tests/test_permissions.py; add a line for each, with the expected "
        "result per role (and a SAMPLES entry for a new placeholder):\n" + "\n".join(
            f'    ("{e}", "{m}", "{sample_template(routes[e, m])}", anonymous, staff, leader, observer, admin),'
            for e, m in missing))
    stale = sorted(set(listed) - set(routes))
    assert not stale, f"ROUTES lists endpoints the app no longer has; remove them: {stale}"


@pytest.mark.parametrize(("endpoint", "method", "url"), [pytest.param(*r[:3], id=f"{r[0]}-{r[1]}") for r in ROUTES])
def test_each_sample_url_reaches_its_endpoint(app, endpoint, method, url):
    adapter = app.url_map.bind("localhost")
    path = urlsplit(resolve(url)).path
    matched, _ = adapter.match(path, method=method)
    assert matched == endpoint, f"{method} {path} reaches {matched}, not {endpoint}"


def test_every_view_declares_a_known_permission(app):
    undeclared = sorted(endpoint for endpoint, view in app.view_functions.items()
                        if endpoint not in IGNORED_ENDPOINTS and getattr(view, "permission", None) is None)
    assert not undeclared, ("views without a declared permission; decorate them with "
                            f"app.core.permissions.require(...) or app.api.base.route(...): {undeclared}")
    unknown = {endpoint: view.permission for endpoint, view in app.view_functions.items()
               if endpoint not in IGNORED_ENDPOINTS and view.permission not in PERMISSIONS}
    assert not unknown, f"views naming a permission that app.core.permissions.PERMISSIONS lacks: {unknown}"


def test_the_matrix_agrees_with_the_declared_permissions(app, user):
    """A 403 in the table exactly where the view's permission refuses the role; anonymous only on public views."""
    accounts = {role: user(name) for role, name in ROLES.items() if name}
    wrong = []
    for endpoint, method, _, *expected in ROUTES:
        permission = app.view_functions[endpoint].permission
        by_role = dict(zip(ROLES, expected, strict=True))
        anonymous_refused = by_role["anonymous"] in (LOGIN, 401)
        if anonymous_refused == (permission == PUBLIC):
            wrong.append((endpoint, method, "anonymous", permission))
        for role, account in accounts.items():
            if (by_role[role] == 403) == allowed(account, permission):
                wrong.append((endpoint, method, role, permission))
    assert not wrong, f"ROUTES disagrees with the views' declared permissions: {wrong}"


# --- the matrix, request by request ----------------------------------------------------------------------

@pytest.mark.parametrize(("endpoint", "method", "url", "role", "expected"), list(_cases()))
def test_route_answers_each_role_as_the_matrix_says(client, login_as, api_token, endpoint, method, url, role,
                                                    expected):
    response, path = _request(client, login_as, api_token, endpoint, method, url, role)
    status = response.status_code
    described = f"{method} {path} as {role}: {status} {response.headers.get('Location', '')}"
    if expected == LOGIN:
        assert status == 302, described
        location = urlsplit(response.headers["Location"])
        assert location.path == "/auth/login", described
        back_to = parse_qs(location.query).get("next")
        # a GET comes back to the page after signing in; a POST-only URL cannot be replayed
        assert back_to == ([path] if method == "GET" else None), described
    elif expected == DONE:
        assert status < 500 and status not in (401, 403), described
    else:
        assert status == expected, described
    if endpoint.startswith("api.") and status >= 400:
        body = response.get_json()
        assert body["code"] and body["message"], described
    elif status == 403:
        assert "没有权限" in response.text, described


# --- reading changes nothing -----------------------------------------------------------------------------

def _fingerprint():
    """Row counts of every table, and what a sign-in or a session change would touch on users."""
    existing = set(sa.inspect(db.session.connection()).get_table_names())  # a model's migration may lag
    counts = {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
              for table in db.metadata.sorted_tables if table.name in existing}
    users = db.session.execute(sa.select(sa.func.max(User.updated_at), sa.func.sum(User.session_version),
                                         sa.func.sum(User.failed_sign_ins))).one()
    return counts, tuple(users)


GET_ROUTES = [pytest.param(endpoint, url, id=endpoint) for endpoint, method, url, *_ in ROUTES if method == "GET"]


@pytest.mark.parametrize(("endpoint", "url"), GET_ROUTES)
def test_get_changes_no_data(client, login_as, api_token, endpoint, url):
    headers = {}
    if endpoint.startswith("api."):
        headers["Authorization"] = f"Bearer {api_token('admin')}"
    else:
        login_as("admin")
    path = resolve(url)
    audits, accounts = (db.session.scalar(sa.select(sa.func.count()).select_from(model))
                        for model in (AuditEntry, User))
    before = _fingerprint()
    response = client.get(path, headers=headers)
    response.close()
    assert response.status_code < 400, f"GET {path}: {response.status_code}"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audits, f"GET {path} audited"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == accounts, f"GET {path} wrote users"
    assert _fingerprint() == before, f"GET {path} changed data"
