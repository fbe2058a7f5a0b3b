"""Screens for the case process: weigh a signal, and the transitions of a case.

Each transition has its own URL and its own permission (``can_<action>`` on
``CaseWorkflowView`` / ``SignalWorkflowView``), so roles can be granted exactly the
decisions they take. The rules themselves live in ``app.workflow``; these views only
turn forms into calls and refusals into messages next to the fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_appbuilder.fieldwidgets import (
    BS3TextAreaFieldWidget,
    DatePickerWidget,
    Select2ManyWidget,
    Select2Widget,
)
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.widgets import FormWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from casusregie.app import workflow
from casusregie.app.extensions import db
from casusregie.app.labels import ENUM_LABELS, enum_label
from casusregie.app.models import (
    Case,
    CasusUser,
    CloseReason,
    DecisionBody,
    InterventionDomain,
    InterventionType,
    Organisation,
    OrganisationTier,
    RiskGroup,
    Signal,
    SignalStatus,
    WeighingOutcome,
)
from casusregie.app.views.casework import CATEGORY

DATE_FORMAT = "%Y-%m-%d"
TEXT_LIMIT = 5000


def _date_field(label: Any, description: Any = "", *, required: Any = None) -> DateField:
    """A date; ``required`` is the message for a blank one (and marks the field)."""
    rules = [DataRequired(message=required)] if required else [Optional()]
    return DateField(label, format=DATE_FORMAT, validators=rules,
                     widget=DatePickerWidget(), description=description)


def _text_field(label: Any, description: Any = "") -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=TEXT_LIMIT)],
                         widget=BS3TextAreaFieldWidget(), description=description)


def _choices(labels: dict) -> list[tuple[str, Any]]:
    return [("", "—")] + [(member.value, label) for member, label in labels.items()]


class DecisionForm(DynamicForm):
    """What every decision records. Required fields are checked by ``app.workflow``."""

    # The case's version when the form was opened: a decision taken on a stale page
    # (someone else changed the case meanwhile) is refused instead of applied blindly.
    version = HiddenField()
    body = SelectField(_l("Decided by"), choices=_choices(ENUM_LABELS[DecisionBody]),
                       default=DecisionBody.case_conference.value, widget=Select2Widget())
    participants = _text_field(_l("Participants"),
                               _l("The people who took part, with their organisation."))
    organisations = SelectMultipleField(_l("Participating organisations"), coerce=int,
                                        validators=[Optional()], widget=Select2ManyWidget())
    reasons = _text_field(_l("Reasons"), _l("Why this decision was taken."))


class ConferenceForm(DecisionForm):
    review_date = _date_field(_l("Next review date"))
    case_director = SelectField(_l("Case director"), validators=[Optional()],
                                widget=Select2Widget())
    action_plan = _text_field(_l("Action plan"),
                              _l("Filling this in saves a new version of the action plan."))
    intervention_type = SelectField(_l("Agreed intervention"), validators=[Optional()],
                                    widget=Select2Widget(),
                                    description=_l("Optional; registered as planned."))
    intervention_organisation = SelectField(
        _l("Delivered by"), validators=[Optional()], widget=Select2Widget(),
        description=_l("Empty: the partner the catalogue names for this intervention. "
                       "Required when the catalogue names none."))


class DirectorForm(DecisionForm):
    case_director = SelectField(_l("Case director"), widget=Select2Widget(),
                                validators=[DataRequired(message=_l("Choose the case "
                                                                    "director."))],
                                description=_l("Only coordinators and case directors "
                                               "can direct a case."))


class LevelForm(DecisionForm):
    review_date = _date_field(_l("Next review date"), _l("Optional."))


class CloseForm(DecisionForm):
    close_reason = SelectField(_l("Reason for closure"),
                               choices=_choices(ENUM_LABELS[CloseReason]),
                               widget=Select2Widget())
    confirm_open_items = BooleanField(
        _l("Close the case although items are still open"),
        description=_l("Needed only when the checklist above lists open items."))
    open_items_reason = _text_field(_l("Why close with open items"),
                                    _l("Needed only when the checklist above lists "
                                       "open items."))


class ReopenForm(DecisionForm):
    review_date = _date_field(_l("Next review date"), required=_l("Give the next review "
                                                                   "date."))


class WeighForm(DecisionForm):
    outcome = SelectField(_l("Outcome of the weighing"),
                          choices=_choices(ENUM_LABELS[WeighingOutcome]), widget=Select2Widget())
    weighed_on = _date_field(_l("Date of the weighing"))
    risk_group = SelectField(_l("Risk group"), validators=[Optional()], widget=Select2Widget(),
                             description=_l("Required when the signal is included."))
    lead_organisation = SelectField(_l("Lead organisation"), validators=[Optional()],
                                    widget=Select2Widget())
    review_date = _date_field(_l("Review date"), _l("Optional; the first case conference."))


DECISION_COLUMNS = ["body", "participants", "organisations", "reasons"]

FORMS: dict[str, tuple[type[DecisionForm], list[str]]] = {
    "director": (DirectorForm, ["case_director", *DECISION_COLUMNS]),
    "conference": (ConferenceForm,
                   [*DECISION_COLUMNS, "review_date", "case_director", "action_plan",
                    "intervention_type", "intervention_organisation"]),
    "escalate": (LevelForm, [*DECISION_COLUMNS, "review_date"]),
    "de_escalate": (LevelForm, [*DECISION_COLUMNS, "review_date"]),
    "close": (CloseForm, ["close_reason", *DECISION_COLUMNS, "confirm_open_items",
                          "open_items_reason"]),
    "reopen": (ReopenForm, [*DECISION_COLUMNS, "review_date"]),
}
WEIGH_COLUMNS = ["outcome", "weighed_on", "participants", "organisations", "reasons",
                 "risk_group", "lead_organisation", "review_date"]

STALE_MESSAGE = _l("Someone else changed this case while you were filling in the form. "
                   "Your input has been kept; check the case and submit again.")


def _organisation_choices() -> list[tuple[int, str]]:
    orgs = db.session.query(Organisation).filter(Organisation.active.is_(True))
    return [(o.id, o.name) for o in orgs.order_by(Organisation.name)]


def _user_choices() -> list[tuple[str, str]]:
    """Only users who may direct a case (``app.workflow.eligible_directors_query``)."""
    users = workflow.eligible_directors_query()
    return [("", "—")] + [
        (str(u.id), f"{u.first_name} {u.last_name}"
                    + (f" ({u.organisation.name})" if u.organisation else ""))
        for u in users]


def prepare_conference_form(form: ConferenceForm, case: Case) -> None:
    form.case_director.choices = _user_choices()
    types = (db.session.query(InterventionType).filter(InterventionType.active.is_(True))
             .order_by(InterventionType.name))
    form.intervention_type.choices = [("", "—")] + [(str(t.id), t.display_name) for t in types]
    form.intervention_type.choices = catalogue_choices(types)
    form.intervention_organisation.choices = [("", "—")] + [
        (str(i), name) for i, name in _organisation_choices()]
    if request.method == "GET" and case.case_director_id:
        form.case_director.data = str(case.case_director_id)


def catalogue_choices(types: Any) -> dict[Any, list[tuple[str, str]]]:
    """The catalogue grouped by domain (one ``optgroup`` each), after an empty choice."""
    groups: dict[Any, list[tuple[str, str]]] = {None: [("", "—")]}
    by_domain: dict[str, list[tuple[str, str]]] = {}
    for t in types:
        by_domain.setdefault(InterventionDomain(t.domain), []).append((str(t.id),
                                                                     t.display_name))
    for domain, label in ENUM_LABELS[InterventionDomain].items():
        if domain in by_domain:
            groups[str(label)] = by_domain[domain]
    return groups


def conference_choices(form: ConferenceForm) -> dict[str, Any]:
    """The director and agreed intervention a conference form names, as objects."""
    def _get(model, value):
        return db.session.get(model, int(value)) if value else None
    return {
        "case_director": _get(CasusUser, form.case_director.data),
        "intervention_type": _get(InterventionType, form.intervention_type.data),
        "intervention_organisation": _get(Organisation, form.intervention_organisation.data),
    }


def _decision_input(form: DecisionForm) -> workflow.DecisionInput:
    body = DecisionBody(form.body.data) if form.body.data else DecisionBody.case_conference
    return workflow.DecisionInput(
        reasons=form.reasons.data or "", participants=form.participants.data or "",
        organisations=workflow.organisations_by_id(form.organisations.data or []),
        body=body)


def _prepare_decision_form(form: DecisionForm, user: CasusUser) -> None:
    form.organisations.choices = _organisation_choices()
    if request.method == "GET" and user.organisation_id and not form.organisations.data:
        form.organisations.data = [user.organisation_id]


def _show_error(form: DynamicForm, error: workflow.WorkflowError) -> str | None:
    """Put the error next to its field; return it when it belongs to no field."""
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        return str(error.message)
    field.errors = [*(field.errors or []), str(error.message)]
    return None


def commit_decision(form: DynamicForm, case: Case, apply: Callable[[], Any]) -> str | None:
    """Apply a decision taken on a form about ``case`` and commit it.

    Refuses a form made from an older version of the case, rolls back on any refusal,
    answers 403 when the user's roles do not grant it, and puts the refusal next to its
    field. Returns ``None`` after a commit, else the message that belongs to no field
    (``""`` when every message went next to a field).
    """
    try:
        if form.version.data != str(case.version):
            raise workflow.WorkflowError(STALE_MESSAGE)
        apply()
        db.session.commit()
    except workflow.WorkflowPermissionError:
        db.session.rollback()
        abort(403)
    except workflow.WorkflowError as error:
        db.session.rollback()
        return _show_error(form, error) or ""
    except StaleDataError:
        db.session.rollback()
        return str(STALE_MESSAGE)
    return None


def _case_url(case: Case) -> str:
    return url_for("CaseModelView.show", pk=case.id)


def _level_steps(case: Case, action: workflow.Action) -> dict[str, Any] | None:
    """For escalate and de-escalate: the level now, the one that follows, what each means."""
    step = {workflow.ESCALATE.name: 1, workflow.DE_ESCALATE.name: -1}.get(action.name)
    if step is None:
        return None
    return {"current": case.escalation_level, "next": case.escalation_level + step,
            "meanings": workflow.LEVEL_MEANINGS}


class CaseWorkflowView(BaseView):
    """The transitions of one case: ``/caseworkflow/<case_id>/<action>``."""

    route_base = "/caseworkflow"
    default_view = "conference"
    transition_template = "workflow/transition.html"

    @expose("/<int:case_id>/director", methods=["GET", "POST"])
    @has_access
    @permission_name("director")
    def director(self, case_id: int):
        return self._transition(case_id, workflow.DIRECTOR)

    @expose("/<int:case_id>/conference", methods=["GET", "POST"])
    @has_access
    @permission_name("conference")
    def conference(self, case_id: int):
        return self._transition(case_id, workflow.CONFERENCE)

    @expose("/<int:case_id>/escalate", methods=["GET", "POST"])
    @has_access
    @permission_name("escalate")
    def escalate(self, case_id: int):
        return self._transition(case_id, workflow.ESCALATE)

    @expose("/<int:case_id>/de_escalate", methods=["GET", "POST"])
    @has_access
    @permission_name("de_escalate")
    def de_escalate(self, case_id: int):
        return self._transition(case_id, workflow.DE_ESCALATE)

    @expose("/<int:case_id>/close", methods=["GET", "POST"])
    @has_access
    @permission_name("close")
    def close(self, case_id: int):
        return self._transition(case_id, workflow.CLOSE)

    @expose("/<int:case_id>/reopen", methods=["GET", "POST"])
    @has_access
    @permission_name("reopen")
    def reopen(self, case_id: int):
        return self._transition(case_id, workflow.REOPEN)

    def _transition(self, case_id: int, action: workflow.Action):
        case = db.session.get(Case, case_id)
        if case is None:
            abort(404)
        user: CasusUser = g.user
        if workflow.own_case_refusal(case, action, user) is not None:
            abort(403)  # a case director closes and reopens only the cases they direct
        form_class, columns = FORMS[action.name]
        form = form_class.refresh()
        _prepare_decision_form(form, user)
        if isinstance(form, ConferenceForm):
            prepare_conference_form(form, case)
        if isinstance(form, DirectorForm):
            form.case_director.choices = _user_choices()
            if request.method == "GET":
                # Outside a conference the coordinator appoints, unless told otherwise.
                form.body.data = DecisionBody.coordinator.value
        if request.method == "GET":
            form.version.data = str(case.version)
            if isinstance(form, ReopenForm | ConferenceForm) and form.review_date.data is None:
                form.review_date.data = case.review_date

        refused = workflow.refusal(case, action)
        general_error = None
        if refused is None and request.method == "POST" and form.validate_on_submit():
            outcome = commit_decision(form, case,
                                      lambda: self._apply(action, user, case, form))
            if outcome is None:
                flash(_("Decision recorded: %(action)s.", action=action.label), "success")
                return redirect(_case_url(case))
            general_error = outcome or None
        case = db.session.get(Case, case_id)
        return self.render_template(
            self.transition_template, title=f"{action.label} – {case.number}", case=case,
            action=action, refused=refused, general_error=general_error,
            phase_label=enum_label(case.phase),
            case_url=_case_url(case),
            checklist=(workflow.closure_checklist(case)
                       if action is workflow.CLOSE and refused is None else None),
            levels=_level_steps(case, action),
            widget=None if refused else FormWidget(form=form, include_cols=columns,
                                                   exclude_cols=[]),
        )

    @staticmethod
    def _apply(action: workflow.Action, user: CasusUser, case: Case,
               form: DecisionForm) -> None:
        decision = _decision_input(form)
        if action is workflow.DIRECTOR:
            chosen = form.case_director.data
            workflow.appoint_director(
                user, case, decision=decision,
                director=db.session.get(CasusUser, int(chosen)) if chosen else None)
        elif action is workflow.CONFERENCE:
            workflow.discuss_in_conference(user, case, decision=decision,
                                           review_date=form.review_date.data,
                                           action_plan=form.action_plan.data,
                                           **conference_choices(form))
        elif action is workflow.ESCALATE:
            workflow.escalate(user, case, decision=decision, review_date=form.review_date.data)
        elif action is workflow.DE_ESCALATE:
            workflow.de_escalate(user, case, decision=decision,
                                 review_date=form.review_date.data)
        elif action is workflow.CLOSE:
            reason = CloseReason(form.close_reason.data) if form.close_reason.data else None
            workflow.close_case(user, case, close_reason=reason, decision=decision,
                                confirm_open_items=bool(form.confirm_open_items.data),
                                open_items_reason=form.open_items_reason.data)
        elif action is workflow.REOPEN:
            workflow.reopen_case(user, case, decision=decision,
                                 review_date=form.review_date.data)


class SignalWorkflowView(BaseView):
    """Signals waiting for the weighing team, and the weighing form."""

    route_base = "/signalworkflow"
    default_view = "awaiting"

    @expose("/")
    @has_access
    @permission_name("weigh")
    def awaiting(self):
        signals = (db.session.query(Signal).filter(Signal.status == SignalStatus.received)
                   .order_by(Signal.received_at).all())
        return self.render_template("workflow/signals.html", title=_("Signals to weigh"),
                                    signals=signals)

    @expose("/<int:signal_id>/weigh", methods=["GET", "POST"])
    @has_access
    @permission_name("weigh")
    def weigh(self, signal_id: int):
        signal = db.session.get(Signal, signal_id)
        if signal is None:
            abort(404)
        user: CasusUser = g.user
        form = WeighForm.refresh()
        _prepare_decision_form(form, user)
        groups = db.session.query(RiskGroup).order_by(RiskGroup.number)
        form.risk_group.choices = [("", "—")] + [(str(rg.id), str(rg)) for rg in groups]
        leads = (db.session.query(Organisation)
                 .filter(Organisation.tier == OrganisationTier.core,
                         Organisation.active.is_(True)).order_by(Organisation.name))
        form.lead_organisation.choices = [("", "—")] + [(str(o.id), o.name) for o in leads]
        if request.method == "GET":
            form.body.data = DecisionBody.weighing_team.value
            if user.organisation and user.organisation.tier == OrganisationTier.core:
                form.lead_organisation.data = str(user.organisation_id)

        refused = (_("This signal has already been weighed.")
                   if signal.status == SignalStatus.weighed else None)
        general_error = None
        if refused is None and request.method == "POST" and form.validate_on_submit():
            try:
                result = workflow.weigh_signal(
                    user, signal,
                    outcome=WeighingOutcome(form.outcome.data) if form.outcome.data else None,
                    weighed_on=form.weighed_on.data, decision=_decision_input(form),
                    risk_group=(db.session.get(RiskGroup, int(form.risk_group.data))
                                if form.risk_group.data else None),
                    lead_organisation=(db.session.get(Organisation,
                                                      int(form.lead_organisation.data))
                                       if form.lead_organisation.data else None),
                    review_date=form.review_date.data)
                db.session.commit()
            except workflow.WorkflowPermissionError:
                db.session.rollback()
                abort(403)
            except workflow.WorkflowError as error:
                db.session.rollback()
                general_error = _show_error(form, error)
            else:
                if result.case is not None:
                    flash(_("Signal included as case %(number)s.", number=result.case.number),
                          "success")
                    return redirect(_case_url(result.case))
                flash(_("Weighing recorded."), "success")
                return redirect(url_for("SignalWorkflowView.awaiting"))
        signal = db.session.get(Signal, signal_id)
        return self.render_template(
            "workflow/weigh.html", title=_("Weigh signal"), signal=signal, refused=refused,
            general_error=general_error,
            can_edit_signal=self.appbuilder.sm.has_access("can_edit", "SignalModelView"),
            widget=None if refused else FormWidget(form=form, include_cols=WEIGH_COLUMNS,
                                                   exclude_cols=[]),
        )


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(SignalWorkflowView, "Weighing", label=_l("Signals to weigh"),
                        category=CATEGORY)
    appbuilder.add_view_no_menu(CaseWorkflowView)
