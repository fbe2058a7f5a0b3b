"""Privilege boundaries and the record of every permission change.

Checked on flush, so the role screens, the user screens, the permission matrix,
Flask-AppBuilder's security REST API and any script all pass through it:

- only users holding a right to hand out access (``app.roles.is_sensitive_right``)
  change roles, role permissions, scopes, clearances and users' roles;
- nobody changes their own roles or organisation, nor a role they hold themselves
  (granting one's own role the right to change role members counts);
- *sensitive changes* — a role's row scopes or clearances, a right to hand out access
  granted to a role, a user given a role that shows case content or hands out access —
  are made only while applying a request a second person approved
  (``approved_change``, used by ``app.role_changes``); asked directly they are refused;
- Flask-AppBuilder's groups do not hand out roles here: changing them is refused;
- every change is written to ``permission_change`` with who and when.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import Group, Role, User
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from casusregie.app.access.actor import Actor
from casusregie.app.access.errors import AccessDenied
from casusregie.app.access.models import PermissionChange, RoleAccess
from casusregie.app.access.role_data import is_sensitive_role
from casusregie.app.roles import is_sensitive_right

#: The approval request being applied (``approved_change``), as "#id by requester".
_approved: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "casus_approved_change", default=None)


class PrivilegeError(AccessDenied):
    """A permission change the actor may not make; the message is for the user."""

    def __str__(self) -> str:
        return str(self.description)


@contextlib.contextmanager
def approved_change(what: str) -> Iterator[None]:
    """Apply a sensitive change a second person approved; ``what`` names the request
    in the change log."""
    token = _approved.set(what)
    try:
        yield
    finally:
        _approved.reset(token)


def holds_access_rights(session: Session, role_ids: frozenset[int]) -> bool:
    """Whether these roles hold a right to hand out access (deciding on approvals
    alone does not make one an administrator)."""
    if not role_ids:
        return False
    with session.no_autoflush:
        roles = session.query(Role).filter(Role.id.in_(role_ids)).all()
        return any(is_sensitive_right(pv.permission.name, pv.view_menu.name)
                   and pv.view_menu.name != "ApprovalRequestModelView"
                   for role in roles for pv in role.permissions)


def may_manage_access(actor: Actor | None, session: Session | None = None) -> bool:
    if actor is None:
        return False
    if actor.is_system:
        return True
    from casusregie.app.extensions import db

    return holds_access_rights(session or db.session, actor.role_ids)


@dataclass
class Change:
    kind: str
    role: str = ""
    permission: str = ""
    view_menu: str = ""
    target_user: str = ""
    detail: str = ""
    #: needs a second person's approval
    sensitive: bool = False
    #: the role changed (its id), for the "not your own role" rule
    role_id: int | None = None
    #: the user whose roles or organisation changed, for the same rule
    user_id: int | None = None


def _history(obj: Any, attr: str):
    return sa.inspect(obj).attrs[attr].history


def _pv_names(pv: Any) -> tuple[str, str]:
    return (getattr(pv.permission, "name", ""), getattr(pv.view_menu, "name", ""))


def _memberships(session: Session) -> dict[tuple[int, int], tuple[User, Role, bool]]:
    """(user, role) → added? — from either side: a user's roles, or a role's users
    (Flask-AppBuilder's ``PUT /roles/<id>/users`` replaces the role's whole list)."""
    found: dict[tuple[int, int], tuple[User, Role, bool]] = {}
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, User):
            history = _history(obj, "roles")
            pairs = [(obj, role, True) for role in history.added] + \
                [(obj, role, False) for role in history.deleted]
        elif isinstance(obj, Role):
            history = _history(obj, "user")
            pairs = [(user, obj, True) for user in history.added] + \
                [(user, obj, False) for user in history.deleted]
        else:
            continue
        for user, role, added in pairs:
            found[(id(user), id(role))] = (user, role, added)
    return found


def _changes(session: Session) -> list[Change]:
    """Every change of roles, their scopes and permissions, and users' roles."""
    found: list[Change] = []
    deleted_roles = {id(o) for o in session.deleted if isinstance(o, Role)}
    for obj in session.new:
        if isinstance(obj, Role):
            found.append(Change("role_created", obj.name))
    for obj in session.deleted:
        if isinstance(obj, Role):
            found.append(Change("role_deleted", obj.name, role_id=obj.id))
    for obj in session.dirty:
        if isinstance(obj, Role):
            name = _history(obj, "name")
            if name.has_changes() and name.deleted:
                found.append(Change("role_renamed", obj.name, detail=str(name.deleted[0]),
                                    role_id=obj.id))
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Role):
            history = _history(obj, "permissions")
            for kind, pvs in (("role_granted", history.added),
                              ("role_revoked", history.deleted)):
                for pv in pvs:
                    perm, view = _pv_names(pv)
                    found.append(Change(kind, obj.name, perm, view, role_id=obj.id,
                                        sensitive=kind == "role_granted"
                                        and is_sensitive_right(perm, view)))
        elif isinstance(obj, User) and "organisation_id" in sa.inspect(obj).attrs:
            org = _history(obj, "organisation_id")
            if obj not in session.new and org.has_changes():
                found.append(Change("user_organisation_changed", "", str(
                    org.added[0] if org.added else ""), target_user=obj.username or "",
                    user_id=obj.id))
    for user, role, added in _memberships(session).values():
        found.append(Change("user_role_added" if added else "user_role_removed", role.name,
                            target_user=user.username or "", user_id=user.id,
                            sensitive=added and is_sensitive_role(role)))
    for obj, added in [*((o, True) for o in session.new),
                       *((o, False) for o in session.deleted)]:
        if isinstance(obj, RoleAccess):
            role = obj.role or session.get(Role, obj.role_id)
            if role is None or id(role) in deleted_roles:
                continue  # goes with its role
            found.append(Change(f"role_{obj.kind}_{'added' if added else 'removed'}",
                                role.name, obj.value, role_id=role.id, sensitive=True))
    return found


