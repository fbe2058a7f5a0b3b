"""Views for the case process: cases, signals, subjects, plans, interventions, notes.

Conferences live in ``app.views.conferences`` and the transitions in
``app.views.workflow``; both build on the names ``CATEGORY`` and ``LABELS`` below.
Relations to large tables (cases, subjects, users) are never offered as a select of the
whole table: a case is typed by its number or given by the page the form was opened
from, and the other selects run bounded queries.
"""

from __future__ import annotations

from flask import abort, current_app, g, redirect, url_for
from flask_appbuilder import AppBuilder, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms.validators import InputRequired

from casusregie.app.audit import content as audit_content
from casusregie.app.extensions import db
from casusregie.app.labels import enum_label, enum_label_for
from casusregie.app.models import (
    ActionPlan,
    Assessment,
    Case,
    CaseNote,
    CasePhase,
    Decision,
    Goal,
    Intervention,
    InterventionType,
    Organisation,
    RiskGroup,
    Signal,
)
from casusregie.app.validators import MaxLength, NotBefore, NotInFuture
from casusregie.app.views import signal_form
from casusregie.app.views.base import (
    CasusModelView,
    goal_select,
    link_to,
    query_select,
    remote_select,
)
from casusregie.app.views.case_page import (
    all_interventions_requested,
    interventions_page_requested,
    load_case,
    load_case_page,
)
from casusregie.app.views.fields import CaseNumberField, context_id, edited_pk
from casusregie.app.views.intervention_list import InterventionListInterface
from casusregie.app.views.subjects import SubjectModelView, SubjectRelationModelView

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
    "escalation_level": _l("Escalation level"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "full_name": _l("Name"),
    "date_of_birth": _l("Date of birth"),
    "municipality": _l("Municipality"),
    "kind": _l("Kind"),
    "received_at": _l("Received"),
    "reporter_kind": _l("Reported by"),
    "reporter_name": _l("Name of reporter"),
    "anonymous": _l("Anonymous"),
    "concern": _l("Concern"),
    "phenomenon": _l("Phenomenon"),
    "status": _l("Status"),
    "subject": _l("Subject"),
    "related": _l("Related subject"),
    "note": _l("Note"),
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
    "decided_at": _l("Decided at"),
    "decided_by": _l("Decided by"),
    "body": _l("Decision body"),
    "participants": _l("Participants"),
    "reasons": _l("Reasons"),
    "organisations": _l("Participating organisations"),
    "from_phase": _l("From phase"),
    "to_phase": _l("To phase"),
    "assessed_on": _l("Assessed on"),
    "risk_factors": _l("Risk factors"),
    "protective_factors": _l("Protective factors"),
    "life_domains": _l("Life domains"),
    "author": _l("Author"),
    "version_number": _l("Version"),
    "created_at": _l("Created"),
    "current": _l("Current"),
    "description": _l("Description"),
    "action_plan": _l("Action plan"),
    "position": _l("Order"),
    "text": _l("Note"),
}



# --- bounded queries for the selects ------------------------------------------------

def risk_groups() -> list[RiskGroup]:
    return db.session.query(RiskGroup).order_by(RiskGroup.number).all()


def active_intervention_types() -> list[InterventionType]:
    return (db.session.query(InterventionType).filter(InterventionType.active.is_(True))
            .order_by(InterventionType.name).all())


def _case_id_of(model: type, pk: int | None) -> int | None:
    if pk is None:
        return None
    return db.session.query(model.case_id).filter(model.id == pk).scalar()


def action_plans_for_context() -> list[ActionPlan]:
    plan_id = context_id("action_plan")
    if plan_id is None and (pk := edited_pk()) is not None:
        plan_id = db.session.query(Goal.action_plan_id).filter(Goal.id == pk).scalar()
    if plan_id is None:
        return []
    return db.session.query(ActionPlan).filter(ActionPlan.id == plan_id).all()


def case_number_field() -> CaseNumberField:
    return CaseNumberField(_l("Case"), description=_l("Case number, e.g. CR-2026-0042"))


class CaseChildView(CasusModelView):
    """A view of rows that belong to one case; forms opened from the case page know it."""

    label_columns = LABELS

    def post_add_redirect(self):
        return self._back_to_case()

    def post_edit_redirect(self):
        return self._back_to_case()

    def _back_to_case(self):
        case_id = context_id("case")
        if case_id is None and (pk := edited_pk()) is not None:
            case_id = _case_id_of(self.datamodel.obj, pk)
        if case_id is not None:
            return redirect(url_for("CaseModelView.show", pk=case_id))
        return redirect(self.get_redirect())


