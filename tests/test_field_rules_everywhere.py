"""One answer about a field: a plugin's field rule hides the field in every reader —
the screens, the REST API, the PDF dossier and the CSV export of the intervention list.

Before ``can_see_field`` included the plugins' rules, the API and the dossier asked a
rule that ignored them and served what the screens hid.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from casusregie.app.access import register_field_rules, system_access
from casusregie.app.access.fields import FIELD_RULES_KEY
from casusregie.app.hookspecs import FieldRule
from tests.support import DEMO_PASSWORD, Browser

SECRET = "Uitkomst-alleen-voor-de-regel-7431"


def _prepare(app) -> tuple[int, int]:
    """A coordinator-visible intervention with a recognisable outcome."""
    from casusregie.app.extensions import db
    from casusregie.app.models import Intervention

    with app.app_context(), system_access("test set-up"):
        item = db.session.query(Intervention).order_by(Intervention.id).first()
        item.outcome = SECRET
        db.session.commit()
        return item.id, item.case_id


def _readers(app, intervention_id: int, case_id: int) -> dict[str, str]:
    """What the coordinator gets from each path: screen show and edit, API list and show,
    the dossier's text and a CSV export that asks for the field."""
    browser = Browser(app).login("coordinator")
    client = app.test_client()
    login = client.post("/api/v1/security/login", json={
        "username": "coordinator", "password": DEMO_PASSWORD, "provider": "db"})
    headers = {"Authorization": f"Bearer {login.json['access_token']}"}
    page = browser.get(f"/print/dossier/{case_id}").text
    sections = [v for v in ("decisions", "assessment", "plan", "interventions",
                            "conferences", "notes") if f'value="{v}"' in page]
    pdf = browser.submit(f"/print/dossier/{case_id}",
                         {"purpose": "Toets van de veldregel", "sections": sections})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.data))
                             .pages).split())
    return {
        "screen show": browser.get(f"/interventionmodelview/show/{intervention_id}").text,
        "screen edit": browser.get(f"/interventionmodelview/edit/{intervention_id}").text,
        "api show": client.get(f"/api/v1/intervention/{intervention_id}",
                               headers=headers).text,
        "api list": client.get("/api/v1/intervention/?q=(page_size:100)",
                               headers=headers).text,
        "dossier": text,
        "csv export": browser.submit("/export/interventions/", {
            "columns": ["case", "type", "status", "outcome"], "file_format": "csv",
            "purpose": "Toets van de veldregel"}).get_data(as_text=True),
    }


@pytest.fixture()
def hidden_by_plugin_rule(app, monkeypatch):
    """A plugin field rule, registered as the plugin manager registers them: nobody may
    see an intervention's outcome."""
    monkeypatch.setitem(app.extensions, FIELD_RULES_KEY, app.extensions.get(FIELD_RULES_KEY, ()))
    from casusregie.app.models import Intervention

    rule = FieldRule(Intervention, frozenset({"outcome"}), allows=lambda _obj, _actor: False,
                     may_see_some=lambda _actor: False)
    register_field_rules(app, [rule])
    return rule


def test_without_the_rule_the_coordinator_reads_the_outcome_everywhere(app) -> None:
    """The control: every path shows the value, so the next test's absences mean hiding."""
    intervention_id, case_id = _prepare(app)
    readers = _readers(app, intervention_id, case_id)
    for name, body in readers.items():
        assert SECRET in body, f"{name} should show the outcome without the rule"


def test_a_plugin_field_rule_hides_the_field_in_screen_api_and_dossier(
        app, hidden_by_plugin_rule) -> None:
    intervention_id, case_id = _prepare(app)
    readers = _readers(app, intervention_id, case_id)
    for name, body in readers.items():
        assert SECRET not in body, f"{name} shows a field a plugin's field rule hides"
    # The pages and the API still answer with the rest of the intervention.
    assert str(intervention_id) in readers["api show"]
    assert "case" in readers["api list"]
