"""Case conferences: planning, the agenda, decisions per agenda item.

Planning and editing a conference is an ordinary ``ModelView``; the agenda page
(``/conferenceagenda/<conference_id>``) shows the cases to discuss and records the
decisions, through ``app.conferences`` and ``app.workflow``.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.widgets import FormWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional

from casusregie.app import conferences, workflow
from casusregie.app.extensions import db
from casusregie.app.labels import ENUM_LABELS, enum_label
from casusregie.app.models import AgendaItem, CaseConference, CasePhase, CasusUser, ConferenceStatus
from casusregie.app.views.base import CasusModelView, remote_select
from casusregie.app.views.casework import CATEGORY, LABELS
from casusregie.app.views.workflow import (
    DECISION_COLUMNS,
    ConferenceForm,
    _decision_input,
    _prepare_decision_form,
    _show_error,
    _text_field,
    commit_decision,
    conference_choices,
    prepare_conference_form,
)


class CaseConferenceModelView(CasusModelView):
    datamodel = SQLAInterface(CaseConference)
    list_title = _l("Case conferences")
    show_title = _l("Case conference")
    add_title = _l("Plan case conference")
    edit_title = _l("Edit case conference")
    label_columns = {**LABELS, "notes": _l("Notes")}
    list_columns = ["held_on", "location", "chair", "status"]
    add_columns = edit_columns = ["held_on", "location", "chair", "status", "notes"]
    show_columns = ["held_on", "location", "chair", "status", "notes"]
    search_columns = ["held_on", "status"]
    base_order = ("held_on", "desc")
    show_template = "conferences/show.html"
    add_form_extra_fields = edit_form_extra_fields = {
        "chair": remote_select(_l("Chair"), "case_director",
                               default=lambda: getattr(g, "user", None),
                               description=_l("A coordinator or case director; empty: "
                                              "you.")),
    }

    def post_add(self, item: CaseConference) -> None:
        # A newly planned conference starts with the cases that are due: the
        # coordinator then only adds or reviews, instead of collecting them by hand.
        if item.status == ConferenceStatus.planned:
            conferences.propose_agenda(item)
            db.session.commit()

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        widgets = self._show(pk)
        try:
            agenda = conferences.load_agenda(int(pk))
        except ValueError:
            agenda = None
        return self.render_template(self.show_template, pk=pk, title=self.show_title,
                                    widgets=widgets, related_views=self._related_views,
                                    agenda=agenda)


class AddCaseForm(DynamicForm):
    case_number = StringField(_l("Case number"), validators=[Optional(), Length(max=20)],
                              widget=BS3TextFieldWidget())


class RecordItemForm(ConferenceForm):
    notes = _text_field(_l("Notes of the discussion"))
    to_monitoring = BooleanField(_l("Move the case to execution and monitoring"),
                                 default=True)


RECORD_COLUMNS = ["notes", *DECISION_COLUMNS, "review_date", "to_monitoring",
                  "case_director", "action_plan", "intervention_type",
                  "intervention_organisation"]


class ConferenceAgendaView(BaseView):
    """One conference's agenda: add cases, propose the due ones, record decisions."""

    route_base = "/conferenceagenda"
    default_view = "agenda"

    def _agenda(self, conference_id: int) -> conferences.Agenda:
        agenda = conferences.load_agenda(conference_id)
        if agenda is None:
            abort(404)
        return agenda

    def _render(self, agenda: conferences.Agenda, add_form: AddCaseForm,
                general_error: str | None = None):
        return self.render_template(
            "conferences/agenda.html", title=_("Agenda of the case conference"),
            agenda=agenda, add_form=add_form, general_error=general_error,
            phase_labels=ENUM_LABELS[CasePhase],
            planned=agenda.conference.status == "planned",
        )

    @expose("/<int:conference_id>")
    @has_access
    @permission_name("agenda")
    def agenda(self, conference_id: int):
        return self._render(self._agenda(conference_id), AddCaseForm.refresh())

    @expose("/<int:conference_id>/add", methods=["POST"])
    @has_access
    @permission_name("edit_agenda")
    def add_case(self, conference_id: int):
        agenda = self._agenda(conference_id)
        form = AddCaseForm.refresh()
        if form.validate_on_submit():
            try:
                item = conferences.add_case(agenda.conference,
                                            conferences.find_case(form.case_number.data))
                db.session.commit()
            except workflow.WorkflowError as error:
                db.session.rollback()
                general_error = _show_error(form, error)
                return self._render(self._agenda(conference_id), form, general_error)
            flash(_("Case %(number)s added to the agenda.", number=item.case.number), "success")
            return redirect(url_for(".agenda", conference_id=conference_id))
        return self._render(agenda, form)

    @expose("/<int:conference_id>/propose", methods=["POST"])
    @has_access
    @permission_name("edit_agenda")
    def propose(self, conference_id: int):
        agenda = self._agenda(conference_id)
        form = DynamicForm.refresh()
        if not form.validate_on_submit():
            abort(400)
        try:
            added = conferences.propose_agenda(agenda.conference)
            db.session.commit()
        except workflow.WorkflowError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
        else:
            flash(_("%(count)s case(s) added to the agenda.", count=len(added)), "success")
        return redirect(url_for(".agenda", conference_id=conference_id))

    @expose("/<int:conference_id>/item/<int:item_id>", methods=["GET", "POST"])
    @has_access
    @permission_name("record")
    def record(self, conference_id: int, item_id: int):
        item = db.session.get(AgendaItem, item_id)
        if item is None or item.conference_id != conference_id:
            abort(404)
        case = item.case
        user: CasusUser = g.user
        form = RecordItemForm.refresh()
        _prepare_decision_form(form, user)
        prepare_conference_form(form, case)
        if request.method == "GET":
            form.version.data = str(case.version)
            form.review_date.data = item.next_review_date
            form.notes.data = item.notes

        general_error = None
        if request.method == "POST" and form.validate_on_submit():
            outcome = commit_decision(form, case, lambda: conferences.record_item(
                user, item, decision=_decision_input(form), notes=form.notes.data,
                next_review_date=form.review_date.data,
                to_monitoring=bool(form.to_monitoring.data),
                action_plan=form.action_plan.data, **conference_choices(form)))
            if outcome is None:
                flash(_("Decision recorded for %(number)s.", number=case.number), "success")
                return redirect(url_for(".agenda", conference_id=conference_id,
                                        _anchor=f"agenda-item-{item_id}"))
            general_error = outcome or None
        item = db.session.get(AgendaItem, item_id)
        columns = [c for c in RECORD_COLUMNS
                   if c != "to_monitoring" or item.case.phase == CasePhase.conference]
        return self.render_template(
            "conferences/record.html", title=_("Record the discussion"), item=item,
            case=item.case, case_url=url_for("CaseModelView.show", pk=item.case.id),
            phase_label=enum_label(item.case.phase),
            general_error=general_error,
            agenda_url=url_for(".agenda", conference_id=conference_id),
            widget=FormWidget(form=form, include_cols=columns, exclude_cols=[]),
        )


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(CaseConferenceModelView, "Case conferences",
                        label=_l("Case conferences"), category=CATEGORY)
    appbuilder.add_view_no_menu(ConferenceAgendaView)
