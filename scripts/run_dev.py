"""`make run`: the scheduler process (`flask scheduler`) next to the web server on 127.0.0.1:5000.

The scheduler runs as its own process, guarded by its lock, never inside create_app or a web worker; this
script only starts it beside Flask's server and stops it on exit.
"""

import argparse
import atexit
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402


def start_scheduler():
    env = dict(os.environ, FLASK_APP="app")
    process = subprocess.Popen([sys.executable, "-m", "flask", "scheduler"], cwd=ROOT, env=env)

    def stop():
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    atexit.register(stop)
    # A process manager or `kill` sends SIGTERM, which by default ends Python without running atexit and leaves the
    # scheduler running on its own: turn it into a normal exit, so `stop` runs as it does after Ctrl+C.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    return process


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--no-scheduler", action="store_true", help="只启动网页服务，不启动调度进程")
    args = parser.parse_args()
    app = create_app()
    if not args.no_scheduler:
        start_scheduler()
    print(f"千百十工程督考系统已启动： http://{args.host}:{args.port}/  （演示账号见 README.md）", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        app.run(host=args.host, port=args.port, debug=False, use_reloader=False, threaded=True)


if __name__ == "__main__":
    main()
