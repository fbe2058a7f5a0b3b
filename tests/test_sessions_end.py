"""Sessions that really end: saved cookies and JWTs are refused after logout, password
change, deactivation and role change; idle and absolute timeouts; refresh revocation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.login_support import api_login
from tests.support import Browser

# Security events are written on a connection of their own: a fresh copy.
pytestmark = pytest.mark.fresh_db

CASES = "/casemodelview/list/"
API_CASES = "/api/v1/case/"


def _user(app: Flask, username: str):
    from casusregie.app.extensions import db
    from casusregie.app.models import CasusUser

    return db.session.execute(sa.select(CasusUser).where(CasusUser.username == username)
                              ).scalar_one()


def _change(app: Flask, username: str, what: str) -> None:
    """Change the user the way every writer does: through the ORM session."""
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db

    with app.app_context(), system_access("test: an administrator's change"):
        user = _user(app, username)
        if what == "password":
            app.appbuilder.sm.reset_password(user.id, "Een-heel-nieuw-wachtwoord-1")
        elif what == "deactivation":
            user.active = False
        elif what == "role change":
            user.roles = [app.appbuilder.sm.find_role("Ketenpartner")]
        db.session.commit()
        db.session.remove()


def _captured(browser: Browser) -> tuple[str, dict[str, str]]:
    cookie = browser.client.get_cookie("session").value
    token = api_login(browser.app.test_client(), browser.user).json["access_token"]
    return cookie, {"Authorization": f"Bearer {token}"}


def _cookie_works(app: Flask, cookie: str) -> bool:
    client = app.test_client()
    client.set_cookie("session", cookie)
    resp = client.get(CASES)
    return resp.status_code == 200


@pytest.mark.parametrize("event", ["logout", "password", "deactivation", "role change"])
def test_saved_cookie_and_token_are_refused_afterwards(app: Flask, browser: Browser,
                                                       event: str) -> None:
    browser.login("coordinator")
    cookie, headers = _captured(browser)
    assert _cookie_works(app, cookie)
    assert app.test_client().get(API_CASES, headers=headers).status_code == 200

    if event == "logout":
        browser.get("/logout/")
    else:
        _change(app, "coordinator", event)

    assert not _cookie_works(app, cookie)
    resp = app.test_client().get(API_CASES, headers=headers)
    assert resp.status_code == 401
    assert browser.get(CASES).status_code != 200


def test_logout_ends_the_sessions_on_other_devices_too(app: Flask) -> None:
    laptop = Browser(app).login("regisseur")
    phone = Browser(app).login("regisseur")
    laptop.get("/logout/")
    assert phone.get(CASES).status_code == 302


def test_an_unrelated_save_of_the_user_keeps_the_session(app: Flask, browser: Browser) -> None:
    from casusregie.app.extensions import db

    browser.login("coordinator")
    with app.app_context():
        _user(app, "coordinator").first_name = "Anders"
        db.session.commit()
        db.session.remove()
    assert browser.get(CASES).status_code == 200


def _age(browser: Browser, *, seen: float = 0, auth: float = 0) -> None:
    from casusregie.app.auth.sessions import AUTH_AT, SEEN_AT

    with browser.client.session_transaction() as session:
        session[SEEN_AT] -= seen
        session[AUTH_AT] -= auth


def test_an_idle_session_ends_after_thirty_minutes(app: Flask, browser: Browser) -> None:
    browser.login("coordinator")
    _age(browser, seen=29 * 60)
    assert browser.get(CASES).status_code == 200  # and this request counts as activity
    _age(browser, seen=29 * 60)
    assert browser.get(CASES).status_code == 200
    _age(browser, seen=31 * 60)
    resp = browser.get(CASES, follow_redirects=True)
    assert "Uw sessie is beëindigd. Log opnieuw in." in resp.text
    assert browser.get(CASES).status_code == 302
    assert _events(app, "session_expired") == ["idle"]


def test_a_session_ends_twelve_hours_after_login_however_busy(app: Flask,
                                                              browser: Browser) -> None:
    browser.login("coordinator")
    _age(browser, auth=12 * 3600 + 1)
    assert browser.get(CASES).status_code == 302
    assert _events(app, "session_expired") == ["absolute"]


def test_the_page_tells_when_the_idle_warning_comes(app: Flask, browser: Browser) -> None:
    browser.login("coordinator")
    page = browser.get(CASES).text
    assert 'id="casus-session"' in page and 'data-seconds-left="1800"' in page
    assert "Uw sessie eindigt over %(minutes)s minuten" in page
    _age(browser, seen=29 * 60)
    status = browser.get("/session/status").json
    assert status["logged_in"] and 55 <= status["seconds_left"] <= 61
    # Asking is not activity; extending is.
    assert browser.get("/session/status").json["seconds_left"] <= 61


def _events(app: Flask, kind: str) -> list[str | None]:
    from casusregie.app.auth.models import SecurityEvent
    from casusregie.app.extensions import db

    with app.app_context():
        rows = db.session.execute(sa.select(SecurityEvent.detail).where(
            SecurityEvent.kind == kind)).scalars().all()
        db.session.remove()
    return list(rows)


def test_refresh_tokens_are_revoked_with_the_sessions(app: Flask) -> None:
    client = app.test_client()
    tokens = api_login(client, "ggd", refresh=True).json
    refresh = {"Authorization": f"Bearer {tokens['refresh_token']}"}
    renewed = client.post("/api/v1/security/refresh", headers=refresh)
    assert renewed.status_code == 200
    new_access = {"Authorization": f"Bearer {renewed.json['access_token']}"}
    assert client.get(API_CASES, headers=new_access).status_code == 200

    Browser(app).login("ggd").get("/logout/")  # ends every session and token of ggd

    refused = client.post("/api/v1/security/refresh", headers=refresh)
    assert refused.status_code == 401
    assert refused.json["message"] == "Uw toegangstoken is niet meer geldig; log opnieuw in."
    assert client.get(API_CASES, headers=new_access).status_code == 401


def test_access_tokens_are_short_lived(app: Flask) -> None:
    import datetime as dt

    import jwt

    token = api_login(app.test_client(), "ggd", refresh=True).json
    access = jwt.decode(token["access_token"], options={"verify_signature": False})
    refresh = jwt.decode(token["refresh_token"], options={"verify_signature": False})
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 12 * 3600
    assert app.config["JWT_ACCESS_TOKEN_EXPIRES"] == dt.timedelta(minutes=15)
