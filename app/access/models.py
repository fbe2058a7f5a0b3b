"""What a role gives beyond its permissions (row scopes and field clearances, by role
id), and the permission change log: who changed which role or user's roles, and when."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy.orm import backref, relationship

from casusregie.app.models.base import append_only, utcnow


class PermissionChange(Model):
    """One append-only row per granted or revoked permission or role.

    Names are stored as text, not foreign keys: the record must outlive a removed role,
    permission or account.
    """

    __tablename__ = "permission_change"

    id = sa.Column(sa.Integer, primary_key=True)
    changed_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    changed_by_id = sa.Column(sa.Integer, index=True)
    changed_by = sa.Column(sa.String(100), nullable=False)
    #: role_granted, role_revoked (a permission of a role), user_role_added,
    #: user_role_removed, role_created, role_deleted
    kind = sa.Column(sa.String(32), nullable=False)
    role = sa.Column(sa.String(100), nullable=False)
    permission = sa.Column(sa.String(100), nullable=False, default="")
    view_menu = sa.Column(sa.String(250), nullable=False, default="")
    target_user = sa.Column(sa.String(100), nullable=False, default="", index=True)
    #: What else the reader needs: a role's old name, the approval request of a change.
    detail = sa.Column(sa.String(500), nullable=False, default="", server_default="")


#: ``RoleAccess.kind``: a row scope or a field clearance (values in ``app.roles``).
SCOPE = "scope"
CLEARANCE = "clearance"


class RoleAccess(Model):
    """One row scope or field clearance a role gives, keyed by the role's id.

    Which rows and sensitive fields a role shows is data, not the role's name: a
    rename moves nothing, and a role made in the UI can be given a scope. Changes
    take four eyes (``app.role_changes``).
    """

    __tablename__ = "role_access"

    role_id = sa.Column(sa.Integer, sa.ForeignKey("ab_role.id", ondelete="CASCADE"),
                        primary_key=True)
    kind = sa.Column(sa.String(16), primary_key=True)
    value = sa.Column(sa.String(32), primary_key=True)

    # Deleted with the role by the ORM too: SQLite may not enforce the foreign key, and a
    # new role could then inherit a deleted role's id and its scopes.
    role = relationship(Role, backref=backref("casus_access", cascade="all, delete-orphan"))

    def __repr__(self) -> str:
        return f"{self.kind} {self.value}"


append_only(PermissionChange, "permission change log")
