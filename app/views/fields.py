"""Form fields for relations to large tables, so that no form lists a whole table."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import StopValidation

from app.extensions import db
from app.models import Case


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
