"""Menu "Privacy", retention and access requests: the retention list (legal holds,
destruction proposals), the destruction records and the subject access report. The rules
live in ``app.retention``; these screens only ask and show."""

from __future__ import annotations

import io
import json

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from casusregie.app import retention
from casusregie.app.access import current_actor
from casusregie.app.access.clock import today
from casusregie.app.extensions import db
from casusregie.app.models import DestructionRecord, Subject, SubjectKind
from casusregie.app.name_search import name_search
from casusregie.app.retention import subject_access
from casusregie.app.views.base import CasusModelView
from casusregie.reports.dossier import PrintRequest
from casusregie.reports.subject_access import build_subject_access


class HoldForm(FlaskForm):
    reason = StringField(_l("Reason for the legal hold"),
                         validators=[DataRequired(), Length(max=500)])
    until = DateField(_l("Legal hold until"), validators=[DataRequired()])


class ProposeForm(FlaskForm):
    reason = StringField(_l("Note for the approver"), validators=[Optional(), Length(max=500)])


class RequestForm(FlaskForm):
    reference = StringField(_l("Request (reference or date of the person's request)"),
                            validators=[DataRequired(), Length(max=200)])


class RetentionView(BaseView):
    """Cases and signals past their retention date, with hold and proposal forms."""

    route_base = "/retention"
    default_view = "list"
    template = "privacy/retention.html"

    @expose("/")
    @has_access
    def list(self) -> str:
        return self.render_template(self.template, rows=retention.retention_list(today()),
                                    hold_form=HoldForm(), propose_form=ProposeForm(),
                                    today=today(), title=_l("Retention list"))

    def _target(self, object_type: str) -> str:
        if object_type not in retention.MODEL:
            abort(404)
        return object_type

    @expose("/propose/<object_type>/<int:object_id>", methods=["POST"])
    @has_access
    def propose(self, object_type: str, object_id: int) -> Response:
        form = ProposeForm()
        if form.validate_on_submit():
            try:
                req = retention.propose(self._target(object_type), object_id, user=g.user,
                                        reason=form.reason.data or "", today=today())
                flash(_l("Destruction of %(ref)s proposed; another person must approve it "
                         "under Changes to review.", ref=req.target_label), "info")
            except retention.RetentionError as exc:
                flash(str(exc.message), "danger")
        else:
            flash(_l("The form has expired; please try again."), "danger")
        return redirect(url_for(".list"))

    @expose("/hold/<object_type>/<int:object_id>", methods=["POST"])
    @has_access
    def hold(self, object_type: str, object_id: int) -> Response:
        form = HoldForm()
        if form.validate_on_submit():
            try:
                retention.set_hold(self._target(object_type), object_id,
                                   reason=form.reason.data, until=form.until.data,
                                   today=today())
                flash(_l("Legal hold placed."), "info")
            except retention.RetentionError as exc:
                flash(str(exc.message), "danger")
        else:
            flash(_l("A legal hold needs a reason and an end date (dd-mm-yyyy or "
                     "yyyy-mm-dd)."), "danger")
        return redirect(url_for(".list"))

    @expose("/lift/<object_type>/<int:object_id>", methods=["POST"])
    @has_access
    def lift(self, object_type: str, object_id: int) -> Response:
        if FlaskForm().validate_on_submit():
            try:
                retention.lift_hold(self._target(object_type), object_id)
                flash(_l("Legal hold lifted."), "info")
            except retention.RetentionError as exc:
                flash(str(exc.message), "danger")
        return redirect(url_for(".list"))


class SubjectAccessView(BaseView):
    """Find a person and produce their subject access report (PDF or JSON)."""

    route_base = "/subject-access"
    default_view = "search"
    template = "privacy/subject_access.html"

    @expose("/")
    @has_access
    def search(self) -> str:
        term = (request.args.get("q") or "").strip()[:100]
        found: list[Subject] = []
        search = name_search(term)
        if search:
            query = db.session.query(Subject).filter(Subject.kind == SubjectKind.person)
            if search.name_prefix and search.surname_prefix:
                query = query.filter(Subject.name_key.startswith(search.name_prefix)
                                     | Subject.surname_key.startswith(search.surname_prefix))
            elif search.name_prefix:
                query = query.filter(Subject.name_key.startswith(search.name_prefix))
            else:
                query = query.filter(Subject.surname_key.startswith(search.surname_prefix))
            found = query.order_by(Subject.last_name, Subject.first_name).limit(50).all()
        return self.render_template(self.template, term=term, found=found,
                                    form=RequestForm(), title=_l("Subject access report"))

    @expose("/<int:subject_id>/<fmt>", methods=["POST"])
    @has_access
    def report(self, subject_id: int, fmt: str) -> Response:
        if fmt not in ("pdf", "json"):
            abort(404)
        form = RequestForm()
        if not form.validate_on_submit():
            flash(_l("Name the request the report answers (its reference or date)."),
                  "danger")
            return redirect(url_for(".search"))
        data = subject_access.collect(subject_id)
        if data is None:
            abort(404)
        data["request"] = form.reference.data
        if fmt == "json":
            body = json.dumps(data, ensure_ascii=False, indent=2).encode()
            return send_file(io.BytesIO(body), mimetype="application/json",
                             as_attachment=True, download_name="subject-access.json")
        printed = build_subject_access(data, PrintRequest(
            user=g.user, actor=current_actor(), purpose=form.reference.data,
            locale=str(get_locale() or "nl"), sections=("subject_access",)))
        return send_file(io.BytesIO(printed.pdf), mimetype="application/pdf",
                         as_attachment=True, download_name=printed.filename)


class DestructionRecordModelView(CasusModelView):
    """What remains of destroyed cases and signals: read only."""

    datamodel = SQLAInterface(DestructionRecord)
    list_title = _l("Destruction records")
    show_title = _l("Destruction record")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["executed_at", "object_type", "reference", "retention_until",
                    "proposed_by", "approved_by"]
    show_columns = ["executed_at", "object_type", "reference", "opened_on", "closed_on",
                    "retention_until", "proposed_by", "proposed_at", "approved_by",
                    "approved_at", "counts"]
    search_columns = ["reference", "executed_at"]
    order_columns = ["executed_at", "reference"]
    base_order = ("executed_at", "desc")
    label_columns = {"executed_at": _l("Destroyed at"), "object_type": _l("Kind"),
                     "reference": _l("Number"), "opened_on": _l("Opened"),
                     "closed_on": _l("Closed"), "retention_until": _l("Kept until"),
                     "proposed_by": _l("Proposed by"), "proposed_at": _l("Proposed at"),
                     "approved_by": _l("Approved by"), "approved_at": _l("Approved at"),
                     "counts": _l("Rows removed")}


def register(appbuilder: AppBuilder) -> None:
    retention.register()
    appbuilder.add_view(RetentionView, "Retention list", label=_l("Retention list"),
                        category="Privacy")
    appbuilder.add_view(DestructionRecordModelView, "Destruction records",
                        label=_l("Destruction records"), category="Privacy")
    appbuilder.add_view(SubjectAccessView, "Subject access report",
                        label=_l("Subject access report"), category="Privacy")

