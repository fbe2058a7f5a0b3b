"""What remains of a destroyed case or signal: the destruction record."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model

from casusregie.app.models.base import append_only, utcnow


class DestructionRecord(Model):
    """One executed destruction, without personal data.

    It keeps the case number (or the signal's id), the dates that made it due, who
    proposed and who approved it, and how many rows of each kind went. No foreign keys:
    the case, the signal and even the accounts may be gone. Append-only.
    """

    __tablename__ = "destruction_record"

    id = sa.Column(sa.Integer, primary_key=True)
    #: "case" or "signal".
    object_type = sa.Column(sa.String(20), nullable=False)
    object_id = sa.Column(sa.Integer, nullable=False)
    #: The case number, or "#<id>" for a signal.
    reference = sa.Column(sa.String(40), nullable=False, index=True)
    opened_on = sa.Column(sa.Date)
    closed_on = sa.Column(sa.Date)
    retention_until = sa.Column(sa.Date)
    approval_request_id = sa.Column(sa.Integer, nullable=False, unique=True)
    proposed_by = sa.Column(sa.String(100), nullable=False)
    proposed_at = sa.Column(sa.DateTime, nullable=False)
    approved_by = sa.Column(sa.String(100), nullable=False)
    approved_at = sa.Column(sa.DateTime, nullable=False)
    executed_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    #: Rows removed per kind, as JSON ({"case_note": 2, "subject": 1, ...}).
    counts = sa.Column(sa.Text, nullable=False, default="{}")


append_only(DestructionRecord, "destruction record")
