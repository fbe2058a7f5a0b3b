"""The case process as a service layer: signal → weighing → conference → monitoring → closed.

Every transition is a plain function that takes the acting user and the object it acts
on, checks that the process allows it and that the required fields are there, changes
the rows and records a ``Decision``. Nothing here needs a Flask request, so the screens,
the API, the demo data and the tests all go through the same rules. The functions
flush but never commit: the caller owns the transaction.

A refused transition raises ``WorkflowError`` *before* anything is changed, so a refusal
leaves the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm
from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Session

from casusregie.app import clock
from casusregie.app.access.role_data import holds_scope, scopes_of
from casusregie.app.extensions import db
from casusregie.app.models import (
    ActionPlan,
    AgendaItem,
    Case,
    CaseAdmission,
    CasePhase,
    CaseSubject,
    CasusUser,
    CloseReason,
    Decision,
    DecisionBody,
    DecisionKind,
    Goal,
    GoalStatus,
    Intervention,
    InterventionStatus,
    InterventionType,
    Organisation,
    OrganisationKind,
    Phenomenon,
    RiskGroup,
    Signal,
    SignalStatus,
    Subject,
    Weighing,
    WeighingOutcome,
)
from casusregie.app.models.base import utcnow
from casusregie.app.numbering import draw_case_number
from casusregie.app.roles import SCOPE_COORDINATE, SCOPE_DIRECTED
from casusregie.app.services import service

#: Flask-AppBuilder view names whose permissions guard the transitions.
CASE_VIEW = "CaseWorkflowView"
SIGNAL_VIEW = "SignalWorkflowView"

MIN_ESCALATION_LEVEL = 1
MAX_ESCALATION_LEVEL = 3

#: The model covenant's retention period after closure; override with
#: ``CASUS_RETENTION_YEARS`` and per close reason with ``CASUS_RETENTION_YEARS_BY_REASON``.
DEFAULT_RETENTION_YEARS = 5
#: Signals that do not become a case are kept shorter (``CASUS_RETENTION_SIGNAL_DAYS``).
DEFAULT_SIGNAL_RETENTION_DAYS = 365

OPEN_PHASES = (CasePhase.conference, CasePhase.monitoring)

class WorkflowError(Exception):
    """A transition the process refuses; ``field`` names the form field at fault."""

    def __init__(self, message: str | LazyString, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class WorkflowPermissionError(WorkflowError):
    """The acting user's roles do not grant this transition."""


@dataclass(frozen=True)
class Action:
    """A transition as the screens offer it: its name, label, endpoint and permission."""

    name: str
    label: str
    view: str
    permission: str

    @property
    def endpoint(self) -> str:
        return f"{self.view}.{self.name}"


CONFERENCE = Action("conference", _l("Discuss in case conference"), CASE_VIEW, "can_conference")
ESCALATE = Action("escalate", _l("Escalate"), CASE_VIEW, "can_escalate")
DE_ESCALATE = Action("de_escalate", _l("De-escalate"), CASE_VIEW, "can_de_escalate")
CLOSE = Action("close", _l("Close case"), CASE_VIEW, "can_close")
REOPEN = Action("reopen", _l("Reopen case"), CASE_VIEW, "can_reopen")
DIRECTOR = Action("director", _l("Appoint case director"), CASE_VIEW, "can_director")
WEIGH = Action("weigh", _l("Weigh signal"), SIGNAL_VIEW, "can_weigh")

CASE_ACTIONS: dict[str, Action] = {a.name: a for a in (DIRECTOR, CONFERENCE, ESCALATE,
                                                        DE_ESCALATE, CLOSE, REOPEN)}

#: What each escalation level means, for the escalate and de-escalate forms.
LEVEL_MEANINGS = {
    1: _l("light: the partners' own help, monitored by the case director"),
    2: _l("intensified: a joint plan of several partners, reviewed at least every "
          "three months"),
    3: _l("heavy: also measures under criminal or administrative law, discussed at "
          "every case conference"),
}


