"""Issue 4, acceptance 2–4: admission expiry, field-level rules, the explanation screen;
and the privilege boundaries around roles."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import Role

from casusregie.app.access import clock, system_access
from casusregie.app.access.actor import Actor, actor_for_user
from casusregie.app.access.changes import PrivilegeError
from casusregie.app.access.models import PermissionChange
from casusregie.app.access.role_data import scopes_of
from casusregie.app.access.rows import row_criteria
from casusregie.app.extensions import db
from casusregie.app.models import (
    Case,
    CaseAdmission,
    CasusUser,
    Intervention,
    Organisation,
    Subject,
)
from tests.support import DEMO_PASSWORD, DEMO_USERNAMES


def _user(username: str) -> CasusUser:
    return db.session.query(CasusUser).filter_by(username=username).one()


def _token(app, username: str) -> str:
    resp = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": DEMO_PASSWORD, "provider": "db"})
    assert resp.status_code == 200, resp.text
    return resp.json["access_token"]


# --------------------------------------------------------------------------- expiry


def test_admission_expires_the_day_after_its_end_date(app, browser, monkeypatch):
    with app.app_context(), system_access("test"):
        org_id = _user("jongerenwerk").organisation_id
        admission = db.session.query(CaseAdmission).filter_by(organisation_id=org_id) \
            .order_by(CaseAdmission.id).first()
        case_id, number, ends_on = admission.case_id, admission.case.number, admission.ends_on
        own = [i.id for i in db.session.query(Intervention).filter_by(
            case_id=case_id, organisation_id=org_id)]
    assert own, "the demo admits jongerenwerk to a case where it delivers an intervention"
    browser.login("jongerenwerk")
    token = _token(app, "jongerenwerk")
    auth = {"Authorization": f"Bearer {token}"}

    monkeypatch.setattr(clock, "today", lambda: ends_on)
    assert number in browser.get("/casemodelview/list/").text
    assert browser.get(f"/casemodelview/show/{case_id}").status_code == 200
    assert browser.get(f"/interventionmodelview/show/{own[0]}").status_code == 200
    assert app.test_client().get(f"/api/v1/case/{case_id}", headers=auth).status_code == 200

    monkeypatch.setattr(clock, "today", lambda: ends_on + dt.timedelta(days=1))
    assert number not in browser.get("/casemodelview/list/").text
    assert browser.get(f"/casemodelview/show/{case_id}").status_code == 404
    assert browser.get(f"/interventionmodelview/show/{own[0]}").status_code == 404
    assert app.test_client().get(f"/api/v1/case/{case_id}", headers=auth).status_code == 404
    # The explanation says why.
    admin = type(browser)(app).login("beheerder")
    with app.app_context(), system_access("test"):
        user_id = _user("jongerenwerk").id
    page = admin.get(f"/access/explain/?user={user_id}&case={case_id}").text
    assert 'data-visible="no"' in page and 'data-rule="admission_expired"' in page


def test_admission_not_yet_started_gives_nothing(app, browser, monkeypatch):
    with app.app_context(), system_access("test"):
        org_id = _user("jongerenwerk").organisation_id
        admission = db.session.query(CaseAdmission).filter_by(organisation_id=org_id) \
            .order_by(CaseAdmission.id).first()
        number = admission.case.number
        starts_on = admission.starts_on
    monkeypatch.setattr(clock, "today", lambda: starts_on - dt.timedelta(days=1))
    assert number not in browser.login("jongerenwerk").get("/casemodelview/list/").text


# --------------------------------------------------------------------------- fields


def _shared_case() -> tuple[int, dict[int, str], dict[int, str], str]:
    """The demo case with interventions of several partners, each intervention's outcome
    set to a marker: (case id, own markers, other partners' markers, BSN of its subject)."""
    org_id = _user("jongerenwerk").organisation_id
    for case in db.session.query(Case).order_by(Case.id):
        orgs = {i.organisation_id for i in case.interventions}
        if org_id in orgs and len(orgs) > 1 and any(s.bsn for s in case.subjects):
            own, others = {}, {}
            for item in case.interventions:
                item.outcome = f"Qzoutcome{item.id}zQ"
                (own if item.organisation_id == org_id else others)[item.id] = item.outcome
            db.session.commit()
            return case.id, own, others, next(s.bsn for s in case.subjects if s.bsn)
    raise AssertionError("demo data lacks a case shared by several partners")


def test_partner_case_page_and_api_hide_bsn_sensitive_and_other_partners_work(app, browser):
    with app.app_context(), system_access("test"):
        case_id, own, others, bsn = _shared_case()
        domains = {db.session.get(Intervention, i).type.domain.value for i in others}
    assert {"criminal", "care"} <= domains, "the case should hold criminal-law and care work"

    page = browser.login("jongerenwerk").get(f"/casemodelview/show/{case_id}")
    assert page.status_code == 200
    api = app.test_client().get(f"/api/v1/case/{case_id}", headers={
        "Authorization": f"Bearer {_token(app, 'jongerenwerk')}"})
    assert api.status_code == 200
    listing = browser.get("/interventionmodelview/list/").text
    shown = [browser.get(f"/interventionmodelview/show/{i}") for i in own]
    for text in (page.text, api.text, listing):
        assert bsn not in text
        for marker in others.values():
            assert marker not in text
    for intervention_id in others:
        assert browser.get(f"/interventionmodelview/show/{intervention_id}").status_code == 404
    # Its own work it does see, with its content.
    assert all(resp.status_code == 200 for resp in shown)
    assert all(marker in resp.text for marker, resp in zip(own.values(), shown, strict=True))

    # Control: the coordinator sees the other partners' work on the same case.
    coordinator = type(browser)(app).login("coordinator")
    assert all(marker in coordinator.get(f"/interventionmodelview/show/{i}").text
               for i, marker in others.items())


def _directed_subject_with_bsn() -> Subject:
    director = _user("regisseur")
    cases = db.session.query(Case).filter_by(case_director_id=director.id).order_by(Case.id)
    return next(s for case in cases for s in case.subjects if s.bsn)


def test_bsn_is_hidden_from_roles_without_clearance_also_in_filters(app, browser):
    with app.app_context(), system_access("test"):
        subject = _directed_subject_with_bsn()
        subject_id, bsn = subject.id, subject.bsn
    # A core partner (cleared for BSN) sees it.
    politie = type(browser)(app).login("politie")
    assert bsn in politie.get(f"/subjectmodelview/show/{subject_id}").text
    # The director of the case is not cleared for BSN.
    browser.login("regisseur")
    shown = browser.get(f"/subjectmodelview/show/{subject_id}")
    assert shown.status_code == 200 and subject.last_name in shown.text
    assert bsn not in shown.text
    edit = browser.get(f"/subjectmodelview/edit/{subject_id}")
    assert bsn not in edit.text
    # Filtering on the hidden column must not reveal it by elimination.
    right = browser.get(f"/subjectmodelview/list/?_flt_0_bsn={bsn}").text
    wrong = browser.get("/subjectmodelview/list/?_flt_0_bsn=000000000").text
    assert subject.last_name in right and subject.last_name in wrong


def test_saving_a_form_without_a_hidden_field_keeps_its_value(app, browser):
    with app.app_context(), system_access("test"):
        subject = _directed_subject_with_bsn()
        subject_id, bsn = subject.id, subject.bsn
    browser.login("regisseur")
    page = browser.get(f"/subjectmodelview/edit/{subject_id}")
    assert page.status_code == 200
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page.text))
    fields["municipality"] = "Diemen"
    fields.pop("bsn", None)
    resp = browser.submit(f"/subjectmodelview/edit/{subject_id}", fields)
    assert resp.status_code in (200, 302)
    with app.app_context(), system_access("test"):
        saved = db.session.get(Subject, subject_id)
        assert saved.bsn == bsn


