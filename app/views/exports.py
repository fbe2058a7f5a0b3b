"""Exports of the case, intervention and subject lists (CSV, Excel) and the export log.

The export page is opened from a list page and carries its filters in the query string;
``app.exports`` reads the rows through the list's own view, so the access policy and the
field rules are those of the screen.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Response, abort, current_app, g, request, stream_with_context, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from casusregie.app import exports
from casusregie.app.exports import LISTS, ExportList, ExportLog
from casusregie.app.extensions import db
from casusregie.app.views.base import CasusModelView

MIMETYPES = {"csv": "text/csv",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
TITLES = {"cases": _l("Cases"), "interventions": _l("Interventions"),
          "subjects": _l("Subjects")}


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExportForm(FlaskForm):
    columns = _Checkboxes(_l("Columns"),
                          validators=[DataRequired(message=_l("Choose at least one column."))])
    file_format = RadioField(_l("File format"), default="xlsx",
                             choices=[("xlsx", _l("Excel (.xlsx)")), ("csv", _l("CSV (;)"))],
                             validators=[DataRequired(message=_l("Choose a file format."))])
    purpose = TextAreaField(
        _l("Purpose"),
        description=_l("Why you export these rows, e.g. the monthly check with the police. "
                       "It is recorded with the filters, columns and number of rows."),
        validators=[DataRequired(message=_l("State the purpose of this export.")),
                    Length(min=5, max=500,
                           message=_l("Describe the purpose in 5 to 500 characters."))])


def list_view(appbuilder: AppBuilder, spec: ExportList) -> Any:
    for view in appbuilder.baseviews:
        if type(view).__name__ == spec.view:
            return view
    abort(404)


def export_url(view_name: str) -> str | None:
    """The export page of a list view, with the list's current filters; None when the
    list has no export or the user may not export."""
    spec = next((e for e in LISTS.values() if e.view == view_name), None)
    if spec is None or not current_app.appbuilder.sm.has_access("can_export", "ExportView"):
        return None
    return url_for("ExportView.export", name=spec.name, **request.args)


class ExportView(BaseView):
    """Choose columns, format and purpose; the file follows as a streamed download."""

    route_base = "/export"
    default_view = "export"

    @expose("/<name>/", methods=["GET", "POST"])
    @has_access
    def export(self, name: str) -> Response | str:
        spec = LISTS.get(name)
        if spec is None:
            abort(404)
        if not self.appbuilder.sm.has_access("can_list", spec.view):
            abort(403)
        view = list_view(self.appbuilder, spec)
        offered = exports.offered_columns(view)
        form = ExportForm()
        form.columns.choices = offered
        if not form.is_submitted():
            form.columns.data = [c for c, _label in offered if c in view.list_columns]
        query, filters = exports.filtered_query(view)
        if form.validate_on_submit():
            return self._download(spec, view, form, query, filters)
        return self.render_template(
            "exports/export_form.html", form=form, title=_("Export: %(list)s",
                                                           list=TITLES[spec.name]),
            row_count=exports.count_rows(view, filters),
            back=url_for(f"{spec.view}.list", **request.args),
            filters=exports.describe_filters(view))

    def _download(self, spec: ExportList, view: Any, form: ExportForm, query: Any,
                  filters: Any) -> Response:
        chosen = [c for c, _label in form.columns.choices if c in form.columns.data]
        labels = dict(form.columns.choices)
        header = [str(labels[c]) for c in chosen]
        count = exports.count_rows(view, filters)
        _record(spec, form, chosen, count, exports.describe_filters(view))
        body = exports.plain_rows(view, query, chosen)
        fmt = form.file_format.data
        stamp = f"{spec.name}-{g.user.username}"
        size = None
        if fmt == "csv":
            chunks: Any = exports.csv_chunks(header, body)
        else:
            handle = exports.xlsx_file(header, body, spec.name)
            size = os.fstat(handle.fileno()).st_size
            chunks = exports.file_chunks(handle)
        response = Response(stream_with_context(chunks), mimetype=MIMETYPES[fmt])
        if size is not None:
            # The workbook is complete before it is sent: its size lets the browser show
            # the download's progress as a share of the whole.
            response.headers["Content-Length"] = str(size)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="export-{stamp}.{fmt}"')
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Export-Rows"] = str(count)
        return response


def _record(spec: ExportList, form: ExportForm, columns: list[str], count: int,
            filters: str) -> None:
    user = g.user
    org = getattr(user, "organisation", None)
    db.session.add(ExportLog(
        user_id=user.id, username=user.username,
        organisation=org.name if org is not None else "", list_name=spec.name,
        file_format=form.file_format.data, filters=filters, columns=",".join(columns),
        row_count=count, purpose=form.purpose.data.strip()))
    db.session.commit()


class ExportLogModelView(CasusModelView):
    """The export log: read only, for coordinators and the privacy officer."""

    datamodel = SQLAInterface(ExportLog)
    list_title = _l("Export log")
    show_title = _l("Export")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["exported_at", "username", "organisation", "list_name", "file_format",
                    "row_count"]
    show_columns = [*list_columns, "filters", "columns", "purpose"]
    search_columns = ["username", "list_name", "exported_at"]
    base_order = ("exported_at", "desc")
    label_columns = {"exported_at": _l("When"), "username": _l("User"),
                     "organisation": _l("Organisation"), "list_name": _l("List"),
                     "file_format": _l("File format"), "row_count": _l("Rows"),
                     "filters": _l("Filters"), "columns": _l("Columns"),
                     "purpose": _l("Purpose")}


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view_no_menu(ExportView)
    appbuilder.add_view(ExportLogModelView, "Export log", label=_l("Export log"),
                        icon="fa-download", category="Sturing", category_label=_l("Management"))
    appbuilder.app.jinja_env.globals["casus_export_url"] = export_url
