"""Mixed traffic for the load test (benchmarks/load/run.sh): unit staff reading their inbox, opening tasks and
reporting progress; vice mayors reading their dispatch lists; the office and the observer reading the overview
and the assessment results. Every simulated user signs in once through the real login form (CSRF included) with
one of the demo accounts of `flask demo`. Each account signs in once (argon2 is deliberately slow) and its
session cookie is shared by the simulated users on that account, as several browsers of one office would be.

A request counts as an error when its status is 400 or more, when a redirect lands on the sign-in page, or when
a follow-up is not confirmed; the run must end with 0 errors.
"""

import itertools
import os
import random
import re
from datetime import date

from gevent.lock import Semaphore
from locust import FastHttpUser, HttpUser, between, constant_throughput, task

PASSWORD = "Demo2026qbs"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TASK_LINK = re.compile(r'href="/tasks/(\d+)"')
FOLLOW_UP_FORM = re.compile(r'<form[^>]*id="follow-up"[^>]*>(.*?)</form>', re.S)
VERSION = re.compile(r'name="version"[^>]*value="(\d*)"')
YEAR = date.today().year

_accounts = {}
_sessions = {}  # username -> session cookie, after the first sign-in of that account
_sign_in_locks = {}  # username -> lock, so that an account signs in once while the others go on


def next_account(names):
    """Round-robin over the demo accounts of a kind, so that all of them are used."""
    key = tuple(names)
    if key not in _accounts:
        _accounts[key] = itertools.cycle(names)
    return next(_accounts[key])


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    accounts = ()

    def on_start(self):
        self.username = next_account(self.accounts)
        self.task_ids = []
        with _sign_in_locks.setdefault(self.username, Semaphore()):
            if self.username not in _sessions:
                self.sign_in()
                _sessions[self.username] = self.client.cookies.get("session")
        self.client.cookies.set("session", _sessions[self.username])

    def sign_in(self):
        page = self.client.get("/auth/login", name="/auth/login")
        token = CSRF.search(page.text)
        with self.client.post("/auth/login", name="/auth/login [POST]", catch_response=True,
                              data={"username": self.username, "password": PASSWORD,
                                    "csrf_token": token.group(1) if token else ""}) as response:
            if "/auth/" in response.url or not self.client.cookies.get("session"):
                response.failure(f"{self.username}: sign-in refused")

    def page(self, url, name):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.ok and "/auth/" in response.url:
                response.failure(f"redirected to {response.url} (signed out, or asked to change the password)")
            return response


class UnitStaff(SignedIn):
    """市工信局, 市发改委, 市科技局, 湘潭县, 湘潭高新区: inbox, task details, follow-ups."""

    weight = 5
    accounts = ("gxj", "fgw", "kjj", "xtx", "gxq")

    @task(4)
    def inbox(self):
        response = self.page("/tasks/inbox", "/tasks/inbox")
        self.task_ids = TASK_LINK.findall(response.text) if response.ok else []

    @task(3)
    def detail(self):
        if self.task_ids:
            self.page(f"/tasks/{random.choice(self.task_ids)}", "/tasks/<id>")

    @task(2)
    def follow_up(self):
        for task_id in random.sample(self.task_ids, k=min(3, len(self.task_ids))):
            detail = self.page(f"/tasks/{task_id}", "/tasks/<id>")
            form = FOLLOW_UP_FORM.search(detail.text) if detail.ok else None
            if form is None:
                continue  # not a task this unit can report on now
            csrf, version = CSRF.search(form.group(1)), VERSION.search(form.group(1))
            with self.client.post(f"/tasks/{task_id}/follow-up", name="/tasks/<id>/follow-up [POST]",
                                  catch_response=True,
                                  data={"csrf_token": csrf.group(1) if csrf else "",
                                        "version": version.group(1) if version else "",
                                        "text": "压测：本旬已完成设备安装调试，下一步组织验收。",
                                        "percent": str(random.randint(10, 90)),
                                        # a percent below the last report needs its reason (issue #16); the
                                        # form ignores it otherwise
                                        "decrease_reason": "压测：按实际完成量重新核定进度。"}) as response:
                # Accepted (a redirect to the task, 已反馈), or refused with 409 because someone else updated the
                # task meanwhile (the task page again with the form as typed, asking to check and resubmit): both
                # are correct answers under concurrent writes; anything else is an error.
                if response.status_code == 409 and "请刷新页面" in response.text:
                    response.success()
                elif response.status_code >= 400 or "/auth/" in response.url:
                    response.failure(f"follow-up: {response.status_code}")
            return


