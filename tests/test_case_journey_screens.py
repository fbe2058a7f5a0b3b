"""The coordinator's and director's work on the screens, as the demo users do it: the
eligible director as a recorded decision, admissions on the case page, the closure
checklist, agreed plugin interventions, the conference page and the start pages."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from casusregie.app import workflow
from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import (
    Case,
    CaseAdmission,
    CaseConference,
    CasusUser,
    Decision,
    DecisionKind,
)
from casusregie.app.views import home
from tests.support import Browser
from tests.workflow_support import (
    TODAY,
    case_state,
    case_with,
    decide,
    decision_form,
    error_next_to,
    read,
)

# Single-threaded, no connections of its own: rolled back instead of a fresh copy.
pytestmark = pytest.mark.rollback

NOT_ELIGIBLE = ("privacy", "beheerder", "management", "ggd", "politie")


def _user_id(app, username: str) -> int:
    return read(app, lambda s: s.query(CasusUser.id).filter_by(username=username).scalar())


def _options(page: str, select_id: str) -> dict[str, str]:
    block = re.search(rf'<select[^>]*id="{select_id}".*?</select>', page, re.S)
    assert block, select_id
    return {value: html.unescape(label) for value, label in
            re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', block.group(0))}


def test_only_users_who_can_direct_are_offered_and_accepted(app, browser: Browser) -> None:
    cid = case_with(app, last_name="Verhoef")
    browser.login("coordinator")
    for url in (f"/caseworkflow/{cid}/director", f"/caseworkflow/{cid}/conference"):
        offered = _options(browser.get(url).text, "case_director")
        assert str(_user_id(app, "regisseur")) in offered, url
        assert str(_user_id(app, "coordinator")) in offered, url
        for username in NOT_ELIGIBLE:
            assert str(_user_id(app, username)) not in offered, (url, username)
    # The searchable picker (conference chair, search form) offers the same users.
    found = browser.get("/lookup/case_director?q=Priya").json
    assert found["results"] == []

    before = case_state(app, cid)
    refused = decide(browser, f"/caseworkflow/{cid}/director", decision_form(
        app, case_director=str(_user_id(app, "privacy")), reasons="Privacy regisseert."))
    assert refused.status_code == 200
    assert case_state(app, cid) == before
    # The service refuses them too, whatever calls it.
    with app.app_context(), system_access("test"):
        coordinator = db.session.query(CasusUser).filter_by(username="coordinator").one()
        privacy = db.session.query(CasusUser).filter_by(username="privacy").one()
        with pytest.raises(workflow.WorkflowError) as error:
            workflow.appoint_director(coordinator, db.session.get(Case, cid), director=privacy,
                                      decision=workflow.DecisionInput(
                                          "Redenen", "Deelnemers", [coordinator.organisation]))
        assert error.value.field == "case_director"
        db.session.rollback()


def test_appointing_a_director_is_a_recorded_decision(app, browser: Browser) -> None:
    cid = case_with(app, last_name="Verhoef")
    browser.login("coordinator")
    # The case's own edit form no longer changes the director behind the process's back.
    assert 'id="case_director"' not in browser.get(f"/casemodelview/edit/{cid}").text
    assert f"/caseworkflow/{cid}/director" in browser.get(f"/casemodelview/show/{cid}").text
    coordinator_id = _user_id(app, "coordinator")
    resp = decide(browser, f"/caseworkflow/{cid}/director", decision_form(
        app, case_director=str(coordinator_id), body="coordinator",
        reasons="De regisseur is met verlof; de coördinator neemt de regie over."))
    assert resp.status_code == 302, resp.text

    def _state(s):
        case = s.get(Case, cid)
        last = (s.query(Decision).filter(Decision.case_id == cid)
                .order_by(Decision.id.desc()).first())
        return case.case_director_id, last.kind, last.reasons, last.decided_by.username
    director, kind, reasons, by = read(app, _state)
    assert (director, kind, by) == (coordinator_id, DecisionKind.director, "coordinator")
    assert reasons.startswith("De regisseur is met verlof")
    page = browser.get(f"/casemodelview/show/{cid}").text
    assert "Aanstelling van de casusregisseur" in page


def test_closing_with_open_items_needs_confirmation_and_a_reason(app, browser: Browser) -> None:
    cid = case_with(app, last_name="Verhoef")
    before = case_state(app, cid)
    browser.login("coordinator")
    form = browser.get(f"/caseworkflow/{cid}/close").text
    checklist = form[form.index('id="closure-checklist"'):]
    assert "Openstaande doelen" in checklist and "Lopende toelatingen" in checklist
    with app.app_context(), system_access("test"):
        open_items = workflow.closure_checklist(db.session.get(Case, cid))
        assert open_items.has_open_items
        for goal in open_items.open_goals:
            assert html.escape(goal.description, quote=False) in checklist

    url = f"/caseworkflow/{cid}/close"
    plain = decision_form(app, close_reason="goals_met", reasons="Doelen behaald.")
    unconfirmed = decide(browser, url, plain)
    assert error_next_to(unconfirmed.text, "confirm_open_items",
                         "bevestig dat de casus toch wordt afgesloten")
    no_reason = decide(browser, url, {**plain, "confirm_open_items": "y"})
    assert error_next_to(no_reason.text, "open_items_reason",
                         "Geef aan waarom de casus wordt afgesloten")
    assert case_state(app, cid) == before

    closed = decide(browser, url, {**plain, "confirm_open_items": "y",
                                   "open_items_reason": "Nazorg loopt buiten de aanpak."})
    assert closed.status_code == 302, closed.text
    reasons = read(app, lambda s: s.query(Decision.reasons).filter(
        Decision.case_id == cid, Decision.kind == DecisionKind.closure).scalar())
    assert "Nazorg loopt buiten de aanpak." in reasons
    # Reopening asks for the review date it requires, and marks it.
    reopen = browser.get(f"/caseworkflow/{cid}/reopen").text
    assert re.search(r'<label for="review_date"[^>]*>\s*Volgende evaluatiedatum\s*'
                     r'<strong[^>]*>&#42;</strong>', reopen)


def test_escalating_says_which_level_follows_and_what_levels_mean(app, browser) -> None:
    cid = case_with(app, last_name="Verhoef")
    level = case_state(app, cid)["level"]
    browser.login("coordinator")
    page = html.unescape(browser.get(f"/caseworkflow/{cid}/escalate").text)
    assert f"van niveau {level} naar niveau {level + 1}" in page
    for number in (1, 2, 3):
        assert f"Niveau {number}:" in page


def test_the_agreed_intervention_lists_the_catalogue_by_domain(app, browser) -> None:
    cid = case_with(app, last_name="Verhoef")
    browser.login("coordinator")
    form = browser.get(f"/caseworkflow/{cid}/conference").text
    groups = re.findall(r'<optgroup label="([^"]+)"', form)
    assert {"Bestuurlijk", "Strafrechtelijk", "Zorg", "Sociaal"} <= set(groups), groups


def test_admissions_are_added_and_ended_on_the_case_page(app, browser: Browser) -> None:
    def _admitted(s):
        adm = (s.query(CaseAdmission).filter(CaseAdmission.ends_on >= TODAY)
               .order_by(CaseAdmission.id).first())
        return adm.id, adm.case_id, adm.organisation.name
    admission_id, cid, organisation = read(app, _admitted)
    browser.login("coordinator")
    page = html.unescape(browser.get(f"/casemodelview/show/{cid}").text)
    tab = page[page.index('id="admissions-table"'):]
    assert organisation in tab
    assert f"/caseadmissionmodelview/add?_flt_0_case={cid}" in page
    # A partner sees the tab but cannot end an admission.
    partner = Browser(app).login("ggd")
    assert partner.post(f"/caseadmissionmodelview/end/{admission_id}").status_code in (302, 400,
                                                                                         403)
    assert read(app, lambda s: s.get(CaseAdmission, admission_id).ends_on) >= TODAY
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    ended = browser.post(f"/caseadmissionmodelview/end/{admission_id}",
                         {"csrf_token": token})
    assert ended.status_code == 302, (ended.status_code, ended.text[-3000:])
    assert f"/casemodelview/show/{cid}" in ended.headers["Location"]
    assert read(app, lambda s: s.get(CaseAdmission, admission_id).ends_on) == \
        TODAY - dt.timedelta(days=1)


def test_a_goal_needs_its_order(app, browser: Browser) -> None:
    from casusregie.app.models import ActionPlan
    plan_id = read(app, lambda s: s.query(ActionPlan.id).filter(
        ActionPlan.current.is_(True)).order_by(ActionPlan.id).first()[0])
    browser.login("coordinator")
    url = f"/goalmodelview/add?_flt_0_action_plan={plan_id}"
    resp = browser.submit(url, {"description": "Een doel zonder volgorde", "status": "open",
                                "position": ""})
    assert resp.status_code == 200
    assert error_next_to(resp.text, "position", "verplicht")


def test_a_planned_conference_opens_on_its_page_with_chair_and_agenda(app, browser) -> None:
    browser.login("coordinator")
    day = TODAY + dt.timedelta(days=5)
    resp = browser.submit("/caseconferencemodelview/add", {
        "held_on": f"{day:%d-%m-%Y} 14:00", "location": "Stadhuis", "status": "planned",
        "notes": ""})
    assert resp.status_code == 302, resp.text
    conference_id = read(app, lambda s: s.query(CaseConference.id)
                         .order_by(CaseConference.id.desc()).first()[0])
    assert resp.headers["Location"].endswith(f"/caseconferencemodelview/show/{conference_id}")
    page = html.unescape(browser.get(resp.headers["Location"]).text)
    assert "Coen de Coördinator" in page and "14:00" in page
    assert 'id="conference-agenda-items"' in page


@pytest.mark.parametrize(("username", "sections"), [
    ("coordinator", ["signals-to-weigh", "cases-without-director", "reviews",
                     "admissions-expiring", "overdue-interventions", "my-cases"]),
    ("regisseur", ["reviews", "my-cases"]),
    ("ggd", ["admitted-cases", "interventions-due"]),
    ("jongerenwerk", ["admitted-cases", "interventions-due"]),
])
def test_each_role_lands_on_its_work(app, browser: Browser, username: str,
                                     sections: list[str]) -> None:
    browser.login(username)
    page = browser.get("/").text
    for section in sections:
        assert f'id="{section}"' in page, section
    if username == "regisseur":
        assert 'id="signals-to-weigh"' not in page
    if username in ("ggd", "jongerenwerk"):
        with app.app_context(), system_access("test"):
            user = db.session.query(CasusUser).filter_by(username=username).one()
            start = home.load_start_page(user)
            admitted = (db.session.query(CaseAdmission)
                        .filter(CaseAdmission.organisation_id == user.organisation_id,
                                CaseAdmission.starts_on <= TODAY,
                                CaseAdmission.ends_on >= TODAY).all())
            assert sorted(a.id for a in start.admissions) == sorted(a.id for a in admitted)
            purposes = [a.purpose for a in admitted]
        text = html.unescape(page)
        for purpose in purposes:
            assert purpose in text


def test_saving_a_new_record_opens_it(app) -> None:
    """Flask-AppBuilder returns to the page before the form (often the start page); a
    new record opens on its own page instead."""
    from casusregie.app.models import Organisation

    admin = Browser(app).login("beheerder")
    admin.get("/")  # the page before the form: where the add form used to return
    resp = admin.submit("/organisationmodelview/add", {
        "name": "Buurtteam Oost", "tier": "case_partner", "kind": "other", "active": "y"})
    assert resp.status_code == 302, resp.text
    pk = read(app, lambda s: s.query(Organisation.id)
              .filter(Organisation.name == "Buurtteam Oost").scalar())
    assert resp.headers["Location"].endswith(f"/organisationmodelview/show/{pk}")
    assert "Buurtteam Oost" in admin.get(resp.headers["Location"]).text
