"""The partners' own work, through the screens only: GGD registers a care trajectory and
youth work a mentoring trajectory on a case their organisation is admitted to, and see it
saved. Neither can link another case's goal: the goal picker offers only the chosen
case's goals, and a form posted with another case's goal is refused in Dutch and nothing
is saved.

Screenshots go to ``test-artifacts/journeys/`` (ignored by git).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from casusregie.app import clock
from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import ActionPlan, Case, CaseSubject, Goal, Intervention, Subject
from tests.e2e.conftest import login
from tests.e2e.test_case_journey import _follow, _new_context, _pick_remote, _shot, _submit
from tests.e2e.test_signal_journey import _choose, _type_date

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Partner:
    username: str
    endpoint: str  # the kind's screen
    first_name: str  # a person of the case the organisation is admitted to
    own_goal: str  # the organisation's goal in that case
    foreign_goal: str  # a goal of another case
    fields: dict[str, str]  # the kind's own text fields
    choices: dict[str, str]  # the kind's own selects
    shot: str
    kind: str
    organisation: str


GGD = Partner(
    username="ggd", endpoint="caretrajectorymodelview", first_name="Karim",
    own_goal="Karim verwerkt zijn ervaringen met professionele hulp.",
    foreign_goal="Yusuf heeft een vaste mentor.",
    fields={"care_provider": "Arkin, team Noord", "frequency": "Wekelijks"},
    choices={"treatment": "outpatient"}, shot="09-ggd-care-trajectory",
    kind="zorg.care", organisation="GGD Amsterdam")
YOUTH_WORK = Partner(
    username="jongerenwerk", endpoint="mentoringtrajectorymodelview", first_name="Yusuf",
    own_goal="Yusuf heeft een vaste mentor.",
    foreign_goal="Karim heeft werk of dagbesteding.",
    fields={"mentor": "Sanne de Mentor", "meeting_frequency": "Twee keer per week"},
    choices={}, shot="10-youth-work-mentoring",
    kind="jongerenwerk.mentoring", organisation="Jongerenwerk Amsterdam")


def _case_and_goals(app, partner: Partner) -> tuple[str, int]:
    """The case's number and the id of another case's goal (read, never written)."""
    with app.app_context(), system_access("test"):
        number = db.session.scalar(
            sa.select(Case.number).join(CaseSubject).join(Subject)
            .where(Subject.first_name == partner.first_name))
        foreign = db.session.scalar(sa.select(Goal.id).join(ActionPlan).join(Case)
                                    .where(Goal.description == partner.foreign_goal,
                                           Case.number != number))
        db.session.remove()
    return number, foreign


def _offered_goals(page) -> list[str]:
    """What the goal picker offers when the user opens it."""
    page.click("#goal + .select2-container .select2-selection")
    options = page.locator(".select2-results__option:not(.loading-results)")
    options.first.wait_for()
    offered = [text.strip() for text in options.all_inner_texts()]
    page.keyboard.press("Escape")
    return offered


def _fill(page, partner: Partner, number: str) -> None:
    _pick_remote(page, "case", number, number)
    _choose(page, "#type", page.evaluate(
        "() => [...document.querySelector('#type').options].find(o => o.value && "
        "o.value !== '__None').value"))
    _choose(page, "#status", "active")
    _type_date(page, "#start_date", clock.local_today().isoformat())
    for name, value in partner.fields.items():
        page.fill(f"#{name}", value)
    for name, value in partner.choices.items():
        _choose(page, f"#{name}", value)


def _journey(page, base: str, app, partner: Partner) -> None:
    number, foreign = _case_and_goals(app, partner)
    login(page, base, partner.username)
    page.goto(f"{base}/{partner.endpoint}/list/")
    _follow(page, f"a[href*='/{partner.endpoint}/add']")
    assert f"/{partner.endpoint}/add" in page.url

    # A goal of another case, slipped into the form as a crafted post would: refused.
    _fill(page, partner, number)
    page.evaluate("""(id) => {
        const select = document.querySelector('#goal');
        select.add(new Option('Doel van een andere casus', String(id), true, true));
    }""", foreign)
    _submit(page)
    assert f"/{partner.endpoint}/add" in page.url
    refusal = page.locator("#goal").locator(
        "xpath=ancestor::td[1]").inner_text()
    assert "Dit doel hoort niet bij de gekozen casus." in refusal, refusal
    assert page.input_value("#goal") == ""  # the other case's goal is not kept
    _shot(page, f"{partner.shot}-refused")
    with app.app_context(), system_access("test"):
        assert not db.session.scalar(sa.select(sa.func.count(Intervention.id)).where(
            Intervention.goal_id == foreign, Intervention.start_date == clock.local_today()))
        db.session.remove()

    # The picker offers this case's goals the organisation works on, nothing else.
    page.goto(f"{base}/{partner.endpoint}/add")
    _fill(page, partner, number)
    assert _offered_goals(page) == [partner.own_goal]
    # The libraries' leftovers: Select2's clear button and the empty choice in Dutch, and
    # no field the browser checks itself (its bubble would speak the browser's language).
    assert page.locator("[title='Remove all items']").count() == 0
    assert not page.evaluate("() => [...document.querySelectorAll('option')]"
                             ".some(o => o.text === '__None')")
    assert page.evaluate("() => [...document.forms].every("
                         "f => f.noValidate || !f.querySelector('[required]'))")
    page.click("#goal + .select2-container .select2-selection")
    page.locator(".select2-results__option", has_text=partner.own_goal).click()
    _shot(page, f"{partner.shot}-form")
    _submit(page)
    # Saving opens the new record.
    assert f"/{partner.endpoint}/show/" in page.url, page.inner_text("body")[:1500]
    shown = page.inner_text("body")
    assert number in shown and partner.own_goal in shown, shown[:1500]
    assert all(value in shown for value in partner.fields.values()), shown[:1500]
    _shot(page, f"{partner.shot}-saved")
    with app.app_context(), system_access("test"):
        saved = db.session.scalars(sa.select(Intervention).where(
            Intervention.start_date == clock.local_today(),
            Intervention.goal.has(Goal.description == partner.own_goal))).one()
        assert saved.case.number == number
        assert saved.kind == partner.kind and saved.organisation.name == partner.organisation
        db.session.remove()


def test_partners_register_their_own_kinds_on_their_cases(plugin_server, _chromium) -> None:
    app, live_server = plugin_server
    for partner in (GGD, YOUTH_WORK):
        context, page = _new_context(_chromium)
        try:
            _journey(page, live_server, app, partner)
        finally:
            context.close()
