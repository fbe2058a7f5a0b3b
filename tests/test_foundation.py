"""The foundation: the app starts, Dutch by default, demo users log in."""

from __future__ import annotations

import pytest

from tests.support import DEMO_USERNAMES, Browser


def test_login_page_is_dutch(browser: Browser) -> None:
    page = browser.get("/login/")
    assert page.status_code == 200
    assert "Gebruikersnaam" in page.text
    assert "Wachtwoord" in page.text


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_every_demo_account_logs_in(browser: Browser, username: str) -> None:
    browser.login(username)
    home = browser.get("/")
    assert home.status_code == 200
    assert "Casusregie" in home.text


def test_wrong_password_is_refused(browser: Browser) -> None:
    with pytest.raises(AssertionError):
        browser.login("coordinator", "wrong-password")


def test_security_headers(browser: Browser) -> None:
    resp = browser.get("/login/")
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
