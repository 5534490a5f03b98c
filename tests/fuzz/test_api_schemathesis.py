"""Schemathesis against /api/v1/openapi.json, in-process (WSGI), signed in with an office administrator's token.

Each operation of the document is one test: schemathesis generates requests from the document, valid ones
(positive mode; half of them with the path ids of real rows, so that they get past the 404) and ones that break
it (negative mode). Checked on every response: no 5xx; the body matches the schema the document declares for
its status, and the status is one it declares; a refusal (4xx) is JSON with a code and a Chinese message.
Each example runs in its own savepoint.

(schemathesis' own pytest integration, `schemathesis.pytest.from_fixture`, does not run under pytest 9, so the
operations are parametrised here and each one's hypothesis strategy is driven directly.)
"""

import os

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance

from app.api import base as api_base
from tests.factories import unit
from tests.fuzz.conftest import EXAMPLES, RANDOMISED, example_savepoint, has_chinese

SKIPPED_TAGS = set()


def fuzzed_operations():
    import app.api  # noqa: F401  (importing the API modules fills the registry of operations)

    return sorted((path, method) for path, methods in api_base.OPERATIONS.items()
                  for method, operation in methods.items() if not set(operation["tags"]) & SKIPPED_TAGS)


@pytest.fixture(scope="session")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def real_ids(task_world):
    """Path parameters of rows that exist (the token's account may act on them)."""
    from app.auth.models import User
    from app.extensions import db
    from tests.fuzz.test_forms_fuzz import _meeting_world

    meetings = _meeting_world(db.session.scalar(sa.select(User).where(User.username == "gxj")))
    return {"task_id": task_world["in_progress"], "unit_id": unit("市工信局").id, "year": 2026, "quarter": 1,
            "meeting_id": meetings["meeting_id"][0], "record_id": meetings["meeting_record_id"][0],
            "item_id": meetings["item_id"][0], "month": "2026-03"}


def chinese_refusal(ctx, response, case):
    """A 4xx is JSON with a machine code and a Chinese message."""
    if 400 <= response.status_code < 500:
        body = response.json()
        assert isinstance(body, dict) and body.get("code"), f"{response.status_code} without a code: {body}"
        assert has_chinese(body.get("message")), f"{response.status_code} without a Chinese message: {body}"
    return None


CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, chinese_refusal]


@pytest.mark.parametrize(("path", "method"), fuzzed_operations())
def test_api_operation_never_fails_and_matches_its_openapi_document(api_schema, api_token, real_ids, path,
                                                                    method):
    operation = api_schema[path][method.upper()]
    token = api_token("admin")
    headers = {"Authorization": f"Bearer {token}"}
    names = {p["name"] for p in api_base.OPERATIONS[path][method]["parameters"] if p.get("in") == "path"}
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    if names:
        strategies.append(operation.as_strategy(
            GenerationMode.POSITIVE, path_parameters={n: real_ids[n] for n in names if n in real_ids}))
    cases = []

    @given(case=st.one_of(strategies))
    @settings(max_examples=max(5, EXAMPLES // 2), deadline=None, database=None, derandomize=not RANDOMISED,
              suppress_health_check=list(HealthCheck))
    def run(case):
        cases.append(case)
        with example_savepoint():
            response = case.call(headers=headers)
            event(f"status {response.status_code}")
            case.validate_response(response, checks=CHECKS, headers=headers)

    run()
    if os.environ.get("FUZZ_REPORT"):  # with -s: how many requests each operation got
        print(f"\nFUZZ_REPORT {method.upper()} {path}: {len(cases)} cases")


def test_the_fuzzed_operations_cover_the_task_api():
    operations = fuzzed_operations()
    assert ("/api/v1/tasks", "post") in operations and ("/api/v1/tasks/{task_id}/urge", "post") in operations
    assert len(operations) >= 25


def test_unsigned_requests_are_refused_in_chinese(client):
    response = client.get("/api/v1/tasks")
    assert response.status_code == 401
    assert has_chinese(response.get_json()["message"])


def test_api_ids_beyond_the_id_columns_are_a_chinese_404(client, api_token):
    """Found by the fuzzing: a path id over 2**31 - 1 reached PostgreSQL ("integer out of range") as a 500."""
    headers = {"Authorization": f"Bearer {api_token('admin')}"}
    for url in (f"/api/v1/tasks/{2**31}", f"/api/v1/units/{2**63}", f"/api/v1/scoring/2026/q/{2**32}/entries"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404, url
        assert response.get_json()["code"] == "not_found" and has_chinese(response.get_json()["message"])


def test_api_nul_characters_in_json_are_refused_in_chinese(client, api_token, task_world):
    """Found by the fuzzing: PostgreSQL cannot store NUL in text; it surfaced as a 500 from the flush."""
    headers = {"Authorization": f"Bearer {api_token('gxj')}"}
    response = client.post(f"/api/v1/tasks/{task_world['in_progress']}/follow-ups", headers=headers,
                           json={"text": "进展\u0000顺利", "percent": 50})
    assert response.status_code == 400
    assert "控制字符" in response.get_json()["message"]
