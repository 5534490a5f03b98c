"""Users, their roles, sign-in failures, their signed-in sessions and API tokens."""

import hashlib
import secrets
from contextlib import suppress
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.models import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from app.extensions import db

# argon2id with the library's RFC 9106 "low memory" defaults.
_hasher = PasswordHasher()


class Role(LabelledEnum):
    admin = "admin", "千百十办管理员"
    leader = "leader", "市领导"
    staff = "staff", "单位工作人员"
    observer = "observer", "只读观察员"


@cache
def _unusable_hash():
    return _hasher.hash(secrets.token_urlsafe(24))


def check_password_of_nobody(password: str) -> bool:
    """Spend the time of a real check when the account does not exist, so timing does not reveal usernames."""
    with suppress(VerificationError, InvalidHashError):
        _hasher.verify(_unusable_hash(), password)
    return False


def hash_password(password: str) -> str:
    """The argon2id hash of a password: slow on purpose, so call it with no write transaction open."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Check a password against a stored hash, with no database work: (right?, a renewed hash or None).

    The renewed hash is made here when the stored one uses weaker parameters than today's, so that the caller
    can check and re-hash (both slow on purpose) before opening the transaction that saves the outcome. With
    no stored hash (an unknown name) the check is spent on a hash nobody can match.
    """
    if password_hash is None:
        return check_password_of_nobody(password), None
    try:
        ok = _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return ok, (_hasher.hash(password) if ok and _hasher.check_needs_rehash(password_hash) else None)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(50), unique=True, comment="sign-in name, lower case")
    display_name: Mapped[str] = mapped_column(sa.String(50), comment="name shown to others")
    password_hash: Mapped[str] = mapped_column(sa.String(200), comment="argon2id hash")
    role: Mapped[Role] = mapped_column(enum_column(Role), comment="what the user may do")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True,
                                                comment="the user's unit (staff and administrators)")
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True,
                                                  comment="the leader this account belongs to")
    email: Mapped[str | None] = mapped_column(sa.String(120), comment="for e-mail reminders")
    phone: Mapped[str | None] = mapped_column(sa.String(30), comment="contact phone")
    is_active_account: Mapped[bool] = mapped_column("is_active", default=True,
                                                    comment="deactivated users cannot sign in")
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="last successful sign-in")
    must_change_password: Mapped[bool] = mapped_column(
        default=False, comment="the password breaks the policy: every page leads to the account page until changed")

    unit = relationship("Unit", lazy="joined")
    person = relationship("Person", lazy="joined")

    @property
    def is_active(self):  # Flask-Login: inactive users are signed out
        return self.is_active_account

    # The signed-in session this request runs under (set by the user loader or at sign-in; never stored here).
    current_session = None
    current_session_token = None

    def get_id(self):
        # Identity only (Flask-Login's UserMixin compares users with it); sessions use get_session_id.
        return str(self.id)

    def get_session_id(self):
        """What Flask-Login keeps in the session cookie and the remember cookie: the server session's token.

        `login_manager.id_attribute` names this method, so that ending the UserSession row makes both cookies
        worthless (see app.auth.services.open_session and the user loader).
        """
        if self.current_session_token is None:
            raise RuntimeError("no server session attached: open one with app.auth.services.open_session")
        return self.current_session_token

    def set_password(self, password: str):
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        try:
            ok = _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if ok and _hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return ok

    @property
    def is_admin(self):
        return self.role is Role.admin

    @property
    def is_leader(self):
        return self.role is Role.leader

    @property
    def is_staff(self):
        return self.role is Role.staff

    @property
    def is_observer(self):
        return self.role is Role.observer

    @property
    def reads_all(self):
        """The office, the city leaders and the observers read every unit's tasks, records and results."""
        return self.role in (Role.admin, Role.leader, Role.observer)

    @property
    def assigns(self):
        """The office and the city leaders assign tasks (交办)."""
        return self.role in (Role.admin, Role.leader)

    @property
    def works_in_unit(self):
        """Staff and the office's administrators with a unit act for it (log its meetings, report its progress)."""
        return self.role in (Role.staff, Role.admin) and self.unit_id is not None

    def __repr__(self):
        return f"<User {self.username}>"


