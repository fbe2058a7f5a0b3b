"""Case content is written through the service layer only (app/services.py).

A view that writes a model itself, outside a service, is refused at the flush; the
generated forms, the API and the process screens pass because they go through it.
"""

from __future__ import annotations

import ast
import functools
import inspect
from pathlib import Path

import pytest
from flask import Blueprint, g

from casusregie.app import services
from casusregie.app.access import system_access
from casusregie.app.extensions import csrf, db
from casusregie.app.models import Case, CaseNote, Intervention
from tests.support import Browser
from tests.test_api import API, new_intervention, token

pytestmark = pytest.mark.rollback


def _plant_direct_writer(app) -> None:
    """A screen that writes a note without the service layer, as a careless view would."""
    if "planted_direct_writer" in app.blueprints:
        return
    blueprint = Blueprint("planted_direct_writer", __name__)

    @blueprint.route("/planted/direct-note/<int:case_id>", methods=["POST"])
    def direct_note(case_id: int):
        db.session.add(CaseNote(case_id=case_id, text="Direct geschreven.",
                                author_id=g.user.id))
        try:
            db.session.commit()
        except services.ServiceLayerBypassed:
            db.session.rollback()
            return "refused", 409
        return "written", 201

    csrf.exempt(blueprint)
    was = app._got_first_request
    app._got_first_request = False  # a blueprint may only be added before serving
    try:
        app.register_blueprint(blueprint)
    finally:
        app._got_first_request = was


def _first_case_id(app) -> int:
    with app.app_context(), system_access("test"):
        case_id = db.session.query(Case.id).order_by(Case.id).first()[0]
        db.session.remove()
    return case_id


def _notes(app) -> int:
    with app.app_context(), system_access("test"):
        count = db.session.query(CaseNote).count()
        db.session.remove()
    return count


def test_a_view_writing_case_content_directly_is_refused(app) -> None:
    _plant_direct_writer(app)
    browser = Browser(app).login("coordinator")
    before = _notes(app)
    resp = browser.post(f"/planted/direct-note/{_first_case_id(app)}")
    assert (resp.status_code, resp.text) == (409, "refused")
    assert _notes(app) == before


def test_the_same_note_through_the_screen_passes(app) -> None:
    browser = Browser(app).login("coordinator")
    before = _notes(app)
    url = f"/casenotemodelview/add?_flt_0_case={_first_case_id(app)}"
    resp = browser.submit(url, {"text": "Via het scherm."})
    assert resp.status_code == 302
    assert _notes(app) == before + 1


def test_the_api_writes_through_the_service_layer(app) -> None:
    client = app.test_client()
    resp = client.post(f"{API}/intervention/", json=new_intervention(app),
                       headers=token(client, "ggd"))
    assert resp.status_code == 201, resp.json


def test_every_model_a_form_writes_has_a_service(app) -> None:
    """Every add, edit and delete screen of case content has a writer: a new screen
    (or a plugin's) over case content without one fails here, before a user finds it."""
    from flask_appbuilder import ModelView

    missing = []
    for view in app.appbuilder.baseviews:
        if not isinstance(view, ModelView) or not services.is_case_content(view.datamodel.obj):
            continue
        for permission, operation in (("can_add", "add"), ("can_edit", "edit"),
                                      ("can_delete", "delete")):
            # The signal form registers through app.workflow.register_signal itself.
            own_service = operation == "add" and type(view).__name__ == "SignalModelView"
            if permission in view.base_permissions and not own_service and \
                    services.writer_for(view.datamodel.obj, operation) is None:
                missing.append(f"{type(view).__name__}: {operation}")
    assert not missing, "case content written without a service:\n  " + "\n  ".join(missing)
    assert services.writer_for(Intervention, "add") is not None


# --- every service has a caller outside the tests ---------------------------------------

_ROOT = Path(__file__).resolve().parents[1]
#: Where screens, the API, jobs and plugins live: a service referenced only in tests/ is
#: one no user can reach.
_PRODUCT = ("app", "plugins", "reports")


@functools.cache
def _names_in(path: Path) -> tuple[tuple[str, int, bool], ...]:
    """Every name a file uses or defines (name, line, whether it is assigned), parsed
    once for all services."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.append((node.id, node.lineno, isinstance(node.ctx, ast.Store)))
        elif isinstance(node, ast.Attribute):
            found.append((node.attr, node.lineno, False))
    return tuple(found)


def _references(name: str, defined_in: Path) -> list[str]:
    """Places outside the tests that name ``name`` (a call, or the function passed on)."""
    found = []
    for folder in _PRODUCT:
        for path in sorted((_ROOT / folder).rglob("*.py")):
            for named, line, stored in _names_in(path):
                if named == name and not (path == defined_in and stored):
                    found.append(f"{path.relative_to(_ROOT)}:{line}")
    return found


def test_every_service_has_a_caller_outside_the_tests(app) -> None:
    """A service function only tests call is a second write path nobody uses: it gets a
    screen, or it goes."""
    assert len(services.SERVICES) >= 10  # the workflow, conferences, subjects, admissions
    unused = []
    for fn in services.SERVICES:
        defined_in = Path(inspect.getsourcefile(inspect.unwrap(fn)))
        if not _references(fn.__name__, defined_in):
            unused.append(f"{fn.__module__}.{fn.__name__}")
    assert not unused, f"services no screen, API or plugin uses: {unused}"


def test_the_unused_service_check_sees_a_reference(tmp_path) -> None:
    assert _references("register_signal", _ROOT / "app" / "workflow.py")
    assert not _references("no_such_service_anywhere", _ROOT / "app" / "workflow.py")
