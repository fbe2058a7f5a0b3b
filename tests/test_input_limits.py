"""Issue 13: size limits, and database errors that never reach the user."""

from __future__ import annotations

import re

from flask import Flask

from casusregie.app.errors import TELLTALES as SQL_TRACES
from tests.support import Browser, csrf_token
from tests.test_api import API, new_intervention, token


def test_a_10_mb_outcome_is_refused_with_422_naming_the_field(app: Flask) -> None:
    client = app.test_client()
    body = new_intervention(app, outcome="x" * 10_000_000)
    resp = client.post(f"{API}/intervention/", json=body, headers=token(client, "ggd"))
    assert resp.status_code == 422
    message = resp.get_json()["message"]
    assert "outcome" in message
    assert "5000" in message["outcome"][0] or "5.000" in message["outcome"][0]
    assert "10000000" in message["outcome"][0]


def test_the_form_limit_applies_to_the_api_too(app: Flask) -> None:
    client = app.test_client()
    headers = token(client, "ggd")
    refused = client.post(f"{API}/intervention/", json=new_intervention(
        app, outcome="x" * 5001), headers=headers)
    assert refused.status_code == 422
    accepted = client.post(f"{API}/intervention/", json=new_intervention(
        app, outcome="x" * 5000), headers=headers)
    assert accepted.status_code == 201, accepted.get_data(as_text=True)


def test_a_body_over_the_limit_gets_413_as_json_from_the_api(app: Flask) -> None:
    client = app.test_client()
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit
    resp = client.post(f"{API}/intervention/", data=b"x" * (limit + 1),
                       content_type="application/json", headers=token(client, "ggd"))
    assert resp.status_code == 413
    assert resp.is_json and "MB" in resp.get_json()["message"]


def test_a_body_over_the_limit_gets_413_as_a_page_on_screens(browser: Browser) -> None:
    browser.login("coordinator")
    limit = browser.app.config["MAX_CONTENT_LENGTH"]
    page = browser.get("/casenotemodelview/add")
    resp = browser.post("/casenotemodelview/add", data={
        "csrf_token": csrf_token(page.text), "text": "x" * (limit + 1)})
    assert resp.status_code == 413
    assert "text/html" in resp.content_type
    assert "MB" in resp.get_data(as_text=True)


def test_a_nul_byte_in_the_user_form_shows_no_sql_and_no_password_hash(browser) -> None:
    browser.login("beheerder")
    resp = browser.submit("/users/add", {
        "first_name": "Nul\x00", "last_name": "Byte", "username": "nulbyte",
        "email": "nul@example.org", "password": "een lang genoeg wachtwoord",
        "conf_password": "een lang genoeg wachtwoord", "roles": "1"},
        follow_redirects=True)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "NUL" in text
    assert not SQL_TRACES.search(text)
    assert "pbkdf2:" not in text and "scrypt:" not in text


def test_a_database_error_on_save_shows_a_plain_message(app: Flask, browser: Browser,
                                                        monkeypatch) -> None:
    """Whatever the database refuses, the screen says so plainly; the SQL goes to the log."""
    from sqlalchemy.exc import DataError

    def refuse(*_args, **_kwargs):
        raise DataError("INSERT INTO organisation (name) VALUES (%(name)s)",
                        {"name": "secret"}, Exception("psycopg.DataError"))

    browser.login("beheerder")
    page = browser.get("/organisationmodelview/add")
    monkeypatch.setattr("sqlalchemy.orm.Session.commit", refuse)
    resp = browser.post("/organisationmodelview/add", data={
        "csrf_token": csrf_token(page.text), "name": "Nieuwe partner", "tier": "external",
        "kind": "other", "active": "y"}, follow_redirects=True)
    text = resp.get_data(as_text=True)
    assert resp.status_code < 500
    assert not SQL_TRACES.search(text), text[:2000]
    assert "Er is iets misgegaan" in text, re.findall(r'class="alert[^"]*"[^<]*', text)
