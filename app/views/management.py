"""Menu "Sturing": the management dashboard and the management report PDF.

The figures come from ``app.management.figures`` (read through the access policy);
this module only parses the filters, renders the page and prints the report.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask import abort, g, request, send_file
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from casusregie.app.access import current_actor
from casusregie.app.i18n import active_locale
from casusregie.app.management.charts import svg_for
from casusregie.app.management.figures import Dashboard, Filters, build_dashboard, load_domains
from casusregie.reports.models import PrintLog

CATEGORY = "Sturing"
YEARS_OFFERED = 6


class ReportForm(FlaskForm):
    purpose = TextAreaField(
        _l("Purpose"),
        description=_l("Why you print this report, e.g. the quarterly report to the "
                       "council. It is recorded."),
        validators=[DataRequired(message=_l("State the purpose of this print.")),
                    Length(min=5, max=500,
                           message=_l("Describe the purpose in 5 to 500 characters."))])


def years_offered(today: dt.date | None = None) -> list[int]:
    year = (today or dt.date.today()).year
    return list(range(year, year - YEARS_OFFERED, -1))


def _int_arg(name: str, allowed: set[int], errors: list[str], message: str) -> int | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    if raw.isdigit() and int(raw) in allowed:
        return int(raw)
    errors.append(message)
    return None


def parse_filters(domains: Any) -> tuple[Filters, list[str]]:
    """The filters of the query string; a value not offered is refused with a message
    (and the page shows the default in its place, the other filters kept)."""
    errors: list[str] = []
    years = years_offered()
    year = _int_arg("year", set(years), errors, _("Choose a year from the list.")) or years[0]
    group = _int_arg("risk_group", {v for v, _l_ in domains.risk_groups}, errors,
                     _("Choose a risk group from the list."))
    org = _int_arg("organisation", {v for v, _l_ in domains.organisations}, errors,
                   _("Choose an organisation from the list."))
    return Filters(year, group, org), errors


class ManagementView(BaseView):
    """The approach in figures, as far as the viewer may see them."""

    route_base = "/management"
    default_view = "dashboard"

    def _load(self) -> tuple[Dashboard, Any, list[str]]:
        domains = _domains()
        filters, errors = parse_filters(domains)
        return build_dashboard(filters), domains, errors

    @expose("/")
    @has_access
    def dashboard(self) -> str:
        board, domains, errors = self._load()
        charts = {f.key: svg_for(f) for f in board.figures}
        return self.render_template(
            "management/dashboard.html", board=board, charts=charts, domains=domains,
            years=years_offered(), errors=errors, form=ReportForm(),
            title=_("Management information"))

    @expose("/report", methods=["POST"])
    @has_access
    def report(self) -> Response | str:
        form = ReportForm()
        if not form.validate_on_submit():
            board, domains, errors = self._load()
            charts = {f.key: svg_for(f) for f in board.figures}
            return self.render_template(
                "management/dashboard.html", board=board, charts=charts, domains=domains,
                years=years_offered(), errors=errors, form=form,
                title=_("Management information"))
        return self._print(form.purpose.data.strip())

    def _print(self, purpose: str) -> Response:
        from casusregie.reports.dossier import PrintRequest
        from casusregie.reports.management import build_management_report

        domains = _domains()
        filters, errors = parse_filters(domains)
        if errors:
            abort(400)
        user = g.user
        printing = PrintRequest(user=user, actor=current_actor(), purpose=purpose,
                                locale=active_locale(), sections=())
        printed = build_management_report(filters, domains, printing)
        _log_print(user, printing, printed)
        response = send_file(io.BytesIO(printed.pdf), mimetype="application/pdf",
                             as_attachment=True, download_name=printed.filename)
        response.headers["Cache-Control"] = "no-store"
        return response


def _domains() -> Any:
    from casusregie.app.access import figures_access

    with figures_access(current_actor()):
        return load_domains()


def _log_print(user: Any, printing: Any, printed: Any) -> None:
    from casusregie.app.extensions import db

    org = getattr(user, "organisation", None)
    db.session.add(PrintLog(
        printed_at=printing.printed_at, user_id=user.id, username=user.username,
        organisation=org.name if org is not None else "", document="management",
        reference=printed.reference, sections=",".join(printed.sections),
        purpose=printing.purpose, recipient="", locale=printing.locale,
        pages=printed.pages))
    db.session.commit()


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(ManagementView, "Dashboard", label=_l("Dashboard"),
                        icon="fa-bar-chart", category=CATEGORY, category_label=_l("Management"))
