"""Cases the guard already let the actor read count for their children in that request only.

The row rules test a child's case against the cases checked in this request before they
probe (``app.access.checked``). The list is bound when a statement runs, so the criteria
kept per actor and day never carry one request's cases into the next.
"""

from __future__ import annotations

import sqlalchemy as sa

from casusregie.app.access import actor_for_user, checked, system_access
from casusregie.app.extensions import db
from casusregie.app.models import Case, Intervention
from casusregie.app.services import service_call


def _director_and_cases(app) -> tuple[object, int, int]:
    """The demo case director, a case they direct, and a case with other organisations'
    interventions that another director directs."""
    with app.app_context(), system_access("test set-up"):
        user = app.appbuilder.sm.find_user(username="regisseur")
        actor = actor_for_user(user)
        other = db.session.scalar(
            sa.select(Intervention.case_id)
            .where(Intervention.organisation_id != user.organisation_id)
            .order_by(Intervention.case_id))
        own = db.session.scalar(sa.select(Case.id).where(Case.id != other).order_by(Case.id))
        # The demo director directs every demo case: another director takes this one.
        coordinator = app.appbuilder.sm.find_user(username="coordinator")
        db.session.get(Case, own).case_director_id = user.id
        db.session.get(Case, other).case_director_id = coordinator.id
        db.session.commit()
    assert own is not None and other is not None
    return actor, own, other


def _interventions_of(case_id: int) -> int:
    return len(db.session.scalars(
        sa.select(Intervention).where(Intervention.case_id == case_id)).all())


def test_a_case_noted_in_one_request_is_not_carried_into_the_next(app, browser, monkeypatch):
    actor, _own, other = _director_and_cases(app)
    monkeypatch.setattr("casusregie.app.access.guard.current_actor", lambda: actor)
    with app.test_request_context("/one"):
        assert _interventions_of(other) == 0  # not theirs
        # Pretend the guard had let this actor read the case in this request: the
        # short cut must then apply (so the test below proves it is not carried over).
        checked.note(actor, other, actor.user_id)
        assert _interventions_of(other) > 0
        db.session.remove()
    with app.test_request_context("/two"):
        assert checked.directed_ids(actor) == []
        assert _interventions_of(other) == 0
        db.session.remove()


def test_the_guard_notes_the_cases_it_lets_through(app, monkeypatch):
    actor, own, other = _director_and_cases(app)
    monkeypatch.setattr("casusregie.app.access.guard.current_actor", lambda: actor)
    with app.test_request_context("/"):
        try:
            rows = db.session.scalars(sa.select(Case).where(Case.id.in_([own, other]))).all()
            assert [c.id for c in rows] == [own]  # the other case is not theirs
            assert checked.directed_ids(actor) == [own]
            assert checked.visible_ids(actor) == [own]
            # A change to a case forgets what was checked.
            rows[0].summary = (rows[0].summary or "") + " "
            with service_call():
                db.session.flush()
            assert checked.directed_ids(actor) == []
        finally:
            db.session.rollback()
            db.session.remove()


def test_another_actor_in_the_same_request_does_not_share_the_list(app):
    actor, own, _other = _director_and_cases(app)
    partner = actor.__class__(**{**actor.__dict__, "user_id": -1, "username": "someone"})
    with app.test_request_context("/"):
        checked.note(actor, own, actor.user_id)
        assert checked.directed_ids(actor) == [own]
        assert checked.directed_ids(partner) == []
        assert checked.visible_ids(partner) == []


def test_the_case_page_of_a_director_lists_its_interventions(app, browser):
    # The short cut in use: the interventions of the shown case come without probes and
    # are still all there.
    actor, own, _other = _director_and_cases(app)
    with app.app_context(), system_access("test"):
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Intervention)
                                  .where(Intervention.case_id == own))
    browser.login("regisseur")
    page = browser.get(f"/casemodelview/show/{own}?interventions=all")
    assert page.status_code == 200
    assert page.text.count("<tr data-id=") == total
