"""THE access policy: who may see or change which cases, rows and fields.

Every view, API, search, count, export and report asks this package, and it asks nothing
but the models and the roles (an import contract in ``pyproject.toml`` checks it):

- ``actor`` — who is asking (``Actor``, ``current_actor``, ``system_access``);
- ``rows`` — which rows of case content an actor may see and change;
- ``fields`` — ``can_see_field``, the one answer about a field (core and plugin rules);
- ``explain`` — why an actor does or does not see a case;
- ``guard`` — the ORM guard applying the row rules to every query and flush;
- ``changes`` — privilege boundaries and the record of permission changes;
- ``stamp`` — the access version, raised by every change of who may do what.

The names below are the public contract. See docs/design.md, "The access model".
"""

from __future__ import annotations

from typing import Any

from casusregie.app.access import changes, guard, stamp
from casusregie.app.access import models as _models  # noqa: F401  (the permission change log)
from casusregie.app.access.actor import Actor, actor_for_user, current_actor, system_access
from casusregie.app.access.errors import AccessDenied
from casusregie.app.access.fields import can_see_field, register_field_rules
from casusregie.app.access.rows import (
    case_subjects_loader,
    figures_access,
    figures_only,
    row_criteria,
    visible_query,
)
from casusregie.app.extensions import db


def may_write(actor: Actor | None, obj: Any, operation: str = "update") -> bool:
    """Whether the actor may make this write to ``obj`` (insert, update or delete)."""
    return guard.may_write(actor, obj, operation, db.session)


def install_access_guard(app: Any) -> None:
    """Install the ORM guard and the permission change checks on this app's session."""
    guard.install_guard(db.session)
    changes.install(db.session, guard.guard_actor)
    stamp.install(db.session)
    app.extensions["casus_access_guard"] = True


__all__ = [
    "AccessDenied",
    "Actor",
    "actor_for_user",
    "can_see_field",
    "case_subjects_loader",
    "current_actor",
    "figures_access",
    "figures_only",
    "install_access_guard",
    "may_write",
    "register_field_rules",
    "row_criteria",
    "system_access",
    "visible_query",
]
