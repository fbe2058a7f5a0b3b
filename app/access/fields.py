"""Field rules: which fields of a row an actor may see — the one answer for every reader.

``can_see_field`` combines the core rules (clearances per sensitive field, the content of
criminal-law and care interventions) with the field rules that enabled plugins register
(``register_field_rules``, called by the plugin manager at start-up). Screens, the REST
API, the PDF reports and every export ask it; nothing else decides about a field.
See docs/design.md, "The access model".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from flask import Flask, current_app, g, has_app_context, has_request_context, request

from casusregie.app.access.actor import Actor, current_actor
from casusregie.app.access.rows import guarded_model
from casusregie.app.models import Intervention, InterventionDomain, Subject
from casusregie.app.roles import CLEAR_BSN, CLEAR_CRIMINAL, CLEAR_HEALTH

#: (model, field) → the clearance needed to see it.
SENSITIVE_FIELDS: dict[tuple[type, str], str] = {
    (Subject, "bsn"): CLEAR_BSN,
}

#: The same clearances by field name alone, for dotted names (``case_subjects.subject.bsn``)
#: whose last part belongs to a model the caller does not name.
_CLEARANCE_BY_NAME: dict[str, str] = {name: c for (_m, name), c in SENSITIVE_FIELDS.items()}

#: Intervention domains whose content (outcome) is sensitive, and the clearance needed.
SENSITIVE_DOMAINS: dict[InterventionDomain, str] = {
    InterventionDomain.criminal: CLEAR_CRIMINAL,
    InterventionDomain.care: CLEAR_HEALTH,
}
#: Fields of an intervention that carry its (possibly sensitive) content.
INTERVENTION_CONTENT_FIELDS = frozenset({"outcome"})

#: Where an app keeps the field rules of its enabled plugins.
FIELD_RULES_KEY = "casus_field_rules"


class FieldRuleLike(Protocol):
    """What the access policy reads of a plugin's ``FieldRule`` (``app.hookspecs``)."""

    model: type
    fields: frozenset[str]
    allows: Callable[[Any, Actor | None], bool]
    may_see_some: Callable[[Actor | None], bool]


# What a reader shows in place of a field it may not see (screens, exports).
HIDDEN = "—"

def register_field_rules(app: Flask, rules: Iterable[FieldRuleLike]) -> None:
    """Make ``rules`` part of ``can_see_field`` for ``app`` (the plugin manager calls it)."""
    app.extensions[FIELD_RULES_KEY] = tuple(rules)


def field_rules() -> tuple[FieldRuleLike, ...]:
    """The plugin field rules of the current app (none outside an app context)."""
    if not has_app_context():
        return ()
    return current_app.extensions.get(FIELD_RULES_KEY, ())


def _model_of(obj_or_model: Any) -> type:
    return obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)


def _sensitive_category(model: type, field_name: str) -> str | None:
    for base in getattr(model, "__mro__", ()):
        category = SENSITIVE_FIELDS.get((base, field_name))
        if category:
            return category
    return _CLEARANCE_BY_NAME.get(field_name)


def can_see_field(obj_or_model: Any, field_name: str, actor: Actor | None = None) -> bool:
    """Whether ``actor`` (default: the current one) may see ``field_name``.

    Given a class, the answer holds for the model as a whole (may the actor see the field
    in some row); given a row, per-row rules apply (the outcome of a criminal-law or care
    intervention only for its own organisation and for cleared roles; a plugin's rule).
    The answer for a class is asked many times per page, so it is remembered for the
    rest of the request.
    """
    actor = actor if actor is not None else current_actor()
    if actor is None:
        return False
    if actor.is_system:
        return True
    if not isinstance(obj_or_model, type):
        return _core_rule(obj_or_model, field_name, actor) \
            and _plugin_rule(obj_or_model, field_name, actor)
    memo = _request_memo("_casus_field_rules")
    key = (actor, obj_or_model, field_name)
    if memo is not None and key in memo:
        return memo[key]
    answer = _core_rule(obj_or_model, field_name, actor) \
        and _plugin_rule(obj_or_model, field_name, actor)
    if memo is not None:
        memo[key] = answer
    return answer


def _core_rule(obj_or_model: Any, field_name: str, actor: Actor) -> bool:
    # Dotted names (``subject.bsn``): the last part decides, so
    # ``case_subjects.subject.bsn`` is hidden too.
    name = field_name.rsplit(".", 1)[-1]
    model = _model_of(obj_or_model)
    category = _sensitive_category(model, name)
    if category and category not in actor.clearances:
        return False
    if guarded_model(model) is Intervention and name in INTERVENTION_CONTENT_FIELDS:
        if isinstance(obj_or_model, type):
            return {CLEAR_CRIMINAL, CLEAR_HEALTH} <= actor.clearances
        return intervention_content_visible(obj_or_model, actor)
    return True


def _plugin_rule(obj_or_model: Any, field_name: str, actor: Actor) -> bool:
    model = _model_of(obj_or_model)
    for rule in field_rules():
        if field_name in rule.fields and issubclass(model, rule.model):
            allowed = rule.may_see_some(actor) if isinstance(obj_or_model, type) \
                else rule.allows(obj_or_model, actor)
            if not allowed:
                return False
    return True


def intervention_content_visible(item: Any, actor: Actor) -> bool:
    """An intervention's outcome: its own organisation, or a role cleared for its domain."""
    if actor.is_system or item.organisation_id == actor.organisation_id:
        return True
    return content_visible(item.organisation_id,
                           getattr(getattr(item, "type", None), "domain", None), actor)


def content_visible(organisation_id: Any, domain: Any, actor: Actor | None) -> bool:
    """``intervention_content_visible`` from plain values (the intervention's
    organisation and its type's domain), for readers that do not load the row."""
    if actor is None:
        return False
    if actor.is_system or organisation_id == actor.organisation_id:
        return True
    needed = SENSITIVE_DOMAINS.get(InterventionDomain(domain)) if domain else None
    return needed is None or needed in actor.clearances


def _request_memo(name: str) -> dict[Any, Any] | None:
    """A dict living as long as the current request (``None`` outside one)."""
    if not has_request_context():
        return None
    current = request._get_current_object()
    slot = g.get(name)
    if slot is None or slot[0] is not current:
        slot = (current, {})
        setattr(g, name, slot)
    return slot[1]


def field_per_row(model: type, field_name: str) -> bool:
    """Whether ``field_name`` of ``model`` may be visible in some rows and not in others
    (an intervention's outcome; a plugin's per-row field rule)."""
    if guarded_model(model) is Intervention and field_name in INTERVENTION_CONTENT_FIELDS:
        return True
    if any(name == field_name and issubclass(sub, model) and sub is not model
           for sub, name in SENSITIVE_FIELDS):
        return True
    return any(field_name in rule.fields
               and (issubclass(model, rule.model) or issubclass(rule.model, model))
               for rule in field_rules())


def column_visible(model: type, field_name: str) -> bool:
    """Whether a screen may show the column at all: per-row fields (an intervention's
    outcome) stay, and their values are masked row by row."""
    if guarded_model(model) is Intervention and field_name in INTERVENTION_CONTENT_FIELDS:
        return current_actor() is not None
    return can_see_field(model, field_name)
