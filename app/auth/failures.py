"""Reads for the office's list of recent failed sign-ins (by account and by address), a constant number of
queries per page: the page's keys, then one aggregate per table shown, never one query per row."""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app.auth import throttling
from app.auth.models import SignInAttempt, User
from app.core.pagination import paginate_rows
from app.extensions import db

SHOWN_PER_ROW = 5  # addresses listed under an account, names under an address; the rest are counted


@dataclass
class PairFailures:
    username: str
    address: str
    failures: int  # within the window, cleared or not
    last_at: datetime
    waiting_until: datetime | None  # the pair's own wait, if it is running


@dataclass
class FailureGroup:
    """One account (the name typed) or one address, with the pairs behind it, most recent first."""

    id: str  # the name or the address: the pagination's key
    failures: int
    last_at: datetime
    waiting_until: datetime | None
    user_id: int | None = None  # by account: the account having that name, if any
    names: int = 0  # by address: how many names were tried
    pairs: list[PairFailures] = field(default_factory=list)

    @property
    def shown_pairs(self):
        return self.pairs[:SHOWN_PER_ROW]

    @property
    def more_pairs(self):
        return max(0, len(self.pairs) - SHOWN_PER_ROW)


def _pairs(now, rules, condition):
    """The failures of the window grouped by (name, address), with what still counts towards a wait."""
    counting = throttling.still_counting()
    rows = db.session.execute(
        sa.select(SignInAttempt.username, SignInAttempt.address, sa.func.count(), sa.func.max(SignInAttempt.at),
                  sa.func.count(sa.case((counting, 1))), sa.func.max(sa.case((counting, SignInAttempt.at))))
        .where(condition, *throttling.recent_failures(now, rules))
        .group_by(SignInAttempt.username, SignInAttempt.address)
        .order_by(sa.func.max(SignInAttempt.at).desc(), SignInAttempt.username, SignInAttempt.address))
    pairs = []
    for username, address, failures, last_at, counted, counted_last in rows:
        until = rules.pair.delayed_until(counted, counted_last)
        pairs.append(PairFailures(username, address, failures, last_at, until if until and until > now else None))
    return pairs


def failures_by_account(now):
    """Names with failures in the window, most recent first, each with its addresses (paginated)."""
    rules = throttling.policy()
    keys = (sa.select(SignInAttempt.username).where(*throttling.recent_failures(now, rules))
            .group_by(SignInAttempt.username)
            .order_by(sa.func.max(SignInAttempt.at).desc(), SignInAttempt.username))

    def load(usernames):
        accounts = dict(db.session.execute(sa.select(User.username, User.id).where(User.username.in_(usernames))).all())
        groups = {name: FailureGroup(name, 0, None, None, user_id=accounts.get(name)) for name in usernames}
        for pair in _pairs(now, rules, SignInAttempt.username.in_(usernames)):
            _add(groups[pair.username], pair)
        return list(groups.values())

    return paginate_rows(keys, load)


def failures_by_address(now):
    """Addresses with failures in the window, most recent first, each with its names and its own wait."""
    rules = throttling.policy()
    keys = (sa.select(SignInAttempt.address).where(*throttling.recent_failures(now, rules))
            .group_by(SignInAttempt.address)
            .order_by(sa.func.max(SignInAttempt.at).desc(), SignInAttempt.address))

    def load(addresses):
        groups = {address: FailureGroup(address, 0, None, None) for address in addresses}
        for pair in _pairs(now, rules, SignInAttempt.address.in_(addresses)):
            _add(groups[pair.address], pair)
            groups[pair.address].names += 1
        counting = throttling.still_counting()
        for address, counted, counted_last in db.session.execute(
                sa.select(SignInAttempt.address, sa.func.count(), sa.func.max(SignInAttempt.at))
                .where(SignInAttempt.address.in_(addresses), counting, *throttling.recent_failures(now, rules))
                .group_by(SignInAttempt.address)):
            until = rules.address.delayed_until(counted, counted_last)
            if until is not None and until > now:
                group = groups[address]
                group.waiting_until = max(until, group.waiting_until or until)
        return list(groups.values())

    return paginate_rows(keys, load)


def _add(group, pair):
    group.pairs.append(pair)
    group.failures += pair.failures
    group.last_at = max(pair.last_at, group.last_at or pair.last_at)
    if pair.waiting_until is not None:
        group.waiting_until = max(pair.waiting_until, group.waiting_until or pair.waiting_until)
