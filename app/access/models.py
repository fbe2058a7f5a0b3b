"""The permission change log: who changed which role or user's roles, and when."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model

from app.models.base import append_only, utcnow


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


append_only(PermissionChange, "permission change log")
