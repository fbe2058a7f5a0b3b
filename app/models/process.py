"""Signals, their weighing and the decisions that move a case."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from casusregie.app import clock
from casusregie.app.models.base import (
    DecisionBody,
    DecisionKind,
    OrganisationKind,
    Phenomenon,
    SignalStatus,
    WeighingOutcome,
    enum_column,
    utcnow,
)
from casusregie.app.models.case import Case, RiskGroup
from casusregie.app.models.organisation import CasusUser, Organisation
from casusregie.app.models.subject import Subject
from casusregie.app.models.tracking import Authored, Versioned


class Signal(Versioned, Authored, Model):
    __tablename__ = "signal"

    id = sa.Column(sa.Integer, primary_key=True)
    received_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    reporter_kind = enum_column(OrganisationKind, nullable=False)
    reporter_name = sa.Column(sa.String(150))
    anonymous = sa.Column(sa.Boolean, nullable=False, default=False)
    concern = sa.Column(sa.Text, nullable=False)
    phenomenon = enum_column(Phenomenon, nullable=False, default=Phenomenon.unclear)
    subject_id = sa.Column(sa.Integer, sa.ForeignKey("subject.id"), index=True)
    status = enum_column(SignalStatus, nullable=False, default=SignalStatus.received,
                         index=True)
    case_id = sa.Column(sa.Integer, sa.ForeignKey("case.id"), index=True)
    registered_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id"))
    retention_until = sa.Column(sa.Date)
    legal_hold = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    legal_hold_reason = sa.Column(sa.String(500))
    legal_hold_until = sa.Column(sa.Date)

    subject = relationship(Subject, lazy="joined")
    case = relationship(Case, backref="signals")
    registered_by = relationship(CasusUser)

    def __repr__(self) -> str:
        return f"#{self.id} {clock.to_local(self.received_at):%d-%m-%Y}"


class Weighing(Authored, Model):
    __tablename__ = "weighing"

    id = sa.Column(sa.Integer, primary_key=True)
    signal_id = sa.Column(sa.Integer, sa.ForeignKey("signal.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    weighed_on = sa.Column(sa.Date, nullable=False)
    participants = sa.Column(sa.Text, nullable=False)
    reasons = sa.Column(sa.Text, nullable=False)
    outcome = enum_column(WeighingOutcome, nullable=False)
    risk_group_id = sa.Column(sa.Integer, sa.ForeignKey("risk_group.id"))
    recorded_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id"))

    signal = relationship(Signal, backref="weighings")
    risk_group = relationship(RiskGroup)
    recorded_by = relationship(CasusUser)


decision_organisation = sa.Table(
    "decision_organisation",
    Model.metadata,
    sa.Column("decision_id", sa.Integer, sa.ForeignKey("decision.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisation.id"),
              primary_key=True),
)


class Decision(Authored, Model):
    """A recorded decision: who decided, which body, when, why, and who took part."""

    __tablename__ = "decision"

    id = sa.Column(sa.Integer, primary_key=True)
    case_id = sa.Column(sa.Integer, sa.ForeignKey("case.id", ondelete="CASCADE"), index=True)
    signal_id = sa.Column(sa.Integer, sa.ForeignKey("signal.id", ondelete="CASCADE"),
                          index=True)
    agenda_item_id = sa.Column(sa.Integer, sa.ForeignKey("agenda_item.id"), index=True)
    kind = enum_column(DecisionKind, nullable=False)
    body = enum_column(DecisionBody, nullable=False)
    decided_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    decided_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id"), nullable=False)
    participants = sa.Column(sa.Text)
    reasons = sa.Column(sa.Text, nullable=False)
    from_phase = sa.Column(sa.String(32))
    to_phase = sa.Column(sa.String(32))

    case = relationship(Case, backref="decisions")
    signal = relationship(Signal, backref="decisions")
    decided_by = relationship(CasusUser, lazy="joined")
    organisations = relationship(Organisation, secondary=decision_organisation,
                                 lazy="selectin")
