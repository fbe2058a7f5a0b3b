"""What users type into the shared form layer: date-times in Amsterdam time in the formats
people write, yes/no boxes saved as no, and the signal form's subject with its
duplicate check, all through the screens."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from casusregie.app import clock
from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import InterventionType, Organisation, Signal, Subject
from tests.support import Browser
from tests.workflow_support import error_next_to, field_value, hidden_inputs

ADD = "/signalmodelview/add"
LAST_WEEK = clock.local_today() - dt.timedelta(days=7)


def _signal(**extra: str) -> dict[str, str]:
    return {"received_at": f"{LAST_WEEK:%d-%m-%Y} 14:00", "reporter_kind": "police",
            "reporter_name": "Wijkagent Noord", "phenomenon": "unclear",
            "concern": "Zorgwekkende uitlatingen op school.", "new_kind": "person", **extra}


def _signals(app, concern: str) -> list[Signal]:
    with app.app_context(), system_access("test"):
        rows = db.session.query(Signal).filter(Signal.concern == concern).all()
        for row in rows:
            _ = row.subject, row.registered_by
        db.session.expunge_all()
        return rows


def _subjects(app, last_name: str) -> int:
    with app.app_context(), system_access("test"):
        return db.session.query(Subject).filter(Subject.last_name == last_name).count()


@pytest.fixture()
def coordinator(browser: Browser) -> Browser:
    return browser.login("coordinator")


# --- date-times -----------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "{d:%d-%m-%Y} 14:00", "{d:%d-%m-%Y} 14:00:00", "{d:%Y-%m-%d} 14:00", "{d:%Y-%m-%d} 14:00:00",
    " {d:%d-%m-%Y}  14:00 ",
])
def test_date_times_are_typed_the_way_people_write_them(app, coordinator, typed) -> None:
    concern = f"Datumtest {typed.strip()}"
    resp = coordinator.submit(ADD, _signal(received_at=typed.format(d=LAST_WEEK),
                                           concern=concern))
    assert resp.status_code == 302, resp.text
    (signal,) = _signals(app, concern)
    # Typed in Amsterdam time, stored in UTC.
    assert signal.received_at == clock.from_local_input(
        dt.datetime.combine(LAST_WEEK, dt.time(14)))


def test_the_form_prefills_a_time_it_accepts_and_shows_the_format(app, coordinator) -> None:
    page = coordinator.get(ADD).text
    prefilled = field_value(page, "received_at")
    assert re.fullmatch(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}", prefilled), prefilled
    assert "dd-mm-jjjj uu:mm" in page  # placeholder and help, in Dutch
    assert "17-12-2026 14:00" in page
    # Sending the form back as it was filled in is accepted.
    resp = coordinator.submit(ADD, _signal(received_at=prefilled, concern="Vooringevuld"))
    assert resp.status_code == 302, resp.text


def test_an_unreadable_date_time_is_refused_in_dutch_and_kept(app, coordinator) -> None:
    resp = coordinator.submit(ADD, _signal(received_at="morgen om twee", concern="Onleesbaar"))
    assert resp.status_code == 200
    assert error_next_to(resp.text, "received_at", "Vul datum en tijd in als dd-mm-jjjj uu:mm")
    assert field_value(resp.text, "received_at") == "morgen om twee"
    assert _signals(app, "Onleesbaar") == []


def test_a_choice_that_is_not_offered_is_refused_not_a_crash(app, coordinator) -> None:
    resp = coordinator.submit(ADD, _signal(reporter_kind="school", concern="Geen keuze"))
    assert resp.status_code == 200
    assert _signals(app, "Geen keuze") == []


def test_forms_use_their_own_validation_not_the_browsers(coordinator) -> None:
    page = coordinator.get(ADD).text
    form_tag = re.search(r'<form id="model_form"[^>]*>', page).group(0)
    assert "novalidate" in form_tag
    checkbox = re.search(r'<input[^>]*id="anonymous"[^>]*>', page).group(0)
    assert "required" not in checkbox


# --- yes/no saved as no ---------------------------------------------------------------

def test_a_signal_is_saved_as_not_anonymous(app, coordinator) -> None:
    resp = coordinator.submit(ADD, _signal(concern="Niet anoniem"))  # box left unticked
    assert resp.status_code == 302, resp.text
    (signal,) = _signals(app, "Niet anoniem")
    assert signal.anonymous is False
    assert signal.reporter_name == "Wijkagent Noord"


def _edit_without_active(browser: Browser, url: str, data: dict[str, str]):
    page = browser.get(url)
    assert page.status_code == 200
    return browser.post(url, {**hidden_inputs(page.text), **data})


def test_the_administrator_deactivates_an_organisation(app, browser: Browser) -> None:
    with app.app_context(), system_access("test"):
        org = db.session.query(Organisation).filter(
            Organisation.name.startswith("Jongerenwerk")).one()
        pk, data = org.id, {"name": org.name, "tier": org.tier.value, "kind": org.kind.value}
        assert org.active is True
    browser.login("beheerder")
    resp = _edit_without_active(browser, f"/organisationmodelview/edit/{pk}", data)
    assert resp.status_code == 302, resp.text
    with app.app_context(), system_access("test"):
        assert db.session.get(Organisation, pk).active is False


def test_the_administrator_deactivates_a_catalogue_entry(app, browser: Browser) -> None:
    with app.app_context(), system_access("test"):
        entry = db.session.query(InterventionType).filter(
            InterventionType.name == "Meldplicht").one()
        pk = entry.id
        data = {"name": entry.name, "domain": entry.domain.value,
                "organisation": str(entry.organisation_id or ""),
                "description": entry.description or ""}
    browser.login("beheerder")
    resp = _edit_without_active(browser, f"/interventiontypemodelview/edit/{pk}", data)
    assert resp.status_code == 302, resp.text
    with app.app_context(), system_access("test"):
        assert db.session.get(InterventionType, pk).active is False


# --- the subject of a new signal --------------------------------------------------------

def test_a_signal_about_a_new_person(app, coordinator) -> None:
    resp = coordinator.submit(ADD, _signal(
        concern="Over een nieuwe persoon", new_first_name="Ilse", new_last_name="Zwanenburg",
        new_date_of_birth="2008-04-02"))
    assert resp.status_code == 302, resp.text
    (signal,) = _signals(app, "Over een nieuwe persoon")
    assert resp.headers["Location"].endswith(f"/signalmodelview/show/{signal.id}")
    assert signal.subject.full_name == "Ilse Zwanenburg"
    assert signal.subject.date_of_birth == dt.date(2008, 4, 2)
    assert signal.registered_by.username == "coordinator"


def test_a_spelling_variant_is_offered_and_used(app, coordinator) -> None:
    # The demo has "Mohammed El Amrani", born 15-08-2007; typed without date of birth.
    typed = _signal(concern="Variant", new_first_name="Mohamed", new_last_name="Amrani")
    resp = coordinator.submit(ADD, typed)
    assert resp.status_code == 200
    assert "mogelijk al geregistreerd" in resp.text
    assert "Mohammed El Amrani" in resp.text
    assert field_value(resp.text, "new_last_name") == "Amrani"
    assert _signals(app, "Variant") == []
    with app.app_context(), system_access("test"):
        existing = db.session.query(Subject).filter(Subject.last_name == "El Amrani").one().id
    assert f'name="use_subject" value="{existing}"' in resp.text

    used = coordinator.submit(ADD, {**typed, "use_subject": str(existing)})
    assert used.status_code == 302, used.text
    (signal,) = _signals(app, "Variant")
    assert signal.subject.id == existing
    assert _subjects(app, "Amrani") == 0


def test_someone_else_after_all(app, coordinator) -> None:
    resp = coordinator.submit(ADD, _signal(concern="Iemand anders", new_first_name="Mohamed",
                                           new_last_name="Amrani", confirm_new_subject="1"))
    assert resp.status_code == 302, resp.text
    assert _subjects(app, "Amrani") == 1


def test_an_existing_person_is_picked(app, coordinator) -> None:
    with app.app_context(), system_access("test"):
        existing = db.session.query(Subject).filter(Subject.last_name == "El Amrani").one().id
    resp = coordinator.submit(ADD, _signal(concern="Bestaand", subject=str(existing)))
    assert resp.status_code == 302, resp.text
    assert _signals(app, "Bestaand")[0].subject.id == existing
    both = coordinator.submit(ADD, _signal(concern="Beide", subject=str(existing),
                                           new_last_name="Jansen"))
    assert both.status_code == 200
    assert error_next_to(both.text, "new_last_name", "niet allebei")


def test_a_signal_without_subject_gets_one_on_its_edit_form(app, coordinator) -> None:
    with app.app_context(), system_access("test"):
        signal = db.session.query(Signal).filter(Signal.subject_id.is_(None)).first()
        existing = db.session.query(Subject).filter(Subject.last_name == "El Amrani").one()
        pk, subject_id = signal.id, existing.id
        data = {"received_at": clock.to_local(signal.received_at).strftime("%d-%m-%Y %H:%M"),
                "reporter_kind": signal.reporter_kind.value, "phenomenon": signal.phenomenon.value,
                "concern": signal.concern, "anonymous": "y" if signal.anonymous else ""}
    url = f"/signalmodelview/edit/{pk}"
    page = coordinator.get(url).text
    resp = coordinator.post(url, {**hidden_inputs(page), **data, "subject": str(subject_id)})
    assert resp.status_code == 302, resp.text
    with app.app_context(), system_access("test"):
        assert db.session.get(Signal, pk).subject_id == subject_id


def test_the_weigh_page_links_to_the_signal_to_add_its_subject(app, coordinator) -> None:
    with app.app_context(), system_access("test"):
        pk = db.session.query(Signal.id).filter(Signal.subject_id.is_(None)).first()[0]
    page = coordinator.get(f"/signalworkflow/{pk}/weigh").text
    assert f'href="/signalmodelview/edit/{pk}"' in page
    assert "Koppel een persoon of groep" in page
