"""Helpers for the login protection tests: apps with throttling or the second factor on."""

from __future__ import annotations

import pyotp
import sqlalchemy as sa
from flask import Flask
from werkzeug.security import generate_password_hash

from tests.support import DEMO_PASSWORD, build_seeded_app, csrf_token

API_LOGIN = "/api/v1/security/login"
#: One iteration: these tests log in hundreds of times; the real hash costs ~0.1-0.4 s.
CHEAP = "pbkdf2:sha256:1"


def throttled_app(url: str, **overrides) -> Flask:
    cfg = {"CASUS_LOGIN_THROTTLE": True,
           "AUTH_DB_FAKE_PASSWORD_HASH_CHECK": generate_password_hash("x", method=CHEAP)}
    cfg.update(overrides)
    return build_seeded_app(url, **cfg)


def cheapen_passwords(app: Flask, *usernames: str) -> None:
    """Store the demo password with a cheap hash (a direct UPDATE: no session ends)."""
    from casusregie.app.extensions import db
    from casusregie.app.models import CasusUser

    with app.app_context():
        db.session.execute(sa.update(CasusUser).where(CasusUser.username.in_(usernames))
                           .values(password=generate_password_hash(DEMO_PASSWORD,
                                                                   method=CHEAP)))
        db.session.commit()
        db.session.remove()


def html_login(client, username: str, password: str = DEMO_PASSWORD, address: str = "127.0.0.1",
               follow: bool = False):
    env = {"REMOTE_ADDR": address}
    page = client.get("/login/", environ_base=env)
    return client.post("/login/", data={"username": username, "password": password,
                                        "csrf_token": csrf_token(page.text)},
                       environ_base=env, follow_redirects=follow)


def html_login_ok(resp) -> bool:
    return resp.status_code == 302 and "/login" not in resp.headers.get("Location", "")


def api_login(client, username: str, password: str = DEMO_PASSWORD, address: str = "127.0.0.1",
              **extra):
    return client.post(API_LOGIN, json={"username": username, "password": password,
                                        "provider": "db", **extra},
                       environ_base={"REMOTE_ADDR": address})


def code_for(secret: str, offset_steps: int = 0) -> str:
    import time

    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)
