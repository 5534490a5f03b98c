"""The permission matrix of tests/permission_matrix.py, checked route by route and role by role, and the
object-level rules behind it: a unit sees and acts on its own tasks only, an assessor enters only its own
component, a vice mayor sees only their own dispatch list, and ids of another unit's rows cannot be probed."""

import io
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from app.auth.models import Role, User
from app.core.clock import today
from app.core.models import AuditEntry
from app.core.permissions import PERMISSIONS, PUBLIC, allowed
from app.extensions import db
from app.meetings import services as meeting_services
from app.meetings.cadence import period_of
from app.meetings.models import ExpectedMeeting, MeetingType
from app.org.models import Unit
from app.org.queries import portfolio_unit_ids
from app.scoring.entries import EntryItem, enter_scores
from app.scoring.models import ScoreEntry
from app.scoring.year_rules import load_year_rules
from app.tasks import services as task_services
from app.tasks.models import Task, TaskState
from tests.permission_matrix import (
    ASSESSOR_UNIT,
    DONE,
    FOLLOW_UP_TEXT,
    IGNORED_ENDPOINTS,
    IGNORED_METHODS,
    LOGIN,
    MEETING_FILE_BYTES,
    OBJECT_403,
    ROLES,
    ROUTES,
    SECRETS,
    TASK_TITLE,
    UNIT_A,
    UNIT_B,
    VICE_MAYOR_IN,
    VICE_MAYOR_OUT,
    answers,
    line_to_paste,
    make_task,
    person_named,
    resolve,
    unit_named,
    user_named,
    weekly_record_of_unit_a,
)

# roles with no part in unit A's task: nothing of it may reach them
OUTSIDERS = ("anonymous", "staff_b", "assessor")


def _route_rules(app):
    return {(rule.endpoint, method): rule.rule for rule in app.url_map.iter_rules()
            if rule.endpoint not in IGNORED_ENDPOINTS for method in rule.methods - IGNORED_METHODS}


def _sign_in(login_as, api_token, endpoint, role):
    """The role's credentials: a signed-in session for pages, the headers with a bearer token for the API."""
    username = ROLES[role]
    if endpoint.startswith("api."):
        return {"Authorization": f"Bearer {api_token(username)}"} if username else {}
    if username:
        login_as(username)
    return {}


def _request(client, login_as, api_token, endpoint, method, path, role, headers=None, **kwargs):
    """One request as the role (`headers` from _sign_in when the caller signed in already)."""
    if headers is None:
        headers = _sign_in(login_as, api_token, endpoint, role)
    response = client.open(path, method=method, headers=headers, **kwargs)
    response.get_data()
    response.close()  # keep the body, release a sent file
    return response


def _text(response):
    """The body as text to search: JSON decoded (its strings may be \\u-escaped), pages as they are."""
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    if response.mimetype.startswith(("text/", "image/svg")):
        return response.get_data(as_text=True)
    return ""


# --- the roles are what the columns say ------------------------------------------------------------------

def test_the_roles_are_what_the_columns_say(app):
    """The matrix rests on these facts of the seeded organisation; if the demo data changes, fix ROLES first."""
    accounts = {role: user_named(name) for role, name in ROLES.items() if name}
    unit_a, unit_b, assessor_unit = unit_named(UNIT_A), unit_named(UNIT_B), unit_named(ASSESSOR_UNIT)
    assessors = set(load_year_rules(today().year).assessor_units.values())
    assert accounts["staff_a"].role is Role.staff and accounts["staff_a"].unit_id == unit_a.id
    assert accounts["staff_b"].role is Role.staff and accounts["staff_b"].unit_id == unit_b.id
    assert unit_b.id not in assessors, "staff_b's unit must enter no score"
    assert accounts["assessor"].role is Role.staff and accounts["assessor"].unit_id == assessor_unit.id
    assert assessor_unit.id in assessors and assessor_unit.id not in (unit_a.id, unit_b.id)
    vice_in, vice_out = person_named(VICE_MAYOR_IN), person_named(VICE_MAYOR_OUT)
    assert accounts["vice_mayor_in"].role is Role.leader and accounts["vice_mayor_in"].person_id == vice_in.id
    assert accounts["vice_mayor_out"].role is Role.leader and accounts["vice_mayor_out"].person_id == vice_out.id
    assert unit_a.id in portfolio_unit_ids(vice_in.id, today())
    assert unit_a.id not in portfolio_unit_ids(vice_out.id, today())
    assert accounts["mayor"].role is Role.leader and accounts["mayor"].person.name == "胡贺波"
    assert accounts["admin"].role is Role.admin and accounts["observer"].role is Role.observer
    task = make_task()
    assert [p.unit_id for p in task.parties] == [unit_a.id], "the sample task has unit A alone"


