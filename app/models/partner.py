"""What the API keeps for partner systems: the changes that concern an organisation, and
the answers to ``POST`` requests sent with an ``Idempotency-Key``."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model

from casusregie.app.models.base import utcnow


class PartnerChange(Model):
    """One change that concerns an organisation: it was admitted to a case, an
    intervention it delivers was agreed or changed, or a case conference decided on a
    case it is admitted to. The id is the cursor of ``GET /api/v1/changes``."""

    __tablename__ = "partner_change"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    organisation_id = sa.Column(sa.Integer, sa.ForeignKey("organisation.id",
                                                          ondelete="CASCADE"),
                                nullable=False)
    kind = sa.Column(sa.String(30), nullable=False)
    case_id = sa.Column(sa.Integer, sa.ForeignKey("case.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    object_id = sa.Column(sa.Integer, nullable=True)

    __table_args__ = (sa.Index("ix_partner_change_organisation_id", "organisation_id",
                               "id"),)


class IdempotentRequest(Model):
    """The first answer to a ``POST`` with an ``Idempotency-Key``, per caller and key;
    a repeat within ``expires_at`` gets it again instead of a second record."""

    __tablename__ = "idempotent_request"

    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"),
                        nullable=False)
    key = sa.Column(sa.String(255), nullable=False)
    path = sa.Column(sa.String(255), nullable=False)
    body_hash = sa.Column(sa.String(64), nullable=False)
    status = sa.Column(sa.Integer, nullable=False)
    response = sa.Column(sa.Text, nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    expires_at = sa.Column(sa.DateTime, nullable=False, index=True)

    __table_args__ = (sa.UniqueConstraint("user_id", "key",
                                          name="uq_idempotent_request_user_key"),)
