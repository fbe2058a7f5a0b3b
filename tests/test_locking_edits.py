"""Two people editing the same case or intervention: the later, stale save is refused."""

from __future__ import annotations

import datetime as dt
import re

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Case, CasePhase, Intervention
from tests.support import Browser, csrf_token


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no hidden field {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1).replace("&#34;", '"').replace("&quot;", '"') if value else ""


def _open_form(browser: Browser, url: str) -> dict:
    """What a browser holds after opening the edit form: token, version, snapshot."""
    html = browser.get(url).text
    return {"csrf_token": csrf_token(html), "edit_version": _hidden(html, "edit_version"),
            "edit_snapshot": _hidden(html, "edit_snapshot")}


def _monitoring_case(app) -> tuple[int, int, int]:
    with app.app_context(), system_access("test"):
        case = db.session.query(Case).filter(Case.phase == CasePhase.monitoring).first()
        return case.id, case.risk_group_id, case.lead_organisation_id


def test_stale_case_edit_is_refused_and_both_versions_survive(app) -> None:
    case_id, risk_group_id, lead_id = _monitoring_case(app)
    url = f"/casemodelview/edit/{case_id}"
    anna = Browser(app).login("coordinator")
    rana = Browser(app).login("regisseur")
    annas_form = _open_form(anna, url)
    assert annas_form["edit_version"]

    first = rana.post(url, {**_open_form(rana, url), "risk_group": str(risk_group_id),
                            "lead_organisation": str(lead_id), "case_director": "",
                            "review_date": "2026-12-24", "summary": "Samenvatting van Rana"},
                      follow_redirects=False)
    assert first.status_code == 302

    second = anna.post(url, {**annas_form, "risk_group": str(risk_group_id),
                             "lead_organisation": str(lead_id), "case_director": "",
                             "review_date": "2027-01-15", "summary": "Samenvatting van Anna"})
    assert second.status_code == 200
    text = second.text
    assert "Iemand anders heeft dit record opgeslagen" in text
    # The message names what changed and its new value.
    assert "Evaluatiedatum: 24 dec 2026" in text  # written as the screens write dates
    assert "Samenvatting: Samenvatting van Rana" in text
    # Anna's input is still in the form.
    assert "Samenvatting van Anna" in text
    assert 'value="2027-01-15"' in text
    with app.app_context(), system_access("test"):
        case = db.session.get(Case, case_id)
        assert case.summary == "Samenvatting van Rana"
        assert case.review_date == dt.date(2026, 12, 24)

    # Having seen the message, Anna can deliberately save her version.
    third = anna.post(url, {"csrf_token": annas_form["csrf_token"],
                            "edit_version": _hidden(text, "edit_version"),
                            "edit_snapshot": _hidden(text, "edit_snapshot"),
                            "risk_group": str(risk_group_id), "lead_organisation": str(lead_id),
                            "case_director": "", "review_date": "2027-01-15",
                            "summary": "Samenvatting van Anna"}, follow_redirects=False)
    assert third.status_code == 302
    with app.app_context(), system_access("test"):
        assert db.session.get(Case, case_id).summary == "Samenvatting van Anna"


def test_stale_intervention_edit_is_refused(app) -> None:
    with app.app_context(), system_access("test"):
        intervention = db.session.query(Intervention).first()
        pk = intervention.id
    url = f"/interventionmodelview/edit/{pk}"
    first_user = Browser(app).login("coordinator")
    second_user = Browser(app).login("regisseur")
    stale = _open_form(first_user, url)
    saved = second_user.post(url, {**_open_form(second_user, url), "status": "completed",
                                   "start_date": "2026-01-05", "end_date": "2026-02-01",
                                   "outcome": "Afgerond", "goal": ""}, follow_redirects=False)
    assert saved.status_code == 302
    refused = first_user.post(url, {**stale, "status": "stopped", "start_date": "2026-01-05",
                                    "end_date": "", "outcome": "Gestopt", "goal": ""})
    assert refused.status_code == 200
    assert "Status: Afgerond" in refused.text
    assert "Gestopt" in refused.text
    with app.app_context(), system_access("test"):
        saved_row = db.session.get(Intervention, pk)
        assert saved_row.outcome == "Afgerond"
        assert saved_row.status.value == "completed"


def test_edit_without_a_version_is_refused(app) -> None:
    case_id, risk_group_id, lead_id = _monitoring_case(app)
    url = f"/casemodelview/edit/{case_id}"
    browser = Browser(app).login("coordinator")
    token = csrf_token(browser.get(url).text)
    resp = browser.post(url, {"csrf_token": token, "risk_group": str(risk_group_id),
                              "lead_organisation": str(lead_id), "summary": "Zonder versie"})
    assert resp.status_code == 200
    with app.app_context(), system_access("test"):
        assert db.session.get(Case, case_id).summary != "Zonder versie"
