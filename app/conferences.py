"""Case conferences as a service: the proposed agenda, decisions per agenda item (a
conference itself is planned on its screen, through ``app.casework.new_conference``).

Like ``app.workflow`` these functions need no Flask request, flush but never commit,
and refuse before they change anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from casusregie.app import clock, workflow
from casusregie.app.extensions import db
from casusregie.app.models import (
    AgendaItem,
    AgendaSource,
    Case,
    CaseConference,
    CasePhase,
    CasusUser,
    ConferenceStatus,
    Decision,
    InterventionType,
    Organisation,
)
from casusregie.app.services import service


class ConferenceError(workflow.WorkflowError):
    """A change to a conference or its agenda that is refused."""


@dataclass(frozen=True)
class Agenda:
    """A conference with its agenda items, their cases and decisions, loaded in bulk."""

    conference: CaseConference
    items: list[AgendaItem]
    decisions: dict[int, list[Decision]]


def _require_planned(conference: CaseConference) -> None:
    if conference.status != ConferenceStatus.planned:
        raise ConferenceError(_l("The agenda of a conference that is no longer planned "
                                 "cannot be changed."))


def proposed_cases(conference: CaseConference) -> list[Case]:
    """Open cases due for review before the conference, or awaiting their first one."""
    on_agenda = sa.select(AgendaItem.case_id).where(AgendaItem.conference_id == conference.id)
    return (
        db.session.query(Case)
        .filter(Case.phase.in_(workflow.OPEN_PHASES))
        .filter(sa.or_(Case.review_date <= clock.to_local(conference.held_on).date(),
                       Case.phase == CasePhase.conference))
        .filter(Case.id.not_in(on_agenda))
        .order_by(Case.review_date.is_(None), Case.review_date, Case.number)
        .all()
    )


def _next_position(conference: CaseConference) -> int:
    last = (db.session.query(sa.func.max(AgendaItem.position))
            .filter(AgendaItem.conference_id == conference.id).scalar())
    return 0 if last is None else last + 1


@service
def propose_agenda(conference: CaseConference) -> list[AgendaItem]:
    """Put every case that is due on the agenda; cases already on it are left alone."""
    _require_planned(conference)
    position = _next_position(conference)
    added = []
    for offset, case in enumerate(proposed_cases(conference)):
        item = AgendaItem(conference=conference, case=case, position=position + offset,
                          source=AgendaSource.review_due)
        db.session.add(item)
        added.append(item)
    db.session.flush()
    return added


def find_case(number: str | None) -> Case | None:
    number = (number or "").strip().upper()
    if not number:
        return None
    return db.session.query(Case).filter(Case.number == number).one_or_none()


@service
def add_case(conference: CaseConference, case: Case | None) -> AgendaItem:
    """Put a case on the agenda by hand."""
    if case is None:
        raise ConferenceError(_l("No case with this number exists."), "case_number")
    _require_planned(conference)
    if case.phase not in workflow.OPEN_PHASES:
        raise ConferenceError(_l("Only open cases can be put on the agenda."), "case_number")
    exists = (db.session.query(AgendaItem.id)
              .filter_by(conference_id=conference.id, case_id=case.id).first())
    if exists is not None:
        raise ConferenceError(_l("This case is already on the agenda."), "case_number")
    item = AgendaItem(conference=conference, case=case, position=_next_position(conference),
                      source=AgendaSource.manual)
    db.session.add(item)
    db.session.flush()
    return item


@service
def record_item(user: CasusUser, item: AgendaItem, *, decision: workflow.DecisionInput,
                notes: str | None, next_review_date: dt.date | None,
                to_monitoring: bool = True, action_plan: str | None = None,
                case_director: CasusUser | None = None,
                intervention_type: InterventionType | None = None,
                intervention_organisation: Organisation | None = None) -> Decision:
    """Record the discussion of one agenda item: notes, the decision, the next review.

    The decision goes through the workflow, so the same rules apply as on the case page
    (a closed case cannot be discussed; reasons, participants and review date required).
    """
    if item.conference.status == ConferenceStatus.cancelled:
        raise ConferenceError(_l("This conference was cancelled."))
    record = workflow.discuss_in_conference(
        user, item.case, decision=decision, review_date=next_review_date,
        action_plan=action_plan, case_director=case_director, agenda_item=item,
        to_monitoring=to_monitoring, intervention_type=intervention_type,
        intervention_organisation=intervention_organisation)
    item.discussed = True
    item.notes = (notes or "").strip() or None
    item.next_review_date = next_review_date
    db.session.flush()
    return record


def load_agenda(conference_id: int) -> Agenda | None:
    """The conference page's data in a fixed number of queries, however long the agenda."""
    conference = db.session.get(CaseConference, conference_id)
    if conference is None:
        return None
    items = (
        db.session.query(AgendaItem)
        .filter(AgendaItem.conference_id == conference_id)
        .options(selectinload(AgendaItem.case))
        .order_by(AgendaItem.position, AgendaItem.id)
        .all()
    )
    decisions: dict[int, list[Decision]] = {item.id: [] for item in items}
    if items:
        for record in (db.session.query(Decision)
                       .filter(Decision.agenda_item_id.in_(list(decisions)))
                       .order_by(Decision.decided_at)):
            decisions[record.agenda_item_id].append(record)
    return Agenda(conference, items, decisions)