# --- the matrix is complete and consistent ---------------------------------------------------------------

def test_the_matrix_lists_every_route(app):
    listed = [(endpoint, method) for _, endpoint, method, _ in ROUTES]
    duplicates = {line for line in listed if listed.count(line) > 1}
    assert not duplicates, f"ROUTES lists these more than once: {sorted(duplicates)}"
    routes = _route_rules(app)
    missing = sorted(set(routes) - set(listed))
    assert not missing, (
        f"{len(missing)} endpoints missing from ROUTES in tests/permission_matrix.py; paste these lines and replace "
        "each ? by the answer of that role (see the legend at the top of the file), and add a SAMPLES entry for a "
        "new placeholder:\n" + "\n".join(line_to_paste(e, m, routes[e, m]) for e, m in missing))
    stale = sorted(set(listed) - set(routes))
    assert not stale, f"ROUTES lists endpoints the app no longer has; remove them: {stale}"


def test_every_line_has_an_answer_per_role(app):
    bad = []
    for line, endpoint, method, _ in ROUTES:
        try:
            by_role = answers(line)
        except AssertionError as error:
            bad.append(f"{endpoint} {method}: {error}")
            continue
        bad += [f"{endpoint} {method}: unknown answer {a!r} for {role}" for role, a in by_role.items()
                if not (isinstance(a, int) or a in (LOGIN, DONE, OBJECT_403))]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(("endpoint", "method", "url"), [pytest.param(*r[1:], id=f"{r[1]}-{r[2]}") for r in ROUTES])
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


def test_the_matrix_agrees_with_the_declared_permissions(app):
    """403 in the table exactly where the view's declared permission refuses the role (X where an object rule
    refuses a role the permission lets in); anonymous refused exactly on views that are not public."""
    accounts = {role: user_named(name) for role, name in ROLES.items() if name}
    wrong = []
    for line, endpoint, method, _ in ROUTES:
        permission = app.view_functions[endpoint].permission
        by_role = answers(line)
        anonymous_refused = by_role["anonymous"] in (LOGIN, 401)
        if anonymous_refused == (permission == PUBLIC):
            wrong.append(f"{endpoint} {method} anonymous: {by_role['anonymous']} under {permission!r}")
        for role, account in accounts.items():
            refused = not allowed(account, permission)
            if (by_role[role] == 403) != refused or (by_role[role] == OBJECT_403 and refused):
                wrong.append(f"{endpoint} {method} {role}: {by_role[role]} under {permission!r}")
    assert not wrong, "ROUTES disagrees with the views' declared permissions:\n" + "\n".join(wrong)


# --- the matrix, request by request ----------------------------------------------------------------------

def _cases():
    for line, endpoint, method, url in ROUTES:
        for role, expect in answers(line).items():
            yield pytest.param(endpoint, method, url, role, expect, id=f"{endpoint}-{method}-{role}")


