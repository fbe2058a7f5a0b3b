"""List pages count their rows up to a bound, without the joins of displayed columns."""

from __future__ import annotations

import re

from casusregie.app.datamodel import BoundedCount, CasusSQLAInterface
from tests.support import Browser, count_queries

CASE_LIST = "/casemodelview/list/"
_COUNT = re.compile(r"Record Count</strong>:?\s*([0-9+]+)|Aantal[^<]*</strong>:?\s*([0-9+]+)")


def _shown_count(html: str) -> str:
    match = _COUNT.search(html)
    assert match, "no record count on the page"
    return match.group(1) or match.group(2)


def _rows(html: str) -> int:
    return len(re.findall(r'href="/casemodelview/show/\d+"', html))


def test_a_small_list_shows_its_exact_count(app, browser: Browser):
    browser.login("coordinator")
    page = browser.get(CASE_LIST)
    assert page.status_code == 200
    shown = _shown_count(page.text)
    assert not shown.endswith("+")
    assert int(shown) >= 1


def test_a_list_beyond_the_bound_shows_bound_plus_and_still_lists(app, browser: Browser,
                                                                  monkeypatch):
    browser.login("coordinator")
    exact = int(_shown_count(browser.get(CASE_LIST).text))
    assert exact >= 3, "the demo data needs a few cases"
    monkeypatch.setattr(CasusSQLAInterface, "count_limit", 2)

    with count_queries(app) as statements:
        page = browser.get(CASE_LIST)

    assert page.status_code == 200
    assert _shown_count(page.text) == "2+"
    assert _rows(page.text) >= 3, "rows beyond the bound must still be listed"
    counts = [s for s in statements if "count(" in s.lower()]
    assert counts and all("LIMIT" in s.upper() for s in counts), counts


def test_the_bounded_count_is_a_number_to_the_pager():
    count = BoundedCount(10_000)
    assert count == 10_000 and count / 25 == 400
    assert str(count) == "10000+"
