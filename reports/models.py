"""The print log: one append-only row per printed dossier or agenda."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model

from casusregie.app.models.base import append_only, utcnow


class PrintLog(Model):
    """Who printed which case or conference, which sections, why and when.

    No foreign keys to the case or user: the record must outlive a destroyed case or a
    removed account, so it keeps their numbers and names as printed.
    """

    __tablename__ = "print_log"

    id = sa.Column(sa.Integer, primary_key=True)
    printed_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    user_id = sa.Column(sa.Integer, nullable=False, index=True)
    username = sa.Column(sa.String(100), nullable=False)
    organisation = sa.Column(sa.String(150), nullable=False, default="")
    document = sa.Column(sa.String(20), nullable=False)   # "dossier" or "agenda"
    case_id = sa.Column(sa.Integer, index=True)
    conference_id = sa.Column(sa.Integer, index=True)
    reference = sa.Column(sa.String(200), nullable=False)  # case number / conference
    sections = sa.Column(sa.Text, nullable=False, default="")
    purpose = sa.Column(sa.Text, nullable=False)
    recipient = sa.Column(sa.String(200), nullable=False, default="")
    locale = sa.Column(sa.String(10), nullable=False)
    pages = sa.Column(sa.Integer, nullable=False)


append_only(PrintLog, "print log")
