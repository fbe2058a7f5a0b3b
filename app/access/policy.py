"""Access policy implementation (first version: permissive placeholders).

The contract other modules rely on:

- ``current_actor()`` — the logged-in user as an ``Actor``, or ``None``.
- ``can_see_field(obj_or_model, field, actor=None)`` — field-level rule.
- ``visible_fields(obj_or_model, fields, actor=None)`` — ``fields`` minus hidden ones.
- ``system_access()`` — context manager for system jobs (CLI, seeding, retention) that
  explicitly opt out of the row guard.
- ``AccessPolicyViewMixin`` — mixed into every model view by ``CasusModelView``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    organisation_id: int | None
    organisation_tier: str | None
    role_names: frozenset[str] = field(default_factory=frozenset)
    is_system: bool = False


def current_actor() -> Actor | None:
    from flask import g, has_request_context

    if not has_request_context():
        return None
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    org = getattr(user, "organisation", None)
    return Actor(
        user_id=user.id,
        username=user.username,
        organisation_id=getattr(user, "organisation_id", None),
        organisation_tier=str(org.tier) if org is not None else None,
        role_names=frozenset(r.name for r in user.roles),
    )


def can_see_field(obj_or_model: Any, field_name: str, actor: Actor | None = None) -> bool:
    return True


def visible_fields(obj_or_model: Any, fields: Iterable[str],
                   actor: Actor | None = None) -> list[str]:
    return [f for f in fields if can_see_field(obj_or_model, f, actor)]


@contextlib.contextmanager
def system_access(reason: str = "system") -> Iterator[None]:
    yield


class AccessPolicyViewMixin:
    """Hooks the access policy into a Flask-AppBuilder view (placeholder)."""