#: The links on the case page, each shown only to users with the permission behind it.
CASE_PAGE_LINKS = (
    ("edit", "CaseModelView"), ("add", "AssessmentModelView"), ("edit", "AssessmentModelView"),
    ("add", "ActionPlanModelView"), ("add", "GoalModelView"), ("edit", "GoalModelView"),
    ("add", "InterventionModelView"), ("edit", "InterventionModelView"),
    ("add", "CaseNoteModelView"), ("show", "CaseConferenceModelView"),
    ("dossier", "DossierPrintView"), ("list", "CaseAdmissionModelView"),
    ("add", "CaseAdmissionModelView"), ("end", "CaseAdmissionModelView"),
)


# --- cases --------------------------------------------------------------------------

class CaseModelView(CasusModelView):
    datamodel = SQLAInterface(Case)
    list_title = _l("Cases")
    show_title = _l("Case")
    add_title = _l("New case")
    edit_title = _l("Edit case")
    label_columns = LABELS
    list_template = "exports/list.html"  # an export button with the list's filters
    list_columns = ["number", "subject_names", "phase", "risk_group", "lead_organisation",
                    "case_director", "review_date"]
    show_columns = ["number", "subject_names", "phase", "risk_group", "lead_organisation",
                    "case_director", "review_date", "summary", "opened_at", "closed_at",
                    "close_reason"]
    # The director is appointed by a recorded decision (CaseWorkflowView.director).
    edit_columns = ["risk_group", "lead_organisation", "review_date", "summary"]
    search_columns = ["number", "phase", "risk_group", "case_director", "lead_organisation",
                      "review_date"]
    order_columns = ["number", "phase", "review_date"]
    base_order = ("number", "desc")
    base_permissions = ["can_list", "can_show", "can_edit"]
    show_template = "casus/case_show.html"
    formatters_columns = {
        # The five groups are known by their number; the full name is on the case page.
        "risk_group": lambda group: group.number if group else "—",
        "number": link_to("CaseModelView.by_number", "number"),
        "phase": lambda raw: Markup('<span class="casus-phase casus-phase-{}">{}</span>').format(
            raw, enum_label_for(CasePhase, raw)),
    }
    method_permission_name = {"by_number": "show"}
    validators_columns = {"summary": [MaxLength(10000)]}

    edit_form_extra_fields = {
        "risk_group": query_select(_l("Risk group"), risk_groups, required=True),
        "lead_organisation": remote_select(_l("Lead organisation"), "organisation",
                                           required=True),
    }
    search_form_extra_fields = {
        "risk_group": query_select(_l("Risk group"), risk_groups),
        "lead_organisation": remote_select(_l("Lead organisation"), "organisation"),
        "case_director": remote_select(_l("Case director"), "case_director"),
    }

    @expose("/number/<number>", methods=["GET"])
    @has_access
    def by_number(self, number: str):
        """The case page by case number, so that lists can link the number itself."""
        case_id = db.session.query(Case.id).filter(Case.number == number).scalar()
        if case_id is None:
            abort(404)
        return redirect(url_for("CaseModelView.show", pk=case_id))

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk: str):
        # The access policy narrows ``show_columns`` to the fields this user may see.
        apply_field_policy = getattr(self, "_apply_field_policy", None)
        if apply_field_policy is not None:
            apply_field_policy()
        case = load_case(pk, self.datamodel, self._base_filters)
        if case is None:
            abort(404)
        self.update_redirect()
        has_access = self.appbuilder.sm.has_access
        can = {f"{perm}:{view}": has_access(f"can_{perm}", view) for perm, view in CASE_PAGE_LINKS}
        page = load_case_page(case, g.user,
                              can_edit_interventions=can["edit:InterventionModelView"],
                              all_interventions=all_interventions_requested(),
                              interventions_page=interventions_page_requested(),
                              with_admissions=can["list:CaseAdmissionModelView"])
        audit_content.read(case)
        return self.render_template(self.show_template, pk=case.id, title=case.number,
                                    page=page, case=case, visible=set(self.show_columns),
                                    can=can)


# --- signals ------------------------------------------------------------------------

