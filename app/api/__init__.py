"""REST APIs (Flask-AppBuilder ModelRestApi), under the same access policy as the screens."""

from __future__ import annotations

from flask_appbuilder import AppBuilder


def register(appbuilder: AppBuilder) -> None:
    """Register the REST APIs."""
