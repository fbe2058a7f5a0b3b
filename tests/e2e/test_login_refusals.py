"""Refused logins in a real browser: the lockout message on the login page, in the site's
layout, in Dutch and in English; the account name is not revealed either way."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login
from tests.e2e.test_mfa_journey import _shot

pytestmark = pytest.mark.e2e


def test_lockout_message_in_dutch_and_english(page, live_server: str, app,
                                              monkeypatch) -> None:
    monkeypatch.setitem(app.config, "CASUS_LOGIN_THROTTLE", True)
    monkeypatch.setitem(app.config, "CASUS_LOGIN_LOCK_AFTER", 3)
    for attempt in range(3):
        login(page, live_server, "jongerenwerk", f"wrong-{attempt}")
    login(page, live_server, "jongerenwerk")
    assert "/login" in page.url
    body = page.inner_text("body")
    assert "Dit account is geblokkeerd na te veel mislukte inlogpogingen" in body
    assert "VERTROUWELIJK" in body and page.locator(".casus-navbar").count() == 1
    _shot(page, "lockout-nl")

    page.click("button.casus-lang-option[lang=en]")
    login(page, live_server, "jongerenwerk")
    body = page.inner_text("body")
    assert "This account is blocked after too many failed logins" in body
    assert "CONFIDENTIAL" in body
    _shot(page, "lockout-en")