@pytest.mark.parametrize(("endpoint", "method", "url", "role", "expected"), list(_cases()))
def test_route_answers_each_role_as_the_matrix_says(client, login_as, api_token, endpoint, method, url, role,
                                                    expected):
    path = resolve(url)
    db.session.commit()  # into the test's savepoint: a refusing view rolls back its own work, not the samples
    # an API write gets an empty JSON object, so that its answer is about the role, not about a missing body
    body = {"json": {}} if endpoint.startswith("api.") and method not in ("GET", "HEAD") else {}
    response = _request(client, login_as, api_token, endpoint, method, path, role, **body)
    status = response.status_code
    described = f"{method} {path} as {role} ({ROLES[role]}): {status} {response.headers.get('Location', '')}"
    if expected == LOGIN:
        assert status == 302, described
        location = urlsplit(response.headers["Location"])
        assert location.path == "/auth/login", described
        back_to = parse_qs(location.query).get("next")
        # a GET comes back to the page after signing in; a POST-only URL cannot be replayed
        assert back_to == ([path] if method == "GET" else None), described
    elif expected == DONE:
        assert status < 500 and status not in (401, 403, 404), described
    elif expected == OBJECT_403:
        assert status == 403, described
    else:
        assert status == expected, described
    if endpoint.startswith("api.") and status >= 400:
        body = response.get_json()
        assert body["code"] and body["message"], described
    elif status == 403:
        # the 403 page, or (a task action the object refuses) the task page again with the reason
        assert "没有权限" in response.text or "alert-danger" in response.text, described
    # insiders may read unit A's task anyway: what must not leak is what outsiders get, and what a 404 shows
    if role in OUTSIDERS or status == 404:
        leaked = [secret for secret in SECRETS if secret in _text(response)]
        assert not leaked, f"{described} shows unit A's {leaked}"


# --- reading changes nothing -----------------------------------------------------------------------------

def _fingerprint():
    """Row counts of every table, and what a sign-in or a password check would touch on users."""
    existing = set(sa.inspect(db.session.connection()).get_table_names())  # a model's migration may lag
    counts = {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
              for table in db.metadata.sorted_tables if table.name in existing}
    must_change = sa.func.sum(sa.cast(User.must_change_password, sa.Integer))
    users = db.session.execute(sa.select(sa.func.max(User.updated_at), must_change,
                                         sa.func.max(User.last_sign_in_at))).one()
    return counts, tuple(users)


GET_ROUTES = [pytest.param(endpoint, url, id=endpoint) for _, endpoint, method, url in ROUTES if method == "GET"]


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


# --- task actions: who can act on unit A's task ------------------------------------------------------------

def _accept(task):
    task_services.accept_task(user_named(ROLES["staff_a"]), task)


def _completion_requested(task):
    _accept(task)
    task_services.request_completion(user_named(ROLES["staff_a"]), task, today(), "已按要求完成。", today())


def _extension_requested(task):
    _accept(task)
    task_services.request_extension(user_named(ROLES["staff_a"]), task, today() + timedelta(days=60),
                                    "需要等待省里批复。", today())


def _later(days):
    return (today() + timedelta(days=days)).isoformat()


# Each task action with a valid form (page) and body (API), on unit A's task in the state the action needs.
# Answers of the signed-in roles (A B asr vm+ vm- myr adm obs):
#   ok   the action took effect
#   no   refused and nothing changed (page: back to the task with a flashed reason; API: 403)
#   404  the task is not visible to the role: the answer for an absent id (the API answers 403 first where the
#        endpoint's declared permission already refuses the role)
TASK_ACTIONS = [
    # A   B   asr vm+ vm- myr adm obs
    ("ok  404 404 no  no  no  no  no ", "accept", None, {}, {}),
    ("ok  404 404 no  no  no  no  no ", "follow_up", _accept, {"text": "本周进展", "percent": "30"},
     {"text": "本周进展", "percent": 30}),
    ("ok  404 404 no  no  no  no  no ", "request_completion", _accept,
     lambda: {"completed_on": _later(0), "summary": "已完成", "no_evidence_reason": "会议纪要尚未印发"},
     lambda: {"completed_on": _later(0), "summary": "已完成"}),
    ("no  404 404 no  no  no  ok  no ", "approve_completion", _completion_requested, {"note": "同意"},
     {"note": "同意"}),
    ("no  404 404 no  no  no  ok  no ", "return_task", _completion_requested, {"note": "请补充佐证材料"},
     {"note": "请补充佐证材料"}),
    ("ok  404 404 no  no  no  no  no ", "request_extension", _accept,
     lambda: {"new_due_on": _later(60), "reason": "等待批复", "accept_non_workday": "1"},
     lambda: {"due_on": _later(60), "reason": "等待批复"}),
    ("no  404 404 no  no  no  ok  no ", "approve_extension", _extension_requested, {"note": "同意"}, {"note": "同意"}),
    ("no  404 404 no  no  no  ok  no ", "refuse_extension", _extension_requested, {"note": "理由不充分"},
     {"note": "理由不充分"}),
    ("no  404 404 ok  no  no  ok  no ", "urge", None, {"level": "1", "note": "请加快办理"},
     {"level": 1, "note": "请加快办理"}),
    ("no  404 404 no  no  no  ok  no ", "cancel", None, {"reason": "重复交办"}, {"reason": "重复交办"}),
]
SIGNED_IN = [role for role, name in ROLES.items() if name]
API_ACTIONS = {"follow_up": "api.task_follow_up_create_post", "return_task": "api.task_return_post"}
PAGE_PATHS = {"return_task": "return"}
API_PATHS = {"follow_up": "follow-ups", "return_task": "return"}


