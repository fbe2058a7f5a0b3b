"""Goal pickers offer and accept only the goals of the chosen case, for every user and on
every path (screen, lookup, REST API), and a partner's edit keeps the goal link."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import ActionPlan, Goal, Intervention, Organisation
from tests.forms import main_form
from tests.support import Browser
from tests.test_api import API, case_of, new_intervention, token

pytestmark = pytest.mark.rollback


def _goals(app, first_name: str) -> dict[str, int]:
    """The goals of a case's current plan: organisation name → goal id."""
    case_id = case_of(app, first_name)["id"]
    with app.app_context(), system_access("test"):
        rows = db.session.execute(
            sa.select(Organisation.name, Goal.id).join(Goal.organisation)
            .join(ActionPlan).where(ActionPlan.case_id == case_id,
                                    ActionPlan.current.is_(True))).all()
        db.session.remove()
    return {name: goal_id for name, goal_id in rows}


def _other_case_goal(app, first_name: str) -> int:
    case_id = case_of(app, first_name)["id"]
    with app.app_context(), system_access("test"):
        goal_id = db.session.scalar(sa.select(Goal.id).join(ActionPlan)
                                    .where(ActionPlan.case_id != case_id))
        db.session.remove()
    return goal_id


def test_the_goal_lookup_offers_the_chosen_case_only(app) -> None:
    karim = case_of(app, "Karim")
    browser = Browser(app).login("coordinator")
    assert browser.get("/lookup/goal?q=").get_json()["results"] == []  # no case: none
    for case in (str(karim["id"]), karim["number"]):  # a case select, or a typed number
        found = browser.get(f"/lookup/goal?q=&case={case}").get_json()["results"]
        assert {int(r["id"]) for r in found} == set(_goals(app, "Karim").values())


def test_a_partner_sees_its_own_goals_in_the_picker(app) -> None:
    karim = case_of(app, "Karim")
    browser = Browser(app).login("ggd")
    found = browser.get(f"/lookup/goal?q=&case={karim['id']}").get_json()["results"]
    assert [int(r["id"]) for r in found] == [_goals(app, "Karim")["GGD Amsterdam"]]


def test_the_api_accepts_a_goal_of_the_case_and_refuses_one_of_another(app) -> None:
    client = app.test_client()
    own = _goals(app, "Karim")["GGD Amsterdam"]
    resp = client.post(f"{API}/intervention/", json=new_intervention(app, goal=own),
                       headers=token(client, "ggd"))
    assert resp.status_code == 201, resp.json
    assert resp.json["result"]["goal"]["id"] == own
    other = _other_case_goal(app, "Karim")
    resp = client.post(f"{API}/intervention/", json=new_intervention(app, goal=other),
                       headers=token(client, "coordinator"))
    assert resp.status_code == 422
    assert resp.json["message"]["goal"] == ["Dit doel hoort bij het plan van aanpak van "
                                            "een andere casus."]


def test_the_screen_refuses_a_goal_of_another_case(app) -> None:
    karim = case_of(app, "Karim")
    browser = Browser(app).login("coordinator")
    url = f"/interventionmodelview/add?_flt_0_case={karim['id']}"
    form = main_form(browser.get(url).text)
    data = form.data()
    data["goal"] = str(_other_case_goal(app, "Karim"))
    data["start_date"] = "2026-12-01"
    with app.app_context(), system_access("test"):
        before = db.session.query(Intervention).count()
    resp = browser.client.post(url, data=data)
    assert resp.status_code == 200  # the form again, with the message
    with app.app_context(), system_access("test"):
        assert db.session.query(Intervention).count() == before


def test_a_partner_editing_an_intervention_keeps_its_goal(app) -> None:
    karim = case_of(app, "Karim")
    own = _goals(app, "Karim")["GGD Amsterdam"]
    with app.app_context(), system_access("test"):
        item = db.session.scalars(sa.select(Intervention).where(
            Intervention.case_id == karim["id"], Intervention.goal_id == own)).one()
        pk = item.id
        db.session.remove()
    browser = Browser(app).login("ggd")
    page = browser.get(f"/interventionmodelview/edit/{pk}").text
    assert re.search(rf'<option value="{own}" selected>', page)
    data = main_form(page).data()
    data["outcome"] = "Loopt volgens plan."
    resp = browser.client.post(f"/interventionmodelview/edit/{pk}", data=data)
    assert resp.status_code == 302, resp.text
    with app.app_context(), system_access("test"):
        item = db.session.get(Intervention, pk)
        assert (item.goal_id, item.outcome) == (own, "Loopt volgens plan.")


def test_the_partners_case_page_says_what_is_hidden_and_shows_its_goals(app) -> None:
    karim = case_of(app, "Karim")
    page = Browser(app).login("ggd").get(f"/casemodelview/show/{karim['id']}").text
    assert "Niet zichtbaar voor uw organisatie." in page
    assert "Nog geen besluiten" not in page and "Nog geen plan van aanpak" not in page
    assert "Karim verwerkt zijn ervaringen met professionele hulp." in page  # its own goal
    assert "Karim houdt zich aan de bijzondere voorwaarden." not in page  # another's
    coordinator = Browser(app).login("coordinator").get(
        f"/casemodelview/show/{karim['id']}").text
    assert "Niet zichtbaar voor uw organisatie." not in coordinator
