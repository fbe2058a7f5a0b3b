"""The benchmark data generator: proportions, coverage, determinism, usable accounts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from benchmarks.generate import SPECIAL_INTERVENTION_COUNTS, generate
from tests.support import DEMO_PASSWORD, Browser, bare_copy, make_app

CASES = 300


@pytest.fixture(scope="module")
def empty_database(test_database) -> Iterator:
    """A factory of migrated, initialised databases without demo data: copies of the
    run's one (a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL)."""
    drops: list = []

    def make() -> str:
        url, drop = bare_copy(test_database, "gen")
        drops.append(drop)
        return url

    yield make
    for drop in drops:
        drop()


def _generate(url: str, seed: int = 3, cases: int = CASES) -> dict[str, int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return generate(engine, cases, seed, password=DEMO_PASSWORD)
    finally:
        engine.dispose()


def _fetch(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_proportions_and_coverage(empty_database):
    url = empty_database()
    counts = _generate(url)
    assert counts["case"] == CASES
    assert counts["subject"] == 3 * CASES
    assert 0.85 * 10 * CASES <= counts["intervention"] <= 1.15 * 10 * CASES
    assert counts["organisation"] >= 12 and counts["ab_user"] >= 40
    for table in ("case_conference", "agenda_item", "decision", "case_admission",
                  "signal", "weighing", "goal", "subject_relation"):
        assert counts[table] > 0, table

    phases = {p for (p,) in _fetch(url, 'SELECT DISTINCT phase FROM "case"')}
    assert phases == {"conference", "monitoring", "closed", "destroyed"}
    groups = _fetch(url, 'SELECT COUNT(DISTINCT risk_group_id) FROM "case"')[0][0]
    assert groups == 5
    per_case = dict(_fetch(url, "SELECT case_id, COUNT(*) FROM intervention GROUP BY case_id"))
    for size in SPECIAL_INTERVENTION_COUNTS:
        assert size in per_case.values(), size
    assert min(per_case.values()) <= 3, "short cases are missing"
    # Destroyed cases keep no personal data.
    assert _fetch(url, 'SELECT COUNT(*) FROM "case" c JOIN case_subject cs ON '
                       "cs.case_id = c.id WHERE c.phase = 'destroyed'")[0][0] == 0
    assert _fetch(url, "SELECT COUNT(*) FROM decision WHERE kind = 'closure'")[0][0] > 0
    # New cases continue after the generated numbers instead of colliding with them.
    assert _fetch(url, "SELECT MIN(last_value) FROM case_number_counter")[0][0] > 0


def test_same_seed_same_data_other_seed_other_data(empty_database):
    first, second, third = empty_database(), empty_database(), empty_database()
    _generate(first, seed=5)
    _generate(second, seed=5)
    _generate(third, seed=6)
    cases = ('SELECT id, number, phase, risk_group_id, case_director_id, opened_at '
             'FROM "case" ORDER BY id')
    interventions = ("SELECT id, case_id, type_id, organisation_id, status, start_date "
                     "FROM intervention ORDER BY id")
    subjects = "SELECT id, first_name, last_name, name_key FROM subject ORDER BY id"
    for sql in (cases, interventions, subjects):
        assert _fetch(first, sql) == _fetch(second, sql)
    assert _fetch(first, cases) != _fetch(third, cases)


def test_generated_accounts_log_in_and_see_generated_cases(empty_database):
    url = empty_database()
    _generate(url)
    app = make_app(url)
    page = Browser(app).login("bench-coordinator").get("/casemodelview/list/")
    assert page.status_code == 200
    newest = _fetch(url, 'SELECT number FROM "case" ORDER BY number DESC LIMIT 1')[0][0]
    assert newest in page.text
    with app.app_context():
        from casusregie.app.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.mark.fresh_db  # Runs the generator on the work database's own URL.
def test_refuses_a_database_that_already_holds_cases(app):
    from casusregie.app.extensions import db

    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
        db.session.remove()
        db.engine.dispose()
    with pytest.raises(SystemExit, match="already holds"):
        _generate(url)
