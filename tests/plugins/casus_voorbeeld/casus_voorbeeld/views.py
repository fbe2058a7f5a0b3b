"""The buddy trajectory screen."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms.validators import NumberRange

from casus_voorbeeld.models import BuddyTrajectory
from casusregie.app.plugins import InterventionKindView


class BuddyTrajectoryModelView(InterventionKindView):
    datamodel = SQLAInterface(BuddyTrajectory)
    show_template = "voorbeeld/show.html"
    list_title = _l("Buddy trajectories")
    show_title = _l("Buddy trajectory")
    add_title = _l("Register buddy trajectory")
    edit_title = _l("Edit buddy trajectory")
    label_columns = {
        "case": _l("Case"), "type": _l("Intervention type"), "status": _l("Status"),
        "organisation": _l("Organisation"), "start_date": _l("Start date"),
        "buddy_name": _l("Buddy"), "contacts_per_month": _l("Contacts per month"),
    }
    list_columns = ["case", "organisation", "buddy_name", "contacts_per_month", "status"]
    show_columns = ["case", "type", "organisation", "buddy_name", "contacts_per_month",
                    "status", "start_date"]
    add_columns = ["case", "type", "buddy_name", "contacts_per_month", "status", "start_date"]
    edit_columns = ["buddy_name", "contacts_per_month", "status", "start_date"]
    search_columns = ["buddy_name", "status"]
    validators_columns = {
        "contacts_per_month": [NumberRange(min=1, max=31, message=_l(
            "Give a number of contacts between 1 and 31."))],
    }