def _action_cases():
    for line, action, setup, form, body in TASK_ACTIONS:
        for role, expect in zip(SIGNED_IN, line.split(), strict=True):
            for via in ("page", "api"):
                yield pytest.param(action, setup, form, body, role, expect, via, id=f"{action}-{role}-{via}")


def _task_state(task_id):
    db.session.expire_all()
    task = db.session.get(Task, task_id)
    return task.version, task.state, _fingerprint()


@pytest.mark.parametrize(("action", "setup", "form", "body", "role", "expected", "via"), list(_action_cases()))
def test_task_actions_take_effect_only_for_the_roles_allowed(app, client, login_as, api_token, action, setup, form,
                                                             body, role, expected, via):
    form, body = (value() if callable(value) else value for value in (form, body))
    task = make_task()
    if setup is not None:
        setup(task)
    if via == "page":
        endpoint, path = f"tasks.{action}", f"/tasks/{task.id}/{PAGE_PATHS.get(action, action.replace('_', '-'))}"
        kwargs = {"data": form}
    else:
        endpoint = API_ACTIONS.get(action, f"api.task_{action}_post")
        path = f"/api/v1/tasks/{task.id}/{API_PATHS.get(action, action.replace('_', '-'))}"
        kwargs = {"json": body}
    headers = _sign_in(login_as, api_token, endpoint, role)
    db.session.commit()  # into the test's savepoint: a refusing view rolls its own work back, not the set-up
    before = _task_state(task.id)
    response = _request(client, login_as, api_token, endpoint, "POST", path, role, headers, **kwargs)
    if via == "api" and expected != "ok" and \
            not allowed(user_named(ROLES[role]), app.view_functions[endpoint].permission):
        expected = "no"
    status = response.status_code
    described = f"{action} via {via} as {role}: {status} {response.headers.get('Location', '')}"
    changed = _task_state(task.id) != before
    if expected == "ok":
        assert changed, f"{described}: nothing changed"
        assert (status == 302 and response.headers["Location"].endswith(f"/tasks/{task.id}")) if via == "page" \
            else status in (200, 201), described
        return
    assert not changed, f"{described}: the task changed"
    if expected == "404":
        assert status == 404, described
        leaked = [secret for secret in SECRETS if secret in _text(response)]
        assert not leaked, f"{described} shows {leaked}"
    elif via == "page":
        # the task page again, with the reason (and the form as filled in)
        assert 400 <= status < 500 and task.title in _text(response), described
        assert "alert-danger" in _text(response), f"{described}: no reason given"
    else:
        assert status == 403, described
        assert response.get_json()["message"], described


# --- scores: an assessor enters only its own component ---------------------------------------------------

def _score_cells():
    """A cell of the assessor's component (湘潭县's 发改委 part) and one of unit A's (市工信局's 工信局 part)."""
    return {"assessor": (unit_named(UNIT_B).id, "ndrc", 17), "staff_a": (unit_named(UNIT_A).id, "miit", 26)}


def _stored(unit_id, assessor):
    db.session.expire_all()
    return db.session.scalar(sa.select(ScoreEntry.value).where(
        ScoreEntry.year == today().year, ScoreEntry.quarter == 1, ScoreEntry.unit_id == unit_id,
        ScoreEntry.assessor == assessor, ScoreEntry.sub_item == ""))


