"""The access version: one number in the database, renewed by every change of who may do
what (roles, their permissions, scopes and clearances, a user's roles, groups,
organisation, activation or sessions).

Workers keep what they derive from roles (the permission pairs of ``app.permission_cache``)
across requests under this number. Each request reads it, in the same query that loads
the signed-in user, so a change committed by one worker (a four-eyes approval, a role
edit, a logout) is seen by every worker on its next request. The number is renewed in the
flush that makes the change, in the same transaction: a rolled-back change renews nothing.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import Group, Permission, PermissionView, Role, ViewMenu
from sqlalchemy import event
from sqlalchemy.orm import Session

from casusregie.app.access.models import RoleAccess
from casusregie.app.models import CasusUser


class AccessVersion(Model):
    """One row (id 1): the access version."""

    __tablename__ = "access_version"

    id = sa.Column(sa.Integer, primary_key=True)
    version = sa.Column(sa.BigInteger, nullable=False, default=1)


_ACCESS_MODELS = (Role, Permission, PermissionView, ViewMenu, Group, RoleAccess)
#: What of a user decides what they may do (``session_version``: the session rules).
_USER_ATTRS = ("roles", "groups", "active", "organisation_id", "session_version")

_table = AccessVersion.__table__


def current_version() -> Any:
    """The version as a scalar sub-select, to be read along with another query."""
    return sa.select(_table.c.version).where(_table.c.id == 1).scalar_subquery()


def read_version(session: Session) -> int:
    return session.connection().execute(sa.select(current_version())).scalar() or 0


def _changes_access(session: Session) -> bool:
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, _ACCESS_MODELS) or (isinstance(obj, CasusUser)
                                              and obj in session.deleted):
            return True
    for obj in session.dirty:
        if isinstance(obj, _ACCESS_MODELS) and session.is_modified(obj):
            return True
        if isinstance(obj, CasusUser):
            state = sa.inspect(obj)
            if any(name in state.attrs and state.attrs[name].history.has_changes()
                   for name in _USER_ATTRS):
                return True
    return False


def _raise_on_change(session: Session, _flush_context: Any, _instances: Any) -> None:
    if _changes_access(session):
        # A new random number, not the old one plus one: a change rolled back after a
        # worker read its number inside the transaction must not leave that number to
        # be reused by the next change. On the connection: no ORM events, no guard.
        session.connection().execute(
            _table.update().where(_table.c.id == 1).values(version=secrets.randbits(62)))


def install(session_factory: Any) -> None:
    if not event.contains(session_factory, "before_flush", _raise_on_change):
        event.listen(session_factory, "before_flush", _raise_on_change)
