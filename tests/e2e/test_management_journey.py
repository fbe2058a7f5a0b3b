"""The coordinator's management journey in the browser: filter the dashboard, open a
chart's table, print the management report, export the intervention list to Excel.

Screenshots and the downloaded files are kept in ``CASUS_E2E_ARTEFACTS`` when it is set
(a folder), otherwise in the test's temporary folder.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def _artefacts(tmp_path: Path) -> Path:
    folder = os.environ.get("CASUS_E2E_ARTEFACTS")
    target = Path(folder) if folder else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    return target


def test_coordinator_filters_reads_prints_and_exports(live_server, page, tmp_path):
    out = _artefacts(tmp_path)
    login(page, live_server, "coordinator")
    page.goto(f"{live_server}/management/")
    assert page.locator("#figure-phase h3").inner_text() == "Casussen per fase"
    # Charts are inline SVG drawn on the server, with their title as accessible name.
    assert page.locator("#figure-phase svg title").text_content() == "Casussen per fase"
    page.screenshot(path=str(out / "management-dashboard.png"), full_page=True)

    page.select_option("#mi-risk-group", index=4)   # risk group 4
    page.click("#mi-filters button[type=submit]")
    assert "risk_group=4" in page.url
    assert page.locator("#mi-risk-group option:checked").inner_text().startswith("4.")

    table = page.locator("#figure-phase-table")
    assert not table.is_visible()
    page.click("#figure-phase summary")
    assert table.is_visible()
    total = table.locator("td[data-row='__all__']").inner_text()
    assert total.strip().isdigit() and int(total) >= 1
    page.locator("#figure-phase").screenshot(path=str(out / "management-table-view.png"))

    # An empty purpose is refused next to the field; the filters stay.
    page.click("#mi-report button[type=submit]")
    assert page.locator("#mi-report .casus-field-error").inner_text() == (
        "Vermeld het doel van deze afdruk.")
    assert page.locator("#mi-risk-group option:checked").inner_text().startswith("4.")
    page.fill("#mi-report textarea[name=purpose]", "Kwartaalrapportage aan de raad")
    with page.expect_download() as info:
        page.click("#mi-report button[type=submit]")
    pdf_path = out / "management-report.pdf"
    shutil.copyfile(info.value.path(), pdf_path)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
    assert "Managementrapportage" in text and "VERTROUWELIJK" in text
    assert "Kwartaalrapportage aan de raad" in text

    page.goto(f"{live_server}/interventionmodelview/list/")
    page.click("#casus-export")
    page.uncheck("input[name=columns][value=start_date]")
    page.uncheck("input[name=columns][value=end_date]")
    page.check("input[name=file_format][value=xlsx]")
    page.fill("textarea[name=purpose]", "Controle interventies met de partners")
    page.screenshot(path=str(out / "export-form.png"), full_page=True)
    with page.expect_download() as info:
        page.click("button[type=submit]")
    xlsx_path = out / "interventions.xlsx"
    shutil.copyfile(info.value.path(), xlsx_path)
    sheet = load_workbook(io.BytesIO(xlsx_path.read_bytes()), read_only=True).active
    header = next(sheet.iter_rows(values_only=True))
    assert "Startdatum" not in header and "Einddatum" not in header
    assert header[0] == "Casus"


def test_management_role_sees_figures_only(live_server, page, tmp_path):
    out = _artefacts(tmp_path)
    login(page, live_server, "management")
    page.goto(f"{live_server}/management/")
    assert page.locator(".casus-suppressed").count() > 0
    assert page.locator("text=CR-20").count() == 0
    page.click("#figure-risk_group summary")
    page.screenshot(path=str(out / "management-role-dashboard.png"), full_page=True)
    # The menu offers the dashboard and nothing of the case work.
    assert page.locator("a[href='/casemodelview/list/']").count() == 0
