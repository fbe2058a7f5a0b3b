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


def _admitted_case(app) -> tuple[int, str, str]:
    import sqlalchemy as sa

    from casusregie.app.access import system_access
    from casusregie.app.extensions import db
    from casusregie.app.models import CaseAdmission, CasusUser

    with app.app_context(), system_access("test"):
        user = db.session.scalars(sa.select(CasusUser).filter_by(username="ggd")).one()
        admission = db.session.scalars(sa.select(CaseAdmission).filter_by(
            organisation_id=user.organisation_id).order_by(CaseAdmission.id)).first()
        return user.id, admission.case.number, admission.purpose


def test_the_explain_screen_lists_no_case_numbers(app) -> None:
    for username in ("beheerder", "privacy"):
        page = Browser(app).login(username).get("/access/explain/").get_data(as_text=True)
        assert not re.search(r"CR-\d{4}-\d{4}\b", page.replace("CR-2026-0001\"", "")), username


def test_the_explain_screen_answers_for_a_named_case_without_quoting_purposes(app) -> None:
    user_id, number, purpose = _admitted_case(app)
    assert purpose
    for username in ("beheerder", "privacy"):
        browser = Browser(app).login(username)
        page = browser.get(f"/access/explain/?user={user_id}&number={number.lower()}").text
        assert 'data-visible="yes" data-rule="admitted"' in page, username
        assert purpose not in page, username
        other_numbers = set(re.findall(r"CR-\d{4}-\d{4}", page)) - {number, "CR-2026-0001"}
        assert not other_numbers, other_numbers
    unknown = Browser(app).login("privacy").get(
        f"/access/explain/?user={user_id}&number=CR-1999-9999").text
    assert "Er is geen casus met nummer CR-1999-9999" in unknown