def test_care_outcome_of_another_organisation_is_masked_for_core_partner(app, browser):
    with app.app_context(), system_access("test"):
        care = next(i for i in db.session.query(Intervention)
                    if i.type.domain.value == "care")
        care.outcome = "Qzcare-outcomezQ"
        db.session.commit()
        care_id = care.id
    # The police (core, not cleared for health) sees the row but not its content.
    page = browser.login("politie").get(f"/interventionmodelview/show/{care_id}")
    assert page.status_code == 200
    assert "Qzcare-outcomezQ" not in page.text
    # The coordinator (cleared) sees it.
    assert "Qzcare-outcomezQ" in type(browser)(app).login("coordinator").get(
        f"/interventionmodelview/show/{care_id}").text


# --------------------------------------------------------------------------- explanation


def test_explanation_matches_the_policy_and_the_screens_for_every_demo_user_and_case(
        app, browser):
    with app.app_context(), system_access("test"):
        cases = [(c.id, c.number) for c in db.session.query(Case).order_by(Case.id)]
        users = {u.username: (u.id, actor_for_user(u)) for u in
                 db.session.query(CasusUser).filter(CasusUser.username.in_(DEMO_USERNAMES))}
        expected = {}
        for username, (_uid, actor) in users.items():
            seen = set(db.session.execute(
                sa.select(Case.id).where(row_criteria(Case, actor))).scalars())
            for case_id, _number in cases:
                expected[username, case_id] = case_id in seen
    assert set(users) == set(DEMO_USERNAMES)
    admin = browser.login("beheerder")
    lists = {}
    for username in DEMO_USERNAMES:
        listing = type(browser)(app).login(username).get(
            "/casemodelview/list/?psize_CaseModelView=100")
        lists[username] = listing.text if listing.status_code == 200 else ""
    answers = {}
    for username, (user_id, _actor) in users.items():
        for case_id, number in cases:
            page = admin.get(f"/access/explain/?user={user_id}&case={case_id}")
            assert page.status_code == 200
            match = re.search(r'data-visible="(yes|no)" data-rule="(\w+)"', page.text)
            assert match, (username, number)
            visible, rule = match.group(1) == "yes", match.group(2)
            answers[username, case_id] = visible
            assert visible == expected[username, case_id], (username, number, rule)
            # What the screen says is what the user gets on their case list.
            assert visible == (number in lists[username]), (username, number)
            assert (rule in ("core", "directed", "admitted")) == visible
            if username in ("beheerder", "privacy"):
                assert rule == "no_case_role"
    # Every kind of answer occurs in the demo.
    assert any(answers.values()) and not all(answers.values())


