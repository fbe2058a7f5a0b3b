"""Password rules (OWASP ASVS 5 §6.2): long enough, not common, no composition rules.

A password needs at least ``MIN_LENGTH`` characters and may be up to ``MAX_LENGTH`` long;
spaces and any character are allowed and nothing is required (no "one digit, one
capital"). It is refused when it is one of the common or breached passwords shipped with
`zxcvbn` (30,000 from public leaks, offline), or when zxcvbn's estimator finds it that easy
to guess anyway (``Password12345``, ``aaaaaaaaaaaa``: a common word with a number, a
repetition, a keyboard row).

One check serves every way a password is set: Flask-AppBuilder's user forms, its reset
forms and its user API call ``password_complexity`` (``FAB_PASSWORD_COMPLEXITY_VALIDATOR``),
and the security manager and ``flask casus set-password`` call ``password_problem``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import click
from flask import current_app
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.views import ResetMyPasswordView
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash
from wtforms import Field, Form, PasswordField, ValidationError
from wtforms.validators import DataRequired, EqualTo

MIN_LENGTH = 12
MAX_LENGTH = 128
#: Below 10^8 guesses zxcvbn finds a password in seconds offline (its "score 2").
MIN_GUESSES_LOG10 = 8
#: zxcvbn's time grows with the length; what follows this many characters adds no risk.
_ESTIMATE_PREFIX = 64


@cache
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str | None, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why ``password`` may not be used (in the user's language), or None."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return _("A password needs at least %(min)d characters; this one has %(length)d. "
                 "A few words in a row make a long password that is easy to remember.",
                 min=MIN_LENGTH, length=len(password))
    if len(password) > MAX_LENGTH:
        return _("A password can have at most %(max)d characters.", max=MAX_LENGTH)
    if password.lower() in common_passwords() or _too_easy(password, user_inputs):
        return _("This password is too common or too easy to guess; choose another one, "
                 "for example a few unrelated words.")
    return None


def _too_easy(password: str, user_inputs: tuple[str, ...]) -> bool:
    from zxcvbn import zxcvbn

    found = zxcvbn(password[:_ESTIMATE_PREFIX], user_inputs=[u for u in user_inputs if u])
    return found["guesses_log10"] < MIN_GUESSES_LOG10


def password_complexity(password: str) -> None:
    """``FAB_PASSWORD_COMPLEXITY_VALIDATOR``: Flask-AppBuilder shows the message at the field."""
    problem = password_problem(password)
    if problem:
        raise PasswordComplexityValidationError(problem)


# --- self-service change: asks for the current password --------------------------------

def _current_password_matches(_form: Form, field: Field) -> None:
    from flask import g
    from werkzeug.security import check_password_hash

    user = getattr(g, "user", None)
    stored = getattr(user, "password", None)
    if not stored or not check_password_hash(stored, field.data or ""):
        raise ValidationError(_("This is not your current password."))


class ChangeMyPasswordForm(DynamicForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), _current_password_matches],
        widget=BS3PasswordFieldWidget())
    password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters; a few words in a row are easy to remember. "
                       "Common passwords are refused."),
        validators=[DataRequired(), PasswordComplexityValidator()],
        widget=BS3PasswordFieldWidget())
    conf_password = PasswordField(
        _l("Confirm Password"), description=_l("Please rewrite the password to confirm"),
        validators=[EqualTo("password", message=_l("Passwords must match"))],
        widget=BS3PasswordFieldWidget())


class ChangeMyPasswordView(ResetMyPasswordView):
    """Flask-AppBuilder's "reset my password", asking for the current password first, so
    that a session left open is not enough to take over the account."""

    form = ChangeMyPasswordForm
    # The permissions granted to "ResetMyPasswordView" (app/roles.py) keep applying.
    class_permission_name = "ResetMyPasswordView"


class PasswordRulesMixin:
    """Security-manager methods that set passwords apply the rules too (the CLI's
    ``flask fab create-user`` and ``reset-password``, and any other caller)."""

    resetmypasswordview = ChangeMyPasswordView

    def add_user(self, username: str, first_name: str, last_name: str, email: str,
                 role: Any, password: str = "", hashed_password: str = "",
                 **kwargs: Any) -> Any:
        if not hashed_password:
            _refuse_weak(password, (username, first_name, last_name, email))
        return super().add_user(username, first_name, last_name, email, role,  # type: ignore[misc]
                                password, hashed_password, **kwargs)

    def reset_password(self, userid: Any, password: str) -> Any:
        _refuse_weak(password)
        return super().reset_password(userid, password)  # type: ignore[misc]


def _refuse_weak(password: str | None, user_inputs: tuple[str, ...] = ()) -> None:
    problem = password_problem(password, user_inputs)
    if problem is None:
        return
    if click.get_current_context(silent=True) is not None:
        raise click.ClickException(problem)
    raise PasswordComplexityValidationError(problem)


def secret_hash(secret: str) -> str:
    """A salted hash of a secret a person types (a password, a recovery code), made the
    way Flask-AppBuilder hashes the accounts' passwords (``FAB_PASSWORD_HASH_METHOD``,
    scrypt unless configured otherwise)."""
    return generate_password_hash(
        secret, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))
