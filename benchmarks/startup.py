"""Start-up: how long a fresh process takes to import the app and run `create_app()` — what every web worker, every
`flask` command and every `flask reminders scan` from cron pays before its first line of work.

    .venv/bin/python benchmarks/startup.py            # 9 runs: median and slowest, wall and CPU, in milliseconds

`make bench` prints the same line under its table. The app's bytecode is compiled first (as an install would), so
that the figure is the start of a deployed app, not the compiling of changed sources: this environment sets
PYTHONDONTWRITEBYTECODE, with which Python would compile every module of the app again at every start.
"""

import compileall
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 800  # issue #13: create_app() under 0.8 s

PROBE = """
import json, resource, time
t0 = time.perf_counter()
from app import create_app
create_app()
wall = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": wall * 1000, "cpu": (usage.ru_utime + usage.ru_stime) * 1000}))
"""


def measure(runs=9, python=sys.executable):
    """[{"wall": ms, "cpu": ms}] of `runs` fresh processes, each importing the app and creating it (SQLite, as
    `make run`), after one untimed run."""
    compileall.compile_dir(str(ROOT / "app"), quiet=1)
    compileall.compile_file(str(ROOT / "config.py"), quiet=1)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL", "APP_ENV")}
    env["INSTANCE_PATH"] = env.get("INSTANCE_PATH", "/tmp/qbs-bench/startup-instance")
    results = []
    for n in range(runs + 1):
        done = subprocess.run([python, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        if n:  # the first run warms the OS's file cache
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def summary(results):
    walls, cpus = [r["wall"] for r in results], [r["cpu"] for r in results]
    return (f"start-up (import the app and create_app() in a fresh process, {len(results)} runs): "
            f"median {statistics.median(walls):.0f} ms wall ({statistics.median(cpus):.0f} ms CPU, the interpreter's "
            f"own start included), slowest {max(walls):.0f} ms; target under {TARGET_MS} ms")


if __name__ == "__main__":
    print(summary(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 9)))