def test_only_access_administrators_reach_the_access_screens(app, browser):
    browser.login("coordinator")
    for url in ("/access/matrix/", "/access/explain/", "/access/view-as/"):
        resp = browser.get(url)
        assert resp.status_code in (302, 403), url
    privacy = type(browser)(app).login("privacy")
    assert privacy.get("/access/explain/").status_code == 200
    assert privacy.get("/access/matrix/").status_code in (302, 403)


def test_view_as_shows_the_cases_and_menu_of_a_role(app, browser):
    with app.app_context(), system_access("test"):
        role = db.session.query(Role).filter_by(name="Ketenpartner").one()
        role_id = role.id
        org = db.session.query(Organisation).filter_by(name="Jongerenwerk Amsterdam").one()
        actor = Actor(None, "x", org.id, org.tier.value, frozenset({"Ketenpartner"}),
                      scopes=scopes_of([role]))
        numbers = set(db.session.execute(sa.select(Case.number).where(
            row_criteria(Case, actor))).scalars())
        all_numbers = set(db.session.execute(sa.select(Case.number)).scalars())
        org_id = org.id
    page = browser.login("beheerder").get(f"/access/view-as/?role={role_id}"
                                         f"&organisation={org_id}").text
    shown = set(re.search(r'id="view-as-cases">([^<]*)<', page).group(1).split(", "))
    assert shown == numbers and numbers and numbers != all_numbers
    assert "Casussen" in page and "Interventies" in page


# --------------------------------------------------------------------------- privileges


def _role_ids(user_id: int) -> set[int]:
    return {r.id for r in db.session.get(CasusUser, user_id).roles}


