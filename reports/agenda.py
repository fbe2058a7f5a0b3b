"""The agenda of a planned case conference: per case a summary, the last decisions and
the open actions, read through the guarded session like the dossier."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, HRFlowable, KeepTogether, Paragraph, Spacer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casusregie.app.extensions import db
from casusregie.app.models import AgendaItem, Case, CaseConference, Decision, Intervention
from casusregie.reports.common import (
    Formatter,
    data_table,
    key_value_table,
    para,
    person_name,
    text,
    visible,
    wrapped,
)
from casusregie.reports.document import RULE, Furniture, build_styles, render
from casusregie.reports.dossier import (
    CONTENT_WIDTH,
    PrintedDocument,
    PrintRequest,
    furniture_for,
    open_statuses,
)
from casusregie.reports.markup import markup

LAST_DECISIONS = 3


def build_agenda(conference_id: int, request: PrintRequest) -> PrintedDocument | None:
    conference = db.session.scalars(
        select(CaseConference).where(CaseConference.id == conference_id)).one_or_none()
    if conference is None:
        return None
    items = list(db.session.scalars(
        select(AgendaItem).join(Case, AgendaItem.case_id == Case.id)
        .where(AgendaItem.conference_id == conference.id)
        .options(selectinload(AgendaItem.case))
        .order_by(AgendaItem.position, AgendaItem.id)))
    case_ids = [i.case_id for i in items]
    decisions: dict[int, list[Decision]] = defaultdict(list)
    for d in db.session.scalars(select(Decision).where(Decision.case_id.in_(case_ids))
                                .order_by(Decision.decided_at.desc(), Decision.id.desc())):
        if len(decisions[d.case_id]) < LAST_DECISIONS:
            decisions[d.case_id].append(d)
    actions: dict[int, list[Intervention]] = defaultdict(list)
    for i in db.session.scalars(select(Intervention)
                                .where(Intervention.case_id.in_(case_ids),
                                       Intervention.status.in_(open_statuses()))
                                .order_by(Intervention.start_date, Intervention.id)):
        actions[i.case_id].append(i)

    styles = build_styles()
    fmt = Formatter(request.locale)
    actor = request.actor
    when = fmt.datetime_short(conference.held_on)
    story: list[Any] = [
        Paragraph(markup(_("CONFIDENTIAL")), styles["Classification"]),
        Paragraph(markup(_("Case conference agenda")), styles["Title"]),
        Paragraph(markup(when + (f" · {conference.location}" if conference.location else "")),
                  styles["Subtitle"]),
        key_value_table([
            (_("Chair"), person_name(conference.chair) or "—"),
            (_("Status"), fmt.label(conference.status)),
            (_("Cases on the agenda"), str(len(items))),
            (_("Purpose of this print"), request.purpose),
            (_("Printed by"), person_name(request.user)),
            (_("Printed on"), fmt.datetime(request.printed_at)),
        ], [45 * mm, CONTENT_WIDTH - 45 * mm], styles),
        Spacer(1, 8 * mm),
    ]
    if not items:
        story.append(Paragraph(markup(_("No cases on the agenda.")), styles["Muted"]))
    header = [_("Open action"), _("Partner"), _("Status"), _("Start")]
    widths = [62 * mm, 62 * mm, 24 * mm, CONTENT_WIDTH - 148 * mm]
    for n, item in enumerate(items, start=1):
        case = item.case
        director = person_name(case.case_director) or "—"
        head = [
            CondPageBreak(50 * mm),
            HRFlowable(width="100%", thickness=0.6, color=RULE, spaceBefore=2, spaceAfter=8),
            Paragraph(markup(f"{n}. {case.number} — {case.subject_names}"),
                      styles["Heading1"]),
            Paragraph(markup(" · ".join([
                fmt.label(case.phase),
                _("risk group %(n)s", n=case.risk_group.number if case.risk_group else "?"),
                _("case director %(name)s", name=director),
                _("review date %(date)s", date=fmt.date(case.review_date) or "—"),
            ])), styles["Muted"]),
            para(visible(case, "summary", actor) or "—", styles["Body"]),
        ]
        story.append(KeepTogether(head))
        story.append(Paragraph(markup(_("Last decisions")), styles["Heading3"]))
        if decisions[case.id]:
            for d in decisions[case.id]:
                story.append(Paragraph(
                    f"<b>{markup(fmt.date(d.decided_at))}</b> · {markup(fmt.label(d.kind))}: "
                    f"{markup(text(visible(d, 'reasons', actor)))}", styles["Body"]))
        else:
            story.append(Paragraph(markup(_("No decisions recorded.")), styles["Muted"]))
        story.append(Paragraph(markup(_("Open actions")), styles["Heading3"]))
        open_items = actions[case.id]
        if open_items:
            cell = styles["Cell"]
            rows = [[wrapped(i.type.name if i.type else "", widths[0], cell),
                     wrapped(i.organisation.name if i.organisation else "", widths[1], cell),
                     fmt.label(i.status), fmt.date(i.start_date)] for i in open_items]
            story.append(data_table(header, rows, widths, styles))
        else:
            story.append(Paragraph(markup(_("No open actions.")), styles["Muted"]))
        if item.notes:
            story.append(Paragraph(markup(_("Agenda notes")), styles["Heading3"]))
            story.append(para(visible(item, "notes", actor), styles["Body"]))
        story.append(Spacer(1, 6 * mm))

    reference = _("Case conference %(when)s", when=when)
    furniture: Furniture = furniture_for(request, reference, reference)
    pdf, pages = render(story, furniture)
    stamp = fmt.local_day(request.printed_at).isoformat()
    return PrintedDocument(pdf=pdf, pages=pages,
                           filename=f"agenda-{fmt.local_day(conference.held_on)}-printed-{stamp}.pdf",
                           reference=reference,
                           sections=tuple(i.case.number for i in items))
