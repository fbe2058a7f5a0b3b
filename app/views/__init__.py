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
        from casusregie.app.views.home import load_start_page

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
                                    start=page, shortcuts=shortcuts,
                                    tasks=_start_tasks(page is not None))


def _start_tasks(logged_in: bool) -> list:
    """The first open tasks of the user for the start page (issue 19)."""
    if not logged_in or not appbuilder_has("can_tasks", "TasksView"):
        return []
    from casusregie.app.views.tasks import my_tasks

    return my_tasks(limit=START_TASKS)


def appbuilder_has(permission: str, view: str) -> bool:
    from flask import current_app

    return current_app.appbuilder.sm.has_access(permission, view)


START_TASKS = 5


def register_views(appbuilder: AppBuilder) -> None:
    from casusregie.app import api
    from casusregie.app.views import (
        access_admin,
        accessibility,
        admin,
        api_keys,
        approvals,
        auth,
        casework,
        conferences,
        exports,
        list_rows,
        lookup,
        management,
        privacy,
        reports,
        retention,
        start_rows,
        tasks,
        workflow,
    )

    list_rows.register(appbuilder)
    start_rows.register(appbuilder)
    casework.register(appbuilder)
    workflow.register(appbuilder)
    conferences.register(appbuilder)
    reports.register(appbuilder)
    management.register(appbuilder)
    exports.register(appbuilder)
    admin.register(appbuilder)
    api_keys.register(appbuilder)
    access_admin.register(appbuilder)
    lookup.register(appbuilder)
    tasks.register(appbuilder)
    accessibility.register(appbuilder)
    auth.register(appbuilder)
    approvals.register(appbuilder)
    privacy.register(appbuilder)
    retention.register(appbuilder)
    api.register(appbuilder)
