"""The subject access report (AVG art. 15) as PDF, from ``app.retention.subject_access``.

Same furniture as the dossier: classification, watermark with who produced it, page X
of Y. The content is gathered (and other people's data withheld) before it gets here.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from casusregie.reports.common import Formatter, data_table, key_value_table, wrapped
from casusregie.reports.document import build_styles, render
from casusregie.reports.dossier import CONTENT_WIDTH, PrintedDocument, PrintRequest, furniture_for
from casusregie.reports.markup import markup

LABEL = 45 * mm


def _pairs(rows: list[tuple[str, Any]], styles: dict) -> Any:
    return key_value_table([(k, v or "—") for k, v in rows], [LABEL, CONTENT_WIDTH - LABEL],
                           styles)


def _table(header: list[str], rows: list[list[str]], widths: list[float], styles: dict,
           caption: str) -> list[Any]:
    if not rows:
        return []
    cell = styles["Cell"]
    wrapped_rows = [[wrapped(value or "—", width, cell) for value, width in zip(row, widths,
                                                                                strict=True)]
                    for row in rows]
    return [data_table(header, wrapped_rows, widths, styles, caption=caption),
            Spacer(1, 3 * mm)]


def _case(case: dict[str, Any], styles: dict) -> list[Any]:
    story: list[Any] = [
        Paragraph(markup(_("Case %(number)s", number=case["number"])), styles["Heading1"]),
        _pairs([(_("In the case through"), case["via_group"]), (_("Phase"), case["phase"]),
                (_("Risk group"), case["risk_group"]),
                (_("Lead organisation"), case["lead_organisation"]),
                (_("Opened"), case["opened_at"]), (_("Closed"), case["closed_at"]),
                (_("Close reason"), case["close_reason"]),
                (_("Kept until"), case["retention_until"]), (_("Summary"), case["summary"])],
               styles),
        Spacer(1, 3 * mm),
    ]
    w = CONTENT_WIDTH
    story += _table([_("Received"), _("Concern"), _("Status")],
                    [[s["received_at"], s["concern"], s["status"]] for s in case["signals"]],
                    [30 * mm, w - 60 * mm, 30 * mm], styles, _("Signals"))
    story += _table([_("Date"), _("Decision"), _("Reasons")],
                    [[d["date"], d["kind"], d["reasons"]] for d in case["decisions"]],
                    [30 * mm, 35 * mm, w - 65 * mm], styles, _("Decisions"))
    story += _table([_("Date"), _("Risk factors"), _("Protective factors"), _("Life domains")],
                    [[a["date"], a["risk_factors"], a["protective_factors"],
                      a["life_domains"]] for a in case["assessments"]],
                    [25 * mm, (w - 25 * mm) / 3, (w - 25 * mm) / 3, (w - 25 * mm) / 3],
                    styles, _("Assessments"))
    story += _table([_("Goal")], [[g] for g in case["goals"]], [w], styles, _("Goals"))
    story += _table([_("Intervention"), _("Organisation"), _("Status"), _("Period"),
                     _("Outcome")],
                    [[i["type"], i["organisation"], i["status"],
                      f"{i['start']} – {i['end']}", i["outcome"]]
                     for i in case["interventions"]],
                    [35 * mm, 35 * mm, 22 * mm, 38 * mm, w - 130 * mm], styles,
                    _("Interventions"))
    story += _table([_("Date"), _("Organisation"), _("Note")],
                    [[n["date"], n["organisation"], n["text"]] for n in case["notes"]],
                    [30 * mm, 40 * mm, w - 70 * mm], styles, _("Notes"))
    story += _table([_("Conference")], [[c] for c in case["conferences"]], [w], styles,
                    _("Discussed in case conferences"))
    return story


def build_subject_access(data: dict[str, Any], request: PrintRequest) -> PrintedDocument:
    styles = build_styles()
    fmt = Formatter(request.locale)
    person = data["person"]
    w = CONTENT_WIDTH
    story: list[Any] = [
        Paragraph(markup(_("CONFIDENTIAL")), styles["Classification"]),
        Paragraph(markup(_("Subject access report")), styles["Title"]),
        Paragraph(markup(_("Personal data held about %(name)s (art. 15 AVG)",
                           name=person["name"])), styles["Subtitle"]),
        _pairs([(_("Name"), person["name"]), (_("Date of birth"), person["date_of_birth"]),
                (_("BSN"), person["bsn"]), (_("Municipality"), person["municipality"]),
                (_("Registered"), person["registered_at"]),
                (_("Member of group"), ", ".join(person["groups"])),
                (_("Relations registered"), ", ".join(person["relations"])),
                (_("Produced on"), fmt.datetime(request.printed_at)),
                (_("Request"), request.purpose)], styles),
        Spacer(1, 3 * mm),
        Paragraph(markup(_("Other people's data in the same cases is withheld; their names "
                           "in texts are shown as […]. Who reported a signal is not "
                           "named.")), styles["Muted"]),
        Paragraph(markup(_("Purposes and legal bases")), styles["Heading1"]),
    ]
    story += _table([_("Purpose"), _("Legal basis"), _("Case"), _("Organisation")],
                    [[p["purpose"], p["legal_basis"], p.get("case", ""),
                      p.get("organisation", "")] for p in data["purposes"]],
                    [w * 0.4, w * 0.3, w * 0.12, w * 0.18], styles,
                    _("Purposes and legal bases"))
    story.append(Paragraph(markup(_("Organisations that received or saw data")),
                           styles["Heading1"]))
    story += _table([_("Organisation"), _("How"), _("First"), _("Last"), _("Times")],
                    [[o["organisation"], o["how"], o["first"], o["last"], o["times"]]
                     for o in data["organisations"]],
                    [w * 0.3, w * 0.28, w * 0.16, w * 0.16, w * 0.1], styles,
                    _("Organisations"))
    for case in data["cases"]:
        story += _case(case, styles)
    if data["signals"]:
        story.append(Paragraph(markup(_("Signals that did not become a case")),
                               styles["Heading1"]))
        story += _table([_("Received"), _("Concern"), _("Status"), _("Kept until")],
                        [[s["received_at"], s["concern"], s["status"], s["retention_until"]]
                         for s in data["signals"]],
                        [30 * mm, w - 90 * mm, 30 * mm, 30 * mm], styles, _("Signals"))
    if not data["cases"] and not data["signals"]:
        story.append(Paragraph(markup(_("No cases or signals are held about this person.")),
                               styles["Body"]))
    reference = _("Subject access report")
    pdf, pages = render(story, furniture_for(request, reference, reference))
    stamp = fmt.local_day(request.printed_at).isoformat()
    return PrintedDocument(pdf=pdf, pages=pages, filename=f"subject-access-{stamp}.pdf",
                           reference=reference, sections=("subject_access",))
