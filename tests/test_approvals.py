"""Four eyes for sensitive changes, through the screens: the functional administrator
asks for a second-factor reset of a user with case roles, the privacy officer approves
or refuses it on "Te beoordelen wijzigingen", and nothing happens before approval."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.support import Browser, csrf_token

# Security events are written on a connection of their own: a fresh copy.
pytestmark = pytest.mark.fresh_db

LIST = "/approvalrequestmodelview/list/"
TASK_TITLE = "Een gevoelige wijziging wacht op uw goedkeuring"


def _db(app: Flask, fn):
    from casusregie.app.extensions import db

    with app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def _user_id(app: Flask, username: str) -> int:
    from casusregie.app.models import CasusUser

    return _db(app, lambda s: s.execute(sa.select(CasusUser.id).where(
        CasusUser.username == username)).scalar_one())


def _enrolled(app: Flask, username: str) -> None:
    """Give the user a second factor (set-up is not what these tests are about)."""
    from casusregie.app.auth.models import UserMfa

    def add(session):
        session.add(UserMfa(user_id=_user_id(app, username), secret="JBSWY3DPEHPK3PXP"))
        session.commit()
    _db(app, add)


def _has_mfa(app: Flask, username: str) -> bool:
    from casusregie.app.auth.models import UserMfa

    user_id = _user_id(app, username)
    return _db(app, lambda s: s.get(UserMfa, user_id) is not None)


def _events(app: Flask, username: str) -> list[tuple[str, str | None, str | None]]:
    from casusregie.app.auth.models import SecurityEvent

    return _db(app, lambda s: [tuple(r) for r in s.execute(
        sa.select(SecurityEvent.kind, SecurityEvent.actor, SecurityEvent.detail)
        .where(SecurityEvent.username == username).order_by(SecurityEvent.id))])


def _requests(app: Flask) -> list[tuple[int, str, str]]:
    from casusregie.app.models import ApprovalRequest

    return _db(app, lambda s: [(r.id, r.target_label, r.status.value) for r in
                               s.query(ApprovalRequest).order_by(ApprovalRequest.id)])


def _ask_reset(admin: Browser, app: Flask, username: str):
    page = admin.get("/users/list/")
    return admin.post("/users/action_post", {
        "action": "reset_mfa", "rowid": str(_user_id(app, username)),
        "csrf_token": csrf_token(page.text)}, follow_redirects=True)


def _decide(browser: Browser, request_id: int, action: str):
    page = browser.get(LIST)
    return browser.post("/approvalrequestmodelview/action_post", {
        "action": action, "rowid": str(request_id), "csrf_token": csrf_token(page.text)},
        follow_redirects=True)


def test_a_reset_for_a_user_with_case_roles_waits_for_the_privacy_officer(app: Flask):
    _enrolled(app, "ggd")
    admin = Browser(app).login("beheerder")
    resp = _ask_reset(admin, app, "ggd")
    assert "wacht op goedkeuring door een tweede persoon" in resp.text
    # Nothing effective yet: the second factor stays, the request waits.
    assert _has_mfa(app, "ggd")
    [(request_id, label, status)] = _requests(app)
    assert (label, status) == ("ggd", "pending")
    assert [e[:2] for e in _events(app, "ggd")] == [("mfa_reset_requested", "beheerder")]
    # The administrator sees the request but does not get the task and cannot approve.
    assert "ggd" in admin.get(LIST).text
    assert TASK_TITLE not in admin.get("/tasks/").text
    _decide(admin, request_id, "approve")
    assert _has_mfa(app, "ggd") and _requests(app)[0][2] == "pending"

    privacy = Browser(app).login("privacy")
    tasks = privacy.get("/tasks/").text
    assert TASK_TITLE in tasks and f"/approvalrequestmodelview/show/{request_id}" in tasks
    assert TASK_TITLE in privacy.get("/tasks/notifications/").text
    page = privacy.get(LIST).text
    assert "Te beoordelen wijzigingen" in page and "Wacht op goedkeuring" in page
    done = _decide(privacy, request_id, "approve")
    assert "Goedgekeurd en doorgevoerd: ggd" in done.text
    assert not _has_mfa(app, "ggd")
    assert _requests(app)[0][2] == "approved"
    kinds = [e[0] for e in _events(app, "ggd")]
    assert kinds == ["mfa_reset_requested", "mfa_reset"]
    assert "decided by privacy" in _events(app, "ggd")[-1][2]
    # The task closes with the decision; deciding twice changes nothing.
    assert TASK_TITLE not in privacy.get("/tasks/").text
    assert "Al besloten: ggd" in _decide(privacy, request_id, "refuse").text
    assert _requests(app)[0][2] == "approved"


def test_a_refused_reset_changes_nothing(app: Flask):
    _enrolled(app, "politie")
    _ask_reset(Browser(app).login("beheerder"), app, "politie")
    [(request_id, _label, _status)] = _requests(app)
    privacy = Browser(app).login("privacy")
    assert "Afgewezen: politie" in _decide(privacy, request_id, "refuse").text
    assert _has_mfa(app, "politie")
    assert _requests(app)[0][2] == "refused"
    assert [e[0] for e in _events(app, "politie")] == ["mfa_reset_requested",
                                                        "mfa_reset_refused"]
    assert TASK_TITLE not in privacy.get("/tasks/").text


def test_the_requester_cannot_approve_their_own_request(app: Flask):
    # An administrator who is also privacy officer still needs someone else.
    from casusregie.app.access import system_access
    from casusregie.app.models import CasusUser

    def also_privacy(session):
        sm = app.appbuilder.sm
        with system_access("test: a second role"):
            user = session.get(CasusUser, _user_id(app, "beheerder"))
            user.roles.append(sm.find_role("Privacy officer"))
            session.commit()
    _db(app, also_privacy)
    _enrolled(app, "regisseur")
    admin = Browser(app).login("beheerder")
    _ask_reset(admin, app, "regisseur")
    [(request_id, _label, _status)] = _requests(app)
    assert TASK_TITLE not in admin.get("/tasks/").text  # not asked of the requester
    refused = _decide(admin, request_id, "approve")
    assert "U kunt niet zelf besluiten over uw eigen aanvraag" in refused.text
    assert _has_mfa(app, "regisseur") and _requests(app)[0][2] == "pending"
    assert TASK_TITLE in Browser(app).login("privacy").get("/tasks/").text


def test_a_user_without_case_roles_is_reset_at_once(app: Flask):
    _enrolled(app, "management")
    resp = _ask_reset(Browser(app).login("beheerder"), app, "management")
    assert "management" in resp.text
    assert not _has_mfa(app, "management")
    assert _requests(app) == []
    assert [e[0] for e in _events(app, "management")] == ["mfa_reset"]
