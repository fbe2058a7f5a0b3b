"""The confidential case dossier.

Everything is read through the normal ORM session, so the access policy's row guard
decides which decisions, interventions, notes and conferences the reader gets, and
``can_see_field`` decides the sensitive fields. Core sections and plugin sections share
one contract (``reports.api``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Spacer,
    TableStyle,
)
from sqlalchemy import select, union
from sqlalchemy.orm import contains_eager, joinedload

from casusregie.app import clock
from casusregie.app.access import Actor, case_subjects_loader
from casusregie.app.extensions import db
from casusregie.app.models import (
    ActionPlan,
    AgendaItem,
    Assessment,
    Case,
    CaseConference,
    CaseNote,
    Decision,
    Goal,
    Intervention,
    InterventionStatus,
    Signal,
)
from casusregie.app.plugin_manager import dossier_sections
from casusregie.reports.api import DossierContext, DossierSection
from casusregie.reports.common import (
    HIDDEN,
    Formatter,
    data_table,
    key_value_table,
    para,
    person_name,
    text,
    visible,
    wrapped,
)
from casusregie.reports.document import (
    ACCENT,
    CELL_FONT,
    CLASSIFICATION,
    PROTECTIVE,
    RISK,
    RULE,
    Furniture,
    build_styles,
    render,
    table_of_contents,
)
from casusregie.reports.flow import Table as FlowTable
from casusregie.reports.flow import paragraph
from casusregie.reports.markup import markup

CONTENT_WIDTH = 174 * mm
#: Tables longer than this may run over a page; their caption row says what they list.
LONG_TABLE = 20


@dataclass(frozen=True)
class PrintRequest:
    """Who prints what, for whom and why."""

    user: Any                        # the printing CasusUser
    actor: Actor | None
    purpose: str
    locale: str
    sections: Sequence[str]
    recipient: str = ""
    printed_at: dt.datetime = field(
        default_factory=clock.now_utc)


@dataclass(frozen=True)
class PrintedDocument:
    pdf: bytes
    pages: int
    filename: str
    reference: str
    sections: tuple[str, ...]


def furniture_for(request: PrintRequest, reference: str, title: str) -> Furniture:
    fmt = Formatter(request.locale)
    printer = person_name(request.user)
    org = getattr(request.user, "organisation", None)
    when = fmt.datetime_short(request.printed_at)
    by = f"{printer} ({org})" if org is not None else printer
    return Furniture(
        classification=_("CONFIDENTIAL"),
        reference=reference,
        printed=_("Printed by %(name)s on %(when)s", name=by, when=when),
        page_of=lambda page, total: _("Page %(page)s of %(total)s", page=page, total=total),
        watermark=f"{printer} · {request.user.username} · {fmt.date(request.printed_at)}",
        title=title,
        author=printer,
        lang=request.locale,
    )


# --- data, loaded once per dossier through the guarded session -------------------------

class _Data:
    """Lazily loaded rows of one case, shared by the sections."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self._cache: dict[str, Any] = {}

    def _memo(self, key: str, load) -> Any:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    @property
    def interventions(self) -> list[Intervention]:
        return self._memo("interventions", lambda: list(db.session.scalars(
            select(Intervention).where(Intervention.case_id == self.case.id)
            .order_by(Intervention.start_date.is_(None), Intervention.start_date,
                      Intervention.id))))

    @property
    def plans(self) -> list[ActionPlan]:
        # Goals joined in rather than fetched by a second query.
        return self._memo("plans", lambda: list(db.session.scalars(
            select(ActionPlan).where(ActionPlan.case_id == self.case.id)
            .options(joinedload(ActionPlan.goals).joinedload(Goal.organisation))
            .order_by(ActionPlan.version_number.desc())).unique()))

    @property
    def decisions(self) -> list[Decision]:
        return self._memo("decisions", self._load_decisions)

    def _load_decisions(self) -> list[Decision]:
        # The decisions of the case and of its signals, as a union of ids: with an
        # IN-subquery inside an OR, PostgreSQL scans every decision (about a second at city
        # scale) instead of using both indexes.
        ids = union(
            select(Decision.id).where(Decision.case_id == self.case.id),
            select(Decision.id).join(Signal, Signal.id == Decision.signal_id)
            .where(Signal.case_id == self.case.id))
        return list(db.session.scalars(
            select(Decision).where(Decision.id.in_(ids))
            .order_by(Decision.decided_at, Decision.id)))

    @property
    def agenda_items(self) -> list[AgendaItem]:
        return self._memo("agenda", lambda: list(db.session.scalars(
            select(AgendaItem).join(CaseConference)
            .where(AgendaItem.case_id == self.case.id)
            .options(contains_eager(AgendaItem.conference).joinedload(CaseConference.chair))
            .order_by(CaseConference.held_on.desc()))))


