"""Who may take which decision: each role gets exactly the transitions it is granted."""

from __future__ import annotations

import datetime as dt

import pytest

from casusregie.app import workflow
from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Case, CasusUser, CloseReason
from tests.support import Browser
from tests.workflow_support import (
    TODAY,
    case_state,
    case_with,
    decide,
    decision_form,
    iso,
    org_ids,
    risk_group_id,
    signal_id,
    signal_state,
)

CASE_ACTIONS = ("conference", "escalate", "de_escalate", "close", "reopen")


def _refused(resp) -> bool:
    """Flask-AppBuilder answers a missing permission with a redirect away from the form."""
    return resp.status_code == 403 or (
        resp.status_code == 302 and "/caseworkflow/" not in resp.headers["Location"]
        and "/signalworkflow/" not in resp.headers["Location"])


def _post_with_token(browser: Browser, url: str, data: dict):
    from tests.support import csrf_token

    # A partner cannot open the form, so take a valid token from a page they can see.
    token = csrf_token(browser.get("/resetmypassword/form").text)
    return browser.post(url, {"csrf_token": token, **data})


@pytest.mark.parametrize("username", ["ggd", "jongerenwerk", "privacy", "beheerder"])
@pytest.mark.parametrize("action", CASE_ACTIONS)
def test_partners_cannot_use_case_transitions(app, browser: Browser, username: str,
                                              action: str) -> None:
    cid = case_with(app, phase="closed" if action == "reopen" else "monitoring")
    before = case_state(app, cid)
    browser.login(username)
    assert _refused(browser.get(f"/caseworkflow/{cid}/{action}"))
    resp = _post_with_token(browser, f"/caseworkflow/{cid}/{action}", {
        "version": str(before["version"]),
        **decision_form(app, close_reason="goals_met",
                        review_date=iso(TODAY + dt.timedelta(days=7)))})
    assert _refused(resp)
    assert case_state(app, cid) == before


@pytest.mark.parametrize("username", ["ggd", "jongerenwerk", "regisseur", "privacy"])
def test_only_weighing_roles_weigh_signals(app, browser: Browser, username: str) -> None:
    sid = signal_id(app, last_name="El Amrani")
    before = signal_state(app, sid)
    browser.login(username)
    assert _refused(browser.get("/signalworkflow/"))
    assert _refused(browser.get(f"/signalworkflow/{sid}/weigh"))
    resp = _post_with_token(browser, f"/signalworkflow/{sid}/weigh", decision_form(
        app, outcome="include", weighed_on=iso(TODAY), risk_group=risk_group_id(app, 3),
        lead_organisation=org_ids(app, "Gemeente")[0]))
    assert _refused(resp)
    assert signal_state(app, sid) == before


def _case_directed(app, *, by_regisseur: bool, phase: str) -> int:
    """A demo case in ``phase``, directed by the demo director or by the coordinator."""
    with app.app_context(), system_access("test"):
        username = "regisseur" if by_regisseur else "coordinator"
        director = db.session.query(CasusUser.id).filter_by(username=username).scalar()
        case = db.session.query(Case).filter(Case.phase == phase).order_by(Case.id).first()
        case.case_director_id = director
        db.session.commit()
        return case.id


@pytest.mark.parametrize("action", ["close", "reopen"])
def test_case_director_cannot_close_or_reopen_a_case_they_do_not_direct(
        app, browser: Browser, action: str) -> None:
    cid = _case_directed(app, by_regisseur=False,
                         phase="closed" if action == "reopen" else "monitoring")
    before = case_state(app, cid)
    browser.login("regisseur")
    # Not theirs: not found (the case is not visible to them) or refused.
    resp = browser.get(f"/caseworkflow/{cid}/{action}")
    assert resp.status_code == 404 or _refused(resp)
    # The service refuses it as well (API, scripts).
    with app.app_context(), system_access("test"):
        user = db.session.query(CasusUser).filter_by(username="regisseur").one()
        case = db.session.get(Case, cid)
        decision = workflow.DecisionInput("Redenen", "Deelnemers", [user.organisation])
        with pytest.raises(workflow.WorkflowPermissionError):
            if action == "reopen":
                workflow.reopen_case(user, case, decision=decision,
                                     review_date=TODAY + dt.timedelta(days=30))
            else:
                workflow.close_case(user, case, close_reason=CloseReason.other,
                                    decision=decision)
        db.session.rollback()
    assert case_state(app, cid) == before


