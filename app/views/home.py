"""The start page: what a coordinator or case director has to act on today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload

from app import clock
from app.datamodel import BoundedCount
from app.extensions import db
from app.models import AgendaItem, Case, CaseConference, CasePhase, ConferenceStatus
from app.roles import ROLE_CASE_DIRECTOR, ROLE_COORDINATOR

REVIEW_HORIZON_DAYS = 14
CASES_SHOWN = 25
CONFERENCES_SHOWN = 5
OPEN_PHASES = (CasePhase.conference, CasePhase.monitoring)
#: The badge of open cases counts up to this many, then reads "1000+": counting all
#: 40,000 open cases of a city costs more than the rest of the page.
CASES_COUNTED = 1000


@dataclass
class StartPage:
    kind: str  # "coordinator", "director" or "other"
    today: dt.date
    my_cases: list[Case] = field(default_factory=list)
    my_case_count: int = 0
    reviews: list[Case] = field(default_factory=list)
    conferences: list[tuple[CaseConference, int]] = field(default_factory=list)
    can_open_conferences: bool = False


def _role_names(user: Any) -> set[str]:
    return {role.name for role in getattr(user, "roles", [])}


def load_start_page(user: Any, today: dt.date | None = None) -> StartPage:
    today = today or clock.local_today()
    roles = _role_names(user)
    if ROLE_COORDINATOR in roles:
        kind = "coordinator"
    elif ROLE_CASE_DIRECTOR in roles:
        kind = "director"
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
    # Counted per conference shown, not grouped over every agenda item ever held.
    counts = (sa.select(sa.func.count(AgendaItem.id))
              .where(AgendaItem.conference_id == CaseConference.id)
              .correlate(CaseConference).scalar_subquery())
    rows = (session.query(CaseConference, counts)
            .filter(CaseConference.status == ConferenceStatus.planned,
                    CaseConference.held_on >= clock.local_day_start(today))
            .order_by(CaseConference.held_on).limit(CONFERENCES_SHOWN).all())
    page.conferences = [(conference, int(n)) for conference, n in rows]
    return page