@pytest.mark.parametrize("role", SIGNED_IN)
@pytest.mark.parametrize("via", ["page", "api"])
def test_scores_are_entered_only_by_the_cell_assessor(app, client, login_as, api_token, role, via):
    year = today().year
    for owner, (unit_id, assessor, value) in _score_cells().items():
        note = "扣分：资料不全"
        if via == "page":
            key = f"{unit_id}:{assessor}:"
            response = _request(client, login_as, api_token, "scoring.entry", "POST", f"/scoring/{year}/q1/entry",
                                 role, data={f"score:{key}": str(value), f"note:{key}": note})
        else:
            response = _request(client, login_as, api_token, "api.scoring_entries_save_post", "POST",
                                f"/api/v1/scoring/{year}/q/1/entries", role,
                                json={"items": [{"unit_id": unit_id, "assessor": assessor, "value": value,
                                                 "note": note}]})
        described = f"{assessor} score of unit {unit_id} via {via} as {role}: {response.status_code}"
        if role == owner:
            assert response.status_code in (200, 302), described
            assert _stored(unit_id, assessor) == value, described
        else:
            assert _stored(unit_id, assessor) is None, f"{described}: saved"
            member = allowed(user_named(ROLES[role]), "unit_member")
            assert response.status_code == ((400 if via == "page" else 422) if member else 403), described
            if member:
                assert "不负责" in _text(response), described


# --- guessing ids: another unit's rows answer as if they did not exist -------------------------------------

def _entered_score_of_unit_a():
    staff_a = user_named(ROLES["staff_a"])
    enter_scores(staff_a, today().year, 1, [EntryItem(
        unit_a := unit_named(UNIT_A).id, "miit", "", "23.5", "矩阵机密扣分说明")])
    db.session.flush()
    return unit_a


@pytest.mark.parametrize("role", ["staff_b", "assessor"])
def test_another_units_ids_cannot_be_probed(client, login_as, api_token, role):
    """Unit A's task, follow-up, evidence file and scores: the same 404 as for ids that do not exist, and
    nothing of unit A in any answer."""
    resolved = {}
    file_path = resolve("/tasks/{task}/files/{file}", resolved)
    task_id, file_id = resolved["task"], resolved["file"]
    unit_a = _entered_score_of_unit_a()
    absent_task, absent_file = task_id + 100000, file_id + 100000
    year = today().year
    probes = [  # (endpoint, the URL of unit A's row, the same URL with an absent id)
        ("tasks.detail", f"/tasks/{task_id}", f"/tasks/{absent_task}"),
        ("tasks.evidence", file_path, f"/tasks/{absent_task}/files/{file_id}"),
        ("tasks.evidence", file_path, f"/tasks/{task_id}/files/{absent_file}"),
        ("api.task_detail", f"/api/v1/tasks/{task_id}", f"/api/v1/tasks/{absent_task}"),
        ("api.task_follow_ups", f"/api/v1/tasks/{task_id}/follow-ups", f"/api/v1/tasks/{absent_task}/follow-ups"),
        ("scoring.unit", f"/scoring/units/{unit_a}", "/scoring/units/999999"),
        ("scoring.unit_trend", f"/scoring/units/{unit_a}/trend.svg", "/scoring/units/999999/trend.svg"),
        ("scoring.office_explain", f"/scoring/{year}/q1/units/{unit_a}/office",
         f"/scoring/{year}/q1/units/999999/office"),
        ("api.scoring_explanation", f"/api/v1/scoring/{year}/q/1/units/{unit_a}/explanation",
         f"/api/v1/scoring/{year}/q/1/units/999999/explanation"),
    ]
    for endpoint, path, absent in probes:
        theirs = _request(client, login_as, api_token, endpoint, "GET", path, role)
        nothing = _request(client, login_as, api_token, endpoint, "GET", absent, role)
        assert theirs.status_code == nothing.status_code == 404, f"{path}: {theirs.status_code}, {absent}: " \
                                                                 f"{nothing.status_code}"
        assert _text(theirs) == _text(nothing), f"{path} answers otherwise than an absent id"
    # the lists: none of unit A's rows
    for endpoint, path in [("tasks.inbox", "/tasks/inbox"), ("api.task_list", "/api/v1/tasks"),
                           ("api.scoring_entries", f"/api/v1/scoring/{year}/q/1/entries"),
                           ("api.scoring_quarter", f"/api/v1/scoring/{year}/q/1"),
                           ("scoring.entry", f"/scoring/{year}/q1/entry")]:
        response = _request(client, login_as, api_token, endpoint, "GET", path, role)
        text = _text(response)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        assert not [s for s in (*SECRETS, "矩阵机密扣分说明") if s in text], f"{path} shows unit A's rows"
    entries = _request(client, login_as, api_token, "api.scoring_entries", "GET",
                       f"/api/v1/scoring/{year}/q/1/entries", role).get_json()["items"]
    assert not [e for e in entries if e["unit_id"] == unit_a], "the entries list shows unit A's scores"


