"""Form validators for the screens, built on the input rules the REST API shares.

``app.validation`` holds the rules and their messages; these wrap them for WTForms, so a
screen and the API refuse the same input with the same words, next to the field. A
plugin may give its own words (``message``). The date checks stop the chain:
Flask-AppBuilder appends ``Optional()`` to nullable columns, and ``Optional`` erases the
errors of the validators before it.
"""

from __future__ import annotations

from typing import Any

from wtforms import Field, Form, ValidationError
from wtforms.validators import StopValidation

from casusregie.app import validation


class ValidBSN:
    """A BSN must pass the elfproef; an empty field is allowed (the BSN is optional)."""

    def __call__(self, form: Form, field: Field) -> None:
        value = (field.data or "").strip()
        message = validation.check_bsn(value)
        if message:
            raise ValidationError(message)
        if value:
            field.data = value.zfill(9)


class NotInFuture:
    """Dates of things that happened, such as a birth, cannot lie after today."""

    def __init__(self, birth: bool = False, message: Any = None) -> None:
        self.check = validation.check_birth_date if birth else validation.check_not_in_future
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        message = self.check(field.data)
        if message:
            raise StopValidation(str(self.message or message))


class NotBefore:
    """An end date cannot lie before the start date in ``other`` (when both are filled)."""

    def __init__(self, other: str, message: Any = None) -> None:
        self.other = other
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        other = form._fields.get(self.other)
        message = validation.check_date_order(other.data if other is not None else None,
                                              field.data)
        if message:
            raise StopValidation(str(self.message or message))


class RequiredWhen:
    """The field is required when ``other`` holds a truthy value (message next to it)."""

    def __init__(self, other: str, message: Any) -> None:
        self.other = other
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        if form[self.other].data and not field.data:
            raise StopValidation(str(self.message))


class MaxLength:
    """Text longer than its column allows is refused with a message saying by how much."""

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum

    def __call__(self, form: Form, field: Field) -> None:
        message = validation.check_length(field.data, self.maximum)
        if message:
            # Stop here: Flask-AppBuilder's own length check would repeat it in other words.
            raise StopValidation(message)
