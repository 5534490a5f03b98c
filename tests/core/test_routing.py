"""The app's URL rules compile their builders when a URL is first built (app/core/routing.py): the same URLs as
Werkzeug's own rules, and no builder compiled while the app is created."""

import json
import os
import subprocess
import sys

import pytest
from werkzeug.routing import Map, Rule

from app.core.routing import LazyBuilderRule

pytestmark = pytest.mark.pure

ROUTES = [
    ("/tasks/<int:task_id>", "task"),
    ("/units/<int:unit_id>/months/<period>/", "month"),
    ("/files/<path:name>", "file"),
    ("/", "home"),
]
CASES = [
    ("task", {"task_id": 42}),
    ("task", {"task_id": 7, "next": "/inbox?page=2", "q": "周会商 督办"}),
    ("month", {"unit_id": 3, "period": "2025-07"}),
    ("month", {"unit_id": 3, "period": "2025 07/甲", "light": ["red", "yellow"]}),
    ("file", {"name": "a/b c/清单.xlsx"}),
    ("home", {}),
    ("home", {"tab": "红灯"}),
]


def _adapter(rule_class):
    url_map = Map([rule_class(path, endpoint=endpoint) for path, endpoint in ROUTES])
    return url_map.bind("example.test", "/")


@pytest.mark.parametrize("endpoint,values", CASES)
def test_builds_the_same_urls_as_werkzeug_rules(endpoint, values):
    ours, theirs = _adapter(LazyBuilderRule), _adapter(Rule)
    for force_external in (False, True):
        # twice: the first call compiles the builder, the second calls what it compiled
        for _ in range(2):
            assert ours.build(endpoint, values, force_external=force_external) == \
                theirs.build(endpoint, values, force_external=force_external)


def test_a_builder_is_compiled_once_and_then_called_directly():
    adapter = _adapter(LazyBuilderRule)
    rule = next(r for r in adapter.map.iter_rules() if r.endpoint == "task")
    stand_in = rule._build_unknown
    assert rule._build.__name__ == stand_in.__name__ == "build_on_first_use"
    # url_for's path: unknown arguments appended as a query string
    assert adapter.build("task", {"task_id": 1, "x": "1"}) == "/tasks/1?x=1"
    compiled = rule._build_unknown
    assert compiled is not stand_in and compiled.__name__ != "build_on_first_use"
    assert adapter.build("task", {"task_id": 2}) == "/tasks/2"
    assert rule._build_unknown is compiled
    # the other builder is still the stand-in until it is needed
    assert rule._build.__name__ == "build_on_first_use"
    assert adapter.build("task", {"task_id": 3}, append_unknown=False) == "/tasks/3"
    assert rule._build.__name__ != "build_on_first_use"


PROBE = """
import json
from werkzeug.routing import Rule
calls = []
original = Rule._compile_builder
def counting(self, append_unknown=True):
    calls.append(self.endpoint)
    return original(self, append_unknown)
Rule._compile_builder = counting
from app import create_app
from config import TestingConfig
app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SERVER_NAME": "example.test"})
while_creating = len(calls)
with app.test_request_context():
    from flask import url_for
    url = url_for("tasks.detail", task_id=5, tab="log")
print(json.dumps({"rules": len(list(app.url_map.iter_rules())), "while_creating": while_creating,
                  "after_one_url": sorted(set(calls)), "url": url, "rule_class": app.url_rule_class.__name__}))
"""


def test_creating_the_app_compiles_no_url_builder():
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "DATABASE_URL")}
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, env=env,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["rules"] > 200
    assert seen["rule_class"] == "LazyBuilderRule"
    assert seen["while_creating"] == 0, seen
    assert seen["after_one_url"] == ["tasks.detail"]
    assert seen["url"] == "/tasks/5?tab=log"
