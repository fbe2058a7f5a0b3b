"""Tables of the audit trail: the records, their personal details and the chain head."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from casusregie.app.models.base import append_only, utcnow

__all__ = ["AuditChainHead", "AuditDetail", "AuditRecord"]


class AuditRecord(Model):
    """One append-only entry: who did what to which object, when, from where and why.

    Ids and names are stored as plain values, not foreign keys: a record must outlive the
    account, organisation, case or person it names. ``hash`` covers every column below
    and ``prev_hash``, the hash of the record before it (``seq`` - 1).
    """

    __tablename__ = "audit_record"

    id = sa.Column(sa.Integer, primary_key=True)
    seq = sa.Column(sa.Integer, nullable=False, unique=True)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    action = sa.Column(sa.String(32), nullable=False, index=True)
    object_type = sa.Column(sa.String(64), nullable=False, default="")
    object_id = sa.Column(sa.Integer, nullable=True)
    case_id = sa.Column(sa.Integer, nullable=True, index=True)
    case_number = sa.Column(sa.String(32), nullable=True, index=True)
    user_id = sa.Column(sa.Integer, nullable=True, index=True)
    username = sa.Column(sa.String(256), nullable=True)
    organisation_id = sa.Column(sa.Integer, nullable=True, index=True)
    organisation = sa.Column(sa.String(150), nullable=True)
    roles = sa.Column(sa.String(500), nullable=True)
    address = sa.Column(sa.String(64), nullable=True)
    channel = sa.Column(sa.String(10), nullable=True)
    purpose = sa.Column(sa.String(500), nullable=True)
    #: sha256 of ``AuditDetail.content``; stays when the details are removed.
    detail_digest = sa.Column(sa.String(64), nullable=True)
    prev_hash = sa.Column(sa.String(64), nullable=False)
    hash = sa.Column(sa.String(64), nullable=False, unique=True)

    details = relationship("AuditDetail", uselist=False, lazy="select",
                           back_populates="record")

    def __repr__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id or ''}".strip()

    __table_args__ = (sa.Index("ix_audit_record_object", "object_type", "object_id"),)


class AuditDetail(Model):
    """The personal details of one record (changed fields with old and new values,
    sections, ids shown), kept apart so that retention can remove them while the
    record and its hash stay."""

    __tablename__ = "audit_detail"

    record_id = sa.Column(sa.Integer, sa.ForeignKey("audit_record.id"), primary_key=True)
    #: Canonical JSON; ``AuditRecord.detail_digest`` is its sha256.
    content = sa.Column(sa.Text, nullable=False)

    record = relationship(AuditRecord, back_populates="details")


class AuditChainHead(Model):
    """The one row holding the last sequence number and hash of the trail.

    Appending updates this row first, so its row lock serialises concurrent writers.
    """

    __tablename__ = "audit_chain_head"

    id = sa.Column(sa.Integer, primary_key=True)
    seq = sa.Column(sa.Integer, nullable=False, default=0)
    hash = sa.Column(sa.String(64), nullable=False)


append_only(AuditRecord, "audit trail")