class SignalModelView(signal_form.SignalRegistrationMixin, CasusModelView):
    """Signals; a new one is registered through the services (app/views/signal_form.py)."""

    datamodel = SQLAInterface(Signal)
    list_title = _l("Signals")
    show_title = _l("Signal")
    add_title = _l("Register signal")
    edit_title = _l("Edit signal")
    label_columns = LABELS
    list_columns = ["received_at", "reporter_kind", "phenomenon", "status", "case"]
    add_columns = signal_form.ADD_COLUMNS
    edit_columns = signal_form.EDIT_COLUMNS
    show_columns = ["received_at", "reporter_kind", "reporter_name", "anonymous", "phenomenon",
                    "concern", "subject", "status", "case"]
    search_columns = ["received_at", "reporter_kind", "phenomenon", "status"]
    base_order = ("received_at", "desc")
    validators_columns = {"received_at": [NotInFuture()],
                          "concern": [MaxLength(10000)]}



# --- decisions (recorded by the workflow; read-only here) ---------------------------

class DecisionModelView(CaseChildView):
    datamodel = SQLAInterface(Decision)
    list_title = _l("Decisions")
    show_title = _l("Decision")
    list_columns = ["case", "decided_at", "kind", "body", "decided_by"]
    formatters_columns = {"from_phase": lambda raw: enum_label_for(CasePhase, raw) or "—",
                          "to_phase": lambda raw: enum_label_for(CasePhase, raw) or "—"}
    show_columns = ["case", "decided_at", "kind", "body", "decided_by", "participants",
                    "organisations", "reasons", "from_phase", "to_phase"]
    search_columns = ["kind", "body", "decided_at"]
    base_order = ("decided_at", "desc")
    base_permissions = ["can_list", "can_show"]


# --- assessment, action plan, goals -------------------------------------------------

class AssessmentModelView(CaseChildView):
    datamodel = SQLAInterface(Assessment)
    list_title = _l("Assessments")
    show_title = _l("Assessment")
    add_title = _l("New assessment")
    edit_title = _l("Edit assessment")
    list_columns = ["case", "assessed_on", "author"]
    add_columns = edit_columns = ["case", "assessed_on", "risk_factors", "protective_factors",
                                  "life_domains"]
    show_columns = ["case", "assessed_on", "author", "risk_factors", "protective_factors",
                    "life_domains"]
    search_columns = ["assessed_on"]
    base_order = ("assessed_on", "desc")
    add_form_extra_fields = edit_form_extra_fields = {"case": case_number_field()}
    validators_columns = {"assessed_on": [NotInFuture()]}


class ActionPlanModelView(CaseChildView):
    datamodel = SQLAInterface(ActionPlan)
    list_title = _l("Action plans")
    show_title = _l("Action plan")
    add_title = _l("New version of the action plan")
    edit_title = _l("Edit action plan")
    list_columns = ["case", "version_number", "created_at", "current"]
    add_columns = ["case", "description"]
    edit_columns = ["description"]
    show_columns = ["case", "version_number", "created_at", "current", "description"]
    search_columns = ["current"]
    base_order = ("created_at", "desc")
    add_form_extra_fields = {"case": case_number_field()}


class GoalModelView(CasusModelView):
    datamodel = SQLAInterface(Goal)
    list_title = _l("Goals")
    show_title = _l("Goal")
    add_title = _l("Add goal")
    edit_title = _l("Edit goal")
    label_columns = LABELS
    list_columns = ["action_plan", "position", "description", "organisation", "status"]
    add_columns = edit_columns = ["action_plan", "description", "organisation", "status",
                                  "position"]
    show_columns = ["action_plan", "position", "description", "organisation", "status"]
    search_columns = ["status"]
    # 0 is a valid position, so "given" rather than "truthy".
    validators_columns = {"position": [InputRequired()]}
    add_form_extra_fields = edit_form_extra_fields = {
        "action_plan": query_select(_l("Action plan"), action_plans_for_context,
                                    required=True),
        "organisation": remote_select(_l("Organisation"), "organisation"),
    }

    def _case_page(self, plan_id: int | None):
        if plan_id is not None:
            case_id = (db.session.query(ActionPlan.case_id)
                       .filter(ActionPlan.id == plan_id).scalar())
            if case_id is not None:
                return redirect(url_for("CaseModelView.show", pk=case_id))
        return redirect(self.get_redirect())

    def post_add_redirect(self):
        return self._case_page(context_id("action_plan"))

    def post_edit_redirect(self):
        pk = edited_pk()
        plan_id = (db.session.query(Goal.action_plan_id).filter(Goal.id == pk).scalar()
                   if pk is not None else None)
        return self._case_page(plan_id)


# --- interventions ------------------------------------------------------------------

