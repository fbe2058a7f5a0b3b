"""Flask-AppBuilder views, grouped by area. They hold no access logic of their own."""

from __future__ import annotations

from flask_appbuilder import AppBuilder, IndexView


class HomeView(IndexView):
    index_template = "casus_index.html"


def register_views(appbuilder: AppBuilder) -> None:
    from app import api
    from app.views import access_admin, admin, casework, conferences, reports, workflow

    casework.register(appbuilder)
    workflow.register(appbuilder)
    conferences.register(appbuilder)
    reports.register(appbuilder)
    admin.register(appbuilder)
    access_admin.register(appbuilder)
    api.register(appbuilder)
