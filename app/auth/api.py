"""The API login with the second factor: ``totp`` (a code or a recovery code) in the body.

Flask-AppBuilder's login schema refuses unknown fields, so the login is its own here;
the class keeps the name ``SecurityApi`` so endpoints and permissions stay the same.
"""

from __future__ import annotations

from flask import Response, g, request
from flask_appbuilder.api import safe
from flask_appbuilder.const import (
    API_SECURITY_ACCESS_TOKEN_KEY,
    API_SECURITY_PROVIDER_DB,
    API_SECURITY_REFRESH_TOKEN_KEY,
)
from flask_appbuilder.security import api as fab_api
from flask_appbuilder.security.schemas import LoginPost
from flask_appbuilder.views import expose
from flask_jwt_extended import create_access_token, create_refresh_token
from marshmallow import ValidationError, fields


class CasusLoginPost(LoginPost):
    totp = fields.String(required=False, allow_none=True)


login_post = CasusLoginPost()


class SecurityApi(fab_api.SecurityApi):
    @expose("/login", methods=["POST"])
    @safe
    def login(self) -> Response:
        """Log in with user name, password and, where the role needs it, ``totp``."""
        if not request.is_json:
            return self.response_400(message="Request payload is not JSON")
        try:
            payload = login_post.load(request.json)
        except ValidationError as error:
            return self.response_400(message=error.messages)
        if payload.get("provider", API_SECURITY_PROVIDER_DB) != API_SECURITY_PROVIDER_DB:
            return self.response_401()
        g._casus_totp = payload.get("totp") or ""
        user = self.appbuilder.sm.auth_user_db(payload["username"], payload["password"])
        if not user:
            return self.response_401()
        tokens = {API_SECURITY_ACCESS_TOKEN_KEY: create_access_token(
            identity=str(user.id), fresh=True)}
        if payload.get("refresh"):
            tokens[API_SECURITY_REFRESH_TOKEN_KEY] = create_refresh_token(identity=str(user.id))
        return self.response(200, **tokens)
