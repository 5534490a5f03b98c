"""config.py: the environment picks the config class and the database; production refuses to start without
SECRET_KEY and keeps its cookies Secure."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import config
from app import create_app
from config import Config, DevelopmentConfig, ProductionConfig, TestingConfig, config_for

ROOT = Path(__file__).resolve().parent.parent
ENV_NAMES = ("APP_ENV", "SECRET_KEY", "DATABASE_URL", "TEST_DATABASE_URL", "SESSION_COOKIE_SECURE")


@pytest.fixture
def clean_env(monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def load_app_in_a_new_process(tmp_path, **env):
    """Import config.py and build the app in a fresh interpreter, where class attributes read this environment."""
    code = (
        "import json\n"
        "from app import create_app\n"
        "from app.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    print(json.dumps({'uri': app.config['SQLALCHEMY_DATABASE_URI'], 'driver': db.engine.dialect.driver,\n"
        "        'dialect': db.engine.dialect.name, 'secure': app.config['SESSION_COOKIE_SECURE'],\n"
        "        'remember_secure': app.config.get('REMEMBER_COOKIE_SECURE', False)}))\n"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    clean.update(env, INSTANCE_PATH=str(tmp_path), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- SECRET_KEY ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_production_refuses_to_start_without_a_secret_key(clean_env, value):
    clean_env.setenv("APP_ENV", "production")
    if value is not None:
        clean_env.setenv("SECRET_KEY", value)

    with pytest.raises(RuntimeError, match="生产环境必须设置环境变量 SECRET_KEY"):
        config_for()
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_a_secret_key(clean_env):
    clean_env.setenv("SECRET_KEY", "a-long-random-production-secret")
    assert config_for("production") is ProductionConfig


def test_other_environments_start_without_a_secret_key(clean_env):
    assert config_for() is DevelopmentConfig
    assert config_for("development") is DevelopmentConfig
    assert config_for("testing") is TestingConfig


def test_an_unknown_environment_is_refused_in_chinese(clean_env):
    with pytest.raises(RuntimeError, match="未知的 APP_ENV：staging"):
        config_for("staging")


# --- DATABASE_URL --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "expected"), [
    ("postgresql://qbs:pw@db.example:5432/qbs", "postgresql+psycopg://qbs:pw@db.example:5432/qbs"),
    ("postgres://qbs:pw@db.example/qbs", "postgresql+psycopg://qbs:pw@db.example/qbs"),
    ("postgresql+psycopg://qbs@db.example/qbs", "postgresql+psycopg://qbs@db.example/qbs"),
    ("sqlite:////srv/qbs/qbs.sqlite3", "sqlite:////srv/qbs/qbs.sqlite3"),
])
def test_database_url_is_routed_to_psycopg_3_for_postgresql(clean_env, given, expected):
    clean_env.setenv("DATABASE_URL", given)
    assert config._database_url("sqlite:///default.sqlite3") == expected


def test_without_database_url_the_embedded_sqlite_file_is_used(clean_env):
    assert config._database_url("sqlite:///default.sqlite3") == "sqlite:///default.sqlite3"


def test_production_with_database_url_builds_a_psycopg_3_engine(tmp_path):
    loaded = load_app_in_a_new_process(tmp_path, APP_ENV="production", SECRET_KEY="a-long-random-production-secret",
                                       DATABASE_URL="postgres://qbs:pw@db.example:5432/qbs")

    assert loaded["uri"] == "postgresql+psycopg://qbs:pw@db.example:5432/qbs"
    assert (loaded["dialect"], loaded["driver"]) == ("postgresql", "psycopg")
    assert loaded["secure"] is True and loaded["remember_secure"] is True


def test_development_without_database_url_uses_sqlite_under_the_instance_folder(tmp_path):
    loaded = load_app_in_a_new_process(tmp_path)

    assert loaded["uri"] == f"sqlite:///{tmp_path / 'qbs.sqlite3'}"
    assert loaded["dialect"] == "sqlite"
    assert loaded["secure"] is False


# --- cookies and throttling ----------------------------------------------------------------------------------


def test_session_and_remember_cookies_are_http_only_and_same_site_lax_everywhere():
    for cls in (Config, DevelopmentConfig, TestingConfig, ProductionConfig):
        assert cls.SESSION_COOKIE_HTTPONLY is True
        assert cls.SESSION_COOKIE_SAMESITE == "Lax"
        assert cls.REMEMBER_COOKIE_HTTPONLY is True
        assert cls.REMEMBER_COOKIE_SAMESITE == "Lax"


def test_production_cookies_are_secure():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True


def test_csrf_is_on_unless_a_test_switches_it_off():
    assert getattr(Config, "WTF_CSRF_ENABLED", True) is True
    assert TestingConfig.WTF_CSRF_ENABLED is True


def test_sign_in_throttling_settings_are_positive_numbers():
    for name in ("LOGIN_FAILURE_WINDOW_MINUTES", "LOGIN_MAX_FAILURES", "LOGIN_MAX_DELAY_MINUTES",
                 "LOGIN_ADDRESS_MAX_FAILURES", "LOGIN_ADDRESS_MAX_DELAY_MINUTES"):
        value = getattr(ProductionConfig, name)
        assert isinstance(value, int) and value > 0, name
