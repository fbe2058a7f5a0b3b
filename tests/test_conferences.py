"""Case conferences: the proposed agenda, cases added by hand, decisions per agenda item."""

from __future__ import annotations

import datetime as dt

import pytest

from casusregie.app import clock, workflow
from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import (
    AgendaItem,
    Case,
    CaseConference,
    CasusUser,
    Decision,
    Organisation,
    OrganisationKind,
    RiskGroup,
    Subject,
    SubjectKind,
)
from tests.support import Browser, count_queries, csrf_token
from tests.workflow_support import (
    TODAY,
    case_state,
    case_with,
    conference_id,
    decide,
    decision_form,
    error_next_to,
    field_value,
    iso,
    read,
)


def _plan(browser: Browser, app, days_ahead: int) -> int:
    held_on = dt.datetime.combine(TODAY + dt.timedelta(days=days_ahead), dt.time(9, 0))
    resp = browser.submit("/caseconferencemodelview/add", {
        "held_on": held_on.strftime("%Y-%m-%d %H:%M:%S"), "location": "Stadhuis",
        "status": "planned", "notes": ""})
    assert resp.status_code == 302, resp.text
    stored = clock.from_local_input(held_on)  # typed in Amsterdam time, stored in UTC
    return read(app, lambda s: s.query(CaseConference).filter_by(held_on=stored).one().id)


def _agenda(app, conf_id: int) -> list[tuple[str, str]]:
    return read(app, lambda s: [
        (i.case.subjects[0].last_name, str(i.source))
        for i in s.query(AgendaItem).filter_by(conference_id=conf_id)
        .order_by(AgendaItem.position)])


def _number(app, last_name: str) -> str:
    cid = case_with(app, last_name=last_name)
    return read(app, lambda s: s.get(Case, cid).number)


@pytest.fixture()
def coordinator(browser: Browser) -> Browser:
    return browser.login("coordinator")


def test_planning_proposes_the_cases_due_for_review(app, coordinator) -> None:
    # Demo review dates: Benali (returnee) 3 days ago, the family in 10 days, Verhoef in
    # 40, the group in 60; Ødegård awaits her first conference; one case is closed.
    conf_id = _plan(coordinator, app, 45)
    proposed = _agenda(app, conf_id)
    assert sorted(name for name, _ in proposed) == [
        "Benali", "Benali", "Verhoef", "Ødegård"]
    assert {source for _, source in proposed} == {"review_due"}
    # Proposing again adds nothing: a case is on an agenda once.
    token = csrf_token(coordinator.get(f"/conferenceagenda/{conf_id}").text)
    again = coordinator.post(f"/conferenceagenda/{conf_id}/propose", {"csrf_token": token})
    assert again.status_code == 302
    assert _agenda(app, conf_id) == proposed


def test_add_a_case_by_hand_once(app, coordinator) -> None:
    conf_id = _plan(coordinator, app, 1)
    before = _agenda(app, conf_id)
    group_number = read(app, lambda s: next(
        c.number for c in s.query(Case) if c.subjects[0].kind == SubjectKind.group))
    added = coordinator.submit(f"/conferenceagenda/{conf_id}", {"case_number": group_number},
                               post_url=f"/conferenceagenda/{conf_id}/add")
    assert added.status_code == 302, added.text
    after = _agenda(app, conf_id)
    assert after == [*before, ("Groep 'Oostpoort'", "manual")]
    page = coordinator.get(f"/conferenceagenda/{conf_id}")
    assert group_number in page.text
    assert "handmatig toegevoegd" in page.text

    twice = coordinator.submit(f"/conferenceagenda/{conf_id}", {"case_number": group_number},
                               post_url=f"/conferenceagenda/{conf_id}/add")
    assert error_next_to(twice.text, "case_number", "Deze casus staat al op de agenda.")
    assert field_value(twice.text, "case_number") == group_number
    assert _agenda(app, conf_id) == after


