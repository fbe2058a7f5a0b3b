"""Case conferences and the cases on their agenda."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from casusregie.app import clock
from casusregie.app.models.base import AgendaSource, ConferenceStatus, enum_column
from casusregie.app.models.case import Case
from casusregie.app.models.organisation import CasusUser
from casusregie.app.models.tracking import Authored, Versioned


class CaseConference(Versioned, Authored, Model):
    __tablename__ = "case_conference"

    id = sa.Column(sa.Integer, primary_key=True)
    held_on = sa.Column(sa.DateTime, nullable=False, index=True)  # UTC, see app/clock.py
    location = sa.Column(sa.String(200))
    chair_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id"))
    status = enum_column(ConferenceStatus, nullable=False, default=ConferenceStatus.planned,
                         index=True)
    notes = sa.Column(sa.Text)

    chair = relationship(CasusUser)
    agenda_items = relationship("AgendaItem", back_populates="conference",
                                cascade="all, delete-orphan", order_by="AgendaItem.position")

    def __repr__(self) -> str:
        # Shown in selects and messages: the time the participants meet, in Amsterdam.
        return f"{clock.to_local(self.held_on):%d-%m-%Y %H:%M}"


class AgendaItem(Versioned, Authored, Model):
    __tablename__ = "agenda_item"
    __table_args__ = (sa.UniqueConstraint("conference_id", "case_id"),)

    id = sa.Column(sa.Integer, primary_key=True)
    conference_id = sa.Column(sa.Integer,
                              sa.ForeignKey("case_conference.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    case_id = sa.Column(sa.Integer, sa.ForeignKey("case.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    position = sa.Column(sa.Integer, nullable=False, default=0)
    source = enum_column(AgendaSource, nullable=False, default=AgendaSource.manual)
    discussed = sa.Column(sa.Boolean, nullable=False, default=False)
    notes = sa.Column(sa.Text)
    next_review_date = sa.Column(sa.Date)

    conference = relationship(CaseConference, back_populates="agenda_items")
    case = relationship(Case, backref="agenda_items")
