"""A coordinator's main screens in a real browser; screenshots go to ``screenshots/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Case, CasePhase
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_coordinator_screens(app, page, live_server: str) -> None:
    with app.app_context(), system_access("test"):
        case = (db.session.query(Case).filter(Case.phase == CasePhase.monitoring)
                .order_by(Case.number).first())
        case_id, number = case.id, case.number

    login(page, live_server, "coordinator")
    page.goto(f"{live_server}/")
    body = page.inner_text("body")
    assert "Evaluaties verlopen of binnen 14 dagen" in body
    assert "Volgende casusoverleggen" in body
    _shot(page, "start")

    page.goto(f"{live_server}/casemodelview/list/")
    body = page.inner_text("body")
    assert number in body
    assert "Uitvoering en monitoring" in body
    _shot(page, "case-list")

    page.goto(f"{live_server}/casemodelview/show/{case_id}")
    assert number in page.inner_text("h1")
    _shot(page, "case-page")
    page.click("a[href='#plan']")
    _shot(page, "case-page-plan")
    page.click("a[href='#partners']")
    _shot(page, "case-page-partners")

    page.click("a[href='#notes']")
    page.fill("#note-text", "Afspraak met de wijkagent gepland.")
    page.click(".casus-note-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert f"/casemodelview/show/{case_id}" in page.url
    page.click("a[href='#notes']")
    assert "Afspraak met de wijkagent gepland." in page.inner_text("#notes")


def test_duplicate_check_screen(app, page, live_server: str) -> None:
    login(page, live_server, "coordinator")
    page.goto(f"{live_server}/subjectmodelview/add")
    page.fill("#first_name", "KARIM")
    page.fill("#last_name", "benali")
    # Typed key by key: the date picker ignores values set without key events.
    page.click("#date_of_birth")
    page.keyboard.type("1989-03-14")
    page.click("#model_form button[type=submit]")
    page.wait_for_load_state("networkidle")
    panel = page.inner_text("#possible-duplicates")
    assert "Karim Benali" in panel
    assert page.input_value("#date_of_birth") == "1989-03-14"
    _shot(page, "subject-duplicates")
    page.click("#possible-duplicates button[name=confirm_duplicate]")
    page.wait_for_load_state("networkidle")
    assert "/subjectmodelview/add" not in page.url