class SignInAttempt(db.Model):
    """Every sign-in attempt, counted per account and address in the database (works across workers)."""

    __tablename__ = "sign_in_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(50), comment="the name typed, lower case")
    address: Mapped[str] = mapped_column(sa.String(64), comment="client IP address")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="when (UTC)")
    succeeded: Mapped[bool] = mapped_column(comment="whether the sign-in succeeded")
    is_cleared: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false(),
        comment="a failure that no longer delays: the pair signed in since, or an administrator unlocked")

    __table_args__ = (
        sa.Index("ix_sign_in_attempts_username_at", "username", "at"),
        sa.Index("ix_sign_in_attempts_address_at", "address", "at"),
    )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserSession(db.Model):
    """One signed-in browser: ending the row (revoked_at) ends its session cookie and its remember cookie.

    The cookies carry a random token; only its SHA-256 is stored, so a copy of the table opens no session.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True,
                                         comment="whose session")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, comment="SHA-256 of the session token")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, comment="signed in at (UTC)")
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                   comment="last request (UTC), written at most once a minute")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), comment="absolute deadline (UTC)")
    is_remembered: Mapped[bool] = mapped_column(default=False,
                                                comment="remember-me: lives to expires_at, no idle limit")
    address: Mapped[str | None] = mapped_column(sa.String(64), comment="client IP address at sign-in")
    user_agent: Mapped[str | None] = mapped_column(sa.String(300), comment="browser's User-Agent, truncated")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="ended (UTC); NULL while valid")
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(50), comment="why it was ended (Chinese)")

    user = relationship("User", lazy="joined")

    @property
    def browser(self):
        return describe_user_agent(self.user_agent)


# (marker, label), the first match wins: embedded browsers before the engines they are built on.
_BROWSERS = (
    ("MicroMessenger", "微信内置浏览器"), ("DingTalk", "钉钉内置浏览器"), ("wxwork", "企业微信内置浏览器"),
    ("QQBrowser", "QQ 浏览器"), ("360SE", "360 浏览器"), ("360EE", "360 浏览器"), ("QIHU", "360 浏览器"),
    ("Edg", "Edge 浏览器"), ("OPR/", "Opera 浏览器"), ("Firefox/", "Firefox 浏览器"), ("Chrome/", "Chrome 浏览器"),
    ("Chromium/", "Chromium 浏览器"), ("Safari/", "Safari 浏览器"), ("MSIE", "IE 浏览器"), ("Trident/", "IE 浏览器"),
)
_SYSTEMS = (
    ("UOS", "统信 UOS"), ("Kylin", "麒麟"), ("Windows", "Windows"), ("iPhone", "iPhone/iPad"),
    ("iPad", "iPhone/iPad"), ("Android", "安卓"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)
_TOOLS = ("curl/", "Wget/", "python-requests", "python-httpx", "PostmanRuntime", "Go-http-client", "okhttp")


def describe_user_agent(agent):
    """A short Chinese summary of a User-Agent for the session list, e.g. "Chrome 浏览器（Windows）"."""
    agent = agent or ""
    if any(tool in agent for tool in _TOOLS):
        return "命令行工具"
    browser = next((label for marker, label in _BROWSERS if marker in agent), None)
    system = next((label for marker, label in _SYSTEMS if marker in agent), None)
    if browser is None:
        return f"未知浏览器（{system}）" if system else "未知浏览器"
    return f"{browser}（{system}）" if system else browser


class TokenScope(LabelledEnum):
    read = "read", "只读"
    read_write = "read_write", "读写"


class ApiToken(TimestampMixin, db.Model):
    """A bearer token for /api/v1; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True,
                                         comment="whose token")
    name: Mapped[str] = mapped_column(sa.String(100), comment="what the token is for")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, comment="SHA-256 of the token")
    prefix: Mapped[str] = mapped_column(sa.String(12), comment="first characters, to recognise it")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                      comment="who created it")
    scope: Mapped[TokenScope] = mapped_column(enum_column(TokenScope), default=TokenScope.read_write,
                                              comment="read: GET only; read_write: every operation")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), comment="no longer valid from (UTC)")
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="last use (UTC)")
    last_used_from: Mapped[str | None] = mapped_column(sa.String(64), comment="client IP address of the last use")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="revoked (UTC); NULL if valid")

    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    def is_expired(self, now):
        return self.expires_at <= now

    def state(self, now):
        """The state shown in the token list."""
        if self.is_revoked:
            return "已吊销"
        return "已过期" if self.is_expired(now) else "有效"
