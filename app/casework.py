"""Services for the case content the generated forms and the API edit: assessments,
action plans, goals, interventions (and plugin kinds), notes, admissions, case and
signal details, subjects and their relations, conferences.

Each writer checks and completes one row before it is saved (``app.services``): who
wrote it, the new version of a plan, who may change a note. The access guard applies
the row rules at the flush; the transitions of the process live in ``app.workflow`` and
``app.conferences``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from casusregie.app import clock
from casusregie.app.access import current_actor
from casusregie.app.extensions import db
from casusregie.app.models import (
    ActionPlan,
    Assessment,
    Case,
    CaseAdmission,
    CaseConference,
    CaseNote,
    Goal,
    Intervention,
    Signal,
    Subject,
    SubjectRelation,
)
from casusregie.app.services import writer
from casusregie.app.workflow import WorkflowError


def _user_id() -> int | None:
    actor = current_actor()
    return actor.user_id if actor is not None else None


def new_assessment(item: Assessment) -> None:
    item.author_id = _user_id()


def new_plan_version(item: ActionPlan) -> None:
    """A new version supersedes the previous one; its goals are carried over."""
    # The new plan must not be flushed half-made while the previous one is looked up.
    with db.session.no_autoflush:
        previous = (db.session.query(ActionPlan)
                    .filter(ActionPlan.case_id == item.case.id, ActionPlan.current.is_(True))
                    .order_by(ActionPlan.version_number.desc()).first())
        last = (db.session.query(sa.func.max(ActionPlan.version_number))
                .filter(ActionPlan.case_id == item.case.id).scalar()) or 0
        item.version_number = last + 1
        item.current = True
        if previous is not None:
            previous.current = False
            item.goals = [Goal(description=goal.description, position=goal.position,
                               organisation_id=goal.organisation_id, status=goal.status)
                          for goal in previous.goals]


def new_note(item: CaseNote) -> None:
    actor = current_actor()
    item.author_id = actor.user_id if actor else None
    item.organisation_id = actor.organisation_id if actor else None


def change_note(item: CaseNote) -> None:
    if item.author_id != _user_id():
        raise WorkflowError(_l("Only the author can change a note."))


def grant_admission(item: CaseAdmission) -> None:
    item.granted_by_id = _user_id()
    item.granted_at = clock.now_utc()


def new_subject(item: Subject) -> None:
    item.refresh_name_key()


def new_conference(item: CaseConference) -> None:
    # Whoever plans a conference chairs it unless the form names a chair.
    if item.chair is None and item.chair_id is None:
        item.chair_id = _user_id()


def as_entered(_item: Any) -> None:
    """Rows whose form carries every rule (validators, the guard at the flush)."""


def register() -> None:
    """Register the writers (idempotent; the app factory may run more than once)."""
    writer(Assessment, "add")(new_assessment)
    writer(Assessment, "edit", "delete")(as_entered)
    writer(ActionPlan, "add")(new_plan_version)
    writer(ActionPlan, "edit", "delete")(as_entered)
    writer(Goal, "add", "edit", "delete")(as_entered)
    writer(Intervention, "add", "edit")(as_entered)
    writer(CaseNote, "add")(new_note)
    writer(CaseNote, "edit")(change_note)
    writer(CaseAdmission, "add")(grant_admission)
    writer(CaseAdmission, "edit", "delete")(as_entered)
    writer(Case, "edit")(as_entered)
    # A new signal is registered by ``app.workflow.register_signal`` (the signal form).
    writer(Signal, "edit", "delete")(as_entered)
    writer(Subject, "add")(new_subject)
    writer(Subject, "edit", "delete")(as_entered)
    writer(SubjectRelation, "add", "edit", "delete")(as_entered)
    writer(CaseConference, "add")(new_conference)
    writer(CaseConference, "edit", "delete")(as_entered)
