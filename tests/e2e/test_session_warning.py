"""The page warns before the session ends for inactivity; "Ingelogd blijven" keeps it."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login
from tests.e2e.test_mfa_journey import _shot

pytestmark = pytest.mark.e2e


def test_the_idle_warning_appears_and_extends(page, live_server: str, app,
                                              monkeypatch) -> None:
    # One minute idle with a one-minute warning: the warning is due at once.
    monkeypatch.setitem(app.config, "CASUS_SESSION_IDLE_MINUTES", 1)
    monkeypatch.setitem(app.config, "CASUS_SESSION_WARNING_MINUTES", 1)
    login(page, live_server, "coordinator")
    warning = page.locator("#casus-session-warning")
    warning.wait_for(state="visible", timeout=5000)
    assert "Uw sessie eindigt over 1 minuut omdat u niets hebt gedaan." in warning.inner_text()
    _shot(page, "session-warning")
    with page.expect_response("**/session/extend") as answer:
        page.click("#casus-session-extend")
    assert answer.value.status == 200 and answer.value.json()["logged_in"]
