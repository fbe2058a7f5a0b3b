"""The start page: what a coordinator or case director has to act on today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import AgendaItem, Case, CaseConference, CasePhase, ConferenceStatus
from app.roles import ROLE_CASE_DIRECTOR, ROLE_COORDINATOR

REVIEW_HORIZON_DAYS = 14
CASES_SHOWN = 25
CONFERENCES_SHOWN = 5
OPEN_PHASES = (CasePhase.conference, CasePhase.monitoring)


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
    today = today or dt.date.today()
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
    page.my_case_count = session.query(sa.func.count(Case.id)).filter(mine).scalar() or 0
    # NULLS LAST rather than "review_date IS NULL" first: an index can serve the order.
    page.my_cases = (session.query(Case).filter(mine)
                     .order_by(Case.review_date.asc().nulls_last(), Case.number)
                     .limit(CASES_SHOWN).all())
    horizon = today + dt.timedelta(days=REVIEW_HORIZON_DAYS)
    page.reviews = (session.query(Case)
                    .filter(mine, Case.review_date.is_not(None), Case.review_date <= horizon)
                    .order_by(Case.review_date, Case.number).limit(CASES_SHOWN).all())
    # Counted per conference shown, not grouped over every agenda item ever held.
    counts = (sa.select(sa.func.count(AgendaItem.id))
              .where(AgendaItem.conference_id == CaseConference.id)
              .correlate(CaseConference).scalar_subquery())
    rows = (session.query(CaseConference, counts)
            .filter(CaseConference.status == ConferenceStatus.planned,
                    CaseConference.held_on >= dt.datetime.combine(today, dt.time.min))
            .order_by(CaseConference.held_on).limit(CONFERENCES_SHOWN).all())
    page.conferences = [(conference, int(n)) for conference, n in rows]
    return page
