"""The access guard's cost does not grow with a director's caseload (PostgreSQL plans).

The case page and the dossier of a case are requested as its director over generated
data; every SELECT they send is run again under ``EXPLAIN ANALYZE``. No plan may read all
of the cases the director directs (a hashed sub-plan of "cases I direct") or all of their
action plans (the goal rule): the guard must probe the rows at hand, one key at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from casusregie.app.extensions import db
from tests.support import Browser, generated_copy, make_app

GENERATED_CASES = 200
_SELECT = re.compile(r"\s*(WITH|SELECT)\b", re.I)
_CONDITIONS = ("Filter", "Index Cond", "Recheck Cond", "Hash Cond", "Join Filter")


@pytest.fixture(scope="module")
def director_app(test_database) -> Iterator:
    if not hasattr(test_database, "admin"):
        pytest.skip("query plans are PostgreSQL's")
    url, drop = generated_copy(test_database, "plans", GENERATED_CASES)
    app = make_app(url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def _facts(app) -> tuple[int, int, int]:
    """The director's 1,000-intervention case, how many cases and plans they direct."""
    with app.app_context(), db.engine.connect() as conn:
        director = conn.execute(sa.text(
            "SELECT id FROM ab_user WHERE username = 'bench-director'")).scalar()
        case_id = conn.execute(sa.text(
            "SELECT case_id FROM intervention GROUP BY case_id HAVING COUNT(*) = 1000")).scalar()
        cases = conn.execute(sa.text(
            'SELECT COUNT(*) FROM "case" WHERE case_director_id = :d'), {"d": director}).scalar()
        plans = conn.execute(sa.text(
            'SELECT COUNT(*) FROM action_plan p JOIN "case" c ON c.id = p.case_id '
            "WHERE c.case_director_id = :d"), {"d": director}).scalar()
    return case_id, cases, plans


def _statements(app, request) -> list[tuple[str, object]]:
    """The SELECTs (with their parameters) that ``request()`` sends."""
    with app.app_context():
        engine = db.engine
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if _SELECT.match(statement):
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        request()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


def _nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _wide_reads(app, statements, limits: dict[str, int]) -> list[str]:
    """Plan nodes that read at least ``limits[table]`` rows of that table in one go (for
    ``case``: selected by their director)."""
    found = []
    with app.app_context(), db.engine.connect() as conn:
        conn.exec_driver_sql("SET jit = off")
        for statement, parameters in statements:
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement,
                                        parameters).scalar()[0]["Plan"]
            for node in _nodes(plan):
                table = node.get("Relation Name")
                conditions = " ".join(str(node.get(k, "")) for k in _CONDITIONS)
                if table == "case" and "case_director_id" not in conditions:
                    continue  # a case read for what it is, not for who directs it
                if table in limits and node["Actual Rows"] >= limits[table]:
                    found.append(f"{node['Node Type']} on {table} ({node['Actual Rows']} rows) "
                                 f"in: {statement[:160]}")
    return found


def _requests(app):
    case_id, directed, plans = _facts(app)
    assert case_id and directed >= 10 and plans >= 10  # enough to tell a probe from a read
    browser = Browser(app).login("bench-director")

    def case_page() -> None:
        assert browser.get(f"/casemodelview/show/{case_id}").status_code == 200
        assert browser.get(f"/casemodelview/show/{case_id}?interventions=all").status_code == 200

    def dossier() -> None:
        page = browser.get(f"/print/dossier/{case_id}").text
        sections = re.findall(r'name="sections"[^>]*value="([^"]+)"', page)
        assert len(sections) >= 6, sections
        pdf = browser.submit(f"/print/dossier/{case_id}",
                             {"purpose": "Toets van het plan", "sections": sections})
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"

    case_page()  # warm: the first request also loads the user, menus and lookups
    return {"case page": case_page, "dossier": dossier}, {"case": directed,
                                                         "action_plan": plans}


def test_the_case_page_does_not_read_every_directed_case(director_app):
    requests, limits = _requests(director_app)
    statements = _statements(director_app, requests["case page"])
    assert len(statements) > 5
    assert _wide_reads(director_app, statements, limits) == []


def test_the_dossier_does_not_read_every_directed_case(director_app):
    requests, limits = _requests(director_app)
    statements = _statements(director_app, requests["dossier"])
    assert len(statements) > 5
    assert _wide_reads(director_app, statements, limits) == []


# --------------------------------------------------------------------------- start page
# The coordinator's start page lists open cases without a director, oldest first. At
# 100,000 cases PostgreSQL walked the opening-date index and threw away every case (all
# have a director: 2,624 pages for no row); an index holding only the undirected open
# cases yields nothing it must throw away. Sequential scans are switched off for the
# check: at 200 cases scanning the small table is the planner's cheapest choice.


def test_the_start_page_reads_no_case_it_must_throw_away(director_app):
    browser = Browser(director_app).login("bench-coordinator")
    assert browser.get("/").status_code == 200  # warm
    statements = _statements(director_app, lambda: browser.get("/"))
    undirected = [(s, p) for s, p in statements if "case_director_id IS NULL" in s]
    assert len(undirected) == 1
    statement, parameters = undirected[0]
    with director_app.app_context(), db.engine.connect() as conn:
        conn.exec_driver_sql("SET jit = off")
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement,
                                    parameters).scalar()[0]["Plan"]
    case_reads = [node for node in _nodes(plan) if node.get("Relation Name") == "case"]
    assert case_reads
    assert [node.get("Filter") for node in case_reads] == [None] * len(case_reads)


# --------------------------------------------------------------------------- partner list
# A partner's intervention list counts the organisation's interventions in the cases it
# is admitted to. Read from the table, that count visits one page per intervention, and a
# partner's interventions spread over more pages as the city grows (1,492 pages at 10,000
# cases, 2,377 at 100,000, for the same 5,000 interventions); from the indexes alone it
# reads a few dozen at either size. Sequential and bitmap scans are switched off for the
# check, as at 200 cases reading the whole small table is the planner's cheapest choice.


def test_the_partner_list_counts_from_the_indexes_alone(director_app):
    browser = Browser(director_app).login("bench-partner")
    assert browser.get("/interventionmodelview/list/").status_code == 200  # warm
    statements = _statements(director_app,
                             lambda: browser.get("/interventionmodelview/list/"))
    counts = [(s, p) for s, p in statements
              if s.lstrip().startswith("SELECT count(*)") and "FROM intervention" in s]
    assert len(counts) == 1
    statement, parameters = counts[0]
    reads = {}
    with director_app.app_context(), db.engine.connect() as conn:
        conn.exec_driver_sql("SET jit = off")
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_bitmapscan = off")
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement,
                                    parameters).scalar()[0]["Plan"]
    for node in _nodes(plan):
        if node.get("Relation Name") in ("intervention", "case_admission"):
            reads.setdefault(node["Relation Name"], set()).add(node["Node Type"])
    assert reads == {"intervention": {"Index Only Scan"},
                     "case_admission": {"Index Only Scan"}}
