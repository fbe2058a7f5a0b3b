"""Input rules shared by the screens and the REST API, with messages in the user's language.

Each check takes plain values and returns ``None`` when the input is acceptable, or the
message to show next to the field. The screens wrap them in form validators, the API in
its JSON error responses, so both refuse the same input with the same words.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from casusregie.app import clock
from casusregie.app.text import is_valid_bsn

DATE_FORMAT = "%d-%m-%Y"


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    # An instant's day is its day in Amsterdam.
    return clock.to_local(value).date() if isinstance(value, dt.datetime) else value


def check_date_order(start: dt.date | dt.datetime | None,
                     end: dt.date | dt.datetime | None) -> str | None:
    """An end date may not lie before its start date; a missing date is not judged here."""
    if start is None or end is None:
        return None
    if _as_date(end) < _as_date(start):
        return _("The end date (%(end)s) lies before the start date (%(start)s).",
                 end=_as_date(end).strftime(DATE_FORMAT),
                 start=_as_date(start).strftime(DATE_FORMAT))
    return None


def check_not_in_future(value: dt.date | dt.datetime | None,
                        today: dt.date | None = None) -> str | None:
    """A date that records something that happened (a birth) cannot lie after today."""
    if value is None:
        return None
    if _as_date(value) > (today or clock.local_today()):
        return _("This date (%(date)s) lies in the future.",
                 date=_as_date(value).strftime(DATE_FORMAT))
    return None


def check_birth_date(value: dt.date | dt.datetime | None,
                     today: dt.date | None = None) -> str | None:
    if value is None:
        return None
    if _as_date(value) > (today or clock.local_today()):
        return _("A date of birth cannot lie in the future.")
    return None


def check_bsn(value: str | None) -> str | None:
    """An optional BSN must have nine digits and pass the eleven test (elfproef)."""
    if not (value or "").strip():
        return None
    if not is_valid_bsn(value or ""):
        return _("This BSN is not valid: it needs 9 digits and must pass the eleven test.")
    return None


def check_length(value: str | None, maximum: int) -> str | None:
    """Text longer than its column allows is refused instead of cut off."""
    if value is None or len(value) <= maximum:
        return None
    return _("At most %(max)d characters are allowed; this text has %(length)d.",
             max=maximum, length=len(value))
