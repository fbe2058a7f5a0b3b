"""Flask-AppBuilder views, grouped by area. They hold no access logic of their own."""

from __future__ import annotations

from flask import g
from flask_appbuilder import AppBuilder, IndexView, expose


class HomeView(IndexView):
    """Start page: my cases, reviews due and the next case conferences."""

    index_template = "casus_index.html"

    @expose("/")
    def index(self):
        from app.views.home import load_start_page

        user = getattr(g, "user", None)
        page = (load_start_page(user) if user is not None and user.is_authenticated
                else None)
        if page is not None:
            page.can_open_conferences = self.appbuilder.sm.has_access(
                "can_show", "CaseConferenceModelView")
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    start=page)


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
