"""The coordinators' screens as users see them: start page, lists, the case page."""

from __future__ import annotations

import re

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Case, CaseNote, CasePhase


def _case(app, **filters) -> Case:
    with app.app_context(), system_access("test"):
        case = db.session.query(Case).filter_by(**filters).order_by(Case.number).first()
        db.session.expunge(case)
        return case


def test_case_list_shows_dutch_words_for_phases(browser) -> None:
    browser.login("coordinator")
    page = browser.get("/casemodelview/list/")
    assert page.status_code == 200
    assert "Uitvoering en monitoring" in page.text
    assert ">monitoring<" not in page.text
    interventions = browser.get("/interventionmodelview/list/").text
    assert "Actief" in interventions
    assert not re.search(r"<td>\s*active\s*</td>", interventions)


def test_case_page_has_header_and_sections(app, browser) -> None:
    case = _case(app, phase=CasePhase.monitoring)
    browser.login("coordinator")
    page = browser.get(f"/casemodelview/show/{case.id}")
    assert page.status_code == 200, page.text[:500]
    text = page.text
    assert case.number in text
    for heading in ("Besluiten", "Duiding", "Plan van aanpak", "Interventies per partner",
                    "Casusoverleggen", "Aantekeningen", "Casusregisseur", "Risicogroep"):
        assert heading in text, heading


def test_start_page_for_coordinator(browser) -> None:
    browser.login("coordinator")
    page = browser.get("/")
    assert page.status_code == 200
    assert "Lopende casussen" in page.text
    assert "CR-" in page.text
    assert "Volgende casusoverleggen" in page.text
    assert "/casemodelview/show/" in page.text
    assert "/caseconferencemodelview/show/" in page.text


def test_enum_words_in_search_filters_and_form_selects(app, browser) -> None:
    case = _case(app, phase=CasePhase.monitoring)
    browser.login("coordinator")
    listing = browser.get("/casemodelview/list/").text
    # The search widget carries its filter inputs as escaped HTML inside a script.
    assert 'value=\\"monitoring\\"\\u003eUitvoering en monitoring' in listing
    form = browser.get(f"/interventionmodelview/add?_flt_0_case={case.id}").text
    assert re.search(r'<option[^>]*value="planned"[^>]*>\s*Gepland', form)


def test_case_page_offers_the_workflow_actions(app, browser) -> None:
    case = _case(app, phase=CasePhase.monitoring)
    browser.login("coordinator")
    text = browser.get(f"/casemodelview/show/{case.id}").text
    assert f'href="/caseworkflow/{case.id}/escalate"' in text
    assert f'href="/caseworkflow/{case.id}/close"' in text
    # A closed case offers reopening, not closing.
    closed = _case(app, phase=CasePhase.closed)
    text = browser.get(f"/casemodelview/show/{closed.id}").text
    assert f'href="/caseworkflow/{closed.id}/reopen"' in text
    assert f'href="/caseworkflow/{closed.id}/close"' not in text


def test_note_added_from_the_case_page(app, browser) -> None:
    case = _case(app, phase=CasePhase.monitoring)
    browser.login("regisseur")
    resp = browser.submit(f"/casemodelview/show/{case.id}", {"text": "Gesprek gevoerd."},
                          post_url=f"/casenotemodelview/add?_flt_0_case={case.id}",
                          follow_redirects=False)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/casemodelview/show/{case.id}")
    with app.app_context(), system_access("test"):
        note = db.session.query(CaseNote).filter_by(case_id=case.id,
                                                    text="Gesprek gevoerd.").one()
        assert note.author.username == "regisseur"
    assert "Gesprek gevoerd." in browser.get(f"/casemodelview/show/{case.id}").text


def test_related_selects_never_list_a_whole_table(app, browser) -> None:
    """The case of an intervention is typed by number; an unknown number is refused."""
    browser.login("coordinator")
    form = browser.get("/interventionmodelview/add").text
    assert not re.search(r'<select[^>]*name="case"', form)
    assert re.search(r'<input[^>]*name="case"', form)
    resp = browser.submit("/interventionmodelview/add", {"case": "CR-1999-9999"})
    assert resp.status_code == 200
    assert "Er is geen casus met nummer CR-1999-9999" in resp.text


