"""The case page at scale: a fixed number of queries, long intervention lists shortened
with a way to see them all, one summary row per partner, and exactly the interventions
the access policy lets the user see."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from casusregie.app.access import system_access
from casusregie.app.access.actor import actor_for_user
from casusregie.app.access.rows import visible_query
from casusregie.app.extensions import db
from casusregie.app.models import (
    ActionPlan,
    Case,
    CaseNote,
    CasePhase,
    CasusUser,
    Decision,
    DecisionBody,
    DecisionKind,
    Intervention,
    InterventionStatus,
    InterventionType,
    Organisation,
)
from casusregie.app.views.case_page import INTERVENTIONS_PER_PAGE, INTERVENTIONS_SHOWN
from tests.support import count_queries

# 10, plus the bell's unread count in the navigation bar.
MAX_CASE_PAGE_QUERIES = 11
# 10, plus the bell's unread count in the navigation bar, plus the admitted partners tab.
MAX_CASE_PAGE_QUERIES = 12
ROW = re.compile(r'<tr data-id="(\d+)">')


def _case_with_plan(app) -> tuple[int, int]:
    """A monitoring case with a current action plan: (case id, id of its first goal)."""
    with app.app_context(), system_access("test"):
        plan = (db.session.query(ActionPlan).join(ActionPlan.case)
                .filter(Case.phase == CasePhase.monitoring, ActionPlan.current.is_(True),
                        ActionPlan.goals.any())
                .order_by(Case.number).first())
        return plan.case_id, plan.goals[0].id


def _add_interventions(app, case_id: int, count: int, goal_id: int | None = None,
                       with_history: bool = False) -> None:
    with app.app_context(), system_access("test"):
        session = db.session
        case = session.get(Case, case_id)
        types = session.query(InterventionType).order_by(InterventionType.id).all()
        orgs = session.query(Organisation).order_by(Organisation.id).all()
        statuses = list(InterventionStatus)
        coordinator = session.query(CasusUser).filter_by(username="coordinator").one()
        for i in range(count):
            session.add(Intervention(case=case, goal_id=goal_id, type=types[i % len(types)],
                                     organisation=orgs[i % len(orgs)],
                                     status=statuses[i % len(statuses)],
                                     start_date=dt.date(2025, 1, 1) + dt.timedelta(days=i)))
            if with_history:
                session.add(Decision(case=case, kind=DecisionKind.escalation,
                                     body=DecisionBody.case_conference, decided_by=coordinator,
                                     reasons="Test", organisations=orgs[:2]))
                session.add(CaseNote(case=case, author=coordinator, text=f"Notitie {i}",
                                     organisation=orgs[i % len(orgs)]))
        session.commit()


def _queries(app, browser, url: str) -> int:
    with count_queries(app) as statements:
        resp = browser.get(url)
    assert resp.status_code == 200, resp.text[:500]
    return len(statements)


def test_case_page_costs_the_same_few_queries_for_few_and_many_interventions(app, browser):
    case_id, goal_id = _case_with_plan(app)
    url = f"/casemodelview/show/{case_id}"
    browser.login("coordinator").get(url)  # warm up permissions and menu
    few = _queries(app, browser, url)
    _add_interventions(app, case_id, 60, goal_id, with_history=True)
    _add_interventions(app, case_id, 30)
    assert _queries(app, browser, url) == few
    assert _queries(app, browser, url + "?interventions=all") == few
    assert few <= MAX_CASE_PAGE_QUERIES


def test_show_all_pages_through_a_thousand_interventions_under_150_kb(app, browser):
    case_id, goal_id = _case_with_plan(app)
    _add_interventions(app, case_id, 600, goal_id)
    _add_interventions(app, case_id, 400)
    with app.app_context(), system_access("test"):
        newest_first = [pk for (pk,) in db.session.query(Intervention.id)
                        .filter_by(case_id=case_id)
                        .order_by(Intervention.start_date.desc(), Intervention.id)]
    assert len(newest_first) >= 1000
    browser.login("coordinator")
    url = f"/casemodelview/show/{case_id}?interventions=all"
    seen: list[int] = []
    page_number = 1
    while True:
        page = browser.get(url if page_number == 1 else f"{url}&interventions_page={page_number}")
        assert page.status_code == 200
        assert len(page.data) < 150 * 1024, len(page.data)
        rows = [int(pk) for pk in ROW.findall(page.text)]
        assert 0 < len(rows) <= INTERVENTIONS_PER_PAGE
        first = len(seen) + 1
        assert f"Interventies {first}–{len(seen) + len(rows)} van {len(newest_first)}." \
            in page.text
        seen += rows
        if 'rel="next"' not in page.text:
            break
        page_number += 1
    # Every intervention once, page after page in the case's order (within a page,
    # grouped by goal).
    assert sorted(seen) == sorted(newest_first)
    for n in range(page_number):
        chunk = slice(n * INTERVENTIONS_PER_PAGE, (n + 1) * INTERVENTIONS_PER_PAGE)
        assert sorted(seen[chunk]) == sorted(newest_first[chunk])


def test_a_long_goal_lists_its_most_recent_interventions_and_links_to_all(app, browser):
    case_id, goal_id = _case_with_plan(app)
    _add_interventions(app, case_id, INTERVENTIONS_SHOWN + 15, goal_id)
    with app.app_context(), system_access("test"):
        on_goal = db.session.query(Intervention).filter_by(goal_id=goal_id).count()
        newest = (db.session.query(Intervention.id).filter_by(goal_id=goal_id)
                  .order_by(Intervention.start_date.desc(), Intervention.id)
                  .limit(INTERVENTIONS_SHOWN).all())
        total = db.session.query(Intervention).filter_by(case_id=case_id).count()
    browser.login("coordinator")
    text = browser.get(f"/casemodelview/show/{case_id}").text
    plan = text[text.index('id="plan"'):text.index('id="partners"')]
    first_goal = plan[:plan.index("</table>")]
    assert [int(pk) for pk in ROW.findall(first_goal)] == [pk for (pk,) in newest]
    assert f"De {INTERVENTIONS_SHOWN} meest recente van {on_goal} interventies." in plan
    assert f'href="/casemodelview/show/{case_id}?interventions=all"' in plan
    # The tab's badge still counts every intervention.
    assert re.search(rf'Interventies per partner <span class="badge">{total}</span>', text)

    everything = browser.get(f"/casemodelview/show/{case_id}?interventions=all").text
    assert len(ROW.findall(everything)) == total
    assert "meest recente van" not in everything
    assert f'href="/casemodelview/show/{case_id}"' in everything


def test_rows_show_words_dates_and_edit_links(app, browser):
    case_id, goal_id = _case_with_plan(app)
    _add_interventions(app, case_id, 4, goal_id)
    with app.app_context(), system_access("test"):
        item = (db.session.query(Intervention).filter_by(goal_id=goal_id)
                .order_by(Intervention.start_date.desc(), Intervention.id).first())
        pk, type_name, org_name = item.id, item.type.name, item.organisation.name
        status, start = item.status, item.start_date
    words = {"planned": "Gepland", "active": "Actief", "completed": "Afgerond",
             "stopped": "Gestopt"}
    text = browser.login("coordinator").get(f"/casemodelview/show/{case_id}").text
    row = re.search(rf'<tr data-id="{pk}">.*?</tr>', text).group(0)
    assert f"<td>{type_name}</td><td>{org_name}</td>" in row
    assert (f'<span class="casus-status casus-status-{status.value}">{words[status.value]}'
            in row)
    months = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov",
              "dec"]
    assert f"<td>{start.day} {months[start.month - 1]} {start.year}</td><td>—</td>" in row
    assert f'href="/interventionmodelview/edit/{pk}"' in row
    # In English the same row speaks English, dates day before month.
    browser.get("/lang/en")
    english = browser.get(f"/casemodelview/show/{case_id}").text
    row = re.search(rf'<tr data-id="{pk}">.*?</tr>', english).group(0)
    assert f">{status.value.capitalize()}</span>" in row
    assert f"<td>{start.day} {start.strftime('%b')} {start.year}</td>" in row
    assert f'<a href="/interventionmodelview/edit/{pk}">Edit</a>' in row
    browser.get("/lang/nl")


def test_partner_tab_summarises_each_organisation_once(app, browser):
    case_id, goal_id = _case_with_plan(app)
    _add_interventions(app, case_id, 12, goal_id)
    with app.app_context(), system_access("test"):
        items = db.session.query(Intervention).filter_by(case_id=case_id).all()
        expected: dict[str, list[int]] = {}
        for item in items:
            counts = expected.setdefault(item.organisation.name, [0, 0, 0, 0])
            counts[["planned", "active", "completed", "stopped"].index(
                item.status.value)] += 1
    text = browser.login("coordinator").get(f"/casemodelview/show/{case_id}").text
    partners = text[text.index('id="partners"'):text.index('id="conferences"')]
    assert "data-id=" not in partners  # the rows are listed once, under their goals
    for name, counts in expected.items():
        row = re.search(rf'<th scope="row">{re.escape(name)}</th>(.*?)</tr>', partners,
                        re.S).group(1)
        cells = re.findall(r'<td class="text-right">(?:<strong>)?([^<]*)', row)
        assert cells == [str(n) if n else "–" for n in counts] + [str(sum(counts))], name


@pytest.mark.parametrize("username", ["jongerenwerk", "politie", "regisseur"])
def test_each_user_sees_exactly_the_interventions_the_policy_allows(app, browser, username):
    with app.app_context(), system_access("test"):
        user = db.session.query(CasusUser).filter_by(username=username).one()
        actor = actor_for_user(user)
        visible = set(db.session.execute(visible_query(Intervention, actor)).scalars())
        cases = {case_id for (case_id,) in db.session.query(Intervention.case_id).filter(
            Intervention.id.in_(visible)).distinct()}
        by_case = {case_id: {pk for (pk,) in db.session.query(Intervention.id).filter(
            Intervention.case_id == case_id)} & visible for case_id in cases}
    assert by_case, f"{username} sees interventions in the demo"
    browser.login(username)
    for case_id, expected in by_case.items():
        page = browser.get(f"/casemodelview/show/{case_id}?interventions=all")
        if page.status_code == 404:  # the intervention is visible, its case is not
            continue
        shown = {int(pk) for pk in ROW.findall(page.text)}
        assert shown == expected, (username, case_id)
