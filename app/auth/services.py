"""Sign-in with throttling, user administration and API tokens. Services flush and audit; never commit."""

import math
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app

from app.auth import passwords, throttling
from app.auth.models import (
    ApiToken,
    Role,
    SignInAttempt,
    TokenScope,
    User,
    UserSession,
    hash_password,
    hash_token,
    verify_password,
)
from app.core.audit import record_change, record_update, snapshot
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.core.text import one_line
from app.core.transactions import ensure_writer
from app.extensions import db

USER_FIELDS = ("username", "display_name", "role", "unit_id", "person_id", "email", "phone", "is_active_account")
USERNAME_PATTERN = re.compile(r"[a-z0-9_.-]+")


class SignInRefused(ServiceError):
    status = 401
    code = "sign_in_refused"

    def __init__(self, message, retry_after=None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after  # seconds, for the Retry-After header of a delayed attempt


WRONG_CREDENTIALS = "用户名或密码不正确。"


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


# --- signing in: read, check the password outside any transaction, record -------------------------------------
#
# On SQLite a POST holds the database's write lock from its first query to its commit (app/core/transactions.py),
# and argon2 is slow on purpose. So the view reads what the check needs (sign_in_candidate), ends that transaction,
# checks the password with no transaction open (check_password), then records the outcome in a short new
# transaction (record_sign_in) and commits once. Throttling rules: app/auth/throttling.py.


@dataclass(frozen=True)
class SignInCandidate:
    """What the password check needs, read before it; no ORM object, so nothing outlives the read transaction."""

    username: str  # as typed, normalised: the throttling key, whether or not an account has it
    address: str
    user_id: int | None  # None: no account has this name
    password_hash: str | None
    is_active: bool


@dataclass(frozen=True)
class PasswordCheck:
    ok: bool
    new_hash: str | None  # the password hashed again with today's parameters, when the stored hash is outdated


def sign_in_candidate(username: str, address: str) -> SignInCandidate:
    """Read the account and refuse a delayed attempt (429, the same for every name); writes nothing."""
    username = normalise_username(username)
    address = (address or "-")[:64]
    _refuse_if_delayed(username, address)
    row = db.session.execute(sa.select(User.id, User.password_hash, User.is_active_account)
                             .where(User.username == username)).one_or_none()
    if row is None:
        return SignInCandidate(username, address, None, None, False)
    return SignInCandidate(username, address, row.id, row.password_hash, row.is_active_account)


def check_password(candidate: SignInCandidate, password: str) -> PasswordCheck:
    """The slow part, no database: an unknown name spends a check too, so timing reveals no accounts."""
    return PasswordCheck(*verify_password(candidate.password_hash, password or ""))


def record_sign_in(candidate: SignInCandidate, check: PasswordCheck):
    """Record the attempt; return the user for a right password, raise SignInRefused (in Chinese) otherwise.

    Identical answers whether the name exists or not: a wrong password is 401 "用户名或密码不正确。", a delayed
    attempt 429. Only after the right password may the answer differ: a deactivated account is told so (403).
    The wait is checked again here, inside the writing transaction, so that attempts sent in parallel before the
    first failures were recorded cannot get past it; such an attempt is refused whatever its password.
    """
    now = utcnow()
    _refuse_if_delayed(candidate.username, candidate.address)
    user = db.session.get(User, candidate.user_id) if candidate.user_id is not None else None
    # A password changed since the read: the check was against the old hash, so it proves nothing.
    ok = check.ok and user is not None and user.password_hash == candidate.password_hash
    if ok and not user.is_active_account:
        db.session.add(SignInAttempt(username=candidate.username, address=candidate.address, succeeded=False))
        raise SignInRefused("该账号已停用，请联系千百十办。", status=403, code="inactive")
    if not ok:
        _count_failure(candidate, user, now)
        raise SignInRefused(WRONG_CREDENTIALS)
    if check.new_hash is not None:
        user.password_hash = check.new_hash
    db.session.add(SignInAttempt(username=candidate.username, address=candidate.address, succeeded=True))
    throttling.clear_failures(SignInAttempt.username == candidate.username,
                              SignInAttempt.address == candidate.address)
    user.last_sign_in_at = now
    return user


def _refuse_if_delayed(username, address):
    now = utcnow()
    until = throttling.delayed_until(username, address, now)
    if until is not None:
        minutes = throttling.minutes_left(until, now)
        raise SignInRefused(f"登录尝试过于频繁，请 {minutes} 分钟后再试。", status=429, code="too_many_attempts",
                            retry_after=math.ceil((until - now).total_seconds()))


def _count_failure(candidate, user, now):
    """Record a failure; audit a known account's pair reaching its first wait (the office sees the address)."""
    db.session.add(SignInAttempt(username=candidate.username, address=candidate.address, succeeded=False))
    db.session.flush()
    rules = throttling.policy()
    # Counted for unknown names too, so that a known name's answer costs no extra work to time.
    failures = db.session.scalar(sa.select(sa.func.count()).select_from(SignInAttempt).where(
        SignInAttempt.username == candidate.username, SignInAttempt.address == candidate.address,
        throttling.still_counting(), *throttling.recent_failures(now, rules)))
    if user is not None and failures == rules.pair.threshold:
        until = rules.pair.delayed_until(failures, now)
        record_change(None, "user.sign_in_delay", user, None,
                      {"address": candidate.address, "failures": failures, "until": until.isoformat()},
                      reason="同一地址多次登录失败，该地址的登录被延迟")


def _check_password_strength(password, username, allow_demo=False, field="password"):
    """Refuse a password that breaks the policy (app.auth.passwords), saying in Chinese what to fix."""
    message = passwords.problem(password, username, allow_demo=allow_demo)
    if message:
        raise ServiceError(message, field=field)


def note_password_policy(user, password, allow_demo=False):
    """At sign-in, the one moment the plain password is known: mark an account whose password predates the
    policy and breaks it, so that every page leads to the account page until it is changed."""
    if passwords.problem(password, user.username, allow_demo=allow_demo) and not user.must_change_password:
        user.must_change_password = True


def _check_lengths(display_name, email, phone):
    # One-line fields (no control characters: a name with CR LF breaks every header and Excel cell it reaches), at
    # most the columns' sizes: PostgreSQL would refuse longer values with an error page, SQLite would keep them.
    for value, label, size, field in ((display_name, "姓名", 50, "display_name"), (email, "电子邮箱", 120, "email"),
                                      (phone, "电话", 30, "phone")):
        if value:
            one_line(value, label, size, field=field)


def _check_role_binding(role, unit, person):
    if role in (Role.staff, Role.admin) and unit is None:
        raise ServiceError("单位工作人员和千百十办管理员必须选择所属单位。", field="unit")
    if role is Role.admin and unit is not None and not unit.is_office:
        raise ServiceError("千百十办管理员必须属于千百十办。", field="unit")
    if role is Role.leader and person is None:
        raise ServiceError("市领导账号必须关联一位领导（人员）。", field="person")
    if unit is not None and not unit.is_active:
        raise ServiceError(f"单位“{unit.name}”已停用，不能添加账号。", field="unit")


def create_user(actor, username, display_name, password, role: Role, unit=None, person=None,
                email=None, phone=None, allow_demo_password=False):
    """Create an account. Only `flask demo` passes allow_demo_password, for its published demo password."""
    username = normalise_username(username)
    if not username:
        raise ServiceError("请填写用户名。", field="username")
    if len(username) > 50:
        raise ServiceError("用户名不能超过 50 个字符。", field="username")
    if not USERNAME_PATTERN.fullmatch(username):
        raise ServiceError("用户名只能包含英文字母、数字、下划线、点和减号。", field="username")
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise ServiceError(f"用户名“{username}”已被使用，请换一个。", field="username")
    _check_lengths(display_name, email, phone)
    _check_password_strength(password, username, allow_demo=allow_demo_password)
    _check_role_binding(role, unit, person)
    user = User(username=username, display_name=(display_name or "").strip() or username, role=role,
                unit=unit, person=person, email=email or None, phone=phone or None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_change(actor, "user.create", user, None, snapshot(user, USER_FIELDS))
    return user


def update_user(actor, user, display_name, role: Role, unit=None, person=None, email=None, phone=None):
    _check_lengths(display_name, email, phone)
    _check_role_binding(role, unit, person)
    before = snapshot(user, USER_FIELDS)
    user.display_name = (display_name or "").strip() or user.username
    user.role = role
    user.unit = unit
    user.person = person
    user.email = email or None
    user.phone = phone or None
    db.session.flush()
    record_update(actor, "user.update", user, before, USER_FIELDS)
    return user


@dataclass(frozen=True)
class PreparedPassword:
    """A new password that passed the policy, as its hash: made by `prepare_password` before the transaction that
    stores it, because hashing is slow on purpose and a writer holds SQLite's write lock until it commits."""

    username: str
    password_hash: str


def prepare_password(password, username, allow_demo=False, field="password") -> PreparedPassword:
    """Check a new password against the policy and hash it; no database work (call it with no transaction open).
    `field` names the form field a refusal belongs to."""
    _check_password_strength(password, username, allow_demo=allow_demo, field=field)
    return PreparedPassword(username, hash_password(password))


def reset_password(actor, user, password, keep_session=None):
    """Set a new password (plain, or prepared by `prepare_password` for this user); end every session of the user
    but `keep_session`, and revoke every API token."""
    if not isinstance(password, PreparedPassword):
        password = prepare_password(password, user.username)
    elif password.username != user.username:
        raise ServiceError("新密码不是为该账号准备的，请重新提交。", field="password")
    user.password_hash = password.password_hash
    user.must_change_password = False
    own = actor is not None and actor.id == user.id
    _end_sessions(user, "修改密码" if own else "管理员重置密码", keep=keep_session)
    _revoke_tokens(user)
    throttling.clear_failures(SignInAttempt.username == user.username)  # the new password starts afresh
    db.session.flush()
    record_change(actor, "user.reset_password", user, None, None)


def refuse_if_delayed(username, address):
    """Refuse (429, Chinese) a password check of a (name, address) pair that must wait: sign-in and the account
    page's current password alike."""
    _refuse_if_delayed(normalise_username(username), address)


def count_wrong_current_password(user, address):
    """The account page's current password was wrong: count it as a failure of the pair, as a sign-in's is, so that a
    stolen session is no free oracle for the password."""
    _count_failure(SignInCandidate(user.username, address, user.id, None, True), user, utcnow())


def change_own_password(user, current, new, current_session=None):
    """The user's own change: the session it is made from stays signed in, every other one ends. `current` is the
    current password, or True/False when the view has already checked it outside the transaction; `new` is plain
    or prepared."""
    right = current if isinstance(current, bool) else verify_password(user.password_hash, current or "")[0]
    if not right:
        raise ServiceError("当前密码不正确。", field="current_password")
    reset_password(user, user, new, keep_session=current_session)


def set_active(actor, user, active: bool):
    if actor is not None and actor.id == user.id and not active:
        raise ServiceError("不能停用自己的账号。")
    before = snapshot(user, USER_FIELDS)
    user.is_active_account = active
    if not active:
        _end_sessions(user, "账号停用")
        _revoke_tokens(user)
    db.session.flush()
    record_update(actor, "user.activate" if active else "user.deactivate", user, before, USER_FIELDS)


def unlock(actor, user):
    """End the waits of all the account's (name, address) pairs; the failures stay listed for the office."""
    throttling.clear_failures(SignInAttempt.username == user.username)
    record_change(actor, "user.unlock", user, None, None)


# --- server sessions ---------------------------------------------------------------------------------------

LAST_SEEN_STEP = timedelta(minutes=1)  # last_seen_at is written at most this often (a write per request is waste)


def open_session(user, remember=False, address=None, user_agent=None):
    """Start the server session of a user who has just signed in; return (UserSession, the plain token).

    The plain token goes into the session cookie (and the remember cookie) through User.get_session_id; the
    row keeps only its SHA-256. A remember-me session lives REMEMBER_DAYS without an idle limit; any other
    SESSION_ABSOLUTE_HOURS at most, and ends after SESSION_IDLE_HOURS without a request.
    """
    cfg = current_app.config
    now = utcnow()
    lifetime = timedelta(days=cfg["REMEMBER_DAYS"]) if remember else timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"])
    session_token = secrets.token_urlsafe(32)
    row = UserSession(user=user, token_hash=hash_token(session_token), created_at=now, last_seen_at=now,
                      expires_at=now + lifetime, is_remembered=bool(remember), address=(address or "")[:64] or None,
                      user_agent=(user_agent or "")[:300] or None)
    db.session.add(row)
    db.session.flush()
    user.current_session, user.current_session_token = row, session_token
    return row, session_token


def session_is_valid(row, now):
    """Not ended, the account active, before the absolute deadline and (unless remembered) not idle too long."""
    if row.revoked_at is not None or not row.user.is_active_account or now >= row.expires_at:
        return False
    idle = timedelta(hours=current_app.config["SESSION_IDLE_HOURS"])
    return row.is_remembered or now - row.last_seen_at <= idle


# Figures of the signed-in user that every page's frame shows (the navigation bell's unread notifications), read in
# the statement that reads the session row: one round trip fewer on every page (issue #13). name -> a function of
# the user id column giving a scalar subquery; registered by the domains when the app is created (app.reminders).
_session_figures = {}


def register_session_figure(name, build):
    """Read `build(UserSession.user_id)` with every session row; the user's `session_figures[name]` holds it."""
    if name not in _session_figures:
        _session_figures[name] = build
        _session_statement.cache_clear()


@cache
def _session_statement():
    # built once: every signed-in request asks (see app.tasks.queries on per-request statements)
    figures = [build(UserSession.user_id).label(name) for name, build in _session_figures.items()]
    return sa.select(UserSession, *figures).where(UserSession.token_hash == sa.bindparam("token_hash"))


def session_for_token(session_token):
    """(the valid session a cookie's token names, with its user's current_session set, or None; whether the
    visit was noted).

    Notes the visit (last_seen_at) at most once a minute. On SQLite a GET runs as a reader, so ensure_writer()
    makes this unit of work a writer before anything is changed; the caller commits when the visit was noted
    (the change may already be flushed by then, so session.dirty does not tell).
    """
    if not isinstance(session_token, str) or not session_token or len(session_token) > 100:
        return None, False
    found = db.session.execute(_session_statement(), {"token_hash": hash_token(session_token)}).first()
    row = found[0] if found is not None else None
    now = utcnow()
    if row is None or not session_is_valid(row, now):
        return None, False
    noted = now - row.last_seen_at >= LAST_SEEN_STEP
    if noted:
        ensure_writer()
        row.last_seen_at = now
    row.user.current_session, row.user.current_session_token = row, session_token
    row.user.session_figures = dict(zip(_session_figures, found[1:], strict=True))
    return row, noted


def _end_sessions(user, reason, keep=None):
    """End every open session of the user except `keep`; return how many ended."""
    query = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(query.values(revoked_at=utcnow(), revoked_reason=reason)
                                .execution_options(synchronize_session="fetch"))
    return result.rowcount


def end_session(row, reason="退出登录"):
    """Sign-out: end this session (and so its remember cookie). Not audited, as a sign-in is not."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revoked_reason = reason
        db.session.flush()


def revoke_session(actor, row):
    """"退出此会话" on the account page: end one of the actor's own sessions."""
    if row.user_id != actor.id:
        raise ServiceError("只能退出自己的会话。", status=403, code="forbidden")
    if not session_is_valid(row, utcnow()):
        raise ServiceError("该会话已结束。", status=409, code="already_ended")
    end_session(row, "在账号页面退出")
    record_change(actor, "user_session.revoke", row, None,
                  {"address": row.address, "signed_in_at": row.created_at.isoformat()})


def revoke_other_sessions(actor, current):
    """"退出全部其他会话": end every session of the actor but the current one; return how many ended."""
    ended = _end_sessions(actor, "退出全部其他会话", keep=current)
    db.session.flush()
    record_change(actor, "user_session.revoke_others", actor, None, {"ended": ended})
    return ended


# --- API tokens ---------------------------------------------------------------------------------------------

TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 365
TOKEN_LAST_USE_STEP = timedelta(minutes=1)  # last_used_at is written at most this often (or on a new address)


class TokenRefused(ServiceError):
    status = 401
    code = "unauthorized"


def _revoke_tokens(user):
    db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))


