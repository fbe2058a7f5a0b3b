"""The privacy officer's workbench (menu "Privacy"): the audit trail, searched by person,
case, user, organisation and period; timelines; the print log; unusual access; signed
PDF exports. Administrators get none of it: the trail names what was read and changed."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

from flask import abort, g, request, send_file
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from casusregie.app import clock
from casusregie.app.audit import AuditRecord
from casusregie.app.audit.analysis import case_timeline, is_night, person_timeline, unusual_access
from casusregie.app.audit.chain import head
from casusregie.app.audit.labels import action_label
from casusregie.app.extensions import db
from casusregie.app.views.base import CasusModelView

CATEGORY = "Privacy"


def _details(record: AuditRecord) -> str:
    if record.details is not None:
        return json.dumps(json.loads(record.details.content), ensure_ascii=False, indent=1)
    return str(_l("(removed by retention)")) if record.detail_digest else ""


class AuditRecordModelView(CasusModelView):
    """The audit trail: read only, searchable by every column the officer asks about."""

    datamodel = SQLAInterface(AuditRecord)
    list_title = _l("Audit trail")
    show_title = _l("Audit record")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["at", "action", "username", "organisation", "object_type", "object_id",
                    "case_number", "channel", "purpose"]
    show_columns = [*list_columns, "roles", "address", "seq", "hash", "prev_hash"]
    search_columns = ["at", "action", "username", "user_id", "organisation",
                      "organisation_id", "case_number", "case_id", "object_type",
                      "object_id", "channel"]
    base_order = ("at", "desc")
    label_columns = {"at": _l("When"), "action": _l("Action"), "username": _l("User"),
                     "user_id": _l("User id"), "organisation": _l("Organisation"),
                     "organisation_id": _l("Organisation id"), "object_type": _l("Object"),
                     "object_id": _l("Object id"), "case_number": _l("Case number"),
                     "case_id": _l("Case id"), "channel": _l("Channel"),
                     "purpose": _l("Purpose"), "roles": _l("Roles"), "address": _l("Address"),
                     "seq": _l("Sequence"), "hash": _l("Hash"),
                     "prev_hash": _l("Previous hash")}
    show_template = "privacy/record_show.html"
    formatters_columns = {"action": action_label}

    def _get_show_widget(self, pk, item, *args: Any, **kwargs: Any):
        widgets = super()._get_show_widget(pk, item, *args, **kwargs)
        g.audit_details = _details(item)
        return widgets


class PrivacyView(BaseView):
    """Timelines per person or case, unusual access, and their signed PDF."""

    route_base = "/privacy"
    default_view = "unusual"
    template = "privacy/timeline.html"

    def _timeline(self, title: str, records: list[AuditRecord]):
        if request.args.get("format") == "pdf":
            from casusregie.reports.audit import build_trail_pdf

            pdf, signed = build_trail_pdf(title, records, head(db.session), g.user)
            response = send_file(io.BytesIO(pdf), mimetype="application/pdf",
                                 as_attachment=True, download_name="audit-trail.pdf")
            response.headers["X-Casus-Signature"] = signed
            response.headers["Cache-Control"] = "no-store"
            return response
        return self.render_template(self.template, title=title, records=records,
                                    night=is_night, local=clock.to_local,
                                    action_label=action_label)

    @expose("/person/<int:subject_id>")
    @has_access
    def person(self, subject_id: int):
        return self._timeline(str(_l("Audit trail of person %(id)s", id=subject_id)),
                              person_timeline(db.session, subject_id))

    @expose("/case/<int:case_id>")
    @has_access
    def case(self, case_id: int):
        return self._timeline(str(_l("Audit trail of case %(id)s", id=case_id)),
                              case_timeline(db.session, case_id))

    @expose("/unusual/")
    @has_access
    def unusual(self):
        try:
            days = max(1, min(int(request.args.get("days", 30)), 366))
        except ValueError:
            abort(400)
        since = clock.now_utc() - dt.timedelta(days=days)
        return self.render_template("privacy/unusual.html", title=_l("Unusual access"),
                                    rows=unusual_access(db.session, since), days=days)


def register(appbuilder: AppBuilder) -> None:
    cat = dict(category=CATEGORY, category_label=_l("Privacy"), icon="fa-user-secret")
    appbuilder.add_view(AuditRecordModelView, "Audit trail", label=_l("Audit trail"), **cat)
    appbuilder.add_link("Print log", href="/auditrecordmodelview/list/?_flt_0_action=print",
                        label=_l("Print log"), category=CATEGORY)
    appbuilder.add_view(PrivacyView, "Unusual access", label=_l("Unusual access"),
                        href="/privacy/unusual/", category=CATEGORY)
