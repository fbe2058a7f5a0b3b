"""Building blocks for plugin screens: the screen of an intervention kind and the filter
for rows that belong to an intervention.

Offered to plugin authors through ``app.plugins`` (the toolkit); the core never uses them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _

from casusregie.app.access import Actor, can_see_field, current_actor
from casusregie.app.extensions import db
from casusregie.app.hookspecs import InterventionKind
from casusregie.app.models.intervention import Intervention
from casusregie.app.models.organisation import Organisation
from casusregie.app.plugin_manager import plugins_of
from casusregie.app.views.base import CasusModelView, goal_select
from casusregie.app.views.casework import LABELS as CORE_LABELS

#: The words for the core intervention fields, for a plugin's ``label_columns``:
#: ``LABELS = {**INTERVENTION_LABELS, "mentor": _l("Mentor")}``.
INTERVENTION_LABELS: dict[str, Any] = {
    name: CORE_LABELS[name]
    for name in ("case", "type", "organisation", "goal", "status", "start_date", "end_date",
                 "outcome")
}


class VisibleInterventionFilter(BaseFilter):
    """Rows whose intervention the user may see (the guard applies to the subquery)."""

    name = "Visible intervention"
    arg_name = "vi"

    def apply(self, query, value):
        column = getattr(self.model, self.column_name)
        return query.filter(column.in_(sa.select(Intervention.id)))


def intervention_child_filter(column: str) -> list[list[Any]]:
    """``base_filters`` for a model that belongs to an intervention through ``column``."""
    return [[column, VisibleInterventionFilter, None]]



class InterventionKindView(CasusModelView):
    """The screen of a plugin intervention kind.

    Restricts the type dropdown to the kind's catalogue entries, records the
    registering user's organisation, refuses organisations the kind does not allow, and
    hides fields the access policy or a plugin field rule keeps from the user.
    """

    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    base_order = ("start_date", "desc")

    def __init__(self, **kwargs: Any) -> None:
        kind = self.datamodel.obj.__mapper__.polymorphic_identity
        self.add_form_query_rel_fields = {"type": [["kind", FilterEqual, kind]]}
        self.edit_form_query_rel_fields = {"type": [["kind", FilterEqual, kind]]}
        # The goal picker offers the chosen case's goals only, never the city's.
        for columns, extra in (("add_columns", "add_form_extra_fields"),
                               ("edit_columns", "edit_form_extra_fields")):
            if "goal" in (getattr(self, columns, None) or ()):
                fields = dict(getattr(self, extra, None) or {})
                fields.setdefault("goal", goal_select(CORE_LABELS["goal"]))
                setattr(self, extra, fields)
        super().__init__(**kwargs)

    @property
    def intervention_kind(self) -> InterventionKind:
        kind = plugins_of().kind(self.datamodel.obj.__mapper__.polymorphic_identity)
        if kind is None:  # the view is only registered when its plugin is enabled
            abort(404)
        return kind

    def may_register(self, actor: Actor | None) -> bool:
        allowed = self.intervention_kind.organisation_kinds
        if actor is None or actor.organisation_id is None:
            return False
        if not allowed:
            return True
        org = db.session.get(Organisation, actor.organisation_id)
        return org is not None and org.kind in allowed

    # Not ``@has_access`` on this method: Flask-AppBuilder's would refuse with its generic
    # "access denied" (see ``refuses``); the user reads why, and ``super().add`` still
    # checks the roles.
    @expose("/add", methods=["GET", "POST"])
    @permission_name("add")
    def add(self):
        actor = current_actor()
        if actor is not None and actor.user_id is not None and not self.may_register(actor):
            flash(_("Your organisation cannot register a %(kind)s.",
                    kind=str(self.intervention_kind.label)), "danger")
            return redirect(url_for(f"{self.endpoint}.list"))
        return super().add()

    def refuses(self, permission_name: str) -> bool:
        """Whether the user's organisation cannot use a permission their roles grant: only
        organisations of the kind's organisation kinds register it (no add button, no add
        page for the others)."""
        return permission_name == "can_add" and not self.may_register(current_actor())

    def shown_in_menu(self) -> bool:
        """The menu entry, for users who register this kind or oversee cases: a partner of
        another kind would only ever find an empty list."""
        actor = current_actor()
        return self.may_register(actor) or bool(actor and (actor.is_core or actor.directs))

    def pre_add(self, item: Any) -> None:
        super().pre_add(item)
        actor = current_actor()
        if not self.may_register(actor):
            raise ValueError(_("Your organisation cannot register a %(kind)s.",
                               kind=str(self.intervention_kind.label)))
        item.organisation_id = actor.organisation_id

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        if not all(can_see_field(item, c) for c in self.edit_columns):
            flash(_("You may not change this intervention."), "danger")
            return redirect(url_for(f"{self.endpoint}.list"))
        return super().edit(pk)

    def _shown_columns(self, item: Any) -> list[str]:
        return [c for c in self.show_columns if can_see_field(item, c)]

    def _edit_url(self, pk: Any, item: Any) -> str | None:
        if not all(can_see_field(item, c) for c in self.edit_columns):
            return None
        return super()._edit_url(pk, item)
