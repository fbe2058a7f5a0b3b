"""Acceptance 1 of issue 4: no user receives what they are not entitled to, anywhere.

Every registered view, REST endpoint, action and report route (taken from the app's URL
map) is walked as each probe user: lists, counts, show/edit/add pages (their related-field
dropdowns), filters naming hidden rows, the REST API and its related-field choices, and
every route that takes an id — with ids of rows the user may not see. See
``tests/access_crawler.py`` for how leaks are recognised.
"""

from __future__ import annotations

import pytest
from flask import abort
from flask_appbuilder import BaseView, expose

from tests.access_crawler import crawl, entitlement, plant_markers

PROBES = ("jongerenwerk", "ggd", "regisseur", "politie", "beheerder", "privacy")


@pytest.mark.parametrize("username", PROBES)
def test_nobody_receives_rows_or_fields_they_are_not_entitled_to(app, username):
    with app.app_context():
        markers = plant_markers()
        ent = entitlement(username, markers)
        # The probe is meaningful only if there is something to hide from this user.
        assert ent.secrets, f"{username} is entitled to everything; pick another probe"
        findings = crawl(app, username, ent)
    assert findings == [], "\n".join(f"{f.request} [{f.status}]: {f.problem}"
                                     for f in findings[:40])


def test_the_walk_covers_views_apis_actions_and_reports(app):
    """The crawler reaches every kind of route (guards against a walk that tests nothing)."""
    from tests.access_crawler import requests_for

    with app.app_context():
        ent = entitlement("jongerenwerk", plant_markers())
        reqs = list(requests_for(app, ent))
    endpoints = {r.endpoint for r in reqs}
    assert len(reqs) > 200
    rules = {r.endpoint for r in app.url_map.iter_rules()}
    assert any(e.endswith(".list") for e in endpoints)
    assert any(e.endswith(".show") for e in endpoints)
    assert any(e.endswith(".edit") for e in endpoints)
    assert any(e.endswith(".delete") for e in endpoints)
    assert any(r.endpoint.endswith(".action_post") and r.guessed for r in reqs)
    assert any(r.endpoint.endswith(".add") and r.method == "POST" for r in reqs)
    assert any(r.api and r.guessed for r in reqs)
    assert any("_flt_0_" in r.url for r in reqs)
    assert any(r.api and "q=(filters" in r.url for r in reqs)
    if any("/related/" in r.rule for r in app.url_map.iter_rules()):
        assert any("/related/" in r.url for r in reqs)
    # Every report and workflow route that exists is walked too.
    for prefix in ("DossierPrintView.", "CaseWorkflowView.", "CaseApi."):
        if any(e.startswith(prefix) for e in rules):
            assert any(e.startswith(prefix) for e in endpoints), prefix


class _ForgetfulView(BaseView):
    """A new screen that reads case content around the policy (Core SQL on the table)."""

    route_base = "/forgetful"

    @expose("/<int:case_id>")
    def summary(self, case_id: int):
        import sqlalchemy as sa

        from casusregie.app.extensions import db
        from casusregie.app.models import Case

        table = Case.__table__
        row = db.session.execute(sa.select(table.c.summary, table.c.number)
                                 .where(table.c.id == case_id)).first()
        if row is None:
            abort(404)
        return f"{row.number}: {row.summary}"


def test_a_view_that_forgets_the_policy_is_caught(test_database):
    """The walk fails for a newly registered view that bypasses the policy."""
    from tests.support import build_seeded_app

    leaky = build_seeded_app(test_database.work_url)
    with leaky.app_context():
        leaky.appbuilder.add_view_no_menu(_ForgetfulView())
    test_database.reset()
    with leaky.app_context():
        ent = entitlement("jongerenwerk", plant_markers())
        findings = crawl(leaky, "jongerenwerk", ent)
    assert any(f.request.split()[2].startswith("/forgetful/") for f in findings)
    assert all(f.request.split()[2].startswith("/forgetful/") for f in findings), findings
