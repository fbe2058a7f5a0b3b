"""Acceptance 1 of issue 13: nobody writes where they must not, on any route.

Every route that writes (screens' add, edit and delete forms, the REST API, Flask-
AppBuilder's security API, workflow and conference routes), taken from the app's URL map,
is probed as each of the 8 demo users with well-formed writes into cases and
organisations they must not touch. See ``tests/write_crawler.py``.
"""

from __future__ import annotations

import pytest
from flask import request
from flask_appbuilder import BaseView, expose

from tests.partner_api_support import issue_test_key, system_username
from tests.support import DEMO_USERNAMES
from tests.write_crawler import crawl, probes_for, target_for

# The crawl reads rows through a connection of its own: a fresh copy.
pytestmark = pytest.mark.fresh_db


@pytest.mark.parametrize("username", [u for u in DEMO_USERNAMES if u != "beheerder"])
def test_nobody_writes_where_they_must_not(app, username) -> None:
    report = crawl(app, username)
    print(f"{username}: {report.probes} probes, {len(report.successes)} successes, "
          f"answers {report.statuses}")
    assert report.probes >= 10
    assert report.successes == [], "\n".join(report.successes)


def _give_the_administrator_the_security_api(app) -> None:
    """The strongest administrator: every right of Flask-AppBuilder's role and user
    APIs, so the probes meet the privilege check itself, not a missing permission."""
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db
    from casusregie.app.roles import ROLE_ADMIN

    with app.app_context(), system_access("test: a strong administrator"):
        sm = app.appbuilder.sm
        role = sm.find_role(ROLE_ADMIN)
        for view in ("Role", "User"):
            for pv in sm.find_permissions_view_menu(sm.find_view_menu(view)):
                if pv not in role.permissions:
                    role.permissions.append(pv)
        db.session.commit()


def test_the_administrator_gives_nobody_case_content(app) -> None:
    """Role members from both sides, new users with case roles, renames, scope and
    clearance edits and rights to hand out access, on every route: at most a request
    for a second person's approval, never access."""
    _give_the_administrator_the_security_api(app)
    report = crawl(app, "beheerder")
    print(f"beheerder: {report.probes} probes, {len(report.successes)} successes, "
          f"answers {report.statuses}")
    assert report.probes >= 20
    assert report.successes == [], "\n".join(report.successes)


@pytest.mark.parametrize("organisation", ["GGD", "Politie"])
def test_an_api_key_writes_only_where_its_organisation_may(app, organisation) -> None:
    raw = issue_test_key(app, organisation)
    report = crawl(app, system_username(app, organisation), api_key=raw)
    print(f"{organisation} key: {report.probes} probes, {len(report.successes)} "
          f"successes, answers {report.statuses}")
    assert report.probes >= 5
    assert report.successes == [], "\n".join(report.successes)


def test_the_probes_cover_every_kind_of_write(app) -> None:
    """The walk reaches add, edit and delete forms, APIs and workflow routes."""
    probes = probes_for(app, target_for(app, "ggd"))
    urls = [p.url for p in probes]
    assert any(u.endswith("/add") and "in case" in p.what for u, p in zip(urls, probes,
                                                                          strict=True))
    assert any("for organisation" in p.what for p in probes)
    assert any("/edit/" in u for u in urls)
    assert any("/delete/" in u for u in urls)
    assert any(p.api and p.method == "POST" for p in probes)
    assert any(p.api and p.method == "PUT" for p in probes)
    assert any(u.startswith("/caseworkflow/") for u in urls)


class _LeakyNoteView(BaseView):
    """A new screen that writes a note into any case, around the policy."""

    route_base = "/leaky"

    @expose("/<int:case_id>/note", methods=["GET", "POST"])
    def note(self, case_id: int):
        from casusregie.app.access import system_access
        from casusregie.app.extensions import db
        from casusregie.app.models import CaseNote

        if request.method == "GET":
            return ('<form method="post"><input name="csrf_token" type="hidden" value="">'
                    '<textarea name="text"></textarea></form>')
        with system_access("a view that forgets the policy"):
            db.session.add(CaseNote(case_id=case_id, author_id=1,
                                    text=request.form.get("text") or "lek"))
            db.session.commit()
        return "ok"


class _LeakyRoleView(BaseView):
    """A new screen that lets the signed-in user join any role, around the four eyes."""

    route_base = "/leaky-role"

    @expose("/<int:role_id>/join", methods=["POST"])
    def join(self, role_id: int):
        from flask import g
        from flask_appbuilder.security.sqla.models import Role

        from casusregie.app.access import system_access
        from casusregie.app.extensions import db

        with system_access("a view that forgets the four eyes"):
            g.user.roles.append(db.session.get(Role, role_id))
            db.session.commit()
        return "ok"


def test_a_leaky_role_route_is_caught(test_database) -> None:
    from tests.support import build_seeded_app

    leaky = build_seeded_app(test_database.work_url)
    with leaky.app_context():
        leaky.appbuilder.add_view_no_menu(_LeakyRoleView())
    test_database.reset()
    report = crawl(leaky, "beheerder", only="/leaky-role/")
    assert report.successes, "the crawler missed a route handing out a case role"
    assert all("/leaky-role/" in s for s in report.successes), report.successes


def test_a_leaky_write_view_is_caught(test_database) -> None:
    from tests.support import build_seeded_app

    leaky = build_seeded_app(test_database.work_url)
    with leaky.app_context():
        leaky.appbuilder.add_view_no_menu(_LeakyNoteView())
    test_database.reset()
    report = crawl(leaky, "jongerenwerk")
    assert report.successes, "the crawler missed a view writing around the policy"
    assert all("/leaky/" in s for s in report.successes), report.successes
