"""conference times stored in UTC

Until now a conference's ``held_on`` was stored as typed, in Amsterdam wall-clock time,
while every other instant (decisions, signals, logs) was stored in UTC; readers that
converted from UTC printed a 14:00 conference as 15:00. From now on every instant is UTC
(``app/clock.py``); this converts the stored conference times once. Other columns held
UTC already (their values came from the clock, not from a form) and are left alone.

Revision ID: i14_0001_conference_times_utc
Revises: 665378b32414
Create Date: 2026-12-03 08:00:00

"""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i14_0001_conference_times_utc'
down_revision = 'i18_0001_management'
branch_labels = None
depends_on = None

_ZONE = ZoneInfo("Europe/Amsterdam")
_CONFERENCE = sa.table("case_conference", sa.column("id", sa.Integer),
                       sa.column("held_on", sa.DateTime))


def _local_to_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=_ZONE).astimezone(dt.UTC).replace(tzinfo=None)


def _utc_to_local(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC).astimezone(_ZONE).replace(tzinfo=None)


def _convert(change) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_CONFERENCE.c.id, _CONFERENCE.c.held_on)
                        .where(_CONFERENCE.c.held_on.is_not(None))).all()
    updates = [{"pk": pk, "held": change(held)} for pk, held in rows]
    if updates:
        bind.execute(_CONFERENCE.update().where(_CONFERENCE.c.id == sa.bindparam("pk"))
                     .values(held_on=sa.bindparam("held")), updates)


def upgrade():
    _convert(_local_to_utc)


def downgrade():
    _convert(_utc_to_local)
