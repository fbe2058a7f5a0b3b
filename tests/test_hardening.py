"""Issue 13: trusted hosts, the Content Security Policy, the explain screen's reach."""

from __future__ import annotations

import re

from tests.support import Browser


def test_a_foreign_host_header_is_refused_and_never_reflected(app) -> None:
    client = app.test_client()
    resp = client.get("/casemodelview/list/", headers={"Host": "evil.example"})
    assert resp.status_code == 400
    assert "evil.example" not in resp.headers.get("Location", "")
    assert "evil.example" not in resp.get_data(as_text=True)
    login = client.get("/login/", headers={"Host": "localhost"})
    assert login.status_code == 200


def test_redirects_stay_on_the_trusted_host(app) -> None:
    resp = app.test_client().get("/casemodelview/list/")
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith("/") or location.startswith("http://localhost/")


def test_scripts_run_only_from_the_site_or_with_the_page_nonce(browser: Browser) -> None:
    browser.login("beheerder")
    resp = browser.get("/access/matrix/", follow_redirects=True)
    csp = resp.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "unsafe-eval" not in script_src and "unsafe-inline" not in script_src
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    html = resp.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline, "the page has inline scripts to check"
    assert all(f'nonce="{nonce}"' in attrs for attrs in inline), inline
    other = browser.get("/", follow_redirects=True).headers["Content-Security-Policy"]
    assert nonce not in other  # a fresh nonce per response
