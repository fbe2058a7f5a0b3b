"""Search-as-you-type for related-field selects: ``GET /lookup/<name>``.

A select over a table that grows (case directors, organisations, cases) is rendered
with only its chosen option (``app.views.base.remote_select``); the browser
(``app/static/casus_lookup.js``, Select2) asks this endpoint for the rows matching what
the user types:

- ``?q=<term>&page=N`` → ``{"results": [{"id": .., "text": ..}], "pagination":
  {"more": bool}}``, at most ``PAGE_SIZE`` rows per page;
- ``?id=<pk>`` → the one row, to show the label of a value set beforehand (an active
  search filter), or 404 when the form would not have offered it.

Each lookup runs the same bounded query as the form's field (which also validates a
posted value against it), narrowed by the search term, so the endpoint returns exactly
what the form offers. Rows pass the ORM guard like any other read. Only signed-in users
with a permission on a view whose form uses the lookup may ask (``lookup_users``).
"""

from __future__ import annotations

from flask import abort, jsonify, redirect, request
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.core import UnboundField

from casusregie.app.lookups import LOOKUPS, MAX_PAGE, MAX_TERM, PAGE_SIZE
from casusregie.app.views.base import RemoteSelectField

#: Which permission opens which form of a model view.
_FORM_PERMISSIONS = (("search_form", "can_list"), ("add_form", "can_add"),
                     ("edit_form", "can_edit"))


def lookup_users(appbuilder: AppBuilder) -> dict[str, frozenset[tuple[str, str]]]:
    """Per lookup, the (permission, view) pairs of the forms that use it.

    Taken from the registered views' forms, so a view (or a plugin's view) that starts
    using a lookup admits its users without a list kept by hand here.
    """
    found = getattr(appbuilder, "_casus_lookup_users", None)
    if found is not None:
        return found
    users: dict[str, set[tuple[str, str]]] = {}
    for view in appbuilder.baseviews:
        for attr, permission in _FORM_PERMISSIONS:
            form = getattr(view, attr, None)
            if form is None:
                continue
            for name in dir(form):
                field = getattr(form, name, None)
                if (isinstance(field, UnboundField)
                        and issubclass(field.field_class, RemoteSelectField)):
                    users.setdefault(field.kwargs["lookup_name"], set()).add(
                        (permission, view.class_permission_name))
    found = {name: frozenset(pairs) for name, pairs in users.items()}
    appbuilder._casus_lookup_users = found
    return found


class LookupView(BaseView):
    """Answers the searchable selects (Select2's ajax protocol)."""

    route_base = "/lookup"
    default_view = "lookup"

    @expose("/<name>", methods=["GET"])
    def lookup(self, name: str):
        if not current_user.is_authenticated:
            if request.accept_mimetypes.best == "application/json" or request.headers.get(
                    "X-Requested-With") == "XMLHttpRequest":
                return jsonify(error=_("Please sign in.")), 401
            return redirect(self.appbuilder.get_url_for_login)
        spec = LOOKUPS.get(name)
        if spec is None:
            abort(404)
        has_access = self.appbuilder.sm.has_access
        if not any(has_access(perm, view)
                   for perm, view in lookup_users(self.appbuilder).get(name, ())):
            return jsonify(error=_("You have no access to this list.")), 403
        if "id" in request.args:
            row = spec.row(request.args["id"])
            if row is None:
                abort(404)
            return jsonify(results=[spec.option(row)], pagination={"more": False})
        try:
            page = int(request.args.get("page") or 1)
        except ValueError:
            page = 0
        if not 1 <= page <= MAX_PAGE:
            return jsonify(error=_("The page must be a number from 1 to %(last)d.",
                                   last=MAX_PAGE)), 400
        term = (request.args.get("q") or "").strip()[:MAX_TERM]
        rows = (spec.search(term).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1).all())
        return jsonify(results=[spec.option(row) for row in rows[:PAGE_SIZE]],
                       pagination={"more": len(rows) > PAGE_SIZE})


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view_no_menu(LookupView)
