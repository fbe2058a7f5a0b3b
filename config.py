"""Casusregie settings, read from environment variables.

Safe defaults for a local demo; in production the app refuses to start with
an unsafe configuration instead of running with it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from pathlib import Path

from flask_appbuilder.const import AUTH_DB, AUTH_OAUTH

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

#: Password of every demo account when CASUS_DEMO_PASSWORD is not set.
DEFAULT_DEMO_PASSWORD = "Casusregie-demo-2026"

#: Keys shorter than this, or made of one repeated character, are refused in production.
MIN_SECRET_KEY_LENGTH = 32

_DEV_SECRET_KEY = "development-only-secret-key-not-for-production-use"


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the message says what to set."""


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number.") from None


def _env_list(name: str, default: str) -> list[str]:
    value = os.environ.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


def _json_map(env: Mapping[str, str], name: str) -> dict[str, list[str]]:
    """A JSON object of group → name (or list of names), as group → list of names."""
    raw = env.get(name) or "{}"
    try:
        data = json.loads(raw)
    except ValueError:
        raise ConfigError(f"{name} is not valid JSON: {raw!r}.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{name} must be a JSON object of group to name.")
    return {str(k): [v] if isinstance(v, str) else [str(x) for x in v]
            for k, v in data.items()}


def oidc_settings(env: Mapping[str, str] | None = None) -> dict:
    """Single sign-on with OpenID Connect (docs/deployment.md), or nothing.

    ``CASUS_AUTH=oidc`` switches Flask-AppBuilder to ``AUTH_OAUTH`` with one generic
    OpenID Connect provider found through its discovery document. Users are created
    and their roles set at every login from their groups at the provider
    (``CASUS_OIDC_ROLE_MAP``); their organisation from ``CASUS_OIDC_ORGANISATION_MAP``.
    """
    env = os.environ if env is None else env
    if (env.get("CASUS_AUTH") or "db").strip().lower() != "oidc":
        return {}
    missing = [n for n in ("CASUS_OIDC_METADATA_URL", "CASUS_OIDC_CLIENT_ID",
                           "CASUS_OIDC_CLIENT_SECRET") if not env.get(n)]
    if missing:
        raise ConfigError(f"CASUS_AUTH=oidc needs {', '.join(missing)}.")
    role_map = _json_map(env, "CASUS_OIDC_ROLE_MAP")
    org_map = _json_map(env, "CASUS_OIDC_ORGANISATION_MAP")
    if not role_map or not org_map:
        raise ConfigError("CASUS_AUTH=oidc needs CASUS_OIDC_ROLE_MAP and "
                          "CASUS_OIDC_ORGANISATION_MAP (JSON: group to name).")
    provider = {
        "name": "oidc",
        "label": env.get("CASUS_OIDC_LABEL") or "OpenID Connect",
        "icon": "fa-sign-in",
        "token_key": "access_token",
        "remote_app": {
            "client_id": env["CASUS_OIDC_CLIENT_ID"],
            "client_secret": env["CASUS_OIDC_CLIENT_SECRET"],
            "server_metadata_url": env["CASUS_OIDC_METADATA_URL"],
            "client_kwargs": {"scope": env.get("CASUS_OIDC_SCOPE")
                              or "openid profile email"},
        },
    }
    return {
        "AUTH_TYPE": AUTH_OAUTH,
        "OAUTH_PROVIDERS": [provider],
        # New users are created at their first login, with the roles of their groups
        # only (no default role), and their roles follow the groups at every login.
        "AUTH_USER_REGISTRATION": True,
        "AUTH_USER_REGISTRATION_ROLE": None,
        "AUTH_ROLES_MAPPING": role_map,
        "AUTH_ROLES_SYNC_AT_LOGIN": True,
        "CASUS_OIDC_ORGANISATION_MAP": {k: v[0] for k, v in org_map.items()},
        "CASUS_OIDC_USERNAME_CLAIM": env.get("CASUS_OIDC_USERNAME_CLAIM")
        or "preferred_username",
        "CASUS_OIDC_GROUPS_CLAIM": env.get("CASUS_OIDC_GROUPS_CLAIM") or "groups",
        # The second factor is the provider's: the ID token's ``amr`` must name one of
        # these methods (Entra ID: "mfa"); empty list = not checked here.
        "CASUS_OIDC_MFA_AMR": _env_list_from(env, "CASUS_OIDC_MFA_AMR", "mfa"),
    }


