"""Permissions are resolved from memory, kept across requests under the access version,
and a role change counts from the next request, in every worker."""

from __future__ import annotations

import re

import pytest

from casusregie.app import permission_cache
from casusregie.app.access import system_access
from casusregie.app.extensions import db
from tests.support import Browser, count_queries

CASE_LIST = "/casemodelview/list/"


def _permission_queries(statements: list[str]) -> list[str]:
    return [s for s in statements if "ab_permission" in s]


def _grant(app, role_name: str, permission: str, view: str, *, granted: bool) -> None:
    # An administrator's change, made directly (the role screens have their own tests).
    with app.app_context(), system_access("test: role change"):
        sm = app.appbuilder.sm
        role = sm.find_role(role_name)
        pv = sm.find_permission_view_menu(permission, view)
        assert role is not None and pv is not None
        if granted and pv not in role.permissions:
            role.permissions.append(pv)
        if not granted and pv in role.permissions:
            role.permissions.remove(pv)
        db.session.commit()


@pytest.mark.parametrize("url", [CASE_LIST, "/"])
def test_a_page_asks_the_database_about_permissions_at_most_once(app, browser: Browser,
                                                                 url: str):
    browser.login("coordinator")
    app.extensions.pop("casus_permission_pairs", None)
    with count_queries(app) as statements:
        page = browser.get(url)
    assert page.status_code == 200
    assert len(_permission_queries(statements)) == 1, statements


def test_the_next_page_asks_nothing_about_permissions(app, browser: Browser):
    # Kept across requests: the access version comes with the signed-in user.
    browser.login("coordinator")
    browser.get(CASE_LIST)
    with count_queries(app) as statements:
        assert browser.get("/").status_code == 200
        assert browser.get(CASE_LIST).status_code == 200
    assert _permission_queries(statements) == [], statements
    assert not [s for s in statements if "access_version" in s
                and "ab_user" not in s], "the version is read with the user"


def test_the_cache_saves_most_of_a_pages_queries(app, browser: Browser, monkeypatch):
    browser.login("coordinator")
    browser.get(CASE_LIST)
    with count_queries(app) as cached:
        first = browser.get(CASE_LIST)

    # The same page with the cache switched off: Flask-AppBuilder's own checks.
    app.extensions.pop("casus_permission_pairs", None)
    monkeypatch.setattr(permission_cache, "_request_cache", lambda: None)
    with count_queries(app) as uncached:
        second = browser.get(CASE_LIST)

    assert first.status_code == second.status_code == 200
    assert first.text.count("<tr") == second.text.count("<tr")
    assert len(_permission_queries(uncached)) >= 5
    assert len(cached) + 5 <= len(uncached)


def test_a_revoked_permission_takes_effect_on_the_next_request(app, browser: Browser):
    browser.login("ggd")
    assert browser.get(CASE_LIST).status_code == 200

    _grant(app, "Ketenpartner", "can_list", "CaseModelView", granted=False)

    refused = browser.get(CASE_LIST)
    assert refused.status_code in (302, 403)
    assert CASE_LIST not in refused.headers.get("Location", "")


def test_a_granted_permission_takes_effect_while_an_app_context_stays_open(app):
    # A test or a command may keep one app context (and so one ``g``) open across
    # requests: the cache must still be per request.
    browser = Browser(app).login("privacy")
    with app.app_context():
        assert browser.get(CASE_LIST).status_code != 200
        _grant(app, "Privacy officer", "can_list", "CaseModelView", granted=True)
        assert browser.get(CASE_LIST).status_code == 200
        _grant(app, "Privacy officer", "can_list", "CaseModelView", granted=False)
        assert browser.get(CASE_LIST).status_code != 200


def test_anonymous_visitors_are_still_sent_to_the_login_page(app):
    client = app.test_client()
    resp = client.get(CASE_LIST)
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


def test_a_partner_does_not_gain_the_menu_of_another_role(app, browser: Browser):
    browser.login("ggd")
    home = browser.get("/")
    assert home.status_code == 200
    # Ketenpartner has no signals or subjects menu; the coordinator has both.
    assert "/signalmodelview/list/" not in home.text
    assert "/subjectmodelview/list/" not in home.text
    coordinator = Browser(app).login("coordinator").get("/")
    assert "/signalmodelview/list/" in coordinator.text


