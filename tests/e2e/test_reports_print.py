"""Printing a dossier in the browser: the form, a refused empty purpose, the download."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import CaseSubject, Subject
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_coordinator_prints_a_dossier_from_the_form(app, live_server, page, tmp_path):
    with app.app_context(), system_access("test set-up"):
        case_id = db.session.query(CaseSubject.case_id).join(Subject).filter(
            Subject.last_name == "Ødegård").scalar()
    login(page, live_server, "coordinator")
    page.goto(f"{live_server}/print/dossier/{case_id}")
    assert page.locator(".casus-print .panel-title").inner_text().startswith("Dossier afdrukken")
    page.uncheck("input[value=notes]")
    page.click("button[type=submit]")
    # The empty purpose is refused next to the field; the choice of sections is kept.
    assert page.locator(".has-error .casus-field-error").inner_text() == (
        "Vermeld het doel van deze afdruk.")
    assert not page.is_checked("input[value=notes]")
    page.screenshot(path=str(tmp_path / "print-form.png"), full_page=True)
    page.fill("textarea[name=purpose]", "Overdracht aan de nieuwe casusregisseur")
    with page.expect_download() as info:
        page.click("button[type=submit]")
    download = info.value
    assert download.suggested_filename.startswith("dossier-CR-")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(
        open(download.path(), "rb").read())).pages)
    assert "Zoë Ødegård" in text
    assert "Overdracht aan de nieuwe casusregisseur" in text
    assert "Aantekeningen" not in text
