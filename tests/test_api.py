"""The REST API as partner systems use it: JWTs from /api/v1/security/login, then JSON."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from casusregie.app.access import system_access
from casusregie.app.models import (
    Case,
    CaseSubject,
    Intervention,
    InterventionStatus,
    InterventionType,
    Organisation,
    Subject,
)
from tests.support import DEMO_PASSWORD, Browser, count_queries

API = "/api/v1"
SQL_TRACES = re.compile(r"INSERT|UPDATE|SELECT|\[SQL|parameters|IntegrityError|"
                        r"NOT NULL|constraint|Traceback|sqlalchemy|psycopg|sqlite",
                        re.IGNORECASE)


def token(client: FlaskClient, username: str) -> dict[str, str]:
    resp = client.post(f"{API}/security/login", json={
        "username": username, "password": DEMO_PASSWORD, "provider": "db"})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json['access_token']}"}


def lookup(app: Flask, fn) -> Any:
    from casusregie.app.extensions import db

    with app.app_context(), system_access("test set-up"):
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def case_of(app: Flask, first_name: str) -> dict[str, Any]:
    def find(session):
        case = session.scalars(
            sa.select(Case).join(CaseSubject).join(Subject)
            .where(Subject.first_name == first_name, CaseSubject.primary.is_(True))).one()
        return {"id": case.id, "number": case.number, "phase": case.phase.value}
    return lookup(app, find)


def type_id(app: Flask, name: str) -> int:
    return lookup(app, lambda s: s.scalars(
        sa.select(InterventionType.id).where(InterventionType.name == name)).one())


def organisation_id(app: Flask, prefix: str) -> int:
    return lookup(app, lambda s: s.scalars(
        sa.select(Organisation.id).where(Organisation.name.startswith(prefix))).one())


def intervention_count(app: Flask) -> int:
    return lookup(app, lambda s: s.scalar(sa.select(sa.func.count(Intervention.id))))


def own_intervention(app: Flask, case_id: int, org_prefix: str) -> dict[str, Any]:
    def find(session):
        item = session.scalars(
            sa.select(Intervention).join(Organisation)
            .where(Intervention.case_id == case_id, Organisation.name.startswith(org_prefix))
        ).first()
        return {"id": item.id, "version": item.version, "status": item.status.value,
                "start_date": item.start_date}
    return lookup(app, find)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def new_intervention(app: Flask, **overrides: Any) -> dict[str, Any]:
    body = {"case": case_of(app, "Karim")["id"], "type": type_id(app, "GGZ-behandeling"),
            "status": "planned", "start_date": "2026-12-01", "end_date": "2027-03-01"}
    body.update(overrides)
    return body


# ----------------------------------------------------------------------------- reading


def test_unauthenticated_calls_get_401_in_dutch(client: FlaskClient) -> None:
    forged = {"Authorization": "Bearer not-a-token"}
    for method, url, headers in (("get", f"{API}/case/", {}),
                                 ("get", f"{API}/intervention/1", {}),
                                 ("get", f"{API}/intervention_type/", forged),
                                 ("post", f"{API}/intervention/", forged),
                                 ("put", f"{API}/intervention/1", forged)):
        resp = client.open(url, method=method.upper(), headers=headers, json={})
        assert resp.status_code == 401, (url, resp.status_code)
        assert resp.json["message"] == "Log eerst in: stuur een geldig toegangstoken mee."


def test_a_partner_lists_only_the_cases_it_is_admitted_to(app: Flask, client) -> None:
    resp = client.get(f"{API}/case/", headers=token(client, "ggd"))
    assert resp.status_code == 200
    numbers = {row["number"] for row in resp.json["result"]}
    assert numbers == {case_of(app, "Karim")["number"]}
    row = resp.json["result"][0]
    assert row["subject_names"] == "Karim Benali"
    assert row["phase"] == "monitoring"
    assert row["risk_group"]["number"] == 1
    assert row["case_director"]["last_name"] == "Regisseur"
    assert "review_date" in row
    assert resp.json["label_columns"]["number"] == "Casusnummer"


def test_a_case_the_partner_is_not_admitted_to_is_not_found(app: Flask, client) -> None:
    other = case_of(app, "Dennis")
    resp = client.get(f"{API}/case/{other['id']}", headers=token(client, "ggd"))
    assert resp.status_code == 404
    assert "SELECT" not in resp.text


def test_a_wrong_password_is_refused_in_dutch(client: FlaskClient) -> None:
    resp = client.post(f"{API}/security/login", json={
        "username": "ggd", "password": "wrong", "provider": "db"})
    assert resp.status_code == 401
    assert resp.json == {"message": "De gebruikersnaam of het wachtwoord klopt niet."}
    assert "access_token" not in resp.text


def test_the_catalogue_is_readable_by_every_case_role(client: FlaskClient) -> None:
    for username in ("coordinator", "regisseur", "politie", "ggd"):
        resp = client.get(f"{API}/intervention_type/?q=(page_size:100)",
                          headers=token(client, username))
        assert resp.status_code == 200, username
        assert "GGZ-behandeling" in {row["name"] for row in resp.json["result"]}
    resp = client.get(f"{API}/intervention_type/", headers=token(client, "privacy"))
    assert resp.status_code == 403


def test_hidden_fields_are_left_out_of_responses(app: Flask, client: FlaskClient) -> None:
    """The outcome of a care intervention is for cleared roles and its own organisation."""
    closed = case_of(app, "محمد")
    query = f"{API}/intervention/?q=(filters:!((col:case,opr:rel_o_m,value:{closed['id']})))"
    as_coordinator = client.get(query, headers=token(client, "coordinator")).json["result"]
    as_police = client.get(query, headers=token(client, "politie")).json["result"]
    assert [r["outcome"] for r in as_coordinator] == ["Afgerond volgens plan."]
    assert len(as_police) == 1
    assert "outcome" not in as_police[0]
    assert as_police[0]["type"]["name"] == "GGZ-behandeling"


def test_openapi_describes_the_endpoints(client: FlaskClient) -> None:
    resp = client.get(f"{API}/_openapi", headers=token(client, "ggd"))
    assert resp.status_code == 200
    paths = resp.json["paths"]
    assert set(paths["/api/v1/case/"]) == {"get"}
    assert set(paths["/api/v1/case/{pk}"]) == {"get"}
    assert set(paths["/api/v1/intervention/"]) == {"get", "post"}
    assert set(paths["/api/v1/intervention/{pk}"]) == {"get", "put"}
    assert set(paths["/api/v1/intervention_type/"]) == {"get"}
    schemas = resp.json["components"]["schemas"]
    # The version is required, in the body or as If-Match (a header the schema cannot
    # require together with the field): the PUT documents both.
    assert "version" in schemas["InterventionApi.put"]["properties"]
    assert any(p["name"] == "If-Match"
               for p in paths["/api/v1/intervention/{pk}"]["put"]["parameters"])
    assert {"case", "type"} <= set(schemas["InterventionApi.post"]["required"])
    assert "CaseApi.post" not in schemas and "InterventionTypeApi.put" not in schemas


# ----------------------------------------------------------------------------- writing


def test_a_partner_registers_an_intervention_for_its_own_organisation(
        app: Flask, client: FlaskClient) -> None:
    before = intervention_count(app)
    resp = client.post(f"{API}/intervention/", json=new_intervention(app),
                       headers=token(client, "ggd"))
    assert resp.status_code == 201, resp.json
    result = resp.json["result"]
    assert result["organisation"]["name"] == "GGD Amsterdam"
    assert result["case"]["number"] == case_of(app, "Karim")["number"]
    assert result["version"] == 1
    assert intervention_count(app) == before + 1
    shown = client.get(f"{API}/intervention/{resp.json['id']}", headers=token(client, "ggd"))
    assert shown.json["result"]["start_date"] == "2026-12-01"


def test_a_partner_cannot_register_for_another_organisation(app: Flask, client) -> None:
    before = intervention_count(app)
    body = new_intervention(app, type=type_id(app, "Mentortraject"),
                            organisation=organisation_id(app, "Jongerenwerk"))
    resp = client.post(f"{API}/intervention/", json=body, headers=token(client, "ggd"))
    assert resp.status_code == 403
    assert resp.json["message"]["organisation"] == [
        "U kunt alleen interventies voor uw eigen organisatie registreren."]
    assert intervention_count(app) == before


def test_a_coordinator_registers_for_a_partner(app: Flask, client: FlaskClient) -> None:
    body = new_intervention(app, type=type_id(app, "Mentortraject"),
                            organisation=organisation_id(app, "Jongerenwerk"))
    resp = client.post(f"{API}/intervention/", json=body, headers=token(client, "coordinator"))
    assert resp.status_code == 201, resp.json
    assert resp.json["result"]["organisation"]["name"] == "Jongerenwerk Amsterdam"


def test_a_partner_cannot_register_on_a_case_it_is_not_admitted_to(app: Flask, client) -> None:
    before = intervention_count(app)
    body = new_intervention(app, case=case_of(app, "Dennis")["id"])
    resp = client.post(f"{API}/intervention/", json=body, headers=token(client, "ggd"))
    assert resp.status_code == 422
    assert resp.json["message"]["case"] == ["Er is geen casus met dit id die u mag zien."]
    assert intervention_count(app) == before


@pytest.mark.parametrize(("override", "field", "dutch"), [
    ({"end_date": "2026-11-01"}, "end_date",
     "De einddatum (01-11-2026) ligt vóór de startdatum (01-12-2026)."),
    ({"status": "finished"}, "status", "Kies uit: planned, active, completed, stopped"),
    ({"start_date": "2026-13-45"}, "start_date", "Vul een datum in als JJJJ-MM-DD."),
    ({"case": "CR-1"}, "case", "Vul een geheel getal in."),
    ({"colour": "red"}, "colour", "Dit veld bestaat niet of kan hier niet worden gewijzigd."),
])
def test_bad_input_is_refused_with_a_dutch_message(app: Flask, client: FlaskClient,
                                                   override, field, dutch) -> None:
    before = intervention_count(app)
    resp = client.post(f"{API}/intervention/", json=new_intervention(app, **override),
                       headers=token(client, "ggd"))
    assert resp.status_code == 422
    assert resp.json["message"][field] == [dutch]
    assert intervention_count(app) == before


def test_a_closed_case_or_inactive_type_is_refused(app: Flask, client: FlaskClient) -> None:
    from casusregie.app.extensions import db

    with app.app_context(), system_access("test set-up"):
        db.session.execute(sa.update(InterventionType).where(
            InterventionType.name == "Mentortraject").values(active=False))
        db.session.commit()
        db.session.remove()
    body = new_intervention(app, case=case_of(app, "محمد")["id"],
                            type=type_id(app, "Mentortraject"))
    resp = client.post(f"{API}/intervention/", json=body, headers=token(client, "coordinator"))
    assert resp.status_code == 422
    assert "niet open" in resp.json["message"]["case"][0]
    assert resp.json["message"]["type"] == [
        "Het interventietype Mentortraject wordt niet meer gebruikt."]


def test_messages_follow_the_request_language(app: Flask, client: FlaskClient) -> None:
    body = new_intervention(app, end_date="2026-11-01")
    headers = token(client, "ggd")
    english = client.post(f"{API}/intervention/", json=body,
                          headers={**headers, "Accept-Language": "en-GB,en;q=0.9"})
    assert english.status_code == 422
    assert english.json["message"]["end_date"] == [
        "The end date (01-11-2026) lies before the start date (01-12-2026)."]
    by_argument = client.post(f"{API}/intervention/?_l_=en", json=body, headers=headers)
    assert by_argument.json["message"]["end_date"] == english.json["message"]["end_date"]
    dutch = client.post(f"{API}/intervention/", json=body,
                        headers={**headers, "Accept-Language": "fr"})
    assert dutch.json["message"]["end_date"][0].startswith("De einddatum")
    # The API does not answer with a session cookie for its language choice.
    assert "Set-Cookie" not in english.headers


# ----------------------------------------------------------------------------- updating


def test_an_update_needs_the_version_that_was_read(app: Flask, client: FlaskClient) -> None:
    item = own_intervention(app, case_of(app, "Karim")["id"], "GGD")
    resp = client.put(f"{API}/intervention/{item['id']}", json={"status": "completed"},
                      headers=token(client, "ggd"))
    assert resp.status_code == 422
    assert resp.json["message"]["version"] == [
        "Stuur de versie mee die u las, in het veld version of als If-Match."]


def test_a_stale_version_is_refused_with_409_and_keeps_the_first_save(
        app: Flask, client: FlaskClient) -> None:
    item = own_intervention(app, case_of(app, "Karim")["id"], "GGD")
    url = f"{API}/intervention/{item['id']}"
    first, second = token(client, "ggd"), token(client, "coordinator")
    saved = client.put(url, json={"version": item["version"], "status": "completed",
                                  "end_date": "2026-11-20"}, headers=first)
    assert saved.status_code == 200, saved.json
    assert saved.json["result"]["version"] == item["version"] + 1

    stale = client.put(url, json={"version": item["version"], "status": "stopped",
                                  "outcome": "Gestopt op verzoek."}, headers=second)
    assert stale.status_code == 409
    message = stale.json["message"]
    assert "door iemand anders gewijzigd" in message
    assert f"versie {item['version']}" in message
    assert "Status is nu Afgerond (completed) (u stuurde Gestopt (stopped))" in message
    assert stale.json["current"]["status"] == "completed"
    assert stale.json["current_version"] == item["version"] + 1

    after = client.get(url, headers=first).json["result"]
    assert after["status"] == "completed"
    assert after["end_date"] == "2026-11-20"
    assert after["outcome"] is None


@pytest.mark.fresh_db  # Another user's save commits on a connection of its own.
def test_a_concurrent_save_between_read_and_write_is_refused(
        app: Flask, client: FlaskClient, monkeypatch) -> None:
    """The version check in SQL catches a save that lands after the API read the row."""
    from casusregie.app.api.casework import InterventionApi
    from casusregie.app.extensions import db

    item = own_intervention(app, case_of(app, "Karim")["id"], "GGD")
    original = InterventionApi.change_item

    def change_after_someone_else(self, target, values):
        # Another user's save, committed through its own connection meanwhile.
        with db.engine.begin() as conn:
            conn.execute(sa.update(Intervention.__table__)
                         .where(Intervention.__table__.c.id == target.id)
                         .values(version=target.version + 1, status="stopped"))
        original(self, target, values)

    monkeypatch.setattr(InterventionApi, "change_item", change_after_someone_else)
    resp = client.put(f"{API}/intervention/{item['id']}",
                      json={"version": item["version"], "status": "completed"},
                      headers=token(client, "ggd"))
    assert resp.status_code == 409, resp.json
    assert resp.json["current"]["status"] == "stopped"


def test_an_update_with_dates_out_of_order_is_refused(app: Flask, client) -> None:
    item = own_intervention(app, case_of(app, "Karim")["id"], "GGD")
    before = item["start_date"] - dt.timedelta(days=1)
    resp = client.put(f"{API}/intervention/{item['id']}",
                      json={"version": item["version"], "end_date": before.isoformat()},
                      headers={**token(client, "ggd"), "Accept-Language": "en"})
    assert resp.status_code == 422
    assert resp.json["message"]["end_date"][0].startswith("The end date")
    assert own_intervention(app, case_of(app, "Karim")["id"], "GGD")["version"] == \
        item["version"]


def test_a_partner_cannot_change_another_organisations_intervention(
        app: Flask, client: FlaskClient) -> None:
    """Police (a core partner) sees every intervention but changes only its own."""
    item = own_intervention(app, case_of(app, "Karim")["id"], "GGD")
    resp = client.put(f"{API}/intervention/{item['id']}",
                      json={"version": item["version"], "status": "stopped"},
                      headers=token(client, "politie"))
    assert resp.status_code == 403
    assert resp.json["message"] == "U kunt alleen interventies van uw eigen organisatie wijzigen."
    assert own_intervention(app, case_of(app, "Karim")["id"], "GGD")["status"] == "active"


def test_another_organisations_intervention_is_not_even_found_by_a_partner(
        app: Flask, client: FlaskClient) -> None:
    """GGD is admitted to the case, but sees only its own interventions in it."""
    theirs = own_intervention(app, case_of(app, "Karim")["id"], "Jongerenwerk")
    headers = token(client, "ggd")
    assert client.get(f"{API}/intervention/{theirs['id']}", headers=headers).status_code == 404
    resp = client.put(f"{API}/intervention/{theirs['id']}",
                      json={"version": theirs["version"], "status": "stopped"}, headers=headers)
    assert resp.status_code == 404
    assert own_intervention(app, case_of(app, "Karim")["id"], "Jongerenwerk")["status"] == \
        theirs["status"]


def test_a_token_of_a_deactivated_account_stops_working(app: Flask, client) -> None:
    from casusregie.app.extensions import db
    from casusregie.app.models import CasusUser

    headers = token(client, "ggd")
    assert client.get(f"{API}/case/", headers=headers).status_code == 200
    with app.app_context(), system_access("test set-up"):
        db.session.execute(sa.update(CasusUser).where(CasusUser.username == "ggd")
                           .values(active=False))
        db.session.commit()
        db.session.remove()
    resp = client.get(f"{API}/case/", headers=headers)
    assert resp.status_code == 401
    assert resp.json["message"] == "Uw account is niet actief."


def test_interventions_cannot_be_deleted_through_the_api(app: Flask, client) -> None:
    item = own_intervention(app, case_of(app, "Karim")["id"], "GGD")
    resp = client.delete(f"{API}/intervention/{item['id']}", headers=token(client, "coordinator"))
    assert resp.status_code in (404, 405)
    assert own_intervention(app, case_of(app, "Karim")["id"], "GGD")["id"] == item["id"]


# ----------------------------------------------------------------------------- errors


def test_database_errors_do_not_reveal_sql(app: Flask, client: FlaskClient,
                                           monkeypatch) -> None:
    """A row the database refuses (here: no case) gives a plain message, no statement."""
    from casusregie.app.api.casework import InterventionApi

    def broken_item(self, values):
        return Intervention(case_id=None, type_id=values["type"], organisation_id=1,
                            status=InterventionStatus.planned)

    monkeypatch.setattr(InterventionApi, "create_item", broken_item)
    before = intervention_count(app)
    resp = client.post(f"{API}/intervention/", json=new_intervention(app),
                       headers=token(client, "coordinator"))
    assert resp.status_code == 422
    assert resp.json["message"].startswith("De wijziging kon niet worden opgeslagen")
    assert not SQL_TRACES.search(resp.text), resp.text
    assert intervention_count(app) == before
    # The session is usable again afterwards.
    assert client.get(f"{API}/case/", headers=token(client, "coordinator")).status_code == 200


def test_a_write_the_access_guard_refuses_is_answered_as_json(app: Flask, client,
                                                              monkeypatch) -> None:
    """Even when the API's own checks are bypassed, the guard's 403 comes back as JSON."""
    from casusregie.app.api.casework import InterventionApi

    gemeente = organisation_id(app, "Gemeente")

    def for_another_organisation(self, values):
        return Intervention(case_id=values["case"], type_id=values["type"],
                            organisation_id=gemeente, status=InterventionStatus.planned)

    monkeypatch.setattr(InterventionApi, "create_item", for_another_organisation)
    before = intervention_count(app)
    resp = client.post(f"{API}/intervention/", json=new_intervention(app),
                       headers=token(client, "ggd"))
    assert resp.status_code == 403
    assert isinstance(resp.json["message"], str) and resp.json["message"]
    assert intervention_count(app) == before


def test_unexpected_errors_do_not_reveal_a_stack_trace(app: Flask, client, monkeypatch) -> None:
    from casusregie.app.api.casework import InterventionApi

    def explode(self, values):
        raise RuntimeError("SELECT secret FROM subject WHERE bsn = '111222333'")

    monkeypatch.setitem(app.config, "FAB_API_SHOW_STACKTRACE", True)
    monkeypatch.setattr(InterventionApi, "create_item", explode)
    resp = client.post(f"{API}/intervention/", json=new_intervention(app),
                       headers=token(client, "ggd"))
    assert resp.status_code == 500
    assert not SQL_TRACES.search(resp.text), resp.text
    assert "111222333" not in resp.text


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "{\"case\": "])
def test_malformed_bodies_get_a_plain_400(app: Flask, client: FlaskClient, body: str) -> None:
    resp = client.post(f"{API}/intervention/", data=body, content_type="application/json",
                       headers=token(client, "ggd"))
    assert resp.status_code == 400
    assert resp.json["message"].startswith("Stuur de gegevens als JSON-object")


def test_bad_list_arguments_get_a_dutch_400(client: FlaskClient) -> None:
    headers = token(client, "ggd")
    for query in ("(page_size:abc)", "(order_column:outcome,order_direction:asc)", "(a:b",
                  "(" * 5000):
        resp = client.get(f"{API}/intervention/?q={query}", headers=headers)
        assert resp.status_code == 400, query
        assert resp.json["message"].startswith("Het verzoek is niet geldig: "), resp.json


# ----------------------------------------------------------------------------- CSRF


def test_a_browser_session_alone_cannot_write_through_the_api(app: Flask) -> None:
    """A page on another site could make a logged-in browser send these requests."""
    browser = Browser(app).login("coordinator")
    before = intervention_count(app)
    item = own_intervention(app, case_of(app, "Karim")["id"], "GGD")
    attempts = [
        browser.client.post(f"{API}/intervention/", json=new_intervention(app)),
        browser.client.post(f"{API}/intervention/", data={"case": "1"}),
        browser.client.put(f"{API}/intervention/{item['id']}",
                           json={"version": item["version"], "status": "stopped"}),
    ]
    for resp in attempts:
        assert resp.status_code == 403, resp.status_code
        assert "toegangstoken" in resp.json["message"]
    assert intervention_count(app) == before
    assert own_intervention(app, case_of(app, "Karim")["id"], "GGD")["status"] == "active"


def test_flask_appbuilders_own_apis_need_a_token_or_csrf_for_writes(app: Flask) -> None:
    """Its security APIs accept the session cookie; they must not accept forged writes."""
    browser = Browser(app).login("beheerder")
    write_rules = [rule for rule in app.url_map.iter_rules()
                   if rule.rule.startswith("/api/")
                   and {"POST", "PUT", "DELETE"} & set(rule.methods or ())
                   and rule.endpoint not in {"SecurityApi.login", "SecurityApi.refresh"}]
    assert len(write_rules) >= 2
    for rule in write_rules:
        url = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "1", rule.rule)
        for method in {"POST", "PUT", "DELETE"} & set(rule.methods or ()):
            resp = browser.client.open(url, method=method, json={"name": "x"})
            assert resp.status_code == 403, (method, url, resp.status_code)


def test_a_browser_session_alone_cannot_read_casework_either(app: Flask) -> None:
    browser = Browser(app).login("coordinator")
    assert browser.client.get(f"{API}/case/").status_code == 401


# ----------------------------------------------------------------------------- queries


def _add_interventions(app: Flask, how_many: int) -> None:
    from casusregie.app.extensions import db

    with app.app_context(), system_access("test set-up"):
        cases = db.session.scalars(sa.select(Case).where(Case.phase == "monitoring")).all()
        types = db.session.scalars(sa.select(InterventionType)).all()
        for n in range(how_many):
            case, itype = cases[n % len(cases)], types[n % len(types)]
            db.session.add(Intervention(case=case, type=itype,
                                        organisation_id=itype.organisation_id or 1,
                                        status=InterventionStatus.active,
                                        start_date=dt.date(2026, 1, 1 + n % 28)))
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("url", [f"{API}/case/", f"{API}/intervention/",
                                 f"{API}/intervention_type/"])
def test_list_endpoints_issue_a_bounded_number_of_queries(app: Flask, client, url) -> None:
    headers = token(client, "coordinator")
    client.get(url, headers=headers)  # warm caches (permissions, mappers)
    with count_queries(app) as few:
        small = client.get(url + "?q=(page_size:100)", headers=headers)
    _add_interventions(app, 30)
    from casusregie.app.extensions import db

    with app.app_context(), system_access("test set-up"):
        for n in range(12):
            case = db.session.scalars(sa.select(Case).limit(1)).one()
            subject = Subject(first_name=f"Extra{n}", last_name="Testpersoon")
            clone = Case(number=f"CR-2099-{n:04d}", year=2099, sequence=n + 1,
                         risk_group_id=case.risk_group_id,
                         lead_organisation_id=case.lead_organisation_id,
                         case_director_id=case.case_director_id)
            clone.case_subjects = [CaseSubject(subject=subject, primary=True)]
            db.session.add(clone)
        db.session.commit()
        db.session.remove()
    with count_queries(app) as many:
        large = client.get(url + "?q=(page_size:100)", headers=headers)
    assert small.status_code == large.status_code == 200
    if "intervention_type" not in url:
        assert large.json["count"] > small.json["count"]
    assert len(many) == len(few), (len(few), len(many))
    assert len(many) <= 8, many


def test_list_counts_do_not_join_related_tables(app: Flask, client: FlaskClient) -> None:
    """Joins only fetch related columns for display; the count does not need them."""
    headers = token(client, "coordinator")
    with count_queries(app) as statements:
        resp = client.get(f"{API}/intervention/", headers=headers)
    counts = [s for s in statements if "count(" in s.lower()]
    assert resp.status_code == 200 and len(counts) == 1
    assert "JOIN" not in counts[0].upper()
    filtered = client.get(f"{API}/intervention/?q=(filters:!((col:status,opr:eq,value:active)))",
                          headers=headers)
    assert filtered.json["count"] == len([r for r in resp.json["result"]
                                          if r["status"] == "active"])