def test_start_page_for_case_director_lists_only_own_cases(app, browser) -> None:
    with app.app_context(), system_access("test"):
        others = (db.session.query(Case).filter(Case.case_director_id.is_(None),
                                                Case.phase != CasePhase.closed).all())
        numbers = [c.number for c in others]
    assert numbers, "the demo has an open case without a case director"
    browser.login("regisseur")
    text = browser.get("/").text
    assert "Casussen die ik regisseer" in text
    for number in numbers:
        assert number not in text


def test_start_page_for_other_roles_is_simple(browser) -> None:
    browser.login("ggd")
    text = browser.get("/").text
    assert "Goedendag" in text
    assert "Lopende casussen" not in text
    shortcuts = re.search(r'class="casus-shortcuts".*?</div>', text, re.S).group(0)
    assert "/interventionmodelview/list/" in shortcuts
    # An external partner has no access to signals, so is not offered them.
    assert "/signalmodelview/list/" not in shortcuts


def test_case_page_offers_only_what_the_user_may_do(app, browser) -> None:
    case = _case(app, phase=CasePhase.monitoring)
    browser.login("politie")
    page = browser.get(f"/casemodelview/show/{case.id}")
    assert page.status_code == 200
    assert f"/casemodelview/edit/{case.id}" not in page.text
    assert "casus-note-form" not in page.text
    assert "/assessmentmodelview/add" not in page.text
    assert "/interventionmodelview/edit/" in page.text


def test_new_action_plan_version_carries_the_goals_over(app, browser) -> None:
    from casusregie.app.models import ActionPlan

    with app.app_context(), system_access("test"):
        plan = db.session.query(ActionPlan).filter_by(current=True).first()
        case_id, old_id = plan.case_id, plan.id
        goals = sorted(g.description for g in plan.goals)
        version = plan.version_number
    browser.login("coordinator")
    resp = browser.submit(f"/actionplanmodelview/add?_flt_0_case={case_id}",
                          {"description": "Bijgesteld na het casusoverleg."},
                          follow_redirects=False)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/casemodelview/show/{case_id}")
    with app.app_context(), system_access("test"):
        current = db.session.query(ActionPlan).filter_by(case_id=case_id, current=True).one()
        assert current.id != old_id
        assert current.version_number == version + 1
        assert sorted(g.description for g in current.goals) == goals
        assert db.session.get(ActionPlan, old_id).current is False


def test_intervention_registered_from_the_case_page(app, browser) -> None:
    from casusregie.app.models import ActionPlan, Goal, Intervention, InterventionType, Organisation

    with app.app_context(), system_access("test"):
        plan = db.session.query(ActionPlan).filter_by(current=True).first()
        case_id = plan.case_id
        goal_ids = {g.id for g in plan.goals}
        other_goals = {g.id for g in db.session.query(Goal).filter(Goal.id.notin_(goal_ids))}
        type_id = db.session.query(InterventionType.id).first()[0]
        org_id = db.session.query(Organisation.id).first()[0]
        before = db.session.query(Intervention).filter_by(case_id=case_id).count()
    browser.login("coordinator")
    url = f"/interventionmodelview/add?_flt_0_case={case_id}"
    form = browser.get(url).text
    goal_select = re.search(r'<select[^>]*name="goal".*?</select>', form, re.S).group(0)
    assert f'data-depends-value="{case_id}"' in goal_select
    found = browser.get(f"/lookup/goal?q=&case={case_id}").get_json()["results"]
    offered = {int(row["id"]) for row in found}
    assert offered == goal_ids
    assert not offered & other_goals
    resp = browser.submit(url, {"type": str(type_id), "organisation": str(org_id),
                                "goal": str(min(goal_ids)), "status": "planned",
                                "start_date": "2026-12-01", "end_date": "", "outcome": ""},
                          follow_redirects=False)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/casemodelview/show/{case_id}")
    with app.app_context(), system_access("test"):
        assert db.session.query(Intervention).filter_by(case_id=case_id).count() == before + 1
