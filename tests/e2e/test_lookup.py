"""Filtering the case list by case director through the searchable select."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Case, CasusUser
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_filter_the_case_list_by_a_searched_case_director(app, page, live_server: str) -> None:
    with app.app_context(), system_access("test"):
        director = db.session.query(CasusUser).filter_by(username="regisseur").one()
        director_id, name = director.id, director.get_full_name()
        numbers = {number for (number,) in db.session.query(Case.number)}
        directed = {number for (number,) in db.session.query(Case.number)
                    .filter(Case.case_director_id == director_id)}
    assert directed and numbers - directed

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/lookup/" in r.url else None)
    login(page, live_server, "coordinator")
    page.goto(f"{live_server}/casemodelview/list/?psize_CaseModelView=100")
    if not page.is_visible("#filter_form .dropdown-toggle"):
        page.click("a.accordion-toggle")  # the search panel starts folded
    page.click("#filter_form .dropdown-toggle")
    page.click("#filter_form a.filter[name=case_director]")
    box = page.locator("#filter_form select.casus-remote-select + .select2 .select2-selection")
    assert "Zoeken" in box.inner_text()  # the placeholder, in the user's language
    box.click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(name.split()[-1][:5])
    option = page.locator(".select2-results__option", has_text=name)
    option.wait_for()
    assert page.locator(".select2-results__option").count() <= 20
    option.click()
    with page.expect_navigation():
        page.click("#filter_form button[type=submit], #filter_form input[type=submit]")

    query = parse_qs(urlparse(page.url).query)
    assert query.get("_flt_0_case_director") == [str(director_id)]
    body = page.inner_text("body")
    assert {n for n in numbers if n in body} == directed
    # The active filter shows the director's name, fetched by id, not a bare number.
    page.wait_for_function(
        "t => [...document.querySelectorAll('#filter_form .select2-selection__rendered')]"
        ".some(e => e.textContent.includes(t))", arg=name)
    assert any(f"id={director_id}" in url for url in requests)
    assert any("q=" in url for url in requests)
