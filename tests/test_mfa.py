"""The second factor through the login form and the API: enrolment with a QR code drawn
on the server, TOTP codes used once, recovery codes used once, remembered devices,
the administrator's reset, and events for the privacy officer."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.login_support import api_login, code_for, html_login
from tests.support import Browser, csrf_token

# Security events are written on a connection of their own: a fresh copy.
pytestmark = pytest.mark.fresh_db

SECRET = re.compile(r'id="mfa-secret">([A-Z2-7]+)<')
CODES = re.compile(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>")


@pytest.fixture()
def mfa_app(app: Flask, monkeypatch) -> Flask:
    monkeypatch.setitem(app.config, "CASUS_MFA_ROLES", ["Ketenpartner"])
    return app


def _enrol(app: Flask, username: str = "ggd") -> tuple[Browser, str, list[str]]:
    browser = Browser(app)
    resp = html_login(browser.client, username)
    assert resp.headers["Location"].endswith("/mfa/")
    page = browser.get("/mfa/").text
    assert "<svg" in page and "Tweede factor instellen" in page
    secret = SECRET.search(page).group(1)
    wrong = browser.post("/mfa/", {"code": "000000", "csrf_token": csrf_token(page)})
    assert "De code is niet juist." in wrong.text
    browser.enrolment_code = code_for(secret)
    done = browser.post("/mfa/", {"code": browser.enrolment_code,
                                  "csrf_token": csrf_token(page)})
    codes = CODES.findall(done.text)
    assert len(codes) == 10 and "Herstelcodes" in done.text
    browser.user = username
    return browser, secret, codes


def _second_step(browser: Browser, code: str, **extra):
    page = browser.get("/mfa/").text
    return browser.post("/mfa/", {"code": code, "csrf_token": csrf_token(page), **extra})


def test_a_role_that_needs_it_cannot_skip_the_second_factor(mfa_app: Flask) -> None:
    browser = Browser(mfa_app)
    html_login(browser.client, "ggd")
    assert browser.get("/casemodelview/list/").status_code == 302  # not logged in yet
    assert Browser(mfa_app).login("coordinator").get("/casemodelview/list/").status_code == 200


def test_enrol_log_out_log_in_with_a_code_and_a_recovery_code_once(mfa_app: Flask) -> None:
    browser, secret, codes = _enrol(mfa_app)
    assert browser.get("/casemodelview/list/").status_code == 200
    browser.get("/logout/")

    html_login(browser.client, "ggd")
    # The code just used for enrolment is refused a second time.
    assert "De code is niet juist." in _second_step(browser, browser.enrolment_code).text
    assert _second_step(browser, code_for(secret, 1)).status_code == 302
    assert browser.get("/casemodelview/list/").status_code == 200
    browser.get("/logout/")

    html_login(browser.client, "ggd")
    assert _second_step(browser, codes[0].upper()).status_code == 302
    browser.get("/logout/")
    html_login(browser.client, "ggd")
    assert "De code is niet juist." in _second_step(browser, codes[0]).text
    assert _events(mfa_app, "ggd") >= {"mfa_enrolled", "mfa_recovery_used", "mfa_failed",
                                       "login", "logout"}


def test_a_remembered_device_skips_the_second_step_for_twelve_hours(mfa_app: Flask) -> None:
    browser, secret, _codes = _enrol(mfa_app)
    browser.get("/logout/")
    html_login(browser.client, "ggd")
    resp = _second_step(browser, code_for(secret, 1), remember="1")
    cookie = resp.headers.getlist("Set-Cookie")
    assert any("casus_mfa_device=" in c and "Max-Age=43200" in c for c in cookie)
    browser.get("/logout/")
    assert not html_login(browser.client, "ggd").headers["Location"].endswith("/mfa/")


def test_the_api_login_needs_the_code_too(mfa_app: Flask) -> None:
    client = mfa_app.test_client()
    refused = api_login(client, "ggd")
    assert refused.status_code == 401
    assert "authenticator-app" in refused.json["message"]
    _browser, secret, _codes = _enrol(mfa_app)
    assert api_login(client, "ggd").status_code == 401
    assert api_login(client, "ggd", totp="123456").status_code == 401
    ok = api_login(client, "ggd", totp=code_for(secret, 1))
    assert ok.status_code == 200 and ok.json["access_token"]


def test_an_administrator_resets_the_second_factor(mfa_app: Flask) -> None:
    user_browser, _secret, codes = _enrol(mfa_app)
    admin = Browser(mfa_app).login("beheerder")
    user_id = _user_id(mfa_app, "ggd")
    page = admin.get("/users/list/")
    assert "Tweede factor opnieuw instellen" in page.text
    resp = admin.post("/users/action_post", data={
        "action": "reset_mfa", "rowid": str(user_id), "csrf_token": csrf_token(page.text)})
    assert resp.status_code == 302
    # ggd has a case role: the reset waits for the privacy officer (tests/test_approvals.py).
    assert user_browser.get("/casemodelview/list/").status_code == 200
    privacy = Browser(mfa_app).login("privacy")
    review = privacy.get("/approvalrequestmodelview/list/")
    request_id = re.search(r'/approvalrequestmodelview/show/(\d+)', review.text).group(1)
    privacy.post("/approvalrequestmodelview/action_post", data={
        "action": "approve", "rowid": request_id, "csrf_token": csrf_token(review.text)})
    # Every session ended; the old recovery codes are gone; the user enrols again.
    assert user_browser.get("/casemodelview/list/").status_code == 302
    html_login(user_browser.client, "ggd")
    assert "Tweede factor instellen" in user_browser.get("/mfa/").text
    assert "De code is niet juist." in _second_step(user_browser, codes[1]).text
    assert "mfa_reset" in _events(mfa_app, "ggd")


def test_only_administrators_reset_second_factors(mfa_app: Flask) -> None:
    other = Browser(mfa_app).login("coordinator")
    page = other.get("/casemodelview/list/")
    resp = other.post("/users/action_post", data={
        "action": "reset_mfa", "rowid": str(_user_id(mfa_app, "ggd")),
        "csrf_token": csrf_token(page.text)})
    assert resp.status_code in (302, 403)
    assert "mfa_reset" not in _events(mfa_app, "ggd")


def test_the_privacy_officer_sees_the_security_events(app: Flask) -> None:
    html_login(app.test_client(), "om", "wrong")
    privacy = Browser(app).login("privacy")
    page = privacy.get("/securityeventmodelview/list/")
    assert page.status_code == 200
    assert "Beveiligingsgebeurtenissen" in page.text and "Mislukte inlogpoging" in page.text
    coordinator = Browser(app).login("coordinator")
    assert coordinator.get("/securityeventmodelview/list/").status_code in (302, 403)


def _user_id(app: Flask, username: str) -> int:
    from casusregie.app.extensions import db
    from casusregie.app.models import CasusUser

    with app.app_context():
        try:
            return db.session.execute(sa.select(CasusUser.id).where(
                CasusUser.username == username)).scalar_one()
        finally:
            db.session.remove()


def _events(app: Flask, username: str) -> set[str]:
    from casusregie.app.auth.models import SecurityEvent
    from casusregie.app.extensions import db

    with app.app_context():
        try:
            return set(db.session.execute(sa.select(SecurityEvent.kind).where(
                SecurityEvent.username == username)).scalars())
        finally:
            db.session.remove()



def test_a_known_password_does_not_reset_the_limit_on_guessing_codes(mfa_app: Flask,
                                                                     monkeypatch) -> None:
    _enrol(mfa_app)
    monkeypatch.setitem(mfa_app.config, "CASUS_LOGIN_THROTTLE", True)
    monkeypatch.setitem(mfa_app.config, "CASUS_LOGIN_FREE_FAILURES", 100)
    monkeypatch.setitem(mfa_app.config, "CASUS_LOGIN_LOCK_AFTER", 6)
    browser = Browser(mfa_app)
    for _round in range(3):
        html_login(browser.client, "ggd")
        for guess in ("000000", "111111"):
            _second_step(browser, guess)
    resp = html_login(browser.client, "ggd", follow=True)
    assert "Dit account is geblokkeerd" in resp.text
