"""The start page: what each role has to act on today.

Coordinators: signals to weigh, cases without a director, reviews due, admissions
expiring within 30 days, overdue interventions. Case directors: their cases and reviews
due. Partners: the cases their organisation is admitted to (purpose, end date) and their
interventions due. Every section is one bounded query, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from casusregie.app import clock
from casusregie.app.access.role_data import scopes_of
from casusregie.app.datamodel import BoundedCount
from casusregie.app.extensions import db
from casusregie.app.models import (
    AgendaItem,
    Case,
    CaseAdmission,
    CaseConference,
    CasePhase,
    ConferenceStatus,
    Intervention,
    InterventionStatus,
    Signal,
    SignalStatus,
)
from casusregie.app.roles import SCOPE_ADMITTED, SCOPE_COORDINATE, SCOPE_CORE, SCOPE_DIRECTED

REVIEW_HORIZON_DAYS = 14
CASES_SHOWN = 25
CONFERENCES_SHOWN = 5
OPEN_PHASES = (CasePhase.conference, CasePhase.monitoring)
#: The badge of open cases counts up to this many, then reads "1000+": counting all
#: 40,000 open cases of a city costs more than the rest of the page.
CASES_COUNTED = 1000
#: Admissions ending within this many days are shown to the coordinator.
ADMISSION_HORIZON_DAYS = 30
#: Interventions due within this many days are shown to the partner delivering them.
INTERVENTION_HORIZON_DAYS = 14
ROWS_SHOWN = 10


@dataclass
class StartPage:
    kind: str  # "coordinator", "director", "partner" or "other"
    today: dt.date
    signals: list[Signal] = field(default_factory=list)
    undirected: list[Case] = field(default_factory=list)
    expiring_admissions: list[CaseAdmission] = field(default_factory=list)
    overdue_interventions: list[Intervention] = field(default_factory=list)
    admissions: list[CaseAdmission] = field(default_factory=list)
    interventions_due: list[Intervention] = field(default_factory=list)
    my_cases: list[Case] = field(default_factory=list)
    my_case_count: int = 0
    reviews: list[Case] = field(default_factory=list)
    conferences: list[tuple[CaseConference, int]] = field(default_factory=list)
    can_open_conferences: bool = False


def _scopes(user: Any) -> frozenset[str]:
    # What the roles give (stored per role id), not their names: a rename changes nothing.
    return scopes_of(getattr(user, "roles", []))


def load_start_page(user: Any, today: dt.date | None = None) -> StartPage:
    today = today or clock.local_today()
    scopes = _scopes(user)
    if SCOPE_COORDINATE in scopes:
        kind = "coordinator"
    elif SCOPE_DIRECTED in scopes:
        kind = "director"
    elif scopes & {SCOPE_ADMITTED, SCOPE_CORE}:
        return _partner_page(user, today)
    else:
        return StartPage(kind="other", today=today)

    open_cases = sa.and_(Case.phase.in_(OPEN_PHASES))
    mine = open_cases if kind == "coordinator" else sa.and_(
        open_cases, Case.case_director_id == user.id)
    session = db.session
    page = StartPage(kind=kind, today=today)
    # NULLS LAST rather than "review_date IS NULL" first: an index can serve the order
    # (the partial index of open cases by review date), for the rows and for the count.
    order = (Case.review_date.asc().nulls_last(), Case.number)
    counted = session.query(Case.id).filter(mine).order_by(*order).limit(
        CASES_COUNTED + 1).subquery()
    count = session.query(sa.func.count()).select_from(counted).scalar() or 0
    page.my_case_count = BoundedCount(CASES_COUNTED) if count > CASES_COUNTED else count
    # The table shows the number, subjects, phase, risk group, director and review date;
    # the lead organisation and the director's organisation are not read.
    page.my_cases = (session.query(Case).filter(mine)
                     .options(lazyload(Case.lead_organisation),
                              joinedload(Case.case_director).lazyload("*"))
                     .order_by(*order).limit(CASES_SHOWN).all())
    # Reviews due are the first of these rows: a case reviewed by the horizon sorts before
    # every case reviewed later or without a review date.
    horizon = today + dt.timedelta(days=REVIEW_HORIZON_DAYS)
    page.reviews = [case for case in page.my_cases
                    if case.review_date is not None and case.review_date <= horizon]
    # Counted per conference shown, not grouped over every agenda item ever held;
    # count(*), not count(id): the conference_id index alone answers it.
    counts = (sa.select(sa.func.count()).select_from(AgendaItem)
              .where(AgendaItem.conference_id == CaseConference.id)
              .correlate(CaseConference).scalar_subquery())
    rows = (session.query(CaseConference, counts)
            .filter(CaseConference.status == ConferenceStatus.planned,
                    CaseConference.held_on >= clock.local_day_start(today))
            .order_by(CaseConference.held_on).limit(CONFERENCES_SHOWN).all())
    page.conferences = [(conference, int(n)) for conference, n in rows]
    if kind == "coordinator":
        _coordinator_sections(page)
    return page


def _overdue(today: dt.date) -> sa.ColumnElement[bool]:
    """Planned but not started by its start date, or running past its end date."""
    return sa.or_(
        sa.and_(Intervention.status == InterventionStatus.planned,
                Intervention.start_date < today),
        sa.and_(Intervention.status == InterventionStatus.active,
                Intervention.end_date < today))


def _coordinator_sections(page: StartPage) -> None:
    session, today = db.session, page.today
    page.signals = (session.query(Signal).filter(Signal.status == SignalStatus.received)
                    .order_by(Signal.received_at).limit(ROWS_SHOWN).all())
    page.undirected = (session.query(Case)
                       .filter(Case.phase.in_(OPEN_PHASES), Case.case_director_id.is_(None))
                       .options(lazyload(Case.lead_organisation), lazyload(Case.case_director))
                       .order_by(Case.opened_at, Case.number).limit(ROWS_SHOWN).all())
    horizon = today + dt.timedelta(days=ADMISSION_HORIZON_DAYS)
    page.expiring_admissions = (
        session.query(CaseAdmission)
        .filter(CaseAdmission.ends_on >= today, CaseAdmission.ends_on <= horizon)
        .options(joinedload(CaseAdmission.case).lazyload("*"))
        .order_by(CaseAdmission.ends_on, CaseAdmission.id).limit(ROWS_SHOWN).all())
    page.overdue_interventions = (
        session.query(Intervention).join(Case, Intervention.case_id == Case.id)
        .filter(Case.phase.in_(OPEN_PHASES), _overdue(today))
        .options(contains_eager(Intervention.case).lazyload("*"))
        .order_by(Intervention.start_date, Intervention.id).limit(ROWS_SHOWN).all())


def _partner_page(user: Any, today: dt.date) -> StartPage:
    """The cases the organisation is admitted to now, and its interventions due."""
    page = StartPage(kind="partner", today=today)
    session = db.session
    org = getattr(user, "organisation_id", None)
    if org is None:
        return page
    page.admissions = (
        session.query(CaseAdmission)
        .filter(CaseAdmission.organisation_id == org, CaseAdmission.starts_on <= today,
                CaseAdmission.ends_on >= today)
        .options(joinedload(CaseAdmission.case).lazyload("*"))
        .order_by(CaseAdmission.ends_on, CaseAdmission.id).limit(CASES_SHOWN).all())
    horizon = today + dt.timedelta(days=INTERVENTION_HORIZON_DAYS)
    due = sa.or_(
        sa.and_(Intervention.status == InterventionStatus.planned,
                sa.or_(Intervention.start_date.is_(None), Intervention.start_date <= horizon)),
        sa.and_(Intervention.status == InterventionStatus.active,
                Intervention.end_date <= horizon))
    page.interventions_due = (
        session.query(Intervention).join(Case, Intervention.case_id == Case.id)
        .filter(Intervention.organisation_id == org, Case.phase.in_(OPEN_PHASES), due)
        .options(contains_eager(Intervention.case).lazyload("*"))
        .order_by(sa.func.coalesce(Intervention.end_date, Intervention.start_date),
                  Intervention.id).limit(ROWS_SHOWN).all())
    return page