class ViceMayor(SignedIn):
    """杨晓军, 丁诚: the 10-day dispatch list of their portfolio, and the tasks on it."""

    weight = 2
    accounts = ("fushizhang", "fushizhang2")

    @task(4)
    def dispatch(self):
        response = self.page("/tasks/dispatch", "/tasks/dispatch")
        self.task_ids = TASK_LINK.findall(response.text) if response.ok else []

    @task(1)
    def detail(self):
        if self.task_ids:
            self.page(f"/tasks/{random.choice(self.task_ids)}", "/tasks/<id>")


class Office(SignedIn):
    """千百十办 and the observer: the overview with filters, quarterly and annual results."""

    weight = 3
    accounts = ("admin", "guancha", "shizhang")

    @task(3)
    def overview(self):
        query = random.choice(["", "?light=red", "?light=yellow&group=promotion", "?q=项目", "?state=in_progress"])
        self.page(f"/tasks/{query}", "/tasks/?filters")

    @task(2)
    def year_results(self):
        self.page(f"/scoring/{YEAR - 1}", "/scoring/<year>")

    @task(2)
    def quarter_results(self):
        self.page(f"/scoring/{YEAR - 1}/q{random.randint(1, 4)}", "/scoring/<year>/q<n>")


# --- the pages scenario (LOAD_SCENARIO=pages): the inbox and the dispatch list at a steady offered rate ------------
# Each simulated user asks for its page once a second (constant_throughput), so N users offer N requests a second
# and the run shows whether the server holds that rate. FastHttpUser (geventhttpclient) spends a fraction of the CPU
# of requests per request: on one machine the load generator and the server share the cores.

_fast_sessions = {}  # username -> session cookie value
USER_RATE = float(os.environ.get("LOAD_USER_RATE", "1"))  # requests a second each simulated user asks for


class FastSignedIn(FastHttpUser):
    abstract = True
    wait_time = constant_throughput(USER_RATE)
    accounts = ()
    path = "/"

    def on_start(self):
        self.username = next_account(self.accounts)
        with _sign_in_locks.setdefault(("fast", self.username), Semaphore()):
            if self.username not in _fast_sessions:
                page = self.client.get("/auth/login", name="/auth/login")
                token = CSRF.search(page.text)
                self.client.post("/auth/login", name="/auth/login [POST]",
                                 data={"username": self.username, "password": PASSWORD,
                                       "csrf_token": token.group(1) if token else ""})
                cookie = next((c.value for c in self.client.cookiejar if c.name == "session"), None)
                if cookie is None:
                    raise RuntimeError(f"{self.username}: sign-in refused")
                _fast_sessions[self.username] = cookie
        self.headers = {"Cookie": f"session={_fast_sessions[self.username]}"}

    @task
    def read(self):
        with self.client.get(self.path, name=self.path, headers=self.headers, allow_redirects=False,
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} (302 = signed out)")


class InboxReader(FastSignedIn):
    """Unit staff reading their unit's inbox."""

    weight = 5
    accounts = ("gxj", "fgw", "kjj", "xtx", "gxq")
    path = "/tasks/inbox"


class DispatchReader(FastSignedIn):
    """Vice mayors reading their dispatch list."""

    weight = 2
    accounts = ("fushizhang", "fushizhang2")
    path = "/tasks/dispatch"
