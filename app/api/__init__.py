"""REST APIs (Flask-AppBuilder ModelRestApi), under the same access policy as the screens.

Besides the APIs, ``register`` closes what Flask-AppBuilder leaves open for every
``/api/`` route, its own security APIs included:

- the request's language (``_l_`` argument, else ``Accept-Language``, else Dutch) for
  labels and messages, without Flask-AppBuilder writing a session cookie for it;
- writes (POST, PUT, PATCH, DELETE) must carry a bearer token or a valid CSRF token:
  Flask-AppBuilder exempts its APIs from CSRF protection and some of them accept the
  session cookie, so a page on another site could otherwise act for a logged-in user;
- ``/api/v1/security/login`` is throttled with the HTML login, per account and per
  address, failures only (``app.auth.throttle``, through the security manager);
- its English token and login refusals, and its 500 on a deeply nested ``q`` argument,
  become plain JSON messages in the caller's language.
"""

from __future__ import annotations

import contextlib
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from flask_appbuilder import AppBuilder
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from casusregie.app.extensions import csrf

API_PREFIX = "/api/"
LOGIN_ENDPOINT = "SecurityApi.login"
#: Endpoints that hand out tokens: they take credentials in the body, not from a cookie.
TOKEN_ENDPOINTS = frozenset({LOGIN_ENDPOINT, "SecurityApi.refresh"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def register(appbuilder: AppBuilder) -> None:
    """Register the REST APIs."""
    from casusregie.app.api.casework import (
        CaseApi,
        CaseConferenceApi,
        InterventionApi,
        InterventionTypeApi,
    )
    from casusregie.app.api.changes import ChangesApi, install_change_log
    from casusregie.app.api.contract import CasusOpenApi
    from casusregie.app.auth.api_keys import limit_keys
    from casusregie.app.extensions import db

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    # The contract replaces Flask-AppBuilder's (FAB_ADD_OPENAPI_VIEWS is off): served in
    # production too, since partners generate their clients from it.
    apis = [appbuilder.add_api(api) for api in (
        CaseApi, CaseConferenceApi, InterventionApi, InterventionTypeApi, ChangesApi,
        CasusOpenApi)]
    if app.config.get("FAB_API_SWAGGER_UI"):
        from flask_appbuilder.api.manager import SwaggerView

        appbuilder.add_view_no_menu(SwaggerView)
    install_change_log(db.session)
    limit_keys(appbuilder, [api.blueprint for api in apis])
    _install_request_language(app)
    _install_query_checks(app)
    _install_write_protection(app)
    _install_token_messages(appbuilder)
    _install_login_messages(app)
    _install_json_errors(app)


def _install_json_errors(app: Flask) -> None:
    """Every answer under ``/api/`` is JSON: an unknown route, an id that is not a whole
    number (``/api/v1/case/abc``), a method a route does not take, a rate limit."""

    @app.after_request
    def _api_html_errors(response: Response) -> Response:
        if (request.path.startswith(API_PREFIX) and response.status_code in (404, 405, 429)
                and response.mimetype != "application/json"):
            message = {404: _("Not found, or you are not allowed to see it."),
                       405: _("This method is not allowed here."),
                       429: _("Too many requests; try again later.")}[response.status_code]
            response.set_data(jsonify(message=message).get_data())
            response.mimetype = "application/json"
        return response


def _json(status: int, message: Any) -> Response:
    response = jsonify(message=message)
    response.status_code = status
    return response


def api_locale(app: Flask) -> str:
    languages = app.config.get("LANGUAGES") or {}
    default = app.config.get("BABEL_DEFAULT_LOCALE", "nl")
    asked = request.args.get("_l_")
    if asked in languages:
        return asked
    return request.accept_languages.best_match(list(languages)) or default


def _install_request_language(app: Flask) -> None:
    @app.before_request
    def _api_language() -> None:
        if not request.path.startswith(API_PREFIX):
            return
        stack = contextlib.ExitStack()
        stack.enter_context(force_locale(api_locale(app)))
        g._casus_api_locale = stack

    @app.teardown_request
    def _api_language_done(_exc: BaseException | None) -> None:
        stack = g.pop("_casus_api_locale", None)
        if stack is not None:
            stack.close()


#: Rison arguments nested deeper than this make the parser recurse until it fails.
MAX_QUERY_NESTING = 20


def nesting_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


def _install_query_checks(app: Flask) -> None:
    @app.before_request
    def _api_query_depth() -> Response | None:
        # Flask-AppBuilder's Rison parser answers a deeply nested ``q`` with a 500.
        query = request.args.get("q", "") if request.path.startswith(API_PREFIX) else ""
        if nesting_depth(query) > MAX_QUERY_NESTING:
            return _json(400, _("The request is not valid: %(detail)s",
                                detail="q is nested too deeply"))
        return None


def _install_login_messages(app: Flask) -> None:
    @app.after_request
    def _login_refused(response: Response) -> Response:
        # Flask-AppBuilder's login API answers a wrong password with an English
        # "Not authorized"; say what happened in the caller's language.
        if request.endpoint != LOGIN_ENDPOINT or response.status_code != 401:
            return response
        from casusregie.app.auth.messages import refusal_message

        reason = g.get("_casus_login_refusal")
        message = refusal_message(reason) or _("The username or password is not correct.")
        if reason in {"locked", "backoff", "address"}:
            response.status_code = 429
        response.set_data(jsonify(message=message).get_data())
        return response


def _install_write_protection(app: Flask) -> None:
    @app.before_request
    def _api_writes_need_token_or_csrf() -> Response | None:
        if not request.path.startswith(API_PREFIX) or request.method not in UNSAFE_METHODS:
            return None
        if request.endpoint in TOKEN_ENDPOINTS:
            return None
        authorization = request.headers.get("Authorization", "")
        if authorization.lower().startswith("bearer "):
            # A page on another site cannot set this header (no CORS is allowed), so a
            # request carrying it was not forged by a visited page.
            return None
        try:
            csrf.protect()
        except CSRFError:
            return _json(403, _("Send an access token (Authorization: Bearer …) with "
                                "changes through the API; a browser session alone is "
                                "not enough."))
        return None


def _install_token_messages(appbuilder: AppBuilder) -> None:
    """Flask-JWT-Extended answers in English under ``msg``; answer like the rest of the API."""
    jwt = appbuilder.sm.jwt_manager
    if jwt is None:
        return

    def _not_logged_in(_reason: str) -> Response:
        return _json(401, _("Log in first: send a valid access token."))

    def _expired(_header: dict, _payload: dict) -> Response:
        return _json(401, _("Your access token has expired; log in again."))

    def _revoked(_header: dict, _payload: dict) -> Response:
        return _json(401, _("Your access token is no longer valid; log in again."))

    def _user_gone(_header: dict, _payload: dict) -> Response:
        return _json(401, _("Your account is not active."))

    jwt.unauthorized_loader(_not_logged_in)
    jwt.invalid_token_loader(_not_logged_in)
    jwt.expired_token_loader(_expired)
    jwt.revoked_token_loader(_revoked)
    jwt.user_lookup_error_loader(_user_gone)
