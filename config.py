"""Configuration classes, read from the environment.

`APP_ENV` picks the class (development, testing, production); `DATABASE_URL` picks the database
(an embedded SQLite file under instance/ by default, PostgreSQL through psycopg 3 in production).
"""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


DEV_SECRET_KEY = "dev-only-secret-key-change-me"


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(default):
    url = os.environ.get("DATABASE_URL", default)
    # Accept the common postgres:// and postgresql:// spellings and route them to psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'qbs.sqlite3'}")
    # No pool_pre_ping: a connection is pinged only after idling in the pool (app/core/transactions.py, ping_if_idle)
    SQLALCHEMY_ENGINE_OPTIONS = {}
    SQLALCHEMY_RECORD_QUERIES = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Server sessions (app.auth.models.UserSession): a sign-in lasts SESSION_ABSOLUTE_HOURS at most and ends after
    # SESSION_IDLE_HOURS without a request; "在本机保持登录" lasts REMEMBER_DAYS. SESSION_HOURS is the older name
    # of SESSION_ABSOLUTE_HOURS, still read when the new one is not set.
    SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS") or os.environ.get("SESSION_HOURS") or "12")
    SESSION_IDLE_HOURS = int(os.environ.get("SESSION_IDLE_HOURS", "2"))
    REMEMBER_DAYS = int(os.environ.get("REMEMBER_DAYS", "14"))
    # Ended sessions and sign-in attempts older than this are deleted by the scheduler (app/auth/housekeeping.py).
    AUTH_RECORDS_KEEP_DAYS = int(os.environ.get("AUTH_RECORDS_KEEP_DAYS", "90"))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_ABSOLUTE_HOURS)  # bounds the signed session cookie too
    REMEMBER_COOKIE_DURATION = timedelta(days=REMEMBER_DAYS)
    # Signing in with the published demo password asks for a new one (production only: `make run` uses it).
    DEMO_PASSWORD_FORCES_CHANGE = _bool("DEMO_PASSWORD_FORCES_CHANGE", False)

    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token
    BOOTSTRAP_SERVE_LOCAL = True  # never a CDN: government intranets have no internet
    BOOTSTRAP_BOOTSWATCH_THEME = None

    # Sign-in throttling (app/auth/throttling.py). No account is ever locked: failures are counted per (name,
    # address) pair and per address within the window; from the threshold on, each further failure doubles the
    # wait (1, 2, 4 ... minutes after the last failure) up to the cap. A success clears its pair's failures.
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "1440"))
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))  # per (name, address) pair
    LOGIN_MAX_DELAY_MINUTES = int(os.environ.get("LOGIN_MAX_DELAY_MINUTES", "30"))
    # Per address, over every name: high, because a whole office may share one proxy address.
    LOGIN_ADDRESS_MAX_FAILURES = int(os.environ.get("LOGIN_ADDRESS_MAX_FAILURES", "30"))
    LOGIN_ADDRESS_MAX_DELAY_MINUTES = int(os.environ.get("LOGIN_ADDRESS_MAX_DELAY_MINUTES", "15"))

    # Number of trusted reverse proxies in front of the app (0: none; set 1 behind nginx).
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))

    # Reminder channels. Webhook base URLs are configurable for 政务微信 / 专有钉钉 deployments.
    WECOM_BASE_URL = os.environ.get("WECOM_BASE_URL", "https://qyapi.weixin.qq.com")
    DINGTALK_BASE_URL = os.environ.get("DINGTALK_BASE_URL", "https://oapi.dingtalk.com")
    WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "qbs-noreply@localhost")
    MAIL_SENDER_NAME = os.environ.get("MAIL_SENDER_NAME", "千百十工程督考系统")
    # Scheduler: how often the jobs run, and where the SQLite file lock lives.
    SCHEDULER_SCAN_MINUTES = int(os.environ.get("SCHEDULER_SCAN_MINUTES", "5"))
    SCHEDULER_DELIVER_SECONDS = int(os.environ.get("SCHEDULER_DELIVER_SECONDS", "60"))
    SCHEDULER_LOCK_POLL_SECONDS = float(os.environ.get("SCHEDULER_LOCK_POLL_SECONDS", "2"))

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024
    PAGE_SIZE = 50
    DISPATCH_PAGE_SIZE = int(os.environ.get("DISPATCH_PAGE_SIZE", "60"))  # rows per screen; print shows all
    TIMEZONE = os.environ.get("APP_TIMEZONE", "Asia/Shanghai")
    # 申请办结 needs at least one evidence file or a stated reason why there is none (app.tasks.services)
    COMPLETION_NEEDS_EVIDENCE = _bool("COMPLETION_NEEDS_EVIDENCE", True)


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = _database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    WTF_CSRF_ENABLED = True
    LOGIN_MAX_FAILURES = 5
    # Off while the suite's older page tests request 办结 without evidence; tests of the rule switch it on
    # (tests/tasks/test_workflow_rules.py). Production and development keep the default (on).
    COMPLETION_NEEDS_EVIDENCE = _bool("COMPLETION_NEEDS_EVIDENCE", False)


class ProductionConfig(Config):
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    DEMO_PASSWORD_FORCES_CHANGE = _bool("DEMO_PASSWORD_FORCES_CHANGE", True)

    @classmethod
    def check(cls, settings=None):
        """Refuse to start without a real secret key (from the environment, or given to create_app)."""
        key = (settings or {}).get("SECRET_KEY") if settings is not None else os.environ.get("SECRET_KEY")
        if not key or key == DEV_SECRET_KEY:
            raise RuntimeError("生产环境必须设置环境变量 SECRET_KEY（SECRET_KEY is required in production）")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name=None):
    name = name or os.environ.get("APP_ENV", "development")
    try:
        cls = CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"未知的 APP_ENV：{name}（可选 development、testing、production）") from None
    if hasattr(cls, "check"):
        cls.check()
    return cls
