"""Sign-in with throttling, user administration and API tokens. Services flush and audit; never commit."""

import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.auth.models import ApiToken, Role, SignInAttempt, User, check_password_of_nobody, hash_token
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


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def authenticate(username: str, password: str, address: str):
    """Return the user for a right password; raise SignInRefused (in Chinese) otherwise.

    Failures are counted in the database, per account (users.failed_sign_ins, updated atomically so that
    several workers count together; it starts again after a quiet window) and per address (sign_in_attempts);
    too many lock the account. An unknown username costs a password check too, so timing reveals no accounts.
    """
    cfg = current_app.config
    now = utcnow()
    username = normalise_username(username)
    window_start = now - timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"])
    address_failures = db.session.scalar(
        sa.select(sa.func.count()).select_from(SignInAttempt).where(
            SignInAttempt.address == address, SignInAttempt.at >= window_start,
            SignInAttempt.succeeded.is_(False)))
    if address_failures >= cfg["LOGIN_MAX_FAILURES"] * 4:
        raise SignInRefused("该地址登录失败次数过多，请稍后再试。", status=429, code="too_many_attempts")

    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is not None and user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        db.session.add(SignInAttempt(username=username, address=address, succeeded=False))
        raise SignInRefused(f"该账号因多次登录失败已被临时锁定，请约 {minutes} 分钟后再试，或联系千百十办解锁。",
                            status=429, code="locked")
    if user is None:
        check_password_of_nobody(password or "")
    if user is None or not user.check_password(password or ""):
        attempt = SignInAttempt(username=username, address=address, succeeded=False)
        db.session.add(attempt)
        if user is not None:
            _count_failure(user, attempt, now)
        raise SignInRefused("用户名或密码不正确。")
    if not user.is_active_account:
        db.session.add(SignInAttempt(username=username, address=address, succeeded=False))
        raise SignInRefused("该账号已停用，请联系千百十办。", status=403, code="inactive")
    db.session.add(SignInAttempt(username=username, address=address, succeeded=True))
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    return user


def _count_failure(user, attempt, now):
    cfg = current_app.config
    db.session.flush()  # the attempt needs its id, to tell it from the account's earlier failures
    window_start = now - timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"])
    # The count starts again when the account has no other failure within the window, so that a typo a week
    # ago does not help lock it today. One atomic UPDATE: concurrent workers cannot lose a failure.
    earlier_failure = sa.exists().where(
        SignInAttempt.username == user.username, SignInAttempt.succeeded.is_(False),
        SignInAttempt.at >= window_start, SignInAttempt.id != attempt.id)
    db.session.execute(sa.update(User).where(User.id == user.id)
                       .values(failed_sign_ins=sa.case((earlier_failure, User.failed_sign_ins + 1), else_=1))
                       .execution_options(synchronize_session=False))
    db.session.refresh(user, ["failed_sign_ins"])
    if user.failed_sign_ins >= cfg["LOGIN_MAX_FAILURES"]:
        user.locked_until = now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
        user.failed_sign_ins = 0
        record_change(None, "user.lock", user, None, {"locked_until": user.locked_until.isoformat()},
                      reason="连续登录失败")


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
    user.locked_until = None
    user.failed_sign_ins = 0
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
    user.locked_until = None
    user.failed_sign_ins = 0
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
