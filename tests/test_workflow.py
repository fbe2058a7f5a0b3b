"""A signal's whole way through the process, as the demo coordinator does it on screen."""

from __future__ import annotations

import datetime as dt

from casusregie.app import clock
from casusregie.app.models import (
    ActionPlan,
    AgendaItem,
    Case,
    CaseConference,
    CasusUser,
    Decision,
    Intervention,
    InterventionStatus,
    InterventionType,
    Signal,
)
from casusregie.app.workflow import add_years
from tests.support import Browser
from tests.workflow_support import (
    TODAY,
    case_state,
    decide,
    decision_form,
    iso,
    org_ids,
    read,
    risk_group_id,
    signal_id,
)


def _expected_next_number(app) -> str:
    def _next(s):
        year = TODAY.year
        last = max((c.sequence for c in s.query(Case).filter_by(year=year)), default=0)
        return f"CR-{year}-{last + 1:04d}"
    return read(app, _next)


def _type_id(app, name: str) -> str:
    return read(app, lambda s: str(s.query(InterventionType).filter_by(name=name).one().id))


def _user_id(app, username: str) -> int:
    return read(app, lambda s: s.query(CasusUser).filter_by(username=username).one().id)


def test_signal_to_closure_and_reopening(app, browser: Browser) -> None:
    browser.login("coordinator")
    sid = signal_id(app, last_name="El Amrani")
    expected_number = _expected_next_number(app)

    # 1. The signal waits for weighing.
    waiting = browser.get("/signalworkflow/")
    assert waiting.status_code == 200
    assert "El Amrani" in waiting.text

    # 2. The weighing team includes it: a case with the next number, phase conference.
    weigh = browser.submit(f"/signalworkflow/{sid}/weigh", decision_form(
        app, outcome="include", weighed_on=iso(TODAY), risk_group=risk_group_id(app, 3),
        lead_organisation=org_ids(app, "Gemeente")[0],
        organisations=org_ids(app, "Gemeente", "Politie", "Openbaar"),
        participants="Weegploeg: gemeente, politie, OM",
        reasons="Meerdere bronnen bevestigen de zorg; opnemen in de aanpak."))
    assert weigh.status_code == 302, weigh.text

    def _created(s):
        signal = s.get(Signal, sid)
        case = signal.case
        decisions = s.query(Decision).filter(
            (Decision.signal_id == sid) | (Decision.case_id == case.id)).all()
        return (case.id, case.number, str(case.phase), [x.last_name for x in case.subjects],
                str(signal.status), case.risk_group.number, case.lead_organisation.name,
                sorted((str(d.kind), d.decided_by.username,
                        sorted(o.name.split()[0] for o in d.organisations))
                       for d in decisions))
    cid, number, phase, subjects, status, group, lead, decisions = read(app, _created)
    assert weigh.headers["Location"].endswith(f"/casemodelview/show/{cid}")
    assert number == expected_number
    assert (phase, subjects, status, group) == ("conference", ["El Amrani"], "weighed", 3)
    assert lead.startswith("Gemeente")
    assert decisions == [
        ("inclusion", "coordinator", ["Gemeente", "Openbaar", "Politie"]),
        ("weighing", "coordinator", ["Gemeente", "Openbaar", "Politie"]),
    ]

    # 3. A conference is planned; its agenda proposes the new case by itself.
    held_on = dt.datetime.combine(TODAY + dt.timedelta(days=3), dt.time(13, 30))
    planned = browser.submit("/caseconferencemodelview/add", {
        "held_on": held_on.strftime("%Y-%m-%d %H:%M:%S"), "location": "Stadhuis 3.14",
        "status": "planned", "notes": ""})
    assert planned.status_code == 302, planned.text
    conf_id, item_id = read(app, lambda s: (
        s.query(CaseConference).filter_by(held_on=clock.from_local_input(held_on)).one().id,
        s.query(AgendaItem).join(CaseConference)
        .filter(CaseConference.held_on == clock.from_local_input(held_on),
                AgendaItem.case_id == cid).one().id))
    agenda = browser.get(f"/conferenceagenda/{conf_id}")
    assert agenda.status_code == 200
    assert number in agenda.text
    assert "evaluatie is aan de beurt" in agenda.text

    # 4. The conference discusses it: plan, director, next review; the case is monitored.
    review = TODAY + dt.timedelta(days=42)
    recorded = decide(browser, f"/conferenceagenda/{conf_id}/item/{item_id}", decision_form(
        app, notes="Eerste bespreking; mentor en gezinsgesprek afgesproken.",
        review_date=iso(review), to_monitoring="y",
        case_director=str(_user_id(app, "regisseur")),
        action_plan="Hij maakt zijn opleiding af en heeft een vaste mentor.",
        intervention_type=_type_id(app, "Mentortraject"),
        reasons="Duiding gedeeld; plan van aanpak vastgesteld."))
    assert recorded.status_code == 302, recorded.text
    state = case_state(app, cid)
    assert state["phase"] == "monitoring"
    assert state["review_date"] == review
    assert state["director"] == _user_id(app, "regisseur")

    def _conference(s):
        item = s.get(AgendaItem, item_id)
        plan = s.query(ActionPlan).filter_by(case_id=cid, current=True).one()
        decision = s.query(Decision).filter_by(agenda_item_id=item_id).one()
        return (item.discussed, item.next_review_date, item.notes, plan.version_number,
                plan.description, str(decision.kind), decision.from_phase, decision.to_phase)
    assert read(app, _conference) == (
        True, review, "Eerste bespreking; mentor en gezinsgesprek afgesproken.", 1,
        "Hij maakt zijn opleiding af en heeft een vaste mentor.", "conference",
        "conference", "monitoring")
    agenda = browser.get(f"/conferenceagenda/{conf_id}")
    assert "Duiding gedeeld; plan van aanpak vastgesteld." in agenda.text

    # 5. The intervention agreed in the conference is planned for its partner, who
    #    starts it (the partner's own screen is another area: here through the model).
    def _interventions(s):
        return [(i.type.name, i.organisation.name.split()[0], str(i.status))
                for i in s.query(Intervention).filter_by(case_id=cid)]
    assert read(app, _interventions) == [("Mentortraject", "Jongerenwerk", "planned")]

    def _start(s):
        intervention = s.query(Intervention).filter_by(case_id=cid).one()
        intervention.status = InterventionStatus.active
        intervention.start_date = TODAY
        s.commit()
    read(app, _start)
    assert read(app, _interventions) == [("Mentortraject", "Jongerenwerk", "active")]

    # 6. Escalate, then de-escalate again.
    up = decide(browser, f"/caseworkflow/{cid}/escalate", decision_form(
        app, reasons="Contact met ronselaar gemeld; toezicht verscherpen."))
    assert up.status_code == 302, up.text
    assert case_state(app, cid)["level"] == 2
    down = decide(browser, f"/caseworkflow/{cid}/de_escalate", decision_form(
        app, reasons="Contact verbroken; terug naar het gewone toezicht."))
    assert down.status_code == 302, down.text
    assert case_state(app, cid)["level"] == 1

    # 7. Close with a reason: the retention clock starts (5 years by default).
    closed = decide(browser, f"/caseworkflow/{cid}/close", decision_form(
        app, close_reason="goals_met", reasons="Doelen behaald; geen zorgen meer.",
        confirm_open_items="y", open_items_reason="Het plan loopt bij de partners door."))
    assert closed.status_code == 302, closed.text
    state = case_state(app, cid)
    assert state["phase"] == "closed"
    assert state["close_reason"] == "goals_met"
    assert state["closed_at"].date() == dt.datetime.now(dt.UTC).date()
    assert state["retention_until"] == add_years(state["closed_at"].date(), 5)
    assert state["review_date"] is None

    # 8. Reopen: back to monitoring, the retention clock stops.
    reopened = decide(browser, f"/caseworkflow/{cid}/reopen", decision_form(
        app, review_date=iso(TODAY + dt.timedelta(days=14)),
        reasons="Nieuwe signalen; opnieuw bespreken."))
    assert reopened.status_code == 302, reopened.text
    state = case_state(app, cid)
    assert (state["phase"], state["closed_at"], state["close_reason"],
            state["retention_until"]) == ("monitoring", None, None, None)

    # Every step is a decision on the case's timeline, with who, why and which phases.
    timeline = read(app, lambda s: [
        (str(d.kind), d.from_phase, d.to_phase, d.decided_by.username, bool(d.reasons))
        for d in s.query(Decision).filter_by(case_id=cid).order_by(Decision.id)])
    assert timeline == [
        ("inclusion", None, "conference", "coordinator", True),
        ("conference", "conference", "monitoring", "coordinator", True),
        ("escalation", "monitoring", "monitoring", "coordinator", True),
        ("de_escalation", "monitoring", "monitoring", "coordinator", True),
        ("closure", "monitoring", "closed", "coordinator", True),
        ("reopening", "closed", "monitoring", "coordinator", True),
    ]


