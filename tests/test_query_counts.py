"""List pages and the case page cost the same number of queries for few and many rows."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import (
    Case,
    CaseNote,
    CasePhase,
    CaseSubject,
    CasusUser,
    Decision,
    DecisionBody,
    DecisionKind,
    Intervention,
    InterventionStatus,
    InterventionType,
    Organisation,
    RiskGroup,
    Signal,
    Subject,
)
from casusregie.app.models.base import OrganisationKind
from casusregie.app.numbering import draw_case_number
from tests.support import count_queries

MAX_QUERIES = 15
LIST_PAGES = ("/casemodelview/list/", "/signalmodelview/list/", "/subjectmodelview/list/",
              "/interventionmodelview/list/", "/decisionmodelview/list/",
              "/casenotemodelview/list/", "/assessmentmodelview/list/",
              "/actionplanmodelview/list/", "/goalmodelview/list/",
              "/subjectrelationmodelview/list/")


def _grow(app, case_id: int, rows: int) -> None:
    """Add ``rows`` cases, subjects, signals, and interventions/decisions/notes to a case."""
    with app.app_context(), system_access("test"):
        session = db.session
        case = session.get(Case, case_id)
        director = session.query(CasusUser).filter_by(username="regisseur").one()
        coordinator = session.query(CasusUser).filter_by(username="coordinator").one()
        types = session.query(InterventionType).all()
        orgs = session.query(Organisation).all()
        group = session.query(RiskGroup).first()
        for i in range(rows):
            year, seq, number = draw_case_number(session, dt.date.today().year)
            subject = Subject(first_name=f"Extra{i}", last_name="Rij",
                              date_of_birth=dt.date(2000, 1, 1) + dt.timedelta(days=i))
            extra = Case(number=number, year=year, sequence=seq, phase=CasePhase.monitoring,
                         risk_group=group, lead_organisation=orgs[0], case_director=director,
                         review_date=dt.date.today() + dt.timedelta(days=i % 20))
            extra.case_subjects = [CaseSubject(subject=subject)]
            session.add(extra)
            session.add(Signal(reporter_kind=OrganisationKind.police, concern="Zorg",
                               subject=subject, case=extra))
            session.add(Intervention(case=case, type=types[i % len(types)],
                                     organisation=orgs[i % len(orgs)],
                                     status=InterventionStatus.active,
                                     start_date=dt.date(2026, 1, 1)))
            session.add(Decision(case=case, kind=DecisionKind.escalation,
                                 body=DecisionBody.case_conference, decided_by=coordinator,
                                 reasons="Test", organisations=[orgs[i % len(orgs)]]))
            session.add(CaseNote(case=case, author=coordinator, text=f"Notitie {i}",
                                 organisation=orgs[i % len(orgs)]))
        session.commit()


def _first(app, model) -> int:
    with app.app_context(), system_access("test"):
        return db.session.query(model.id).order_by(model.id).first()[0]


def _queries(app, browser, url: str) -> int:
    with count_queries(app) as statements:
        resp = browser.get(url)
    assert resp.status_code == 200, f"{url}: {resp.status_code}"
    return len(statements)


@pytest.fixture()
def case_id(app) -> int:
    with app.app_context(), system_access("test"):
        return db.session.query(Case.id).filter(Case.phase == CasePhase.monitoring).first()[0]


def test_pages_do_not_issue_a_query_per_row(app, browser, case_id: int) -> None:
    browser.login("coordinator")
    with app.app_context(), system_access("test"):
        subject_id = db.session.query(CaseSubject.subject_id).filter_by(case_id=case_id).first()[0]
    pages = (*LIST_PAGES, f"/casemodelview/show/{case_id}", f"/subjectmodelview/show/{subject_id}",
             f"/decisionmodelview/show/{_first(app, Decision)}", "/")
    for url in pages:  # warm up caches (permissions, menu) before counting
        browser.get(url)
    few = {url: _queries(app, browser, url) for url in pages}
    _grow(app, case_id, 40)
    many = {url: _queries(app, browser, url) for url in pages}
    assert many == few
    for url, count in many.items():
        assert count <= MAX_QUERIES, f"{url}: {count} queries"


def test_partner_intervention_list_reads_its_cases_by_number_only(app, browser) -> None:
    """The list shows the case number; the case's director, risk group, organisation and
    subjects are neither joined into the page's query nor loaded."""
    browser.login("ggd")
    browser.get("/interventionmodelview/list/")
    with count_queries(app) as statements:
        page = browser.get("/interventionmodelview/list/")
    assert page.status_code == 200
    with app.app_context(), system_access("test"):
        numbers = {c.number for c in db.session.query(Case).join(Intervention)
                   .join(Organisation, Intervention.organisation_id == Organisation.id)
                   .filter(Organisation.name.startswith("GGD"))}
    shown = set(re.findall(r"CR-\d{4}-\d{4}", page.text))
    assert shown and shown <= numbers, (shown, numbers)
    rows = [s for s in statements if "FROM intervention " in s and "count(" not in s]
    assert len(rows) == 1, statements
    assert '"case"' not in rows[0].split("FROM", 1)[1], rows[0]
    assert not any("case_subject" in s or "risk_group" in s for s in statements), statements
    assert len(statements) <= 7, statements
