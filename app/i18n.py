"""Interface language: which locale a request uses, and locale-aware formatting.

Flask-AppBuilder keeps the active locale in ``session["locale"]`` (its ``/lang/<locale>``
view sets it; its Babel locale selector reads it). Casusregie adds:

- the choice is remembered per user (``ab_user.locale``): stored when the user switches
  language, applied to the session when they log in;
- Jinja filters ``format_date``, ``format_moment``, ``format_datetime``, ``format_time``,
  ``format_number`` and ``format_decimal`` that format for the active locale and time zone;
- :class:`LocalisedColumnsMixin`, which shows dates, booleans, decimals and empty values
  in list and show pages the way the active locale writes them;
- WTForms' own validation messages ("This field is required.") taken from Casusregie's
  catalogue first, so they read the same as Flask-AppBuilder's.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import functools
from collections.abc import Callable, Iterable
from typing import Any

import flask_babel
from babel import Locale, dates, numbers, support
from flask import Flask, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in
from werkzeug.exceptions import HTTPException
from wtforms.i18n import messages_path

from casusregie.app import clock
from casusregie.app.labels import enum_label
from casusregie.app.permission_cache import cached_menu

#: Endpoint of Flask-AppBuilder's language switch (``/lang/<locale>``).

DEFAULT_TIMEZONE = "Europe/Amsterdam"


def supported_locales(app: Flask | None = None) -> list[str]:
    return list((app or current_app).config["LANGUAGES"])


def active_locale() -> str:
    """The locale of the current request, e.g. ``"nl"``."""
    return str(flask_babel.get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


# --- formatting ------------------------------------------------------------------------

#: How each interface language writes dates and numbers. English here serves partners and
#: auditors in the Netherlands: day before month and a 24-hour clock, as in British English.
FORMAT_LOCALES = {"nl": "nl_NL", "en": "en_GB"}


_PARSED_FORMAT_LOCALES: dict[Any, Locale] = {}


def format_locale() -> Locale:
    # Asked for every date and number on a page: parsing the locale each time was most of
    # the cost of a long list's date column.
    requested = flask_babel.get_locale()
    parsed = _PARSED_FORMAT_LOCALES.get(requested)
    if parsed is None:
        locale = str(requested or current_app.config["BABEL_DEFAULT_LOCALE"])
        parsed = Locale.parse(FORMAT_LOCALES.get(locale, locale))
        if requested is not None:
            _PARSED_FORMAT_LOCALES[requested] = parsed
    return parsed


def format_date(value: dt.date | None, format: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = clock.to_local(value).date()
    return _format_date(value, format, format_locale())


@functools.lru_cache(maxsize=8192)
def _format_date(value: dt.date, format: str, locale: Locale) -> str:
    # A list repeats dates (review dates, start dates); Babel's formatting is not cheap.
    return dates.format_date(value, format, locale=locale)


def _zone(value: dt.datetime | dt.time) -> Any:
    # An instant (stored as naive UTC, see app.clock) is shown in Amsterdam time; a bare
    # time of day has no date to convert with and is shown as it is.
    return clock.LOCAL_ZONE if isinstance(value, dt.datetime) else None


def format_datetime(value: dt.datetime | None, format: str = "medium") -> str:
    """Date and time of an instant, in Amsterdam time."""
    if value is None:
        return ""
    return dates.format_datetime(value, format, tzinfo=_zone(value), locale=format_locale())


def format_moment(value: dt.datetime | None, seconds: bool = False) -> str:
    """An instant as every screen and PDF writes it: the date as :func:`format_date` writes
    it, then the Amsterdam time ("17 mei 2026 14:00"). One way, so that a list never mixes
    "17 mei 2026" with "01-06-2027 09:30"."""
    if value is None:
        return ""
    local = clock.to_local(value)
    return f"{format_date(local.date())} {local:%H:%M:%S}" if seconds else \
        f"{format_date(local.date())} {local:%H:%M}"


def format_time(value: dt.time | dt.datetime | None, format: str = "short") -> str:
    if value is None:
        return ""
    return dates.format_time(value, format, tzinfo=_zone(value), locale=format_locale())


def format_number(value: int | float | decimal.Decimal | None) -> str:
    """A number with thousands separators and at most three decimals."""
    if value is None:
        return ""
    return numbers.format_decimal(value, format="#,##0.###", locale=format_locale())


def format_decimal(value: int | float | decimal.Decimal | None, format: str | None = None) -> str:
    if value is None:
        return ""
    return numbers.format_decimal(value, format, locale=format_locale())


def display_value(value: Any) -> Any:
    """A list or show cell as the active locale writes it.

    Integers are left alone on purpose: identifiers and years must not get a thousands
    separator ("2.026").
    """
    if value is None or value == "":
        return "—"  # as app.views.base shows an empty value
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, enum.Enum):
        return enum_label(value)
    if isinstance(value, dt.datetime):
        return format_moment(value)
    if isinstance(value, dt.date):
        return format_date(value, "medium")
    if isinstance(value, dt.time):
        return format_time(value, "short")
    if isinstance(value, float | decimal.Decimal):
        return format_decimal(value)
    if isinstance(value, list | tuple | set):
        # A to-many relation: "Coördinator, Kernpartner", not Python's "[Coördinator]".
        return ", ".join(str(item) for item in value) or "—"
    return value


class LocalisedColumnsMixin:
    """Give every list and show column without a formatter of its own :func:`display_value`.

    Without it Flask-AppBuilder prints ``None``, ``True``/``False`` and ISO dates in both
    languages. Enumerations read as ``app.labels`` words them.
    """

    formatters_columns: dict[str, Callable[[Any], Any]]
    list_columns: list[str]
    show_columns: list[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        columns: Iterable[str] = [*(self.list_columns or []), *(self.show_columns or [])]
        # A new dict: the class attribute may be shared with other views.
        self.formatters_columns = {
            **{column: display_value for column in columns},
            **(self.formatters_columns or {}),
        }


# --- remembering the choice ------------------------------------------------------------

def _apply_user_locale(sender: Flask, user: Any = None, **_extra: Any) -> None:
    """At login, switch the session to the language the user chose before."""
    locale = getattr(user, "locale", None)
    if locale and locale in sender.config["LANGUAGES"]:
        session["locale"] = locale
        flask_babel.refresh()


def switch_language(locale: str):
    """``POST /lang/<locale>``: the language switch of the navigation bar.

    A CSRF-protected form (Flask-AppBuilder's ``GET /lang/<locale>`` still switches the
    session only): the choice is stored on the user, so a page on another site cannot
    change it, and a GET never writes to the database.
    """
    if locale not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = locale
    flask_babel.refresh()
    user = current_user
    if user.is_authenticated and getattr(user, "locale", None) != locale:
        from casusregie.app.extensions import db

        user.locale = locale
        db.session.commit()
    return redirect(_local_path(request.form.get("next")) or url_for(
        f"{current_app.appbuilder.indexview.__name__}.index"))


def _local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site (never another host), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


# --- WTForms messages ------------------------------------------------------------------

def _wtforms_translations() -> support.Translations:
    """WTForms' catalogue with Casusregie's on top, one per locale per app.

    Flask-WTF loads WTForms' own catalogue, whose Dutch differs from ours ("vereist" for
    "verplicht"); a message in ours wins.
    """
    locale = active_locale()
    cache: dict[str, support.Translations] = current_app.extensions.setdefault(
        "casus_wtforms_translations", {})
    if locale not in cache:
        merged = support.Translations()
        merged.merge(support.Translations.load(messages_path(), [locale], domain="wtforms"))
        own = flask_babel.get_translations()
        if isinstance(own, support.Translations):
            merged.merge(own)
        cache[locale] = merged
    return cache[locale]


def _install_wtforms_translations() -> None:
    # Flask-WTF reads ``request.wtforms_translations`` before loading its own.
    if request.endpoint and request.endpoint != "static":
        request.wtforms_translations = _wtforms_translations()


# --- error pages -----------------------------------------------------------------------

def _error_page(error: HTTPException):
    """403, 404 and 429 as a page in the user's language instead of Werkzeug's English."""
    appbuilder = getattr(current_app, "appbuilder", None)
    wants = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if appbuilder is None or request.path.startswith("/api/") or wants == "application/json":
        return error
    texts = {
        403: (_("No access"), _("You do not have access to this page.")),
        404: (_("Page not found"), _("This page does not exist (any more).")),
        429: (_("Too many requests"),
              _("Too many requests were sent in a short time. Wait a moment and try again.")),
    }
    title, message = texts[error.code or 404]
    return render_template("casus_error.html", appbuilder=appbuilder,
                           base_template=appbuilder.base_template,
                           title=title, message=message), error.code


# --- set-up ----------------------------------------------------------------------------

def configure_i18n(app: Flask) -> None:
    """Settings Flask-Babel reads when it starts; call before Flask-AppBuilder.

    Flask-AppBuilder puts its own catalogue in front of ``BABEL_TRANSLATION_DIRECTORIES``
    (Casusregie's, then each enabled plugin's: ``app.plugin_manager``) and Flask-Babel merges them
    in that order, so a message in Casusregie's catalogue replaces Flask-AppBuilder's.
    """
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", DEFAULT_TIMEZONE)


def init_i18n(app: Flask) -> None:
    """Filters, the per-user language and WTForms' messages."""
    for name, function in {
        "format_date": format_date,
        "format_datetime": format_datetime,
        "format_moment": format_moment,
        "format_time": format_time,
        "format_number": format_number,
        "format_decimal": format_decimal,
    }.items():
        app.jinja_env.filters[name] = function
    app.jinja_env.globals["active_locale"] = active_locale
    app.jinja_env.globals["casus_now"] = clock.now_utc
    app.jinja_env.filters["local_time"] = clock.to_local
    app.jinja_env.globals["casus_menu"] = cached_menu
    user_logged_in.connect(_apply_user_locale, app)
    app.add_url_rule("/lang/<string:locale>", endpoint="casus_switch_language",
                     view_func=switch_language, methods=["POST"])
    app.before_request(_install_wtforms_translations)
    app.register_error_handler(403, _error_page)
    app.register_error_handler(404, _error_page)
    app.register_error_handler(429, _error_page)


__all__ = [
    "LocalisedColumnsMixin",
    "active_locale",
    "configure_i18n",
    "display_value",
    "format_date",
    "format_datetime",
    "format_decimal",
    "format_number",
    "format_time",
    "init_i18n",
    "supported_locales",
]
