"""Mentoring trajectories by youth work, with a log of meetings."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from casusregie.app.models import Intervention
from casusregie.app.models.tracking import Authored, Versioned

KIND = "jongerenwerk.mentoring"

#: The plugin's own metadata: its tables are migrated by its own Alembic history.
metadata = sa.MetaData()


class MentoringTrajectory(Intervention):
    __tablename__ = "jongerenwerk_mentoring"
    metadata = metadata

    id = sa.Column(sa.Integer, sa.ForeignKey(Intervention.id, ondelete="CASCADE"),
                   primary_key=True)
    # Empty while the trajectory is only agreed in a case conference; youth work's form
    # requires them when it registers the trajectory.
    mentor = sa.Column(sa.String(150))
    meeting_frequency = sa.Column(sa.String(100))

    __mapper_args__ = {"polymorphic_identity": KIND}

    meetings = relationship("MentoringMeeting", back_populates="trajectory",
                            order_by="MentoringMeeting.met_on",
                            cascade="all, delete-orphan")


class MentoringMeeting(Versioned, Authored, Model):
    """One meeting of the log; visible exactly when its trajectory is."""

    __tablename__ = "jongerenwerk_meeting"
    metadata = metadata

    id = sa.Column(sa.Integer, primary_key=True)
    trajectory_id = sa.Column(sa.Integer, sa.ForeignKey(MentoringTrajectory.id,
                                                        ondelete="CASCADE"),
                              nullable=False, index=True)
    met_on = sa.Column(sa.Date, nullable=False, index=True)
    note = sa.Column(sa.String(500), nullable=False)

    trajectory = relationship(MentoringTrajectory, back_populates="meetings")

    def __repr__(self) -> str:
        return f"{self.met_on:%d-%m-%Y}"