@dataclass(frozen=True)
class DecisionInput:
    """What every decision records besides its effect: why, who took part, which body."""

    reasons: str
    participants: str
    organisations: Sequence[Organisation]
    body: DecisionBody = DecisionBody.case_conference


@dataclass(frozen=True)
class WeighingResult:
    weighing: Weighing
    decision: Decision
    case: Case | None = None


# --- permissions -------------------------------------------------------------------------

def _granted(user: CasusUser) -> set[tuple[str, str]]:
    return {(pv.permission.name, pv.view_menu.name)
            for role in user.roles for pv in role.permissions
            if pv.permission is not None and pv.view_menu is not None}


def may(user: CasusUser | None, action: Action) -> bool:
    """Whether the user's roles grant ``action`` (the same grant the screen checks)."""
    if user is None or not getattr(user, "active", True):
        return False
    if has_request_context() and getattr(g, "user", None) is user:
        # The logged-in user: ask the security manager, which resolves the user's
        # permissions once per request, instead of walking the roles again.
        return current_app.appbuilder.sm.has_access(action.permission, action.view)
    return (action.permission, action.view) in _granted(user)


def require_permission(user: CasusUser, action: Action) -> None:
    if not may(user, action):
        raise WorkflowPermissionError(_l("You are not allowed to do this."))


# --- what the process allows -------------------------------------------------------------

def refusal(case: Case, action: Action) -> str | None:
    """Why the process does not allow ``action`` on ``case`` now, or ``None`` if it does."""
    phase = case.phase
    if phase == CasePhase.destroyed:
        return _l("This case has been destroyed.")
    if action is REOPEN:
        return None if phase == CasePhase.closed else _l("Only a closed case can be reopened.")
    if phase == CasePhase.closed:
        return {
            CONFERENCE.name: _l("A closed case cannot be discussed; reopen it first."),
            ESCALATE.name: _l("A closed case cannot be escalated; reopen it first."),
            DE_ESCALATE.name: _l("A closed case cannot be de-escalated; reopen it first."),
            CLOSE.name: _l("This case is already closed."),
            DIRECTOR.name: _l("A closed case has no director to appoint; reopen it first."),
        }[action.name]
    if action is ESCALATE and case.escalation_level >= MAX_ESCALATION_LEVEL:
        return _l("The case is already at the highest escalation level (%(level)s).",
                  level=MAX_ESCALATION_LEVEL)
    if action is DE_ESCALATE and case.escalation_level <= MIN_ESCALATION_LEVEL:
        return _l("The case is already at the lowest escalation level (%(level)s).",
                  level=MIN_ESCALATION_LEVEL)
    return None


def _acts_on_any_case(user: CasusUser) -> bool:
    """Coordinators decide on every case; a case director only on the cases they direct."""
    return SCOPE_COORDINATE in scopes_of(user.roles)


def own_case_refusal(case: Case, action: Action, user: CasusUser | None) -> str | None:
    """Why this user may not close or reopen this particular case, or ``None``."""
    if action not in (CLOSE, REOPEN) or user is None or _acts_on_any_case(user):
        return None
    if case.case_director_id != user.id:
        return _l("Only the case director or a coordinator can close or reopen this case.")
    return None


def available_actions(case: Case, user: CasusUser | None) -> list[Action]:
    """The transitions this user may start on this case now (for the case page's buttons)."""
    return [a for a in CASE_ACTIONS.values() if refusal(case, a) is None and may(user, a)
            and own_case_refusal(case, a, user) is None]


def _check(case: Case, action: Action, user: CasusUser) -> None:
    require_permission(user, action)
    not_own = own_case_refusal(case, action, user)
    if not_own is not None:
        raise WorkflowPermissionError(not_own)
    reason = refusal(case, action)
    if reason is not None:
        raise WorkflowError(reason)


# --- who may direct a case ---------------------------------------------------------------

