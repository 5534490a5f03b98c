"""Users, their roles, sign-in failures and API tokens."""

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
    session_version: Mapped[int] = mapped_column(default=1, comment="bumped to end all of a user's sessions")

    unit = relationship("Unit", lazy="joined")
    person = relationship("Person", lazy="joined")

    @property
    def is_active(self):  # Flask-Login: inactive users are signed out
        return self.is_active_account

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str):
        self.password_hash = _hasher.hash(password)

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
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="last use (UTC)")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="revoked (UTC); NULL if valid")

    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    @property
    def is_revoked(self):
        return self.revoked_at is not None
