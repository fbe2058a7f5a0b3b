"""The management report: the dashboard's charts and tables for a year, as PDF.

Small counts are always suppressed here, whoever prints: a report leaves the system
(to the council, the NCTV), so it carries no count below the threshold. The charts are
the same reportlab drawings the dashboard shows as SVG.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer

from casusregie.app.i18n import format_number
from casusregie.app.management.charts import drawing_for
from casusregie.app.management.figures import (
    TOTAL,
    Cell,
    Dashboard,
    Figure,
    Filters,
    build_dashboard,
)
from casusregie.reports.common import Formatter, data_table, key_value_table, wrapped
from casusregie.reports.document import build_styles, render
from casusregie.reports.dossier import CONTENT_WIDTH, PrintedDocument, PrintRequest, furniture_for
from casusregie.reports.markup import markup


def _cell(cell: Cell, minimum: int, fmt: Formatter) -> str:
    return f"< {minimum}" if cell.suppressed else format_number(cell.value)


def _days(value: float | None, fmt: Formatter) -> str:
    return "—" if value is None else format_number(round(value))


def _label(values: list[tuple[Any, str]], chosen: Any) -> str:
    return next((label for v, label in values if v == chosen), _("All"))


def _figure_table(figure: Figure, board: Dashboard, fmt: Formatter, styles: dict) -> Any:
    header = [str(figure.title)] + [label or _("Count") for _c, label in figure.columns]
    first = 70 * mm if len(figure.columns) > 1 else 110 * mm
    rest = (CONTENT_WIDTH - first) / len(figure.columns)
    rows = [[wrapped(label, first, styles["Cell"])]
            + [_cell(figure.cell(r, c), board.minimum, fmt) for c, _l in figure.columns]
            for r, label in figure.rows]
    if figure.row_total:
        rows.append([_("Total")] + [_cell(figure.cell(TOTAL, c), board.minimum, fmt)
                                    for c, _l in figure.columns])
    return data_table(header, rows, [first] + [rest] * len(figure.columns), styles)


def _lead_times(board: Dashboard, fmt: Formatter, styles: dict) -> Any:
    header = [_("Step"), _("Median"), _("25th percentile"), _("75th percentile")]
    rows = [[str(t.label), _days(t.median, fmt), _days(t.p25, fmt), _days(t.p75, fmt)]
            for t in board.lead_times]
    return data_table(header, rows, [70 * mm] + [(CONTENT_WIDTH - 70 * mm) / 3] * 3, styles)


def build_management_report(filters: Filters, domains: Any,
                            request: PrintRequest) -> PrintedDocument:
    board = build_dashboard(filters, suppress=True)
    styles = build_styles()
    fmt = Formatter(request.locale)
    story: list[Any] = [
        Paragraph(markup(_("CONFIDENTIAL")), styles["Classification"]),
        Paragraph(markup(_("Management report")), styles["Title"]),
        Paragraph(markup(_("The case approach in figures, %(year)s", year=filters.year)),
                  styles["Subtitle"]),
        key_value_table([
            (_("Year"), str(filters.year)),
            (_("Risk group"), _label(domains.risk_groups, filters.risk_group_id)),
            (_("Lead organisation"), _label(domains.organisations, filters.organisation_id)),
            (_("Case conferences held"), format_number(board.conferences_held)),
            (_("Purpose of this print"), request.purpose),
            (_("Printed on"), fmt.datetime(request.printed_at)),
        ], [45 * mm, CONTENT_WIDTH - 45 * mm], styles),
        Spacer(1, 4 * mm),
        Paragraph(markup(_("Counts below %(n)s are shown as < %(n)s, and some other counts "
                           "too where they would reveal one by subtraction.",
                           n=board.minimum)), styles["Muted"]),
        Paragraph(markup(_("Lead times in days")), styles["Heading1"]),
        _lead_times(board, fmt, styles),
    ]
    for figure in board.figures:
        story.append(CondPageBreak(90 * mm))
        story.append(KeepTogether([
            Paragraph(markup(str(figure.title)), styles["Heading1"]),
            Paragraph(markup(str(figure.description)), styles["Muted"]),
            drawing_for(figure)]))
        story.append(_figure_table(figure, board, fmt, styles))
        story.append(Spacer(1, 4 * mm))
    reference = _("Management report %(year)s", year=filters.year)
    pdf, pages = render(story, furniture_for(request, reference, reference))
    stamp = fmt.local_day(request.printed_at).isoformat()
    return PrintedDocument(pdf=pdf, pages=pages,
                           filename=f"management-report-{filters.year}-printed-{stamp}.pdf",
                           reference=reference, sections=tuple(f.key for f in board.figures))
