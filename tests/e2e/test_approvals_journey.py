"""The four-eyes journey in a browser: the administrator asks for a second-factor reset
of a partner, the privacy officer finds the task and approves it on the review screen."""

from __future__ import annotations

import os

from tests.e2e.conftest import login

SHOTS = os.environ.get("CASUS_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _act(page, row_text: str, action: str) -> None:
    """Tick the row and run a list action, confirming the dialog."""
    page.locator("tr", has_text=row_text).first.locator("input.action_check").check()
    page.click("text=Acties")
    page.click(f".{action}_menu_item")
    page.locator("#modal-confirm .modal-footer a, #modal-confirm .btn-primary").first.click()
    page.wait_for_load_state("networkidle")


def request_reset(page, base: str, username: str) -> None:
    """As the logged-in administrator: ask for a second-factor reset of ``username``."""
    page.goto(f"{base}/users/list/?_flt_0_username={username}")
    _act(page, username, "reset_mfa")
    # Wait for the answer page: under load the confirmation may still be closing.
    page.get_by_text("wacht op goedkeuring door een tweede persoon").first.wait_for()
    _shot(page, "approvals-requested")
    assert "wacht op goedkeuring door een tweede persoon" in page.inner_text("body")


def approve_as_privacy(page, base: str, username: str) -> None:
    """Log in as the privacy officer, open the task and approve the request."""
    page.goto(f"{base}/logout/")
    login(page, base, "privacy")
    page.goto(f"{base}/tasks/")
    page.get_by_text("Een gevoelige wijziging wacht op uw goedkeuring").first.click()
    page.wait_for_load_state("networkidle")
    assert username in page.inner_text("body")
    page.goto(f"{base}/approvalrequestmodelview/list/")
    _shot(page, "approvals-list")
    _act(page, username, "approve")
    page.get_by_text(f"Goedgekeurd en doorgevoerd: {username}").first.wait_for()
    _shot(page, "approvals-approved")
    assert f"Goedgekeurd en doorgevoerd: {username}" in page.inner_text("body")
    page.goto(f"{base}/logout/")


def test_privacy_officer_approves_a_requested_reset(live_server, page) -> None:
    login(page, live_server, "beheerder")
    request_reset(page, live_server, "ggd")
    approve_as_privacy(page, live_server, "ggd")
