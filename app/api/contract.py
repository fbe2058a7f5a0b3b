"""The OpenAPI contract at ``/api/v1/_openapi``, as exact as a generated client needs.

Flask-AppBuilder's ``OpenApi`` describes every API registered, for everyone. Here:

- a caller sees only the operations it may call (Flask-AppBuilder's security APIs only
  with the permissions of a functional administrator, writes only for roles that write);
- every operation documents the errors it can answer (400, 401, 403, 404, 409, 412, 413,
  422, 429) with their JSON body, and none documents ``500`` as a normal answer;
- the error body is ``{"message": text | {field: [text]}}``; examples are in Dutch and
  English.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.api.manager import OpenApi
from flask_appbuilder.const import PERMISSION_PREFIX
from flask_appbuilder.security.decorators import protect

API_VERSION = "v1"
#: The contract's own version (``info.version``); see docs/api.md, "Versions".
CONTRACT_VERSION = "1.1.0"

_MESSAGE = {
    "oneOf": [
        {"type": "string"},
        {"type": "object", "additionalProperties": {
            "type": "array", "items": {"type": "string"}}},
    ],
    "description": "What went wrong, in the language asked for (Accept-Language or "
                   "_l_; Dutch by default); for invalid fields an object field → "
                   "messages.",
}


def _error(description: str, nl: str, en: str, **extra: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {"message": _MESSAGE, **extra}
    return {
        "description": description,
        "content": {"application/json": {
            "schema": {"type": "object", "properties": properties, "required": ["message"]},
            "examples": {"nl": {"summary": "Nederlands", "value": {"message": nl}},
                         "en": {"summary": "English", "value": {"message": en}}},
        }},
    }


_CURRENT = {
    "current": {"type": "object", "description": "The record as it is now"},
    "current_version": {"type": "integer", "description": "Its version (also the ETag)"},
}

RESPONSES: dict[str, dict[str, Any]] = {
    "400": _error("The request is not valid (a malformed argument, id, body or header)",
                  "Het verzoek is niet geldig.", "The request is not valid."),
    "401": _error("No valid access token or API key (missing, expired or revoked)",
                  "Log eerst in: stuur een geldig toegangstoken mee.",
                  "Log in first: send a valid access token."),
    "403": _error("Not allowed for your role, organisation or key",
                  "U mag dit niet doen.", "You are not allowed to do this."),
    "404": _error("Not found, or not visible to you",
                  "Niet gevonden, of u mag het niet zien.",
                  "Not found, or you are not allowed to see it."),
    "409": _error("Someone changed the record after you read it (stale version); "
                  "nothing was saved", "Deze interventie is gewijzigd door iemand anders.",
                  "This intervention was changed by someone else.", **_CURRENT),
    "412": _error("If-Match does not match the current version; nothing was saved",
                  "Deze interventie is gewijzigd door iemand anders.",
                  "This intervention was changed by someone else.", **_CURRENT),
    "413": _error("The body is larger than allowed",
                  "De gegevens zijn groter dan toegestaan.",
                  "The data you sent is larger than allowed."),
    "422": _error("Invalid input (field errors), or an Idempotency-Key reused with "
                  "other data", "Vul een datum in als JJJJ-MM-DD.",
                  "Enter a date as YYYY-MM-DD."),
    "429": _error("Too many requests; wait as Retry-After says",
                  "Te veel verzoeken; probeer het later opnieuw.",
                  "Too many requests; try again later."),
}

#: The errors every operation can answer, and what reads and writes add.
_ALWAYS = ("400", "401", "403", "429")
_BY_METHOD = {"get": ("404",), "post": ("404", "413", "422"),
              "put": ("404", "409", "412", "413", "422"),
              "patch": ("404", "409", "412", "413", "422"),
              "delete": ("404", "422")}


def _may_call(base_api: BaseApi, func: Any) -> bool:
    sm = current_app.appbuilder.sm
    name = getattr(func, "_permission_name", None)
    if name is None:
        return False
    permission = f"{PERMISSION_PREFIX}{name}"
    if base_api.method_permission_name:
        permission = PERMISSION_PREFIX + base_api.method_permission_name.get(
            func.__name__, name)
    if permission not in base_api.base_permissions:
        return False
    return bool(sm.has_access(permission, base_api.class_permission_name))


def _add_allowed_paths(base_api: BaseApi, api_spec: Any) -> None:
    """Flask-AppBuilder's ``add_api_spec``, leaving out what the caller may not call."""
    allowed = []
    for attr_name in dir(base_api):
        attr = getattr(base_api, attr_name)
        if not hasattr(attr, "_urls"):
            continue
        if (base_api.include_route_methods is not None
                and attr_name not in base_api.include_route_methods):
            continue
        if attr_name in base_api.exclude_route_methods or not _may_call(base_api, attr):
            continue
        allowed.append(attr)
    if not allowed:
        return
    base_api.add_apispec_components(api_spec)
    for attr in allowed:
        for url, methods in attr._urls:
            operations: dict[str, Any] = {}
            path = base_api.path_helper(path=url, operations=operations)
            base_api.operation_helper(path=path, operations=operations, methods=methods,
                                      func=attr)
            api_spec.path(path=path, operations=operations)
            for operation in operations:
                api_spec._paths[path][operation]["tags"] = [
                    base_api.openapi_spec_tag or base_api.__class__.__name__]


