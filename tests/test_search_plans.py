"""A name search reads as much for 2,000 people of that name as for 50 (PostgreSQL plans).

The subject list searched by a surname counted every match and sorted every match for
its 25 rows: at 100,000 cases "van Dijk" (6,006 matches) read 6,744 buffers, ten times
"Ramdin" (563 matches) at 10,000. Sorted by the surname key and counted up to a bound,
the page and the count read each key's first matches from an index in order and stop.

The check generates 50 subjects of one surname and 2,000 of another, searches both as
the coordinator and runs the list's SELECTs on the subject table again under
``EXPLAIN (ANALYZE, BUFFERS)``: the buffers and the subject rows they read must be
the same for both, within a few index pages. The count's bound is set to 40 so that
both names exceed it, as a common name exceeds 500 in a city.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Subject
from tests.support import Browser, generated_copy, make_app

COUNT_LIMIT = 40
FEW, MANY = 50, 2000
_SELECT = re.compile(r"\s*(WITH\s|SELECT\s)", re.I)


@pytest.fixture(scope="module")
def search_app(test_database) -> Iterator:
    if not hasattr(test_database, "admin"):
        pytest.skip("query plans are PostgreSQL's")
    url, drop = generated_copy(test_database, "searchplans", 100)
    app = make_app(url, CASUS_SEARCH_COUNT_LIMIT=COUNT_LIMIT)
    with app.app_context(), system_access("test"):
        # Interleaved, as people of one name are registered over the years: the matches
        # of either name lie spread over the table's pages.
        for i in range(MANY):
            db.session.add(Subject(first_name=f"Jan{i:04d}", last_name="van Zwijsen"))
            if i < FEW:
                db.session.add(Subject(first_name=f"Piet{i:04d}", last_name="Quaedvlieg"))
        db.session.commit()
    with app.app_context(), db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE subject")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def _nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _reads(app, term: str) -> dict[str, tuple[int, int]]:
    """Per SELECT on the subject table of the search page (count, page): the buffers it
    touches and the subject rows (table or index entries) its scans return."""
    browser = Browser(app).login("bench-coordinator")
    url = f"/subjectmodelview/list/?_flt_0_name_key={term}"
    assert browser.get(url).status_code == 200  # warm: user, menus, permissions
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if _SELECT.match(statement) and "FROM subject" in statement:
            seen.append((statement, parameters))

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            page = browser.get(url)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        assert page.status_code == 200 and term.split()[-1] in page.text
        reads = {}
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SET jit = off")
            # A 2,300-row table is read whole most cheaply; a city's is not.
            conn.exec_driver_sql("SET enable_seqscan = off")
            for statement, parameters in seen:
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "
                                            + statement, parameters).scalar()[0]["Plan"]
                rows = sum(node["Actual Rows"] * node["Actual Loops"] for node in _nodes(plan)
                           if node.get("Relation Name") == "subject")
                buffers = plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]
                kind = "count" if "count(" in statement.split("FROM", 1)[0] else "page"
                assert kind not in reads, statement
                reads[kind] = (buffers, rows)
    assert set(reads) == {"count", "page"}, seen
    return reads


def test_a_name_search_reads_the_same_for_50_or_2000_matches(search_app):
    few = _reads(search_app, "Quaedvlieg")
    many = _reads(search_app, "van Zwijsen")
    for kind in ("count", "page"):
        (few_buffers, few_rows), (many_buffers, many_rows) = few[kind], many[kind]
        # The count reads up to the bound and one more; the page its 25 rows (and up to
        # 25 of each key before them).
        bound = COUNT_LIMIT + 1 if kind == "count" else 2 * 25 + 25
        assert many_rows <= 2 * bound, (kind, few, many)
        assert many_rows == few_rows, (kind, few, many)
        # Another index page or two, not one per match.
        assert many_buffers <= few_buffers + 5, (kind, few, many)
