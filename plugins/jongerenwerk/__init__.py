"""Jongerenwerk: mentoring trajectories with a log of meetings."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casusregie.app.extensions import db
from casusregie.app.models.base import InterventionDomain, OrganisationKind
from casusregie.app.plugins import (
    CatalogueEntry,
    InterventionKind,
    RoleGrant,
    ViewSpec,
    destroy_rows,
    empty_section,
    hookimpl,
    section_rows,
)
from casusregie.app.roles import (
    READ,
    ROLE_CASE_DIRECTOR,
    ROLE_COORDINATOR,
    ROLE_CORE_PARTNER,
    ROLE_PARTNER,
    WRITE,
)
from casusregie.plugins.jongerenwerk.models import KIND, MentoringMeeting, MentoringTrajectory
from casusregie.plugins.jongerenwerk.views import (
    LABELS,
    MentoringMeetingModelView,
    MentoringTrajectoryModelView,
)
from casusregie.reports.api import DossierContext, DossierSection

VIEW = "MentoringTrajectoryModelView"
MEETINGS = "MentoringMeetingModelView"
MENU = "Mentoring trajectories"


@hookimpl
def intervention_kinds() -> list[InterventionKind]:
    return [InterventionKind(
        kind=KIND,
        model=MentoringTrajectory,
        label=_l("mentoring trajectory"),
        view=ViewSpec(MentoringTrajectoryModelView, MENU, label=_l("Mentoring trajectories"),
                      icon="fa-handshake-o", category_label=_l("Case work")),
        catalogue=(CatalogueEntry("Mentortraject jongerenwerk", InterventionDomain.social,
                                  "Vaste mentor uit het jongerenwerk met een logboek van "
                                  "de gesprekken.", OrganisationKind.youth_work,
                                  name_en="Youth work mentoring trajectory"),),
        organisation_kinds=frozenset({OrganisationKind.youth_work}),
    )]


@hookimpl
def views() -> list[ViewSpec]:
    # The meeting log is reached from its trajectory; it has no menu entry.
    return [ViewSpec(MentoringMeetingModelView)]


@hookimpl
def role_grants() -> list[RoleGrant]:
    menu = ("menu_access", MENU)
    write = tuple((p, v) for v in (VIEW, MEETINGS) for p in READ + WRITE)
    read = tuple((p, v) for v in (VIEW, MEETINGS) for p in READ)
    return [
        RoleGrant(ROLE_PARTNER, (*write, menu)),
        RoleGrant(ROLE_CASE_DIRECTOR, (*read, menu)),
        RoleGrant(ROLE_COORDINATOR, (*read, menu)),
        RoleGrant(ROLE_CORE_PARTNER, (*read, menu)),
    ]


def render_section(ctx: DossierContext) -> list[Any]:
    from sqlalchemy.orm import selectinload

    items = (db.session.query(MentoringTrajectory)
             .options(selectinload(MentoringTrajectory.meetings))
             .filter(MentoringTrajectory.case_id == ctx.case.id)
             .order_by(MentoringTrajectory.start_date, MentoringTrajectory.id).all())
    if not items:
        return empty_section(ctx, _("No mentoring trajectories."))
    flowables: list[Any] = []
    for item in items:
        rows: list[tuple[str, Any]] = [
            (str(LABELS["organisation"]), item.organisation),
            (str(LABELS["mentor"]), item.mentor),
            (str(LABELS["meeting_frequency"]), item.meeting_frequency),
            (str(LABELS["status"]), item.status.value if item.status else ""),
            (str(LABELS["start_date"]), ctx.format_date(item.start_date)),
            (str(LABELS["end_date"]), ctx.format_date(item.end_date)),
        ]
        rows += [(ctx.format_date(m.met_on), m.note) for m in item.meetings]
        flowables += section_rows(ctx, str(item.type), rows)
    return flowables


@hookimpl
def dossier_sections() -> list[DossierSection]:
    return [DossierSection("jongerenwerk.mentoring", _("Mentoring trajectories"),
                           render_section, order=620)]


@hookimpl
def destroy_case_records(case_id: int, intervention_ids: list[int],
                         apply: bool) -> dict[str, int]:
    meetings, trajectories = MentoringMeeting.__table__, MentoringTrajectory.__table__
    return destroy_rows([(meetings, meetings.c.trajectory_id.in_(intervention_ids)),
                         (trajectories, trajectories.c.id.in_(intervention_ids))], apply)
