"""The duplicate check before a new subject is saved."""

from __future__ import annotations

import datetime as dt

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Case, CasePhase, CaseSubject, Subject

ADD = "/subjectmodelview/add"


def _count(app, **filters) -> int:
    with app.app_context(), system_access("test"):
        return db.session.query(Subject).filter_by(**filters).count()


def _closed_case_subject(app) -> Subject:
    """A subject whose only case is closed, renamed to the name the test looks for."""
    with app.app_context(), system_access("test"):
        case = db.session.query(Case).filter(Case.phase == CasePhase.closed).first()
        assert case is not None, "the demo has a closed case"
        link = db.session.query(CaseSubject).filter_by(case_id=case.id).first()
        subject = db.session.get(Subject, link.subject_id)
        subject.first_name, subject.last_name = "Mohammed", "El Amrani"
        subject.date_of_birth = dt.date(1998, 5, 17)
        db.session.commit()
        db.session.refresh(subject)
        db.session.expunge(subject)
        return subject


def _form(first: str, last: str, born: str, **extra) -> dict:
    return {"kind": "person", "first_name": first, "last_name": last, "date_of_birth": born,
            "bsn": "", "municipality": "Amsterdam", **extra}


def test_spelling_variant_of_a_closed_case_subject_is_found(app, browser) -> None:
    existing = _closed_case_subject(app)
    browser.login("coordinator")
    before = _count(app, last_name="el-Amrani")
    resp = browser.submit(ADD, _form("Mohamed", "el-Amrani", "1998-05-17"))
    assert resp.status_code == 200
    assert "mogelijk al geregistreerd" in resp.text
    assert "Mohammed El Amrani" in resp.text
    assert f"/subjectmodelview/show/{existing.id}" in resp.text
    # Nothing saved, and what the user typed is still in the form.
    assert _count(app, last_name="el-Amrani") == before
    assert 'value="el-Amrani"' in resp.text
    assert 'value="Mohamed"' in resp.text


def test_confirming_saves_anyway(app, browser) -> None:
    _closed_case_subject(app)
    browser.login("coordinator")
    resp = browser.submit(ADD, _form("Mohamed", "el-Amrani", "1998-05-17",
                                     confirm_duplicate="1"), follow_redirects=False)
    assert resp.status_code == 302
    assert _count(app, last_name="el-Amrani") == 1


def test_spelling_variant_with_another_date_of_birth_is_found(app, browser) -> None:
    # A different date of birth is often a typing or reporting difference: still shown.
    existing = _closed_case_subject(app)
    browser.login("coordinator")
    resp = browser.submit(ADD, _form("Mohamed", "el-Amrani", "1999-05-17"),
                          follow_redirects=False)
    assert resp.status_code == 200
    assert f"/subjectmodelview/show/{existing.id}" in resp.text
    assert _count(app, last_name="el-Amrani") == 0


def test_without_particle_or_date_of_birth_the_person_is_found(app, browser) -> None:
    existing = _closed_case_subject(app)
    browser.login("coordinator")
    resp = browser.submit(ADD, _form("Mohammed", "Amrani", ""), follow_redirects=False)
    assert resp.status_code == 200
    assert f"/subjectmodelview/show/{existing.id}" in resp.text
    assert _count(app, last_name="Amrani") == 0


def test_another_first_name_is_no_match(app, browser) -> None:
    _closed_case_subject(app)
    browser.login("coordinator")
    resp = browser.submit(ADD, _form("Youssef", "el-Amrani", "1998-05-17"),
                          follow_redirects=False)
    assert resp.status_code == 302
    assert _count(app, last_name="el-Amrani") == 1


def test_case_and_diacritics_do_not_hide_a_match(app, browser) -> None:
    with app.app_context(), system_access("test"):
        db.session.add(Subject(first_name="Zoë", last_name="Ağca",
                               date_of_birth=dt.date(2001, 2, 3)))
        db.session.commit()
    browser.login("coordinator")
    resp = browser.submit(ADD, _form("ZOE", "agca", "2001-02-03"))
    assert resp.status_code == 200
    assert "Zoë Ağca" in resp.text
    assert _count(app, last_name="agca") == 0
