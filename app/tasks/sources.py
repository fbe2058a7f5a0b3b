"""Where tasks come from: one small function per kind of work.

Each source reads the state of the cases in scope and returns the tasks that are open
*now*. A task that a source no longer returns is closed by ``app.tasks.sync``: that is
how the underlying action (weighing the signal, registering the intervention, setting a
new review date) closes it. Adding a kind of task is adding one function to ``SOURCES``.

Sources run inside ``system_access``; who sees a task is decided by the access policy
(``app.access.rows._task_rule``), not here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

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
    Organisation,
    OrganisationTier,
    Signal,
    SignalStatus,
)

OPEN_PHASES = (CasePhase.conference, CasePhase.monitoring)
COORDINATOR = "coordinator"


@dataclass(frozen=True)
class TaskSpec:
    """A task as a source sees it; ``key`` identifies it across runs."""

    kind: str
    key: str
    due_on: dt.date | None
    case_id: int | None = None
    signal_id: int | None = None
    object_id: int | None = None
    owner_user_id: int | None = None
    owner_organisation_id: int | None = None
    audience: str = ""


@dataclass(frozen=True)
class Scope:
    """Which cases and signals to look at; ``None`` means all of them (the daily run)."""

    case_ids: frozenset[int] | None = None
    signal_ids: frozenset[int] | None = None
    today: dt.date = dt.date.min
    #: Also the approvals of sensitive changes (they belong to no case or signal).
    approvals: bool = False

    @property
    def everything(self) -> bool:
        return self.case_ids is None and self.signal_ids is None

    def cases(self, column: sa.ColumnElement) -> sa.ColumnElement | None:
        """Condition on a case-id column, or ``None`` when no case is in scope."""
        if self.everything:
            return sa.true()
        if not self.case_ids:
            return None
        return column.in_(sorted(self.case_ids))


def _days(setting: str, default: int) -> dt.timedelta:
    return dt.timedelta(days=int(current_app.config.get(setting, default)))


def first_days() -> dt.timedelta:
    """Time given for a first step: weighing, appointing a director, registering."""
    return _days("CASUS_TASK_DAYS", 14)


def _lead_owner(case: Any) -> dict:
    return {"owner_organisation_id": case.lead_organisation_id, "audience": COORDINATOR}


def weigh_signal(scope: Scope) -> Iterable[TaskSpec]:
    """A signal not yet weighed: the weighing team (every core organisation)."""
    if scope.everything:
        where = sa.true()
    elif scope.signal_ids:
        where = Signal.id.in_(sorted(scope.signal_ids))
    else:
        return []
    core = [o for (o,) in db.session.query(Organisation.id).filter(
        Organisation.tier == OrganisationTier.core, Organisation.active.is_(True))]
    rows = db.session.query(Signal.id, Signal.received_at).filter(
        where, Signal.status == SignalStatus.received, Signal.case_id.is_(None))
    return [TaskSpec("weigh_signal", f"weigh_signal:{sid}:o{org}",
                     received.date() + first_days(), signal_id=sid,
                     owner_organisation_id=org)
            for sid, received in rows for org in core]


def _open_cases(scope: Scope):
    """Open cases in scope, as plain rows: loading ``Case`` objects would also load their
    subjects, organisations and director, for thousands of cases in the daily run."""
    where = scope.cases(Case.id)
    if where is None:
        return None
    return db.session.query(Case.id, Case.lead_organisation_id, Case.case_director_id,
                            Case.opened_at, Case.review_date).filter(
        where, Case.phase.in_(OPEN_PHASES))


def appoint_director(scope: Scope) -> Iterable[TaskSpec]:
    """An open case without a case director: the lead organisation's coordinators."""
    cases = _open_cases(scope)
    if cases is None:
        return []
    return [TaskSpec("appoint_director", f"appoint_director:{c.id}",
                     c.opened_at.date() + first_days(), case_id=c.id, **_lead_owner(c))
            for c in cases.filter(Case.case_director_id.is_(None))]


