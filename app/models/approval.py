"""Sensitive changes that wait for a second person's approval (four eyes)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from casusregie.app.models.base import StrEnum, enum_column, utcnow
from casusregie.app.models.organisation import CasusUser


class ApprovalStatus(StrEnum):
    """Where a request stands; only ``pending`` can still change."""

    pending = "pending"
    approved = "approved"
    refused = "refused"


class ApprovalRequest(Model):
    """One requested change of a registered kind (``app.approvals.KINDS``).

    Nothing of the change happens until a second authorised person approves it; then
    the kind's apply function runs once. Decided requests are kept as the record.
    """

    __tablename__ = "approval_request"

    id = sa.Column(sa.Integer, primary_key=True)
    #: The registered kind, e.g. ``mfa_reset``.
    kind = sa.Column(sa.String(40), nullable=False, index=True)
    #: The id of what the change is about (per ``kind``: a user id for ``mfa_reset``).
    target_id = sa.Column(sa.Integer, nullable=False)
    #: A readable name of the target, as it was when asked (a username).
    target_label = sa.Column(sa.String(256), nullable=False)
    reason = sa.Column(sa.String(500), nullable=False, default="", server_default="")
    #: What exactly is asked, per ``kind`` (e.g. the scopes a role is to get).
    payload = sa.Column(sa.JSON)
    requested_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id"), nullable=False,
                                index=True)
    requested_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    status = enum_column(ApprovalStatus, nullable=False, default=ApprovalStatus.pending,
                         index=True)
    decided_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id"))
    decided_at = sa.Column(sa.DateTime)

    requested_by = relationship(CasusUser, foreign_keys=[requested_by_id])
    decided_by = relationship(CasusUser, foreign_keys=[decided_by_id])

    def __repr__(self) -> str:
        return f"{self.kind} {self.target_label}"
