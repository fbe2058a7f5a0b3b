"""What the case page shows, loaded with a fixed number of queries.

Each section is one query (plus at most one ``selectinload``), whatever the number of
decisions, interventions or notes, so a case with a thousand interventions costs the
same number of round trips as a case with one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from werkzeug.routing import BuildError

from app.extensions import db
from app.models import (
    ActionPlan,
    AgendaItem,
    Assessment,
    Case,
    CaseConference,
    CaseNote,
    Decision,
    Goal,
    Intervention,
)

log = logging.getLogger(__name__)

NOTES_SHOWN = 50


@dataclass(frozen=True)
class ActionButton:
    name: str
    label: str
    url: str


@dataclass
class GoalSection:
    goal: Goal
    interventions: list[Intervention] = field(default_factory=list)


@dataclass
class CasePage:
    case: Case
    decisions: list[Decision]
    assessment: Assessment | None
    plan: ActionPlan | None
    goals: list[GoalSection]
    interventions_without_goal: list[Intervention]
    interventions_by_partner: OrderedDict[str, list[Intervention]]
    intervention_count: int
    agenda_items: list[AgendaItem]
    notes: list[CaseNote]
    actions: list[ActionButton]
    review_overdue: bool


def workflow_actions(case: Case, user: Any) -> list[ActionButton]:
    """The workflow's buttons for this case and user; none while no workflow is installed."""
    try:
        from app import workflow
    except ImportError:
        return []
    available = getattr(workflow, "available_actions", None)
    if available is None:
        return []
    buttons: list[ActionButton] = []
    for action in available(case, user):
        url = getattr(action, "url", None)
        if not url:
            endpoint = getattr(action, "endpoint", None)
            for params in ({"case_id": case.id}, {"pk": case.id}):
                try:
                    url = url_for(endpoint, **params)
                    break
                except (BuildError, TypeError):
                    continue
        if url:
            buttons.append(ActionButton(str(action.name), str(action.label), url))
        else:
            log.warning("workflow action %s has no URL", getattr(action, "name", action))
    return buttons


def load_case_page(case: Case, user: Any) -> CasePage:
    session = db.session
    decisions = (session.query(Decision)
                 .filter(Decision.case_id == case.id)
                 .options(joinedload(Decision.decided_by), selectinload(Decision.organisations))
                 .order_by(Decision.decided_at.desc(), Decision.id.desc()).all())
    assessment = (session.query(Assessment).filter(Assessment.case_id == case.id)
                  .options(joinedload(Assessment.author))
                  .order_by(Assessment.assessed_on.desc(), Assessment.id.desc()).first())
    plan = (session.query(ActionPlan)
            .filter(ActionPlan.case_id == case.id, ActionPlan.current.is_(True))
            .options(selectinload(ActionPlan.goals).joinedload(Goal.organisation))
            .order_by(ActionPlan.version_number.desc()).first())
    interventions = (session.query(Intervention).filter(Intervention.case_id == case.id)
                     .options(joinedload(Intervention.goal))
                     .order_by(Intervention.start_date.desc(), Intervention.id).all())
    agenda_items = (session.query(AgendaItem)
                    .join(AgendaItem.conference)
                    .filter(AgendaItem.case_id == case.id)
                    .options(contains_eager(AgendaItem.conference)
                             .joinedload(CaseConference.chair))
                    .order_by(CaseConference.held_on.desc()).all())
    notes = (session.query(CaseNote).filter(CaseNote.case_id == case.id)
             .options(joinedload(CaseNote.organisation))
             .order_by(CaseNote.created_at.desc(), CaseNote.id.desc())
             .limit(NOTES_SHOWN).all())

    goals = [GoalSection(goal) for goal in (plan.goals if plan else [])]
    by_goal = {section.goal.id: section for section in goals}
    without_goal: list[Intervention] = []
    by_partner: dict[str, list[Intervention]] = {}
    for intervention in interventions:
        section = by_goal.get(intervention.goal_id)
        (section.interventions if section else without_goal).append(intervention)
        by_partner.setdefault(str(intervention.organisation), []).append(intervention)

    return CasePage(
        case=case,
        decisions=decisions,
        assessment=assessment,
        plan=plan,
        goals=goals,
        interventions_without_goal=without_goal,
        interventions_by_partner=OrderedDict(sorted(by_partner.items())),
        intervention_count=len(interventions),
        agenda_items=agenda_items,
        notes=notes,
        actions=workflow_actions(case, user),
        review_overdue=bool(case.review_date and case.review_date < dt.date.today()
                            and case.is_open),
    )
