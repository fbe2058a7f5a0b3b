"""Authorship from the session, never the form (issue 13, item 4).

The owning organisation and the author of a record come from the logged-in user: a
partner naming another organisation on the intervention form is refused (it was
accepted before: ``check_write`` read ``organisation_id`` before the form's choice had
reached it), the coordinator's "on behalf of" choice is kept with its author, and every
insert and update records ``created_by_id`` / ``updated_by_id`` — on screens and API.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import (
    Case,
    CaseAdmission,
    CasePhase,
    CasusUser,
    Intervention,
    InterventionType,
    Organisation,
)
from tests.forms import main_form
from tests.support import Browser

OWN_ONLY = "U kunt alleen interventies voor uw eigen organisatie registreren."


def _ids(app) -> dict[str, Any]:
    with app.app_context(), system_access("test"):
        users = {u.username: u for u in db.session.query(CasusUser)}
        case = db.session.query(Case).filter(Case.phase == CasePhase.monitoring).first()
        itype = (db.session.query(InterventionType)
                 .filter(InterventionType.kind == "", InterventionType.active.is_(True))
                 .first())
        out = {"case_id": case.id, "case_number": case.number, "type": itype.id,
               "user": {name: u.id for name, u in users.items()},
               "org": {name: u.organisation_id for name, u in users.items()}}
        db.session.rollback()
    return out


def _register(browser: Browser, ids: dict[str, Any], organisation: int, outcome: str):
    return browser.submit("/interventionmodelview/add", {
        "case": ids["case_number"], "type": str(ids["type"]),
        "organisation": str(organisation), "status": "planned", "start_date": "2026-01-05",
        "end_date": "", "outcome": outcome, "goal": ""}, follow_redirects=False)


def _intervention(app, outcome: str | None = None) -> Intervention | None:
    """The intervention with this outcome, or the newest one. (The add form drops the
    outcome of a user who may not read outcomes of every domain, so registrations are
    found as the newest row.)"""
    with app.app_context(), system_access("test"):
        query = db.session.query(Intervention)
        if outcome is not None:
            row = query.filter_by(outcome=outcome).one_or_none()
        else:
            row = query.order_by(Intervention.id.desc()).first()
        if row is not None:
            db.session.expunge(row)
        db.session.rollback()
    return row


def test_a_partner_cannot_register_in_another_organisations_name(app) -> None:
    ids = _ids(app)
    police = Browser(app).login("politie")
    newest = _intervention(app).id
    for other in ("om", "ggd"):
        resp = _register(police, ids, ids["org"][other], f"Namens {other}")
        assert resp.status_code == 200, resp.status_code
        assert OWN_ONLY in resp.text
        assert f"Namens {other}" in resp.text  # the input is kept
        assert _intervention(app).id == newest  # nothing was registered


def test_the_own_organisation_and_the_author_come_from_the_session(app) -> None:
    ids = _ids(app)
    police = Browser(app).login("politie")
    form = police.get("/interventionmodelview/add").text
    # The form starts with the user's own organisation.
    assert f'value="{ids["org"]["politie"]}" selected' in form
    newest = _intervention(app).id
    resp = _register(police, ids, ids["org"]["politie"], "Eigen registratie")
    assert resp.status_code == 302
    row = _intervention(app)
    assert row.id > newest
    assert row.organisation_id == ids["org"]["politie"]
    assert row.created_by_id == row.updated_by_id == ids["user"]["politie"]


def test_on_behalf_of_a_partner_is_explicit_and_keeps_its_author(app) -> None:
    ids = _ids(app)
    coordinator = Browser(app).login("coordinator")
    resp = _register(coordinator, ids, ids["org"]["om"], "Namens OM door coördinator")
    assert resp.status_code == 302, resp.text[-3000:]
    row = _intervention(app, "Namens OM door coördinator")
    assert row.organisation_id == ids["org"]["om"]
    assert row.created_by_id == ids["user"]["coordinator"]


def test_an_edit_records_who_changed_it(app) -> None:
    ids = _ids(app)
    police = Browser(app).login("politie")
    assert _register(police, ids, ids["org"]["politie"], "Te wijzigen").status_code == 302
    row = _intervention(app)
    assert row.created_by_id == ids["user"]["politie"]
    coordinator = Browser(app).login("coordinator")
    url = f"/interventionmodelview/edit/{row.id}"
    data = main_form(coordinator.get(url).text).data()
    data.setlist("outcome", ["Gewijzigd door coördinator"])
    assert coordinator.post(url, data, follow_redirects=False).status_code == 302
    changed = _intervention(app, "Gewijzigd door coördinator")
    assert changed.created_by_id == ids["user"]["politie"]
    assert changed.updated_by_id == ids["user"]["coordinator"]


def test_the_api_records_the_author_and_refuses_another_organisation(app) -> None:
    ids = _ids(app)
    client = app.test_client()
    token = client.post("/api/v1/security/login", json={
        "username": "politie", "password": "Casusregie-demo-2026", "provider": "db"},
    ).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = {"case": ids["case_id"], "type": ids["type"], "outcome": "Via de API"}
    refused = client.post("/api/v1/intervention/", headers=headers,
                          json={**body, "organisation": ids["org"]["om"]})
    assert refused.status_code == 403
    created = client.post("/api/v1/intervention/", headers=headers, json=body)
    assert created.status_code == 201, created.get_json()
    row = _intervention(app)
    assert row.id == created.get_json()["id"]
    assert row.organisation_id == ids["org"]["politie"]
    assert row.created_by_id == ids["user"]["politie"]


def test_the_flush_refuses_another_organisation_even_without_the_form(app) -> None:
    """Defence in depth: a record built in code with a chosen organisation object (not
    its id) is checked like one built with the id."""
    import pytest
    from flask import g
    from werkzeug.exceptions import Forbidden

    from casusregie.app.access.actor import actor_for_user

    ids = _ids(app)
    with app.test_request_context():
        with system_access("test: load"):
            police = db.session.get(CasusUser, ids["user"]["politie"])
            om = db.session.get(Organisation, ids["org"]["om"])
            case = db.session.get(Case, ids["case_id"])
            itype = db.session.get(InterventionType, ids["type"])
            _roles = list(police.roles)
        g.user = police
        assert actor_for_user(police).organisation_id == ids["org"]["politie"]
        db.session.add(Intervention(case=case, type=itype, organisation=om, outcome="Code"))
        with pytest.raises(Forbidden):
            db.session.flush()
        db.session.rollback()
    assert _intervention(app).outcome != "Code"
    with app.app_context(), system_access("test"):
        admitted = db.session.execute(sa.select(sa.func.count(CaseAdmission.id))).scalar()
        assert admitted  # the demo data is intact
