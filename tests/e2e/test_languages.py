"""The language switch in a real browser, and screenshots of the main screens in both
languages (written to ``screenshots/``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"

COORDINATOR_SCREENS = {
    "home": "/",
    "cases": "/casemodelview/list/",
    "signals": "/signalmodelview/list/",
    "subjects": "/subjectmodelview/list/",
    "conferences": "/caseconferencemodelview/list/",
    "interventions": "/interventionmodelview/list/",
    "signal-form": "/signalmodelview/add",
}
ADMIN_SCREENS = {
    "users": "/users/list/",
    "roles": "/roles/list/",
    "organisations": "/organisationmodelview/list/",
    "profile": "/users/userinfo/",
}


def _shoot(page, base: str, screens: dict[str, str], locale: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    for name, url in screens.items():
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SHOTS / f"{locale}-{name}.png"), full_page=True)


def _switch(page, code: str) -> None:
    page.click(f".casus-lang button[hreflang={code}]")
    page.wait_for_load_state("networkidle")


def test_switching_language_is_remembered_across_logins(page, live_server: str) -> None:
    page.goto(f"{live_server}/login/")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "nl-login.png"))
    login(page, live_server, "coordinator")
    assert page.locator("html").get_attribute("lang") == "nl"
    current = page.locator(".casus-lang .casus-lang-current")
    assert current.inner_text().strip() == "NL"
    _shoot(page, live_server, COORDINATOR_SCREENS, "nl")

    page.goto(f"{live_server}/casemodelview/list/")
    _switch(page, "en")
    assert "/casemodelview/list/" in page.url  # the switch returns to the same page
    assert page.locator("html").get_attribute("lang") == "en"
    body = page.inner_text("body")
    assert "CONFIDENTIAL" in body and "VERTROUWELIJK" not in body
    _shoot(page, live_server, COORDINATOR_SCREENS, "en")

    # Log out and in again: still English, without choosing again.
    page.goto(f"{live_server}/logout/")
    login(page, live_server, "coordinator")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".casus-lang .casus-lang-current").inner_text().strip() == "EN"

    _switch(page, "nl")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert "VERTROUWELIJK" in page.inner_text("body")


def test_administration_screens_in_both_languages(page, live_server: str) -> None:
    login(page, live_server, "beheerder")
    _shoot(page, live_server, ADMIN_SCREENS, "nl")
    _switch(page, "en")
    _shoot(page, live_server, ADMIN_SCREENS, "en")
    _switch(page, "nl")


def test_date_picker_speaks_dutch(page, live_server: str) -> None:
    login(page, live_server, "coordinator")
    page.goto(f"{live_server}/signalmodelview/add")
    page.wait_for_load_state("networkidle")
    field = page.locator(".appbuilder_date input, input.appbuilder_date, "
                         ".appbuilder_datetime input, input.appbuilder_datetime").first
    field.click()
    calendar = page.locator(".datepicker-days")
    calendar.wait_for(state="visible")
    text = calendar.inner_text().lower()
    assert "ma" in text.split() and "zo" in text.split()
    assert not any(day in text.split() for day in ("mo", "su", "tu"))
    page.screenshot(path=str(SHOTS / "nl-date-picker.png"))


def test_search_filters_speak_dutch(page, live_server: str) -> None:
    """The filter operations are written into a script, out of the crawler's sight."""
    login(page, live_server, "coordinator")
    page.goto(f"{live_server}/casemodelview/list/")
    page.wait_for_load_state("networkidle")
    page.get_by_text("Zoeken", exact=True).first.click()
    page.get_by_text("Filter toevoegen").first.click()
    page.locator("#filter_form .dropdown-menu a.filter").first.click()
    row = page.locator("#filter_form table.filters tr").first
    row.wait_for(state="visible")
    options = row.locator("select option").all_inner_texts()
    assert options, "no filter operations shown"
    assert not {"Equal to", "Starts with", "Contains", "Relation"} & set(options), options
    assert {"Is gelijk aan", "Begint met", "Bevat", "Is"} & set(options), options
    page.screenshot(path=str(SHOTS / "nl-search-filter.png"))


def test_flask_appbuilder_dialogs_speak_dutch(page, live_server: str) -> None:
    """The alert for an action without a selection, and the delete confirmation."""
    login(page, live_server, "beheerder")
    page.goto(f"{live_server}/roles/list/")
    page.wait_for_load_state("networkidle")
    page.get_by_text("Acties", exact=True).first.click()
    page.locator(".dropdown-menu a[class$='_menu_item']").first.click()
    alert = page.locator("#modal-alert .modal-text")
    alert.wait_for(state="visible")
    assert alert.inner_text().strip() == "Niets geselecteerd"
    page.screenshot(path=str(SHOTS / "nl-alert.png"))
    page.locator("#modal-alert button").click()
    alert.wait_for(state="hidden")

    page.locator("table a[id^='btn-delete-']").first.click()
    confirm = page.locator("#modal-confirm")
    confirm.wait_for(state="visible")
    text = confirm.inner_text()
    assert "Weet u zeker dat u dit wilt verwijderen?" in text and "Annuleren" in text
    assert "Cancel" not in text
    page.screenshot(path=str(SHOTS / "nl-confirm.png"))