def create_token(actor, user, name, scope=TokenScope.read_write, days=TOKEN_DEFAULT_DAYS):
    """Create a token valid for `days` (1 to 365); return (ApiToken, the plain token, shown once)."""
    name = one_line(name, "令牌用途", 100, field="name")
    if not name:
        raise ServiceError("请填写令牌用途。", field="name")
    if not isinstance(scope, TokenScope):
        raise ServiceError("请选择令牌权限：只读或读写。", field="scope")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= TOKEN_MAX_DAYS:
        raise ServiceError(f"令牌有效期最长 {TOKEN_MAX_DAYS} 天，请填写 1 到 {TOKEN_MAX_DAYS} 之间的天数。",
                           field="expires_in_days")
    if actor.id != user.id and not actor.is_admin:
        raise ServiceError("只能为自己创建令牌。", status=403, code="forbidden")
    secret = "qbs_" + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=hash_token(secret), prefix=secret[:10],
                     created_by_id=actor.id, scope=scope, expires_at=utcnow() + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    record_change(actor, "api_token.create", token, None,
                  {"name": name, "user_id": user.id, "scope": scope.value, "expires_at": token.expires_at.isoformat()})
    return token, secret


def revoke_token(actor, token):
    if actor.id != token.user_id and not actor.is_admin:
        raise ServiceError("只能吊销自己的令牌。", status=403, code="forbidden")
    if token.revoked_at is not None:
        raise ServiceError("该令牌已吊销。", code="already_revoked", status=409)
    token.revoked_at = utcnow()
    record_change(actor, "api_token.revoke", token, None, {"revoked_at": token.revoked_at.isoformat()})


def token_for_bearer(secret: str, address=None):
    """The valid token a bearer value names; TokenRefused (401, in Chinese) when missing, unknown, revoked,
    expired, or its account is deactivated.

    Notes the last use (when, from where) at most once a minute or on a new address. On SQLite a GET runs as a
    reader, so ensure_writer() makes it a writer before the row changes; the caller commits.
    """
    if not secret:
        raise TokenRefused("缺少访问令牌，请在 Authorization 头中提供 Bearer 令牌。")
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active_account:
        raise TokenRefused("访问令牌无效、已吊销或账号已停用。")
    now = utcnow()
    if token.is_expired(now):
        raise TokenRefused("访问令牌已过期，请在“我的账号”页面创建新令牌。", code="token_expired")
    address = (address or "")[:64] or None
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_LAST_USE_STEP \
            or token.last_used_from != address:
        ensure_writer()
        token.last_used_at = now
        token.last_used_from = address
    return token
