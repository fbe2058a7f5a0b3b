"""Built-in plugins go through the access policy: a test fails when one bypasses it."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_appbuilder import ModelView

from tests.plugins.support import built_in_app
from tests.support import Browser


@pytest.fixture(scope="module")
def app(test_database):
    app, close = built_in_app(test_database, "access")
    yield app
    close()


def _plugin_views(app) -> list[type]:
    from casusregie.app.plugins import plugins_of

    registry = plugins_of(app)
    specs = [s for _, k in registry.kinds for s in (k.view, k.api) if s]
    specs += [s for _, s in registry.views]
    return [s.view for s in specs]


def test_plugin_views_build_on_the_policy(app) -> None:
    from casusregie.app.access.rows import guarded_model
    from casusregie.app.models import Intervention
    from casusregie.app.plugins import VisibleInterventionFilter, plugins_of
    from casusregie.app.views.access_policy import AccessPolicyViewMixin
    from casusregie.app.views.base import CasusModelView

    views = _plugin_views(app)
    assert len(views) >= 4
    for view in views:
        assert issubclass(view, AccessPolicyViewMixin), view
        if issubclass(view, ModelView):
            assert issubclass(view, CasusModelView), view
            model = view.datamodel.obj
            if guarded_model(model) is None:
                # Not an intervention: must be filtered through its (guarded) intervention.
                filters = [f[1] for f in (view.base_filters or [])]
                assert VisibleInterventionFilter in filters, view
            else:
                assert guarded_model(model) is Intervention
    for _plugin, kind in plugins_of(app).kinds:
        assert guarded_model(kind.model) is Intervention


def _add_rows_for_family_case(app) -> dict[str, int]:
    """One row of every plugin kind on a case the GGD is not admitted to."""
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db
    from casusregie.app.models import Case, InterventionType, Organisation
    from casusregie.plugins.bestuurlijk.models import AdministrativeMeasure, Measure
    from casusregie.plugins.jongerenwerk.models import MentoringMeeting, MentoringTrajectory
    from casusregie.plugins.zorg.models import CareTrajectory, TreatmentKind

    today = dt.date.today()
    with app.app_context(), system_access("test data"), db.session.no_autoflush:
        ggd = db.session.query(Organisation).filter_by(name="GGD Amsterdam").one()
        youth = db.session.query(Organisation).filter_by(name="Jongerenwerk Amsterdam").one()
        municipality = db.session.query(Organisation).filter(
            Organisation.name.like("Gemeente%")).one()
        admitted = {a.case_id for a in ggd_admissions(db, ggd.id)}
        case = db.session.query(Case).filter(Case.id.notin_(admitted),
                                             Case.phase == "monitoring").first()

        def kind_type(kind: str) -> InterventionType:
            return db.session.query(InterventionType).filter_by(kind=kind).one()

        care = CareTrajectory(case=case, type=kind_type("zorg.care"), organisation=ggd,
                              treatment=TreatmentKind.forensic, care_provider="Geheim Team",
                              consent=False)
        mentoring = MentoringTrajectory(case=case, type=kind_type("jongerenwerk.mentoring"),
                                        organisation=youth, mentor="Geheime Mentor",
                                        meeting_frequency="wekelijks")
        mentoring.meetings.append(MentoringMeeting(met_on=today, note="Geheim gesprek"))
        measure = AdministrativeMeasure(
            case=case, type=kind_type("bestuurlijk.measure"), organisation=municipality,
            measure=Measure.travel_ban, legal_basis="Art. 2", decree_date=today,
            decree_reference="BM-GEHEIM", valid_until=today + dt.timedelta(days=100))
        db.session.add_all([care, mentoring, measure])
        db.session.commit()
        ids = {"care": care.id, "mentoring": mentoring.id, "measure": measure.id,
               "meeting": mentoring.meetings[0].id, "case": case.id}
        db.session.remove()
    return ids


def ggd_admissions(db, organisation_id: int):
    from casusregie.app.models import CaseAdmission

    return db.session.query(CaseAdmission).filter_by(organisation_id=organisation_id).all()


def test_guard_hides_plugin_rows_of_cases_a_partner_is_not_admitted_to(app) -> None:
    from flask import g

    from casusregie.app.extensions import db
    from casusregie.plugins.bestuurlijk.models import AdministrativeMeasure
    from casusregie.plugins.jongerenwerk.models import MentoringMeeting, MentoringTrajectory
    from casusregie.plugins.zorg.models import CareTrajectory

    ids = _add_rows_for_family_case(app)
    with app.test_request_context():
        g.user = app.appbuilder.sm.find_user(username="ggd")
        from flask_login import login_user

        login_user(g.user)
        for model, key in ((CareTrajectory, "care"), (MentoringTrajectory, "mentoring"),
                           (AdministrativeMeasure, "measure")):
            assert db.session.query(model).filter(model.id == ids[key]).first() is None, model
        visible_meetings = db.session.query(MentoringMeeting).filter(
            MentoringMeeting.trajectory_id.in_(sa.select(MentoringTrajectory.id))).all()
        assert ids["meeting"] not in {m.id for m in visible_meetings}
        db.session.remove()

    ggd = Browser(app).login("ggd")
    for url, secret in ((f"/caretrajectorymodelview/show/{ids['care']}", "Geheim Team"),
                        ("/caretrajectorymodelview/list/", "Geheim Team"),
                        (f"/mentoringtrajectorymodelview/show/{ids['mentoring']}",
                         "Geheime Mentor"),
                        (f"/mentoringmeetingmodelview/show/{ids['meeting']}", "Geheim gesprek"),
                        ("/mentoringmeetingmodelview/list/", "Geheim gesprek"),
                        ("/interventionmodelview/list/", "Geheim")):
        page = ggd.get(url, follow_redirects=True)
        assert secret not in page.text, url
    # The case director of that case sees them all.
    director = Browser(app).login("regisseur")
    assert "Geheim Team" in director.get(
        f"/caretrajectorymodelview/show/{ids['care']}").text
    assert "BM-GEHEIM" in director.get(
        f"/administrativemeasuremodelview/show/{ids['measure']}").text


def test_partner_cannot_attach_a_meeting_to_someone_elses_trajectory(app) -> None:
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db
    from casusregie.app.models import Case, InterventionType, Organisation
    from casusregie.plugins.jongerenwerk.models import MentoringTrajectory

    with app.app_context(), system_access("test data"), db.session.no_autoflush:
        youth = db.session.query(Organisation).filter_by(name="Jongerenwerk Amsterdam").one()
        case = db.session.query(Case).filter_by(number="CR-2025-0001").one()
        trajectory = MentoringTrajectory(
            case=case, organisation=youth, mentor="Andermans Mentor", meeting_frequency="x",
            type=db.session.query(InterventionType).filter_by(
                kind="jongerenwerk.mentoring").one())
        db.session.add(trajectory)
        db.session.commit()
        pk = trajectory.id
        db.session.remove()
    before = _meetings(app)
    # The GGD is admitted to the same case, but the trajectory is not theirs.
    resp = Browser(app).login("ggd").submit("/mentoringmeetingmodelview/add", {
        "trajectory": str(pk), "met_on": dt.date.today().isoformat(), "note": "Ingebroken"})
    assert resp.status_code == 200
    assert "Ingebroken" in resp.text  # the form comes back with the input and a message
    assert _meetings(app) == before
    youth_worker = Browser(app).login("jongerenwerk").submit("/mentoringmeetingmodelview/add", {
        "trajectory": str(pk), "met_on": dt.date.today().isoformat(), "note": "Eigen gesprek"})
    assert youth_worker.status_code == 302
    assert _meetings(app) == before + 1


def _meetings(app) -> int:
    from casusregie.app.extensions import db

    with app.app_context():
        return db.session.execute(sa.text("SELECT count(*) FROM jongerenwerk_meeting")).scalar()


def test_destroying_a_case_removes_the_plugins_rows(app) -> None:
    """``casus retention --apply`` asks every plugin to remove its rows of the case
    (hook ``destroy_case_records``); the four-eyes screens are in tests/test_retention.py."""
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db
    from casusregie.app.models import ApprovalRequest, ApprovalStatus, Case, CasusUser
    from casusregie.app.models.base import utcnow

    ids = _add_rows_for_family_case(app)
    with app.app_context(), system_access("test data"):
        case = db.session.get(Case, ids["case"])
        case.retention_until = dt.date.today() - dt.timedelta(days=1)
        users = {u.username: u.id for u in db.session.query(CasusUser)}
        db.session.add(ApprovalRequest(
            kind="destruction", target_id=case.id, target_label=case.number,
            requested_by_id=users["privacy"], requested_at=utcnow(),
            status=ApprovalStatus.approved, decided_by_id=users["coordinator"],
            decided_at=utcnow()))
        db.session.commit()
        db.session.remove()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["casus", "retention", "--dry-run"])
    assert "zorg.zorg_care_trajectory" in dry.output, dry.output
    applied = runner.invoke(args=["casus", "retention", "--apply"])
    assert "destroyed: 1" in applied.output, applied.output
    with app.app_context():
        left = {table: db.session.execute(sa.text(
            f"SELECT count(*) FROM {table} WHERE {column} = :id"), {"id": ids[key]}).scalar()
            for table, column, key in (("zorg_care_trajectory", "id", "care"),
                                       ("jongerenwerk_mentoring", "id", "mentoring"),
                                       ("jongerenwerk_meeting", "id", "meeting"),
                                       ("bestuurlijk_measure", "id", "measure"),
                                       ("intervention", "case_id", "case"))}
        db.session.remove()
    assert left == dict.fromkeys(left, 0)
