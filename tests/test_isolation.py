"""Tests marked ``rollback`` share the work database and roll back what they commit: the
second test must not see the first one's change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.access import system_access

pytestmark = pytest.mark.rollback

NEW_NAME = "Gemeente Amsterdam – hernoemd door een test"


def _organisation_names(app) -> set[str]:
    from app.extensions import db
    from app.models import Organisation

    with app.app_context(), system_access("test"):
        return {o.name for o in db.session.query(Organisation)}


def test_a_committed_change_is_visible_within_the_test(app, browser) -> None:
    from app.extensions import db
    from app.models import Organisation

    with app.app_context(), system_access("test"):
        # Not a fresh copy: the app runs on the one connection of the outer transaction.
        assert isinstance(db.engine, sa.engine.Connection)
        org = db.session.query(Organisation).order_by(Organisation.id).first()
        org.name = NEW_NAME
        db.session.commit()
    assert NEW_NAME in _organisation_names(app)
    # A request in the same test reads the committed change too.
    assert NEW_NAME in browser.login("beheerder").get(
        "/organisationmodelview/list/?psize_OrganisationModelView=100").text


def test_the_next_test_does_not_see_it(app) -> None:
    assert NEW_NAME not in _organisation_names(app)
