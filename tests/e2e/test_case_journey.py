"""The whole case, through the screens only, as the demo users who do it.

The coordinator registers a signal about a new person, weighs and includes it, appoints
an eligible director, admits two partners, plans a conference at 14:00 (the agenda PDF
says 14:00), records the decision with an agreed plugin intervention and prints the
dossier. The director works the plan, closes the case with the checklist and reopens
it. The functional administrator deactivates an organisation and a catalogue entry.

Screenshots go to ``test-artifacts/journeys/`` (ignored by git).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from casusregie.app import clock
from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Case, Intervention, InterventionType, Organisation
from tests.e2e.conftest import login
from tests.e2e.test_signal_journey import _choose, _option_value, _type_date

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "journeys"
CONCERN = "Jongere verspreidt oproepen tot geweld in een besloten groep."


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _pick_remote(page, field_id: str, term: str, label: str) -> None:
    """Choose in a searchable select as a user does: open it, type, click the match."""
    page.click(f"#{field_id} + .select2-container .select2-selection")
    page.keyboard.type(term)
    page.locator(".select2-results__option", has_text=label).first.click()


def _submit(page) -> None:
    _follow(page, "form button[type=submit]:not(.casus-lang-form button)")


def _follow(page, target) -> None:
    """Click a link or button and wait for the page it opens to load: not for the network
    to fall quiet, which costs half a second or more on every step."""
    with page.expect_navigation():
        if isinstance(target, str):
            page.click(target)
        else:
            target.click()


def _pdf_text(download) -> str:
    with open(download.path(), "rb") as handle:
        return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages)


def _print(page, purpose: str) -> str:
    page.fill("textarea[name=purpose]", purpose)
    with page.expect_download() as info:
        page.click(".casus-print button[type=submit]")
    return _pdf_text(info.value)


def _decision(page, reasons: str) -> None:
    page.fill("#participants", "Coen de Coördinator (OOV), Rana Regisseur (OOV)")
    page.fill("#reasons", reasons)


def _new_context(browser):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def _coordinator(page, base: str, app) -> int:
    login(page, base, "coordinator")
    # 1. A signal about a person nobody knows yet.
    page.goto(f"{base}/signalmodelview/add")
    _choose(page, "#reporter_kind", "other")
    page.fill("#reporter_name", "Docent maatschappijleer")
    _choose(page, "#phenomenon", "right_wing")
    page.fill("#concern", CONCERN)
    page.fill("#new_first_name", "Teun")
    page.fill("#new_last_name", "Vermeulen-Brakel")
    _type_date(page, "#new_date_of_birth", "2008-03-14")
    _submit(page)
    assert "/signalmodelview/show/" in page.url, page.inner_text("body")[:1500]

    # 2. Weighed and included; the start page listed it among the signals to weigh.
    page.goto(f"{base}/")
    _follow(page, page.locator("#signals-to-weigh a", has_text="Teun Vermeulen-Brakel"))
    _choose(page, "#outcome", "include")
    _type_date(page, "#weighed_on", clock.local_today().isoformat())
    _decision(page, "Zorgen bevestigd; opnemen in de aanpak.")
    _choose(page, "#risk_group", _option_value(page, "#risk_group", "4"))
    _submit(page)
    assert "/casemodelview/show/" in page.url, page.inner_text("body")[:1500]
    case_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    with app.app_context(), system_access("test"):
        number = db.session.get(Case, case_id).number

    # The start page now lists the case among those without a director.
    page.goto(f"{base}/")
    assert number in page.inner_text("#cases-without-director")
    _shot(page, "01-coordinator-start-page")

    # 3. The director: only users who can direct cases are offered; a recorded decision.
    page.goto(f"{base}/casemodelview/show/{case_id}")
    _follow(page, "a[data-action=director]")
    offered = page.evaluate(
        "() => [...document.querySelector('#case_director').options].map(o => o.text)")
    assert any("Rana Regisseur" in o for o in offered), offered
    assert not any(name in " ".join(offered) for name in ("Priya", "Bea Beheer", "Mees")), offered
    _choose(page, "#case_director", _option_value(page, "#case_director", "Rana Regisseur"))
    _decision(page, "Rana Regisseur neemt de regie; zij kent de school.")
    _shot(page, "02-appoint-director")
    _submit(page)
    assert f"/casemodelview/show/{case_id}" in page.url
    assert "Rana Regisseur" in page.inner_text(".casus-facts")
    assert "Aanstelling van de casusregisseur" in page.inner_text("#decisions")

    # The lead-organisation picker of the edit page searches (its script is loaded).
    page.goto(f"{base}/casemodelview/edit/{case_id}")
    _pick_remote(page, "lead_organisation", "Politie", "Politie Eenheid Amsterdam")
    assert page.input_value("#lead_organisation") != ""

    # 4. Two partners admitted from the case page.
    ends = clock.local_today() + dt.timedelta(days=20)
    for org, purpose in (("GGD Amsterdam", "Zorgtraject afstemmen"),
                         ("Jongerenwerk Amsterdam", "Mentortraject begeleiden")):
        page.goto(f"{base}/casemodelview/show/{case_id}")
        page.click("#tab-admissions")
        _follow(page, "#admit-partner")
        _pick_remote(page, "organisation", org.split()[0], org)
        page.fill("#purpose", purpose)
        page.fill("#legal_basis", "Convenant art. 6")
        _type_date(page, "#starts_on", clock.local_today().isoformat())
        _type_date(page, "#ends_on", ends.isoformat())
        _submit(page)
        assert f"/casemodelview/show/{case_id}" in page.url, page.inner_text("body")[:1500]
    page.click("#tab-admissions")
    admitted = page.inner_text("#admissions-table")
    assert "GGD Amsterdam" in admitted and "Jongerenwerk Amsterdam" in admitted
    _shot(page, "03-case-admissions")

    # 5. A conference at 14:00; saving lands on it, with its chair and agenda.
    day = clock.local_today() + dt.timedelta(days=7)
    page.goto(f"{base}/caseconferencemodelview/add")
    page.fill("#held_on", f"{day:%d-%m-%Y} 14:00")
    page.fill("#location", "Stadhuis, kamer 3.12")
    _submit(page)
    assert "/caseconferencemodelview/show/" in page.url, page.inner_text("body")[:1500]
    conference_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    shown = page.inner_text("body")
    assert "14:00" in shown and "Coen de Coördinator" in shown
    assert number in page.inner_text("#conference-agenda-items")
    _shot(page, "04-conference")
    page.goto(f"{base}/print/agenda/{conference_id}")
    agenda = _print(page, "Voorbereiding casusoverleg")
    at_two = re.compile(rf"\b{day.day} \w+\.? {day.year},? 14:00")
    assert at_two.search(agenda), agenda[:500]

    # 6. The decision, with an agreed intervention of the youth-work plugin.
    page.goto(f"{base}/conferenceagenda/{conference_id}")
    _follow(page, page.locator(f"#agenda tr:has-text('{number}') a",
                 has_text="Bespreking vastleggen"))
    groups = page.evaluate("() => [...document.querySelectorAll('#intervention_type optgroup')]"
                           ".map(g => g.label)")
    assert "Zorg" in groups and len(groups) >= 3, groups
    help_text = page.inner_text("body")
    assert "Verplicht als de catalogus er geen noemt." in help_text
    _decision(page, "Mentortraject via het jongerenwerk; over drie maanden evalueren.")
    _type_date(page, "#review_date", (day + dt.timedelta(days=90)).isoformat())
    page.fill("#action_plan", "Weerbaarheid en een vaste mentor.")
    _choose(page, "#intervention_type",
            _option_value(page, "#intervention_type", "Mentortraject jongerenwerk"))
    _choose(page, "#intervention_organisation",
            _option_value(page, "#intervention_organisation", "Jongerenwerk Amsterdam"))
    _shot(page, "05-record-decision")
    _submit(page)
    assert f"/conferenceagenda/{conference_id}" in page.url, page.inner_text("body")[:1500]
    with app.app_context(), system_access("test"):
        agreed = db.session.query(Intervention).filter(Intervention.case_id == case_id).one()
        assert agreed.kind == "jongerenwerk.mentoring"
        assert type(agreed).__name__ == "MentoringTrajectory"

    # 7. The dossier.
    page.goto(f"{base}/casemodelview/show/{case_id}")
    _follow(page, "#print-dossier")
    dossier = _print(page, "Overdracht aan de regisseur")
    assert number in dossier and "Teun Vermeulen-Brakel" in dossier
    assert at_two.search(dossier), dossier[:1500]
    return case_id


def _director(page, base: str, case_id: int) -> None:
    login(page, base, "regisseur")
    page.goto(f"{base}/")
    page.locator("#my-cases a", has_text=re.compile(r"CR-")).first.wait_for()
    page.goto(f"{base}/casemodelview/show/{case_id}")
    # Works the plan: a goal, whose order is really required.
    page.click("#tab-plan")
    _follow(page, "text=Doel toevoegen")
    page.fill("#description", "Teun heeft wekelijks contact met zijn mentor.")
    page.fill("#position", "")
    _submit(page)
    order_row = page.locator("tr", has=page.locator("#position"))
    assert "Dit veld is verplicht." in order_row.inner_text(), page.inner_text("body")[:1500]
    page.fill("#position", "1")
    _submit(page)
    assert f"/casemodelview/show/{case_id}" in page.url, page.inner_text("body")[:1500]

    # Escalating says which level follows and what the levels mean.
    _follow(page, "a[data-action=escalate]")
    assert "van niveau 1 naar niveau 2" in page.inner_text("#escalation-levels")

    # Closing: the checklist, refused without confirmation, closed with it.
    page.goto(f"{base}/casemodelview/show/{case_id}")
    _follow(page, "a[data-action=close]")
    checklist = page.inner_text("#closure-checklist")
    assert "Teun heeft wekelijks contact" in checklist
    assert "Mentortraject jongerenwerk" in checklist and "GGD Amsterdam" in checklist
    _choose(page, "#close_reason", "goals_met")
    _decision(page, "Doelen besproken; afsluiten.")
    _submit(page)
    assert page.locator("#confirm_open_items").is_visible()
    assert "bevestig" in page.inner_text("body").lower()
    page.check("#confirm_open_items")
    page.fill("#open_items_reason", "Mentortraject loopt buiten de aanpak door.")
    _shot(page, "06-close-checklist")
    _submit(page)
    assert f"/casemodelview/show/{case_id}" in page.url, page.inner_text("body")[:1500]
    assert "Afgesloten" in page.inner_text(".casus-case-header")

    # Reopening: the review date is marked required and asked for.
    _follow(page, "a[data-action=reopen]")
    _decision(page, "Nieuwe zorgen van school.")
    _type_date(page, "#review_date", (clock.local_today() + dt.timedelta(days=30)).isoformat())
    _submit(page)
    assert f"/casemodelview/show/{case_id}" in page.url, page.inner_text("body")[:1500]
    _shot(page, "07-director-reopened")


def _administrator(page, base: str, app) -> None:
    login(page, base, "beheerder")
    with app.app_context(), system_access("test"):
        org_id = db.session.query(Organisation.id).filter(
            Organisation.name == "Raad voor de Kinderbescherming").scalar()
        type_id = db.session.query(InterventionType.id).filter(
            InterventionType.name == "Mentortraject").scalar()
    for url in (f"/organisationmodelview/edit/{org_id}",
                f"/interventiontypemodelview/edit/{type_id}"):
        page.goto(base + url)
        page.uncheck("#active")
        _submit(page)
        assert "/edit/" not in page.url, page.inner_text("body")[:1500]
    _shot(page, "08-administrator-deactivated")
    with app.app_context(), system_access("test"):
        assert db.session.get(Organisation, org_id).active is False
        assert db.session.get(InterventionType, type_id).active is False


def test_a_case_from_signal_to_reopening(plugin_server, _chromium) -> None:
    app, live_server = plugin_server
    context, page = _new_context(_chromium)
    try:
        case_id = _coordinator(page, live_server, app)
    finally:
        context.close()
    context, page = _new_context(_chromium)
    try:
        _director(page, live_server, case_id)
    finally:
        context.close()
    context, page = _new_context(_chromium)
    try:
        _administrator(page, live_server, app)
    finally:
        context.close()
    with app.app_context(), system_access("test"):
        case = db.session.get(Case, case_id)
        assert case.case_director is not None and case.phase.value == "monitoring"
