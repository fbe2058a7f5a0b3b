"""Bestuurlijk: administrative measures, with a warning before a measure expires.

The case director sees a notice on the start page for every active measure of their
cases that expires within ``EXPIRY_WARNING_DAYS`` days.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casusregie.app.access import Actor
from casusregie.app.extensions import db
from casusregie.app.models import Case
from casusregie.app.models.base import InterventionDomain, InterventionStatus, OrganisationKind
from casusregie.app.plugins import (
    CatalogueEntry,
    InterventionKind,
    Notice,
    RoleGrant,
    ViewSpec,
    destroy_rows,
    empty_section,
    format_date,
    hookimpl,
    section_rows,
)
from casusregie.app.roles import (
    READ,
    ROLE_CASE_DIRECTOR,
    ROLE_COORDINATOR,
    ROLE_CORE_PARTNER,
    SCOPE_COORDINATE,
    WRITE,
)
from casusregie.plugins.bestuurlijk.models import KIND, AdministrativeMeasure
from casusregie.plugins.bestuurlijk.views import (
    LABELS,
    AdministrativeMeasureModelView,
    appeal_label,
    measure_label,
)
from casusregie.reports.api import DossierContext, DossierSection

VIEW = "AdministrativeMeasureModelView"
MENU = "Administrative measures"
EXPIRY_WARNING_DAYS = 30


@hookimpl
def intervention_kinds() -> list[InterventionKind]:
    return [InterventionKind(
        kind=KIND,
        model=AdministrativeMeasure,
        label=_l("administrative measure"),
        view=ViewSpec(AdministrativeMeasureModelView, MENU,
                      label=_l("Administrative measures"), icon="fa-gavel",
                      category_label=_l("Case work")),
        catalogue=(CatalogueEntry("Bestuurlijke maatregel", InterventionDomain.administrative,
                                  "Meldplicht, gebiedsverbod, contactverbod, uitreisverbod "
                                  "of paspoort vervallen verklaren.",
                                  OrganisationKind.municipality,
                                  name_en="Administrative measure"),),
        organisation_kinds=frozenset({OrganisationKind.municipality}),
    )]


@hookimpl
def role_grants() -> list[RoleGrant]:
    menu = ("menu_access", MENU)
    return [
        RoleGrant(ROLE_COORDINATOR, (*((p, VIEW) for p in READ + WRITE), menu)),
        RoleGrant(ROLE_CASE_DIRECTOR, (*((p, VIEW) for p in READ + WRITE), menu)),
        RoleGrant(ROLE_CORE_PARTNER, (*((p, VIEW) for p in READ), menu)),
    ]


def expiring_measures(actor: Actor, today: dt.date | None = None) -> list[AdministrativeMeasure]:
    """Active measures of the cases ``actor`` directs that expire within the warning period."""
    from sqlalchemy.orm import joinedload

    today = today or dt.date.today()
    return (db.session.query(AdministrativeMeasure)
            .join(Case, Case.id == AdministrativeMeasure.case_id)
            .options(joinedload(AdministrativeMeasure.case))
            .filter(Case.case_director_id == actor.user_id,
                    AdministrativeMeasure.valid_until >= today,
                    AdministrativeMeasure.valid_until
                    <= today + dt.timedelta(days=EXPIRY_WARNING_DAYS),
                    AdministrativeMeasure.status.notin_(
                        [InterventionStatus.completed, InterventionStatus.stopped]))
            .order_by(AdministrativeMeasure.valid_until).all())


@hookimpl
def start_notices(actor: Actor) -> list[Notice]:
    # Case directors (by the scopes their roles give, so a rename changes nothing).
    if not actor.directs or SCOPE_COORDINATE in actor.scopes:
        return []
    today = dt.date.today()
    return [Notice(_("%(measure)s in case %(case)s expires on %(date)s (in %(days)d days).",
                     measure=measure_label(m.measure), case=m.case.number,
                     date=format_date(m.valid_until), days=(m.valid_until - today).days))
            for m in expiring_measures(actor, today)]


def render_section(ctx: DossierContext) -> list[Any]:
    items = (db.session.query(AdministrativeMeasure)
             .filter(AdministrativeMeasure.case_id == ctx.case.id)
             .order_by(AdministrativeMeasure.decree_date, AdministrativeMeasure.id).all())
    if not items:
        return empty_section(ctx, _("No administrative measures."))
    flowables: list[Any] = []
    for item in items:
        rows: list[tuple[str, Any]] = [
            (str(LABELS["legal_basis"]), item.legal_basis),
            (str(LABELS["decree_date"]), ctx.format_date(item.decree_date)),
            (str(LABELS["decree_reference"]), item.decree_reference),
            (str(LABELS["valid_until"]), ctx.format_date(item.valid_until)),
            (str(LABELS["appeal_status"]), appeal_label(item.appeal_status)),
            (str(LABELS["status"]), item.status.value if item.status else ""),
        ]
        flowables += section_rows(ctx, measure_label(item.measure), rows)
    return flowables


@hookimpl
def dossier_sections() -> list[DossierSection]:
    return [DossierSection("bestuurlijk.measures", _("Administrative measures"),
                           render_section, order=630)]


@hookimpl
def destroy_case_records(case_id: int, intervention_ids: list[int],
                         apply: bool) -> dict[str, int]:
    table = AdministrativeMeasure.__table__
    return destroy_rows([(table, table.c.id.in_(intervention_ids))], apply)
