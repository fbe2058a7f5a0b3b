"""The administrative measure screen."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from casusregie.app.labels import ENUM_LABELS
from casusregie.app.plugins import (
    INTERVENTION_LABELS,
    DateNotBefore,
    DateNotInFuture,
    InterventionKindView,
)
from casusregie.app.views.base import remote_select
from casusregie.plugins.bestuurlijk.models import AdministrativeMeasure, AppealStatus, Measure

LABELS = {
    **INTERVENTION_LABELS,
    "measure": _l("Measure"),
    "legal_basis": _l("Legal basis"),
    "decree_date": _l("Date of decree"),
    "decree_reference": _l("Decree reference"),
    "valid_until": _l("Valid until"),
    "appeal_status": _l("Objection and appeal"),
}

MEASURE_LABELS = {
    Measure.reporting_duty: _l("Reporting duty"),
    Measure.area_ban: _l("Area ban"),
    Measure.contact_ban: _l("Contact ban"),
    Measure.travel_ban: _l("Travel ban"),
    Measure.passport_invalidation: _l("Passport declared invalid"),
}

APPEAL_LABELS = {
    AppealStatus.none: _l("No objection or appeal"),
    AppealStatus.objection_pending: _l("Objection pending"),
    AppealStatus.objection_decided: _l("Objection decided"),
    AppealStatus.appeal_pending: _l("Appeal pending"),
    AppealStatus.appeal_decided: _l("Appeal decided"),
}


# Screens, filters and forms show these words (CasusModelView reads ENUM_LABELS).
ENUM_LABELS.setdefault(Measure, MEASURE_LABELS)
ENUM_LABELS.setdefault(AppealStatus, APPEAL_LABELS)


def measure_label(value: Measure | None) -> str:
    return str(MEASURE_LABELS.get(value, value or ""))


def appeal_label(value: AppealStatus | None) -> str:
    return str(APPEAL_LABELS.get(value, value or ""))


class AdministrativeMeasureModelView(InterventionKindView):
    datamodel = SQLAInterface(AdministrativeMeasure)
    list_title = _l("Administrative measures")
    show_title = _l("Administrative measure")
    add_title = _l("Register administrative measure")
    edit_title = _l("Edit administrative measure")
    label_columns = LABELS
    list_columns = ["case", "measure", "decree_reference", "valid_until", "appeal_status",
                    "status"]
    search_columns = ["measure", "valid_until", "appeal_status", "status"]
    order_columns = ["valid_until", "measure"]
    base_order = ("valid_until", "asc")
    show_columns = ["case", "type", "organisation", "goal", "measure", "legal_basis",
                    "decree_date", "decree_reference", "valid_until", "appeal_status",
                    "status", "start_date", "end_date", "outcome"]
    add_columns = ["case", "type", "goal", "measure", "legal_basis", "decree_date",
                   "decree_reference", "valid_until", "appeal_status", "status", "start_date"]
    # Cases are searched by number (app.views.lookup), not listed in the form.
    add_form_extra_fields = {"case": remote_select(_l("Case"), "case", required=True)}
    edit_columns = ["measure", "legal_basis", "decree_date", "decree_reference", "valid_until",
                    "appeal_status", "status", "start_date", "end_date", "outcome"]
    validators_columns = {
        "decree_date": [DateNotInFuture(_l("The date of the decree cannot lie in the future."))],
        "valid_until": [DateNotBefore("decree_date", _l(
            "A measure cannot end before the date of its decree."))],
    }
