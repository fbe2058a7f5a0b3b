"""Words users see for the enumerations of the case process.

The database stores the English member values; every screen, filter, form and report
shows the word from this table in the user's language. ``CasusModelView`` builds its
list/show formatters and form choices from it, so no view spells out an enum itself.
"""

from __future__ import annotations

import enum

import flask_babel
from flask_babel import lazy_gettext as _l

from casusregie.app.models.base import (
    AgendaSource,
    CasePhase,
    CloseReason,
    ConferenceStatus,
    DecisionBody,
    DecisionKind,
    GoalStatus,
    InterventionDomain,
    InterventionStatus,
    OrganisationKind,
    OrganisationTier,
    Phenomenon,
    RelationKind,
    SignalStatus,
    SubjectKind,
    WeighingOutcome,
)

ENUM_LABELS: dict[type[enum.Enum], dict[enum.Enum, object]] = {
    OrganisationTier: {
        OrganisationTier.core: _l("Core partner"),
        OrganisationTier.case_partner: _l("Case partner"),
        OrganisationTier.external: _l("External partner"),
    },
    OrganisationKind: {
        OrganisationKind.municipality: _l("Municipality"),
        OrganisationKind.police: _l("Police"),
        OrganisationKind.prosecutor: _l("Public prosecutor"),
        OrganisationKind.nctv: _l("NCTV"),
        OrganisationKind.child_protection: _l("Child protection"),
        OrganisationKind.probation: _l("Probation service"),
        OrganisationKind.health: _l("Health care"),
        OrganisationKind.youth_care: _l("Youth care"),
        OrganisationKind.youth_work: _l("Youth work"),
        OrganisationKind.welfare: _l("Welfare"),
        OrganisationKind.other: _l("Other"),
    },
    SubjectKind: {
        SubjectKind.person: _l("Person"),
        SubjectKind.group: _l("Group"),
    },
    RelationKind: {
        RelationKind.parent: _l("Parent"),
        RelationKind.child: _l("Child"),
        RelationKind.sibling: _l("Sibling"),
        RelationKind.partner: _l("Partner"),
        RelationKind.contact: _l("Contact"),
    },
    SignalStatus: {
        SignalStatus.received: _l("Received"),
        SignalStatus.weighed: _l("Weighed"),
    },
    WeighingOutcome: {
        WeighingOutcome.no_action: _l("No action"),
        WeighingOutcome.more_information: _l("More information needed"),
        WeighingOutcome.include: _l("Include in the approach"),
        WeighingOutcome.criminal_track: _l("Criminal-law track"),
        WeighingOutcome.regular_care: _l("Refer to regular care"),
    },
    Phenomenon: {
        Phenomenon.jihadist: _l("Jihadism"),
        Phenomenon.right_wing: _l("Right-wing extremism"),
        Phenomenon.left_wing: _l("Left-wing extremism"),
        Phenomenon.anti_government: _l("Anti-government extremism"),
        Phenomenon.single_issue: _l("Single-issue extremism"),
        Phenomenon.unclear: _l("Unclear"),
        Phenomenon.other: _l("Other"),
    },
    CasePhase: {
        CasePhase.conference: _l("Case conference"),
        CasePhase.monitoring: _l("Execution and monitoring"),
        CasePhase.closed: _l("Closed"),
        CasePhase.destroyed: _l("Destroyed"),
    },
    CloseReason: {
        CloseReason.goals_met: _l("Goals met"),
        CloseReason.moved_away: _l("Moved away (handed over)"),
        CloseReason.criminal_track: _l("Criminal-law track takes over"),
        CloseReason.left_country: _l("Left the country"),
        CloseReason.deceased: _l("Deceased"),
        CloseReason.unjustified: _l("Inclusion unjustified"),
        CloseReason.other: _l("Other"),
    },
    DecisionKind: {
        DecisionKind.weighing: _l("Weighing"),
        DecisionKind.inclusion: _l("Inclusion"),
        DecisionKind.conference: _l("Case conference"),
        DecisionKind.escalation: _l("Escalation"),
        DecisionKind.de_escalation: _l("De-escalation"),
        DecisionKind.closure: _l("Closure"),
        DecisionKind.reopening: _l("Reopening"),
        DecisionKind.director: _l("Appointment of the case director"),
        DecisionKind.inform_subject: _l("Informing the subject"),
    },
    DecisionBody: {
        DecisionBody.weighing_team: _l("Weighing team"),
        DecisionBody.case_conference: _l("Case conference"),
        DecisionBody.coordinator: _l("Coordinator"),
    },
    ConferenceStatus: {
        ConferenceStatus.planned: _l("Planned"),
        ConferenceStatus.held: _l("Held"),
        ConferenceStatus.cancelled: _l("Cancelled"),
    },
    AgendaSource: {
        AgendaSource.review_due: _l("Review due"),
        AgendaSource.manual: _l("Added by hand"),
    },
    InterventionDomain: {
        InterventionDomain.administrative: _l("Administrative"),
        InterventionDomain.criminal: _l("Criminal law"),
        InterventionDomain.care: _l("Care"),
        InterventionDomain.social: _l("Social"),
    },
    InterventionStatus: {
        InterventionStatus.planned: _l("Planned"),
        InterventionStatus.active: _l("Active"),
        InterventionStatus.completed: _l("Completed"),
        InterventionStatus.stopped: _l("Stopped"),
    },
    GoalStatus: {
        GoalStatus.open: _l("Open"),
        GoalStatus.achieved: _l("Achieved"),
        GoalStatus.dropped: _l("Dropped"),
    },
}


_TRANSLATED: dict[tuple[enum.Enum, object], str] = {}


def _request_locale() -> object | None:
    try:
        return flask_babel.get_locale()
    except RuntimeError:  # outside an app context
        return None


def enum_label(value: object) -> str:
    """The user's word for an enum member (or its raw value when no label is known)."""
    if value is None or value == "":
        return ""
    if isinstance(value, enum.Enum):
        # A list shows the same few words on every row: translate each once per language.
        locale = _request_locale()
        key = (value, locale)
        text = _TRANSLATED.get(key) if locale is not None else None
        if text is None:
            label = ENUM_LABELS.get(type(value), {}).get(value)
            text = str(label) if label is not None else str(value.value)
            if locale is not None:
                _TRANSLATED[key] = text
        return text
    return str(value)


def enum_label_for(enum_cls: type[enum.Enum], raw: object) -> str:
    """Like ``enum_label`` for a raw stored value (e.g. ``Decision.from_phase``)."""
    if raw is None or raw == "":
        return ""
    try:
        return enum_label(enum_cls(str(raw)))
    except ValueError:
        return str(raw)