def test_the_lead_unit_reads_what_outsiders_cannot(client, login_as, api_token):
    """The probes above prove something only if the same URLs do answer unit A (and the leaders)."""
    resolved = {}
    file_path = resolve("/tasks/{task}/files/{file}", resolved)
    task_id = resolved["task"]
    for role in ("staff_a", "vice_mayor_in", "mayor", "observer"):
        page = _request(client, login_as, api_token, "tasks.detail", "GET", f"/tasks/{task_id}", role)
        assert page.status_code == 200 and TASK_TITLE in page.text and FOLLOW_UP_TEXT in page.text, role
        api = _request(client, login_as, api_token, "api.task_detail", "GET", f"/api/v1/tasks/{task_id}", role)
        assert api.status_code == 200 and api.get_json()["title"] == TASK_TITLE, role
        file = _request(client, login_as, api_token, "tasks.evidence", "GET", file_path, role)
        assert file.status_code == 200 and file.data.startswith(b"%PDF"), role


def test_a_vice_mayor_sees_only_their_own_dispatch_list_the_mayor_any(client, login_as, api_token):
    task_id = make_task().id
    vice_in = person_named(VICE_MAYOR_IN).id
    own = _request(client, login_as, api_token, "tasks.dispatch", "GET", "/tasks/dispatch", "vice_mayor_in")
    assert own.status_code == 200 and TASK_TITLE in own.text
    other = _request(client, login_as, api_token, "tasks.dispatch", "GET", f"/tasks/dispatch?person={vice_in}",
                     "vice_mayor_out")
    assert other.status_code == 403 and TASK_TITLE not in other.text
    api = _request(client, login_as, api_token, "api.dispatch", "GET", f"/api/v1/dispatch?person_id={vice_in}",
                   "vice_mayor_out")
    assert api.status_code == 403 and TASK_TITLE not in api.text
    # the mayor (like the party secretary) has no portfolio and opens every vice mayor's list
    mayor = _request(client, login_as, api_token, "tasks.dispatch", "GET", f"/tasks/dispatch?person={vice_in}",
                     "mayor")
    assert mayor.status_code == 200 and TASK_TITLE in mayor.text
    mayor_api = _request(client, login_as, api_token, "api.dispatch", "GET", f"/api/v1/dispatch?person_id={vice_in}",
                         "mayor")
    assert mayor_api.status_code == 200
    assert TASK_TITLE in [item["title"] for item in mayor_api.get_json()["items"]]
    assert mayor_api.get_json()["title"].startswith("副市长")  # the vice mayor's post, not the reader's
    not_theirs = _request(client, login_as, api_token, "tasks.dispatch", "GET", "/tasks/dispatch", "vice_mayor_out")
    assert not_theirs.status_code == 200 and TASK_TITLE not in not_theirs.text
    for role in ("admin", "observer"):
        office = _request(client, login_as, api_token, "tasks.dispatch", "GET", f"/tasks/dispatch?person={vice_in}",
                          role)
        assert office.status_code == 200 and TASK_TITLE in office.text, role
    assert db.session.get(Task, task_id).state is TaskState.assigned


# --- meetings: unit A's 周会商 record and 述职 ---------------------------------------------------------------

