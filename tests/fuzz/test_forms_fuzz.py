"""Fuzzing every HTML form through the HTTP layer.

The POST routes are discovered from the app's URL map (everything outside /api/). Their field names (and the
options of their selects) are read from the forms the pages render: every page is fetched once as the office
and as a unit, and each `<form action=…>` is matched back to its endpoint. Hypothesis then posts random values
for those fields, random junk fields, random files and random URL ids, signed in as an account with rights (or
without). Whatever is sent: no 5xx; a refusal (4xx) explains itself in Chinese; a re-rendered form shows only
Chinese error messages; every flashed message is Chinese.
"""

import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from flask import current_app
from hypothesis import event, given
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError

from app.auth.models import ApiToken
from app.auth.services import create_token
from app.core.models import CalendarOverride
from app.extensions import db
from app.org.models import Chain, PortfolioItem
from tests.factories import account, unit
from tests.fuzz.conftest import example_savepoint, fuzz_settings, has_chinese

SKIPPED_ENDPOINT_PREFIXES = ()
FUZZED_BLUEPRINTS = ("auth", "core", "org", "reminders", "scoring", "tasks", "meetings", "ledger")
USERS = ("admin", "admin", "admin", "gxj", "gxj", "fushizhang", "guancha")

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
ATTR = re.compile(r'\b(action|method)="([^"]*)"', re.I)
INPUT = re.compile(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"', re.I)
SELECT = re.compile(r'<select\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', re.S | re.I)
OPTION = re.compile(r'<option\b[^>]*\bvalue="([^"]*)"', re.I)
FEEDBACK = re.compile(r'<div class="invalid-feedback[^"]*">(.*?)</div>', re.S)
ALERT = re.compile(r'<div class="alert alert-danger"[^>]*>(.*?)</div>', re.S)
TAG = re.compile(r"<[^>]+>")


def post_endpoints(app):
    """{endpoint: rule} of every HTML POST route that is fuzzed."""
    found = {}
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith("/api/") and \
                not rule.endpoint.startswith(SKIPPED_ENDPOINT_PREFIXES):
            found[rule.endpoint] = rule
    return found


def get_pages(app):
    return [rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.rule.startswith(("/api/", "/static"))
            and not rule.endpoint.startswith(SKIPPED_ENDPOINT_PREFIXES + ("static", "bootstrap."))]


@pytest.fixture
def ids(task_world, clock):
    """Real ids for the URL arguments (the strategies mix them with random ones)."""
    admin, gxj, fushizhang = account("admin"), account("gxj"), account("fushizhang")
    token, _ = create_token(admin, admin, "模糊测试")
    override = CalendarOverride(day=date(2026, 10, 10), is_workday=True, note="模糊测试")
    db.session.add(override)
    db.session.flush()
    portfolio = db.session.scalars(sa.select(PortfolioItem).where(
        PortfolioItem.person_id == fushizhang.person_id)).first()
    meetings = _meeting_world(gxj)
    ledger = _ledger_world(admin)
    criteria_ids = _criteria_world(admin)
    db.session.commit()
    return {
        **meetings,
        **ledger,
        **criteria_ids,
        "task_id": list(task_world.values()),
        "user_id": [gxj.id, account("guancha").id, admin.id],
        "person_id": [fushizhang.person_id],
        "record_id": ([portfolio.id] if portfolio else [1]) + meetings.pop("meeting_record_id"),
        "kind": ["portfolio", "position", "membership"],
        "unit_id": [unit("市工信局").id, unit("湘潭县人民政府").id],
        "chain_id": [db.session.scalar(sa.select(Chain.id).limit(1)) or 1],
        "override_id": [override.id],
        "token_id": [token.id, db.session.scalar(sa.select(sa.func.max(ApiToken.id)))],
        "notification_id": [1], "message_id": [1],
        "year": [2026], "quarter": [1, 2],
    }


def _ledger_world(admin):
    """An enterprise and a project of 湘潭县 with a registry entry and a problem, so the ledger's pages and actions
    get real ids (and their forms are found on the pages) besides random ones."""
    from decimal import Decimal

    from app.ledger import projects as project_services
    from app.ledger.models import Enterprise, Registry, RegistryMembership, ReportingDuty, ReportSubject

    county = unit("湘潭县人民政府")
    enterprise = Enterprise(name="模糊测试企业", uscc="91430321MA4L00001X", unit_id=county.id, is_above_scale=True)
    db.session.add(enterprise)
    db.session.flush()
    membership = RegistryMembership(enterprise_id=enterprise.id, kind=Registry.cultivation,
                                    starts_on=date(2026, 1, 5), reason="模糊测试")
    duty = ReportingDuty(unit_id=county.id, subject=ReportSubject.enterprise_figures)
    db.session.add_all([membership, duty])
    project = project_services.create_project(admin, project_services.ProjectInput(
        code="FUZZ-1", name="模糊测试项目", unit=county, total_investment=Decimal("150000")), date(2026, 3, 10))
    problem = project_services.report_problem(admin, project, "用地指标待落实", date(2026, 3, 10))
    db.session.flush()
    return {"enterprise_id": [enterprise.id], "membership_id": [membership.id], "project_id": [project.id],
            "problem_id": [problem.id], "duty_id": [duty.id], "code": ["G05", "P2-1"],
            "subject": ["enterprise_figures", "project_figures"], "month": ["2026-02", "2026-03"]}


def _meeting_world(gxj):
    """Expected meetings of the cadence around the frozen day, and a 周会商 record of 市工信局 with a decision, so
    the meetings pages and actions get real ids (record, item, expected meeting) besides random ones."""
    from app.meetings import cadence, services
    from app.meetings.models import ExpectedMeeting, MeetingType
    from app.tasks.models import Task

    today = date(2026, 3, 10)
    cadence.ensure_rules()
    cadence.generate_expected(today)
    weekly = db.session.scalars(sa.select(ExpectedMeeting).where(
        ExpectedMeeting.type == MeetingType.weekly, ExpectedMeeting.convener_unit_id == gxj.unit_id,
        ExpectedMeeting.scheduled_on <= today).order_by(ExpectedMeeting.scheduled_on.desc())).first()
    record = services.create_record(gxj, weekly, services.RecordInput(
        held_on=weekly.scheduled_on, place="市工信局", minutes="模糊测试纪要", decisions=[
            services.DecisionInput(text="模糊测试决定", lead_unit_id=gxj.unit_id, co_unit_ids=[],
                                   due_on=date(2026, 3, 31))]), today)
    others = db.session.scalars(sa.select(ExpectedMeeting.id).where(ExpectedMeeting.id != weekly.id)
                                .order_by(ExpectedMeeting.scheduled_on).limit(3)).all()
    task_ids = [item.task_id for item in record.items if item.task_id]
    assert task_ids and db.session.get(Task, task_ids[0]) is not None
    return {"meeting_record_id": [record.id], "expected_id": [weekly.id, *others], "meeting_id": [weekly.id],
            "item_id": [item.id for item in record.items], "attachment_id": [1]}


def _criteria_world(admin):
    """A draft 考评细则 of 市工信局 (its drafting forms) and a published one of 市科技局 (its quarterly grid and the
    actuals form of an entered indicator), so the fuzzer reaches the criteria pages with real assessors and ids."""
    from app.scoring import criteria
    from tests.scoring.matrix_criteria_entry import publish

    draft = criteria.start_from_defaults(admin, 2026, "miit")
    publish(admin, 2026, "most")
    db.session.flush()
    return {"assessor": ["miit", "most"], "indicator_id": [draft.indicators[0].id, draft.indicators[-1].id],
            "code": ["rd", "tech_sme"], "rating_id": [1]}


_FIELDS_CACHE = {}


def discover_fields(app, client, login_as, ids):
    """{endpoint: (field names, {select name: option values})} from the forms every page renders."""
    if _FIELDS_CACHE:
        return _FIELDS_CACHE
    adapter = app.url_map.bind("localhost")
    fields = {}
    for username in ("admin", "gxj", "fushizhang"):
        login_as(username)
        for rule in get_pages(app):
            for values in _url_values(rule, ids):
                try:
                    url = adapter.build(rule.endpoint, values)
                except BuildError:
                    continue
                response = client.get(url)
                assert response.status_code < 500, f"GET {url}: {response.status_code}"
                if response.mimetype != "text/html":
                    continue
                for attrs, body in FORM.findall(response.get_data(as_text=True)):
                    attr = {k.lower(): v for k, v in ATTR.findall(attrs)}
                    if attr.get("method", "get").lower() != "post":
                        continue
                    action = (attr.get("action") or url).split("?")[0].replace("&amp;", "&")
                    try:
                        endpoint, _ = adapter.match(action, method="POST")
                    except HTTPException:
                        continue
                    names, options = fields.setdefault(endpoint, (set(), {}))
                    names.update(n for n in INPUT.findall(body) if n != "csrf_token")
                    for name, inner in SELECT.findall(body):
                        options.setdefault(name, set()).update(OPTION.findall(inner))
    _FIELDS_CACHE.update(fields)
    return fields


def _url_values(rule, ids):
    """One or two sets of real values for a GET page's arguments."""
    args = sorted(rule.arguments)
    if not args:
        return [{}]
    if any(a not in ids for a in args):
        return []
    return [{a: ids[a][i % len(ids[a])] for a in args} for i in range(2)]


# --- values -------------------------------------------------------------------------------------------------

ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
TEXT = st.one_of(
    ANY_TEXT, ANY_TEXT,
    st.sampled_from(["", " ", "推进重点项目开工", "0", "-1", "1", "2", "100", "101", "1e9", "abc", "y", "on",
                     "true", "2026-03-10", "2026-03-31", "2026-13-45", "2026-02-30", "10:00", "a@b.cn",
                     "https://example.invalid/hook", "\x00", "进展\x00", "<b>", "%00", "9" * 30]),
    st.integers().map(str), st.integers(-10, 200).map(str),
    st.dates(date(1900, 1, 1), date(2200, 1, 1)).map(str),
    st.builds(lambda n: "长" * n, st.sampled_from([101, 201, 501, 2001, 5001])),
)
FILES = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([b"", b"PK\x03\x04broken", "2026-10-01,休,国庆\n2026-10-11,班,调休\n".encode(),
                     "日期,类型\n2026-13-01,休\n".encode("gb18030"),
                     b"\xff\xfe" + "2026-10-01,休".encode("utf-16-le")]),
)
URL_INT = st.one_of(st.integers(-1, 10**6), st.integers(2**31 - 2, 2**63), st.integers(min_value=0))