def test_not_included_signal_gets_the_short_retention(app, browser: Browser) -> None:
    browser.login("politie")
    sid = signal_id(app, last_name="El Amrani")
    resp = browser.submit(f"/signalworkflow/{sid}/weigh", decision_form(
        app, outcome="regular_care", weighed_on=iso(TODAY),
        reasons="Zorgen passen bij de reguliere jeugdhulp."))
    assert resp.status_code == 302, resp.text
    state = read(app, lambda s: (str(s.get(Signal, sid).status),
                                 s.get(Signal, sid).retention_until, s.get(Signal, sid).case_id))
    assert state == ("weighed", add_years(TODAY, 1), None)


def test_more_information_keeps_the_signal_open_for_a_new_weighing(app, browser) -> None:
    browser.login("om")
    sid = signal_id(app, last_name="El Amrani")
    first = browser.submit(f"/signalworkflow/{sid}/weigh", decision_form(
        app, outcome="more_information", weighed_on=iso(TODAY),
        reasons="Eerst navraag bij school en wijkagent."))
    assert first.status_code == 302, first.text
    assert read(app, lambda s: str(s.get(Signal, sid).status)) == "received"
    second = browser.submit(f"/signalworkflow/{sid}/weigh", decision_form(
        app, outcome="no_action", weighed_on=iso(TODAY),
        reasons="Navraag wijst uit dat er geen zorgen zijn."))
    assert second.status_code == 302, second.text
    outcomes = read(app, lambda s: [str(w.outcome) for w in s.get(Signal, sid).weighings])
    assert sorted(outcomes) == ["more_information", "no_action"]


def test_retention_is_configurable_per_close_reason(app, browser: Browser) -> None:
    from tests.workflow_support import case_with

    cid = case_with(app, last_name="Verhoef")
    app.config["CASUS_RETENTION_YEARS_BY_REASON"] = {"deceased": 2}
    try:
        browser.login("coordinator")
        resp = decide(browser, f"/caseworkflow/{cid}/close", decision_form(
            app, close_reason="deceased", reasons="Betrokkene is overleden.",
            confirm_open_items="y", open_items_reason="Betrokkene is overleden."))
        assert resp.status_code == 302, resp.text
    finally:
        app.config.pop("CASUS_RETENTION_YEARS_BY_REASON")
    state = case_state(app, cid)
    assert state["retention_until"] == add_years(state["closed_at"].date(), 2)
