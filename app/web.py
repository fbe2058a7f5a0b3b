"""Response hardening Flask-AppBuilder does not do by itself."""

from __future__ import annotations

from flask import Flask, Response, abort, request

_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'; font-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


def install_web_hardening(app: Flask) -> None:
    from app.errors import install_error_handling

    install_error_handling(app)

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
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers.setdefault("Cache-Control", "no-store")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
