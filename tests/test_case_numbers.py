"""Case numbers: unique, sequential and gap-free per year, also under simultaneous inclusion."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from casusregie.app import workflow
from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import (
    Case,
    CasusUser,
    Organisation,
    OrganisationKind,
    RiskGroup,
    Signal,
    Subject,
    SubjectKind,
)
from casusregie.app.numbering import format_case_number

# Simultaneous creations in threads, each on its own connection: a fresh copy.
pytestmark = pytest.mark.fresh_db

TODAY = dt.date.today()


def _last_sequence() -> int:
    return max((c.sequence for c in db.session.query(Case).filter_by(year=TODAY.year)),
               default=0)


def _new_signals(app, count: int) -> list[int]:
    with app.app_context(), system_access("test data"):
        user = db.session.query(CasusUser).filter_by(username="coordinator").one()
        ids = []
        for n in range(count):
            subject = Subject(kind=SubjectKind.person, first_name="Gelijk", last_name=f"Nr{n}",
                              date_of_birth=dt.date(1999, 1, 1 + n))
            ids.append(workflow.register_signal(user, reporter_kind=OrganisationKind.police,
                                                concern="Zorgen.", subject=subject).id)
        db.session.commit()
        return ids


def _include(signal_id: int) -> Case:
    """Include a signal as the coordinator, inside the caller's app context."""
    user = db.session.query(CasusUser).filter_by(username="coordinator").one()
    lead = db.session.query(Organisation).filter(Organisation.name.startswith("Gemeente")).one()
    return workflow.weigh_signal(
        user, db.session.get(Signal, signal_id), outcome=workflow.WeighingOutcome.include,
        weighed_on=TODAY, risk_group=db.session.query(RiskGroup).filter_by(number=4).one(),
        lead_organisation=lead,
        decision=workflow.DecisionInput("Opnemen.", "Weegploeg", [lead])).case


def _expected(app, count: int) -> list[str]:
    with app.app_context(), system_access("test"):
        last = _last_sequence()
    return [format_case_number(TODAY.year, last + n) for n in range(1, count + 1)]


def _numbers(app) -> list[str]:
    with app.app_context(), system_access("test"):
        return [c.number for c in db.session.query(Case).filter_by(year=TODAY.year)
                .order_by(Case.sequence)]


def test_sequential_inclusions_number_without_gaps(app) -> None:
    signals = _new_signals(app, 4)
    expected = _expected(app, 3)
    created = []
    with app.app_context(), system_access("test"):
        for sid in signals[:3]:
            created.append(_include(sid).number)
            db.session.commit()
    assert created == expected


def test_rolled_back_inclusion_gives_its_number_back(app) -> None:
    signals = _new_signals(app, 2)
    expected = _expected(app, 2)
    with app.app_context(), system_access("test"):
        assert _include(signals[0]).number == expected[0]
        db.session.rollback()  # e.g. the save failed after the number was drawn
        assert _include(signals[1]).number == expected[0]
        db.session.commit()
    assert _numbers(app)[-1] == expected[0]
    with app.app_context(), system_access("test"):
        assert _include(signals[0]).number == expected[1]
        db.session.commit()


def test_refused_inclusion_uses_no_number(app) -> None:
    signals = _new_signals(app, 1)
    expected = _expected(app, 1)
    with app.app_context(), system_access("test"):
        user = db.session.query(CasusUser).filter_by(username="coordinator").one()
        lead = db.session.query(Organisation).filter(
            Organisation.name.startswith("Gemeente")).one()
        with pytest.raises(workflow.WorkflowError):
            workflow.weigh_signal(user, db.session.get(Signal, signals[0]),
                                  outcome=workflow.WeighingOutcome.include, weighed_on=TODAY,
                                  lead_organisation=lead, risk_group=None,
                                  decision=workflow.DecisionInput("Opnemen.", "Weegploeg",
                                                                  [lead]))
        db.session.rollback()
        assert _include(signals[0]).number == expected[0]
        db.session.commit()


def _run_threads(targets) -> list[BaseException]:
    errors: list[BaseException] = []

    def _wrap(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # reported to the test below
                errors.append(exc)
        return run

    threads = [threading.Thread(target=_wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a creation hung"
    return errors


def test_simultaneous_inclusions_get_distinct_sequential_numbers(app) -> None:
    count = 6
    signals = _new_signals(app, count)
    expected = _expected(app, count)
    start = threading.Barrier(count)
    numbers: list[str] = []
    lock = threading.Lock()

    def create(sid: int):
        def run():
            with app.app_context(), system_access("test"):
                db.session.get(Signal, sid)
                start.wait(timeout=30)
                number = _include(sid).number
                db.session.commit()
                with lock:
                    numbers.append(number)
        return run

    errors = _run_threads([create(sid) for sid in signals])
    assert errors == []
    assert sorted(numbers) == expected
    assert _numbers(app)[-count:] == expected


def test_simultaneous_creation_after_a_rollback_leaves_no_gap(app) -> None:
    """A draws a number and holds it; B waits for A; A rolls back; B gets A's number."""
    signals = _new_signals(app, 2)
    expected = _expected(app, 1)
    a_has_number = threading.Event()
    b_started = threading.Event()
    results: dict[str, str] = {}

    def first():
        with app.app_context(), system_access("test"):
            results["a"] = _include(signals[0]).number
            a_has_number.set()
            b_started.wait(timeout=30)
            threading.Event().wait(0.5)  # B is now blocked on the counter row
            db.session.rollback()

    def second():
        with app.app_context(), system_access("test"):
            a_has_number.wait(timeout=30)
            b_started.set()
            results["b"] = _include(signals[1]).number
            db.session.commit()

    errors = _run_threads([first, second])
    assert errors == []
    assert results == {"a": expected[0], "b": expected[0]}
    assert _numbers(app)[-1] == expected[0]
