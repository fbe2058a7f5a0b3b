"""Crafted input and failures: what reaches the user, and what only the server log sees.

Flask-AppBuilder parses paging, sorting and filter arguments with bare ``int()`` and
indexing, passes path ids and filter values unchecked to the database, and shows the
text of a database error (SQL, parameters, on ``/users/add`` a password hash) in a flash
message. Instead of fixing that view by view, this module works for every route:

- ``check_request`` refuses input no screen or API accepts before any view runs: NUL
  bytes (PostgreSQL cannot store them), JSON nested deeper than ``MAX_JSON_DEPTH``, ids
  outside the database's integer range, paging arguments that are no number, and list
  filters naming an unknown filter or holding a value their column cannot hold;
- the error handlers answer database errors and oversized requests with a plain message
  in the user's language (a page for screens, JSON for the API);
- ``scrub_response`` is the last line: a flashed message or an API error that still
  carries a database message is replaced by the generic one (and logged).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import sqlalchemy as sa
from flask import (
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    session,
)
from flask_appbuilder.exceptions import DatabaseException
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    NotFound,
    RequestEntityTooLarge,
    SecurityError,
)

log = logging.getLogger(__name__)

#: The largest id an ``INTEGER`` column holds (PostgreSQL and every id in Casusregie).
MAX_ID = 2**31 - 1
#: JSON deeper than this is refused; the deepest body Casusregie accepts has depth 3.
MAX_JSON_DEPTH = 32
#: The largest page a list shows (Flask-AppBuilder offers up to 100 in its menu).
MAX_PAGE_SIZE = 500
#: The highest page number of a list (``COUNT_LIMIT`` rows at one row per page).
MAX_PAGE = 10_000

_FILTER_ARG = re.compile(r"_flt_(\d+)_(.*)")
_PAGING_ARG = re.compile(r"(page|psize)_.*")
#: What only a database or programming error shows; never sent to a user.
TELLTALES = re.compile(
    r"\[SQL|\bSQL\b|psycopg|sqlite3|Traceback|pbkdf2:|scrypt:|\$2b\$|"
    r"(ApplyFilter|Database)Exception|DataError|IntegrityError|StatementError|"
    r"OperationalError|ProgrammingError")


class InputRefused(BadRequest):
    """Input no screen or API accepts; ``description`` says why in the user's language."""


def generic_message() -> str:
    return _("Something went wrong while processing your request. Nothing was saved. "
             "Check your input and try again; if it keeps happening, contact the "
             "functional administrator.")


# --- the request guard ------------------------------------------------------------------

def check_request() -> None:
    """Refuse crafted input before any view sees it (raises ``InputRefused``/``NotFound``)."""
    if request.endpoint is None or request.endpoint == "static":
        return
    if "\x00" in request.path:
        raise NotFound()
    _check_ids(request.view_args or {})
    _check_no_nul(request.args)
    if request.method in {"POST", "PUT", "PATCH"}:
        if request.is_json:
            _check_json(request.get_data(cache=True))
        else:
            _check_no_nul(request.form)
    _check_paging()
    _check_filters()


def _refuse(message: str) -> None:
    raise InputRefused(description=message)


def _check_ids(view_args: dict[str, Any]) -> None:
    """An id is a whole number the database can hold; anything else names no row."""
    for name, value in view_args.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            if not 0 <= value <= MAX_ID:
                raise NotFound()
        elif isinstance(value, str) and (name == "pk" or name == "id" or name.endswith("_id")):
            if not value.isdecimal() or int(value) > MAX_ID:
                raise NotFound()


def _check_no_nul(values: Any) -> None:
    for key, value in values.items(multi=True):
        if "\x00" in key or (isinstance(value, str) and "\x00" in value):
            _refuse(_("The input contains a character that is not allowed (a NUL byte)."))


def _check_json(raw: bytes) -> None:
    if b"\x00" in raw or b"\\u0000" in raw.lower():
        _refuse(_("The input contains a character that is not allowed (a NUL byte)."))
    # Counting brackets is fast; only a body with many of them is walked byte by byte.
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and json_depth(raw) > MAX_JSON_DEPTH:
        _refuse(_("The JSON document is nested too deeply."))


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text, without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _check_paging() -> None:
    for key, value in request.args.items():
        match = _PAGING_ARG.fullmatch(key)
        if not match:
            continue
        upper = MAX_PAGE if match.group(1) == "page" else MAX_PAGE_SIZE
        lower = 0 if match.group(1) == "page" else 1
        if not value.isdecimal() or not lower <= int(value) <= upper:
            _refuse(_("The page number or page size in the address is not valid."))


def _check_filters() -> None:
    """``_flt_<n>_<column>`` on a column the list filters on must name one of its filters
    and hold a value the column can hold."""
    filter_args = [(key, value) for key, value in request.args.items(multi=True)
                   if _FILTER_ARG.fullmatch(key)]
    if not filter_args:
        return
    view = _view_of_endpoint(request.endpoint or "")
    filters = getattr(view, "_filters", None)
    if filters is None:
        return
    offered = filters.get_search_filters()
    for key, value in filter_args:
        match = _FILTER_ARG.fullmatch(key)
        index, column = int(match.group(1)), match.group(2)
        if column not in offered:
            continue  # Flask-AppBuilder ignores it (so does a field the user may not see)
        if index >= len(offered[column]):
            _refuse(_("The list filter in the address is not valid."))
        if not value_fits(view.datamodel.obj, column, value):
            _refuse(_("The value %(value)s does not fit this list filter.", value=value[:40]))


