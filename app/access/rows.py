"""Row rules: which rows of case content an actor may see, and may change.

Rules (docs/design.md, "The access model"):

- core partners (a core organisation and a role with the core scope) see every case and
  every signal; signals not yet weighed only they see;
- a case director sees and changes the cases they direct;
- an admitted organisation (admission running today) sees the case, its subjects' names,
  the goals assigned to it and its own interventions — not other partners' interventions,
  notes, decisions, assessments or conferences;
- the privacy officer sees subject lists (for retention), never case content;
- the functional administrator sees no case content; no user means no rows.

The rules are fixed in code; roles only select which of them apply (their scopes, stored
per role: ``app.access.role_data``). The
ORM guard (``app.access.guard``) applies ``row_criteria`` to every query.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from casusregie.app.access import checked, clock
from casusregie.app.access.actor import Actor, current_actor, system_access
from casusregie.app.models import (
    ActionPlan,
    AgendaItem,
    Assessment,
    Case,
    CaseAdmission,
    CaseConference,
    CaseNote,
    CaseSubject,
    Decision,
    Goal,
    Intervention,
    Notification,
    PartnerChange,
    Signal,
    SignalStatus,
    Subject,
    SubjectRelation,
    Task,
    Weighing,
)
from casusregie.app.roles import SCOPE_FIGURES, SCOPE_RETENTION

_case = Case.__table__
_admission = CaseAdmission.__table__
_case_subject = CaseSubject.__table__
_plan = ActionPlan.__table__
_signal = Signal.__table__
_agenda = AgendaItem.__table__


def _any(parts: list[Any]) -> Any:
    return sa.or_(*parts) if parts else sa.false()


# The row rules test "this row's case is directed by the actor" by comparing the case's
# director, read by a correlated scalar sub-select on an alias of its own: one primary-key
# probe per candidate row, whatever the number of cases the actor directs. Neither
# ``case_id IN (SELECT … WHERE director = me)`` nor a correlated EXISTS does that inside
# an OR: PostgreSQL may turn both into a hashed sub-plan that reads every case the user
# directs on every query (5,032 cases, two thirds of the case page's intervention query
# for a director at city scale); a scalar sub-select it never hashes. The alias keeps the
# sub-select from correlating with a ``case`` table the outer query happens to join.


_directed_case = _case.alias("guard_directed_case")
_guard_admission = _admission.alias("guard_admission")
_guard_plan = _plan.alias("guard_plan")


def _checked(kind: str, actor: Actor) -> Any:
    """The ids of the cases the guard already let ``actor`` read in this request
    (``app.access.checked``), bound when the statement runs, not when it is built: the
    criteria are built once per actor and day and reused by every request."""
    ids = checked.directed_ids if kind == "directed" else checked.visible_ids
    return sa.bindparam(f"guard_checked_{kind}", callable_=lambda: ids(actor),
                        expanding=True, unique=True, type_=sa.Integer)


def directed_by(column: Any, actor: Actor) -> Any:
    """``column`` (a case id) belongs to a case the actor directs."""
    case = _directed_case
    director = (sa.select(case.c.case_director_id).where(case.c.id == column)
                .correlate_except(case).scalar_subquery())
    # The case at hand (already checked) first: a thousand interventions of the case
    # being shown cost no probe at all.
    return sa.or_(column.in_(_checked("directed", actor)), director == actor.user_id)


def admitted_to(column: Any, organisation_id: int, on: dt.date | None = None) -> Any:
    """``column`` (a case id) belongs to a case ``organisation_id`` is admitted to today.

    ``ix_case_admission_org_case`` serves it either way PostgreSQL runs it: one probe
    per row, or (hashed, or as a semi-join for a list) one read of the organisation's
    admissions, which grows with the cases the organisation is admitted to, never with
    the city.
    """
    on = on or clock.today()
    admission = _guard_admission
    return sa.exists(sa.select(1).where(admission.c.case_id == column,
                                        admission.c.organisation_id == organisation_id,
                                        admission.c.starts_on <= on,
                                        admission.c.ends_on >= on)
                     .correlate_except(admission))


def _directed_ids(user_id: int) -> sa.Select:
    return sa.select(_case.c.id).where(_case.c.case_director_id == user_id)


def _admitted_ids(organisation_id: int, on: dt.date | None = None) -> sa.Select:
    on = on or clock.today()
    return sa.select(_admission.c.case_id).where(
        _admission.c.organisation_id == organisation_id,
        _admission.c.starts_on <= on,
        _admission.c.ends_on >= on)


# Inside a sub-select that narrows another table (the subjects of visible cases, the
# conferences of directed cases) the plain ``IN`` is the better form: SQLite would run a
# correlated EXISTS once for every row of that inner table (every agenda item, every
# case-subject link), where PostgreSQL turns either form into the same semi-join.


def content_case_ids_criteria(column: Any, actor: Actor) -> Any:
    """Rows of case content (notes, decisions, plans...): core partners and directors."""
    if actor.is_system or actor.is_core:
        return sa.true()
    if actor.directs:
        return directed_by(column, actor)
    return sa.false()


def visible_case_ids_criteria(column: Any, actor: Actor, *, correlated: bool = True) -> Any:
    """The cases themselves: core partners, directors and admitted organisations.

    ``correlated=False`` gives the ``IN`` form, for use inside another sub-select.
    """
    if actor.is_system or actor.is_core:
        return sa.true()
    parts = [column.in_(_checked("visible", actor))] if correlated else []
    if actor.directs:
        parts.append(directed_by(column, actor) if correlated
                     else column.in_(_directed_ids(actor.user_id)))
    if actor.admitted_scope:
        parts.append(admitted_to(column, actor.organisation_id) if correlated
                     else column.in_(_admitted_ids(actor.organisation_id)))
    return _any(parts)


def _case_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    parts = []
    if actor.directs:
        # The case row itself: no sub-select, the director index serves it.
        parts.append(Case.case_director_id == actor.user_id)
    if actor.admitted_scope:
        parts.append(admitted_to(Case.id, actor.organisation_id))
    return _any(parts)


def _case_subject_rule(actor: Actor) -> Any:
    return visible_case_ids_criteria(CaseSubject.case_id, actor)


def _subject_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core or SCOPE_RETENTION in actor.scopes:
        return sa.true()
    visible = visible_case_ids_criteria(_case_subject.c.case_id, actor, correlated=False)
    # The subjects of the cases already checked first: the case page and the dossier
    # load a case's subjects after the case, and then never read the actor's other cases.
    at_hand = sa.select(_case_subject.c.subject_id).where(
        _case_subject.c.case_id.in_(_checked("visible", actor)))
    return sa.or_(Subject.id.in_(at_hand),
                  Subject.id.in_(sa.select(_case_subject.c.subject_id).where(visible)))


def _subject_relation_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    if actor.directs:
        subjects = sa.select(_case_subject.c.subject_id).where(
            _case_subject.c.case_id.in_(_directed_ids(actor.user_id)))
        return SubjectRelation.subject_id.in_(subjects)
    return sa.false()


def _signal_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    if actor.directs:
        return sa.and_(Signal.status == SignalStatus.weighed,
                       directed_by(Signal.case_id, actor))
    return sa.false()


def _weighing_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    if actor.directs:
        signals = sa.select(_signal.c.id).where(
            _signal.c.status == SignalStatus.weighed.value,
            _signal.c.case_id.in_(_directed_ids(actor.user_id)))
        return Weighing.signal_id.in_(signals)
    return sa.false()


def _decision_rule(actor: Actor) -> Any:
    return content_case_ids_criteria(Decision.case_id, actor)


def _conference_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    if actor.directs:
        return CaseConference.id.in_(sa.select(_agenda.c.conference_id).where(
            _agenda.c.case_id.in_(_directed_ids(actor.user_id))))
    return sa.false()


def _goal_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    parts = []
    if actor.directs:
        # The goal's own plan and case, probed by primary key: not every plan of every
        # case the actor directs.
        plan = _guard_plan
        case_id = (sa.select(plan.c.case_id).where(plan.c.id == Goal.action_plan_id)
                   .correlate_except(plan).scalar_subquery())
        parts.append(directed_by(case_id, actor))
    if actor.admitted_scope:
        parts.append(sa.and_(
            Goal.organisation_id == actor.organisation_id,
            Goal.action_plan_id.in_(sa.select(_plan.c.id).where(
                _plan.c.case_id.in_(_admitted_ids(actor.organisation_id))))))
    return _any(parts)


def _intervention_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    parts = []
    if actor.directs:
        parts.append(directed_by(Intervention.case_id, actor))
    if actor.admitted_scope:
        # A checked case not directed by the actor is one its organisation is admitted to.
        parts.append(sa.and_(
            Intervention.organisation_id == actor.organisation_id,
            sa.or_(Intervention.case_id.in_(_checked("visible", actor)),
                   admitted_to(Intervention.case_id, actor.organisation_id))))
    return _any(parts)


def _admission_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    parts = []
    if actor.directs:
        parts.append(directed_by(CaseAdmission.case_id, actor))
    if actor.admitted_scope:
        parts.append(CaseAdmission.organisation_id == actor.organisation_id)
    return _any(parts)


def _about_visible(model: Any, actor: Actor) -> Any:
    """A task or notification is about a case or signal the actor sees (or neither)."""
    signal_ok = sa.true() if actor.is_core else model.signal_id.is_(None)
    return sa.and_(sa.or_(model.case_id.is_(None),
                          visible_case_ids_criteria(model.case_id, actor)), signal_ok)


def _task_rule(actor: Actor) -> Any:
    """Tasks of the actor, or of their organisation (coordinator tasks to coordinators
    only), about something the actor sees: a partner not admitted learns nothing."""
    if actor.is_system:
        return sa.true()
    if actor.user_id is None:
        return sa.false()
    audience = sa.true() if actor.coordinates else Task.audience == ""
    mine = Task.owner_user_id == actor.user_id
    if actor.organisation_id is not None:
        mine = sa.or_(mine, sa.and_(Task.owner_organisation_id == actor.organisation_id,
                                    audience))
    return sa.and_(mine, _about_visible(Task, actor))


def _notification_rule(actor: Actor) -> Any:
    if actor.is_system:
        return sa.true()
    if actor.user_id is None:
        return sa.false()
    return sa.and_(Notification.user_id == actor.user_id, _about_visible(Notification, actor))


def _partner_change_rule(actor: Actor) -> Any:
    """The changes feed: changes concerning the actor's organisation, on cases it sees
    now (an admission that ended takes its earlier changes out of the feed)."""
    if actor.is_system:
        return sa.true()
    if actor.organisation_id is None:
        return sa.false()
    return sa.and_(PartnerChange.organisation_id == actor.organisation_id,
                   visible_case_ids_criteria(PartnerChange.case_id, actor))


def _content(model: Any) -> Callable[[Actor], Any]:
    return lambda actor: content_case_ids_criteria(model.case_id, actor)


#: Every model holding case content, with its row rule. The guard applies exactly these;
#: ``tests/test_access_guard.py`` fails when a model linked to a case is missing here.
ROW_RULES: dict[type, Callable[[Actor], Any]] = {
    Case: _case_rule,
    CaseSubject: _case_subject_rule,
    Subject: _subject_rule,
    SubjectRelation: _subject_relation_rule,
    Signal: _signal_rule,
    Weighing: _weighing_rule,
    Decision: _decision_rule,
    CaseConference: _conference_rule,
    AgendaItem: _content(AgendaItem),
    Assessment: _content(Assessment),
    ActionPlan: _content(ActionPlan),
    Goal: _goal_rule,
    Intervention: _intervention_rule,
    CaseNote: _content(CaseNote),
    CaseAdmission: _admission_rule,
    Task: _task_rule,
    Notification: _notification_rule,
    PartnerChange: _partner_change_rule,
}


def guarded_model(model: type) -> type | None:
    """The guarded model ``model`` is or inherits from (plugin interventions)."""
    for base in getattr(model, "__mro__", ()):
        if base in ROW_RULES:
            return base
    return None


def row_criteria(model: type, actor: Actor | None) -> Any:
    """SQL condition for the rows of ``model`` visible to ``actor`` (None: nothing)."""
    base = guarded_model(model)
    if base is None:
        return sa.true()
    if actor is None:
        return sa.false()
    return ROW_RULES[base](actor)


def case_subjects_loader() -> Any:
    """The loader option for a case's subjects, for a page about one case.

    Joined into the case's own query for those who see every case. For anyone else the
    links and subjects come in a second query, once the case has passed the guard: the
    row rules then find them among the checked case's, where in the case's own query the
    subject rule would read the subjects of every case the actor directs or is admitted
    to.
    """
    actor = current_actor()
    if actor is None or actor.is_system or actor.is_core:
        return joinedload(Case.case_subjects).joinedload(CaseSubject.subject)
    return selectinload(Case.case_subjects).joinedload(CaseSubject.subject)


def visible_query(model: type, actor: Actor | None) -> sa.Select:
    """ids of ``model`` rows the actor may see, evaluated without the request's user."""
    return sa.select(model.id).where(row_criteria(model, actor))


