"""Subjects, with the duplicate check that runs before a new subject is saved."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, redirect, request, url_for
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form, HiddenField, ValidationError

from casusregie.app.extensions import db
from casusregie.app.models import CaseSubject, Subject, SubjectRelation
from casusregie.app.subjects import find_possible_duplicates
from casusregie.app.validators import NotInFuture, ValidBSN
from casusregie.app.views.base import CasusModelView, query_select
from casusregie.app.views.fields import context_id, edited_pk
from casusregie.app.views.filters import (
    FilterNameStartsWith,
    NameSearchInterface,
    install_search_filter,
)

CONFIRM_FIELD = "confirm_duplicate"
DUPLICATE_FIELD = "duplicate_check"


def _check_duplicates(form: Form, field: HiddenField) -> None:
    if request.form.get(CONFIRM_FIELD) == "1":
        return
    matches = find_possible_duplicates(form["first_name"].data, form["last_name"].data,
                                       form["date_of_birth"].data)
    if not matches:
        return
    g.subject_duplicates = matches
    message = _("This person may already be registered. Check the possible matches; "
                "if this is someone else, confirm and save again.")
    flash(message, "warning")
    raise ValidationError(message)


def _context_subject_id() -> int | None:
    """The subject a relation is being recorded for: from the page's context, or the
    relation being edited."""
    subject_id = context_id("subject")
    if subject_id is None and (pk := edited_pk()) is not None:
        subject_id = (db.session.query(SubjectRelation.subject_id)
                      .filter(SubjectRelation.id == pk).scalar())
    return subject_id


def subjects_for_context() -> list[Subject]:
    """Subjects sharing a case with the subject a relation is recorded for."""
    subject_id = _context_subject_id()
    if subject_id is None:
        return []
    cases = sa.select(CaseSubject.case_id).where(CaseSubject.subject_id == subject_id)
    return (db.session.query(Subject).join(CaseSubject, CaseSubject.subject_id == Subject.id)
            .filter(CaseSubject.case_id.in_(cases), Subject.id != subject_id)
            .distinct().order_by(Subject.last_name, Subject.first_name).all())


def subject_of_context() -> list[Subject]:
    subject_id = _context_subject_id()
    if subject_id is None:
        return []
    return db.session.query(Subject).filter(Subject.id == subject_id).all()


# --- subject relations --------------------------------------------------------------

class SubjectRelationModelView(CasusModelView):
    datamodel = SQLAInterface(SubjectRelation)
    list_title = _l("Relations")
    show_title = _l("Relation")
    add_title = _l("Add relation")
    edit_title = _l("Edit relation")
    label_columns = {"subject": _l("Subject"), "kind": _l("Relation"),
                     "related": _l("Related subject"), "note": _l("Note")}
    list_columns = ["subject", "kind", "related", "note"]
    add_columns = edit_columns = ["subject", "kind", "related", "note"]
    show_columns = ["subject", "kind", "related", "note"]
    search_columns = ["kind"]
    add_form_extra_fields = edit_form_extra_fields = {
        "subject": query_select(_l("Subject"), subject_of_context, required=True),
        "related": query_select(_l("Related subject"), subjects_for_context, required=True,
                                description=_l("Subjects of the same case")),
    }

    def post_add_redirect(self):
        subject_id = context_id("subject")
        if subject_id is not None:
            return redirect(url_for("SubjectModelView.show", pk=subject_id))
        return redirect(self.get_redirect())


# --- subjects -------------------------------------------------------------------------

class SubjectModelView(CasusModelView):
    datamodel = NameSearchInterface(Subject)
    list_title = _l("Subjects")
    show_title = _l("Subject")
    add_title = _l("Add subject")
    edit_title = _l("Edit subject")
    label_columns = {
        "kind": _l("Kind"), "first_name": _l("First name"), "last_name": _l("Last name"),
        "date_of_birth": _l("Date of birth"), "bsn": _l("BSN"),
        "municipality": _l("Municipality"), "full_name": _l("Name"),
        "relations": _l("Relations"), "members": _l("Members"), "name_key": _l("Name"),
    }
    list_template = "exports/list.html"  # an export button with the list's filters
    list_columns = ["last_name", "first_name", "kind", "date_of_birth", "municipality"]
    add_columns = edit_columns = ["kind", "first_name", "last_name", "date_of_birth", "bsn",
                                  "municipality"]
    show_columns = ["kind", "first_name", "last_name", "date_of_birth", "bsn", "municipality"]
    # One name box: first or last name by prefix, served by an index (app/views/filters.py).
    search_columns = ["name_key", "date_of_birth", "municipality", "kind"]
    order_columns = ["last_name", "first_name", "date_of_birth"]
    base_order = ("last_name", "asc")
    add_template = "casus/subject_add.html"
    related_views = [SubjectRelationModelView]
    validators_columns = {
        "date_of_birth": [NotInFuture(birth=True)],
        "bsn": [ValidBSN()],
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        setattr(self.add_form, DUPLICATE_FIELD, HiddenField(validators=[_check_duplicates]))
        install_search_filter(self, "name_key", FilterNameStartsWith, _l("Name"))

