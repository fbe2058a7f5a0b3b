"""The signal form: who the signal is about, an existing subject or a new one.

The coordinator picks an existing person or group (searched through ``/lookup/subject``)
or types a new one. A new one is first checked against the subjects already registered
(``app.subjects.find_possible_duplicates``); the possible matches are shown above the
form, each with a "use this person" button, and one button to register someone new
anyway. Saving goes through the services (``app.subjects.register_subject`` and
``app.workflow.register_signal``), not through Flask-AppBuilder's generic add.
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, request, url_for
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, DatePickerWidget, Select2Widget
from flask_appbuilder.urltools import get_filter_args
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import DateField, Form, SelectField, StringField
from wtforms.validators import Length, Optional

from casusregie.app import subjects, workflow
from casusregie.app.extensions import db
from casusregie.app.labels import enum_label
from casusregie.app.models import Signal, Subject, SubjectKind
from casusregie.app.validators import NotInFuture
from casusregie.app.views.base import remote_select

USE_FIELD = "use_subject"
CONFIRM_FIELD = "confirm_new_subject"
NEW_SUBJECT_COLUMNS = ["new_kind", "new_first_name", "new_last_name", "new_date_of_birth"]
SUBJECT_COLUMNS = ["subject", *NEW_SUBJECT_COLUMNS]
SIGNAL_COLUMNS = ["received_at", "reporter_kind", "reporter_name", "anonymous", "phenomenon",
                  "concern"]
ADD_COLUMNS = [*SIGNAL_COLUMNS, *SUBJECT_COLUMNS]
EDIT_COLUMNS = [*SIGNAL_COLUMNS, "subject"]


def subject_fields() -> dict[str, Any]:
    """The form fields for the subject of a new signal."""
    kinds = [(kind.value, enum_label(kind)) for kind in SubjectKind]
    return {
        "subject": remote_select(
            _l("Existing person or group"), "subject",
            description=_l("Search by name. Or leave empty and enter a new person or "
                           "group below.")),
        "new_kind": SelectField(_l("New: person or group"), choices=kinds,
                                default=SubjectKind.person.value, widget=Select2Widget()),
        "new_first_name": StringField(_l("New: first name"),
                                      validators=[Optional(), Length(max=100)],
                                      widget=BS3TextFieldWidget()),
        "new_last_name": StringField(
            _l("New: last name or group name"), validators=[Optional(), Length(max=150)],
            widget=BS3TextFieldWidget(),
            description=_l("Before saving, Casusregie checks whether this person is "
                           "already registered, also under another spelling.")),
        "new_date_of_birth": DateField(
            _l("New: date of birth"), format="%Y-%m-%d", widget=DatePickerWidget(),
            validators=[Optional(), NotInFuture(birth=True)]),
    }


def _typed_new_subject(form: Form) -> bool:
    return bool((form.new_last_name.data or "").strip()
                or (form.new_first_name.data or "").strip())


def _chosen_match(form: Form) -> Subject | None:
    """The possible match the user chose with "use this person", if any."""
    from casusregie.app.views.lookup import LOOKUPS

    raw = request.form.get(USE_FIELD)
    return LOOKUPS["subject"].row(raw) if raw else None


def _subject_of(form: Form, user: Any) -> tuple[bool, Subject | None]:
    """(ready to save, the subject); not ready while possible matches await a choice."""
    chosen = _chosen_match(form) or form.subject.data
    if not _typed_new_subject(form):
        return True, chosen
    if chosen is not None and request.form.get(USE_FIELD):
        return True, chosen
    if chosen is not None:
        form.new_last_name.errors = [_("Choose an existing person or enter a new one, "
                                       "not both.")]
        return False, None
    if request.form.get(CONFIRM_FIELD) != "1":
        matches = subjects.find_possible_duplicates(
            form.new_first_name.data, form.new_last_name.data, form.new_date_of_birth.data)
        if matches:
            g.subject_duplicates = matches
            flash(_("This person may already be registered. Use one of the possible "
                    "matches, or confirm that this is someone else."), "warning")
            return False, None
    return True, subjects.register_subject(
        user, kind=SubjectKind(form.new_kind.data), first_name=form.new_first_name.data,
        last_name=form.new_last_name.data, date_of_birth=form.new_date_of_birth.data)


def _register(form: Form) -> Signal | None:
    """Register the signal (and a new subject) through the services; None if refused."""
    try:
        ready, subject = _subject_of(form, g.user)
        if not ready:
            db.session.rollback()
            return None
        signal = workflow.register_signal(
            g.user, reporter_kind=form.reporter_kind.data, concern=form.concern.data or "",
            phenomenon=form.phenomenon.data, reporter_name=form.reporter_name.data,
            anonymous=bool(form.anonymous.data), subject=subject,
            received_at=form.received_at.data)
        db.session.commit()
    except workflow.WorkflowError as error:
        db.session.rollback()
        field = getattr(form, error.field or "", None)
        if field is None and error.field:
            field = getattr(form, f"new_{error.field}", None)
        if field is None:
            flash(str(error.message), "danger")
        else:
            field.errors = [*(field.errors or []), str(error.message)]
        return None
    return signal


class SignalRegistrationMixin:
    """A model view's add form that registers a signal through the services."""

    add_form_extra_fields = subject_fields()
    add_fieldsets = [
        (_l("Signal"), {"fields": SIGNAL_COLUMNS}),
        (_l("About whom"), {"fields": SUBJECT_COLUMNS}),
    ]
    add_template = "workflow/signal_add.html"
    # A signal registered without a subject gets one on its edit form, so it can be weighed.
    # (The view declares ``add_columns = ADD_COLUMNS`` and ``edit_columns = EDIT_COLUMNS``
    # itself: the access policy reads column lists from the view's own class.)
    edit_form_extra_fields = {"subject": subject_fields()["subject"]}

    def _add(self) -> Any:
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                signal = _register(form)
                if signal is not None:
                    g.casus_registered_signal = signal
                    flash(_("Signal registered."), "success")
                    return None
        else:
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def post_add_redirect(self) -> Response:
        signal = g.get("casus_registered_signal")
        if signal is None:
            return redirect(self.get_redirect())
        # To the new signal, not back to where the user came from.
        return redirect(url_for(f"{type(self).__name__}.show", pk=signal.id))
