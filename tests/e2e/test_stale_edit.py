"""Two people edit the same subject in real browsers: the later save is refused with
what changed, in Dutch, and the input kept. Screenshot: ``screenshots/stale_edit.png``."""

from __future__ import annotations

import pytest

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Subject
from tests.e2e.conftest import login
from tests.e2e.test_screens import _shot

pytestmark = pytest.mark.e2e


def test_the_later_of_two_editors_sees_what_changed(app, _chromium, live_server) -> None:
    with app.app_context(), system_access("test"):
        pk = db.session.query(Subject.id).order_by(Subject.id).first()[0]
    url = f"{live_server}/subjectmodelview/edit/{pk}"
    pages = []
    for user in ("coordinator", "regisseur"):
        context = _chromium.new_context(locale="nl-NL", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        login(page, live_server, user)
        page.goto(url)
        pages.append(page)
    first, second = pages
    first.fill("input[name=first_name]", "Eerste-naam")
    first.click("button[type=submit], input[type=submit]")
    first.wait_for_load_state("networkidle")
    second.fill("input[name=first_name]", "Tweede-naam")
    second.click("button[type=submit], input[type=submit]")
    second.wait_for_load_state("networkidle")
    body = second.inner_text("body")
    assert "Iemand anders heeft dit record opgeslagen" in body
    assert "Voornaam: Eerste-naam" in body
    assert second.input_value("input[name=first_name]") == "Tweede-naam"
    _shot(second, "stale_edit")
    for page in pages:
        page.context.close()
