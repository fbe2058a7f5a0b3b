"""Zorg: care trajectories delivered by the GGD or a GGZ organisation.

Health fields (kind of treatment, care provider, frequency) are visible only to the
organisation that delivers the care and to the case's director.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casusregie.app.access import Actor, current_actor
from casusregie.app.extensions import db
from casusregie.app.models.base import InterventionDomain, OrganisationKind
from casusregie.app.plugins import (
    CatalogueEntry,
    FieldRule,
    InterventionKind,
    RoleGrant,
    ViewSpec,
    can_see_field,
    destroy_rows,
    empty_section,
    hookimpl,
    section_rows,
)
from casusregie.app.roles import (
    READ,
    ROLE_CASE_DIRECTOR,
    ROLE_COORDINATOR,
    ROLE_PARTNER,
    SCOPE_CORE,
    WRITE,
)
from casusregie.plugins.zorg.models import KIND, CareTrajectory
from casusregie.plugins.zorg.views import LABELS, TREATMENT_LABELS, CareTrajectoryModelView
from casusregie.reports.api import DossierContext, DossierSection

VIEW = "CareTrajectoryModelView"
MENU = "Care trajectories"


def may_see_health(item: CareTrajectory, actor: Actor | None) -> bool:
    if actor is None:
        return False
    if actor.organisation_id is not None and actor.organisation_id == item.organisation_id:
        return True
    case = item.case
    return case is not None and actor.user_id is not None and \
        case.case_director_id == actor.user_id


def may_see_some_health(actor: Actor | None) -> bool:
    # Care partners see their own trajectories' health fields, case directors those of
    # the cases they direct; nobody else sees them on any row.
    # By the scopes the roles give, not their names: partners and case directors hold the
    # admitted-cases scope without the core one.
    return actor is not None and actor.admitted_scope and SCOPE_CORE not in actor.scopes


@hookimpl
def intervention_kinds() -> list[InterventionKind]:
    return [InterventionKind(
        kind=KIND,
        model=CareTrajectory,
        label=_l("care trajectory"),
        view=ViewSpec(CareTrajectoryModelView, MENU, label=_l("Care trajectories"),
                      icon="fa-heartbeat", category_label=_l("Case work")),
        catalogue=(CatalogueEntry("Zorgtraject GGD/GGZ", InterventionDomain.care,
                                  "Behandeling of begeleiding door de GGD of een "
                                  "GGZ-instelling.", OrganisationKind.health,
                                  name_en="Care trajectory (GGD/mental health)"),),
        organisation_kinds=frozenset({OrganisationKind.health}),
    )]


@hookimpl
def field_rules() -> list[FieldRule]:
    return [FieldRule(CareTrajectory, CareTrajectory.HEALTH_FIELDS, may_see_health,
                      may_see_some_health)]


@hookimpl
def role_grants() -> list[RoleGrant]:
    menu = ("menu_access", MENU)
    return [
        RoleGrant(ROLE_PARTNER, (*((p, VIEW) for p in READ + WRITE), menu)),
        RoleGrant(ROLE_CASE_DIRECTOR, (*((p, VIEW) for p in READ + WRITE), menu)),
        RoleGrant(ROLE_COORDINATOR, (*((p, VIEW) for p in READ), menu)),
    ]


def render_section(ctx: DossierContext) -> list[Any]:
    items = (db.session.query(CareTrajectory)
             .filter(CareTrajectory.case_id == ctx.case.id)
             .order_by(CareTrajectory.start_date, CareTrajectory.id).all())
    if not items:
        return empty_section(ctx, _("No care trajectories."))
    actor = ctx.actor if ctx.actor is not None else current_actor()
    flowables: list[Any] = []
    for item in items:
        rows: list[tuple[str, Any]] = [
            (str(LABELS["organisation"]), item.organisation),
            (str(LABELS["status"]), item.status.value if item.status else ""),
            (str(LABELS["start_date"]), ctx.format_date(item.start_date)),
            (str(LABELS["end_date"]), ctx.format_date(item.end_date)),
            (str(LABELS["consent"]), _("yes") if item.consent else _("no")),
            (str(LABELS["consent_date"]), ctx.format_date(item.consent_date)),
        ]
        for name in ("treatment", "care_provider", "frequency"):
            if can_see_field(item, name, actor):
                value = getattr(item, name)
                if name == "treatment":
                    value = TREATMENT_LABELS.get(value, value)
                rows.append((str(LABELS[name]), value))
            else:
                rows.append((str(LABELS[name]), _("(hidden: health information)")))
        flowables += section_rows(ctx, str(item.type), rows)
    return flowables


@hookimpl
def dossier_sections() -> list[DossierSection]:
    return [DossierSection("zorg.care", _("Care trajectories"), render_section, order=610)]


@hookimpl
def destroy_case_records(case_id: int, intervention_ids: list[int],
                         apply: bool) -> dict[str, int]:
    table = CareTrajectory.__table__
    return destroy_rows([(table, table.c.id.in_(intervention_ids))], apply)
