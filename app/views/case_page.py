"""What the case page shows, loaded with a fixed number of queries.

Each section is one query, whatever the number of subjects, decisions, goals,
interventions or notes: a case with a thousand interventions costs the same round trips
as a case with one (the user and their permissions, the case with its subjects,
decisions, assessment, action plan with its goals, interventions, agenda items, notes).

Interventions are read as plain rows (only the columns the page shows) through the ORM,
so the access guard filters them like any other read. A goal with many interventions
shows the most recent ``INTERVENTIONS_SHOWN``, with a link to show them all; the partner
tab summarises per organisation instead of repeating every row.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from babel import dates
from flask import request, url_for
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from werkzeug.routing import BuildError

from casusregie.app import clock, workflow
from casusregie.app.access import case_subjects_loader, current_actor
from casusregie.app.extensions import db
from casusregie.app.i18n import format_locale
from casusregie.app.labels import enum_label
from casusregie.app.lookups import goals_of_case
from casusregie.app.models import (
    ActionPlan,
    AgendaItem,
    Assessment,
    Case,
    CaseAdmission,
    CaseConference,
    CaseNote,
    Decision,
    Goal,
    Intervention,
    InterventionStatus,
    InterventionType,
    Organisation,
)
from casusregie.app.models.base import localised_name

NOTES_SHOWN = 50
#: Interventions listed per goal (and without a goal) unless the user asks for all.
INTERVENTIONS_SHOWN = 20
#: "Show all" lists the case's interventions this many at a time (about 60 KB of rows),
#: so a case with a thousand interventions stays a page of under 150 KB.
INTERVENTIONS_PER_PAGE = 250
#: The order the status columns of the partner summary take.
STATUSES = (InterventionStatus.planned, InterventionStatus.active,
            InterventionStatus.completed, InterventionStatus.stopped)


@dataclass(frozen=True)
class ActionButton:
    name: str
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class InterventionRow:
    """One intervention as the case page shows it, its words and dates already formatted."""
    id: int
    type: str
    organisation: str
    status: str
    status_label: str
    start: str
    end: str
    edit_url: str


@dataclass
class InterventionGroup:
    """The interventions of one goal (or those without a goal): all of them counted, the
    first ``INTERVENTIONS_SHOWN`` (or all, on request) listed."""
    rows: list[InterventionRow] = field(default_factory=list)
    total: int = 0

    @property
    def hidden(self) -> int:
        return self.total - len(self.rows)


@dataclass
class GoalSection:
    goal: Goal
    interventions: InterventionGroup = field(default_factory=InterventionGroup)


@dataclass
class PartnerSummary:
    """One organisation's interventions in this case: counts per status and per type."""
    name: str
    total: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_type: Counter = field(default_factory=Counter)

    @property
    def counts(self) -> list[int]:
        return [self.by_status[status.value] for status in STATUSES]

    @property
    def types(self) -> list[tuple[str, int]]:
        return sorted(self.by_type.items(), key=lambda item: (-item[1], item[0]))