def _env_list_from(env: Mapping[str, str], name: str, default: str) -> list[str]:
    value = env.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'casusregie.db'}"


def secret_key_problem(key: str | None) -> str | None:
    """Explain why a secret key is unfit for production, or return None."""
    if not key:
        return "CASUS_SECRET_KEY is not set"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"CASUS_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if len(set(key)) < 8 or key == _DEV_SECRET_KEY:
        return "CASUS_SECRET_KEY is too predictable"
    return None


def plugins_setting() -> list[str]:
    """Enabled plugins: CASUS_PLUGINS, comma-separated; unset or empty means none.

    Nothing is enabled implicitly: an enabled plugin needs its tables
    (`flask casus plugins-upgrade`). `make run` enables the built-in ones for the demo.
    """
    value = os.environ.get("CASUS_PLUGINS") or ""
    return [name.strip() for name in value.split(",") if name.strip()]


def mail_settings() -> dict:
    """SMTP server for task e-mails (docs/notifications.md) and the address in links."""
    return {
        "CASUS_BASE_URL": os.environ.get("CASUS_BASE_URL", "http://127.0.0.1:8080"),
        "CASUS_MAIL_SERVER": os.environ.get("CASUS_MAIL_SERVER", "localhost"),
        "CASUS_MAIL_PORT": int(os.environ.get("CASUS_MAIL_PORT", "25")),
        # STARTTLS on a plain connection, or TLS from the first byte (port 465).
        "CASUS_MAIL_USE_TLS": _env_flag("CASUS_MAIL_USE_TLS", False),
        "CASUS_MAIL_USE_SSL": _env_flag("CASUS_MAIL_USE_SSL", False),
        "CASUS_MAIL_USERNAME": os.environ.get("CASUS_MAIL_USERNAME", ""),
        "CASUS_MAIL_PASSWORD": os.environ.get("CASUS_MAIL_PASSWORD", ""),
        "CASUS_MAIL_SENDER": os.environ.get("CASUS_MAIL_SENDER",
                                            "Casusregie <casusregie@localhost>"),
        "CASUS_MAIL_TIMEOUT": int(os.environ.get("CASUS_MAIL_TIMEOUT", "10")),
    }
#: Host names the app answers to when CASUS_TRUSTED_HOSTS is not set (development only).
_LOCAL_HOSTS = ["127.0.0.1", "localhost"]


def trusted_hosts(production: bool) -> list[str]:
    """CASUS_TRUSTED_HOSTS, comma-separated: the host names users reach Casusregie by.

    Requests for any other ``Host`` are refused (400), so the header can never steer a
    redirect or a link to another site. Required in production.
    """
    hosts = [h.strip() for h in (os.environ.get("CASUS_TRUSTED_HOSTS") or "").split(",")
             if h.strip()]
    if hosts:
        return hosts
    if production:
        raise ConfigError(
            "Refusing to start in production: CASUS_TRUSTED_HOSTS is not set. Set it to "
            "the host name(s) users reach Casusregie by, comma-separated, for example "
            "CASUS_TRUSTED_HOSTS=casusregie.amsterdam.nl.")
    return list(_LOCAL_HOSTS)