def _groups_changed(session: Session) -> bool:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Group):
            return True
        if isinstance(obj, User) and _history(obj, "groups").has_changes():
            return True
    return False


def _refuse(message: str) -> PrivilegeError:
    return PrivilegeError(description=message)


def check_and_record(session: Session, actor: Actor | None) -> None:
    changes = _changes(session)
    groups = _groups_changed(session)
    if not changes and not groups:
        return
    system = actor is not None and actor.is_system
    approved = _approved.get()
    if not system:
        if groups:
            raise _refuse(_("Groups do not hand out roles in Casusregie; give users "
                            "their roles one by one."))
        if actor is None or (approved is None and not may_manage_access(actor, session)):
            raise _refuse(_("Only functional administrators manage roles and users' "
                            "roles."))
        for change in changes:
            if change.user_id is not None and change.user_id == actor.user_id:
                raise _refuse(_("You cannot change your own roles or organisation; ask "
                                "another functional administrator."))
            if change.role_id is not None and change.role_id in actor.role_ids \
                    and change.kind != "role_renamed":
                raise _refuse(_("You cannot change a role you hold yourself; ask another "
                                "functional administrator."))
        if approved is None and any(c.sensitive for c in changes):
            raise _refuse(_("This change needs a second person's approval: a role's "
                            "scopes or clearances, a right to hand out access, or a role "
                            "that shows case content. Ask for it on the permission matrix "
                            "or the user form."))
    who = "system" if actor is None or actor.is_system else actor.username
    for change in changes:
        detail = change.detail
        if approved is not None:
            detail = f"{detail}; {approved}" if detail else approved
        session.add(PermissionChange(
            changed_by_id=None if actor is None else actor.user_id, changed_by=who,
            kind=change.kind, role=change.role, permission=change.permission,
            view_menu=change.view_menu, target_user=change.target_user,
            detail=detail[:500]))


def record_step(kind: str, actor_id: int | None, actor_name: str, *, role: str = "",
                target_user: str = "", permission: str = "", detail: str = "") -> None:
    """Log one step of a sensitive change (requested, approved, refused)."""
    from casusregie.app.extensions import db

    db.session.add(PermissionChange(changed_by_id=actor_id, changed_by=actor_name,
                                    kind=kind, role=role, permission=permission,
                                    target_user=target_user, detail=detail[:500]))
    db.session.commit()


def install(session_factory: Any, actor_getter) -> None:
    def _before_flush(session: Session, _ctx, _instances) -> None:
        if any(isinstance(o, (Role, User, RoleAccess, Group))
               for o in (*session.new, *session.dirty, *session.deleted)):
            check_and_record(session, actor_getter())

    if not getattr(install, "_installed", False):
        event.listen(session_factory, "before_flush", _before_flush)
        install._installed = True
