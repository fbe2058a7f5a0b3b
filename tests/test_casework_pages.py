"""The coordinators' screens as users see them: start page, lists, the case page."""

from __future__ import annotations

from app.access import system_access
from app.extensions import db
from app.models import Case, CasePhase


def _case(app, **filters) -> Case:
    with app.app_context(), system_access("test"):
        case = db.session.query(Case).filter_by(**filters).order_by(Case.number).first()
        db.session.expunge(case)
        return case


def test_case_list_shows_dutch_words_for_phases(browser) -> None:
    browser.login("coordinator")
    page = browser.get("/casemodelview/list/")
    assert page.status_code == 200
    assert "Uitvoering en monitoring" in page.text
    assert ">monitoring<" not in page.text


def test_case_page_has_header_and_sections(app, browser) -> None:
    case = _case(app, phase=CasePhase.monitoring)
    browser.login("coordinator")
    page = browser.get(f"/casemodelview/show/{case.id}")
    assert page.status_code == 200, page.text[:500]
    text = page.text
    assert case.number in text
    for heading in ("Besluiten", "Duiding", "Plan van aanpak", "Interventies per partner",
                    "Casusoverleggen", "Aantekeningen", "Casusregisseur", "Risicogroep"):
        assert heading in text, heading


def test_start_page_for_coordinator(browser) -> None:
    browser.login("coordinator")
    page = browser.get("/")
    assert page.status_code == 200
    assert "Lopende casussen" in page.text
    assert "CR-" in page.text