def build_config(overrides: dict | None = None) -> dict:
    """Return the Flask configuration for the current environment."""
    env = os.environ.get("CASUS_ENV", "development").strip().lower()
    if env not in {"development", "production", "testing"}:
        raise ConfigError(
            f"CASUS_ENV={env!r} is not known; use 'development' or 'production'."
        )
    production = env == "production"
    secret_key = os.environ.get("CASUS_SECRET_KEY")
    if production:
        problem = secret_key_problem(secret_key)
        if problem:
            raise ConfigError(
                f"Refusing to start in production: {problem}. "
                "Set CASUS_SECRET_KEY to a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters, for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
    hosts = trusted_hosts(production)
    cfg: dict = {
        "CASUS_ENV": env,
        # A user's write of case content outside a service call is refused (app/services.py):
        # on in development and tests, where a screen that bypasses the services must fail.
        "CASUS_REQUIRE_SERVICE_LAYER": _env_flag("CASUS_REQUIRE_SERVICE_LAYER", not production),
        "SECRET_KEY": secret_key or _DEV_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("CASUS_DATABASE_URL") or default_database_url(),
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # SQLite: write-ahead log and synchronous=NORMAL on every connection
        # (app/database.py); false keeps the rollback journal (network file systems).
        "CASUS_SQLITE_WAL": _env_flag("CASUS_SQLITE_WAL", True),
        "CASUS_DEMO_PASSWORD": os.environ.get("CASUS_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD,
        # Management figures: counts below this are shown as "< n" to figures-only roles.
        "CASUS_SMALL_CELL_MINIMUM": max(2, int(os.environ.get("CASUS_SMALL_CELL_MINIMUM")
                                               or 5)),
        # Retention: signals that are weighed and not included are kept this many days.
        "CASUS_RETENTION_SIGNAL_DAYS": _env_int("CASUS_RETENTION_SIGNAL_DAYS", 365),
        # Management figures: raw counts kept this many seconds per access scope and year
        # (dropped at once when this process changes case content; 0 = not kept).
        "CASUS_FIGURES_CACHE_SECONDS": _env_int("CASUS_FIGURES_CACHE_SECONDS",
                                                0 if env == "testing" else 120),
        # Flask-AppBuilder
        "APP_NAME": "Casusregie",
        "APP_THEME": "",
        "APP_ICON": "",
        "AUTH_TYPE": AUTH_DB,
        # Visitors who are not signed in; its name shows among the roles (data, in Dutch).
        "AUTH_ROLE_PUBLIC": "Publiek",
        # Flask-AppBuilder grants every new permission to its admin role. That role is
        # built-in and empty here, so no account gets case content by being an admin.
        "AUTH_ROLE_ADMIN": "Admin",
        "FAB_ROLES": {"Admin": []},
        "AUTH_USER_REGISTRATION": False,
        # Tables come from Alembic migrations, roles from `flask casus init`.
        "FAB_CREATE_DB": False,
        # Permissions are written by `flask casus init`, never as a side effect of
        # starting the app (which would fail on a database not yet migrated).
        "FAB_UPDATE_PERMS": False,
        "FAB_ADD_SECURITY_API": True,
        # The OpenAPI contract is app.api.contract's, filtered for each caller.
        "FAB_ADD_OPENAPI_VIEWS": False,
        "FAB_API_SWAGGER_UI": not production,
        # Partner systems call the API with a key of their organisation (app.auth.api_keys).
        # A key is 256 random bits: a slow hash protects guessable passwords, not keys, and
        # would cost every call tens of milliseconds.
        "FAB_API_KEY_ENABLED": True,
        "FAB_API_KEY_PREFIXES": ["csr_"],
        "FAB_API_KEY_HASH_METHOD": "pbkdf2:sha256:1000",
        # Passwords: at least 12 characters, not a common one (app.passwords); the
        # validator itself is set by create_app (it needs the app's translations).
        "FAB_PASSWORD_COMPLEXITY_ENABLED": True,
        # Only these Host headers are answered (Flask refuses others with 400), and
        # Flask-AppBuilder redirects only to them.
        "TRUSTED_HOSTS": hosts,
        "FAB_SAFE_REDIRECT_HOSTS": hosts,
        # The largest request body; more is refused with 413 before anything is parsed.
        # Large enough that an over-long text reaches the field checks, which say which
        # field is too long and by how much (a form field alone may hold 500 kB).
        "MAX_CONTENT_LENGTH": int(os.environ.get("CASUS_MAX_CONTENT_LENGTH")
                                  or 16 * 1024 * 1024),
        # Flask-AppBuilder's file routes exist on every view; nothing is uploaded.
        "UPLOAD_FOLDER": str(INSTANCE_DIR / "uploads"),
        "IMG_UPLOAD_FOLDER": str(INSTANCE_DIR / "uploads"),
        # i18n: Dutch first.
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_FOLDER": "translations",
        "LANGUAGES": {
            "nl": {"flag": "nl", "name": "Nederlands"},
            "en": {"flag": "gb", "name": "English"},
        },
        # Sessions and cookies
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        # A session ends after this long without a request, and at the latest after
        # the absolute lifetime (app/auth/sessions.py).
        "CASUS_SESSION_IDLE_MINUTES": _env_int("CASUS_SESSION_IDLE_MINUTES", 30),
        "CASUS_SESSION_MAX_HOURS": _env_int("CASUS_SESSION_MAX_HOURS", 12),
        "CASUS_SESSION_WARNING_MINUTES": 2,
        "PERMANENT_SESSION_LIFETIME": _env_int("CASUS_SESSION_MAX_HOURS", 12) * 3600,
        # API tokens: short access tokens; refresh tokens end with the session version.
        "JWT_ACCESS_TOKEN_EXPIRES": dt.timedelta(
            minutes=_env_int("CASUS_JWT_ACCESS_MINUTES", 15)),
        "JWT_REFRESH_TOKEN_EXPIRES": dt.timedelta(
            hours=_env_int("CASUS_SESSION_MAX_HOURS", 12)),
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        # Login throttling (app/auth/throttle.py): failures only, per account and per
        # address, in the database (shared by every worker) or in Redis.
        # Flask-AppBuilder's own limiter counts successes too and per process: off.
        "AUTH_RATE_LIMITED": False,
        # Flask-Limiter itself serves the per-key limit of the API (app.auth.api_keys);
        # keep its counts in Redis when several workers serve (RATELIMIT_STORAGE_URI).
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "CASUS_API_KEY_RATE_LIMIT": os.environ.get("CASUS_API_KEY_RATE_LIMIT",
                                                   "600 per minute"),
        "CASUS_LOGIN_THROTTLE": _env_flag("CASUS_RATELIMIT_ENABLED", True),
        "CASUS_LOGIN_THROTTLE_STORE": os.environ.get("CASUS_LOGIN_THROTTLE_STORE",
                                                     "database"),
        "CASUS_LOGIN_FREE_FAILURES": _env_int("CASUS_LOGIN_FREE_FAILURES", 5),
        "CASUS_LOGIN_BACKOFF_SECONDS": _env_int("CASUS_LOGIN_BACKOFF_SECONDS", 30),
        "CASUS_LOGIN_LOCK_AFTER": _env_int("CASUS_LOGIN_LOCK_AFTER", 20),
        "CASUS_LOGIN_ADDRESS_FAILURES": _env_int("CASUS_LOGIN_ADDRESS_FAILURES", 100),
        "CASUS_LOGIN_ADDRESS_WINDOW_MINUTES": 5,
        # Reverse proxies in front of the app: their X-Forwarded-For gives the client's
        # address, which the per-address limit counts (0: the connection's address).
        "CASUS_PROXY_HOPS": _env_int("CASUS_PROXY_HOPS", 0),
        # Second factor (TOTP): the roles that need it ("*" = every role; empty = none).
        "CASUS_MFA_ROLES": _env_list("CASUS_MFA_ROLES", "" if env == "testing" else "*"),
        "CASUS_MFA_REMEMBER_HOURS": min(_env_int("CASUS_MFA_REMEMBER_HOURS", 12), 12),
        # A name search counts at most this many matches ("more than 500 matches").
        "CASUS_SEARCH_COUNT_LIMIT": max(_env_int("CASUS_SEARCH_COUNT_LIMIT", 500), 1),
        # Plugins enabled by name; CASUS_PLUGINS overrides (comma-separated, empty = none).
        "PLUGINS": plugins_setting(),
        **mail_settings(),
        **oidc_settings(),
    }
    if overrides:
        cfg.update(overrides)
    return cfg


def tune_engine_options(config: dict) -> None:
    """Connection settings the database URL calls for (after overrides are applied).

    PostgreSQL: JIT compilation off for Casusregie's sessions. Its pages run short
    queries; when the planner overestimates one (a large list after bulk changes, before
    autovacuum analyses it) JIT compiles it first, 100+ ms for a query that takes a few.
    ``CASUS_POSTGRES_JIT=on`` leaves the server's own setting.
    """
    url = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if not url.startswith("postgresql") or _env_flag("CASUS_POSTGRES_JIT", False):
        return
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    current = connect_args.get("options", "")
    if "jit=" not in current:
        connect_args["options"] = f"{current} -c jit=off".strip()
    options["connect_args"] = connect_args
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options