def _semiannual_of_unit_a():
    """The 半年述职 of the 链长 whose chain unit A leads (杨晓军, 新能源和汽车制造); unit A's staff write it."""
    reporter = person_named(VICE_MAYOR_OUT)
    period = period_of(MeetingType.semiannual, today())
    meeting = ExpectedMeeting(type=MeetingType.semiannual, period_key=period.key, period_start=period.start,
                              period_end=period.end, convener_key=f"person:{reporter.id}",
                              convener_unit_id=unit_named(UNIT_A).id, convener_person_id=reporter.id,
                              scheduled_on=period.end, record_due_on=period.end + timedelta(days=10))
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _record_actions(record):
    unit_a = unit_named(UNIT_A).id
    return {
        "edit": ("meetings.edit_record", f"/meetings/records/{record.id}/edit",
                 {"held_on": record.held_on.isoformat(), "minutes": "改写的纪要", "version": str(record.version)}),
        "sign": ("meetings.sign_record", f"/meetings/records/{record.id}/sign", {"version": str(record.version)}),
        "decide": ("meetings.add_decisions", f"/meetings/records/{record.id}/decisions", {
            "decisions-0-text": "会后补充决定", "decisions-0-lead_unit_id": str(unit_a),
            "decisions-0-due_on": _later(10), "decisions-0-make_task": "y"}),
        "attach": ("meetings.upload_attachment", f"/meetings/records/{record.id}/attachments", {
            "files": [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "补充材料.pdf")]}),
    }


# (A B asr vm+ vm- myr adm obs): ok = it took effect; 403 = refused with a Chinese message; no = back to the
# record with a flashed reason; nothing changed unless ok
RECORD_ACTIONS = [
    # A   B   asr vm+ vm- myr adm obs
    ("ok  403 403 403 403 403 ok  403", "edit"),
    ("ok  no  no  no  no  no  ok  no ", "sign"),
    ("ok  no  no  no  no  no  ok  no ", "decide"),
    ("ok  no  no  no  no  no  ok  no ", "attach"),
]


def _record_cases():
    for line, action in RECORD_ACTIONS:
        for role, expected in zip(SIGNED_IN, line.split(), strict=True):
            yield pytest.param(action, role, expected, id=f"{action}-{role}")


@pytest.mark.parametrize(("action", "role", "expected"), list(_record_cases()))
def test_only_unit_a_and_the_office_act_on_unit_as_weekly_record(client, login_as, action, role, expected):
    record = weekly_record_of_unit_a()
    _, path, data = _record_actions(record)[action]
    login_as(ROLES[role])
    db.session.commit()  # into the test's savepoint: a refusing view rolls its own work back, not the set-up
    before = _fingerprint(), record.version
    response = client.post(path, data=data, content_type="multipart/form-data")
    response.close()
    db.session.expire_all()
    changed = (_fingerprint(), db.session.get(type(record), record.id).version) != before
    described = f"{action} on unit A's 周会商 record as {role}: {response.status_code}"
    if expected == "ok":
        assert changed and response.status_code == 302, described
        return
    assert not changed, f"{described}: changed"
    if expected == "403":
        assert response.status_code == 403 and "只有会议召集方" in response.text, described
    else:
        assert response.status_code == 302, described
        with client.session_transaction() as session:
            flashes = session.get("_flashes", [])
        assert any(category == "danger" for category, _ in flashes), f"{described}: no reason {flashes}"


def test_unit_as_meeting_files_are_not_served_to_other_units(client, login_as):
    resolved = {}
    path = resolve("/meetings/records/{record}/attachments/{attachment}", resolved)
    absent = f"/meetings/records/{resolved['record']}/attachments/{resolved['attachment'] + 100000}"
    for role in SIGNED_IN:
        login_as(ROLES[role])
        response = client.get(path)
        data = response.data
        response.close()
        if role in OUTSIDERS:
            other = client.get(absent)
            assert response.status_code == 404 and MEETING_FILE_BYTES not in data, role
            assert response.text == other.text, f"{role}: the answer differs from an absent file's"
        else:
            assert response.status_code == 200 and data == MEETING_FILE_BYTES, role