def _ctx_data(ctx: DossierContext) -> _Data:
    return ctx.data


def _fmt(ctx: DossierContext) -> Formatter:
    # A frozen value whose work is cached per date and locale: cheap to make per section.
    return Formatter(ctx.locale)


def _empty(ctx: DossierContext, message: str) -> list[Any]:
    return [paragraph(markup(message), ctx.styles["Muted"])]


# --- core sections --------------------------------------------------------------------

def _decisions(ctx: DossierContext) -> list[Any]:
    decisions = _ctx_data(ctx).decisions
    if not decisions:
        return _empty(ctx, _("No decisions recorded."))
    fmt, styles, actor = _fmt(ctx), ctx.styles, ctx.actor
    rows = []
    for d in decisions:
        what = (f"<b>{markup(fmt.label(d.kind))}</b><br/>"
                f"<font size=7.5 color='#616e7c'>{markup(fmt.label(d.body))}</font>")
        reasons = visible(d, "reasons", actor)
        details = [para(reasons, styles["Cell"])]
        who = [person_name(d.decided_by)]
        orgs = ", ".join(o.name for o in d.organisations)
        if orgs:
            who.append(orgs)
        details.append(paragraph(
            f"<font size=7.5 color='#616e7c'>{markup(' · '.join(who))}</font>", styles["Cell"]))
        rows.append([paragraph(f"<b>{markup(fmt.date(d.decided_at))}</b>", styles["Cell"]),
                     "●", paragraph(what, styles["Cell"]), details])
    table = FlowTable(rows, colWidths=[28 * mm, 6 * mm, 36 * mm, CONTENT_WIDTH - 70 * mm],
                  hAlign="LEFT")
    table.setStyle(TableStyle([
        CELL_FONT,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TEXTCOLOR", (1, 0), (1, -1), ACCENT),
        ("FONT", (1, 0), (1, -1), styles["Cell"].fontName, 9),
        ("ALIGN", (1, 0), (1, -1), "CENTER"),
        ("LINEAFTER", (0, 0), (0, -1), 1.2, ACCENT),
        ("LINEBELOW", (2, 0), (-1, -2), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    return [table]


def _assessment(ctx: DossierContext) -> list[Any]:
    assessments = list(db.session.scalars(
        select(Assessment).where(Assessment.case_id == ctx.case.id)
        .options(joinedload(Assessment.author))
        .order_by(Assessment.assessed_on.desc())))
    if not assessments:
        return _empty(ctx, _("No assessment recorded."))
    fmt, styles, actor = _fmt(ctx), ctx.styles, ctx.actor
    out: list[Any] = []
    for a in assessments:
        author = person_name(a.author)
        out.append(paragraph(markup(_("Assessment of %(date)s", date=fmt.long_date(
            a.assessed_on)) + (f" — {author}" if author else "")), styles["Heading3"]))
        half = CONTENT_WIDTH / 2
        grid = FlowTable(
            [[paragraph(markup(_("Risk factors")), styles["Label"]),
              paragraph(markup(_("Protective factors")), styles["Label"])],
             [para(visible(a, "risk_factors", actor), styles["Cell"]),
              para(visible(a, "protective_factors", actor), styles["Cell"])]],
            colWidths=[half, half], hAlign="LEFT")
        grid.setStyle(TableStyle([
            CELL_FONT,
            ("BACKGROUND", (0, 0), (0, -1), RISK),
            ("BACKGROUND", (1, 0), (1, -1), PROTECTIVE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEAFTER", (0, 0), (0, -1), 2, "white"),
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ]))
        out.append(grid)
        domains = visible(a, "life_domains", actor)
        if domains:
            out += [Spacer(1, 4), paragraph(markup(_("Life domains")), styles["Label"]),
                    para(domains, styles["Body"])]
    return out


def _intervention_rows(items: Sequence[Intervention], ctx: DossierContext,
                       widths: Sequence[float]) -> list[list[Any]]:
    """Rows for the interventions of one partner and domain, with their outcome."""
    fmt, cell, actor = _fmt(ctx), ctx.styles["Cell"], ctx.actor
    return [[wrapped(i.type.display_name if i.type else "", widths[0], cell), fmt.label(i.status),
             fmt.date(i.start_date), fmt.date(i.end_date),
             wrapped(visible(i, "outcome", actor), widths[-1], cell)] for i in items]


def _goal_rows(items: Sequence[Intervention], ctx: DossierContext,
               widths: Sequence[float]) -> list[list[Any]]:
    """Compact rows under a goal; the outcome follows in the section per partner."""
    fmt, cell = _fmt(ctx), ctx.styles["Cell"]
    rows = []
    for i in items:
        period = fmt.date(i.start_date)
        if i.end_date:
            period = f"{period} – {fmt.date(i.end_date)}"
        rows.append([wrapped(i.type.display_name if i.type else "", widths[0], cell),
                     wrapped(i.organisation.name if i.organisation else "", widths[1], cell),
                     fmt.label(i.status), period])
    return rows


def _plan(ctx: DossierContext) -> list[Any]:
    data = _ctx_data(ctx)
    plans = data.plans
    if not plans:
        return _empty(ctx, _("No action plan recorded."))
    fmt, styles = _fmt(ctx), ctx.styles
    current = next((p for p in plans if p.current), plans[0])
    by_goal: dict[int | None, list[Intervention]] = defaultdict(list)
    for i in data.interventions:
        by_goal[i.goal_id].append(i)
    out: list[Any] = [paragraph(markup(_("Version %(n)s of %(date)s", n=current.version_number,
                                         date=fmt.long_date(current.created_at))),
                                styles["Muted"])]
    if current.description:
        out.append(para(current.description, styles["Body"]))
    header = [_("Intervention"), _("Partner"), _("Status"), _("Period")]
    widths = [58 * mm, 50 * mm, 22 * mm, CONTENT_WIDTH - 130 * mm]
    for n, goal in enumerate(current.goals, start=1):
        owner = f" — {goal.organisation.name}" if goal.organisation else ""
        out.append(paragraph(
            f"{n}. {markup(goal.description)}"
            f"<font size=8 color='#616e7c'>{markup(owner)} · {markup(fmt.label(goal.status))}"
            f"</font>", styles["Heading3"]))
        items = by_goal.get(goal.id, [])
        if items:
            # A long list runs over pages: repeat which goal it belongs to.
            caption = _("Goal %(n)s", n=n) if len(items) > LONG_TABLE else None
            out.append(data_table(header, _goal_rows(items, ctx, widths), widths, styles,
                                  caption=caption))
        else:
            out.append(paragraph(markup(_("No interventions for this goal.")), styles["Muted"]))
    older = [p for p in plans if p is not current]
    if older:
        out.append(paragraph(markup(_("Earlier versions: %(list)s", list=", ".join(
            f"v{p.version_number} ({fmt.date(p.created_at)})" for p in older))),
            styles["Muted"]))
    return out


def _interventions(ctx: DossierContext) -> list[Any]:
    items = _ctx_data(ctx).interventions
    if not items:
        return _empty(ctx, _("No interventions recorded."))
    fmt, styles = _fmt(ctx), ctx.styles
    groups: dict[tuple[str, str], list[Intervention]] = defaultdict(list)
    for i in items:
        org = i.organisation.name if i.organisation else ""
        groups[(org, fmt.label(i.type.domain) if i.type else "")].append(i)
    header = [_("Intervention"), _("Status"), _("Start"), _("End"), _("Outcome")]
    widths = [46 * mm, 19 * mm, 22 * mm, 22 * mm, CONTENT_WIDTH - 109 * mm]
    out: list[Any] = []
    last_org = None
    for (org, domain), group in sorted(groups.items()):
        if org != last_org:
            out.append(paragraph(markup(org), styles["Heading2"]))
            last_org = org
        caption = f"{org} · {domain} ({len(group)})"
        out.append(data_table(header, _intervention_rows(group, ctx, widths), widths, styles,
                              caption=caption))
        out.append(Spacer(1, 4 * mm))
    return out


def _conferences(ctx: DossierContext) -> list[Any]:
    data = _ctx_data(ctx)
    items = data.agenda_items
    if not items:
        return _empty(ctx, _("The case has not been on a case conference agenda."))
    fmt, styles, actor = _fmt(ctx), ctx.styles, ctx.actor
    by_item: dict[int, list[Decision]] = defaultdict(list)
    for d in data.decisions:
        if d.agenda_item_id is not None:
            by_item[d.agenda_item_id].append(d)
    # The labels are translated once, not once per conference.
    location, chair, discussed, yes, no, notes_label, next_review, decision = (
        _("Location"), _("Chair"), _("Discussed"), _("yes"), _("no"), _("Notes"),
        _("Next review"), _("Decision"))
    out: list[Any] = []
    for item in items:
        conf = item.conference
        head = f"{fmt.datetime_short(conf.held_on)} · {fmt.label(conf.status)}"
        rows: list[tuple[str, Any]] = []
        if conf.location:
            rows.append((location, conf.location))
        if conf.chair:
            rows.append((chair, person_name(conf.chair)))
        rows.append((discussed, yes if item.discussed else no))
        notes = visible(item, "notes", actor)
        if notes:
            rows.append((notes_label, notes))
        if item.next_review_date:
            rows.append((next_review, fmt.date(item.next_review_date)))
        for d in by_item.get(item.id, []):
            reasons = text(visible(d, "reasons", actor))
            rows.append((decision, f"{fmt.label(d.kind)}: {reasons}"))
        out.append(KeepTogether([paragraph(markup(head), styles["Heading3"]),
                                 key_value_table(rows, [36 * mm, CONTENT_WIDTH - 36 * mm],
                                                 styles)]))
    return out


def _notes(ctx: DossierContext) -> list[Any]:
    notes = list(db.session.scalars(
        select(CaseNote).where(CaseNote.case_id == ctx.case.id)
        .options(joinedload(CaseNote.organisation))
        .order_by(CaseNote.created_at)))
    if not notes:
        return _empty(ctx, _("No notes."))
    fmt, styles, actor = _fmt(ctx), ctx.styles, ctx.actor
    out: list[Any] = []
    for note in notes:
        org = f" ({note.organisation.name})" if note.organisation else ""
        out.append(paragraph(
            f"<b>{markup(fmt.datetime_short(note.created_at))}</b> — "
            f"{markup(person_name(note.author) + org)}", styles["Small"]))
        out.append(para(visible(note, "text", actor), styles["Body"]))
        out.append(Spacer(1, 3))
    return out


CORE_SECTIONS: tuple[tuple[str, Any, Any, int], ...] = (
    ("decisions", _l("Decisions"), _decisions, 100),
    ("assessment", _l("Assessment"), _assessment, 200),
    ("plan", _l("Action plan"), _plan, 300),
    ("interventions", _l("Interventions by partner and domain"), _interventions, 400),
    ("conferences", _l("Case conferences"), _conferences, 600),
    ("notes", _l("Notes"), _notes, 700),
)


def available_sections() -> list[DossierSection]:
    """The core sections and those of enabled plugins, in print order."""
    core = [DossierSection(key=k, title=str(t), render=r, order=o)
            for k, t, r, o in CORE_SECTIONS]
    plugin = list(dossier_sections(current_app))
    seen = {s.key for s in core}
    extra = [s for s in plugin if s.key not in seen]
    return sorted([*core, *extra], key=lambda s: (s.order, s.key))


# --- the document ---------------------------------------------------------------------

def _cover(case: Case, request: PrintRequest, ctx: DossierContext,
           chosen: Sequence[DossierSection]) -> list[Any]:
    fmt, styles, actor = _fmt(ctx), ctx.styles, request.actor
    subjects = []
    for s in case.subjects:
        parts = [f"<b>{markup(s.full_name)}</b>"]
        born = visible(s, "date_of_birth", actor)
        if isinstance(born, dt.date):
            parts.append(markup(_("born %(date)s", date=fmt.date(born))))
        elif born is HIDDEN:
            parts.append(markup(_("date of birth %(value)s", value=text(born))))
        bsn = visible(s, "bsn", actor)
        if bsn and isinstance(bsn, str):
            parts.append(markup(_("BSN %(bsn)s", bsn=bsn)))
        subjects.append(", ".join(parts))
    risk = case.risk_group
    risk_text = ""
    if risk is not None:
        name = risk.name_en if request.locale == "en" and risk.name_en else risk.name
        risk_text = f"{risk.number}. {name}"
    printer = person_name(request.user)
    org = getattr(request.user, "organisation", None)
    rows: list[tuple[str, Any]] = [
        (_("Case number"), case.number),
        (_("Subjects"), paragraph("<br/>".join(subjects) or "—", styles["Cell"])),
        (_("Risk group"), risk_text),
        (_("Phase"), fmt.label(case.phase)),
        (_("Lead organisation"), case.lead_organisation.name if case.lead_organisation else ""),
        (_("Case director"), person_name(case.case_director) or "—"),
        (_("Review date"), fmt.date(case.review_date) or "—"),
        (_("Purpose of this print"), request.purpose),
        (_("Printed for"), request.recipient or (f"{printer} ({org})" if org else printer)),
        (_("Printed by"), f"{printer} ({org})" if org else printer),
        (_("Printed on"), fmt.datetime(request.printed_at)),
        (_("Sections"), ", ".join(s.title for s in chosen)),
    ]
    notice = FlowTable([[paragraph(markup(_(
        "This dossier is confidential. It contains only what %(name)s may see under the "
        "covenant, for the purpose stated above. Do not copy or pass it on; destroy it "
        "when the purpose has been served. Every print is recorded.", name=printer)),
        ctx.styles["Small"])]], colWidths=[CONTENT_WIDTH])
    notice.setStyle(TableStyle([
        CELL_FONT,
        ("BOX", (0, 0), (-1, -1), 0.8, CLASSIFICATION),
        ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
    ]))
    return [
        Spacer(1, 18 * mm),
        paragraph(markup(_("CONFIDENTIAL")), styles["Classification"]),
        paragraph(markup(_("Case dossier")), styles["Title"]),
        paragraph(markup(f"{case.number} · {case.subject_names}"), styles["Subtitle"]),
        key_value_table(rows, [45 * mm, CONTENT_WIDTH - 45 * mm], styles),
        Spacer(1, 10 * mm),
        notice,
    ]


def load_case(case_id: int) -> Case | None:
    """The case to print, with its subjects joined in; ``None`` if the reader may not see
    it (the guarded session decides)."""
    return db.session.scalars(
        select(Case).where(Case.id == case_id)
        .options(case_subjects_loader())
    ).unique().one_or_none()


def build_dossier(case: Case | int, request: PrintRequest,
                  sections: Sequence[DossierSection] | None = None) -> PrintedDocument | None:
    """Render the dossier of ``case`` for ``request``.

    The print screen passes the case it loaded (``load_case``) and the sections it
    offered, so neither is read twice; given a case id, this loads it and returns
    ``None`` if the case is not visible to the reader.
    """
    if not isinstance(case, Case):
        case = load_case(case)
        if case is None:
            return None
    sections = available_sections() if sections is None else sections
    styles = build_styles()
    fmt = Formatter(request.locale)
    ctx = DossierContext(case=case, actor=request.actor, locale=request.locale, styles=styles,
                         gettext=_, format_date=fmt.date, display_value=fmt.value,
                         data=_Data(case))
    wanted = set(request.sections)
    chosen = [s for s in sections if s.key in wanted]

    story: list[Any] = [*_cover(case, request, ctx, chosen), PageBreak(),
                        paragraph(markup(_("Contents")), styles["Title"]),
                        table_of_contents(styles)]
    for n, section in enumerate(chosen):
        if n:
            story += [Spacer(1, 6 * mm), CondPageBreak(70 * mm)]
        story.append(paragraph(markup(section.title), styles["Heading1"]))
        story.extend(section.render(ctx))

    title = _("Case dossier %(number)s", number=case.number)
    pdf, pages = render(story, furniture_for(request, case.number, title))
    stamp = fmt.local_day(request.printed_at).isoformat()
    return PrintedDocument(pdf=pdf, pages=pages,
                           filename=f"dossier-{case.number}-{stamp}.pdf",
                           reference=case.number,
                           sections=tuple(s.key for s in chosen))


def open_statuses() -> tuple[InterventionStatus, ...]:
    return (InterventionStatus.planned, InterventionStatus.active)