def test_case_director_closes_and_reopens_their_own_case(app, browser: Browser) -> None:
    cid = _case_directed(app, by_regisseur=True, phase="monitoring")
    browser.login("regisseur")
    page = browser.get(f"/casemodelview/show/{cid}")
    assert f"/caseworkflow/{cid}/close" in page.text
    closed = decide(browser, f"/caseworkflow/{cid}/close", decision_form(
        app, close_reason="goals_met", reasons="Doelen behaald.", confirm_open_items="y",
        open_items_reason="De nazorg loopt buiten de aanpak."))
    assert closed.status_code == 302, closed.text
    assert case_state(app, cid)["phase"] == "closed"
    assert f"/caseworkflow/{cid}/reopen" in browser.get(f"/casemodelview/show/{cid}").text
    reopened = decide(browser, f"/caseworkflow/{cid}/reopen", decision_form(
        app, reasons="Nieuwe zorgen.", review_date=iso(TODAY + dt.timedelta(days=30))))
    assert reopened.status_code == 302, reopened.text
    assert case_state(app, cid)["phase"] == "monitoring"


@pytest.mark.parametrize("username", ["politie", "om"])
def test_core_partners_weigh_but_do_not_close(app, browser: Browser, username: str) -> None:
    cid = case_with(app, phase="monitoring")
    browser.login(username)
    assert browser.get("/signalworkflow/").status_code == 200
    assert _refused(browser.get(f"/caseworkflow/{cid}/close"))


def test_case_director_escalates_a_case_they_direct(app, browser: Browser) -> None:
    cid = case_with(app, last_name="Verhoef")
    browser.login("regisseur")
    resp = decide(browser, f"/caseworkflow/{cid}/escalate", decision_form(
        app, reasons="Nieuwe signalen van de sportschool."))
    assert resp.status_code == 302, resp.text
    assert case_state(app, cid)["level"] == 2


def test_available_actions_follow_phase_and_role(app) -> None:
    def actions(username: str, case_id: int) -> list[str]:
        user = db.session.query(CasusUser).filter_by(username=username).one()
        return [a.name for a in workflow.available_actions(db.session.get(Case, case_id), user)]

    open_case = case_with(app, last_name="Verhoef")
    closed_case = case_with(app, phase="closed")
    with app.app_context(), system_access("test"):
        assert actions("coordinator", open_case) == ["director", "conference", "escalate",
                                                     "close"]
        assert actions("coordinator", closed_case) == ["reopen"]
        # Verhoef's case is directed by the demo director: closing it is theirs too.
        assert actions("regisseur", open_case) == ["conference", "escalate", "close"]
        directs_closed = db.session.get(Case, closed_case).case_director_id == \
            db.session.query(CasusUser.id).filter_by(username="regisseur").scalar()
        assert actions("regisseur", closed_case) == (["reopen"] if directs_closed else [])
        assert actions("ggd", open_case) == []
        assert actions("politie", open_case) == []
        labels = [str(a.label) for a in workflow.available_actions(
            db.session.get(Case, open_case),
            db.session.query(CasusUser).filter_by(username="coordinator").one())]
        assert labels == ["Casusregisseur aanstellen", "Bespreken in casusoverleg",
                          "Opschalen", "Casus afsluiten"]


def test_service_refuses_a_user_without_the_grant(app) -> None:
    """The rules hold outside the screens too (API, scripts): no grant, no decision."""
    cid = case_with(app, last_name="Verhoef")
    before = case_state(app, cid)
    with app.app_context(), system_access("test"):
        ggd = db.session.query(CasusUser).filter_by(username="ggd").one()
        case = db.session.get(Case, cid)
        with pytest.raises(workflow.WorkflowPermissionError):
            workflow.escalate(ggd, case, decision=workflow.DecisionInput(
                "Redenen", "Deelnemers", ggd.organisation and [ggd.organisation]))
        db.session.rollback()
    assert case_state(app, cid) == before


def test_case_page_offers_the_allowed_transitions(app, browser: Browser) -> None:
    cid = case_with(app, last_name="Benali")  # the returnee: GGD is admitted to it
    browser.login("coordinator")
    page = browser.get(f"/casemodelview/show/{cid}")
    assert page.status_code == 200
    for action in ("conference", "escalate", "de_escalate", "close"):
        assert f"/caseworkflow/{cid}/{action}" in page.text
    assert f"/caseworkflow/{cid}/reopen" not in page.text

    partner = Browser(app).login("ggd")
    page = partner.get(f"/casemodelview/show/{cid}")
    assert page.status_code == 200
    assert "/caseworkflow/" not in page.text


def test_case_director_cannot_decide_on_a_case_they_do_not_direct(app, browser) -> None:
    cid = case_with(app, last_name="Ødegård")  # no case director yet
    before = case_state(app, cid)
    browser.login("regisseur")
    assert browser.get(f"/caseworkflow/{cid}/escalate").status_code in (403, 404)
    resp = _post_with_token(browser, f"/caseworkflow/{cid}/escalate", {
        "version": str(before["version"]), **decision_form(app)})
    assert resp.status_code in (403, 404)
    assert case_state(app, cid) == before
