"""Amsterdam time: how instants are stored, shown and typed.

The rule, everywhere: an instant is stored as a *naive UTC* datetime (the database
columns are ``timestamp without time zone``), and is shown and typed in Amsterdam time
(Europe/Amsterdam, which moves between +01:00 and +02:00 with daylight saving time).
A conference planned at 14:00 in December is stored as 13:00, one in July as 12:00; both
read 14:00 on every screen, in every PDF and as ``…T14:00:00+01:00`` / ``+02:00`` in the
API.

Only this module converts. Screens and PDFs call :func:`to_local` (through the date
formatters of ``app.i18n`` and ``reports.common``), forms call :func:`from_local_input`
(through ``app.views.datetime_field``), the API calls :func:`iso`. The zone data comes
from the ``tzdata`` package when the system has none, so the result does not depend on
the machine.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

#: The time zone of the people who use Casusregie.
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")


def now_utc() -> dt.datetime:
    """The current instant as stored: naive UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def to_utc(value: dt.datetime) -> dt.datetime:
    """An instant as stored (naive UTC); a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def to_local(value: dt.datetime) -> dt.datetime:
    """An instant in Amsterdam time (aware); a naive value is a stored, UTC one."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(LOCAL_ZONE)


def from_local_input(value: dt.datetime) -> dt.datetime:
    """What a user typed (Amsterdam wall-clock time) as stored: naive UTC.

    In the autumn hour that occurs twice the first (summer time) one is meant; a time in
    the spring hour that does not exist is moved forward by the hour, as a clock is.
    """
    if value.tzinfo is not None:
        return to_utc(value)
    return to_utc(value.replace(tzinfo=LOCAL_ZONE))


def local_today() -> dt.date:
    """Today's date in Amsterdam (a server in UTC is still on yesterday until 01:00)."""
    return to_local(now_utc()).date()


def local_day_start(day: dt.date) -> dt.datetime:
    """The stored instant (naive UTC) at which ``day`` begins in Amsterdam."""
    return from_local_input(dt.datetime.combine(day, dt.time.min))


def iso(value: dt.datetime) -> str:
    """ISO 8601 in Amsterdam time with its offset: ``2026-12-17T14:00:00+01:00``."""
    return to_local(value).isoformat()
