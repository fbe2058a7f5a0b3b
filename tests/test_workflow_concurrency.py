"""Two people taking the same decision at the same moment: one wins, nothing is doubled."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy.orm.exc import StaleDataError

from casusregie.app import workflow
from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import (
    Case,
    CasusUser,
    CloseReason,
    Decision,
    Organisation,
    RiskGroup,
    Signal,
)
from tests.workflow_support import case_with, signal_id

# Simultaneous changes in threads, each on its own connection: a fresh copy.
pytestmark = pytest.mark.fresh_db

TODAY = dt.date.today()


def _in_parallel(app, work, count: int = 2) -> tuple[list[object], list[BaseException]]:
    """Run ``work(session)`` in ``count`` threads with their own connections, released
    together after each has loaded its rows; commit each, collect results and errors."""
    loaded = threading.Barrier(count)
    results: list[object] = []
    errors: list[BaseException] = []
    guard = threading.Lock()

    def run() -> None:
        with app.app_context(), system_access("test"):
            try:
                result = work(loaded)
                db.session.commit()
                with guard:
                    results.append(result)
            except BaseException as exc:  # collected for the assertions
                db.session.rollback()
                with guard:
                    errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a decision hung"
    return results, errors


def _coordinator_and_lead():
    user = db.session.query(CasusUser).filter_by(username="coordinator").one()
    lead = db.session.query(Organisation).filter(Organisation.name.startswith("Gemeente")).one()
    return user, lead


def test_one_signal_included_twice_at_once_becomes_one_case(app) -> None:
    sid = signal_id(app, last_name="El Amrani")
    with app.app_context(), system_access("test"):
        cases_before = db.session.query(Case).count()

    def include(loaded):
        user, lead = _coordinator_and_lead()
        signal = db.session.get(Signal, sid)
        group = db.session.query(RiskGroup).filter_by(number=3).one()
        assert signal.status == "received"
        loaded.wait(timeout=30)
        return workflow.weigh_signal(
            user, signal, outcome=workflow.WeighingOutcome.include, weighed_on=TODAY,
            risk_group=group, lead_organisation=lead,
            decision=workflow.DecisionInput("Opnemen.", "Weegploeg", [lead])).case.number

    results, errors = _in_parallel(app, include)
    assert len(results) == 1
    assert [str(e) for e in errors] == ["Dit signaal is al gewogen."]
    with app.app_context(), system_access("test"):
        assert db.session.query(Case).count() == cases_before + 1
        assert db.session.query(Decision).filter_by(signal_id=sid, kind="weighing").count() == 1


def test_one_case_closed_twice_at_once_is_closed_once(app) -> None:
    cid = case_with(app, last_name="Verhoef")

    def close(loaded):
        user, lead = _coordinator_and_lead()
        case = db.session.get(Case, cid)
        assert case.phase == "monitoring"
        loaded.wait(timeout=30)
        workflow.close_case(user, case, close_reason=CloseReason.goals_met,
                            decision=workflow.DecisionInput("Doelen behaald.", "Casusoverleg",
                                                            [lead]),
                            confirm_open_items=True, open_items_reason="Loopt door.")
        return case.version

    results, errors = _in_parallel(app, close)
    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], StaleDataError | workflow.WorkflowError)
    with app.app_context(), system_access("test"):
        assert db.session.query(Decision).filter_by(case_id=cid, kind="closure").count() == 1
        assert db.session.get(Case, cid).phase == "closed"
