"""Flask-AppBuilder views, grouped by area. They hold no access logic of their own."""

from __future__ import annotations

from flask_appbuilder import AppBuilder, IndexView


class HomeView(IndexView):
    index_template = "casus_index.html"


def register_views(appbuilder: AppBuilder) -> None:
    from app.views import admin, casework

    casework.register(appbuilder)
    admin.register(appbuilder)
