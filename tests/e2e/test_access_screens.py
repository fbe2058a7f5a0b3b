"""The access administration screens in a real browser, with screenshots for review."""

from __future__ import annotations

from pathlib import Path

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Case
from tests.e2e.conftest import login

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def test_permission_matrix_edit_and_explanation(app, live_server, page):
    SHOTS.mkdir(exist_ok=True)
    login(page, live_server, "beheerder")

    page.goto(f"{live_server}/access/matrix/")
    page.select_option("#role-select", label="Ketenpartner")
    page.wait_for_load_state("networkidle")
    matrix = page.locator("#permission-matrix")
    assert "Casussen" in matrix.inner_text()
    # Readable words, not Flask-AppBuilder's permission or view names.
    assert "can_list" not in matrix.inner_text()
    assert "CaseModelView" not in matrix.inner_text()
    page.screenshot(path=str(SHOTS / "access-permission-matrix.png"), full_page=True)

    # Take "change interventions" away from the partner role and save.
    box = page.get_by_label("Interventies: Wijzigen")
    assert box.is_checked()
    box.uncheck()
    page.click("#permission-matrix button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "gewijzigd" in page.locator(".alert").first.inner_text()
    assert not page.get_by_label("Interventies: Wijzigen").is_checked()

    with app.app_context(), system_access("test"):
        case = db.session.query(Case).filter(Case.admissions.any()).order_by(Case.id).first()
        number = case.number
    page.goto(f"{live_server}/access/explain/")
    page.select_option("#explain-user", label=page.locator(
        "#explain-user option", has_text="jongerenwerk").first.inner_text())
    page.fill("#explain-case", number)
    page.click(".casus-explain-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    answer = page.locator("#explain-answer")
    assert answer.get_attribute("data-visible") == "yes"
    assert "Toelating" in answer.inner_text() or "toegelaten" in answer.inner_text()
    page.screenshot(path=str(SHOTS / "access-explain.png"), full_page=True)

    page.goto(f"{live_server}/access/view-as/")
    page.select_option("#view-as-role", label="Ketenpartner")
    page.select_option("#view-as-org", label="Jongerenwerk Amsterdam")
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#view-as-preview").is_visible()
    page.screenshot(path=str(SHOTS / "access-view-as.png"), full_page=True)
