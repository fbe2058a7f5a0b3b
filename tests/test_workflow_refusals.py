"""Every transition the process refuses: a clear Dutch message, and nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest

from casusregie.app.models import Case
from tests.support import Browser
from tests.workflow_support import (
    TODAY,
    case_state,
    case_with,
    decide,
    decision_form,
    error_next_to,
    field_value,
    iso,
    org_ids,
    read,
    risk_group_id,
    signal_id,
    signal_state,
)

REASONS = "Deze redenen moeten na een foutmelding bewaard blijven."


@pytest.fixture()
def coordinator(browser: Browser) -> Browser:
    return browser.login("coordinator")


def _weigh_data(app, **overrides):
    data = decision_form(app, outcome="include", weighed_on=iso(TODAY),
                         risk_group=risk_group_id(app, 3),
                         lead_organisation=org_ids(app, "Gemeente")[0], reasons=REASONS)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- weighing ----------------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"risk_group": ""}, "risk_group", "Kies de risicogroep van de casus."),
    ({"outcome": ""}, "outcome", "Kies de uitkomst van de weging."),
    ({"weighed_on": ""}, "weighed_on", "Geef de datum van de weging."),
    ({"weighed_on": iso(TODAY + dt.timedelta(days=1))}, "weighed_on",
     "De datum van de weging kan niet in de toekomst liggen."),
    ({"weighed_on": iso(TODAY - dt.timedelta(days=30))}, "weighed_on",
     "De datum van de weging kan niet vóór de ontvangst van het signaal liggen."),
    ({"participants": "  "}, "participants",
     "Vermeld wie aan dit besluit hebben deelgenomen."),
    ({"organisations": None}, "organisations",
     "Kies ten minste één deelnemende organisatie."),
    ({"review_date": iso(TODAY - dt.timedelta(days=1))}, "review_date",
     "De evaluatiedatum kan niet in het verleden liggen."),
    ({"lead_organisation": ""}, "lead_organisation", "Kies de regievoerende organisatie."),
])
def test_weighing_without_required_fields_is_refused(app, coordinator, overrides, field,
                                                     message) -> None:
    sid = signal_id(app, last_name="El Amrani")
    before = signal_state(app, sid)
    resp = coordinator.submit(f"/signalworkflow/{sid}/weigh", _weigh_data(app, **overrides))
    assert resp.status_code == 200
    assert error_next_to(resp.text, field, message), resp.text
    if field != "participants":
        assert field_value(resp.text, "reasons") == REASONS
    assert signal_state(app, sid) == before


def test_weighing_without_reasons_is_refused(app, coordinator) -> None:
    sid = signal_id(app, last_name="El Amrani")
    before = signal_state(app, sid)
    resp = coordinator.submit(f"/signalworkflow/{sid}/weigh",
                              _weigh_data(app, reasons="", participants="Weegploeg OOV"))
    assert error_next_to(resp.text, "reasons", "Geef de redenen voor dit besluit.")
    assert field_value(resp.text, "participants") == "Weegploeg OOV"
    assert signal_state(app, sid) == before


def test_weighing_an_already_weighed_signal_is_refused(app, coordinator) -> None:
    sid = signal_id(app, status="weighed")
    before = signal_state(app, sid)
    page = coordinator.get(f"/signalworkflow/{sid}/weigh")
    assert "Dit signaal is al gewogen." in page.text
    assert 'id="reasons"' not in page.text
    # Posting anyway (an old tab, a crafted request) changes nothing either.
    from tests.support import csrf_token
    token = csrf_token(coordinator.get("/caseconferencemodelview/add").text)
    resp = coordinator.post(f"/signalworkflow/{sid}/weigh",
                            {"csrf_token": token, **_weigh_data(app)})
    assert "Dit signaal is al gewogen." in resp.text
    assert signal_state(app, sid) == before


def test_including_a_signal_without_subject_is_refused(app, coordinator) -> None:
    sid = signal_id(app, anonymous=True)
    before = signal_state(app, sid)
    resp = coordinator.submit(f"/signalworkflow/{sid}/weigh", _weigh_data(app))
    assert "Dit signaal heeft geen betrokkene" in resp.text
    assert field_value(resp.text, "reasons") == REASONS
    assert signal_state(app, sid) == before


def test_weighing_without_csrf_token_is_refused(app, coordinator) -> None:
    sid = signal_id(app, last_name="El Amrani")
    before = signal_state(app, sid)
    resp = coordinator.post(f"/signalworkflow/{sid}/weigh", _weigh_data(app))
    assert resp.status_code in (200, 400)
    assert signal_state(app, sid) == before


# --- transitions on a case ---------------------------------------------------------------

@pytest.mark.parametrize(("action", "message"), [
    ("close", "Deze casus is al afgesloten."),
    ("escalate", "Een afgesloten casus kan niet worden opgeschaald; heropen de casus eerst."),
    ("de_escalate",
     "Een afgesloten casus kan niet worden afgeschaald; heropen de casus eerst."),
    ("conference", "Een afgesloten casus kan niet worden besproken; heropen de casus eerst."),
])
def test_transitions_on_a_closed_case_are_refused(app, coordinator, action, message) -> None:
    cid = case_with(app, phase="closed")
    before = case_state(app, cid)
    page = coordinator.get(f"/caseworkflow/{cid}/{action}")
    assert page.status_code == 200
    assert message in page.text
    assert 'id="reasons"' not in page.text
    from tests.support import csrf_token
    token = csrf_token(coordinator.get("/caseconferencemodelview/add").text)
    resp = coordinator.post(f"/caseworkflow/{cid}/{action}", {
        "csrf_token": token, "version": str(before["version"]),
        **decision_form(app, close_reason="goals_met",
                        review_date=iso(TODAY + dt.timedelta(days=10)))})
    assert message in resp.text
    assert case_state(app, cid) == before


def test_reopening_an_open_case_is_refused(app, coordinator) -> None:
    cid = case_with(app, phase="monitoring")
    before = case_state(app, cid)
    page = coordinator.get(f"/caseworkflow/{cid}/reopen")
    assert "Alleen een afgesloten casus kan worden heropend." in page.text
    from tests.support import csrf_token
    resp = coordinator.post(f"/caseworkflow/{cid}/reopen", {
        "csrf_token": csrf_token(coordinator.get("/caseconferencemodelview/add").text),
        "version": str(before["version"]),
        **decision_form(app, review_date=iso(TODAY + dt.timedelta(days=10)))})
    assert "Alleen een afgesloten casus kan worden heropend." in resp.text
    assert case_state(app, cid) == before


def _set_level(app, cid: int, level: int) -> None:
    def _set(s):
        s.get(Case, cid).escalation_level = level
        s.commit()
    read(app, _set)


@pytest.mark.parametrize(("action", "level", "message"), [
    ("escalate", 3, "De casus staat al op het hoogste opschalingsniveau (3)."),
    ("de_escalate", 1, "De casus staat al op het laagste opschalingsniveau (1)."),
])
def test_escalation_stays_within_bounds(app, coordinator, action, level, message) -> None:
    cid = case_with(app, last_name="Verhoef")
    _set_level(app, cid, level)
    before = case_state(app, cid)
    page = coordinator.get(f"/caseworkflow/{cid}/{action}")
    assert message in page.text
    assert case_state(app, cid) == before


@pytest.mark.parametrize(("action", "overrides", "field", "message"), [
    ("close", {"close_reason": ""}, "close_reason", "Kies de reden om de casus af te sluiten."),
    ("close", {"close_reason": "goals_met", "reasons": ""}, "reasons",
     "Geef de redenen voor dit besluit."),
    ("escalate", {"participants": ""}, "participants",
     "Vermeld wie aan dit besluit hebben deelgenomen."),
    ("de_escalate", {"organisations": None}, "organisations",
     "Kies ten minste één deelnemende organisatie."),
    ("conference", {"review_date": ""}, "review_date", "Geef de volgende evaluatiedatum."),
    ("conference", {"review_date": iso(TODAY - dt.timedelta(days=1))}, "review_date",
     "De evaluatiedatum kan niet in het verleden liggen."),
    ("escalate", {"review_date": iso(TODAY - dt.timedelta(days=1))}, "review_date",
     "De evaluatiedatum kan niet in het verleden liggen."),
    ("conference", {"review_date": iso(TODAY + dt.timedelta(days=9)),
                    "intervention_organisation": "ORG"}, "intervention_type",
     "Kies de interventie die de partner uitvoert."),
])
def test_case_transition_without_required_fields_is_refused(app, coordinator, action,
                                                           overrides, field, message) -> None:
    cid = case_with(app, last_name="Verhoef")
    _set_level(app, cid, 2)
    before = case_state(app, cid)
    if overrides.get("intervention_organisation") == "ORG":
        overrides = {**overrides, "intervention_organisation": org_ids(app, "GGD")[0]}
    data = decision_form(app, **{"reasons": REASONS, **overrides})
    if field == "reasons":
        data["participants"] = "Casusoverleg 12 mei"
    resp = decide(coordinator, f"/caseworkflow/{cid}/{action}", data)
    assert resp.status_code == 200
    assert error_next_to(resp.text, field, message), resp.text
    kept = "participants" if field == "reasons" else "reasons"
    assert field_value(resp.text, kept) in (REASONS, "Casusoverleg 12 mei")
    assert case_state(app, cid) == before


def test_reopening_without_review_date_is_refused(app, coordinator) -> None:
    cid = case_with(app, phase="closed")
    before = case_state(app, cid)
    resp = decide(coordinator, f"/caseworkflow/{cid}/reopen",
                              decision_form(app, reasons=REASONS, review_date=""))
    assert error_next_to(resp.text, "review_date", "Geef de volgende evaluatiedatum.")
    assert field_value(resp.text, "reasons") == REASONS
    assert case_state(app, cid) == before


def test_decision_on_a_stale_page_is_refused(app, coordinator) -> None:
    """Two coordinators open the escalation form; the second submit must not apply blindly."""
    cid = case_with(app, last_name="Verhoef")
    form_page = coordinator.get(f"/caseworkflow/{cid}/escalate")
    from tests.support import csrf_token
    token = csrf_token(form_page.text)
    first = coordinator.post(f"/caseworkflow/{cid}/escalate", {
        "csrf_token": token, "version": str(case_state(app, cid)["version"]),
        **decision_form(app, reasons="Eerste besluit.")})
    assert first.status_code == 302
    after_first = case_state(app, cid)
    stale = coordinator.post(f"/caseworkflow/{cid}/escalate", {
        "csrf_token": token, "version": str(after_first["version"] - 1),
        **decision_form(app, reasons="Tweede besluit op een verouderde pagina.")})
    assert stale.status_code == 200
    assert "Iemand anders heeft deze casus gewijzigd" in stale.text
    assert field_value(stale.text, "reasons") == "Tweede besluit op een verouderde pagina."
    assert case_state(app, cid) == after_first


def test_unknown_case_is_not_found(app, coordinator) -> None:
    assert coordinator.get("/caseworkflow/999999/close").status_code == 404
    assert coordinator.get("/signalworkflow/999999/weigh").status_code == 404
