"""Bad input gets a Dutch message next to the field and the rest of the form is kept."""

from __future__ import annotations

import datetime as dt
import re

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Case, CasePhase, Intervention
from casusregie.app.text import is_valid_bsn

SUBJECT_ADD = "/subjectmodelview/add"


def _field_error(html: str, field: str) -> str:
    """The error text rendered in the table row of ``field``."""
    match = re.search(rf'name="{field}".*?</tr>', html, re.S)
    assert match, f"field {field} not in form"
    return match.group(0)


def _subject(**overrides) -> dict:
    data = {"kind": "person", "first_name": "Fenna", "last_name": "Testpersoon",
            "date_of_birth": "2004-03-02", "bsn": "", "municipality": "Zaandam"}
    data.update(overrides)
    return data


def test_elfproef() -> None:
    assert is_valid_bsn("111222333")
    assert is_valid_bsn("123456782")
    assert is_valid_bsn("12345672")  # eight digits: leading zero
    for bad in ("123456789", "000000000", "12345678a", "1234567890", "", "１２３４５６７８２"):
        assert not is_valid_bsn(bad), bad


def test_invalid_bsn(app, browser) -> None:
    browser.login("coordinator")
    resp = browser.submit(SUBJECT_ADD, _subject(bsn="123456789"))
    assert resp.status_code == 200
    assert "Dit BSN is niet geldig" in _field_error(resp.text, "bsn")
    assert 'value="Testpersoon"' in resp.text and 'value="Zaandam"' in resp.text


def test_birth_date_in_the_future(app, browser) -> None:
    browser.login("coordinator")
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    resp = browser.submit(SUBJECT_ADD, _subject(date_of_birth=tomorrow))
    assert resp.status_code == 200
    assert "Een geboortedatum kan niet in de toekomst liggen" in _field_error(
        resp.text, "date_of_birth")
    assert 'value="Fenna"' in resp.text


def test_missing_required_field(app, browser) -> None:
    browser.login("coordinator")
    resp = browser.submit(SUBJECT_ADD, _subject(last_name=""))
    assert resp.status_code == 200
    assert re.search(r"Dit veld is (vereist|verplicht)", _field_error(resp.text, "last_name"))
    assert 'value="Fenna"' in resp.text


def test_over_long_text(app, browser) -> None:
    browser.login("coordinator")
    resp = browser.submit(SUBJECT_ADD, _subject(municipality="x" * 101))
    assert resp.status_code == 200
    assert "Er zijn hoogstens 100 tekens toegestaan; deze tekst heeft er 101" in _field_error(
        resp.text, "municipality")
    assert 'value="Testpersoon"' in resp.text


def test_end_date_before_start_date(app, browser) -> None:
    with app.app_context(), system_access("test"):
        case = db.session.query(Case).filter(Case.phase == CasePhase.monitoring).first()
        intervention = db.session.query(Intervention).filter_by(case_id=case.id).first()
        pk, outcome = intervention.id, intervention.outcome
    browser.login("coordinator")
    url = f"/interventionmodelview/edit/{pk}"
    form = browser.get(url).text
    version = re.search(r'name="edit_version"[^>]*value="(\d+)"|value="(\d+)"[^>]*'
                        r'name="edit_version"', form)
    resp = browser.submit(url, {"status": "active", "start_date": "2026-03-10",
                                "end_date": "2026-03-01", "outcome": "Loopt goed",
                                "edit_version": version.group(1) or version.group(2)})
    assert resp.status_code == 200
    assert "De einddatum (01-03-2026) ligt vóór de startdatum (10-03-2026)" in _field_error(
        resp.text, "end_date")
    assert "Loopt goed" in resp.text
    with app.app_context(), system_access("test"):
        assert db.session.get(Intervention, pk).outcome == outcome
