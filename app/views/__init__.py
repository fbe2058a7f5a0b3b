"""Flask-AppBuilder views, grouped by area. They hold no access logic of their own."""

from __future__ import annotations

from flask import g, url_for
from flask_appbuilder import AppBuilder, IndexView, expose
from flask_babel import lazy_gettext as _l

#: What the start page offers users who have no case list of their own to work from.
SHORTCUTS = (
    ("CaseModelView", _l("Cases")),
    ("SignalModelView", _l("Signals")),
    ("InterventionModelView", _l("Interventions")),
    ("SubjectModelView", _l("Subjects")),
    ("CaseConferenceModelView", _l("Case conferences")),
)


class HomeView(IndexView):
    """Start page: my cases, reviews due and the next case conferences."""

    index_template = "casus_index.html"

    @expose("/")
    def index(self):
        from app.views.home import load_start_page

        user = getattr(g, "user", None)
        page = (load_start_page(user) if user is not None and user.is_authenticated
                else None)
        shortcuts: list[tuple[object, str]] = []
        if page is not None:
            has_access = self.appbuilder.sm.has_access
            page.can_open_conferences = has_access("can_show", "CaseConferenceModelView")
            shortcuts = [(label, url_for(f"{view}.list")) for view, label in SHORTCUTS
                         if has_access("can_list", view)]
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    start=page, shortcuts=shortcuts)


def register_views(appbuilder: AppBuilder) -> None:
    from app import api
    from app.views import access_admin, admin, casework, conferences, lookup, reports, workflow

    casework.register(appbuilder)
    workflow.register(appbuilder)
    conferences.register(appbuilder)
    reports.register(appbuilder)
    admin.register(appbuilder)
    access_admin.register(appbuilder)
    lookup.register(appbuilder)
    api.register(appbuilder)
    from app.auth import views as auth_views

    auth_views.register(appbuilder)
