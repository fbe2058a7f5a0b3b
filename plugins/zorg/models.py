"""Care trajectories delivered by the GGD or a GGZ organisation."""

from __future__ import annotations

import sqlalchemy as sa

from casusregie.app.models import Intervention
from casusregie.app.models.base import StrEnum, enum_column

KIND = "zorg.care"

#: The plugin's own metadata: its tables are migrated by its own Alembic history.
metadata = sa.MetaData()


class TreatmentKind(StrEnum):
    outpatient = "outpatient"
    inpatient = "inpatient"
    fact_team = "fact_team"
    forensic = "forensic"
    addiction = "addiction"
    other = "other"


class CareTrajectory(Intervention):
    __tablename__ = "zorg_care_trajectory"
    metadata = metadata

    id = sa.Column(sa.Integer, sa.ForeignKey(Intervention.id, ondelete="CASCADE"),
                   primary_key=True)
    # Empty while the trajectory is only agreed in a case conference; the care partner's
    # form requires them when it registers the trajectory.
    treatment = enum_column(TreatmentKind)
    care_provider = sa.Column(sa.String(150))
    frequency = sa.Column(sa.String(100))
    consent = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    consent_date = sa.Column(sa.Date)

    __mapper_args__ = {"polymorphic_identity": KIND}

    # Health information: only the care partner and the case director may see it.
    HEALTH_FIELDS = frozenset({"treatment", "care_provider", "frequency"})


__all__ = ["KIND", "CareTrajectory", "TreatmentKind", "metadata"]
