"""Start-up: `create_app()` runs in every web worker and every `flask` command (the reminders scan from cron, too),
so libraries that only some requests need are imported where they are used. This keeps them out of start-up."""

import json
import os
import subprocess
import sys

# Each is imported by the code that needs it: Excel writing and reading, the e-mail syntax check, Flask-Migrate
# (app.migrations: `flask db` and flask_migrate.upgrade() load it).
LOADED_ON_USE = ("openpyxl", "xlsxwriter", "email_validator", "icalendar", "matplotlib", "apscheduler", "alembic",
                 "flask_migrate")

PROBE = """
import json, sys
from app import create_app
from config import TestingConfig
create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
print(json.dumps(sorted(m for m in %r if m in sys.modules)))
"""


def test_create_app_imports_no_library_that_only_some_requests_need():
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "DATABASE_URL")}
    result = subprocess.run([sys.executable, "-c", PROBE % (LOADED_ON_USE,)], capture_output=True, text=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))), env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


COLLECTIONS_PROBE = """
import gc, json, sys
WITH_LINE = next(n for n, line in enumerate(open("app/__init__.py", encoding="utf-8"), 1)
                 if line.startswith("with collector_paused("))  # the module's paused imports come after it
runs = []

def seen(phase, info):
    if phase == "start":  # was the app being built (or its module's imports run) when this collection began?
        frame, inside = sys._getframe(1), False
        while frame is not None:
            code = frame.f_code
            inside |= code.co_name == "_build_app" or (code.co_name == "<module>" and code.co_filename.endswith(
                "app/__init__.py") and frame.f_lineno > WITH_LINE)
            frame = frame.f_back
        runs.append(inside)

gc.callbacks.append(seen)
import app
from config import TestingConfig
after_import = gc.get_freeze_count()
app.create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
after_first = gc.get_freeze_count()
print(json.dumps({"collections": len(runs), "while_starting": sum(runs), "enabled_after": gc.isenabled(),
                  "frozen_by_import": after_import, "frozen_by_first_app": after_first - after_import}))
gc.disable()
garbage = [[] for _ in range(1000)]
app.create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
print(json.dumps({"disabled_stays": not gc.isenabled(), "second_app_freezes": gc.get_freeze_count() - after_first}))
"""


def test_start_up_runs_no_garbage_collection_and_leaves_the_collector_as_it_found_it():
    """Importing the app and creating it allocate about a million long-lived objects: the collector is paused while
    they are made (its collections cost several per cent of the start's CPU), then left enabled — or disabled, if it
    was. (The first collection after the pause, once the block has ended, is allowed.)"""
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "DATABASE_URL")}
    result = subprocess.run([sys.executable, "-c", COLLECTIONS_PROBE], capture_output=True, text=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))), env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    first, second = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    assert first["while_starting"] == 0 and first["enabled_after"] is True, first
    # what the process loads once is moved out of the collector's sight (its first collection would walk it all);
    # an app built again in the same process (the tests build several) is not, so its garbage can still be collected
    assert first["frozen_by_import"] > 100_000 and first["frozen_by_first_app"] > 100_000, first
    assert second == {"disabled_stays": True, "second_app_freezes": 0}
