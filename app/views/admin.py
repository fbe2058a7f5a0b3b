"""Views for functional administrators: organisations, risk groups, catalogue."""

from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, Optional

from casusregie.app.models import InterventionType, Organisation, RiskGroup
from casusregie.app.views.base import CasusModelView


def english_name_field() -> StringField:
    """The English name is optional: without one, English readers see the Dutch name."""
    return StringField(_l("Name (English)"), widget=BS3TextFieldWidget(),
                       validators=[Optional(), Length(max=150)],
                       filters=[lambda value: (value or "").strip()])

CATEGORY = "Beheer"


class OrganisationModelView(CasusModelView):
    datamodel = SQLAInterface(Organisation)
    list_title = _l("Organisations")
    show_title = _l("Organisation")
    add_title = _l("Add organisation")
    edit_title = _l("Edit organisation")
    list_columns = ["name", "tier", "kind", "active"]
    add_columns = edit_columns = show_columns = ["name", "tier", "kind", "active"]
    search_columns = ["name", "tier", "kind", "active"]
    order_columns = ["name", "tier"]
    base_order = ("name", "asc")
    label_columns = {"name": _l("Name"), "tier": _l("Tier"), "kind": _l("Kind"),
                     "active": _l("Active")}


class RiskGroupModelView(CasusModelView):
    datamodel = SQLAInterface(RiskGroup)
    list_title = _l("Risk groups")
    show_title = _l("Risk group")
    edit_title = _l("Edit risk group")
    # Lists and show pages in the reader's language; the form edits both names.
    list_columns = show_columns = ["number", "display_name"]
    edit_columns = ["number", "name", "name_en"]
    base_permissions = ["can_list", "can_show", "can_edit"]
    base_order = ("number", "asc")
    edit_form_extra_fields = {"name_en": english_name_field()}
    label_columns = {"number": _l("Number"), "name": _l("Name (Dutch)"),
                     "name_en": _l("Name (English)"), "display_name": _l("Name")}


class InterventionTypeModelView(CasusModelView):
    datamodel = SQLAInterface(InterventionType)
    list_title = _l("Intervention catalogue")
    show_title = _l("Intervention type")
    add_title = _l("Add intervention type")
    edit_title = _l("Edit intervention type")
    # Lists and show pages in the reader's language; the form edits both names.
    list_columns = ["display_name", "domain", "organisation", "active"]
    show_columns = ["display_name", "domain", "organisation", "active", "description"]
    add_columns = edit_columns = [
        "name", "name_en", "domain", "organisation", "active", "description"]
    add_form_extra_fields = edit_form_extra_fields = {"name_en": english_name_field()}
    search_columns = ["name", "domain", "organisation", "active"]
    order_columns = ["name", "domain"]
    base_order = ("name", "asc")
    label_columns = {"name": _l("Name (Dutch)"), "name_en": _l("Name (English)"),
                     "display_name": _l("Name"), "domain": _l("Domain"),
                     "organisation": _l("Delivering organisation"), "active": _l("Active"),
                     "description": _l("Description")}


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(OrganisationModelView, "Organisations", label=_l("Organisations"),
                        category=CATEGORY, category_label=_l("Administration"))
    appbuilder.add_view(RiskGroupModelView, "Risk groups", label=_l("Risk groups"),
                        category=CATEGORY)
    appbuilder.add_view(InterventionTypeModelView, "Intervention catalogue",
                        label=_l("Intervention catalogue"), category=CATEGORY)