def review_case(scope: Scope) -> Iterable[TaskSpec]:
    """A review date within the horizon or past: the case director (or coordinators)."""
    cases = _open_cases(scope)
    if cases is None:
        return []
    horizon = scope.today + _days("CASUS_REVIEW_HORIZON_DAYS", 14)
    specs = []
    for c in cases.filter(Case.review_date <= horizon):
        owner = ({"owner_user_id": c.case_director_id} if c.case_director_id
                 else _lead_owner(c))
        specs.append(TaskSpec("review_case", f"review_case:{c.id}", c.review_date,
                              case_id=c.id, **owner))
    return specs


def _agenda_items(scope: Scope):
    where = scope.cases(AgendaItem.case_id)
    if where is None:
        return []
    return (db.session.query(AgendaItem.id, AgendaItem.case_id, CaseConference.held_on,
                             CaseConference.chair_id, Case.case_director_id,
                             Case.lead_organisation_id)
            .join(CaseConference, AgendaItem.conference_id == CaseConference.id)
            .join(Case, AgendaItem.case_id == Case.id)
            .filter(where, AgendaItem.discussed.is_(False),
                    CaseConference.status == ConferenceStatus.planned,
                    Case.phase.in_(OPEN_PHASES)).all())


def prepare_agenda_item(scope: Scope) -> Iterable[TaskSpec]:
    """A case on the agenda of a coming conference: its director prepares it."""
    specs = []
    for row in _agenda_items(scope):
        if row.held_on.date() < scope.today:
            continue
        owner = ({"owner_user_id": row.case_director_id} if row.case_director_id
                 else _lead_owner(row))
        specs.append(TaskSpec("prepare_agenda_item", f"prepare_agenda_item:{row.id}",
                              row.held_on.date(), case_id=row.case_id, object_id=row.id,
                              **owner))
    return specs


def record_agenda_item(scope: Scope) -> Iterable[TaskSpec]:
    """A conference date passed with an item not recorded: the chair follows it up."""
    specs = []
    for row in _agenda_items(scope):
        if row.held_on.date() >= scope.today:
            continue
        owner = ({"owner_user_id": row.chair_id} if row.chair_id else _lead_owner(row))
        specs.append(TaskSpec("record_agenda_item", f"record_agenda_item:{row.id}",
                              row.held_on.date() + dt.timedelta(days=7),
                              case_id=row.case_id, object_id=row.id, **owner))
    return specs


def conference_invitation(scope: Scope) -> Iterable[TaskSpec]:
    """A case on the agenda of a coming conference: every organisation admitted to it is
    invited, until the item is recorded or the conference has passed."""
    where = scope.cases(AgendaItem.case_id)
    if where is None:
        return []
    rows = (db.session.query(AgendaItem.id, AgendaItem.case_id, CaseConference.held_on,
                             CaseAdmission.organisation_id)
            .join(CaseConference, AgendaItem.conference_id == CaseConference.id)
            .join(Case, AgendaItem.case_id == Case.id)
            .join(CaseAdmission, CaseAdmission.case_id == AgendaItem.case_id)
            .filter(where, AgendaItem.discussed.is_(False),
                    CaseConference.status == ConferenceStatus.planned,
                    Case.phase.in_(OPEN_PHASES),
                    CaseAdmission.starts_on <= scope.today,
                    CaseAdmission.ends_on >= scope.today))
    return [TaskSpec("conference_invitation",
                     f"conference_invitation:{row.id}:o{row.organisation_id}",
                     row.held_on.date(), case_id=row.case_id, object_id=row.id,
                     owner_organisation_id=row.organisation_id)
            for row in rows if row.held_on.date() >= scope.today]


def _running_admissions(scope: Scope):
    where = scope.cases(CaseAdmission.case_id)
    if where is None:
        return None
    return (db.session.query(CaseAdmission.id, CaseAdmission.case_id,
                             CaseAdmission.organisation_id, CaseAdmission.starts_on,
                             CaseAdmission.ends_on, Case.lead_organisation_id)
            .join(Case, CaseAdmission.case_id == Case.id)
            .filter(where, Case.phase.in_(OPEN_PHASES),
                    CaseAdmission.starts_on <= scope.today,
                    CaseAdmission.ends_on >= scope.today))