@pytest.mark.parametrize("role", SIGNED_IN)
def test_a_semiannual_report_is_written_only_by_the_reporters_unit(client, login_as, role):
    meeting = _semiannual_of_unit_a()
    login_as(ROLES[role])
    db.session.commit()
    before = _fingerprint()
    response = client.post(f"/meetings/expected/{meeting.id}/record",
                           data={"held_on": today().isoformat(), "minutes": "本半年述职报告"})
    db.session.expire_all()
    if role in ("staff_a", "admin"):
        assert response.status_code == 302 and _fingerprint() != before, role
    else:
        assert response.status_code == 403 and "述职人所在单位" in response.text, f"{role}: {response.status_code}"
        assert _fingerprint() == before, f"{role}: something was written"


def test_a_leaders_meeting_record_is_read_only_by_units_with_a_line_in_it(client, login_as, api_token):
    """丁诚's 旬调度 record freezes his dispatch list, unit A's task in it: units with no line in the record get
    the 404 of an absent record (page, Excel, API) and nothing of the list; unit A, leaders, the office and
    observers read it."""
    make_task()
    vice_in = person_named(VICE_MAYOR_IN)
    period = period_of(MeetingType.dispatch, today())
    meeting = ExpectedMeeting(type=MeetingType.dispatch, period_key=period.key, period_start=period.start,
                              period_end=period.end, convener_key=f"person:{vice_in.id}",
                              convener_person_id=vice_in.id, scheduled_on=period.start,
                              record_due_on=period.start + timedelta(days=3))
    db.session.add(meeting)
    db.session.flush()
    record = meeting_services.create_record(user_named(ROLES["vice_mayor_in"]), meeting,
                                            meeting_services.RecordInput(held_on=today(), minutes="调度"), today())
    db.session.commit()
    # unit A's open task is carried over into the record as a line of unit A: unit A reads the record
    assert unit_named(UNIT_A).id in {item.unit_id for item in record.items}
    absent = record.id + 100000
    for role in SIGNED_IN:
        for endpoint, path, other in [
                ("meetings.record", f"/meetings/records/{record.id}", f"/meetings/records/{absent}"),
                ("meetings.record_xlsx", f"/meetings/records/{record.id}.xlsx", f"/meetings/records/{absent}.xlsx"),
                ("api.record_detail", f"/api/v1/meeting-records/{record.id}", f"/api/v1/meeting-records/{absent}")]:
            headers = _sign_in(login_as, api_token, endpoint, role)
            response = _request(client, login_as, api_token, endpoint, "GET", path, role, headers)
            described = f"{path} as {role}: {response.status_code}"
            if role in ("staff_b", "assessor"):
                nothing = _request(client, login_as, api_token, endpoint, "GET", other, role, headers)
                assert response.status_code == 404 and _text(response) == _text(nothing), described
            else:
                assert response.status_code == 200, described
                if endpoint != "meetings.record_xlsx":
                    assert TASK_TITLE in _text(response), f"{described}: the frozen list lacks unit A's task"


def test_a_co_unit_reads_the_task_and_reports_its_part_but_does_not_act_as_the_lead(client, login_as):
    co_staff = user_named("kjj")  # 市科技局: a co-unit of this task of unit A, no role column of its own
    task = task_services.assign_task(user_named("admin"), title=TASK_TITLE, content="", lead_unit=unit_named(UNIT_A),
                                     co_units=[db.session.get(Unit, co_staff.unit_id)],
                                     due_on=today() + timedelta(days=30), today=today())
    _accept(task)
    db.session.commit()
    login_as("kjj")
    page = client.get(f"/tasks/{task.id}")
    assert page.status_code == 200 and TASK_TITLE in page.text
    for action, data in [("accept", {}), ("request-completion", {"completed_on": _later(0), "summary": "已完成"}),
                         ("request-extension", {"new_due_on": _later(60), "reason": "等待批复"}),
                         ("cancel", {"reason": "重复交办"})]:
        before = _task_state(task.id)
        response = client.post(f"/tasks/{task.id}/{action}", data=data)
        assert 400 <= response.status_code < 500 and _task_state(task.id) == before, f"{action} by a co-unit"
    before = _task_state(task.id)
    response = client.post(f"/tasks/{task.id}/follow-up", data={"text": "科技局配合部分进展", "percent": "20"})
    assert response.status_code == 302 and _task_state(task.id) != before, "a co-unit reports its part"
