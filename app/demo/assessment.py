"""What the assessment's demos share (app.demo.scoring and app.demo.criteria): the demo year, the units whose
scores tie, the half-point rounding of demo scores, and `Actors` — who acts for each unit, on a clock moved from
day to day. The criteria demo runs first (it publishes the 考评细则 the scores then follow) and the scoring demo
builds on it: both import this module, and only the scoring demo imports the criteria demo."""

from datetime import datetime, timedelta
from datetime import time as clock_time
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app.auth.models import Role, User
from app.auth.passwords import DEMO_PASSWORD
from app.auth.services import create_user
from app.core.calendar import get_calendar
from app.extensions import db
from app.org.models import Unit
from app.scoring.year_rules import assessed_units

ZERO = Decimal(0)

# Pairs of units made to tie on every quarter's score, so the results show a shared rank (1, 2, 2, 4).
TIE_PAIRS = {"park2": ("韶山高新区管委会", "雨湖高新区管委会"), "support": ("市林业局", "市水利局")}


def demo_year(today):
    return today.year - 1


def _score(maximum, ratio):
    """maximum × ratio, down to half points, within 0..maximum."""
    value = (maximum * ratio * 2).to_integral_value(rounding=ROUND_FLOOR) / 2
    return min(maximum, max(ZERO, value)).quantize(Decimal("0.01"))


class Actors:
    """Who acts for each unit (the office's admin, a unit's first staff account, created when missing) and the
    demo's clock, set to a time of each day the demo writes on."""

    def __init__(self, today, clock):
        self.today = today
        self.clock = clock
        self.tz = ZoneInfo(current_app.config["TIMEZONE"])
        app_clock = current_app.extensions["clock"]
        self.now_local = app_clock.local_now() if app_clock.today() == today else \
            datetime.combine(today, clock_time(18, 0), tzinfo=self.tz)
        self.cal = get_calendar()
        self.units = assessed_units()
        self.all_units = {u.id: u for u in db.session.scalars(sa.select(Unit))}
        self.by_name = {u.name: u for u in self.all_units.values()}
        self.users = {u.username: u for u in db.session.scalars(sa.select(User))}
        self.admin = self.users.get("admin") or db.session.scalar(
            sa.select(User).where(User.role == Role.admin, User.is_active_account).order_by(User.id).limit(1))
        if self.admin is None:
            raise RuntimeError("演示考评数据需要千百十办管理员账号（请先运行 flask demo 载入演示账号）。")
        self.staff = {}
        for user in sorted(self.users.values(), key=lambda u: u.id):
            if user.role is Role.staff and user.unit_id is not None and user.is_active_account:
                self.staff.setdefault(user.unit_id, user)
        self.created = {"users": 0}

    # time
    def at(self, day, minutes=9 * 60):
        """Set the clock to `minutes` after local midnight of `day`, never later than now; returns the day."""
        moment = datetime.combine(day, clock_time(0, 0), tzinfo=self.tz) + timedelta(minutes=minutes)
        self.clock.set(min(moment, self.now_local - timedelta(minutes=1)))
        return min(day, self.today)

    def back(self, day):
        return day if self.cal.is_workday(day) else self.cal.previous_workday(day)

    def forward(self, day):
        return day if self.cal.is_workday(day) else self.cal.next_workday(day)

    # people
    def user_of(self, unit_id):
        """Who acts for a unit: the office's admin, else a staff user (created as u<unit id> when missing)."""
        if unit_id == self.admin.unit_id:
            return self.admin
        user = self.staff.get(unit_id)
        if user is None:
            unit = self.all_units[unit_id]
            username = f"u{unit_id}"
            user = self.users.get(username)
            if user is None:
                user = create_user(None, username, f"{unit.short_name}联络员", DEMO_PASSWORD, Role.staff, unit,
                                   allow_demo_password=True)
                self.users[username] = user
                self.created["users"] += 1
            self.staff[unit_id] = user
        return user
