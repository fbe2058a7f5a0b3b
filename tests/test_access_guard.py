"""The ORM guard: row rules applied to every query and write, failing closed."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import RelationshipProperty

from casusregie.app.access import clock, system_access
from casusregie.app.access.actor import Actor, actor_for_user
from casusregie.app.access.guard import AccessDenied
from casusregie.app.access.rows import ROW_RULES, guarded_model, row_criteria
from casusregie.app.extensions import db
from casusregie.app.models import (
    Case,
    CaseAdmission,
    CaseNote,
    CasusUser,
    Intervention,
    Organisation,
    Signal,
    Subject,
)


def _actor(username: str) -> Actor:
    with system_access("test"):
        user = db.session.query(CasusUser).filter_by(username=username).one()
        return actor_for_user(user)


def _numbers_seen(browser, username: str) -> set[str]:
    with system_access("test"):
        numbers = {c.number for c in db.session.query(Case)}
    page = browser.login(username).get("/casemodelview/list/?psize_CaseModelView=100")
    if page.status_code != 200:
        return set()
    return {n for n in numbers if n in page.text}


def _expected_numbers(username: str) -> set[str]:
    actor = _actor(username)
    with system_access("test"):
        return {number for (number,) in db.session.execute(
            sa.select(Case.number).where(row_criteria(Case, actor)))}


def test_no_user_means_no_case_content(app):
    with app.app_context():
        assert db.session.query(Case).count() == 0
        assert db.session.query(Intervention).all() == []
        assert db.session.query(Subject).first() is None
        with system_access("test"):
            assert db.session.query(Case).count() >= 5
        # The opt-out ends with its block.
        assert db.session.query(Case).count() == 0


def test_anonymous_request_sees_nothing(app):
    with app.test_request_context("/"):
        assert db.session.query(Case).count() == 0
        assert db.session.query(Signal).count() == 0


@pytest.mark.parametrize("username,expected", [
    ("coordinator", "all"),
    ("politie", "all"),
    ("om", "all"),
    ("regisseur", "directed"),
    ("jongerenwerk", "admitted"),
    ("ggd", "admitted"),
    ("beheerder", "none"),
    ("privacy", "none"),
])
def test_case_list_per_demo_user(app, browser, username, expected):
    with app.app_context():
        seen = _numbers_seen(browser, username)
        with system_access("test"):
            all_numbers = {c.number for c in db.session.query(Case)}
            user = db.session.query(CasusUser).filter_by(username=username).one()
            directed = {c.number for c in db.session.query(Case)
                        .filter(Case.case_director_id == user.id)}
            today = dt.date.today()
            admitted = {a.case.number for a in db.session.query(CaseAdmission).filter(
                CaseAdmission.organisation_id == user.organisation_id,
                CaseAdmission.starts_on <= today, CaseAdmission.ends_on >= today)}
        want = {"all": all_numbers, "directed": directed, "admitted": admitted,
                "none": set()}[expected]
        assert expected == "none" or want, "demo data should give this user cases"
        assert _expected_numbers(username) == want
        if expected == "none":
            # No case-list permission at all, or an empty list: never the data.
            assert seen == set()
        else:
            assert seen == want


def test_partner_cannot_move_own_intervention_to_another_organisation(app):
    with app.test_request_context("/"):
        from flask_login import login_user

        with system_access("test"):
            user = db.session.query(CasusUser).filter_by(username="jongerenwerk").one()
            other = db.session.query(Organisation).filter(
                Organisation.id != user.organisation_id).first()
        login_user(user)
        own = db.session.query(Intervention).first()
        assert own is not None and own.organisation_id == user.organisation_id
        own.organisation_id = other.id
        with pytest.raises(AccessDenied):
            db.session.flush()
        db.session.rollback()
        # Its own intervention it may update (through a service, as every user write).
        from casusregie.app.services import service_call

        own = db.session.get(Intervention, own.id)
        own.outcome = "Loopt goed."
        with service_call():
            db.session.flush()
        db.session.rollback()


def test_partner_cannot_write_notes_or_admissions(app):
    with app.test_request_context("/"):
        from flask_login import login_user

        with system_access("test"):
            user = db.session.query(CasusUser).filter_by(username="jongerenwerk").one()
        login_user(user)
        case = db.session.query(Case).first()
        assert case is not None
        db.session.add(CaseNote(case_id=case.id, author_id=user.id,
                                organisation_id=user.organisation_id, text="x"))
        with pytest.raises(AccessDenied):
            db.session.flush()
        db.session.rollback()
        db.session.add(CaseAdmission(case_id=case.id, organisation_id=user.organisation_id,
                                     purpose="x", legal_basis="x", starts_on=dt.date.today(),
                                     ends_on=dt.date.today(), granted_by_id=user.id))
        with pytest.raises(AccessDenied):
            db.session.flush()
        db.session.rollback()


def _links_to_case(model: type, seen: frozenset[type] = frozenset()) -> bool:
    """Whether rows of ``model`` belong to a case (a foreign key chain to ``case``)."""
    if model is Case:
        return True
    for column in sa.inspect(model).columns:
        for fk in column.foreign_keys:
            if fk.column.table.name == "case":
                return True
    for rel in sa.inspect(model).relationships:
        target = rel.mapper.class_
        if isinstance(rel, RelationshipProperty) and rel.direction.name == "MANYTOONE" \
                and target not in seen and target is not model \
                and guarded_model(target) is not None:
            return True
    return False


# Plugin models that hang below a guarded row and are narrowed by their own views'
# base filters instead of a row rule of the ORM guard: the meeting log of a mentoring
# trajectory (jongerenwerk). A row rule for such child tables is open work of the access
# policy (docs/design.md, "The access model").
CHILDREN_NARROWED_BY_THEIR_VIEWS = {"MentoringMeeting"}


def test_every_model_holding_case_content_is_guarded(app):
    """A new model linked to a case must get a row rule, or this test fails.

    The built-in plugins' models are imported first, so that the answer does not depend
    on which tests happened to load them before this one."""
    import importlib

    from flask_appbuilder import Model

    for name in ("zorg", "jongerenwerk", "bestuurlijk"):
        importlib.import_module(f"casusregie.plugins.{name}.models")
    unguarded = []
    for mapper in Model.registry.mappers:
        model = mapper.class_
        if _links_to_case(model) and guarded_model(model) is None:
            unguarded.append(model.__name__)
    assert sorted(unguarded) == sorted(CHILDREN_NARROWED_BY_THEIR_VIEWS)


def test_the_guard_builds_its_criteria_once_per_actor_and_day(app, browser, monkeypatch):
    """Building the row rules per statement was most of a page's CPU; they are kept per
    actor and day, and a new day (admissions expire) or another actor gets its own."""
    from casusregie.app.access import guard, rows

    built: list[str] = []
    original = rows.row_criteria

    def counting(model, actor):
        built.append(actor.username if actor else "-")
        return original(model, actor)

    monkeypatch.setattr(rows, "row_criteria", counting)
    guard._options_cache.clear()
    browser.login("regisseur")
    assert browser.get("/casemodelview/list/").status_code == 200
    assert browser.get("/").status_code == 200
    assert built.count("regisseur") == len(ROW_RULES)

    tomorrow = clock.today() + dt.timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda: tomorrow)
    assert browser.get("/casemodelview/list/").status_code == 200
    assert built.count("regisseur") == 2 * len(ROW_RULES)

    other = type(browser)(app).login("jongerenwerk")
    assert other.get("/casemodelview/list/").status_code == 200
    assert built.count("jongerenwerk") == len(ROW_RULES)
