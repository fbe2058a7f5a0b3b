"""Tests do not see each other's data (tests/conftest.py): a rolled-back test (the
default) and a test on a fresh copy (``fresh_db``) both leave the next test the demo
database as seeded, and a rolled-back test that reaches the database from a second thread
or with a connection of its own is stopped instead of leaking.

The tests run in this order and each checks what the one before it left behind.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from casusregie.app.access import system_access
from tests.conftest import _WorkState

ROLLED_BACK_NAME = "Gemeente Amsterdam – hernoemd in een teruggedraaide test"
FRESH_NAME = "Gemeente Amsterdam – hernoemd op een verse kopie"
OWN_CONNECTION_NAME = "Gemeente Amsterdam – hernoemd over een eigen verbinding"
ALL_NAMES = {ROLLED_BACK_NAME, FRESH_NAME, OWN_CONNECTION_NAME}


def _organisation_names(app) -> set[str]:
    from casusregie.app.extensions import db
    from casusregie.app.models import Organisation

    with app.app_context(), system_access("test"):
        return {o.name for o in db.session.query(Organisation)}


def _rename_first_organisation(app, name: str) -> None:
    from casusregie.app.extensions import db
    from casusregie.app.models import Organisation

    with app.app_context(), system_access("test"):
        org = db.session.query(Organisation).order_by(Organisation.id).first()
        org.name = name
        db.session.commit()


def test_a_committed_change_is_visible_within_the_test(app, browser) -> None:
    from casusregie.app.extensions import db

    with app.app_context():
        # Rolled back by default: the app runs on the one connection of the outer transaction.
        assert isinstance(db.engine, sa.engine.Connection)
    _rename_first_organisation(app, ROLLED_BACK_NAME)
    assert ROLLED_BACK_NAME in _organisation_names(app)
    # A request in the same test reads the committed change too.
    assert ROLLED_BACK_NAME in browser.login("beheerder").get(
        "/organisationmodelview/list/?psize_OrganisationModelView=100").text


def test_the_next_test_does_not_see_it(app) -> None:
    assert not ALL_NAMES & _organisation_names(app)


@pytest.mark.fresh_db
def test_a_test_on_a_fresh_copy_commits_for_real(app) -> None:
    from casusregie.app.extensions import db

    with app.app_context():
        assert isinstance(db.engine, sa.engine.Engine)
    assert not ALL_NAMES & _organisation_names(app)
    _rename_first_organisation(app, FRESH_NAME)
    assert FRESH_NAME in _organisation_names(app)


@pytest.mark.fresh_db
def test_the_next_fresh_copy_does_not_have_it(app) -> None:
    assert not ALL_NAMES & _organisation_names(app)
    _rename_first_organisation(app, FRESH_NAME)


def test_nor_does_the_next_rolled_back_test(app) -> None:
    assert not ALL_NAMES & _organisation_names(app)


@pytest.mark.fresh_db
def test_a_test_on_a_fresh_copy_may_connect_on_its_own(app, test_database) -> None:
    engine = sa.create_engine(test_database.work_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE organisation SET name = :name WHERE id = "
                             "(SELECT MIN(id) FROM organisation)"), {"name": OWN_CONNECTION_NAME})
    engine.dispose()
    assert OWN_CONNECTION_NAME in _organisation_names(app)


def test_what_it_committed_there_is_gone_for_the_next_test(app) -> None:
    assert not ALL_NAMES & _organisation_names(app)


def test_a_rolled_back_test_may_not_use_a_second_thread(app) -> None:
    refusals: list[str] = []

    def elsewhere() -> None:
        try:
            _organisation_names(app)
        except RuntimeError as exc:
            refusals.append(str(exc))

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert refusals and "fresh_db" in refusals[0]
    # The refusal is what this test checks: it should not fail the test at its end.
    assert _WorkState.strays
    _WorkState.strays.clear()


def test_a_rolled_back_test_may_not_connect_on_its_own(app, test_database) -> None:
    with pytest.raises(pytest.fail.Exception, match="fresh_db"):
        test_database.work_url  # noqa: B018  (reading it is what is refused)
    assert _WorkState.strays
    _WorkState.strays.clear()


def test_nor_open_a_connection_of_its_own_on_the_app(app) -> None:
    from casusregie.app.extensions import db

    with app.app_context(), pytest.raises(RuntimeError, match="fresh_db"):
        db.engine.connect()
    assert _WorkState.strays
    _WorkState.strays.clear()


def test_every_journey_named_for_one_database_exists_and_both_runs_drive_a_browser(
        test_database) -> None:
    """A renamed journey would silently fall back to both runs; a run without journeys
    would leave a database undriven by a browser."""
    from tests.conftest import _E2E, E2E_BOTH, E2E_DATABASE, ONE_DATABASE

    journeys = {p.name for p in _E2E.glob("test_*.py")}
    assert set(E2E_DATABASE) <= journeys, set(E2E_DATABASE) - journeys
    assert E2E_BOTH <= journeys and not E2E_BOTH & set(E2E_DATABASE)
    assert set(E2E_DATABASE.values()) == {"sqlite", "postgresql"}
    tests_dir = _E2E.parent
    assert all((tests_dir / name).exists() for name in ONE_DATABASE)
