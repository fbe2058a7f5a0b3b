"""Casusregie application factory."""

from __future__ import annotations

import logging
import sys

from flask import Flask
from flask_appbuilder import AppBuilder

from casusregie.app.extensions import csrf, db, migrate
from casusregie.config import BASE_DIR, INSTANCE_DIR, ConfigError, build_config, tune_engine_options

log = logging.getLogger(__name__)


def create_app(config_overrides: dict | None = None) -> Flask:
    """Build one Flask app with its own AppBuilder, views and CLI."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        static_folder="static",
        template_folder="templates",
    )
    try:
        app.config.update(build_config(config_overrides))
    except ConfigError as exc:
        # A clear one-line message instead of a traceback; a non-zero exit for the deploy.
        print(f"Casusregie: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    tune_engine_options(app.config)
    from casusregie.app.passwords import password_complexity

    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", password_complexity)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(BASE_DIR / "translations"))
    from casusregie.app.plugin_manager import (
        PluginError,
        init_plugins,
        install_cli,
        register_plugin_views,
    )

    try:
        init_plugins(app)
    except PluginError as exc:
        print(f"Casusregie: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    INSTANCE_DIR.mkdir(exist_ok=True)

    db.init_app(app)
    from casusregie.app.database import install_engine_settings

    # SQLite in write-ahead-log mode on every connection (app/database.py).
    install_engine_settings(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), compare_type=True)
    # Flask-AppBuilder never registers CSRF protection itself; it must exist before it.
    csrf.init_app(app)
    from casusregie.app.access import install_access_guard

    install_access_guard(app)
    from casusregie.app.tasks import install as install_tasks

    install_tasks(app)
    from casusregie.app.management.figures import install as install_figures

    install_figures(app)
    from casusregie.app.auth import init_auth

    init_auth(app)
    from casusregie.app.audit import init_audit

    init_audit(app)
    from casusregie.app.access.guard import guard_actor
    from casusregie.app.models import tracking

    # Authorship from the session; runs before the guard's flush check.
    tracking.install(db.session, guard_actor)
    from casusregie.app import casework, services

    # Case content is written through the service layer only (app/services.py).
    services.install(db.session)
    casework.register()

    from casusregie.app.i18n import configure_i18n, init_i18n
    from casusregie.app.security import CasusSecurityManager
    from casusregie.app.views import HomeView, register_views

    configure_i18n(app)
    init_i18n(app)
    with app.app_context():
        appbuilder = AppBuilder(
            security_manager_class=CasusSecurityManager,
            indexview=HomeView,
            base_template="casus_base.html",
        )
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)
        register_plugin_views(appbuilder)

    from casusregie.app.cli import casus_cli
    from casusregie.app.web import install_web_hardening

    install_cli(casus_cli)
    from casusregie.app.audit.cli import audit_verify_command, audit_verify_pdf_command

    if "audit-verify" not in casus_cli.commands:
        casus_cli.add_command(audit_verify_command)
        casus_cli.add_command(audit_verify_pdf_command)
    app.cli.add_command(casus_cli)
    install_web_hardening(app)
    return app
