"""The coordinator's first journey, through the screens only: a signal about a person
nobody knows yet → weighing → included as a case about that person. Screenshots go to
``screenshots/``."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.dates import format_date

from casusregie.app import clock
from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Case, CaseSubject, Signal, Subject
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
CONCERN = "Leerling deelt extremistische filmpjes in de klassenapp."


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _choose(page, selector: str, value: str) -> None:
    """Pick an option of a select that Select2 draws over (as a click on it would)."""
    page.evaluate("""([selector, value]) => {
        const el = document.querySelector(selector);
        el.value = value;
        if (window.jQuery) { window.jQuery(el).trigger('change'); }
        else { el.dispatchEvent(new Event('change', {bubbles: true})); }
    }""", [selector, value])


def _type_date(page, selector: str, text: str) -> None:
    # Typed key by key: the date picker ignores values set without key events.
    page.click(selector)
    page.keyboard.type(text)
    page.keyboard.press("Escape")


def _option_value(page, selector: str, label_start: str) -> str:
    return page.evaluate("""([selector, start]) => [...document.querySelector(selector).options]
        .find(o => o.text.trim().startsWith(start)).value""", [selector, label_start])


def test_a_signal_about_a_new_person_becomes_a_case(app, page, live_server: str) -> None:
    login(page, live_server, "coordinator")

    # 1. Register the signal, typing a person who is not yet known.
    page.goto(f"{live_server}/signalmodelview/add")
    received = page.input_value("#received_at")
    assert re.fullmatch(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}", received), received
    _choose(page, "#reporter_kind", "other")
    page.fill("#reporter_name", "Mentor havo 3")
    _choose(page, "#phenomenon", "jihadist")
    page.fill("#concern", CONCERN)
    # First a name that resembles someone known: the possible matches are offered.
    page.fill("#new_first_name", "Mohamed")
    page.fill("#new_last_name", "Amrani")
    page.click("#model_form button[type=submit]")
    page.wait_for_load_state("networkidle")
    panel = page.inner_text("#possible-duplicates")
    assert "Mohammed El Amrani" in panel and "Gebruik deze persoon" in panel
    assert page.input_value("#concern") == CONCERN  # the input is kept
    _shot(page, "journey-1b-possible-matches")
    # It is someone else: the coordinator types the person the signal is about.
    page.fill("#new_first_name", "Sanne")
    page.fill("#new_last_name", "Kwakkelstein")
    _type_date(page, "#new_date_of_birth", "2009-06-30")
    _shot(page, "journey-1-signal-form")
    page.click("#model_form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/signalmodelview/show/" in page.url, page.inner_text("body")[:2000]
    body = page.inner_text("body")
    assert "Signaal geregistreerd." in body
    assert "Sanne Kwakkelstein" in body
    _shot(page, "journey-2-signal-registered")

    # 2. Weigh it: the signal is waiting for the weighing team.
    page.goto(f"{live_server}/signalworkflow/")
    row = page.locator("#signals-to-weigh tr", has_text="Sanne Kwakkelstein")
    # The list writes the moment the form showed as "17-12-2026 14:00" as every list does.
    typed = dt.datetime.strptime(received, "%d-%m-%Y %H:%M")
    assert f"{format_date(typed.date(), 'medium', locale='nl_NL')} {typed:%H:%M}" in \
        row.inner_text()
    row.locator("a").click()
    page.wait_for_load_state("networkidle")
    _choose(page, "#outcome", "include")
    _type_date(page, "#weighed_on", clock.local_today().isoformat())
    page.fill("#participants", "Coen de Coördinator (OOV), Pieter Agent (politie)")
    page.fill("#reasons", "Zorgen bevestigd door school en wijkagent; opnemen in de aanpak.")
    _choose(page, "#risk_group", _option_value(page, "#risk_group", "3"))
    _shot(page, "journey-3-weigh-form")
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")

    # 3. Included: the case page of the new case, about the new person.
    assert "/casemodelview/show/" in page.url, page.inner_text("body")[:2000]
    body = page.inner_text("body")
    assert "Sanne Kwakkelstein" in body
    _shot(page, "journey-4-case-included")
    case_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    with app.app_context(), system_access("test"):
        subject = db.session.query(Subject).filter(Subject.last_name == "Kwakkelstein").one()
        linked = db.session.query(CaseSubject).filter_by(case_id=case_id).all()
        signal = db.session.query(Signal).filter(Signal.concern == CONCERN).one()
        assert [link.subject_id for link in linked] == [subject.id]
        assert signal.subject_id == subject.id
        assert signal.case_id == case_id
        assert db.session.get(Case, case_id).number in body
