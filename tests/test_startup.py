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