def url_value(name, ids, draw):
    if name == "kind":
        return draw(st.one_of(st.sampled_from(ids["kind"]), st.text(alphabet="abcxyz_", min_size=1, max_size=8)))
    real = ids.get(name, [1])
    return draw(st.one_of(st.sampled_from(real), st.sampled_from(real), st.sampled_from(real), URL_INT))


def field_value(name, options, draw):
    if name in options and options[name]:
        return draw(st.one_of(st.sampled_from(sorted(options[name])), st.sampled_from(sorted(options[name])), TEXT))
    if "file" in name:
        content = draw(FILES)
        return (io.BytesIO(content), draw(st.sampled_from(["数据.xlsx", "notice.csv", "a.txt", "", "../../x.xlsx"])))
    return draw(TEXT)


# --- the checks ---------------------------------------------------------------------------------------------

def check_response(response, description):
    status = response.status_code
    assert status < 500, f"{description} → {status}"
    body = response.get_data(as_text=True)
    if 400 <= status < 500:
        assert has_chinese(body), f"{description} → {status} without a Chinese message: {body[:300]}"
    if status == 200 and response.mimetype == "text/html":
        for message in FEEDBACK.findall(body) + ALERT.findall(body):
            text = TAG.sub("", message).strip()
            assert has_chinese(text), f"{description}: error message not in Chinese: {text!r}"


