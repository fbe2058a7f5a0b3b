"""Administrative measures imposed by the mayor or a minister."""

from __future__ import annotations

import sqlalchemy as sa

from casusregie.app.models import Intervention
from casusregie.app.models.base import StrEnum, enum_column

KIND = "bestuurlijk.measure"

#: The plugin's own metadata: its tables are migrated by its own Alembic history.
metadata = sa.MetaData()


class Measure(StrEnum):
    reporting_duty = "reporting_duty"
    area_ban = "area_ban"
    contact_ban = "contact_ban"
    travel_ban = "travel_ban"
    passport_invalidation = "passport_invalidation"


class AppealStatus(StrEnum):
    none = "none"
    objection_pending = "objection_pending"
    objection_decided = "objection_decided"
    appeal_pending = "appeal_pending"
    appeal_decided = "appeal_decided"


class AdministrativeMeasure(Intervention):
    __tablename__ = "bestuurlijk_measure"
    metadata = metadata

    id = sa.Column(sa.Integer, sa.ForeignKey(Intervention.id, ondelete="CASCADE"),
                   primary_key=True)
    measure = enum_column(Measure, nullable=False)
    legal_basis = sa.Column(sa.String(200), nullable=False)
    decree_date = sa.Column(sa.Date, nullable=False)
    decree_reference = sa.Column(sa.String(100), nullable=False)
    valid_until = sa.Column(sa.Date, nullable=False, index=True)
    appeal_status = enum_column(AppealStatus, nullable=False, default=AppealStatus.none,
                                server_default=AppealStatus.none.value)

    __mapper_args__ = {"polymorphic_identity": KIND}
