"""A coordinator logs in with the real login form and lands on a Dutch page."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_coordinator_logs_in_and_sees_dutch(page, live_server: str) -> None:
    page.goto(f"{live_server}/login/")
    assert page.locator("html").get_attribute("lang") in (None, "nl")
    assert "Gebruikersnaam" in page.content()
    login(page, live_server, "coordinator")
    assert "/login" not in page.url
    body = page.inner_text("body")
    assert "Casusregie" in body
    assert "Casuswerk" in body
    assert "VERTROUWELIJK" in body
    for english in ("Case work", "Logout", "CONFIDENTIAL"):
        assert english not in body


def test_wrong_password_stays_on_login(page, live_server: str) -> None:
    login(page, live_server, "coordinator", "not-the-password")
    assert "/login" in page.url