@pytest.mark.parametrize(("number", "message"), [
    ("CR-1999-0001", "Er bestaat geen casus met dit nummer."),
    ("closed", "Alleen open casussen kunnen op de agenda worden gezet."),
])
def test_adding_a_wrong_case_is_refused(app, coordinator, number: str, message: str) -> None:
    if number == "closed":
        cid = case_with(app, phase="closed")
        number = read(app, lambda s: s.get(Case, cid).number)
    conf_id = _plan(coordinator, app, 1)
    before = _agenda(app, conf_id)
    resp = coordinator.submit(f"/conferenceagenda/{conf_id}", {"case_number": number},
                              post_url=f"/conferenceagenda/{conf_id}/add")
    assert error_next_to(resp.text, "case_number", message), resp.text
    assert _agenda(app, conf_id) == before


def test_agenda_of_a_held_conference_is_closed(app, coordinator) -> None:
    conf_id = conference_id(app, "held")
    before = _agenda(app, conf_id)
    page = coordinator.get(f"/conferenceagenda/{conf_id}")
    assert 'id="case_number"' not in page.text
    resp = coordinator.post(f"/conferenceagenda/{conf_id}/add", {
        "csrf_token": csrf_token(coordinator.get("/caseconferencemodelview/add").text),
        "case_number": _number(app, "Ødegård")})
    assert "De agenda van een casusoverleg dat niet meer gepland is" in resp.text
    assert _agenda(app, conf_id) == before


def test_recording_a_review_updates_the_case(app, coordinator) -> None:
    conf_id = conference_id(app, "planned")
    cid = case_with(app, last_name="Benali")  # the returnee, monitored
    item_id = read(app, lambda s: s.query(AgendaItem).filter_by(
        conference_id=conf_id, case_id=cid).one().id)
    review = TODAY + dt.timedelta(days=90)
    page = coordinator.get(f"/conferenceagenda/{conf_id}/item/{item_id}")
    assert 'id="to_monitoring"' not in page.text  # already monitored
    resp = decide(coordinator, f"/conferenceagenda/{conf_id}/item/{item_id}", decision_form(
        app, notes="Voortgang besproken.", review_date=iso(review),
        reasons="Toezicht loopt goed; over drie maanden opnieuw bespreken."))
    assert resp.status_code == 302, resp.text
    state = case_state(app, cid)
    assert (state["phase"], state["review_date"]) == ("monitoring", review)
    assert read(app, lambda s: (s.get(AgendaItem, item_id).discussed,
                                s.get(AgendaItem, item_id).next_review_date,
                                [str(d.kind) for d in s.query(Decision)
                                 .filter_by(agenda_item_id=item_id)])) == (
        True, review, ["conference"])


def test_conference_can_keep_a_new_case_in_the_conference_phase(app, coordinator) -> None:
    conf_id = conference_id(app, "planned")
    cid = case_with(app, last_name="Ødegård")
    item_id = read(app, lambda s: s.query(AgendaItem).filter_by(
        conference_id=conf_id, case_id=cid).one().id)
    resp = decide(coordinator, f"/conferenceagenda/{conf_id}/item/{item_id}", decision_form(
        app, review_date=iso(TODAY + dt.timedelta(days=14)),
        reasons="Eerst meer informatie van school; volgende keer plan van aanpak."))
    # Unchecking "move to monitoring" is sending no value for the checkbox.
    assert resp.status_code == 302, resp.text
    assert case_state(app, cid)["phase"] == "conference"


def test_recording_without_review_date_is_refused(app, coordinator) -> None:
    conf_id = conference_id(app, "planned")
    cid = case_with(app, last_name="Ødegård")
    item_id = read(app, lambda s: s.query(AgendaItem).filter_by(
        conference_id=conf_id, case_id=cid).one().id)
    before = case_state(app, cid)
    resp = decide(coordinator, f"/conferenceagenda/{conf_id}/item/{item_id}", decision_form(
        app, notes="Aantekeningen blijven bewaard.", review_date="", to_monitoring="y"))
    assert error_next_to(resp.text, "review_date", "Geef de volgende evaluatiedatum.")
    assert field_value(resp.text, "notes") == "Aantekeningen blijven bewaard."
    assert case_state(app, cid) == before
    assert read(app, lambda s: s.get(AgendaItem, item_id).discussed) is False


