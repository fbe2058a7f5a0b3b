"""A stand-in OpenID Connect provider on loopback, for the single sign-on tests.

Serves discovery, ``/authorize`` (approves at once, as the identity set by the test),
``/token`` (an RS256-signed ID token with the nonce of the request), ``/jwks`` and
``/userinfo``: just enough of the protocol for authlib to do the real exchange.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "casusregie"
CLIENT_SECRET = "stand-in-secret"


class StandInProvider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "stand-in"})
        #: The claims of whoever "logs in" at the provider next.
        self.identity: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.app = self._build()
        self.server = make_server("127.0.0.1", 0, self.app)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> StandInProvider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def _id_token(self, claims: dict[str, Any], nonce: str | None) -> str:
        now = int(time.time())
        payload = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                   **claims}
        if nonce:
            payload["nonce"] = nonce
        return jwt.encode({"alg": "RS256", "kid": "stand-in"}, payload, self.key)

    def _build(self) -> Flask:
        app = Flask("stand_in_oidc")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(
                issuer=self.issuer, authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token", jwks_uri=f"{self.issuer}/jwks",
                userinfo_endpoint=f"{self.issuer}/userinfo",
                response_types_supported=["code"], subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                token_endpoint_auth_methods_supported=["client_secret_basic",
                                                       "client_secret_post"])

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize():
            if request.args.get("client_id") != CLIENT_ID:
                abort(400)
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"claims": dict(self.identity),
                                "nonce": request.args.get("nonce")}
            query = urlencode({"code": code, "state": request.args["state"]})
            return redirect(f"{request.args['redirect_uri']}?{query}")

        @app.post("/token")
        def token():
            grant = self.codes.pop(request.form.get("code", ""), None)
            if grant is None:
                return jsonify(error="invalid_grant"), 400
            access = secrets.token_urlsafe(16)
            self.tokens[access] = grant["claims"]
            return jsonify(access_token=access, token_type="Bearer", expires_in=300,
                           id_token=self._id_token(grant["claims"], grant["nonce"]))

        @app.get("/userinfo")
        def userinfo():
            bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
            claims = self.tokens.get(bearer)
            return (jsonify(claims), 200) if claims is not None else ("", 401)

        return app
