"""Roles as data, and four eyes for role changes, through the screens and the API.

A role's row scopes and field clearances are stored on the role by id: renames move
nothing, and an administrator models a new partner kind. Changing scopes or
clearances, giving someone a role with case content, and granting rights to hand out
access wait for a second person; both steps are in the permission change log.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask import Flask
from flask_appbuilder.security.sqla.models import Role

from casusregie.app.access import actor_for_user, row_criteria, system_access
from casusregie.app.access.models import PermissionChange
from casusregie.app.access.role_data import clearances_of, scopes_of
from casusregie.app.extensions import db
from casusregie.app.models import (
    ApprovalRequest,
    Case,
    CaseAdmission,
    CasusUser,
    Organisation,
    OrganisationTier,
)
from tests.support import Browser, csrf_token
from tests.test_write_enumeration import _give_the_administrator_the_security_api

LIST = "/approvalrequestmodelview/list/"


def _role(name: str) -> Role:
    return db.session.query(Role).filter_by(name=name).one()


def _user(username: str) -> CasusUser:
    return db.session.query(CasusUser).filter_by(username=username).one()


def _sight(app: Flask, usernames: tuple[str, ...]) -> dict[str, tuple]:
    """What each user sees: the case numbers and the clearances of their roles."""
    with app.app_context(), system_access("test"):
        out = {}
        for name in usernames:
            actor = actor_for_user(_user(name))
            cases = db.session.execute(sa.select(Case.number).where(
                row_criteria(Case, actor))).scalars().all()
            out[name] = (sorted(cases), sorted(actor.clearances))
        db.session.rollback()
    return out


def _requests(app: Flask) -> list[tuple[int, str, str, str]]:
    with app.app_context(), system_access("test"):
        rows = [(r.id, r.kind, r.target_label, r.status.value) for r in
                db.session.query(ApprovalRequest).order_by(ApprovalRequest.id)]
        db.session.rollback()
    return rows


def _log(app: Flask, kind_prefix: str) -> list[tuple[str, str, str, str]]:
    with app.app_context(), system_access("test"):
        rows = [(c.kind, c.role, c.changed_by, c.detail) for c in
                db.session.query(PermissionChange).filter(
                    PermissionChange.kind.startswith(kind_prefix))
                .order_by(PermissionChange.id)]
        db.session.rollback()
    return rows


def _decide(browser: Browser, request_id: int, action: str) -> str:
    page = browser.get(LIST)
    return browser.post("/approvalrequestmodelview/action_post", {
        "action": action, "rowid": str(request_id), "csrf_token": csrf_token(page.text)},
        follow_redirects=True).text


def _ask_access(admin: Browser, role_id: int, **ticks: str) -> str:
    return admin.submit(f"/access/matrix/?role={role_id}",
                        {"role": str(role_id), "part": "access", **ticks},
                        follow_redirects=True).text


def _role_access(app: Flask, name: str) -> tuple[list[str], list[str]]:
    with app.app_context(), system_access("test"):
        role = _role(name)
        found = sorted(scopes_of([role])), sorted(clearances_of([role]))
        db.session.rollback()
    return found


def test_renaming_roles_moves_nothing(app: Flask) -> None:
    users = ("politie", "om", "beheerder", "coordinator", "ggd")
    before = _sight(app, users)
    assert before["politie"][0] and before["beheerder"] == ([], [])
    with app.app_context(), system_access("test"):
        core, admin = _role("Kernpartner").id, _role("Functioneel beheerder").id
    browser = Browser(app).login("beheerder")
    for role_id, name in ((core, "Kernpartner-oud"), (admin, "Kernpartner")):
        resp = browser.submit(f"/roles/edit/{role_id}", {"name": name})
        assert resp.status_code == 302, resp.text
    assert _sight(app, users) == before
    # The administrator, now in a role named "Kernpartner", still sees no case.
    assert "CR-" not in browser.get("/casemodelview/list/").text
    assert [(k, r, d) for k, r, _by, d in _log(app, "role_renamed")] == [
        ("role_renamed", "Kernpartner-oud", "Kernpartner"),
        ("role_renamed", "Kernpartner", "Functioneel beheerder")]


def test_a_change_of_scopes_waits_for_a_second_person(app: Flask) -> None:
    """Requested → nothing changes; refused → nothing changes; approved → it holds."""
    with app.app_context(), system_access("test"):
        management = _role("Management").id
    sight = _sight(app, ("management",))
    admin = Browser(app).login("beheerder")
    page = _ask_access(admin, management, **{"scope-figures": "on", "scope-core": "on",
                                              "clearance-bsn": "on"})
    assert "goedkeuring" in page
    [(first, kind, label, status)] = _requests(app)
    assert (kind, label, status) == ("role_access", "Management", "pending")
    assert _role_access(app, "Management") == (["figures"], [])
    assert _sight(app, ("management",)) == sight
    # The requester cannot decide; the privacy officer refuses.
    _decide(admin, first, "approve")
    assert _requests(app)[0][3] == "pending"
    privacy = Browser(app).login("privacy")
    _decide(privacy, first, "refuse")
    assert _requests(app)[0][3] == "refused"
    assert _role_access(app, "Management") == (["figures"], [])
    # Asked again and approved: now it holds, and the management user sees cases.
    _ask_access(admin, management, **{"scope-figures": "on", "scope-core": "on",
                                       "clearance-bsn": "on"})
    second = _requests(app)[1][0]
    page = _decide(privacy, second, "approve")
    assert _requests(app)[1][3] == "approved"
    assert _role_access(app, "Management") == (["core", "figures"], ["bsn"])
    assert _sight(app, ("management",))["management"][0]
    steps = [(k, by) for k, _r, by, _d in _log(app, "role_access_")]
    assert steps == [("role_access_requested", "beheerder"),
                     ("role_access_refused", "privacy"),
                     ("role_access_requested", "beheerder"),
                     ("role_access_approved", "privacy")]
    made = _log(app, "role_")
    assert ("role_scope_added", "Management", "privacy", f"request #{second} by beheerder") \
        in made
    assert ("role_clearance_added", "Management", "privacy",
            f"request #{second} by beheerder") in made


def test_nobody_changes_a_role_they_hold(app: Flask) -> None:
    with app.app_context(), system_access("test"):
        admin_role, privacy_role = _role("Functioneel beheerder").id, _role("Privacy officer").id
    admin = Browser(app).login("beheerder")
    # Not their own role's scopes, nor its right to decide approvals (indirectly).
    page = _ask_access(admin, admin_role, **{"scope-core": "on"})
    assert "rol die u zelf heeft" in page
    with app.app_context(), system_access("test"):
        approve = app.appbuilder.sm.find_permission_view_menu(
            "approve", "ApprovalRequestModelView").id
    page = admin.submit(f"/access/matrix/?role={admin_role}",
                        {"role": str(admin_role), f"was-pv-{approve}": "1",
                         f"pv-{approve}": "on"}, follow_redirects=True).text
    assert "rol die u zelf heeft" in page
    assert _requests(app) == []
    # The privacy officer does not decide on a change of the privacy officer's role.
    _ask_access(admin, privacy_role, **{"scope-retention": "on", "scope-admitted": "on"})
    [(req, *_rest)] = _requests(app)
    page = _decide(Browser(app).login("privacy"), req, "approve")
    assert "rol die u zelf heeft" in page or "role you hold" in page
    assert _requests(app)[0][3] == "pending"
    assert _role_access(app, "Privacy officer") == (["retention"], [])


def test_a_role_for_a_new_partner_kind_sees_exactly_its_admitted_cases(app: Flask) -> None:
    with app.app_context(), system_access("test"):
        org = Organisation(name="Reclassering Amsterdam", tier=OrganisationTier.case_partner)
        db.session.add(org)
        db.session.flush()
        case = db.session.query(Case).order_by(Case.id).first()
        coordinator = _user("coordinator")
        today = dt.date.today()
        db.session.add(CaseAdmission(
            case_id=case.id, organisation_id=org.id, purpose="Toezicht",
            legal_basis="Convenant art. 5", starts_on=today - dt.timedelta(days=1),
            ends_on=today + dt.timedelta(days=30), granted_by_id=coordinator.id))
        db.session.commit()
        org_id, admitted = org.id, case.number
        sm = app.appbuilder.sm
        cases_view = sm.find_view_menu("CaseModelView").id
    admin, privacy = Browser(app).login("beheerder"), Browser(app).login("privacy")
    assert admin.submit("/roles/add", {"name": "Reclassering"}).status_code == 302
    with app.app_context(), system_access("test"):
        role_id = _role("Reclassering").id
    # Screens are granted at once; the scope waits for the privacy officer.
    admin.submit(f"/access/matrix/?role={role_id}", {
        "role": str(role_id), f"was-cell-{cases_view}-view": "none",
        f"cell-{cases_view}-view": "on"})
    _ask_access(admin, role_id, **{"scope-admitted": "on"})
    _decide(privacy, _requests(app)[-1][0], "approve")
    assert _role_access(app, "Reclassering") == (["admitted"], [])
    # A user with the role: created at once, the role after approval.
    password = "Reclassering-toezicht-2026!"
    page = admin.submit("/users/add", {
        "first_name": "Rita", "last_name": "Reclassering", "username": "reclassering",
        "email": "rita@example.org", "organisation": str(org_id), "active": "y",
        "roles": [str(role_id)], "password": password, "conf_password": password},
        follow_redirects=True).text
    assert "goedkeuring" in page
    with app.app_context(), system_access("test"):
        assert _user("reclassering").roles == []
    _decide(privacy, _requests(app)[-1][0], "approve")
    with app.app_context(), system_access("test"):
        assert [r.name for r in _user("reclassering").roles] == ["Reclassering"]
    listed = Browser(app).login("reclassering", password).get("/casemodelview/list/").text
    assert set(re.findall(r"CR-\d{4}-\d{4}", listed)) == {admitted}
    added = [(k, r, by) for k, r, by, _d in _log(app, "user_role_added")]
    assert ("user_role_added", "Reclassering", "privacy") in added


def test_no_path_around_through_the_security_api(app: Flask) -> None:
    _give_the_administrator_the_security_api(app)
    with app.app_context(), system_access("test"):
        coordinator, partner = _role("Coördinator"), _role("Ketenpartner")
        members = [u.id for u in coordinator.user]
        partners = [u.id for u in partner.user]
        ggd, management = _user("ggd"), _user("management")
        ids = (coordinator.id, partner.id, ggd.id, management.id, management.version)
        db.session.rollback()
    coordinator_id, partner_id, ggd_id, management_id, version = ids
    client = app.test_client()
    token = client.post("/api/v1/security/login", json={
        "username": "beheerder", "password": "Casusregie-demo-2026", "provider": "db"}
        ).get_json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    resp = client.put(f"/api/v1/security/roles/{coordinator_id}/users", headers=auth,
                      json={"user_ids": [*members, ggd_id]})
    assert resp.status_code == 403 and "goedkeuring" in resp.get_json()["message"]
    resp = client.put(f"/api/v1/security/users/{management_id}", headers=auth,
                      json={"roles": [coordinator_id]})
    assert resp.status_code == 400  # no version read
    resp = client.put(f"/api/v1/security/users/{management_id}", headers=auth,
                      json={"roles": [coordinator_id], "version": version + 5})
    assert resp.status_code == 409
    resp = client.put(f"/api/v1/security/users/{management_id}", headers=auth,
                      json={"roles": [coordinator_id], "version": version})
    assert resp.status_code == 403
    # Removing a member is not sensitive, but it is logged (the list is replaced).
    kept = [i for i in partners if i != ggd_id]
    resp = client.put(f"/api/v1/security/roles/{partner_id}/users", headers=auth,
                      json={"user_ids": kept})
    assert resp.status_code == 200
    assert ("user_role_removed", "Ketenpartner", "beheerder") in [
        (k, r, by) for k, r, by, _d in _log(app, "user_role_removed")]
    with app.app_context(), system_access("test"):
        assert [u.id for u in _role("Coördinator").user] == members
        assert _user("management").roles[0].name == "Management"


def test_renaming_the_directing_roles_changes_no_start_page_or_director_choice(
        app: Flask) -> None:
    """Start pages, who may direct a case and the care plugin's health rule follow the
    scopes stored on the roles, not the roles' names."""
    from casusregie.app.models import CasusUser
    from casusregie.app.views.home import load_start_page
    from casusregie.app.workflow import eligible_directors_query
    from casusregie.plugins.zorg import may_see_some_health

    def state() -> dict[str, object]:
        with app.app_context(), system_access("test"):
            users = {u: db.session.query(CasusUser).filter_by(username=u).one()
                     for u in ("coordinator", "regisseur", "ggd", "politie")}
            return {
                "kinds": {u: load_start_page(user).kind for u, user in users.items()},
                "directors": sorted(u.username for u in eligible_directors_query()),
                "health": {u: may_see_some_health(actor_for_user(user))
                           for u, user in users.items()},
            }

    before = state()
    assert before["kinds"]["regisseur"] == "director"
    assert "regisseur" in before["directors"] and "ggd" not in before["directors"]
    with app.app_context(), system_access("test"):
        director, coordinator = _role("Casusregisseur").id, _role("Coördinator").id
    browser = Browser(app).login("beheerder")
    for role_id, name in ((director, "Regisseur nieuw"), (coordinator, "Coördinatie")):
        resp = browser.submit(f"/roles/edit/{role_id}", {"name": name})
        assert resp.status_code == 302, resp.text
    assert state() == before