def register_intervention(scope: Scope) -> Iterable[TaskSpec]:
    """An organisation admitted to a case without an intervention there registers one."""
    rows = _running_admissions(scope)
    if rows is None:
        return []
    has_one = sa.exists().where(Intervention.case_id == CaseAdmission.case_id,
                                Intervention.organisation_id == CaseAdmission.organisation_id)
    return [TaskSpec("register_intervention",
                     f"register_intervention:{adm.case_id}:o{adm.organisation_id}",
                     adm.starts_on + first_days(), case_id=adm.case_id, object_id=adm.id,
                     owner_organisation_id=adm.organisation_id)
            for adm in rows.filter(~has_one)]


def admission_ending(scope: Scope) -> Iterable[TaskSpec]:
    """An admission ending within 30 days: coordinators renew or end it; the partner is
    told, so it can ask for a renewal in time."""
    rows = _running_admissions(scope)
    if rows is None:
        return []
    limit = scope.today + _days("CASUS_ADMISSION_WARNING_DAYS", 30)
    specs = []
    for adm in rows.filter(CaseAdmission.ends_on <= limit):
        specs.append(TaskSpec("renew_admission", f"renew_admission:{adm.id}", adm.ends_on,
                              case_id=adm.case_id, object_id=adm.id, **_lead_owner(adm)))
        specs.append(TaskSpec("admission_ending", f"admission_ending:{adm.id}", adm.ends_on,
                              case_id=adm.case_id, object_id=adm.id,
                              owner_organisation_id=adm.organisation_id))
    return specs


def _interventions(scope: Scope, status: InterventionStatus):
    where = scope.cases(Intervention.case_id)
    if where is None:
        return []
    return (db.session.query(Intervention.id, Intervention.case_id,
                             Intervention.organisation_id, Intervention.start_date,
                             Intervention.end_date, Intervention.created_at)
            .join(Case, Intervention.case_id == Case.id)
            .filter(where, Intervention.status == status, Case.phase.in_(OPEN_PHASES))
            .all())


def start_intervention(scope: Scope) -> Iterable[TaskSpec]:
    """An agreed intervention still planned: the delivering organisation starts it."""
    return [TaskSpec("start_intervention", f"start_intervention:{iid}",
                     start or created.date() + first_days(), case_id=case_id, object_id=iid,
                     owner_organisation_id=org)
            for iid, case_id, org, start, _end, created
            in _interventions(scope, InterventionStatus.planned)]


def report_intervention(scope: Scope) -> Iterable[TaskSpec]:
    """A running intervention past its end date: the organisation reports the outcome."""
    return [TaskSpec("report_intervention", f"report_intervention:{iid}", end,
                     case_id=case_id, object_id=iid, owner_organisation_id=org)
            for iid, case_id, org, _start, end, _created
            in _interventions(scope, InterventionStatus.active)
            if end is not None and end <= scope.today]


APPROVE_CHANGE = "approve_change"


def approve_change(scope: Scope) -> Iterable[TaskSpec]:
    """A sensitive change awaiting approval: every user who may approve it, except the
    requester (``app.approvals``). Closed when approved or refused."""
    if not (scope.everything or scope.approvals):
        return []
    from casusregie.app import approvals

    requests = approvals.open_requests()
    if not requests:
        return []
    deciders = [user.id for user in approvals.approvers()]
    return [TaskSpec(APPROVE_CHANGE, f"{APPROVE_CHANGE}:{req_id}:u{user_id}",
                     asked.date() + _days("CASUS_APPROVAL_DAYS", 3), object_id=req_id,
                     owner_user_id=user_id)
            for req_id, requester, asked in requests
            for user_id in deciders if user_id != requester]


#: Every source, in the order their tasks are listed when due on the same day.
SOURCES: tuple[Callable[[Scope], Iterable[TaskSpec]], ...] = (
    weigh_signal, appoint_director, review_case, prepare_agenda_item, record_agenda_item,
    conference_invitation,
    register_intervention, admission_ending, start_intervention, report_intervention,
    approve_change,
)