def _exact_types(node: Any) -> None:
    """Say what the answers really hold, where Flask-AppBuilder's description differs:
    row ids are integers (it writes strings), and a related record (a case's director,
    an intervention's goal) may be absent: ``null``."""
    if isinstance(node, list):
        for item in node:
            _exact_types(item)
        return
    if not isinstance(node, dict):
        return
    properties = node.get("properties")
    if isinstance(properties, dict):
        ids = properties.get("ids")
        if isinstance(ids, dict) and ids.get("items", {}).get("type") == "string":
            ids["items"] = {"type": "integer"}
        for name, prop in list(properties.items()):
            if isinstance(prop, dict) and "$ref" in prop and len(prop) == 1:
                properties[name] = {"allOf": [prop], "nullable": True}
    for value in node.values():
        _exact_types(value)


def _complete(spec: dict[str, Any]) -> dict[str, Any]:
    _exact_types(spec)
    spec.setdefault("components", {})["responses"] = dict(RESPONSES)
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in _BY_METHOD:
                continue
            for parameter in operation.get("parameters", []):
                # Routes take ids as Flask's int converter does: whole numbers from 0.
                if parameter.get("in") == "path" and parameter.get("name") == "pk":
                    parameter["schema"] = {"type": "integer", "minimum": 0,
                                           "maximum": 2**31 - 1}
            responses = operation.setdefault("responses", {})
            responses.pop("500", None)
            for status in (*_ALWAYS, *_BY_METHOD[method]):
                responses[status] = {"$ref": f"#/components/responses/{status}"}
            if method == "post" and not path.endswith("/login") \
                    and not path.endswith("/refresh"):
                operation.setdefault("parameters", []).append({
                    "in": "header", "name": "Idempotency-Key", "required": False,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    "description": "Send the same key with a retry: you get the first "
                                   "answer again instead of a second record."})
            if method in {"put", "patch"}:
                operation.setdefault("parameters", []).append({
                    "in": "header", "name": "If-Match", "required": False,
                    "schema": {"type": "string"},
                    "description": 'The ETag of the record as you read it (e.g. "3"); '
                                   "or send the version field."})
    spec.setdefault("info", {})["version"] = CONTRACT_VERSION
    spec["info"]["description"] = (
        "Casusregie REST API for partner organisations' systems. See docs/api.md for "
        "API keys, retries, versions and the deprecation policy.")
    spec["components"].setdefault("securitySchemes", {}).update({
        "jwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "api_key": {"type": "http", "scheme": "bearer",
                    "description": "An API key of your organisation (csr_…)"}})
    return spec


class CasusOpenApi(OpenApi):
    """``/api/<version>/_openapi`` for the caller (see the module docstring)."""

    class_permission_name = "OpenApi"
    allow_browser_login = True

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version: str):  # type: ignore[override]
        """The OpenAPI description of what you may call
        ---
        get:
          parameters:
          - in: path
            schema:
              type: string
            name: version
          responses:
            200:
              description: The OpenAPI description
              content:
                application/json:
                  schema:
                    type: object
            404:
              $ref: '#/components/responses/404'
        """
        api_spec = self._create_api_spec(version)
        found = False
        for base_api in current_app.appbuilder.baseviews:
            if isinstance(base_api, BaseApi) and base_api.version == version:
                found = True
                _add_allowed_paths(base_api, api_spec)
        if not found:
            return self.response_404()
        return self.response(200, **_complete(api_spec.to_dict()))

    @staticmethod
    def _create_api_spec(version: str) -> Any:
        spec = OpenApi._create_api_spec(version)
        spec.options["servers"] = [{"url": request.host_url.rstrip("/")}]
        return spec