def eligible_directors_query() -> sa.orm.Query:
    """Active users holding a role that gives the ``directed`` scope (the role's stored
    scopes, so a rename moves nothing).

    The privacy officer, the functional administrator and management hold no such role,
    so they are never offered and never accepted.
    """
    return (_session().query(CasusUser)
            .filter(CasusUser.active.is_(True),
                    holds_scope(SCOPE_DIRECTED))
            .order_by(CasusUser.first_name, CasusUser.last_name, CasusUser.id))


def _check_director(director: CasusUser | None, field: str = "case_director") -> None:
    if director is None:
        return
    eligible = eligible_directors_query().filter(CasusUser.id == director.id).first()
    if eligible is None:
        raise WorkflowError(_l("This user cannot direct cases; choose a coordinator or a "
                               "case director."), field)


# --- field checks ------------------------------------------------------------------------

def _text(value: str | None, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise WorkflowError(message, field)
    return value


def _check_decision(decision: DecisionInput) -> None:
    _text(decision.reasons, "reasons", _l("Give the reasons for this decision."))
    _text(decision.participants, "participants", _l("Say who took part in this decision."))
    if not decision.organisations:
        raise WorkflowError(_l("Choose at least one participating organisation."),
                            "organisations")


def _future_date(value: dt.date | None, field: str, *, required: bool) -> None:
    if value is None:
        if required:
            raise WorkflowError(_l("Give the next review date."), field)
        return
    if value < clock.local_today():
        raise WorkflowError(_l("The review date cannot be in the past."), field)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def retention_years(reason: CloseReason) -> int:
    config = current_app.config
    default = int(config.get("CASUS_RETENTION_YEARS", DEFAULT_RETENTION_YEARS))
    per_reason = config.get("CASUS_RETENTION_YEARS_BY_REASON") or {}
    return int(per_reason.get(reason.value, default))


def signal_retention_days() -> int:
    return int(current_app.config.get("CASUS_RETENTION_SIGNAL_DAYS",
                                      DEFAULT_SIGNAL_RETENTION_DAYS))


def _session() -> Session:
    return db.session


def _record(user: CasusUser, kind: DecisionKind, decision: DecisionInput, *,
            case: Case | None = None, signal: Signal | None = None,
            agenda_item: AgendaItem | None = None, from_phase: CasePhase | None = None,
            to_phase: CasePhase | None = None) -> Decision:
    record = Decision(
        case=case, signal=signal, kind=kind, body=decision.body,
        agenda_item_id=agenda_item.id if agenda_item is not None else None,
        decided_at=utcnow(), decided_by=user,
        participants=decision.participants.strip(), reasons=decision.reasons.strip(),
        from_phase=from_phase.value if from_phase else None,
        to_phase=to_phase.value if to_phase else None,
        organisations=list(decision.organisations),
    )
    _session().add(record)
    return record


# --- transitions -------------------------------------------------------------------------

@service
def register_signal(user: CasusUser, *, reporter_kind: OrganisationKind, concern: str,
                    phenomenon: Phenomenon = Phenomenon.unclear,
                    reporter_name: str | None = None, anonymous: bool = False,
                    subject: Subject | None = None,
                    received_at: dt.datetime | None = None) -> Signal:
    """A signal comes in: not yet a case, waiting for the weighing team."""
    concern = _text(concern, "concern", _l("Describe the concern."))
    if received_at is not None and received_at > utcnow() + dt.timedelta(minutes=5):
        raise WorkflowError(_l("A signal cannot be received in the future."), "received_at")
    signal = Signal(reporter_kind=reporter_kind, concern=concern, phenomenon=phenomenon,
                    reporter_name=None if anonymous else (reporter_name or None),
                    anonymous=anonymous, subject=subject, status=SignalStatus.received,
                    received_at=received_at or utcnow(), registered_by=user)
    _session().add(signal)
    _session().flush()
    return signal


@service
def weigh_signal(user: CasusUser, signal: Signal, *, outcome: WeighingOutcome | None,
                 weighed_on: dt.date | None, decision: DecisionInput,
                 risk_group: RiskGroup | None = None,
                 lead_organisation: Organisation | None = None,
                 review_date: dt.date | None = None) -> WeighingResult:
    """The weighing team decides what happens with a signal.

    *Include* creates the case (phase ``conference``) with the next gap-free number.
    *More information needed* leaves the signal open for a later weighing; every other
    outcome ends it, with the shorter retention period of signals that are no case.
    """
    require_permission(user, WEIGH)
    if signal.status == SignalStatus.weighed:
        raise WorkflowError(_l("This signal has already been weighed."))
    if outcome is None:
        raise WorkflowError(_l("Choose the outcome of the weighing."), "outcome")
    if weighed_on is None:
        raise WorkflowError(_l("Give the date of the weighing."), "weighed_on")
    if weighed_on > clock.local_today():
        raise WorkflowError(_l("The weighing date cannot be in the future."), "weighed_on")
    if weighed_on < clock.to_local(signal.received_at).date():
        raise WorkflowError(_l("The weighing date cannot be before the signal was received."),
                            "weighed_on")
    _check_decision(decision)
    include = outcome == WeighingOutcome.include
    if include:
        if risk_group is None:
            raise WorkflowError(_l("Choose the risk group of the case."), "risk_group")
        if signal.subject is None:
            raise WorkflowError(_l("This signal has no subject; link the person or group "
                                   "to the signal before including it."))
        if lead_organisation is None:
            raise WorkflowError(_l("Choose the lead organisation."), "lead_organisation")
        _future_date(review_date, "review_date", required=False)

    if outcome != WeighingOutcome.more_information:
        # Claim the signal with a conditional UPDATE: when two people weigh it at the
        # same moment the row lock makes the second wait, then find it already weighed,
        # so one signal never becomes two cases.
        claimed = _session().execute(
            sa.update(Signal)
            .where(Signal.id == signal.id, Signal.status == SignalStatus.received)
            .values(status=SignalStatus.weighed)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            raise WorkflowError(_l("This signal has already been weighed."))

    weighing = Weighing(signal=signal, weighed_on=weighed_on,
                        participants=decision.participants.strip(),
                        reasons=decision.reasons.strip(), outcome=outcome,
                        risk_group=risk_group, recorded_by=user)
    _session().add(weighing)
    weighing_team = DecisionInput(decision.reasons, decision.participants,
                                  decision.organisations, DecisionBody.weighing_team)
    record = _record(user, DecisionKind.weighing, weighing_team, signal=signal)
    if outcome == WeighingOutcome.more_information:
        _session().flush()
        return WeighingResult(weighing, record)

    signal.status = SignalStatus.weighed
    if not include:
        signal.retention_until = weighed_on + dt.timedelta(days=signal_retention_days())
        _session().flush()
        return WeighingResult(weighing, record)

    year, sequence, number = draw_case_number(_session())
    case = Case(number=number, year=year, sequence=sequence, phase=CasePhase.conference,
                risk_group=risk_group, lead_organisation=lead_organisation,
                review_date=review_date, opened_at=utcnow(),
                summary=signal.concern)
    case.case_subjects = [CaseSubject(subject=signal.subject, primary=True)]
    _session().add(case)
    signal.case = case
    signal.retention_until = None
    _record(user, DecisionKind.inclusion, weighing_team, case=case, signal=signal,
            to_phase=CasePhase.conference)
    _session().flush()
    return WeighingResult(weighing, record, case)


@service
def discuss_in_conference(user: CasusUser, case: Case, *, decision: DecisionInput,
                          review_date: dt.date | None, action_plan: str | None = None,
                          case_director: CasusUser | None = None,
                          agenda_item: AgendaItem | None = None,
                          to_monitoring: bool = True,
                          intervention_type: InterventionType | None = None,
                          intervention_organisation: Organisation | None = None) -> Decision:
    """The case conference discusses a case: plan, director, interventions, next review.

    A case waiting for its first conference moves to monitoring unless the conference
    decides to keep it in the conference phase; a monitored case stays monitored. An
    intervention agreed in the conference is registered as planned, for the partner
    that delivers it (the catalogue's partner unless another one is chosen).
    """
    _check(case, CONFERENCE, user)
    _check_decision(decision)
    _future_date(review_date, "review_date", required=True)
    _check_director(case_director)
    if intervention_organisation is not None and intervention_type is None:
        raise WorkflowError(_l("Choose the intervention the partner delivers."),
                            "intervention_type")
    if intervention_type is not None:
        intervention_organisation = intervention_organisation or intervention_type.organisation
        if intervention_organisation is None:
            raise WorkflowError(_l("Choose the organisation that delivers the intervention."),
                                "intervention_organisation")
        if not intervention_type.active:
            raise WorkflowError(_l("This intervention is no longer in the catalogue."),
                                "intervention_type")
    from_phase = CasePhase(case.phase)
    to_phase = CasePhase.monitoring if to_monitoring else from_phase
    if (action_plan or "").strip():
        _new_plan_version(case, action_plan.strip())
    if case_director is not None:
        case.case_director = case_director
    if intervention_type is not None:
        _session().add(agreed_intervention(case, intervention_type,
                                           intervention_organisation))
    case.review_date = review_date
    case.phase = to_phase
    record = _record(user, DecisionKind.conference, decision, case=case,
                     agenda_item=agenda_item, from_phase=from_phase, to_phase=to_phase)
    _session().flush()
    return record


@service
def appoint_director(user: CasusUser, case: Case, *, director: CasusUser | None,
                     decision: DecisionInput) -> Decision:
    """Appoint (or replace) the case director: a decision of its own, with its reasons."""
    _check(case, DIRECTOR, user)
    if director is None:
        raise WorkflowError(_l("Choose the case director."), "case_director")
    _check_director(director)
    if director.id == case.case_director_id:
        raise WorkflowError(_l("This user already directs the case."), "case_director")
    _check_decision(decision)
    case.case_director = director
    phase = CasePhase(case.phase)
    record = _record(user, DecisionKind.director, decision, case=case, from_phase=phase,
                     to_phase=phase)
    _session().flush()
    return record


def agreed_intervention(case: Case, intervention_type: InterventionType,
                        organisation: Organisation | None) -> Intervention:
    """A planned intervention of the agreed type, as the record its kind is kept in.

    A catalogue entry of a plugin (``kind``) becomes that plugin's record, so the partner
    completes it instead of registering it a second time; its own details stay empty
    until then.
    """
    mapper = sa.inspect(Intervention).polymorphic_map.get(intervention_type.kind or "")
    model = mapper.class_ if mapper is not None else Intervention
    return model(case=case, type=intervention_type, organisation=organisation,
                 status=InterventionStatus.planned)


def _new_plan_version(case: Case, description: str) -> ActionPlan:
    previous = _session().query(ActionPlan).filter(ActionPlan.case_id == case.id).all()
    for plan in previous:
        plan.current = False
    plan = ActionPlan(case=case, current=True, description=description,
                      version_number=max((p.version_number for p in previous), default=0) + 1)
    _session().add(plan)
    return plan


def _change_level(user: CasusUser, case: Case, action: Action, step: int,
                  decision: DecisionInput, review_date: dt.date | None) -> Decision:
    _check(case, action, user)
    _check_decision(decision)
    _future_date(review_date, "review_date", required=False)
    case.escalation_level = case.escalation_level + step
    if review_date is not None:
        case.review_date = review_date
    phase = CasePhase(case.phase)
    kind = DecisionKind.escalation if step > 0 else DecisionKind.de_escalation
    record = _record(user, kind, decision, case=case, from_phase=phase, to_phase=phase)
    _session().flush()
    return record


@service
def escalate(user: CasusUser, case: Case, *, decision: DecisionInput,
             review_date: dt.date | None = None) -> Decision:
    """Move the case to a heavier approach (one escalation level up)."""
    return _change_level(user, case, ESCALATE, +1, decision, review_date)


@service
def de_escalate(user: CasusUser, case: Case, *, decision: DecisionInput,
                review_date: dt.date | None = None) -> Decision:
    """Move the case to a lighter approach (one escalation level down)."""
    return _change_level(user, case, DE_ESCALATE, -1, decision, review_date)


@dataclass(frozen=True)
class ClosureChecklist:
    """What is still open in a case: shown before closing, and confirmed when not empty."""

    open_goals: list[Goal]
    running_interventions: list[Intervention]
    active_admissions: list[CaseAdmission]

    @property
    def has_open_items(self) -> bool:
        return bool(self.open_goals or self.running_interventions or self.active_admissions)


def closure_checklist(case: Case) -> ClosureChecklist:
    """Open goals of the current plan, planned or running interventions, and admissions
    that still give a partner access (three queries)."""
    session = _session()
    goals = (session.query(Goal).join(ActionPlan, Goal.action_plan_id == ActionPlan.id)
             .filter(ActionPlan.case_id == case.id, ActionPlan.current.is_(True),
                     Goal.status == GoalStatus.open)
             .order_by(Goal.position, Goal.id).all())
    interventions = (session.query(Intervention)
                     .filter(Intervention.case_id == case.id,
                             Intervention.status.in_([InterventionStatus.planned,
                                                      InterventionStatus.active]))
                     .order_by(Intervention.id).all())
    today = clock.local_today()
    admissions = (session.query(CaseAdmission)
                  .filter(CaseAdmission.case_id == case.id, CaseAdmission.ends_on >= today)
                  .order_by(CaseAdmission.ends_on, CaseAdmission.id).all())
    return ClosureChecklist(goals, interventions, admissions)


@service
def close_case(user: CasusUser, case: Case, *, close_reason: CloseReason | None,
               decision: DecisionInput, confirm_open_items: bool = False,
               open_items_reason: str | None = None) -> Decision:
    """End the case with a reason; the retention clock starts at closure.

    When goals, interventions or admissions are still open the closure needs an explicit
    confirmation and a reason for closing anyway, which the decision records.
    """
    _check(case, CLOSE, user)
    if close_reason is None:
        raise WorkflowError(_l("Choose the reason for closing the case."), "close_reason")
    _check_decision(decision)
    reasons = decision.reasons.strip()
    if closure_checklist(case).has_open_items:
        if not confirm_open_items:
            raise WorkflowError(_l("Goals, interventions or admissions are still open: "
                                   "confirm that the case is closed anyway."),
                                "confirm_open_items")
        why = _text(open_items_reason, "open_items_reason",
                    _l("Say why the case is closed while items are still open."))
        reasons = f"{reasons}\n\n{_l('Closed with open items')}: {why}"
        decision = DecisionInput(reasons, decision.participants, decision.organisations,
                                 decision.body)
    from_phase = CasePhase(case.phase)
    case.phase = CasePhase.closed
    case.closed_at = utcnow()
    case.close_reason = close_reason
    case.review_date = None
    case.retention_until = add_years(clock.to_local(case.closed_at).date(),
                                     retention_years(close_reason))
    record = _record(user, DecisionKind.closure, decision, case=case, from_phase=from_phase,
                     to_phase=CasePhase.closed)
    _session().flush()
    return record


@service
def reopen_case(user: CasusUser, case: Case, *, decision: DecisionInput,
                review_date: dt.date | None = None) -> Decision:
    """Reopen a closed case into monitoring; the retention clock stops."""
    _check(case, REOPEN, user)
    _check_decision(decision)
    _future_date(review_date, "review_date", required=True)
    case.phase = CasePhase.monitoring
    case.closed_at = None
    case.close_reason = None
    case.retention_until = None
    case.review_date = review_date
    record = _record(user, DecisionKind.reopening, decision, case=case,
                     from_phase=CasePhase.closed, to_phase=CasePhase.monitoring)
    _session().flush()
    return record


def organisations_by_id(ids: Iterable[int]) -> list[Organisation]:
    ids = list(ids)
    if not ids:
        return []
    return _session().query(Organisation).filter(Organisation.id.in_(ids)).all()
