"""The partner-system API: keys per organisation, safe retries, versions, the changes feed.

Keys are issued on the functional administrator's screen and used as a partner system
uses them (``Authorization: Bearer csr_…``); the access policy treats them as the
organisation's system user.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_appbuilder.security.sqla.models import ApiKey

from casusregie.app.access import system_access
from casusregie.app.audit.models import AuditDetail, AuditRecord
from casusregie.app.auth.api_keys import SCOPE_CASES_READ
from casusregie.app.extensions import db
from casusregie.app.models import Case, CaseAdmission, CasePhase, Intervention, Organisation
from tests.partner_api_support import issue_test_key, key_headers
from tests.support import Browser
from tests.test_api import API, case_of, intervention_count, new_intervention, token

pytestmark = pytest.mark.rollback


def _org(app: Flask, prefix: str) -> int:
    with app.app_context(), system_access("test"):
        return db.session.scalars(sa.select(Organisation.id).where(
            Organisation.name.startswith(prefix))).one()


def test_the_administrator_issues_a_key_shown_once_and_stored_hashed(app: Flask) -> None:
    admin = Browser(app).login("beheerder")
    page = admin.submit("/apikeys/issue/form", {
        "organisation": str(_org(app, "GGD")), "name": "GGD registratiesysteem",
        "scopes": ["cases:read", "interventions:write"], "valid_days": "90"})
    assert page.status_code == 200, page.text[:300]
    raw = re.search(r'id="api-key"[^>]*value="(csr_[^"]+)"', page.text).group(1)
    with app.app_context(), system_access("test"):
        key = db.session.scalars(sa.select(ApiKey)).one()
        assert raw not in (key.key_hash, key.lookup_hash) and len(key.key_hash) > 40
        assert key.user.username.startswith("systeem-")
        assert key.expires_on.date() == dt.date.today() + dt.timedelta(days=90)
    # Shown once: the list and the record never show it again.
    listing = admin.get("/apikeymodelview/list/").text
    assert "GGD registratiesysteem" in listing and raw not in listing
    client = app.test_client()
    assert client.get(f"{API}/case/", headers=key_headers(raw)).status_code == 200
    # Only the administrator issues keys.
    assert Browser(app).login("coordinator").get("/apikeys/issue/form").status_code in (
        302, 403)


def test_a_ggd_key_reads_only_admitted_cases_and_writes_only_its_own(app: Flask) -> None:
    client = app.test_client()
    headers = key_headers(issue_test_key(app, "GGD"))
    listed = client.get(f"{API}/case/", headers=headers)
    assert listed.status_code == 200
    assert {r["number"] for r in listed.json["result"]} == {case_of(app, "Karim")["number"]}
    other = case_of(app, "Dennis")
    assert client.get(f"{API}/case/{other['id']}", headers=headers).status_code == 404
    # Conferences are for core partners: not for GGD's system either.
    assert client.get(f"{API}/case_conference/", headers=headers).status_code == 403

    created = client.post(f"{API}/intervention/", json=new_intervention(app),
                          headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["result"]["organisation"]["name"].startswith("GGD")
    politie = _org(app, "Politie")
    refused = client.post(f"{API}/intervention/", headers=headers,
                          json=new_intervention(app, organisation=politie))
    assert refused.status_code == 403
    hidden_case = client.post(f"{API}/intervention/", headers=headers,
                              json=new_intervention(app, case=other["id"]))
    assert hidden_case.status_code == 422
    assert "case" in hidden_case.json["message"]


def test_scopes_narrow_what_a_key_may_call(app: Flask) -> None:
    client = app.test_client()
    headers = key_headers(issue_test_key(app, "GGD", scopes=[SCOPE_CASES_READ]))
    assert client.get(f"{API}/case/", headers=headers).status_code == 200
    before = intervention_count(app)
    refused = client.post(f"{API}/intervention/", json=new_intervention(app),
                          headers=headers)
    assert refused.status_code == 403
    assert intervention_count(app) == before
    spec = client.get(f"{API}/_openapi", headers=headers).json
    assert "post" not in spec["paths"]["/api/v1/intervention/"]


def test_revoked_or_expired_keys_get_401_and_every_use_is_recorded(app: Flask) -> None:
    client = app.test_client()
    raw = issue_test_key(app, "GGD")
    expired = issue_test_key(app, "GGD", name="Oud systeem",
                             expires_on=dt.datetime.now() - dt.timedelta(minutes=1))
    assert client.get(f"{API}/case/", headers=key_headers(raw)).status_code == 200
    admin = Browser(app).login("beheerder")
    with app.app_context(), system_access("test"):
        key_id = db.session.scalars(sa.select(ApiKey.id).where(
            ApiKey.name == "Registratiesysteem")).one()
    page = admin.client.get("/apikeymodelview/list/")
    from tests.support import csrf_token

    resp = admin.client.post("/apikeymodelview/action_post", data={
        "action": "revoke", "rowid": str(key_id), "csrf_token": csrf_token(page.text)})
    assert resp.status_code == 302
    for dead in (raw, expired, raw[:-2] + "xx"):
        answer = client.get(f"{API}/case/", headers=key_headers(dead))
        assert answer.status_code == 401, dead
        assert answer.json == {"message": "Log eerst in: stuur een geldig toegangstoken mee."}
    with app.app_context(), system_access("test"):
        uses = db.session.scalars(sa.select(AuditRecord).where(
            AuditRecord.action == "api_key_use")).all()
        assert len(uses) == 1
        use = uses[0]
        assert use.username.startswith("systeem-") and use.object_type == "api_key"
        assert use.organisation_id == _org(app, "GGD")
        detail = db.session.get(AuditDetail, use.id)
        assert '"path":"/api/v1/case/"' in detail.content.replace(" ", "")


def test_the_same_idempotency_key_creates_one_intervention(app: Flask) -> None:
    client = app.test_client()
    headers = {**key_headers(issue_test_key(app, "GGD")), "Idempotency-Key": "a1b2-c3"}
    before = intervention_count(app)
    body = new_intervention(app)
    first = client.post(f"{API}/intervention/", json=body, headers=headers)
    again = client.post(f"{API}/intervention/", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert intervention_count(app) == before + 1
    other = client.post(f"{API}/intervention/", json={**body, "status": "active"},
                        headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json["message"]
    assert intervention_count(app) == before + 1
    # Another caller's identical key is its own.
    user = {**token(client, "ggd"), "Idempotency-Key": "a1b2-c3"}
    assert client.post(f"{API}/intervention/", json=body, headers=user).status_code == 201
    assert intervention_count(app) == before + 2


def test_a_stale_put_gets_409_or_412_with_the_current_state(app: Flask) -> None:
    client = app.test_client()
    headers = key_headers(issue_test_key(app, "GGD"))
    created = client.post(f"{API}/intervention/", json=new_intervention(app),
                          headers=headers)
    pk = created.json["id"]
    read = client.get(f"{API}/intervention/{pk}", headers=headers)
    etag = read.headers["ETag"]
    assert etag == '"1"'
    saved = client.put(f"{API}/intervention/{pk}", json={"status": "active"},
                       headers={**headers, "If-Match": etag})
    assert saved.status_code == 200 and saved.json["result"]["version"] == 2
    stale = client.put(f"{API}/intervention/{pk}", json={"status": "completed"},
                       headers={**headers, "If-Match": etag})
    assert stale.status_code == 412
    assert stale.json["current"]["status"] == "active"
    assert stale.json["current_version"] == 2 and stale.headers["ETag"] == '"2"'
    old_body = client.put(f"{API}/intervention/{pk}", headers=headers,
                          json={"version": 1, "status": "completed"})
    assert old_body.status_code == 409 and old_body.json["current_version"] == 2
    missing = client.put(f"{API}/intervention/{pk}", json={"status": "completed"},
                         headers=headers)
    assert missing.status_code == 422 and "version" in missing.json["message"]


def test_the_changes_feed_tells_ggd_of_its_admission_and_nothing_else(app: Flask) -> None:
    client = app.test_client()
    headers = key_headers(issue_test_key(app, "GGD"))
    start = client.get(f"{API}/changes/", headers=headers)
    assert start.status_code == 200
    karim = case_of(app, "Karim")
    assert {c["case"] for c in start.json["result"]} == {karim["id"]}
    cursor = start.json["next"]

    ggd, jongerenwerk = _org(app, "GGD"), _org(app, "Jongerenwerk")
    with app.app_context(), system_access("test"):
        free = db.session.scalars(sa.select(Case).where(
            ~Case.admissions.any(), Case.phase.in_([CasePhase.conference, CasePhase.monitoring]))
            .order_by(Case.id)).all()
        new_case, not_ours = free[0], free[1]
        today = dt.date.today()
        for case, org in ((new_case, ggd), (not_ours, jongerenwerk)):
            db.session.add(CaseAdmission(
                case_id=case.id, organisation_id=org, purpose="Zorgtraject",
                legal_basis="Convenant art. 5", starts_on=today,
                ends_on=today + dt.timedelta(days=90), granted_by_id=1))
        new_case_id, not_ours_id = new_case.id, not_ours.id
        # A partner's intervention on a case GGD is not admitted to.
        db.session.add(Intervention(case_id=not_ours_id, type_id=1, organisation_id=ggd))
        db.session.commit()

    after = client.get(f"{API}/changes/?since={cursor}", headers=headers)
    assert after.status_code == 200
    assert [(c["kind"], c["case"]) for c in after.json["result"]] == [
        ("admission", new_case_id)]
    assert after.json["next"] > cursor
    everything = client.get(f"{API}/changes/?since=0", headers=headers).json["result"]
    assert not_ours_id not in {c["case"] for c in everything}
    assert client.get(f"{API}/changes/?since=-1", headers=headers).status_code == 400


@pytest.mark.parametrize("url", ["/api/v1/case/abc", "/api/v1/nothing-here",
                                 "/api/v1/intervention/1/extra"])
def test_every_answer_under_api_is_json(app: Flask, url: str) -> None:
    resp = app.test_client().get(url, headers=token(app.test_client(), "coordinator"))
    assert resp.status_code == 404
    assert resp.mimetype == "application/json"
    assert resp.json == {"message": "Niet gevonden, of u mag dit niet zien."}


def test_the_contract_lists_only_what_the_caller_may_use(app: Flask) -> None:
    client = app.test_client()
    specs = {"coordinator": client.get(f"{API}/_openapi",
                                       headers=token(client, "coordinator")).json,
             "key": client.get(f"{API}/_openapi",
                               headers=key_headers(issue_test_key(app, "GGD"))).json}
    for who, spec in specs.items():
        paths = spec["paths"]
        assert not [p for p in paths if "/security/" in p], who
        for operations in paths.values():
            for operation in operations.values():
                assert "500" not in operation["responses"], who
        assert {"401", "403", "429"} <= set(paths["/api/v1/case/"]["get"]["responses"])
        put = paths["/api/v1/intervention/{pk}"]["put"]["responses"]
        assert {"409", "412", "422"} <= set(put)
        examples = spec["components"]["responses"]["401"]["content"]["application/json"][
            "examples"]
        assert set(examples) == {"nl", "en"}
    assert "/api/v1/case_conference/" in specs["coordinator"]["paths"]
    assert "/api/v1/case_conference/" not in specs["key"]["paths"]


def test_rotation_shows_a_successor_once_and_the_old_key_works_a_week(app: Flask) -> None:
    from tests.support import csrf_token

    old = issue_test_key(app, "GGD")
    with app.app_context(), system_access("test"):
        key_id = db.session.scalars(sa.select(ApiKey.id)).one()
    admin = Browser(app).login("beheerder")
    page = admin.client.get("/apikeymodelview/list/")
    shown = admin.client.post("/apikeymodelview/action_post", data={
        "action": "rotate", "rowid": str(key_id), "csrf_token": csrf_token(page.text)})
    assert shown.status_code == 200
    new = re.search(r'id="api-key"[^>]*value="(csr_[^"]+)"', shown.text).group(1)
    assert new != old
    client = app.test_client()
    for raw in (old, new):
        assert client.get(f"{API}/case/", headers=key_headers(raw)).status_code == 200
    with app.app_context(), system_access("test"):
        replaced = db.session.get(ApiKey, key_id)
        left = replaced.expires_on - dt.datetime.now()
        assert dt.timedelta(days=6) < left <= dt.timedelta(days=7)

