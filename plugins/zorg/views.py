"""The care trajectory screen."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired

from casusregie.app.labels import ENUM_LABELS
from casusregie.app.plugins import (
    INTERVENTION_LABELS,
    DateNotInFuture,
    InterventionKindView,
    RequiredWhen,
)
from casusregie.app.views.base import remote_select
from casusregie.plugins.zorg.models import CareTrajectory, TreatmentKind

LABELS = {
    **INTERVENTION_LABELS,
    "treatment": _l("Kind of treatment"),
    "care_provider": _l("Care provider"),
    "frequency": _l("Frequency"),
    "consent": _l("Consent of the subject"),
    "consent_date": _l("Date of consent"),
}


TREATMENT_LABELS = {
    TreatmentKind.outpatient: _l("Outpatient treatment"),
    TreatmentKind.inpatient: _l("Clinical admission"),
    TreatmentKind.fact_team: _l("FACT team"),
    TreatmentKind.forensic: _l("Forensic care"),
    TreatmentKind.addiction: _l("Addiction care"),
    TreatmentKind.other: _l("Other care"),
}
# Screens, filters and forms show these words (CasusModelView reads ENUM_LABELS).
ENUM_LABELS.setdefault(TreatmentKind, TREATMENT_LABELS)


class CareTrajectoryModelView(InterventionKindView):
    datamodel = SQLAInterface(CareTrajectory)
    list_title = _l("Care trajectories")
    show_title = _l("Care trajectory")
    add_title = _l("Register care trajectory")
    edit_title = _l("Edit care trajectory")
    label_columns = LABELS
    # Health fields stay out of the list and the search: one row shows them at most.
    list_columns = ["case", "type", "organisation", "status", "consent", "start_date"]
    search_columns = ["status", "start_date"]
    show_columns = ["case", "type", "organisation", "goal", "status", "start_date", "end_date",
                    "treatment", "care_provider", "frequency", "consent", "consent_date",
                    "outcome"]
    add_columns = ["case", "type", "goal", "status", "start_date", "end_date", "treatment",
                   "care_provider", "frequency", "consent", "consent_date"]
    # Cases are searched by number (app.views.lookup), not listed in the form.
    add_form_extra_fields = {"case": remote_select(_l("Case"), "case", required=True)}
    edit_columns = ["status", "start_date", "end_date", "treatment", "care_provider",
                    "frequency", "consent", "consent_date", "outcome"]
    validators_columns = {
        "treatment": [DataRequired()],
        "care_provider": [DataRequired()],
        "consent_date": [
            RequiredWhen("consent", _l("Give the date on which the subject consented.")),
            DateNotInFuture(_l("The date of consent cannot lie in the future.")),
        ],
    }
