"""Logging in, staying in and getting out: throttling, second factor, sessions, events.

See ``docs/security.md``. Wired in by ``create_app`` (``init_auth``), the security
manager (``app.security``: ``LoginProtectionMixin``, ``CasusAuthDBView``) and
``register_views`` (``app.views.auth.register``).
"""

from __future__ import annotations

from flask import Flask

from casusregie.app.auth import models as _models  # noqa: F401  (tables for migrations)


def init_auth(app: Flask) -> None:
    from casusregie.app.auth.sessions import install_sessions
    from casusregie.app.auth.throttle import init_throttle
    from casusregie.app.extensions import db

    hops = app.config.get("CASUS_PROXY_HOPS") or 0
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    init_throttle(app)
    install_sessions(app, db)
    from casusregie.app.auth.cli import unlock_command
    from casusregie.app.cli import casus_cli

    casus_cli.add_command(unlock_command)