def test_nobody_can_change_their_own_roles_in_the_user_form(app, browser):
    with app.app_context(), system_access("test"):
        me = _user("beheerder")
        me_id, coordinator_role = me.id, db.session.query(Role).filter_by(
            name="Coördinator").one().id
        before = _role_ids(me_id)
    browser.login("beheerder")
    page = browser.get(f"/users/edit/{me_id}")
    assert page.status_code == 200
    # As a browser sends it: the visible fields and the hidden row version of the form.
    data = {name: html.unescape(value) for name, value in re.findall(
        r'name="(first_name|last_name|username|email|edit_version|edit_snapshot)"[^>]*'
        r'value="([^"]*)"', page.text)}
    data.update({"organisation": str(me.organisation_id), "active": "y",
                 "roles": [str(i) for i in before | {coordinator_role}]})
    resp = browser.submit(f"/users/edit/{me_id}", data, follow_redirects=True)
    assert "eigen rollen" in resp.text
    with app.app_context(), system_access("test"):
        assert _role_ids(me_id) == before
        assert db.session.query(PermissionChange).filter_by(
            target_user="beheerder", changed_by="beheerder").count() == 0


def test_administrator_changes_another_users_roles_and_it_is_recorded(app, browser):
    # A role without case content (figures only) is given at once; one with case
    # content waits for a second person (tests/test_role_changes.py).
    with app.app_context(), system_access("test"):
        target = _user("om")
        target_id, org_id = target.id, target.organisation_id
        partner_role = db.session.query(Role).filter_by(name="Management").one().id
    browser.login("beheerder")
    page = browser.get(f"/users/edit/{target_id}")
    # As a browser sends it: the visible fields and the hidden row version of the form.
    data = {name: html.unescape(value) for name, value in re.findall(
        r'name="(first_name|last_name|username|email|edit_version|edit_snapshot)"[^>]*'
        r'value="([^"]*)"', page.text)}
    data.update({"organisation": str(org_id), "active": "y", "roles": [str(partner_role)]})
    browser.submit(f"/users/edit/{target_id}", data)
    with app.app_context(), system_access("test"):
        assert _role_ids(target_id) == {partner_role}
        changes = db.session.query(PermissionChange).filter_by(
            target_user="om", changed_by="beheerder").all()
        assert {(c.kind, c.role, c.changed_by) for c in changes} == {
            ("user_role_added", "Management", "beheerder"),
            ("user_role_removed", "Kernpartner", "beheerder")}
        assert all(c.changed_at for c in changes)


def test_self_role_change_through_the_security_api_is_refused(app):
    with app.app_context(), system_access("test"):
        sm = app.appbuilder.sm
        role = sm.find_role("Functioneel beheerder")
        for perm in ("can_put", "can_get", "can_info"):
            pv = sm.find_permission_view_menu(perm, "User")
            if pv is not None and pv not in role.permissions:
                role.permissions.append(pv)
        db.session.commit()
        me = _user("beheerder")
        me_id, before = me.id, _role_ids(me.id)
        extra = db.session.query(Role).filter_by(name="Coördinator").one().id
    headers = {"Authorization": f"Bearer {_token(app, 'beheerder')}"}
    resp = app.test_client().put(f"/api/v1/security/users/{me_id}", headers=headers,
                                 json={"roles": sorted(before | {extra})})
    assert resp.status_code in (400, 403, 404, 422), resp.text
    with app.app_context(), system_access("test"):
        assert _role_ids(me_id) == before


def test_only_functional_administrators_change_roles(app):
    with app.test_request_context("/"):
        from flask_login import login_user

        with system_access("test"):
            coordinator = _user("coordinator")
        login_user(coordinator)
        role = db.session.query(Role).filter_by(name="Ketenpartner").one()
        pv = app.appbuilder.sm.find_permission_view_menu("can_list", "SignalModelView")
        role.permissions.append(pv)
        with pytest.raises(PrivilegeError):
            db.session.flush()
        db.session.rollback()


