"""Sign-in throttling: growing waits per (name, address) pair and per address; no account is ever locked.

Why this shape (issue #11, 4): a lock of the *account* after a few failures let anyone lock any official out,
and a flat refusal of an *address* shut out everyone behind one proxy. So:

- Failures are counted per pair (the name typed, the client address). From ``LOGIN_MAX_FAILURES`` failures of the
  pair within the window on, the pair waits 1, 2, 4 ... minutes after its last failure, at most
  ``LOGIN_MAX_DELAY_MINUTES``. The real user at another address is not slowed down by an attacker's pair.
- Failures are also counted per address over every name (password spraying): from ``LOGIN_ADDRESS_MAX_FAILURES``
  on, the address waits the same way, at most ``LOGIN_ADDRESS_MAX_DELAY_MINUTES``: a growing wait, never a
  refusal for good.
- The name is the name *typed*: an unknown name is throttled exactly as a known one, so the answers (and the
  work behind them) never tell whether an account exists.
- A success clears its pair's failures; an administrator's unlock clears all of an account's failures (the rows
  stay for the office's list, marked ``is_cleared``). A refused (delayed) attempt is not recorded and costs no
  password check, so hammering during a wait neither lengthens the wait nor loads the server.

Everything is computed from ``sign_in_attempts`` in the database, so every worker counts together.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.auth.models import SignInAttempt
from app.extensions import db


@dataclass(frozen=True)
class Rule:
    """From `threshold` counting failures on, wait 2**(failures - threshold) minutes after the last, up to a cap."""

    threshold: int
    max_delay: timedelta

    def delayed_until(self, failures: int, last_failure_at: datetime | None) -> datetime | None:
        if failures < self.threshold or last_failure_at is None:
            return None
        doublings = min(failures - self.threshold, 30)  # 2**30 minutes is past any cap; no overflow
        return last_failure_at + min(self.max_delay, timedelta(minutes=2 ** doublings))


@dataclass(frozen=True)
class Policy:
    window: timedelta
    pair: Rule
    address: Rule

    def window_start(self, now: datetime) -> datetime:
        return now - self.window


def policy() -> Policy:
    cfg = current_app.config
    return Policy(window=timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"]),
                  pair=Rule(cfg["LOGIN_MAX_FAILURES"], timedelta(minutes=cfg["LOGIN_MAX_DELAY_MINUTES"])),
                  address=Rule(cfg["LOGIN_ADDRESS_MAX_FAILURES"],
                               timedelta(minutes=cfg["LOGIN_ADDRESS_MAX_DELAY_MINUTES"])))


def recent_failures(now: datetime, rules: Policy):
    """The conditions of the failures within the window (cleared or not)."""
    return SignInAttempt.succeeded.is_(False), SignInAttempt.at >= rules.window_start(now)


def still_counting():
    """The condition of a failure that still counts towards a wait."""
    return SignInAttempt.is_cleared.is_(False)


def delayed_until(username: str, address: str, now: datetime) -> datetime | None:
    """Until when the pair (or its address) must wait, or None; one aggregate query over the address's failures."""
    rules = policy()
    of_pair = SignInAttempt.username == username
    pair_count, pair_last, address_count, address_last = db.session.execute(
        sa.select(sa.func.count(sa.case((of_pair, 1))), sa.func.max(sa.case((of_pair, SignInAttempt.at))),
                  sa.func.count(), sa.func.max(SignInAttempt.at))
        .where(SignInAttempt.address == address, still_counting(), *recent_failures(now, rules))).one()
    ends = [end for end in (rules.pair.delayed_until(pair_count, pair_last),
                            rules.address.delayed_until(address_count, address_last)) if end is not None and end > now]
    return max(ends) if ends else None


def minutes_left(until: datetime, now: datetime) -> int:
    """Whole minutes to wait, rounded up, at least 1: what the refusal tells the user."""
    return max(1, math.ceil((until - now).total_seconds() / 60))


def clear_failures(*conditions):
    """Mark the counting failures matching `conditions` as cleared (one UPDATE; the rows stay for the office)."""
    db.session.execute(sa.update(SignInAttempt)
                       .where(SignInAttempt.succeeded.is_(False), still_counting(), *conditions)
                       .values(is_cleared=True).execution_options(synchronize_session=False))
