"""Shared assessment, the (versioned) action plan and its goals."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from casusregie.app.models.base import GoalStatus, enum_column, utcnow
from casusregie.app.models.case import Case
from casusregie.app.models.organisation import CasusUser, Organisation
from casusregie.app.models.tracking import Authored, Versioned


class Assessment(Versioned, Authored, Model):
    __tablename__ = "assessment"

    id = sa.Column(sa.Integer, primary_key=True)
    case_id = sa.Column(sa.Integer, sa.ForeignKey("case.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    assessed_on = sa.Column(sa.Date, nullable=False)
    risk_factors = sa.Column(sa.Text)
    protective_factors = sa.Column(sa.Text)
    life_domains = sa.Column(sa.Text)
    author_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id"))

    case = relationship(Case, backref="assessments")
    author = relationship(CasusUser)


class ActionPlan(Versioned, Authored, Model):
    """One version of a case's action plan; a new version supersedes the previous."""

    __tablename__ = "action_plan"
    __table_args__ = (sa.UniqueConstraint("case_id", "version_number"),)

    id = sa.Column(sa.Integer, primary_key=True)
    case_id = sa.Column(sa.Integer, sa.ForeignKey("case.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    version_number = sa.Column(sa.Integer, nullable=False, default=1)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    current = sa.Column(sa.Boolean, nullable=False, default=True)
    description = sa.Column(sa.Text)

    case = relationship(Case, backref="action_plans")
    goals = relationship("Goal", back_populates="action_plan", cascade="all, delete-orphan",
                         order_by="Goal.position")

    def __repr__(self) -> str:
        return f"v{self.version_number}"


class Goal(Versioned, Authored, Model):
    __tablename__ = "goal"

    id = sa.Column(sa.Integer, primary_key=True)
    action_plan_id = sa.Column(sa.Integer, sa.ForeignKey("action_plan.id", ondelete="CASCADE"),
                               nullable=False, index=True)
    position = sa.Column(sa.Integer, nullable=False, default=0)
    description = sa.Column(sa.String(500), nullable=False)
    organisation_id = sa.Column(sa.Integer, sa.ForeignKey("organisation.id"), index=True)
    status = enum_column(GoalStatus, nullable=False, default=GoalStatus.open)

    action_plan = relationship(ActionPlan, back_populates="goals")
    organisation = relationship(Organisation)

    def __repr__(self) -> str:
        return self.description
