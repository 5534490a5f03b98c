"""`make run` (scripts/run_dev.py) starts the scheduler process beside the web server and must stop it however it is
stopped: Ctrl+C, or SIGTERM from a process manager or `kill` (which used to leave the scheduler running on its own)."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import is_postgres

pytestmark = [
    pytest.mark.no_db_transaction,
    pytest.mark.skipif(is_postgres(), reason="the script's own database is an SQLite file; the rule is the same"),
]

ROOT = Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid):
    found = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in found.split()]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return bool(state) and not state.startswith("Z")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_make_run_stops_its_scheduler_process(tmp_path, stop):
    url = f"sqlite:///{tmp_path / 'run.sqlite3'}"
    env = {**os.environ, "FLASK_APP": "app", "APP_ENV": "development", "DATABASE_URL": url,
           "INSTANCE_PATH": str(tmp_path)}
    env.pop("TEST_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    runner = subprocess.Popen([sys.executable, "scripts/run_dev.py", "--port", str(_free_port())], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    scheduler = []
    try:
        engine = sa.create_engine(url)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not scheduler:
            time.sleep(0.3)
            scheduler = _children(runner.pid)
        assert scheduler, "run_dev.py started no scheduler process"
        with engine.connect() as conn:  # the scheduler is really running: it takes its lock and beats
            while time.monotonic() < deadline:
                if conn.execute(sa.text("SELECT count(*) FROM scheduler_status WHERE name = 'lock'")).scalar():
                    break
                conn.rollback()
                time.sleep(0.3)
        engine.dispose()

        runner.send_signal(stop)
        runner.wait(timeout=30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_alive(pid) for pid in scheduler):
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in scheduler), f"the scheduler {scheduler} outlived run_dev.py ({stop!r})"
    finally:
        if runner.poll() is None:
            runner.kill()
        for pid in scheduler:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
