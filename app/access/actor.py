"""Who is asking: the ``Actor`` of a request or job, and system access for jobs.

An actor is the logged-in user reduced to what the access rules need (organisation, its
tier, roles and the row scopes and clearances those roles give by id); the rules
themselves are in ``app.access.rows`` and ``app.access.fields``.
See docs/design.md, "The access model".
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import g, has_request_context, request
from flask_login import current_user

from casusregie.app.access.role_data import clearances_of, scopes_of
from casusregie.app.models import OrganisationTier
from casusregie.app.roles import SCOPE_ADMITTED, SCOPE_COORDINATE, SCOPE_CORE, SCOPE_DIRECTED


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    organisation_id: int | None
    organisation_tier: str | None
    role_names: frozenset[str] = field(default_factory=frozenset)
    is_system: bool = False
    #: What the actor's roles give, read from the roles' rows (``app.access.role_data``).
    scopes: frozenset[str] = field(default_factory=frozenset)
    clearances: frozenset[str] = field(default_factory=frozenset)
    role_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_core(self) -> bool:
        """Sees every case: a core-scope role in a core organisation."""
        return (SCOPE_CORE in self.scopes
                and self.organisation_tier == OrganisationTier.core.value)

    @property
    def coordinates(self) -> bool:
        """Changes rows of every organisation and grants admissions."""
        return self.is_core and SCOPE_COORDINATE in self.scopes

    @property
    def directs(self) -> bool:
        return SCOPE_DIRECTED in self.scopes and self.user_id is not None

    @property
    def admitted_scope(self) -> bool:
        return SCOPE_ADMITTED in self.scopes and self.organisation_id is not None


SYSTEM = Actor(user_id=None, username="system", organisation_id=None, organisation_tier=None,
               is_system=True)

_system_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "casus_system_access", default=None)


@contextlib.contextmanager
def system_access(reason: str = "system") -> Iterator[None]:
    """Opt a system job (CLI, seeding, migrations, test set-up) out of the row guard."""
    token = _system_reason.set(reason)
    try:
        yield
    finally:
        _system_reason.reset(token)


def in_system_access() -> bool:
    return _system_reason.get() is not None


def actor_for_user(user: Any) -> Actor:
    org = getattr(user, "organisation", None)
    tier = getattr(org, "tier", None)
    roles = list(user.roles)
    return Actor(
        user_id=user.id,
        username=user.username,
        organisation_id=getattr(user, "organisation_id", None),
        organisation_tier=str(tier.value if hasattr(tier, "value") else tier) if tier else None,
        role_names=frozenset(r.name for r in roles),
        scopes=scopes_of(roles),
        clearances=clearances_of(roles),
        role_ids=frozenset(r.id for r in roles),
    )


def _request_user() -> Any:
    user = None
    with contextlib.suppress(Exception):
        if current_user and current_user.is_authenticated:
            user = current_user._get_current_object()
    if user is None:
        # A REST call authenticated by a JWT: Flask-AppBuilder puts the user in g.user.
        candidate = g.get("user")
        with contextlib.suppress(Exception):
            if candidate is not None and candidate.is_authenticated:
                user = getattr(candidate, "_get_current_object", lambda: candidate)()
    if user is None or not getattr(user, "is_active", False):
        return None
    return user


def current_actor() -> Actor | None:
    """The actor of this request or job; ``None`` means nobody (the guard shows nothing)."""
    if in_system_access():
        return SYSTEM
    if not has_request_context():
        return None
    # Resolving the user loads their roles; do it once per request and user. ``g`` may
    # outlive a request (a test or job keeping the app context open): the cache is tied
    # to the request object, so a role change shows on the next request, and to the
    # logged-in user object, so a login or logout within the request is seen at once.
    current = request._get_current_object()
    login_user = g.get("_login_user")
    cached = g.get("_casus_actor")
    if cached is not None and cached[0] is current and cached[2] is login_user \
            and cached[3] is g.get("user"):
        return cached[1]
    user = _request_user()
    if user is None:
        return None
    with system_access("resolving the actor"):
        actor = actor_for_user(user)
    g._casus_actor = (current, actor, g.get("_login_user"), g.get("user"))
    return actor
