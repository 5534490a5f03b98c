"""Sign-in with throttling, user administration and API tokens. Services flush and audit; never commit."""

import math
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from app.auth import throttling
from app.auth.models import ApiToken, Role, SignInAttempt, User, hash_token, verify_password
from app.core.audit import record_change, record_update, snapshot
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.extensions import db

USER_FIELDS = ("username", "display_name", "role", "unit_id", "person_id", "email", "phone", "is_active_account")
MIN_PASSWORD = 8
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
    if user is None:
        return
    failures = db.session.scalar(sa.select(sa.func.count()).select_from(SignInAttempt).where(
        SignInAttempt.username == candidate.username, SignInAttempt.address == candidate.address,
        throttling.still_counting(), *throttling.recent_failures(now, rules)))
    if failures == rules.pair.threshold:
        until = rules.pair.delayed_until(failures, now)
        record_change(None, "user.sign_in_delay", user, None,
                      {"address": candidate.address, "failures": failures, "until": until.isoformat()},
                      reason="同一地址多次登录失败，该地址的登录被延迟")


def _check_password_strength(password):
    if password is None or len(password) < MIN_PASSWORD:
        raise ServiceError(f"密码至少需要 {MIN_PASSWORD} 个字符。", field="password")
    if len(password) > 128:
        raise ServiceError("密码不能超过 128 个字符。", field="password")
    if password.isdigit() or password.isalpha():
        raise ServiceError("密码需同时包含字母和数字（或符号）。", field="password")


def _check_lengths(display_name, email, phone):
    # The columns' sizes: PostgreSQL would refuse longer values with an error page, SQLite would keep them.
    for value, label, size, field in ((display_name, "姓名", 50, "display_name"), (email, "电子邮箱", 120, "email"),
                                      (phone, "电话", 30, "phone")):
        if value and len(value.strip()) > size:
            raise ServiceError(f"{label}不能超过 {size} 个字符。", field=field)


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
                email=None, phone=None):
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
    _check_password_strength(password)
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


def reset_password(actor, user, password):
    _check_password_strength(password)
    user.set_password(password)
    user.session_version += 1  # signs the user out everywhere
    throttling.clear_failures(SignInAttempt.username == user.username)  # the new password starts afresh
    db.session.flush()
    record_change(actor, "user.reset_password", user, None, None)


def change_own_password(user, current, new):
    if not user.check_password(current or ""):
        raise ServiceError("当前密码不正确。", field="current_password")
    reset_password(user, user, new)


def set_active(actor, user, active: bool):
    if actor is not None and actor.id == user.id and not active:
        raise ServiceError("不能停用自己的账号。")
    before = snapshot(user, USER_FIELDS)
    user.is_active_account = active
    if not active:
        user.session_version += 1
        db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                           .values(revoked_at=utcnow()))
    db.session.flush()
    record_update(actor, "user.activate" if active else "user.deactivate", user, before, USER_FIELDS)


def unlock(actor, user):
    """End the waits of all the account's (name, address) pairs; the failures stay listed for the office."""
    throttling.clear_failures(SignInAttempt.username == user.username)
    record_change(actor, "user.unlock", user, None, None)


def create_token(actor, user, name):
    """Create a token; return (ApiToken, the plain token, shown once)."""
    name = (name or "").strip()
    if not name:
        raise ServiceError("请填写令牌用途。", field="name")
    if len(name) > 100:
        raise ServiceError("令牌用途不能超过 100 个字符。", field="name")
    if actor.id != user.id and not actor.is_admin:
        raise ServiceError("只能为自己创建令牌。", status=403, code="forbidden")
    plain = "qbs_" + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=hash_token(plain), prefix=plain[:10],
                     created_by_id=actor.id)
    db.session.add(token)
    db.session.flush()
    record_change(actor, "api_token.create", token, None, {"name": name, "user_id": user.id})
    return token, plain


def revoke_token(actor, token):
    if actor.id != token.user_id and not actor.is_admin:
        raise ServiceError("只能吊销自己的令牌。", status=403, code="forbidden")
    if token.revoked_at is not None:
        raise ServiceError("该令牌已吊销。", code="already_revoked", status=409)
    token.revoked_at = utcnow()
    record_change(actor, "api_token.revoke", token, None, {"revoked_at": token.revoked_at.isoformat()})


def user_for_token(plain: str):
    """The active user a bearer token belongs to, or None (unknown, revoked, or user deactivated)."""
    if not plain:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    if token is None or token.revoked_at is not None or not token.user.is_active_account:
        return None
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at) > timedelta(minutes=5):
        token.last_used_at = now  # coarse, to avoid a write on every request
    return token.user