def _view_of_endpoint(endpoint: str) -> Any:
    views = current_app.extensions.get("casus_views_by_endpoint")
    if views is None:
        views = {getattr(v, "endpoint", None): v for v in current_app.appbuilder.baseviews}
        current_app.extensions["casus_views_by_endpoint"] = views
    return views.get(endpoint.split(".", 1)[0])


def value_fits(model: type, column: str, value: str) -> bool:
    """Whether a filter value can be compared with ``column`` of ``model`` at all."""
    mapper = sa.inspect(model)
    if column in mapper.relationships:
        return value == "" or (value.isdecimal() and int(value) <= MAX_ID)
    col = mapper.columns.get(column)
    if col is None or value == "":
        return True
    kind = col.type
    if isinstance(kind, sa.Enum):
        return value in kind.enums or value in {m.name for m in (kind.enum_class or [])}
    if isinstance(kind, sa.Boolean):
        return value.lower() in {"y", "n", "0", "1", "true", "false", "on", "off", "yes", "no"}
    if isinstance(kind, sa.Integer):
        return value.lstrip("-").isdecimal() and abs(int(value)) <= MAX_ID
    if isinstance(kind, sa.Numeric | sa.Float):
        return _parses(float, value)
    if isinstance(kind, sa.DateTime):
        return _parses(dt.datetime.fromisoformat, value)
    if isinstance(kind, sa.Date):
        return _parses(dt.date.fromisoformat, value)
    return True


def _parses(parse: Any, value: str) -> bool:
    try:
        parse(value)
    except (TypeError, ValueError, OverflowError):
        return False
    return True


# --- error handlers -------------------------------------------------------------------

def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best_match(
        ["text/html", "application/json"]) == "application/json"


def error_response(status: int, title: str, message: str) -> Any:
    if _wants_json() or getattr(current_app, "appbuilder", None) is None:
        response = jsonify(message=message)
        response.status_code = status
        return response
    appbuilder = current_app.appbuilder
    # Refused before Flask-AppBuilder's own before-request ran (a body too large for the
    # CSRF check to read): the page frame still needs the user for its menu.
    g.setdefault("user", current_user)
    return render_template("casus_error.html", appbuilder=appbuilder,
                           base_template=appbuilder.base_template,
                           title=title, message=message), status


def _input_refused(error: HTTPException) -> Any:
    message = error.description if isinstance(error, InputRefused) else _(
        "The request is not valid.")
    return error_response(400, _("Request not valid"), message)


def _too_large(_error: RequestEntityTooLarge) -> Any:
    megabytes = round((current_app.config.get("MAX_CONTENT_LENGTH") or 0) / 1_000_000, 1)
    return error_response(413, _("Too much data"), _(
        "The data you sent is larger than the %(size)s MB allowed.", size=megabytes))


def _untrusted_host(_error: SecurityError) -> Response:
    # Werkzeug's message quotes the Host header; a page would build links from it. Plain
    # text, and nothing of the request repeated.
    return Response("400 Bad Request: unknown host name.\n", status=400,
                    mimetype="text/plain")


def _database_error(error: Exception) -> Any:
    # The text of a database error holds the SQL and its parameters (personal data,
    # password hashes); it goes to the log, the user gets a plain message.
    from casusregie.app.extensions import db

    db.session.rollback()
    cause = error.__cause__ or error
    log.warning("%s %s: database error %s", request.method, request.path,
                type(cause).__name__, exc_info=error)
    status = 409 if isinstance(cause, IntegrityError) else 400
    return error_response(status, _("Not saved"), generic_message())


# --- the last line --------------------------------------------------------------------

def scrub_response(response: Response) -> Response:
    """Replace flashed messages and API errors that carry a database message."""
    flashes = session.get("_flashes") if "_flashes" in session else None
    if flashes and any(TELLTALES.search(str(message)) for _cat, message in flashes):
        log.warning("%s %s: a database message was about to be shown; replaced",
                    request.method, request.path)
        session["_flashes"] = [(cat, generic_message() if TELLTALES.search(str(msg)) else msg)
                               for cat, msg in flashes]
    if (response.status_code >= 400 and response.mimetype == "application/json"
            and not response.direct_passthrough
            and TELLTALES.search(response.get_data(as_text=True))):
        log.warning("%s %s: a database message was about to be sent; replaced",
                    request.method, request.path)
        response.set_data(jsonify(message=generic_message()).get_data())
    return response


def install_error_handling(app: Flask) -> None:
    app.before_request(check_request)
    app.register_error_handler(InputRefused, _input_refused)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(SQLAlchemyError, _database_error)
    app.register_error_handler(DatabaseException, _database_error)
    app.after_request(scrub_response)