# --------------------------------------------------------------------------- figures


def figures_only(actor: Actor | None) -> bool:
    """Whether ``actor`` sees figures over cases it may not see one by one (the
    Management role): such figures are pseudonymised, small counts suppressed."""
    return bool(actor and not actor.is_system and SCOPE_FIGURES in actor.scopes
                and not (actor.is_core or actor.directs or actor.admitted_scope))


@contextlib.contextmanager
def figures_access(actor: Actor | None) -> Iterator[None]:
    """Read aggregate figures as ``actor`` may: a figures-only actor counts over every
    case (the caller must publish counts only, suppressed); anyone else through the
    ordinary row rules of the guarded session."""
    if figures_only(actor):
        with system_access("aggregate figures for a figures-only role"):
            yield
    else:
        yield


# --------------------------------------------------------------------------- writes


def can_change_case(actor: Actor | None, case_id: int | None, session: Any) -> bool:
    """Case content may be changed by core partners and by the case's director."""
    if actor is None:
        return False
    if actor.is_system or actor.is_core:
        return True
    if case_id is None or not actor.directs:
        return False
    director = session.execute(
        sa.select(_case.c.case_director_id).where(_case.c.id == case_id)).scalar()
    return director == actor.user_id


def case_visible(actor: Actor | None, case_id: int | None, session: Any) -> bool:
    if actor is None or case_id is None:
        return bool(actor and (actor.is_system or actor.is_core))
    return session.execute(
        sa.select(_case.c.id).where(_case.c.id == case_id,
                                    visible_case_ids_criteria(_case.c.id, actor))
    ).first() is not None
