"""`make run`: serve the app on 127.0.0.1:5000 (waitress-free: Flask's own server, single process).

The scheduler process joins this script when the reminders package lands; it is never started inside
create_app or a web worker.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    app = create_app()
    print(f"千百十工程督考系统已启动： http://{args.host}:{args.port}/  （演示账号见 README.md）", flush=True)
    app.run(host=args.host, port=args.port, debug=False, use_reloader=False, threaded=True)


if __name__ == "__main__":
    main()
