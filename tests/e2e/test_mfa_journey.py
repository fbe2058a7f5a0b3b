"""Second factor in a real browser: enrol, log out, log in with password and code, use a
recovery code once (the second use is refused), and the administrator resets it."""

from __future__ import annotations

import os
import re

import pytest

from tests.e2e.conftest import login
from tests.e2e.test_approvals_journey import approve_as_privacy, request_reset
from tests.login_support import code_for

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("CASUS_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _code(page, code: str, remember: bool = False) -> None:
    page.fill("input[name=code]", code)
    if remember:
        page.check("input[name=remember]")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _logout(page, base: str) -> None:
    page.goto(f"{base}/logout/")
    page.wait_for_load_state("networkidle")


def test_enrol_log_in_with_codes_and_the_administrator_resets(page, live_server: str, app,
                                                              monkeypatch) -> None:
    monkeypatch.setitem(app.config, "CASUS_MFA_ROLES", ["Ketenpartner"])
    login(page, live_server, "ggd")
    assert page.url.endswith("/mfa/")
    assert page.locator(".casus-mfa-qr svg").count() == 1
    secret = page.inner_text("#mfa-secret").strip()
    _shot(page, "mfa-enrol")
    _code(page, code_for(secret))
    codes = [c.strip() for c in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) == 10 and all(re.fullmatch(r"[0-9a-f]{6}-[0-9a-f]{6}", c) for c in codes)
    _shot(page, "mfa-recovery-codes")
    page.click("#mfa-continue")
    assert "Casuswerk" in page.inner_text("body")
    _logout(page, live_server)

    login(page, live_server, "ggd")
    assert page.url.endswith("/mfa/")
    _shot(page, "mfa-verify")
    _code(page, code_for(secret, 1))
    assert "/mfa" not in page.url and "/login" not in page.url
    _logout(page, live_server)

    login(page, live_server, "ggd")
    _code(page, codes[0])
    assert "/mfa" not in page.url
    _logout(page, live_server)
    login(page, live_server, "ggd")
    _code(page, codes[0])
    assert page.url.endswith("/mfa/")
    assert "De code is niet juist." in page.inner_text("#mfa-error")
    _shot(page, "mfa-recovery-code-refused")
    _logout(page, live_server)

    login(page, live_server, "beheerder")
    # ggd has a case role: the reset is a request the privacy officer approves.
    request_reset(page, live_server, "ggd")
    approve_as_privacy(page, live_server, "ggd")

    login(page, live_server, "ggd")
    assert page.url.endswith("/mfa/") and page.locator("#mfa-secret").count() == 1
