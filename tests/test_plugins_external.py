"""The guide's example plugin, installed as its own distribution, works end to end."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.plugins.support import build_database, empty_database, ensure_example_installed
from tests.support import Browser

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def app(test_database, tmp_path_factory):
    ensure_example_installed()
    url, cleanup = empty_database(test_database, tmp_path_factory.mktemp("voorbeeld"),
                                  "voorbeeld")
    app = build_database(url, ["voorbeeld"])
    yield app
    from casusregie.app.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    cleanup()


def _scalar(app, sql: str, **params):
    from casusregie.app.extensions import db

    with app.app_context():
        return db.session.execute(sa.text(sql), params).scalar()


def test_discovered_through_its_entry_point_from_outside_the_repository(app) -> None:
    from casusregie.app.plugin_manager import installed_plugins, plugins_of

    entry_point = installed_plugins()["voorbeeld"]
    assert entry_point.dist.name == "casus-voorbeeld"
    assert entry_point.value == "casus_voorbeeld"
    module = entry_point.load()
    # Its code is not part of the Casusregie package.
    assert not Path(module.__file__).resolve().is_relative_to(ROOT / "app")
    assert not Path(module.__file__).resolve().is_relative_to(ROOT / "plugins")
    assert importlib.metadata.distribution("casus-voorbeeld").version == "1.0.0"
    assert plugins_of(app).names == ("voorbeeld",)


def test_register_show_and_refuse_bad_input(app) -> None:
    case_id = _scalar(app, "SELECT id FROM \"case\" WHERE number = 'CR-2025-0001'")
    type_id = _scalar(app, "SELECT id FROM intervention_type WHERE kind = 'voorbeeld.buddy'")
    assert type_id is not None  # `casus init` put it in the catalogue
    youth = Browser(app).login("jongerenwerk")
    assert "Buddytrajecten" in youth.get("/").text  # menu entry, in Dutch
    form = {"case": str(case_id), "type": str(type_id), "buddy_name": "Bas Buddy",
            "contacts_per_month": "40", "status": "active",
            "start_date": dt.date.today().isoformat()}
    resp = youth.submit("/buddytrajectorymodelview/add", form)
    assert resp.status_code == 200
    assert "Geef een aantal contacten tussen 1 en 31." in resp.text
    assert "Bas Buddy" in resp.text
    resp = youth.submit("/buddytrajectorymodelview/add", {**form, "contacts_per_month": "4"})
    assert resp.status_code == 302, resp.text
    pk = _scalar(app, "SELECT id FROM voorbeeld_buddy WHERE buddy_name = 'Bas Buddy'")
    show = youth.get(f"/buddytrajectorymodelview/show/{pk}")
    assert "Bas Buddy" in show.text
    assert "Buddy's zijn vrijwilligers" in show.text  # the plugin's own template
    assert _scalar(app, "SELECT o.name FROM intervention i JOIN organisation o "
                        "ON o.id = i.organisation_id WHERE i.id = :pk", pk=pk) \
        == "Jongerenwerk Amsterdam"
    # The GGD (care, not youth work or welfare) may not register one.
    ggd = Browser(app).login("ggd")
    page = ggd.get("/buddytrajectorymodelview/add", follow_redirects=True)
    assert "/buddytrajectorymodelview/add" not in page.request.path
    assert "Bas Buddy" not in ggd.get("/buddytrajectorymodelview/list/").text

    # Its dossier section and its command.
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Table

    from casusregie.app.access.actor import actor_for_user
    from casusregie.app.extensions import db
    from casusregie.app.models import Case
    from casusregie.app.plugin_manager import dossier_sections
    from casusregie.reports.api import DossierContext

    with app.test_request_context():
        from flask import g
        from flask_login import login_user

        g.user = app.appbuilder.sm.find_user(username="regisseur")
        login_user(g.user)
        (section,) = dossier_sections(app)
        ctx = DossierContext(case=db.session.get(Case, case_id),
                             actor=actor_for_user(g.user), locale="nl",
                             styles=dict(getSampleStyleSheet().byName), gettext=str)
        tables = [f for f in section.render(ctx) if isinstance(f, Table)]
        cells = [c.getPlainText() for t in tables for row in t._cellvalues for c in row]
        assert "Bas Buddy" in cells and "4" in cells
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["voorbeeld-count"])
    assert result.exit_code == 0 and "1 buddy trajectories" in result.output
