"""Buddy trajectories: a volunteer buddy meets the subject a few times a month."""

from __future__ import annotations

import sqlalchemy as sa

from casusregie.app.models import Intervention

KIND = "voorbeeld.buddy"

# Own metadata: the plugin's tables are created by its own migrations, not the core's.
metadata = sa.MetaData()


class BuddyTrajectory(Intervention):
    __tablename__ = "voorbeeld_buddy"
    metadata = metadata

    id = sa.Column(sa.Integer, sa.ForeignKey(Intervention.id, ondelete="CASCADE"),
                   primary_key=True)
    buddy_name = sa.Column(sa.String(150), nullable=False)
    contacts_per_month = sa.Column(sa.Integer, nullable=False)

    __mapper_args__ = {"polymorphic_identity": KIND}
