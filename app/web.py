"""Response hardening Flask-AppBuilder does not do by itself.

The Content Security Policy allows scripts from the app's own origin and inline scripts
carrying the page's nonce only: no ``unsafe-inline`` and no ``unsafe-eval`` for scripts.
Flask-AppBuilder's templates put ``baselib.get_nonce()`` on each of their inline scripts,
which reads the ``csp_nonce()`` template function defined here (as Flask-Talisman would);
Casusregie's own templates use ``csp_nonce()`` directly. Styles keep ``unsafe-inline``:
Flask-AppBuilder's widgets set ``style`` attributes, and styles cannot run code.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, abort, g, request

_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'{nonce}; font-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


def csp_nonce() -> str:
    """This response's script nonce, made when a template first asks for it."""
    nonce = g.get("_casus_csp_nonce")
    if nonce is None:
        nonce = g._casus_csp_nonce = secrets.token_urlsafe(18)
    return nonce


def content_security_policy() -> str:
    nonce = g.get("_casus_csp_nonce")
    return _CSP.format(nonce=f" 'nonce-{nonce}'" if nonce else "")


def install_web_hardening(app: Flask) -> None:
    from casusregie.app.errors import install_error_handling

    install_error_handling(app)
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.before_request
    def _no_file_downloads() -> None:
        # Flask-AppBuilder gives every model view a file-download route; Casusregie
        # stores no uploads, and the route fails on unexpected names.
        if request.endpoint and request.endpoint.endswith(".download"):
            abort(404)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers.setdefault("Cache-Control", "no-store")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