@dataclass
class CasePage:
    case: Case
    decisions: list[Decision]
    assessment: Assessment | None
    plan: ActionPlan | None
    goals: list[GoalSection]
    interventions_without_goal: InterventionGroup
    partners: list[PartnerSummary]
    status_labels: list[str]
    intervention_count: int
    all_interventions: bool
    agenda_items: list[AgendaItem]
    notes: list[CaseNote]
    actions: list[ActionButton]
    review_overdue: bool
    #: Decisions, assessment, plan, conferences and notes are hidden from this user
    #: (an admitted partner): the page says so instead of "none yet".
    content_hidden: bool = False
    admissions: list[CaseAdmission] = field(default_factory=list)
    today: dt.date | None = None
    #: "Show all": which page of ``INTERVENTIONS_PER_PAGE`` interventions (from 1).
    interventions_page: int = 1

    @property
    def interventions_pages(self) -> int:
        return max(1, -(-self.intervention_count // INTERVENTIONS_PER_PAGE))

    @property
    def interventions_range(self) -> tuple[int, int]:
        """The first and last position (from 1) of the interventions on this page."""
        first = (self.interventions_page - 1) * INTERVENTIONS_PER_PAGE
        return first + 1, min(self.intervention_count, first + INTERVENTIONS_PER_PAGE)

    @property
    def interventions_hidden(self) -> int:
        return (self.interventions_without_goal.hidden
                + sum(section.interventions.hidden for section in self.goals))


def workflow_actions(case: Case, user: Any) -> list[ActionButton]:
    """The workflow's buttons for this case and user (``app.workflow.available_actions``)."""
    return [ActionButton(str(action.name), str(action.label),
                         url_for(action.endpoint, case_id=case.id))
            for action in workflow.available_actions(case, user)]


def load_case(pk: Any, datamodel: Any = None, filters: Any = None) -> Case | None:
    """The case with its subjects in one query (``None`` if absent or not visible)."""
    try:
        case_id = int(pk)
    except (TypeError, ValueError):
        return None
    query = (db.session.query(Case).filter(Case.id == case_id)
             .options(case_subjects_loader()))
    if datamodel is not None and filters:
        query = datamodel.apply_filters(query, filters)
    return query.first()


def all_interventions_requested() -> bool:
    """Whether the user asked for every intervention (``?interventions=all``)."""
    return request.args.get("interventions") == "all"


def interventions_page_requested() -> int:
    """The page of "show all" asked for (``&interventions_page=N``, from 1)."""
    return max(1, request.args.get("interventions_page", 1, type=int) or 1)


def _url_pattern(endpoint: str) -> tuple[str, str] | None:
    """``url_for(endpoint, pk=…)`` split around the key, built once per request."""
    marker = 918273645
    try:
        url = url_for(endpoint, pk=marker)
    except BuildError:
        return None
    before, _, after = url.partition(str(marker))
    return before, after


def load_interventions(case_id: int, goal_ids: set[int], can_edit: bool,
                       show_all: bool, page: int = 1
                       ) -> tuple[dict[int | None, InterventionGroup], list[PartnerSummary],
                                  int]:
    """The case's interventions by goal (``None``: without a current goal) and by partner.

    Every intervention is counted; listed are the most recent ``INTERVENTIONS_SHOWN`` of
    each goal, or with ``show_all`` page ``page`` of the case's interventions in the
    case's order (newest first).

    Reads the shown columns only, as tuples: no intervention objects, no plugin
    subclasses, no goal join. Words, dates and links are made once per distinct value.
    """
    rows = db.session.execute(
        sa.select(Intervention.id, Intervention.goal_id, Intervention.status,
                  Intervention.start_date, Intervention.end_date,
                  InterventionType.name, InterventionType.name_en, Organisation.name)
        .join(InterventionType, InterventionType.id == Intervention.type_id)
        .join(Organisation, Organisation.id == Intervention.organisation_id)
        .where(Intervention.case_id == case_id)
        .order_by(Intervention.start_date.desc(), Intervention.id)
    ).all()

    locale = format_locale()
    formatted: dict[dt.date | None, str] = {None: "—"}

    def date(value: dt.date | None) -> str:
        text = formatted.get(value)
        if text is None:
            text = formatted[value] = dates.format_date(value, "medium", locale=locale)
        return text

    labels = {status: enum_label(status) for status in InterventionStatus}
    edit = _url_pattern("InterventionModelView.edit") if can_edit else None
    groups: dict[int | None, InterventionGroup] = {}
    partners: dict[str, PartnerSummary] = {}
    window = range((page - 1) * INTERVENTIONS_PER_PAGE, page * INTERVENTIONS_PER_PAGE)
    for position, (pk, goal_id, status, start, end, type_nl, type_en, org_name) in \
            enumerate(rows):
        type_name = localised_name(type_nl, type_en)
        group = groups.get(goal_id if goal_id in goal_ids else None)
        if group is None:
            group = groups[goal_id if goal_id in goal_ids else None] = InterventionGroup()
        group.total += 1
        status = InterventionStatus(status)
        if (position in window) if show_all else len(group.rows) < INTERVENTIONS_SHOWN:
            group.rows.append(InterventionRow(
                pk, type_name, org_name, status.value, labels[status], date(start), date(end),
                f"{edit[0]}{pk}{edit[1]}" if edit else ""))
        partner = partners.get(org_name)
        if partner is None:
            partner = partners[org_name] = PartnerSummary(org_name)
        partner.total += 1
        partner.by_status[status.value] += 1
        partner.by_type[type_name] += 1
    return groups, sorted(partners.values(), key=lambda p: p.name), len(rows)


def load_case_page(case: Case, user: Any, *, can_edit_interventions: bool = False,
                   all_interventions: bool = False, interventions_page: int = 1,
                   with_admissions: bool = False) -> CasePage:
    session = db.session
    decisions = (session.query(Decision)
                 .filter(Decision.case_id == case.id)
                 # The organisations in a query of their own: joined in, SQLite reads the
                 # whole decision-organisation table for every case page (0.3 s at city
                 # scale), because it cannot flatten a join through a link table.
                 .options(joinedload(Decision.decided_by), selectinload(Decision.organisations))
                 .order_by(Decision.decided_at.desc(), Decision.id.desc()).all())
    assessment = (session.query(Assessment).filter(Assessment.case_id == case.id)
                  .options(joinedload(Assessment.author))
                  .order_by(Assessment.assessed_on.desc(), Assessment.id.desc()).first())
    plan = (session.query(ActionPlan)
            .filter(ActionPlan.case_id == case.id, ActionPlan.current.is_(True))
            .options(joinedload(ActionPlan.goals).joinedload(Goal.organisation))
            .order_by(ActionPlan.version_number.desc()).first())
    content_hidden = not sees_case_content(case)
    if plan is not None:
        goals = [GoalSection(goal) for goal in plan.goals]
    else:  # a partner sees the goals assigned to it, not the plan they belong to
        goals = [GoalSection(goal) for goal in
                 goals_of_case(case.id).options(joinedload(Goal.organisation))]
    groups, partners, count = load_interventions(
        case.id, {section.goal.id for section in goals}, can_edit_interventions,
        all_interventions, interventions_page)
    for section in goals:
        section.interventions = groups.get(section.goal.id) or InterventionGroup()
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
    # Admissions (one query) for those who may see them: current first, ended last.
    admissions = (session.query(CaseAdmission).filter(CaseAdmission.case_id == case.id)
                  .order_by(CaseAdmission.ends_on.desc(), CaseAdmission.id).all()
                  if with_admissions else [])

    return CasePage(
        case=case,
        decisions=decisions,
        assessment=assessment,
        plan=plan,
        goals=goals,
        interventions_without_goal=groups.get(None) or InterventionGroup(),
        partners=partners,
        status_labels=[enum_label(status) for status in STATUSES],
        intervention_count=count,
        all_interventions=all_interventions,
        interventions_page=interventions_page,
        agenda_items=agenda_items,
        notes=notes,
        actions=workflow_actions(case, user),
        review_overdue=bool(case.review_date and case.review_date < clock.local_today()
                            and case.is_open),
        content_hidden=content_hidden,
        admissions=admissions,
        today=clock.local_today(),
    )


def sees_case_content(case: Case) -> bool:
    """Whether the signed-in user sees the case's content (decisions, plan, notes...):
    core partners and the case's director; an admitted partner does not."""
    actor = current_actor()
    if actor is None:
        return False
    return actor.is_system or actor.is_core or (
        actor.directs and case.case_director_id == actor.user_id)