def test_the_signed_in_user_is_loaded_once_with_their_roles(app, browser: Browser):
    browser.login("coordinator")
    with count_queries(app) as statements:
        assert browser.get(CASE_LIST).status_code == 200
    user_loads = [s for s in statements if re.search(r"WHERE ab_user\.id = (\?|%\(\w+\)s)", s)]
    role_loads = [s for s in statements if s.lstrip().startswith("SELECT ab_role")]
    assert len(user_loads) == 1, user_loads
    assert role_loads == [], "roles must arrive with the user"


def test_the_menu_follows_a_permission_change_on_the_next_request(app, browser: Browser):
    # The menu's HTML is kept per set of permissions and language: a granted or revoked
    # menu entry shows on the very next page, and other users keep their own menu.
    entry = '<a tabindex="-1" href="/subjectmodelview/list/">'
    browser.login("ggd")
    assert entry not in browser.get("/").text
    _grant(app, "Ketenpartner", "menu_access", "Subjects", granted=True)
    _grant(app, "Ketenpartner", "can_list", "SubjectModelView", granted=True)
    assert entry in browser.get("/").text
    _grant(app, "Ketenpartner", "menu_access", "Subjects", granted=False)
    assert entry not in browser.get("/").text
    assert entry in Browser(app).login("coordinator").get("/").text


def test_the_menu_is_rendered_in_the_users_language(app, browser: Browser):
    browser.login("coordinator")
    signals = '<a tabindex="-1" href="/signalmodelview/list/">'
    dutch = browser.get("/").text
    assert re.search(re.escape(signals) + r"\s*Signalen</a>", dutch)
    browser.get("/lang/en")
    english = browser.get("/").text
    assert re.search(re.escape(signals) + r"\s*Signals</a>", english)
    assert re.search(re.escape(signals) + r"\s*Signalen</a>", browser.get("/").text) is None


def test_the_menu_asks_no_permission_per_entry(app, browser: Browser):
    browser.login("coordinator")
    browser.get("/")
    sm = app.appbuilder.sm
    calls: list[str] = []
    original = type(sm).has_access

    def counting(self, permission_name, view_name):
        calls.append(f"{permission_name}:{view_name}")
        return original(self, permission_name, view_name)

    type(sm).has_access = counting
    try:
        assert browser.get("/").status_code == 200
    finally:
        type(sm).has_access = original
    assert not [c for c in calls if c.startswith("menu_access:")], calls


def _asks(app, username: str, permission: str, view: str) -> tuple[bool, int]:
    """One request of a worker: whether ``username`` has the permission, and how many
    times that request asked the database about permissions."""
    from flask import g
    from flask_login import login_user

    with app.test_request_context("/"):
        user = app.appbuilder.sm.find_user(username=username)
        login_user(user)
        g.user = user
        with count_queries(app) as statements:
            answer = app.appbuilder.sm.has_access(permission, view)
        db.session.remove()
    return answer, len(_permission_queries(statements))


@pytest.mark.fresh_db  # two workers: two apps, each with its own engine and caches
def test_a_role_change_approved_in_one_worker_counts_in_another(app, test_database):
    from flask_appbuilder.security.sqla.models import PermissionView

    from casusregie.app import approvals
    from casusregie.app.role_changes import request_role_rights
    from casusregie.app.roles import is_sensitive_right
    from tests.support import make_app

    with app.app_context(), system_access("test: choose a right"):
        role = app.appbuilder.sm.find_role("Ketenpartner")
        right = next(pv for pv in db.session.query(PermissionView).all()
                     if is_sensitive_right(pv.permission.name, pv.view_menu.name)
                     and pv not in role.permissions)
        permission, view = right.permission.name, right.view_menu.name
        db.session.remove()

    # Worker one answers from memory once it has asked.
    app.extensions.pop("casus_permission_pairs", None)
    assert _asks(app, "ggd", permission, view) == (False, 1)
    assert _asks(app, "ggd", permission, view) == (False, 0)

    # Worker two: a functional administrator asks, the privacy officer approves.
    other = make_app(test_database.work_url)
    with other.app_context(), system_access("test: the four-eyes flow"):
        sm = other.appbuilder.sm
        role = sm.find_role("Ketenpartner")
        pv = sm.find_permission_view_menu(permission, view)
        asked = request_role_rights(role, [pv], sm.find_user(username="beheerder"))
        db.session.commit()
        approvals.decide(asked, sm.find_user(username="privacy"), approve=True)
        db.session.remove()

    # Worker one's very next request sees it, and keeps it again afterwards.
    assert _asks(app, "ggd", permission, view) == (True, 1)
    assert _asks(app, "ggd", permission, view) == (True, 0)
    with other.app_context():
        db.session.remove()
        db.engine.dispose()
