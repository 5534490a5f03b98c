"""An open-loop load generator for the inbox and dispatch pages (benchmarks/load/run.sh, LOAD_SCENARIO=open).

Requests start on a fixed schedule (`--rate` a second, inbox 5 : dispatch 2, round-robin over the demo accounts of
the `pages` scenario), whatever the answers; each one's latency is measured from its scheduled start, so a server
that falls behind shows it in the percentiles (no coordinated omission). A pool of plain threads sends them, one
connection per request as gunicorn's sync workers answer: the generator costs the shared cores little and adds no
event loop of its own to the times, which makes it the cross-check of locust's numbers.

    .venv/bin/python benchmarks/load/openloop.py --port 8765 --rate 150 --seconds 60

Prints one line per page and the totals; exits 1 when any request failed (status other than 200, or no answer).

`--calibrate` asks each page 40 times one after the other instead (no load) and prints the median: the server's time
for one request on an idle machine. On this shared virtual machine that time has varied by almost 2× within an hour
for the same code, with little CPU shown as stolen; run.sh prints it before every run, so that runs can be compared.
"""

import argparse
import http.client
import queue
import re
import threading
import time
import urllib.parse

PASSWORD = "Demo2026qbs"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
INBOX = ("gxj", "fgw", "kjj", "xtx", "gxq")  # unit staff: their inbox (5 of 7 requests)
DISPATCH = ("fushizhang", "fushizhang2")  # vice mayors: their dispatch list (2 of 7)


def sign_in(port, username):
    """The session cookie of `username`, signed in through the login form."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/auth/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                   "csrf_token": CSRF.search(page).group(1)})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/auth/login", form,
                       {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";")[0]
    raise SystemExit(f"{username}: sign-in refused")


def calibrate(port, cookies):
    """The median time of one request to each page on an otherwise idle server (after 10 unmeasured)."""
    medians = []
    for user, path in ((INBOX[0], "/tasks/inbox"), (DISPATCH[0], "/tasks/dispatch")):
        times = []
        for n in range(50):
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", path, headers={"Cookie": cookies[user]})
            connection.getresponse().read()
            if n >= 10:
                times.append((time.perf_counter() - started) * 1000)
        medians.append(f"{path} {sorted(times)[len(times) // 2]:.1f} ms")
    print("one request at a time, no load (the machine's speed now): " + ", ".join(medians))


def percentile(values, share):
    return values[min(len(values) - 1, int(len(values) * share))] if values else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rate", type=float, default=150.0, help="requests a second (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long (default %(default)s)")
    parser.add_argument("--threads", type=int, default=100, help="senders (default %(default)s)")
    parser.add_argument("--calibrate", action="store_true", help="time single requests without load, then stop")
    args = parser.parse_args()

    plan = [(user, "/tasks/inbox") for user in INBOX] + [(user, "/tasks/dispatch") for user in DISPATCH]
    cookies = {user: sign_in(args.port, user) for user, _ in plan}
    if args.calibrate:
        calibrate(args.port, cookies)
        return
    jobs, results, failures = queue.Queue(), [], []

    def send():
        while (job := jobs.get()) is not None:
            scheduled, user, path = job
            try:
                connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                connection.request("GET", path, headers={"Cookie": cookies[user]})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(f"{path}: {response.status}")
            except OSError as error:
                failures.append(f"{path}: {error}")
            results.append((path, (time.perf_counter() - scheduled) * 1000))

    senders = [threading.Thread(target=send, daemon=True) for _ in range(args.threads)]
    for sender in senders:
        sender.start()
    start = time.perf_counter()
    for n in range(int(args.rate * args.seconds)):
        scheduled = start + n / args.rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        jobs.put((scheduled, *plan[n % len(plan)]))
    for _ in senders:
        jobs.put(None)
    for sender in senders:
        sender.join()
    elapsed = time.perf_counter() - start

    print(f"\n{'request':44} {'count':>7} {'errors':>6} {'p50':>7} {'p95':>7} {'p99':>7}  (ms)")
    for path in ("/tasks/inbox", "/tasks/dispatch"):
        times = sorted(ms for p, ms in results if p == path)
        errors = sum(1 for f in failures if f.startswith(path + ":"))
        print(f"{'GET ' + path:44} {len(times):>7} {errors:>6} {percentile(times, .5):>7.0f} "
              f"{percentile(times, .95):>7.0f} {percentile(times, .99):>7.0f}")
    times = sorted(ms for _, ms in results)
    print(f"\nopen loop, {args.rate:g} requests/s offered for {args.seconds:g} s: {len(results) / elapsed:.1f} "
          f"requests/s answered; p50 {percentile(times, .5):.0f} ms, p95 {percentile(times, .95):.0f} ms, "
          f"p99 {percentile(times, .99):.0f} ms; {len(results)} requests, errors: {len(failures)}")
    for failure in sorted(set(failures))[:10]:
        print(f"  error: {failure}")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