def test_partners_cannot_see_or_change_the_agenda(app, browser: Browser) -> None:
    conf_id = conference_id(app, "planned")
    before = _agenda(app, conf_id)
    browser.login("ggd")
    page = browser.get(f"/conferenceagenda/{conf_id}")
    assert page.status_code in (302, 403)
    token = csrf_token(browser.get("/resetmypassword/form").text)
    resp = browser.post(f"/conferenceagenda/{conf_id}/add",
                        {"csrf_token": token, "case_number": _number(app, "Verhoef")})
    assert resp.status_code in (302, 403)
    assert _agenda(app, conf_id) == before


def test_core_partner_reads_the_agenda_but_does_not_change_it(app, browser: Browser) -> None:
    conf_id = conference_id(app, "planned")
    before = _agenda(app, conf_id)
    browser.login("politie")
    assert browser.get(f"/conferenceagenda/{conf_id}").status_code == 200
    token = csrf_token(browser.get(f"/conferenceagenda/{conf_id}").text)
    resp = browser.post(f"/conferenceagenda/{conf_id}/add",
                        {"csrf_token": token, "case_number": _number(app, "Verhoef")})
    assert resp.status_code in (302, 403)
    assert _agenda(app, conf_id) == before


def _add_cases_to_agenda(app, conf_id: int, count: int) -> None:
    """New included cases through the workflow, each with a decision, on the agenda."""
    with app.app_context(), system_access("test data"):
        user = db.session.query(CasusUser).filter_by(username="coordinator").one()
        lead = db.session.query(Organisation).filter(
            Organisation.name.startswith("Gemeente")).one()
        group = db.session.query(RiskGroup).filter_by(number=4).one()
        conference = db.session.get(CaseConference, conf_id)
        for n in range(count):
            subject = Subject(kind=SubjectKind.person, first_name="Test", last_name=f"Nr{n}",
                              date_of_birth=dt.date(2000, 1, 1 + n))
            signal = workflow.register_signal(user, reporter_kind=OrganisationKind.police,
                                              concern="Zorgen.", subject=subject)
            result = workflow.weigh_signal(
                user, signal, outcome=workflow.WeighingOutcome.include, weighed_on=TODAY,
                decision=workflow.DecisionInput("Opnemen.", "Weegploeg", [lead]),
                risk_group=group, lead_organisation=lead)
            item = AgendaItem(conference=conference, case=result.case, position=100 + n)
            db.session.add(item)
            db.session.flush()
            workflow.discuss_in_conference(
                user, result.case, agenda_item=item, review_date=TODAY + dt.timedelta(days=9),
                decision=workflow.DecisionInput("Besproken.", "Casusoverleg", [lead]))
        db.session.commit()


def test_agenda_page_queries_do_not_grow_with_the_agenda(app, coordinator) -> None:
    conf_id = conference_id(app, "planned")
    _add_cases_to_agenda(app, conf_id, 2)
    coordinator.get(f"/conferenceagenda/{conf_id}")  # warm caches (permissions, menu)
    with count_queries(app) as small:
        assert coordinator.get(f"/conferenceagenda/{conf_id}").status_code == 200
    _add_cases_to_agenda(app, conf_id, 10)
    with count_queries(app) as large:
        page = coordinator.get(f"/conferenceagenda/{conf_id}")
    assert page.status_code == 200
    assert page.text.count('class="agenda-decision"') >= 12
    assert len(large) == len(small), "\n".join(large)


def test_registering_a_past_conference_proposes_no_agenda(app, coordinator) -> None:
    held_on = dt.datetime.combine(TODAY - dt.timedelta(days=10), dt.time(9, 0))
    resp = coordinator.submit("/caseconferencemodelview/add", {
        "held_on": held_on.strftime("%Y-%m-%d %H:%M:%S"), "location": "Stadhuis",
        "status": "held", "notes": "Achteraf vastgelegd."})
    assert resp.status_code == 302, resp.text
    stored = clock.from_local_input(held_on)
    conf_id = read(app, lambda s: s.query(CaseConference).filter_by(held_on=stored).one().id)
    assert _agenda(app, conf_id) == []
