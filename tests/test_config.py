"""Configuration: production refuses unsafe settings with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from casusregie.config import ConfigError, build_config

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASUS_")}
    env.update(extra)
    return env


@pytest.mark.parametrize("key", [None, "short", "a" * 64])
def test_production_refuses_weak_secret_key(monkeypatch, key) -> None:
    monkeypatch.setenv("CASUS_ENV", "production")
    if key is None:
        monkeypatch.delenv("CASUS_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("CASUS_SECRET_KEY", key)
    with pytest.raises(ConfigError, match="CASUS_SECRET_KEY"):
        build_config()


def test_production_accepts_strong_key(monkeypatch) -> None:
    monkeypatch.setenv("CASUS_ENV", "production")
    monkeypatch.setenv("CASUS_SECRET_KEY", "x9-Vb2qLm3Zt8Rw1Kp4Yn7Hs6Jd5Fg0Ac_e")
    monkeypatch.setenv("CASUS_TRUSTED_HOSTS", "casusregie.example.nl")
    cfg = build_config()
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["FAB_UPDATE_PERMS"] is False


def test_production_start_exits_non_zero_with_message() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "casusregie.app", "routes"],
        cwd=ROOT, env=_env(CASUS_ENV="production"), capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "CASUS_SECRET_KEY" in result.stderr + result.stdout
    assert "Refusing to start in production" in result.stderr + result.stdout


def test_default_database_is_sqlite_under_instance(monkeypatch) -> None:
    monkeypatch.delenv("CASUS_DATABASE_URL", raising=False)
    cfg = build_config()
    assert cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert "instance" in cfg["SQLALCHEMY_DATABASE_URI"]
    assert cfg["BABEL_DEFAULT_LOCALE"] == "nl"


def test_postgresql_sessions_run_without_jit(app) -> None:
    """Short page queries must not pay for JIT compilation (see config.tune_engine_options)."""
    from casusregie.app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
            assert "jit" not in str(options.get("connect_args", {}))
            return
        assert db.session.execute(sa.text("SHOW jit")).scalar() == "off"


def test_jit_can_be_left_to_the_server(monkeypatch) -> None:
    from casusregie.config import tune_engine_options

    config = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@h/db",
              "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}}
    tune_engine_options(config)
    assert config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"] == "-c jit=off"
    monkeypatch.setenv("CASUS_POSTGRES_JIT", "on")
    config = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@h/db"}
    tune_engine_options(config)
    assert "SQLALCHEMY_ENGINE_OPTIONS" not in config


def test_sqlite_write_ahead_log_is_on_unless_switched_off(monkeypatch) -> None:
    """SQLite's write-ahead log (app/database.py); off for a network file system."""
    monkeypatch.delenv("CASUS_SQLITE_WAL", raising=False)
    assert build_config()["CASUS_SQLITE_WAL"] is True
    monkeypatch.setenv("CASUS_SQLITE_WAL", "false")
    assert build_config()["CASUS_SQLITE_WAL"] is False


def test_production_needs_the_trusted_host_names(monkeypatch) -> None:
    monkeypatch.setenv("CASUS_ENV", "production")
    monkeypatch.setenv("CASUS_SECRET_KEY", "x9-Vb2qLm3Zt8Rw1Kp4Yn7Hs6Jd5Fg0Ac_e")
    monkeypatch.delenv("CASUS_TRUSTED_HOSTS", raising=False)
    with pytest.raises(ConfigError, match="CASUS_TRUSTED_HOSTS"):
        build_config()
    monkeypatch.setenv("CASUS_TRUSTED_HOSTS", "casus.example.nl, casus-acc.example.nl")
    cfg = build_config()
    assert cfg["TRUSTED_HOSTS"] == cfg["FAB_SAFE_REDIRECT_HOSTS"] == [
        "casus.example.nl", "casus-acc.example.nl"]
