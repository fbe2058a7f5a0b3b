"""The three built-in plugins, enabled together, as their users meet them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from tests.plugins.support import built_in_app
from tests.support import Browser
from tests.workflow_support import decide, decision_form, hidden_inputs


@pytest.fixture(scope="module")
def plugin_app(test_database):
    app, close = built_in_app(test_database, "plugins")
    yield app
    close()


def _scalar(app, sql: str, **params):
    from casusregie.app.extensions import db

    with app.app_context():
        return db.session.execute(sa.text(sql), params).scalar()


def _returnee_case(app) -> int:
    # The demo case the GGD and youth work are both admitted to.
    return _scalar(app, "SELECT c.id FROM \"case\" c JOIN case_admission a ON a.case_id = c.id "
                        "JOIN organisation o ON o.id = a.organisation_id "
                        "WHERE o.name = 'GGD Amsterdam' ORDER BY c.id LIMIT 1")


def _type_id(app, kind: str) -> int:
    return _scalar(app, "SELECT id FROM intervention_type WHERE kind = :k", k=kind)


def _browser(app, user: str) -> Browser:
    return Browser(app).login(user)


def _error_next_to(html: str, message: str) -> bool:
    return message in html


# --- the catalogue ---------------------------------------------------------------------

def test_plugin_types_are_in_the_catalogue(plugin_app) -> None:
    page = _browser(plugin_app, "beheerder").get("/interventiontypemodelview/list/?psize_"
                                                 "InterventionTypeModelView=100")
    assert page.status_code == 200
    for name in ("Zorgtraject GGD/GGZ", "Mentortraject jongerenwerk", "Bestuurlijke maatregel"):
        assert name in page.text
    kinds = {_scalar(plugin_app, "SELECT kind FROM intervention_type WHERE name = :n", n=n)
             for n in ("Zorgtraject GGD/GGZ", "Mentortraject jongerenwerk",
                       "Bestuurlijke maatregel")}
    assert kinds == {"zorg.care", "jongerenwerk.mentoring", "bestuurlijk.measure"}


# --- zorg --------------------------------------------------------------------------------

def _care_form(app, **changes) -> dict:
    data = {"case": str(_returnee_case(app)), "type": str(_type_id(app, "zorg.care")),
            "status": "active", "start_date": dt.date.today().isoformat(),
            "treatment": "outpatient", "care_provider": "GGZ Noord, team Vroeg",
            "frequency": "wekelijks", "consent": "y",
            "consent_date": (dt.date.today() - dt.timedelta(days=3)).isoformat()}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _register_care(app, ggd: Browser, provider: str) -> int:
    """The GGD registers a care trajectory through the screen; its id."""
    ggd.submit("/caretrajectorymodelview/add", _care_form(app, care_provider=provider))
    return _scalar(app, "SELECT id FROM zorg_care_trajectory WHERE care_provider = :p",
                   p=provider)


def test_care_partner_registers_care_trajectory(plugin_app) -> None:
    ggd = _browser(plugin_app, "ggd")
    resp = ggd.submit("/caretrajectorymodelview/add", _care_form(
        plugin_app, care_provider="GGZ Noord, team Registratie"))
    assert resp.status_code == 302, resp.text
    row = _scalar(plugin_app, "SELECT o.name FROM zorg_care_trajectory z "
                              "JOIN intervention i ON i.id = z.id "
                              "JOIN organisation o ON o.id = i.organisation_id "
                              "WHERE z.care_provider = 'GGZ Noord, team Registratie'")
    assert row == "GGD Amsterdam"
    assert _scalar(plugin_app, "SELECT kind FROM intervention i JOIN zorg_care_trajectory z "
                               "ON z.id = i.id WHERE z.care_provider = "
                               "'GGZ Noord, team Registratie'") == "zorg.care"


def test_other_partners_cannot_register_care(plugin_app) -> None:
    before = _scalar(plugin_app, "SELECT count(*) FROM zorg_care_trajectory")
    youth = _browser(plugin_app, "jongerenwerk")
    page = youth.get("/caretrajectorymodelview/add", follow_redirects=True)
    assert "/caretrajectorymodelview/add" not in page.request.path
    # A crafted POST is refused as well (CSRF token taken from a page they may open).
    token_page = youth.get("/mentoringtrajectorymodelview/add")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page.text).group(1)
    youth.post("/caretrajectorymodelview/add", {**_care_form(plugin_app), "csrf_token": token})
    # The police have no access to care trajectories at all.
    assert _browser(plugin_app, "politie").get("/caretrajectorymodelview/add").status_code \
        in (302, 403)
    assert _scalar(plugin_app, "SELECT count(*) FROM zorg_care_trajectory") == before


def test_consent_needs_a_date_and_input_is_kept(plugin_app) -> None:
    before = _scalar(plugin_app, "SELECT count(*) FROM zorg_care_trajectory")
    ggd = _browser(plugin_app, "ggd")
    resp = ggd.submit("/caretrajectorymodelview/add", _care_form(
        plugin_app, consent_date="", care_provider="Behouden Zorgaanbieder"))
    assert resp.status_code == 200
    assert "Geef de datum waarop de betrokkene toestemming gaf." in resp.text
    assert "Behouden Zorgaanbieder" in resp.text
    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    resp = ggd.submit("/caretrajectorymodelview/add", _care_form(
        plugin_app, consent_date=future))
    assert "De datum van toestemming kan niet in de toekomst liggen." in resp.text
    assert _scalar(plugin_app, "SELECT count(*) FROM zorg_care_trajectory") == before


def test_health_fields_only_for_care_partner_and_case_director(plugin_app) -> None:
    ggd = _browser(plugin_app, "ggd")
    pk = _register_care(plugin_app, ggd, "Zichtbaar Zorgteam")
    url = f"/caretrajectorymodelview/show/{pk}"
    assert "Zichtbaar Zorgteam" in ggd.get(url).text
    assert "Zichtbaar Zorgteam" in _browser(plugin_app, "regisseur").get(url).text
    coordinator = _browser(plugin_app, "coordinator").get(url)
    assert coordinator.status_code == 200
    assert "Zichtbaar Zorgteam" not in coordinator.text
    assert "Soort behandeling" not in coordinator.text
    # The coordinator cannot reach the fields through the edit form either.
    edit = _browser(plugin_app, "coordinator").get(f"/caretrajectorymodelview/edit/{pk}",
                                                  follow_redirects=True)
    assert "Zichtbaar Zorgteam" not in edit.text


# --- jongerenwerk -----------------------------------------------------------------------

def _mentoring_form(app, mentor: str, frequency: str) -> dict:
    return {"case": str(_returnee_case(app)),
            "type": str(_type_id(app, "jongerenwerk.mentoring")),
            "status": "active", "start_date": dt.date.today().isoformat(),
            "mentor": mentor, "meeting_frequency": frequency}


def test_youth_worker_registers_mentoring_and_logs_meetings(plugin_app) -> None:
    youth = _browser(plugin_app, "jongerenwerk")
    resp = youth.submit("/mentoringtrajectorymodelview/add", _mentoring_form(
        plugin_app, "Mentor Mo", "twee keer per maand"))
    assert resp.status_code == 302, resp.text
    pk = _scalar(plugin_app, "SELECT id FROM jongerenwerk_mentoring WHERE mentor = 'Mentor Mo'")
    resp = youth.submit("/mentoringmeetingmodelview/add", {
        "trajectory": str(pk), "met_on": dt.date.today().isoformat(),
        "note": "Kennismaking, afspraken gemaakt."})
    assert resp.status_code == 302, resp.text
    future = youth.submit("/mentoringmeetingmodelview/add", {
        "trajectory": str(pk), "met_on": (dt.date.today() + dt.timedelta(days=2)).isoformat(),
        "note": "Nog niet gebeurd"})
    assert "Een gesprek kan niet worden vastgelegd voordat het plaatsvond." in future.text
    show = youth.get(f"/mentoringtrajectorymodelview/show/{pk}")
    assert "Mentor Mo" in show.text and "Kennismaking, afspraken gemaakt." in show.text
    # The GGD is admitted to the same case but sees neither the trajectory nor its log.
    ggd = _browser(plugin_app, "ggd")
    assert ggd.get(f"/mentoringtrajectorymodelview/show/{pk}").status_code in (302, 403, 404)
    assert "Kennismaking" not in ggd.get("/mentoringmeetingmodelview/list/").text
    # ... and cannot register a mentoring trajectory.
    page = ggd.get("/mentoringtrajectorymodelview/add", follow_redirects=True)
    assert "/mentoringtrajectorymodelview/add" not in page.request.path


def test_an_agreed_plugin_type_becomes_the_plugins_record(plugin_app) -> None:
    """Agreed in the case conference, the trajectory is the plugin's record, planned; youth
    work completes it instead of registering it a second time."""
    case_id = _returnee_case(plugin_app)
    mentoring = _type_id(plugin_app, "jongerenwerk.mentoring")
    coordinator = _browser(plugin_app, "coordinator")
    form = coordinator.get(f"/caseworkflow/{case_id}/conference").text
    social = re.search(r'<optgroup label="Sociaal">(.*?)</optgroup>', form, re.S).group(1)
    assert "Mentortraject jongerenwerk" in social
    resp = decide(coordinator, f"/caseworkflow/{case_id}/conference", decision_form(
        plugin_app, review_date=(dt.date.today() + dt.timedelta(days=60)).isoformat(),
        intervention_type=str(mentoring), reasons="Mentortraject afgesproken.",
        intervention_organisation=str(_scalar(
            plugin_app, "SELECT id FROM organisation WHERE name = 'Jongerenwerk Amsterdam'"))))
    assert resp.status_code == 302, resp.text
    pk = _scalar(plugin_app, "SELECT i.id FROM intervention i JOIN jongerenwerk_mentoring m "
                             "ON m.id = i.id WHERE i.case_id = :case AND i.status = 'planned' "
                             "AND m.mentor IS NULL", case=case_id)
    assert pk is not None
    assert _scalar(plugin_app, "SELECT kind FROM intervention WHERE id = :pk",
                   pk=pk) == "jongerenwerk.mentoring"
    # Youth work completes it; its own details are required there.
    youth = _browser(plugin_app, "jongerenwerk")
    edit = f"/mentoringtrajectorymodelview/edit/{pk}"
    page = youth.get(edit)
    assert page.status_code == 200
    data = {**hidden_inputs(page.text), "status": "active",
            "start_date": dt.date.today().isoformat(), "mentor": "", "meeting_frequency": ""}
    refused = youth.post(edit, data)
    assert refused.status_code == 200 and "verplicht" in refused.text
    done = youth.post(edit, {**data, "mentor": "Mentor Noor",
                             "meeting_frequency": "wekelijks"})
    assert done.status_code == 302, done.text
    assert _scalar(plugin_app, "SELECT mentor FROM jongerenwerk_mentoring WHERE id = :pk",
                   pk=pk) == "Mentor Noor"


# --- bestuurlijk ------------------------------------------------------------------------

def _measure_form(app, **changes) -> dict:
    today = dt.date.today()
    data = {"case": str(_returnee_case(app)), "type": str(_type_id(app, "bestuurlijk.measure")),
            "measure": "area_ban", "legal_basis": "Art. 2 Twbmt",
            "decree_date": (today - dt.timedelta(days=60)).isoformat(),
            "decree_reference": "BM-2026-001", "valid_until": (today + dt.timedelta(
                days=20)).isoformat(), "appeal_status": "none", "status": "active",
            "start_date": (today - dt.timedelta(days=60)).isoformat()}
    data.update(changes)
    return data


def test_case_director_registers_measure_and_is_warned_before_expiry(plugin_app) -> None:
    director = _browser(plugin_app, "regisseur")
    resp = director.submit("/administrativemeasuremodelview/add", _measure_form(
        plugin_app, decree_reference="BM-EXPIRING"))
    assert resp.status_code == 302, resp.text
    resp = director.submit("/administrativemeasuremodelview/add", _measure_form(
        plugin_app, decree_reference="BM-LATER", measure="reporting_duty",
        valid_until=(dt.date.today() + dt.timedelta(days=90)).isoformat()))
    assert resp.status_code == 302, resp.text
    start = director.get("/").text
    assert "Gebiedsverbod" in start and "verloopt op" in start
    assert start.count("verloopt op") == 1  # the measure valid for 90 more days is quiet
    # Only the case director is warned.
    assert "verloopt op" not in _browser(plugin_app, "coordinator").get("/").text
    listing = director.get("/administrativemeasuremodelview/list/").text
    assert "BM-EXPIRING" in listing and "Geldig tot" in listing


def test_measure_validation_and_who_may_register(plugin_app) -> None:
    before = _scalar(plugin_app, "SELECT count(*) FROM bestuurlijk_measure")
    director = _browser(plugin_app, "regisseur")
    resp = director.submit("/administrativemeasuremodelview/add", _measure_form(
        plugin_app, decree_reference="BM-BAD",
        valid_until=(dt.date.today() - dt.timedelta(days=90)).isoformat()))
    assert resp.status_code == 200
    assert "Een maatregel kan niet eindigen voor de datum van het besluit." in resp.text
    assert "BM-BAD" in resp.text
    for user in ("ggd", "jongerenwerk"):
        resp = _browser(plugin_app, user).get("/administrativemeasuremodelview/add")
        assert resp.status_code in (302, 403)
    assert _scalar(plugin_app, "SELECT count(*) FROM bestuurlijk_measure") == before


# --- the dossier ------------------------------------------------------------------------

def _section_text(app, key: str, username: str) -> str:
    """Render one plugin section for ``username`` and return its text."""
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, Table

    from casusregie.app.access.actor import actor_for_user
    from casusregie.app.models import Case
    from casusregie.app.plugin_manager import dossier_sections
    from casusregie.reports.api import DossierContext

    def text_of(flowable) -> list[str]:
        if isinstance(flowable, Paragraph):
            return [flowable.getPlainText()]
        if isinstance(flowable, Table):
            return [t for row in flowable._cellvalues for cell in row
                    for t in (text_of(cell) if not isinstance(cell, str) else [cell])]
        return []

    with app.test_request_context():
        from flask import g

        from casusregie.app.extensions import db

        user = app.appbuilder.sm.find_user(username=username)
        g.user = user
        section = next(s for s in dossier_sections(app) if s.key == key)
        case = db.session.get(Case, _returnee_case(app))
        ctx = DossierContext(case=case, actor=actor_for_user(user), locale="nl",
                             styles=dict(getSampleStyleSheet().byName), gettext=str)
        return "\n".join(t for f in section.render(ctx) for t in text_of(f))


def test_plugin_sections_in_the_dossier(plugin_app) -> None:
    _browser(plugin_app, "ggd").submit("/caretrajectorymodelview/add", _care_form(
        plugin_app, care_provider="Dossier Zorgteam"))
    manager = __import__("casusregie.app.plugin_manager", fromlist=["x"])
    keys = [s.key for s in manager.dossier_sections(plugin_app)]
    assert keys == ["zorg.care", "jongerenwerk.mentoring", "bestuurlijk.measures"]
    assert "Dossier Zorgteam" in _section_text(plugin_app, "zorg.care", "regisseur")
    hidden = _section_text(plugin_app, "zorg.care", "coordinator")
    assert "Dossier Zorgteam" not in hidden and "afgeschermd" in hidden
    # A partner that may not see the case gets no rows at all.
    assert "Dossier Zorgteam" not in _section_text(plugin_app, "zorg.care", "jongerenwerk")


def _printed_text(browser: Browser, case_id: int) -> str:
    import io

    from pypdf import PdfReader

    resp = browser.submit(f"/print/dossier/{case_id}", {
        "purpose": "Voorbereiding casusoverleg",
        "sections": ["zorg.care", "jongerenwerk.mentoring", "bestuurlijk.measures"]})
    assert resp.status_code == 200 and resp.mimetype == "application/pdf", resp.status_code
    pages = PdfReader(io.BytesIO(resp.data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_printed_dossier_has_the_plugin_sections(plugin_app) -> None:
    _browser(plugin_app, "ggd").submit("/caretrajectorymodelview/add", _care_form(
        plugin_app, care_provider="Geprint Zorgteam"))
    _browser(plugin_app, "regisseur").submit("/administrativemeasuremodelview/add",
                                             _measure_form(plugin_app,
                                                           decree_reference="BM-PRINT"))
    case_id = _returnee_case(plugin_app)
    text = _printed_text(_browser(plugin_app, "regisseur"), case_id)
    for title in ("Zorgtrajecten", "Mentortrajecten", "Bestuurlijke maatregelen"):
        assert title in text
    assert "Geprint Zorgteam" in text and "BM-PRINT" in text
    # The coordinator prints the same case without the health information.
    text = _printed_text(_browser(plugin_app, "coordinator"), case_id)
    assert "BM-PRINT" in text
    assert "Geprint Zorgteam" not in text and "afgeschermd" in text


# --- a record's page --------------------------------------------------------------------

def _edit_link(html: str) -> str | None:
    found = re.search(r'id="casus-edit-record"[^>]*href="([^"]+)"', html)
    return found.group(1) if found else None


def test_a_saved_record_opens_with_an_edit_button_for_who_may_change_it(plugin_app) -> None:
    """After saving, the youth worker lands on the trajectory's page and changes it from
    there; a viewer who may not change the record is not offered the button."""
    youth = _browser(plugin_app, "jongerenwerk")
    saved = youth.submit("/mentoringtrajectorymodelview/add", _mentoring_form(
        plugin_app, "Mentor Edit", "wekelijks"))
    pk = _scalar(plugin_app, "SELECT id FROM jongerenwerk_mentoring WHERE mentor = 'Mentor Edit'")
    assert saved.headers["Location"].endswith(f"/mentoringtrajectorymodelview/show/{pk}")
    page = youth.get(f"/mentoringtrajectorymodelview/show/{pk}").text
    assert _edit_link(page) == f"/mentoringtrajectorymodelview/edit/{pk}"
    assert ">Wijzigen</a>" in page
    form = youth.get(_edit_link(page))
    assert form.status_code == 200 and "Mentor Edit" in form.text

    # The GGD's care trajectory: its own staff may change it, the coordinator sees the
    # page without the health fields and may not open the form, so gets no button.
    ggd = _browser(plugin_app, "ggd")
    care = _register_care(plugin_app, ggd, "Team Knop")
    url = f"/caretrajectorymodelview/show/{care}"
    assert _edit_link(ggd.get(url).text) == f"/caretrajectorymodelview/edit/{care}"
    coordinator = _browser(plugin_app, "coordinator").get(url)
    assert coordinator.status_code == 200 and _edit_link(coordinator.text) is None


def test_a_core_intervention_page_offers_edit_only_to_its_own_organisation(plugin_app) -> None:
    """Politie and the GGD see each other's interventions on a shared case; each may
    change only its own (the write rule of the access policy), so only there the button."""
    case_id = _returnee_case(plugin_app)
    own = _scalar(plugin_app, "SELECT i.id FROM intervention i JOIN organisation o "
                              "ON o.id = i.organisation_id WHERE i.case_id = :c "
                              "AND o.name = 'GGD Amsterdam' ORDER BY i.id LIMIT 1", c=case_id)
    other = _scalar(plugin_app, "SELECT i.id FROM intervention i JOIN organisation o "
                                "ON o.id = i.organisation_id WHERE i.case_id = :c "
                                "AND o.name <> 'GGD Amsterdam' ORDER BY i.id LIMIT 1",
                    c=case_id)
    assert own and other
    ggd = _browser(plugin_app, "ggd")
    mine = ggd.get(f"/interventionmodelview/show/{own}")
    assert mine.status_code == 200
    assert _edit_link(mine.text) == f"/interventionmodelview/edit/{own}"
    theirs = ggd.get(f"/interventionmodelview/show/{other}")
    if theirs.status_code == 200:
        assert _edit_link(theirs.text) is None


def test_a_plugin_record_page_is_recorded_as_one_read(plugin_app) -> None:
    from casusregie.app.audit import AuditRecord
    from casusregie.app.extensions import db

    ggd = _browser(plugin_app, "ggd")
    care = _register_care(plugin_app, ggd, "Team Gelezen")
    with plugin_app.app_context():
        start = db.session.scalar(sa.select(sa.func.max(AuditRecord.seq)))
        db.session.remove()
    assert ggd.get(f"/caretrajectorymodelview/show/{care}").status_code == 200
    with plugin_app.app_context():
        reads = db.session.execute(
            sa.select(AuditRecord.action, AuditRecord.object_id, AuditRecord.username)
            .where(AuditRecord.seq > start)).all()
        db.session.remove()
    assert [tuple(r) for r in reads] == [("read", care, "ggd")]
