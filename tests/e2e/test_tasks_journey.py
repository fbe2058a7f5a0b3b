"""Issue 19 in a real browser: the coordinator admits GGD, the GGD user sees the bell and
the task, registers the intervention, and the task closes. Screenshots for review."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Case, CasePhase
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def _pick(page, field: str, search: str, text: str) -> None:
    """Choose an option of a searchable select the way a user does."""
    page.locator(f"select#{field} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    option = page.locator(".select2-results__option", has_text=text).first
    option.wait_for()
    option.click()


def _date(page, field: str, value: dt.date) -> None:
    # The date picker rewrites typed text on blur; set the value as the picker would.
    page.eval_on_selector(f"#{field}", "(el, v) => { el.value = v; }", value.isoformat())


def test_admitted_partner_sees_bell_and_task_until_the_intervention_exists(
        app, page, live_server: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    with app.app_context(), system_access("test"):
        case = db.session.query(Case).filter(~Case.admissions.any(),
                                             Case.phase == CasePhase.monitoring).first()
        number = case.number
    login(page, live_server, "coordinator")
    page.goto(f"{live_server}/caseadmissionmodelview/add")
    _pick(page, "case", number, number)
    _pick(page, "organisation", "GGD", "GGD Amsterdam")
    page.fill("#purpose", "Uitvoering GGZ-behandeling")
    page.fill("#legal_basis", "Convenant art. 5")
    _date(page, "starts_on", dt.date.today())
    _date(page, "ends_on", dt.date.today() + dt.timedelta(days=90))
    with page.expect_navigation():
        page.click("form button[type=submit], form input[type=submit]")
    page.screenshot(path=str(SHOTS / "tasks-admission-saved.png"), full_page=True)
    page.goto(f"{live_server}/logout/")

    login(page, live_server, "ggd")
    bell = page.locator("#casus-bell-count")
    assert int(bell.inner_text()) >= 1
    assert number in page.inner_text("#start-tasks")
    page.screenshot(path=str(SHOTS / "tasks-start-page-ggd.png"), full_page=True)
    page.click("#casus-bell")
    assert number in page.inner_text("#notifications")
    page.screenshot(path=str(SHOTS / "tasks-notifications-ggd.png"), full_page=True)
    page.goto(f"{live_server}/tasks/")
    task = page.locator("#my-tasks a", has_text=number)
    assert "registreer uw interventie" in task.inner_text()
    page.screenshot(path=str(SHOTS / "tasks-my-tasks-ggd.png"), full_page=True)

    with page.expect_navigation():
        task.click()
    page.select_option("#type", label="GGZ-behandeling")
    _pick(page, "organisation", "GGD", "GGD Amsterdam")
    page.select_option("#status", "active")
    _date(page, "start_date", dt.date.today())
    with page.expect_navigation():
        page.click("form button[type=submit], form input[type=submit]")
    page.goto(f"{live_server}/tasks/")
    assert number not in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "tasks-my-tasks-ggd-done.png"), full_page=True)


def test_overdue_tasks_are_red_and_say_so(page, live_server: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    login(page, live_server, "regisseur")
    page.goto(f"{live_server}/tasks/")
    overdue = page.locator("#my-tasks tr.casus-task-overdue")
    assert overdue.count() >= 1
    cell = overdue.first.locator("td.casus-overdue")
    assert "verlopen" in cell.inner_text()
    color = cell.evaluate("el => getComputedStyle(el).color")
    assert color == "rgb(169, 68, 66)"
    page.screenshot(path=str(SHOTS / "tasks-overdue-regisseur.png"), full_page=True)
