"""The REST list of interventions at city scale: few and cheap queries, little per-request work."""

from __future__ import annotations

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient

from casusregie.app.api.casework import CaseApi, InterventionApi
from tests.support import count_queries
from tests.test_api import API, token


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_intervention_list_reads_no_relations_of_the_case(app: Flask, client) -> None:
    """The list shows case.id and case.number; the case's risk group, director, lead
    organisation and subjects are neither joined nor loaded."""
    headers = token(client, "coordinator")
    client.get(f"{API}/intervention/", headers=headers)
    with count_queries(app) as statements:
        resp = client.get(f"{API}/intervention/?q=(page_size:100)", headers=headers)
    assert resp.status_code == 200
    assert resp.json["result"] and all(row["case"]["number"].startswith("CR-")
                                       for row in resp.json["result"])
    listing = [s for s in statements if "FROM intervention" in s and "count(" not in s]
    assert len(listing) == 1, statements
    for table in ("risk_group", "ab_user", "case_subject", "subject"):
        assert f"JOIN {table} " not in listing[0] and f"FROM {table} " not in listing[0], table
    assert not any("case_subject" in s for s in statements)
    assert len(statements) <= 6, statements


def test_case_list_still_shows_subject_names_and_director(app: Flask, client) -> None:
    resp = client.get(f"{API}/case/", headers=token(client, "coordinator"))
    assert resp.status_code == 200
    row = resp.json["result"][0]
    assert row["subject_names"]
    assert "case_director" in row and "risk_group" in row


def test_list_count_stops_at_its_bound(app: Flask, client, monkeypatch) -> None:
    headers = token(client, "coordinator")
    everything = client.get(f"{API}/intervention/?q=(page_size:100)", headers=headers).json
    assert everything["count"] == len(everything["result"]) > 3
    monkeypatch.setattr(InterventionApi.datamodel, "count_limit", 3)
    bounded = client.get(f"{API}/intervention/", headers=headers)
    assert bounded.status_code == 200
    assert bounded.json["count"] == 3
    # Paging goes on past the bound.
    second = client.get(f"{API}/intervention/?q=(page:1,page_size:3)", headers=headers)
    assert [r["id"] for r in second.json["result"]] == [
        r["id"] for r in everything["result"][3:6]]


def test_the_rison_schema_is_not_rechecked_per_request(app: Flask, client,
                                                        monkeypatch) -> None:
    """jsonschema.validate checks the schema against its meta-schema on every call."""
    headers = token(client, "coordinator")

    def refuse(*_args, **_kwargs):
        raise AssertionError("jsonschema.validate called during a request")

    monkeypatch.setattr(jsonschema, "validate", refuse)
    for url in (f"{API}/intervention/", f"{API}/case/?q=(page_size:5)"):
        resp = client.get(url, headers=headers)
        assert resp.status_code == 200, (url, resp.json)
    some_id = client.get(f"{API}/intervention/", headers=headers).json["ids"][0]
    assert client.get(f"{API}/intervention/{some_id}", headers=headers).status_code == 200


@pytest.mark.parametrize("query", ["(page_size:'many')", "(order_direction:sideways)",
                                   "(filters:!((col:status)))", "(keys:!(everything))"])
def test_arguments_outside_the_schema_are_still_refused(client, query) -> None:
    resp = client.get(f"{API}/intervention/?q={query}", headers=token(client, "coordinator"))
    assert resp.status_code == 400
    assert "Not a valid rison schema" in resp.json["message"]


def test_a_broken_rison_argument_is_refused(client) -> None:
    headers = token(client, "coordinator")
    resp = client.get(f"{API}/intervention/?q=(page_size:1", headers=headers)
    assert resp.status_code == 400
    assert "Not a valid rison/json argument" in resp.json["message"]
    resp = client.get(f"{API}/intervention/1?q=(columns:!(nope", headers=headers)
    assert resp.status_code == 400


def test_read_endpoints_keep_their_permissions_and_openapi(client) -> None:
    assert client.get(f"{API}/intervention/").status_code == 401
    spec = client.get(f"{API}/_openapi", headers=token(client, "ggd")).json
    for path in ("/api/v1/intervention/", "/api/v1/intervention/{pk}", "/api/v1/case/"):
        assert "get" in spec["paths"][path], path
    assert CaseApi.get_list is InterventionApi.get_list
