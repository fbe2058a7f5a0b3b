"""Shared column helpers and enumerations of the case process."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa

from casusregie.app import clock


def utcnow() -> dt.datetime:
    # Instants are stored as naive UTC; app.clock is the one place that converts them.
    return clock.now_utc()



def localised_name(name: str, name_en: str | None) -> str:
    """Reference data in the interface language: the English name when the request's
    language is English and one is given, otherwise the (Dutch) name."""
    from flask import has_request_context
    from flask_babel import get_locale

    if name_en and has_request_context() and str(get_locale() or "") == "en":
        return name_en
    return name


class AppendOnlyError(RuntimeError):
    """A row of an append-only log (permission changes, prints) was to be changed."""


def append_only(model: type, name: str) -> None:
    """Refuse every update and delete of ``model``'s rows; ``name`` says which log."""

    def refuse(_mapper, _connection, _target) -> None:
        raise AppendOnlyError(f"The {name} is append-only.")

    sa.event.listen(model, "before_update", refuse)
    sa.event.listen(model, "before_delete", refuse)


def enum_column(enum_cls: type[enum.Enum], **kwargs) -> sa.Column:
    """A portable enum column stored as its string value (no PostgreSQL enum type)."""
    return sa.Column(
        sa.Enum(
            enum_cls,
            native_enum=False,
            create_constraint=False,
            length=32,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        ),
        **kwargs,
    )


class StrEnum(enum.StrEnum):
    """Member names equal their values, as Flask-AppBuilder's enum fields expect."""


class OrganisationTier(StrEnum):
    core = "core"
    case_partner = "case_partner"
    external = "external"


class OrganisationKind(StrEnum):
    municipality = "municipality"
    police = "police"
    prosecutor = "prosecutor"
    nctv = "nctv"
    child_protection = "child_protection"
    probation = "probation"
    health = "health"
    youth_care = "youth_care"
    youth_work = "youth_work"
    welfare = "welfare"
    other = "other"


class SubjectKind(StrEnum):
    person = "person"
    group = "group"


class RelationKind(StrEnum):
    parent = "parent"
    child = "child"
    sibling = "sibling"
    partner = "partner"
    contact = "contact"


class SignalStatus(StrEnum):
    received = "received"
    weighed = "weighed"


class WeighingOutcome(StrEnum):
    no_action = "no_action"
    more_information = "more_information"
    include = "include"
    criminal_track = "criminal_track"
    regular_care = "regular_care"


class Phenomenon(StrEnum):
    jihadist = "jihadist"
    right_wing = "right_wing"
    left_wing = "left_wing"
    anti_government = "anti_government"
    single_issue = "single_issue"
    unclear = "unclear"
    other = "other"


class CasePhase(StrEnum):
    conference = "conference"
    monitoring = "monitoring"
    closed = "closed"
    destroyed = "destroyed"


class CloseReason(StrEnum):
    goals_met = "goals_met"
    moved_away = "moved_away"
    criminal_track = "criminal_track"
    left_country = "left_country"
    deceased = "deceased"
    unjustified = "unjustified"
    other = "other"


class DecisionKind(StrEnum):
    weighing = "weighing"
    inclusion = "inclusion"
    conference = "conference"
    escalation = "escalation"
    de_escalation = "de_escalation"
    closure = "closure"
    reopening = "reopening"
    director = "director"
    inform_subject = "inform_subject"


class DecisionBody(StrEnum):
    weighing_team = "weighing_team"
    case_conference = "case_conference"
    coordinator = "coordinator"


class ConferenceStatus(StrEnum):
    planned = "planned"
    held = "held"
    cancelled = "cancelled"


class AgendaSource(StrEnum):
    review_due = "review_due"
    manual = "manual"


class InterventionDomain(StrEnum):
    administrative = "administrative"
    criminal = "criminal"
    care = "care"
    social = "social"


class InterventionStatus(StrEnum):
    planned = "planned"
    active = "active"
    completed = "completed"
    stopped = "stopped"


class GoalStatus(StrEnum):
    open = "open"
    achieved = "achieved"
    dropped = "dropped"
