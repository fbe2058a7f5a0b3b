"""The case: one person or group handled by the approach."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from casusregie.app.models.base import CasePhase, CloseReason, enum_column, localised_name, utcnow
from casusregie.app.models.organisation import CasusUser, Organisation
from casusregie.app.models.subject import Subject
from casusregie.app.models.tracking import Authored, Versioned


class RiskGroup(Versioned, Model):
    """One of the five risk groups of the approach; labels are editable."""

    __tablename__ = "risk_group"

    id = sa.Column(sa.Integer, primary_key=True)
    number = sa.Column(sa.Integer, nullable=False, unique=True)
    name = sa.Column(sa.String(300), nullable=False)
    name_en = sa.Column(sa.String(300), nullable=False, default="")

    def __repr__(self) -> str:
        return f"{self.number}. {self.name}"

    def __str__(self) -> str:
        return f"{self.number}. {self.display_name}"

    @property
    def display_name(self) -> str:
        return localised_name(self.name, self.name_en)


class CaseNumberCounter(Model):
    """Last case number issued per year; row-locked while a number is drawn."""

    __tablename__ = "case_number_counter"

    year = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    last_value = sa.Column(sa.Integer, nullable=False, default=0)


class CaseSubject(Model):
    __tablename__ = "case_subject"

    case_id = sa.Column(sa.Integer, sa.ForeignKey("case.id", ondelete="CASCADE"),
                        primary_key=True)
    subject_id = sa.Column(sa.Integer, sa.ForeignKey("subject.id", ondelete="CASCADE"),
                           primary_key=True, index=True)
    primary = sa.Column(sa.Boolean, nullable=False, default=True)

    subject = relationship(Subject, lazy="joined")


class Case(Authored, Model):
    __tablename__ = "case"

    id = sa.Column(sa.Integer, primary_key=True)
    number = sa.Column(sa.String(20), nullable=False, unique=True)
    year = sa.Column(sa.Integer, nullable=False)
    sequence = sa.Column(sa.Integer, nullable=False)
    phase = enum_column(CasePhase, nullable=False, default=CasePhase.conference, index=True)
    escalation_level = sa.Column(sa.Integer, nullable=False, default=1)
    risk_group_id = sa.Column(sa.Integer, sa.ForeignKey("risk_group.id"), nullable=False,
                              index=True)
    lead_organisation_id = sa.Column(sa.Integer, sa.ForeignKey("organisation.id"),
                                     nullable=False, index=True)
    case_director_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id"), index=True)
    summary = sa.Column(sa.Text)
    review_date = sa.Column(sa.Date, index=True)
    opened_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    closed_at = sa.Column(sa.DateTime)
    close_reason = enum_column(CloseReason)
    retention_until = sa.Column(sa.Date, index=True)
    legal_hold = sa.Column(sa.Boolean, nullable=False, default=False)
    # A legal hold blocks destruction until its end date (app/retention).
    legal_hold_reason = sa.Column(sa.String(500))
    legal_hold_until = sa.Column(sa.Date)
    version = sa.Column(sa.Integer, nullable=False, default=1)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.UniqueConstraint("year", "sequence"),)

    risk_group = relationship(RiskGroup, lazy="joined")
    lead_organisation = relationship(Organisation, lazy="joined")
    case_director = relationship(CasusUser, lazy="joined")
    case_subjects = relationship(CaseSubject, cascade="all, delete-orphan",
                                 lazy="selectin", order_by="CaseSubject.primary.desc()")

    @property
    def subjects(self) -> list[Subject]:
        return [cs.subject for cs in self.case_subjects]

    @property
    def subject_names(self) -> str:
        return ", ".join(s.full_name for s in self.subjects)

    @property
    def is_open(self) -> bool:
        return self.phase in (CasePhase.conference, CasePhase.monitoring)

    def __repr__(self) -> str:
        return self.number