def test_permission_matrix_edit_is_saved_and_recorded(app, browser):
    with app.app_context(), system_access("test"):
        role = db.session.query(Role).filter_by(name="Ketenpartner").one()
        role_id = role.id
        edit_pvs = {pv.id for pv in role.permissions if pv.view_menu.name ==
                    "InterventionModelView" and pv.permission.name == "can_edit"}
        assert edit_pvs
        view_menu_id = next(pv.view_menu_id for pv in role.permissions
                            if pv.view_menu.name == "InterventionModelView")
    browser.login("beheerder")
    page = browser.get(f"/access/matrix/?role={role_id}")
    assert page.status_code == 200
    assert "can_list" not in page.text.split('id="permission-matrix"')[1]
    form = dict(re.findall(r'<input type="hidden" name="(was-[\w-]+)" value="(\w+)"',
                           page.text))
    checked = re.findall(r'<input type="checkbox" name="([\w-]+)"[^>]*\bchecked\b', page.text)
    data = {**form, **{name: "on" for name in checked}, "role": str(role_id)}
    data.pop(f"cell-{view_menu_id}-edit")
    resp = browser.submit(f"/access/matrix/?role={role_id}", data, follow_redirects=True)
    assert "gewijzigd" in resp.text
    with app.app_context(), system_access("test"):
        role = db.session.get(Role, role_id)
        assert not {pv.id for pv in role.permissions} & edit_pvs
        recorded = db.session.query(PermissionChange).filter_by(
            kind="role_revoked", role="Ketenpartner", changed_by="beheerder").all()
        assert {(c.permission, c.view_menu) for c in recorded} >= {
            ("can_edit", "InterventionModelView")}
    # The partner can no longer open the edit form.
    with app.app_context(), system_access("test"):
        own = db.session.query(Intervention).filter_by(
            organisation_id=_user("jongerenwerk").organisation_id).first().id
    partner = type(browser)(app).login("jongerenwerk")
    assert partner.get(f"/interventionmodelview/edit/{own}").status_code in (302, 403)
    log = browser.get("/permissionchangemodelview/list/").text
    assert "recht afgenomen van rol" in log


def test_coordinator_admits_a_partner_and_bad_dates_are_explained(app, browser):
    with app.app_context(), system_access("test"):
        case = db.session.query(Case).filter(~Case.admissions.any()).first()
        org = db.session.query(Organisation).filter_by(name="GGD Amsterdam").one()
        case_id, org_id, number = case.id, org.id, case.number
    browser.login("coordinator")
    today = dt.date.today()
    data = {"case": str(case_id), "organisation": str(org_id), "purpose": "Zorgtraject",
            "legal_basis": "Convenant art. 5", "starts_on": today.isoformat(),
            "ends_on": (today - dt.timedelta(days=1)).isoformat()}
    bad = browser.submit("/caseadmissionmodelview/add", data)
    assert bad.status_code == 200 and "einddatum" in bad.text
    data["ends_on"] = (today + dt.timedelta(days=30)).isoformat()
    browser.submit("/caseadmissionmodelview/add", data)
    with app.app_context(), system_access("test"):
        admission = db.session.query(CaseAdmission).filter_by(
            case_id=case_id, organisation_id=org_id).one()
        assert admission.granted_by.username == "coordinator"
    assert number in type(browser)(app).login("ggd").get("/casemodelview/list/").text
    # A partner cannot admit itself.
    partner = type(browser)(app).login("jongerenwerk")
    assert partner.get("/caseadmissionmodelview/add").status_code in (302, 403)


def test_api_token_of_partner_cannot_read_other_cases(app):
    with app.app_context(), system_access("test"):
        actor = actor_for_user(_user("jongerenwerk"))
        hidden = db.session.execute(sa.select(Case.id).where(
            sa.not_(row_criteria(Case, actor)))).scalars().all()
    headers = {"Authorization": f"Bearer {_token(app, 'jongerenwerk')}"}
    client = app.test_client()
    listing = json.loads(client.get("/api/v1/case/", headers=headers).text)
    ids = {row.get("id") for row in listing.get("result", [])} | set(listing.get("ids", []))
    assert hidden and not ids & set(hidden)
    for case_id in hidden:
        assert client.get(f"/api/v1/case/{case_id}", headers=headers).status_code == 404
