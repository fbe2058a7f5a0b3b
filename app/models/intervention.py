"""The intervention catalogue and the interventions partners deliver.

Plugins extend ``Intervention`` through joined-table inheritance, keyed on ``kind``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from casusregie.app.models.base import (
    InterventionDomain,
    InterventionStatus,
    enum_column,
    localised_name,
    utcnow,
)
from casusregie.app.models.case import Case
from casusregie.app.models.organisation import Organisation
from casusregie.app.models.plan import Goal
from casusregie.app.models.tracking import Authored, OrganisationOwned, Versioned


class InterventionType(Versioned, Model):
    __tablename__ = "intervention_type"

    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(150), nullable=False, unique=True)
    #: The name shown to users who work in English ("" = the Dutch name).
    name_en = sa.Column(sa.String(150), nullable=False, default="", server_default="")
    domain = enum_column(InterventionDomain, nullable=False, index=True)
    organisation_id = sa.Column(sa.Integer, sa.ForeignKey("organisation.id"), index=True)
    # Which plugin model records interventions of this type ("" = the core model).
    kind = sa.Column(sa.String(50), nullable=False, default="", server_default="")
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    description = sa.Column(sa.Text)

    organisation = relationship(Organisation, lazy="joined")

    def __repr__(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localised_name(self.name, self.name_en)


class Intervention(Authored, OrganisationOwned, Model):
    __tablename__ = "intervention"

    id = sa.Column(sa.Integer, primary_key=True)
    kind = sa.Column(sa.String(50), nullable=False, default="", server_default="")
    case_id = sa.Column(sa.Integer, sa.ForeignKey("case.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    type_id = sa.Column(sa.Integer, sa.ForeignKey("intervention_type.id"), nullable=False,
                        index=True)
    organisation_id = sa.Column(sa.Integer, sa.ForeignKey("organisation.id"), nullable=False,
                                index=True)
    goal_id = sa.Column(sa.Integer, sa.ForeignKey("goal.id", ondelete="SET NULL"), index=True)
    status = enum_column(InterventionStatus, nullable=False,
                         default=InterventionStatus.planned, index=True)
    start_date = sa.Column(sa.Date, index=True)
    end_date = sa.Column(sa.Date)
    outcome = sa.Column(sa.Text)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    version = sa.Column(sa.Integer, nullable=False, default=1)

    __mapper_args__ = {
        "polymorphic_on": kind,
        "polymorphic_identity": "",
        "version_id_col": version,
    }

    case = relationship(Case, backref="interventions")
    type = relationship(InterventionType, lazy="joined")
    organisation = relationship(Organisation, lazy="joined")
    goal = relationship(Goal, backref="interventions")

    def __repr__(self) -> str:
        return f"{self.type} ({self.organisation})"
