"""Words the reports print for the enumerations of the case process."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from app.models.base import (
    CasePhase,
    ConferenceStatus,
    DecisionBody,
    DecisionKind,
    GoalStatus,
    InterventionDomain,
    InterventionStatus,
)

LABELS: dict[enum.Enum, object] = {
    CasePhase.conference: _l("Case conference"),
    CasePhase.monitoring: _l("Execution and monitoring"),
    CasePhase.closed: _l("Closed"),
    CasePhase.destroyed: _l("Destroyed"),
    DecisionKind.weighing: _l("Weighing"),
    DecisionKind.inclusion: _l("Inclusion"),
    DecisionKind.conference: _l("Case conference"),
    DecisionKind.escalation: _l("Escalation"),
    DecisionKind.de_escalation: _l("De-escalation"),
    DecisionKind.closure: _l("Closure"),
    DecisionKind.reopening: _l("Reopening"),
    DecisionKind.inform_subject: _l("Informing the subject"),
    DecisionBody.weighing_team: _l("Weighing team"),
    DecisionBody.case_conference: _l("Case conference"),
    DecisionBody.coordinator: _l("Coordinator"),
    ConferenceStatus.planned: _l("Planned"),
    ConferenceStatus.held: _l("Held"),
    ConferenceStatus.cancelled: _l("Cancelled"),
    InterventionDomain.administrative: _l("Administrative"),
    InterventionDomain.criminal: _l("Criminal law"),
    InterventionDomain.care: _l("Care"),
    InterventionDomain.social: _l("Social"),
    InterventionStatus.planned: _l("Planned"),
    InterventionStatus.active: _l("Active"),
    InterventionStatus.completed: _l("Completed"),
    InterventionStatus.stopped: _l("Stopped"),
    GoalStatus.open: _l("Open"),
    GoalStatus.achieved: _l("Achieved"),
    GoalStatus.dropped: _l("Dropped"),
}


def label(value: object) -> str:
    """The reader's word for an enumeration member (or the plain value)."""
    if value is None:
        return ""
    found = LABELS.get(value) if isinstance(value, enum.Enum) else None
    return str(found) if found is not None else str(getattr(value, "value", value))
