"""Case conferences: planning, the agenda, decisions per agenda item."""

from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.models import CaseConference
from app.views.base import CasusModelView
from app.views.casework import CATEGORY, LABELS


class CaseConferenceModelView(CasusModelView):
    datamodel = SQLAInterface(CaseConference)
    list_title = _l("Case conferences")
    show_title = _l("Case conference")
    add_title = _l("Plan case conference")
    edit_title = _l("Edit case conference")
    label_columns = LABELS
    list_columns = ["held_on", "location", "status"]
    add_columns = edit_columns = show_columns = ["held_on", "location", "status", "notes"]
    search_columns = ["held_on", "status"]
    base_order = ("held_on", "desc")


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(CaseConferenceModelView, "Case conferences",
                        label=_l("Case conferences"), category=CATEGORY)