def check_flashes(client, description):
    with client.session_transaction() as session:
        flashes = session.pop("_flashes", [])
    for _category, message in flashes:
        assert has_chinese(str(message)), f"{description}: flashed message not in Chinese: {message!r}"


def fuzz_blueprint(app, client, login_as, ids, blueprint, data):
    endpoints = {e: r for e, r in post_endpoints(app).items() if e.split(".")[0] == blueprint}
    assert endpoints, f"no POST routes in {blueprint}"
    fields = discover_fields(app, client, login_as, ids)
    endpoint = data.draw(st.sampled_from(sorted(endpoints)), label="endpoint")
    rule = endpoints[endpoint]
    names, options = fields.get(endpoint, (set(), {}))
    values = {name: url_value(name, ids, data.draw) for name in rule.arguments}
    url = app.url_map.bind("localhost").build(endpoint, values)
    chosen = data.draw(st.lists(st.sampled_from(sorted(names)), unique=True), label="fields") if names else []
    form = {name: field_value(name, options, data.draw) for name in chosen}
    junk = data.draw(st.dictionaries(st.text(alphabet="abcdefghij_-[]0123", min_size=1, max_size=12), TEXT,
                                     max_size=3), label="junk fields")
    for name, value in junk.items():
        form.setdefault(name, value)
    username = data.draw(st.sampled_from(USERS), label="user")
    event(endpoint)
    with example_savepoint():
        login_as(username)
        description = f"{username} POST {url} {sorted(form)}"
        response = client.post(url, data=form, content_type="multipart/form-data")
        check_response(response, description)
        check_flashes(client, description)
        event(f"status {response.status_code}")


