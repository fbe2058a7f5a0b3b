"""The Content Security Policy (no ``unsafe-eval``, inline scripts only with the page's
nonce) blocks nothing the screens need: Chromium reports no violation on the main
screens, their scripts run (the search filters, the searchable selects, the permission
matrix's half-ticked boxes) and the language switch works."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
SCREENS = {
    "coordinator": ["/", "/casemodelview/list/", "/interventionmodelview/add",
                    "/signalmodelview/add", "/subjectmodelview/list/"],
    "beheerder": ["/access/matrix/", "/access/explain/", "/users/add", "/users/list/"],
}


@pytest.mark.parametrize("username", sorted(SCREENS))
def test_no_csp_violation_on_the_main_screens(page, live_server: str, username) -> None:
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda exc: violations.append(f"script error: {exc}"))
    login(page, live_server, username)
    for url in SCREENS[username]:
        page.goto(live_server + url)
        page.wait_for_load_state("networkidle")
        assert "/login" not in page.url, url
        # jQuery and Flask-AppBuilder's own script ran (they are what a CSP would block).
        assert page.evaluate("typeof window.jQuery === 'function'"), url
    assert violations == [], violations


def test_the_nonce_script_of_the_matrix_runs(page, live_server: str) -> None:
    login(page, live_server, "beheerder")
    page.goto(f"{live_server}/access/matrix/")
    page.wait_for_load_state("networkidle")
    partial = page.locator("input[data-partial]")
    if partial.count():
        assert partial.first.evaluate("box => box.indeterminate")


def test_the_language_switch_posts_and_returns(page, live_server: str) -> None:
    login(page, live_server, "coordinator")
    page.goto(f"{live_server}/casemodelview/list/?psize_CaseModelView=25")
    SHOTS.mkdir(exist_ok=True)
    page.locator(".casus-lang").screenshot(path=str(SHOTS / "language-switch-nl.png"))
    page.click(".casus-lang button[hreflang=en]")
    page.wait_for_load_state("networkidle")
    assert "/casemodelview/list/?psize_CaseModelView=25" in page.url
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator(".casus-lang").screenshot(path=str(SHOTS / "language-switch-en.png"))
