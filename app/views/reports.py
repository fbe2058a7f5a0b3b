"""Printing: the confidential case dossier and the case conference agenda as PDF."""

from __future__ import annotations

import io
from collections.abc import Callable

from flask import abort, g, send_file
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from casusregie.app import clock
from casusregie.app.access import current_actor
from casusregie.app.extensions import db
from casusregie.app.models import CaseConference
from casusregie.reports.agenda import build_agenda
from casusregie.reports.dossier import (
    PrintedDocument,
    PrintRequest,
    available_sections,
    build_dossier,
    load_case,
)
from casusregie.reports.models import PrintLog


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _PrintForm(FlaskForm):
    purpose = TextAreaField(
        _l("Purpose"),
        description=_l("Why you print this, e.g. preparing the case conference of 12 March, "
                       "handing the case over, answering a legal question. It is recorded."),
        validators=[DataRequired(message=_l("State the purpose of this print.")),
                    Length(min=5, max=500,
                           message=_l("Describe the purpose in 5 to 500 characters."))])
    recipient = StringField(
        _l("Printed for"),
        description=_l("Optional: the person or meeting this print is handed to."),
        validators=[Optional(), Length(max=200)])


class DossierForm(_PrintForm):
    sections = _Checkboxes(
        _l("Sections"),
        validators=[DataRequired(message=_l("Choose at least one section."))])


class AgendaForm(_PrintForm):
    pass


def _locale() -> str:
    return str(get_locale() or "nl")


class DossierPrintView(BaseView):
    """Prints only what the user may see: everything is read through the guarded session."""

    route_base = "/print"
    default_view = "dossier"
    template = "reports/print_form.html"

    @expose("/dossier/<int:case_id>", methods=["GET", "POST"])
    @has_access
    def dossier(self, case_id: int) -> Response | str:
        # Access is checked once, here: the guarded session returns the case only to a
        # reader who may see it; the case and the offered sections are passed on.
        case = load_case(case_id)
        if case is None:
            abort(404)
        sections = available_sections()
        form = DossierForm()
        form.sections.choices = [(s.key, s.title) for s in sections]
        if not form.is_submitted():
            form.sections.data = [s.key for s in sections]
        if form.validate_on_submit():
            return self._print(lambda r: build_dossier(case, r, sections), form, form.sections.data,
                               document="dossier", case_id=case.id)
        return self.render_template(self.template, form=form, title=_l("Print dossier"),
                                    heading=case.number, subtitle=case.subject_names)

    @expose("/agenda/<int:conference_id>", methods=["GET", "POST"])
    @has_access
    def agenda(self, conference_id: int) -> Response | str:
        conference = db.session.scalars(
            select(CaseConference).where(CaseConference.id == conference_id)).one_or_none()
        if conference is None:
            abort(404)
        form = AgendaForm()
        if not form.is_submitted():
            form.purpose.data = str(_l("Preparing the case conference."))
        if form.validate_on_submit():
            return self._print(lambda r: build_agenda(conference.id, r), form, [],
                               document="agenda", conference_id=conference.id)
        return self.render_template(self.template, form=form, title=_l("Print agenda"),
                                    heading=str(_l("Case conference agenda")),
                                    subtitle=f"{clock.to_local(conference.held_on):%d-%m-%Y %H:%M}")

    def _print(self, build: Callable[[PrintRequest], PrintedDocument | None],
               form: _PrintForm, sections: list[str], *, document: str,
               case_id: int | None = None, conference_id: int | None = None) -> Response:
        user = g.user
        request = PrintRequest(user=user, actor=current_actor(),
                               purpose=form.purpose.data.strip(),
                               recipient=(form.recipient.data or "").strip(),
                               locale=_locale(), sections=tuple(sections))
        printed = build(request)
        if printed is None:
            abort(404)
        org = getattr(user, "organisation", None)
        db.session.add(PrintLog(
            printed_at=request.printed_at, user_id=user.id, username=user.username,
            organisation=org.name if org is not None else "", document=document,
            case_id=case_id, conference_id=conference_id, reference=printed.reference,
            sections=",".join(printed.sections), purpose=request.purpose,
            recipient=request.recipient, locale=request.locale, pages=printed.pages))
        db.session.commit()
        response = send_file(io.BytesIO(printed.pdf), mimetype="application/pdf",
                             as_attachment=True, download_name=printed.filename)
        # A confidential document must not linger in shared or browser caches.
        response.headers["Cache-Control"] = "no-store"
        return response


def register(appbuilder: AppBuilder) -> None:
    """Register this area's views."""
    appbuilder.add_view_no_menu(DossierPrintView)