def test_every_html_post_route_is_fuzzed_or_listed_as_skipped(app):
    blueprints = {endpoint.split(".")[0] for endpoint in post_endpoints(app)}
    assert blueprints <= set(FUZZED_BLUEPRINTS), f"add to FUZZED_BLUEPRINTS: {blueprints - set(FUZZED_BLUEPRINTS)}"


@pytest.mark.parametrize("blueprint", [b for b in FUZZED_BLUEPRINTS if b != "auth"])
@given(data=st.data())
@fuzz_settings(scale=1.5)
def test_random_form_posts_never_fail_and_refuse_in_chinese(app, client, login_as, ids, blueprint, data):
    fuzz_blueprint(app, client, login_as, ids, blueprint, data)


@given(data=st.data())
@fuzz_settings(scale=0.75)  # sign-in, new accounts and passwords hash with argon2: slow on purpose
def test_random_account_form_posts_never_fail_and_refuse_in_chinese(app, client, login_as, ids, data):
    fuzz_blueprint(app, client, login_as, ids, "auth", data)


def test_fuzz_discovers_the_fields_of_the_task_forms(app, client, login_as, ids):
    """The discovery the fuzzing relies on actually finds forms (else every post would be field-less)."""
    fields = discover_fields(app, client, login_as, ids)
    assert "tasks.assign" in fields and {"title", "due_on"} <= fields["tasks.assign"][0]
    assert any(endpoint.startswith("tasks.") and endpoint != "tasks.assign" for endpoint in fields)
    assert current_app.config["WTF_CSRF_ENABLED"] is False


def test_fuzz_discovers_the_fields_of_the_criteria_forms(app, client, login_as, ids):
    """The 考评细则's drafting, targets and grid forms are found with real assessors and ids (their URLs take an
    assessor code and an indicator code, which random values never hit)."""
    _FIELDS_CACHE.clear()
    fields = discover_fields(app, client, login_as, ids)
    assert {"code", "name", "method", "progress", "points_county_a"} <= fields["scoring.criteria_indicator_edit"][0]
    assert any(name.startswith("target") or ":" in name for name in fields["scoring.criteria_targets"][0])
    assert "scoring.criteria_actuals" in fields and "scoring.criteria_submit" in fields


def test_huge_url_ids_are_a_chinese_404_not_a_server_error(client, login_as):
    login_as("admin")
    for url in (f"/tasks/{2**31}", f"/tasks/{2**63}/accept", f"/auth/users/{2**40}"):
        response = client.get(url) if "accept" not in url else client.post(url)
        assert response.status_code == 404, url
        assert has_chinese(response.get_data(as_text=True))


def test_nul_characters_in_a_form_are_refused_in_chinese(client, login_as, task_world):
    login_as("gxj")
    response = client.post(f"/tasks/{task_world['in_progress']}/follow-up",
                           data={"text": "进展\x00顺利", "percent": "50"})
    assert response.status_code == 400
    assert "控制字符" in response.get_data(as_text=True)


def test_an_invalid_select_choice_is_refused_in_chinese(client, login_as, task_world):
    """Found by the fuzzing: WTForms' own "Not a valid choice." reached the user (urge level, source, priority)."""
    login_as("admin")
    client.post(f"/tasks/{task_world['in_progress']}/urge", data={"level": "9"})
    check_flashes(client, "urge level 9")
    response = client.post("/tasks/new", data={"title": "测试", "source": "bogus", "priority": "bogus",
                                               "due_on": "2026-12-31"})
    check_response(response, "assign with bogus choices")
    assert "请从列表中选择事项来源" in response.get_data(as_text=True)
