"""Case notes and partner admissions to a case."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from casusregie.app.models.base import utcnow
from casusregie.app.models.case import Case
from casusregie.app.models.organisation import CasusUser, Organisation
from casusregie.app.models.tracking import Authored, OrganisationOwned, Versioned


class CaseNote(Versioned, Authored, OrganisationOwned, Model):
    __tablename__ = "case_note"

    id = sa.Column(sa.Integer, primary_key=True)
    case_id = sa.Column(sa.Integer, sa.ForeignKey("case.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    author_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id"), nullable=False)
    organisation_id = sa.Column(sa.Integer, sa.ForeignKey("organisation.id"))
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    text = sa.Column(sa.Text, nullable=False)

    case = relationship(Case, backref="notes")
    author = relationship(CasusUser, lazy="joined")
    organisation = relationship(Organisation)


class CaseAdmission(Versioned, Authored, Model):
    """A partner organisation admitted to a case: purpose, legal basis and end date."""

    __tablename__ = "case_admission"

    id = sa.Column(sa.Integer, primary_key=True)
    case_id = sa.Column(sa.Integer, sa.ForeignKey("case.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    organisation_id = sa.Column(sa.Integer, sa.ForeignKey("organisation.id"), nullable=False,
                                index=True)
    purpose = sa.Column(sa.String(500), nullable=False)
    legal_basis = sa.Column(sa.String(300), nullable=False)
    starts_on = sa.Column(sa.Date, nullable=False)
    ends_on = sa.Column(sa.Date, nullable=False, index=True)
    granted_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id"), nullable=False)
    granted_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    case = relationship(Case, backref="admissions")
    organisation = relationship(Organisation, lazy="joined")
    granted_by = relationship(CasusUser)
