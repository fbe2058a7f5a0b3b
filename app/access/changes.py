"""Privilege boundaries and the record of every permission change.

Checked on flush, so the role screens, the user screens, Flask-AppBuilder's security
REST API and any script all pass through it:

- only functional administrators change roles, role permissions and users' roles;
- nobody changes their own roles (or organisation);
- every change is written to ``permission_change`` with who and when.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import Role, User
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.errors import AccessDenied
from app.access.models import PermissionChange
from app.roles import ROLE_ADMIN


class PrivilegeError(AccessDenied):
    """A permission change the actor may not make; the message is for the user."""

    def __str__(self) -> str:
        return str(self.description)


def may_manage_access(actor: Actor | None) -> bool:
    return actor is not None and (actor.is_system or ROLE_ADMIN in actor.role_names)


def _history(obj: Any, attr: str):
    return sa.inspect(obj).attrs[attr].history


def _pv_names(pv: Any) -> tuple[str, str]:
    return (getattr(pv.permission, "name", ""), getattr(pv.view_menu, "name", ""))


def _changes(session: Session) -> list[tuple[Any, str, dict[str, str]]]:
    """(object, kind, fields) for every role or user-role change in this flush."""
    found: list[tuple[Any, str, dict[str, str]]] = []
    for obj in session.new:
        if isinstance(obj, Role):
            found.append((obj, "role_created", {"role": obj.name}))
    for obj in session.deleted:
        if isinstance(obj, Role):
            found.append((obj, "role_deleted", {"role": obj.name}))
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Role):
            history = _history(obj, "permissions")
            for kind, pvs in (("role_granted", history.added),
                              ("role_revoked", history.deleted)):
                for pv in pvs:
                    perm, view = _pv_names(pv)
                    found.append((obj, kind, {"role": obj.name, "permission": perm,
                                              "view_menu": view}))
        elif isinstance(obj, User):
            history = _history(obj, "roles")
            for kind, roles in (("user_role_added", history.added),
                                ("user_role_removed", history.deleted)):
                for role in roles:
                    found.append((obj, kind, {"role": role.name,
                                              "target_user": obj.username or ""}))
            if "organisation_id" in sa.inspect(obj).attrs:
                org = _history(obj, "organisation_id")
                if obj not in session.new and org.has_changes():
                    found.append((obj, "user_organisation_changed",
                                  {"role": "", "target_user": obj.username or "",
                                   "permission": str(org.added[0] if org.added else "")}))
    return found


def check_and_record(session: Session, actor: Actor | None) -> None:
    changes = _changes(session)
    if not changes:
        return
    if not may_manage_access(actor):
        raise PrivilegeError(description=_(
            "Only functional administrators manage roles and users' roles."))
    for obj, _kind, _fields in changes:
        if (isinstance(obj, User) and actor is not None and not actor.is_system
                and obj.id is not None and obj.id == actor.user_id):
            raise PrivilegeError(description=_(
                "You cannot change your own roles or organisation; ask another functional "
                "administrator."))
    who = "system" if actor is None or actor.is_system else actor.username
    for _obj, kind, fields in changes:
        session.add(PermissionChange(
            changed_by_id=None if actor is None else actor.user_id, changed_by=who,
            kind=kind, role=fields.get("role", ""), permission=fields.get("permission", ""),
            view_menu=fields.get("view_menu", ""),
            target_user=fields.get("target_user", "")))


def install(session_factory: Any, actor_getter) -> None:
    def _before_flush(session: Session, _ctx, _instances) -> None:
        if any(isinstance(o, (Role, User))
               for o in (*session.new, *session.dirty, *session.deleted)):
            check_and_record(session, actor_getter())

    if not getattr(install, "_installed", False):
        event.listen(session_factory, "before_flush", _before_flush)
        install._installed = True
