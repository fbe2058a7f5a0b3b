"""The accessibility statement and the page frame's landmarks, as users receive them."""

from __future__ import annotations

from tests.support import Browser


def test_statement_is_public_and_in_the_users_language(app, browser: Browser) -> None:
    resp = browser.get("/accessibility/")
    assert resp.status_code == 200
    assert "Toegankelijkheidsverklaring" in resp.text
    assert "Voldoet gedeeltelijk" in resp.text
    assert "axe-core" in resp.text and "PDF/UA" in resp.text
    browser.get("/lang/en")
    english = browser.get("/accessibility/").text
    assert "Accessibility statement" in english and "Partially compliant" in english


def test_every_page_links_the_statement_and_offers_a_skip_link(app, browser: Browser) -> None:
    browser.login("ggd")
    for url in ("/", "/casemodelview/list/"):
        html = browser.get(url).text
        assert 'href="/accessibility/"' in html, url
        assert 'class="casus-skip-link" href="#main-content"' in html, url
        assert '<main id="main-content"' in html, url
        assert 'lang="nl"' in html, url
