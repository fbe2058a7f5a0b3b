"""Views for the case process: signals, cases, subjects, conferences, interventions."""

from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.models import (
    Case,
    Intervention,
    Signal,
    Subject,
)
from app.views.base import CasusModelView

CATEGORY = "Casuswerk"

LABELS = {
    "number": _l("Case number"),
    "phase": _l("Phase"),
    "risk_group": _l("Risk group"),
    "lead_organisation": _l("Lead organisation"),
    "case_director": _l("Case director"),
    "review_date": _l("Review date"),
    "summary": _l("Summary"),
    "subject_names": _l("Subjects"),
    "opened_at": _l("Opened"),
    "closed_at": _l("Closed"),
    "close_reason": _l("Reason for closure"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "date_of_birth": _l("Date of birth"),
    "municipality": _l("Municipality"),
    "kind": _l("Kind"),
    "received_at": _l("Received"),
    "reporter_kind": _l("Reported by"),
    "concern": _l("Concern"),
    "phenomenon": _l("Phenomenon"),
    "status": _l("Status"),
    "subject": _l("Subject"),
    "case": _l("Case"),
    "held_on": _l("Date and time"),
    "location": _l("Location"),
    "chair": _l("Chair"),
    "type": _l("Intervention type"),
    "organisation": _l("Organisation"),
    "goal": _l("Goal"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "outcome": _l("Outcome"),
}


class CaseModelView(CasusModelView):
    datamodel = SQLAInterface(Case)
    list_title = _l("Cases")
    show_title = _l("Case")
    add_title = _l("New case")
    edit_title = _l("Edit case")
    label_columns = LABELS
    list_columns = ["number", "subject_names", "phase", "risk_group", "case_director",
                    "review_date"]
    show_columns = ["number", "subject_names", "phase", "risk_group", "lead_organisation",
                    "case_director", "review_date", "summary", "opened_at", "closed_at",
                    "close_reason"]
    edit_columns = ["risk_group", "lead_organisation", "case_director", "review_date",
                    "summary"]
    search_columns = ["number", "phase", "risk_group", "review_date"]
    order_columns = ["number", "phase", "review_date"]
    base_order = ("number", "desc")
    base_permissions = ["can_list", "can_show", "can_edit"]


class SignalModelView(CasusModelView):
    datamodel = SQLAInterface(Signal)
    list_title = _l("Signals")
    show_title = _l("Signal")
    add_title = _l("Register signal")
    edit_title = _l("Edit signal")
    label_columns = LABELS
    list_columns = ["received_at", "reporter_kind", "phenomenon", "status", "case"]
    add_columns = edit_columns = ["received_at", "reporter_kind", "reporter_name", "anonymous",
                                  "phenomenon", "concern"]
    show_columns = ["received_at", "reporter_kind", "reporter_name", "anonymous", "phenomenon",
                    "concern", "status", "case"]
    search_columns = ["received_at", "phenomenon", "status"]
    base_order = ("received_at", "desc")


class SubjectModelView(CasusModelView):
    datamodel = SQLAInterface(Subject)
    list_title = _l("Subjects")
    show_title = _l("Subject")
    add_title = _l("Add subject")
    edit_title = _l("Edit subject")
    label_columns = {**LABELS, "bsn": _l("BSN")}
    list_columns = ["first_name", "last_name", "kind", "date_of_birth", "municipality"]
    add_columns = edit_columns = ["kind", "first_name", "last_name", "date_of_birth", "bsn",
                                  "municipality"]
    show_columns = ["kind", "first_name", "last_name", "date_of_birth", "bsn", "municipality"]
    search_columns = ["first_name", "last_name", "date_of_birth", "municipality"]
    base_order = ("last_name", "asc")


class InterventionModelView(CasusModelView):
    datamodel = SQLAInterface(Intervention)
    list_title = _l("Interventions")
    show_title = _l("Intervention")
    add_title = _l("Register intervention")
    edit_title = _l("Edit intervention")
    label_columns = LABELS
    list_columns = ["case", "type", "organisation", "status", "start_date", "end_date"]
    show_columns = ["case", "type", "organisation", "goal", "status", "start_date", "end_date",
                    "outcome"]
    edit_columns = ["status", "start_date", "end_date", "outcome"]
    search_columns = ["status", "start_date"]
    base_order = ("start_date", "desc")
    base_permissions = ["can_list", "can_show", "can_edit"]


def register(appbuilder: AppBuilder) -> None:
    cat = dict(category=CATEGORY, category_label=_l("Case work"))
    appbuilder.add_view(CaseModelView, "Cases", label=_l("Cases"), **cat)
    appbuilder.add_view(SignalModelView, "Signals", label=_l("Signals"), **cat)
    appbuilder.add_view(SubjectModelView, "Subjects", label=_l("Subjects"), **cat)
    appbuilder.add_view(InterventionModelView, "Interventions", label=_l("Interventions"),
                        **cat)