class OwnOrganisationUnlessOnBehalf:
    """The delivering organisation is the user's own, unless they may register on behalf
    of partners (coordinators, and the director of the case), as the REST API decides.

    The flush stamps and checks it again (``app.models.tracking``, the access guard);
    here the user gets the reason next to the field, with their input kept.
    """

    def __call__(self, form, field) -> None:
        from wtforms import ValidationError

        from casusregie.app.access import current_actor
        from casusregie.app.api.casework import acts_for_other_organisations

        actor = current_actor()
        chosen = field.data
        if actor is None or chosen is None or chosen.id == actor.organisation_id:
            return
        case = form["case"].data if "case" in form else None
        if isinstance(case, Case) and acts_for_other_organisations(actor, case):
            return
        raise ValidationError(str(_l("You can only register interventions for your own "
                                     "organisation.")))


def own_organisation() -> Organisation | None:
    """The logged-in user's organisation: what the intervention form starts with."""
    organisation_id = getattr(getattr(g, "user", None), "organisation_id", None)
    return db.session.get(Organisation, organisation_id) if organisation_id else None


class InterventionModelView(CaseChildView):
    datamodel = InterventionListInterface(Intervention)
    list_title = _l("Interventions")
    show_title = _l("Intervention")
    add_title = _l("Register intervention")
    edit_title = _l("Edit intervention")
    list_template = "exports/list.html"  # an export button with the list's filters
    list_columns = ["case", "type", "organisation", "status", "start_date", "end_date"]
    show_columns = ["case", "type", "organisation", "goal", "status", "start_date", "end_date",
                    "outcome"]
    add_columns = ["case", "type", "organisation", "goal", "status", "start_date", "end_date",
                   "outcome"]
    edit_columns = ["goal", "status", "start_date", "end_date", "outcome"]
    search_columns = ["status", "type", "organisation", "start_date", "end_date"]
    order_columns = ["status", "start_date", "end_date"]
    base_order = ("start_date", "desc")
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    validators_columns = {"end_date": [NotBefore("start_date")],
                          "outcome": [MaxLength(5000)]}
    add_form_extra_fields = {
        "case": case_number_field(),
        "type": query_select(_l("Intervention type"), active_intervention_types,
                             required=True),
        "organisation": remote_select(
            _l("Organisation"), "organisation", required=True, default=own_organisation,
            extra_validators=[OwnOrganisationUnlessOnBehalf()],
            description=_l("Your own organisation; coordinators and the case director "
                           "may register on behalf of a partner.")),
        "goal": goal_select(_l("Goal")),
    }
    edit_form_extra_fields = {"goal": goal_select(_l("Goal"))}
    search_form_extra_fields = {
        "type": query_select(_l("Intervention type"), active_intervention_types),
        "organisation": remote_select(_l("Organisation"), "organisation"),
    }


# --- notes --------------------------------------------------------------------------

class CaseNoteModelView(CaseChildView):
    datamodel = SQLAInterface(CaseNote)
    list_title = _l("Case notes")
    show_title = _l("Case note")
    add_title = _l("Add note")
    edit_title = _l("Edit note")
    list_columns = ["case", "created_at", "author", "text"]
    add_columns = ["case", "text"]
    edit_columns = ["text"]
    show_columns = ["case", "created_at", "author", "organisation", "text"]
    search_columns = ["created_at"]
    base_order = ("created_at", "desc")
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    add_form_extra_fields = {"case": case_number_field()}
    validators_columns = {"text": [MaxLength(5000)]}


def register(appbuilder: AppBuilder) -> None:
    app = current_app
    app.add_template_filter(enum_label, "enum_label")
    app.add_template_filter(lambda raw: enum_label_for(CasePhase, raw), "phase_label")
    cat = dict(category=CATEGORY, category_label=_l("Case work"))
    appbuilder.add_view(CaseModelView, "Cases", label=_l("Cases"), **cat)
    appbuilder.add_view(SignalModelView, "Signals", label=_l("Signals"), **cat)
    appbuilder.add_view(SubjectModelView, "Subjects", label=_l("Subjects"), **cat)
    appbuilder.add_view(InterventionModelView, "Interventions", label=_l("Interventions"),
                        **cat)
    # Reached from the case page and the subject page rather than the menu.
    for view in (SubjectRelationModelView, DecisionModelView, AssessmentModelView,
                 ActionPlanModelView, GoalModelView, CaseNoteModelView):
        appbuilder.add_view_no_menu(view)
