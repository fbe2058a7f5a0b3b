"""The case page and the conference agenda lead to their print forms, for those who may print."""

from __future__ import annotations

from tests.test_reports import case_id_of, planned_conference_id


def test_case_page_links_to_the_dossier_form_for_the_coordinator(app, browser) -> None:
    case_id = case_id_of(app, "Benali")
    page = browser.login("coordinator").get(f"/casemodelview/show/{case_id}")
    assert page.status_code == 200
    assert f'href="/print/dossier/{case_id}"' in page.text
    assert "Dossier afdrukken" in page.text
    assert browser.get(f"/print/dossier/{case_id}").status_code == 200


def test_partner_case_page_has_no_print_link(app, browser) -> None:
    case_id = case_id_of(app, "Benali")
    page = browser.login("jongerenwerk").get(f"/casemodelview/show/{case_id}")
    assert page.status_code == 200
    assert "/print/dossier/" not in page.text


def test_agenda_page_links_to_the_agenda_print_form(app, browser) -> None:
    conference_id = planned_conference_id(app)
    page = browser.login("coordinator").get(f"/conferenceagenda/{conference_id}")
    assert page.status_code == 200
    assert f'href="/print/agenda/{conference_id}"' in page.text
    assert "Agenda afdrukken" in page.text
