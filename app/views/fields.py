"""Shared form fields: relations to large tables (so that no form lists a whole table),
and date-times typed in Amsterdam time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import request
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import Markup
from wtforms import Field, StringField
from wtforms.validators import StopValidation

from casusregie.app import clock
from casusregie.app.extensions import db
from casusregie.app.models import Case


class CaseNumberField(StringField):
    """A case chosen by typing its number (``CR-2026-0042``) instead of a select.

    Forms opened from a case page get the case through Flask-AppBuilder's related filter
    (``?_flt_0_case=<id>``), which hides this field and fills it in.
    """

    def __init__(self, label: object = None, required: bool = True, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.flags.required = required
        self._unknown: str | None = None

    def process_data(self, value: Any) -> None:
        self.data = value

    def process_formdata(self, valuelist: list[str]) -> None:
        self._unknown = None
        if not valuelist:
            return
        number = (valuelist[0] or "").strip().upper()
        if not number:
            self.data = None
            return
        case = db.session.query(Case).filter(Case.number == number).one_or_none()
        if case is None:
            self._unknown = number
        self.data = case

    def _value(self) -> str:
        if isinstance(self.data, Case):
            return self.data.number
        return self.raw_data[0] if self.raw_data else ""

    def pre_validate(self, form: Any) -> None:
        if self._unknown:
            raise StopValidation(str(_l("There is no case with number %(number)s.",
                                        number=self._unknown)))
        if self.flags.required and self.data is None:
            # Filled in by the related filter, or typed: either way a case is needed.
            raise StopValidation(self.gettext("This field is required."))


def context_id(column: str) -> int | None:
    """The id given by Flask-AppBuilder's related filter ``_flt_0_<column>``, if any."""
    raw = request.args.get(f"_flt_0_{column}") if request else None
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def edited_pk() -> int | None:
    """The primary key of the row an edit form is for, if this is an edit request."""
    raw = (request.view_args or {}).get("pk") if request else None
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


#: What a date-time field accepts, tried in this order: Dutch order first, then ISO.
DATETIME_INPUT_FORMATS = (
    "%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S",
    "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S",
)
#: How a date-time field shows its value.
DATETIME_DISPLAY_FORMAT = "%d-%m-%Y %H:%M"
DATETIME_HELP = _l("Date and time as dd-mm-yyyy hh:mm, e.g. 17-12-2026 14:00.")


def parse_local_datetime(text: str) -> dt.datetime | None:
    """A typed date-time (Amsterdam wall-clock time) in one of the accepted formats."""
    for pattern in DATETIME_INPUT_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


class LocalDateTimeWidget(BS3TextFieldWidget):
    """A text box showing the format to type (``dd-mm-jjjj uu:mm``) as its placeholder."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("placeholder", _l("dd-mm-yyyy hh:mm"))
        kwargs.setdefault("autocomplete", "off")
        return super().__call__(field, **kwargs)


class LocalDateTimeField(Field):
    """An instant typed and shown in Amsterdam time; its ``data`` is stored time (UTC).

    Accepts ``17-12-2026 14:00``, ``2026-12-17 14:00`` and both with seconds. Input it
    cannot read is refused with the format to use and stays in the box.
    """

    widget = LocalDateTimeWidget()

    def __init__(self, label: object = None, validators: Any = None,
                 description: object = "", **kwargs: Any) -> None:
        if description:  # the view's own help first, then the format; both lazy
            description = LazyString(lambda: f"{description} {DATETIME_HELP}")
        else:
            description = DATETIME_HELP
        super().__init__(label, validators, description=description, **kwargs)
        self._unreadable = False

    def process_formdata(self, valuelist: list[str]) -> None:
        self._unreadable = False
        text = " ".join((valuelist[0] if valuelist else "").split())
        if not text:
            self.data = None
            return
        typed = parse_local_datetime(text)
        self._unreadable = typed is None
        self.data = None if typed is None else clock.from_local_input(typed)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, dt.datetime):
            return clock.to_local(self.data).strftime(DATETIME_DISPLAY_FORMAT)
        return ""

    def pre_validate(self, form: Any) -> None:
        if self._unreadable:
            raise StopValidation(str(_l(
                "Enter the date and time as dd-mm-yyyy hh:mm, e.g. 17-12-2026 14:00.")))
