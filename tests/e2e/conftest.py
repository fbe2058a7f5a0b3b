"""Browser journeys: Playwright driving Debian's chromium against a live test server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.plugins import support


@pytest.fixture()
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def plugin_server(test_database) -> Iterator[tuple[object, str]]:
    """The demo with the built-in plugins enabled (agreed plugin interventions), served.

    One database for the journeys that use it: building one takes half a minute, and
    each journey works on rows of its own (a new case; the partners' new interventions).
    A copy of its own of the plugin demo database, apart from the ``built_in_app``
    fixture's, which the read-only crawls share."""
    app, close = support.built_in_app(test_database, "journey")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        close()


@pytest.fixture()
def page(_chromium):
    context = _chromium.new_context(locale="nl-NL", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def login(page, base_url: str, username: str, password: str = "Casusregie-demo-2026") -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    # The login form's button, not the language switch's (also a form, in the navbar).
    with page.expect_navigation():
        page.click("form:not(.casus-lang-form) input[type=submit], "
                   "form:not(.casus-lang-form) button[type=submit]")
